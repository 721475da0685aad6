// PasswordPolicy: the one place that decides whether a new password is acceptable.
// Every flow (reset, change, activation, admin) and both interfaces
// (POST /api/v1/password/check, `latchkey password check`) ask it, so the answer is
// the same everywhere (docs/password-policy.md).
//
// The password is NFKC-normalised first; then every rule runs and every broken one
// is reported (not only the first): length, composition, context (username, name,
// email), banned terms (the Entra algorithm), strength (zxcvbn) and the breached
// corpus. The history rule needs the account's earlier passwords and lives in
// PasswordHistory; flows add its violation to the same list.
//
// Immutable after Create and safe to share between threads.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/secret.hpp"
#include "core/status.hpp"
#include "policy/composition.hpp"
#include "policy/personal_info.hpp"
#include "policy/violation.hpp"

namespace latchkey {

class BannedTerms;
class BreachFilter;
class ContextRules;
class StrengthChecker;

struct PasswordRules {
  int min_length = 12;   // in Unicode code points, after NFKC normalisation
  int max_length = 256;  // never truncated: longer is refused
  CompositionRules composition;            // off by default (NIST)
  int min_strength = 3;                    // zxcvbn score 0..4; 0 turns the rule off
  std::vector<std::string> banned_terms;   // the organisation's own terms
  int banned_min_score = 5;                // Entra: accept at a score of 5 or more
  bool context_rules = true;               // not the username, name or email
  std::string breach_filter;               // path of a filter file; empty: no corpus check
  // History, applied by the flows with PasswordHistory: the number of most recent
  // passwords (the current one first) a new one must differ from; -1 = all of them.
  int history = 5;
  bool reset_may_reuse_current = false;    // Entra allows the last password on reset
};

// What the policy knows about the person choosing the password.
using PasswordContext = PersonalInfo;

struct PolicyVerdict {
  bool accepted = false;
  std::vector<Violation> violations;
  int strength = 0;  // zxcvbn score 0..4 of the normalised password
};

// A refused verdict as the answer people get: kPolicyRejected "password_rejected"
// on field "new_password", the first broken rule in the message, every one in
// Status::violations(). The verdict must have at least one violation.
Status RejectionOf(const PolicyVerdict& verdict);

// Violation ids from this file (the components define theirs).
inline constexpr std::string_view kMinLengthRule = "min_length";
inline constexpr std::string_view kMaxLengthRule = "max_length";
inline constexpr std::string_view kInvalidTextRule = "invalid_text";
inline constexpr std::string_view kBreachedRule = "breached";
inline constexpr std::string_view kHistoryRule = "history";

class PasswordPolicy {
 public:
  // Builds every component: the banned-terms matcher (about 40 ms with the global
  // list), and the breach filter when `rules.breach_filter` is set (opened and
  // verified: kNotFound when the file is missing, kInvalidArgument when corrupt).
  // kInvalidArgument names the configuration key for invalid rules.
  static Result<PasswordPolicy> Create(const PasswordRules& rules);
  // Length and composition only (no word lists, no corpus): for tests and tools.
  static PasswordPolicy LengthOnly(int min_length, int max_length);

  // Checks every rule and reports every violation.
  PolicyVerdict Check(const SecretString& password, const PasswordContext& context) const;

  // The rules in words, to show before the person types.
  std::vector<std::string> Describe() const;

  const PasswordRules& rules() const { return rules_; }
  // The violation for a reused password (see PasswordHistory).
  static Violation HistoryViolation();

 private:
  explicit PasswordPolicy(PasswordRules rules) : rules_(std::move(rules)) {}

  PasswordRules rules_;
  std::shared_ptr<const BannedTerms> banned_;
  std::shared_ptr<const StrengthChecker> strength_;
  std::shared_ptr<const ContextRules> context_;
  std::shared_ptr<const BreachFilter> breach_;
};

}  // namespace latchkey
