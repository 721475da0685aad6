// Attestation statement dispatch (§7.1 steps 21-24), the none, packed and
// fido-u2f formats, and the trust policy.
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "methods/webauthn/attestation_formats.hpp"
#include "methods/webauthn/cbor_util.hpp"

namespace latchkey::webauthn::internal {
namespace {

constexpr const char kAaguidOid[] = "1.3.6.1.4.1.45724.1.1.4";

std::string Step(std::string_view fmt) { return "attestation (" + std::string(fmt) + "): "; }

// The attestation algorithms whose packed signatures libfido2 verifies; others go
// to OpenSSL.
bool Fido2SignsWith(int alg) { return alg == kCoseEs256 || alg == kCoseRs256 || alg == kCoseEdDsa; }

Status VerifyWithOpenSsl(EVP_PKEY* key, int alg, std::string_view data, std::string_view sig,
                         std::string_view step) {
  if (CoseAlgHash(alg).empty() && alg != kCoseEdDsa) {
    return Fail(reasons::kBadAttestation, std::string(step) + "signature algorithm " +
                                              std::to_string(alg) + " is not supported");
  }
  if (!VerifySignature(key, alg, data, sig)) {
    return Fail(reasons::kBadSignature,
                std::string(step) + "the attestation signature does not verify (" +
                    std::string(CoseAlgName(alg)) + ", " + DescribeKey(key) + ")");
  }
  return Status::Ok();
}

// §8.2.1 packed attestation certificate requirements.
Status CheckPackedCertificate(X509* cert, const AuthData& auth_data, std::string_view step) {
  const std::string s(step);
  if (X509_get_version(cert) != X509_VERSION_3) {
    return Fail(reasons::kBadAttestation, s + "the attestation certificate is not X.509 v3");
  }
  if (!SubjectEntry(cert, NID_countryName) || !SubjectEntry(cert, NID_organizationName) ||
      !SubjectEntry(cert, NID_commonName)) {
    return Fail(reasons::kBadAttestation,
                s + "the attestation certificate subject lacks C, O or CN");
  }
  if (SubjectEntry(cert, NID_organizationalUnitName) != "Authenticator Attestation") {
    return Fail(reasons::kBadAttestation,
                s + "the attestation certificate subject OU is not \"Authenticator Attestation\"");
  }
  if (BasicConstraintsCa(cert) == true) {
    return Fail(reasons::kBadAttestation, s + "the attestation certificate is a CA certificate");
  }
  return CheckAaguidExtension(cert, auth_data, step);
}

}  // namespace

Result<AttStmt> ParseAttStmt(std::string_view cbor, std::string_view fmt) {
  const std::string step = Step(fmt);
  CborPtr map = CborDecode(cbor);
  if (!map || !cbor_isa_map(map.get()) || !CborMapHasUniqueKeys(map.get())) {
    return Fail(reasons::kBadAttestation, step + "attStmt is not a CBOR map");
  }
  AttStmt out;
  out.field_count = cbor_map_size(map.get());
  if (const cbor_item_t* v = CborMapGet(map.get(), "alg")) {
    auto alg = CborInt(v);
    if (!alg || *alg < -65536 || *alg > 65536) {
      return Fail(reasons::kBadAttestation, step + "\"alg\" is not a COSE algorithm");
    }
    out.alg = static_cast<int>(*alg);
  }
  if (const cbor_item_t* v = CborMapGet(map.get(), "sig")) {
    out.sig = CborBytes(v);
    if (!out.sig) return Fail(reasons::kBadAttestation, step + "\"sig\" is not a byte string");
  }
  if (const cbor_item_t* v = CborMapGet(map.get(), "x5c")) {
    if (!cbor_isa_array(v) || !cbor_array_is_definite(v)) {
      return Fail(reasons::kBadAttestation, step + "\"x5c\" is not an array");
    }
    out.has_x5c = true;
    cbor_item_t** certs = cbor_array_handle(v);
    for (std::size_t i = 0; i < cbor_array_size(v); ++i) {
      auto der = CborBytes(certs[i]);
      if (!der) return Fail(reasons::kBadAttestation, step + "an \"x5c\" entry is not bytes");
      out.x5c.push_back(std::move(*der));
    }
  }
  if (const cbor_item_t* v = CborMapGet(map.get(), "ver")) {
    out.ver = CborText(v);
    if (!out.ver) return Fail(reasons::kBadAttestation, step + "\"ver\" is not text");
  }
  if (const cbor_item_t* v = CborMapGet(map.get(), "certInfo")) {
    out.cert_info = CborBytes(v);
    if (!out.cert_info) return Fail(reasons::kBadAttestation, step + "\"certInfo\" is not bytes");
  }
  if (const cbor_item_t* v = CborMapGet(map.get(), "pubArea")) {
    out.pub_area = CborBytes(v);
    if (!out.pub_area) return Fail(reasons::kBadAttestation, step + "\"pubArea\" is not bytes");
  }
  out.has_ecdaa_key_id = CborMapGet(map.get(), "ecdaaKeyId") != nullptr;
  return out;
}

Result<X509Ptr> LeafCertificate(const AttStmt& stmt, std::string_view step) {
  if (stmt.x5c.empty()) {
    return Fail(reasons::kBadAttestation, std::string(step) + "\"x5c\" is missing or empty");
  }
  X509Ptr leaf;
  for (std::size_t i = 0; i < stmt.x5c.size(); ++i) {
    X509Ptr cert = ParseDerCertificate(stmt.x5c[i]);
    if (!cert) {
      return Fail(reasons::kBadAttestation, std::string(step) + "x5c[" + std::to_string(i) +
                                                "] is not a DER X.509 certificate");
    }
    if (i == 0) leaf = std::move(cert);
  }
  return leaf;
}

Status CheckAaguidExtension(X509* cert, const AuthData& auth_data, std::string_view step) {
  bool critical = false;
  const auto value = ExtensionValue(cert, kAaguidOid, &critical);
  if (!value) return Status::Ok();
  const std::string s(step);
  if (critical) {
    return Fail(reasons::kBadAttestation, s + "the AAGUID certificate extension is critical");
  }
  // The extension value is an OCTET STRING holding the 16-byte AAGUID.
  if (value->size() != 18 || (*value)[0] != '\x04' || (*value)[1] != '\x10' ||
      value->compare(2, 16, reinterpret_cast<const char*>(auth_data.aaguid.data()), 16) != 0) {
    return Fail(reasons::kBadAttestation,
                s + "the certificate's AAGUID differs from the authenticator data's");
  }
  return Status::Ok();
}

Result<AttestationOutcome> VerifyPacked(const AttestationContext& ctx, const AttStmt& stmt) {
  const std::string step = Step(ctx.fmt);
  if (stmt.has_ecdaa_key_id) {
    return Fail(reasons::kBadAttestation, step + "ECDAA is not supported (removed in Level 3)");
  }
  if (!stmt.alg || !stmt.sig)
    return Fail(reasons::kBadAttestation, step + "\"alg\" or \"sig\" is missing");
  const std::string signed_data = ctx.auth_data->raw + std::string(ctx.client_data_hash);
  AttestationOutcome out;

  if (stmt.has_x5c) {
    auto leaf = LeafCertificate(stmt, step);
    if (!leaf.ok()) return leaf.status();
    LK_RETURN_IF_ERROR(CheckPackedCertificate(leaf->get(), *ctx.auth_data, step));
    if (Fido2Accepts(*ctx.key) && Fido2SignsWith(*stmt.alg) && Fido2TakesFlags(ctx)) {
      LK_RETURN_IF_ERROR(Fido2VerifyCredential(ctx, /*self=*/false));
    } else {
      LK_RETURN_IF_ERROR(VerifyWithOpenSsl(X509_get0_pubkey(leaf->get()), *stmt.alg, signed_data,
                                           *stmt.sig, step));
    }
    out.type = AttestationType::kBasic;
    out.x5c = stmt.x5c;
    return out;
  }

  // Self attestation: signed by the credential key, under the credential's alg.
  if (*stmt.alg != ctx.key->alg) {
    return Fail(reasons::kBadAttestation,
                step + "self attestation with alg " + std::to_string(*stmt.alg) +
                    " but the credential's alg is " + std::to_string(ctx.key->alg));
  }
  if (Fido2Accepts(*ctx.key) && Fido2TakesFlags(ctx)) {
    LK_RETURN_IF_ERROR(Fido2VerifyCredential(ctx, /*self=*/true));
  } else {
    PkeyPtr key = ToOpenSsl(*ctx.key);
    LK_RETURN_IF_ERROR(VerifyWithOpenSsl(key.get(), *stmt.alg, signed_data, *stmt.sig, step));
  }
  out.type = AttestationType::kSelf;
  return out;
}

Result<AttestationOutcome> VerifyFidoU2f(const AttestationContext& ctx, const AttStmt& stmt) {
  const std::string step = Step(ctx.fmt);
  if (!stmt.sig) return Fail(reasons::kBadAttestation, step + "\"sig\" is missing");
  if (stmt.x5c.size() != 1) {
    return Fail(reasons::kBadAttestation, step + "\"x5c\" must hold exactly one certificate");
  }
  auto leaf = LeafCertificate(stmt, step);
  if (!leaf.ok()) return leaf.status();
  if (!IsEcP256(X509_get0_pubkey(leaf->get()))) {
    return Fail(reasons::kBadAttestation, step + "the certificate key is not an EC P-256 key");
  }
  if (ctx.key->alg != kCoseEs256) {
    return Fail(reasons::kBadAttestation, step + "the credential key is not an ES256 key");
  }
  // libfido2 rebuilds 0x00 ‖ rpIdHash ‖ clientDataHash ‖ credentialId ‖ 0x04 ‖ x ‖ y.
  LK_RETURN_IF_ERROR(Fido2VerifyCredential(ctx, /*self=*/false));
  AttestationOutcome out;
  out.type = AttestationType::kBasic;
  out.x5c = stmt.x5c;
  return out;
}

Result<AttestationOutcome> VerifyAttestationStatement(const AttestationContext& ctx) {
  // Formats match case-sensitively (§7.1 step 21).
  const std::string_view fmt = ctx.fmt;
  const bool known = fmt == "none" || fmt == "packed" || fmt == "fido-u2f" || fmt == "tpm" ||
                     fmt == "android-key" || fmt == "apple";
  if (!known) {
    return Fail(reasons::kUnsupportedFmt,
                "attestation: format \"" + std::string(fmt.substr(0, 40)) + "\" is not supported");
  }
  auto stmt = ParseAttStmt(ctx.att_stmt, fmt);
  if (!stmt.ok()) return stmt.status();
  if (fmt == "none") {
    if (stmt->field_count != 0) {
      return Fail(reasons::kBadAttestation, "attestation (none): attStmt is not empty");
    }
    return AttestationOutcome{};
  }
  if (fmt == "packed") return VerifyPacked(ctx, *stmt);
  if (fmt == "fido-u2f") return VerifyFidoU2f(ctx, *stmt);
  if (fmt == "tpm") return VerifyTpm(ctx, *stmt);
  if (fmt == "android-key") return VerifyAndroidKey(ctx, *stmt);
  return VerifyApple(ctx, *stmt);
}

namespace {

struct StoreFree {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct StoreCtxFree {
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
struct StackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};

}  // namespace

Result<AttestationTrust> EstablishTrust(const AttestationOutcome& outcome,
                                        const RegistrationInput& input) {
  if (input.trust_roots_pem.empty()) {
    if (input.require_trusted_attestation) {
      return Status::InvalidArgument(std::string(reasons::kBadTrustRoots),
                                     "attestation trust: trusted attestation is required but no "
                                     "trust roots are configured");
    }
    return AttestationTrust::kNotEstablished;
  }
  if (outcome.x5c.empty()) {
    if (input.require_trusted_attestation) {
      return Fail(reasons::kUntrustedAttestation,
                  "attestation trust: the statement has no certificate chain (" +
                      std::string(AttestationTypeName(outcome.type)) + " attestation)");
    }
    return AttestationTrust::kNotEstablished;
  }

  std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
  if (!store) return Status::Internal("X509_STORE_new failed");
  BIO* bio =
      BIO_new_mem_buf(input.trust_roots_pem.data(), static_cast<int>(input.trust_roots_pem.size()));
  int roots = 0;
  while (bio != nullptr) {
    X509* root = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    if (root == nullptr) break;
    if (X509_STORE_add_cert(store.get(), root) == 1) ++roots;
    X509_free(root);
  }
  BIO_free(bio);
  ERR_clear_error();  // the loop ends on a "no start line" error
  if (roots == 0) {
    return Status::InvalidArgument(std::string(reasons::kBadTrustRoots),
                                   "attestation trust: the trust roots hold no PEM certificate");
  }

  X509Ptr leaf = ParseDerCertificate(outcome.x5c.front());
  std::unique_ptr<STACK_OF(X509), StackFree> chain(sk_X509_new_null());
  if (!leaf || !chain) return Status::Internal("x5c could not be loaded for chain verification");
  for (std::size_t i = 1; i < outcome.x5c.size(); ++i) {
    X509* cert = ParseDerCertificate(outcome.x5c[i]).release();
    if (cert == nullptr || sk_X509_push(chain.get(), cert) == 0) {  // the stack owns it now
      X509_free(cert);
      return Status::Internal("x5c could not be loaded for chain verification");
    }
  }
  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> verify(X509_STORE_CTX_new());
  if (!verify || X509_STORE_CTX_init(verify.get(), store.get(), leaf.get(), chain.get()) != 1) {
    return Status::Internal("X509_STORE_CTX_init failed");
  }
  if (input.attestation_time) {
    X509_STORE_CTX_set_time(verify.get(), 0,
                            std::chrono::system_clock::to_time_t(*input.attestation_time));
  }
  if (X509_verify_cert(verify.get()) != 1) {
    const int err = X509_STORE_CTX_get_error(verify.get());
    ERR_clear_error();
    return Fail(reasons::kUntrustedAttestation,
                "attestation trust: the certificate chain does not lead to a configured root",
                X509_verify_cert_error_string(err));
  }
  return AttestationTrust::kTrusted;
}

}  // namespace latchkey::webauthn::internal
