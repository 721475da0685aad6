// The alternate-email method: a one-time code sent to a registered address.
// A recovery gate for reset, unlock and activation (NIST: email is not a sign-in
// factor, but R4 allows it for recovery). People register an address themselves
// by proving they receive a code sent to it.
#pragma once

#include <memory>
#include <string>

#include "core/method.hpp"
#include "methods/one_time_code.hpp"

namespace latchkey {

struct EmailMethodOptions {
  CodeOptions codes;
  int max_per_account = 5;
  // Addresses in these domains are refused at registration ("it cannot be your
  // school email"): the alternate address must reach the person when the
  // organisation's own account is the one they cannot get into.
  std::vector<std::string> forbidden_domains;
};

// The returned object implements both Method and Enroller.
std::unique_ptr<Method> MakeEmailCodeMethod(const EmailMethodOptions& options);
// Shorthand with default registration rules.
std::unique_ptr<Method> MakeEmailCodeMethod(const CodeOptions& codes);

}  // namespace latchkey
