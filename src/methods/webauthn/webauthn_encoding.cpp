#include "methods/webauthn/webauthn_encoding.hpp"

#include "crypto/hashing.hpp"

namespace latchkey::webauthn {

std::optional<std::string> DecodeWebAuthnBase64(std::string_view text) {
  std::string normal(text);
  std::size_t padding = 0;
  while (!normal.empty() && normal.back() == '=') {
    normal.pop_back();
    ++padding;
  }
  // Padding only in standard form: at most two '=' completing a 4-character group.
  if (padding > 2 || (padding > 0 && text.size() % 4 != 0)) return std::nullopt;
  bool url_alphabet = false;
  bool std_alphabet = false;
  for (char& c : normal) {
    if (c == '-' || c == '_') url_alphabet = true;
    if (c == '+' || c == '/') {
      std_alphabet = true;
      c = c == '+' ? '-' : '_';
    }
  }
  // Mixing the alphabets is no encoding anyone produces; refuse to guess.
  if (url_alphabet && std_alphabet) return std::nullopt;
  std::string out;
  // The decoder is strict: no '=', no whitespace, no non-zero trailing bits.
  if (!Base64UrlDecode(normal, out)) return std::nullopt;
  return out;
}

std::string EncodeBase64Url(std::string_view bytes) { return Base64UrlEncode(bytes); }

std::string FormatAaguid(const std::array<std::uint8_t, 16>& aaguid) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < aaguid.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[aaguid[i] >> 4]);
    out.push_back(kHex[aaguid[i] & 0x0f]);
  }
  return out;
}

}  // namespace latchkey::webauthn
