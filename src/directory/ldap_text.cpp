#include "directory/ldap_text.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>

namespace latchkey::ldap_text {
namespace {

char Hex(unsigned v) { return "0123456789abcdef"[v & 0xf]; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

std::optional<std::uint32_t> HexNumber(std::string_view text) {
  if (text.empty() || text.size() > 8) return std::nullopt;
  std::uint32_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v, 16);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return v;
}

// Days from 1970-01-01 to the civil date (proleptic Gregorian; H. Hinnant's method).
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

int Digits(std::string_view s, std::size_t at, std::size_t n) {
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// The first number after `marker` in `text` ("longer than 7 characters" → 7).
std::optional<int> NumberAfter(std::string_view text, std::string_view marker) {
  const auto at = text.find(marker);
  if (at == std::string_view::npos) return std::nullopt;
  std::size_t i = at + marker.size();
  while (i < text.size() && text[i] == ' ') ++i;
  int v = 0;
  auto [p, ec] = std::from_chars(text.data() + i, text.data() + text.size(), v);
  if (ec != std::errc() || p == text.data() + i) return std::nullopt;
  return v;
}

constexpr const char* kTooShort = "directory_too_short";
constexpr const char* kTooLong = "directory_too_long";
constexpr const char* kQuality = "directory_quality";
constexpr const char* kHistory = "directory_history";
constexpr const char* kTooYoung = "directory_too_young";
constexpr const char* kPolicy = "directory_policy";

Violation TooShort(std::optional<int> n) {
  if (n && *n > 0) {
    return {kTooShort, "The directory needs a password of at least " + std::to_string(*n) +
                           " characters."};
  }
  return {kTooShort, "The directory needs a longer password."};
}
Violation History() {
  return {kHistory, "You have used this password before. Choose one you have not used."};
}
Violation TooYoung() {
  return {kTooYoung,
          "Your password was changed too recently to be changed again yet. Try again later."};
}

}  // namespace

std::string EscapeFilterValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '*' || c == '(' || c == ')' || c == '\\' || c < 0x20 || c == 0x7f) {
      out += '\\';
      out += Hex(c >> 4);
      out += Hex(c);
    } else {
      out += ch;
    }
  }
  return out;
}

std::string SubstituteUsername(std::string_view filter, std::string_view username) {
  static constexpr std::string_view kPlaceholder = "{username}";
  const std::string escaped = EscapeFilterValue(username);
  std::string out;
  std::size_t pos = 0;
  for (;;) {
    const auto at = filter.find(kPlaceholder, pos);
    if (at == std::string_view::npos) break;
    out.append(filter.substr(pos, at - pos));
    out += escaped;
    pos = at + kPlaceholder.size();
  }
  out.append(filter.substr(pos));
  return out;
}

bool IsValidFilterTemplate(std::string_view filter, bool needs_username, std::string* why) {
  auto fail = [why](const char* m) {
    if (why != nullptr) *why = m;
    return false;
  };
  if (filter.empty() || filter.front() != '(' || filter.back() != ')') {
    return fail("must be one parenthesised filter, e.g. \"(uid={username})\"");
  }
  int depth = 0;
  for (std::size_t i = 0; i < filter.size(); ++i) {
    if (filter[i] == '\\') {
      ++i;  // an escaped byte: \XX
      continue;
    }
    if (filter[i] == '(') ++depth;
    if (filter[i] == ')' && --depth < 0) return fail("has an unbalanced ')'");
    if (depth == 0 && i + 1 < filter.size()) {
      return fail("must be one filter; combine several with (&...) or (|...)");
    }
  }
  if (depth != 0) return fail("has an unbalanced '('");
  if (needs_username && filter.find("{username}") == std::string_view::npos) {
    return fail("must contain {username}, e.g. \"(uid={username})\"");
  }
  return true;
}

std::optional<std::string> Utf8ToUtf16Le(std::string_view s) {
  std::string out;
  out.reserve(s.size() * 2);
  auto put = [&out](std::uint32_t unit) {
    out += static_cast<char>(unit & 0xff);
    out += static_cast<char>((unit >> 8) & 0xff);
  };
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = 0;
    std::size_t len = 0;
    if (b0 < 0x80) {
      cp = b0;
      len = 1;
    } else if (b0 >= 0xc2 && b0 <= 0xdf) {
      cp = b0 & 0x1f;
      len = 2;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      cp = b0 & 0x0f;
      len = 3;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      cp = b0 & 0x07;
      len = 4;
    } else {
      return std::nullopt;  // a continuation byte, or C0/C1/F5+ (never valid)
    }
    if (i + len > s.size()) return std::nullopt;
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xc0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (b & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return std::nullopt;  // overlong, out of range, or a surrogate
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      put(0xd800 + (cp >> 10));
      put(0xdc00 + (cp & 0x3ff));
    } else {
      put(cp);
    }
    i += len;
  }
  return out;
}

Result<SecretString> AdUnicodePwd(const SecretString& password) {
  std::string quoted;
  quoted.reserve(password.size() + 2);
  quoted += '"';
  quoted.append(password.view());
  quoted += '"';
  std::optional<std::string> utf16 = Utf8ToUtf16Le(quoted);
  SecretString wipe_quoted(std::move(quoted));  // wiped when it goes out of scope
  if (!utf16) {
    return Status::InvalidArgument("invalid_password", "The password is not valid text.",
                                   "new_password");
  }
  return SecretString(std::move(*utf16));
}

std::optional<std::uint32_t> AdExtendedError(std::string_view diagnostic) {
  if (diagnostic.size() < 9 || diagnostic[8] != ':') return std::nullopt;
  return HexNumber(diagnostic.substr(0, 8));
}

std::optional<std::uint32_t> AdBindSubcode(std::string_view diagnostic) {
  static constexpr std::string_view kData = ", data ";
  const auto at = diagnostic.find(kData);
  if (at == std::string_view::npos) return std::nullopt;
  const std::size_t start = at + kData.size();
  std::size_t end = start;
  while (end < diagnostic.size() && std::isxdigit(static_cast<unsigned char>(diagnostic[end]))) {
    ++end;
  }
  return HexNumber(diagnostic.substr(start, end - start));
}

bool IsPermanentLock(std::string_view t) { return t.rfind("000001010000", 0) == 0; }

std::optional<TimePoint> ParseGeneralizedTime(std::string_view t) {
  if (IsPermanentLock(t)) return std::nullopt;
  if (t.size() < 15 || t.back() != 'Z') return std::nullopt;
  const int year = Digits(t, 0, 4), mon = Digits(t, 4, 2), day = Digits(t, 6, 2);
  const int hour = Digits(t, 8, 2), min = Digits(t, 10, 2), sec = Digits(t, 12, 2);
  if (year < 0 || mon < 1 || mon > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 ||
      min < 0 || min > 59 || sec < 0 || sec > 60) {
    return std::nullopt;
  }
  std::int64_t millis = 0;
  if (t.size() > 15) {
    // "[.,]fraction" before the Z.
    if (t[14] != '.' && t[14] != ',') return std::nullopt;
    const std::string_view frac = t.substr(15, t.size() - 16);
    if (frac.empty()) return std::nullopt;
    int scale = 100;
    for (const char c : frac) {
      if (c < '0' || c > '9') return std::nullopt;
      millis += (c - '0') * scale;
      scale /= 10;
    }
  }
  const std::int64_t days = DaysFromCivil(year, static_cast<unsigned>(mon), static_cast<unsigned>(day));
  const std::int64_t secs = days * 86400 + hour * 3600 + min * 60 + sec;
  return FromUnixMillis(secs * 1000 + millis);
}

std::optional<TimePoint> ParseFileTime(std::string_view text) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  if (v <= 0 || v == INT64_MAX) return std::nullopt;
  // 11644473600 s between 1601-01-01 and 1970-01-01.
  constexpr std::int64_t kEpochDelta100ns = 116444736000000000LL;
  return FromUnixMillis((v - kEpochDelta100ns) / 10000);
}

std::optional<Violation> PpolicyViolation(int e) {
  switch (e) {
    case 5:
      return Violation{kQuality,
                       "The directory's password rules find this password too simple. Choose a "
                       "longer, less predictable one."};
    case 6: return TooShort(std::nullopt);
    case 7: return TooYoung();
    case 8: return History();
    case 9: return Violation{kTooLong, "This password is longer than the directory accepts."};
    default: return std::nullopt;
  }
}

Violation AdViolation(std::string_view diagnostic, const std::string& fallback) {
  const std::string d = Lower(diagnostic);
  // Samba AD names the rule (source4/dsdb/samdb/ldb_modules/password_hash.c);
  // Windows gives only 0000052D.
  if (Contains(d, "too short")) return TooShort(NumberAfter(d, "longer than"));
  if (Contains(d, "too long")) return {kTooLong, "This password is longer than the domain accepts."};
  if (Contains(d, "complexity")) {
    return {kQuality,
            "The domain requires characters from at least three of: capital letters, small "
            "letters, digits and symbols, and no part of your name or username."};
  }
  if (Contains(d, "history")) return History();
  if (Contains(d, "too young")) return TooYoung();
  return {kPolicy, fallback.empty()
                       ? "The directory did not accept this password under its own password "
                         "rules (length, complexity or history). Choose a different one."
                       : fallback};
}

std::string DescribeAdPolicy(int min_length, bool complexity, int history) {
  std::vector<std::string> parts;
  if (min_length > 0) parts.push_back("at least " + std::to_string(min_length) + " characters");
  if (complexity) {
    parts.push_back(
        "characters from three of: capital letters, small letters, digits and symbols, and no "
        "part of your name");
  }
  if (history > 0) {
    parts.push_back("not one of your last " + std::to_string(history) +
                    (history == 1 ? " password" : " passwords"));
  }
  if (parts.empty()) return {};
  std::string out = "The domain did not accept this password. It requires ";
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += i + 1 == parts.size() ? "; and " : "; ";
    out += parts[i];
  }
  out += ".";
  return out;
}

std::string DomainDnOf(std::string_view base_dn) {
  // Walk the RDNs from the end while they are DC=...; commas escaped with '\' are
  // part of a value.
  std::vector<std::size_t> starts = {0};
  for (std::size_t i = 0; i < base_dn.size(); ++i) {
    if (base_dn[i] == '\\') {
      ++i;
      continue;
    }
    if (base_dn[i] == ',') starts.push_back(i + 1);
  }
  std::size_t from = base_dn.size();
  for (auto it = starts.rbegin(); it != starts.rend(); ++it) {
    std::string_view rdn = base_dn.substr(*it);
    while (!rdn.empty() && rdn.front() == ' ') rdn.remove_prefix(1);
    if (rdn.size() < 3 || Lower(rdn.substr(0, 3)) != "dc=") break;
    from = *it;
  }
  if (from >= base_dn.size()) return std::string(base_dn);
  std::string_view dn = base_dn.substr(from);
  while (!dn.empty() && dn.front() == ' ') dn.remove_prefix(1);
  return std::string(dn);
}

Status Rejected(const std::vector<Violation>& violations, std::string detail) {
  Status::Violations v;
  for (const auto& x : violations) v.emplace_back(x.rule, x.message);
  const std::string first = violations.empty() ? std::string("the directory refused it.")
                                               : violations.front().message;
  return Status::PolicyRejected("password_rejected", "Choose a different password: " + first,
                                "new_password")
      .WithViolations(std::move(v))
      .WithDetail(std::move(detail));
}

}  // namespace latchkey::ldap_text
