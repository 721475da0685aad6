// The kinds of verification method (contract: "Method kinds").
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace latchkey {

enum class MethodKind : std::uint8_t {
  kEmail,
  kSms,
  kVoice,
  kOfficePhone,
  kTotp,
  kWebauthn,
  kSecurityQuestions,
  kRecoveryCode,
};

std::string_view ToString(MethodKind kind);
std::optional<MethodKind> ParseMethodKind(std::string_view text);

}  // namespace latchkey
