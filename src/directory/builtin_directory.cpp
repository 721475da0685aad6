#include "directory/builtin_directory.hpp"

#include "core/clock.hpp"
#include "core/store.hpp"
#include "crypto/password_hasher.hpp"
#include "text/unicode.hpp"

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

  // The helpdesk's reset sets the password only: the builtin store has no "must
  // change at next sign-in" flag yet.
  Status HelpdeskResetPassword(const Account& account, const SecretString& new_password) override {
    return ResetPassword(account, new_password);
  }

  Status ChangePassword(const Account& account, const SecretString& old_password,
                        const SecretString& new_password) override {
    Result<std::optional<Account>> fresh = FindById(account.id);
    if (!fresh.ok()) return fresh.status();
    if (!fresh->has_value()) return Status::Forbidden("directory_account_missing", "This account no longer exists.");
    if ((*fresh)->status == AccountStatus::kDisabled) {
      return Status::Forbidden("account_disabled", "This account is disabled. Contact the helpdesk.");
    }
    LK_RETURN_IF_ERROR(VerifyPassword(**fresh, old_password));
    return ResetPassword(**fresh, new_password);
  }

  Result<DirectoryAccountState> ReadState(const Account& account) override {
    Result<std::optional<Account>> fresh = FindById(account.id);
    if (!fresh.ok()) return fresh.status();
    if (!fresh->has_value()) return Status::Forbidden("directory_account_missing", "This account no longer exists.");
    return StateOf(**fresh);
  }

  Result<std::optional<DirectoryUser>> Lookup(std::string_view username) override {
    const std::optional<std::string> key = UsernameKey(username);
    if (!key) return std::optional<DirectoryUser>();
    std::optional<Account> found;
    LK_RETURN_IF_ERROR(store_.Read([&](Tx& tx) -> Status {
      Result<std::optional<Account>> a = tx.accounts().FindByUsernameKey(*key);
      if (!a.ok()) return a.status();
      found = std::move(*a);
      return Status::Ok();
    }));
    if (!found) return std::optional<DirectoryUser>();
    DirectoryUser u;
    u.username = found->username;
    u.display_name = found->display_name;
    u.state = StateOf(*found);
    return std::optional<DirectoryUser>(std::move(u));
  }

  Status ForEachUser(const std::function<Status(const DirectoryUser&)>&) override {
    return Status::InvalidArgument(
        "nothing_to_sync",
        "The builtin directory is Latchkey's own store: there is nothing to import. Set "
        "[directory] kind = \"ldap\" or \"ad\" to sync from a directory.");
  }

  Status Ping() override { return Status::Ok(); }  // it is the store, which /readyz checks

 private:
  Result<std::optional<Account>> FindById(AccountId id) {
    std::optional<Account> found;
    LK_RETURN_IF_ERROR(store_.Read([&](Tx& tx) -> Status {
      Result<std::optional<Account>> a = tx.accounts().FindById(id);
      if (!a.ok()) return a.status();
      found = std::move(*a);
      return Status::Ok();
    }));
    return found;
  }

  DirectoryAccountState StateOf(const Account& a) const {
    DirectoryAccountState s;
    s.disabled = a.status == AccountStatus::kDisabled;
    s.locked = a.status == AccountStatus::kLocked ||
               (a.locked_until.has_value() && *a.locked_until > clock_.Now());
    s.password_changed_at = a.password_changed_at;
    s.failed_attempts = a.failed_logins;
    return s;
  }

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
