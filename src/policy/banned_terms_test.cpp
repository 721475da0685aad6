#include "policy/banned_terms.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "policy/match_text.hpp"

namespace latchkey {
namespace {

// Builds a matcher from small lists; fails the test when Create does.
BannedTerms Make(std::vector<std::string_view> global, std::vector<std::string> custom = {},
                 BannedTermsOptions options = {}) {
  Result<BannedTerms> r = BannedTerms::Create(global, custom, options);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return std::move(r).value();
}

std::string Key(std::string_view s) { return EncodeUtf8(MatchKey(s)); }

// ------------------------------------------------------------------ normalisation

struct NormaliseCase {
  const char* input;
  const char* key;
};
std::ostream& operator<<(std::ostream& os, const NormaliseCase& c) {
  return os << '"' << c.input << '"';
}

class BannedTermsNormaliseTest : public ::testing::TestWithParam<NormaliseCase> {};

TEST_P(BannedTermsNormaliseTest, LowerCasesThenSubstitutes) {
  EXPECT_EQ(Key(GetParam().input), GetParam().key);
}

INSTANTIATE_TEST_SUITE_P(
    BannedTerms, BannedTermsNormaliseTest,
    ::testing::Values(NormaliseCase{"0", "o"}, NormaliseCase{"1", "l"}, NormaliseCase{"$", "s"},
                      NormaliseCase{"@", "a"}, NormaliseCase{"ABCxyz", "abcxyz"},
                      // Only the four documented substitutions: 3, 4, 5, 7, !, | stay.
                      NormaliseCase{"3457!|", "3457!|"},
                      NormaliseCase{"C0ntos0Blank12", "contosoblankl2"},
                      NormaliseCase{"ContoS0Bl@nkf9!", "contosoblankf9!"},
                      NormaliseCase{"Bl@nK", "blank"}, NormaliseCase{"p0LL23fb", "poll23fb"},
                      NormaliseCase{"P@$$W0RD", "password"},
                      // Non-ASCII letters are lower-cased too; length is kept.
                      NormaliseCase{"ÄÖÜ-Éé", "äöü-éé"}, NormaliseCase{"ΣΟΦΙΑ", "σοφια"}));

// ------------------------------------------------------------------ the documented examples

struct ScoreCase {
  const char* password;
  int score;
  bool accepted;
  bool custom;
};
std::ostream& operator<<(std::ostream& os, const ScoreCase& c) {
  return os << '"' << c.password << '"';
}

class BannedTermsEntraExampleTest : public ::testing::TestWithParam<ScoreCase> {
 protected:
  static const BannedTerms& Matcher() {
    static const BannedTerms m = Make({"blank"}, {"contoso"});
    return m;
  }
};

TEST_P(BannedTermsEntraExampleTest, ScoresAsDocumented) {
  const ScoreCase& c = GetParam();
  const BannedTermsVerdict v = Matcher().Check(c.password);
  EXPECT_EQ(v.score, c.score);
  EXPECT_EQ(v.accepted, c.accepted);
  EXPECT_EQ(v.custom_term, c.custom);
}

INSTANTIATE_TEST_SUITE_P(
    BannedTerms, BannedTermsEntraExampleTest,
    ::testing::Values(
        // sspr-behaviour §12.1: [contoso]+[blank]+[1]+[2] = 4, rejected.
        ScoreCase{"C0ntos0Blank12", 4, false, true},
        // [contoso]+[blank]+[f]+[9]+[!] = 5, accepted ("blankf" is not one match).
        ScoreCase{"ContoS0Bl@nkf9!", 5, true, true},
        ScoreCase{"Bl@nK", 1, false, false},       // the whole password is a term
        ScoreCase{"Bl@nkBlank", 2, false, false},  // two matches, no overlap
        ScoreCase{"xyzw9876", 8, true, false},     // nothing matched: one per character
        ScoreCase{"", 0, false, false}));

TEST(BannedTermsEntraExampleTest, TermsFoundCountsMatchesNotCharacters) {
  const BannedTerms m = Make({"blank"}, {"contoso"});
  const BannedTermsVerdict v = m.Check("C0ntos0Blank12");
  EXPECT_EQ(v.terms_found, 2);
  EXPECT_FALSE(v.name_found);
}

// ------------------------------------------------------------------ the score threshold

TEST(BannedTermsScoreTest, BoundaryIsFourRejectedFiveAccepted) {
  const BannedTerms m = Make({"blank"});
  EXPECT_EQ(m.Check("blank123").score, 4);
  EXPECT_FALSE(m.Check("blank123").accepted);
  EXPECT_EQ(m.Check("blank1234").score, 5);
  EXPECT_TRUE(m.Check("blank1234").accepted);
}

TEST(BannedTermsScoreTest, ThresholdIsAParameter) {
  const BannedTerms m = Make({"blank"}, {}, BannedTermsOptions{.min_score = 6});
  EXPECT_FALSE(m.Check("blank1234").accepted);  // 5 < 6
  EXPECT_TRUE(m.Check("blank12345").accepted);  // 6
  EXPECT_EQ(m.options().min_score, 6);
}

TEST(BannedTermsScoreTest, ThresholdOutOfRangeIsAnError) {
  const std::vector<std::string_view> global = {"blank"};
  for (const int bad : {0, -1, 257}) {
    Result<BannedTerms> r = BannedTerms::Create(global, {}, BannedTermsOptions{.min_score = bad});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Errc::kInvalidArgument);
  }
}

// ------------------------------------------------------------------ fuzzy matching

struct FuzzyCase {
  const char* password;
  int score;
};
std::ostream& operator<<(std::ostream& os, const FuzzyCase& c) {
  return os << '"' << c.password << '"';
}

// With "abcdef" banned (sspr-behaviour §12.1) the whole password may be one edit away.
class BannedTermsFuzzyWholeTest : public ::testing::TestWithParam<FuzzyCase> {};

TEST_P(BannedTermsFuzzyWholeTest, WholePasswordWithinOneEditIsOneMatch) {
  const BannedTerms m = Make({"abcdef"});
  EXPECT_EQ(m.Check(GetParam().password).score, GetParam().score) << GetParam().password;
}

INSTANTIATE_TEST_SUITE_P(BannedTerms, BannedTermsFuzzyWholeTest,
                         ::testing::Values(FuzzyCase{"abcdef", 1},    // exact
                                           FuzzyCase{"abcdeg", 1},    // substitution (last)
                                           FuzzyCase{"xbcdef", 1},    // substitution (first)
                                           FuzzyCase{"abxdef", 1},    // substitution (inside)
                                           FuzzyCase{"abcdefg", 1},   // insertion (append)
                                           FuzzyCase{"zabcdef", 1},   // insertion (prepend)
                                           FuzzyCase{"abcXdef", 1},   // insertion (inside)
                                           FuzzyCase{"abcde", 1},     // deletion (last)
                                           FuzzyCase{"bcdef", 1},     // deletion (first)
                                           FuzzyCase{"abdef", 1},     // deletion (inside)
                                           FuzzyCase{"ABCDEG", 1},    // after lower-casing
                                           FuzzyCase{"abxdeg", 6},    // two edits: no match
                                           FuzzyCase{"abcdefgh", 3},  // [abcdef]+[g]+[h]
                                           FuzzyCase{"abcd", 4}));    // two deletions

// Inside a longer password a fuzzy match needs the edit inside the term.
class BannedTermsFuzzyInsideTest : public ::testing::TestWithParam<FuzzyCase> {};

TEST_P(BannedTermsFuzzyInsideTest, EditMustKeepTheTermsEnds) {
  const BannedTerms m = Make({"contoso"});
  EXPECT_EQ(m.Check(GetParam().password).score, GetParam().score) << GetParam().password;
}

INSTANTIATE_TEST_SUITE_P(
    BannedTerms, BannedTermsFuzzyInsideTest,
    ::testing::Values(FuzzyCase{"99contoso99", 5},   // exact inside
                      FuzzyCase{"99contxso99", 5},   // substitution inside the term
                      FuzzyCase{"99cxntoso99", 5},   // substitution next to the first letter
                      FuzzyCase{"99contosx99", 11},  // substitution of the last letter: none
                      FuzzyCase{"99xontoso99", 11},  // substitution of the first letter: none
                      FuzzyCase{"99contoxso99", 5},  // insertion inside
                      FuzzyCase{"99contosoX99", 6},  // insertion after: X is its own point
                      FuzzyCase{"99Xcontoso99", 6},  // insertion before: X is its own point
                      FuzzyCase{"99contso99", 5},    // deletion inside
                      FuzzyCase{"99contos99", 10},   // deletion of the last letter: none
                      FuzzyCase{"99ontoso99", 10},   // deletion of the first letter: none
                      FuzzyCase{"99coxtxso99", 11},  // two edits: none
                      FuzzyCase{"contxsocontoxso", 2}));

TEST(BannedTermsFuzzyInsideTest, ShortTermsMatchFuzzilyOnlyAsTheWholePassword) {
  // "tbay" (4) and "blank" (5) are below the default fuzzy length of 6; "widget" is not.
  const BannedTerms m = Make({"tbay", "blank", "widget"});
  EXPECT_EQ(m.options().min_fuzzy_term_length, 6);
  EXPECT_EQ(m.Check("99tbay99").score, 5);    // exact inside
  EXPECT_EQ(m.Check("99txay99").score, 8);    // no fuzzy match inside
  EXPECT_EQ(m.Check("99blxnk99").score, 9);   // no fuzzy match inside
  EXPECT_EQ(m.Check("99wixget99").score, 5);  // 6 characters: fuzzy inside
  EXPECT_EQ(m.Check("txay").score, 1);        // the whole password may differ by one edit
  EXPECT_EQ(m.Check("blxnk").score, 1);
  // With the floor lowered the interior substitutions count.
  const BannedTerms m4 =
      Make({"tbay", "blank"}, {}, BannedTermsOptions{.min_fuzzy_term_length = 4});
  EXPECT_EQ(m4.Check("99txay99").score, 5);
  EXPECT_EQ(m4.Check("99blxnk99").score, 5);
  const BannedTerms m5 =
      Make({"tbay", "blank"}, {}, BannedTermsOptions{.min_fuzzy_term_length = 5});
  EXPECT_EQ(m5.Check("99txay99").score, 8);
  EXPECT_EQ(m5.Check("99blxnk99").score, 5);
  // With 17, nothing fuzzy inside at all.
  const BannedTerms m17 = Make({"contoso"}, {}, BannedTermsOptions{.min_fuzzy_term_length = 17});
  EXPECT_EQ(m17.Check("99contxso99").score, 11);
  EXPECT_EQ(m17.Check("contxso").score, 1);
}

TEST(BannedTermsFuzzyInsideTest, FuzzyLengthOutOfRangeIsAnError) {
  const std::vector<std::string_view> global = {"blank"};
  for (const int bad : {3, 18}) {
    Result<BannedTerms> r =
        BannedTerms::Create(global, {}, BannedTermsOptions{.min_fuzzy_term_length = bad});
    EXPECT_FALSE(r.ok()) << bad;
  }
}

TEST(BannedTermsFuzzyInsideTest, ChoosesTheCoverWithTheSmallestScore) {
  // "abcdefgh" is covered either by [abcd]+[efgh] (2) or [cdef] and four letters (5).
  const BannedTerms m = Make({"abcd", "efgh", "cdef"});
  EXPECT_EQ(m.Check("abcdefgh").score, 2);
  // Overlapping terms never share characters: [abcd]+[e]+[f] = 3, not 2.
  const BannedTerms overlap = Make({"abcd", "cdef"});
  EXPECT_EQ(overlap.Check("abcdef").score, 3);
}

// ------------------------------------------------------------------ names

struct NameCase {
  const char* password;
  PersonalInfo person;
  int score;
  bool accepted;
};
std::ostream& operator<<(std::ostream& os, const NameCase& c) {
  return os << '"' << c.password << '"';
}

class BannedTermsNameTest : public ::testing::TestWithParam<NameCase> {};

TEST_P(BannedTermsNameTest, NamesMatchAsSubstringsAndReject) {
  const BannedTerms m = Make({"blank"});
  const NameCase& c = GetParam();
  const BannedTermsVerdict v = m.Check(c.password, c.person);
  EXPECT_EQ(v.score, c.score) << c.password;
  EXPECT_EQ(v.accepted, c.accepted) << c.password;
  EXPECT_EQ(v.name_found, !c.accepted) << c.password;
}

PersonalInfo Named(std::string first, std::string last, std::string org = "") {
  PersonalInfo p;
  p.first_name = std::move(first);
  p.last_name = std::move(last);
  p.organisation = std::move(org);
  return p;
}

INSTANTIATE_TEST_SUITE_P(
    BannedTerms, BannedTermsNameTest,
    ::testing::Values(
        // sspr-behaviour §12.1: user "Poll" choosing p0LL23fb -> poll23fb contains "poll" ->
        // rejected, although the score is 5.
        NameCase{"p0LL23fb", Named("Poll", ""), 5, false},
        NameCase{"x9SmithY", Named("", "Smith"), 4, false},          // last name
        NameCase{"Contoso!x", Named("", "", "Contoso"), 3, false},   // organisation
        NameCase{"C0nt0so!x", Named("", "", "Contoso"), 3, false},   // substitutions apply
        NameCase{"SmithJ0nes", Named("", "Smith-Jones"), 1, false},  // words run together
        NameCase{"xxJonesxx", Named("", "Smith-Jones"), 5, false},   // one word of a name
        NameCase{"pxll23fb", Named("Poll", ""), 8, true},            // names are never fuzzy
        NameCase{"xAnnx123", Named("Ann", ""), 8, true},             // < 4 characters: ignored
        NameCase{"p0LL23fb", Named("", ""), 8, true}));

TEST(BannedTermsNameTest, NameViolationHasItsOwnRule) {
  const BannedTerms m = Make({"blank"}, {"poll"});
  const std::optional<Violation> v = BannedTermsViolation(m.Check("p0LL23fb", Named("Poll", "")));
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->rule, kBannedNameRule);
}

// ------------------------------------------------------------------ custom terms

TEST(BannedTermsCustomTest, ReportsCustomButNotGlobalMatches) {
  const BannedTerms m = Make({"blank"}, {"widget"});
  EXPECT_FALSE(m.Check("blank").custom_term);
  EXPECT_TRUE(m.Check("widget").custom_term);
  EXPECT_TRUE(m.Check("Widgets").custom_term);  // fuzzy whole-password match
  EXPECT_FALSE(m.Check("Widgets").accepted);
  EXPECT_TRUE(m.Check("W1dget-Correct-Horse").custom_term);
  EXPECT_TRUE(m.Check("W1dget-Correct-Horse").accepted);
}

TEST(BannedTermsCustomTest, CaseInsensitiveAndNormalised) {
  const BannedTerms m = Make({}, {"C0NT0SO"});
  EXPECT_EQ(m.custom_term_count(), 1U);
  EXPECT_EQ(m.Check("contoso").score, 1);
  EXPECT_EQ(m.Check("CONTOSO").score, 1);
}

TEST(BannedTermsCustomTest, PrefersCustomAmongEqualScores) {
  // "london" is in both lists: the administrator's message should apply.
  const BannedTerms m = Make({"london"}, {"london"});
  EXPECT_TRUE(m.Check("London").custom_term);
  EXPECT_EQ(m.global_term_count(), 1U);
  EXPECT_EQ(m.custom_term_count(), 1U);
}

TEST(BannedTermsCustomTest, NonAsciiTerms) {
  const BannedTerms m = Make({}, {"München"});
  EXPECT_EQ(m.Check("MÜNCHEN").score, 1);
  EXPECT_EQ(m.Check("99münxhen99").score, 5);  // interior substitution, counted in code points
}

struct CustomTermCase {
  std::string term;
  bool valid;
};
std::ostream& operator<<(std::ostream& os, const CustomTermCase& c) {
  return os << '"' << c.term << '"';
}

class BannedTermsCustomValidationTest : public ::testing::TestWithParam<CustomTermCase> {};

TEST_P(BannedTermsCustomValidationTest, FourToSixteenCharacters) {
  const Status s = ValidateCustomBannedTerm(GetParam().term);
  EXPECT_EQ(s.ok(), GetParam().valid) << GetParam().term;
  const std::vector<std::string> custom = {GetParam().term};
  const Result<BannedTerms> r = BannedTerms::Create({}, custom);
  EXPECT_EQ(r.ok(), GetParam().valid);
  if (!r.ok()) {
    EXPECT_EQ(r.status().code(), Errc::kInvalidArgument);
    EXPECT_EQ(r.status().field(), "password.banned_terms");
  }
}

INSTANTIATE_TEST_SUITE_P(BannedTerms, BannedTermsCustomValidationTest,
                         ::testing::Values(CustomTermCase{"abc", false},
                                           CustomTermCase{"abcd", true},
                                           CustomTermCase{"abcdefghijklmnop", true},    // 16
                                           CustomTermCase{"abcdefghijklmnopq", false},  // 17
                                           CustomTermCase{"äöüß", true},  // 4 code points, 8 bytes
                                           CustomTermCase{"", false},
                                           CustomTermCase{"ab\tcd", false},
                                           CustomTermCase{"ab\xff"
                                                          "cd",
                                                          false}));

TEST(BannedTermsCustomTest, GlobalTermsOutOfRangeAreSkipped) {
  const BannedTerms m = Make({"abc", "abcd", "abcdefghijklmnopq"});
  EXPECT_EQ(m.global_term_count(), 1U);
}

// ------------------------------------------------------------------ messages

TEST(BannedTermsViolationTest, MessagesNeverNameTheTerm) {
  const BannedTerms m = Make({"blank"}, {"contoso"});
  EXPECT_FALSE(BannedTermsViolation(m.Check("ContoS0Bl@nkf9!")).has_value());

  const std::optional<Violation> global = BannedTermsViolation(m.Check("Bl@nk123"));
  ASSERT_TRUE(global.has_value());
  EXPECT_EQ(global->rule, kBannedPasswordRule);
  EXPECT_NE(global->message.find("harder for people to guess"), std::string::npos);
  EXPECT_EQ(global->message.find("blank"), std::string::npos);

  const std::optional<Violation> custom = BannedTermsViolation(m.Check("C0ntos0Blank12"));
  ASSERT_TRUE(custom.has_value());
  EXPECT_EQ(custom->rule, kBannedByAdminRule);
  EXPECT_NE(custom->message.find("blocked by your administrator"), std::string::npos);
  EXPECT_EQ(custom->message.find("contoso"), std::string::npos);
}

// ------------------------------------------------------------------ the built-in list

class BannedTermsGlobalListTest : public ::testing::Test {
 protected:
  static const BannedTerms& Matcher() {
    static const BannedTerms m = [] {
      Result<BannedTerms> r = BannedTerms::WithGlobalList({});
      EXPECT_TRUE(r.ok());
      return std::move(r).value();
    }();
    return m;
  }
};

TEST_F(BannedTermsGlobalListTest, IsLargeNormalisedAndDeduplicated) {
  const std::vector<std::string_view>& terms = GlobalBannedTerms();
  EXPECT_GT(terms.size(), 40000U);
  EXPECT_EQ(Matcher().global_term_count(), terms.size());  // already normalised and unique
  for (const std::string_view t : terms) {
    ASSERT_EQ(Key(t), t);
    ASSERT_GE(t.size(), 4U);
    ASSERT_LE(t.size(), 16U);
  }
  EXPECT_EQ(terms.front(), "l23456");  // the most common entry, "123456", normalised
  EXPECT_NE(GlobalBannedTermsSource().find("@zxcvbn-ts/language-common"), std::string::npos);
}

struct GlobalCase {
  const char* password;
  bool accepted;
};
std::ostream& operator<<(std::ostream& os, const GlobalCase& c) {
  return os << '"' << c.password << '"';
}

class BannedTermsGlobalCaseTest : public BannedTermsGlobalListTest,
                                  public ::testing::WithParamInterface<GlobalCase> {};

TEST_P(BannedTermsGlobalCaseTest, CommonPasswordsAreRejected) {
  const BannedTermsVerdict v = Matcher().Check(GetParam().password);
  EXPECT_EQ(v.accepted, GetParam().accepted) << GetParam().password << " score " << v.score;
  EXPECT_FALSE(v.custom_term);
}

INSTANTIATE_TEST_SUITE_P(
    BannedTerms, BannedTermsGlobalCaseTest,
    ::testing::Values(GlobalCase{"password", false}, GlobalCase{"P@ssw0rd1", false},
                      GlobalCase{"Password123!", false}, GlobalCase{"qwertyuiop", false},
                      GlobalCase{"Football2024", false}, GlobalCase{"letmein!!", false},
                      GlobalCase{"iloveyou12", false}, GlobalCase{"Dragon-Dragon", false},
                      GlobalCase{"correct horse battery staple", true},
                      GlobalCase{"kX9#mQ2vL8wz", true}, GlobalCase{"Tr0ub4dor&3", true}));

TEST_F(BannedTermsGlobalListTest, LongPasswordsAreChecked) {
  std::string pw;
  while (pw.size() < 256) pw += "Zq7#";
  EXPECT_TRUE(Matcher().Check(pw).accepted);
  std::string banned;
  while (banned.size() < 248) banned += "passw0rd";
  // Each repetition is one point at most: long repetitions pass this rule (the strength
  // rule is the one that catches them).
  EXPECT_LE(Matcher().Check(banned).score, 31);
  const BannedTerms small = Make({"password"});
  EXPECT_EQ(small.Check(banned).score, 31);  // 31 x "password"
}

TEST_F(BannedTermsGlobalListTest, SharedAcrossThreads) {
  const std::vector<std::string> passwords = {"P@ssw0rd1", "C0ntos0Blank12", "kX9#mQ2vL8wz",
                                              "correct horse battery staple"};
  std::vector<int> expected;
  expected.reserve(passwords.size());
  for (const std::string& p : passwords) expected.push_back(Matcher().Check(p).score);
  std::vector<std::thread> threads;
  threads.reserve(4);
  std::vector<int> mismatches(4, 0);
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      for (int round = 0; round < 50; ++round) {
        for (std::size_t i = 0; i < passwords.size(); ++i) {
          if (Matcher().Check(passwords[i]).score != expected[i]) ++mismatches[k];
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace latchkey
