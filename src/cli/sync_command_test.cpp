// `latchkey user sync` below the CLI: a scripted directory and a real SQLite store.
#include "cli/sync_command.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "core/clock.hpp"
#include "core/store.hpp"
#include "crypto/sodium_random.hpp"
#include "directory/directory.hpp"
#include "test_support.hpp"

namespace latchkey {
namespace {

using testing_support::TempDir;
using testing_support::TestKeys;

// Lists the users it is given; may fail after handing out some of them.
class ListingDirectory final : public Directory {
 public:
  std::vector<DirectoryUser> users;
  std::optional<std::size_t> fail_after;

  std::string_view kind() const override { return "ldap"; }
  Status ForEachUser(const std::function<Status(const DirectoryUser&)>& fn) override {
    for (std::size_t i = 0; i < users.size(); ++i) {
      if (fail_after && i == *fail_after) return Status::Unavailable("connection lost");
      LK_RETURN_IF_ERROR(fn(users[i]));
    }
    return Status::Ok();
  }
  // Sync uses nothing else.
  Status VerifyPassword(const Account&, const SecretString&) override { return Unused(); }
  Status ResetPassword(const Account&, const SecretString&) override { return Unused(); }
  Status HelpdeskResetPassword(const Account&, const SecretString&) override { return Unused(); }
  Status ChangePassword(const Account&, const SecretString&, const SecretString&) override {
    return Unused();
  }
  Status Unlock(const Account&) override { return Unused(); }
  Result<DirectoryAccountState> ReadState(const Account&) override { return Unused(); }
  Result<std::optional<DirectoryUser>> Lookup(std::string_view) override { return Unused(); }
  Status Ping() override { return Status::Ok(); }

 private:
  static Status Unused() { return Status::Internal("not used by sync"); }
};

DirectoryUser User(std::string name, std::string display, std::string mail = {},
                   std::string mobile = {}, bool disabled = false) {
  DirectoryUser u;
  u.dn = "uid=" + name + ",ou=people,dc=example,dc=test";
  u.username = std::move(name);
  u.display_name = std::move(display);
  u.mail = std::move(mail);
  u.mobile = std::move(mobile);
  u.state.disabled = disabled;
  return u;
}

class DirectorySyncTest : public ::testing::Test {
 protected:
  DirectorySyncTest() : store_(testing_support::MakeSqliteStore(dir_)) {}

  Result<SyncSummary> Sync(bool dry_run = false) {
    errors_.str("");
    return SyncAccounts({directory_, *store_, TestKeys(), clock_, random_, "GB"}, dry_run, errors_);
  }

  std::optional<Account> Find(const std::string& key) {
    std::optional<Account> out;
    EXPECT_TRUE(store_->Read([&](Tx& tx) -> Status {
                  Result<std::optional<Account>> a = tx.accounts().FindByUsernameKey(key);
                  if (!a.ok()) return a.status();
                  out = *a;
                  return Status::Ok();
                }).ok());
    return out;
  }

  std::vector<Enrollment> Methods(AccountId id) {
    std::vector<Enrollment> out;
    EXPECT_TRUE(store_->Read([&](Tx& tx) -> Status {
                  Result<std::vector<Enrollment>> e = tx.enrollments().ListForAccount(id);
                  if (!e.ok()) return e.status();
                  out = std::move(e).value();
                  return Status::Ok();
                }).ok());
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  ListingDirectory directory_;
  ManualClock clock_;
  SodiumRandom random_;
  std::ostringstream errors_;
};

TEST_F(DirectorySyncTest, ImportsAccountsWithCandidateContactDataOnly) {
  directory_.users = {User("alice", "Alice Example", "alice@example.net", "07911 123456"),
                      User("dora", "Dora Example", "", "", true),
                      User("bad name", "Has A Space")};
  Result<SyncSummary> s = Sync();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->created, 2);
  EXPECT_EQ(s->skipped, 1);
  EXPECT_NE(errors_.str().find("uid=bad name"), std::string::npos) << errors_.str();

  std::optional<Account> alice = Find("alice");
  ASSERT_TRUE(alice.has_value());
  EXPECT_EQ(alice->display_name, "Alice Example");
  EXPECT_EQ(alice->status, AccountStatus::kActive);
  EXPECT_TRUE(alice->password_hash.empty());  // the directory holds the password
  const std::vector<Enrollment> methods = Methods(alice->id);
  ASSERT_EQ(methods.size(), 2u);
  for (const Enrollment& e : methods) {
    EXPECT_EQ(e.state, EnrollmentState::kPending);  // never a gate until proven
    EXPECT_EQ(e.source, EnrollmentSource::kDirectory);
    EXPECT_FALSE(e.confirmed_at.has_value());
  }
  // Both were stored at the same (manual) time: their order is not defined.
  const Enrollment& email = methods[0].kind == MethodKind::kEmail ? methods[0] : methods[1];
  const Enrollment& sms = methods[0].kind == MethodKind::kEmail ? methods[1] : methods[0];
  EXPECT_EQ(email.kind, MethodKind::kEmail);
  EXPECT_EQ(email.secret.view(), "alice@example.net");
  EXPECT_EQ(sms.kind, MethodKind::kSms);
  EXPECT_EQ(sms.secret.view(), "+447911123456");  // normalised with the default region
  EXPECT_EQ(Find("dora")->status, AccountStatus::kDisabled);

  // Idempotent: a second run finds nothing to do.
  s = Sync();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((std::vector<int>{s->created, s->updated, s->disabled, s->unchanged}),
            (std::vector<int>{0, 0, 0, 2}));
  EXPECT_EQ(Methods(alice->id).size(), 2u);
}

TEST_F(DirectorySyncTest, DryRunWritesNothing) {
  directory_.users = {User("alice", "Alice Example", "alice@example.net")};
  Result<SyncSummary> s = Sync(/*dry_run=*/true);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->created, 1);
  EXPECT_FALSE(Find("alice").has_value());
}

TEST_F(DirectorySyncTest, FollowsTheDirectoryForNamesStatusAndChangedAddresses) {
  directory_.users = {User("alice", "Alice Example", "alice@example.net"), User("bob", "Bob")};
  ASSERT_TRUE(Sync().ok());
  directory_.users = {User("alice", "Alice Liddell", "alice@new.example.net", "", true)};
  Result<SyncSummary> s = Sync();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->disabled, 2);  // alice disabled in the directory, bob no longer in it
  const std::optional<Account> alice = Find("alice");
  EXPECT_EQ(alice->display_name, "Alice Liddell");
  EXPECT_EQ(alice->status, AccountStatus::kDisabled);
  EXPECT_EQ(Find("bob")->status, AccountStatus::kDisabled);
  const std::vector<Enrollment> methods = Methods(alice->id);
  ASSERT_EQ(methods.size(), 1u);  // the stale candidate replaced
  EXPECT_EQ(methods[0].secret.view(), "alice@new.example.net");
  // Enabled again in the directory: enabled here.
  directory_.users[0].state.disabled = false;
  s = Sync();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->updated, 1);
  EXPECT_EQ(Find("alice")->status, AccountStatus::kActive);
}

TEST_F(DirectorySyncTest, AFailurePartWayChangesNothing) {
  directory_.users = {User("alice", "Alice"), User("bob", "Bob"), User("carol", "Carol")};
  directory_.fail_after = 2;
  Result<SyncSummary> s = Sync();
  EXPECT_EQ(s.status().code(), Errc::kUnavailable);
  EXPECT_FALSE(Find("alice").has_value());
  EXPECT_FALSE(Find("bob").has_value());
}

}  // namespace
}  // namespace latchkey
