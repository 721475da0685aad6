#include "flows/signin_service.hpp"

#include "core/log.hpp"
#include "core/store.hpp"
#include "crypto/hashing.hpp"
#include "crypto/keys.hpp"
#include "crypto/password_hasher.hpp"
#include "directory/directory.hpp"
#include "flows/code_senders.hpp"
#include "methods/registry.hpp"
#include "text/unicode.hpp"

namespace latchkey {
namespace {

constexpr std::size_t kTokenBytes = 32;  // 256 bits (ASVS V7.2.3: at least 128)
constexpr std::size_t kOptionIdBytes = 9;

Status InvalidCredentials() {
  return Status::Error(Errc::kUnauthenticated, "invalid_credentials",
                       "The username or password is not right.");
}

Status SessionGone() {
  return Status::Error(Errc::kUnauthenticated, "not_signed_in", "Please sign in.");
}

Status Locked(TimePoint until, TimePoint now) {
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(until - now) + std::chrono::seconds(1);
  return Status::Error(Errc::kRateLimited, "account_locked",
                       "Your account is temporarily locked to prevent unauthorised use. Try again "
                       "later, or reset your password.")
      .WithRetryAfter(secs);
}

bool IsStrong(MethodKind k) { return k == MethodKind::kTotp || k == MethodKind::kWebauthn; }

}  // namespace

std::string SessionIdHash(std::string_view token) { return Sha256Hex(token); }

SignInService::SignInService(SignInDeps deps, SignInSettings settings)
    : d_(deps), settings_(std::move(settings)), lockout_(settings_.lockout) {}

bool SignInService::IsFresh(const Session& s) const {
  return d_.clock.Now() - s.authenticated_at <= settings_.fresh;
}

void SignInService::Audit(Tx& tx, std::optional<AccountId> account, const std::string& subject,
                          std::string_view event, std::string_view outcome, std::string_view reason,
                          std::string_view method, std::string_view ip) {
  AuditEvent e;
  e.at = d_.clock.Now();
  e.event = std::string(event);
  e.outcome = std::string(outcome);
  e.reason = std::string(reason);
  e.account_id = account;
  e.subject = subject;
  e.method = std::string(method);
  e.ip = std::string(ip);
  e.actor = "self";
  if (Status st = tx.audit().Append(e); !st.ok()) {
    log::Error("audit.append_failed", {{"event", e.event}, {"error", st.ToString()}});
  }
}

Status SignInService::CheckPassword(const Account* account, const SecretString& password) {
  if (account != nullptr && account->status != AccountStatus::kDisabled &&
      account->status != AccountStatus::kPendingActivation) {
    return d_.directory.VerifyPassword(*account, password);
  }
  // The same Argon2id work as for a real account, so that the answer's timing does
  // not tell an unknown username from a wrong password.
  std::call_once(decoy_once_, [this] {
    Result<std::string> h = d_.hasher.Hash(SecretString(d_.random.Token(16)));
    if (h.ok()) decoy_hash_ = *h;
  });
  (void)d_.hasher.Verify(decoy_hash_, password);
  return InvalidCredentials();
}

std::vector<GateOption> SignInService::SecondFactorOptions(
    const std::vector<Enrollment>& enrollments) const {
  std::vector<GateOption> strong, fallback;
  for (const Enrollment& e : enrollments) {
    const Method* m = d_.methods.Find(e.kind);
    if (m == nullptr || !m->IsUsable(e)) continue;
    GateOption o{d_.random.Token(kOptionIdBytes), e.kind, e.hint, e.id};
    if (IsStrong(e.kind)) strong.push_back(o);
    else if (e.kind == MethodKind::kRecoveryCode) fallback.push_back(o);
  }
  if (strong.empty()) return {};  // no strong method: the password is enough
  for (auto& o : fallback) strong.push_back(std::move(o));
  return strong;
}

Result<SessionView> SignInService::SignIn(std::string_view username, const SecretString& password,
                                          std::string_view ip) {
  std::string why;
  const std::optional<std::string> key = UsernameKey(username, &why);
  if (!key) return Status::InvalidArgument("invalid_username", why, "username");
  LK_RETURN_IF_ERROR(d_.limiter.Take("signin_ip", ip, settings_.signin_per_ip));

  std::optional<Account> account;
  std::vector<Enrollment> enrollments;
  Status st = d_.store.Read([&](Tx& tx) -> Status {
    Result<std::optional<Account>> a = tx.accounts().FindByUsernameKey(*key);
    if (!a.ok()) return a.status();
    account = std::move(*a);
    Result<std::vector<Enrollment>> e = tx.enrollments().ListForAccount(account ? account->id : -1);
    if (!e.ok()) return e.status();
    enrollments = std::move(e).value();
    return Status::Ok();
  });
  if (!st.ok()) return st;

  const TimePoint now = d_.clock.Now();
  const std::string network = NetworkOf(std::string(ip));
  const bool trusted = InAny(settings_.trusted, ip);
  LockoutState lock_state;
  if (account) {
    lock_state = LockoutState::Decode(account->signin_state);
  } else {
    std::lock_guard<std::mutex> lock(phantom_mu_);
    if (auto it = phantom_.find(*key); it != phantom_.end()) lock_state = it->second;
  }
  const bool familiar = trusted || SmartLockout::IsKnownNetwork(lock_state, network);
  const std::string subject = account ? account->username : "?" + d_.keys.Lookup("username", *key).substr(0, 16);
  if (auto until = lockout_.LockedUntil(lock_state, familiar, now)) {
    (void)d_.store.Write([&](Tx& tx) {
      Audit(tx, account ? std::optional<AccountId>(account->id) : std::nullopt, subject,
            "signin", "locked", familiar ? "familiar_network" : "unfamiliar_network", "", ip);
      return Status::Ok();
    });
    return Locked(*until, now);
  }

  const Status checked = CheckPassword(account ? &*account : nullptr, password);
  if (!checked.ok() && checked.code() != Errc::kVerifyFailed && checked.code() != Errc::kUnauthenticated) {
    return checked;  // the directory is unreachable: nothing counted
  }
  if (!checked.ok()) {
    const std::string tag = d_.keys.Lookup("wrong-password", password.view()).substr(0, 8);
    const bool counted = lockout_.RecordFailure(lock_state, familiar, tag, now);
    std::string reason = !account ? "unknown_user"
                         : account->status == AccountStatus::kDisabled ? "disabled"
                         : account->status == AccountStatus::kPendingActivation ? "pending_activation"
                                                                                : "wrong_password";
    if (!account) {
      std::lock_guard<std::mutex> lock(phantom_mu_);
      if (phantom_.size() >= settings_.max_phantom_entries) phantom_.erase(phantom_.begin());
      phantom_[*key] = lock_state;
    }
    st = d_.store.Write([&](Tx& tx) -> Status {
      if (account && counted) {
        Result<std::optional<Account>> fresh = tx.accounts().FindById(account->id);
        if (!fresh.ok()) return fresh.status();
        if (fresh->has_value()) {
          Account a = **fresh;
          a.signin_state = lock_state.Encode();
          a.failed_logins = lock_state.classes[0].failures + lock_state.classes[1].failures;
          a.updated_at = now;
          LK_RETURN_IF_ERROR(tx.accounts().Update(a));
        }
      }
      Audit(tx, account ? std::optional<AccountId>(account->id) : std::nullopt, subject, "signin",
            "failed", counted ? reason : reason + "_repeated", "", ip);
      return Status::Ok();
    });
    if (!st.ok()) log::Warn("signin.record_failed", {{"error", st.ToString()}});
    return InvalidCredentials();
  }

  // The password is right.
  lockout_.RecordSuccess(lock_state, familiar, network);
  Session s;
  const std::string token = d_.random.Token(kTokenBytes);
  s.id_hash = SessionIdHash(token);
  s.account_id = account->id;
  s.ip = std::string(ip);
  s.created_at = s.last_seen_at = s.authenticated_at = now;
  s.options = trusted ? std::vector<GateOption>{} : SecondFactorOptions(enrollments);
  if (s.options.empty()) {
    s.state = SessionState::kActive;
    s.expires_at = now + settings_.absolute;
  } else {
    s.state = SessionState::kSecondFactorRequired;
    s.expires_at = now + settings_.second_factor_window;
  }
  st = d_.store.Write([&](Tx& tx) -> Status {
    Result<std::optional<Account>> fresh = tx.accounts().FindById(account->id);
    if (!fresh.ok()) return fresh.status();
    if (fresh->has_value()) {
      Account a = **fresh;
      a.signin_state = lock_state.Encode();
      a.failed_logins = 0;
      a.updated_at = now;
      LK_RETURN_IF_ERROR(tx.accounts().Update(a));
      *account = a;
    }
    LK_RETURN_IF_ERROR(tx.sessions().Insert(s));
    Audit(tx, account->id, account->username, "signin",
          s.state == SessionState::kActive ? "ok" : "second_factor_required",
          trusted ? "trusted_network" : "", "password", ip);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  log::Info("signin", {{"session", std::string(s.ref())}, {"state", std::string(ToString(s.state))}});
  return SessionView{token, std::move(s), std::move(*account), ""};
}

Result<SessionView> SignInService::LoadActiveOrPending(std::string_view token) {
  if (token.size() < 20 || token.size() > 128) return SessionGone();
  SessionView v;
  Status st = d_.store.Read([&](Tx& tx) -> Status {
    Result<std::optional<Session>> s = tx.sessions().Find(SessionIdHash(token));
    if (!s.ok()) return s.status();
    if (!s->has_value()) return SessionGone();
    v.session = std::move(**s);
    Result<std::optional<Account>> a = tx.accounts().FindById(v.session.account_id);
    if (!a.ok()) return a.status();
    if (!a->has_value()) return SessionGone();
    v.account = std::move(**a);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  const TimePoint now = d_.clock.Now();
  const bool expired = now >= v.session.expires_at ||
                       (v.session.state == SessionState::kActive &&
                        now - v.session.last_seen_at >= settings_.idle);
  const bool unusable = v.account.status == AccountStatus::kDisabled;
  if (expired || unusable) {
    const std::string hash = v.session.id_hash;
    (void)d_.store.Write([&](Tx& tx) { return tx.sessions().Delete(hash); });
    return SessionGone();
  }
  return v;
}

Result<SessionView> SignInService::Resolve(std::string_view token, std::string_view ip) {
  (void)ip;
  Result<SessionView> v = LoadActiveOrPending(token);
  if (!v.ok()) return v;
  const TimePoint now = d_.clock.Now();
  // Touch the session at most once a minute: the idle timeout does not need more,
  // and a write per request would cost the store's single writer.
  if (now - v->session.last_seen_at >= std::chrono::minutes(1)) {
    Session touched = v->session;
    touched.last_seen_at = now;
    Status st = d_.store.Write([&](Tx& tx) { return tx.sessions().Update(touched); });
    if (st.ok()) v->session = std::move(touched);
  }
  return v;
}

Result<SessionView> SignInService::ChallengeSecondFactor(std::string_view token,
                                                         std::string_view option_id,
                                                         std::string_view ip) {
  Result<SessionView> v = LoadActiveOrPending(token);
  if (!v.ok()) return v;
  Session& s = v->session;
  if (s.state != SessionState::kSecondFactorRequired) {
    return Status::OutOfOrder("You are already signed in.");
  }
  const GateOption* opt = s.FindOption(option_id);
  if (opt == nullptr) {
    return Status::InvalidArgument("unknown_method", "Choose one of the offered methods.", "method");
  }
  Method* m = d_.methods.Find(opt->kind);
  if (m == nullptr) return Status::Internal("no method registered for a second-factor option");
  std::vector<Enrollment> enrollments;
  Status st = d_.store.Read([&](Tx& tx) -> Status {
    Result<std::vector<Enrollment>> e = tx.enrollments().ListForAccount(s.account_id);
    if (!e.ok()) return e.status();
    enrollments = std::move(e).value();
    return Status::Ok();
  });
  if (!st.ok()) return st;
  const Enrollment* e = nullptr;
  for (const auto& x : enrollments) {
    if (x.id == opt->enrollment_id) e = &x;
  }
  if (e == nullptr || !m->IsUsable(*e)) {
    return Status::InvalidArgument("method_unavailable",
                                   "That method is no longer available. Choose another one.", "method");
  }
  const CodeMessageSettings no_messages{};
  PhantomCodeSender no_send(d_.limiter, d_.keys, no_messages, s.id_hash);  // strong methods send nothing
  std::string blob = s.method_state[opt->id];
  std::string response;
  GateContext ctx{d_.clock, d_.random, d_.keys, s.id_hash, opt->id, no_send, blob, &response};
  LK_RETURN_IF_ERROR(m->Begin(ctx, e));
  s.method_state[opt->id] = blob;
  st = d_.store.Write([&](Tx& tx) { return tx.sessions().Update(s); });
  if (!st.ok()) return st;
  (void)ip;
  v->challenge = response;
  return v;
}

Result<SessionView> SignInService::VerifySecondFactor(std::string_view token,
                                                      std::string_view option_id,
                                                      const Answer& answer, std::string_view ip) {
  LK_RETURN_IF_ERROR(d_.limiter.Take("signin_ip", ip, settings_.signin_per_ip));
  Result<SessionView> v = LoadActiveOrPending(token);
  if (!v.ok()) return v;
  Session& s = v->session;
  if (s.state != SessionState::kSecondFactorRequired) {
    return Status::OutOfOrder("You are already signed in.");
  }
  const GateOption* opt = s.FindOption(option_id);
  if (opt == nullptr) {
    return Status::InvalidArgument("unknown_method", "Choose one of the offered methods.", "method");
  }
  Method* m = d_.methods.Find(opt->kind);
  if (m == nullptr) return Status::Internal("no method registered for a second-factor option");
  std::optional<Enrollment> e;
  Status st = d_.store.Read([&](Tx& tx) -> Status {
    Result<std::vector<Enrollment>> list = tx.enrollments().ListForAccount(s.account_id);
    if (!list.ok()) return list.status();
    for (auto& x : *list) {
      if (x.id == opt->enrollment_id) e = std::move(x);
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  if (!e || !m->IsUsable(*e)) {
    return Status::InvalidArgument("method_unavailable",
                                   "That method is no longer available. Choose another one.", "method");
  }
  const CodeMessageSettings no_messages{};
  PhantomCodeSender no_send(d_.limiter, d_.keys, no_messages, s.id_hash);
  std::string blob = s.method_state[opt->id];
  GateContext ctx{d_.clock, d_.random, d_.keys, s.id_hash, opt->id, no_send, blob, nullptr};
  const std::string kind(ToString(opt->kind));
  const Status checked = m->Verify(ctx, &*e, answer);
  const TimePoint now = d_.clock.Now();
  s.method_state[opt->id] = blob;
  Status outcome;
  bool end_session = false;
  if (checked.ok()) {
    s.state = SessionState::kActive;
    s.second_factor = kind;
    s.authenticated_at = s.last_seen_at = now;
    s.expires_at = s.created_at + settings_.absolute;
    s.failures = 0;
    e->last_used_at = now;
  } else if (checked.code() == Errc::kVerifyFailed) {
    ++s.failures;
    end_session = s.failures >= settings_.max_second_factor_failures;
    outcome = end_session ? Status::Error(Errc::kUnauthenticated, "too_many_attempts",
                                          "Too many wrong answers. Please sign in again.")
                          : checked;
  } else {
    outcome = checked;
  }
  st = d_.store.Write([&](Tx& tx) -> Status {
    if (end_session) {
      LK_RETURN_IF_ERROR(tx.sessions().Delete(s.id_hash));
    } else {
      LK_RETURN_IF_ERROR(tx.sessions().Update(s));
    }
    if (checked.ok()) LK_RETURN_IF_ERROR(tx.enrollments().Update(*e));
    Audit(tx, s.account_id, v->account.username, "signin.second_factor",
          checked.ok() ? "ok" : (end_session ? "blocked" : "failed"),
          checked.ok() ? "" : checked.reason(), kind, ip);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  if (!outcome.ok()) return outcome;
  return v;
}

Result<SessionView> SignInService::Reauthenticate(std::string_view token,
                                                  const SecretString& password,
                                                  std::string_view ip) {
  LK_RETURN_IF_ERROR(d_.limiter.Take("signin_ip", ip, settings_.signin_per_ip));
  Result<SessionView> v = LoadActiveOrPending(token);
  if (!v.ok()) return v;
  if (v->session.state != SessionState::kActive) return Status::OutOfOrder("Finish signing in first.");
  const Status checked = d_.directory.VerifyPassword(v->account, password);
  const TimePoint now = d_.clock.Now();
  if (!checked.ok()) {
    if (checked.code() != Errc::kVerifyFailed) return checked;
    Status st = d_.store.Write([&](Tx& tx) {
      Audit(tx, v->account.id, v->account.username, "session.reauth", "failed", "wrong_password",
            "password", ip);
      return Status::Ok();
    });
    (void)st;
    return InvalidCredentials();
  }
  v->session.authenticated_at = v->session.last_seen_at = now;
  Status st = d_.store.Write([&](Tx& tx) -> Status {
    LK_RETURN_IF_ERROR(tx.sessions().Update(v->session));
    Audit(tx, v->account.id, v->account.username, "session.reauth", "ok", "", "password", ip);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return v;
}

Status SignInService::SignOut(std::string_view token, std::string_view ip) {
  if (token.size() < 20 || token.size() > 128) return Status::Ok();
  const std::string hash = SessionIdHash(token);
  return d_.store.Write([&](Tx& tx) -> Status {
    Result<std::optional<Session>> s = tx.sessions().Find(hash);
    if (!s.ok()) return s.status();
    if (!s->has_value()) return Status::Ok();  // already gone: signing out twice is fine
    LK_RETURN_IF_ERROR(tx.sessions().Delete(hash));
    Audit(tx, (*s)->account_id, "", "session.end", "ok", "sign_out", "", ip);
    return Status::Ok();
  });
}

Result<int> SignInService::RevokeOthers(Tx& tx, AccountId account, std::string_view keep_id_hash) {
  return tx.sessions().DeleteForAccount(account, keep_id_hash);
}

}  // namespace latchkey
