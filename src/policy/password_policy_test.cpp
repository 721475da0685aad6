// The policy engine as every flow and interface uses it: the rule components
// together, built from the configuration, with the breach filter and presets.
#include "policy/password_policy.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <fstream>

#include "config/config.hpp"
#include "core/work_pool.hpp"
#include "crypto/hashing.hpp"
#include "crypto/sodium_random.hpp"
#include "policy/breach_filter.hpp"
#include "policy/password_history.hpp"
#include "policy/rules_from_config.hpp"
#include "test_support.hpp"

namespace latchkey {
namespace {

using testing_support::TempDir;

bool Has(const PolicyVerdict& v, std::string_view rule) {
  for (const auto& x : v.violations) {
    if (x.rule == rule) return true;
  }
  return false;
}

PasswordPolicy Make(PasswordRules r) {
  Result<PasswordPolicy> p = PasswordPolicy::Create(r);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return std::move(p).value();
}

PasswordRules FromEnv(const std::map<std::string, std::string>& env) {
  const ConfigLoad load = LoadConfig("", env);
  EXPECT_TRUE(load.ok());
  Result<PasswordRules> r = PasswordRulesFromConfig(load.config);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : PasswordRules{};
}

TEST(PasswordPolicyTest, LengthBoundaries) {
  PasswordRules r;
  r.min_length = 12;
  r.max_length = 20;
  r.min_strength = 0;
  const PasswordPolicy p = Make(r);
  struct Case {
    std::string pw;
    bool short_, long_;
  } cases[] = {{std::string(11, 'q') , true, false},
               {"qzxv" "wkjm" "tbpr", false, false},  // 12: the minimum
               {"qzxvwkjmtbprhgfdlnsc", false, false},  // 20: the maximum
               {"qzxvwkjmtbprhgfdlnscy", false, true}};  // 21
  for (const auto& c : cases) {
    const PolicyVerdict v = p.Check(SecretString(c.pw), {});
    EXPECT_EQ(Has(v, kMinLengthRule), c.short_) << c.pw.size();
    EXPECT_EQ(Has(v, kMaxLengthRule), c.long_) << c.pw.size();
  }
}

TEST(PasswordPolicyTest, LengthCountsNormalisedCodePointsNotBytes) {
  PasswordRules r;
  r.min_length = 4;
  r.min_strength = 0;
  r.context_rules = false;
  const PasswordPolicy p = Make(r);
  // Four two-byte letters are four characters.
  EXPECT_FALSE(Has(p.Check(SecretString("\xC3\xA9\xC3\xA8\xC3\xAA\xC3\xAB"), {}), kMinLengthRule));
  // The ligature "ﬁ" is two characters after NFKC ("fi"): "ﬁx" is three.
  EXPECT_TRUE(Has(p.Check(SecretString("\xEF\xAC\x81x"), {}), kMinLengthRule));
  EXPECT_FALSE(Has(p.Check(SecretString("\xEF\xAC\x81xy"), {}), kMinLengthRule));
  EXPECT_TRUE(Has(p.Check(SecretString("\xff\xfe\xfd\xfc"), {}), kInvalidTextRule));
}

TEST(PasswordPolicyTest, NeverTruncates) {
  PasswordRules r;
  r.max_length = 64;
  r.min_strength = 0;
  const PasswordPolicy p = Make(r);
  const std::string long_pw(65, 'x');
  EXPECT_TRUE(Has(p.Check(SecretString(long_pw), {}), kMaxLengthRule));
}

TEST(PasswordPolicyTest, TheDocumentedEntraExamples) {
  // "contoso" is the organisation's term; "blank" stands for a global one.
  PasswordRules r;
  r.banned_terms = {"contoso", "blank"};
  r.min_strength = 0;
  r.context_rules = false;
  const PasswordPolicy p = Make(r);
  const PolicyVerdict rejected = p.Check(SecretString("C0ntos0Blank12"), {});
  EXPECT_TRUE(Has(rejected, "banned_by_admin") || Has(rejected, "banned_password"));
  const PolicyVerdict accepted = p.Check(SecretString("ContoS0Bl@nkf9!"), {});
  EXPECT_FALSE(Has(accepted, "banned_by_admin"));
  EXPECT_FALSE(Has(accepted, "banned_password"));
  // Messages never say which term matched.
  for (const auto& x : rejected.violations) {
    EXPECT_EQ(x.message.find("contoso"), std::string::npos);
    EXPECT_EQ(x.message.find("blank"), std::string::npos);
  }
}

TEST(PasswordPolicyTest, ContextAndStrengthUseThePersonsOwnWords) {
  const PasswordPolicy p = Make(PasswordRules{});
  PasswordContext person;
  person.username = "jsmith";
  person.display_name = "Jane Smith";
  person.first_name = "Jane";
  person.last_name = "Smith";
  person.email = "jane.smith@example.org";
  person.organisation = "Example University";
  EXPECT_TRUE(Has(p.Check(SecretString("jsmith-rocks-2026"), person), "context_username"));
  EXPECT_FALSE(p.Check(SecretString("Jane Smith 1985!!"), person).accepted);
  const PolicyVerdict good = p.Check(SecretString("velvet tractor lantern orbit"), person);
  EXPECT_TRUE(good.accepted) << (good.violations.empty() ? "" : good.violations[0].rule);
  EXPECT_GE(good.strength, 3);
  const PolicyVerdict weak = p.Check(SecretString("password1234"), person);
  EXPECT_FALSE(weak.accepted);
  EXPECT_LE(weak.strength, 1);
}

TEST(PasswordPolicyTest, BreachedPasswordsAreRefused) {
  TempDir dir;
  // SHA-1 of "correct horse battery staple" and of "password", as Pwned Passwords lists them.
  auto upper = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  };
  auto sha1 = [&](const std::string& pw) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(pw.data(), pw.size(), md, &len, EVP_sha1(), nullptr);
    return upper(HexEncode(md, len));
  };
  {
    std::ofstream f(dir.File("pwned.txt"));
    f << sha1("correct horse battery staple") << ":123\r\n" << sha1("password") << ":9999999\r\n";
  }
  ASSERT_TRUE(BuildBreachFilter(dir.File("pwned.txt"), dir.File("breach.filter")).ok());
  PasswordRules r;
  r.breach_filter = dir.File("breach.filter");
  const PasswordPolicy p = Make(r);
  const PolicyVerdict hit = p.Check(SecretString("correct horse battery staple"), {});
  EXPECT_TRUE(Has(hit, kBreachedRule));
  EXPECT_FALSE(hit.accepted);
  EXPECT_FALSE(Has(p.Check(SecretString("velvet tractor lantern orbit"), {}), kBreachedRule));
}

TEST(PasswordPolicyTest, AMissingOrCorruptFilterIsAnErrorAtStart) {
  TempDir dir;
  PasswordRules r;
  r.breach_filter = dir.File("nope.filter");
  Result<PasswordPolicy> missing = PasswordPolicy::Create(r);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("latchkey breach import"), std::string_view::npos);
  std::ofstream(dir.File("junk.filter")) << "this is not a filter";
  r.breach_filter = dir.File("junk.filter");
  Result<PasswordPolicy> junk = PasswordPolicy::Create(r);
  ASSERT_FALSE(junk.ok());
  EXPECT_EQ(junk.status().code(), Errc::kInvalidArgument);
}

TEST(PasswordPolicyTest, TheQmulPresetFromConfiguration) {
  const PasswordRules r = FromEnv({{"LATCHKEY_PASSWORD_PRESET", "qmul"}});
  EXPECT_EQ(r.min_length, 12);
  EXPECT_EQ(r.max_length, 20);
  EXPECT_EQ(r.history, -1);  // no earlier password may be reused
  const PasswordPolicy p = Make(r);
  EXPECT_TRUE(Has(p.Check(SecretString("velvettractor9"), {}), "required_upper"));
  EXPECT_TRUE(Has(p.Check(SecretString("VelvetTractor!9"), {}), "forbidden_symbol"));
  EXPECT_TRUE(Has(p.Check(SecretString("VelvetTractorLantern9x"), {}), kMaxLengthRule));
  EXPECT_TRUE(p.Check(SecretString("Lantern7Quiver2Bison"), {}).accepted);
  // Three common words and a digit score 4 under the Entra algorithm: refused.
  EXPECT_TRUE(Has(p.Check(SecretString("VelvetTractor9Orbit"), {}), "banned_password"));
}

TEST(PasswordPolicyTest, AnExplicitKeyWinsOverThePreset) {
  const PasswordRules r =
      FromEnv({{"LATCHKEY_PASSWORD_PRESET", "qmul"}, {"LATCHKEY_PASSWORD_MAX_LENGTH", "64"}});
  EXPECT_EQ(r.max_length, 64);
  EXPECT_EQ(r.min_length, 12);
}

TEST(PasswordPolicyTest, TheEntraPresetFromConfiguration) {
  const PasswordRules r = FromEnv({{"LATCHKEY_PASSWORD_PRESET", "entra"}});
  EXPECT_EQ(r.min_length, 8);
  EXPECT_EQ(r.max_length, 256);
  EXPECT_EQ(r.composition.min_classes, 3);
  EXPECT_TRUE(r.reset_may_reuse_current);
  const PasswordPolicy p = Make(r);
  EXPECT_TRUE(Has(p.Check(SecretString("velvettractor"), {}), "min_classes"));
}

TEST(PasswordPolicyTest, ConfigurationErrorsNameTheKey) {
  const ConfigLoad bad_preset = LoadConfig("", {{"LATCHKEY_PASSWORD_PRESET", "nist"}});
  EXPECT_EQ(PasswordRulesFromConfig(bad_preset.config).status().field(), "password.preset");
  const ConfigLoad bad_class = LoadConfig("", {{"LATCHKEY_PASSWORD_REQUIRE_CLASSES", "upper,emoji"}});
  EXPECT_EQ(PasswordRulesFromConfig(bad_class.config).status().field(), "password.require_classes");
  const ConfigLoad bad_term = LoadConfig("", {{"LATCHKEY_PASSWORD_BANNED_TERMS", "abc"}});
  EXPECT_EQ(PasswordRulesFromConfig(bad_term.config).status().field(), "password.banned_terms");
  // A composition rule is allowed, with a warning.
  const ConfigLoad classes = LoadConfig("", {{"LATCHKEY_PASSWORD_MIN_CLASSES", "3"}});
  bool warned = false;
  for (const auto& problem : CheckPasswordConfig(classes.config)) {
    warned = warned || (!problem.error && problem.message.find("NIST") != std::string::npos);
  }
  EXPECT_TRUE(warned);
}

TEST(PasswordHistoryTest, OneDerivationChecksTheWholeHistory) {
  (void)InitCrypto();
  WorkPool pool(1, 4);
  PasswordHasher hasher({8192, 1}, pool);
  PasswordHistory history(hasher, testing_support::TestKeys());
  SodiumRandom random;
  const std::string salt = PasswordHistory::NewSalt(random);
  std::vector<std::string> recent;
  for (const char* pw : {"third password", "second password", "first password"}) {
    recent.push_back(*history.Digest(SecretString(pw), salt));  // newest first
  }
  const std::string again = *history.Digest(SecretString("first password"), salt);
  EXPECT_TRUE(PasswordHistory::Reused(again, recent));
  EXPECT_FALSE(PasswordHistory::Reused(*history.Digest(SecretString("a new one"), salt), recent));
  // Skipping the newest entry lets a reset keep the current password (Entra).
  const std::string current = *history.Digest(SecretString("third password"), salt);
  EXPECT_TRUE(PasswordHistory::Reused(current, recent, 0));
  EXPECT_FALSE(PasswordHistory::Reused(current, recent, 1));
  // Another account's salt gives other digests.
  const std::string other = *history.Digest(SecretString("first password"), PasswordHistory::NewSalt(random));
  EXPECT_FALSE(PasswordHistory::Reused(other, recent));
  EXPECT_FALSE(history.Digest(SecretString("x"), "not base64!").ok());
}

}  // namespace
}  // namespace latchkey
