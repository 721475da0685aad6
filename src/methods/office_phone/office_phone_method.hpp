// The office phone: a desk number set only by an administrator
// (`latchkey user set-office-phone NAME E164`), shown to the person read-only
// ("managed by your administrator"). At a gate the service calls it and reads a
// one-time code out, like the voice method. There is no Enroller: people cannot
// register or change it themselves. Extensions are not dialled (as in Entra's
// SSPR): set a direct number.
#pragma once

#include <memory>
#include <string>

#include "core/method.hpp"
#include "methods/phone_code.hpp"

namespace latchkey {

std::unique_ptr<Method> MakeOfficePhoneMethod(const CodeOptions& codes);

// The enrollment an administrator's command stores: active, source admin, the
// number's E.164 form as its secret. kInvalidArgument (field "phone") for a number
// that is not valid or is premium-rate or forwarding.
Result<Enrollment> MakeOfficePhoneEnrollment(std::string_view typed, std::string_view default_region,
                                             AccountId account, const KeyRing& keys,
                                             const Clock& clock, Random& random);

}  // namespace latchkey
