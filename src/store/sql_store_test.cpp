#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <fstream>
#include <thread>
#include <sstream>

#include "store/sql_store.hpp"
#include "test_support.hpp"

namespace latchkey {
namespace {

using testing_support::MakeSqliteStore;
using testing_support::SqliteUrl;
using testing_support::TempDir;
using testing_support::TestKeys;

Account NewAccount(const std::string& name) {
  Account a;
  a.username = name;
  a.username_key = name;
  for (auto& c : a.username_key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  a.display_name = "Test " + name;
  a.created_at = a.updated_at = FromUnixMillis(1'000'000);
  return a;
}

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(SqlStoreTest, MigrateIsIdempotentAndReportsVersions) {
  TempDir dir;
  const StoreOptions o{SqliteUrl(dir), 2, 1000};
  Result<SchemaInfo> first = MigrateStore(o);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->current, first->latest);
  EXPECT_GE(first->latest, 2);
  Result<SchemaInfo> second = MigrateStore(o);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->current, first->current);
}

TEST(SqlStoreTest, OpenRefusesAMissingDatabase) {
  TempDir dir;
  Result<std::unique_ptr<Store>> s = OpenStore({SqliteUrl(dir), 2, 1000}, TestKeys());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Errc::kUnavailable);
  EXPECT_NE(s.status().detail().find("latchkey migrate"), std::string_view::npos);
}

TEST(SqlStoreTest, RefusesADatabaseNewerThanTheBinary) {
  TempDir dir;
  auto store = MakeSqliteStore(dir);
  store.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.File("latchkey.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "INSERT INTO schema_migrations VALUES (999, 'future', 0)", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  Result<SchemaInfo> m = MigrateStore({SqliteUrl(dir), 2, 1000});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().reason(), "schema_too_new");
  Result<std::unique_ptr<Store>> s = OpenStore({SqliteUrl(dir), 2, 1000}, TestKeys());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Errc::kUnavailable);
}

TEST(SqlStoreTest, UsernamesAreUniqueByKey) {
  TempDir dir;
  auto store = MakeSqliteStore(dir);
  Status st = store->Write([](Tx& tx) -> Status {
    Result<AccountId> id = tx.accounts().Insert(NewAccount("Alice"));
    return id.status();
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  st = store->Write([](Tx& tx) -> Status { return tx.accounts().Insert(NewAccount("ALICE")).status(); });
  EXPECT_EQ(st.code(), Errc::kConflict);
  st = store->Read([](Tx& tx) -> Status {
    Result<std::optional<Account>> a = tx.accounts().FindByUsernameKey("alice");
    if (!a.ok()) return a.status();
    EXPECT_TRUE(a->has_value());
    EXPECT_EQ((*a)->username, "Alice");
    EXPECT_EQ((*a)->version, 1);
    return Status::Ok();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
}

TEST(SqlStoreTest, AccountUpdateIsOptimistic) {
  TempDir dir;
  auto store = MakeSqliteStore(dir);
  Account a = NewAccount("bob");
  ASSERT_TRUE(store->Write([&](Tx& tx) -> Status {
                  Result<AccountId> id = tx.accounts().Insert(a);
                  if (id.ok()) a.id = *id;
                  return id.status();
                }).ok());
  Account stale = a;
  a.display_name = "Robert";
  ASSERT_TRUE(store->Write([&](Tx& tx) { return tx.accounts().Update(a); }).ok());
  EXPECT_EQ(a.version, 2);
  stale.display_name = "Bobby";
  const Status lost = store->Write([&](Tx& tx) { return tx.accounts().Update(stale); });
  EXPECT_EQ(lost.code(), Errc::kConflict);
}

TEST(SqlStoreTest, ARollbackLeavesNothingBehind) {
  TempDir dir;
  auto store = MakeSqliteStore(dir);
  const Status st = store->Write([](Tx& tx) -> Status {
    if (Status s = tx.accounts().Insert(NewAccount("carol")).status(); !s.ok()) return s;
    return Status::InvalidArgument("test", "abort on purpose");
  });
  EXPECT_EQ(st.reason(), "test");
  ASSERT_TRUE(store->Read([](Tx& tx) -> Status {
                  Result<std::optional<Account>> a = tx.accounts().FindByUsernameKey("carol");
                  EXPECT_TRUE(a.ok() && !a->has_value());
                  return Status::Ok();
                }).ok());
}

TEST(SqlStoreTest, MethodSecretsAreEncryptedAtRest) {
  TempDir dir;
  auto store = MakeSqliteStore(dir);
  Account a = NewAccount("dave");
  ASSERT_TRUE(store->Write([&](Tx& tx) -> Status {
                  Result<AccountId> id = tx.accounts().Insert(a);
                  if (!id.ok()) return id.status();
                  Enrollment e;
                  e.id = "m_test1";
                  e.account_id = *id;
                  e.kind = MethodKind::kEmail;
                  e.state = EnrollmentState::kActive;
                  e.hint = "da*****@p****.example";
                  e.secret = SecretString("dave.secret.address@private.example");
                  e.created_at = FromUnixMillis(1);
                  a.id = *id;
                  return tx.enrollments().Insert(e);
                }).ok());
  ASSERT_TRUE(store->Read([&](Tx& tx) -> Status {
                  Result<std::vector<Enrollment>> list = tx.enrollments().ListForAccount(a.id);
                  EXPECT_TRUE(list.ok());
                  EXPECT_EQ(list->size(), 1u);
                  EXPECT_EQ(list->at(0).secret.view(), "dave.secret.address@private.example");
                  return Status::Ok();
                }).ok());
  store.reset();  // checkpoint the WAL into the main file
  const std::string bytes = FileBytes(dir.File("latchkey.db")) + FileBytes(dir.File("latchkey.db-wal"));
  EXPECT_EQ(bytes.find("dave.secret.address"), std::string::npos);
  EXPECT_NE(bytes.find("da*****@p****.example"), std::string::npos);  // the hint is plain
}

TEST(SqlStoreTest, ASecretMovedToAnotherRowDoesNotOpen) {
  TempDir dir;
  auto store = MakeSqliteStore(dir);
  AccountId id = 0;
  ASSERT_TRUE(store->Write([&](Tx& tx) -> Status {
                  Result<AccountId> r = tx.accounts().Insert(NewAccount("erin"));
                  if (!r.ok()) return r.status();
                  id = *r;
                  for (const char* m : {"m_a", "m_b"}) {
                    Enrollment e;
                    e.id = m;
                    e.account_id = id;
                    e.secret = SecretString(std::string("addr-") + m);
                    e.created_at = FromUnixMillis(1);
                    if (Status s = tx.enrollments().Insert(e); !s.ok()) return s;
                  }
                  return Status::Ok();
                }).ok());
  store.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.File("latchkey.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "UPDATE methods SET secret_sealed = (SELECT secret_sealed FROM methods "
                         "WHERE id = 'm_a') WHERE id = 'm_b'",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  store = OpenStore({SqliteUrl(dir), 2, 1000}, TestKeys()).value();
  const Status st = store->Read([&](Tx& tx) { return tx.enrollments().ListForAccount(id).status(); });
  EXPECT_EQ(st.code(), Errc::kInternal);
}

TEST(SqlStoreTest, AuditIsAppendOnly) {
  TempDir dir;
  auto store = MakeSqliteStore(dir);
  AuditEvent e;
  e.at = FromUnixMillis(5);
  e.event = "test.event";
  e.outcome = "ok";
  ASSERT_TRUE(store->Write([&](Tx& tx) { return tx.audit().Append(e); }).ok());
  store.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.File("latchkey.db").c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  EXPECT_NE(sqlite3_exec(db, "UPDATE audit SET outcome = 'forged'", nullptr, nullptr, &err), SQLITE_OK);
  ASSERT_NE(err, nullptr);
  EXPECT_NE(std::string(err).find("append-only"), std::string::npos);
  sqlite3_free(err);
  EXPECT_NE(sqlite3_exec(db, "DELETE FROM audit", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

TEST(SqlStoreTest, OutboxLeasesAndWipesBodies) {
  TempDir dir;
  auto store = MakeSqliteStore(dir);
  const TimePoint now = FromUnixMillis(10'000);
  OutboundMessage m;
  m.template_id = "reset_code";
  m.to = "Someone@Example.org";
  m.to_hint = "so*****@e****.org";
  m.subject = "Your code";
  m.body = SecretString("code 123456");
  ASSERT_TRUE(store->Write([&](Tx& tx) { return tx.outbox().Enqueue(m, OutboxStatus::kQueued, now).status(); }).ok());

  std::vector<OutboxEntry> first, second;
  ASSERT_TRUE(store->Write([&](Tx& tx) -> Status {
                  auto r = tx.outbox().ClaimDue("w1", now, Millis(60'000), 10);
                  if (r.ok()) first = std::move(r).value();
                  return r.status();
                }).ok());
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].to, "Someone@Example.org");
  EXPECT_EQ(first[0].body.view(), "code 123456");
  // Leased: another worker does not get it until the lease ends.
  ASSERT_TRUE(store->Write([&](Tx& tx) -> Status {
                  auto r = tx.outbox().ClaimDue("w2", now + Millis(1000), Millis(60'000), 10);
                  if (r.ok()) second = std::move(r).value();
                  return r.status();
                }).ok());
  EXPECT_TRUE(second.empty());
  ASSERT_TRUE(store->Write([&](Tx& tx) -> Status {
                  auto r = tx.outbox().ClaimDue("w2", now + Millis(61'000), Millis(60'000), 10);
                  if (r.ok()) second = std::move(r).value();
                  return r.status();
                }).ok());
  ASSERT_EQ(second.size(), 1u);

  ASSERT_TRUE(store->Write([&](Tx& tx) { return tx.outbox().MarkSent(second[0].id, now); }).ok());
  std::vector<OutboxEntry> listed;
  ASSERT_TRUE(store->Read([&](Tx& tx) -> Status {
                  // The recipient filter matches regardless of case.
                  auto r = tx.outbox().List(std::string_view("someone@example.org"), 10);
                  if (r.ok()) listed = std::move(r).value();
                  return r.status();
                }).ok());
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].status, OutboxStatus::kSent);
  EXPECT_TRUE(listed[0].body.empty());
  EXPECT_EQ(listed[0].subject, "Your code");
}

TEST(SqlStoreTest, APhoneMessagesCodeIsSealedAndWipedWithItsBody) {
  TempDir dir;
  auto store = MakeSqliteStore(dir);
  const TimePoint now = FromUnixMillis(10'000);
  OutboundMessage m;
  m.channel = Channel::kVoice;
  m.template_id = "voice_reset_code";
  m.to = "+447400123456";
  m.to_hint = "+44 ******* 56";
  m.body = SecretString("Your code is 6, 5, 4, 3, 2, 1.");
  m.code = SecretString("654321");
  OutboundMessage plain = m;
  plain.code = SecretString();
  plain.body = SecretString("no code here");
  ASSERT_TRUE(store->Write([&](Tx& tx) -> Status {
                  LK_RETURN_IF_ERROR(tx.outbox().Enqueue(m, OutboxStatus::kQueued, now).status());
                  return tx.outbox().Enqueue(plain, OutboxStatus::kQueued, now).status();
                }).ok());
  // Not in the database (or its write-ahead log) in clear.
  EXPECT_EQ((FileBytes(dir.File("latchkey.db")) + FileBytes(dir.File("latchkey.db-wal"))).find("654321"),
            std::string::npos);
  std::vector<OutboxEntry> due;
  ASSERT_TRUE(store->Write([&](Tx& tx) -> Status {
                  auto r = tx.outbox().ClaimDue("w1", now, Millis(60'000), 10);
                  if (r.ok()) due = std::move(r).value();
                  return r.status();
                }).ok());
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].code.view(), "654321");
  EXPECT_EQ(due[0].body.view(), "Your code is 6, 5, 4, 3, 2, 1.");
  EXPECT_TRUE(due[1].code.empty());
  EXPECT_EQ(due[1].body.view(), "no code here");
  ASSERT_TRUE(store->Write([&](Tx& tx) { return tx.outbox().MarkSent(due[0].id, now); }).ok());
  std::vector<OutboxEntry> listed;
  ASSERT_TRUE(store->Read([&](Tx& tx) -> Status {
                  auto r = tx.outbox().List(std::string_view("+447400123456"), 10);
                  if (r.ok()) listed = std::move(r).value();
                  return r.status();
                }).ok());
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[1].status, OutboxStatus::kSent);
  EXPECT_TRUE(listed[1].code.empty());
  EXPECT_TRUE(listed[1].body.empty());
}

TEST(SqlStoreTest, FlowRoundTripsWithVersioning) {
  TempDir dir;
  auto store = MakeSqliteStore(dir);
  Flow f;
  f.id_hash = std::string(64, 'a');
  f.subject_key = "subject";
  f.options.push_back({"opt1", MethodKind::kEmail, "jo*****@g****.com", "m_1"});
  f.method_state["opt1"] = "h=abc&exp=5";
  f.created_at = f.updated_at = FromUnixMillis(100);
  f.expires_at = FromUnixMillis(1000);
  ASSERT_TRUE(store->Write([&](Tx& tx) { return tx.flows().Insert(f); }).ok());
  Flow loaded;
  ASSERT_TRUE(store->Read([&](Tx& tx) -> Status {
                  auto r = tx.flows().Find(f.id_hash);
                  if (!r.ok()) return r.status();
                  EXPECT_TRUE(r->has_value());
                  loaded = **r;
                  return Status::Ok();
                }).ok());
  EXPECT_FALSE(loaded.account_id.has_value());
  ASSERT_EQ(loaded.options.size(), 1u);
  EXPECT_EQ(loaded.options[0].hint, "jo*****@g****.com");
  EXPECT_EQ(loaded.method_state["opt1"], "h=abc&exp=5");
  Flow stale = loaded;
  loaded.state = FlowState::kVerify;
  ASSERT_TRUE(store->Write([&](Tx& tx) { return tx.flows().Update(loaded); }).ok());
  EXPECT_EQ(store->Write([&](Tx& tx) { return tx.flows().Update(stale); }).code(), Errc::kConflict);
  // Purging removes only flows that expired before the cutoff.
  int removed = -1;
  ASSERT_TRUE(store->Write([&](Tx& tx) -> Status {
                  auto r = tx.flows().DeleteExpiredBefore(FromUnixMillis(999));
                  if (r.ok()) removed = *r;
                  return r.status();
                }).ok());
  EXPECT_EQ(removed, 0);
  ASSERT_TRUE(store->Write([&](Tx& tx) -> Status {
                  auto r = tx.flows().DeleteExpiredBefore(FromUnixMillis(1001));
                  if (r.ok()) removed = *r;
                  return r.status();
                }).ok());
  EXPECT_EQ(removed, 1);
}

TEST(SqlStoreTest, ALockedDatabaseAnswersUnavailable) {
  TempDir dir;
  const StoreOptions o{SqliteUrl(dir), 2, 200};
  ASSERT_TRUE(MigrateStore(o).ok());
  auto store = OpenStore(o, TestKeys()).value();
  // Another process holds the write lock (as a long-running CLI command might).
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.File("latchkey.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  const Status st = store->Write([](Tx& tx) { return tx.accounts().Insert(NewAccount("frank")).status(); });
  EXPECT_EQ(st.code(), Errc::kUnavailable) << st.ToString();
  ASSERT_EQ(sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  // Once released, the same store works again and nothing half-written remains.
  EXPECT_TRUE(store->Write([](Tx& tx) { return tx.accounts().Insert(NewAccount("frank")).status(); }).ok());
}

TEST(SqlStoreTest, ConcurrentWritesCommitTogetherAndFailAlone) {
  TempDir dir;
  auto store = MakeSqliteStore(dir);
  constexpr int kThreads = 8, kPerThread = 50;
  std::atomic<int> ok{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string name = "u" + std::to_string(t) + "_" + std::to_string(i);
        // Every third write inserts and then fails: it must leave nothing behind,
        // while the writes batched with it commit.
        const bool fail = i % 3 == 0;
        const Status st = store->Write([&](Tx& tx) -> Status {
          if (Status s = tx.accounts().Insert(NewAccount(name)).status(); !s.ok()) return s;
          if (fail) return Status::InvalidArgument("test", "refused on purpose");
          return Status::Ok();
        });
        (st.ok() ? ok : refused)++;
        if (fail != !st.ok()) ADD_FAILURE() << name << ": " << st.ToString();
      }
    });
  }
  for (auto& th : threads) th.join();
  int rows = 0;
  ASSERT_TRUE(store->Read([&](Tx& tx) -> Status {
                  auto list = tx.accounts().List(10000, 0);
                  if (list.ok()) rows = static_cast<int>(list->size());
                  return list.status();
                }).ok());
  EXPECT_EQ(rows, ok.load());
  EXPECT_EQ(ok + refused, kThreads * kPerThread);
  EXPECT_EQ(refused.load(), kThreads * ((kPerThread + 2) / 3));
}

TEST(SqlStoreTest, AWriteInsideAWriteIsRefusedInsteadOfDeadlocking) {
  TempDir dir;
  auto store = MakeSqliteStore(dir);
  Status inner;
  const Status outer = store->Write([&](Tx&) -> Status {
    inner = store->Write([](Tx&) { return Status::Ok(); });
    return Status::Ok();
  });
  EXPECT_TRUE(outer.ok());
  EXPECT_EQ(inner.code(), Errc::kInternal);
}

}  // namespace
}  // namespace latchkey
