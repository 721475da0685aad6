#include <gtest/gtest.h>

#include "core/blob.hpp"
#include "core/cidr.hpp"
#include "core/log.hpp"
#include "core/rate_limiter.hpp"

namespace latchkey {
namespace {

TEST(BlobTest, RoundTripsAwkwardValues) {
  Blob b{{"h", "ab=cd&ef%"}, {"exp", "123"}, {"empty", ""}, {"ctl", "a\nb"}};
  const std::string text = EncodeBlob(b);
  EXPECT_EQ(text.find('\n'), std::string::npos);
  const auto back = DecodeBlob(text);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, b);
  EXPECT_EQ(BlobInt(*back, "exp"), 123);
  EXPECT_EQ(BlobInt(*back, "h", -1), -1);
  EXPECT_EQ(BlobInt(*back, "missing", 7), 7);
}

TEST(BlobTest, RejectsMalformedText) {
  EXPECT_FALSE(DecodeBlob("novalue").has_value());
  EXPECT_FALSE(DecodeBlob("a=%4").has_value());
  EXPECT_FALSE(DecodeBlob("a=%zz").has_value());
  EXPECT_TRUE(DecodeBlob("").has_value());
}

TEST(CidrTest, MatchesV4AndV6Ranges) {
  const auto ten = Cidr::Parse("10.0.0.0/8");
  ASSERT_TRUE(ten.has_value());
  EXPECT_TRUE(ten->Contains("10.1.2.3"));
  EXPECT_FALSE(ten->Contains("11.0.0.1"));
  EXPECT_TRUE(ten->Contains("::ffff:10.9.9.9"));  // IPv4-mapped IPv6
  const auto v6 = Cidr::Parse("2001:db8::/32");
  ASSERT_TRUE(v6.has_value());
  EXPECT_TRUE(v6->Contains("2001:db8:1::5"));
  EXPECT_FALSE(v6->Contains("2001:db9::1"));
  EXPECT_FALSE(v6->Contains("10.0.0.1"));
  const auto host = Cidr::Parse("192.0.2.7");
  ASSERT_TRUE(host.has_value());
  EXPECT_TRUE(host->Contains("192.0.2.7"));
  EXPECT_FALSE(host->Contains("192.0.2.8"));
  const auto odd = Cidr::Parse("192.0.2.0/25");
  EXPECT_TRUE(odd->Contains("192.0.2.127"));
  EXPECT_FALSE(odd->Contains("192.0.2.128"));
  EXPECT_FALSE(Cidr::Parse("10.0.0.0/33").has_value());
  EXPECT_FALSE(Cidr::Parse("not an address").has_value());
  EXPECT_FALSE(Cidr::Parse("10.0.0.0/x").has_value());
  EXPECT_TRUE(InAny({*ten, *v6}, "2001:db8::1"));
}

TEST(RateLimiterTest, AllowsABurstThenRefillsAtTheRate) {
  ManualClock clock;
  RateLimiter limiter(clock);
  const RateSpec spec{3, std::chrono::minutes(1)};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Take("b", "k", spec).ok()) << i;
  const Status refused = limiter.Take("b", "k", spec);
  ASSERT_EQ(refused.code(), Errc::kRateLimited);
  EXPECT_EQ(refused.retry_after().count(), 20);  // one token every 20 s
  EXPECT_TRUE(limiter.Take("b", "other", spec).ok());   // keys are separate
  EXPECT_TRUE(limiter.Take("b2", "k", spec).ok());      // and buckets too
  clock.Advance(std::chrono::seconds(20));
  EXPECT_TRUE(limiter.WouldAllow("b", "k", spec));
  EXPECT_TRUE(limiter.Take("b", "k", spec).ok());
  EXPECT_FALSE(limiter.Take("b", "k", spec).ok());
  clock.Advance(std::chrono::minutes(5));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Take("b", "k", spec).ok());
}

TEST(RateLimiterTest, DisabledSpecAlwaysAllows) {
  ManualClock clock;
  RateLimiter limiter(clock);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limiter.Take("b", "k", RateSpec{}).ok());
}

TEST(RateLimiterTest, MemoryIsBounded) {
  ManualClock clock;
  RateLimiter limiter(clock, 8);
  const RateSpec spec{1, std::chrono::seconds(1)};
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(limiter.Take("b", std::to_string(i), spec).ok());
  // Old keys were forgotten when room was needed; recent ones are still limited.
  EXPECT_FALSE(limiter.Take("b", "9999", spec).ok());
}

TEST(LogFormatTest, EscapesSoThatInputCannotForgeRecords) {
  const std::string line =
      log::FormatText("flow.start", {{"user", "alice\nevent=password.reset outcome=ok"}, {"n", "1"}});
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line, "event=flow.start user=\"alice\\nevent=password.reset outcome=ok\" n=1");
  const std::string json = log::FormatJson("e", {{"k", "a\"b\x01"}});
  EXPECT_EQ(json, "{\"event\":\"e\",\"k\":\"a\\\"b\\u0001\"}");
}

}  // namespace
}  // namespace latchkey
