// Binary encodings used at the WebAuthn JSON boundary.
//
// Browsers serialise binary fields as base64url without padding (RFC 4648 §5).
// Some client libraries send standard base64 instead ('+', '/'), or add '='
// padding; DecodeWebAuthnBase64 accepts both alphabets (not mixed in one value),
// with or without correct padding, and normalises to the same bytes. Everything this service
// produces is base64url without padding. Thread-safe, no state.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace latchkey::webauthn {

// Raw bytes of a base64url or base64 value; nullopt for anything else (wrong
// characters, mixed alphabets, misplaced or excess padding, non-zero trailing
// bits). The empty string decodes to no bytes.
std::optional<std::string> DecodeWebAuthnBase64(std::string_view text);

// Base64url without padding.
std::string EncodeBase64Url(std::string_view bytes);

// "876ca4f5-2071-c3e9-b255-09ef2cdf7ed6".
std::string FormatAaguid(const std::array<std::uint8_t, 16>& aaguid);

}  // namespace latchkey::webauthn
