// Session: a signed-in person in the portal. The client holds a random token in an
// HttpOnly cookie; the store keeps only its SHA-256.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/account.hpp"
#include "core/clock.hpp"
#include "core/flow.hpp"

namespace latchkey {

enum class SessionState : std::uint8_t {
  kActive,                // signed in
  kSecondFactorRequired,  // the password was right; a strong method must follow
};

std::string_view ToString(SessionState state);
std::optional<SessionState> ParseSessionState(std::string_view text);

struct Session {
  std::string id_hash;  // hex SHA-256 of the cookie's token
  AccountId account_id = 0;
  SessionState state = SessionState::kActive;
  std::vector<GateOption> options;                  // second-factor choices
  std::map<std::string, std::string> method_state;  // option id -> the method's blob
  std::string second_factor;  // the method kind that passed, or ""
  int failures = 0;           // wrong second-factor answers in this session
  std::string ip;
  TimePoint created_at{};
  TimePoint last_seen_at{};
  TimePoint expires_at{};        // absolute end (sooner while a second factor is due)
  TimePoint authenticated_at{};  // the last password or second-factor proof
  std::int64_t version = 1;

  std::string_view ref() const { return std::string_view(id_hash).substr(0, 12); }
  const GateOption* FindOption(std::string_view id) const;
};

}  // namespace latchkey
