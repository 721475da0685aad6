// The builtin directory's part of the Directory contract (the store holds the hash).
#include "directory/builtin_directory.hpp"

#include <gtest/gtest.h>

#include "core/store.hpp"
#include "core/work_pool.hpp"
#include "crypto/password_hasher.hpp"
#include "test_support.hpp"

namespace latchkey {
namespace {

class DirectoryBuiltinTest : public ::testing::Test {
 protected:
  DirectoryBuiltinTest()
      : store_(testing_support::MakeSqliteStore(dir_)),
        pool_(1, 8),
        hasher_({8192, 1}, pool_),
        directory_(MakeBuiltinDirectory(*store_, hasher_, clock_)) {
    Account a;
    a.username = "alice";
    a.username_key = "alice";
    a.display_name = "Alice Example";
    a.password_hash = hasher_.Hash(SecretString("the first password")).value();
    a.created_at = a.updated_at = clock_.Now();
    EXPECT_TRUE(store_->Write([&](Tx& tx) -> Status {
                  Result<AccountId> id = tx.accounts().Insert(a);
                  if (!id.ok()) return id.status();
                  a.id = *id;
                  return Status::Ok();
                }).ok());
    alice_ = a;
  }

  testing_support::TempDir dir_;
  std::unique_ptr<Store> store_;
  WorkPool pool_;
  PasswordHasher hasher_;
  ManualClock clock_;
  std::unique_ptr<Directory> directory_;
  Account alice_;
};

TEST_F(DirectoryBuiltinTest, ChangeNeedsTheOldPassword) {
  EXPECT_EQ(directory_->ChangePassword(alice_, SecretString("not it"), SecretString("a second one"))
                .code(),
            Errc::kVerifyFailed);
  EXPECT_TRUE(directory_->VerifyPassword(alice_, SecretString("the first password")).ok());
  ASSERT_TRUE(
      directory_->ChangePassword(alice_, SecretString("the first password"), SecretString("a second one"))
          .ok());
  Result<std::optional<DirectoryUser>> u = directory_->Lookup("ALICE");
  ASSERT_TRUE(u.ok() && u->has_value());
  EXPECT_EQ((*u)->display_name, "Alice Example");
  EXPECT_TRUE((*u)->dn.empty());
  Result<DirectoryAccountState> st = directory_->ReadState(alice_);
  ASSERT_TRUE(st.ok());
  EXPECT_FALSE(st->disabled);
  EXPECT_TRUE(st->password_changed_at.has_value());
}

TEST_F(DirectoryBuiltinTest, HelpdeskResetSetsThePasswordAndSyncHasNothingToDo) {
  ASSERT_TRUE(directory_->HelpdeskResetPassword(alice_, SecretString("set by the helpdesk")).ok());
  Result<std::optional<Account>> fresh = Status::Internal("unread");
  ASSERT_TRUE(store_->Read([&](Tx& tx) -> Status {
                fresh = tx.accounts().FindById(alice_.id);
                return Status::Ok();
              }).ok());
  EXPECT_TRUE(directory_->VerifyPassword(**fresh, SecretString("set by the helpdesk")).ok());
  EXPECT_FALSE(directory_->Lookup("nobody").value().has_value());
  EXPECT_EQ(directory_->ForEachUser([](const DirectoryUser&) { return Status::Ok(); }).code(),
            Errc::kInvalidArgument);
}

}  // namespace
}  // namespace latchkey
