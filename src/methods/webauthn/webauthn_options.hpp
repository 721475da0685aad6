// PublicKeyCredentialCreationOptions and PublicKeyCredentialRequestOptions as
// JSON, in the form PublicKeyCredential.parseCreationOptionsFromJSON() and
// parseRequestOptionsFromJSON() take (WebAuthn Level 3 §5.1.9, §5.1.10): binary
// members are base64url without padding.
//
// The caller keeps the challenge it put in the options (to hand to
// VerifyRegistration / VerifyAssertion, once). Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/random.hpp"
#include "core/status.hpp"
#include "methods/webauthn/webauthn_verifier.hpp"

namespace latchkey::webauthn {

// Challenges carry at least 32 random bytes (well over the 64 bits of entropy
// that OWASP ASVS V6.7.2 asks for).
inline constexpr std::size_t kChallengeBytes = 32;
// kChallengeBytes fresh bytes from `random`.
ByteString NewChallenge(Random& random);

struct CredentialDescriptor {
  ByteString id;
  std::vector<std::string> transports;  // "usb", "nfc", "ble", "hybrid", "internal", ...
};

struct CreationOptionsParams {
  std::string rp_id;
  std::string rp_name;
  ByteString user_id;  // the user handle: 1 to 64 opaque bytes, no personal data
  std::string user_name;
  std::string user_display_name;
  ByteString challenge;                                                // at least kChallengeBytes
  std::vector<int> algorithms = {kCoseEs256, kCoseEdDsa, kCoseRs256};  // preference order
  std::vector<CredentialDescriptor> exclude_credentials;  // the user's existing credentials
  std::string authenticator_attachment;                   // "", "platform" or "cross-platform"
  std::string resident_key = "preferred";                 // "discouraged", "preferred", "required"
  std::string user_verification = "preferred";            // "required", "preferred", "discouraged"
  std::string attestation = "none";   // "none", "indirect", "direct", "enterprise"
  std::uint32_t timeout_ms = 300000;  // the specification's recommended default (5 min)
  std::vector<std::string> hints;     // "security-key", "client-device", "hybrid"
};

// Errors (kInvalidArgument, reason "webauthn_bad_options"): a challenge shorter
// than kChallengeBytes, an empty RP id, a user id outside 1..64 bytes, an
// unknown enumeration value, no algorithms.
Result<std::string> BuildCreationOptionsJson(const CreationOptionsParams& params);

struct RequestOptionsParams {
  std::string rp_id;
  ByteString challenge;
  std::vector<CredentialDescriptor> allow_credentials;  // empty: discoverable credentials
  std::string user_verification = "preferred";
  std::uint32_t timeout_ms = 300000;
  std::vector<std::string> hints;
};

// Errors as for BuildCreationOptionsJson.
Result<std::string> BuildRequestOptionsJson(const RequestOptionsParams& params);

}  // namespace latchkey::webauthn
