#include "policy/context_rules.hpp"

#include <string>

#include "policy/match_text.hpp"

namespace latchkey {
namespace {

// The normal forms of one field's words: whole, each word, words run together.
std::vector<std::u32string> FieldKeys(std::string_view field) {
  std::vector<std::u32string> keys;
  auto add = [&keys](std::u32string key) {
    if (key.empty()) return;
    for (const std::u32string& k : keys) {
      if (k == key) return;
    }
    keys.push_back(std::move(key));
  };
  add(MatchKey(field));
  const std::vector<std::string> words = SplitWords(field);
  std::string joined;
  for (const std::string& w : words) {
    add(MatchKey(w));
    joined += w;
  }
  if (words.size() > 1) add(MatchKey(joined));
  return keys;
}

bool Matches(std::u32string_view password, std::u32string_view key, std::size_t min_word_length) {
  if (key.empty()) return false;
  if (password == key) return true;
  return key.size() >= min_word_length && password.find(key) != std::u32string_view::npos;
}

bool Breaks(std::u32string_view password, std::string_view field, std::size_t min_word_length) {
  if (field.empty()) return false;
  for (const std::u32string& key : FieldKeys(field)) {
    if (Matches(password, key, min_word_length)) return true;
  }
  return false;
}

// An address (or a username with an '@'): the local part's words, and the whole address
// as one word, never the words of the domain.
bool BreaksAddress(std::u32string_view password, std::string_view address,
                   std::size_t min_word_length) {
  if (address.empty()) return false;
  if (address.find('@') == std::string_view::npos) {
    return Breaks(password, address, min_word_length);
  }
  return Matches(password, MatchKey(address), min_word_length) ||
         Breaks(password, EmailLocalPart(address), min_word_length);
}

}  // namespace

Result<ContextRules> ContextRules::Create(ContextRuleOptions options) {
  if (options.min_word_length < 1 || options.min_word_length > 64) {
    return Status::InvalidArgument("invalid_context_word_length",
                                   "The context word length must be from 1 to 64.",
                                   "password.context_min_word_length");
  }
  return ContextRules(options);
}

std::vector<Violation> ContextRules::Check(std::string_view password,
                                           const PersonalInfo& person) const {
  std::u32string key = MatchKey(password);
  const auto min = static_cast<std::size_t>(options_.min_word_length);
  std::vector<Violation> out;
  if (BreaksAddress(key, person.username, min)) {
    out.push_back({std::string(kContextUsernameRule), "Don't use your username in your password."});
  }
  if (Breaks(key, person.display_name, min)) {
    out.push_back({std::string(kContextDisplayNameRule), "Don't use your name in your password."});
  }
  if (BreaksAddress(key, person.email, min)) {
    out.push_back(
        {std::string(kContextEmailRule), "Don't use your email address in your password."});
  }
  WipeBuffer(key);
  return out;
}

}  // namespace latchkey
