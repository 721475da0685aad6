// Account: Latchkey's record of a person, whatever directory holds the password.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace latchkey {

using AccountId = std::int64_t;

enum class AccountStatus : std::uint8_t { kActive, kLocked, kDisabled, kPendingActivation };

std::string_view ToString(AccountStatus status);
// Parses "active", "locked", "disabled", "pending_activation".
std::optional<AccountStatus> ParseAccountStatus(std::string_view text);

struct Account {
  AccountId id = 0;
  std::string username;      // as the administrator typed it (display form)
  std::string username_key;  // normalised form (NFKC, case folded): unique
  std::string display_name;
  AccountStatus status = AccountStatus::kActive;
  std::string password_hash;  // Argon2id PHC string; empty when the directory holds it
  std::optional<TimePoint> password_changed_at;
  std::string history_salt;   // base64 salt shared by this account's history digests
  std::string signin_state;   // smart lockout state (core/lockout.hpp), encoded
  std::optional<TimePoint> reconfirmed_at;  // when the person last confirmed their security info
  int failed_logins = 0;
  std::optional<TimePoint> locked_until;
  TimePoint created_at{};
  TimePoint updated_at{};
  std::int64_t version = 1;  // optimistic concurrency: bumped by every update
};

}  // namespace latchkey
