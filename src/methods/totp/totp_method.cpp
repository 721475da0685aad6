#include "methods/totp/totp_method.hpp"

#include <array>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/blob.hpp"
#include "crypto/hashing.hpp"
#include "crypto/keys.hpp"
#include "methods/enroll_util.hpp"
#include "methods/totp/qr_svg.hpp"

namespace latchkey {
namespace {

constexpr std::string_view kHint = "Authenticator app";

// What an enrollment's secret holds (a Blob): the key in Base32, the parameters,
// and the last accepted time step ("last", absent before the first code).
struct StoredKey {
  std::string key;  // raw bytes
  totp::Params params;
  std::optional<std::uint64_t> last_step;
};

std::string EncodeStored(const StoredKey& s) {
  Blob blob;
  blob["k"] = totp::Base32Encode(s.key);
  blob["alg"] = std::string(totp::AlgorithmName(s.params.algorithm));
  blob["d"] = std::to_string(s.params.digits);
  blob["p"] = std::to_string(s.params.period_seconds);
  if (s.last_step) blob["last"] = std::to_string(*s.last_step);
  return EncodeBlob(blob);
}

std::optional<StoredKey> DecodeStored(std::string_view text) {
  const std::optional<Blob> blob = DecodeBlob(text);
  if (!blob || blob->count("k") == 0 || blob->count("alg") == 0) return std::nullopt;
  StoredKey s;
  std::optional<std::string> key = totp::Base32Decode(blob->at("k"));
  std::optional<totp::Algorithm> alg = totp::ParseAlgorithm(blob->at("alg"));
  if (!key || key->empty() || !alg) return std::nullopt;
  s.key = std::move(*key);
  s.params.algorithm = *alg;
  s.params.digits = static_cast<int>(BlobInt(*blob, "d", 0));
  s.params.period_seconds = static_cast<int>(BlobInt(*blob, "p", 0));
  if (s.params.digits < 6 || s.params.digits > 9 || s.params.period_seconds <= 0)
    return std::nullopt;
  if (blob->count("last") != 0) {
    const std::int64_t last = BlobInt(*blob, "last", -1);
    if (last < 0) return std::nullopt;
    s.last_step = static_cast<std::uint64_t>(last);
  }
  return s;
}

// Digits only: people type "123 456" as well as "123456".
std::string Typed(std::string_view code) {
  std::string out;
  for (const char c : code) {
    if (c == ' ') continue;
    out.push_back(c >= '0' && c <= '9' ? c : 'x');
  }
  return out;
}

// Checks `typed` against the steps around `now` (every step is computed and
// compared, whatever matches). On success `s.last_step` becomes the step used.
Status CheckCode(StoredKey& s, TimePoint now, std::string_view typed_code, bool force_fail) {
  const std::string typed = Typed(typed_code);
  const std::int64_t seconds = ToUnixMillis(now) / 1000;
  const std::uint64_t current = totp::TimeStep(seconds, s.params.period_seconds);
  std::optional<std::uint64_t> fresh;  // the highest matching step not used yet
  bool reused = false;
  for (int d = -kTotpSkewSteps; d <= kTotpSkewSteps; ++d) {
    if (d < 0 && current < static_cast<std::uint64_t>(-d)) continue;
    const std::uint64_t step = current + static_cast<std::uint64_t>(static_cast<std::int64_t>(d));
    const std::string expected = totp::Hotp(s.key, step, s.params.digits, s.params.algorithm);
    if (!ConstantTimeEquals(typed, expected)) continue;
    if (s.last_step && step <= *s.last_step) {
      reused = true;
    } else {
      fresh = step;
    }
  }
  if (force_fail || (!fresh && !reused)) {
    return Status::VerifyFailed("wrong_code", "That code is not right.");
  }
  if (!fresh) {
    return Status::VerifyFailed(
        "code_reused", "That code has already been used. Wait for the app to show a new one.");
  }
  s.last_step = fresh;
  return Status::Ok();
}

class TotpMethod final : public Method, public Enroller {
 public:
  explicit TotpMethod(TotpMethodOptions options) : o_(std::move(options)) {}

  MethodKind kind() const override { return MethodKind::kTotp; }

  bool IsUsable(const Enrollment& e) const override {
    return e.kind == MethodKind::kTotp && e.state == EnrollmentState::kActive &&
           DecodeStored(e.secret.view()).has_value();
  }

  // Nothing to send: the app shows the code.
  Status Begin(GateContext&, const Enrollment*) override { return Status::Ok(); }

  Status Verify(GateContext& ctx, Enrollment* e, const Answer& answer) override {
    if (e == nullptr) {
      // A phantom does the same work with a decoy key, and never passes.
      std::string data = "totp-decoy";
      data.push_back('\0');
      data.append(ctx.subject.empty() ? ctx.scope : ctx.subject);
      StoredKey decoy;
      decoy.key = HmacSha256Hex(ctx.keys.phantom_key(), data).substr(0, 40);
      decoy.params = o_.params;
      return CheckCode(decoy, ctx.clock.Now(), answer.code.view(), true);
    }
    std::optional<StoredKey> s = DecodeStored(e->secret.view());
    if (!s) return Status::Internal("unreadable TOTP enrollment").WithDetail(e->id);
    LK_RETURN_IF_ERROR(CheckCode(*s, ctx.clock.Now(), answer.code.view(), false));
    e->secret = SecretString(EncodeStored(*s));
    return Status::Ok();
  }

  Result<Enrollment> BeginEnroll(EnrollContext& ctx, std::string_view request_json) override {
    const auto body =
        nlohmann::json::parse(request_json.empty() ? "{}" : request_json, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return Status::InvalidArgument("invalid_json", "Send a JSON object.");
    }
    std::optional<std::string> given;
    const bool given_is_text = !body.contains("name") || body["name"].is_string();
    if (body.contains("name") && given_is_text) given = body["name"].get<std::string>();
    Result<std::string> chosen = ChooseMethodName(given, given_is_text, MethodKind::kTotp, kHint,
                                                  "an authenticator app", ctx.existing, ctx.clock.Now());
    if (!chosen.ok()) return chosen.status();
    std::string name = std::move(chosen).value();
    const TimePoint now = ctx.clock.Now();
    LK_RETURN_IF_ERROR(CheckMethodMaximum(MethodKind::kTotp, ctx.existing, now, o_.max_per_account, "authenticator apps"));

    StoredKey s;
    s.params = o_.params;
    s.key.resize(totp::KeyBytes(o_.params.algorithm));
    ctx.random.Fill(reinterpret_cast<std::uint8_t*>(s.key.data()), s.key.size());
    const std::string secret = totp::Base32Encode(s.key);
    const std::string& account = ctx.account.username;
    const std::string uri = totp::OtpauthUri(o_.issuer, account, secret, s.params);
    Result<std::string> svg =
        QrSvg(uri, "QR code to add " + account + " (" + o_.issuer + ") to an authenticator app");
    if (!svg.ok()) return svg.status();

    Enrollment e;
    e.id = "m_" + ctx.random.Token(12);
    e.account_id = ctx.account.id;
    e.kind = MethodKind::kTotp;
    e.state = EnrollmentState::kPending;
    e.source = EnrollmentSource::kUser;
    e.label = name;
    e.hint = std::string(kHint);
    e.secret = SecretString(EncodeStored(s));
    Blob pending;
    pending["exp"] = std::to_string(ToUnixMillis(now + o_.registration_lifetime));
    e.pending = SecretString(EncodeBlob(pending));
    e.created_at = now;

    nlohmann::json response = {
        {"name", name},
        {"otpauth_uri", uri},
        {"qr_svg", *svg},
        {"secret", secret},
        {"issuer", o_.issuer},
        {"account", account},
        {"algorithm", std::string(totp::AlgorithmName(s.params.algorithm))},
        {"digits", s.params.digits},
        {"period", s.params.period_seconds},
    };
    ctx.response = response.dump();
    return e;
  }

  Status FinishEnroll(EnrollContext& ctx, Enrollment& pending,
                      std::string_view request_json) override {
    const auto body = nlohmann::json::parse(request_json, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("code") ||
        !body["code"].is_string()) {
      return Status::InvalidArgument("missing_field", "Enter the code the app shows.", "code");
    }
    if (pending.kind != MethodKind::kTotp || pending.state != EnrollmentState::kPending) {
      return Status::OutOfOrder("This registration is not waiting for a code.");
    }
    // Another registration with this name may have finished first.
    if (MethodNameTaken(pending.label, MethodKind::kTotp, ctx.existing, std::nullopt, pending.id)) {
      return Status::InvalidArgument("duplicate_name",
                                     "You already have an authenticator app with that name. Remove this one and "
                                     "register it again with another name.",
                                     "name");
    }
    const std::optional<Blob> blob = DecodeBlob(pending.pending.view());
    if (!blob || blob->count("exp") == 0)
      return Status::OutOfOrder("Start the registration again.");
    const TimePoint now = ctx.clock.Now();
    if (now >= FromUnixMillis(BlobInt(*blob, "exp"))) {
      return Status::Expired("registration_expired",
                             "This registration took too long. Start again with a new QR code.");
    }
    std::optional<StoredKey> s = DecodeStored(pending.secret.view());
    if (!s) return Status::Internal("unreadable TOTP registration").WithDetail(pending.id);
    const SecretString code(body["code"].get<std::string>());
    LK_RETURN_IF_ERROR(CheckCode(*s, now, code.view(), false));
    pending.secret = SecretString(EncodeStored(*s));  // the first code is spent too
    pending.state = EnrollmentState::kActive;
    pending.confirmed_at = now;
    pending.pending = SecretString();
    return Status::Ok();
  }

 private:
  TotpMethodOptions o_;
};

}  // namespace

std::unique_ptr<Method> MakeTotpMethod(const TotpMethodOptions& options) {
  return std::make_unique<TotpMethod>(options);
}

}  // namespace latchkey
