#include "methods/voice_code/voice_code_method.hpp"

namespace latchkey {

std::unique_ptr<Method> MakeVoiceCodeMethod(const PhoneMethodOptions& options) {
  return MakePhoneCodeMethod(MethodKind::kVoice, Channel::kVoice, LineUse::kCalls, options);
}

}  // namespace latchkey
