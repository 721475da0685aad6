// `latchkey serve`: wires the service together and runs it until SIGINT/SIGTERM.
#include <pthread.h>
#include <signal.h>

#include <condition_variable>
#include <iostream>
#include <optional>
#include <thread>

#include "captcha/altcha.hpp"
#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "cli/runtime.hpp"
#include "core/log.hpp"
#include "core/store.hpp"
#include "delivery/delivery_worker.hpp"
#include "delivery/phone_guard.hpp"
#include "delivery/phone_senders.hpp"
#include "delivery/sender.hpp"
#include "delivery/templates.hpp"
#include "text/unicode.hpp"
#include "directory/directory.hpp"
#include "flows/account_admin.hpp"
#include "flows/flow_service.hpp"
#include "flows/security_info_service.hpp"
#include "flows/signin_service.hpp"
#include "http/server.hpp"
#include "methods/registry.hpp"
#include "policy/password_policy.hpp"

namespace latchkey {
namespace {

// Removes flows a day after they expired (the audit keeps what happened).
class Janitor {
 public:
  Janitor(Store& store, const Clock& clock) : store_(store), clock_(clock) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~Janitor() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::minutes(5), [this] { return stop_; })) {
      lock.unlock();
      int removed = 0;
      const Status st = store_.Write([&](Tx& tx) -> Status {
        Result<int> n = tx.flows().DeleteExpiredBefore(clock_.Now() - std::chrono::hours(24));
        if (!n.ok()) return n.status();
        removed = *n;
        Result<int> s = tx.sessions().DeleteExpiredBefore(clock_.Now());
        if (!s.ok()) return s.status();
        removed += *s;
        // Throttle states older than any window (a week) that block nothing.
        s = tx.throttles().DeleteStaleBefore(clock_.Now() - std::chrono::hours(24 * 8));
        if (!s.ok()) return s.status();
        removed += *s;
        return Status::Ok();
      });
      if (!st.ok()) log::Warn("janitor.failed", {{"error", st.ToString()}});
      else if (removed > 0) log::Info("janitor.flows_removed", {{"count", std::to_string(removed)}});
      lock.lock();
    }
  }

  Store& store_;
  const Clock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

constexpr const char* kDemoUser = "demo";
constexpr const char* kDemoEmail = "demo@example.org";

// Dev mode: make sure the demo account exists and say how to use it.
void EnsureDemoAccount(Runtime& rt, const std::string& url) {
  std::string password_note = "unchanged since it was created";
  Result<AccountDetails> existing = rt.admin->Show(kDemoUser);
  if (!existing.ok()) {
    const std::string password = rt.random.Token(12);
    Result<Account> a = rt.admin->Add(
        {kDemoUser, "Demo User", kDemoEmail, "", SecretString(password)}, "dev");
    if (!a.ok()) {
      log::Warn("dev.demo_account_failed", {{"error", a.status().ToString()}});
      return;
    }
    password_note = password;
  }
  std::cout << "Demo account: " << kDemoUser << "  (password: " << password_note
            << ", alternate email: " << kDemoEmail << ")\n"
            << "Reset its password through the API:\n"
            << "  curl -s -H 'Content-Type: application/json' -d '{\"kind\":\"reset\",\"username\":\"demo\"}' "
            << url << "/api/v1/flows\n"
            << "  then POST {\"method\":\"<method id>\"} to /api/v1/flows/<id>/challenge,\n"
            << "  read the code with `./build/latchkey outbox list`, POST {\"method\",\"code\"} to .../verify\n"
            << "  and {\"new_password\":\"...\"} to .../complete. Stop with Ctrl-C.\n\n"
            << std::flush;
}

// ---- SMS and voice: the configured provider of each channel, and the toll-fraud
// checks every code to a phone passes before it is queued.

// Null for the dev outbox (messages stay in the outbox with status `dev`).
Result<std::unique_ptr<Sender>> MakePhoneSender(const PhoneChannelConfig& c, Channel channel) {
  if (c.provider == "webhook") {
    return MakeWebhookSender({channel, c.webhook_url, c.webhook_format, c.webhook_body,
                              c.webhook_auth_header, c.webhook_auth_value, c.timeout_seconds});
  }
  if (c.provider == "twilio") {
    TwilioOptions o;
    o.channel = channel;
    o.base_url = c.twilio_base_url;
    o.account_sid = c.twilio_account_sid;
    o.auth_token = c.twilio_auth_token;
    o.from = c.from;
    o.messaging_service_sid = c.twilio_messaging_service_sid;
    o.language = c.language;
    o.timeout_seconds = c.timeout_seconds;
    return MakeTwilioSender(o);
  }
  if (c.provider == "kannel" && channel == Channel::kSms) {
    return MakeKannelSender({c.kannel_url, c.kannel_username, c.kannel_password, c.from,
                             c.kannel_method, c.timeout_seconds});
  }
  return std::unique_ptr<Sender>();
}

PhoneGuardOptions PhoneGuardOptionsFrom(const Config& config) {
  PhoneGuardOptions o;
  o.allowed = config.phone.allowed_country_codes;
  o.home_region = config.phone.default_region;
  o.per_number = config.limits.phone_send_per_number;
  o.per_country = config.limits.phone_send_per_country;
  o.sms_hourly_budget = config.sms.hourly_budget;
  o.voice_hourly_budget = config.voice.hourly_budget;
  return o;
}

}  // namespace

int CmdServe(const Config& base, const ServeArgs& args) {
  Config config = base;
  if (args.dev) config.server.dev = true;
  log::Configure(config.log.level, config.log.format);

  // Block the stop signals before any thread starts, so that only sigwait() below
  // receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  Result<std::unique_ptr<Runtime>> opened = OpenRuntime(config, true);
  if (!opened.ok()) {
    const Status& st = opened.status();
    std::cerr << "latchkey: " << (st.detail().empty() ? st.message() : st.detail()) << "\n";
    return ExitCodeFor(opened.status());
  }
  Runtime& rt = **opened;

  Result<MessageTemplates> templates = MessageTemplates::Load(config.mail.templates_dir);
  if (!templates.ok()) {
    std::cerr << "latchkey: " << templates.status().message() << "\n";
    return kExitRejected;
  }

  std::unique_ptr<Sender> smtp;
  if (!config.mail.smtp_url.empty()) {
    Result<std::unique_ptr<Sender>> s = MakeSmtpSender(
        {config.mail.smtp_url, config.mail.from, config.mail.smtp_username,
         std::string(config.mail.smtp_password.view()), config.mail.ca_file,
         config.mail.timeout_seconds});
    if (!s.ok()) {
      std::cerr << "latchkey: " << s.status().message() << "\n";
      return kExitRejected;
    }
    smtp = std::move(s).value();
  }
  DeliveryOptions dopts;
  dopts.retry_initial = std::chrono::seconds(config.delivery.retry_initial_seconds);
  dopts.retry_max = std::chrono::seconds(config.delivery.retry_max_seconds);
  dopts.max_attempts = config.delivery.max_attempts;
  dopts.poll_interval = Millis(config.delivery.poll_interval_ms);
  std::map<Channel, Sender*> senders;
  if (smtp) senders[Channel::kEmail] = smtp.get();
  Result<std::unique_ptr<Sender>> sms = MakePhoneSender(config.sms, Channel::kSms);
  Result<std::unique_ptr<Sender>> voice = MakePhoneSender(config.voice, Channel::kVoice);
  for (const Result<std::unique_ptr<Sender>>* r : {&sms, &voice}) {
    if (!r->ok()) {
      std::cerr << "latchkey: " << r->status().message() << "\n";
      return kExitRejected;
    }
  }
  if (*sms) senders[Channel::kSms] = sms->get();
  if (*voice) senders[Channel::kVoice] = voice->get();
  DeliveryWorker worker(*rt.store, rt.clock, senders, dopts, "node-" + rt.random.Token(6));

  RateLimiter limiter(rt.clock);
  PhoneGuard phone_guard(rt.clock, limiter, rt.keys, PhoneGuardOptionsFrom(config));
  FlowSettings fs;
  fs.lifetime = std::chrono::minutes(config.flows.lifetime_minutes);
  fs.max_failures = config.flows.max_failures;
  fs.gates_required = config.flows.gates_required;
  fs.require_strong_gate = config.flows.require_strong_gate;
  fs.confirm_phone_number = config.flows.confirm_phone_number;
  fs.reveal_unregistered = config.flows.reveal_unregistered;
  fs.default_region = config.phone.default_region;
  for (const auto& admin : config.flows.admin_accounts) {
    if (auto key = UsernameKey(admin)) fs.admin_keys.insert(*key);
  }
  {
    const auto block = std::chrono::hours(config.throttle.block_hours);
    auto rule = [&](const RateSpec& r) {
      return r.enabled() ? ThrottleRule{r.count, std::chrono::duration_cast<Millis>(r.period), block}
                         : ThrottleRule{0, Millis(0), block};
    };
    fs.verify_throttle = rule(config.throttle.verify_attempts);
    fs.email_throttle = rule(config.throttle.emails);
    fs.failed_flow_throttle = rule(config.throttle.failed_flows);
  }
  fs.start_per_ip = config.limits.flow_start_per_ip;
  fs.start_per_account = config.limits.flow_start_per_account;
  fs.verify_per_ip = config.limits.verify_per_ip;
  fs.send_per_destination = config.limits.code_send_per_destination;
  fs.dev_outbox = config.mail.smtp_url.empty();
  fs.sms_dev_outbox = senders.count(Channel::kSms) == 0;
  fs.voice_dev_outbox = senders.count(Channel::kVoice) == 0;
  fs.organisation = config.branding.organisation_name;
  fs.helpdesk = config.branding.helpdesk_contact;
  // The CAPTCHA on flow start. Dev mode leaves it off unless the configuration
  // asks for it, so that the README's curl session works as written.
  const bool captcha_on =
      config.captcha.enabled && (!config.server.dev || config.IsExplicit("captcha.enabled"));
  MemoryReplayGuard captcha_replay(rt.clock);
  std::optional<Altcha> captcha;
  if (captcha_on) {
    captcha.emplace(rt.keys.captcha_key(), rt.clock, rt.random,
                    AltchaOptions{config.captcha.max_number,
                                  std::chrono::minutes(config.captcha.lifetime_minutes)},
                    captcha_replay);
    if (config.captcha.skip_trusted) {
      for (const auto& cidr : config.network.trusted) {
        if (auto c = Cidr::Parse(cidr)) fs.captcha_exempt.push_back(*c);
      }
    }
  }
  FlowDeps flow_deps{*rt.store, *rt.directory, rt.clock, rt.random, rt.keys, limiter,
                     *rt.methods, *templates, *rt.policy, *rt.history,
                     [&worker] { worker.Wake(); }, &phone_guard};
  flow_deps.captcha = captcha ? &*captcha : nullptr;
  FlowService flows(std::move(flow_deps), fs);

  SignInSettings ss;
  ss.idle = std::chrono::minutes(config.session.idle_minutes);
  ss.absolute = std::chrono::hours(config.session.absolute_hours);
  ss.fresh = std::chrono::minutes(config.session.fresh_minutes);
  for (const auto& cidr : config.network.trusted) {
    if (auto c = Cidr::Parse(cidr)) ss.trusted.push_back(*c);
  }
  ss.signin_per_ip = config.limits.signin_per_ip;
  ss.lockout.threshold = config.lockout.threshold;
  ss.lockout.duration = std::chrono::seconds(config.lockout.duration_seconds);
  ss.lockout.max_duration = std::chrono::seconds(config.lockout.max_duration_seconds);
  SignInService signin(SignInDeps{*rt.store, *rt.directory, rt.clock, rt.random, rt.keys, limiter,
                                  *rt.methods, *rt.hasher},
                       ss);
  RegistrationSettings rs;
  for (const auto& k : config.registration.methods_allowed) {
    if (auto kind = ParseMethodKind(k)) rs.allowed.push_back(*kind);
  }
  rs.methods_required = config.registration.methods_required;
  rs.require_at_signin = config.registration.require_at_signin;
  rs.reconfirm_days = config.registration.reconfirm_days;
  rs.messages = {config.limits.code_send_per_destination, config.branding.organisation_name,
                 config.branding.helpdesk_contact, &phone_guard};
  rs.dev_outbox = config.mail.smtp_url.empty();
  rs.sms_dev_outbox = fs.sms_dev_outbox;
  rs.voice_dev_outbox = fs.voice_dev_outbox;
  SecurityInfoService security_info(
      SecurityInfoDeps{*rt.store, *rt.directory, rt.clock, rt.random, rt.keys, limiter, *rt.methods,
                       *templates, *rt.policy, *rt.history, signin, [&worker] { worker.Wake(); }},
      rs);

  HttpOptions ho;
  if (!SplitHostPort(config.server.listen, ho.host, ho.port)) {
    std::cerr << "latchkey: server.listen must be host:port\n";
    return kExitRejected;
  }
  ho.threads = config.server.threads;
  ho.public_url = config.server.public_url;
  ho.allowed_origins = config.server.allowed_origins;
  ho.trusted_proxies = config.server.trusted_proxies;
  ho.dev = config.server.dev;
  ho.password_check_per_ip = config.limits.password_check_per_ip;
  ho.organisation = config.branding.organisation_name;
  ho.helpdesk_contact = config.branding.helpdesk_contact;
  ho.primary_colour = config.branding.primary_colour;
  HttpServer server(ho, HttpDeps{flows, *rt.store, *rt.directory, *rt.policy, limiter, &signin,
                                 &security_info, rt.methods.get(),
                                 captcha ? &*captcha : nullptr});
  if (Status st = server.Bind(); !st.ok()) {
    std::cerr << "latchkey: " << st.detail() << "\n";
    return kExitUnavailable;
  }
  const std::string url = "http://" + (ho.host.find(':') != std::string::npos ? "[" + ho.host + "]" : ho.host) +
                          ":" + std::to_string(server.BoundPort());
  // The demo account is ready (and printed) before the first request is served.
  if (config.server.dev) EnsureDemoAccount(rt, url);
  if (!senders.empty()) worker.Start();
  Janitor janitor(*rt.store, rt.clock);
  std::thread http_thread([&server] { server.Serve(); });

  log::Info("serve.listening", {{"url", url},
                                {"store", config.store.url.rfind("sqlite://", 0) == 0 ? "sqlite" : "postgresql"},
                                {"mail", smtp ? "smtp" : "dev-outbox"},
                                {"sms", config.sms.provider},
                                {"voice", config.voice.provider}});
  std::cout << "Latchkey is listening on " << url << "\n";
  if (!smtp) std::cout << "Messages stay in the dev outbox: `latchkey outbox list` shows them.\n";
  std::cout << std::flush;

  int sig = 0;
  sigwait(&stop_signals, &sig);
  log::Info("serve.stopping", {{"signal", std::to_string(sig)}});
  server.Stop();
  http_thread.join();
  worker.Stop();
  return kExitOk;
}

}  // namespace latchkey
