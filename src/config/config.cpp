#include "config/config.hpp"

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "core/cidr.hpp"
#include "core/method_kind.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "directory/ldap_text.hpp"
#include "text/unicode.hpp"

extern char** environ;  // POSIX: the process environment

namespace latchkey {
namespace {

enum class Type { kString, kInt, kBool, kStringList, kRate, kSecret };

struct Value {
  std::string s;
  std::int64_t i = 0;
  bool b = false;
  std::vector<std::string> list;
  RateSpec rate;
};

struct KeySpec {
  const char* section;
  const char* key;
  Type type;
  const char* default_toml;  // the default as TOML text
  const char* doc;
  std::int64_t min = 0;
  std::int64_t max = 0;
  std::function<void(Config&, const Value&)> set;
};

// The keys of [sms] or [voice]: the same shape for both channels.
void AddPhoneChannelSpecs(std::vector<KeySpec>& specs, const char* section,
                          PhoneChannelConfig Config::*channel, bool sms) {
  auto str = [channel](std::string PhoneChannelConfig::*field) {
    return [channel, field](Config& c, const Value& v) { (c.*channel).*field = v.s; };
  };
  auto secret = [channel](SecretString PhoneChannelConfig::*field) {
    return [channel, field](Config& c, const Value& v) { (c.*channel).*field = SecretString(v.s); };
  };
  specs.push_back({section, "provider", Type::kString, "\"outbox\"",
                   sms ? "outbox (dev: kept in the outbox), webhook, twilio or kannel"
                       : "outbox (dev: kept in the outbox), webhook or twilio",
                   0, 0, str(&PhoneChannelConfig::provider)});
  specs.push_back({section, "from", Type::kString, "\"\"",
                   sms ? "sender: an E.164 number or an alphanumeric sender id"
                       : "the E.164 number calls come from",
                   0, 0, str(&PhoneChannelConfig::from)});
  specs.push_back({section, "timeout_seconds", Type::kInt, "10",
                   "connect + request timeout of one call to the provider", 1, 120,
                   [channel](Config& c, const Value& v) {
                     (c.*channel).timeout_seconds = static_cast<int>(v.i);
                   }});
  specs.push_back({section, "hourly_budget", Type::kInt, sms ? "100" : "25",
                   "codes sent per clock hour (per process); past it sends are refused and "
                   "the operator alerted; 0: no budget",
                   0, 10000000, [channel](Config& c, const Value& v) {
                     (c.*channel).hourly_budget = static_cast<int>(v.i);
                   }});
  specs.push_back({section, "webhook_url", Type::kString, "\"\"",
                   "provider = \"webhook\": the URL each message is POSTed to", 0, 0,
                   str(&PhoneChannelConfig::webhook_url)});
  specs.push_back({section, "webhook_format", Type::kString, "\"json\"",
                   "json (application/json) or form (application/x-www-form-urlencoded)", 0, 0,
                   str(&PhoneChannelConfig::webhook_format)});
  specs.push_back({section, "webhook_body", Type::kString, "\"\"",
                   "body template with {{to}} {{text}} {{code}} {{channel}} {{id}}; empty: "
                   "{\"to\",\"text\"} (json) or to=&text= (form)",
                   0, 0, str(&PhoneChannelConfig::webhook_body)});
  specs.push_back({section, "webhook_auth_header", Type::kString, "\"Authorization\"",
                   "name of the header carrying webhook_auth_value", 0, 0,
                   str(&PhoneChannelConfig::webhook_auth_header)});
  specs.push_back({section, "webhook_auth_value", Type::kSecret, "\"\"",
                   "value of that header (\"Bearer ...\"); prefer webhook_auth_value_file; "
                   "empty: no header",
                   0, 0, secret(&PhoneChannelConfig::webhook_auth_value)});
  specs.push_back({section, "twilio_base_url", Type::kString, "\"https://api.twilio.com\"",
                   "the Twilio REST API's base URL", 0, 0,
                   str(&PhoneChannelConfig::twilio_base_url)});
  specs.push_back({section, "twilio_account_sid", Type::kString, "\"\"",
                   "Twilio account SID (AC...)", 0, 0,
                   str(&PhoneChannelConfig::twilio_account_sid)});
  specs.push_back({section, "twilio_auth_token", Type::kSecret, "\"\"",
                   "Twilio auth token; prefer twilio_auth_token_file", 0, 0,
                   secret(&PhoneChannelConfig::twilio_auth_token)});
  if (sms) {
    specs.push_back({section, "twilio_messaging_service_sid", Type::kString, "\"\"",
                     "Twilio messaging service (MG...) to send from instead of `from`", 0, 0,
                     str(&PhoneChannelConfig::twilio_messaging_service_sid)});
    specs.push_back({section, "kannel_url", Type::kString,
                     "\"http://127.0.0.1:13013/cgi-bin/sendsms\"",
                     "Kannel smsbox's sendsms URL", 0, 0, str(&PhoneChannelConfig::kannel_url)});
    specs.push_back({section, "kannel_username", Type::kString, "\"\"",
                     "Kannel sendsms-user username", 0, 0,
                     str(&PhoneChannelConfig::kannel_username)});
    specs.push_back({section, "kannel_password", Type::kSecret, "\"\"",
                     "Kannel sendsms-user password; prefer kannel_password_file", 0, 0,
                     secret(&PhoneChannelConfig::kannel_password)});
    specs.push_back({section, "kannel_method", Type::kString, "\"post\"",
                     "post (credentials and text in headers and body) or get (in the URL)", 0, 0,
                     str(&PhoneChannelConfig::kannel_method)});
  } else {
    specs.push_back({section, "language", Type::kString, "\"\"",
                     "language the code is read out in (\"en-GB\"); empty: the provider's default",
                     0, 0, str(&PhoneChannelConfig::language)});
  }
}

std::vector<KeySpec> WithPhoneChannels(std::vector<KeySpec> specs) {
  AddPhoneChannelSpecs(specs, "sms", &Config::sms, true);
  AddPhoneChannelSpecs(specs, "voice", &Config::voice, false);
  return specs;
}

const std::vector<KeySpec>& Specs() {
  static const std::vector<KeySpec> specs = WithPhoneChannels({
      {"server", "listen", Type::kString, "\"127.0.0.1:8080\"", "address and port to listen on",
       0, 0, [](Config& c, const Value& v) { c.server.listen = v.s; }},
      {"server", "public_url", Type::kString, "\"http://127.0.0.1:8080\"",
       "the URL people use to reach the service (origin check, links in messages)", 0, 0,
       [](Config& c, const Value& v) { c.server.public_url = v.s; }},
      {"server", "dev", Type::kBool, "false",
       "development mode: demo account, cookies without Secure (make run turns it on)", 0, 0,
       [](Config& c, const Value& v) { c.server.dev = v.b; }},
      {"server", "threads", Type::kInt, "64",
       "HTTP worker threads; each keep-alive connection holds one", 4, 1024,
       [](Config& c, const Value& v) { c.server.threads = static_cast<int>(v.i); }},
      {"server", "trusted_proxies", Type::kStringList, "[]",
       "CIDRs of reverse proxies whose X-Forwarded-For is believed", 0, 0,
       [](Config& c, const Value& v) { c.server.trusted_proxies = v.list; }},
      {"server", "allowed_origins", Type::kStringList, "[]",
       "further origins allowed to call the API (public_url's origin always is)", 0, 0,
       [](Config& c, const Value& v) { c.server.allowed_origins = v.list; }},

      {"store", "url", Type::kString, "\"sqlite://./var/latchkey.db\"",
       "sqlite://PATH or postgresql://user:pw@host:port/db", 0, 0,
       [](Config& c, const Value& v) { c.store.url = v.s; }},
      {"store", "pool_size", Type::kInt, "8", "database connections", 1, 256,
       [](Config& c, const Value& v) { c.store.pool_size = static_cast<int>(v.i); }},
      {"store", "busy_timeout_ms", Type::kInt, "5000",
       "how long to wait for a locked database before answering 503", 0, 600000,
       [](Config& c, const Value& v) { c.store.busy_timeout_ms = static_cast<int>(v.i); }},

      {"secrets", "key_file", Type::kString, "\"\"",
       "master key file (32 bytes, base64); empty: secret.key next to the SQLite database, "
       "created on first start",
       0, 0, [](Config& c, const Value& v) { c.secrets.key_file = v.s; }},
      {"secrets", "previous_key_files", Type::kStringList, "[]",
       "older master keys, still used to open data sealed before a rotation", 0, 0,
       [](Config& c, const Value& v) { c.secrets.previous_key_files = v.list; }},

      {"mail", "smtp_url", Type::kString, "\"\"",
       "smtp://host:port (STARTTLS when offered) or smtps://host:port; empty: dev outbox only", 0,
       0, [](Config& c, const Value& v) { c.mail.smtp_url = v.s; }},
      {"mail", "from", Type::kString, "\"Latchkey <no-reply@localhost>\"", "sender of every mail",
       0, 0, [](Config& c, const Value& v) { c.mail.from = v.s; }},
      {"mail", "smtp_username", Type::kString, "\"\"", "SMTP AUTH user (requires TLS)", 0, 0,
       [](Config& c, const Value& v) { c.mail.smtp_username = v.s; }},
      {"mail", "smtp_password", Type::kSecret, "\"\"",
       "SMTP AUTH password (prefer smtp_password_file)", 0, 0,
       [](Config& c, const Value& v) { c.mail.smtp_password = SecretString(v.s); }},
      {"mail", "ca_file", Type::kString, "\"\"",
       "CA bundle for the relay's certificate; empty: the system's", 0, 0,
       [](Config& c, const Value& v) { c.mail.ca_file = v.s; }},
      {"mail", "timeout_seconds", Type::kInt, "30", "SMTP connect + send timeout", 1, 600,
       [](Config& c, const Value& v) { c.mail.timeout_seconds = static_cast<int>(v.i); }},
      {"mail", "templates_dir", Type::kString, "\"\"",
       "directory of message templates overriding the built-in ones", 0, 0,
       [](Config& c, const Value& v) { c.mail.templates_dir = v.s; }},

      {"delivery", "retry_initial_seconds", Type::kInt, "5",
       "first wait after a failed delivery; doubles each time", 1, 86400,
       [](Config& c, const Value& v) { c.delivery.retry_initial_seconds = static_cast<int>(v.i); }},
      {"delivery", "retry_max_seconds", Type::kInt, "300", "longest wait between attempts", 1,
       86400,
       [](Config& c, const Value& v) { c.delivery.retry_max_seconds = static_cast<int>(v.i); }},
      {"delivery", "max_attempts", Type::kInt, "20", "attempts before a message is failed", 1,
       1000, [](Config& c, const Value& v) { c.delivery.max_attempts = static_cast<int>(v.i); }},
      {"delivery", "poll_interval_ms", Type::kInt, "1000",
       "how often the worker looks for due messages (it is also woken on enqueue)", 10, 60000,
       [](Config& c, const Value& v) { c.delivery.poll_interval_ms = static_cast<int>(v.i); }},

      {"branding", "organisation_name", Type::kString, "\"Latchkey\"",
       "the organisation's name, used in every message", 0, 0,
       [](Config& c, const Value& v) { c.branding.organisation_name = v.s; }},
      {"branding", "helpdesk_contact", Type::kString, "\"\"",
       "how to reach the helpdesk (\"020 7848 8888, 24/7\"), shown in messages", 0, 0,
       [](Config& c, const Value& v) { c.branding.helpdesk_contact = v.s; }},
      {"branding", "primary_colour", Type::kString, "\"#1d4f91\"",
       "the portal's colour of buttons, links and focus rings, \"#rrggbb\"; white text on it "
       "must have a contrast of at least 4.5:1 (WCAG 2.1 AA)",
       0, 0, [](Config& c, const Value& v) { c.branding.primary_colour = v.s; }},

      {"flows", "lifetime_minutes", Type::kInt, "15", "a flow expires this long after its start",
       1, 1440,
       [](Config& c, const Value& v) { c.flows.lifetime_minutes = static_cast<int>(v.i); }},
      {"flows", "max_failures", Type::kInt, "5", "wrong answers that end (block) a flow", 1, 100,
       [](Config& c, const Value& v) { c.flows.max_failures = static_cast<int>(v.i); }},
      {"flows", "gates_required", Type::kInt, "1",
       "verification gates for a reset or unlock: 1, or 2 different methods", 1, 2,
       [](Config& c, const Value& v) { c.flows.gates_required = static_cast<int>(v.i); }},
      {"flows", "confirm_phone_number", Type::kBool, "false",
       "phone gates ask for the full number on file before a code is sent (Entra does)", 0, 0,
       [](Config& c, const Value& v) { c.flows.confirm_phone_number = v.b; }},
      {"flows", "reveal_unregistered", Type::kBool, "false",
       "tell a person with too little registered at the start (with the helpdesk contact) "
       "instead of a look-alike flow; reveals that the account exists",
       0, 0, [](Config& c, const Value& v) { c.flows.reveal_unregistered = v.b; }},
      {"flows", "admin_accounts", Type::kStringList, "[]",
       "usernames of administrators: a reset of one notifies the others, and security questions "
       "are never offered to them",
       0, 0, [](Config& c, const Value& v) { c.flows.admin_accounts = v.list; }},
      {"flows", "activation_days", Type::kInt, "7",
       "how long an activation code (user add --activation, user activation) stays valid", 1, 90,
       [](Config& c, const Value& v) { c.flows.activation_days = static_cast<int>(v.i); }},
      {"flows", "require_strong_gate", Type::kBool, "true",
       "when a person has an authenticator app or security key, one gate must be it (or a "
       "recovery code): a reset cannot bypass MFA",
       0, 0, [](Config& c, const Value& v) { c.flows.require_strong_gate = v.b; }},

      {"captcha", "enabled", Type::kBool, "true",
       "a proof-of-work challenge (ALTCHA protocol, self-hosted) before a flow starts; off in "
       "dev mode unless set",
       0, 0, [](Config& c, const Value& v) { c.captcha.enabled = v.b; }},
      {"captcha", "max_number", Type::kInt, "100000",
       "difficulty: the client tries on average half this many SHA-256 hashes", 1000, 10000000,
       [](Config& c, const Value& v) { c.captcha.max_number = v.i; }},
      {"captcha", "lifetime_minutes", Type::kInt, "10", "how long a challenge may be solved", 1,
       60, [](Config& c, const Value& v) { c.captcha.lifetime_minutes = static_cast<int>(v.i); }},
      {"captcha", "skip_trusted", Type::kBool, "true",
       "no challenge for clients in [network] trusted", 0, 0,
       [](Config& c, const Value& v) { c.captcha.skip_trusted = v.b; }},

      {"codes", "length", Type::kInt, "6", "digits in a one-time code", 6, 10,
       [](Config& c, const Value& v) { c.codes.length = static_cast<int>(v.i); }},
      {"codes", "email_lifetime_minutes", Type::kInt, "10", "an emailed code is valid this long",
       1, 60,
       [](Config& c, const Value& v) { c.codes.email_lifetime_minutes = static_cast<int>(v.i); }},
      {"codes", "phone_lifetime_minutes", Type::kInt, "5",
       "a code sent by SMS or read out in a call is valid this long", 1, 10,
       [](Config& c, const Value& v) { c.codes.phone_lifetime_minutes = static_cast<int>(v.i); }},

      {"totp", "issuer", Type::kString, "\"\"",
       "the name authenticator apps show above the account; empty: branding.organisation_name", 0,
       0, [](Config& c, const Value& v) { c.totp.issuer = v.s; }},
      {"totp", "algorithm", Type::kString, "\"SHA1\"",
       "HMAC of new registrations: SHA1 (every app), SHA256 or SHA512", 0, 0,
       [](Config& c, const Value& v) { c.totp.algorithm = v.s; }},
      {"totp", "digits", Type::kInt, "6", "digits of a code: 6 or 8", 6, 8,
       [](Config& c, const Value& v) { c.totp.digits = static_cast<int>(v.i); }},
      {"totp", "period", Type::kInt, "30", "seconds each code lasts (the time step)", 15, 120,
       [](Config& c, const Value& v) { c.totp.period = static_cast<int>(v.i); }},
      {"totp", "max_per_user", Type::kInt, "5", "authenticator apps one person may register", 1,
       20, [](Config& c, const Value& v) { c.totp.max_per_user = static_cast<int>(v.i); }},

      {"webauthn", "rp_id", Type::kString, "\"\"",
       "the relying party id (a domain); empty: the host of server.public_url", 0, 0,
       [](Config& c, const Value& v) { c.webauthn.rp_id = v.s; }},
      {"webauthn", "rp_name", Type::kString, "\"\"",
       "the name browsers show; empty: branding.organisation_name", 0, 0,
       [](Config& c, const Value& v) { c.webauthn.rp_name = v.s; }},
      {"webauthn", "origins", Type::kStringList, "[]",
       "origins a ceremony may come from; empty: the origin of server.public_url", 0, 0,
       [](Config& c, const Value& v) { c.webauthn.origins = v.list; }},
      {"webauthn", "require_user_verification", Type::kBool, "false",
       "require a PIN or biometric on the key at every use", 0, 0,
       [](Config& c, const Value& v) { c.webauthn.require_user_verification = v.b; }},
      {"webauthn", "max_per_user", Type::kInt, "10", "security keys one person may register", 1,
       50, [](Config& c, const Value& v) { c.webauthn.max_per_user = static_cast<int>(v.i); }},

      {"recovery_codes", "count", Type::kInt, "10", "codes in a set (80 bits each)", 4, 20,
       [](Config& c, const Value& v) { c.recovery_codes.count = static_cast<int>(v.i); }},

      {"security_questions", "enabled", Type::kBool, "false",
       "offer security questions (NIST and OWASP advise against them)", 0, 0,
       [](Config& c, const Value& v) { c.security_questions.enabled = v.b; }},
      {"security_questions", "count_to_register", Type::kInt, "5",
       "questions a person answers when registering", 3, 10,
       [](Config& c, const Value& v) {
         c.security_questions.count_to_register = static_cast<int>(v.i);
       }},
      {"security_questions", "count_to_ask", Type::kInt, "3",
       "registered questions asked at a gate, drawn at random", 1, 10,
       [](Config& c, const Value& v) { c.security_questions.count_to_ask = static_cast<int>(v.i); }},
      {"security_questions", "questions", Type::kStringList, "[]",
       "the predefined questions as \"id: text\"; empty: the built-in list", 0, 0,
       [](Config& c, const Value& v) { c.security_questions.questions = v.list; }},
      {"security_questions", "custom_questions", Type::kStringList, "[]",
       "the organisation's own questions (\"id: text\", at most 20), offered after the others",
       0, 0, [](Config& c, const Value& v) { c.security_questions.custom_questions = v.list; }},
      {"security_questions", "helpdesk_question", Type::kBool, "true",
       "offer the optional helpdesk verification question, whose answer the helpdesk can read", 0,
       0, [](Config& c, const Value& v) { c.security_questions.helpdesk_question = v.b; }},

      {"password", "preset", Type::kString, "\"\"",
       "\"qmul\" or \"entra\": that organisation's rules as defaults for the keys not set", 0, 0,
       [](Config& c, const Value& v) { c.password.preset = v.s; }},
      {"password", "min_length", Type::kInt, "12", "shortest accepted password (characters)", 1,
       1024, [](Config& c, const Value& v) { c.password.min_length = static_cast<int>(v.i); }},
      {"password", "max_length", Type::kInt, "256", "longest accepted password (characters)", 8,
       4096, [](Config& c, const Value& v) { c.password.max_length = static_cast<int>(v.i); }},
      {"password", "min_strength", Type::kInt, "3", "zxcvbn score 0..4 a password needs; 0: off", 0,
       4, [](Config& c, const Value& v) { c.password.min_strength = static_cast<int>(v.i); }},
      {"password", "banned_terms", Type::kStringList, "[]",
       "the organisation's own banned terms (4-16 characters each)", 0, 0,
       [](Config& c, const Value& v) { c.password.banned_terms = v.list; }},
      {"password", "breach_filter", Type::kString, "\"\"",
       "filter built by `latchkey breach import`; empty: no breached-password check", 0, 0,
       [](Config& c, const Value& v) { c.password.breach_filter = v.s; }},
      {"password", "require_classes", Type::kStringList, "[]",
       "classes each password must contain: upper, lower, digit, symbol, other_letter", 0, 0,
       [](Config& c, const Value& v) { c.password.require_classes = v.list; }},
      {"password", "min_classes", Type::kInt, "0", "at least this many different classes (Entra: 3)",
       0, 5, [](Config& c, const Value& v) { c.password.min_classes = static_cast<int>(v.i); }},
      {"password", "forbid_classes", Type::kStringList, "[]",
       "classes a password may not contain (QMUL: [\"symbol\"])", 0, 0,
       [](Config& c, const Value& v) { c.password.forbid_classes = v.list; }},
      {"password", "forbidden_characters", Type::kString, "\"\"",
       "characters a password may not contain", 0, 0,
       [](Config& c, const Value& v) { c.password.forbidden_characters = v.s; }},
      {"password", "allowed_characters", Type::kString, "\"\"",
       "when set, the only characters a password may contain", 0, 0,
       [](Config& c, const Value& v) { c.password.allowed_characters = v.s; }},
      {"password", "history", Type::kInt, "5",
       "a new password must differ from this many most recent ones; -1: from all, 0: off", -1,
       1000, [](Config& c, const Value& v) { c.password.history = static_cast<int>(v.i); }},
      {"password", "reset_may_reuse_current", Type::kBool, "false",
       "a reset may set the current password again (Entra allows it)", 0, 0,
       [](Config& c, const Value& v) { c.password.reset_may_reuse_current = v.b; }},
      {"password", "hash_memory_kib", Type::kInt, "19456", "Argon2id memory cost (KiB)", 8192,
       4194304,
       [](Config& c, const Value& v) { c.password.hash_memory_kib = static_cast<int>(v.i); }},
      {"password", "hash_iterations", Type::kInt, "2", "Argon2id time cost", 1, 64,
       [](Config& c, const Value& v) { c.password.hash_iterations = static_cast<int>(v.i); }},
      {"password", "hash_threads", Type::kInt, "2",
       "passwords hashed at once (memory: threads x hash_memory_kib)", 1, 256,
       [](Config& c, const Value& v) { c.password.hash_threads = static_cast<int>(v.i); }},
      {"password", "hash_queue", Type::kInt, "64",
       "hashes that may wait; beyond it requests get 503", 1, 100000,
       [](Config& c, const Value& v) { c.password.hash_queue = static_cast<int>(v.i); }},

      {"throttle", "verify_attempts", Type::kRate, "\"5/1h\"",
       "wrong answers at phone, authenticator app, security key, question and recovery-code "
       "gates per person before a block",
       0, 0, [](Config& c, const Value& v) { c.throttle.verify_attempts = v.rate; }},
      {"throttle", "emails", Type::kRate, "\"10/10m\"",
       "codes emailed to one person before a block", 0, 0,
       [](Config& c, const Value& v) { c.throttle.emails = v.rate; }},
      {"throttle", "failed_flows", Type::kRate, "\"5/24h\"",
       "flows ended by too many wrong answers per person before a block", 0, 0,
       [](Config& c, const Value& v) { c.throttle.failed_flows = v.rate; }},
      {"throttle", "block_hours", Type::kInt, "24", "how long a block lasts", 1, 720,
       [](Config& c, const Value& v) { c.throttle.block_hours = static_cast<int>(v.i); }},

      {"limits", "flow_start_per_ip", Type::kRate, "\"30/1m\"", "flow starts per client address",
       0, 0, [](Config& c, const Value& v) { c.limits.flow_start_per_ip = v.rate; }},
      {"limits", "flow_start_per_account", Type::kRate, "\"10/15m\"",
       "flow starts per username (known or not)", 0, 0,
       [](Config& c, const Value& v) { c.limits.flow_start_per_account = v.rate; }},
      {"limits", "verify_per_ip", Type::kRate, "\"60/1m\"",
       "code and answer checks per client address", 0, 0,
       [](Config& c, const Value& v) { c.limits.verify_per_ip = v.rate; }},
      {"limits", "code_send_per_destination", Type::kRate, "\"5/15m\"",
       "codes sent to one address or number", 0, 0,
       [](Config& c, const Value& v) { c.limits.code_send_per_destination = v.rate; }},
      {"limits", "signin_per_ip", Type::kRate, "\"20/1m\"",
       "sign-in attempts (and second-factor answers) per client address", 0, 0,
       [](Config& c, const Value& v) { c.limits.signin_per_ip = v.rate; }},
      {"limits", "password_check_per_ip", Type::kRate, "\"30/1m\"",
       "password checks (POST /api/v1/password/check) per client address", 0, 0,
       [](Config& c, const Value& v) { c.limits.password_check_per_ip = v.rate; }},
      {"limits", "phone_send_per_number", Type::kRate, "\"10/1d\"",
       "SMS and voice codes to one number (on top of code_send_per_destination)", 0, 0,
       [](Config& c, const Value& v) { c.limits.phone_send_per_number = v.rate; }},
      {"limits", "phone_send_per_country", Type::kRate, "\"20/1h\"",
       "SMS and voice codes to one country calling code other than default_region's", 0, 0,
       [](Config& c, const Value& v) { c.limits.phone_send_per_country = v.rate; }},

      {"phone", "default_region", Type::kString, "\"\"",
       "region for numbers typed without a country code (\"GB\", \"US\"); empty: +CC required", 0,
       0, [](Config& c, const Value& v) { c.phone.default_region = v.s; }},
      {"phone", "allowed_country_codes", Type::kStringList, "[]",
       "where SMS and voice codes may go: \"+44\" (a country calling code), \"GB\" (a region) "
       "or \"*\"; empty: default_region only",
       0, 0, [](Config& c, const Value& v) { c.phone.allowed_country_codes = v.list; }},

      {"network", "trusted", Type::kStringList, "[]",
       "CIDRs treated as \"inside\": no second factor at sign-in, familiar for lockout", 0, 0,
       [](Config& c, const Value& v) { c.network.trusted = v.list; }},

      {"session", "idle_minutes", Type::kInt, "30", "a session ends after this long unused", 1,
       1440, [](Config& c, const Value& v) { c.session.idle_minutes = static_cast<int>(v.i); }},
      {"session", "absolute_hours", Type::kInt, "12", "a session ends this long after sign-in", 1,
       720, [](Config& c, const Value& v) { c.session.absolute_hours = static_cast<int>(v.i); }},
      {"session", "fresh_minutes", Type::kInt, "5",
       "adding or removing a method needs a proof this recent", 1, 60,
       [](Config& c, const Value& v) { c.session.fresh_minutes = static_cast<int>(v.i); }},

      {"lockout", "threshold", Type::kInt, "10", "failed sign-ins that lock an account", 1, 1000,
       [](Config& c, const Value& v) { c.lockout.threshold = static_cast<int>(v.i); }},
      {"lockout", "duration_seconds", Type::kInt, "60", "the first lockout; each further doubles",
       1, 86400, [](Config& c, const Value& v) { c.lockout.duration_seconds = static_cast<int>(v.i); }},
      {"lockout", "max_duration_seconds", Type::kInt, "3600", "the longest lockout", 1, 604800,
       [](Config& c, const Value& v) { c.lockout.max_duration_seconds = static_cast<int>(v.i); }},

      {"registration", "methods_allowed", Type::kStringList, "[]",
       "method kinds people may register; empty: every kind offered", 0, 0,
       [](Config& c, const Value& v) { c.registration.methods_allowed = v.list; }},
      {"registration", "methods_required", Type::kInt, "1",
       "methods a person needs to be registered (1 or 2)", 1, 2,
       [](Config& c, const Value& v) { c.registration.methods_required = static_cast<int>(v.i); }},
      {"registration", "require_at_signin", Type::kBool, "false",
       "ask people to register their security info when they sign in", 0, 0,
       [](Config& c, const Value& v) { c.registration.require_at_signin = v.b; }},
      {"registration", "reconfirm_days", Type::kInt, "0",
       "ask people to confirm their security info every N days; 0: never", 0, 730,
       [](Config& c, const Value& v) { c.registration.reconfirm_days = static_cast<int>(v.i); }},
      {"registration", "email_forbidden_domains", Type::kStringList, "[]",
       "domains an alternate email may not be in (the organisation's own)", 0, 0,
       [](Config& c, const Value& v) { c.registration.email_forbidden_domains = v.list; }},
      {"registration", "max_emails", Type::kInt, "5", "alternate email addresses per person", 1,
       20, [](Config& c, const Value& v) { c.registration.max_emails = static_cast<int>(v.i); }},

      {"log", "level", Type::kString, "\"info\"", "debug, info, warn or error", 0, 0,
       [](Config& c, const Value& v) { c.log.level = v.s; }},
      {"log", "format", Type::kString, "\"text\"", "text (key=value) or json", 0, 0,
       [](Config& c, const Value& v) { c.log.format = v.s; }},

      {"directory", "kind", Type::kString, "\"builtin\"",
       "where passwords live: builtin (Latchkey's store), ldap (OpenLDAP, 389 DS, FreeIPA) or "
       "ad (Active Directory, Samba AD)",
       0, 0, [](Config& c, const Value& v) { c.directory.kind = v.s; }},
      {"directory", "url", Type::kString, "\"\"", "ldap://host:port or ldaps://host:port", 0, 0,
       [](Config& c, const Value& v) { c.directory.url = v.s; }},
      {"directory", "bind_dn", Type::kString, "\"\"", "the service account's DN", 0, 0,
       [](Config& c, const Value& v) { c.directory.bind_dn = v.s; }},
      {"directory", "bind_password", Type::kSecret, "\"\"",
       "the service account's password (prefer bind_password_file)", 0, 0,
       [](Config& c, const Value& v) { c.directory.bind_password = SecretString(v.s); }},
      {"directory", "base_dn", Type::kString, "\"\"", "where users are searched (subtree)", 0, 0,
       [](Config& c, const Value& v) { c.directory.base_dn = v.s; }},
      {"directory", "user_filter", Type::kString, "\"(uid={username})\"",
       "finds one user; {username} is replaced, escaped per RFC 4515 (ad default: "
       "sAMAccountName)",
       0, 0, [](Config& c, const Value& v) { c.directory.user_filter = v.s; }},
      {"directory", "sync_filter", Type::kString, "\"\"",
       "selects the users `latchkey user sync` imports; empty: every person of the kind", 0, 0,
       [](Config& c, const Value& v) { c.directory.sync_filter = v.s; }},
      {"directory", "username_attribute", Type::kString, "\"\"",
       "the attribute that holds the username; empty: uid (ldap), sAMAccountName (ad)", 0, 0,
       [](Config& c, const Value& v) { c.directory.username_attribute = v.s; }},
      {"directory", "display_name_attribute", Type::kString, "\"displayName\"",
       "the person's name (cn when absent)", 0, 0,
       [](Config& c, const Value& v) { c.directory.display_name_attribute = v.s; }},
      {"directory", "mail_attribute", Type::kString, "\"mail\"",
       "candidate email address for sync; empty: not read", 0, 0,
       [](Config& c, const Value& v) { c.directory.mail_attribute = v.s; }},
      {"directory", "mobile_attribute", Type::kString, "\"mobile\"",
       "candidate mobile number for sync; empty: not read", 0, 0,
       [](Config& c, const Value& v) { c.directory.mobile_attribute = v.s; }},
      {"directory", "start_tls", Type::kBool, "true",
       "with ldap:// URLs: StartTLS, required (false: plaintext, ldap only)", 0, 0,
       [](Config& c, const Value& v) { c.directory.start_tls = v.b; }},
      {"directory", "ca_file", Type::kString, "\"\"",
       "CA bundle for the directory's certificate; empty: the system's", 0, 0,
       [](Config& c, const Value& v) { c.directory.ca_file = v.s; }},
      {"directory", "connect_timeout_ms", Type::kInt, "5000",
       "connect and TLS handshake timeout", 100, 600000,
       [](Config& c, const Value& v) { c.directory.connect_timeout_ms = static_cast<int>(v.i); }},
      {"directory", "operation_timeout_ms", Type::kInt, "10000",
       "timeout of every directory operation (and of waiting for a free connection)", 100,
       600000,
       [](Config& c, const Value& v) { c.directory.operation_timeout_ms = static_cast<int>(v.i); }},
      {"directory", "pool_size", Type::kInt, "4", "directory connections kept open at most", 1,
       256, [](Config& c, const Value& v) { c.directory.pool_size = static_cast<int>(v.i); }},
      {"directory", "page_size", Type::kInt, "500", "entries per page of the sync's paged search",
       1, 100000, [](Config& c, const Value& v) { c.directory.page_size = static_cast<int>(v.i); }},
      {"directory", "must_change_after_helpdesk_reset", Type::kBool, "true",
       "a password the helpdesk set must be changed at next sign-in (AD pwdLastSet=0, ppolicy "
       "pwdReset)",
       0, 0,
       [](Config& c, const Value& v) { c.directory.must_change_after_helpdesk_reset = v.b; }},
      {"directory", "policy_hints", Type::kBool, "true",
       "ad: ask the DC to apply password history to resets too (LDAP_SERVER_POLICY_HINTS)", 0,
       0, [](Config& c, const Value& v) { c.directory.policy_hints = v.b; }},
  });
  return specs;
}

std::string Upper(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

std::string EnvName(const std::string& section, const std::string& key) {
  return "LATCHKEY_" + Upper(section) + "_" + Upper(key);
}

const char* TypeName(Type t) {
  switch (t) {
    case Type::kString:
    case Type::kSecret: return "a string";
    case Type::kInt: return "an integer";
    case Type::kBool: return "true or false";
    case Type::kStringList: return "a list of strings";
    case Type::kRate: return "a rate like \"5/10m\"";
  }
  return "a value";
}

// Converts a TOML node to a Value of the spec's type; false when the type differs.
bool FromToml(const toml::node& node, const KeySpec& spec, Value& out, std::string& why) {
  switch (spec.type) {
    case Type::kString:
    case Type::kSecret:
      if (!node.is_string()) return false;
      out.s = node.as_string()->get();
      return true;
    case Type::kInt:
      if (!node.is_integer()) return false;
      out.i = node.as_integer()->get();
      return true;
    case Type::kBool:
      if (!node.is_boolean()) return false;
      out.b = node.as_boolean()->get();
      return true;
    case Type::kStringList: {
      const toml::array* arr = node.as_array();
      if (arr == nullptr) return false;
      for (const auto& el : *arr) {
        if (!el.is_string()) {
          why = "every element must be a string";
          return false;
        }
        out.list.push_back(el.as_string()->get());
      }
      return true;
    }
    case Type::kRate: {
      if (!node.is_string()) return false;
      auto r = ParseRateSpec(node.as_string()->get());
      if (!r) {
        why = "expected a rate like \"5/10m\" (count/period with s, m, h or d) or \"off\"";
        return false;
      }
      out.rate = *r;
      return true;
    }
  }
  return false;
}

bool FromEnv(const std::string& text, const KeySpec& spec, Value& out, std::string& why) {
  switch (spec.type) {
    case Type::kString:
    case Type::kSecret: out.s = text; return true;
    case Type::kInt: {
      std::int64_t v = 0;
      const auto* end = text.data() + text.size();
      auto [p, ec] = std::from_chars(text.data(), end, v);
      if (ec != std::errc() || p != end) return false;
      out.i = v;
      return true;
    }
    case Type::kBool:
      if (text == "true" || text == "1" || text == "yes") {
        out.b = true;
        return true;
      }
      if (text == "false" || text == "0" || text == "no") {
        out.b = false;
        return true;
      }
      return false;
    case Type::kStringList: {
      if (!text.empty() && text.front() == '[') {
        try {
          toml::table t = toml::parse("v = " + text);
          return FromToml(*t.get("v"), spec, out, why);
        } catch (const toml::parse_error&) {
          why = "expected a TOML array like [\"a\", \"b\"] or a comma-separated list";
          return false;
        }
      }
      std::stringstream ss(text);
      std::string item;
      while (std::getline(ss, item, ',')) {
        const auto b = item.find_first_not_of(' ');
        const auto e = item.find_last_not_of(' ');
        if (b != std::string::npos) out.list.push_back(item.substr(b, e - b + 1));
      }
      return true;
    }
    case Type::kRate: {
      auto r = ParseRateSpec(text);
      if (!r) {
        why = "expected a rate like \"5/10m\" or \"off\"";
        return false;
      }
      out.rate = *r;
      return true;
    }
  }
  return false;
}

std::string ReadSecretFile(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read " + path;
    return {};
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

bool IsHttpUrl(const std::string& url) {
  return (url.rfind("http://", 0) == 0 && url.size() > 7) ||
         (url.rfind("https://", 0) == 0 && url.size() > 8);
}

bool HasLineBreak(const std::string& s) {
  return s.find('\r') != std::string::npos || s.find('\n') != std::string::npos;
}

// An RFC 9110 token (header names).
bool IsToken(const std::string& s) {
  if (s.empty()) return false;
  for (const char ch : s) {
    const auto u = static_cast<unsigned char>(ch);
    if (std::isalnum(u) == 0 && std::string_view("!#$%&'*+-.^_`|~").find(ch) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool IsRegionCode(const std::string& s) {
  return s.size() == 2 && std::isupper(static_cast<unsigned char>(s[0])) != 0 &&
         std::isupper(static_cast<unsigned char>(s[1])) != 0;
}

// "+44" or "44": one to three digits, not starting with 0.
bool IsCallingCode(const std::string& s) {
  const std::string d = !s.empty() && s[0] == '+' ? s.substr(1) : s;
  if (d.empty() || d.size() > 3 || d[0] == '0') return false;
  for (const char ch : d) {
    if (ch < '0' || ch > '9') return false;
  }
  return true;
}

void ValidatePhoneChannel(ConfigLoad& load, const std::string& section,
                          const PhoneChannelConfig& c, bool sms) {
  auto error = [&](const std::string& key, const std::string& msg) {
    load.problems.push_back({section + "." + key, msg, true});
  };
  auto warn = [&](const std::string& key, const std::string& msg) {
    load.problems.push_back({section + "." + key, msg, false});
  };
  const bool known = c.provider == "outbox" || c.provider == "webhook" || c.provider == "twilio" ||
                     (sms && c.provider == "kannel");
  if (!known) {
    error("provider", sms ? "expected outbox, webhook, twilio or kannel"
                          : "expected outbox, webhook or twilio");
    return;
  }
  if (HasLineBreak(c.from)) error("from", "must be one line");
  if (c.provider != "outbox" && c.hourly_budget == 0) {
    warn("hourly_budget", "0: nothing caps what a flood of requests can cost");
  }
  if (c.provider == "webhook") {
    if (!IsHttpUrl(c.webhook_url)) {
      error("webhook_url", "expected an http:// or https:// URL (required with provider = \"webhook\")");
    }
    if (c.webhook_format != "json" && c.webhook_format != "form") {
      error("webhook_format", "expected json or form");
    }
    for (std::size_t p = c.webhook_body.find("{{"); p != std::string::npos;
         p = c.webhook_body.find("{{", p + 2)) {
      const std::size_t e = c.webhook_body.find("}}", p + 2);
      const std::string name =
          e == std::string::npos ? std::string() : c.webhook_body.substr(p + 2, e - p - 2);
      if (name != "to" && name != "text" && name != "code" && name != "channel" && name != "id") {
        error("webhook_body", "unknown placeholder {{" + name +
                                  "}}: use {{to}}, {{text}}, {{code}}, {{channel}} or {{id}}");
        break;
      }
    }
    if (c.webhook_format == "json" && !c.webhook_body.empty()) {
      // Placeholders are replaced by JSON-escaped text, so the template must be
      // valid JSON with each of them inside a string.
      std::string probe;
      for (std::size_t pos = 0;;) {
        const std::size_t p = c.webhook_body.find("{{", pos);
        const std::size_t e = p == std::string::npos ? p : c.webhook_body.find("}}", p + 2);
        if (e == std::string::npos) {
          probe.append(c.webhook_body, pos, std::string::npos);
          break;
        }
        probe.append(c.webhook_body, pos, p - pos).append("x");
        pos = e + 2;
      }
      if (!nlohmann::json::accept(probe)) {
        error("webhook_body", "not valid JSON (placeholders go inside strings: \"{{text}}\")");
      }
    }
    if (!c.webhook_auth_value.empty() && !IsToken(c.webhook_auth_header)) {
      error("webhook_auth_header", "expected a header name, like Authorization or X-Api-Key");
    }
    if (HasLineBreak(std::string(c.webhook_auth_value.view()))) {
      error("webhook_auth_value", "must be one line");
    }
  }
  if (c.provider == "twilio") {
    if (!IsHttpUrl(c.twilio_base_url)) error("twilio_base_url", "expected an http:// or https:// URL");
    if (c.twilio_account_sid.size() < 3 || c.twilio_account_sid.rfind("AC", 0) != 0 ||
        c.twilio_account_sid.find_first_of("/?#% ") != std::string::npos) {
      error("twilio_account_sid", "expected the account SID (AC followed by 32 hex digits)");
    }
    if (c.twilio_auth_token.empty()) {
      error("twilio_auth_token", "required with provider = \"twilio\" (twilio_auth_token_file)");
    }
    if (sms && !c.twilio_messaging_service_sid.empty() && !c.from.empty()) {
      error("twilio_messaging_service_sid", "set either from or twilio_messaging_service_sid, not both");
    } else if (c.from.empty() && (!sms || c.twilio_messaging_service_sid.empty())) {
      error("from", sms ? "required with provider = \"twilio\" (or twilio_messaging_service_sid)"
                        : "required with provider = \"twilio\": the number calls come from");
    }
  }
  if (c.provider == "kannel") {
    if (!IsHttpUrl(c.kannel_url)) error("kannel_url", "expected an http:// or https:// URL");
    if (c.kannel_username.empty()) error("kannel_username", "required with provider = \"kannel\"");
    if (c.kannel_password.empty()) {
      error("kannel_password", "required with provider = \"kannel\" (kannel_password_file)");
    }
    if (HasLineBreak(c.kannel_username) || HasLineBreak(std::string(c.kannel_password.view()))) {
      error("kannel_password", "the user name and password must be one line each");
    }
    if (c.kannel_method != "post" && c.kannel_method != "get") {
      error("kannel_method", "expected post or get");
    }
  }
  if (HasLineBreak(c.language) || c.language.find_first_of("<>\"&'") != std::string::npos) {
    error("language", "expected a language tag like \"en-GB\"");
  }
}

using Report = std::function<void(const std::string& key, const std::string& message)>;

bool IsIpAddress(const std::string& host) {
  if (host.find(':') != std::string::npos) return true;  // IPv6
  return !host.empty() && host.find_first_not_of("0123456789.") == std::string::npos;
}

void ValidateWebAuthn(const Config& c, const Report& error, const Report& warn) {
  const bool explicit_rp = !c.webauthn.rp_id.empty();
  const std::string rp_id = explicit_rp ? c.webauthn.rp_id : UrlHost(c.server.public_url);
  const std::string rp_key = explicit_rp ? "webauthn.rp_id" : "server.public_url";
  if (IsIpAddress(rp_id)) {
    warn(rp_key, "WebAuthn needs a domain name as relying party id, not an IP address: security "
                 "keys will not work (use localhost in development)");
  } else if (rp_id.empty() || rp_id.find_first_of("/:@ ") != std::string::npos) {
    error(rp_key, "the WebAuthn relying party id must be a domain name such as login.example.org");
    return;
  }
  const bool explicit_origins = !c.webauthn.origins.empty();
  const std::vector<std::string> origins =
      explicit_origins ? c.webauthn.origins
                       : std::vector<std::string>{UrlOrigin(c.server.public_url)};
  const std::string origins_key = explicit_origins ? "webauthn.origins" : rp_key;
  for (const auto& origin : origins) {
    const std::string host = UrlHost(origin);
    const bool scheme = origin.rfind("https://", 0) == 0 || origin.rfind("http://", 0) == 0;
    if (!scheme || host.empty() || UrlOrigin(origin) != origin) {
      error(origins_key, "\"" + origin + "\" is not an origin like https://login.example.org");
    } else if (host != rp_id &&
               !(host.size() > rp_id.size() &&
                 host.compare(host.size() - rp_id.size(), rp_id.size(), rp_id) == 0 &&
                 host[host.size() - rp_id.size() - 1] == '.')) {
      error(origins_key, "the origin \"" + origin + "\" is not on the relying party id " + rp_id +
                             " or one of its subdomains");
    }
  }
}

void ValidateSecurityQuestions(const Config& c, const Report& error, const Report& warn) {
  const auto& q = c.security_questions;
  if (q.count_to_ask > q.count_to_register) {
    error("security_questions.count_to_ask", "must not be more than count_to_register");
  }
  std::set<std::string> ids;
  auto check = [&](const std::vector<std::string>& entries, const std::string& key) {
    for (const auto& entry : entries) {
      const std::optional<QuestionEntry> parsed = ParseQuestionEntry(entry);
      if (!parsed) {
        error(key, "\"" + entry + "\" is not \"id: text\" (id: 1 to 32 of a-z, 0-9, _; text: 3 to "
                   "200 characters)");
      } else if (!ids.insert(parsed->id).second) {
        error(key, "the question id \"" + parsed->id + "\" is used twice");
      }
    }
  };
  check(q.questions, "security_questions.questions");
  check(q.custom_questions, "security_questions.custom_questions");
  if (q.custom_questions.size() > 20) {
    error("security_questions.custom_questions", "at most 20 custom questions");
  }
  // The built-in list has 10 questions, as many as count_to_register allows.
  const std::size_t offered =
      (q.questions.empty() ? std::size_t{10} : q.questions.size()) + q.custom_questions.size();
  if (offered < static_cast<std::size_t>(q.count_to_register)) {
    error("security_questions.questions", "fewer questions than count_to_register (" +
                                              std::to_string(q.count_to_register) + ")");
  }
  if (q.enabled) {
    warn("security_questions.enabled",
         "security questions are weak (NIST SP 800-63B forbids them, OWASP ASVS V6.4.2 too); they "
         "are never accepted as the only gate");
  }
}

template <class Error, class Warn>
void ValidateDirectory(Config& c, const Error& error, const Warn& warn) {
  Config::DirectoryCfg& d = c.directory;
  if (d.kind != "builtin" && d.kind != "ldap" && d.kind != "ad") {
    error("directory.kind", "expected builtin, ldap or ad");
    return;
  }
  if (d.kind == "builtin") {
    if (!d.url.empty()) warn("directory.url", "ignored: directory.kind is builtin");
    return;
  }
  const bool ad = d.kind == "ad";
  if (ad && !c.IsExplicit("directory.user_filter")) {
    d.user_filter = "(&(objectCategory=person)(objectClass=user)(sAMAccountName={username}))";
  }
  if (d.sync_filter.empty()) {
    d.sync_filter = ad ? "(&(objectCategory=person)(objectClass=user))" : "(objectClass=inetOrgPerson)";
  }
  if (d.username_attribute.empty()) d.username_attribute = ad ? "sAMAccountName" : "uid";
  const bool ldaps = d.url.rfind("ldaps://", 0) == 0;
  const bool ldap = d.url.rfind("ldap://", 0) == 0;
  if (d.url.empty()) {
    error("directory.url", "required with kind = \"" + d.kind + "\": ldap://host:port or ldaps://host:port");
  } else if (!ldaps && !ldap) {
    error("directory.url", "expected ldap://host:port or ldaps://host:port");
  } else if (ldap && !d.start_tls) {
    if (ad) {
      error("directory.start_tls",
            "Active Directory takes passwords only over an encrypted connection: use ldaps:// "
            "or start_tls = true");
    } else {
      warn("directory.start_tls", "false: passwords cross the network unencrypted");
    }
  }
  if (d.base_dn.empty()) error("directory.base_dn", "required: where users are searched, e.g. \"ou=people,dc=example,dc=org\"");
  if (d.bind_dn.empty()) error("directory.bind_dn", "required: the service account that resets passwords");
  if (!d.bind_dn.empty() && d.bind_password.empty()) {
    error("directory.bind_password", "bind_dn is set but no password (bind_password_file)");
  }
  std::string why;
  if (!ldap_text::IsValidFilterTemplate(d.user_filter, true, &why)) error("directory.user_filter", why);
  if (!ldap_text::IsValidFilterTemplate(d.sync_filter, false, &why)) error("directory.sync_filter", why);
  if (!d.ca_file.empty()) {
    std::ifstream ca(d.ca_file);
    if (!ca) error("directory.ca_file", "cannot read " + d.ca_file);
  }
  for (const auto& [key, value] : {std::pair<const char*, const std::string*>{"directory.username_attribute", &d.username_attribute},
                                   {"directory.display_name_attribute", &d.display_name_attribute}}) {
    if (value->empty()) error(key, "must name an attribute");
  }
  for (const auto& [key, value] : {std::pair<const char*, const std::string*>{"directory.username_attribute", &d.username_attribute},
                                   {"directory.display_name_attribute", &d.display_name_attribute},
                                   {"directory.mail_attribute", &d.mail_attribute},
                                   {"directory.mobile_attribute", &d.mobile_attribute}}) {
    for (const char ch : *value) {
      if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != ';' && ch != '.') {
        error(key, "\"" + *value + "\" is not an attribute name");
        break;
      }
    }
  }
}

// WCAG 2.1 relative luminance of an sRGB channel (0-255).
double Linear(int channel) {
  const double c = channel / 255.0;
  return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}

// [branding] primary_colour: "#rrggbb", dark enough for white text on it (buttons).
void ValidateBranding(const Config& c, const Report& error) {
  const std::string& colour = c.branding.primary_colour;
  const bool shaped = colour.size() == 7 && colour[0] == '#' &&
                      std::all_of(colour.begin() + 1, colour.end(),
                                  [](char ch) { return std::isxdigit(static_cast<unsigned char>(ch)) != 0; });
  if (!shaped) {
    error("branding.primary_colour", "expected a colour as \"#rrggbb\", e.g. \"#1d4f91\"");
    return;
  }
  const int r = std::stoi(colour.substr(1, 2), nullptr, 16);
  const int g = std::stoi(colour.substr(3, 2), nullptr, 16);
  const int b = std::stoi(colour.substr(5, 2), nullptr, 16);
  const double luminance = 0.2126 * Linear(r) + 0.7152 * Linear(g) + 0.0722 * Linear(b);
  const double contrast = 1.05 / (luminance + 0.05);
  if (contrast < 4.5) {
    char text[16];
    std::snprintf(text, sizeof text, "%.1f", contrast);
    error("branding.primary_colour", "white text on " + colour + " has a contrast of " + text +
                                         ":1; WCAG 2.1 AA needs 4.5:1, choose a darker colour");
  }
}

void Validate(ConfigLoad& load) {
  Config& c = load.config;
  auto error = [&](const std::string& key, const std::string& msg) {
    load.problems.push_back({key, msg, true});
  };
  auto warn = [&](const std::string& key, const std::string& msg) {
    load.problems.push_back({key, msg, false});
  };
  {
    const auto colon = c.server.listen.rfind(':');
    int port = -1;
    if (colon != std::string::npos) {
      const std::string p = c.server.listen.substr(colon + 1);
      auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
      if (ec != std::errc() || ptr != p.data() + p.size()) port = -1;
    }
    if (colon == std::string::npos || colon == 0 || port < 0 || port > 65535) {
      error("server.listen", "expected host:port, e.g. \"127.0.0.1:8080\"");
    }
  }
  if (c.server.public_url.rfind("http://", 0) != 0 && c.server.public_url.rfind("https://", 0) != 0) {
    error("server.public_url", "must start with http:// or https://");
  } else if (c.server.public_url.rfind("http://", 0) == 0 && !c.server.dev) {
    warn("server.public_url",
         "plain http: cookies and codes travel unencrypted; use https behind a TLS proxy");
  }
  const bool sqlite = c.store.url.rfind("sqlite://", 0) == 0;
  const bool postgres =
      c.store.url.rfind("postgresql://", 0) == 0 || c.store.url.rfind("postgres://", 0) == 0;
  if (!sqlite && !postgres) {
    error("store.url", "expected sqlite://PATH or postgresql://user:pw@host:port/db");
  } else if (sqlite && SqlitePath(c.store.url).empty()) {
    error("store.url", "sqlite:// needs a file path, e.g. sqlite://./var/latchkey.db");
  }
  if (postgres && c.secrets.key_file.empty()) {
    error("secrets.key_file",
          "required with PostgreSQL: every node must share the same master key file");
  }
  if (!c.mail.smtp_url.empty() && c.mail.smtp_url.rfind("smtp://", 0) != 0 &&
      c.mail.smtp_url.rfind("smtps://", 0) != 0) {
    error("mail.smtp_url", "expected smtp://host:port or smtps://host:port");
  }
  if (c.mail.smtp_url.empty() && !c.server.dev) {
    warn("mail.smtp_url", "empty: messages stay in the dev outbox and are never delivered");
  }
  if (!c.mail.smtp_username.empty() && c.mail.smtp_password.empty()) {
    error("mail.smtp_password", "smtp_username is set but no password (smtp_password_file)");
  }
  if (c.mail.from.find('@') == std::string::npos) {
    error("mail.from", "expected an address, e.g. \"IT Service Desk <no-reply@example.org>\"");
  }
  for (const char ch : c.mail.from) {
    if (ch == '\r' || ch == '\n') error("mail.from", "must be one line");
  }
  if (c.password.max_length < c.password.min_length) {
    error("password.max_length", "must not be less than password.min_length");
  }
  if (c.password.min_length < 8) {
    warn("password.min_length", "below 8 characters, which NIST SP 800-63B forbids");
  }
  if (c.password.max_length < 64) {
    warn("password.max_length", "below 64 characters; NIST and OWASP ASVS ask to allow at least 64");
  }
  if (c.delivery.retry_max_seconds < c.delivery.retry_initial_seconds) {
    error("delivery.retry_max_seconds", "must not be less than delivery.retry_initial_seconds");
  }
  for (const auto& cidr : c.network.trusted) {
    if (!Cidr::Parse(cidr)) error("network.trusted", "\"" + cidr + "\" is not an address range like 10.0.0.0/8");
  }
  for (const auto& cidr : c.server.trusted_proxies) {
    if (!Cidr::Parse(cidr)) error("server.trusted_proxies", "\"" + cidr + "\" is not an address range");
  }
  for (const auto& kind : c.registration.methods_allowed) {
    if (!ParseMethodKind(kind)) error("registration.methods_allowed", "\"" + kind + "\" is not a method kind");
  }
  for (const auto& admin : c.flows.admin_accounts) {
    if (!UsernameKey(admin)) error("flows.admin_accounts", "\"" + admin + "\" is not a username");
  }
  if (c.lockout.max_duration_seconds < c.lockout.duration_seconds) {
    error("lockout.max_duration_seconds", "must not be less than lockout.duration_seconds");
  }
  if (!c.phone.default_region.empty() && !IsRegionCode(c.phone.default_region)) {
    error("phone.default_region", "expected a two-letter region code in capitals, like \"GB\"");
  }
  for (const auto& a : c.phone.allowed_country_codes) {
    if (a != "*" && !IsCallingCode(a) && !IsRegionCode(a)) {
      error("phone.allowed_country_codes",
            "\"" + a + "\": expected a country calling code (\"+44\"), a region (\"GB\") or \"*\"");
    }
  }
  ValidatePhoneChannel(load, "sms", c.sms, true);
  ValidatePhoneChannel(load, "voice", c.voice, false);
  if ((c.sms.provider != "outbox" || c.voice.provider != "outbox") &&
      c.phone.allowed_country_codes.empty() && c.phone.default_region.empty()) {
    warn("phone.allowed_country_codes",
         "empty, and no phone.default_region: no number can be sent a code by SMS or voice");
  }
  if (c.totp.algorithm != "SHA1" && c.totp.algorithm != "SHA256" && c.totp.algorithm != "SHA512") {
    error("totp.algorithm", "expected SHA1, SHA256 or SHA512");
  } else if (c.totp.algorithm != "SHA1") {
    warn("totp.algorithm", "some authenticator apps ignore the algorithm and compute SHA1 codes");
  }
  if (c.totp.digits != 6 && c.totp.digits != 8) error("totp.digits", "expected 6 or 8");
  ValidateBranding(c, error);
  ValidateWebAuthn(c, error, warn);
  ValidateSecurityQuestions(c, error, warn);
  if (c.log.level != "debug" && c.log.level != "info" && c.log.level != "warn" &&
      c.log.level != "error") {
    error("log.level", "expected debug, info, warn or error");
  }
  if (c.log.format != "text" && c.log.format != "json") error("log.format", "expected text or json");
  ValidateDirectory(c, error, warn);
}

}  // namespace

bool ConfigLoad::ok() const {
  for (const auto& p : problems) {
    if (p.error) return false;
  }
  return true;
}

std::optional<RateSpec> ParseRateSpec(const std::string& text) {
  if (text == "off") return RateSpec{};
  const auto slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 >= text.size()) return std::nullopt;
  int count = 0;
  auto [p1, e1] = std::from_chars(text.data(), text.data() + slash, count);
  if (e1 != std::errc() || p1 != text.data() + slash || count < 0) return std::nullopt;
  const std::string period = text.substr(slash + 1);
  const char unit = period.back();
  std::int64_t n = 1;
  if (period.size() > 1) {
    auto [p2, e2] = std::from_chars(period.data(), period.data() + period.size() - 1, n);
    if (e2 != std::errc() || p2 != period.data() + period.size() - 1 || n <= 0) return std::nullopt;
  }
  std::int64_t seconds = 0;
  switch (unit) {
    case 's': seconds = n; break;
    case 'm': seconds = n * 60; break;
    case 'h': seconds = n * 3600; break;
    case 'd': seconds = n * 86400; break;
    default: return std::nullopt;
  }
  return RateSpec{count, std::chrono::seconds(seconds)};
}

std::optional<QuestionEntry> ParseQuestionEntry(const std::string& entry) {
  const auto colon = entry.find(':');
  if (colon == std::string::npos || colon == 0 || colon > 32) return std::nullopt;
  QuestionEntry q;
  q.id = entry.substr(0, colon);
  for (const char ch : q.id) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) return std::nullopt;
  }
  const auto begin = entry.find_first_not_of(' ', colon + 1);
  if (begin == std::string::npos) return std::nullopt;
  q.text = entry.substr(begin);
  while (!q.text.empty() && q.text.back() == ' ') q.text.pop_back();
  std::size_t chars = 0;
  for (const char ch : q.text) {
    if ((static_cast<unsigned char>(ch) & 0xC0) != 0x80) ++chars;
    if (static_cast<unsigned char>(ch) < 0x20) return std::nullopt;
  }
  if (chars < 3 || chars > 200) return std::nullopt;
  return q;
}

std::string UrlOrigin(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos || scheme == 0) return {};
  const auto end = url.find_first_of("/?#", scheme + 3);
  const std::string origin = url.substr(0, end);
  return origin.size() > scheme + 3 ? origin : std::string();
}

std::string UrlHost(const std::string& url) {
  const std::string origin = UrlOrigin(url);
  if (origin.empty()) return {};
  std::string authority = origin.substr(origin.find("://") + 3);
  if (const auto at = authority.rfind('@'); at != std::string::npos) authority.erase(0, at + 1);
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    return close == std::string::npos ? std::string() : authority.substr(1, close - 1);
  }
  return authority.substr(0, authority.find(':'));
}

std::string SqlitePath(const std::string& store_url) {
  static constexpr std::string_view kPrefix = "sqlite://";
  if (store_url.rfind(kPrefix, 0) != 0) return {};
  return store_url.substr(kPrefix.size());
}

std::map<std::string, std::string> LatchkeyEnvironment() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    if (entry.rfind("LATCHKEY_", 0) != 0) continue;
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    out.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return out;
}

std::vector<std::string> ConfigKeys() {
  std::vector<std::string> keys;
  for (const auto& s : Specs()) {
    keys.push_back(std::string(s.section) + "." + s.key);
    if (s.type == Type::kSecret) keys.push_back(std::string(s.section) + "." + s.key + "_file");
  }
  return keys;
}

std::string DefaultConfigToml() {
  std::string out;
  std::string section;
  for (const auto& s : Specs()) {
    if (section != s.section) {
      if (!section.empty()) out += "\n";
      section = s.section;
      out += "[" + section + "]\n";
    }
    out += std::string(s.key) + " = " + s.default_toml + "  # " + s.doc + "\n";
    if (s.type == Type::kSecret) {
      out += std::string(s.key) + "_file = \"\"  # file holding " + s.key + "\n";
    }
  }
  return out;
}

ConfigLoad LoadConfig(const std::string& path, const std::map<std::string, std::string>& env) {
  ConfigLoad load;
  load.config.source = path;
  const auto& specs = Specs();
  auto find_spec = [&](const std::string& section, const std::string& key,
                       bool& is_file) -> const KeySpec* {
    is_file = false;
    for (const auto& s : specs) {
      if (section != s.section) continue;
      if (key == s.key) return &s;
      if (s.type == Type::kSecret && key == std::string(s.key) + "_file") {
        is_file = true;
        return &s;
      }
    }
    return nullptr;
  };

  // Values per key from the file, then the environment (which wins).
  std::map<std::string, Value> values;      // "section.key" -> value
  std::map<std::string, std::string> files; // "section.key" of a secret -> path
  std::map<std::string, std::string> origin;  // where each value came from, for messages

  if (!path.empty()) {
    toml::table root;
    try {
      root = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
      std::ostringstream msg;
      msg << e.description() << " (line " << e.source().begin.line << ", column "
          << e.source().begin.column << ")";
      load.problems.push_back({path, msg.str(), true});
      return load;
    }
    for (const auto& [section_key, section_node] : root) {
      const std::string section(section_key.str());
      const toml::table* table = section_node.as_table();
      bool known_section = false;
      for (const auto& s : specs) known_section = known_section || section == s.section;
      if (!known_section) {
        load.problems.push_back({section, "unknown section", true});
        continue;
      }
      if (table == nullptr) {
        load.problems.push_back({section, "must be a table ([" + section + "])", true});
        continue;
      }
      for (const auto& [k, node] : *table) {
        const std::string key(k.str());
        const std::string full = section + "." + key;
        bool is_file = false;
        const KeySpec* spec = find_spec(section, key, is_file);
        if (spec == nullptr) {
          load.problems.push_back({full, "unknown key", true});
          continue;
        }
        if (is_file) {
          if (!node.is_string()) {
            load.problems.push_back({full, "expected a file path (a string)", true});
          } else {
            files[section + "." + spec->key] = node.as_string()->get();
          }
          continue;
        }
        Value v;
        std::string why;
        if (!FromToml(node, *spec, v, why)) {
          load.problems.push_back({full, why.empty() ? std::string("expected ") + TypeName(spec->type) : why, true});
          continue;
        }
        values[full] = v;
        origin[full] = full;
      }
    }
  }

  // Environment overrides, matched against the table so that unknown names are errors.
  std::set<std::string> known_env = {"LATCHKEY_CONFIG"};
  for (const auto& s : specs) {
    const std::string full = std::string(s.section) + "." + s.key;
    const std::string name = EnvName(s.section, s.key);
    known_env.insert(name);
    if (auto it = env.find(name); it != env.end()) {
      Value v;
      std::string why;
      if (!FromEnv(it->second, s, v, why)) {
        load.problems.push_back(
            {name, why.empty() ? std::string("expected ") + TypeName(s.type) : why, true});
      } else {
        values[full] = v;
        origin[full] = name;
      }
    }
    if (s.type == Type::kSecret) {
      const std::string file_name = name + "_FILE";
      known_env.insert(file_name);
      if (auto it = env.find(file_name); it != env.end()) files[full] = it->second;
    }
  }
  for (const auto& [name, value] : env) {
    if (known_env.count(name) == 0) {
      load.problems.push_back({name, "unknown environment variable (no such key)", true});
    }
  }

  // Secrets given as files.
  for (const auto& [full, file] : files) {
    if (file.empty()) continue;  // an empty path means "not set"
    if (values.count(full) != 0 && !values[full].s.empty()) {
      load.problems.push_back({full, "set either " + full + " or " + full + "_file, not both", true});
      continue;
    }
    std::string err;
    Value v;
    v.s = ReadSecretFile(file, err);
    if (!err.empty()) {
      load.problems.push_back({full + "_file", err, true});
      continue;
    }
    values[full] = v;
    origin[full] = full + "_file";
  }

  for (const auto& s : specs) {
    const std::string full = std::string(s.section) + "." + s.key;
    auto it = values.find(full);
    if (it == values.end()) continue;
    if (s.type == Type::kInt && (it->second.i < s.min || it->second.i > s.max)) {
      load.problems.push_back({origin[full], "must be between " + std::to_string(s.min) +
                                                 " and " + std::to_string(s.max),
                               true});
      continue;
    }
    s.set(load.config, it->second);
    load.config.explicit_keys.insert(full);
  }
  Validate(load);
  return load;
}

}  // namespace latchkey
