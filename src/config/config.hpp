// Configuration: one TOML file, documented defaults, LATCHKEY_<SECTION>_<KEY>
// environment overrides, secrets from *_file paths, unknown keys rejected.
// Every key is described once, in the table in config.cpp, which is also what
// `latchkey config check` validates and docs/configuration.md documents.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/rate_limiter.hpp"
#include "core/secret.hpp"
#include "core/status.hpp"

namespace latchkey {

// [sms] and [voice]: which provider delivers codes over that channel, and how.
// Keys that do not apply to a channel (kannel_* for voice) keep their defaults.
struct PhoneChannelConfig {
  std::string provider = "outbox";  // outbox | webhook | twilio | kannel (sms only)
  std::string from;                 // sender number or id
  int timeout_seconds = 10;
  int hourly_budget = 100;          // sends per clock hour in this process; 0: no budget
  std::string webhook_url;
  std::string webhook_format = "json";  // json | form
  std::string webhook_body;             // template; empty: {"to","text"} (or to=&text=)
  std::string webhook_auth_header = "Authorization";
  SecretString webhook_auth_value;      // empty: no auth header
  std::string twilio_base_url = "https://api.twilio.com";
  std::string twilio_account_sid;
  SecretString twilio_auth_token;
  std::string twilio_messaging_service_sid;  // sms: instead of `from`
  std::string kannel_url = "http://127.0.0.1:13013/cgi-bin/sendsms";
  std::string kannel_username;
  SecretString kannel_password;
  std::string kannel_method = "post";  // post (X-Kannel headers) | get (query string)
  std::string language;                // voice: the spoken language ("en-GB"); "": provider's
};

struct Config {
  struct Server {
    std::string listen = "127.0.0.1:8080";
    std::string public_url = "http://127.0.0.1:8080";
    bool dev = false;
    int threads = 64;
    std::vector<std::string> trusted_proxies;
    std::vector<std::string> allowed_origins;
  } server;
  struct StoreCfg {
    std::string url = "sqlite://./var/latchkey.db";
    int pool_size = 8;
    int busy_timeout_ms = 5000;
  } store;
  struct Secrets {
    std::string key_file;  // empty: next to the SQLite database (SQLite only)
    std::vector<std::string> previous_key_files;
  } secrets;
  struct Mail {
    std::string smtp_url;
    std::string from = "Latchkey <no-reply@localhost>";
    std::string smtp_username;
    SecretString smtp_password;
    std::string ca_file;
    int timeout_seconds = 30;
    std::string templates_dir;
  } mail;
  struct Delivery {
    int retry_initial_seconds = 5;
    int retry_max_seconds = 300;
    int max_attempts = 20;
    int poll_interval_ms = 1000;
  } delivery;
  struct Branding {
    std::string organisation_name = "Latchkey";
    std::string helpdesk_contact;
    std::string primary_colour = "#1d4f91";
  } branding;
  struct Flows {
    int lifetime_minutes = 15;
    int max_failures = 5;
    int gates_required = 1;
    bool require_strong_gate = true;
    int activation_days = 7;
    bool confirm_phone_number = false;
    bool reveal_unregistered = false;
    std::vector<std::string> admin_accounts;
  } flows;
  struct Captcha {
    bool enabled = true;
    std::int64_t max_number = 100000;
    int lifetime_minutes = 10;
    bool skip_trusted = true;
  } captcha;
  struct Codes {
    int length = 6;
    int email_lifetime_minutes = 10;
    int phone_lifetime_minutes = 5;
  } codes;
  struct Totp {
    std::string issuer;  // empty: branding.organisation_name
    std::string algorithm = "SHA1";
    int digits = 6;
    int period = 30;  // seconds
    int max_per_user = 5;
  } totp;
  struct WebAuthn {
    std::string rp_id;    // empty: the host of server.public_url
    std::string rp_name;  // empty: branding.organisation_name
    std::vector<std::string> origins;  // empty: the origin of server.public_url
    bool require_user_verification = false;
    int max_per_user = 10;
  } webauthn;
  struct RecoveryCodes {
    int count = 10;
  } recovery_codes;
  struct SecurityQuestions {
    bool enabled = false;
    int count_to_register = 5;
    int count_to_ask = 3;
    std::vector<std::string> questions;         // "id: text"; empty: the built-in list
    std::vector<std::string> custom_questions;  // "id: text", offered after `questions`
    bool helpdesk_question = true;
  } security_questions;
  struct Password {
    std::string preset;  // "", "qmul" or "entra": defaults for the keys not set
    int min_length = 12;
    int max_length = 256;
    int min_strength = 3;
    std::vector<std::string> banned_terms;
    std::string breach_filter;
    std::vector<std::string> require_classes;
    int min_classes = 0;
    std::vector<std::string> forbid_classes;
    std::string forbidden_characters;
    std::string allowed_characters;
    int history = 5;
    bool reset_may_reuse_current = false;
    int hash_memory_kib = 19456;
    int hash_iterations = 2;
    int hash_threads = 2;
    int hash_queue = 64;
  } password;
  struct Limits {
    RateSpec flow_start_per_ip{30, std::chrono::minutes(1)};
    RateSpec flow_start_per_account{10, std::chrono::minutes(15)};
    RateSpec verify_per_ip{60, std::chrono::minutes(1)};
    RateSpec code_send_per_destination{5, std::chrono::minutes(15)};
    RateSpec password_check_per_ip{30, std::chrono::minutes(1)};
    RateSpec signin_per_ip{20, std::chrono::minutes(1)};
    RateSpec phone_send_per_number{10, std::chrono::hours(24)};
    RateSpec phone_send_per_country{20, std::chrono::hours(1)};
  } limits;
  struct Throttle {
    RateSpec verify_attempts{5, std::chrono::hours(1)};
    RateSpec emails{10, std::chrono::minutes(10)};
    RateSpec failed_flows{5, std::chrono::hours(24)};
    int block_hours = 24;
  } throttle;
  struct Phone {
    std::string default_region;
    // Where SMS and voice codes may go: "+44" (a country calling code), "GB" (a
    // region), "*" (anywhere). Empty: default_region only.
    std::vector<std::string> allowed_country_codes;
  } phone;
  struct Network {
    std::vector<std::string> trusted;  // CIDRs treated as "inside"
  } network;
  struct SessionCfg {
    int idle_minutes = 30;
    int absolute_hours = 12;
    int fresh_minutes = 5;
  } session;
  struct Lockout {
    int threshold = 10;
    int duration_seconds = 60;
    int max_duration_seconds = 3600;
  } lockout;
  struct Registration {
    std::vector<std::string> methods_allowed;
    int methods_required = 1;
    bool require_at_signin = false;
    int reconfirm_days = 0;
    std::vector<std::string> email_forbidden_domains;
    int max_emails = 5;
  } registration;
  PhoneChannelConfig sms;
  PhoneChannelConfig voice = [] {
    PhoneChannelConfig v;
    v.hourly_budget = 25;
    return v;
  }();
  struct Log {
    std::string level = "info";
    std::string format = "text";
  } log;
  // Where passwords live. For "ldap" and "ad" the empty sync_filter and
  // username_attribute (and, for "ad", user_filter when not set) are filled with
  // the kind's defaults by LoadConfig.
  struct DirectoryCfg {
    std::string kind = "builtin";  // builtin | ldap | ad
    std::string url;               // ldap://host:port or ldaps://host:port
    std::string bind_dn;
    SecretString bind_password;
    std::string base_dn;
    std::string user_filter = "(uid={username})";
    std::string sync_filter;
    std::string username_attribute;
    std::string display_name_attribute = "displayName";
    std::string mail_attribute = "mail";
    std::string mobile_attribute = "mobile";
    bool start_tls = true;
    std::string ca_file;
    int connect_timeout_ms = 5000;
    int operation_timeout_ms = 10000;
    int pool_size = 4;
    int page_size = 500;
    bool must_change_after_helpdesk_reset = true;
    bool policy_hints = true;
  } directory;

  std::string source;  // the file it was read from, or "" for built-in defaults
  // "section.key" of every key set by the file or the environment (presets fill
  // only the others).
  std::set<std::string> explicit_keys;
  bool IsExplicit(const std::string& key) const { return explicit_keys.count(key) != 0; }
};

struct ConfigProblem {
  std::string key;  // "section.key", or the environment variable's name
  std::string message;
  bool error = true;  // false: a warning (the service runs, but an operator should look)
};

// Environment lookup, injectable so tests need not touch the process environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
// Every variable of the real process environment whose name starts with LATCHKEY_.
std::map<std::string, std::string> LatchkeyEnvironment();

struct ConfigLoad {
  Config config;
  std::vector<ConfigProblem> problems;  // errors and warnings, in key order
  bool ok() const;                      // no errors (warnings allowed)
};

// Loads `path` (empty: defaults only) and applies `env` (LATCHKEY_* variables).
// Never throws; every problem is reported with its key.
ConfigLoad LoadConfig(const std::string& path, const std::map<std::string, std::string>& env);

// Every documented key as "section.key", in table order (docs and tests use it).
std::vector<std::string> ConfigKeys();
// The default value of every key as TOML text (for `latchkey config defaults`).
std::string DefaultConfigToml();

// A security question as configured: "id: text" ("first_job: Where did you work
// first?"). The id is 1 to 32 of a-z, 0-9 and _, the text 3 to 200 characters.
struct QuestionEntry {
  std::string id;
  std::string text;
};
std::optional<QuestionEntry> ParseQuestionEntry(const std::string& entry);

// The origin of a URL: scheme://host[:port] as written, without path, query or
// fragment ("https://login.example.org:8443" for "https://login.example.org:8443/x").
// "" when `url` has no scheme://host.
std::string UrlOrigin(const std::string& url);
// The host of a URL ("login.example.org"; "::1" for "http://[::1]:8080"), or "".
std::string UrlHost(const std::string& url);

// Parses "N/period" ("30/1m", "5/10m", "10/1h", "100/1d", "off").
std::optional<RateSpec> ParseRateSpec(const std::string& text);
// The SQLite file named by a sqlite:// URL, or "" for other URLs.
std::string SqlitePath(const std::string& store_url);

}  // namespace latchkey
