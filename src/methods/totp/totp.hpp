// HOTP (RFC 4226) and TOTP (RFC 6238), Base32 (RFC 4648 §6) and otpauth:// URIs.
//
// Pure functions over raw key bytes; HMAC-SHA-1/256/512 come from OpenSSL
// (EVP_MAC). Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace latchkey::totp {

enum class Algorithm : std::uint8_t { kSha1, kSha256, kSha512 };

// "SHA1", "SHA256", "SHA512": the spelling of otpauth:// URIs and of the settings.
std::string_view AlgorithmName(Algorithm algorithm);
std::optional<Algorithm> ParseAlgorithm(std::string_view name);
// The HMAC output size, which is also the key size this service draws (20, 32, 64).
std::size_t KeyBytes(Algorithm algorithm);

struct Params {
  Algorithm algorithm = Algorithm::kSha1;
  int digits = 6;           // 6 or 8
  int period_seconds = 30;  // the time step X
};

// The HOTP value of `counter` under `key`: dynamic truncation, `digits` decimal
// digits with leading zeros kept ("081804"). digits in 1..9.
std::string Hotp(std::string_view key, std::uint64_t counter, int digits,
                 Algorithm algorithm = Algorithm::kSha1);

// The time step of `unix_seconds`: floor((t - T0) / X) with T0 = 0. 64-bit, so
// times after 2038 (and 2106) work.
std::uint64_t TimeStep(std::int64_t unix_seconds, int period_seconds);

// The TOTP value at `unix_seconds`.
std::string Totp(std::string_view key, std::int64_t unix_seconds, const Params& params);

// RFC 4648 Base32, upper case, without '=' padding (what authenticator apps take).
std::string Base32Encode(std::string_view bytes);
// Accepts upper or lower case, ignores spaces and '=' padding; nullopt for other
// characters or impossible lengths.
std::optional<std::string> Base32Decode(std::string_view text);

// Percent-encodes everything but RFC 3986's unreserved characters (A-Z a-z 0-9
// - . _ ~); a space becomes %20.
std::string PercentEncode(std::string_view text);

// otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=...&algorithm=...&digits=...&period=...
// (the Key URI Format of Google Authenticator, which the other apps follow).
// Issuer and account are percent-encoded; the colon between them is literal.
std::string OtpauthUri(std::string_view issuer, std::string_view account,
                       std::string_view secret_base32, const Params& params);

}  // namespace latchkey::totp
