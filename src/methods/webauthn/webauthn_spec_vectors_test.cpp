// The W3C WebAuthn Level 3 test vectors (§16), verified as a relying party for
// example.org would, and tampered copies of them rejected with the right reason.
#include "methods/webauthn/webauthn_spec_vectors.hpp"

#include <cbor.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <chrono>
#include <functional>

#include "methods/webauthn/webauthn_test_util.hpp"
#include "methods/webauthn/webauthn_verifier.hpp"

namespace latchkey::webauthn {
namespace {

using spec_vectors::SpecVector;
using testing::Hex;

namespace sv = spec_vectors;

// Every vector with a registration that verifies under the default policy.
constexpr const SpecVector* kRegistrations[] = {
    &sv::kNoneEs256,
    &sv::kPackedSelfEs256,
    &sv::kNoneEs256CrossOrigin,
    &sv::kNoneEs256TopOrigin,
    &sv::kNoneEs256LongCredentialId,
    &sv::kPackedEs256,
    &sv::kPackedRs256,
    &sv::kPackedEdDsa,
    &sv::kTpmEs256,
    &sv::kAppleEs256,
    &sv::kFidoU2fEs256,
};

// The formats whose statement carries a signature.
constexpr const SpecVector* kSignedStatements[] = {
    &sv::kPackedSelfEs256, &sv::kPackedEs256,     &sv::kPackedRs256,  &sv::kPackedEdDsa,
    &sv::kTpmEs256,        &sv::kAndroidKeyEs256, &sv::kFidoU2fEs256,
};

// A byte-string field of the attestation object ("authData") or of its attStmt.
std::string AttestationField(const std::string& att, const char* name, bool in_statement) {
  struct cbor_load_result r {};
  cbor_item_t* root = cbor_load(reinterpret_cast<const unsigned char*>(att.data()), att.size(), &r);
  std::string out;
  auto find = [](cbor_item_t* map, const char* key) -> cbor_item_t* {
    for (std::size_t i = 0; i < cbor_map_size(map); ++i) {
      cbor_pair p = cbor_map_handle(map)[i];
      if (std::string(reinterpret_cast<char*>(cbor_string_handle(p.key)),
                      cbor_string_length(p.key)) == key) {
        return p.value;
      }
    }
    return nullptr;
  };
  cbor_item_t* map = in_statement ? find(root, "attStmt") : root;
  if (cbor_item_t* v = map != nullptr ? find(map, name) : nullptr; v != nullptr) {
    out.assign(reinterpret_cast<char*>(cbor_bytestring_handle(v)), cbor_bytestring_length(v));
  }
  cbor_decref(&root);
  return out;
}

std::string AuthDataOf(const std::string& att) { return AttestationField(att, "authData", false); }

// `att` with the byte at `offset` inside `part` (found in it) XOR-ed with `mask`.
std::string FlipWithin(std::string att, const std::string& part, std::size_t offset,
                       unsigned char mask = 0x01) {
  const std::size_t pos = att.find(part);
  if (pos == std::string::npos || offset >= part.size()) throw std::logic_error("part not found");
  att[pos + offset] = static_cast<char>(att[pos + offset] ^ mask);
  return att;
}

// The COSE key and BE flag straight from a vector's authenticator data (so the
// assertion tests do not depend on the registration tests).
StoredCredential StoredFromVector(const SpecVector& v) {
  const std::string auth_data = AuthDataOf(Hex(v.attestation_object));
  StoredCredential c;
  c.id = Hex(v.credential_id);
  const std::size_t key_at = 37 + 16 + 2 + c.id.size();
  c.public_key_cose = auth_data.substr(key_at);
  c.backup_eligible = (static_cast<unsigned char>(auth_data[32]) & 0x08) != 0;
  return c;
}

AssertionInput AssertionFor(const SpecVector& v) {
  RegisteredCredential fake;
  const StoredCredential stored = StoredFromVector(v);
  fake.credential_id = stored.id;
  fake.public_key_cose = stored.public_key_cose;
  fake.flags.raw = *stored.backup_eligible ? 0x08 : 0x00;
  return testing::SpecAssertion(v, fake);
}

RegistrationInput WithAttestationObject(const SpecVector& v, const std::string& att) {
  RegistrationInput in = testing::SpecRegistration(v);
  in.response_json =
      testing::RegistrationJson(Hex(v.credential_id), Hex(v.registration_client_data_json), att);
  return in;
}

std::chrono::system_clock::time_point Jan2025() {
  return std::chrono::system_clock::from_time_t(1735689600);  // 2025-01-01T00:00:00Z
}

std::string SpecRootPem() { return testing::DerToPem(Hex(sv::kSpecAttestationRootCertHex)); }

// A self-signed CA certificate of a freshly generated key: a root that signed
// none of the vectors.
std::string ForeignRootPem() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 7);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Foreign CA"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_gmtime_adj(X509_getm_notBefore(cert), -86400L * 365 * 5);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400L * 365 * 5);
  X509_set_pubkey(cert, key);
  X509_sign(cert, key, EVP_sha256());
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  X509_free(cert);
  EVP_PKEY_free(key);
  return testing::DerToPem(out);
}

AttestationType ExpectedType(const SpecVector& v) {
  if (v.fmt == "none") return AttestationType::kNone;
  if (v.name == "packed-self.ES256") return AttestationType::kSelf;
  if (v.fmt == "apple") return AttestationType::kAnonCa;
  return AttestationType::kBasic;
}

void ExpectReason(const Status& status, std::string_view reason, const std::string& where) {
  EXPECT_FALSE(status.ok()) << where;
  EXPECT_EQ(status.reason(), reason) << where << ": " << status.ToString();
}

// ------------------------------------------------------------------ registration

TEST(WebAuthnSpecVectors, EveryRegistrationVerifies) {
  for (const SpecVector* v : kRegistrations) {
    SCOPED_TRACE(v->name);
    auto result = VerifyRegistration(testing::SpecRegistration(*v));
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    const std::string auth_data = AuthDataOf(Hex(v->attestation_object));
    EXPECT_EQ(result->fmt, v->fmt);
    EXPECT_EQ(result->credential_id, Hex(v->credential_id));
    EXPECT_EQ(result->flags.raw, static_cast<unsigned char>(auth_data[32]));
    EXPECT_EQ(result->sign_count, 0u);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(result->aaguid.data()), 16),
              auth_data.substr(37, 16));
    EXPECT_EQ(result->public_key_cose, auth_data.substr(55 + result->credential_id.size()));
    EXPECT_EQ(result->attestation_type, ExpectedType(*v));
    EXPECT_EQ(result->trust, AttestationTrust::kNotEstablished);
    EXPECT_EQ(result->x5c.empty(), v->fmt == "none" || v->name == "packed-self.ES256");
  }
}

TEST(WebAuthnSpecVectors, RegistrationReportsAlgorithmsAndKeys) {
  auto es256 = VerifyRegistration(testing::SpecRegistration(sv::kPackedEs256));
  auto rs256 = VerifyRegistration(testing::SpecRegistration(sv::kPackedRs256));
  auto eddsa = VerifyRegistration(testing::SpecRegistration(sv::kPackedEdDsa));
  ASSERT_TRUE(es256.ok() && rs256.ok() && eddsa.ok());
  EXPECT_EQ(es256->alg, kCoseEs256);
  EXPECT_EQ(rs256->alg, kCoseRs256);
  EXPECT_EQ(eddsa->alg, kCoseEdDsa);
  EXPECT_EQ(FormatAaguid(es256->aaguid), "876ca4f5-2071-c3e9-b255-09ef2cdf7ed6");
  EXPECT_EQ(es256->flags.ToString(), "UP UV BE AT");
  // The 3482-bit RSA modulus is beyond libfido2 (2048 only): verified with OpenSSL.
  EXPECT_GT(rs256->public_key_cose.size(), 436u);
}

TEST(WebAuthnSpecVectors, CredentialIdOf1023BytesIsAccepted) {
  auto result = VerifyRegistration(testing::SpecRegistration(sv::kNoneEs256LongCredentialId));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->credential_id.size(), 1023u);
}

TEST(WebAuthnSpecVectors, AndroidKeyVectorFailsOnlyOnItsEmptyAuthorizationLists) {
  // Both authorization lists of the specification's android-key vector are
  // empty, so it has no origin KM_ORIGIN_GENERATED and no purpose KM_PURPOSE_SIGN,
  // which §8.4 requires. The signature, the key match and the challenge come
  // first and pass; the authorization-list step refuses it.
  auto result = VerifyRegistration(testing::SpecRegistration(sv::kAndroidKeyEs256));
  ExpectReason(result.status(), reasons::kBadAttestation, "android-key");
  EXPECT_NE(result.status().message().find("KM_ORIGIN_GENERATED (no origin is given)"),
            std::string_view::npos)
      << result.status().message();
  RegistrationInput tee_only = testing::SpecRegistration(sv::kAndroidKeyEs256);
  tee_only.android_key_require_tee = true;
  EXPECT_NE(VerifyRegistration(tee_only).status().message().find("teeEnforced"),
            std::string_view::npos);
}

TEST(WebAuthnSpecVectors, Es384CredentialIsNotAnAllowedAlgorithm) {
  auto result = VerifyRegistration(testing::SpecRegistration(sv::kPackedEs384));
  ExpectReason(result.status(), reasons::kBadAlgorithm, "packed.ES384");
}

TEST(WebAuthnSpecVectors, AlgorithmOutsideTheRequestedListIsRefused) {
  RegistrationInput in = testing::SpecRegistration(sv::kPackedEdDsa);
  in.allowed_algorithms = {kCoseEs256, kCoseRs256};
  ExpectReason(VerifyRegistration(in).status(), reasons::kBadAlgorithm, "EdDSA not requested");
}

// ------------------------------------------------------------------ trust

TEST(WebAuthnSpecVectors, SpecRootEstablishesTrustForEveryChain) {
  const std::string root = SpecRootPem();
  for (const SpecVector* v : {&sv::kPackedEs256, &sv::kPackedRs256, &sv::kPackedEdDsa,
                              &sv::kTpmEs256, &sv::kAppleEs256, &sv::kFidoU2fEs256}) {
    SCOPED_TRACE(v->name);
    RegistrationInput in = testing::SpecRegistration(*v);
    in.trust_roots_pem = root;
    in.attestation_time = Jan2025();
    auto result = VerifyRegistration(in);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(result->trust, AttestationTrust::kTrusted);
  }
}

TEST(WebAuthnSpecVectors, ForeignRootOrWrongTimeIsUntrusted) {
  RegistrationInput in = testing::SpecRegistration(sv::kPackedEs256);
  in.trust_roots_pem = ForeignRootPem();
  ExpectReason(VerifyRegistration(in).status(), reasons::kUntrustedAttestation, "foreign root");

  in.trust_roots_pem = SpecRootPem();
  in.attestation_time = std::chrono::system_clock::from_time_t(1672531200);  // 2023, not yet valid
  ExpectReason(VerifyRegistration(in).status(), reasons::kUntrustedAttestation, "before notBefore");
}

TEST(WebAuthnSpecVectors, RequiredTrustRefusesNoneAndSelfAttestation) {
  for (const SpecVector* v : {&sv::kNoneEs256, &sv::kPackedSelfEs256}) {
    RegistrationInput in = testing::SpecRegistration(*v);
    in.trust_roots_pem = SpecRootPem();
    in.require_trusted_attestation = true;
    ExpectReason(VerifyRegistration(in).status(), reasons::kUntrustedAttestation,
                 std::string(v->name));
  }
  RegistrationInput no_roots = testing::SpecRegistration(sv::kPackedEs256);
  no_roots.require_trusted_attestation = true;
  ExpectReason(VerifyRegistration(no_roots).status(), reasons::kBadTrustRoots, "no roots");
  RegistrationInput junk = testing::SpecRegistration(sv::kPackedEs256);
  junk.trust_roots_pem = "not a certificate";
  ExpectReason(VerifyRegistration(junk).status(), reasons::kBadTrustRoots, "junk roots");
}

// ------------------------------------------------------------------ tampered registrations

TEST(WebAuthnSpecVectors, RegistrationForAnotherRpIdOriginOrChallengeIsRefused) {
  for (const SpecVector* v : kRegistrations) {
    SCOPED_TRACE(v->name);
    RegistrationInput rp = testing::SpecRegistration(*v);
    rp.rp_id = "example.com";
    ExpectReason(VerifyRegistration(rp).status(), reasons::kBadRpId, "rp id");

    RegistrationInput origin = testing::SpecRegistration(*v);
    origin.allowed_origins = {"https://example.com"};
    ExpectReason(VerifyRegistration(origin).status(), reasons::kBadOrigin, "origin");

    RegistrationInput challenge = testing::SpecRegistration(*v);
    challenge.expected_challenge[5] = static_cast<char>(challenge.expected_challenge[5] ^ 0x20);
    ExpectReason(VerifyRegistration(challenge).status(), reasons::kBadChallenge, "challenge");
  }
}

TEST(WebAuthnSpecVectors, FlippedAttestationSignatureIsRefused) {
  for (const SpecVector* v : kSignedStatements) {
    SCOPED_TRACE(v->name);
    const std::string att = Hex(v->attestation_object);
    const std::string sig = AttestationField(att, "sig", true);
    ASSERT_FALSE(sig.empty());
    const std::string tampered = FlipWithin(att, sig, sig.size() / 2);
    ExpectReason(VerifyRegistration(WithAttestationObject(*v, tampered)).status(),
                 reasons::kBadSignature, "flipped sig");
  }
}

TEST(WebAuthnSpecVectors, AppleNonceCoversTheAuthenticatorData) {
  // apple has no signature of its own: the certificate's nonce binds the data.
  const std::string att = Hex(sv::kAppleEs256.attestation_object);
  const std::string auth_data = AuthDataOf(att);
  const std::string tampered = FlipWithin(att, auth_data, 36);  // the signCount's last byte
  auto result = VerifyRegistration(WithAttestationObject(sv::kAppleEs256, tampered));
  ExpectReason(result.status(), reasons::kBadAttestation, "apple nonce");
  EXPECT_NE(result.status().message().find("nonce"), std::string_view::npos);
}

TEST(WebAuthnSpecVectors, TpmStructuresAreChecked) {
  const std::string att = Hex(sv::kTpmEs256.attestation_object);
  const std::string cert_info = AttestationField(att, "certInfo", true);
  const std::string pub_area = AttestationField(att, "pubArea", true);
  // certInfo: magic(4) type(2) qualifiedSigner(2+0) extraData(2+32) ...
  auto extra =
      VerifyRegistration(WithAttestationObject(sv::kTpmEs256, FlipWithin(att, cert_info, 10)));
  ExpectReason(extra.status(), reasons::kBadAttestation, "extraData");
  EXPECT_NE(extra.status().message().find("extraData"), std::string_view::npos);
  auto magic =
      VerifyRegistration(WithAttestationObject(sv::kTpmEs256, FlipWithin(att, cert_info, 0)));
  ExpectReason(magic.status(), reasons::kBadAttestation, "magic");
  // pubArea's unique.x differs from the credential key.
  auto key = VerifyRegistration(
      WithAttestationObject(sv::kTpmEs256, FlipWithin(att, pub_area, pub_area.size() - 40)));
  ExpectReason(key.status(), reasons::kBadAttestation, "pubArea key");
}

TEST(WebAuthnSpecVectors, BackupStateWithoutEligibilityIsRefused) {
  for (const SpecVector* v : kRegistrations) {
    SCOPED_TRACE(v->name);
    const std::string att = Hex(v->attestation_object);
    const std::string auth_data = AuthDataOf(att);
    std::string patched = auth_data;
    patched[32] = static_cast<char>((patched[32] & ~0x08) | 0x10);  // BE=0, BS=1
    std::string tampered = att;
    tampered.replace(att.find(auth_data), auth_data.size(), patched);
    ExpectReason(VerifyRegistration(WithAttestationObject(*v, tampered)).status(),
                 reasons::kBadFlags, "BE=0 BS=1");
  }
}

TEST(WebAuthnSpecVectors, MissingUserVerificationIsRefusedWhenRequired) {
  int without_uv = 0;
  for (const SpecVector* v : kRegistrations) {
    const std::string auth_data = AuthDataOf(Hex(v->attestation_object));
    if ((static_cast<unsigned char>(auth_data[32]) & 0x04) != 0) continue;
    ++without_uv;
    RegistrationInput in = testing::SpecRegistration(*v);
    in.require_user_verification = true;
    ExpectReason(VerifyRegistration(in).status(), reasons::kBadFlags, std::string(v->name));
  }
  EXPECT_GE(without_uv, 4);  // none, topOrigin, long id, EdDSA, apple, fido-u2f
}

TEST(WebAuthnSpecVectors, CrossOriginCeremoniesNeedToBeExpected) {
  RegistrationInput cross = testing::SpecRegistration(sv::kNoneEs256CrossOrigin);
  cross.allow_cross_origin = false;
  ExpectReason(VerifyRegistration(cross).status(), reasons::kBadOrigin, "crossOrigin");

  RegistrationInput top = testing::SpecRegistration(sv::kNoneEs256TopOrigin);
  top.allowed_top_origins = {"https://example.net"};
  ExpectReason(VerifyRegistration(top).status(), reasons::kBadOrigin, "topOrigin");
}

TEST(WebAuthnSpecVectors, FormatNamesMatchCaseSensitively) {
  const std::string att = Hex(sv::kNoneEs256.attestation_object);
  std::string upper = att;
  upper.replace(upper.find("none"), 4, "NONE");
  ExpectReason(VerifyRegistration(WithAttestationObject(sv::kNoneEs256, upper)).status(),
               reasons::kUnsupportedFmt, "NONE");
}

TEST(WebAuthnSpecVectors, ResponseIdMustMatchTheAuthenticatorData) {
  RegistrationInput in = testing::SpecRegistration(sv::kNoneEs256);
  in.response_json = testing::RegistrationJson(Hex(sv::kPackedEs256.credential_id),
                                               Hex(sv::kNoneEs256.registration_client_data_json),
                                               Hex(sv::kNoneEs256.attestation_object));
  ExpectReason(VerifyRegistration(in).status(), reasons::kBadCredential, "id mismatch");
}

// ------------------------------------------------------------------ assertions

TEST(WebAuthnSpecVectors, EveryAssertionVerifies) {
  for (const SpecVector* v : sv::kWithAuthentication) {
    SCOPED_TRACE(v->name);
    auto result = VerifyAssertion(AssertionFor(*v));
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(result->credential_id, Hex(v->credential_id));
    EXPECT_EQ(result->sign_count, 0u);
    EXPECT_EQ(result->flags.raw, static_cast<unsigned char>(Hex(v->authenticator_data)[32]));
    EXPECT_FALSE(result->user_handle.has_value());
  }
}

TEST(WebAuthnSpecVectors, AssertionAgainstTheRegisteredKeyVerifies) {
  // The chain a service runs: register, store, then authenticate with the record.
  for (const SpecVector* v : kRegistrations) {
    if (v->signature.empty()) continue;
    SCOPED_TRACE(v->name);
    auto registered = VerifyRegistration(testing::SpecRegistration(*v));
    ASSERT_TRUE(registered.ok()) << registered.status().ToString();
    auto asserted = VerifyAssertion(testing::SpecAssertion(*v, *registered));
    EXPECT_TRUE(asserted.ok()) << asserted.status().ToString();
  }
}

TEST(WebAuthnSpecVectors, TamperedAssertionsAreRefused) {
  for (const SpecVector* v : sv::kWithAuthentication) {
    SCOPED_TRACE(v->name);
    const std::string auth_data = Hex(v->authenticator_data);
    const std::string client_data = Hex(v->authentication_client_data_json);
    const std::string id = Hex(v->credential_id);

    AssertionInput sig = AssertionFor(*v);
    std::string flipped = Hex(v->signature);
    flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 0x01);
    sig.response_json = testing::AssertionJson(id, client_data, auth_data, flipped);
    ExpectReason(VerifyAssertion(sig).status(), reasons::kBadSignature, "flipped sig");

    AssertionInput rp = AssertionFor(*v);
    rp.rp_id = "example.com";
    ExpectReason(VerifyAssertion(rp).status(), reasons::kBadRpId, "rp id");

    AssertionInput origin = AssertionFor(*v);
    origin.allowed_origins = {"https://login.example.org"};
    ExpectReason(VerifyAssertion(origin).status(), reasons::kBadOrigin, "origin");

    AssertionInput challenge = AssertionFor(*v);
    challenge.expected_challenge = Hex(v->registration_challenge);
    ExpectReason(VerifyAssertion(challenge).status(), reasons::kBadChallenge, "challenge");

    AssertionInput type = AssertionFor(*v);
    type.response_json = testing::AssertionJson(id, Hex(v->registration_client_data_json),
                                                auth_data, Hex(v->signature));
    ExpectReason(VerifyAssertion(type).status(), reasons::kBadType, "webauthn.create");

    AssertionInput counter = AssertionFor(*v);
    counter.credential.sign_count = 1;  // the vector's counter is 0: it went backwards
    ExpectReason(VerifyAssertion(counter).status(), reasons::kCounterRegressed, "counter");

    AssertionInput be = AssertionFor(*v);
    be.credential.backup_eligible = !*be.credential.backup_eligible;
    ExpectReason(VerifyAssertion(be).status(), reasons::kBadFlags, "BE changed");

    AssertionInput bs = AssertionFor(*v);
    std::string patched = auth_data;
    patched[32] = static_cast<char>((patched[32] & ~0x08) | 0x10);  // BE=0, BS=1
    bs.credential.backup_eligible.reset();
    bs.response_json = testing::AssertionJson(id, client_data, patched, Hex(v->signature));
    ExpectReason(VerifyAssertion(bs).status(), reasons::kBadFlags, "BE=0 BS=1");

    AssertionInput allowed = AssertionFor(*v);
    allowed.allowed_credential_ids = {"another credential"};
    ExpectReason(VerifyAssertion(allowed).status(), reasons::kCredentialNotAllowed,
                 "allowCredentials");

    AssertionInput other = AssertionFor(*v);
    other.credential.id = "another credential";
    ExpectReason(VerifyAssertion(other).status(), reasons::kCredentialNotAllowed, "stored id");

    if ((static_cast<unsigned char>(auth_data[32]) & 0x04) == 0) {
      AssertionInput uv = AssertionFor(*v);
      uv.require_user_verification = true;
      ExpectReason(VerifyAssertion(uv).status(), reasons::kBadFlags, "UV required");
    }
  }
}

TEST(WebAuthnSpecVectors, AssertionWithAnotherCredentialsKeyFails) {
  AssertionInput in = AssertionFor(sv::kPackedEs256);
  in.credential.public_key_cose = StoredFromVector(sv::kNoneEs256).public_key_cose;
  ExpectReason(VerifyAssertion(in).status(), reasons::kBadSignature, "wrong key");
}

TEST(WebAuthnSpecVectors, CounterRuleAcceptsBothZeroAndIncreases) {
  AssertionInput zero = AssertionFor(sv::kNoneEs256);
  zero.credential.sign_count = 0;
  EXPECT_TRUE(VerifyAssertion(zero).ok());  // both 0: passkeys without a counter
  AssertionInput high = AssertionFor(sv::kNoneEs256);
  high.credential.sign_count = 4000000000u;
  ExpectReason(VerifyAssertion(high).status(), reasons::kCounterRegressed, "large stored counter");
}

}  // namespace
}  // namespace latchkey::webauthn
