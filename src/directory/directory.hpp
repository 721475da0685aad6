// Directory: where passwords live (Latchkey's own store, OpenLDAP, Active
// Directory). Latchkey's own policy runs first; the directory is the final word,
// and a flow records nothing as changed unless the directory confirmed it.
//
// Thread-safe: one instance serves every request.
#pragma once

#include <memory>
#include <string_view>

#include "core/account.hpp"
#include "core/secret.hpp"
#include "core/status.hpp"

namespace latchkey {

class Directory {
 public:
  virtual ~Directory() = default;
  virtual std::string_view kind() const = 0;
  // Checks the account's password. kVerifyFailed when it does not match;
  // kUnavailable when the directory does not answer.
  virtual Status VerifyPassword(const Account& account, const SecretString& password) = 0;
  // Sets a new password for a user who proved their identity at the gates (a reset:
  // the old password is not needed). kPolicyRejected when the directory's own
  // policy refuses it (with a message for people); kUnavailable when it does not
  // answer. Safe to retry with the same password.
  virtual Status ResetPassword(const Account& account, const SecretString& new_password) = 0;
  // Clears a lockout without changing the password.
  virtual Status Unlock(const Account& account) = 0;
  // Cheap reachability check for /readyz.
  virtual Status Ping() = 0;
};

}  // namespace latchkey
