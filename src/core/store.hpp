// The store: narrow repository interfaces, one per aggregate, used inside a
// transaction. The SQL implementation (src/store/) is the only code that speaks SQL.
//
// Thread safety: a Store may be used from any number of threads; a Tx belongs to
// the thread running the transaction function and must not escape it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/account.hpp"
#include "core/audit.hpp"
#include "core/clock.hpp"
#include "core/enrollment.hpp"
#include "core/flow.hpp"
#include "core/message.hpp"
#include "core/session.hpp"
#include "core/status.hpp"
#include "core/throttle.hpp"

namespace latchkey {

class AccountRepository {
 public:
  virtual ~AccountRepository() = default;
  // Empty optional when no account has that normalised username.
  virtual Result<std::optional<Account>> FindByUsernameKey(std::string_view username_key) = 0;
  virtual Result<std::optional<Account>> FindById(AccountId id) = 0;
  // Returns the new id. kConflict when the username is taken.
  virtual Result<AccountId> Insert(const Account& account) = 0;
  // Writes every field by id when the stored version equals account.version, then
  // increments account.version. kConflict when someone else changed it first.
  virtual Status Update(Account& account) = 0;
  // Ordered by username key.
  virtual Result<std::vector<Account>> List(int limit, int offset) = 0;
};

class EnrollmentRepository {
 public:
  virtual ~EnrollmentRepository() = default;
  // Every enrollment of the account, oldest first, secrets decrypted.
  virtual Result<std::vector<Enrollment>> ListForAccount(AccountId account_id) = 0;
  // kConflict when the id exists.
  virtual Status Insert(const Enrollment& enrollment) = 0;
  // Replaces state, label, hint, secret, pending, lookup and the timestamps.
  // kNotFound if gone.
  virtual Status Update(const Enrollment& enrollment) = 0;
  virtual Status Delete(std::string_view enrollment_id) = 0;
  // Whether another account has an active enrollment of `kind` with this lookup
  // (a security key's credential id may belong to one account only).
  virtual Result<bool> ActiveElsewhere(MethodKind kind, std::string_view lookup,
                                       AccountId account_id) = 0;
};

class FlowRepository {
 public:
  virtual ~FlowRepository() = default;
  virtual Status Insert(const Flow& flow) = 0;
  virtual Result<std::optional<Flow>> Find(std::string_view id_hash) = 0;
  // Optimistic update: succeeds only when the stored version equals flow.version,
  // then increments flow.version. kConflict otherwise (a concurrent request won).
  virtual Status Update(Flow& flow) = 0;
  // Removes flows whose expiry is before `cutoff`; returns how many.
  virtual Result<int> DeleteExpiredBefore(TimePoint cutoff) = 0;
};

class OutboxRepository {
 public:
  virtual ~OutboxRepository() = default;
  // Stores the message (recipient and body encrypted) with the given status.
  virtual Result<std::int64_t> Enqueue(const OutboundMessage& message, OutboxStatus status,
                                       TimePoint now) = 0;
  // Leases up to `limit` queued messages that are due, for `lease` (other workers,
  // on other nodes too, skip them meanwhile). Decrypted, oldest first.
  virtual Result<std::vector<OutboxEntry>> ClaimDue(std::string_view owner, TimePoint now,
                                                    Millis lease, int limit) = 0;
  // Marks a message sent and wipes its body.
  virtual Status MarkSent(std::int64_t id, TimePoint now) = 0;
  // Records a failed attempt; the message is due again at `next_attempt_at`.
  virtual Status MarkRetry(std::int64_t id, TimePoint next_attempt_at, std::string_view error) = 0;
  // Terminal state: kFailed (counts as an attempt) or kExpired; wipes the body.
  virtual Status MarkFinal(std::int64_t id, OutboxStatus status, std::string_view error) = 0;
  // Newest first; `to` filters by exact recipient (matched by keyed hash).
  virtual Result<std::vector<OutboxEntry>> List(std::optional<std::string_view> to, int limit) = 0;
  // Counts messages by status (for health and metrics).
  virtual Result<std::int64_t> CountByStatus(OutboxStatus status) = 0;
};

// Digests of earlier passwords (see policy/password_history.hpp), newest first.
class PasswordHistoryRepository {
 public:
  virtual ~PasswordHistoryRepository() = default;
  // The newest `limit` digests of the account.
  virtual Result<std::vector<std::string>> Recent(AccountId account_id, int limit) = 0;
  // Records a digest, then keeps only the newest `keep`.
  virtual Status Append(AccountId account_id, std::string_view digest, TimePoint at, int keep) = 0;
};

class SessionRepository {
 public:
  virtual ~SessionRepository() = default;
  virtual Status Insert(const Session& session) = 0;
  virtual Result<std::optional<Session>> Find(std::string_view id_hash) = 0;
  // Optimistic update, as FlowRepository::Update.
  virtual Status Update(Session& session) = 0;
  virtual Status Delete(std::string_view id_hash) = 0;
  // Ends every session of the account but `keep_id_hash`; returns how many ended.
  virtual Result<int> DeleteForAccount(AccountId account_id, std::string_view keep_id_hash) = 0;
  virtual Result<int> DeleteExpiredBefore(TimePoint cutoff) = 0;
};

class ThrottleRepository {
 public:
  virtual ~ThrottleRepository() = default;
  // An empty state when none is stored.
  virtual Result<ThrottleState> Get(std::string_view subject, std::string_view name) = 0;
  virtual Status Put(std::string_view subject, std::string_view name, const ThrottleState& state,
                     TimePoint now) = 0;
  // Forgets every throttle of the subject (after a successful reset).
  virtual Status Clear(std::string_view subject) = 0;
  // Removes states not touched since `cutoff` and not blocking any more.
  virtual Result<int> DeleteStaleBefore(TimePoint cutoff) = 0;
};

// One pending activation code per account, as a keyed hash.
struct Activation {
  AccountId account_id = 0;
  std::string digest;
  TimePoint created_at{};
  TimePoint expires_at{};
};

class ActivationRepository {
 public:
  virtual ~ActivationRepository() = default;
  // Inserts or replaces the account's code (a reissue voids the previous one).
  virtual Status Put(const Activation& activation) = 0;
  virtual Result<std::optional<Activation>> Find(AccountId account_id) = 0;
  virtual Status Delete(AccountId account_id) = 0;
};

class AuditRepository {
 public:
  virtual ~AuditRepository() = default;
  // Append only: there is no update or delete, and the schema refuses them.
  virtual Status Append(const AuditEvent& event) = 0;
  // Newest first. account_id empty = all.
  virtual Result<std::vector<AuditEvent>> List(std::optional<AccountId> account_id, int limit) = 0;
};

// One transaction. Every repository works on the same connection, so the changes
// made through them commit or roll back together.
class Tx {
 public:
  virtual ~Tx() = default;
  virtual AccountRepository& accounts() = 0;
  virtual EnrollmentRepository& enrollments() = 0;
  virtual FlowRepository& flows() = 0;
  virtual OutboxRepository& outbox() = 0;
  virtual AuditRepository& audit() = 0;
  virtual PasswordHistoryRepository& password_history() = 0;
  virtual SessionRepository& sessions() = 0;
  virtual ThrottleRepository& throttles() = 0;
  virtual ActivationRepository& activations() = 0;
};

using TxFunction = std::function<Status(Tx&)>;

class Store {
 public:
  virtual ~Store() = default;
  // Runs `fn` in a write transaction: commits when it returns ok, rolls back
  // otherwise (and on any store error). kUnavailable when the database cannot be
  // reached or stays locked past the busy timeout.
  virtual Status Write(const TxFunction& fn) = 0;
  // Runs `fn` in a read-only transaction (a consistent snapshot).
  virtual Status Read(const TxFunction& fn) = 0;
  // Cheap liveness check for /readyz.
  virtual Status Ping() = 0;
};

}  // namespace latchkey
