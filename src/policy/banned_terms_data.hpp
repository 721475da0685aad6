// The embedded global banned-terms list. Its one definition is generated at build
// time by cmake/banned_terms.cmake (build/generated/banned_terms_gen.cpp); use
// GlobalBannedTerms() in banned_terms.hpp rather than this.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace latchkey {

struct EmbeddedTermList {
  std::span<const std::string_view> chunks;  // each: terms, one per line, '\n'-terminated
  std::size_t count;                         // number of terms in all chunks
  std::string_view source;                   // package, version, file and licence
};

EmbeddedTermList EmbeddedGlobalBannedTerms();

}  // namespace latchkey
