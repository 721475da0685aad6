#include "core/lockout.hpp"

#include <gtest/gtest.h>

namespace latchkey {
namespace {

TEST(SmartLockoutTest, TenDistinctFailuresLockForAMinute) {
  ManualClock clock;
  SmartLockout lockout({});
  LockoutState s;
  for (int i = 0; i < 9; ++i) {
    EXPECT_TRUE(lockout.RecordFailure(s, false, "tag" + std::to_string(i), clock.Now()));
    EXPECT_FALSE(lockout.LockedUntil(s, false, clock.Now()).has_value()) << i;
  }
  EXPECT_TRUE(lockout.RecordFailure(s, false, "tag9", clock.Now()));
  auto until = lockout.LockedUntil(s, false, clock.Now());
  ASSERT_TRUE(until.has_value());
  EXPECT_EQ(*until - clock.Now(), std::chrono::seconds(60));
  clock.Advance(std::chrono::seconds(60));
  EXPECT_FALSE(lockout.LockedUntil(s, false, clock.Now()).has_value());
}

TEST(SmartLockoutTest, EachFurtherFailureLocksForLonger) {
  ManualClock clock;
  SmartLockout lockout({});
  LockoutState s;
  for (int i = 0; i < 10; ++i) lockout.RecordFailure(s, false, "t" + std::to_string(i), clock.Now());
  clock.Advance(std::chrono::seconds(61));
  lockout.RecordFailure(s, false, "another", clock.Now());
  EXPECT_EQ(*lockout.LockedUntil(s, false, clock.Now()) - clock.Now(), std::chrono::seconds(120));
  clock.Advance(std::chrono::seconds(121));
  lockout.RecordFailure(s, false, "yet another", clock.Now());
  EXPECT_EQ(*lockout.LockedUntil(s, false, clock.Now()) - clock.Now(), std::chrono::seconds(240));
}

TEST(SmartLockoutTest, TheDurationIsCapped) {
  ManualClock clock;
  SmartLockout lockout({10, std::chrono::seconds(60), std::chrono::minutes(5), 3, 10});
  LockoutState s;
  for (int i = 0; i < 30; ++i) {
    lockout.RecordFailure(s, false, "t" + std::to_string(i), clock.Now());
    clock.Advance(std::chrono::hours(1));
  }
  lockout.RecordFailure(s, false, "last", clock.Now());
  EXPECT_EQ(*lockout.LockedUntil(s, false, clock.Now()) - clock.Now(), std::chrono::minutes(5));
}

TEST(SmartLockoutTest, TheSameWrongPasswordCountsOnce) {
  ManualClock clock;
  SmartLockout lockout({});
  LockoutState s;
  EXPECT_TRUE(lockout.RecordFailure(s, false, "typo", clock.Now()));
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(lockout.RecordFailure(s, false, "typo", clock.Now()));
  EXPECT_EQ(s.classes[1].failures, 1);
  EXPECT_FALSE(lockout.LockedUntil(s, false, clock.Now()).has_value());
}

TEST(SmartLockoutTest, FamiliarAndUnfamiliarNetworksCountApart) {
  ManualClock clock;
  SmartLockout lockout({});
  LockoutState s;
  for (int i = 0; i < 10; ++i) lockout.RecordFailure(s, false, "t" + std::to_string(i), clock.Now());
  EXPECT_TRUE(lockout.LockedUntil(s, false, clock.Now()).has_value());
  EXPECT_FALSE(lockout.LockedUntil(s, true, clock.Now()).has_value());  // the owner's network still works
  lockout.RecordSuccess(s, true, "192.0.2.0/24");
  EXPECT_TRUE(lockout.LockedUntil(s, false, clock.Now()).has_value());  // a success elsewhere does not unlock
  EXPECT_TRUE(SmartLockout::IsKnownNetwork(s, "192.0.2.0/24"));
}

TEST(SmartLockoutTest, SuccessClearsItsClass) {
  ManualClock clock;
  SmartLockout lockout({});
  LockoutState s;
  for (int i = 0; i < 9; ++i) lockout.RecordFailure(s, true, "t" + std::to_string(i), clock.Now());
  lockout.RecordSuccess(s, true, "");
  EXPECT_EQ(s.classes[0].failures, 0);
  EXPECT_TRUE(lockout.RecordFailure(s, true, "t0", clock.Now()));  // tags were forgotten too
}

TEST(SmartLockoutTest, StateSurvivesEncoding) {
  ManualClock clock;
  SmartLockout lockout({});
  LockoutState s;
  for (int i = 0; i < 10; ++i) lockout.RecordFailure(s, false, "t" + std::to_string(i), clock.Now());
  lockout.RecordSuccess(s, true, "198.51.100.0/24");
  const LockoutState back = LockoutState::Decode(s.Encode());
  EXPECT_EQ(back.classes[1].failures, 10);
  EXPECT_EQ(back.classes[1].locked_until_ms, s.classes[1].locked_until_ms);
  EXPECT_EQ(back.classes[1].recent_wrong, s.classes[1].recent_wrong);
  EXPECT_EQ(back.networks, s.networks);
  EXPECT_EQ(LockoutState::Decode("garbage%").classes[1].failures, 0);
}

TEST(SmartLockoutTest, NetworksAreSlash24AndSlash64) {
  EXPECT_EQ(NetworkOf("192.0.2.77"), "192.0.2.0/24");
  EXPECT_EQ(NetworkOf("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
  EXPECT_EQ(NetworkOf("nonsense"), "");
}

}  // namespace
}  // namespace latchkey
