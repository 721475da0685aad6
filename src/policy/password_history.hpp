// PasswordHistory: "not one of your last N passwords" without keeping N password
// hashes that each cost a full Argon2id to check.
//
// Every history entry of an account is a digest made with the same per-account
// salt: HMAC-SHA-256(history key, Argon2id(password, account salt)). Checking a new
// password against the last N therefore costs one Argon2id derivation plus N
// constant-time comparisons, and a copy of the database still needs one Argon2id
// per guess per account (and the service's key) to test a password against it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/random.hpp"
#include "core/secret.hpp"
#include "core/status.hpp"
#include "crypto/keys.hpp"
#include "crypto/password_hasher.hpp"

namespace latchkey {

class PasswordHistory {
 public:
  // `hasher` supplies the Argon2id parameters and the bounded pool the work runs on.
  PasswordHistory(const PasswordHasher& hasher, const KeyRing& keys) : hasher_(hasher), keys_(keys) {}

  // A fresh per-account salt (16 random bytes, base64).
  static std::string NewSalt(Random& random);

  // The digest of `password` under `salt`. kUnavailable when the hashing pool is
  // saturated; kInvalidArgument for a malformed salt.
  Result<std::string> Digest(const SecretString& password, std::string_view salt) const;

  // True when `digest` equals one of `recent` (newest first), skipping the newest
  // `skip` entries (1 lets a reset reuse the current password, as Entra allows).
  static bool Reused(std::string_view digest, const std::vector<std::string>& recent, int skip = 0);

 private:
  const PasswordHasher& hasher_;
  const KeyRing& keys_;
};

}  // namespace latchkey
