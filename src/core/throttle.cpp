#include "core/throttle.hpp"

namespace latchkey {

std::optional<Millis> BlockedFor(const ThrottleState& state, TimePoint now) {
  if (!state.blocked_until || *state.blocked_until <= now) return std::nullopt;
  return std::chrono::duration_cast<Millis>(*state.blocked_until - now);
}

bool RecordEvent(ThrottleState& state, const ThrottleRule& rule, TimePoint now) {
  if (!rule.enabled()) return false;
  if (state.count == 0 || now - state.window_start >= rule.window) {
    state.count = 0;
    state.window_start = now;
  }
  ++state.count;
  if (state.count < rule.limit) return false;
  state.blocked_until = now + rule.block;
  state.count = 0;
  return true;
}

}  // namespace latchkey
