// Text forms the password rules compare: the documented Entra normalisation and
// the splitting of names into words. Pure functions; ICU underneath (in the .cpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace latchkey {

// Decodes UTF-8 into code points; malformed sequences become U+FFFD.
std::u32string DecodeUtf8(std::string_view utf8);
std::string EncodeUtf8(std::u32string_view text);

// The normalisation of Entra Password Protection (sspr-behaviour §12.1, step 1), used by
// the banned-terms and context rules alike: lower case (Unicode simple case mapping, one
// code point to one), then substitute 0->o, 1->l, $->s, @->a. Exactly these four.
// Length in code points is unchanged, so "4-16 characters" means the same before and after.
char32_t MatchFold(char32_t c);
std::u32string MatchKey(std::string_view utf8);

// Splits text into words at every code point that is neither a letter nor a digit
// (spaces, dots, hyphens, underscores, '@', ...): "Anne-Marie O'Neil" gives
// {"Anne", "Marie", "O", "Neil"}. Words keep their case.
std::vector<std::string> SplitWords(std::string_view utf8);

// The part of an email address before the last '@' (the whole text when there is none).
std::string_view EmailLocalPart(std::string_view email);

// Overwrites a buffer that held password material before it is freed.
void WipeBuffer(std::u32string& buffer) noexcept;
void WipeBuffer(std::string& buffer) noexcept;

}  // namespace latchkey
