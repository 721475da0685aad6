#include "crypto/keys.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "crypto/hashing.hpp"

namespace latchkey {
namespace {

Key32 Derive(const Key32& master, std::uint64_t id, const char context[crypto_kdf_CONTEXTBYTES]) {
  Key32 out{};
  crypto_kdf_derive_from_key(out.data(), out.size(), id, context, master.data());
  return out;
}

std::string KeyId(const Key32& master) {
  // A public fingerprint of the key: BLAKE2b keyed by the key over a fixed label.
  std::array<std::uint8_t, 4> id{};
  static constexpr char kLabel[] = "latchkey key id";
  crypto_generichash(id.data(), id.size(), reinterpret_cast<const unsigned char*>(kLabel),
                     sizeof kLabel - 1, master.data(), master.size());
  return HexEncode(id.data(), id.size());
}

std::string Trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  const auto e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

Result<Key32> ReadKeyFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Unavailable("cannot read key file " + path + ": " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = Trim(ss.str());
  std::string raw;
  if (!Base64Decode(text, raw) && !Base64UrlDecode(text, raw)) raw.clear();
  if (raw.size() != 32) {
    sodium_memzero(text.data(), text.size());
    return Status::InvalidArgument("invalid_key_file",
                                   "key file " + path + " must hold 32 bytes in base64");
  }
  Key32 key{};
  std::memcpy(key.data(), raw.data(), 32);
  sodium_memzero(raw.data(), raw.size());
  sodium_memzero(text.data(), text.size());
  return key;
}

Status CreateKeyFile(const std::string& path) {
  Key32 key{};
  randombytes_buf(key.data(), key.size());
  const std::string text =
      Base64Encode(std::string_view(reinterpret_cast<const char*>(key.data()), key.size())) + "\n";
  sodium_memzero(key.data(), key.size());
  // O_EXCL: two processes starting at once must not both write a different key.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Status::Ok();
    return Status::Unavailable("cannot create key file " + path + ": " + std::strerror(errno));
  }
  const ssize_t n = ::write(fd, text.data(), text.size());
  const bool ok = n == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Status::Unavailable("cannot write key file " + path);
  return Status::Ok();
}

}  // namespace

Vault::Vault(std::string current_id, std::map<std::string, Key32> all)
    : current_id_(std::move(current_id)), keys_(std::move(all)) {}

std::string Vault::Seal(std::string_view plaintext, std::string_view aad) const {
  const Key32& key = keys_.at(current_id_);
  std::string box(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + plaintext.size() +
                      crypto_aead_xchacha20poly1305_ietf_ABYTES,
                  '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(box.data());
  randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen,
      reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
      reinterpret_cast<const unsigned char*>(aad.data()), aad.size(), nullptr, nonce, key.data());
  return current_id_ + ":" + Base64UrlEncode(box);
}

Result<SecretString> Vault::Open(std::string_view sealed, std::string_view aad) const {
  const auto colon = sealed.find(':');
  if (colon == std::string_view::npos) return Status::Internal("sealed value has no key id");
  const auto it = keys_.find(std::string(sealed.substr(0, colon)));
  if (it == keys_.end()) {
    return Status::Internal("sealed with unknown key " + std::string(sealed.substr(0, colon)));
  }
  std::string box;
  if (!Base64UrlDecode(sealed.substr(colon + 1), box) ||
      box.size() < crypto_aead_xchacha20poly1305_ietf_NPUBBYTES +
                       crypto_aead_xchacha20poly1305_ietf_ABYTES) {
    return Status::Internal("sealed value is malformed");
  }
  const auto* nonce = reinterpret_cast<const unsigned char*>(box.data());
  const std::size_t clen = box.size() - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  std::string plain(clen - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  unsigned long long plen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plain.data()), &plen, nullptr,
          nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, clen,
          reinterpret_cast<const unsigned char*>(aad.data()), aad.size(), nonce,
          it->second.data()) != 0) {
    return Status::Internal("sealed value failed authentication");
  }
  plain.resize(plen);
  return SecretString(std::move(plain));
}

KeyRing KeyRing::FromMaster(const Key32& master) {
  KeyRing ring;
  const std::string id = KeyId(master);
  ring.vault_ = Vault(id, {{id, Derive(master, 1, "lk-vault")}});
  ring.code_key_ = Derive(master, 2, "lk-codes");
  ring.lookup_key_ = Derive(master, 3, "lk-look_");
  ring.phantom_key_ = Derive(master, 4, "lk-phant");
  ring.captcha_key_ = Derive(master, 5, "lk-captc");
  ring.history_key_ = Derive(master, 6, "lk-hist_");
  return ring;
}

Result<KeyRing> KeyRing::Load(const std::string& key_file,
                              const std::vector<std::string>& previous_files,
                              bool create_if_missing) {
  if (key_file.empty()) {
    return Status::InvalidArgument("missing_key_file", "secrets.key_file is not set");
  }
  struct stat st {};
  if (::stat(key_file.c_str(), &st) != 0) {
    if (!create_if_missing) {
      return Status::Unavailable("key file " + key_file + " does not exist");
    }
    LK_RETURN_IF_ERROR(CreateKeyFile(key_file));
  }
  Result<Key32> master = ReadKeyFile(key_file);
  if (!master.ok()) return master.status();
  KeyRing ring = FromMaster(*master);
  std::map<std::string, Key32> all = {{KeyId(*master), Derive(*master, 1, "lk-vault")}};
  for (const auto& path : previous_files) {
    Result<Key32> old = ReadKeyFile(path);
    if (!old.ok()) return old.status();
    all.emplace(KeyId(*old), Derive(*old, 1, "lk-vault"));
    sodium_memzero(old->data(), old->size());
  }
  ring.vault_ = Vault(KeyId(*master), std::move(all));
  sodium_memzero(master->data(), master->size());
  return ring;
}

std::string KeyRing::Lookup(std::string_view context, std::string_view value) const {
  std::string data(context);
  data.push_back('\0');
  data.append(value);
  return HmacSha256Hex(lookup_key_, data).substr(0, 32);
}

}  // namespace latchkey
