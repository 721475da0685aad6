// PasswordHasher: Argon2id (libsodium) with a bounded number of concurrent hashes.
//
// Every hash and verification runs on the WorkPool given at construction, so at
// most pool.threads() run at once (memory: threads x memory_kib) and HTTP threads
// never all block inside Argon2 at the same time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/secret.hpp"
#include "core/status.hpp"
#include "core/work_pool.hpp"

namespace latchkey {

struct Argon2Params {
  std::uint64_t memory_kib = 19456;  // OWASP: m = 19 MiB
  std::uint64_t iterations = 2;      // OWASP: t = 2 (libsodium runs p = 1)
};

class PasswordHasher {
 public:
  PasswordHasher(Argon2Params params, WorkPool& pool) : params_(params), pool_(pool) {}

  // A PHC string ("$argon2id$v=19$m=19456,t=2,p=1$..."). kUnavailable when the pool
  // is saturated, kInternal when libsodium fails (out of memory).
  Result<std::string> Hash(const SecretString& password) const;
  // True when `password` matches `phc`. A malformed hash verifies as false.
  Result<bool> Verify(std::string_view phc, const SecretString& password) const;
  // Raw Argon2id output of `bytes` bytes for `password` and a 16-byte `salt`, with
  // the configured parameters (for keyed digests such as the password history).
  Result<std::string> Derive(const SecretString& password, std::string_view salt,
                             std::size_t bytes) const;
  // True when `phc` was made with other parameters than the configured ones.
  bool NeedsRehash(std::string_view phc) const;

  const Argon2Params& params() const { return params_; }

 private:
  Argon2Params params_;
  WorkPool& pool_;
};

}  // namespace latchkey
