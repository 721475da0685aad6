#include "policy/composition.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace latchkey {
namespace {

std::vector<std::string> Ids(const std::vector<Violation>& violations) {
  std::vector<std::string> ids;
  ids.reserve(violations.size());
  for (const Violation& v : violations) ids.push_back(v.rule);
  return ids;
}

// ------------------------------------------------------------------ classes

struct ClassCase {
  char32_t code_point;
  std::optional<CharClass> cls;
};
std::ostream& operator<<(std::ostream& os, const ClassCase& c) {
  return os << "U+" << std::hex << static_cast<unsigned>(c.code_point);
}

class CompositionClassTest : public ::testing::TestWithParam<ClassCase> {};

TEST_P(CompositionClassTest, ClassifiesCodePoints) {
  EXPECT_EQ(ClassifyCodePoint(GetParam().code_point), GetParam().cls);
}

INSTANTIATE_TEST_SUITE_P(
    Composition, CompositionClassTest,
    ::testing::Values(ClassCase{U'A', CharClass::kUpper}, ClassCase{U'Z', CharClass::kUpper},
                      ClassCase{U'a', CharClass::kLower}, ClassCase{U'z', CharClass::kLower},
                      ClassCase{U'0', CharClass::kDigit}, ClassCase{U'9', CharClass::kDigit},
                      ClassCase{U'!', CharClass::kSymbol}, ClassCase{U' ', CharClass::kSymbol},
                      ClassCase{U'~', CharClass::kSymbol},
                      ClassCase{U'\u20AC', CharClass::kSymbol},       // €
                      ClassCase{U'\u00C9', CharClass::kUpper},        // É
                      ClassCase{U'\u00E9', CharClass::kLower},        // é
                      ClassCase{U'\u00DF', CharClass::kLower},        // ß
                      ClassCase{U'\u03A3', CharClass::kUpper},        // Σ
                      ClassCase{U'\u0436', CharClass::kLower},        // ж
                      ClassCase{U'\u01C5', CharClass::kUpper},        // ǅ (titlecase)
                      ClassCase{U'\u4E2D', CharClass::kOtherLetter},  // 中
                      ClassCase{U'\u0627', CharClass::kOtherLetter},  // ا
                      ClassCase{U'\u0905', CharClass::kOtherLetter},  // अ
                      ClassCase{U'\u093F', CharClass::kOtherLetter},  // ि (vowel sign, alphabetic)
                      ClassCase{U'\u0663', CharClass::kDigit},        // ٣ (Arabic-Indic three)
                      ClassCase{U'\uE000', CharClass::kSymbol},       // private use
                      ClassCase{U'\u0007', std::nullopt},             // control
                      ClassCase{U'\u200B', std::nullopt},             // zero-width space (format)
                      ClassCase{U'\u0301', std::nullopt},             // combining acute accent
                      ClassCase{U'\u2028', std::nullopt}));           // line separator

TEST(CompositionClassTest, ClassesOfText) {
  EXPECT_EQ(ClassesOf("Ab1!").Count(), 4);
  EXPECT_EQ(ClassesOf(""), CharClassSet{});
  EXPECT_EQ(ClassesOf("Ünïcödé"), (CharClassSet{CharClass::kUpper, CharClass::kLower}));
  EXPECT_EQ(ClassesOf("密码123"), (CharClassSet{CharClass::kOtherLetter, CharClass::kDigit}));
}

TEST(CompositionClassTest, NamesRoundTrip) {
  for (const CharClass c : {CharClass::kUpper, CharClass::kLower, CharClass::kDigit,
                            CharClass::kSymbol, CharClass::kOtherLetter}) {
    EXPECT_EQ(ParseCharClass(CharClassName(c)), c);
  }
  EXPECT_EQ(CharClassName(CharClass::kSymbol), "symbol");
  EXPECT_FALSE(ParseCharClass("Upper").has_value());
  EXPECT_FALSE(ParseCharClass("special").has_value());
}

TEST(CompositionClassTest, SetOperations) {
  CharClassSet s;
  EXPECT_TRUE(s.empty());
  s.Add(CharClass::kDigit);
  s.Add(CharClass::kDigit);
  EXPECT_EQ(s.Count(), 1);
  EXPECT_TRUE(s.Has(CharClass::kDigit));
  EXPECT_FALSE(s.Has(CharClass::kUpper));
  EXPECT_TRUE(s.Intersects(CharClassSet{CharClass::kDigit, CharClass::kUpper}));
  EXPECT_FALSE(s.Intersects(CharClassSet{CharClass::kUpper}));
}

// ------------------------------------------------------------------ rules

struct RuleCase {
  const char* password;
  CompositionRules rules;
  std::vector<std::string> ids;
};
std::ostream& operator<<(std::ostream& os, const RuleCase& c) {
  return os << '"' << c.password << '"';
}

class CompositionRuleTest : public ::testing::TestWithParam<RuleCase> {};

TEST_P(CompositionRuleTest, ReportsEveryBrokenRule) {
  const RuleCase& c = GetParam();
  ASSERT_TRUE(ValidateCompositionRules(c.rules).ok());
  const std::vector<Violation> v = CheckComposition(c.password, c.rules);
  EXPECT_EQ(Ids(v), c.ids);
  for (const Violation& each : v) {
    EXPECT_FALSE(each.message.empty());
    if (std::string(c.password).size() >= 4) {
      EXPECT_EQ(each.message.find(c.password), std::string::npos);  // never quotes it
    }
  }
}

CompositionRules Required(CharClassSet classes) {
  CompositionRules r;
  r.required = classes;
  return r;
}
CompositionRules MinClasses(int n) {
  CompositionRules r;
  r.min_classes = n;
  return r;
}
CompositionRules Forbidden(CharClassSet classes, std::string chars = "") {
  CompositionRules r;
  r.forbidden = classes;
  r.forbidden_characters = std::move(chars);
  return r;
}
CompositionRules Allowed(std::string chars, std::string description = "") {
  CompositionRules r;
  r.allowed_characters = std::move(chars);
  r.allowed_description = std::move(description);
  return r;
}

using V = std::vector<std::string>;
constexpr CharClassSet kUpperLowerDigit = {CharClass::kUpper, CharClass::kLower, CharClass::kDigit};

INSTANTIATE_TEST_SUITE_P(
    Composition, CompositionRuleTest,
    ::testing::Values(
        // No rules: anything goes.
        RuleCase{"x", CompositionRules{}, V{}},
        // Required classes, each missing one at a time.
        RuleCase{"Abcdef12", Required(kUpperLowerDigit), V{}},
        RuleCase{"abcdef12", Required(kUpperLowerDigit), V{"required_upper"}},
        RuleCase{"ABCDEF12", Required(kUpperLowerDigit), V{"required_lower"}},
        RuleCase{"Abcdefgh", Required(kUpperLowerDigit), V{"required_digit"}},
        RuleCase{"!!!!", Required(kUpperLowerDigit),
                 V{"required_upper", "required_lower", "required_digit"}},
        RuleCase{"Abcdef12", Required({CharClass::kSymbol}), V{"required_symbol"}},
        RuleCase{"Abc def12", Required({CharClass::kSymbol}), V{}},  // a space is a symbol
        // Non-ASCII letters count as upper and lower; caseless letters never do.
        RuleCase{"Élan été 7", Required(kUpperLowerDigit), V{}},
        RuleCase{"ΣΟΦΙΑ σοφια 1", Required(kUpperLowerDigit), V{}},
        RuleCase{"密码密码123", Required(kUpperLowerDigit), V{"required_upper", "required_lower"}},
        RuleCase{"Abc٣", Required({CharClass::kDigit}), V{}},  // Arabic-Indic digit
        // Minimum number of classes: boundaries.
        RuleCase{"abcdefgh", MinClasses(3), V{"min_classes"}},
        RuleCase{"abcdefg1", MinClasses(3), V{"min_classes"}},  // 2 of 3
        RuleCase{"Abcdefg1", MinClasses(3), V{}},               // 3
        RuleCase{"Abcdef1!", MinClasses(3), V{}},               // 4
        RuleCase{"abcdef1!", MinClasses(3), V{}},               // lower, digit, symbol
        RuleCase{"abc中文12", MinClasses(3), V{}},  // caseless letters are a kind of their own
        RuleCase{"Abcdef1!", MinClasses(5), V{"min_classes"}},
        // Forbidden classes (QMUL: no special characters).
        RuleCase{"Abcdef123456", Forbidden({CharClass::kSymbol}), V{}},
        RuleCase{"Äbcdéf123456", Forbidden({CharClass::kSymbol}), V{}},  // letters are fine
        RuleCase{"Abcdef 123456", Forbidden({CharClass::kSymbol}), V{"forbidden_symbol"}},
        RuleCase{"Abcdef-123456", Forbidden({CharClass::kSymbol}), V{"forbidden_symbol"}},
        RuleCase{"Abcdef€123456", Forbidden({CharClass::kSymbol}), V{"forbidden_symbol"}},
        RuleCase{"abcdef", Forbidden({CharClass::kUpper}), V{}},
        RuleCase{"abcDef", Forbidden({CharClass::kUpper}), V{"forbidden_upper"}},
        RuleCase{"abc1", Forbidden({CharClass::kDigit}), V{"forbidden_digit"}},
        RuleCase{"ABC", Forbidden({CharClass::kLower}), V{}},
        RuleCase{"abc文", Forbidden({CharClass::kOtherLetter}), V{"forbidden_other_letter"}},
        // Forbidden characters.
        RuleCase{"abc<def", Forbidden({}, "<>\""), V{"forbidden_character"}},
        RuleCase{"abc\"def", Forbidden({}, "<>\""), V{"forbidden_character"}},
        RuleCase{"abc!def", Forbidden({}, "<>\""), V{}},
        RuleCase{"caf\u00E9", Forbidden({}, "\u00E9"), V{"forbidden_character"}},
        // Allowed characters.
        RuleCase{"abc", Allowed("abc"), V{}},
        RuleCase{"abcd", Allowed("abc"), V{"disallowed_character"}},
        RuleCase{"p\u00E4ss", Allowed("pas"), V{"disallowed_character"}},
        // Several rules at once, in the documented order.
        RuleCase{"abc def",
                 [] {
                   CompositionRules r;
                   r.required = {CharClass::kUpper};
                   r.min_classes = 3;
                   r.forbidden = {CharClass::kSymbol};
                   r.forbidden_characters = "d";
                   return r;
                 }(),
                 V{"required_upper", "min_classes", "forbidden_symbol", "forbidden_character"}}));

TEST(CompositionMessageTest, MessagesAreForPeople) {
  CompositionRules r;
  r.min_classes = 3;
  const std::vector<Violation> v = CheckComposition("abcdefgh", r);
  ASSERT_EQ(v.size(), 1U);
  EXPECT_EQ(v[0].message,
            "Use at least 3 different kinds of character: capital letters, lowercase letters, "
            "numbers, symbols and letters without capitals (such as Chinese or Arabic).");

  const std::vector<Violation> f = CheckComposition("a<b", Forbidden({}, "<> "));
  ASSERT_EQ(f.size(), 1U);
  EXPECT_EQ(f[0].message, "Don't use these characters: < > space.");

  const std::vector<Violation> a = CheckComposition("é", Allowed("abc", "the letters a, b and c"));
  ASSERT_EQ(a.size(), 1U);
  EXPECT_EQ(a[0].message, "Use only the letters a, b and c.");
}

TEST(CompositionMessageTest, MinClassesNamesOnlyPossibleKinds) {
  CompositionRules r;
  r.min_classes = 2;
  r.allowed_characters = "abcABC123";
  const std::vector<Violation> v = CheckComposition("abc", r);
  ASSERT_EQ(v.size(), 1U);
  EXPECT_EQ(v[0].message,
            "Use at least 2 different kinds of character: capital letters, lowercase letters and "
            "numbers.");
}

TEST(CompositionDescribeTest, DescribesEachRule) {
  CompositionRules r;
  r.required = kUpperLowerDigit;
  r.forbidden = {CharClass::kSymbol};
  r.forbidden_characters = "é";
  EXPECT_EQ(DescribeComposition(r), (V{"Include capital letters, lowercase letters and numbers.",
                                       "Don't use symbols.", "Don't use these characters: é."}));
  EXPECT_TRUE(DescribeComposition(CompositionRules{}).empty());
}

// ------------------------------------------------------------------ validation

struct ValidationCase {
  const char* name;
  CompositionRules rules;
  bool valid;
};
std::ostream& operator<<(std::ostream& os, const ValidationCase& c) { return os << c.name; }

class CompositionValidationTest : public ::testing::TestWithParam<ValidationCase> {};

TEST_P(CompositionValidationTest, RejectsImpossibleRules) {
  const Status s = ValidateCompositionRules(GetParam().rules);
  EXPECT_EQ(s.ok(), GetParam().valid) << s.ToString();
  if (!s.ok()) {
    EXPECT_EQ(s.field(), "password.composition");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Composition, CompositionValidationTest,
    ::testing::Values(ValidationCase{"empty", CompositionRules{}, true},
                      ValidationCase{"min5", MinClasses(5), true},
                      ValidationCase{"min6", MinClasses(6), false},
                      ValidationCase{"min-1", MinClasses(-1), false},
                      ValidationCase{"required and forbidden",
                                     [] {
                                       CompositionRules r = Required({CharClass::kDigit});
                                       r.forbidden = {CharClass::kDigit};
                                       return r;
                                     }(),
                                     false},
                      ValidationCase{"min beyond forbidden",
                                     [] {
                                       CompositionRules r = MinClasses(4);
                                       r.forbidden = {CharClass::kSymbol, CharClass::kDigit};
                                       return r;
                                     }(),
                                     false},
                      ValidationCase{"min within forbidden",
                                     [] {
                                       CompositionRules r = MinClasses(3);
                                       r.forbidden = {CharClass::kSymbol, CharClass::kDigit};
                                       return r;
                                     }(),
                                     true},
                      ValidationCase{"required outside allowed",
                                     [] {
                                       CompositionRules r = Allowed("abc123");
                                       r.required = {CharClass::kUpper};
                                       return r;
                                     }(),
                                     false},
                      ValidationCase{"required forbidden character only",
                                     [] {
                                       CompositionRules r = Allowed("abc1");
                                       r.forbidden_characters = "1";
                                       r.required = {CharClass::kDigit};
                                       return r;
                                     }(),
                                     false},
                      ValidationCase{"min beyond allowed",
                                     [] {
                                       CompositionRules r = Allowed("abcABC");
                                       r.min_classes = 3;
                                       return r;
                                     }(),
                                     false},
                      ValidationCase{"bad utf8", Forbidden({}, "\xff"), false}));

TEST(CompositionValidationTest, ImposesCompositionWhenAnyRuleIsSet) {
  EXPECT_FALSE(ImposesComposition(CompositionRules{}));
  EXPECT_TRUE(ImposesComposition(Required({CharClass::kDigit})));
  EXPECT_TRUE(ImposesComposition(MinClasses(1)));
  EXPECT_TRUE(ImposesComposition(Forbidden({CharClass::kSymbol})));
  EXPECT_TRUE(ImposesComposition(Forbidden({}, "<")));
  EXPECT_TRUE(ImposesComposition(Allowed("abc")));
}

}  // namespace
}  // namespace latchkey
