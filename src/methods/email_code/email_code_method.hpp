// The alternate-email method: a one-time code sent to a registered address.
// A recovery gate for reset, unlock and activation (NIST: email is not a sign-in
// factor, but R4 allows it for recovery).
#pragma once

#include <memory>

#include "core/method.hpp"
#include "methods/one_time_code.hpp"

namespace latchkey {

std::unique_ptr<Method> MakeEmailCodeMethod(const CodeOptions& options);

}  // namespace latchkey
