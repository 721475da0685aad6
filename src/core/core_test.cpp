#include <gtest/gtest.h>

#include <set>

#include "core/clock.hpp"
#include "core/flow.hpp"
#include "core/mask.hpp"
#include "core/random.hpp"
#include "core/secret.hpp"
#include "core/status.hpp"
#include "core/work_pool.hpp"

namespace latchkey {
namespace {

TEST(StatusTest, OkIsCheapAndHasNoReason) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "ok");
}

TEST(StatusTest, ErrorCarriesEveryPart) {
  Status s = Status::InvalidArgument("missing_field", "Enter a username.", "username")
                 .WithDetail("body had no username");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Errc::kInvalidArgument);
  EXPECT_EQ(s.reason(), "missing_field");
  EXPECT_EQ(s.message(), "Enter a username.");
  EXPECT_EQ(s.field(), "username");
  EXPECT_EQ(s.detail(), "body had no username");
  Status copy = s;
  EXPECT_EQ(copy.ToString(), s.ToString());
}

TEST(StatusTest, RateLimitedNeverSaysZeroSeconds) {
  EXPECT_EQ(Status::RateLimited(std::chrono::seconds(0)).retry_after().count(), 1);
  EXPECT_EQ(Status::RateLimited(std::chrono::seconds(42)).retry_after().count(), 42);
}

TEST(StatusTest, UnavailableHidesTheDetailFromTheMessage) {
  Status s = Status::Unavailable("sqlite: database is locked at /var/x.db");
  EXPECT_EQ(s.message().find("sqlite"), std::string_view::npos);
  EXPECT_NE(s.detail().find("locked"), std::string_view::npos);
}

TEST(ResultTest, HoldsValueOrError) {
  Result<int> a = 7;
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, 7);
  Result<int> b = Status::NotFound("flow_not_found", "No such flow.");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().reason(), "flow_not_found");
}

TEST(ResultTest, OkStatusBecomesAnInternalError) {
  Result<int> r = Status::Ok();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::kInternal);
}

TEST(SecretStringTest, ComparesByValue) {
  SecretString s("123456");
  EXPECT_TRUE(s.Equals("123456"));
  EXPECT_FALSE(s.Equals("123457"));
  EXPECT_FALSE(s.Equals("12345"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  SecretString moved = std::move(s);
  EXPECT_TRUE(moved.Equals("123456"));
  EXPECT_TRUE(s.empty());  // NOLINT(bugprone-use-after-move): the moved-from state is defined
}

class CountingRandom final : public Random {
 public:
  void Fill(std::uint8_t* out, std::size_t len) override {
    for (std::size_t i = 0; i < len; ++i) out[i] = static_cast<std::uint8_t>(next_++);
  }
  std::uint32_t Uniform(std::uint32_t upper) override { return next_++ % upper; }

 private:
  std::uint32_t next_ = 0;
};

TEST(RandomTest, DigitsKeepLeadingZeros) {
  CountingRandom r;
  EXPECT_EQ(r.Digits(6), "012345");
  EXPECT_EQ(r.Digits(8), "67890123");
}

TEST(RandomTest, TokenIsBase64UrlWithoutPadding) {
  CountingRandom r;
  const std::string t = r.Token(32);
  EXPECT_EQ(t.size(), 43u);
  for (char c : t) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
  // Bytes 00 01 02 encode to "AAEC".
  EXPECT_EQ(t.substr(0, 4), "AAEC");
}

TEST(MaskTest, EmailShowsAFixedShape) {
  EXPECT_EQ(MaskEmail("john.doe@mssociety.co.uk"), "jo*****@m****.co.uk");
  EXPECT_EQ(MaskEmail("jo@gmail.com"), "j*****@g****.com");
  EXPECT_EQ(MaskEmail("a@localhost"), "a*****@l****");
  EXPECT_EQ(MaskEmail("no-at-sign"), "*****");
  // Two addresses of different lengths have the same number of stars.
  EXPECT_EQ(MaskEmail("abcdefghij@x.org").size(), MaskEmail("abc@x.org").size());
}

TEST(MaskTest, EmailKeepsMultibyteCharactersWhole) {
  EXPECT_EQ(MaskEmail("élodie@école.fr"), "él*****@é****.fr");
}

TEST(MaskTest, PhoneShowsCountryCodeAndLastTwoDigits) {
  EXPECT_EQ(MaskPhone("+447444444444", 44), "+44 ******* 44");
  EXPECT_EQ(MaskPhone("+18165551234", 1), "+1 ******* 34");
}

TEST(ClockTest, ManualClockMovesOnlyWhenTold) {
  ManualClock clock;
  const TimePoint t0 = clock.Now();
  EXPECT_EQ(clock.Now(), t0);
  clock.Advance(std::chrono::minutes(15));
  EXPECT_EQ(clock.Now() - t0, std::chrono::minutes(15));
}

TEST(FlowTest, EffectiveStateTurnsExpiredAtTheDeadline) {
  Flow f;
  f.state = FlowState::kVerify;
  f.expires_at = FromUnixMillis(1000);
  EXPECT_EQ(f.EffectiveState(FromUnixMillis(999)), FlowState::kVerify);
  EXPECT_EQ(f.EffectiveState(FromUnixMillis(1000)), FlowState::kExpired);
  f.state = FlowState::kDone;
  EXPECT_EQ(f.EffectiveState(FromUnixMillis(5000)), FlowState::kDone);
}

TEST(WorkPoolTest, RunsAndRefusesWhenFull) {
  WorkPool pool(1, 1);
  Result<int> r = pool.Run<int>([] { return 41 + 1; });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 42);

  // Block the only worker, fill the one queue slot, then a third job is refused.
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::promise<void> started;
  std::thread t1([&] { (void)pool.Run<int>([&] { started.set_value(); gate.wait(); return 1; }); });
  started.get_future().wait();
  std::thread t2([&] { (void)pool.Run<int>([] { return 2; }); });
  // Wait until the second job is queued (the worker is busy, so it stays queued).
  while (pool.pending() < 1) std::this_thread::yield();
  Result<int> refused = pool.Run<int>([] { return 3; });
  release.set_value();
  t1.join();
  t2.join();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Errc::kUnavailable);
}

}  // namespace
}  // namespace latchkey
