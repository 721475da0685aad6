#include "core/session.hpp"

namespace latchkey {

std::string_view ToString(SessionState state) {
  return state == SessionState::kActive ? "active" : "second_factor_required";
}

std::optional<SessionState> ParseSessionState(std::string_view text) {
  if (text == "active") return SessionState::kActive;
  if (text == "second_factor_required") return SessionState::kSecondFactorRequired;
  return std::nullopt;
}

const GateOption* Session::FindOption(std::string_view id) const {
  for (const auto& o : options) {
    if (o.id == id) return &o;
  }
  return nullptr;
}

}  // namespace latchkey
