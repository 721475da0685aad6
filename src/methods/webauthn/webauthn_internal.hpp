// Internal parts of the WebAuthn verifier, shared by src/methods/webauthn/*.cpp.
// Not for use outside this folder; the contract is webauthn_verifier.hpp.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"
#include "methods/webauthn/openssl_util.hpp"
#include "methods/webauthn/webauthn_verifier.hpp"

namespace latchkey::webauthn::internal {

// Malformed input: kInvalidArgument with reasons::kBadInput.
Status BadInput(std::string message, std::string detail = {});
// A failed check: kVerifyFailed with `reason`.
Status Fail(std::string_view reason, std::string message, std::string detail = {});

// ---------------------------------------------------------------- authenticator data
inline constexpr std::size_t kMaxCredentialIdBytes = 1023;

struct AuthData {
  std::string raw;
  std::string rp_id_hash;  // 32 bytes
  AuthenticatorFlags flags;
  std::uint32_t sign_count = 0;
  // Attested credential data (AT set).
  std::array<std::uint8_t, 16> aaguid{};
  std::string credential_id;
  std::string credential_public_key;  // the COSE_Key bytes, as encoded
  // Extensions (ED set): the CBOR map, as encoded.
  std::string extensions;
};

// Parses the layout of §6.1: rpIdHash ‖ flags ‖ signCount ‖ [attested credential
// data] ‖ [extensions]. Errors: kBadInput for truncation, trailing bytes or bad
// CBOR; kBadCredential for a credential id over 1023 bytes.
Result<AuthData> ParseAuthData(std::string_view raw);

// The rpIdHash, UP, UV and BE/BS checks shared by both ceremonies.
Status CheckRpIdHash(const AuthData& auth_data, const std::string& rp_id);
Status CheckFlags(const AuthData& auth_data, bool require_presence, bool require_verification);

// ---------------------------------------------------------------- client data
struct ClientDataExpectations {
  std::string_view type;  // "webauthn.create" or "webauthn.get"
  std::string_view challenge;
  const std::vector<std::string>* origins = nullptr;
  bool allow_cross_origin = false;
  const std::vector<std::string>* top_origins = nullptr;
};

// §7.1 steps 5-11 (§7.2 steps 7-14): UTF-8 decode (BOM stripped), JSON parse,
// type, challenge (constant time), origin, crossOrigin, topOrigin.
Status CheckClientData(std::string_view client_data_json, const ClientDataExpectations& expect);

// ---------------------------------------------------------------- COSE keys
struct CoseKey {
  int kty = 0;  // 1 OKP, 2 EC2, 3 RSA
  int alg = 0;
  int crv = 0;
  std::string x, y;  // EC2 / OKP
  std::string n, e;  // RSA, big-endian without leading zeros
  std::string encoded;
};

// Decodes and validates a COSE_Key for ES256 (EC2, P-256), EdDSA (OKP, Ed25519)
// or RS256 (RSA, 2048 to 16384 bits). The encoding must be CTAP2 canonical
// (shortest integers and lengths, definite lengths; libfido2 depends on it).
// Errors: kBadPublicKey (malformed, non-canonical, invalid point), kBadAlgorithm
// (an algorithm or key type we do not verify).
Result<CoseKey> ParseCoseKey(std::string_view bytes);
// A key from the raw forms StoredCredential documents. Same errors.
Result<CoseKey> CoseKeyFromRaw(std::string_view raw, int alg);
// The key as an OpenSSL public key (null only on allocation failure: parsing
// already validated it).
PkeyPtr ToOpenSsl(const CoseKey& key);
// libfido2 accepts EC P-256, Ed25519 and RSA keys of exactly 2048 bits with
// e = 65537; other RSA sizes are verified with OpenSSL.
bool Fido2Accepts(const CoseKey& key);
// The key in libfido2's raw form: x‖y, the Ed25519 point, or n‖e (256 + 3 bytes).
std::string Fido2RawKey(const CoseKey& key);

// ---------------------------------------------------------------- attestation
struct AttestationContext {
  std::string_view fmt;
  std::string_view att_stmt;  // the attStmt map, CBOR-encoded
  const AuthData* auth_data = nullptr;
  std::string_view client_data_hash;
  const CoseKey* key = nullptr;
  const RegistrationInput* input = nullptr;
};

struct AttestationOutcome {
  AttestationType type = AttestationType::kNone;
  std::vector<std::string> x5c;
};

// §7.1 steps 21-22: the statement by fmt. Errors: kUnsupportedFmt,
// kBadAttestation, kBadSignature.
Result<AttestationOutcome> VerifyAttestationStatement(const AttestationContext& ctx);

// §7.1 steps 23-24 with our policy: chain x5c to the configured roots.
// Errors: kUntrustedAttestation, kBadTrustRoots.
Result<AttestationTrust> EstablishTrust(const AttestationOutcome& outcome,
                                        const RegistrationInput& input);

// ---------------------------------------------------------------- libfido2
// Registration through fido_cred_*: checks rpIdHash, client data hash, UV (when
// required) and the statement's signature. `self` selects fido_cred_verify_self.
// Errors: kBadSignature, kBadAttestation.
Status Fido2VerifyCredential(const AttestationContext& ctx, bool self);
// Assertion through fido_assert_*: rpIdHash, UP, UV (when required), signature
// over authData ‖ clientDataHash. Errors: kBadSignature.
Status Fido2VerifyAssertion(const CoseKey& key, const std::string& rp_id, const AuthData& auth_data,
                            std::string_view client_data_hash, std::string_view signature,
                            bool require_uv);

}  // namespace latchkey::webauthn::internal
