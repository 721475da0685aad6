#include "policy/password_history.hpp"

#include <sodium.h>

#include "crypto/hashing.hpp"

namespace latchkey {

std::string PasswordHistory::NewSalt(Random& random) {
  std::string salt(crypto_pwhash_SALTBYTES, '\0');
  random.Fill(reinterpret_cast<std::uint8_t*>(salt.data()), salt.size());
  return Base64Encode(salt);
}

Result<std::string> PasswordHistory::Digest(const SecretString& password,
                                            std::string_view salt_b64) const {
  std::string salt;
  if (!Base64Decode(salt_b64, salt) || salt.size() != crypto_pwhash_SALTBYTES) {
    return Status::InvalidArgument("invalid_history_salt", "the account's history salt is malformed");
  }
  Result<std::string> raw = hasher_.Derive(password, salt, 32);
  if (!raw.ok()) return raw.status();
  std::string digest = HmacSha256Hex(keys_.history_key(), *raw);
  sodium_memzero(raw->data(), raw->size());
  return digest;
}

bool PasswordHistory::Reused(std::string_view digest, const std::vector<std::string>& recent,
                             int skip) {
  bool found = false;
  for (std::size_t i = static_cast<std::size_t>(skip < 0 ? 0 : skip); i < recent.size(); ++i) {
    found = ConstantTimeEquals(digest, recent[i]) || found;  // no early exit
  }
  return found;
}

}  // namespace latchkey
