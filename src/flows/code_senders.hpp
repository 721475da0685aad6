// The CodeSenders the flows hand to methods: one that prepares a real message for
// the outbox, and one for phantom flows that sends nothing but applies the same
// per-destination limit.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/audit.hpp"
#include "core/method.hpp"
#include "core/rate_limiter.hpp"

namespace latchkey {

class KeyRing;
class MessageTemplates;

class PhoneGuard;

struct CodeMessageSettings {
  RateSpec send_per_destination{5, std::chrono::minutes(15)};
  std::string organisation = "Latchkey";
  std::string helpdesk;
  // The toll-fraud checks of SMS and voice codes. Required for those channels: without
  // it they are refused (kInternal), never sent unchecked.
  PhoneGuard* phone_guard = nullptr;
};

// The "Need help? ..." line of the templates, or "".
std::string HelpdeskLine(const std::string& helpdesk);

// A time as messages show it: "2026-12-02 01:30" (UTC).
std::string UtcTime(TimePoint t);

// Prepares each code as an outbox message (template by purpose and channel: an
// email, a text, or a call script reading the code digit by digit); the caller
// queues `messages` and appends `events` (operator alerts, such as an SMS budget
// crossed) in the transaction that records the challenge, so all commit or none.
// SMS and voice codes pass the PhoneGuard first; its refusal is the uniform
// "cannot_send_code".
class OutboxCodeSender final : public CodeSender {
 public:
  OutboxCodeSender(RateLimiter& limiter, const KeyRing& keys, const MessageTemplates& templates,
                   const Clock& clock, const CodeMessageSettings& settings,
                   std::optional<AccountId> account);
  Status SendCode(CodePurpose purpose, Channel channel, std::string_view to,
                  std::string_view to_hint, const SecretString& code, Millis lifetime) override;

  std::vector<OutboundMessage> messages;
  std::vector<AuditEvent> events;

 private:
  RateLimiter& limiter_;
  const KeyRing& keys_;
  const MessageTemplates& templates_;
  const Clock& clock_;
  const CodeMessageSettings& settings_;
  std::optional<AccountId> account_;
};

// For phantom flows: the same limit, keyed on the decoy (`subject_key`).
class PhantomCodeSender final : public CodeSender {
 public:
  PhantomCodeSender(RateLimiter& limiter, const KeyRing& keys, const CodeMessageSettings& settings,
                    std::string subject_key);
  Status SendCode(CodePurpose purpose, Channel channel, std::string_view to,
                  std::string_view to_hint, const SecretString& code, Millis lifetime) override;

 private:
  RateLimiter& limiter_;
  const KeyRing& keys_;
  const CodeMessageSettings& settings_;
  std::string subject_key_;
};

}  // namespace latchkey
