#include "crypto/password_hasher.hpp"

#include <sodium.h>

namespace latchkey {

Result<std::string> PasswordHasher::Hash(const SecretString& password) const {
  const Argon2Params p = params_;
  const SecretString copy = password;
  Result<Result<std::string>> done = pool_.Run<Result<std::string>>([p, copy]() -> Result<std::string> {
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, copy.data(), copy.size(), p.iterations,
                              static_cast<std::size_t>(p.memory_kib * 1024),
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
      return Status::Internal("argon2id hashing failed (out of memory?)");
    }
    std::string phc(out);
    sodium_memzero(out, sizeof out);
    return phc;
  });
  if (!done.ok()) return done.status();
  return std::move(done).value();
}

Result<bool> PasswordHasher::Verify(std::string_view phc, const SecretString& password) const {
  if (phc.empty() || phc.size() >= crypto_pwhash_STRBYTES) return false;
  const std::string hash(phc);
  const SecretString copy = password;
  return pool_.Run<bool>([hash, copy] {
    return crypto_pwhash_str_verify(hash.c_str(), copy.data(), copy.size()) == 0;
  });
}

Result<std::string> PasswordHasher::Derive(const SecretString& password, std::string_view salt,
                                           std::size_t bytes) const {
  if (salt.size() != crypto_pwhash_SALTBYTES) return Status::Internal("argon2id salt must be 16 bytes");
  const Argon2Params p = params_;
  const SecretString copy = password;
  const std::string s(salt);
  Result<Result<std::string>> done = pool_.Run<Result<std::string>>([p, copy, s, bytes]() -> Result<std::string> {
    std::string out(bytes, '\0');
    if (crypto_pwhash(reinterpret_cast<unsigned char*>(out.data()), out.size(), copy.data(),
                      copy.size(), reinterpret_cast<const unsigned char*>(s.data()), p.iterations,
                      static_cast<std::size_t>(p.memory_kib * 1024), crypto_pwhash_ALG_ARGON2ID13) != 0) {
      return Status::Internal("argon2id derivation failed (out of memory?)");
    }
    return out;
  });
  if (!done.ok()) return done.status();
  return std::move(done).value();
}

bool PasswordHasher::NeedsRehash(std::string_view phc) const {
  if (phc.empty() || phc.size() >= crypto_pwhash_STRBYTES) return true;
  const std::string hash(phc);
  return crypto_pwhash_str_needs_rehash(hash.c_str(), params_.iterations,
                                        static_cast<std::size_t>(params_.memory_kib * 1024)) != 0;
}

}  // namespace latchkey
