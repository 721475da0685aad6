#include "policy/composition.hpp"

#include <unicode/uchar.h>

#include <algorithm>
#include <array>

#include "policy/match_text.hpp"
#include "text/unicode.hpp"

namespace latchkey {
namespace {

constexpr std::array<CharClass, kCharClassCount> kAllClasses = {
    CharClass::kUpper, CharClass::kLower, CharClass::kDigit, CharClass::kSymbol,
    CharClass::kOtherLetter};

constexpr std::string_view kField = "password.composition";

struct ClassText {
  std::string_view name;       // configuration name
  std::string_view plural;     // "capital letters"
  std::string_view required;   // message when missing
  std::string_view forbidden;  // message when present but forbidden
};

const ClassText& TextOf(CharClass c) {
  static constexpr std::array<ClassText, kCharClassCount> kTexts = {{
      {"upper", "capital letters", "Add a capital letter.", "Don't use capital letters."},
      {"lower", "lowercase letters", "Add a lowercase letter.", "Don't use lowercase letters."},
      {"digit", "numbers", "Add a number (0-9).", "Don't use numbers."},
      {"symbol", "symbols", "Add a symbol, such as ! or #.",
       "Use only letters and numbers: spaces, punctuation and symbols can't be used."},
      {"other_letter", "letters without capitals (such as Chinese or Arabic)",
       "Add a letter from a script without capitals, such as Chinese or Arabic.",
       "Don't use letters from scripts without capitals, such as Chinese or Arabic."},
  }};
  return kTexts[static_cast<std::size_t>(c)];
}

bool Contains(std::u32string_view set, char32_t c) {
  return set.find(c) != std::u32string_view::npos;
}

// "a, b and c"
std::string JoinForPeople(const std::vector<std::string_view>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " and " : ", ";
    out += items[i];
  }
  return out;
}

// The classes a password could contain at all under these rules.
CharClassSet PossibleClasses(const CompositionRules& rules) {
  CharClassSet possible;
  if (rules.allowed_characters.empty()) {
    possible = {CharClass::kUpper, CharClass::kLower, CharClass::kDigit, CharClass::kSymbol,
                CharClass::kOtherLetter};
  } else {
    const std::u32string forbidden = DecodeUtf8(rules.forbidden_characters);
    for (const char32_t c : DecodeUtf8(rules.allowed_characters)) {
      if (Contains(forbidden, c)) continue;
      if (const std::optional<CharClass> cls = ClassifyCodePoint(c)) possible.Add(*cls);
    }
  }
  CharClassSet out;
  for (const CharClass c : kAllClasses) {
    if (possible.Has(c) && !rules.forbidden.Has(c)) out.Add(c);
  }
  return out;
}

std::string SpacedCharacters(std::string_view utf8) {
  std::string out;
  for (const char32_t c : DecodeUtf8(utf8)) {
    if (!out.empty()) out += ' ';
    out += c == U' ' ? std::string("space") : EncodeUtf8(std::u32string_view(&c, 1));
  }
  return out;
}

std::string MinClassesMessage(int min_classes, CharClassSet possible) {
  std::vector<std::string_view> kinds;
  for (const CharClass c : kAllClasses) {
    if (possible.Has(c)) kinds.push_back(TextOf(c).plural);
  }
  return "Use at least " + std::to_string(min_classes) +
         " different kinds of character: " + JoinForPeople(kinds) + ".";
}

}  // namespace

std::string_view CharClassName(CharClass c) { return TextOf(c).name; }

std::optional<CharClass> ParseCharClass(std::string_view name) {
  for (const CharClass c : kAllClasses) {
    if (TextOf(c).name == name) return c;
  }
  return std::nullopt;
}

std::optional<CharClass> ClassifyCodePoint(char32_t c) {
  const auto u = static_cast<UChar32>(c);
  if (u_isdigit(u)) return CharClass::kDigit;
  if (u_hasBinaryProperty(u, UCHAR_UPPERCASE) || u_istitle(u)) return CharClass::kUpper;
  if (u_hasBinaryProperty(u, UCHAR_LOWERCASE)) return CharClass::kLower;
  if (u_hasBinaryProperty(u, UCHAR_ALPHABETIC)) return CharClass::kOtherLetter;
  switch (u_charType(u)) {
    case U_CONTROL_CHAR:
    case U_FORMAT_CHAR:
    case U_SURROGATE:
    case U_UNASSIGNED:
    case U_LINE_SEPARATOR:
    case U_PARAGRAPH_SEPARATOR:
    case U_NON_SPACING_MARK:
    case U_ENCLOSING_MARK:
    case U_COMBINING_SPACING_MARK:
      return std::nullopt;
    default:
      return CharClass::kSymbol;
  }
}

CharClassSet ClassesOf(std::string_view utf8) {
  CharClassSet set;
  for (const char32_t c : DecodeUtf8(utf8)) {
    if (const std::optional<CharClass> cls = ClassifyCodePoint(c)) set.Add(*cls);
  }
  return set;
}

bool ImposesComposition(const CompositionRules& rules) {
  return !rules.required.empty() || rules.min_classes > 0 || !rules.forbidden.empty() ||
         !rules.forbidden_characters.empty() || !rules.allowed_characters.empty();
}

Status ValidateCompositionRules(const CompositionRules& rules) {
  const std::string field(kField);
  if (rules.min_classes < 0 || rules.min_classes > kCharClassCount) {
    return Status::InvalidArgument(
        "invalid_composition", "The minimum number of character kinds must be from 0 to 5.", field);
  }
  if (!IsValidUtf8(rules.forbidden_characters) || !IsValidUtf8(rules.allowed_characters)) {
    return Status::InvalidArgument(
        "invalid_composition", "The allowed and forbidden characters must be valid text.", field);
  }
  if (rules.required.Intersects(rules.forbidden)) {
    return Status::InvalidArgument(
        "invalid_composition", "A kind of character cannot be both required and forbidden.", field);
  }
  const CharClassSet possible = PossibleClasses(rules);
  for (const CharClass c : kAllClasses) {
    if (rules.required.Has(c) && !possible.Has(c)) {
      return Status::InvalidArgument(
          "invalid_composition",
          "A required kind of character is excluded by the allowed or forbidden characters.",
          field);
    }
  }
  if (rules.min_classes > possible.Count()) {
    return Status::InvalidArgument(
        "invalid_composition",
        "The minimum number of character kinds is more than the rules leave possible.", field);
  }
  return Status::Ok();
}

std::vector<Violation> CheckComposition(std::string_view password, const CompositionRules& rules) {
  std::u32string text = DecodeUtf8(password);
  const std::u32string forbidden_chars = DecodeUtf8(rules.forbidden_characters);
  const std::u32string allowed_chars = DecodeUtf8(rules.allowed_characters);
  CharClassSet present;
  bool has_forbidden_char = false;
  bool has_disallowed_char = false;
  for (const char32_t c : text) {
    if (const std::optional<CharClass> cls = ClassifyCodePoint(c)) present.Add(*cls);
    if (Contains(forbidden_chars, c)) has_forbidden_char = true;
    if (!allowed_chars.empty() && !Contains(allowed_chars, c)) has_disallowed_char = true;
  }
  WipeBuffer(text);

  std::vector<Violation> out;
  for (const CharClass c : kAllClasses) {
    if (rules.required.Has(c) && !present.Has(c)) {
      out.push_back({"required_" + std::string(TextOf(c).name), std::string(TextOf(c).required)});
    }
  }
  if (present.Count() < rules.min_classes) {
    out.push_back({"min_classes", MinClassesMessage(rules.min_classes, PossibleClasses(rules))});
  }
  for (const CharClass c : kAllClasses) {
    if (rules.forbidden.Has(c) && present.Has(c)) {
      out.push_back({"forbidden_" + std::string(TextOf(c).name), std::string(TextOf(c).forbidden)});
    }
  }
  if (has_forbidden_char) {
    out.push_back({"forbidden_character", "Don't use these characters: " +
                                              SpacedCharacters(rules.forbidden_characters) + "."});
  }
  if (has_disallowed_char) {
    out.push_back({"disallowed_character",
                   rules.allowed_description.empty()
                       ? std::string("Your password contains a character that can't be used here.")
                       : "Use only " + rules.allowed_description + "."});
  }
  return out;
}

std::vector<std::string> DescribeComposition(const CompositionRules& rules) {
  std::vector<std::string> lines;
  std::vector<std::string_view> required;
  for (const CharClass c : kAllClasses) {
    if (rules.required.Has(c)) required.push_back(TextOf(c).plural);
  }
  if (!required.empty()) lines.push_back("Include " + JoinForPeople(required) + ".");
  if (rules.min_classes > 0) {
    lines.push_back(MinClassesMessage(rules.min_classes, PossibleClasses(rules)));
  }
  std::vector<std::string_view> forbidden;
  for (const CharClass c : kAllClasses) {
    if (rules.forbidden.Has(c)) forbidden.push_back(TextOf(c).plural);
  }
  if (!forbidden.empty()) lines.push_back("Don't use " + JoinForPeople(forbidden) + ".");
  if (!rules.forbidden_characters.empty()) {
    lines.push_back("Don't use these characters: " + SpacedCharacters(rules.forbidden_characters) +
                    ".");
  }
  if (!rules.allowed_characters.empty() && !rules.allowed_description.empty()) {
    lines.push_back("Use only " + rules.allowed_description + ".");
  }
  return lines;
}

}  // namespace latchkey
