// Hashes and MACs used across the service (libsodium underneath).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace latchkey {

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);
// Raw 32-byte SHA-256.
std::array<std::uint8_t, 32> Sha256(std::string_view data);
// Lower-case hex HMAC-SHA-256 of `data` under a 32-byte key.
std::string HmacSha256Hex(const std::array<std::uint8_t, 32>& key, std::string_view data);

std::string HexEncode(const std::uint8_t* data, std::size_t len);
// Base64 (standard alphabet, padded) and base64url (no padding). Decoders return
// false on malformed input.
std::string Base64Encode(std::string_view data);
bool Base64Decode(std::string_view text, std::string& out);
std::string Base64UrlEncode(std::string_view data);
bool Base64UrlDecode(std::string_view text, std::string& out);

}  // namespace latchkey
