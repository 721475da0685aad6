#include "core/mask.hpp"

#include <string>

namespace latchkey {
namespace {

// The first code point of `s` (a UTF-8 sequence), or "" for an empty string.
std::string_view FirstCodePoints(std::string_view s, std::size_t count) {
  std::size_t i = 0;
  for (std::size_t n = 0; n < count && i < s.size(); ++n) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  }
  return s.substr(0, i);
}

}  // namespace

std::string MaskEmail(std::string_view address) {
  const auto at = address.rfind('@');
  if (at == std::string_view::npos) return "*****";
  const std::string_view local = address.substr(0, at);
  const std::string_view domain = address.substr(at + 1);
  std::string out(FirstCodePoints(local, local.size() > 2 ? 2 : 1));
  out += "*****@";
  const auto dot = domain.find('.');
  const std::string_view first_label = domain.substr(0, dot);
  out += FirstCodePoints(first_label, 1);
  out += "****";
  if (dot != std::string_view::npos) out += domain.substr(dot);
  return out;
}

std::string MaskPhone(std::string_view e164, int country_code) {
  const std::string cc = std::to_string(country_code);
  std::string out = "+" + cc + " ******* ";
  if (e164.size() >= 2) out += e164.substr(e164.size() - 2);
  return out;
}

}  // namespace latchkey
