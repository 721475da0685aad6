#include "methods/totp/totp.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <cstdlib>

namespace latchkey::totp {
namespace {

constexpr char kBase32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

// HMAC of `data` under `key`; aborts on a library failure (out of memory, no
// default provider), which no caller could recover from meaningfully.
std::array<unsigned char, EVP_MAX_MD_SIZE> Hmac(Algorithm algorithm, std::string_view key,
                                                std::string_view data, std::size_t& len) {
  // EVP_MAC objects are immutable once fetched and may be shared between threads.
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  char digest[8];
  const std::string_view name = AlgorithmName(algorithm);
  name.copy(digest, name.size());
  digest[name.size()] = '\0';
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  EVP_MAC_CTX* ctx = mac == nullptr ? nullptr : EVP_MAC_CTX_new(mac);
  const bool ok =
      ctx != nullptr &&
      EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(), params) ==
          1 &&
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1 &&
      EVP_MAC_final(ctx, out.data(), &len, out.size()) == 1;
  EVP_MAC_CTX_free(ctx);
  if (!ok) std::abort();
  return out;
}

}  // namespace

std::string_view AlgorithmName(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::kSha1:
      return "SHA1";
    case Algorithm::kSha256:
      return "SHA256";
    case Algorithm::kSha512:
      return "SHA512";
  }
  return "SHA1";
}

std::optional<Algorithm> ParseAlgorithm(std::string_view name) {
  if (name == "SHA1") return Algorithm::kSha1;
  if (name == "SHA256") return Algorithm::kSha256;
  if (name == "SHA512") return Algorithm::kSha512;
  return std::nullopt;
}

std::size_t KeyBytes(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::kSha1:
      return 20;
    case Algorithm::kSha256:
      return 32;
    case Algorithm::kSha512:
      return 64;
  }
  return 20;
}

std::string Hotp(std::string_view key, std::uint64_t counter, int digits, Algorithm algorithm) {
  std::array<char, 8> message{};
  for (int i = 7; i >= 0; --i) {
    message[static_cast<std::size_t>(i)] = static_cast<char>(counter & 0xff);
    counter >>= 8;
  }
  std::size_t len = 0;
  const auto mac = Hmac(algorithm, key, std::string_view(message.data(), message.size()), len);
  // RFC 4226 §5.3: the low nibble of the last byte selects 4 bytes; the top bit
  // is masked so the value reads the same as signed or unsigned.
  const std::size_t offset = mac[len - 1] & 0x0f;
  const std::uint32_t binary = (static_cast<std::uint32_t>(mac[offset] & 0x7f) << 24) |
                               (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                               (static_cast<std::uint32_t>(mac[offset + 2]) << 8) |
                               static_cast<std::uint32_t>(mac[offset + 3]);
  std::uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i) modulus *= 10;
  std::uint32_t value = binary % modulus;
  std::string out(static_cast<std::size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out;
}

std::uint64_t TimeStep(std::int64_t unix_seconds, int period_seconds) {
  if (unix_seconds < 0) return 0;
  return static_cast<std::uint64_t>(unix_seconds) / static_cast<std::uint64_t>(period_seconds);
}

std::string Totp(std::string_view key, std::int64_t unix_seconds, const Params& params) {
  return Hotp(key, TimeStep(unix_seconds, params.period_seconds), params.digits, params.algorithm);
}

std::string Base32Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : bytes) {
    buffer = (buffer << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 5) {
      out.push_back(kBase32[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kBase32[(buffer << (5 - bits)) & 31]);
  return out;
}

std::optional<std::string> Base32Decode(std::string_view text) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  std::size_t symbols = 0;
  bool padding = false;
  for (const char c : text) {
    if (c == ' ') continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    if (padding) return std::nullopt;  // data after padding
    int v = -1;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a';
    else if (c >= '2' && c <= '7')
      v = c - '2' + 26;
    if (v < 0) return std::nullopt;
    buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
    bits += 5;
    ++symbols;
    if (bits >= 8) {
      out.push_back(static_cast<char>((buffer >> (bits - 8)) & 0xff));
      bits -= 8;
    }
  }
  // A group of 8 symbols holds 5 bytes; 1, 3 and 6 leftover symbols cannot occur.
  const std::size_t rest = symbols % 8;
  if (rest == 1 || rest == 3 || rest == 6) return std::nullopt;
  return out;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0f]);
    }
  }
  return out;
}

std::string OtpauthUri(std::string_view issuer, std::string_view account,
                       std::string_view secret_base32, const Params& params) {
  std::string uri = "otpauth://totp/";
  if (!issuer.empty()) uri += PercentEncode(issuer) + ":";
  uri += PercentEncode(account);
  uri += "?secret=";
  uri += secret_base32;
  if (!issuer.empty()) uri += "&issuer=" + PercentEncode(issuer);
  uri += "&algorithm=";
  uri += AlgorithmName(params.algorithm);
  uri += "&digits=" + std::to_string(params.digits);
  uri += "&period=" + std::to_string(params.period_seconds);
  return uri;
}

}  // namespace latchkey::totp
