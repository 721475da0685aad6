// The "android-key" attestation format (§8.4), verified with OpenSSL: libfido2
// does not know this format.
//
// The certificate extension 1.3.6.1.4.1.11129.2.1.17 holds Android's
// KeyDescription (Android Keystore "key attestation" schema):
//   KeyDescription ::= SEQUENCE {
//     attestationVersion INTEGER, attestationSecurityLevel SecurityLevel,
//     keymasterVersion INTEGER, keymasterSecurityLevel SecurityLevel,
//     attestationChallenge OCTET STRING, uniqueId OCTET STRING,
//     softwareEnforced AuthorizationList, teeEnforced AuthorizationList }
//   AuthorizationList ::= SEQUENCE { purpose [1] EXPLICIT SET OF INTEGER OPTIONAL,
//     ..., allApplications [600] EXPLICIT NULL OPTIONAL, ...,
//     origin [702] EXPLICIT INTEGER OPTIONAL, ... }
#include <openssl/asn1.h>

#include <vector>

#include "methods/webauthn/attestation_formats.hpp"
#include "methods/webauthn/der_reader.hpp"

namespace latchkey::webauthn::internal {
namespace {

constexpr const char kKeyDescriptionOid[] = "1.3.6.1.4.1.11129.2.1.17";
constexpr int kTagPurpose = 1;
constexpr int kTagAllApplications = 600;
constexpr int kTagOrigin = 702;
constexpr std::int64_t kKmOriginGenerated = 0;
constexpr std::int64_t kKmPurposeSign = 2;

struct AuthorizationList {
  std::vector<std::int64_t> purposes;
  bool all_applications = false;
  std::optional<std::int64_t> origin;
};

struct KeyDescription {
  std::string_view attestation_challenge;
  AuthorizationList software_enforced;
  AuthorizationList tee_enforced;
};

bool IsUniversal(const std::optional<DerElement>& e, int tag) {
  return e && e->cls == V_ASN1_UNIVERSAL && e->tag == tag;
}

std::optional<AuthorizationList> ParseAuthorizationList(const DerElement& seq) {
  if (seq.cls != V_ASN1_UNIVERSAL || seq.tag != V_ASN1_SEQUENCE || !seq.constructed) {
    return std::nullopt;
  }
  AuthorizationList list;
  DerReader fields(seq.content);
  while (auto field = fields.Next()) {
    // Every field is [n] EXPLICIT: a context-specific wrapper around one element.
    if (field->cls != V_ASN1_CONTEXT_SPECIFIC || !field->constructed) return std::nullopt;
    DerReader inner(field->content);
    auto value = inner.Next();
    if (!value || !inner.AtEnd()) return std::nullopt;
    switch (field->tag) {
      case kTagPurpose: {
        if (value->tag != V_ASN1_SET || !value->constructed) return std::nullopt;
        DerReader set(value->content);
        while (auto p = set.Next()) {
          auto purpose = DerInteger(*p);
          if (!purpose) return std::nullopt;
          list.purposes.push_back(*purpose);
        }
        if (set.failed()) return std::nullopt;
        break;
      }
      case kTagAllApplications:
        list.all_applications = true;
        break;
      case kTagOrigin: {
        auto origin = DerInteger(*value);
        if (!origin) return std::nullopt;
        list.origin = *origin;
        break;
      }
      default:
        break;  // the many other authorizations do not concern WebAuthn
    }
  }
  if (fields.failed()) return std::nullopt;
  return list;
}

std::optional<KeyDescription> ParseKeyDescription(std::string_view der) {
  DerReader outer(der);
  auto seq = outer.Next();
  if (!IsUniversal(seq, V_ASN1_SEQUENCE) || !outer.AtEnd()) return std::nullopt;
  DerReader r(seq->content);
  auto attestation_version = r.Next();
  auto attestation_security_level = r.Next();
  auto keymaster_version = r.Next();
  auto keymaster_security_level = r.Next();
  auto challenge = r.Next();
  auto unique_id = r.Next();
  auto software = r.Next();
  auto tee = r.Next();
  // Security levels are ENUMERATED; INTEGER is tolerated (their values are unused).
  if (!attestation_version || !DerInteger(*attestation_version) || !attestation_security_level ||
      !DerInteger(*attestation_security_level) || !keymaster_version ||
      !DerInteger(*keymaster_version) || !keymaster_security_level ||
      !DerInteger(*keymaster_security_level) || !IsUniversal(challenge, V_ASN1_OCTET_STRING) ||
      !IsUniversal(unique_id, V_ASN1_OCTET_STRING) || !software || !tee) {
    return std::nullopt;
  }
  auto software_list = ParseAuthorizationList(*software);
  auto tee_list = ParseAuthorizationList(*tee);
  if (!software_list || !tee_list) return std::nullopt;
  KeyDescription out;
  out.attestation_challenge = challenge->content;
  out.software_enforced = std::move(*software_list);
  out.tee_enforced = std::move(*tee_list);
  return out;
}

}  // namespace

Result<AttestationOutcome> VerifyAndroidKey(const AttestationContext& ctx, const AttStmt& stmt) {
  const std::string step = "attestation (android-key): ";
  if (!stmt.alg || !stmt.sig)
    return Fail(reasons::kBadAttestation, step + "\"alg\" or \"sig\" is missing");
  auto leaf = LeafCertificate(stmt, step);
  if (!leaf.ok()) return leaf.status();
  EVP_PKEY* cert_key = X509_get0_pubkey(leaf->get());

  // The signature over authenticatorData || clientDataHash, by x5c[0]'s key.
  const std::string signed_data = ctx.auth_data->raw + std::string(ctx.client_data_hash);
  if (!VerifySignature(cert_key, *stmt.alg, signed_data, *stmt.sig)) {
    return Fail(reasons::kBadSignature,
                step + "the attestation signature does not verify with the certificate key");
  }
  PkeyPtr credential_key = ToOpenSsl(*ctx.key);
  if (!SameKey(cert_key, credential_key.get())) {
    return Fail(reasons::kBadAttestation,
                step + "the certificate key is not the credential public key");
  }
  const auto extension = ExtensionValue(leaf->get(), kKeyDescriptionOid);
  if (!extension) {
    return Fail(reasons::kBadAttestation,
                step + "the certificate lacks the key attestation extension");
  }
  const auto description = ParseKeyDescription(*extension);
  if (!description) {
    return Fail(reasons::kBadAttestation, step + "the KeyDescription extension is malformed");
  }
  if (description->attestation_challenge != ctx.client_data_hash) {
    return Fail(reasons::kBadAttestation,
                step + "attestationChallenge is not the hash of the client data");
  }
  // The key must be scoped to this RP, not usable by every application.
  if (description->software_enforced.all_applications ||
      description->tee_enforced.all_applications) {
    return Fail(reasons::kBadAttestation, step + "the key is usable by all applications");
  }
  // Origin and purpose from teeEnforced only (keys that live in a TEE) or from
  // the union of both lists (the default).
  const bool tee_only = ctx.input->android_key_require_tee;
  std::vector<std::int64_t> origins;
  std::vector<std::int64_t> purposes = description->tee_enforced.purposes;
  if (description->tee_enforced.origin) origins.push_back(*description->tee_enforced.origin);
  if (!tee_only) {
    if (description->software_enforced.origin) {
      origins.push_back(*description->software_enforced.origin);
    }
    purposes.insert(purposes.end(), description->software_enforced.purposes.begin(),
                    description->software_enforced.purposes.end());
  }
  const std::string lists = tee_only ? "teeEnforced" : "softwareEnforced and teeEnforced";
  bool origin_ok = !origins.empty();
  for (std::int64_t origin : origins) origin_ok = origin_ok && origin == kKmOriginGenerated;
  if (!origin_ok) {
    return Fail(reasons::kBadAttestation, step + "the key's origin in " + lists +
                                              " is not KM_ORIGIN_GENERATED" +
                                              (origins.empty() ? " (no origin is given)" : ""));
  }
  bool purpose_ok = !purposes.empty();
  for (std::int64_t purpose : purposes) purpose_ok = purpose_ok && purpose == kKmPurposeSign;
  if (!purpose_ok) {
    return Fail(reasons::kBadAttestation, step + "the key's purpose in " + lists +
                                              " is not KM_PURPOSE_SIGN" +
                                              (purposes.empty() ? " (no purpose is given)" : ""));
  }
  AttestationOutcome out;
  out.type = AttestationType::kBasic;
  out.x5c = stmt.x5c;
  return out;
}

}  // namespace latchkey::webauthn::internal
