#include "methods/sms_code/sms_code_method.hpp"

namespace latchkey {

std::unique_ptr<Method> MakeSmsCodeMethod(const PhoneMethodOptions& options) {
  return MakePhoneCodeMethod(MethodKind::kSms, Channel::kSms, LineUse::kTexts, options);
}

}  // namespace latchkey
