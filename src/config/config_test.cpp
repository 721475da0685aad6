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
