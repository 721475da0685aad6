#include "policy/strength.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <string>

namespace latchkey {
namespace {

StrengthChecker Make(int min_score = StrengthChecker::kDefaultMinScore) {
  Result<StrengthChecker> r = StrengthChecker::Create(min_score);
  EXPECT_TRUE(r.ok());
  return std::move(r).value();
}

struct BitsCase {
  double bits;
  int score;
};
std::ostream& operator<<(std::ostream& os, const BitsCase& c) { return os << c.bits << " bits"; }

class StrengthScoreTest : public ::testing::TestWithParam<BitsCase> {};

TEST_P(StrengthScoreTest, MapsBitsToZxcvbnScores) {
  EXPECT_EQ(StrengthScoreFromEntropy(GetParam().bits), GetParam().score);
}

// Boundaries at 10^3, 10^6, 10^8 and 10^10 guesses: 9.966, 19.932, 26.575, 33.219 bits.
INSTANTIATE_TEST_SUITE_P(Strength, StrengthScoreTest,
                         ::testing::Values(BitsCase{0.0, 0}, BitsCase{9.96, 0}, BitsCase{9.97, 1},
                                           BitsCase{19.93, 1}, BitsCase{19.94, 2},
                                           BitsCase{26.57, 2}, BitsCase{26.58, 3},
                                           BitsCase{33.21, 3}, BitsCase{33.22, 4},
                                           BitsCase{120.0, 4}));

struct KnownCase {
  const char* password;
  int score;
};
std::ostream& operator<<(std::ostream& os, const KnownCase& c) {
  return os << '"' << c.password << '"';
}

class StrengthKnownTest : public ::testing::TestWithParam<KnownCase> {};

TEST_P(StrengthKnownTest, ScoresKnownPasswords) {
  EXPECT_EQ(Make().Estimate(GetParam().password).score, GetParam().score);
}

// Entropies from zxcvbn-c 2.5 (shared/reference/deps.md gives the first four).
INSTANTIATE_TEST_SUITE_P(Strength, StrengthKnownTest,
                         ::testing::Values(KnownCase{"password", 0},    // 0 bits
                                           KnownCase{"P@ssw0rd1", 0},   // 5 bits
                                           KnownCase{"qwertyuiop", 1},  // 10.6 bits
                                           KnownCase{"correct horse battery staple", 4},  // 70 bits
                                           KnownCase{"abcdefgh", 0}, KnownCase{"zzzzzzzz", 0},
                                           KnownCase{"Summer2024!", 1},     // 19 bits
                                           KnownCase{"kX9#mQ2$vL8@", 4}));  // 76 bits

TEST(StrengthEstimateTest, ReportsBitsAndGuesses) {
  const StrengthEstimate e = Make().Estimate("correct horse battery staple");
  EXPECT_GT(e.entropy_bits, 60.0);
  EXPECT_NEAR(e.guesses_log10, e.entropy_bits * 0.30103, 1e-3);
  EXPECT_EQ(Make().Estimate("password").entropy_bits, 0.0);
}

TEST(StrengthEstimateTest, PersonalWordsMakeAPasswordWeaker) {
  PersonalInfo person;
  person.username = "jsmith";
  const StrengthChecker c = Make();
  const StrengthEstimate without = c.Estimate("jsmith1990");
  const StrengthEstimate with = c.Estimate("jsmith1990", person);
  EXPECT_EQ(without.score, 1);  // 15 bits
  EXPECT_EQ(with.score, 0);     // 8 bits: "jsmith" is now a known word
  EXPECT_LT(with.entropy_bits, without.entropy_bits - 5.0);
}

TEST(StrengthEstimateTest, OrganisationAndEmailCountToo) {
  PersonalInfo org;
  org.organisation = "Zyxwvutsrq";
  PersonalInfo mail;
  mail.email = "qkzrmt.vblx@example.org";
  const StrengthChecker c = Make();
  EXPECT_LT(c.Estimate("zyxwvutsrq42", org).entropy_bits, c.Estimate("zyxwvutsrq42").entropy_bits);
  EXPECT_LT(c.Estimate("qkzrmtvblx7", mail).entropy_bits, c.Estimate("qkzrmtvblx7").entropy_bits);
}

TEST(StrengthEstimateTest, EmbeddedNulIsJudgedByThePartBefore) {
  const std::string pw("password\0kX9#mQ2$vL8@zz", 23);
  EXPECT_EQ(Make().Estimate(pw).score, 0);
}

TEST(StrengthUserWordsTest, CollectsWholeFieldsAndTheirWords) {
  PersonalInfo p;
  p.username = "J.Smith@example.org";
  p.display_name = "Jane Smith";
  p.email = "jane.smith@example.org";
  p.organisation = "Contoso Ltd";
  p.first_name = "Zoë";
  const std::vector<std::string> w = StrengthUserWords(p);
  auto has = [&w](const char* s) { return std::find(w.begin(), w.end(), s) != w.end(); };
  EXPECT_TRUE(has("j.smith@example.org"));
  EXPECT_TRUE(has("j.smith"));
  EXPECT_TRUE(has("smith"));
  EXPECT_TRUE(has("jane.smith"));
  EXPECT_TRUE(has("janesmith"));
  EXPECT_TRUE(has("jane smith"));
  EXPECT_TRUE(has("contoso"));
  EXPECT_TRUE(has("contosoltd"));
  EXPECT_TRUE(has("zoë"));  // lower-cased, non-ASCII kept
  EXPECT_FALSE(has("j"));   // shorter than 3 characters
  EXPECT_FALSE(has("Jane"));
  EXPECT_EQ(std::count(w.begin(), w.end(), "smith"), 1);  // no duplicates
}

TEST(StrengthUserWordsTest, EmptyPersonHasNoWords) {
  EXPECT_TRUE(StrengthUserWords(PersonalInfo{}).empty());
}

TEST(StrengthCheckerTest, MinimumScoreIsConfigurable) {
  EXPECT_FALSE(Make(3).Check("correct horse battery staple").has_value());
  const std::optional<Violation> v = Make(3).Check("qwertyuiop");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->rule, kStrengthRule);
  EXPECT_NE(v->message.find("harder for people to guess"), std::string::npos);
  EXPECT_FALSE(Make(1).Check("qwertyuiop").has_value());
  EXPECT_TRUE(Make(2).Check("qwertyuiop").has_value());
  EXPECT_FALSE(Make(0).Check("password").has_value());
  EXPECT_EQ(Make(2).min_score(), 2);
}

TEST(StrengthCheckerTest, MinimumScoreOutOfRangeIsAnError) {
  for (const int bad : {-1, 5}) {
    Result<StrengthChecker> r = StrengthChecker::Create(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().field(), "password.min_strength");
  }
}

}  // namespace
}  // namespace latchkey
