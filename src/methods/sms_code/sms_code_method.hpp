// The mobile-phone text method: a one-time code sent by SMS to a registered
// mobile number. A gate for reset, unlock and activation, and a sign-in factor
// (NIST SP 800-63B: a RESTRICTED authenticator, see docs/methods.md). People
// register a number themselves by typing it ({"phone"}) and entering the code it
// was sent ({"code"}); an administrator's `user add --phone` registers one at once.
#pragma once

#include <memory>

#include "core/method.hpp"
#include "methods/phone_code.hpp"

namespace latchkey {

// Implements Method and Enroller (kind sms, channel sms, mobile lines only).
std::unique_ptr<Method> MakeSmsCodeMethod(const PhoneMethodOptions& options);

}  // namespace latchkey
