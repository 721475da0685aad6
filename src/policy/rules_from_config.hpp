// The password rules the configuration asks for: the [password] keys, with a
// preset ("qmul", "entra") filling in the keys that are not set.
#pragma once

#include <vector>

#include "config/config.hpp"
#include "core/status.hpp"
#include "policy/password_policy.hpp"

namespace latchkey {

// kInvalidArgument naming the key ("password.require_classes", ...) for an unknown
// preset, class name or banned term.
Result<PasswordRules> PasswordRulesFromConfig(const Config& config);

// Problems `latchkey config check` reports about the [password] section (errors and
// warnings, e.g. composition rules, which NIST SP 800-63B advises against).
std::vector<ConfigProblem> CheckPasswordConfig(const Config& config);

}  // namespace latchkey
