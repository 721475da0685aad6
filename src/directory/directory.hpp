// Directory: where passwords live (Latchkey's own store, OpenLDAP, Active
// Directory). Latchkey's own policy runs first; the directory is the final word,
// and a flow records nothing as changed unless the directory confirmed it.
//
// Accounts live in Latchkey's store for every kind (methods hang off them); a
// directory finds its own entry for an account by the account's username, with
// the configured filter. The entry's DN is for the directory's own use and the
// server log: it never appears in a Status message (what users see).
//
// Errors, the same for every kind:
//   kVerifyFailed    the password given is not the account's (VerifyPassword,
//                    ChangePassword's old password)
//   kPolicyRejected  the directory's own password policy refused the new password;
//                    reason "password_rejected", field "new_password", and every
//                    broken rule in Status::violations() with the rule ids the
//                    policy engine's peers use: directory_too_short,
//                    directory_too_long, directory_quality, directory_history,
//                    directory_too_young, directory_policy (the directory gave no
//                    detail). Messages are for people; the directory's own text is
//                    only in detail() and the server log.
//   kForbidden       the account may not do this: "account_disabled",
//                    "account_locked", "directory_account_missing" (no entry for the
//                    username), "change_not_allowed", "directory_not_permitted" (the
//                    service account lacks the right; the log says which)
//   kExpired         VerifyPassword: the password is right but expired
//                    ("password_expired") or must be changed first
//                    ("password_must_change")
//   kUnavailable     the directory does not answer (down, timed out, TLS failed, the
//                    service account's bind refused). Nothing was changed, or the
//                    operation is safe to repeat: every write is idempotent.
//
// Thread-safe: one instance serves every request; implementations keep their own
// connection pool and never share a connection between two calls at once.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/account.hpp"
#include "core/clock.hpp"
#include "core/secret.hpp"
#include "core/status.hpp"

namespace latchkey {

// What the directory says about an account, for sign-in and before a reset.
struct DirectoryAccountState {
  bool disabled = false;          // administratively disabled (or its account expired)
  bool locked = false;            // locked out after failed sign-ins
  bool password_expired = false;  // known expired (AD computes it; LDAP tells at bind)
  bool must_change = false;       // must change the password at next sign-in
  std::optional<TimePoint> password_changed_at;
  std::optional<TimePoint> locked_at;
  int failed_attempts = 0;  // recent failed binds the directory counts
  std::optional<TimePoint> last_failure_at;
};

// One user as the directory holds it (lookup and sync).
struct DirectoryUser {
  std::string dn;        // internal: for the directory's calls and the server log only
  std::string username;  // the value of the username attribute
  std::string display_name;
  std::string mail;    // candidate contact data: never usable as a gate unverified
  std::string mobile;  // as the directory holds it (not normalised)
  DirectoryAccountState state;
};

class Directory {
 public:
  virtual ~Directory() = default;
  // "builtin", "ldap" or "ad".
  virtual std::string_view kind() const = 0;

  // Checks the account's password (sign-in). Ok when it is right and the account
  // may sign in. kVerifyFailed when it does not match (or there is no directory
  // entry: the two are not told apart); kForbidden "account_locked" /
  // "account_disabled"; kExpired "password_expired" / "password_must_change" when
  // it matched but must be changed before use; kUnavailable. The builtin directory
  // checks the password only: the account's status is in the store beside it.
  virtual Status VerifyPassword(const Account& account, const SecretString& password) = 0;

  // Sets a new password for a user who proved their identity at the gates (a
  // self-service reset: the old password is not needed). Written as the service
  // account. Also clears a lockout the directory keeps. kPolicyRejected when the
  // directory's policy refuses it; kForbidden "account_disabled" or
  // "directory_account_missing"; kUnavailable. Safe to retry with the same
  // password: when the directory already holds it, the retry succeeds.
  virtual Status ResetPassword(const Account& account, const SecretString& new_password) = 0;

  // As ResetPassword, but by the helpdesk on the user's behalf: the user did not
  // choose the password, so with [directory] must_change_after_helpdesk_reset the
  // directory makes them change it at next sign-in (AD pwdLastSet=0, ppolicy
  // pwdReset). The builtin directory has no such flag and sets the password only.
  virtual Status HelpdeskResetPassword(const Account& account, const SecretString& new_password) = 0;

  // The user changes their own password: bound as the user where the directory
  // allows it (RFC 3062 with the old password; AD delete-old/add-new unicodePwd), so
  // the directory applies its user-change rules (minimum age, history). kVerifyFailed
  // when the old password is wrong; kPolicyRejected; kForbidden
  // "change_not_allowed" / "account_locked" / "account_disabled"; kUnavailable.
  // Not retried behind the caller's back: a repeat of a change that went through
  // reports the old password as wrong (checking whether the new one is already set
  // would cost the user a counted failed sign-in).
  virtual Status ChangePassword(const Account& account, const SecretString& old_password,
                                const SecretString& new_password) = 0;

  // Clears a lockout without changing the password (idempotent: ok when the
  // account was not locked). kForbidden "directory_account_missing"; kUnavailable.
  virtual Status Unlock(const Account& account) = 0;

  // The account's state in the directory. kForbidden "directory_account_missing";
  // kUnavailable.
  virtual Result<DirectoryAccountState> ReadState(const Account& account) = 0;

  // Finds the directory entry for a username (as typed; the filter is escaped per
  // RFC 4515, so no input can widen it). Empty when there is none. kUnavailable;
  // kInternal when the filter matches more than one entry (a configuration error).
  virtual Result<std::optional<DirectoryUser>> Lookup(std::string_view username) = 0;

  // Calls `fn` for every user the sync filter selects, with a paged search
  // (RFC 2696) so that no size limit cuts the list short. Stops at, and returns,
  // the first error of `fn`. kInvalidArgument for the builtin directory (its
  // accounts are Latchkey's own: there is nothing to import); kUnavailable.
  virtual Status ForEachUser(const std::function<Status(const DirectoryUser&)>& fn) = 0;

  // Cheap reachability check for /readyz.
  virtual Status Ping() = 0;
};

}  // namespace latchkey
