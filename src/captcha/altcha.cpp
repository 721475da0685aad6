#include "captcha/altcha.hpp"

#include <nlohmann/json.hpp>

#include <charconv>

#include "crypto/hashing.hpp"

namespace latchkey {
namespace {

Status Invalid(const char* reason, const char* message) {
  return Status::InvalidArgument(reason, message, "captcha");
}

// The expiry in the salt's "?expires=<unix seconds>" parameter, or -1.
std::int64_t ExpiryOf(std::string_view salt) {
  const auto q = salt.find("?expires=");
  if (q == std::string_view::npos) return -1;
  std::string_view v = salt.substr(q + 9);
  v = v.substr(0, v.find('&'));
  std::int64_t t = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), t);
  if (ec != std::errc() || p != v.data() + v.size()) return -1;
  return t;
}

}  // namespace

bool MemoryReplayGuard::MarkUsed(std::string_view challenge, TimePoint expires_at) {
  const std::int64_t now = ToUnixMillis(clock_.Now());
  std::lock_guard<std::mutex> lock(mu_);
  std::string key(challenge);
  auto it = seen_.find(key);
  if (it != seen_.end() && it->second > now) return false;
  if (seen_.size() >= max_) {
    for (auto e = seen_.begin(); e != seen_.end();) e = e->second <= now ? seen_.erase(e) : std::next(e);
    // Still full of live entries: refuse rather than forget one (a replay window).
    if (seen_.size() >= max_) return false;
  }
  seen_[std::move(key)] = ToUnixMillis(expires_at);
  return true;
}

std::string Altcha::ChallengeOf(std::string_view salt, std::int64_t number) {
  return Sha256Hex(std::string(salt) + std::to_string(number));
}

std::string Altcha::NewChallengeJson() {
  const std::int64_t expires =
      (ToUnixMillis(clock_.Now()) + std::chrono::duration_cast<Millis>(o_.lifetime).count()) / 1000;
  std::string raw(12, '\0');
  random_.Fill(reinterpret_cast<std::uint8_t*>(raw.data()), raw.size());
  const std::string salt = HexEncode(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size()) +
                           "?expires=" + std::to_string(expires);
  const auto number = static_cast<std::int64_t>(random_.Uniform(static_cast<std::uint32_t>(o_.max_number + 1)));
  const std::string challenge = ChallengeOf(salt, number);
  return nlohmann::json{{"algorithm", "SHA-256"},
                        {"challenge", challenge},
                        {"maxnumber", o_.max_number},
                        {"salt", salt},
                        {"signature", HmacSha256Hex(key_, challenge)}}
      .dump();
}

Status Altcha::Verify(std::string_view payload_base64) {
  if (payload_base64.empty()) return Invalid("captcha_missing", "Complete the check that you are not a robot.");
  if (payload_base64.size() > 4096) return Invalid("captcha_invalid", "The robot check is not valid.");
  std::string text;
  if (!Base64Decode(payload_base64, text)) return Invalid("captcha_invalid", "The robot check is not valid.");
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Invalid("captcha_invalid", "The robot check is not valid.");
  const auto str = [&](const char* k) -> std::string {
    auto it = j.find(k);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  const std::string algorithm = str("algorithm"), challenge = str("challenge"), salt = str("salt"),
                    signature = str("signature");
  auto num = j.find("number");
  if (algorithm != "SHA-256" || challenge.size() != 64 || salt.empty() || signature.size() != 64 ||
      num == j.end() || !num->is_number_integer()) {
    return Invalid("captcha_invalid", "The robot check is not valid.");
  }
  const std::int64_t number = num->get<std::int64_t>();
  // Both checks run whatever the first says: no early exit to time.
  const bool signed_ok = ConstantTimeEquals(HmacSha256Hex(key_, challenge), signature);
  const bool solved = number >= 0 && number <= o_.max_number &&
                      ConstantTimeEquals(ChallengeOf(salt, number), challenge);
  if (!signed_ok || !solved) return Invalid("captcha_invalid", "The robot check is not valid.");
  const std::int64_t expires = ExpiryOf(salt);
  if (expires < 0) return Invalid("captcha_invalid", "The robot check is not valid.");
  if (ToUnixMillis(clock_.Now()) >= expires * 1000) {
    return Status::Expired("captcha_expired", "The robot check expired. Please do it again.");
  }
  if (!replay_.MarkUsed(challenge, FromUnixMillis(expires * 1000))) {
    return Invalid("captcha_replayed", "That robot check was already used. Please do it again.");
  }
  return Status::Ok();
}

}  // namespace latchkey
