// Unicode text handling (ICU underneath): validation and normalisation.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace latchkey {

// True when `s` is well-formed UTF-8.
bool IsValidUtf8(std::string_view s);

// NFKC normalisation; nullopt for malformed UTF-8.
std::optional<std::string> NormalizeNfkc(std::string_view s);

// NFKC + case folding: the key under which a username is unique, so "Alice",
// "ALICE" and "Ａｌｉｃｅ" (full-width) are one account. nullopt for malformed UTF-8.
std::optional<std::string> NormalizeNfkcCasefold(std::string_view s);

// Number of code points in well-formed UTF-8.
std::size_t CodePointCount(std::string_view s);

// The normalised key of a username, or nullopt (with `why` set to a message for
// people) when it cannot be one: empty, longer than 256 characters, malformed,
// or holding whitespace or control characters.
std::optional<std::string> UsernameKey(std::string_view username, std::string* why = nullptr);

}  // namespace latchkey
