// SOCI implementations of the repository interfaces in core/store.hpp.
// Every method catches the library's exceptions and returns a Status, so none
// crosses into the domain code running the transaction.
#include <soci/soci.h>

#include "core/store.hpp"
#include "crypto/keys.hpp"
#include "store/flow_codec.hpp"
#include "store/sql_internal.hpp"

namespace latchkey {
namespace {

using sql::Dialect;
using sql::NullableInt;

std::optional<TimePoint> OptTime(const NullableInt& n) {
  if (auto v = n.get()) return FromUnixMillis(*v);
  return std::nullopt;
}
NullableInt OfTime(const std::optional<TimePoint>& t) {
  if (t) return NullableInt::Of(ToUnixMillis(*t));
  return NullableInt{};
}
NullableInt OfId(const std::optional<AccountId>& id) {
  if (id) return NullableInt::Of(*id);
  return NullableInt{};
}

template <class F>
auto Guard(Dialect d, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return sql::FromException(e, d);
  }
}

// ---------------------------------------------------------------- accounts

constexpr const char* kAccountColumns =
    "id, username, username_key, display_name, status, password_hash, password_changed_at, "
    "failed_logins, locked_until, created_at, updated_at, version, history_salt, signin_state, "
    "reconfirmed_at";

struct AccountRow {
  long long id = 0;
  std::string username, username_key, display_name, status, password_hash;
  NullableInt password_changed_at;
  int failed_logins = 0;
  NullableInt locked_until;
  long long created_at = 0, updated_at = 0, version = 0;
  std::string history_salt, signin_state;
  NullableInt reconfirmed_at;

  void Bind(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(username));
    st.exchange(soci::into(username_key));
    st.exchange(soci::into(display_name));
    st.exchange(soci::into(status));
    st.exchange(soci::into(password_hash));
    st.exchange(soci::into(password_changed_at.value, password_changed_at.ind));
    st.exchange(soci::into(failed_logins));
    st.exchange(soci::into(locked_until.value, locked_until.ind));
    st.exchange(soci::into(created_at));
    st.exchange(soci::into(updated_at));
    st.exchange(soci::into(version));
    st.exchange(soci::into(history_salt));
    st.exchange(soci::into(signin_state));
    st.exchange(soci::into(reconfirmed_at.value, reconfirmed_at.ind));
  }

  Result<Account> ToAccount() const {
    Account a;
    a.id = id;
    a.username = username;
    a.username_key = username_key;
    a.display_name = display_name;
    const auto s = ParseAccountStatus(status);
    if (!s) return Status::Internal("account " + std::to_string(id) + " has status " + status);
    a.status = *s;
    a.password_hash = password_hash;
    a.password_changed_at = OptTime(password_changed_at);
    a.failed_logins = failed_logins;
    a.locked_until = OptTime(locked_until);
    a.created_at = FromUnixMillis(created_at);
    a.updated_at = FromUnixMillis(updated_at);
    a.version = version;
    a.history_salt = history_salt;
    a.signin_state = signin_state;
    a.reconfirmed_at = OptTime(reconfirmed_at);
    return a;
  }
};

class SqlAccounts final : public AccountRepository {
 public:
  SqlAccounts(soci::session& s, Dialect d) : s_(s), d_(d) {}

  Result<std::optional<Account>> FindByUsernameKey(std::string_view username_key) override {
    const std::string key(username_key);
    return FindWhere("username_key = :k", key);
  }

  Result<std::optional<Account>> FindById(AccountId id) override {
    const long long v = id;
    return Guard(d_, [&]() -> Result<std::optional<Account>> {
      AccountRow row;
      soci::statement st(s_);
      st.alloc();
      st.prepare(std::string("SELECT ") + kAccountColumns + " FROM accounts WHERE id = :id");
      row.Bind(st);
      st.exchange(soci::use(v));
      st.define_and_bind();
      if (!st.execute(true)) return std::optional<Account>();
      Result<Account> a = row.ToAccount();
      if (!a.ok()) return a.status();
      return std::optional<Account>(std::move(a).value());
    });
  }

  Result<AccountId> Insert(const Account& a) override {
    return Guard(d_, [&]() -> Result<AccountId> {
      const std::string status(ToString(a.status));
      NullableInt changed = OfTime(a.password_changed_at);
      NullableInt locked = OfTime(a.locked_until);
      const long long created = ToUnixMillis(a.created_at), updated = ToUnixMillis(a.updated_at);
      long long id = 0;
      s_ << "INSERT INTO accounts (username, username_key, display_name, status, password_hash, "
            "password_changed_at, failed_logins, locked_until, created_at, updated_at, version, "
            "history_salt) VALUES (:u, :k, :d, :s, :h, :pc, :f, :l, :c, :up, 1, :hs) RETURNING id",
          soci::use(a.username), soci::use(a.username_key), soci::use(a.display_name),
          soci::use(status), soci::use(a.password_hash),
          soci::use(changed.value, changed.ind), soci::use(a.failed_logins),
          soci::use(locked.value, locked.ind), soci::use(created), soci::use(updated),
          soci::use(a.history_salt), soci::into(id);
      return static_cast<AccountId>(id);
    });
  }

  Status Update(Account& a) override {
    return Guard(d_, [&]() -> Status {
      const std::string status(ToString(a.status));
      NullableInt changed = OfTime(a.password_changed_at);
      NullableInt locked = OfTime(a.locked_until);
      NullableInt reconfirmed = OfTime(a.reconfirmed_at);
      const long long updated = ToUnixMillis(a.updated_at);
      const long long id = a.id, version = a.version;
      soci::statement st =
          (s_.prepare << "UPDATE accounts SET username = :u, display_name = :d, status = :s, "
                         "password_hash = :h, password_changed_at = :pc, failed_logins = :f, "
                         "locked_until = :l, updated_at = :up, history_salt = :hs, "
                         "signin_state = :ss, reconfirmed_at = :rc, "
                         "version = version + 1 WHERE id = :id AND version = :v",
           soci::use(a.username), soci::use(a.display_name), soci::use(status),
           soci::use(a.password_hash), soci::use(changed.value, changed.ind),
           soci::use(a.failed_logins), soci::use(locked.value, locked.ind), soci::use(updated),
           soci::use(a.history_salt), soci::use(a.signin_state),
           soci::use(reconfirmed.value, reconfirmed.ind), soci::use(id), soci::use(version));
      st.execute(true);
      if (st.get_affected_rows() != 1) {
        return Status::Conflict("the account was changed concurrently; try again");
      }
      ++a.version;
      return Status::Ok();
    });
  }

  Result<std::vector<Account>> List(int limit, int offset) override {
    return Guard(d_, [&]() -> Result<std::vector<Account>> {
      std::vector<Account> out;
      AccountRow row;
      soci::statement st(s_);
      st.alloc();
      st.prepare(std::string("SELECT ") + kAccountColumns +
                 " FROM accounts ORDER BY username_key LIMIT :lim OFFSET :off");
      row.Bind(st);
      st.exchange(soci::use(limit));
      st.exchange(soci::use(offset));
      st.define_and_bind();
      st.execute();
      while (st.fetch()) {
        Result<Account> a = row.ToAccount();
        if (!a.ok()) return a.status();
        out.push_back(std::move(a).value());
      }
      return out;
    });
  }

 private:
  Result<std::optional<Account>> FindWhere(const char* where, const std::string& arg) {
    return Guard(d_, [&]() -> Result<std::optional<Account>> {
      AccountRow row;
      soci::statement st(s_);
      st.alloc();
      st.prepare(std::string("SELECT ") + kAccountColumns + " FROM accounts WHERE " + where);
      row.Bind(st);
      st.exchange(soci::use(arg));
      st.define_and_bind();
      if (!st.execute(true)) return std::optional<Account>();
      Result<Account> a = row.ToAccount();
      if (!a.ok()) return a.status();
      return std::optional<Account>(std::move(a).value());
    });
  }

  soci::session& s_;
  const Dialect d_;
};

// ---------------------------------------------------------------- methods

std::string MethodAad(const std::string& id) { return "method:" + id; }
std::string PendingAad(const std::string& id) { return "method-pending:" + id; }

class SqlEnrollments final : public EnrollmentRepository {
 public:
  SqlEnrollments(soci::session& s, Dialect d, const KeyRing& keys) : s_(s), d_(d), keys_(keys) {}

  Result<std::vector<Enrollment>> ListForAccount(AccountId account_id) override {
    return Guard(d_, [&]() -> Result<std::vector<Enrollment>> {
      std::vector<Enrollment> out;
      const long long aid = account_id;
      std::string id, kind, state, source, label, hint, sealed, lookup, pending;
      long long created = 0;
      NullableInt confirmed, used;
      soci::statement st =
          (s_.prepare << "SELECT id, kind, state, source, label, hint, secret_sealed, lookup, "
                         "created_at, confirmed_at, last_used_at, pending_sealed FROM methods "
                         "WHERE account_id = :a ORDER BY created_at, id",
           soci::into(id), soci::into(kind), soci::into(state), soci::into(source),
           soci::into(label), soci::into(hint), soci::into(sealed), soci::into(lookup),
           soci::into(created), soci::into(confirmed.value, confirmed.ind),
           soci::into(used.value, used.ind), soci::into(pending), soci::use(aid));
      st.execute();
      while (st.fetch()) {
        Enrollment e;
        e.id = id;
        e.account_id = account_id;
        const auto k = ParseMethodKind(kind);
        const auto s = ParseEnrollmentState(state);
        const auto src = ParseEnrollmentSource(source);
        if (!k || !s || !src) return Status::Internal("method " + id + " is malformed");
        e.kind = *k;
        e.state = *s;
        e.source = *src;
        e.label = label;
        e.hint = hint;
        if (!sealed.empty()) {
          Result<SecretString> secret = keys_.vault().Open(sealed, MethodAad(id));
          if (!secret.ok()) return secret.status();
          e.secret = std::move(secret).value();
        }
        if (!pending.empty()) {
          Result<SecretString> p = keys_.vault().Open(pending, PendingAad(id));
          if (!p.ok()) return p.status();
          e.pending = std::move(p).value();
        }
        e.lookup = lookup;
        e.created_at = FromUnixMillis(created);
        e.confirmed_at = OptTime(confirmed);
        e.last_used_at = OptTime(used);
        out.push_back(std::move(e));
      }
      return out;
    });
  }

  Status Insert(const Enrollment& e) override {
    return Guard(d_, [&]() -> Status {
      const long long aid = e.account_id;
      const std::string kind(ToString(e.kind)), state(ToString(e.state)),
          source(ToString(e.source));
      const std::string sealed = e.secret.empty() ? std::string()
                                                  : keys_.vault().Seal(e.secret.view(), MethodAad(e.id));
      const std::string pending = e.pending.empty() ? std::string()
                                                    : keys_.vault().Seal(e.pending.view(), PendingAad(e.id));
      const long long created = ToUnixMillis(e.created_at);
      NullableInt confirmed = OfTime(e.confirmed_at), used = OfTime(e.last_used_at);
      s_ << "INSERT INTO methods (id, account_id, kind, state, source, label, hint, "
            "secret_sealed, lookup, created_at, confirmed_at, last_used_at, pending_sealed) "
            "VALUES (:id, :a, :k, :s, :src, :l, :h, :sec, :lk, :c, :cf, :u, :p)",
          soci::use(e.id), soci::use(aid), soci::use(kind), soci::use(state), soci::use(source),
          soci::use(e.label), soci::use(e.hint), soci::use(sealed), soci::use(e.lookup),
          soci::use(created), soci::use(confirmed.value, confirmed.ind),
          soci::use(used.value, used.ind), soci::use(pending);
      return Status::Ok();
    });
  }

  Status Update(const Enrollment& e) override {
    return Guard(d_, [&]() -> Status {
      const std::string state(ToString(e.state));
      const std::string sealed = e.secret.empty() ? std::string()
                                                  : keys_.vault().Seal(e.secret.view(), MethodAad(e.id));
      const std::string pending = e.pending.empty() ? std::string()
                                                    : keys_.vault().Seal(e.pending.view(), PendingAad(e.id));
      NullableInt confirmed = OfTime(e.confirmed_at), used = OfTime(e.last_used_at);
      soci::statement st =
          (s_.prepare << "UPDATE methods SET state = :s, label = :l, hint = :h, "
                         "secret_sealed = :sec, lookup = :lk, confirmed_at = :cf, "
                         "last_used_at = :u, pending_sealed = :p WHERE id = :id",
           soci::use(state), soci::use(e.label), soci::use(e.hint), soci::use(sealed),
           soci::use(e.lookup), soci::use(confirmed.value, confirmed.ind),
           soci::use(used.value, used.ind), soci::use(pending), soci::use(e.id));
      st.execute(true);
      if (st.get_affected_rows() != 1) return Status::NotFound("method_not_found", "That method no longer exists.");
      return Status::Ok();
    });
  }

  Status Delete(std::string_view enrollment_id) override {
    return Guard(d_, [&]() -> Status {
      const std::string id(enrollment_id);
      s_ << "DELETE FROM methods WHERE id = :id", soci::use(id);
      return Status::Ok();
    });
  }

  Result<bool> ActiveElsewhere(MethodKind kind, std::string_view lookup, AccountId account_id) override {
    return Guard(d_, [&]() -> Result<bool> {
      const std::string k(ToString(kind)), lk(lookup);
      const long long aid = account_id;
      long long n = 0;
      s_ << "SELECT COUNT(*) FROM methods WHERE lookup = :lk AND kind = :k AND state = 'active' "
            "AND account_id <> :a",
          soci::into(n), soci::use(lk), soci::use(k), soci::use(aid);
      return n > 0;
    });
  }

 private:
  soci::session& s_;
  const Dialect d_;
  const KeyRing& keys_;
};

// ---------------------------------------------------------------- flows

class SqlFlows final : public FlowRepository {
 public:
  SqlFlows(soci::session& s, Dialect d) : s_(s), d_(d) {}

  Status Insert(const Flow& f) override {
    return Guard(d_, [&]() -> Status {
      const std::string kind(ToString(f.kind)), state(ToString(f.state));
      NullableInt aid = OfId(f.account_id);
      const std::string data = EncodeFlowData(f);
      const long long created = ToUnixMillis(f.created_at), updated = ToUnixMillis(f.updated_at),
                      expires = ToUnixMillis(f.expires_at);
      s_ << "INSERT INTO flows (id_hash, kind, state, account_id, subject_key, gates_required, "
            "data, failures, ip, created_at, updated_at, expires_at, version) "
            "VALUES (:id, :k, :s, :a, :sk, :g, :d, :f, :ip, :c, :u, :e, 1)",
          soci::use(f.id_hash), soci::use(kind), soci::use(state), soci::use(aid.value, aid.ind),
          soci::use(f.subject_key), soci::use(f.gates_required), soci::use(data),
          soci::use(f.failures), soci::use(f.ip), soci::use(created), soci::use(updated),
          soci::use(expires);
      return Status::Ok();
    });
  }

  Result<std::optional<Flow>> Find(std::string_view id_hash) override {
    return Guard(d_, [&]() -> Result<std::optional<Flow>> {
      const std::string id(id_hash);
      std::string kind, state, subject, data, ip;
      NullableInt aid;
      int gates = 0, failures = 0;
      long long created = 0, updated = 0, expires = 0, version = 0;
      soci::statement st =
          (s_.prepare << "SELECT kind, state, account_id, subject_key, gates_required, data, "
                         "failures, ip, created_at, updated_at, expires_at, version "
                         "FROM flows WHERE id_hash = :id",
           soci::into(kind), soci::into(state), soci::into(aid.value, aid.ind),
           soci::into(subject), soci::into(gates), soci::into(data), soci::into(failures),
           soci::into(ip), soci::into(created), soci::into(updated), soci::into(expires),
           soci::into(version), soci::use(id));
      if (!st.execute(true)) return std::optional<Flow>();
      Flow f;
      f.id_hash = id;
      const auto k = ParseFlowKind(kind);
      const auto s = ParseFlowState(state);
      if (!k || !s) return Status::Internal("flow row is malformed");
      f.kind = *k;
      f.state = *s;
      if (auto v = aid.get()) f.account_id = *v;
      f.subject_key = subject;
      f.gates_required = gates;
      f.failures = failures;
      f.ip = ip;
      f.created_at = FromUnixMillis(created);
      f.updated_at = FromUnixMillis(updated);
      f.expires_at = FromUnixMillis(expires);
      f.version = version;
      LK_RETURN_IF_ERROR(DecodeFlowData(data, f));
      return std::optional<Flow>(std::move(f));
    });
  }

  Status Update(Flow& f) override {
    return Guard(d_, [&]() -> Status {
      const std::string state(ToString(f.state));
      const std::string data = EncodeFlowData(f);
      const long long updated = ToUnixMillis(f.updated_at), version = f.version;
      soci::statement st =
          (s_.prepare << "UPDATE flows SET state = :s, data = :d, failures = :f, "
                         "updated_at = :u, version = version + 1 "
                         "WHERE id_hash = :id AND version = :v",
           soci::use(state), soci::use(data), soci::use(f.failures), soci::use(updated),
           soci::use(f.id_hash), soci::use(version));
      st.execute(true);
      if (st.get_affected_rows() != 1) {
        return Status::Conflict("the flow was changed by another request; reload it");
      }
      ++f.version;
      return Status::Ok();
    });
  }

  Result<int> DeleteExpiredBefore(TimePoint cutoff) override {
    return Guard(d_, [&]() -> Result<int> {
      const long long c = ToUnixMillis(cutoff);
      soci::statement st = (s_.prepare << "DELETE FROM flows WHERE expires_at < :c", soci::use(c));
      st.execute(true);
      return static_cast<int>(st.get_affected_rows());
    });
  }

 private:
  soci::session& s_;
  const Dialect d_;
};

// ---------------------------------------------------------------- outbox

class SqlOutbox final : public OutboxRepository {
 public:
  SqlOutbox(soci::session& s, Dialect d, const KeyRing& keys) : s_(s), d_(d), keys_(keys) {}

  Result<std::int64_t> Enqueue(const OutboundMessage& m, OutboxStatus status, TimePoint now) override {
    return Guard(d_, [&]() -> Result<std::int64_t> {
      const std::string channel(ToString(m.channel)), st(ToString(status));
      const std::string lookup = RecipientLookup(m.to);
      const long long created = ToUnixMillis(now);
      const std::string aad = Aad(lookup, created);
      const std::string recipient = keys_.vault().Seal(m.to, aad + ":to");
      const std::string subject = keys_.vault().Seal(m.subject, aad + ":subject");
      const std::string body = keys_.vault().Seal(SealedBody(m.body, m.code).view(), aad + ":body");
      NullableInt aid = OfId(m.account_id);
      NullableInt expires = OfTime(m.expires_at);
      long long id = 0;
      s_ << "INSERT INTO outbox (channel, template, recipient_sealed, recipient_hint, "
            "recipient_lookup, subject_sealed, body_sealed, status, attempts, next_attempt_at, "
            "account_id, created_at, expires_at) "
            "VALUES (:ch, :t, :r, :rh, :rl, :sub, :b, :st, 0, :n, :a, :c, :e) RETURNING id",
          soci::use(channel), soci::use(m.template_id), soci::use(recipient),
          soci::use(m.to_hint), soci::use(lookup), soci::use(subject), soci::use(body),
          soci::use(st), soci::use(created), soci::use(aid.value, aid.ind), soci::use(created),
          soci::use(expires.value, expires.ind), soci::into(id);
      return static_cast<std::int64_t>(id);
    });
  }

  Result<std::vector<OutboxEntry>> ClaimDue(std::string_view owner, TimePoint now, Millis lease,
                                            int limit) override {
    return Guard(d_, [&]() -> Result<std::vector<OutboxEntry>> {
      const std::string token(owner);
      const long long n = ToUnixMillis(now), until = ToUnixMillis(now + lease);
      const long long n2 = n, n3 = n;
      // The lease condition is repeated outside the subquery: under PostgreSQL's
      // READ COMMITTED, a row claimed concurrently is re-checked against it.
      s_ << "UPDATE outbox SET lease_owner = :o, lease_until = :u WHERE id IN ("
            "SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= :n1 "
            "AND (lease_until IS NULL OR lease_until < :n2) ORDER BY id LIMIT :lim) "
            "AND (lease_until IS NULL OR lease_until < :n3)",
          soci::use(token), soci::use(until), soci::use(n), soci::use(n2), soci::use(limit),
          soci::use(n3);
      return Select("lease_owner = :o AND lease_until = :u AND status = 'queued' ORDER BY id",
                    token, until, limit);
    });
  }

  Status MarkSent(std::int64_t id, TimePoint now) override {
    return Guard(d_, [&]() -> Status {
      const long long i = id, t = ToUnixMillis(now);
      s_ << "UPDATE outbox SET status = 'sent', sent_at = :t, attempts = attempts + 1, "
            "body_sealed = '', lease_owner = NULL, lease_until = NULL, last_error = '' "
            "WHERE id = :id",
          soci::use(t), soci::use(i);
      return Status::Ok();
    });
  }

  Status MarkRetry(std::int64_t id, TimePoint next, std::string_view error) override {
    return Guard(d_, [&]() -> Status {
      const long long i = id, t = ToUnixMillis(next);
      const std::string e(error.substr(0, 500));
      s_ << "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = :t, last_error = :e, "
            "lease_owner = NULL, lease_until = NULL WHERE id = :id",
          soci::use(t), soci::use(e), soci::use(i);
      return Status::Ok();
    });
  }

  Status MarkFinal(std::int64_t id, OutboxStatus status, std::string_view error) override {
    return Guard(d_, [&]() -> Status {
      const long long i = id;
      const std::string st(ToString(status)), e(error.substr(0, 500));
      // A failure was an attempt; an expiry was not.
      const int tried = status == OutboxStatus::kFailed ? 1 : 0;
      s_ << "UPDATE outbox SET status = :s, last_error = :e, body_sealed = '', "
            "attempts = attempts + :n, lease_owner = NULL, lease_until = NULL WHERE id = :id",
          soci::use(st), soci::use(e), soci::use(tried), soci::use(i);
      return Status::Ok();
    });
  }

  Result<std::vector<OutboxEntry>> List(std::optional<std::string_view> to, int limit) override {
    return Guard(d_, [&]() -> Result<std::vector<OutboxEntry>> {
      if (to) {
        const std::string lookup = RecipientLookup(*to);
        return Select("recipient_lookup = :l ORDER BY id DESC", lookup, std::nullopt, limit);
      }
      return Select("1 = 1 ORDER BY id DESC", std::nullopt, std::nullopt, limit);
    });
  }

  Result<std::int64_t> CountByStatus(OutboxStatus status) override {
    return Guard(d_, [&]() -> Result<std::int64_t> {
      const std::string st(ToString(status));
      long long n = 0;
      s_ << "SELECT COUNT(*) FROM outbox WHERE status = :s", soci::use(st), soci::into(n);
      return static_cast<std::int64_t>(n);
    });
  }

 private:
  std::string RecipientLookup(std::string_view to) const {
    // Addresses compare case-insensitively in practice; numbers are E.164 already.
    std::string norm(to);
    for (auto& ch : norm) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return keys_.Lookup("outbox-recipient", norm);
  }
  static std::string Aad(const std::string& lookup, long long created) {
    return "outbox:" + lookup + ":" + std::to_string(created);
  }
  // A message's code (SMS and voice) is sealed in the body column with the text,
  // "\x1e<code>\x1e<text>", so that it is wiped with it; a text never starts with
  // that control character, and rows without a code are the text alone.
  static constexpr char kCodeMark = '\x1e';
  static SecretString SealedBody(const SecretString& body, const SecretString& code) {
    if (code.empty()) return body;
    std::string plain;
    plain.reserve(code.size() + body.size() + 2);
    plain.push_back(kCodeMark);
    plain.append(code.view());
    plain.push_back(kCodeMark);
    plain.append(body.view());
    return SecretString(std::move(plain));
  }
  static void OpenBody(const SecretString& plain, SecretString& body, SecretString& code) {
    const std::string_view v = plain.view();
    const std::size_t end = v.size() > 1 && v[0] == kCodeMark ? v.find(kCodeMark, 1) : v.npos;
    if (end == v.npos) {
      body = plain;
      return;
    }
    code = SecretString(std::string(v.substr(1, end - 1)));
    body = SecretString(std::string(v.substr(end + 1)));
  }

  Result<std::vector<OutboxEntry>> Select(const std::string& where,
                                          std::optional<std::string> text_arg,
                                          std::optional<long long> int_arg, int limit) {
    std::vector<OutboxEntry> out;
    long long id = 0, next = 0, created = 0;
    std::string channel, tmpl, recipient, hint, lookup, subject, body, status, error;
    int attempts = 0;
    NullableInt aid, expires, sent;
    soci::statement st(s_);
    st.alloc();
    st.prepare("SELECT id, channel, template, recipient_sealed, recipient_hint, "
               "recipient_lookup, subject_sealed, body_sealed, status, attempts, "
               "next_attempt_at, last_error, account_id, created_at, expires_at, sent_at "
               "FROM outbox WHERE " +
               where + " LIMIT :lim");
    st.exchange(soci::into(id));
    st.exchange(soci::into(channel));
    st.exchange(soci::into(tmpl));
    st.exchange(soci::into(recipient));
    st.exchange(soci::into(hint));
    st.exchange(soci::into(lookup));
    st.exchange(soci::into(subject));
    st.exchange(soci::into(body));
    st.exchange(soci::into(status));
    st.exchange(soci::into(attempts));
    st.exchange(soci::into(next));
    st.exchange(soci::into(error));
    st.exchange(soci::into(aid.value, aid.ind));
    st.exchange(soci::into(created));
    st.exchange(soci::into(expires.value, expires.ind));
    st.exchange(soci::into(sent.value, sent.ind));
    if (text_arg) st.exchange(soci::use(*text_arg));
    if (int_arg) st.exchange(soci::use(*int_arg));
    st.exchange(soci::use(limit));
    st.define_and_bind();
    st.execute();
    while (st.fetch()) {
      OutboxEntry e;
      e.id = id;
      const auto ch = ParseChannel(channel);
      const auto s = ParseOutboxStatus(status);
      if (!ch || !s) return Status::Internal("outbox row " + std::to_string(id) + " is malformed");
      e.channel = *ch;
      e.template_id = tmpl;
      const std::string aad = Aad(lookup, created);
      Result<SecretString> to = keys_.vault().Open(recipient, aad + ":to");
      if (!to.ok()) return to.status();
      e.to = std::string(to->view());
      e.to_hint = hint;
      if (!subject.empty()) {
        Result<SecretString> sub = keys_.vault().Open(subject, aad + ":subject");
        if (!sub.ok()) return sub.status();
        e.subject = std::string(sub->view());
      }
      if (!body.empty()) {
        Result<SecretString> b = keys_.vault().Open(body, aad + ":body");
        if (!b.ok()) return b.status();
        OpenBody(*b, e.body, e.code);
      }
      e.status = *s;
      e.attempts = attempts;
      e.next_attempt_at = FromUnixMillis(next);
      e.last_error = error;
      if (auto v = aid.get()) e.account_id = *v;
      e.created_at = FromUnixMillis(created);
      e.expires_at = OptTime(expires);
      e.sent_at = OptTime(sent);
      out.push_back(std::move(e));
    }
    return out;
  }

  soci::session& s_;
  const Dialect d_;
  const KeyRing& keys_;
};

// ---------------------------------------------------------------- audit

class SqlAudit final : public AuditRepository {
 public:
  SqlAudit(soci::session& s, Dialect d) : s_(s), d_(d) {}

  Status Append(const AuditEvent& e) override {
    return Guard(d_, [&]() -> Status {
      const long long at = ToUnixMillis(e.at);
      NullableInt aid = OfId(e.account_id);
      s_ << "INSERT INTO audit (at, event, outcome, reason, account_id, subject, flow_ref, "
            "method, ip, actor) VALUES (:at, :ev, :o, :r, :a, :s, :f, :m, :ip, :ac)",
          soci::use(at), soci::use(e.event), soci::use(e.outcome), soci::use(e.reason),
          soci::use(aid.value, aid.ind), soci::use(e.subject), soci::use(e.flow_ref),
          soci::use(e.method), soci::use(e.ip), soci::use(e.actor);
      return Status::Ok();
    });
  }

  Result<std::vector<AuditEvent>> List(std::optional<AccountId> account_id, int limit) override {
    return Guard(d_, [&]() -> Result<std::vector<AuditEvent>> {
      std::vector<AuditEvent> out;
      long long id = 0, at = 0;
      std::string event, outcome, reason, subject, flow, method, ip, actor;
      NullableInt aid;
      const long long filter = account_id.value_or(0);
      soci::statement st(s_);
      st.alloc();
      st.prepare(std::string("SELECT id, at, event, outcome, reason, account_id, subject, "
                             "flow_ref, method, ip, actor FROM audit ") +
                 (account_id ? "WHERE account_id = :a " : "") + "ORDER BY id DESC LIMIT :lim");
      st.exchange(soci::into(id));
      st.exchange(soci::into(at));
      st.exchange(soci::into(event));
      st.exchange(soci::into(outcome));
      st.exchange(soci::into(reason));
      st.exchange(soci::into(aid.value, aid.ind));
      st.exchange(soci::into(subject));
      st.exchange(soci::into(flow));
      st.exchange(soci::into(method));
      st.exchange(soci::into(ip));
      st.exchange(soci::into(actor));
      if (account_id) st.exchange(soci::use(filter));
      st.exchange(soci::use(limit));
      st.define_and_bind();
      st.execute();
      while (st.fetch()) {
        AuditEvent e;
        e.id = id;
        e.at = FromUnixMillis(at);
        e.event = event;
        e.outcome = outcome;
        e.reason = reason;
        if (auto v = aid.get()) e.account_id = *v;
        e.subject = subject;
        e.flow_ref = flow;
        e.method = method;
        e.ip = ip;
        e.actor = actor;
        out.push_back(std::move(e));
      }
      return out;
    });
  }

 private:
  soci::session& s_;
  const Dialect d_;
};

// ---------------------------------------------------------------- password history

class SqlPasswordHistory final : public PasswordHistoryRepository {
 public:
  SqlPasswordHistory(soci::session& s, Dialect d) : s_(s), d_(d) {}

  Result<std::vector<std::string>> Recent(AccountId account_id, int limit) override {
    return Guard(d_, [&]() -> Result<std::vector<std::string>> {
      std::vector<std::string> out;
      if (limit <= 0) return out;
      const long long aid = account_id;
      std::string digest;
      soci::statement st = (s_.prepare << "SELECT digest FROM password_history WHERE account_id = :a "
                                          "ORDER BY id DESC LIMIT :l",
                            soci::into(digest), soci::use(aid), soci::use(limit));
      st.execute();
      while (st.fetch()) out.push_back(digest);
      return out;
    });
  }

  Status Append(AccountId account_id, std::string_view digest, TimePoint at, int keep) override {
    return Guard(d_, [&]() -> Status {
      const long long aid = account_id, t = ToUnixMillis(at);
      const std::string d(digest);
      s_ << "INSERT INTO password_history (account_id, digest, created_at) VALUES (:a, :d, :t)",
          soci::use(aid), soci::use(d), soci::use(t);
      const long long aid2 = account_id;
      const int k = keep < 0 ? 0 : keep;
      // Keep the newest `keep`: older digests serve no rule and only widen a leak.
      s_ << "DELETE FROM password_history WHERE account_id = :a AND id NOT IN ("
            "SELECT id FROM password_history WHERE account_id = :a2 ORDER BY id DESC LIMIT :k)",
          soci::use(aid), soci::use(aid2), soci::use(k);
      return Status::Ok();
    });
  }

 private:
  soci::session& s_;
  const Dialect d_;
};

// ---------------------------------------------------------------- sessions

class SqlSessions final : public SessionRepository {
 public:
  SqlSessions(soci::session& s, Dialect d) : s_(s), d_(d) {}

  Status Insert(const Session& x) override {
    return Guard(d_, [&]() -> Status {
      const long long aid = x.account_id, c = ToUnixMillis(x.created_at), l = ToUnixMillis(x.last_seen_at),
                      e = ToUnixMillis(x.expires_at), au = ToUnixMillis(x.authenticated_at);
      const std::string state(ToString(x.state)), data = EncodeSessionData(x);
      s_ << "INSERT INTO sessions (id_hash, account_id, state, data, failures, ip, created_at, "
            "last_seen_at, expires_at, authenticated_at, version) "
            "VALUES (:id, :a, :s, :d, :f, :ip, :c, :l, :e, :au, 1)",
          soci::use(x.id_hash), soci::use(aid), soci::use(state), soci::use(data), soci::use(x.failures),
          soci::use(x.ip), soci::use(c), soci::use(l), soci::use(e), soci::use(au);
      return Status::Ok();
    });
  }

  Result<std::optional<Session>> Find(std::string_view id_hash) override {
    return Guard(d_, [&]() -> Result<std::optional<Session>> {
      const std::string id(id_hash);
      long long aid = 0, c = 0, l = 0, e = 0, au = 0, version = 0;
      std::string state, data, ip;
      int failures = 0;
      soci::statement st =
          (s_.prepare << "SELECT account_id, state, data, failures, ip, created_at, last_seen_at, "
                         "expires_at, authenticated_at, version FROM sessions WHERE id_hash = :id",
           soci::into(aid), soci::into(state), soci::into(data), soci::into(failures), soci::into(ip),
           soci::into(c), soci::into(l), soci::into(e), soci::into(au), soci::into(version), soci::use(id));
      if (!st.execute(true)) return std::optional<Session>();
      Session x;
      x.id_hash = id;
      x.account_id = aid;
      const auto s = ParseSessionState(state);
      if (!s) return Status::Internal("session row is malformed");
      x.state = *s;
      x.failures = failures;
      x.ip = ip;
      x.created_at = FromUnixMillis(c);
      x.last_seen_at = FromUnixMillis(l);
      x.expires_at = FromUnixMillis(e);
      x.authenticated_at = FromUnixMillis(au);
      x.version = version;
      LK_RETURN_IF_ERROR(DecodeSessionData(data, x));
      return std::optional<Session>(std::move(x));
    });
  }

  Status Update(Session& x) override {
    return Guard(d_, [&]() -> Status {
      const long long l = ToUnixMillis(x.last_seen_at), e = ToUnixMillis(x.expires_at),
                      au = ToUnixMillis(x.authenticated_at), version = x.version;
      const std::string state(ToString(x.state)), data = EncodeSessionData(x);
      soci::statement st =
          (s_.prepare << "UPDATE sessions SET state = :s, data = :d, failures = :f, last_seen_at = :l, "
                         "expires_at = :e, authenticated_at = :au, version = version + 1 "
                         "WHERE id_hash = :id AND version = :v",
           soci::use(state), soci::use(data), soci::use(x.failures), soci::use(l), soci::use(e),
           soci::use(au), soci::use(x.id_hash), soci::use(version));
      st.execute(true);
      if (st.get_affected_rows() != 1) {
        return Status::Conflict("the session was changed or ended by another request");
      }
      ++x.version;
      return Status::Ok();
    });
  }

  Status Delete(std::string_view id_hash) override {
    return Guard(d_, [&]() -> Status {
      const std::string id(id_hash);
      s_ << "DELETE FROM sessions WHERE id_hash = :id", soci::use(id);
      return Status::Ok();
    });
  }

  Result<int> DeleteForAccount(AccountId account_id, std::string_view keep_id_hash) override {
    return Guard(d_, [&]() -> Result<int> {
      const long long aid = account_id;
      const std::string keep(keep_id_hash);
      soci::statement st = (s_.prepare << "DELETE FROM sessions WHERE account_id = :a AND id_hash <> :k",
                            soci::use(aid), soci::use(keep));
      st.execute(true);
      return static_cast<int>(st.get_affected_rows());
    });
  }

  Result<int> DeleteExpiredBefore(TimePoint cutoff) override {
    return Guard(d_, [&]() -> Result<int> {
      const long long c = ToUnixMillis(cutoff);
      soci::statement st = (s_.prepare << "DELETE FROM sessions WHERE expires_at < :c", soci::use(c));
      st.execute(true);
      return static_cast<int>(st.get_affected_rows());
    });
  }

 private:
  soci::session& s_;
  const Dialect d_;
};

// ---------------------------------------------------------------- throttles

class SqlThrottles final : public ThrottleRepository {
 public:
  SqlThrottles(soci::session& s, Dialect d) : s_(s), d_(d) {}

  Result<ThrottleState> Get(std::string_view subject, std::string_view name) override {
    return Guard(d_, [&]() -> Result<ThrottleState> {
      const std::string sub(subject), n(name);
      int count = 0;
      long long start = 0;
      NullableInt blocked;
      soci::statement st = (s_.prepare << "SELECT count, window_start, blocked_until FROM throttles "
                                          "WHERE subject = :s AND name = :n",
                            soci::into(count), soci::into(start), soci::into(blocked.value, blocked.ind),
                            soci::use(sub), soci::use(n));
      ThrottleState out;
      if (!st.execute(true)) return out;
      out.count = count;
      out.window_start = FromUnixMillis(start);
      out.blocked_until = OptTime(blocked);
      return out;
    });
  }

  Status Put(std::string_view subject, std::string_view name, const ThrottleState& state,
             TimePoint now) override {
    return Guard(d_, [&]() -> Status {
      const std::string sub(subject), n(name);
      const long long start = ToUnixMillis(state.window_start), updated = ToUnixMillis(now);
      NullableInt blocked = OfTime(state.blocked_until);
      // ON CONFLICT ... DO UPDATE: SQLite 3.24+ and PostgreSQL 9.5+ alike.
      s_ << "INSERT INTO throttles (subject, name, count, window_start, blocked_until, updated_at) "
            "VALUES (:s, :n, :c, :w, :b, :u) ON CONFLICT (subject, name) DO UPDATE SET "
            "count = excluded.count, window_start = excluded.window_start, "
            "blocked_until = excluded.blocked_until, updated_at = excluded.updated_at",
          soci::use(sub), soci::use(n), soci::use(state.count), soci::use(start),
          soci::use(blocked.value, blocked.ind), soci::use(updated);
      return Status::Ok();
    });
  }

  Status Clear(std::string_view subject) override {
    return Guard(d_, [&]() -> Status {
      const std::string sub(subject);
      s_ << "DELETE FROM throttles WHERE subject = :s", soci::use(sub);
      return Status::Ok();
    });
  }

  Result<int> DeleteStaleBefore(TimePoint cutoff) override {
    return Guard(d_, [&]() -> Result<int> {
      const long long c = ToUnixMillis(cutoff);
      soci::statement st = (s_.prepare << "DELETE FROM throttles WHERE updated_at < :c AND "
                                          "(blocked_until IS NULL OR blocked_until < :c2)",
                            soci::use(c), soci::use(c));
      st.execute(true);
      return static_cast<int>(st.get_affected_rows());
    });
  }

 private:
  soci::session& s_;
  const Dialect d_;
};

// ---------------------------------------------------------------- activations

class SqlActivations final : public ActivationRepository {
 public:
  SqlActivations(soci::session& s, Dialect d) : s_(s), d_(d) {}

  Status Put(const Activation& a) override {
    return Guard(d_, [&]() -> Status {
      const long long aid = a.account_id, c = ToUnixMillis(a.created_at), e = ToUnixMillis(a.expires_at);
      s_ << "INSERT INTO activations (account_id, digest, created_at, expires_at) "
            "VALUES (:a, :d, :c, :e) ON CONFLICT (account_id) DO UPDATE SET "
            "digest = excluded.digest, created_at = excluded.created_at, expires_at = excluded.expires_at",
          soci::use(aid), soci::use(a.digest), soci::use(c), soci::use(e);
      return Status::Ok();
    });
  }

  Result<std::optional<Activation>> Find(AccountId account_id) override {
    return Guard(d_, [&]() -> Result<std::optional<Activation>> {
      const long long aid = account_id;
      std::string digest;
      long long c = 0, e = 0;
      soci::statement st = (s_.prepare << "SELECT digest, created_at, expires_at FROM activations "
                                          "WHERE account_id = :a",
                            soci::into(digest), soci::into(c), soci::into(e), soci::use(aid));
      if (!st.execute(true)) return std::optional<Activation>();
      return std::optional<Activation>(Activation{account_id, digest, FromUnixMillis(c), FromUnixMillis(e)});
    });
  }

  Status Delete(AccountId account_id) override {
    return Guard(d_, [&]() -> Status {
      const long long aid = account_id;
      s_ << "DELETE FROM activations WHERE account_id = :a", soci::use(aid);
      return Status::Ok();
    });
  }

 private:
  soci::session& s_;
  const Dialect d_;
};

class SqlTx final : public Tx {
 public:
  SqlTx(soci::session& s, Dialect d, const KeyRing& keys)
      : accounts_(s, d),
        enrollments_(s, d, keys),
        flows_(s, d),
        outbox_(s, d, keys),
        audit_(s, d),
        history_(s, d),
        sessions_(s, d),
        throttles_(s, d),
        activations_(s, d) {}
  AccountRepository& accounts() override { return accounts_; }
  EnrollmentRepository& enrollments() override { return enrollments_; }
  FlowRepository& flows() override { return flows_; }
  OutboxRepository& outbox() override { return outbox_; }
  AuditRepository& audit() override { return audit_; }
  PasswordHistoryRepository& password_history() override { return history_; }
  SessionRepository& sessions() override { return sessions_; }
  ThrottleRepository& throttles() override { return throttles_; }
  ActivationRepository& activations() override { return activations_; }

 private:
  SqlAccounts accounts_;
  SqlEnrollments enrollments_;
  SqlFlows flows_;
  SqlOutbox outbox_;
  SqlAudit audit_;
  SqlPasswordHistory history_;
  SqlSessions sessions_;
  SqlThrottles throttles_;
  SqlActivations activations_;
};

}  // namespace

std::unique_ptr<Tx> MakeSqlTx(soci::session& sql, sql::Dialect dialect, const KeyRing& keys) {
  return std::make_unique<SqlTx>(sql, dialect, keys);
}

}  // namespace latchkey
