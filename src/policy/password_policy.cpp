#include "policy/password_policy.hpp"

#include "text/unicode.hpp"

namespace latchkey {

PolicyVerdict PasswordPolicy::Check(const SecretString& password,
                                    const PasswordContext& context) const {
  (void)context;
  PolicyVerdict v;
  const std::optional<std::string> normalized = NormalizeNfkc(password.view());
  if (!normalized) {
    v.violations.push_back({"invalid_text", "The password contains characters that are not valid text."});
    return v;
  }
  const SecretString norm(std::move(*normalized));
  const auto length = static_cast<int>(CodePointCount(norm.view()));
  if (length < rules_.min_length) {
    v.violations.push_back({"min_length", "Use at least " + std::to_string(rules_.min_length) +
                                              " characters."});
  }
  if (length > rules_.max_length) {
    v.violations.push_back({"max_length", "Use at most " + std::to_string(rules_.max_length) +
                                              " characters."});
  }
  v.accepted = v.violations.empty();
  return v;
}

}  // namespace latchkey
