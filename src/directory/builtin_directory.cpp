#include "directory/builtin_directory.hpp"

#include "core/clock.hpp"
#include "core/store.hpp"
#include "crypto/password_hasher.hpp"

namespace latchkey {
namespace {

class BuiltinDirectory final : public Directory {
 public:
  BuiltinDirectory(Store& store, const PasswordHasher& hasher, const Clock& clock)
      : store_(store), hasher_(hasher), clock_(clock) {}

  std::string_view kind() const override { return "builtin"; }

  Status VerifyPassword(const Account& account, const SecretString& password) override {
    if (account.password_hash.empty()) {
      return Status::VerifyFailed("wrong_password", "The username or password is not right.");
    }
    Result<bool> ok = hasher_.Verify(account.password_hash, password);
    if (!ok.ok()) return ok.status();
    if (!*ok) return Status::VerifyFailed("wrong_password", "The username or password is not right.");
    if (hasher_.NeedsRehash(account.password_hash)) {
      // The cost parameters changed since this hash was made: upgrade it now, while
      // the password is at hand. Failure here must not fail the sign-in.
      Result<std::string> fresh = hasher_.Hash(password);
      if (fresh.ok()) {
        (void)store_.Write([&](Tx& tx) -> Status {
          Result<std::optional<Account>> a = tx.accounts().FindById(account.id);
          if (!a.ok() || !a->has_value() || (*a)->password_hash != account.password_hash) {
            return Status::Ok();  // changed meanwhile: leave it
          }
          Account updated = **a;
          updated.password_hash = *fresh;
          updated.updated_at = clock_.Now();
          return tx.accounts().Update(updated);
        });
      }
    }
    return Status::Ok();
  }

  Status ResetPassword(const Account& account, const SecretString& new_password) override {
    // Hash before the transaction: Argon2 takes tens of milliseconds, and SQLite
    // allows one writer at a time.
    Result<std::string> hash = hasher_.Hash(new_password);
    if (!hash.ok()) return hash.status();
    return store_.Write([&](Tx& tx) -> Status {
      Result<std::optional<Account>> a = tx.accounts().FindById(account.id);
      if (!a.ok()) return a.status();
      if (!a->has_value()) return Status::NotFound("account_not_found", "The account no longer exists.");
      Account updated = **a;
      updated.password_hash = *hash;
      updated.password_changed_at = clock_.Now();
      updated.updated_at = clock_.Now();
      return tx.accounts().Update(updated);
    });
  }

  Status Unlock(const Account& account) override {
    return store_.Write([&](Tx& tx) -> Status {
      Result<std::optional<Account>> a = tx.accounts().FindById(account.id);
      if (!a.ok()) return a.status();
      if (!a->has_value()) return Status::NotFound("account_not_found", "The account no longer exists.");
      Account updated = **a;
      if (updated.status == AccountStatus::kLocked) updated.status = AccountStatus::kActive;
      updated.failed_logins = 0;
      updated.locked_until.reset();
      updated.updated_at = clock_.Now();
      return tx.accounts().Update(updated);
    });
  }

  Status Ping() override { return Status::Ok(); }  // it is the store, which /readyz checks

 private:
  Store& store_;
  const PasswordHasher& hasher_;
  const Clock& clock_;
};

}  // namespace

std::unique_ptr<Directory> MakeBuiltinDirectory(Store& store, const PasswordHasher& hasher,
                                                const Clock& clock) {
  return std::make_unique<BuiltinDirectory>(store, hasher, clock);
}

}  // namespace latchkey
