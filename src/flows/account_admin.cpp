#include "flows/account_admin.hpp"

#include <limits>

#include "core/mask.hpp"
#include "core/random.hpp"
#include "core/store.hpp"
#include "core/typed_code.hpp"
#include "crypto/hashing.hpp"
#include "crypto/keys.hpp"
#include "crypto/password_hasher.hpp"
#include "delivery/mime.hpp"
#include "methods/registry.hpp"
#include "policy/password_history.hpp"
#include "policy/password_policy.hpp"
#include "text/phone.hpp"
#include "text/unicode.hpp"

namespace latchkey {
namespace {

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void AuditAdmin(Tx& tx, const Clock& clock, std::string_view event, const Account& a,
                std::string_view reason, std::string_view method, std::string_view actor) {
  AuditEvent e;
  e.at = clock.Now();
  e.event = std::string(event);
  e.outcome = "ok";
  e.reason = std::string(reason);
  e.account_id = a.id;
  e.subject = a.username;
  e.method = std::string(method);
  e.actor = std::string(actor);
  (void)tx.audit().Append(e);
}

}  // namespace

AccountAdmin::AccountAdmin(Store& store, const PasswordHasher& hasher, const PasswordPolicy& policy,
                           const PasswordHistory& history, const MethodRegistry& methods,
                           const KeyRing& keys, const Clock& clock, Random& random,
                           std::string default_region, std::string organisation)
    : store_(store),
      hasher_(hasher),
      policy_(policy),
      history_(history),
      methods_(methods),
      keys_(keys),
      clock_(clock),
      random_(random),
      default_region_(std::move(default_region)),
      organisation_(std::move(organisation)) {}

std::vector<Status> AccountAdmin::Validate(const AccountSpec& spec) const {
  std::vector<Status> problems;
  std::string why;
  if (!UsernameKey(spec.username, &why)) {
    problems.push_back(Status::InvalidArgument("invalid_username", why, "username"));
  }
  if (!IsValidUtf8(spec.display_name) || spec.display_name.size() > 256) {
    problems.push_back(Status::InvalidArgument(
        "invalid_display_name", "The display name must be text of at most 256 bytes.", "display_name"));
  }
  if (!spec.email.empty() && !IsPlausibleAddress(spec.email)) {
    problems.push_back(Status::InvalidArgument(
        "invalid_email", "\"" + spec.email + "\" is not an email address.", "email"));
  }
  if (!spec.phone.empty()) {
    Result<PhoneNumber> p = ParsePhone(spec.phone, default_region_);
    if (!p.ok()) problems.push_back(p.status());
  }
  if (spec.password) {
    PersonalInfo person;
    person.username = spec.username;
    person.display_name = spec.display_name;
    person.email = spec.email;
    person.organisation = organisation_;
    const PolicyVerdict v = policy_.Check(*spec.password, person);
    for (const auto& x : v.violations) {
      problems.push_back(Status::PolicyRejected(x.rule, x.message, "password"));
    }
  }
  return problems;
}

Result<Enrollment> AccountAdmin::EmailEnrollment(const std::string& address, AccountId account) const {
  Enrollment e;
  e.id = "m_" + random_.Token(12);
  e.account_id = account;
  e.kind = MethodKind::kEmail;
  e.state = EnrollmentState::kActive;
  e.source = EnrollmentSource::kAdmin;
  e.hint = MaskEmail(address);
  e.secret = SecretString(address);
  e.lookup = keys_.Lookup("email", Lower(address));
  e.created_at = clock_.Now();
  e.confirmed_at = clock_.Now();
  return e;
}

Result<Enrollment> AccountAdmin::PhoneEnrollment(const std::string& phone, AccountId account) const {
  Result<PhoneNumber> p = ParsePhone(phone, default_region_);
  if (!p.ok()) return p.status();
  Enrollment e;
  e.id = "m_" + random_.Token(12);
  e.account_id = account;
  e.kind = MethodKind::kSms;
  e.state = EnrollmentState::kActive;
  e.source = EnrollmentSource::kAdmin;
  e.hint = MaskPhone(p->e164, p->country_code);
  e.secret = SecretString(p->e164);
  e.lookup = keys_.Lookup("phone", p->e164);
  e.created_at = clock_.Now();
  e.confirmed_at = clock_.Now();
  return e;
}

Result<Account> AccountAdmin::Add(const AccountSpec& spec, std::string_view actor) {
  std::vector<Status> problems = Validate(spec);
  if (!problems.empty()) return problems.front();
  std::string hash, salt, digest;
  if (spec.password) {
    Result<std::string> h = hasher_.Hash(*spec.password);
    if (!h.ok()) return h.status();
    hash = *h;
    if (policy_.rules().history != 0) {
      salt = PasswordHistory::NewSalt(random_);
      Result<std::string> d = history_.Digest(*spec.password, salt);
      if (!d.ok()) return d.status();
      digest = *d;
    }
  }
  Account a;
  a.username = spec.username;
  a.username_key = *UsernameKey(spec.username);
  a.display_name = spec.display_name;
  a.status = spec.pending_activation ? AccountStatus::kPendingActivation : AccountStatus::kActive;
  a.password_hash = hash;
  a.history_salt = salt;
  if (!hash.empty()) a.password_changed_at = clock_.Now();
  a.created_at = a.updated_at = clock_.Now();
  Status st = store_.Write([&](Tx& tx) -> Status {
    Result<std::optional<Account>> existing = tx.accounts().FindByUsernameKey(a.username_key);
    if (!existing.ok()) return existing.status();
    if (existing->has_value()) {
      return Status::Conflict("An account named \"" + (*existing)->username + "\" already exists.");
    }
    Result<AccountId> id = tx.accounts().Insert(a);
    if (!id.ok()) return id.status();
    a.id = *id;
    AuditAdmin(tx, clock_, "user.add", a, "", "", actor);
    if (!digest.empty()) {
      const int history = policy_.rules().history;
      LK_RETURN_IF_ERROR(tx.password_history().Append(
          a.id, digest, clock_.Now(), history < 0 ? std::numeric_limits<int>::max() : history));
    }
    if (!spec.email.empty()) {
      Result<Enrollment> e = EmailEnrollment(spec.email, a.id);
      if (!e.ok()) return e.status();
      LK_RETURN_IF_ERROR(tx.enrollments().Insert(*e));
      AuditAdmin(tx, clock_, "method.add", a, "admin", "email", actor);
    }
    if (!spec.phone.empty()) {
      Result<Enrollment> e = PhoneEnrollment(spec.phone, a.id);
      if (!e.ok()) return e.status();
      LK_RETURN_IF_ERROR(tx.enrollments().Insert(*e));
      AuditAdmin(tx, clock_, "method.add", a, "admin", "sms", actor);
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return a;
}

Result<UpsertOutcome> AccountAdmin::Upsert(const AccountSpec& spec, std::string_view actor) {
  std::vector<Status> problems = Validate(spec);
  if (!problems.empty()) return problems.front();
  const std::string key = *UsernameKey(spec.username);
  UpsertOutcome outcome = UpsertOutcome::kUnchanged;
  bool create = false;
  Status st = store_.Write([&](Tx& tx) -> Status {
    Result<std::optional<Account>> existing = tx.accounts().FindByUsernameKey(key);
    if (!existing.ok()) return existing.status();
    if (!existing->has_value()) {
      create = true;
      return Status::Ok();
    }
    Account a = **existing;
    if (!spec.display_name.empty() && spec.display_name != a.display_name) {
      a.display_name = spec.display_name;
      a.updated_at = clock_.Now();
      LK_RETURN_IF_ERROR(tx.accounts().Update(a));
      outcome = UpsertOutcome::kUpdated;
    }
    Result<std::vector<Enrollment>> have = tx.enrollments().ListForAccount(a.id);
    if (!have.ok()) return have.status();
    auto has_lookup = [&](const std::string& lookup) {
      for (const auto& e : *have) {
        if (e.lookup == lookup) return true;
      }
      return false;
    };
    if (!spec.email.empty() && !has_lookup(keys_.Lookup("email", Lower(spec.email)))) {
      Result<Enrollment> e = EmailEnrollment(spec.email, a.id);
      if (!e.ok()) return e.status();
      LK_RETURN_IF_ERROR(tx.enrollments().Insert(*e));
      AuditAdmin(tx, clock_, "method.add", a, "admin", "email", actor);
      outcome = UpsertOutcome::kUpdated;
    }
    if (!spec.phone.empty()) {
      Result<PhoneNumber> p = ParsePhone(spec.phone, default_region_);
      if (!p.ok()) return p.status();
      if (!has_lookup(keys_.Lookup("phone", p->e164))) {
        Result<Enrollment> e = PhoneEnrollment(spec.phone, a.id);
        if (!e.ok()) return e.status();
        LK_RETURN_IF_ERROR(tx.enrollments().Insert(*e));
        AuditAdmin(tx, clock_, "method.add", a, "admin", "sms", actor);
        outcome = UpsertOutcome::kUpdated;
      }
    }
    if (outcome == UpsertOutcome::kUpdated) AuditAdmin(tx, clock_, "user.update", a, "", "", actor);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  if (create) {
    Result<Account> a = Add(spec, actor);
    if (!a.ok()) return a.status();
    return UpsertOutcome::kCreated;
  }
  return outcome;
}

std::string ActivationDigest(const KeyRing& keys, AccountId account, std::string_view canonical_code) {
  return HmacSha256Hex(keys.code_key(), "activation\n" + std::to_string(account) + "\n" +
                                            std::string(canonical_code));
}

Result<IssuedActivation> AccountAdmin::IssueActivation(std::string_view username, Millis lifetime,
                                                       std::string_view actor) {
  const std::optional<std::string> key = UsernameKey(username);
  if (!key) return Status::NotFound("account_not_found", "There is no account named \"" + std::string(username) + "\".");
  IssuedActivation out;
  const std::string code = RandomTypedCode(random_, kActivationCodeLength);
  const TimePoint now = clock_.Now();
  out.expires_at = now + lifetime;
  Status st = store_.Write([&](Tx& tx) -> Status {
    Result<std::optional<Account>> a = tx.accounts().FindByUsernameKey(*key);
    if (!a.ok()) return a.status();
    if (!a->has_value()) {
      return Status::NotFound("account_not_found", "There is no account named \"" + std::string(username) + "\".");
    }
    out.account = **a;
    if (out.account.status != AccountStatus::kPendingActivation) {
      return Status::InvalidArgument("already_active",
                                     "That account is not waiting for activation (it is " +
                                         std::string(ToString(out.account.status)) + ").",
                                     "username");
    }
    LK_RETURN_IF_ERROR(tx.activations().Put(
        Activation{out.account.id, ActivationDigest(keys_, out.account.id, code), now, out.expires_at}));
    Result<std::vector<Enrollment>> e = tx.enrollments().ListForAccount(out.account.id);
    if (!e.ok()) return e.status();
    for (const Enrollment& x : *e) {
      if (x.kind == MethodKind::kEmail && x.state == EnrollmentState::kActive && !x.secret.empty()) {
        out.email = std::string(x.secret.view());
        out.email_hint = x.hint;
        break;
      }
    }
    AuditAdmin(tx, clock_, "user.activation_issued", out.account, "", "", actor);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  out.code = SecretString(GroupedTypedCode(code));
  return out;
}

Result<AccountDetails> AccountAdmin::Details(Account account, std::vector<Enrollment> enrollments) const {
  AccountDetails d;
  d.account = std::move(account);
  for (const auto& e : enrollments) {
    d.methods.push_back({e.id, e.kind, e.state, e.source, e.hint, e.label, e.created_at, e.last_used_at});
    const Method* m = methods_.Find(e.kind);
    d.registered = d.registered || (m != nullptr && m->IsUsable(e));
  }
  return d;
}

Result<AccountDetails> AccountAdmin::Show(std::string_view username) {
  std::string why;
  const std::optional<std::string> key = UsernameKey(username, &why);
  if (!key) return Status::InvalidArgument("invalid_username", why, "username");
  std::optional<Account> account;
  std::vector<Enrollment> enrollments;
  Status st = store_.Read([&](Tx& tx) -> Status {
    Result<std::optional<Account>> a = tx.accounts().FindByUsernameKey(*key);
    if (!a.ok()) return a.status();
    if (!a->has_value()) return Status::NotFound("user_not_found", "There is no account \"" + std::string(username) + "\".");
    account = **a;
    Result<std::vector<Enrollment>> e = tx.enrollments().ListForAccount(account->id);
    if (!e.ok()) return e.status();
    enrollments = std::move(e).value();
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return Details(std::move(*account), std::move(enrollments));
}

Result<std::vector<AccountDetails>> AccountAdmin::List(int limit, int offset) {
  std::vector<AccountDetails> out;
  Status st = store_.Read([&](Tx& tx) -> Status {
    Result<std::vector<Account>> accounts = tx.accounts().List(limit, offset);
    if (!accounts.ok()) return accounts.status();
    for (auto& a : *accounts) {
      Result<std::vector<Enrollment>> e = tx.enrollments().ListForAccount(a.id);
      if (!e.ok()) return e.status();
      Result<AccountDetails> d = Details(std::move(a), std::move(e).value());
      if (!d.ok()) return d.status();
      out.push_back(std::move(d).value());
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

}  // namespace latchkey
