// PhoneGuard: the toll-fraud ("SMS pumping") checks that every code sent by SMS
// or read out in a call passes before it is queued. Texts and calls cost money per
// message, and some destinations pay a share of it back to whoever controls them,
// so an attacker who can make the service send codes to numbers of their choosing
// (at registration, or at a reset gate) can turn it into a revenue stream.
//
// In order, a code to a number is refused when:
//   1. the number is not a valid E.164 number, or a premium-rate, shared-cost,
//      personal ("follow-me"), UAN, pager or voicemail number;
//   2. its country is not allowed ([phone] allowed_country_codes; by default only
//      the region of [phone] default_region);
//   3. the channel's hourly budget is spent ([sms]/[voice] hourly_budget, per clock
//      hour): the first refusal in an hour alerts the operator (an error-level log
//      record here, and an audit event that the caller writes);
//   4. that number had too many codes ([limits] phone_send_per_number);
//   5. its country calling code had too many, unless it is the home region's
//      ([limits] phone_send_per_country), so that a pumping wave on one foreign
//      prefix is stopped before it eats the whole budget.
// A code that passes is counted against each. Whatever refused, people get the same
// answer (CannotSendCode): which check it was goes to the log only.
//
// The counters live in this process, like RateLimiter's: with K nodes behind a load
// balancer, divide the budgets by K. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/message.hpp"
#include "core/rate_limiter.hpp"
#include "core/status.hpp"

namespace latchkey {

class KeyRing;

struct PhoneGuardOptions {
  // "+44" (a country calling code), "GB" (a region: only that region's numbers,
  // not every region sharing its calling code), "*" (anywhere). Empty: home_region.
  std::vector<std::string> allowed;
  std::string home_region;  // [phone] default_region; may be empty
  RateSpec per_number{10, std::chrono::hours(24)};
  RateSpec per_country{20, std::chrono::hours(1)};
  int sms_hourly_budget = 100;  // 0: no budget
  int voice_hourly_budget = 25;
};

// The first refusal of a clock hour because a channel's budget was spent.
struct PhoneBudgetAlert {
  Channel channel = Channel::kSms;
  int budget = 0;
  TimePoint hour{};  // the start of that clock hour
};

class PhoneGuard {
 public:
  PhoneGuard(const Clock& clock, RateLimiter& limiter, const KeyRing& keys,
             PhoneGuardOptions options);

  // Ok: the code may go to `e164` over `channel` (it is counted). Otherwise
  // CannotSendCode() with the refusing check in its detail. `alert` (may be null)
  // is set when this refusal is the hour's first past the channel's budget.
  Status Admit(Channel channel, std::string_view e164, std::optional<PhoneBudgetAlert>* alert);

  // Whether a number's country is allowed (step 2 alone), e.g. for registration.
  bool CountryAllowed(int calling_code, std::string_view region) const;
  // Codes admitted over `channel` in the current clock hour.
  int AdmittedThisHour(Channel channel) const;

 private:
  struct Hour {
    std::int64_t index = -1;  // hours since the epoch
    int admitted = 0;
    bool alerted = false;
  };
  Hour& CurrentHour(Channel channel, std::int64_t index);
  int Budget(Channel channel) const;

  const Clock& clock_;
  RateLimiter& limiter_;
  const KeyRing& keys_;
  const PhoneGuardOptions options_;
  const int home_calling_code_;
  mutable std::mutex mu_;
  std::map<Channel, Hour> hours_;
};

// What a person sees when a code cannot go to a number: the same for every reason.
Status CannotSendCode();

}  // namespace latchkey
