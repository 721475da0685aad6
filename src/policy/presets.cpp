#include "policy/presets.hpp"

#include <array>
#include <string>

namespace latchkey {
namespace {

std::string EntraAllowedCharacters() {
  std::string s;
  for (char c = 'A'; c <= 'Z'; ++c) s += c;
  for (char c = 'a'; c <= 'z'; ++c) s += c;
  for (char c = '0'; c <= '9'; ++c) s += c;
  s += ' ';
  s += kEntraAllowedSymbols;
  return s;
}

constexpr std::array<std::string_view, 2> kNames = {"qmul", "entra"};

}  // namespace

const PasswordPreset& QmulPreset() {
  static const PasswordPreset preset = [] {
    PasswordPreset p;
    p.name = "qmul";
    p.min_length = 12;
    p.max_length = 20;
    p.composition.required = {CharClass::kUpper, CharClass::kLower, CharClass::kDigit};
    p.composition.forbidden = {CharClass::kSymbol};
    p.history_on_change = kAllEarlierPasswords;
    p.history_on_reset = kAllEarlierPasswords;
    return p;
  }();
  return preset;
}

const PasswordPreset& EntraPreset() {
  static const PasswordPreset preset = [] {
    PasswordPreset p;
    p.name = "entra";
    p.min_length = 8;
    p.max_length = 256;
    p.composition.min_classes = 3;
    p.composition.allowed_characters = EntraAllowedCharacters();
    p.composition.allowed_description =
        "letters A-Z and a-z without accents, numbers, spaces and these symbols: " +
        std::string(kEntraAllowedSymbols);
    p.history_on_change = 1;
    p.history_on_reset = 0;
    return p;
  }();
  return preset;
}

std::optional<PasswordPreset> FindPreset(std::string_view name) {
  if (name == "qmul") return QmulPreset();
  if (name == "entra") return EntraPreset();
  return std::nullopt;
}

std::span<const std::string_view> PresetNames() { return kNames; }

}  // namespace latchkey
