// Long one-time codes that people read and type (recovery codes, activation
// codes): 32 symbols without 0, 1, I and O, shown in groups of four.
#pragma once

#include <string>
#include <string_view>

#include "core/random.hpp"

namespace latchkey {

// Digits and upper-case letters without 0, 1, I and O: 32 symbols, 5 bits each.
inline constexpr std::string_view kTypedCodeAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

// `length` symbols drawn uniformly: 5 bits each.
std::string RandomTypedCode(Random& random, int length);

// Upper case, without the separators people type ("abcd-efgh jkmn pqrs").
std::string CanonicalTypedCode(std::string_view typed);

// "ABCDEFGHJKMNPQRS" → "ABCD-EFGH-JKMN-PQRS".
std::string GroupedTypedCode(std::string_view code);

}  // namespace latchkey
