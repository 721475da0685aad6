#include "policy/rules_from_config.hpp"

#include <filesystem>

#include "policy/banned_terms.hpp"
#include "policy/presets.hpp"

namespace latchkey {
namespace {

Result<CharClassSet> ParseClasses(const std::vector<std::string>& names, const char* key) {
  CharClassSet set;
  for (const auto& n : names) {
    const auto c = ParseCharClass(n);
    if (!c) {
      return Status::InvalidArgument(
          "invalid_config", std::string(key) + ": unknown class \"" + n +
                                "\" (expected upper, lower, digit, symbol, other_letter)",
          key);
    }
    set.Add(*c);
  }
  return set;
}

}  // namespace

Result<PasswordRules> PasswordRulesFromConfig(const Config& config) {
  const auto& c = config.password;
  PasswordRules r;
  std::optional<PasswordPreset> preset;
  if (!c.preset.empty()) {
    preset = FindPreset(c.preset);
    if (!preset) {
      return Status::InvalidArgument("invalid_config",
                                     "password.preset: unknown preset \"" + c.preset +
                                         "\" (expected qmul or entra)",
                                     "password.preset");
    }
  }
  // A key set in the file or the environment wins over the preset.
  auto from = [&](const char* key, auto mine, auto theirs) {
    return preset && !config.IsExplicit(std::string("password.") + key) ? theirs : mine;
  };
  r.min_length = from("min_length", c.min_length, preset ? preset->min_length : 0);
  r.max_length = from("max_length", c.max_length, preset ? preset->max_length : 0);
  Result<CharClassSet> required = ParseClasses(c.require_classes, "password.require_classes");
  if (!required.ok()) return required.status();
  Result<CharClassSet> forbidden = ParseClasses(c.forbid_classes, "password.forbid_classes");
  if (!forbidden.ok()) return forbidden.status();
  r.composition.required = from("require_classes", *required, preset ? preset->composition.required : CharClassSet{});
  r.composition.min_classes = from("min_classes", c.min_classes, preset ? preset->composition.min_classes : 0);
  r.composition.forbidden = from("forbid_classes", *forbidden, preset ? preset->composition.forbidden : CharClassSet{});
  r.composition.forbidden_characters = from("forbidden_characters", c.forbidden_characters,
                                            preset ? preset->composition.forbidden_characters : std::string());
  r.composition.allowed_characters = from("allowed_characters", c.allowed_characters,
                                          preset ? preset->composition.allowed_characters : std::string());
  if (preset && !config.IsExplicit("password.allowed_characters")) {
    r.composition.allowed_description = preset->composition.allowed_description;
  }
  // Presets distinguish change from reset; Latchkey's keys are one count plus
  // whether a reset may reuse the current password.
  if (preset && !config.IsExplicit("password.history")) {
    r.history = preset->history_on_change == kAllEarlierPasswords ? -1 : preset->history_on_change;
  } else {
    r.history = c.history;
  }
  if (preset && !config.IsExplicit("password.reset_may_reuse_current")) {
    r.reset_may_reuse_current = preset->history_on_reset < preset->history_on_change;
  } else {
    r.reset_may_reuse_current = c.reset_may_reuse_current;
  }
  r.min_strength = c.min_strength;
  r.banned_terms = c.banned_terms;
  r.breach_filter = c.breach_filter;
  for (const auto& term : r.banned_terms) {
    Status st = ValidateCustomBannedTerm(term);
    if (!st.ok()) {
      return Status::InvalidArgument("invalid_config",
                                     "password.banned_terms: \"" + term + "\": " +
                                         std::string(st.message()),
                                     "password.banned_terms");
    }
  }
  if (r.max_length < r.min_length) {
    return Status::InvalidArgument("invalid_config", "password.max_length is below min_length",
                                   "password.max_length");
  }
  LK_RETURN_IF_ERROR(ValidateCompositionRules(r.composition));
  return r;
}

std::vector<ConfigProblem> CheckPasswordConfig(const Config& config) {
  std::vector<ConfigProblem> out;
  Result<PasswordRules> r = PasswordRulesFromConfig(config);
  if (!r.ok()) {
    const std::string key = r.status().field().empty() ? "password" : std::string(r.status().field());
    out.push_back({key, std::string(r.status().message()), true});
    return out;
  }
  if (ImposesComposition(r->composition)) {
    out.push_back({"password", "composition rules are on; NIST SP 800-63B and OWASP ASVS advise "
                               "against them (they make passwords more predictable, not stronger)",
                   false});
  }
  if (!r->breach_filter.empty()) {
    std::error_code ec;
    if (!std::filesystem::exists(r->breach_filter, ec)) {
      out.push_back({"password.breach_filter",
                     r->breach_filter + " does not exist; build it with `latchkey breach import`", true});
    }
  } else {
    out.push_back({"password.breach_filter",
                   "empty: new passwords are not checked against breached passwords", false});
  }
  if (r->min_strength == 0) {
    out.push_back({"password.min_strength", "0: guessable passwords are accepted", false});
  }
  return out;
}

}  // namespace latchkey
