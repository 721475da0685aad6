#include "delivery/phone_guard.hpp"

#include "core/log.hpp"
#include "core/mask.hpp"
#include "crypto/keys.hpp"
#include "text/phone.hpp"

namespace latchkey {
namespace {

constexpr std::int64_t kHourMs = 3'600'000;

bool CostlyLine(PhoneLineType t) {
  switch (t) {
    case PhoneLineType::kPremiumRate:
    case PhoneLineType::kSharedCost:
    case PhoneLineType::kPersonalNumber:
    case PhoneLineType::kUan:
    case PhoneLineType::kPager:
    case PhoneLineType::kVoicemail:
      return true;
    default:
      return false;
  }
}

std::string CallingCodeText(std::string s) {
  if (!s.empty() && s[0] == '+') s.erase(0, 1);
  return s;
}

}  // namespace

Status CannotSendCode() {
  return Status::Error(Errc::kRateLimited, "cannot_send_code",
                       "We cannot send a code to that number right now. Choose another way to "
                       "verify, or contact the helpdesk.")
      .WithRetryAfter(std::chrono::hours(1));
}

PhoneGuard::PhoneGuard(const Clock& clock, RateLimiter& limiter, const KeyRing& keys,
                       PhoneGuardOptions options)
    : clock_(clock),
      limiter_(limiter),
      keys_(keys),
      options_(std::move(options)),
      home_calling_code_(options_.home_region.empty() ? 0
                                                      : CallingCodeForRegion(options_.home_region)) {}

bool PhoneGuard::CountryAllowed(int calling_code, std::string_view region) const {
  if (options_.allowed.empty()) {
    return !options_.home_region.empty() && region == options_.home_region;
  }
  const std::string cc = std::to_string(calling_code);
  for (const std::string& a : options_.allowed) {
    if (a == "*" || a == region || CallingCodeText(a) == cc) return true;
  }
  return false;
}

int PhoneGuard::Budget(Channel channel) const {
  return channel == Channel::kVoice ? options_.voice_hourly_budget : options_.sms_hourly_budget;
}

PhoneGuard::Hour& PhoneGuard::CurrentHour(Channel channel, std::int64_t index) {
  Hour& h = hours_[channel];
  if (h.index != index) h = Hour{index, 0, false};
  return h;
}

int PhoneGuard::AdmittedThisHour(Channel channel) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = hours_.find(channel);
  const std::int64_t index = ToUnixMillis(clock_.Now()) / kHourMs;
  return it == hours_.end() || it->second.index != index ? 0 : it->second.admitted;
}

Status PhoneGuard::Admit(Channel channel, std::string_view e164,
                         std::optional<PhoneBudgetAlert>* alert) {
  const std::string channel_name(ToString(channel));
  Result<PhoneNumber> parsed = ParsePhone(e164, "");
  std::string country = "?";
  std::string hint = "?";
  auto refuse = [&](const char* check) {
    log::Warn("phone.send_refused",
              {{"check", check}, {"channel", channel_name}, {"country", country}, {"to", hint}});
    return CannotSendCode().WithDetail(std::string("phone send refused: ") + check);
  };
  if (!parsed.ok()) return refuse("invalid_number");
  const PhoneNumber& number = *parsed;
  country = "+" + std::to_string(number.country_code);
  hint = MaskPhone(number.e164, number.country_code);
  if (CostlyLine(number.type)) return refuse("number_type");
  if (!CountryAllowed(number.country_code, number.region)) return refuse("country_not_allowed");

  const std::string number_key = keys_.Lookup("destination", number.e164);
  const std::string cc = std::to_string(number.country_code);
  const bool home = number.country_code == home_calling_code_;
  const RateSpec none{};
  const RateSpec& per_country = home ? none : options_.per_country;

  std::lock_guard<std::mutex> lock(mu_);
  const TimePoint now = clock_.Now();
  const std::int64_t index = ToUnixMillis(now) / kHourMs;
  Hour& hour = CurrentHour(channel, index);
  const int budget = Budget(channel);
  if (budget > 0 && hour.admitted >= budget) {
    if (!hour.alerted) {
      hour.alerted = true;
      log::Error("phone.budget_exceeded",
                 {{"channel", channel_name},
                  {"budget", std::to_string(budget)},
                  {"hour_start_ms", std::to_string(index * kHourMs)}});
      if (alert != nullptr) *alert = PhoneBudgetAlert{channel, budget, FromUnixMillis(index * kHourMs)};
    }
    return refuse("hourly_budget");
  }
  if (!limiter_.WouldAllow("phone_send_number", number_key, options_.per_number)) {
    return refuse("per_number");
  }
  if (!limiter_.WouldAllow("phone_send_country", cc, per_country)) return refuse("per_country");
  // Both had room a moment ago; another thread may have taken it meanwhile.
  if (!limiter_.Take("phone_send_number", number_key, options_.per_number).ok()) {
    return refuse("per_number");
  }
  if (!limiter_.Take("phone_send_country", cc, per_country).ok()) return refuse("per_country");
  ++hour.admitted;
  return Status::Ok();
}

}  // namespace latchkey
