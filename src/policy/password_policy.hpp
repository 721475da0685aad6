// PasswordPolicy: the one place that decides whether a new password is
// acceptable. Every flow (reset, change, activation) and both interfaces
// (POST /api/v1/password/check, `latchkey password check`) ask it, so the answer
// is the same everywhere.
#pragma once

#include <string>
#include <vector>

#include "core/secret.hpp"
#include "policy/violation.hpp"  // Violation (ids here: "min_length", "max_length", "invalid_text")

namespace latchkey {

struct PasswordRules {
  int min_length = 12;   // in Unicode code points, after NFKC normalisation
  int max_length = 256;  // never truncated: longer is refused
};

// What the policy knows about the person choosing the password.
struct PasswordContext {
  std::string username;
  std::string display_name;
};

struct PolicyVerdict {
  bool accepted = false;
  std::vector<Violation> violations;
};

class PasswordPolicy {
 public:
  explicit PasswordPolicy(PasswordRules rules) : rules_(rules) {}
  // Checks every rule and reports every violation (not only the first).
  PolicyVerdict Check(const SecretString& password, const PasswordContext& context) const;
  const PasswordRules& rules() const { return rules_; }

 private:
  PasswordRules rules_;
};

}  // namespace latchkey
