// OpenSSL helpers for the WebAuthn verifier (internal: included by
// src/methods/webauthn/*.cpp only). Owning pointers, digests, signature checks
// under COSE algorithm ids, and the X.509 lookups the attestation formats need.
// Everything here is thread-safe (OpenSSL 3 objects are per call).
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace latchkey::webauthn::internal {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

// Digests by name ("SHA1", "SHA256", "SHA384", "SHA512"); empty on failure.
std::string Digest(std::string_view md_name, std::string_view data);
std::string Sha256(std::string_view data);

// The hash that COSE algorithm `alg` signs with ("SHA256", ...); empty when the
// algorithm is not one we verify.
std::string_view CoseAlgHash(int alg);

// Verifies `signature` over `data` with `key` under COSE algorithm `alg`: ES256,
// ES384, ES512 (DER signatures), RS256, RS384, RS512, RS1 (PKCS#1 v1.5), PS256,
// PS384, PS512 (PSS, salt = hash length) and EdDSA (Ed25519). The key type must
// fit the algorithm. Calls ERR_clear_error() after a failure, so a failed verify
// leaves nothing behind in the thread's error queue.
bool VerifySignature(EVP_PKEY* key, int alg, std::string_view data, std::string_view signature);

// Public keys from their parts; null when the parts do not make a valid key
// (an EC point off the curve, for example).
PkeyPtr EcPublicKey(std::string_view curve_name, std::string_view x, std::string_view y);
PkeyPtr Ed25519PublicKey(std::string_view x);
PkeyPtr RsaPublicKey(std::string_view n, std::string_view e);
bool SameKey(EVP_PKEY* a, EVP_PKEY* b);
bool IsEcP256(EVP_PKEY* key);
// "EC P-256" style names for messages.
std::string DescribeKey(EVP_PKEY* key);

// X.509 (DER) parsing; null for malformed input or trailing bytes.
X509Ptr ParseDerCertificate(std::string_view der);
// The DER value (the OCTET STRING contents) of the extension `oid` in `cert`,
// nullopt when absent. `critical` (if given) receives the criticality flag.
std::optional<std::string> ExtensionValue(X509* cert, const char* oid, bool* critical = nullptr);
// Subject attribute by NID; nullopt when absent.
std::optional<std::string> SubjectEntry(X509* cert, int nid);
bool SubjectIsEmpty(X509* cert);
// Basic constraints: nullopt when the extension is absent, else the CA flag.
std::optional<bool> BasicConstraintsCa(X509* cert);
// Whether the extended key usage lists `oid`.
bool HasExtendedKeyUsage(X509* cert, const char* oid);
// The directoryName attributes of the subject alternative name, as (OID, value)
// pairs, in order (TPM AIK certificates carry manufacturer, model and version).
std::vector<std::pair<std::string, std::string>> SanDirectoryAttributes(X509* cert);

// The oldest OpenSSL error of this thread as text, then ERR_clear_error().
std::string TakeOpenSslError();

}  // namespace latchkey::webauthn::internal
