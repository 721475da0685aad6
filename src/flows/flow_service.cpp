#include "flows/flow_service.hpp"

#include <ctime>
#include <limits>

#include "captcha/altcha.hpp"
#include "core/log.hpp"
#include "core/store.hpp"
#include "flows/account_admin.hpp"
#include "core/typed_code.hpp"
#include "crypto/hashing.hpp"
#include "crypto/keys.hpp"
#include "delivery/templates.hpp"
#include "directory/directory.hpp"
#include "flows/code_senders.hpp"
#include "flows/gate_rules.hpp"
#include "flows/person.hpp"
#include "flows/phantom.hpp"
#include "methods/phone_code.hpp"
#include "methods/registry.hpp"
#include "policy/password_history.hpp"
#include "policy/password_policy.hpp"
#include "text/unicode.hpp"

namespace latchkey {

std::string FlowIdHash(std::string_view flow_id) { return Sha256Hex(flow_id); }

namespace {

constexpr std::size_t kOptionIdBytes = 9;
constexpr std::size_t kFlowIdBytes = 32;  // 256 bits: unguessable, and a bearer secret

std::string MethodPhrase(MethodKind k) {
  switch (k) {
    case MethodKind::kEmail: return "a code sent to your alternate email address";
    case MethodKind::kSms: return "a code sent by text message";
    case MethodKind::kVoice: return "a code read out in a phone call";
    case MethodKind::kOfficePhone: return "a call to your office phone";
    case MethodKind::kTotp: return "your authenticator app";
    case MethodKind::kWebauthn: return "your security key or passkey";
    case MethodKind::kSecurityQuestions: return "your security questions";
    case MethodKind::kRecoveryCode: return "a recovery code";
  }
  return "a verification method";
}

}  // namespace

struct FlowService::Loaded {
  Flow flow;
  std::optional<Account> account;
  std::vector<Enrollment> enrollments;

  const Enrollment* EnrollmentFor(const GateOption& o) const {
    for (const auto& e : enrollments) {
      if (e.id == o.enrollment_id) return &e;
    }
    return nullptr;
  }
  // The audit subject: the username, or a keyed digest when no account matched.
  std::string subject() const {
    return account ? account->username : "?" + flow.subject_key.substr(0, 16);
  }
};

FlowService::FlowService(FlowDeps deps, FlowSettings settings)
    : d_(std::move(deps)), settings_(std::move(settings)) {
  rules_.require_strong = settings_.require_strong_gate;
  const MethodRegistry* methods = &d_.methods;
  rules_.secondary_only = [methods](MethodKind kind) {
    const Method* m = methods->Find(kind);
    return m != nullptr && m->SecondaryOnly();
  };
}

namespace {
constexpr std::string_view kThrottleNames[] = {"verify", "emails", "failed_flows"};
}  // namespace

Status FlowService::ThrottledStatus(Millis left, TimePoint now) const {
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(left) + std::chrono::seconds(1);
  std::string until = UtcTime(std::chrono::time_point_cast<Millis>(now + secs));
  return Status::RateLimited(
      secs, "throttled",
      "Too many attempts to verify your identity. For your security, self-service is blocked "
      "until " + until + " (UTC)." +
          (settings_.helpdesk.empty() ? std::string() : " To get in sooner, contact the helpdesk: " + settings_.helpdesk + "."));
}

Status FlowService::CheckThrottles(Tx& tx, std::string_view subject, TimePoint now) {
  std::optional<Millis> longest;
  for (std::string_view name : kThrottleNames) {
    Result<ThrottleState> st = tx.throttles().Get(subject, name);
    if (!st.ok()) return st.status();
    if (std::optional<Millis> left = BlockedFor(*st, now); left && (!longest || *left > *longest)) longest = left;
  }
  if (longest) return ThrottledStatus(*longest, now);
  return Status::Ok();
}

Result<bool> FlowService::CountThrottled(Tx& tx, const Flow& flow, std::string_view name,
                                         const ThrottleRule& rule, TimePoint now, std::string_view ip,
                                         const std::string& subject) {
  if (!rule.enabled()) return false;
  Result<ThrottleState> st = tx.throttles().Get(flow.subject_key, name);
  if (!st.ok()) return st.status();
  ThrottleState state = *st;
  const bool blocked = RecordEvent(state, rule, now);
  LK_RETURN_IF_ERROR(tx.throttles().Put(flow.subject_key, name, state, now));
  if (blocked) {
    Audit(tx, flow, "flow.throttled", "blocked", name, "", ip, subject);
    log::Warn("flow.throttled", {{"flow", std::string(flow.ref())}, {"throttle", std::string(name)}});
  }
  return blocked;
}

std::string FlowService::HelpdeskSentence() const {
  return settings_.helpdesk.empty() ? std::string("If you cannot get in, contact the helpdesk.")
                                    : "If you cannot get in, contact the helpdesk: " + settings_.helpdesk + ".";
}

Status FlowService::WrongAnswer(Flow& f, const Status& checked, std::string& audit_outcome) const {
  ++f.failures;
  if (f.failures >= settings_.max_failures) {
    f.state = FlowState::kBlocked;
    audit_outcome = "blocked";
    return Status::Forbidden("flow_blocked", "Too many wrong answers. Start again later. " + HelpdeskSentence());
  }
  const int left = settings_.max_failures - f.failures;
  audit_outcome = "failed";
  return Status::VerifyFailed(std::string(checked.reason()),
                              std::string(checked.message()) + " " + std::to_string(left) +
                                  (left == 1 ? " attempt left." : " attempts left."));
}

bool FlowService::CaptchaExempt(std::string_view ip) const {
  for (const Cidr& c : settings_.captcha_exempt) {
    if (c.Contains(ip)) return true;
  }
  return false;
}

FlowView FlowService::Offer(FlowView view) const {
  view.offered = OfferedOptions(view.flow, rules_);
  return view;
}

void FlowService::Notify() {
  if (d_.on_enqueue) d_.on_enqueue();
}

OutboxStatus FlowService::InitialStatus(Channel channel) const {
  const bool dev = channel == Channel::kSms     ? settings_.sms_dev_outbox
                   : channel == Channel::kVoice ? settings_.voice_dev_outbox
                                                : settings_.dev_outbox;
  return dev ? OutboxStatus::kDev : OutboxStatus::kQueued;
}

void FlowService::Audit(Tx& tx, const Flow& flow, std::string_view event, std::string_view outcome,
                        std::string_view reason, std::string_view method, std::string_view ip,
                        const std::string& subject) {
  AuditEvent e;
  e.at = d_.clock.Now();
  e.event = std::string(event);
  e.outcome = std::string(outcome);
  e.reason = std::string(reason);
  e.account_id = flow.account_id;
  e.subject = subject;
  e.flow_ref = std::string(flow.ref());
  e.method = std::string(method);
  e.ip = std::string(ip);
  e.actor = "self";
  const Status st = tx.audit().Append(e);
  if (!st.ok()) log::Error("audit.append_failed", {{"event", e.event}, {"error", st.ToString()}});
}

Result<FlowService::Loaded> FlowService::Load(Tx& tx, std::string_view flow_id) {
  if (flow_id.size() < 20 || flow_id.size() > 128) {
    return Status::NotFound("flow_not_found", "This request has ended or never existed. Please start again.");
  }
  Result<std::optional<Flow>> f = tx.flows().Find(FlowIdHash(flow_id));
  if (!f.ok()) return f.status();
  if (!f->has_value()) {
    return Status::NotFound("flow_not_found", "This request has ended or never existed. Please start again.");
  }
  Loaded l;
  l.flow = std::move(**f);
  if (l.flow.account_id) {
    Result<std::optional<Account>> a = tx.accounts().FindById(*l.flow.account_id);
    if (!a.ok()) return a.status();
    l.account = std::move(*a);
    Result<std::vector<Enrollment>> e = tx.enrollments().ListForAccount(*l.flow.account_id);
    if (!e.ok()) return e.status();
    l.enrollments = std::move(e).value();
  }
  return l;
}

Status FlowService::CheckActive(const Flow& flow, TimePoint now, bool want_set_password) const {
  switch (flow.EffectiveState(now)) {
    case FlowState::kExpired:
      return Status::Expired("flow_expired", "This request has expired. Please start again.");
    case FlowState::kBlocked:
      return Status::Forbidden("flow_blocked",
                               "Too many wrong answers. Start again later, or contact the helpdesk.");
    case FlowState::kDone:
      return Status::OutOfOrder("This request is already complete.");
    case FlowState::kSetPassword:
      if (!want_set_password) return Status::OutOfOrder("You are verified: choose a new password.");
      return Status::Ok();
    case FlowState::kChooseMethod:
    case FlowState::kVerify:
      if (want_set_password) return Status::OutOfOrder("Verify your identity first.");
      return Status::Ok();
  }
  return Status::Internal("unknown flow state");
}

Result<FlowView> FlowService::Start(const StartRequest& req) {
  std::string why;
  const std::optional<std::string> key = UsernameKey(req.username, &why);
  if (!key) return Status::InvalidArgument("invalid_username", why, "username");
  const std::string subject_key = d_.keys.Lookup("username", *key);
  if (Status st = d_.limiter.Take("flow_start_ip", req.ip, settings_.start_per_ip); !st.ok()) {
    log::Warn("flow.start_rate_limited", {{"ip", req.ip}, {"scope", "ip"}});
    return st;
  }
  if (d_.captcha != nullptr && !CaptchaExempt(req.ip)) {
    if (Status st = d_.captcha->Verify(req.captcha); !st.ok()) {
      log::Info("flow.start_captcha_refused", {{"ip", req.ip}, {"reason", std::string(st.reason())}});
      return st;
    }
  }
  if (req.kind == FlowKind::kActivate) return StartActivation(req, *key, subject_key);

  const TimePoint now = d_.clock.Now();
  const std::string id = d_.random.Token(kFlowIdBytes);
  Flow f;
  f.id_hash = FlowIdHash(id);
  f.kind = req.kind;
  f.state = FlowState::kChooseMethod;
  f.subject_key = subject_key;
  f.gates_required = settings_.gates_required;
  f.ip = req.ip;
  f.created_at = now;
  f.updated_at = now;
  f.expires_at = now + settings_.lifetime;

  // Read first, on any connection; the write that follows is two inserts. The same
  // queries run whether or not the account exists, so both paths take the same time.
  std::string reason;
  std::string subject = "?" + subject_key.substr(0, 16);
  Status st = d_.store.Read([&](Tx& tx) -> Status {
    LK_RETURN_IF_ERROR(CheckThrottles(tx, subject_key, now));
    Result<std::optional<Account>> acc = tx.accounts().FindByUsernameKey(*key);
    if (!acc.ok()) return acc.status();
    Result<std::vector<Enrollment>> enr =
        tx.enrollments().ListForAccount(acc->has_value() ? (*acc)->id : -1);
    if (!enr.ok()) return enr.status();
    if (!acc->has_value()) {
      reason = "unknown_user";
      return Status::Ok();
    }
    subject = (*acc)->username;
    if ((*acc)->status == AccountStatus::kDisabled) {
      reason = "disabled";
    } else if ((*acc)->status == AccountStatus::kPendingActivation) {
      reason = "pending_activation";
    }
    if (reason.empty()) {
      for (const Enrollment& e : *enr) {
        const Method* m = d_.methods.Find(e.kind);
        if (m != nullptr && m->IsUsable(e)) {
          f.options.push_back({d_.random.Token(kOptionIdBytes), e.kind, e.hint, e.id});
        }
      }
      DropUnusableOptions(f, Rules());
      if (settings_.admin_keys.count((*acc)->username_key) != 0) {
        // Administrators never pass on knowledge answers alone or in part.
        std::erase_if(f.options, [&](const GateOption& o) { return Rules().secondary_only(o.kind); });
      }
      if (f.options.empty()) {
        reason = "no_methods";
      } else if (f.gates_required > 1 && OfferedOptions(f, Rules()).empty()) {
        reason = "no_methods";
      } else if (f.gates_required > 1) {
        // Two gates need two different methods that can be combined.
        bool two = false;
        for (const GateOption& first : f.options) {
          if (!CheckGate(f, first, Rules()).ok()) continue;
          Flow after = f;
          after.passed.push_back(first.id);
          two = two || !OfferedOptions(after, Rules()).empty();
        }
        if (!two) reason = "not_enough_methods";
      }
    }
    if (reason.empty()) f.account_id = (*acc)->id;
    return Status::Ok();
  });
  if (!st.ok()) return st;
  if (settings_.reveal_unregistered && (reason == "no_methods" || reason == "not_enough_methods")) {
    // The organisation chose to say so at once (as Entra does), at the price of
    // telling that the account exists.
    (void)d_.store.Write([&](Tx& tx) {
      Audit(tx, f, "flow.start", "refused", reason, "", req.ip, subject);
      return Status::Ok();
    });
    return Status::Forbidden("not_registered",
                             "You have not registered enough security info to do this yourself. " +
                                 HelpdeskSentence());
  }
  if (!reason.empty()) {
    f.options.clear();
    f.options.push_back(
        {d_.random.Token(kOptionIdBytes), MethodKind::kEmail, PhantomEmailHint(d_.keys, *key), ""});
  }
  // The per-account limit applies to unknown usernames too: a 429 must not tell them apart.
  const Status limited = d_.limiter.Take("flow_start_account", subject_key, settings_.start_per_account);
  st = d_.store.Write([&](Tx& tx) -> Status {
    if (!limited.ok()) {
      Audit(tx, f, "flow.start", "rate_limited", reason, "", req.ip, subject);
      return Status::Ok();
    }
    LK_RETURN_IF_ERROR(tx.flows().Insert(f));
    Audit(tx, f, "flow.start", "ok", reason, "", req.ip, subject);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  if (!limited.ok()) return limited;
  log::Info("flow.start", {{"flow", std::string(f.ref())}, {"kind", std::string(ToString(f.kind))}});
  return Offer(FlowView{id, std::move(f), FlowState::kChooseMethod});
}

// Activation: the administrator's one-time code is the gate. A right code opens a
// flow straight at set_password and is spent; a wrong, expired or unknown one
// answers the same for every username and counts against the verify throttle.
Result<FlowView> FlowService::StartActivation(const StartRequest& req, const std::string& username_key,
                                              const std::string& subject_key) {
  if (req.activation_code.empty()) {
    return Status::InvalidArgument("missing_field", "Enter the activation code you were given.",
                                   "activation_code");
  }
  if (req.activation_code.view().size() > 64) {
    return Status::InvalidArgument("invalid_field", "That is not an activation code.", "activation_code");
  }
  if (Status st = d_.limiter.Take("flow_start_account", subject_key, settings_.start_per_account); !st.ok()) {
    return st;
  }
  const TimePoint now = d_.clock.Now();
  const std::string typed = CanonicalTypedCode(req.activation_code.view());
  std::optional<Account> account;
  std::optional<Activation> activation;
  Status st = d_.store.Read([&](Tx& tx) -> Status {
    LK_RETURN_IF_ERROR(CheckThrottles(tx, subject_key, now));
    Result<std::optional<Account>> a = tx.accounts().FindByUsernameKey(username_key);
    if (!a.ok()) return a.status();
    account = *a;
    Result<std::optional<Activation>> act = tx.activations().Find(account ? account->id : -1);
    if (!act.ok()) return act.status();
    activation = *act;
    return Status::Ok();
  });
  if (!st.ok()) return st;
  // The digest is computed whatever was found, so that every path costs the same.
  const std::string digest = ActivationDigest(d_.keys, account ? account->id : -1, typed);
  bool valid = ConstantTimeEquals(digest, activation ? activation->digest : std::string(digest.size(), '0'));
  valid = valid && account && account->status == AccountStatus::kPendingActivation && activation &&
          activation->expires_at > now;

  Flow f;
  const std::string id = d_.random.Token(kFlowIdBytes);
  f.id_hash = FlowIdHash(id);
  f.kind = FlowKind::kActivate;
  f.subject_key = subject_key;
  f.gates_required = 0;  // the code was the gate
  f.state = FlowState::kSetPassword;
  f.ip = req.ip;
  f.created_at = f.updated_at = now;
  f.expires_at = now + settings_.lifetime;
  const std::string subject = account ? account->username : "?" + subject_key.substr(0, 16);
  Status outcome;
  st = d_.store.Write([&](Tx& tx) -> Status {
    if (valid) {
      // Spend the code, unless another request did first.
      Result<std::optional<Activation>> again = tx.activations().Find(account->id);
      if (!again.ok()) return again.status();
      valid = again->has_value() && (*again)->digest == activation->digest;
    }
    if (!valid) {
      Result<bool> blocked = CountThrottled(tx, f, "verify", settings_.verify_throttle, now, req.ip, subject);
      if (!blocked.ok()) return blocked.status();
      Audit(tx, f, "flow.start", "failed", "activation_invalid", "activation_code", req.ip, subject);
      outcome = *blocked ? ThrottledStatus(settings_.verify_throttle.block, now)
                         : Status::VerifyFailed("activation_invalid",
                                                "That activation code is not valid, or it has expired or been "
                                                "used. Ask the helpdesk for a new one.");
      return Status::Ok();
    }
    LK_RETURN_IF_ERROR(tx.activations().Delete(account->id));
    f.account_id = account->id;
    LK_RETURN_IF_ERROR(tx.flows().Insert(f));
    Audit(tx, f, "flow.start", "ok", "activation", "activation_code", req.ip, subject);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  if (!outcome.ok()) return outcome;
  log::Info("flow.start", {{"flow", std::string(f.ref())}, {"kind", "activate"}});
  return Offer(FlowView{id, std::move(f), FlowState::kSetPassword});
}

Result<FlowView> FlowService::Get(std::string_view flow_id) {
  FlowView view;
  Status st = d_.store.Read([&](Tx& tx) -> Status {
    if (flow_id.size() < 20 || flow_id.size() > 128) {
      return Status::NotFound("flow_not_found", "This request has ended or never existed. Please start again.");
    }
    Result<std::optional<Flow>> f = tx.flows().Find(FlowIdHash(flow_id));
    if (!f.ok()) return f.status();
    if (!f->has_value()) {
      return Status::NotFound("flow_not_found", "This request has ended or never existed. Please start again.");
    }
    view.flow = std::move(**f);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  view.id = std::string(flow_id);
  view.state = view.flow.EffectiveState(d_.clock.Now());
  return Offer(std::move(view));
}

// Challenge and Verify read the flow on any connection, do their work, and then
// write the result with the flow's version as a guard: if another request changed
// the flow meanwhile, the write fails with kConflict and nothing is recorded. This
// keeps the store's single writer busy only with the writes themselves.
Result<FlowView> FlowService::Challenge(std::string_view flow_id, std::string_view option_id,
                                        std::string_view ip, std::string_view confirm) {
  if (Status st = d_.limiter.Take("flow_challenge_ip", ip, settings_.verify_per_ip); !st.ok()) {
    return st;
  }
  Loaded l;
  Status st = d_.store.Read([&](Tx& tx) -> Status {
    Result<Loaded> r = Load(tx, flow_id);
    if (!r.ok()) return r.status();
    l = std::move(r).value();
    return CheckThrottles(tx, l.flow.subject_key, d_.clock.Now());
  });
  if (!st.ok()) return st;
  Flow& f = l.flow;
  const TimePoint now = d_.clock.Now();
  LK_RETURN_IF_ERROR(CheckActive(f, now, false));
  const GateOption* opt = f.FindOption(option_id);
  if (opt == nullptr) {
    return Status::InvalidArgument("unknown_method", "Choose one of the offered methods.", "method");
  }
  LK_RETURN_IF_ERROR(CheckGate(f, *opt, Rules()));
  Method* m = d_.methods.Find(opt->kind);
  if (m == nullptr) return Status::Internal("no method registered for an offered option");
  const Enrollment* e = nullptr;
  if (!f.phantom()) {
    e = l.EnrollmentFor(*opt);
    if (e == nullptr || !m->IsUsable(*e)) {
      return Status::InvalidArgument("method_unavailable",
                                     "That method is no longer available. Choose another one.",
                                     "method");
    }
  }
  const bool phone = opt->kind == MethodKind::kSms || opt->kind == MethodKind::kVoice ||
                     opt->kind == MethodKind::kOfficePhone;
  if (phone && settings_.confirm_phone_number && !f.phantom()) {
    // Entra's "type the full number": the masked hint alone does not let someone
    // else send texts or calls to it. A wrong number counts as a wrong answer.
    const Status typed = confirm.empty()
                             ? Status::InvalidArgument("confirm_required",
                                                       "Type your full phone number to get the code.",
                                                       "confirm")
                             : ConfirmTypedNumber(confirm, *e, settings_.default_region);
    if (typed.code() == Errc::kInvalidArgument) return typed;
    if (!typed.ok()) {
      std::string audit_outcome;
      const Status outcome = WrongAnswer(f, typed, audit_outcome);
      f.updated_at = now;
      st = d_.store.Write([&](Tx& tx) -> Status {
        LK_RETURN_IF_ERROR(tx.flows().Update(f));
        Audit(tx, f, "flow.challenge", audit_outcome, typed.reason(), ToString(opt->kind), ip, l.subject());
        return Status::Ok();
      });
      if (!st.ok()) return st;
      return outcome;
    }
  }
  const CodeMessageSettings messages{settings_.send_per_destination, settings_.organisation,
                                     settings_.helpdesk, d_.phone_guard};
  OutboxCodeSender real(d_.limiter, d_.keys, d_.templates, d_.clock, messages, f.account_id);
  PhantomCodeSender phantom(d_.limiter, d_.keys, messages, f.subject_key);
  CodeSender& sender = f.phantom() ? static_cast<CodeSender&>(phantom) : real;
  std::string blob = f.method_state[opt->id];
  std::string response;
  GateContext ctx{d_.clock, d_.random, d_.keys, f.id_hash, opt->id, sender, blob, &response};
  ctx.subject = f.subject_key;
  const std::string method(ToString(opt->kind));
  const Status begun = m->Begin(ctx, e);
  const std::string option = opt->id;
  if (begun.ok()) {
    f.method_state[option] = blob;
    f.active_option = option;
    f.state = FlowState::kVerify;
    f.updated_at = now;
  }
  st = d_.store.Write([&](Tx& tx) -> Status {
    for (const AuditEvent& alert : real.events) {
      if (Status a = tx.audit().Append(alert); !a.ok()) {
        log::Error("audit.append_failed", {{"event", alert.event}, {"error", a.ToString()}});
      }
    }
    if (!begun.ok()) {
      Audit(tx, f, "flow.challenge", begun.code() == Errc::kRateLimited ? "rate_limited" : "failed",
            begun.reason(), method, ip, l.subject());
      return Status::Ok();
    }
    if (opt->kind == MethodKind::kEmail) {
      // Every email counts, for unknown usernames too (nothing is sent to those);
      // the one that reaches the limit still goes, the next is refused.
      Result<bool> blocked = CountThrottled(tx, f, "emails", settings_.email_throttle, now, ip, l.subject());
      if (!blocked.ok()) return blocked.status();
    }
    LK_RETURN_IF_ERROR(tx.flows().Update(f));
    for (const OutboundMessage& msg : real.messages) {
      Result<std::int64_t> id = tx.outbox().Enqueue(msg, InitialStatus(msg.channel), now);
      if (!id.ok()) return id.status();
    }
    Audit(tx, f, "flow.challenge", "ok", f.phantom() ? "phantom" : "", method, ip, l.subject());
    return Status::Ok();
  });
  if (!st.ok()) return st;
  if (!begun.ok()) return begun;
  if (!real.messages.empty()) Notify();
  return Offer(FlowView{std::string(flow_id), std::move(f), FlowState::kVerify, std::move(response)});
}

Result<FlowView> FlowService::Verify(std::string_view flow_id, std::string_view option_id,
                                     const Answer& answer, std::string_view ip) {
  if (Status st = d_.limiter.Take("flow_verify_ip", ip, settings_.verify_per_ip); !st.ok()) {
    return st;
  }
  Loaded l;
  Status st = d_.store.Read([&](Tx& tx) -> Status {
    Result<Loaded> r = Load(tx, flow_id);
    if (!r.ok()) return r.status();
    l = std::move(r).value();
    return CheckThrottles(tx, l.flow.subject_key, d_.clock.Now());
  });
  if (!st.ok()) return st;
  Flow& f = l.flow;
  const TimePoint now = d_.clock.Now();
  LK_RETURN_IF_ERROR(CheckActive(f, now, false));
  const GateOption* opt = f.FindOption(option_id);
  if (opt == nullptr) {
    return Status::InvalidArgument("unknown_method", "Choose one of the offered methods.", "method");
  }
  LK_RETURN_IF_ERROR(CheckGate(f, *opt, Rules()));
  if (f.active_option != opt->id) return Status::OutOfOrder("Ask for a code first.");
  Method* m = d_.methods.Find(opt->kind);
  if (m == nullptr) return Status::Internal("no method registered for an offered option");
  const Enrollment* e = nullptr;
  if (!f.phantom()) {
    e = l.EnrollmentFor(*opt);
    if (e == nullptr || !m->IsUsable(*e)) {
      return Status::InvalidArgument("method_unavailable",
                                     "That method is no longer available. Choose another one.",
                                     "method");
    }
  }
  const CodeMessageSettings messages{settings_.send_per_destination, settings_.organisation,
                                     settings_.helpdesk};
  PhantomCodeSender no_send(d_.limiter, d_.keys, messages, f.subject_key);  // Verify never sends
  std::string blob = f.method_state[opt->id];
  std::string response;
  GateContext ctx{d_.clock, d_.random, d_.keys, f.id_hash, opt->id, no_send, blob, &response};
  ctx.subject = f.subject_key;
  const std::string method(ToString(opt->kind));
  const std::string option = opt->id;
  std::optional<Enrollment> updated;
  if (e != nullptr) updated = *e;  // the method may update it (a counter, a time step)
  const Status checked = m->Verify(ctx, updated ? &*updated : nullptr, answer);

  Status outcome;
  std::string audit_outcome = "ok";
  bool write_flow = true;
  std::optional<Enrollment> used;
  f.updated_at = now;
  if (checked.ok()) {
    f.method_state[option] = blob;
    f.passed.push_back(option);
    f.active_option.clear();
    f.state = f.gates_passed() >= f.gates_required ? FlowState::kSetPassword : FlowState::kChooseMethod;
    used = std::move(updated);
    used->last_used_at = now;
  } else if (checked.code() == Errc::kVerifyFailed) {
    // The method's state changes on a wrong answer too: a challenge is spent, a new
    // set of questions drawn.
    f.method_state[option] = blob;
    outcome = WrongAnswer(f, checked, audit_outcome);
  } else {
    // An expired code or a verify before any challenge: not a guess, not counted.
    audit_outcome = "failed";
    outcome = checked;
    write_flow = false;
  }
  st = d_.store.Write([&](Tx& tx) -> Status {
    if (checked.code() == Errc::kVerifyFailed && opt->kind != MethodKind::kEmail) {
      // Entra: 5 wrong phone, app or question answers in an hour block for 24 hours.
      Result<bool> blocked = CountThrottled(tx, f, "verify", settings_.verify_throttle, now, ip, l.subject());
      if (!blocked.ok()) return blocked.status();
      if (*blocked) {
        f.state = FlowState::kBlocked;
        audit_outcome = "blocked";
        outcome = ThrottledStatus(settings_.verify_throttle.block, now);
      }
    }
    if (f.state == FlowState::kBlocked) {
      Result<bool> blocked =
          CountThrottled(tx, f, "failed_flows", settings_.failed_flow_throttle, now, ip, l.subject());
      if (!blocked.ok()) return blocked.status();
      if (*blocked) outcome = ThrottledStatus(settings_.failed_flow_throttle.block, now);
    }
    if (write_flow) LK_RETURN_IF_ERROR(tx.flows().Update(f));
    if (used) LK_RETURN_IF_ERROR(tx.enrollments().Update(*used));
    Audit(tx, f, "flow.verify", audit_outcome, checked.ok() ? "" : checked.reason(), method, ip,
          l.subject());
    return Status::Ok();
  });
  if (!st.ok()) return st;
  if (!outcome.ok()) return outcome;
  const FlowState state = f.state;
  return Offer(FlowView{std::string(flow_id), std::move(f), state});
}

Result<bool> FlowService::NotifyAddresses(Tx& tx, const Account& account,
                                          const std::vector<Enrollment>& enrollments,
                                          const std::string& template_id, MethodKind method,
                                          TimePoint now, const TemplateVars& extra) {
  bool enqueued = false;
  for (const Enrollment& e : enrollments) {
    if (e.kind != MethodKind::kEmail || e.state != EnrollmentState::kActive || e.secret.empty()) {
      continue;
    }
    TemplateVars vars = {
        {"organisation", settings_.organisation},
        {"display_name", account.display_name.empty() ? account.username : account.display_name},
        {"username", account.username},
        {"time", UtcTime(now)},
        {"method", MethodPhrase(method)},
        {"helpdesk", settings_.helpdesk},
        {"helpdesk_line", HelpdeskLine(settings_.helpdesk)}};
    for (const auto& [k, v] : extra) vars[k] = v;
    Result<RenderedMessage> r = d_.templates.Render(template_id, vars);
    if (!r.ok()) return r.status();
    OutboundMessage m;
    m.channel = Channel::kEmail;
    m.template_id = template_id;
    m.to = std::string(e.secret.view());
    m.to_hint = e.hint;
    m.subject = r->subject;
    m.body = SecretString(std::move(r->body));
    m.account_id = account.id;
    Result<std::int64_t> id =
        tx.outbox().Enqueue(m, settings_.dev_outbox ? OutboxStatus::kDev : OutboxStatus::kQueued, now);
    if (!id.ok()) return id.status();
    enqueued = true;
  }
  return enqueued;
}

// An administrator's reset or unlock is told to every other administrator.
Result<bool> FlowService::NotifyOtherAdmins(Tx& tx, const Account& account, std::string_view what,
                                            MethodKind method, TimePoint now) {
  if (settings_.admin_keys.count(account.username_key) == 0) return false;
  bool enqueued = false;
  for (const std::string& key : settings_.admin_keys) {
    if (key == account.username_key) continue;
    Result<std::optional<Account>> admin = tx.accounts().FindByUsernameKey(key);
    if (!admin.ok()) return admin.status();
    if (!admin->has_value() || (*admin)->status == AccountStatus::kDisabled) continue;
    Result<std::vector<Enrollment>> e = tx.enrollments().ListForAccount((*admin)->id);
    if (!e.ok()) return e.status();
    Result<bool> told = NotifyAddresses(tx, **admin, *e, "admin_account_recovered", method, now,
                                        {{"subject_username", account.username}, {"what", std::string(what)}});
    if (!told.ok()) return told.status();
    enqueued = enqueued || *told;
  }
  return enqueued;
}

// Claims a flow in set_password for one completion (a lease), so that two
// completions cannot both write the directory. Tells who and the last method used.
Status FlowService::Claim(std::string_view flow_id, const std::string& busy_message, std::string& subject,
                          MethodKind& last_method) {
  return d_.store.Write([&](Tx& tx) -> Status {
    Result<Loaded> l = Load(tx, flow_id);
    if (!l.ok()) return l.status();
    Flow& f = l->flow;
    const TimePoint now = d_.clock.Now();
    LK_RETURN_IF_ERROR(CheckActive(f, now, true));
    if (f.completing_until && *f.completing_until > now) return Status::Conflict(busy_message);
    f.completing_until = now + settings_.completion_lease;
    f.updated_at = now;
    subject = l->subject();
    if (!f.passed.empty()) {
      if (const GateOption* o = f.FindOption(f.passed.back())) last_method = o->kind;
    }
    return tx.flows().Update(f);
  });
}

// Unlock: the gates are passed; the directory clears its lock, and Latchkey its
// own sign-in lockout. The password stays as it is.
Result<FlowView> FlowService::CompleteUnlock(std::string_view flow_id, const Account& account,
                                             std::string_view ip) {
  std::string subject;
  MethodKind last_method = MethodKind::kEmail;
  Status st = Claim(flow_id, "Your account is being unlocked. Wait a moment and reload.", subject,
                    last_method);
  if (!st.ok()) return st;

  const Status unlocked = d_.directory.Unlock(account);
  FlowView view;
  bool enqueued = false;
  st = d_.store.Write([&](Tx& tx) -> Status {
    Result<Loaded> l = Load(tx, flow_id);
    if (!l.ok()) return l.status();
    Flow& f = l->flow;
    const TimePoint now = d_.clock.Now();
    f.completing_until.reset();
    f.updated_at = now;
    if (!unlocked.ok()) {
      LK_RETURN_IF_ERROR(tx.flows().Update(f));
      Audit(tx, f, "account.unlock", "failed", unlocked.reason(), ToString(last_method), ip, subject);
      return Status::Ok();
    }
    f.state = FlowState::kDone;
    LK_RETURN_IF_ERROR(tx.flows().Update(f));
    LK_RETURN_IF_ERROR(ClearSignInLockout(tx, account.id, now));
    LK_RETURN_IF_ERROR(tx.throttles().Clear(f.subject_key));
    Audit(tx, f, "account.unlock", "ok", "", ToString(last_method), ip, subject);
    Result<bool> told = NotifyAddresses(tx, account, l->enrollments, "account_unlocked", last_method, now);
    if (!told.ok()) return told.status();
    Result<bool> admins = NotifyOtherAdmins(tx, account, "unlocked the account", last_method, now);
    if (!admins.ok()) return admins.status();
    enqueued = *told || *admins;
    view.flow = f;
    return Status::Ok();
  });
  if (!unlocked.ok()) {
    log::Warn("flow.directory_unlock_failed", {{"error", unlocked.ToString()}});
    return unlocked;
  }
  if (!st.ok()) return st;
  if (enqueued) Notify();
  log::Info("account.unlock", {{"flow", std::string(view.flow.ref())}});
  view.id = std::string(flow_id);
  view.state = FlowState::kDone;
  return view;
}

// The account may sign in from now on.
Status FlowService::Activate(Tx& tx, AccountId account_id, TimePoint now) {
  Result<std::optional<Account>> fresh = tx.accounts().FindById(account_id);
  if (!fresh.ok()) return fresh.status();
  if (!fresh->has_value()) return Status::NotFound("account_not_found", "The account no longer exists.");
  Account a = **fresh;
  if (a.status != AccountStatus::kPendingActivation) return Status::Ok();
  a.status = AccountStatus::kActive;
  a.updated_at = now;
  return tx.accounts().Update(a);
}

// Forgets failed sign-ins, as a successful reset or unlock should.
Status FlowService::ClearSignInLockout(Tx& tx, AccountId account_id, TimePoint now) {
  Result<std::optional<Account>> fresh = tx.accounts().FindById(account_id);
  if (!fresh.ok()) return fresh.status();
  if (!fresh->has_value() || (*fresh)->signin_state.empty()) return Status::Ok();
  Account a = **fresh;
  a.signin_state.clear();
  a.updated_at = now;
  return tx.accounts().Update(a);
}

Result<FlowView> FlowService::Complete(std::string_view flow_id, const SecretString& new_password,
                                       std::string_view ip) {
  // 1. Read the flow and check the new password outside any write transaction:
  //    the policy may take milliseconds (the history check an Argon2id derivation),
  //    and SQLite has one writer.
  std::optional<Account> account;
  std::vector<Enrollment> enrollments;
  std::vector<std::string> recent;
  FlowKind kind = FlowKind::kReset;
  const PasswordRules& rules = d_.policy.rules();
  Status st = d_.store.Read([&](Tx& tx) -> Status {
    Result<Loaded> l = Load(tx, flow_id);
    if (!l.ok()) return l.status();
    LK_RETURN_IF_ERROR(CheckActive(l->flow, d_.clock.Now(), true));
    kind = l->flow.kind;
    account = l->account;
    enrollments = std::move(l->enrollments);
    if (account && rules.history != 0) {
      Result<std::vector<std::string>> r = tx.password_history().Recent(
          account->id, rules.history < 0 ? std::numeric_limits<int>::max() : rules.history);
      if (!r.ok()) return r.status();
      recent = std::move(r).value();
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  if (!account) return Status::OutOfOrder("Verify your identity first.");
  if (kind == FlowKind::kUnlock) return CompleteUnlock(flow_id, *account, ip);
  if (new_password.empty()) {
    return Status::InvalidArgument("missing_field", "Choose a new password.", "new_password");
  }
  PolicyVerdict verdict =
      d_.policy.Check(new_password, PersonFor(*account, enrollments, settings_.organisation));
  // The history digest is needed to record the new password too, so it is made
  // even when the policy already refused.
  std::string salt = account->history_salt;
  std::string digest;
  if (rules.history != 0) {
    if (salt.empty()) salt = PasswordHistory::NewSalt(d_.random);
    Result<std::string> dg = d_.history.Digest(new_password, salt);
    if (!dg.ok()) return dg.status();
    digest = *dg;
    if (PasswordHistory::Reused(digest, recent, rules.reset_may_reuse_current ? 1 : 0)) {
      verdict.violations.push_back(PasswordPolicy::HistoryViolation());
      verdict.accepted = false;
    }
  }
  if (!verdict.accepted) return RejectionOf(verdict);

  // 2. Claim the flow, so that two completions cannot both write the directory.
  std::string subject;
  MethodKind last_method = MethodKind::kEmail;
  st = Claim(flow_id, "Your new password is being saved. Wait a moment and reload.", subject, last_method);
  if (!st.ok()) return st;

  // 3. The directory is the final word. Nothing is recorded as changed unless it
  //    confirmed the new password.
  Status written = d_.directory.ResetPassword(*account, new_password);
  if (written.ok() && account->status == AccountStatus::kLocked) {
    // A reset also unlocks (the user proved who they are). Failing to unlock must
    // not undo a password that is already set.
    if (Status u = d_.directory.Unlock(*account); !u.ok()) {
      log::Warn("flow.unlock_after_reset_failed", {{"error", u.ToString()}});
    }
  }

  // 4. Record the outcome: done + audit + notifications, or release the claim.
  FlowView view;
  bool enqueued = false;
  st = d_.store.Write([&](Tx& tx) -> Status {
    Result<Loaded> l = Load(tx, flow_id);
    if (!l.ok()) return l.status();
    Flow& f = l->flow;
    const TimePoint now = d_.clock.Now();
    f.completing_until.reset();
    f.updated_at = now;
    if (!written.ok()) {
      LK_RETURN_IF_ERROR(tx.flows().Update(f));
      Audit(tx, f, "password.reset",
            written.code() == Errc::kPolicyRejected ? "rejected" : "failed", written.reason(),
            ToString(last_method), ip, subject);
      return Status::Ok();
    }
    f.state = FlowState::kDone;
    LK_RETURN_IF_ERROR(tx.flows().Update(f));
    LK_RETURN_IF_ERROR(ClearSignInLockout(tx, account->id, now));
    LK_RETURN_IF_ERROR(tx.throttles().Clear(f.subject_key));
    const bool activation = f.kind == FlowKind::kActivate;
    if (activation) LK_RETURN_IF_ERROR(Activate(tx, account->id, now));
    Audit(tx, f, activation ? "account.activated" : "password.reset", "ok", "",
          activation ? "activation_code" : ToString(last_method), ip, subject);
    if (!digest.empty()) {
      // Remember the new password for the history rule (the salt on first use).
      if (account->history_salt.empty()) {
        Result<std::optional<Account>> fresh = tx.accounts().FindById(account->id);
        if (!fresh.ok()) return fresh.status();
        if (fresh->has_value() && (*fresh)->history_salt.empty()) {
          Account a = **fresh;
          a.history_salt = salt;
          a.updated_at = now;
          LK_RETURN_IF_ERROR(tx.accounts().Update(a));
        }
      }
      LK_RETURN_IF_ERROR(tx.password_history().Append(
          account->id, digest, now,
          rules.history < 0 ? std::numeric_limits<int>::max() : std::max(rules.history, 1)));
    }
    // Tell the user at every registered address ("if this wasn't you...").
    if (!activation) {
      Result<bool> told = NotifyAddresses(tx, *account, l->enrollments, "password_changed", last_method, now);
      if (!told.ok()) return told.status();
      Result<bool> admins = NotifyOtherAdmins(tx, *account, "reset its password", last_method, now);
      if (!admins.ok()) return admins.status();
      enqueued = *told || *admins;
    }
    view.flow = f;
    return Status::Ok();
  });
  if (!written.ok()) {
    log::Warn("flow.directory_refused", {{"error", written.ToString()}});
    return written;
  }
  if (!st.ok()) {
    // The directory has the new password but the flow could not be closed: the
    // user may complete again with the same password (the reset is idempotent).
    log::Error("flow.record_after_reset_failed", {{"error", st.ToString()}});
    return st;
  }
  if (enqueued) Notify();
  log::Info("password.reset", {{"flow", std::string(view.flow.ref())}});
  view.id = std::string(flow_id);
  view.state = FlowState::kDone;
  return view;
}

}  // namespace latchkey
