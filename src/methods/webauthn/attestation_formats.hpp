// The attestation statement formats (§8), one function each (internal).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "methods/webauthn/openssl_util.hpp"
#include "methods/webauthn/webauthn_internal.hpp"

namespace latchkey::webauthn::internal {

// The attStmt fields the formats use, decoded and typed.
struct AttStmt {
  std::size_t field_count = 0;
  std::optional<int> alg;
  std::optional<std::string> sig;
  bool has_x5c = false;
  std::vector<std::string> x5c;  // DER, leaf first
  std::optional<std::string> ver;
  std::optional<std::string> cert_info;
  std::optional<std::string> pub_area;
  bool has_ecdaa_key_id = false;
};

// Errors: kBadAttestation (fields of the wrong type, x5c not an array of bytes).
Result<AttStmt> ParseAttStmt(std::string_view cbor, std::string_view fmt);

// Each returns the attestation type and the chain. Errors: kBadAttestation,
// kBadSignature.
Result<AttestationOutcome> VerifyPacked(const AttestationContext& ctx, const AttStmt& stmt);
Result<AttestationOutcome> VerifyFidoU2f(const AttestationContext& ctx, const AttStmt& stmt);
Result<AttestationOutcome> VerifyTpm(const AttestationContext& ctx, const AttStmt& stmt);
Result<AttestationOutcome> VerifyAndroidKey(const AttestationContext& ctx, const AttStmt& stmt);
Result<AttestationOutcome> VerifyApple(const AttestationContext& ctx, const AttStmt& stmt);

// libfido2 insists on user presence; a conditional registration (UP clear, and
// allowed by the caller) is verified with OpenSSL instead.
inline bool Fido2TakesFlags(const AttestationContext& ctx) {
  return ctx.auth_data->flags.user_present();
}

// Parses every x5c entry; x5c[0] is returned. Errors: kBadAttestation.
Result<X509Ptr> LeafCertificate(const AttStmt& stmt, std::string_view step);
// id-fido-gen-ce-aaguid (1.3.6.1.4.1.45724.1.1.4): when present it must not be
// critical and must equal the AAGUID in the authenticator data.
Status CheckAaguidExtension(X509* cert, const AuthData& auth_data, std::string_view step);

}  // namespace latchkey::webauthn::internal
