#include "core/throttle.hpp"

#include <gtest/gtest.h>

namespace latchkey {
namespace {

const TimePoint kT0 = FromUnixMillis(1'800'000'000'000);

TEST(ThrottleTest, TheLimitStartsABlockThatLiftsOnTime) {
  const ThrottleRule rule{5, std::chrono::hours(1), std::chrono::hours(24)};
  ThrottleState s;
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(RecordEvent(s, rule, kT0 + std::chrono::minutes(i)));
  EXPECT_FALSE(BlockedFor(s, kT0 + std::chrono::minutes(4)).has_value());
  EXPECT_TRUE(RecordEvent(s, rule, kT0 + std::chrono::minutes(5)));  // the fifth
  const TimePoint blocked_at = kT0 + std::chrono::minutes(5);
  ASSERT_TRUE(BlockedFor(s, blocked_at).has_value());
  EXPECT_EQ(*BlockedFor(s, blocked_at), std::chrono::hours(24));
  EXPECT_EQ(*BlockedFor(s, blocked_at + std::chrono::hours(23)), std::chrono::hours(1));
  EXPECT_FALSE(BlockedFor(s, blocked_at + std::chrono::hours(24)).has_value());
  // The count started again with the block: four more do not block anew.
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(RecordEvent(s, rule, blocked_at + std::chrono::hours(25)));
}

TEST(ThrottleTest, EventsOutsideTheWindowDoNotAddUp) {
  const ThrottleRule rule{3, std::chrono::minutes(10), std::chrono::hours(24)};
  ThrottleState s;
  EXPECT_FALSE(RecordEvent(s, rule, kT0));
  EXPECT_FALSE(RecordEvent(s, rule, kT0 + std::chrono::minutes(9)));
  // The window of the first event is over: this one starts a new window.
  EXPECT_FALSE(RecordEvent(s, rule, kT0 + std::chrono::minutes(10)));
  EXPECT_EQ(s.count, 1);
  EXPECT_FALSE(RecordEvent(s, rule, kT0 + std::chrono::minutes(11)));
  EXPECT_TRUE(RecordEvent(s, rule, kT0 + std::chrono::minutes(12)));
}

TEST(ThrottleTest, AnOffRuleNeverCountsOrBlocks) {
  const ThrottleRule off{0, std::chrono::minutes(1), std::chrono::hours(24)};
  ThrottleState s;
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(RecordEvent(s, off, kT0));
  EXPECT_EQ(s.count, 0);
  EXPECT_FALSE(BlockedFor(s, kT0).has_value());
}

}  // namespace
}  // namespace latchkey
