#include "policy/password_policy.hpp"

#include <sodium.h>

#include "policy/banned_terms.hpp"
#include "policy/breach_filter.hpp"
#include "policy/context_rules.hpp"
#include "policy/strength.hpp"
#include "text/unicode.hpp"

namespace latchkey {

Result<PasswordPolicy> PasswordPolicy::Create(const PasswordRules& rules) {
  if (rules.min_length < 1 || rules.max_length < rules.min_length) {
    return Status::InvalidArgument("invalid_policy", "password.max_length must be at least min_length",
                                   "password.max_length");
  }
  LK_RETURN_IF_ERROR(ValidateCompositionRules(rules.composition));
  PasswordPolicy p(rules);
  Result<BannedTerms> banned =
      BannedTerms::WithGlobalList(rules.banned_terms, BannedTermsOptions{rules.banned_min_score});
  if (!banned.ok()) return banned.status();
  p.banned_ = std::make_shared<const BannedTerms>(std::move(banned).value());
  if (rules.min_strength > 0) {
    Result<StrengthChecker> strength = StrengthChecker::Create(rules.min_strength);
    if (!strength.ok()) return strength.status();
    p.strength_ = std::make_shared<const StrengthChecker>(std::move(strength).value());
  } else {
    Result<StrengthChecker> estimate_only = StrengthChecker::Create(0);
    if (estimate_only.ok()) p.strength_ = std::make_shared<const StrengthChecker>(std::move(estimate_only).value());
  }
  if (rules.context_rules) {
    Result<ContextRules> context = ContextRules::Create();
    if (!context.ok()) return context.status();
    p.context_ = std::make_shared<const ContextRules>(std::move(context).value());
  }
  if (!rules.breach_filter.empty()) {
    Result<BreachFilter> filter = BreachFilter::Open(rules.breach_filter);
    if (!filter.ok()) {
      Status st = filter.status();
      if (st.code() == Errc::kNotFound) {
        return Status::InvalidArgument(
            "missing_breach_filter",
            "password.breach_filter: " + rules.breach_filter +
                " does not exist; build it with `latchkey breach import FILE --output " +
                rules.breach_filter + "`",
            "password.breach_filter");
      }
      return st;
    }
    p.breach_ = std::make_shared<const BreachFilter>(std::move(filter).value());
  }
  return p;
}

PasswordPolicy PasswordPolicy::LengthOnly(int min_length, int max_length) {
  PasswordRules r;
  r.min_length = min_length;
  r.max_length = max_length;
  r.min_strength = 0;
  r.context_rules = false;
  return PasswordPolicy(r);
}

Violation PasswordPolicy::HistoryViolation() {
  return {std::string(kHistoryRule),
          "You have used this password before. Choose one you have not used."};
}

PolicyVerdict PasswordPolicy::Check(const SecretString& password,
                                    const PasswordContext& context) const {
  PolicyVerdict v;
  std::optional<std::string> normalized = NormalizeNfkc(password.view());
  if (!normalized) {
    v.violations.push_back({std::string(kInvalidTextRule),
                            "The password contains characters that are not valid text."});
    return v;
  }
  const SecretString norm(std::move(*normalized));
  const std::string_view pw = norm.view();
  const auto length = static_cast<int>(CodePointCount(pw));
  if (length < rules_.min_length) {
    v.violations.push_back({std::string(kMinLengthRule),
                            "Use at least " + std::to_string(rules_.min_length) + " characters."});
  }
  const bool too_long = length > rules_.max_length;
  if (too_long) {
    v.violations.push_back({std::string(kMaxLengthRule),
                            "Use at most " + std::to_string(rules_.max_length) + " characters."});
  }
  for (auto& c : CheckComposition(pw, rules_.composition)) v.violations.push_back(std::move(c));
  if (context_) {
    for (auto& c : context_->Check(pw, context)) v.violations.push_back(std::move(c));
  }
  if (too_long) {
    // The word rules' cost grows with the length, and the answer is no anyway.
    return v;
  }
  if (banned_) {
    if (auto b = BannedTermsViolation(banned_->Check(pw, context))) v.violations.push_back(std::move(*b));
  }
  if (strength_) {
    v.strength = strength_->Estimate(pw, context).score;
    if (rules_.min_strength > 0) {
      if (auto s = strength_->Check(pw, context)) v.violations.push_back(std::move(*s));
    }
  }
  if (breach_) {
    // Pwned Passwords hashes what people typed; check the normalised form too.
    const bool hit = breach_->MayContainPassword(password.view()) ||
                     (pw != password.view() && breach_->MayContainPassword(pw));
    if (hit) {
      v.violations.push_back({std::string(kBreachedRule),
                              "This password has appeared in a data breach, so attackers try it "
                              "first. Choose a different one."});
    }
  }
  v.accepted = v.violations.empty();
  return v;
}

std::vector<std::string> PasswordPolicy::Describe() const {
  std::vector<std::string> out;
  out.push_back("Use " + std::to_string(rules_.min_length) + " to " +
                std::to_string(rules_.max_length) + " characters; spaces are allowed.");
  for (auto& s : DescribeComposition(rules_.composition)) out.push_back(std::move(s));
  if (context_) out.push_back("Do not use your username, your name or your email address.");
  out.push_back("Avoid common words and passwords: they are guessed first.");
  if (breach_) out.push_back("Passwords known from data breaches are refused.");
  if (rules_.history != 0) {
    out.push_back(rules_.history < 0
                      ? "You cannot reuse a password you have used before."
                      : "You cannot reuse any of your last " + std::to_string(rules_.history) +
                            " passwords.");
  }
  return out;
}

Status RejectionOf(const PolicyVerdict& verdict) {
  Status::Violations v;
  for (const auto& x : verdict.violations) v.emplace_back(x.rule, x.message);
  return Status::PolicyRejected("password_rejected",
                                "Choose a different password: " + verdict.violations.front().message,
                                "new_password")
      .WithViolations(std::move(v));
}

}  // namespace latchkey
