// The toll-fraud checks on their own: allow-list, line types, per-number and
// per-country limits, and the hourly budget with its alert. Manual clock.
#include "delivery/phone_guard.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace latchkey {
namespace {

using testing_support::TestKeys;

// Valid numbers (libphonenumber's metadata): UK mobiles 07400..., a UK landline,
// a UK premium-rate 09 number, a French and a US number.
constexpr const char* kUkMobile = "+447400123456";
constexpr const char* kUkMobile2 = "+447400123457";
constexpr const char* kUkLandline = "+442079460000";
constexpr const char* kUkPremium = "+449098790000";
constexpr const char* kFrMobile = "+33612345678";
constexpr const char* kUsNumber = "+12015550123";

class SmsTollFraudTest : public ::testing::Test {
 protected:
  PhoneGuard Guard(PhoneGuardOptions o) { return PhoneGuard(clock_, limiter_, TestKeys(), std::move(o)); }
  static PhoneGuardOptions Uk() {
    PhoneGuardOptions o;
    o.home_region = "GB";
    return o;
  }
  ManualClock clock_{FromUnixMillis(1'700'000'000'000)};
  RateLimiter limiter_{clock_};
};

TEST_F(SmsTollFraudTest, ByDefaultOnlyTheHomeRegionIsAllowed) {
  PhoneGuard g = Guard(Uk());
  EXPECT_TRUE(g.Admit(Channel::kSms, kUkMobile, nullptr).ok());
  EXPECT_TRUE(g.Admit(Channel::kVoice, kUkLandline, nullptr).ok());
  const Status fr = g.Admit(Channel::kSms, kFrMobile, nullptr);
  EXPECT_EQ(fr.code(), Errc::kRateLimited);
  EXPECT_EQ(fr.reason(), "cannot_send_code");
  EXPECT_EQ(fr.message(), CannotSendCode().message());  // no detail for the person
  EXPECT_NE(fr.detail().find("country_not_allowed"), std::string::npos);
  EXPECT_FALSE(g.Admit(Channel::kSms, kUsNumber, nullptr).ok());
  // With no home region and no list, nothing goes anywhere.
  PhoneGuard none = Guard(PhoneGuardOptions{});
  EXPECT_FALSE(none.Admit(Channel::kSms, kUkMobile, nullptr).ok());
}

TEST_F(SmsTollFraudTest, TheAllowListTakesCallingCodesRegionsOrEverything) {
  PhoneGuardOptions o = Uk();
  o.allowed = {"+33", "US"};
  PhoneGuard g = Guard(o);
  EXPECT_TRUE(g.Admit(Channel::kSms, kFrMobile, nullptr).ok());
  EXPECT_TRUE(g.Admit(Channel::kSms, kUsNumber, nullptr).ok());
  // A list replaces the default: the home region must be listed to stay allowed.
  EXPECT_FALSE(g.Admit(Channel::kSms, kUkMobile, nullptr).ok());
  // "US" is the region, not every +1 country: Jamaica (+1 876) is not allowed.
  EXPECT_FALSE(g.CountryAllowed(1, "JM"));
  EXPECT_TRUE(g.CountryAllowed(1, "US"));
  o.allowed = {"1"};
  EXPECT_TRUE(Guard(o).CountryAllowed(1, "JM"));
  o.allowed = {"*"};
  EXPECT_TRUE(Guard(o).CountryAllowed(994, "AZ"));
}

TEST_F(SmsTollFraudTest, CostBearingNumbersAndGarbageAreRefused) {
  PhoneGuard g = Guard(Uk());
  const Status premium = g.Admit(Channel::kVoice, kUkPremium, nullptr);
  EXPECT_EQ(premium.reason(), "cannot_send_code");
  EXPECT_NE(premium.detail().find("number_type"), std::string::npos);
  EXPECT_NE(g.Admit(Channel::kSms, "not a number", nullptr).detail().find("invalid_number"),
            std::string::npos);
  EXPECT_EQ(g.AdmittedThisHour(Channel::kVoice), 0);
}

TEST_F(SmsTollFraudTest, PerNumberLimitCountsTextsAndCallsTogether) {
  PhoneGuardOptions o = Uk();
  o.per_number = {3, std::chrono::hours(24)};
  PhoneGuard g = Guard(o);
  EXPECT_TRUE(g.Admit(Channel::kSms, kUkMobile, nullptr).ok());
  EXPECT_TRUE(g.Admit(Channel::kVoice, kUkMobile, nullptr).ok());
  EXPECT_TRUE(g.Admit(Channel::kSms, kUkMobile, nullptr).ok());
  const Status fourth = g.Admit(Channel::kVoice, kUkMobile, nullptr);
  EXPECT_EQ(fourth.reason(), "cannot_send_code");
  EXPECT_NE(fourth.detail().find("per_number"), std::string::npos);
  EXPECT_TRUE(g.Admit(Channel::kSms, kUkMobile2, nullptr).ok());  // another number is not affected
  clock_.Advance(std::chrono::hours(8));  // one token back (3 per 24 h)
  EXPECT_TRUE(g.Admit(Channel::kSms, kUkMobile, nullptr).ok());
  EXPECT_FALSE(g.Admit(Channel::kSms, kUkMobile, nullptr).ok());
}

TEST_F(SmsTollFraudTest, PerCountryLimitStopsAForeignWaveButNotTheHomeRegion) {
  PhoneGuardOptions o = Uk();
  o.allowed = {"GB", "+33"};
  o.per_country = {2, std::chrono::hours(1)};
  PhoneGuard g = Guard(o);
  EXPECT_TRUE(g.Admit(Channel::kSms, "+33612345678", nullptr).ok());
  EXPECT_TRUE(g.Admit(Channel::kSms, "+33612345679", nullptr).ok());
  const Status third = g.Admit(Channel::kSms, "+33612345670", nullptr);
  EXPECT_NE(third.detail().find("per_country"), std::string::npos) << third.ToString();
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(g.Admit(Channel::kSms, "+4474001234" + std::to_string(10 + i), nullptr).ok()) << i;
  }
}

TEST_F(SmsTollFraudTest, TheHourlyBudgetRefusesAndAlertsOncePerHour) {
  PhoneGuardOptions o = Uk();
  o.sms_hourly_budget = 3;
  o.voice_hourly_budget = 1;
  PhoneGuard g = Guard(o);
  std::optional<PhoneBudgetAlert> alert;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(g.Admit(Channel::kSms, "+4474001234" + std::to_string(10 + i), &alert).ok());
  }
  EXPECT_FALSE(alert.has_value());
  EXPECT_EQ(g.AdmittedThisHour(Channel::kSms), 3);
  const Status over = g.Admit(Channel::kSms, "+447400123420", &alert);
  EXPECT_EQ(over.reason(), "cannot_send_code");
  EXPECT_NE(over.detail().find("hourly_budget"), std::string::npos);
  ASSERT_TRUE(alert.has_value());
  EXPECT_EQ(alert->channel, Channel::kSms);
  EXPECT_EQ(alert->budget, 3);
  // Further refusals in the same hour do not alert again.
  std::optional<PhoneBudgetAlert> again;
  EXPECT_FALSE(g.Admit(Channel::kSms, "+447400123421", &again).ok());
  EXPECT_FALSE(again.has_value());
  // Voice has its own budget.
  EXPECT_TRUE(g.Admit(Channel::kVoice, "+447400123422", &again).ok());
  EXPECT_FALSE(g.Admit(Channel::kVoice, "+447400123423", &again).ok());
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->channel, Channel::kVoice);
  // The next clock hour starts afresh, and would alert again.
  clock_.Advance(std::chrono::hours(1));
  std::optional<PhoneBudgetAlert> next;
  EXPECT_TRUE(g.Admit(Channel::kSms, "+447400123424", &next).ok());
  EXPECT_EQ(g.AdmittedThisHour(Channel::kSms), 1);
  EXPECT_FALSE(next.has_value());
}

TEST_F(SmsTollFraudTest, ARefusalSpendsNothing) {
  PhoneGuardOptions o = Uk();
  o.per_number = {1, std::chrono::hours(24)};
  o.sms_hourly_budget = 10;
  PhoneGuard g = Guard(o);
  EXPECT_FALSE(g.Admit(Channel::kSms, kFrMobile, nullptr).ok());  // not allowed
  EXPECT_EQ(g.AdmittedThisHour(Channel::kSms), 0);
  EXPECT_TRUE(g.Admit(Channel::kSms, kUkMobile, nullptr).ok());
  EXPECT_FALSE(g.Admit(Channel::kSms, kUkMobile, nullptr).ok());  // per number
  EXPECT_EQ(g.AdmittedThisHour(Channel::kSms), 1);
}

}  // namespace
}  // namespace latchkey
