// The "apple" anonymous attestation format (§8.8), verified with OpenSSL:
// libfido2 does not know this format. The nonce extension
// 1.2.840.113635.100.8.2 is DER: SEQUENCE { [1] EXPLICIT OCTET STRING nonce }.
#include <openssl/asn1.h>

#include "methods/webauthn/attestation_formats.hpp"
#include "methods/webauthn/der_reader.hpp"

namespace latchkey::webauthn::internal {
namespace {

constexpr const char kAppleNonceOid[] = "1.2.840.113635.100.8.2";

std::optional<std::string_view> ParseNonce(std::string_view der) {
  DerReader outer(der);
  auto seq = outer.Next();
  if (!seq || !outer.AtEnd() || seq->cls != V_ASN1_UNIVERSAL || seq->tag != V_ASN1_SEQUENCE) {
    return std::nullopt;
  }
  DerReader fields(seq->content);
  while (auto field = fields.Next()) {
    if (field->cls != V_ASN1_CONTEXT_SPECIFIC || field->tag != 1 || !field->constructed) continue;
    DerReader inner(field->content);
    auto nonce = inner.Next();
    if (!nonce || !inner.AtEnd() || nonce->cls != V_ASN1_UNIVERSAL ||
        nonce->tag != V_ASN1_OCTET_STRING) {
      return std::nullopt;
    }
    return nonce->content;
  }
  return std::nullopt;
}

}  // namespace

Result<AttestationOutcome> VerifyApple(const AttestationContext& ctx, const AttStmt& stmt) {
  const std::string step = "attestation (apple): ";
  auto leaf = LeafCertificate(stmt, step);
  if (!leaf.ok()) return leaf.status();
  const auto extension = ExtensionValue(leaf->get(), kAppleNonceOid);
  if (!extension) return Fail(reasons::kBadAttestation, step + "the nonce extension is missing");
  const auto nonce = ParseNonce(*extension);
  if (!nonce) return Fail(reasons::kBadAttestation, step + "the nonce extension is malformed");
  const std::string expected = Sha256(ctx.auth_data->raw + std::string(ctx.client_data_hash));
  if (*nonce != expected) {
    return Fail(reasons::kBadAttestation,
                step + "the nonce is not SHA-256(authenticatorData || clientDataHash)");
  }
  PkeyPtr credential_key = ToOpenSsl(*ctx.key);
  if (!SameKey(X509_get0_pubkey(leaf->get()), credential_key.get())) {
    return Fail(reasons::kBadAttestation,
                step + "the certificate key is not the credential public key");
  }
  AttestationOutcome out;
  out.type = AttestationType::kAnonCa;
  out.x5c = stmt.x5c;
  return out;
}

}  // namespace latchkey::webauthn::internal
