#include "captcha/altcha.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "crypto/hashing.hpp"
#include "crypto/sodium_random.hpp"
#include "test_support.hpp"

namespace latchkey {
namespace {

// Solves a challenge the way the widget does: try every number.
std::string Solve(const std::string& challenge_json, std::int64_t* out_number = nullptr) {
  const auto c = nlohmann::json::parse(challenge_json);
  const std::string salt = c["salt"], challenge = c["challenge"];
  for (std::int64_t n = 0; n <= c["maxnumber"].get<std::int64_t>(); ++n) {
    if (Altcha::ChallengeOf(salt, n) == challenge) {
      if (out_number) *out_number = n;
      return Base64Encode(nlohmann::json{{"algorithm", "SHA-256"}, {"challenge", challenge}, {"number", n},
                                         {"salt", salt}, {"signature", c["signature"]}, {"took", 12}}
                              .dump());
    }
  }
  return {};
}

class AltchaTest : public ::testing::Test {
 protected:
  AltchaTest() : replay_(clock_), altcha_(testing_support::TestKeys().captcha_key(), clock_, random_, {2000, std::chrono::minutes(10)}, replay_) {}
  ManualClock clock_;
  SodiumRandom random_;
  MemoryReplayGuard replay_;
  Altcha altcha_;
};

TEST_F(AltchaTest, ChallengeHasTheWidgetsShape) {
  const auto c = nlohmann::json::parse(altcha_.NewChallengeJson());
  EXPECT_EQ(c["algorithm"], "SHA-256");
  EXPECT_EQ(c["challenge"].get<std::string>().size(), 64u);
  EXPECT_EQ(c["signature"].get<std::string>().size(), 64u);
  EXPECT_EQ(c["maxnumber"], 2000);
  EXPECT_NE(c["salt"].get<std::string>().find("?expires="), std::string::npos);
}

TEST_F(AltchaTest, ASolutionPassesOnce) {
  const std::string payload = Solve(altcha_.NewChallengeJson());
  ASSERT_FALSE(payload.empty());
  EXPECT_TRUE(altcha_.Verify(payload).ok());
  EXPECT_EQ(altcha_.Verify(payload).reason(), "captcha_replayed");
}

TEST_F(AltchaTest, WrongTamperedMissingAndExpired) {
  EXPECT_EQ(altcha_.Verify("").reason(), "captcha_missing");
  EXPECT_EQ(altcha_.Verify("!!!not base64").reason(), "captcha_invalid");
  EXPECT_EQ(altcha_.Verify(Base64Encode("[1,2]")).reason(), "captcha_invalid");
  const std::string json = altcha_.NewChallengeJson();
  std::int64_t n = 0;
  const std::string good = Solve(json, &n);
  auto p = nlohmann::json::parse([&] { std::string t; Base64Decode(good, t); return t; }());
  auto with = [&](const char* key, nlohmann::json v) {
    auto q = p;
    q[key] = v;
    return Base64Encode(q.dump());
  };
  EXPECT_EQ(altcha_.Verify(with("number", n + 1)).reason(), "captcha_invalid");
  EXPECT_EQ(altcha_.Verify(with("algorithm", "SHA-1")).reason(), "captcha_invalid");
  // A challenge of one's own making is not signed by the service.
  const std::string forged_salt = "00?expires=99999999999";
  auto forged = p;
  forged["salt"] = forged_salt;
  forged["number"] = 1;
  forged["challenge"] = Altcha::ChallengeOf(forged_salt, 1);
  EXPECT_EQ(altcha_.Verify(Base64Encode(forged.dump())).reason(), "captcha_invalid");
  clock_.Advance(std::chrono::minutes(11));
  const Status late = altcha_.Verify(good);
  EXPECT_EQ(late.reason(), "captcha_expired");
  EXPECT_EQ(late.code(), Errc::kExpired);
}

TEST_F(AltchaTest, TheReplayGuardForgetsExpiredChallengesOnly) {
  MemoryReplayGuard guard(clock_, 2);
  EXPECT_TRUE(guard.MarkUsed("a", clock_.Now() + std::chrono::minutes(1)));
  EXPECT_TRUE(guard.MarkUsed("b", clock_.Now() + std::chrono::minutes(5)));
  EXPECT_FALSE(guard.MarkUsed("c", clock_.Now() + std::chrono::minutes(5)));  // full of live ones
  clock_.Advance(std::chrono::minutes(2));
  EXPECT_TRUE(guard.MarkUsed("c", clock_.Now() + std::chrono::minutes(5)));   // "a" expired
  EXPECT_FALSE(guard.MarkUsed("b", clock_.Now() + std::chrono::minutes(5)));
}

}  // namespace
}  // namespace latchkey
