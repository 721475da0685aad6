// libsodium adapters: randomness, hashes, encodings.
#include <sodium.h>

#include "crypto/hashing.hpp"
#include "crypto/sodium_random.hpp"

namespace latchkey {

bool InitCrypto() { return sodium_init() >= 0; }

void SodiumRandom::Fill(std::uint8_t* out, std::size_t len) { randombytes_buf(out, len); }

std::uint32_t SodiumRandom::Uniform(std::uint32_t upper) { return randombytes_uniform(upper); }

std::array<std::uint8_t, 32> Sha256(std::string_view data) {
  std::array<std::uint8_t, 32> out{};
  crypto_hash_sha256(out.data(), reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return out;
}

std::string HexEncode(const std::uint8_t* data, std::size_t len) {
  std::string out(len * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data, len);
  out.pop_back();
  return out;
}

std::string Sha256Hex(std::string_view data) {
  const auto d = Sha256(data);
  return HexEncode(d.data(), d.size());
}

std::string HmacSha256Hex(const std::array<std::uint8_t, 32>& key, std::string_view data) {
  std::array<std::uint8_t, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, key.data(), key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(data.data()),
                                data.size());
  crypto_auth_hmacsha256_final(&st, mac.data());
  sodium_memzero(&st, sizeof st);
  return HexEncode(mac.data(), mac.size());
}

namespace {

std::string Encode(std::string_view data, int variant) {
  std::string out(sodium_base64_encoded_len(data.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(data.data()),
                    data.size(), variant);
  out.resize(out.size() - 1);  // the encoder writes a terminating NUL
  return out;
}

bool Decode(std::string_view text, std::string& out, int variant) {
  out.assign(text.size(), '\0');
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, &end, variant) != 0 ||
      end != text.data() + text.size()) {
    out.clear();
    return false;
  }
  out.resize(len);
  return true;
}

}  // namespace

std::string Base64Encode(std::string_view data) {
  return Encode(data, sodium_base64_VARIANT_ORIGINAL);
}
bool Base64Decode(std::string_view text, std::string& out) {
  return Decode(text, out, sodium_base64_VARIANT_ORIGINAL);
}
std::string Base64UrlEncode(std::string_view data) {
  return Encode(data, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}
bool Base64UrlDecode(std::string_view text, std::string& out) {
  return Decode(text, out, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

}  // namespace latchkey
