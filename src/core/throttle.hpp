// Throttles: a count of events in a fixed window that, once over its limit, blocks
// the subject for a long time (Entra's self-service reset throttles: 5 wrong
// verifications in an hour, or 10 emails in 10 minutes, block the account for 24
// hours). Unlike the request rate limiter they are kept in the store, so that a
// restart or another node does not lift them. Pure logic; the store keeps states.
#pragma once

#include <optional>
#include <string>

#include "core/clock.hpp"

namespace latchkey {

struct ThrottleRule {
  int limit = 5;                             // events within the window that start a block
  Millis window = std::chrono::hours(1);
  Millis block = std::chrono::hours(24);     // how long the subject is blocked after
  bool enabled() const { return limit > 0; }
};

struct ThrottleState {
  int count = 0;
  TimePoint window_start{};
  std::optional<TimePoint> blocked_until;
};

// Time left of the block at `now`, or nullopt when not blocked.
std::optional<Millis> BlockedFor(const ThrottleState& state, TimePoint now);

// Counts one event. Returns true when this event reached the limit and started a
// block (the counter then restarts): the event itself has happened, the next one
// is refused by the caller while BlockedFor is set.
bool RecordEvent(ThrottleState& state, const ThrottleRule& rule, TimePoint now);

}  // namespace latchkey
