#include "policy/context_rules.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace latchkey {
namespace {

ContextRules Make(int min_word_length = 4) {
  Result<ContextRules> r = ContextRules::Create(ContextRuleOptions{min_word_length});
  EXPECT_TRUE(r.ok());
  return std::move(r).value();
}

std::vector<std::string> Ids(const std::vector<Violation>& violations) {
  std::vector<std::string> ids;
  ids.reserve(violations.size());
  for (const Violation& v : violations) ids.push_back(v.rule);
  return ids;
}

PersonalInfo Person(std::string username, std::string display_name = "", std::string email = "") {
  PersonalInfo p;
  p.username = std::move(username);
  p.display_name = std::move(display_name);
  p.email = std::move(email);
  return p;
}

struct ContextCase {
  const char* password;
  PersonalInfo person;
  std::vector<std::string> ids;
};
std::ostream& operator<<(std::ostream& os, const ContextCase& c) {
  return os << '"' << c.password << '"';
}

class ContextRuleTest : public ::testing::TestWithParam<ContextCase> {};

TEST_P(ContextRuleTest, RejectsPasswordsHoldingThePersonsIdentifiers) {
  EXPECT_EQ(Ids(Make().Check(GetParam().password, GetParam().person)), GetParam().ids);
}

using V = std::vector<std::string>;
const V kUser = {"context_username"};
const V kName = {"context_display_name"};
const V kMail = {"context_email"};

INSTANTIATE_TEST_SUITE_P(
    Context, ContextRuleTest,
    ::testing::Values(
        // Username: equal, contained, any case, with the documented substitutions.
        ContextCase{"jsmith", Person("jsmith"), kUser},
        ContextCase{"JSMITH", Person("jsmith"), kUser},
        ContextCase{"xx-jsmith-2024", Person("jsmith"), kUser},
        ContextCase{"J$mith2024!", Person("jsmith"), kUser},  // $ -> s
        ContextCase{"Jsm1th2024!", Person("jsmith"), V{}},    // 1 -> l, not i: "jsmlth"
        ContextCase{"B0bby-Tables", Person("bobby"), kUser},  // 0 -> o
        ContextCase{"xxa1icexx", Person("alice"), kUser},     // 1 -> l: "alice"
        ContextCase{"xx@licexx", Person("alice"), kUser},     // @ -> a
        ContextCase{"Correct-Horse-7", Person("jsmith"), V{}},
        // Words of a username, and usernames that are addresses.
        ContextCase{"Smith!2024x", Person("john.smith"), kUser},
        ContextCase{"johnsmith99", Person("john.smith"), kUser},
        ContextCase{"Example-2024x", Person("john.smith@example.org"), V{}},  // domain: no
        ContextCase{"john.smith@example.org", Person("john.smith@example.org"), kUser},
        ContextCase{"al@x.org", Person("al@x.org"), kUser},  // whole address, short local part
        // Display name: whole, words, words run together.
        ContextCase{"Jane Smith 2024", Person("", "Jane Smith"), kName},
        ContextCase{"JaneSmith2024", Person("", "Jane Smith"), kName},
        ContextCase{"xxDykexx", Person("", "Jane van Dyke"), kName},
        ContextCase{"Jane-van-D", Person("", "Jane van Dyke"), kName},  // "jane"
        ContextCase{"MÜLLER-2024", Person("", "Jörg Müller"), kName},
        // Short words only count as the whole password.
        ContextCase{"Planning2024x", Person("", "Ann Lee"), V{}},
        ContextCase{"ann", Person("", "Ann Lee"), kName},
        // Email: local part and its words, never the domain.
        ContextCase{"Jane.Smith99", Person("", "", "jane.smith@example.org"), kMail},
        ContextCase{"jane1999", Person("", "", "jane.smith@example.org"), kMail},
        ContextCase{"Example2024!", Person("", "", "jane.smith@example.org"), V{}},
        // Several fields at once, in order; nothing known, nothing broken.
        ContextCase{"jsmith-Jane Smith", Person("jsmith", "Jane Smith", "jane@example.org"),
                    V{"context_username", "context_display_name", "context_email"}},
        ContextCase{"anything", PersonalInfo{}, V{}}));

TEST(ContextRuleTest, MinimumWordLengthIsAParameter) {
  const PersonalInfo p = Person("", "Ann Lee");
  EXPECT_TRUE(Make(4).Check("Planning2024x", p).empty());
  EXPECT_EQ(Ids(Make(3).Check("Planning2024x", p)), kName);
  EXPECT_EQ(Make(3).options().min_word_length, 3);
  for (const int bad : {0, 65}) {
    Result<ContextRules> r = ContextRules::Create(ContextRuleOptions{bad});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().field(), "password.context_min_word_length");
  }
}

TEST(ContextRuleTest, MessagesAreForPeople) {
  const std::vector<Violation> v =
      Make().Check("jsmith-Jane Smith", Person("jsmith", "Jane Smith", "jane@example.org"));
  ASSERT_EQ(v.size(), 3U);
  EXPECT_EQ(v[0].message, "Don't use your username in your password.");
  EXPECT_EQ(v[1].message, "Don't use your name in your password.");
  EXPECT_EQ(v[2].message, "Don't use your email address in your password.");
}

}  // namespace
}  // namespace latchkey
