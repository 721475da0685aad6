#include "policy/match_text.hpp"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cstdint>

namespace latchkey {

std::u32string DecodeUtf8(std::string_view utf8) {
  std::u32string out;
  out.reserve(utf8.size());
  const auto* bytes = reinterpret_cast<const uint8_t*>(utf8.data());
  // Inputs beyond INT32_MAX bytes are not passwords or names; cut them rather than wrap.
  const auto len = static_cast<int32_t>(std::min<std::size_t>(utf8.size(), INT32_MAX));
  int32_t i = 0;
  while (i < len) {
    UChar32 c = 0;
    U8_NEXT(bytes, i, len, c);
    out.push_back(c < 0 ? U'\uFFFD' : static_cast<char32_t>(c));
  }
  return out;
}

std::string EncodeUtf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char32_t c : text) {
    uint8_t buf[U8_MAX_LENGTH];
    int32_t n = 0;
    UBool error = false;
    U8_APPEND(buf, n, U8_MAX_LENGTH, static_cast<UChar32>(c), error);
    if (error) {
      out += "\xEF\xBF\xBD";  // U+FFFD
    } else {
      out.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(n));
    }
  }
  return out;
}

char32_t MatchFold(char32_t c) {
  const auto lower = static_cast<char32_t>(u_tolower(static_cast<UChar32>(c)));
  switch (lower) {
    case U'0':
      return U'o';
    case U'1':
      return U'l';
    case U'$':
      return U's';
    case U'@':
      return U'a';
    default:
      return lower;
  }
}

std::u32string MatchKey(std::string_view utf8) {
  std::u32string key = DecodeUtf8(utf8);
  for (char32_t& c : key) c = MatchFold(c);
  return key;
}

std::vector<std::string> SplitWords(std::string_view utf8) {
  std::vector<std::string> words;
  std::u32string current;
  for (const char32_t c : DecodeUtf8(utf8)) {
    if (u_isalnum(static_cast<UChar32>(c)) ||
        u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_ALPHABETIC)) {
      current.push_back(c);
    } else if (!current.empty()) {
      words.push_back(EncodeUtf8(current));
      current.clear();
    }
  }
  if (!current.empty()) words.push_back(EncodeUtf8(current));
  return words;
}

std::string_view EmailLocalPart(std::string_view email) {
  const std::size_t at = email.rfind('@');
  return at == std::string_view::npos ? email : email.substr(0, at);
}

void WipeBuffer(std::u32string& buffer) noexcept {
  volatile char32_t* p = buffer.data();
  for (std::size_t i = 0; i < buffer.size(); ++i) p[i] = 0;
  buffer.clear();
}

void WipeBuffer(std::string& buffer) noexcept {
  volatile char* p = buffer.data();
  for (std::size_t i = 0; i < buffer.size(); ++i) p[i] = 0;
  buffer.clear();
}

}  // namespace latchkey
