#include "policy/presets.hpp"

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

TEST(CompositionPresetTest, QmulMatchesItsDocumentation) {
  const PasswordPreset& p = QmulPreset();
  EXPECT_EQ(p.name, "qmul");
  EXPECT_EQ(p.min_length, 12);
  EXPECT_EQ(p.max_length, 20);
  EXPECT_EQ(p.composition.required,
            (CharClassSet{CharClass::kUpper, CharClass::kLower, CharClass::kDigit}));
  EXPECT_EQ(p.composition.forbidden, CharClassSet{CharClass::kSymbol});
  EXPECT_EQ(p.composition.min_classes, 0);
  EXPECT_TRUE(p.composition.allowed_characters.empty());
  EXPECT_EQ(p.history_on_change, kAllEarlierPasswords);
  EXPECT_EQ(p.history_on_reset, kAllEarlierPasswords);
  EXPECT_TRUE(ValidateCompositionRules(p.composition).ok());
  EXPECT_TRUE(ImposesComposition(p.composition));
}

TEST(CompositionPresetTest, EntraMatchesItsDocumentation) {
  const PasswordPreset& p = EntraPreset();
  EXPECT_EQ(p.name, "entra");
  EXPECT_EQ(p.min_length, 8);
  EXPECT_EQ(p.max_length, 256);
  EXPECT_EQ(p.composition.min_classes, 3);
  EXPECT_TRUE(p.composition.required.empty());
  EXPECT_TRUE(p.composition.forbidden.empty());
  EXPECT_EQ(p.history_on_change, 1);  // new != current
  EXPECT_EQ(p.history_on_reset, 0);   // the last password may be reused on reset
  EXPECT_TRUE(ValidateCompositionRules(p.composition).ok());
  // 26 + 26 + 10 letters and digits, space, 32 symbols.
  EXPECT_EQ(p.composition.allowed_characters.size(), 26U + 26U + 10U + 1U + 32U);
}

struct PresetCase {
  const char* preset;
  const char* password;
  std::vector<std::string> ids;
};
std::ostream& operator<<(std::ostream& os, const PresetCase& c) {
  return os << c.preset << " \"" << c.password << '"';
}

class CompositionPresetCaseTest : public ::testing::TestWithParam<PresetCase> {};

TEST_P(CompositionPresetCaseTest, AppliesThePresetsComposition) {
  const std::optional<PasswordPreset> p = FindPreset(GetParam().preset);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(Ids(CheckComposition(GetParam().password, p->composition)), GetParam().ids);
}

using V = std::vector<std::string>;

INSTANTIATE_TEST_SUITE_P(
    Composition, CompositionPresetCaseTest,
    ::testing::Values(PresetCase{"qmul", "Abcdefghij12", V{}},
                      PresetCase{"qmul", "abcdefghij12", V{"required_upper"}},
                      PresetCase{"qmul", "ABCDEFGHIJ12", V{"required_lower"}},
                      PresetCase{"qmul", "Abcdefghijkl", V{"required_digit"}},
                      PresetCase{"qmul", "Abcdefghij1!", V{"forbidden_symbol"}},
                      PresetCase{"qmul", "Abcde fghij1", V{"forbidden_symbol"}},
                      PresetCase{"qmul", "Äbcdéfghij12", V{}},
                      PresetCase{"entra", "Password1", V{}},
                      PresetCase{"entra", "password1", V{"min_classes"}},
                      PresetCase{"entra", "password1!", V{}},
                      PresetCase{"entra", "pass word1", V{}},  // a space is an allowed symbol
                      PresetCase{"entra", "PASSWORD!", V{"min_classes"}},
                      PresetCase{"entra", "Pa$$w0rd~`\"<>", V{}},
                      PresetCase{"entra", "P\u00E4ssword1", V{"disallowed_character"}},
                      PresetCase{"entra", "Password1\u20AC", V{"disallowed_character"}}));

TEST(CompositionPresetTest, FindsPresetsByExactName) {
  EXPECT_EQ(FindPreset("qmul")->name, "qmul");
  EXPECT_EQ(FindPreset("entra")->name, "entra");
  EXPECT_FALSE(FindPreset("QMUL").has_value());
  EXPECT_FALSE(FindPreset("").has_value());
  EXPECT_FALSE(FindPreset("nist").has_value());
  const std::vector<std::string_view> names(PresetNames().begin(), PresetNames().end());
  EXPECT_EQ(names, (std::vector<std::string_view>{"qmul", "entra"}));
  for (const std::string_view n : names) EXPECT_TRUE(FindPreset(n).has_value());
}

TEST(CompositionPresetTest, EntraMessageSaysWhatIsAllowed) {
  const std::vector<Violation> v = CheckComposition("P\u00E4ssword1", EntraPreset().composition);
  ASSERT_EQ(v.size(), 1U);
  EXPECT_NE(v[0].message.find("letters A-Z and a-z without accents"), std::string::npos);
}

}  // namespace
}  // namespace latchkey
