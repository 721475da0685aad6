// KeyRing: the service's secret keys, derived from one master key file.
//
// The master key (32 random bytes, base64 in a file readable only by the service)
// never leaves this object; each purpose gets its own subkey (BLAKE2b KDF), so a
// leak of one (say, the CAPTCHA key in a misconfigured proxy) reveals nothing of
// the others. Older master keys may be listed so that data sealed under them can
// still be opened after a rotation.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/secret.hpp"
#include "core/status.hpp"

namespace latchkey {

using Key32 = std::array<std::uint8_t, 32>;

// Authenticated encryption of data at rest (XChaCha20-Poly1305).
// Sealed form: "<key id>:<base64url(nonce || ciphertext)>". The `aad` binds the
// ciphertext to its place (e.g. "method:<id>"): moved to another row, it fails.
class Vault {
 public:
  Vault() = default;
  // `current` seals; every key in `all` (current included) can open.
  Vault(std::string current_id, std::map<std::string, Key32> all);

  std::string Seal(std::string_view plaintext, std::string_view aad) const;
  // kInternal when the key id is unknown or the ciphertext was tampered with.
  Result<SecretString> Open(std::string_view sealed, std::string_view aad) const;
  const std::string& current_key_id() const { return current_id_; }

 private:
  std::string current_id_;
  std::map<std::string, Key32> keys_;
};

class KeyRing {
 public:
  // Reads the master key from `key_file` (creating it with mode 0600 and fresh
  // random bytes when `create_if_missing` and it does not exist), and the previous
  // keys from `previous_files`. kInvalidArgument for a malformed key file,
  // kUnavailable when it cannot be read or written.
  static Result<KeyRing> Load(const std::string& key_file,
                              const std::vector<std::string>& previous_files,
                              bool create_if_missing);
  // A key ring from raw bytes (tests and benchmarks).
  static KeyRing FromMaster(const Key32& master);

  const Vault& vault() const { return vault_; }
  const Key32& code_key() const { return code_key_; }        // keyed hashes of one-time codes
  const Key32& lookup_key() const { return lookup_key_; }    // keyed hashes of contact details
  const Key32& phantom_key() const { return phantom_key_; }  // stable decoys for unknown users
  const Key32& captcha_key() const { return captcha_key_; }  // CAPTCHA challenge signatures
  const Key32& history_key() const { return history_key_; }  // password history digests

  // Keyed, deterministic digest of `value` in a named `context`: equal inputs give
  // equal outputs, so it can be indexed, but it reveals nothing without the key.
  std::string Lookup(std::string_view context, std::string_view value) const;

 private:
  Vault vault_;
  Key32 code_key_{};
  Key32 lookup_key_{};
  Key32 phantom_key_{};
  Key32 captcha_key_{};
  Key32 history_key_{};
};

}  // namespace latchkey
