#include "flows/security_info_service.hpp"

#include <ctime>
#include <limits>

#include "core/log.hpp"
#include "core/store.hpp"
#include "crypto/keys.hpp"
#include "delivery/templates.hpp"
#include "directory/directory.hpp"
#include "flows/person.hpp"
#include "methods/registry.hpp"
#include "policy/password_history.hpp"
#include "policy/password_policy.hpp"

namespace latchkey {
namespace {

Status NeedsFreshProof() {
  return Status::Forbidden("reauthentication_required",
                           "For your security, confirm your password again to make this change.");
}

}  // namespace

std::string MethodPhraseFor(MethodKind k) {
  switch (k) {
    case MethodKind::kEmail: return "an alternate email address";
    case MethodKind::kSms: return "a mobile phone for text messages";
    case MethodKind::kVoice: return "a phone for voice calls";
    case MethodKind::kOfficePhone: return "an office phone";
    case MethodKind::kTotp: return "an authenticator app";
    case MethodKind::kWebauthn: return "a security key or passkey";
    case MethodKind::kSecurityQuestions: return "security questions";
    case MethodKind::kRecoveryCode: return "recovery codes";
  }
  return "a verification method";
}

SecurityInfoService::SecurityInfoService(SecurityInfoDeps deps, RegistrationSettings settings)
    : d_(std::move(deps)), settings_(std::move(settings)) {}

OutboxStatus SecurityInfoService::InitialStatus(Channel channel) const {
  const bool dev = channel == Channel::kSms     ? settings_.sms_dev_outbox
                   : channel == Channel::kVoice ? settings_.voice_dev_outbox
                                                : settings_.dev_outbox;
  return dev ? OutboxStatus::kDev : OutboxStatus::kQueued;
}

Status SecurityInfoService::RequireActive(const SessionView& s) const {
  if (s.session.state != SessionState::kActive) {
    return Status::Error(Errc::kUnauthenticated, "second_factor_required",
                         "Finish signing in with your second method first.");
  }
  return Status::Ok();
}

void SecurityInfoService::Audit(Tx& tx, const Account& account, std::string_view event,
                                std::string_view outcome, std::string_view reason,
                                std::string_view method, std::string_view ip) {
  AuditEvent e;
  e.at = d_.clock.Now();
  e.event = std::string(event);
  e.outcome = std::string(outcome);
  e.reason = std::string(reason);
  e.account_id = account.id;
  e.subject = account.username;
  e.method = std::string(method);
  e.ip = std::string(ip);
  e.actor = "self";
  if (Status st = tx.audit().Append(e); !st.ok()) {
    log::Error("audit.append_failed", {{"event", e.event}, {"error", st.ToString()}});
  }
}

void SecurityInfoService::Notify(Tx& tx, const Account& account,
                                 const std::vector<Enrollment>& enrollments,
                                 const std::string& template_id, const std::string& method_phrase,
                                 const std::string& hint) {
  const TimePoint now = d_.clock.Now();
  for (const Enrollment& e : enrollments) {
    if (e.kind != MethodKind::kEmail || e.state != EnrollmentState::kActive || e.secret.empty()) continue;
    Result<RenderedMessage> r = d_.templates.Render(
        template_id,
        {{"organisation", settings_.messages.organisation},
         {"display_name", account.display_name.empty() ? account.username : account.display_name},
         {"username", account.username},
         {"time", UtcTime(now)},
         {"method", method_phrase},
         {"hint", hint},
         {"helpdesk", settings_.messages.helpdesk},
         {"helpdesk_line", HelpdeskLine(settings_.messages.helpdesk)}});
    if (!r.ok()) {
      log::Error("notify.render_failed", {{"template", template_id}, {"error", r.status().ToString()}});
      continue;
    }
    OutboundMessage m;
    m.channel = Channel::kEmail;
    m.template_id = template_id;
    m.to = std::string(e.secret.view());
    m.to_hint = e.hint;
    m.subject = r->subject;
    m.body = SecretString(std::move(r->body));
    m.account_id = account.id;
    Result<std::int64_t> id = tx.outbox().Enqueue(m, InitialStatus(Channel::kEmail), now);
    if (!id.ok()) log::Error("notify.enqueue_failed", {{"error", id.status().ToString()}});
  }
}

Result<MeView> SecurityInfoService::Me(const SessionView& s) {
  LK_RETURN_IF_ERROR(RequireActive(s));
  MeView me;
  Status st = d_.store.Read([&](Tx& tx) -> Status {
    Result<std::optional<Account>> a = tx.accounts().FindById(s.account.id);
    if (!a.ok()) return a.status();
    if (!a->has_value()) return Status::Error(Errc::kUnauthenticated, "not_signed_in", "Please sign in.");
    me.account = std::move(**a);
    Result<std::vector<Enrollment>> e = tx.enrollments().ListForAccount(me.account.id);
    if (!e.ok()) return e.status();
    me.enrollments = std::move(e).value();
    return Status::Ok();
  });
  if (!st.ok()) return st;
  for (const auto& e : me.enrollments) {
    const Method* m = d_.methods.Find(e.kind);
    if (m != nullptr && m->IsUsable(e) && e.kind != MethodKind::kRecoveryCode) ++me.usable;
  }
  me.methods_required = settings_.methods_required;
  me.registered = me.usable >= settings_.methods_required;
  me.registration_required = settings_.require_at_signin && !me.registered;
  if (settings_.reconfirm_days > 0) {
    const auto due = std::chrono::hours(24 * settings_.reconfirm_days);
    const TimePoint since = me.account.reconfirmed_at.value_or(me.account.created_at);
    me.reconfirm_due = d_.clock.Now() - since >= due;
  }
  return me;
}

Result<EnrollView> SecurityInfoService::AddMethod(const SessionView& s, MethodKind kind,
                                                  std::string_view request_json, std::string_view ip) {
  LK_RETURN_IF_ERROR(RequireActive(s));
  if (!d_.signin.IsFresh(s.session)) return NeedsFreshProof();
  Enroller* enroller = d_.methods.FindEnroller(kind);
  bool allowed = enroller != nullptr;
  if (allowed && !settings_.allowed.empty()) {
    allowed = false;
    for (MethodKind k : settings_.allowed) allowed = allowed || k == kind;
  }
  if (!allowed) {
    return Status::InvalidArgument("method_not_offered",
                                   "That kind of method cannot be registered here.", "kind");
  }
  std::vector<Enrollment> existing;
  Status st = d_.store.Read([&](Tx& tx) -> Status {
    Result<std::vector<Enrollment>> e = tx.enrollments().ListForAccount(s.account.id);
    if (!e.ok()) return e.status();
    existing = std::move(e).value();
    return Status::Ok();
  });
  if (!st.ok()) return st;
  OutboxCodeSender sender(d_.limiter, d_.keys, d_.templates, d_.clock, settings_.messages, s.account.id);
  EnrollContext ctx{d_.clock, d_.random, d_.keys, s.account, existing, sender, {}};
  Result<Enrollment> begun = enroller->BeginEnroll(ctx, request_json);
  const std::string method(ToString(kind));
  if (!begun.ok()) {
    (void)d_.store.Write([&](Tx& tx) {
      for (const AuditEvent& alert : sender.events) (void)tx.audit().Append(alert);
      Audit(tx, s.account, "method.add", "rejected", begun.status().reason(), method, ip);
      return Status::Ok();
    });
    return begun.status();
  }
  Enrollment e = std::move(begun).value();
  const TimePoint now = d_.clock.Now();
  // Replace an older unfinished registration of the same kind and destination.
  // Recovery codes and security questions are one set per person: a new set
  // replaces the old one, in the same transaction (the old codes stop working).
  const bool replaces_set = e.state == EnrollmentState::kActive &&
                            (kind == MethodKind::kRecoveryCode || kind == MethodKind::kSecurityQuestions);
  std::vector<std::string> stale;
  for (const auto& x : existing) {
    if (x.kind == kind && x.state == EnrollmentState::kPending && !e.lookup.empty() && x.lookup == e.lookup) {
      stale.push_back(x.id);
    } else if (replaces_set && x.kind == kind) {
      stale.push_back(x.id);
    }
  }
  st = d_.store.Write([&](Tx& tx) -> Status {
    for (const auto& id : stale) LK_RETURN_IF_ERROR(tx.enrollments().Delete(id));
    LK_RETURN_IF_ERROR(tx.enrollments().Insert(e));
    for (const OutboundMessage& m : sender.messages) {
      Result<std::int64_t> id = tx.outbox().Enqueue(m, InitialStatus(m.channel), now);
      if (!id.ok()) return id.status();
    }
    for (const AuditEvent& alert : sender.events) LK_RETURN_IF_ERROR(tx.audit().Append(alert));
    Audit(tx, s.account, "method.add", e.state == EnrollmentState::kActive ? "ok" : "pending", "",
          method, ip);
    if (e.state == EnrollmentState::kActive) {
      Notify(tx, s.account, existing, "method_added", MethodPhraseFor(kind), e.hint);
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  if (!sender.messages.empty() || e.state == EnrollmentState::kActive) {
    if (d_.on_enqueue) d_.on_enqueue();
  }
  return EnrollView{std::move(e), std::move(ctx.response)};
}

Result<EnrollView> SecurityInfoService::VerifyMethod(const SessionView& s, std::string_view method_id,
                                                     std::string_view request_json, std::string_view ip) {
  LK_RETURN_IF_ERROR(RequireActive(s));
  std::vector<Enrollment> existing;
  std::optional<Enrollment> target;
  Status st = d_.store.Read([&](Tx& tx) -> Status {
    Result<std::vector<Enrollment>> e = tx.enrollments().ListForAccount(s.account.id);
    if (!e.ok()) return e.status();
    for (auto& x : *e) {
      if (x.id == method_id) target = x;
    }
    existing = std::move(e).value();
    return Status::Ok();
  });
  if (!st.ok()) return st;
  if (!target) return Status::NotFound("method_not_found", "There is no such method in your security info.");
  if (target->state != EnrollmentState::kPending) {
    return Status::OutOfOrder("That method is already confirmed.");
  }
  Enroller* enroller = d_.methods.FindEnroller(target->kind);
  if (enroller == nullptr) return Status::InvalidArgument("method_not_offered", "That kind of method is not offered.", "kind");
  OutboxCodeSender sender(d_.limiter, d_.keys, d_.templates, d_.clock, settings_.messages, s.account.id);
  EnrollContext ctx{d_.clock, d_.random, d_.keys, s.account, existing, sender, {}};
  const std::string before(target->pending.view());
  Status finished = enroller->FinishEnroll(ctx, *target, request_json);
  const std::string method(ToString(target->kind));
  // A security key's challenge is spent by any answer: a failed registration is
  // removed, and the person starts again.
  const bool single_try = target->kind == MethodKind::kWebauthn;
  st = d_.store.Write([&](Tx& tx) -> Status {
    if (finished.ok() && single_try && !target->lookup.empty()) {
      Result<bool> taken = tx.enrollments().ActiveElsewhere(target->kind, target->lookup, s.account.id);
      if (!taken.ok()) return taken.status();
      if (*taken) {
        finished = Status::Error(Errc::kConflict, "credential_registered",
                                 "That security key is already registered to another account.");
      }
    }
    if (!finished.ok() && single_try) {
      LK_RETURN_IF_ERROR(tx.enrollments().Delete(target->id));
    } else if (finished.ok() || std::string(target->pending.view()) != before) {
      // Success, or a failure that changed the pending state (a spent attempt).
      LK_RETURN_IF_ERROR(tx.enrollments().Update(*target));
    }
    Audit(tx, s.account, "method.verify", finished.ok() ? "ok" : "failed",
          finished.ok() ? "" : finished.reason(), method, ip);
    if (finished.ok()) {
      Notify(tx, s.account, existing, "method_added", MethodPhraseFor(target->kind), target->hint);
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  if (!finished.ok()) return finished;
  if (d_.on_enqueue) d_.on_enqueue();
  return EnrollView{std::move(*target), std::move(ctx.response)};
}

Status SecurityInfoService::RemoveMethod(const SessionView& s, std::string_view method_id,
                                         std::string_view ip) {
  LK_RETURN_IF_ERROR(RequireActive(s));
  if (!d_.signin.IsFresh(s.session)) return NeedsFreshProof();
  Status outcome;
  Status st = d_.store.Write([&](Tx& tx) -> Status {
    Result<std::vector<Enrollment>> list = tx.enrollments().ListForAccount(s.account.id);
    if (!list.ok()) return list.status();
    const Enrollment* target = nullptr;
    for (const auto& x : *list) {
      if (x.id == method_id) target = &x;
    }
    if (target == nullptr) {
      outcome = Status::NotFound("method_not_found", "There is no such method in your security info.");
      return Status::Ok();
    }
    if (target->kind == MethodKind::kOfficePhone) {
      outcome = Status::Forbidden("managed_by_administrator",
                                  "Your office phone is managed by your administrator.");
      return Status::Ok();
    }
    LK_RETURN_IF_ERROR(tx.enrollments().Delete(target->id));
    Audit(tx, s.account, "method.remove", "ok", "", ToString(target->kind), ip);
    if (target->state == EnrollmentState::kActive) {
      // Tell every address, the removed one included: if it was not the person, that
      // is where they will notice.
      Notify(tx, s.account, *list, "method_removed", MethodPhraseFor(target->kind), target->hint);
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  if (outcome.ok() && d_.on_enqueue) d_.on_enqueue();
  return outcome;
}

Status SecurityInfoService::Reconfirm(const SessionView& s, std::string_view ip) {
  LK_RETURN_IF_ERROR(RequireActive(s));
  return d_.store.Write([&](Tx& tx) -> Status {
    Result<std::optional<Account>> a = tx.accounts().FindById(s.account.id);
    if (!a.ok()) return a.status();
    if (!a->has_value()) return Status::Error(Errc::kUnauthenticated, "not_signed_in", "Please sign in.");
    Account acc = **a;
    acc.reconfirmed_at = d_.clock.Now();
    acc.updated_at = d_.clock.Now();
    LK_RETURN_IF_ERROR(tx.accounts().Update(acc));
    Audit(tx, acc, "security_info.reconfirm", "ok", "", "", ip);
    return Status::Ok();
  });
}

Status SecurityInfoService::ChangePassword(const SessionView& s, const SecretString& current,
                                           const SecretString& replacement, std::string_view ip) {
  LK_RETURN_IF_ERROR(RequireActive(s));
  const PasswordRules& rules = d_.policy.rules();
  std::optional<Account> account;
  std::vector<Enrollment> enrollments;
  std::vector<std::string> recent;
  Status st = d_.store.Read([&](Tx& tx) -> Status {
    Result<std::optional<Account>> a = tx.accounts().FindById(s.account.id);
    if (!a.ok()) return a.status();
    if (!a->has_value()) return Status::Error(Errc::kUnauthenticated, "not_signed_in", "Please sign in.");
    account = std::move(**a);
    Result<std::vector<Enrollment>> e = tx.enrollments().ListForAccount(account->id);
    if (!e.ok()) return e.status();
    enrollments = std::move(e).value();
    if (rules.history != 0) {
      Result<std::vector<std::string>> r = tx.password_history().Recent(
          account->id, rules.history < 0 ? std::numeric_limits<int>::max() : rules.history);
      if (!r.ok()) return r.status();
      recent = std::move(r).value();
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  // The current password is the proof for this change (ASVS V6.2.3).
  const Status proved = d_.directory.VerifyPassword(*account, current);
  if (!proved.ok()) {
    if (proved.code() != Errc::kVerifyFailed) return proved;
    (void)d_.store.Write([&](Tx& tx) {
      Audit(tx, *account, "password.change", "failed", "wrong_current_password", "password", ip);
      return Status::Ok();
    });
    return Status::Error(Errc::kUnauthenticated, "wrong_current_password",
                         "Your current password is not right.", "current_password");
  }
  PolicyVerdict verdict = d_.policy.Check(replacement, PersonFor(*account, enrollments,
                                                                 settings_.messages.organisation));
  std::string salt = account->history_salt;
  std::string digest;
  if (rules.history != 0) {
    if (salt.empty()) salt = PasswordHistory::NewSalt(d_.random);
    Result<std::string> dg = d_.history.Digest(replacement, salt);
    if (!dg.ok()) return dg.status();
    digest = *dg;
    // A change must differ from the current password too, whatever a reset allows.
    if (PasswordHistory::Reused(digest, recent, 0) || current.Equals(replacement.view())) {
      verdict.violations.push_back(PasswordPolicy::HistoryViolation());
      verdict.accepted = false;
    }
  }
  if (!verdict.accepted) return RejectionOf(verdict);
  const Status written = d_.directory.ResetPassword(*account, replacement);
  const TimePoint now = d_.clock.Now();
  st = d_.store.Write([&](Tx& tx) -> Status {
    if (!written.ok()) {
      Audit(tx, *account, "password.change", written.code() == Errc::kPolicyRejected ? "rejected" : "failed",
            written.reason(), "password", ip);
      return Status::Ok();
    }
    if (!digest.empty()) {
      Result<std::optional<Account>> fresh = tx.accounts().FindById(account->id);
      if (!fresh.ok()) return fresh.status();
      if (fresh->has_value() && (*fresh)->history_salt.empty()) {
        Account a = **fresh;
        a.history_salt = salt;
        a.updated_at = now;
        LK_RETURN_IF_ERROR(tx.accounts().Update(a));
      }
      LK_RETURN_IF_ERROR(tx.password_history().Append(
          account->id, digest, now,
          rules.history < 0 ? std::numeric_limits<int>::max() : std::max(rules.history, 1)));
    }
    Result<int> ended = d_.signin.RevokeOthers(tx, account->id, s.session.id_hash);
    if (!ended.ok()) return ended.status();
    Audit(tx, *account, "password.change", "ok",
          *ended > 0 ? "other_sessions_ended:" + std::to_string(*ended) : "", "password", ip);
    Notify(tx, *account, enrollments, "password_changed_self", "", "");
    return Status::Ok();
  });
  if (!written.ok()) return written;
  if (!st.ok()) return st;
  if (d_.on_enqueue) d_.on_enqueue();
  return Status::Ok();
}

}  // namespace latchkey
