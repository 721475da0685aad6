#include "text/unicode.hpp"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

namespace latchkey {
namespace {

std::optional<std::string> Normalize(std::string_view s, const icu::Normalizer2* (*get)(UErrorCode&)) {
  if (!IsValidUtf8(s)) return std::nullopt;
  UErrorCode err = U_ZERO_ERROR;
  const icu::Normalizer2* norm = get(err);
  if (U_FAILURE(err) || norm == nullptr) return std::nullopt;
  const icu::UnicodeString in = icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
  icu::UnicodeString out = norm->normalize(in, err);
  if (U_FAILURE(err)) return std::nullopt;
  std::string result;
  out.toUTF8String(result);
  return result;
}

const icu::Normalizer2* Nfkc(UErrorCode& err) { return icu::Normalizer2::getNFKCInstance(err); }
const icu::Normalizer2* NfkcCf(UErrorCode& err) {
  return icu::Normalizer2::getNFKCCasefoldInstance(err);
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  int32_t i = 0;
  const auto len = static_cast<int32_t>(s.size());
  if (static_cast<std::size_t>(len) != s.size()) return false;
  while (i < len) {
    UChar32 c = 0;
    U8_NEXT(reinterpret_cast<const uint8_t*>(s.data()), i, len, c);
    if (c < 0) return false;
  }
  return true;
}

std::optional<std::string> NormalizeNfkc(std::string_view s) { return Normalize(s, &Nfkc); }

std::optional<std::string> NormalizeNfkcCasefold(std::string_view s) {
  return Normalize(s, &NfkcCf);
}

std::size_t CodePointCount(std::string_view s) {
  std::size_t n = 0;
  for (const char ch : s) {
    if ((static_cast<unsigned char>(ch) & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::optional<std::string> UsernameKey(std::string_view username, std::string* why) {
  auto fail = [why](const char* message) -> std::optional<std::string> {
    if (why != nullptr) *why = message;
    return std::nullopt;
  };
  if (username.empty()) return fail("Enter your username.");
  if (username.size() > 1024) return fail("That username is too long.");
  std::optional<std::string> key = NormalizeNfkcCasefold(username);
  if (!key) return fail("That username contains characters that are not valid text.");
  if (key->empty() || CodePointCount(*key) > 256) return fail("That username is too long.");
  // Check what was typed as well as the key: case folding silently drops invisible
  // characters (a zero-width space), which must not hide inside a stored username.
  for (const std::string_view text : {username, std::string_view(*key)}) {
    int32_t i = 0;
    const auto len = static_cast<int32_t>(text.size());
    while (i < len) {
      UChar32 c = 0;
      U8_NEXT(reinterpret_cast<const uint8_t*>(text.data()), i, len, c);
      if (c < 0 || u_iscntrl(c) || u_isUWhiteSpace(c) || u_charType(c) == U_FORMAT_CHAR) {
        return fail("A username cannot contain spaces, invisible or control characters.");
      }
    }
  }
  return key;
}

}  // namespace latchkey
