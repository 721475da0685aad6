// Password presets: the rules of the reference systems, by name, for
// `[password] preset = "qmul" | "entra"` (standards.md §6.4, sspr-behaviour §12, §15).
//
// A preset fixes only what its source documents: length, composition and reuse. The
// banned-terms, context and strength rules are separate settings and stay as configured
// (Entra always applies its banned lists; QMUL's documentation says nothing about them).
//
//   qmul   12-20 characters; a capital letter, a lowercase letter and a number required;
//          no special characters (no spaces, punctuation or symbols); no reuse of any
//          earlier password, on change and on reset.
//   entra  8-256 characters; at least 3 of capital letters, lowercase letters, numbers and
//          symbols; only Entra's allowed characters (ASCII letters, digits, space and the
//          listed symbols: no other Unicode); a change must differ from the current
//          password, a reset may reuse the last one.
//
// Both impose composition rules, which NIST SP 800-63B advises against: the configuration
// check should warn (ImposesComposition in composition.hpp).
#pragma once

#include <limits>
#include <optional>
#include <span>
#include <string_view>

#include "policy/composition.hpp"

namespace latchkey {

// history_* value meaning "every earlier password that is kept".
inline constexpr int kAllEarlierPasswords = std::numeric_limits<int>::max();

struct PasswordPreset {
  std::string_view name;
  int min_length = 0;  // in code points, after NFKC normalisation
  int max_length = 0;
  CompositionRules composition;
  // How many of the most recent passwords (the current one first) a new password must
  // differ from when the person changes it, and when they reset it; 0: reuse allowed.
  int history_on_change = 0;
  int history_on_reset = 0;
};

// Entra's allowed characters (sspr-behaviour §12): A-Z a-z 0-9, space and these symbols.
inline constexpr std::string_view kEntraAllowedSymbols = "@#$%^&*-_!+=[]{}|\\:',.?/`~\"();<>";

const PasswordPreset& QmulPreset();
const PasswordPreset& EntraPreset();

// The preset of that name ("qmul", "entra"; exact, lower case), or nullopt.
std::optional<PasswordPreset> FindPreset(std::string_view name);
// The names FindPreset knows, for configuration errors and documentation.
std::span<const std::string_view> PresetNames();

}  // namespace latchkey
