// The composition list: which methods the configuration turns on, and the
// options each gets from it.
#include "methods/registry.hpp"

#include <gtest/gtest.h>

#include "config/config.hpp"
#include "core/work_pool.hpp"
#include "crypto/password_hasher.hpp"
#include "methods/security_questions/security_questions_method.hpp"
#include "methods/totp/totp_method.hpp"
#include "methods/webauthn/webauthn_method.hpp"

namespace latchkey {
namespace {

TEST(MethodRegistryTest, DefaultsOfferEverythingButSecurityQuestions) {
  WorkPool pool(1, 4);
  PasswordHasher hasher({8192, 1}, pool);
  const ConfigLoad load = LoadConfig("", {});
  ASSERT_TRUE(load.ok());
  auto registry = MakeDefaultRegistry(load.config, hasher);
  for (MethodKind kind :
       {MethodKind::kEmail, MethodKind::kTotp, MethodKind::kWebauthn, MethodKind::kRecoveryCode}) {
    ASSERT_NE(registry->Find(kind), nullptr) << ToString(kind);
    EXPECT_NE(registry->FindEnroller(kind), nullptr) << ToString(kind);
    EXPECT_FALSE(registry->Find(kind)->SecondaryOnly()) << ToString(kind);
  }
  EXPECT_EQ(registry->Find(MethodKind::kSecurityQuestions), nullptr);
  EXPECT_EQ(registry->FindEnroller(MethodKind::kSecurityQuestions), nullptr);
}

TEST(MethodRegistryTest, SecurityQuestionsOnlyWhenTurnedOnAndNeverAlone) {
  WorkPool pool(1, 4);
  PasswordHasher hasher({8192, 1}, pool);
  const ConfigLoad load = LoadConfig("", {{"LATCHKEY_SECURITY_QUESTIONS_ENABLED", "true"},
                                          {"LATCHKEY_SECURITY_QUESTIONS_COUNT_TO_ASK", "2"},
                                          {"LATCHKEY_SECURITY_QUESTIONS_CUSTOM_QUESTIONS",
                                           R"(["locker: What was your locker number?"])"}});
  ASSERT_TRUE(load.ok());
  auto registry = MakeDefaultRegistry(load.config, hasher);
  Method* m = registry->Find(MethodKind::kSecurityQuestions);
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(m->SecondaryOnly());
  EXPECT_NE(registry->FindEnroller(MethodKind::kSecurityQuestions), nullptr);
  auto* questions = dynamic_cast<SecurityQuestionsMethod*>(m);
  ASSERT_NE(questions, nullptr);
  EXPECT_EQ(questions->count_to_ask(), 2);
  EXPECT_EQ(questions->count_to_register(), 5);
  ASSERT_EQ(questions->questions().size(), BuiltinSecurityQuestions().size() + 1);
  EXPECT_EQ(questions->questions().back().id, "locker");
  EXPECT_EQ(questions->questions().back().text, "What was your locker number?");

  const ConfigLoad replaced =
      LoadConfig("", {{"LATCHKEY_SECURITY_QUESTIONS_QUESTIONS",
                       R"(["a: First question?", "b: Second question?", "c: Third question?"])"},
                      {"LATCHKEY_SECURITY_QUESTIONS_COUNT_TO_REGISTER", "3"}});
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(SecurityQuestionsOptionsFrom(replaced.config).questions.size(), 3u);
}

TEST(MethodRegistryTest, OptionsFollowTheSettingsAndTheirDefaults) {
  ConfigLoad load =
      LoadConfig("", {{"LATCHKEY_SERVER_PUBLIC_URL", "https://password.example.ac.uk"},
                      {"LATCHKEY_BRANDING_ORGANISATION_NAME", "Example University"}});
  ASSERT_TRUE(load.ok());
  TotpMethodOptions totp = TotpOptionsFrom(load.config);
  EXPECT_EQ(totp.issuer, "Example University");
  EXPECT_EQ(totp.params.algorithm, totp::Algorithm::kSha1);
  EXPECT_EQ(totp.params.digits, 6);
  EXPECT_EQ(totp.params.period_seconds, 30);
  EXPECT_EQ(totp.max_per_account, 5);
  WebAuthnMethodOptions wa = WebAuthnOptionsFrom(load.config);
  EXPECT_EQ(wa.rp_id, "password.example.ac.uk");
  EXPECT_EQ(wa.rp_name, "Example University");
  EXPECT_EQ(wa.origins, std::vector<std::string>{"https://password.example.ac.uk"});
  EXPECT_FALSE(wa.require_user_verification);
  EXPECT_EQ(wa.max_per_account, 10);

  load = LoadConfig(
      "", {{"LATCHKEY_TOTP_ISSUER", "IT Services"},
           {"LATCHKEY_TOTP_ALGORITHM", "SHA512"},
           {"LATCHKEY_TOTP_DIGITS", "8"},
           {"LATCHKEY_TOTP_PERIOD", "60"},
           {"LATCHKEY_TOTP_MAX_PER_USER", "2"},
           {"LATCHKEY_WEBAUTHN_RP_ID", "example.ac.uk"},
           {"LATCHKEY_WEBAUTHN_RP_NAME", "Example"},
           {"LATCHKEY_WEBAUTHN_ORIGINS", "https://sso.example.ac.uk, https://example.ac.uk"},
           {"LATCHKEY_WEBAUTHN_REQUIRE_USER_VERIFICATION", "true"},
           {"LATCHKEY_WEBAUTHN_MAX_PER_USER", "3"}});
  ASSERT_TRUE(load.ok()) << load.problems.front().key << ": " << load.problems.front().message;
  totp = TotpOptionsFrom(load.config);
  EXPECT_EQ(totp.issuer, "IT Services");
  EXPECT_EQ(totp.params.algorithm, totp::Algorithm::kSha512);
  EXPECT_EQ(totp.params.digits, 8);
  EXPECT_EQ(totp.params.period_seconds, 60);
  EXPECT_EQ(totp.max_per_account, 2);
  wa = WebAuthnOptionsFrom(load.config);
  EXPECT_EQ(wa.rp_id, "example.ac.uk");
  EXPECT_EQ(wa.rp_name, "Example");
  EXPECT_EQ(wa.origins,
            (std::vector<std::string>{"https://sso.example.ac.uk", "https://example.ac.uk"}));
  EXPECT_TRUE(wa.require_user_verification);
  EXPECT_EQ(wa.max_per_account, 3);
}

}  // namespace
}  // namespace latchkey
