// The mobile-phone call method: a call to a registered number that reads a
// one-time code out, digit by digit, twice. The same gate and registration as the
// text method (methods/sms_code), over the voice channel; landlines are accepted
// too, since a call needs no mobile. A number registered for texts is a separate
// `sms` enrollment: each channel is proven by its own code.
#pragma once

#include <memory>

#include "core/method.hpp"
#include "methods/phone_code.hpp"

namespace latchkey {

// Implements Method and Enroller (kind voice, channel voice, mobiles and landlines).
std::unique_ptr<Method> MakeVoiceCodeMethod(const PhoneMethodOptions& options);

}  // namespace latchkey
