// Audit events: an append-only record of every security-relevant step.
// Never holds a password, code, answer or full contact detail.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/account.hpp"
#include "core/clock.hpp"

namespace latchkey {

struct AuditEvent {
  std::int64_t id = 0;  // assigned by the store
  TimePoint at{};
  std::string event;    // "flow.start", "flow.verify", "password.reset", "user.add", ...
  std::string outcome;  // "ok", "failed", "blocked", "rate_limited", "rejected", ...
  std::string reason;   // "wrong_code", "expired", "unknown_user", ...
  std::optional<AccountId> account_id;
  std::string subject;  // the account's username, or a keyed hash when no account matched
  std::string flow_ref; // short flow reference
  std::string method;   // method kind
  std::string ip;
  std::string actor;    // "self", "cli", "system"
};

}  // namespace latchkey
