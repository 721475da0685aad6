// Composition rules: which kinds of character a password must, may or must not contain.
//
// NIST SP 800-63B (R4 draft: SHALL NOT) and OWASP ASVS V6.2.5 advise against composition
// rules; some organisations still require them (QMUL, Entra: standards.md §6.4), so they
// are configurable and off by default. ImposesComposition() tells the configuration
// check when to warn.
//
// Character classes of a code point (of NFKC-normalised text), with ICU properties:
//   kDigit        decimal digits of any script (General_Category Nd): 0-9, ٣, ३
//   kUpper        Uppercase or titlecase letters: A-Z, É, Σ, Ж
//   kLower        Lowercase letters: a-z, é, ß, σ, ж
//   kOtherLetter  alphabetic characters without case: 中, ا, अ, and combining vowel signs.
//                 Active Directory's complexity rule counts these as a category of their
//                 own; so does min_classes here. They never satisfy a required upper or
//                 lower.
//   kSymbol       everything else that is visible or a space: punctuation, symbols,
//                 spaces, other numbers, private-use characters
//   (none)        controls, format characters, unassigned code points, line and paragraph
//                 separators and non-alphabetic combining marks count for no class.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"
#include "policy/violation.hpp"

namespace latchkey {

enum class CharClass : std::uint8_t { kUpper, kLower, kDigit, kSymbol, kOtherLetter };
inline constexpr int kCharClassCount = 5;

// Configuration names: "upper", "lower", "digit", "symbol", "other_letter".
std::string_view CharClassName(CharClass c);
std::optional<CharClass> ParseCharClass(std::string_view name);

class CharClassSet {
 public:
  constexpr CharClassSet() = default;
  constexpr CharClassSet(std::initializer_list<CharClass> classes) {
    for (const CharClass c : classes) Add(c);
  }
  constexpr void Add(CharClass c) { bits_ = static_cast<std::uint8_t>(bits_ | Bit(c)); }
  constexpr bool Has(CharClass c) const { return (bits_ & Bit(c)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr int Count() const {
    int n = 0;
    for (std::uint8_t b = bits_; b != 0; b = static_cast<std::uint8_t>(b & (b - 1))) ++n;
    return n;
  }
  constexpr bool Intersects(CharClassSet other) const { return (bits_ & other.bits_) != 0; }
  friend constexpr bool operator==(CharClassSet, CharClassSet) = default;

 private:
  static constexpr std::uint8_t Bit(CharClass c) {
    return static_cast<std::uint8_t>(1U << static_cast<unsigned>(c));
  }
  std::uint8_t bits_ = 0;
};

// The class of one code point; nullopt for those in none (see above).
std::optional<CharClass> ClassifyCodePoint(char32_t c);
// The classes that occur in a UTF-8 text.
CharClassSet ClassesOf(std::string_view utf8);

struct CompositionRules {
  CharClassSet required;             // each of these must occur at least once
  int min_classes = 0;               // at least this many different classes, 0..5
  CharClassSet forbidden;            // none of these may occur
  std::string forbidden_characters;  // UTF-8; none of these code points may occur
  std::string allowed_characters;    // UTF-8; when not empty, only these code points
  std::string allowed_description;   // for people: what allowed_characters holds
};

// Whether any rule is set (the configuration check warns: NIST advises against them).
bool ImposesComposition(const CompositionRules& rules);

// Configuration validation: ranges, valid UTF-8, no class both required and forbidden,
// and rules a password can satisfy at all (e.g. min_classes within the classes that are
// neither forbidden nor excluded by allowed_characters). Errors name field
// "password.composition".
Status ValidateCompositionRules(const CompositionRules& rules);

// Every broken rule, in a stable order: required_upper, required_lower, required_digit,
// required_symbol, required_other_letter, min_classes, forbidden_upper, forbidden_lower,
// forbidden_digit, forbidden_symbol, forbidden_other_letter, forbidden_character,
// disallowed_character. Messages never quote the password.
std::vector<Violation> CheckComposition(std::string_view password, const CompositionRules& rules);

// The rules in words, one sentence each, to show before the person types.
std::vector<std::string> DescribeComposition(const CompositionRules& rules);

}  // namespace latchkey
