// WebAuthn ceremonies produced in the test by a software authenticator built on
// OpenSSL and libcbor: keys, signatures, certificates and CBOR are real, only the
// authenticator is ours. Covers what the specification's vectors do not: both
// libfido2 and OpenSSL signature paths, counters, user handles, extensions,
// CTAP2 canonical COSE keys, the Windows Hello TPM shape, android-key with real
// authorization lists, certificate chains and the input leniency rules.
#include <cbor.h>
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "methods/webauthn/webauthn_encoding.hpp"
#include "methods/webauthn/webauthn_test_util.hpp"
#include "methods/webauthn/webauthn_verifier.hpp"

namespace latchkey::webauthn {
namespace {

using testing::B64;
using testing::Hex;

constexpr char kRpId[] = "login.example.test";
constexpr char kOrigin[] = "https://login.example.test";
constexpr std::uint8_t kUp = 0x01, kUv = 0x04, kBe = 0x08, kBs = 0x10, kAt = 0x40, kEd = 0x80;

// ------------------------------------------------------------------ OpenSSL helpers

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;

Pkey NewEc() { return Pkey(EVP_EC_gen("P-256")); }
Pkey NewEd25519() { return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")); }
Pkey NewRsa(unsigned bits) { return Pkey(EVP_RSA_gen(bits)); }

std::string Sign(EVP_PKEY* key, const char* md, std::string_view data) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestSignInit_ex(ctx, nullptr, md, nullptr, nullptr, key, nullptr);
  std::size_t len = 0;
  EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                 data.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(data.data()), data.size());
  sig.resize(len);
  EVP_MD_CTX_free(ctx);
  return sig;
}

std::string BnParam(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(key, name, &bn);
  std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

std::string EcPoint(EVP_PKEY* key) {  // 04 || x || y
  unsigned char buf[65];
  std::size_t len = 0;
  EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, buf, sizeof(buf), &len);
  return std::string(reinterpret_cast<char*>(buf), len);
}

std::string Der(X509* cert) {
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

// ------------------------------------------------------------------ CBOR helpers

std::string Encode(cbor_item_t* item) {
  unsigned char* buf = nullptr;
  std::size_t cap = 0;
  const std::size_t len = cbor_serialize_alloc(item, &buf, &cap);
  std::string out(reinterpret_cast<char*>(buf), len);
  free(buf);
  cbor_decref(&item);
  return out;
}

cbor_item_t* Int(std::int64_t v) {
  const std::uint64_t m =
      v >= 0 ? static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(-1 - v);
  if (m <= 0xff) {
    return v >= 0 ? cbor_build_uint8(static_cast<std::uint8_t>(m))
                  : cbor_build_negint8(static_cast<std::uint8_t>(m));
  }
  if (m <= 0xffff) {
    return v >= 0 ? cbor_build_uint16(static_cast<std::uint16_t>(m))
                  : cbor_build_negint16(static_cast<std::uint16_t>(m));
  }
  return v >= 0 ? cbor_build_uint32(static_cast<std::uint32_t>(m))
                : cbor_build_negint32(static_cast<std::uint32_t>(m));
}
cbor_item_t* Bytes(std::string_view b) {
  return cbor_build_bytestring(reinterpret_cast<const unsigned char*>(b.data()), b.size());
}
cbor_item_t* Text(const std::string& s) { return cbor_build_string(s.c_str()); }

// A definite map from (key, value) items, in the given order.
cbor_item_t* Map(const std::vector<std::pair<cbor_item_t*, cbor_item_t*>>& pairs) {
  cbor_item_t* map = cbor_new_definite_map(pairs.size());
  for (const auto& [k, v] : pairs)
    cbor_map_add(map, cbor_pair{.key = cbor_move(k), .value = cbor_move(v)});
  return map;
}
cbor_item_t* Array(const std::vector<cbor_item_t*>& items) {
  cbor_item_t* array = cbor_new_definite_array(items.size());
  for (cbor_item_t* i : items) cbor_array_push(array, cbor_move(i));
  return array;
}

// ------------------------------------------------------------------ the authenticator

struct Credential {
  Pkey key;
  int alg = kCoseEs256;
  std::string id;

  // The COSE_Key, CTAP2 canonical unless `wide_alg` writes alg in 16 bits.
  std::string Cose(bool wide_alg = false) const {
    cbor_item_t* alg_item =
        wide_alg ? cbor_build_negint16(static_cast<std::uint16_t>(-1 - alg)) : Int(alg);
    if (alg == kCoseEs256) {
      const std::string p = EcPoint(key.get());
      return Encode(Map({{Int(1), Int(2)},
                         {Int(3), alg_item},
                         {Int(-1), Int(1)},
                         {Int(-2), Bytes(p.substr(1, 32))},
                         {Int(-3), Bytes(p.substr(33, 32))}}));
    }
    if (alg == kCoseEdDsa) {
      unsigned char raw[32];
      std::size_t len = sizeof(raw);
      EVP_PKEY_get_raw_public_key(key.get(), raw, &len);
      return Encode(Map({{Int(1), Int(1)},
                         {Int(3), alg_item},
                         {Int(-1), Int(6)},
                         {Int(-2), Bytes(std::string(reinterpret_cast<char*>(raw), len))}}));
    }
    return Encode(Map({{Int(1), Int(3)},
                       {Int(3), alg_item},
                       {Int(-1), Bytes(BnParam(key.get(), "n"))},
                       {Int(-2), Bytes(BnParam(key.get(), "e"))}}));
  }

  std::string SignWebAuthn(std::string_view data) const {
    return Sign(key.get(), alg == kCoseEdDsa ? nullptr : "SHA256", data);
  }
};

Credential NewCredential(int alg, unsigned rsa_bits = 2048) {
  Credential c;
  c.alg = alg;
  c.key = alg == kCoseEs256 ? NewEc() : alg == kCoseEdDsa ? NewEd25519() : NewRsa(rsa_bits);
  c.id = "credential-" + std::to_string(alg) + "-" + std::to_string(rsa_bits);
  return c;
}

constexpr std::string_view kAaguid(
    "\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff", 16);

std::string AuthData(std::uint8_t flags, std::uint32_t count, const Credential* attested,
                     const std::string& extensions = {}, const std::string& cose_override = {},
                     const std::string& rp_id = kRpId) {
  std::string out;
  unsigned char hash[32];
  EVP_Digest(rp_id.data(), rp_id.size(), hash, nullptr, EVP_sha256(), nullptr);
  out.append(reinterpret_cast<char*>(hash), 32);
  out.push_back(static_cast<char>(flags));
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(count >> shift));
  if (attested != nullptr) {
    out += kAaguid;
    out.push_back(static_cast<char>(attested->id.size() >> 8));
    out.push_back(static_cast<char>(attested->id.size() & 0xff));
    out += attested->id;
    out += cose_override.empty() ? attested->Cose() : cose_override;
  }
  return out + extensions;
}

std::string ClientData(const std::string& type, std::string_view challenge,
                       const std::string& origin = kOrigin) {
  return R"({"type":")" + type + R"(","challenge":")" + B64(challenge) + R"(","origin":")" +
         origin + R"(","crossOrigin":false})";
}

std::string Sha256(std::string_view data) {
  unsigned char out[32];
  EVP_Digest(data.data(), data.size(), out, nullptr, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(out), 32);
}

std::string AttestationObject(const std::string& fmt, cbor_item_t* att_stmt,
                              const std::string& auth_data) {
  return Encode(Map({{Text("fmt"), Text(fmt)},
                     {Text("attStmt"), att_stmt},
                     {Text("authData"), Bytes(auth_data)}}));
}

// A packed self-attested registration of `cred`.
struct Registration {
  RegistrationInput input;
  std::string client_data;
  std::string auth_data;
};

constexpr std::string_view kChallenge = "0123456789abcdef0123456789abcdef";

Registration PackedSelf(const Credential& cred, std::uint8_t flags = kUp | kUv | kAt,
                        const std::string& extensions = {}, const std::string& client_data = {}) {
  Registration r;
  r.client_data = client_data.empty() ? ClientData("webauthn.create", kChallenge) : client_data;
  r.auth_data = AuthData(flags, 0, &cred, extensions);
  const std::string sig = cred.SignWebAuthn(r.auth_data + Sha256(r.client_data));
  const std::string att = AttestationObject(
      "packed", Map({{Text("alg"), Int(cred.alg)}, {Text("sig"), Bytes(sig)}}), r.auth_data);
  r.input.response_json = testing::RegistrationJson(cred.id, r.client_data, att, {"usb", "nfc"});
  r.input.expected_challenge = kChallenge;
  r.input.rp_id = kRpId;
  r.input.allowed_origins = {kOrigin};
  return r;
}

// An assertion by `cred` with counter `count`.
AssertionInput Assertion(const Credential& cred, std::uint32_t count, std::uint32_t stored,
                         std::uint8_t flags = kUp | kUv, const std::string& user_handle = {},
                         const std::string& extensions = {}) {
  const std::string challenge = "fedcba9876543210fedcba9876543210";
  const std::string client_data = ClientData("webauthn.get", challenge);
  const std::string auth_data = AuthData(flags, count, nullptr, extensions);
  const std::string sig = cred.SignWebAuthn(auth_data + Sha256(client_data));
  AssertionInput in;
  in.response_json = testing::AssertionJson(cred.id, client_data, auth_data, sig, user_handle);
  in.expected_challenge = challenge;
  in.rp_id = kRpId;
  in.allowed_origins = {kOrigin};
  in.credential.id = cred.id;
  in.credential.public_key_cose = cred.Cose();
  in.credential.sign_count = stored;
  in.credential.backup_eligible = (flags & kBe) != 0;
  return in;
}

void ExpectReason(const Status& status, std::string_view reason) {
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.reason(), reason) << status.ToString();
}

// ------------------------------------------------------------------ certificates

struct Ext {
  std::string oid;
  std::string der;  // the extension value
  bool critical = false;
};

struct CertSpec {
  std::vector<std::pair<std::string, std::string>> subject;  // ("CN", "x"), ...
  std::optional<bool> ca;                                    // basic constraints
  std::vector<Ext> extensions;
  long valid_from_days = -1;
  long valid_days = 3650;
};

Cert MakeCert(EVP_PKEY* subject_key, EVP_PKEY* issuer_key, X509* issuer, const CertSpec& spec) {
  static long serial = 100;
  Cert cert(X509_new());
  X509_set_version(cert.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), ++serial);
  X509_NAME* name = X509_get_subject_name(cert.get());
  for (const auto& [field, value] : spec.subject) {
    X509_NAME_add_entry_by_txt(name, field.c_str(), MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0);
  }
  X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 86400L * spec.valid_from_days);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400L * spec.valid_days);
  X509_set_pubkey(cert.get(), subject_key);
  if (spec.ca) {
    BASIC_CONSTRAINTS* bc = BASIC_CONSTRAINTS_new();
    bc->ca = *spec.ca ? 0xff : 0;
    X509_add1_ext_i2d(cert.get(), NID_basic_constraints, bc, 1, 0);
    BASIC_CONSTRAINTS_free(bc);
  }
  if (spec.ca == true) {
    ASN1_BIT_STRING* usage = ASN1_BIT_STRING_new();
    ASN1_BIT_STRING_set_bit(usage, 5, 1);  // keyCertSign
    X509_add1_ext_i2d(cert.get(), NID_key_usage, usage, 1, 0);
    ASN1_BIT_STRING_free(usage);
  }
  for (const Ext& e : spec.extensions) {
    ASN1_OBJECT* obj = OBJ_txt2obj(e.oid.c_str(), 1);
    ASN1_OCTET_STRING* value = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(value, reinterpret_cast<const unsigned char*>(e.der.data()),
                          static_cast<int>(e.der.size()));
    X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, obj, e.critical ? 1 : 0, value);
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
    ASN1_OCTET_STRING_free(value);
    ASN1_OBJECT_free(obj);
  }
  X509_sign(cert.get(), issuer_key, EVP_sha256());
  return cert;
}

struct Ca {
  Pkey key = NewEc();
  Cert cert;
  Ca() {
    CertSpec spec;
    spec.subject = {{"CN", "Latchkey test attestation root"}};
    spec.ca = true;
    cert = MakeCert(key.get(), key.get(), nullptr, spec);
  }
  std::string Pem() const { return testing::DerToPem(Der(cert.get())); }
};

std::vector<std::pair<std::string, std::string>> PackedSubject() {
  return {
      {"C", "AA"}, {"O", "Latchkey test"}, {"OU", "Authenticator Attestation"}, {"CN", "test key"}};
}

// DER helpers for the Android KeyDescription.
std::string Tlv(std::string_view tag, const std::string& content) {
  std::string out(tag);
  const std::size_t n = content.size();
  if (n < 0x80) {
    out.push_back(static_cast<char>(n));
  } else if (n < 0x100) {
    out += "\x81";
    out.push_back(static_cast<char>(n));
  } else {
    out += "\x82";
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xff));
  }
  return out + content;
}
std::string DerInt(int v) { return Tlv("\x02", std::string(1, static_cast<char>(v))); }
std::string DerEnum(int v) { return Tlv("\x0a", std::string(1, static_cast<char>(v))); }
std::string Seq(const std::string& content) { return Tlv("\x30", content); }

struct AuthorizationSpec {
  std::vector<int> purposes;
  std::optional<int> origin;
  bool all_applications = false;
};

std::string AuthorizationList(const AuthorizationSpec& a) {
  std::string fields;
  if (!a.purposes.empty()) {
    std::string set;
    for (int p : a.purposes) set += DerInt(p);
    fields += Tlv("\xa1", Tlv("\x31", set));  // [1] EXPLICIT SET OF INTEGER
  }
  if (a.all_applications) fields += Tlv("\xbf\x84\x58", Tlv("\x05", ""));  // [600] NULL
  if (a.origin) fields += Tlv("\xbf\x85\x3e", DerInt(*a.origin));          // [702] INTEGER
  return Seq(fields);
}

std::string KeyDescription(const std::string& challenge, const AuthorizationSpec& software,
                           const AuthorizationSpec& tee) {
  return Seq(DerInt(3) + DerEnum(1) + DerInt(4) + DerEnum(1) + Tlv("\x04", challenge) +
             Tlv("\x04", "") + AuthorizationList(software) + AuthorizationList(tee));
}

// ================================================================== packed self attestation

TEST(WebAuthnSynthetic, PackedSelfAttestationForEachAlgorithm) {
  // ES256, EdDSA and 2048-bit RS256 verify through libfido2; 3072-bit RS256
  // through OpenSSL, since libfido2 holds RSA keys of 2048 bits only.
  for (auto [alg, bits] : {std::pair{kCoseEs256, 0u}, std::pair{kCoseEdDsa, 0u},
                           std::pair{kCoseRs256, 2048u}, std::pair{kCoseRs256, 3072u}}) {
    SCOPED_TRACE(std::to_string(alg) + "/" + std::to_string(bits));
    const Credential cred = NewCredential(alg, bits == 0 ? 2048 : bits);
    auto registered = VerifyRegistration(PackedSelf(cred).input);
    ASSERT_TRUE(registered.ok()) << registered.status().ToString();
    EXPECT_EQ(registered->fmt, "packed");
    EXPECT_EQ(registered->alg, alg);
    EXPECT_EQ(registered->attestation_type, AttestationType::kSelf);
    EXPECT_EQ(registered->credential_id, cred.id);
    EXPECT_EQ(registered->public_key_cose, cred.Cose());
    EXPECT_EQ(registered->transports, (std::vector<std::string>{"usb", "nfc"}));
    EXPECT_TRUE(registered->flags.user_verified());

    AssertionInput first = Assertion(cred, 1, registered->sign_count);
    auto asserted = VerifyAssertion(first);
    ASSERT_TRUE(asserted.ok()) << asserted.status().ToString();
    EXPECT_EQ(asserted->sign_count, 1u);

    // Signed by another key of the same kind: the signature check is real.
    const Credential impostor = NewCredential(alg, 2048);
    AssertionInput forged = Assertion(impostor, 2, 1);
    forged.credential.public_key_cose = cred.Cose();
    forged.credential.id = impostor.id;
    ExpectReason(VerifyAssertion(forged).status(), reasons::kBadSignature);

    // A self attestation whose signature was made by another key.
    Registration wrong = PackedSelf(cred);
    const std::string other_sig =
        impostor.SignWebAuthn(wrong.auth_data + Sha256(wrong.client_data));
    wrong.input.response_json = testing::RegistrationJson(
        cred.id, wrong.client_data,
        AttestationObject("packed", Map({{Text("alg"), Int(alg)}, {Text("sig"), Bytes(other_sig)}}),
                          wrong.auth_data));
    ExpectReason(VerifyRegistration(wrong.input).status(), reasons::kBadSignature);
  }
}

TEST(WebAuthnSynthetic, FailedVerificationsLeaveNoOpenSslErrors) {
  ERR_clear_error();
  // RS256-2048 fails inside libfido2, RS256-3072 inside our OpenSSL code; both
  // leave entries in the error queue unless drained.
  for (unsigned bits : {2048u, 3072u}) {
    const Credential signer = NewCredential(kCoseRs256, bits);
    const Credential other = NewCredential(kCoseRs256, bits);
    AssertionInput in = Assertion(signer, 1, 0);
    in.credential.public_key_cose = other.Cose();
    ExpectReason(VerifyAssertion(in).status(), reasons::kBadSignature);
    EXPECT_EQ(ERR_peek_error(), 0u) << "RSA-" << bits;
  }
  RegistrationInput foreign = testing::SpecRegistration(spec_vectors::kPackedEs256);
  foreign.trust_roots_pem = Ca().Pem();
  ExpectReason(VerifyRegistration(foreign).status(), reasons::kUntrustedAttestation);
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(WebAuthnSynthetic, ConcurrentVerificationsAgree) {
  const Credential es = NewCredential(kCoseEs256);
  const Credential ed = NewCredential(kCoseEdDsa);
  const AssertionInput good_es = Assertion(es, 1, 0);
  const AssertionInput good_ed = Assertion(ed, 1, 0);
  AssertionInput bad = Assertion(es, 1, 0);
  bad.credential.public_key_cose = ed.Cose();
  bad.credential.alg = 0;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 40; ++i) {
        if (!VerifyAssertion(good_es).ok()) ++wrong;
        if (!VerifyAssertion(good_ed).ok()) ++wrong;
        if (VerifyAssertion(bad).ok()) ++wrong;
        if (!VerifyRegistration(testing::SpecRegistration(spec_vectors::kPackedEs256)).ok())
          ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(WebAuthnSynthetic, SelfAttestationAlgMustBeTheCredentials) {
  const Credential cred = NewCredential(kCoseEs256);
  Registration r = PackedSelf(cred);
  const std::string sig = cred.SignWebAuthn(r.auth_data + Sha256(r.client_data));
  r.input.response_json = testing::RegistrationJson(
      cred.id, r.client_data,
      AttestationObject("packed", Map({{Text("alg"), Int(kCoseRs256)}, {Text("sig"), Bytes(sig)}}),
                        r.auth_data));
  ExpectReason(VerifyRegistration(r.input).status(), reasons::kBadAttestation);
}

// ================================================================== counters, handles, keys

TEST(WebAuthnSynthetic, SignatureCounterMustIncrease) {
  const Credential cred = NewCredential(kCoseEs256);
  EXPECT_TRUE(VerifyAssertion(Assertion(cred, 6, 5)).ok());
  ExpectReason(VerifyAssertion(Assertion(cred, 5, 5)).status(), reasons::kCounterRegressed);
  ExpectReason(VerifyAssertion(Assertion(cred, 3, 5)).status(), reasons::kCounterRegressed);
  ExpectReason(VerifyAssertion(Assertion(cred, 0, 5)).status(), reasons::kCounterRegressed);
  EXPECT_TRUE(VerifyAssertion(Assertion(cred, 0, 0)).ok());  // no counter at all
  EXPECT_TRUE(VerifyAssertion(Assertion(cred, 1, 0)).ok());
}

TEST(WebAuthnSynthetic, UserHandleRules) {
  const Credential cred = NewCredential(kCoseEs256);
  AssertionInput with_handle = Assertion(cred, 1, 0, kUp | kUv, "user-42");
  with_handle.expected_user_handle = "user-42";
  auto ok = VerifyAssertion(with_handle);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->user_handle, "user-42");

  with_handle.expected_user_handle = "user-43";
  ExpectReason(VerifyAssertion(with_handle).status(), reasons::kBadUserHandle);

  AssertionInput discoverable = Assertion(cred, 1, 0);
  discoverable.require_user_handle = true;
  ExpectReason(VerifyAssertion(discoverable).status(), reasons::kBadUserHandle);
}

TEST(WebAuthnSynthetic, StoredRawKeysVerify) {
  const Credential es = NewCredential(kCoseEs256);
  AssertionInput in = Assertion(es, 1, 0);
  in.credential.public_key_cose.clear();
  in.credential.raw_public_key = EcPoint(es.key.get());  // 04 || x || y
  in.credential.alg = kCoseEs256;
  EXPECT_TRUE(VerifyAssertion(in).ok());
  in.credential.raw_public_key = EcPoint(es.key.get()).substr(1);  // x || y
  EXPECT_TRUE(VerifyAssertion(in).ok());

  const Credential rsa = NewCredential(kCoseRs256);
  AssertionInput rs = Assertion(rsa, 1, 0);
  rs.credential.public_key_cose.clear();
  rs.credential.raw_public_key = BnParam(rsa.key.get(), "n") + BnParam(rsa.key.get(), "e");
  rs.credential.alg = kCoseRs256;
  EXPECT_TRUE(VerifyAssertion(rs).ok());
  rs.credential.alg = kCoseEdDsa;  // a key of the wrong length for the alg
  ExpectReason(VerifyAssertion(rs).status(), reasons::kBadPublicKey);
}

TEST(WebAuthnSynthetic, CoseKeyMustBeMinimallyEncoded) {
  const Credential cred = NewCredential(kCoseEs256);
  Registration r = PackedSelf(cred);
  // -7 written as 0x39 0x0006 instead of 0x26: valid CBOR, not CTAP2 canonical.
  const std::string wide = cred.Cose(/*wide_alg=*/true);
  ASSERT_NE(wide, cred.Cose());
  const std::string auth_data = AuthData(kUp | kAt, 0, &cred, {}, wide);
  const std::string sig = cred.SignWebAuthn(auth_data + Sha256(r.client_data));
  r.input.response_json = testing::RegistrationJson(
      cred.id, r.client_data,
      AttestationObject("packed", Map({{Text("alg"), Int(kCoseEs256)}, {Text("sig"), Bytes(sig)}}),
                        auth_data));
  auto result = VerifyRegistration(r.input);
  ExpectReason(result.status(), reasons::kBadPublicKey);
  EXPECT_NE(result.status().message().find("canonical"), std::string_view::npos);
}

TEST(WebAuthnSynthetic, CoseKeyPointMustBeOnTheCurve) {
  const Credential cred = NewCredential(kCoseEs256);
  std::string point = EcPoint(cred.key.get());
  point[64] = static_cast<char>(point[64] ^ 0x01);  // y no longer fits x
  const std::string cose = Encode(Map({{Int(1), Int(2)},
                                       {Int(3), Int(-7)},
                                       {Int(-1), Int(1)},
                                       {Int(-2), Bytes(point.substr(1, 32))},
                                       {Int(-3), Bytes(point.substr(33, 32))}}));
  Registration r = PackedSelf(cred);
  const std::string auth_data = AuthData(kUp | kAt, 0, &cred, {}, cose);
  r.input.response_json = testing::RegistrationJson(cred.id, r.client_data,
                                                    AttestationObject("none", Map({}), auth_data));
  ExpectReason(VerifyRegistration(r.input).status(), reasons::kBadPublicKey);
}

TEST(WebAuthnSynthetic, ShortRsaKeysAreRefused) {
  const Credential cred = NewCredential(kCoseRs256, 1024);
  ExpectReason(VerifyRegistration(PackedSelf(cred).input).status(), reasons::kBadAlgorithm);
}

// ================================================================== flags and extensions

TEST(WebAuthnSynthetic, FlagRules) {
  const Credential cred = NewCredential(kCoseEs256);
  RegistrationInput no_uv = PackedSelf(cred, kUp | kAt).input;
  EXPECT_TRUE(VerifyRegistration(no_uv).ok());
  no_uv.require_user_verification = true;
  ExpectReason(VerifyRegistration(no_uv).status(), reasons::kBadFlags);

  ExpectReason(VerifyRegistration(PackedSelf(cred, kUp | kBs | kAt).input).status(),
               reasons::kBadFlags);  // BS without BE
  auto synced = VerifyRegistration(PackedSelf(cred, kUp | kUv | kBe | kBs | kAt).input);
  ASSERT_TRUE(synced.ok()) << synced.status().ToString();
  EXPECT_TRUE(synced->flags.backup_eligible() && synced->flags.backup_state());

  ExpectReason(VerifyRegistration(PackedSelf(cred, kUv | kAt).input).status(),
               reasons::kBadFlags);  // no user presence
  ExpectReason(VerifyRegistration(PackedSelf(cred, kUp | kUv).input).status(),
               reasons::kBadInput);  // AT clear: the data after signCount is unexpected

  ExpectReason(VerifyAssertion(Assertion(cred, 1, 0, kUv)).status(), reasons::kBadFlags);
  AssertionInput uv = Assertion(cred, 1, 0, kUp);
  uv.require_user_verification = true;
  ExpectReason(VerifyAssertion(uv).status(), reasons::kBadFlags);
  // BE can flip neither way after registration; BS can.
  AssertionInput be = Assertion(cred, 1, 0, kUp | kBe | kBs);
  EXPECT_TRUE(VerifyAssertion(be).ok());
  be.credential.backup_eligible = false;
  ExpectReason(VerifyAssertion(be).status(), reasons::kBadFlags);
}

TEST(WebAuthnSynthetic, ConditionalRegistrationWithoutUserPresence) {
  const Credential cred = NewCredential(kCoseEs256);
  RegistrationInput in = PackedSelf(cred, kUv | kAt).input;
  ExpectReason(VerifyRegistration(in).status(), reasons::kBadFlags);
  in.require_user_presence = false;  // conditional create: verified with OpenSSL
  auto result = VerifyRegistration(in);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_FALSE(result->flags.user_present());
}

TEST(WebAuthnSynthetic, AuthenticatorExtensionsAreAccepted) {
  const Credential cred = NewCredential(kCoseEs256);
  const std::string reg_ext = Encode(Map({{Text("credProtect"), Int(2)}}));
  auto registered = VerifyRegistration(PackedSelf(cred, kUp | kUv | kAt | kEd, reg_ext).input);
  ASSERT_TRUE(registered.ok()) << registered.status().ToString();
  EXPECT_TRUE(registered->flags.extension_data());

  const std::string get_ext = Encode(Map({{Text("hmac-secret"), Bytes(std::string(32, 'h'))}}));
  auto asserted = VerifyAssertion(Assertion(cred, 1, 0, kUp | kUv | kEd, {}, get_ext));
  EXPECT_TRUE(asserted.ok()) << asserted.status().ToString();

  // ED set but no extension map: malformed.
  ExpectReason(VerifyAssertion(Assertion(cred, 1, 0, kUp | kEd)).status(), reasons::kBadInput);
}

// ================================================================== client data and JSON

TEST(WebAuthnSynthetic, ClientDataRules) {
  const Credential cred = NewCredential(kCoseEs256);
  // A UTF-8 byte order mark is dropped before parsing (and kept in the hash).
  const std::string bom = "\xEF\xBB\xBF" + ClientData("webauthn.create", kChallenge);
  EXPECT_TRUE(VerifyRegistration(PackedSelf(cred, kUp | kAt, {}, bom).input).ok());

  ExpectReason(VerifyRegistration(
                   PackedSelf(cred, kUp | kAt, {}, ClientData("webauthn.get", kChallenge)).input)
                   .status(),
               reasons::kBadType);
  ExpectReason(VerifyRegistration(PackedSelf(cred, kUp | kAt, {}, "not json").input).status(),
               reasons::kBadInput);
  ExpectReason(VerifyRegistration(PackedSelf(cred, kUp | kAt, {},
                                             "{\"type\":\"webauthn.create\",\"challenge\":\"" +
                                                 B64(kChallenge) + "\",\"origin\":\"\xff\"}")
                                      .input)
                   .status(),
               reasons::kBadInput);  // not UTF-8
  const std::string cross = R"({"type":"webauthn.create","challenge":")" + B64(kChallenge) +
                            R"(","origin":")" + kOrigin + R"(","crossOrigin":true})";
  RegistrationInput in = PackedSelf(cred, kUp | kAt, {}, cross).input;
  ExpectReason(VerifyRegistration(in).status(), reasons::kBadOrigin);
  in.allow_cross_origin = true;
  EXPECT_TRUE(VerifyRegistration(in).ok());
}

TEST(WebAuthnSynthetic, StandardBase64IsAcceptedAndNormalised) {
  const auto& v = spec_vectors::kNoneEs256;
  RegistrationInput in = testing::SpecRegistration(v);
  auto standard = [](std::string s) {
    for (char& c : s) c = c == '-' ? '+' : c == '_' ? '/' : c;
    while (s.size() % 4 != 0) s += '=';
    return s;
  };
  const std::string id = Hex(v.credential_id);
  const std::string cdj = Hex(v.registration_client_data_json);
  const std::string att = Hex(v.attestation_object);
  in.response_json = R"({"id":")" + standard(B64(id)) + R"(","rawId":")" + standard(B64(id)) +
                     R"(","type":"public-key","response":{"clientDataJSON":")" +
                     standard(B64(cdj)) + R"(","attestationObject":")" + standard(B64(att)) +
                     R"("}})";
  ASSERT_NE(in.response_json.find('='), std::string::npos);
  auto result = VerifyRegistration(in);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->credential_id, id);

  EXPECT_EQ(DecodeWebAuthnBase64("-_8"), std::string("\xfb\xff", 2));
  EXPECT_EQ(DecodeWebAuthnBase64("+/8="), std::string("\xfb\xff", 2));
  EXPECT_EQ(DecodeWebAuthnBase64("+/8"), std::string("\xfb\xff", 2));
  EXPECT_FALSE(DecodeWebAuthnBase64("-/8"));    // mixed alphabets
  EXPECT_FALSE(DecodeWebAuthnBase64("+/8=="));  // excess padding
  EXPECT_FALSE(DecodeWebAuthnBase64("+/=8"));   // padding inside
  EXPECT_FALSE(DecodeWebAuthnBase64("-_9"));    // non-zero trailing bits
  EXPECT_FALSE(DecodeWebAuthnBase64("ab cd"));
}

TEST(WebAuthnSynthetic, MalformedResponsesAreInputErrors) {
  RegistrationInput in = testing::SpecRegistration(spec_vectors::kNoneEs256);
  for (const char* bad :
       {"", "[]", "{\"type\":\"public-key\"}", "{\"id\":\"AA\",\"type\":\"other\",\"response\":{}}",
        "{\"id\":\"AA\",\"type\":\"public-key\",\"response\":{}}",
        "{\"id\":\"A\",\"type\":\"public-key\",\"response\":{\"clientDataJSON\":\"AA\"}}"}) {
    in.response_json = bad;
    auto r = VerifyRegistration(in);
    EXPECT_EQ(r.status().reason(), reasons::kBadInput) << bad;
    EXPECT_EQ(r.status().code(), Errc::kInvalidArgument) << bad;
  }
  in.response_json = std::string(70000, ' ');
  EXPECT_EQ(VerifyRegistration(in).status().reason(), reasons::kBadInput);

  const Credential cred = NewCredential(kCoseEs256);
  Registration r = PackedSelf(cred);
  r.input.response_json = testing::RegistrationJson(cred.id, r.client_data, "not cbor");
  ExpectReason(VerifyRegistration(r.input).status(), reasons::kBadInput);
  // Authenticator data with trailing bytes.
  const std::string auth_data = AuthData(kUp | kAt, 0, &cred) + "xx";
  r.input.response_json = testing::RegistrationJson(cred.id, r.client_data,
                                                    AttestationObject("none", Map({}), auth_data));
  ExpectReason(VerifyRegistration(r.input).status(), reasons::kBadInput);
  // A none statement must be empty.
  r.input.response_json = testing::RegistrationJson(
      cred.id, r.client_data,
      AttestationObject("none", Map({{Text("sig"), Bytes("x")}}), AuthData(kUp | kAt, 0, &cred)));
  ExpectReason(VerifyRegistration(r.input).status(), reasons::kBadAttestation);

  ExpectReason(CredentialIdOf("{}").status(), reasons::kBadInput);
}

TEST(WebAuthnSynthetic, CredentialIdLongerThan1023BytesIsRefused) {
  Credential cred = NewCredential(kCoseEs256);
  cred.id = std::string(1024, 'i');
  const std::string client_data = ClientData("webauthn.create", kChallenge);
  RegistrationInput in = PackedSelf(cred).input;
  in.response_json = testing::RegistrationJson(
      cred.id, client_data, AttestationObject("none", Map({}), AuthData(kUp | kAt, 0, &cred)));
  ExpectReason(VerifyRegistration(in).status(), reasons::kBadCredential);
}

// ================================================================== packed with x5c, trust

struct PackedChain {
  Ca root;
  Pkey intermediate_key = NewEc();
  Cert intermediate;
  Pkey leaf_key = NewEc();
  Cert leaf;
};

RegistrationInput PackedWithChain(const Credential& cred, const PackedChain& chain) {
  Registration r = PackedSelf(cred);
  const std::string sig = Sign(chain.leaf_key.get(), "SHA256", r.auth_data + Sha256(r.client_data));
  const std::string att = AttestationObject(
      "packed",
      Map({{Text("alg"), Int(kCoseEs256)},
           {Text("sig"), Bytes(sig)},
           {Text("x5c"),
            Array({Bytes(Der(chain.leaf.get())), Bytes(Der(chain.intermediate.get()))})}}),
      r.auth_data);
  r.input.response_json = testing::RegistrationJson(cred.id, r.client_data, att);
  return r.input;
}

PackedChain MakeChain(const CertSpec& leaf_spec) {
  PackedChain c;
  CertSpec ica;
  ica.subject = {{"CN", "Latchkey test intermediate"}};
  ica.ca = true;
  c.intermediate = MakeCert(c.intermediate_key.get(), c.root.key.get(), c.root.cert.get(), ica);
  c.leaf = MakeCert(c.leaf_key.get(), c.intermediate_key.get(), c.intermediate.get(), leaf_spec);
  return c;
}

CertSpec GoodLeaf() {
  CertSpec s;
  s.subject = PackedSubject();
  s.ca = false;
  s.extensions = {
      {"1.3.6.1.4.1.45724.1.1.4", std::string("\x04\x10") + std::string(kAaguid), false}};
  return s;
}

TEST(WebAuthnSynthetic, PackedCertificateChainToConfiguredRoot) {
  const Credential cred = NewCredential(kCoseEs256);
  const PackedChain chain = MakeChain(GoodLeaf());
  RegistrationInput in = PackedWithChain(cred, chain);
  auto plain = VerifyRegistration(in);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->attestation_type, AttestationType::kBasic);
  EXPECT_EQ(plain->trust, AttestationTrust::kNotEstablished);
  EXPECT_EQ(plain->x5c.size(), 2u);

  in.trust_roots_pem = chain.root.Pem();
  auto trusted = VerifyRegistration(in);
  ASSERT_TRUE(trusted.ok()) << trusted.status().ToString();
  EXPECT_EQ(trusted->trust, AttestationTrust::kTrusted);

  in.attestation_time = std::chrono::system_clock::now() + std::chrono::hours(24 * 365 * 20);
  ExpectReason(VerifyRegistration(in).status(), reasons::kUntrustedAttestation);  // expired
  in.attestation_time.reset();
  in.trust_roots_pem = Ca().Pem();
  ExpectReason(VerifyRegistration(in).status(), reasons::kUntrustedAttestation);
}

TEST(WebAuthnSynthetic, PackedCertificateRequirements) {
  const Credential cred = NewCredential(kCoseEs256);
  CertSpec wrong_ou = GoodLeaf();
  wrong_ou.subject[2].second = "Something Else";
  CertSpec ca_leaf = GoodLeaf();
  ca_leaf.ca = true;
  CertSpec other_aaguid = GoodLeaf();
  other_aaguid.extensions[0].der = "\x04\x10" + std::string(16, '\x07');
  CertSpec critical_aaguid = GoodLeaf();
  critical_aaguid.extensions[0].critical = true;
  CertSpec no_cn = GoodLeaf();
  no_cn.subject.pop_back();
  for (const CertSpec* spec : {&wrong_ou, &ca_leaf, &other_aaguid, &critical_aaguid, &no_cn}) {
    ExpectReason(VerifyRegistration(PackedWithChain(cred, MakeChain(*spec))).status(),
                 reasons::kBadAttestation);
  }
  CertSpec no_aaguid = GoodLeaf();
  no_aaguid.extensions.clear();  // the extension is optional
  EXPECT_TRUE(VerifyRegistration(PackedWithChain(cred, MakeChain(no_aaguid))).ok());
}

// ================================================================== tpm (Windows Hello shape)

std::string U16(unsigned v) { return std::string{static_cast<char>(v >> 8), static_cast<char>(v)}; }
std::string U32(std::uint32_t v) { return U16(v >> 16) + U16(v & 0xffff); }

struct Tpm {
  Credential cred = NewCredential(kCoseRs256, 2048);
  Ca root;
  Pkey aik_key = NewRsa(2048);
  Cert aik;
  std::string pub_area;

  Tpm() {
    CertSpec spec;
    spec.ca = false;
    // The SAN of the specification's TPM vector: manufacturer, model, version.
    spec.extensions = {
        {"2.5.29.17",
         Hex("3052a450304e314c3014060567810502010c0b69643a30303030303030303014060567810502030c0b"
             "69643a3030303030303030301e060567810502020c15576562417574686e207465737420766563746f727"
             "3"),
         true},
        {"2.5.29.37", Hex("300706056781050803"), false}};  // EKU tcg-kp-AIKCertificate
    aik = MakeCert(aik_key.get(), root.key.get(), root.cert.get(), spec);
    const std::string n = BnParam(cred.key.get(), "n");
    pub_area = U16(0x0001) + U16(0x000b) + U32(0x00060472) + U16(32) + std::string(32, 'p') +
               U16(0x0010) + U16(0x0010) + U16(2048) + U32(0) + U16(256) + n;
  }

  // certInfo with SHA-1 extraData, laid out as Windows Hello TPMs write it.
  std::string CertInfo(const std::string& att_to_be_signed) const {
    unsigned char sha1[20];
    EVP_Digest(att_to_be_signed.data(), att_to_be_signed.size(), sha1, nullptr, EVP_sha1(),
               nullptr);
    const std::string name = U16(0x000b) + Sha256(pub_area);
    return U32(0xff544347) + U16(0x8017) + U16(34) + U16(0x000b) + std::string(32, 's') + U16(20) +
           std::string(reinterpret_cast<char*>(sha1), 20) + std::string(8, '\x01') + U32(7) +
           U32(9) + std::string(1, '\x01') + std::string(8, '\x02') + U16(34) + name + U16(34) +
           U16(0x000b) + std::string(32, 'q');
  }

  RegistrationInput Input(
      const std::function<void(std::string&, std::string&)>& tamper = {}) const {
    Registration r = PackedSelf(cred);
    std::string cert_info = CertInfo(r.auth_data + Sha256(r.client_data));
    std::string sig = Sign(aik_key.get(), "SHA1", cert_info);
    if (tamper) tamper(cert_info, sig);
    const std::string att = AttestationObject("tpm",
                                              Map({{Text("ver"), Text("2.0")},
                                                   {Text("alg"), Int(-65535)},
                                                   {Text("x5c"), Array({Bytes(Der(aik.get()))})},
                                                   {Text("sig"), Bytes(sig)},
                                                   {Text("certInfo"), Bytes(cert_info)},
                                                   {Text("pubArea"), Bytes(pub_area)}}),
                                              r.auth_data);
    r.input.response_json = testing::RegistrationJson(cred.id, r.client_data, att);
    return r.input;
  }
};

TEST(WebAuthnSynthetic, TpmRs256WithSha1ThroughLibfido2) {
  const Tpm tpm;
  auto result = VerifyRegistration(tpm.Input());
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->fmt, "tpm");
  EXPECT_EQ(result->alg, kCoseRs256);
  EXPECT_EQ(result->attestation_type, AttestationType::kBasic);

  RegistrationInput trusted = tpm.Input();
  trusted.trust_roots_pem = tpm.root.Pem();
  auto chained = VerifyRegistration(trusted);
  ASSERT_TRUE(chained.ok()) << chained.status().ToString();
  EXPECT_EQ(chained->trust, AttestationTrust::kTrusted);

  auto flip_sig = [](std::string&, std::string& sig) {
    sig[100] = static_cast<char>(sig[100] ^ 1);
  };
  ExpectReason(VerifyRegistration(tpm.Input(flip_sig)).status(), reasons::kBadSignature);
  auto flip_extra = [](std::string& info, std::string&) {
    info[44] = static_cast<char>(info[44] ^ 1);
  };
  ExpectReason(VerifyRegistration(tpm.Input(flip_extra)).status(), reasons::kBadAttestation);
  auto wrong_type = [](std::string& info, std::string&) { info[5] = '\x18'; };
  ExpectReason(VerifyRegistration(tpm.Input(wrong_type)).status(), reasons::kBadAttestation);
}

// ================================================================== android-key

struct Android {
  Credential cred = NewCredential(kCoseEs256);
  Ca root;

  RegistrationInput Input(const AuthorizationSpec& software, const AuthorizationSpec& tee,
                          bool sign_with_other_key = false,
                          const std::string* challenge = nullptr) const {
    Registration r = PackedSelf(cred);
    const std::string cdh = Sha256(r.client_data);
    CertSpec spec;
    spec.subject = {{"CN", "Android Keystore Key"}};
    spec.ca = false;
    spec.extensions = {{"1.3.6.1.4.1.11129.2.1.17",
                        KeyDescription(challenge != nullptr ? *challenge : cdh, software, tee),
                        false}};
    Cert cert = MakeCert(cred.key.get(), root.key.get(), root.cert.get(), spec);
    const Pkey other = NewEc();
    const std::string sig =
        Sign(sign_with_other_key ? other.get() : cred.key.get(), "SHA256", r.auth_data + cdh);
    const std::string att = AttestationObject(
        "android-key",
        Map({{Text("alg"), Int(kCoseEs256)},
             {Text("sig"), Bytes(sig)},
             {Text("x5c"), Array({Bytes(Der(cert.get())), Bytes(Der(root.cert.get()))})}}),
        r.auth_data);
    r.input.response_json = testing::RegistrationJson(cred.id, r.client_data, att);
    return r.input;
  }
};

constexpr int kGenerated = 0, kImported = 2, kSign = 2, kVerify = 3;

TEST(WebAuthnSynthetic, AndroidKeyWithTeeAuthorizationsVerifies) {
  const Android android;
  RegistrationInput in = android.Input({}, {{kSign}, kGenerated, false});
  in.android_key_require_tee = true;
  in.trust_roots_pem = android.root.Pem();
  auto result = VerifyRegistration(in);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->fmt, "android-key");
  EXPECT_EQ(result->attestation_type, AttestationType::kBasic);
  EXPECT_EQ(result->trust, AttestationTrust::kTrusted);
  EXPECT_EQ(result->x5c.size(), 2u);
}

TEST(WebAuthnSynthetic, AndroidKeyAuthorizationRules) {
  const Android android;
  // Authorizations only in softwareEnforced: fine for the union, not for TEE only.
  RegistrationInput software = android.Input({{kSign}, kGenerated, false}, {});
  EXPECT_TRUE(VerifyRegistration(software).ok());
  software.android_key_require_tee = true;
  ExpectReason(VerifyRegistration(software).status(), reasons::kBadAttestation);

  const AuthorizationSpec good{{kSign}, kGenerated, false};
  ExpectReason(VerifyRegistration(android.Input({{}, std::nullopt, true}, good)).status(),
               reasons::kBadAttestation);  // allApplications
  ExpectReason(VerifyRegistration(android.Input({}, {{kSign}, kImported, false})).status(),
               reasons::kBadAttestation);  // imported key
  ExpectReason(
      VerifyRegistration(android.Input({}, {{kSign, kVerify}, kGenerated, false})).status(),
      reasons::kBadAttestation);  // not only signing
  const std::string other_challenge(32, 'c');
  ExpectReason(VerifyRegistration(android.Input({}, good, false, &other_challenge)).status(),
               reasons::kBadAttestation);  // attestationChallenge
  ExpectReason(VerifyRegistration(android.Input({}, good, true)).status(),
               reasons::kBadSignature);  // sig not by the certified key
}

TEST(WebAuthnSynthetic, AndroidKeyCertificateMustCertifyTheCredentialKey) {
  const Android android;
  const Credential other = NewCredential(kCoseEs256);
  Registration r = PackedSelf(other);
  const std::string cdh = Sha256(r.client_data);
  CertSpec spec;
  spec.subject = {{"CN", "Android Keystore Key"}};
  spec.extensions = {
      {"1.3.6.1.4.1.11129.2.1.17", KeyDescription(cdh, {}, {{kSign}, kGenerated, false}), false}};
  // The certificate is for android.cred's key and signs, but the credential is `other`.
  Cert cert =
      MakeCert(android.cred.key.get(), android.root.key.get(), android.root.cert.get(), spec);
  const std::string sig = Sign(android.cred.key.get(), "SHA256", r.auth_data + cdh);
  r.input.response_json = testing::RegistrationJson(
      other.id, r.client_data,
      AttestationObject("android-key",
                        Map({{Text("alg"), Int(kCoseEs256)},
                             {Text("sig"), Bytes(sig)},
                             {Text("x5c"), Array({Bytes(Der(cert.get()))})}}),
                        r.auth_data));
  auto result = VerifyRegistration(r.input);
  ExpectReason(result.status(), reasons::kBadAttestation);
  EXPECT_NE(result.status().message().find("not the credential public key"),
            std::string_view::npos);
}

}  // namespace
}  // namespace latchkey::webauthn
