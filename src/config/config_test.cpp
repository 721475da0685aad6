#include "config/config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "test_support.hpp"

namespace latchkey {
namespace {

using testing_support::TempDir;

std::string Write(const TempDir& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir.File(name)) << text;
  return dir.File(name);
}

const ConfigProblem* Find(const ConfigLoad& load, const std::string& key) {
  for (const auto& p : load.problems) {
    if (p.key == key) return &p;
  }
  return nullptr;
}

TEST(ConfigTest, DefaultsAreValidAndMatchTheContract) {
  const ConfigLoad load = LoadConfig("", {});
  EXPECT_TRUE(load.ok());
  const Config& c = load.config;
  EXPECT_EQ(c.server.listen, "127.0.0.1:8080");
  EXPECT_EQ(c.server.public_url, "http://127.0.0.1:8080");
  EXPECT_EQ(c.store.url, "sqlite://./var/latchkey.db");
  EXPECT_EQ(c.mail.smtp_url, "");
  EXPECT_EQ(c.mail.from, "Latchkey <no-reply@localhost>");
  EXPECT_EQ(c.password.min_length, 12);
  EXPECT_EQ(c.password.max_length, 256);
  EXPECT_EQ(c.password.hash_memory_kib, 19456);
  EXPECT_EQ(c.password.hash_iterations, 2);
  EXPECT_EQ(c.flows.lifetime_minutes, 15);
  EXPECT_EQ(c.flows.max_failures, 5);
  EXPECT_EQ(c.codes.length, 6);
  EXPECT_EQ(c.codes.email_lifetime_minutes, 10);
}

TEST(ConfigTest, ReadsAFile) {
  TempDir dir;
  const std::string path = Write(dir, "l.toml", R"(
[server]
listen = "0.0.0.0:9000"
trusted_proxies = ["10.0.0.0/8"]
[limits]
flow_start_per_ip = "100/10s"
[branding]
organisation_name = "King's College London"
)");
  const ConfigLoad load = LoadConfig(path, {});
  ASSERT_TRUE(load.ok()) << (load.problems.empty() ? "" : load.problems[0].message);
  EXPECT_EQ(load.config.server.listen, "0.0.0.0:9000");
  ASSERT_EQ(load.config.server.trusted_proxies.size(), 1u);
  EXPECT_EQ(load.config.limits.flow_start_per_ip.count, 100);
  EXPECT_EQ(load.config.limits.flow_start_per_ip.period.count(), 10);
  EXPECT_EQ(load.config.branding.organisation_name, "King's College London");
  EXPECT_EQ(load.config.source, path);
}

TEST(ConfigTest, PrimaryColourIsAColourDarkEnoughForWhiteText) {
  TempDir dir;
  auto problems_for = [&](const std::string& colour) {
    const std::string path = Write(dir, "c.toml", "[branding]\nprimary_colour = \"" + colour + "\"\n");
    std::vector<std::string> messages;
    for (const auto& p : LoadConfig(path, {}).problems) {
      if (p.key == "branding.primary_colour" && p.error) messages.push_back(p.message);
    }
    return messages;
  };
  EXPECT_TRUE(problems_for("#1d4f91").empty());
  EXPECT_TRUE(problems_for("#000000").empty());
  EXPECT_EQ(problems_for("blue").size(), 1u);
  EXPECT_EQ(problems_for("#12345").size(), 1u);
  EXPECT_EQ(problems_for("#12345g").size(), 1u);
  const auto pale = problems_for("#ffcc00");  // yellow: 1.5:1 against white
  ASSERT_EQ(pale.size(), 1u);
  EXPECT_NE(pale[0].find("1.5:1"), std::string::npos) << pale[0];
  EXPECT_EQ(LoadConfig("", {}).config.branding.primary_colour, "#1d4f91");
}

TEST(ConfigTest, UnknownKeysAndSectionsAreErrorsNamingTheKey) {
  TempDir dir;
  const std::string path = Write(dir, "l.toml", R"(
[server]
lissten = "x"
[nonsense]
a = 1
)");
  const ConfigLoad load = LoadConfig(path, {});
  EXPECT_FALSE(load.ok());
  ASSERT_NE(Find(load, "server.lissten"), nullptr);
  EXPECT_EQ(Find(load, "server.lissten")->message, "unknown key");
  ASSERT_NE(Find(load, "nonsense"), nullptr);
}

TEST(ConfigTest, WrongTypesAndRangesAreReported) {
  TempDir dir;
  const std::string path = Write(dir, "l.toml", R"(
[server]
threads = "many"
[password]
min_length = 0
[limits]
verify_per_ip = "lots"
)");
  const ConfigLoad load = LoadConfig(path, {});
  EXPECT_FALSE(load.ok());
  ASSERT_NE(Find(load, "server.threads"), nullptr);
  EXPECT_NE(Find(load, "server.threads")->message.find("integer"), std::string::npos);
  ASSERT_NE(Find(load, "password.min_length"), nullptr);
  EXPECT_NE(Find(load, "password.min_length")->message.find("between"), std::string::npos);
  ASSERT_NE(Find(load, "limits.verify_per_ip"), nullptr);
}

TEST(ConfigTest, SyntaxErrorsGiveTheLine) {
  TempDir dir;
  const std::string path = Write(dir, "l.toml", "[server]\nlisten = \n");
  const ConfigLoad load = LoadConfig(path, {});
  ASSERT_FALSE(load.ok());
  EXPECT_NE(load.problems[0].message.find("line 2"), std::string::npos) << load.problems[0].message;
}

TEST(ConfigTest, EnvironmentOverridesTheFile) {
  TempDir dir;
  const std::string path = Write(dir, "l.toml", "[server]\nlisten = \"127.0.0.1:1\"\n");
  const ConfigLoad load =
      LoadConfig(path, {{"LATCHKEY_SERVER_LISTEN", "127.0.0.1:2"},
                        {"LATCHKEY_SERVER_DEV", "true"},
                        {"LATCHKEY_SERVER_THREADS", "16"},
                        {"LATCHKEY_SERVER_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.0.0/16"},
                        {"LATCHKEY_SERVER_ALLOWED_ORIGINS", R"(["https://a.example"])"}});
  ASSERT_TRUE(load.ok());
  EXPECT_EQ(load.config.server.listen, "127.0.0.1:2");
  EXPECT_TRUE(load.config.server.dev);
  EXPECT_EQ(load.config.server.threads, 16);
  EXPECT_EQ(load.config.server.trusted_proxies,
            (std::vector<std::string>{"10.0.0.0/8", "192.168.0.0/16"}));
  EXPECT_EQ(load.config.server.allowed_origins, (std::vector<std::string>{"https://a.example"}));
}

TEST(ConfigTest, UnknownOrMalformedEnvironmentVariablesAreErrors) {
  const ConfigLoad load = LoadConfig("", {{"LATCHKEY_SERVER_LISTN", "x"}, {"LATCHKEY_SERVER_THREADS", "x"}});
  EXPECT_FALSE(load.ok());
  EXPECT_NE(Find(load, "LATCHKEY_SERVER_LISTN"), nullptr);
  EXPECT_NE(Find(load, "LATCHKEY_SERVER_THREADS"), nullptr);
}

TEST(ConfigTest, SecretsComeFromFiles) {
  TempDir dir;
  const std::string secret = Write(dir, "pw", "s3cret-relay-password\n");
  const std::string path = Write(dir, "l.toml", "[mail]\nsmtp_url = \"smtp://127.0.0.1:25\"\n"
                                                "smtp_username = \"relay\"\nsmtp_password_file = \"" +
                                                    secret + "\"\n");
  const ConfigLoad load = LoadConfig(path, {});
  ASSERT_TRUE(load.ok()) << load.problems[0].key << ": " << load.problems[0].message;
  EXPECT_EQ(load.config.mail.smtp_password.view(), "s3cret-relay-password");

  const ConfigLoad env = LoadConfig("", {{"LATCHKEY_MAIL_SMTP_PASSWORD_FILE", secret}});
  EXPECT_EQ(env.config.mail.smtp_password.view(), "s3cret-relay-password");

  const ConfigLoad missing = LoadConfig("", {{"LATCHKEY_MAIL_SMTP_PASSWORD_FILE", dir.File("nope")}});
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(Find(missing, "mail.smtp_password_file"), nullptr);

  const ConfigLoad both = LoadConfig(
      "", {{"LATCHKEY_MAIL_SMTP_PASSWORD_FILE", secret}, {"LATCHKEY_MAIL_SMTP_PASSWORD", "x"}});
  EXPECT_FALSE(both.ok());
}

TEST(ConfigTest, CrossFieldRules) {
  const ConfigLoad pg = LoadConfig("", {{"LATCHKEY_STORE_URL", "postgresql://u@127.0.0.1/db"}});
  EXPECT_NE(Find(pg, "secrets.key_file"), nullptr);
  const ConfigLoad bad_url = LoadConfig("", {{"LATCHKEY_STORE_URL", "mysql://x"}});
  EXPECT_NE(Find(bad_url, "store.url"), nullptr);
  const ConfigLoad lengths =
      LoadConfig("", {{"LATCHKEY_PASSWORD_MIN_LENGTH", "30"}, {"LATCHKEY_PASSWORD_MAX_LENGTH", "20"}});
  EXPECT_NE(Find(lengths, "password.max_length"), nullptr);
  const ConfigLoad smtp = LoadConfig("", {{"LATCHKEY_MAIL_SMTP_URL", "http://x"}});
  EXPECT_NE(Find(smtp, "mail.smtp_url"), nullptr);
  // Warnings do not make the configuration invalid.
  const ConfigLoad weak = LoadConfig("", {{"LATCHKEY_PASSWORD_MIN_LENGTH", "6"}});
  EXPECT_TRUE(weak.ok());
  ASSERT_NE(Find(weak, "password.min_length"), nullptr);
  EXPECT_FALSE(Find(weak, "password.min_length")->error);
}

TEST(SmsConfigTest, DefaultsKeepCodesInTheOutbox) {
  const ConfigLoad load = LoadConfig("", {});
  ASSERT_TRUE(load.ok());
  const Config& c = load.config;
  EXPECT_EQ(c.sms.provider, "outbox");
  EXPECT_EQ(c.voice.provider, "outbox");
  EXPECT_EQ(c.sms.hourly_budget, 100);
  EXPECT_EQ(c.voice.hourly_budget, 25);
  EXPECT_EQ(c.codes.phone_lifetime_minutes, 5);
  EXPECT_TRUE(c.phone.allowed_country_codes.empty());
  EXPECT_EQ(c.limits.phone_send_per_number.count, 10);
  EXPECT_EQ(c.limits.phone_send_per_country.period.count(), 3600);
  EXPECT_EQ(Find(load, "phone.allowed_country_codes"), nullptr);  // no warning with the outbox
}

TEST(SmsConfigTest, EachProviderNeedsItsKeysAndErrorsNameThem) {
  TempDir dir;
  const std::string token = Write(dir, "token", "tw-token\n");
  const ConfigLoad twilio = LoadConfig(
      Write(dir, "t.toml", "[phone]\ndefault_region = \"GB\"\n[sms]\nprovider = \"twilio\"\n"
                           "twilio_account_sid = \"AC0123\"\ntwilio_auth_token_file = \"" + token +
                               "\"\nfrom = \"+15005550006\"\n"),
      {});
  ASSERT_TRUE(twilio.ok()) << twilio.problems[0].key << ": " << twilio.problems[0].message;
  EXPECT_EQ(twilio.config.sms.twilio_auth_token.view(), "tw-token");

  const ConfigLoad both = LoadConfig("", {{"LATCHKEY_SMS_PROVIDER", "twilio"},
                                          {"LATCHKEY_SMS_TWILIO_ACCOUNT_SID", "AC1"},
                                          {"LATCHKEY_SMS_TWILIO_AUTH_TOKEN", "x"},
                                          {"LATCHKEY_SMS_FROM", "+15005550006"},
                                          {"LATCHKEY_SMS_TWILIO_MESSAGING_SERVICE_SID", "MG1"}});
  EXPECT_NE(Find(both, "sms.twilio_messaging_service_sid"), nullptr);
  const ConfigLoad voice = LoadConfig("", {{"LATCHKEY_VOICE_PROVIDER", "twilio"}});
  EXPECT_NE(Find(voice, "voice.twilio_account_sid"), nullptr);
  EXPECT_NE(Find(voice, "voice.twilio_auth_token"), nullptr);
  EXPECT_NE(Find(voice, "voice.from"), nullptr);
  EXPECT_NE(Find(LoadConfig("", {{"LATCHKEY_VOICE_PROVIDER", "kannel"}}), "voice.provider"), nullptr);
  const ConfigLoad kannel = LoadConfig("", {{"LATCHKEY_SMS_PROVIDER", "kannel"}, {"LATCHKEY_SMS_KANNEL_METHOD", "put"}});
  EXPECT_NE(Find(kannel, "sms.kannel_username"), nullptr);
  EXPECT_NE(Find(kannel, "sms.kannel_password"), nullptr);
  EXPECT_NE(Find(kannel, "sms.kannel_method"), nullptr);
  // A provider but no country to send to, and no budget: warnings, not errors.
  const ConfigLoad warn = LoadConfig("", {{"LATCHKEY_SMS_PROVIDER", "webhook"},
                                          {"LATCHKEY_SMS_WEBHOOK_URL", "https://sms.example.org/x"},
                                          {"LATCHKEY_SMS_HOURLY_BUDGET", "0"}});
  EXPECT_TRUE(warn.ok());
  ASSERT_NE(Find(warn, "phone.allowed_country_codes"), nullptr);
  EXPECT_FALSE(Find(warn, "phone.allowed_country_codes")->error);
  ASSERT_NE(Find(warn, "sms.hourly_budget"), nullptr);
  EXPECT_FALSE(Find(warn, "sms.hourly_budget")->error);
}

TEST(SmsConfigTest, WebhookTemplatesAndCountryListsAreChecked) {
  auto webhook = [](const std::string& body, const std::string& format = "json") {
    return LoadConfig("", {{"LATCHKEY_SMS_PROVIDER", "webhook"},
                           {"LATCHKEY_SMS_WEBHOOK_URL", "http://127.0.0.1:9/x"},
                           {"LATCHKEY_SMS_WEBHOOK_FORMAT", format},
                           {"LATCHKEY_SMS_WEBHOOK_BODY", body},
                           {"LATCHKEY_PHONE_DEFAULT_REGION", "GB"}});
  };
  EXPECT_TRUE(webhook(R"({"msisdn":"{{to}}","message":"{{text}}","otp":"{{code}}"})").ok());
  EXPECT_NE(Find(webhook(R"({"to":{{to}}})"), "sms.webhook_body"), nullptr);   // not inside a string
  EXPECT_NE(Find(webhook(R"({"to":"{{number}}"})"), "sms.webhook_body"), nullptr);  // unknown placeholder
  EXPECT_TRUE(webhook("to={{to}}&msg={{text}}", "form").ok());
  EXPECT_NE(Find(webhook("", "xml"), "sms.webhook_format"), nullptr);
  EXPECT_NE(Find(LoadConfig("", {{"LATCHKEY_SMS_PROVIDER", "webhook"}}), "sms.webhook_url"), nullptr);

  const ConfigLoad codes = LoadConfig("", {{"LATCHKEY_PHONE_ALLOWED_COUNTRY_CODES", "+44, 33, US, *"}});
  EXPECT_TRUE(codes.ok());
  EXPECT_EQ(codes.config.phone.allowed_country_codes,
            (std::vector<std::string>{"+44", "33", "US", "*"}));
  EXPECT_NE(Find(LoadConfig("", {{"LATCHKEY_PHONE_ALLOWED_COUNTRY_CODES", "+0044"}}),
                 "phone.allowed_country_codes"),
            nullptr);
  EXPECT_NE(Find(LoadConfig("", {{"LATCHKEY_PHONE_ALLOWED_COUNTRY_CODES", "uk"}}), "phone.allowed_country_codes"),
            nullptr);
  EXPECT_NE(Find(LoadConfig("", {{"LATCHKEY_PHONE_DEFAULT_REGION", "gb"}}), "phone.default_region"), nullptr);
  EXPECT_NE(Find(LoadConfig("", {{"LATCHKEY_CODES_PHONE_LIFETIME_MINUTES", "11"}}),
                 "LATCHKEY_CODES_PHONE_LIFETIME_MINUTES"),
            nullptr);
}

TEST(ConfigTest, MethodSettingsAreValidatedNamingTheKey) {
  const ConfigLoad defaults = LoadConfig("", {});
  EXPECT_EQ(defaults.config.totp.algorithm, "SHA1");
  EXPECT_EQ(defaults.config.totp.digits, 6);
  EXPECT_EQ(defaults.config.totp.period, 30);
  EXPECT_EQ(defaults.config.totp.max_per_user, 5);
  EXPECT_EQ(defaults.config.webauthn.max_per_user, 10);
  EXPECT_EQ(defaults.config.recovery_codes.count, 10);
  EXPECT_FALSE(defaults.config.security_questions.enabled);
  EXPECT_EQ(defaults.config.security_questions.count_to_register, 5);
  EXPECT_EQ(defaults.config.security_questions.count_to_ask, 3);
  // 127.0.0.1 cannot be a WebAuthn relying party id: a warning, not an error.
  ASSERT_NE(Find(defaults, "server.public_url"), nullptr);
  EXPECT_FALSE(Find(defaults, "server.public_url")->error);

  auto error_at = [](const ConfigLoad& load, const std::string& key) {
    const ConfigProblem* p = Find(load, key);
    return p != nullptr && p->error && !load.ok();
  };
  EXPECT_TRUE(error_at(LoadConfig("", {{"LATCHKEY_TOTP_ALGORITHM", "MD5"}}), "totp.algorithm"));
  const ConfigLoad sha256 = LoadConfig("", {{"LATCHKEY_TOTP_ALGORITHM", "SHA256"}});
  EXPECT_TRUE(sha256.ok());
  ASSERT_NE(Find(sha256, "totp.algorithm"), nullptr);  // a warning: apps that ignore it
  EXPECT_TRUE(error_at(LoadConfig("", {{"LATCHKEY_TOTP_DIGITS", "7"}}), "totp.digits"));
  EXPECT_TRUE(error_at(LoadConfig("", {{"LATCHKEY_TOTP_PERIOD", "300"}}), "LATCHKEY_TOTP_PERIOD"));
  EXPECT_TRUE(error_at(LoadConfig("", {{"LATCHKEY_RECOVERY_CODES_COUNT", "2"}}),
                       "LATCHKEY_RECOVERY_CODES_COUNT"));
  EXPECT_TRUE(error_at(LoadConfig("", {{"LATCHKEY_SECURITY_QUESTIONS_COUNT_TO_ASK", "6"}}),
                       "security_questions.count_to_ask"));
  EXPECT_TRUE(error_at(LoadConfig("", {{"LATCHKEY_SECURITY_QUESTIONS_QUESTIONS", "no colon here"}}),
                       "security_questions.questions"));
  EXPECT_TRUE(error_at(LoadConfig("", {{"LATCHKEY_SECURITY_QUESTIONS_QUESTIONS", "Bad Id: Text?"}}),
                       "security_questions.questions"));
  EXPECT_TRUE(error_at(LoadConfig("", {{"LATCHKEY_SECURITY_QUESTIONS_QUESTIONS", "a: b?"}}),
                       "security_questions.questions"));  // text too short
  EXPECT_TRUE(error_at(
      LoadConfig("", {{"LATCHKEY_SECURITY_QUESTIONS_CUSTOM_QUESTIONS", "x: One?, x: Two?"}}),
      "security_questions.custom_questions"));
  std::string many = "[";
  for (int i = 0; i < 21; ++i) many += (i ? ", " : "") + std::string("\"q") + std::to_string(i) + ": Question?\"";
  many += "]";
  EXPECT_TRUE(error_at(LoadConfig("", {{"LATCHKEY_SECURITY_QUESTIONS_CUSTOM_QUESTIONS", many}}),
                       "security_questions.custom_questions"));
  EXPECT_TRUE(error_at(LoadConfig("", {{"LATCHKEY_SECURITY_QUESTIONS_QUESTIONS",
                                        "a: First?, b: Second?, c: Third?"}}),
                       "security_questions.questions"));  // fewer than count_to_register
  const ConfigLoad on = LoadConfig("", {{"LATCHKEY_SECURITY_QUESTIONS_ENABLED", "true"}});
  EXPECT_TRUE(on.ok());
  ASSERT_NE(Find(on, "security_questions.enabled"), nullptr);
  EXPECT_FALSE(Find(on, "security_questions.enabled")->error);

  const std::map<std::string, std::string> https = {
      {"LATCHKEY_SERVER_PUBLIC_URL", "https://login.example.org"}};
  auto with = [&](std::map<std::string, std::string> env) {
    env.insert(https.begin(), https.end());
    return LoadConfig("", env);
  };
  EXPECT_TRUE(with({}).ok());
  EXPECT_EQ(Find(with({}), "server.public_url"), nullptr);
  EXPECT_TRUE(error_at(with({{"LATCHKEY_WEBAUTHN_ORIGINS", "https://evil.test"}}), "webauthn.origins"));
  EXPECT_TRUE(error_at(with({{"LATCHKEY_WEBAUTHN_ORIGINS", "https://login.example.org/path"}}),
                       "webauthn.origins"));
  EXPECT_TRUE(error_at(with({{"LATCHKEY_WEBAUTHN_RP_ID", "example.org/x"}}), "webauthn.rp_id"));
  EXPECT_TRUE(error_at(with({{"LATCHKEY_WEBAUTHN_RP_ID", "other.example"}}), "webauthn.rp_id"));
  EXPECT_TRUE(with({{"LATCHKEY_WEBAUTHN_RP_ID", "example.org"},
                    {"LATCHKEY_WEBAUTHN_ORIGINS", "https://sso.example.org, https://example.org:8443"}})
                  .ok());
  EXPECT_FALSE(with({{"LATCHKEY_WEBAUTHN_RP_ID", "example.org"},
                     {"LATCHKEY_WEBAUTHN_ORIGINS", "https://badexample.org"}})
                   .ok());
}

TEST(ConfigTest, UrlPartsAndQuestionEntries) {
  EXPECT_EQ(UrlOrigin("https://login.example.org:8443/reset?x=1"), "https://login.example.org:8443");
  EXPECT_EQ(UrlOrigin("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
  EXPECT_EQ(UrlOrigin("login.example.org"), "");
  EXPECT_EQ(UrlHost("https://login.example.org:8443/x"), "login.example.org");
  EXPECT_EQ(UrlHost("http://[::1]:8080"), "::1");
  EXPECT_EQ(UrlHost("https://user@host.example/"), "host.example");
  EXPECT_EQ(UrlHost("nonsense"), "");
  const auto q = ParseQuestionEntry("first_job:   Where did you work first?  ");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->id, "first_job");
  EXPECT_EQ(q->text, "Where did you work first?");
  EXPECT_FALSE(ParseQuestionEntry(": text?").has_value());
  EXPECT_FALSE(ParseQuestionEntry("id:").has_value());
  EXPECT_FALSE(ParseQuestionEntry(std::string(33, 'a') + ": Text?").has_value());
  EXPECT_FALSE(ParseQuestionEntry("id: " + std::string(201, 'x')).has_value());
}

TEST(ConfigTest, RateSpecs) {
  EXPECT_EQ(ParseRateSpec("5/10m")->period.count(), 600);
  EXPECT_EQ(ParseRateSpec("5/m")->period.count(), 60);
  EXPECT_EQ(ParseRateSpec("1/1d")->period.count(), 86400);
  EXPECT_FALSE(ParseRateSpec("off")->enabled());
  EXPECT_FALSE(ParseRateSpec("5").has_value());
  EXPECT_FALSE(ParseRateSpec("5/10x").has_value());
  EXPECT_FALSE(ParseRateSpec("-1/1m").has_value());
  EXPECT_FALSE(ParseRateSpec("a/1m").has_value());
}

TEST(ConfigTest, EveryKeyIsDocumented) {
  std::ifstream in(std::string(LATCHKEY_SOURCE_DIR) + "/docs/configuration.md");
  ASSERT_TRUE(in) << "docs/configuration.md is missing";
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  for (const std::string& key : ConfigKeys()) {
    const std::string name = key.substr(key.find('.') + 1);
    const std::string section = "[" + key.substr(0, key.find('.')) + "]";
    EXPECT_NE(doc.find("`" + name + "`"), std::string::npos) << key << " is not documented";
    EXPECT_NE(doc.find(section), std::string::npos) << section << " has no heading";
  }
}

TEST(ConfigTest, DefaultTomlParsesBackToTheDefaults) {
  TempDir dir;
  const std::string path = Write(dir, "defaults.toml", DefaultConfigToml());
  const ConfigLoad load = LoadConfig(path, {});
  EXPECT_TRUE(load.ok()) << (load.problems.empty() ? "" : load.problems[0].key + " " + load.problems[0].message);
  EXPECT_EQ(load.config.server.listen, "127.0.0.1:8080");
}

TEST(DirectoryConfigTest, BuiltinByDefaultWithTheContractsFilter) {
  const ConfigLoad load = LoadConfig("", {});
  EXPECT_EQ(load.config.directory.kind, "builtin");
  EXPECT_EQ(load.config.directory.user_filter, "(uid={username})");
}

TEST(DirectoryConfigTest, LdapNeedsItsKeysAndNamesEachMissingOne) {
  TempDir dir;
  const ConfigLoad load =
      LoadConfig(Write(dir, "c.toml", "[directory]\nkind = \"ldap\"\nuser_filter = \"uid={username}\"\n"), {});
  EXPECT_FALSE(load.ok());
  for (const char* key : {"directory.url", "directory.base_dn", "directory.bind_dn",
                          "directory.user_filter"}) {
    ASSERT_NE(Find(load, key), nullptr) << key;
    EXPECT_TRUE(Find(load, key)->error) << key;
  }
  EXPECT_NE(Find(load, "directory.user_filter")->message.find("parenthesised"), std::string::npos);
  const ConfigLoad bad_kind = LoadConfig(Write(dir, "k.toml", "[directory]\nkind = \"nis\"\n"), {});
  ASSERT_NE(Find(bad_kind, "directory.kind"), nullptr);
}

TEST(DirectoryConfigTest, CompleteLdapConfigWithThePasswordInAFile) {
  TempDir dir;
  const std::string pw = Write(dir, "pw", "s3rvice\n");
  const std::string text = "[directory]\nkind = \"ldap\"\nurl = \"ldap://ldap.example.org\"\n"
                           "bind_dn = \"cn=latchkey,ou=services,dc=example,dc=org\"\n"
                           "bind_password_file = \"" + pw + "\"\nbase_dn = \"ou=people,dc=example,dc=org\"\n";
  const ConfigLoad load = LoadConfig(Write(dir, "c.toml", text), {});
  ASSERT_TRUE(load.ok()) << (load.problems.empty() ? "" : load.problems[0].key + ": " + load.problems[0].message);
  const Config::DirectoryCfg& d = load.config.directory;
  EXPECT_EQ(d.bind_password.view(), "s3rvice");
  EXPECT_EQ(d.username_attribute, "uid");
  EXPECT_EQ(d.sync_filter, "(objectClass=inetOrgPerson)");
  EXPECT_TRUE(d.start_tls);
  // Plaintext is allowed for ldap, with a warning.
  const ConfigLoad plain = LoadConfig(Write(dir, "p.toml", text + "start_tls = false\n"), {});
  EXPECT_TRUE(plain.ok());
  ASSERT_NE(Find(plain, "directory.start_tls"), nullptr);
  EXPECT_FALSE(Find(plain, "directory.start_tls")->error);
}

TEST(DirectoryConfigTest, AdGetsItsDefaultsAndRefusesPlaintext) {
  TempDir dir;
  const std::string pw = Write(dir, "pw", "s3rvice");
  const std::string text = "[directory]\nkind = \"ad\"\nurl = \"ldaps://dc1.corp.example\"\n"
                           "bind_dn = \"CN=svc,OU=Service,DC=corp,DC=example\"\n"
                           "bind_password_file = \"" + pw + "\"\nbase_dn = \"OU=Staff,DC=corp,DC=example\"\n";
  const ConfigLoad load = LoadConfig(Write(dir, "c.toml", text), {});
  ASSERT_TRUE(load.ok());
  EXPECT_EQ(load.config.directory.user_filter,
            "(&(objectCategory=person)(objectClass=user)(sAMAccountName={username}))");
  EXPECT_EQ(load.config.directory.username_attribute, "sAMAccountName");
  // An explicit filter is kept.
  const ConfigLoad own = LoadConfig(
      Write(dir, "o.toml", text + "user_filter = \"(userPrincipalName={username})\"\n"), {});
  EXPECT_EQ(own.config.directory.user_filter, "(userPrincipalName={username})");
  // The environment can switch the URL; plaintext LDAP is an error for AD.
  const ConfigLoad plain = LoadConfig(
      Write(dir, "c2.toml", text + "start_tls = false\n"),
      {{"LATCHKEY_DIRECTORY_URL", "ldap://dc1.corp.example"}});
  ASSERT_NE(Find(plain, "directory.start_tls"), nullptr);
  EXPECT_TRUE(Find(plain, "directory.start_tls")->error);
  const ConfigLoad missing_ca =
      LoadConfig(Write(dir, "c3.toml", text + "ca_file = \"/nonexistent/ca.pem\"\n"), {});
  ASSERT_NE(Find(missing_ca, "directory.ca_file"), nullptr);
}

}  // namespace
}  // namespace latchkey
