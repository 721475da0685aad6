// WebAuthn relying-party verification: security keys and passkeys.
//
// VerifyRegistration runs the registration ceremony checks of W3C Web
// Authentication Level 3 §7.1 over the JSON that a browser's PublicKeyCredential
// serialises to (toJSON form); VerifyAssertion runs the authentication ceremony
// checks of §7.2. Both return every failure as a Status whose reason() is one of
// the stable ids in `reasons` below and whose message() names the failing step
// ("client data origin: ...", "attestation (packed): ...").
//
// This is a pure library: no HTTP, no store, no clock and no randomness of its
// own. The caller passes the challenge it issued (and consumes it, once), the
// stored credential record, and optionally the time at which attestation
// certificates are checked.
//
// Binary values (ByteString) hold raw bytes. In the JSON they are base64url
// without padding, as browsers send them; standard base64 ('+', '/', '=' padding)
// is accepted as well and normalised, because some client libraries send it.
//
// Thread safety: every function here is safe to call from many threads at once.
// Nothing is shared between calls (each call creates its own libfido2, libcbor
// and OpenSSL objects); libfido2 is initialised once, under std::call_once.
//
// docs/webauthn.md lists the verification steps, the attestation formats and the
// trust and signature-counter policies.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace latchkey::webauthn {

// Raw bytes.
using ByteString = std::string;

// COSE algorithm identifiers (IANA "COSE Algorithms" registry).
inline constexpr int kCoseEs256 = -7;    // ECDSA P-256 with SHA-256
inline constexpr int kCoseEdDsa = -8;    // Ed25519
inline constexpr int kCoseRs256 = -257;  // RSASSA-PKCS1-v1_5 with SHA-256
// "ES256", "EdDSA", "RS256", "ES384", "RS1", ... or "unknown".
std::string_view CoseAlgName(int alg);

// Stable failure reasons (Status::reason()). kInvalidArgument for malformed input
// and configuration, kVerifyFailed for everything that did not verify.
namespace reasons {
// The JSON, base64, CBOR or binary structure is malformed (kInvalidArgument).
inline constexpr std::string_view kBadInput = "webauthn_bad_input";
// clientDataJSON.type is not "webauthn.create" / "webauthn.get".
inline constexpr std::string_view kBadType = "webauthn_bad_type";
// clientDataJSON.challenge is not the issued challenge.
inline constexpr std::string_view kBadChallenge = "webauthn_bad_challenge";
// origin not allowed, or crossOrigin / topOrigin not expected.
inline constexpr std::string_view kBadOrigin = "webauthn_bad_origin";
// rpIdHash in the authenticator data is not SHA-256 of the RP ID.
inline constexpr std::string_view kBadRpId = "webauthn_bad_rpid";
// UP missing, UV missing when required, BS without BE, BE changed, AT wrong.
inline constexpr std::string_view kBadFlags = "webauthn_bad_flags";
// The credential's algorithm is not allowed, or its key is unusable.
inline constexpr std::string_view kBadAlgorithm = "webauthn_bad_algorithm";
// The credential public key is malformed or not in CTAP2 canonical CBOR.
inline constexpr std::string_view kBadPublicKey = "webauthn_bad_public_key";
// The attestation format is not one this verifier implements.
inline constexpr std::string_view kUnsupportedFmt = "webauthn_unsupported_fmt";
// The attestation statement breaks its format's rules (fields, certificate).
inline constexpr std::string_view kBadAttestation = "webauthn_bad_attestation";
// A signature (attestation or assertion) does not verify.
inline constexpr std::string_view kBadSignature = "webauthn_bad_signature";
// Trust roots are configured and the x5c chain does not lead to one (or the
// statement has no chain while trusted attestation is required).
inline constexpr std::string_view kUntrustedAttestation = "webauthn_untrusted_attestation";
// The configured trust roots cannot be read (kInvalidArgument).
inline constexpr std::string_view kBadTrustRoots = "webauthn_bad_trust_roots";
// Credential id too long, or the response's id disagrees with the data.
inline constexpr std::string_view kBadCredential = "webauthn_bad_credential";
// The asserted credential is not the stored one or not in allowCredentials.
inline constexpr std::string_view kCredentialNotAllowed = "webauthn_credential_not_allowed";
// userHandle missing when required, or not the account's handle.
inline constexpr std::string_view kBadUserHandle = "webauthn_bad_user_handle";
// The signature counter did not increase (possible cloned authenticator).
inline constexpr std::string_view kCounterRegressed = "webauthn_counter_regressed";
}  // namespace reasons

// The authenticator data flags byte (§6.1).
struct AuthenticatorFlags {
  std::uint8_t raw = 0;
  bool user_present() const { return (raw & 0x01) != 0; }
  bool user_verified() const { return (raw & 0x04) != 0; }
  bool backup_eligible() const { return (raw & 0x08) != 0; }
  bool backup_state() const { return (raw & 0x10) != 0; }
  bool attested_data() const { return (raw & 0x40) != 0; }
  bool extension_data() const { return (raw & 0x80) != 0; }
  // "UP UV BE BS" (only the set ones; "none" when none is set).
  std::string ToString() const;
};

enum class AttestationType {
  kNone,    // fmt "none": no attestation
  kSelf,    // packed without x5c: signed by the credential key itself
  kBasic,   // an attestation certificate (basic or attestation CA; not told apart)
  kAnonCa,  // apple: an anonymisation CA certificate
};
std::string_view AttestationTypeName(AttestationType type);  // "none", "self", ...

enum class AttestationTrust {
  kNotEstablished,  // the statement verified; nobody vouched for the authenticator
  kTrusted,         // the x5c chain verified to one of the configured roots
};

struct RegistrationInput {
  // The serialised PublicKeyCredential from navigator.credentials.create():
  // {"id","rawId","type":"public-key","response":{"clientDataJSON",
  //  "attestationObject","transports"?},"clientExtensionResults":{}}.
  std::string response_json;
  ByteString expected_challenge;  // the bytes issued in the creation options
  std::string rp_id;
  std::vector<std::string> allowed_origins;  // exact match, e.g. "https://example.org"
  bool require_user_verification = false;
  // Only conditional ("automatic") registration may drop user presence; its
  // signed statements are then verified with OpenSSL (libfido2 insists on UP).
  bool require_user_presence = true;
  // The options' pubKeyCredParams; a credential with any other alg is refused.
  std::vector<int> allowed_algorithms = {kCoseEs256, kCoseEdDsa, kCoseRs256};
  // Whether ceremonies inside cross-origin iframes are expected (C.crossOrigin),
  // and which top-level origins may embed them (C.topOrigin).
  bool allow_cross_origin = false;
  std::vector<std::string> allowed_top_origins;
  // Attestation trust: PEM certificates. Empty: statements are verified but trust
  // is not established (there is no FIDO metadata service here). Non-empty: an
  // x5c chain must verify to one of them (X509_verify_cert).
  std::string trust_roots_pem;
  // When true, none and self attestation are refused as untrusted.
  bool require_trusted_attestation = false;
  // Time at which certificate validity is checked; unset means now.
  std::optional<std::chrono::system_clock::time_point> attestation_time;
  // android-key: read origin and purpose from teeEnforced only (keys living in a
  // TEE); by default the union of softwareEnforced and teeEnforced is used.
  bool android_key_require_tee = false;
};

// What to store for a new credential (the L3 "credential record").
struct RegisteredCredential {
  std::string fmt;
  ByteString credential_id;
  ByteString public_key_cose;  // the COSE_Key from the authenticator data
  int alg = 0;
  std::array<std::uint8_t, 16> aaguid{};
  AuthenticatorFlags flags;  // UV here is the record's uvInitialized; BE, BS likewise
  std::uint32_t sign_count = 0;
  std::vector<std::string> transports;
  AttestationType attestation_type = AttestationType::kNone;
  AttestationTrust trust = AttestationTrust::kNotEstablished;
  std::vector<ByteString> x5c;  // DER certificates, leaf first (empty for none/self)
};

// The stored credential an assertion is checked against.
struct StoredCredential {
  ByteString id;
  // Either the COSE_Key stored at registration, or (when that is empty) a raw key
  // with its alg: ES256 x||y (64 bytes) or 04||x||y (65), EdDSA the 32-byte point,
  // RS256 n||e (e = the last 3 bytes, 010001).
  ByteString public_key_cose;
  ByteString raw_public_key;
  int alg = 0;
  std::uint32_t sign_count = 0;
  // The BE flag recorded at registration; unset skips the BE-unchanged check
  // (records made before BE was recorded).
  std::optional<bool> backup_eligible;
};

struct AssertionInput {
  // The serialised PublicKeyCredential from navigator.credentials.get():
  // {"id","rawId","type":"public-key","response":{"clientDataJSON",
  //  "authenticatorData","signature","userHandle"?}}.
  std::string response_json;
  ByteString expected_challenge;
  std::string rp_id;
  std::vector<std::string> allowed_origins;
  bool allow_cross_origin = false;
  std::vector<std::string> allowed_top_origins;
  StoredCredential credential;
  bool require_user_verification = false;
  // The request options' allowCredentials ids; empty means any (discoverable).
  std::vector<ByteString> allowed_credential_ids;
  // The account's user handle when the user was identified before the ceremony:
  // a userHandle in the response must then equal it.
  std::optional<ByteString> expected_user_handle;
  // True when the user was not identified first: userHandle must be present.
  bool require_user_handle = false;
};

struct AssertionResult {
  ByteString credential_id;
  std::uint32_t sign_count = 0;  // store it: the new signature counter
  AuthenticatorFlags flags;      // store flags.backup_state(): the new BS
  std::optional<ByteString> user_handle;
};

// Registration ceremony (§7.1). Errors (reasons above): kBadInput, kBadType,
// kBadChallenge, kBadOrigin, kBadRpId, kBadFlags, kBadAlgorithm, kBadPublicKey,
// kBadCredential, kUnsupportedFmt, kBadAttestation, kBadSignature,
// kUntrustedAttestation, kBadTrustRoots.
// The caller still has to check that the credential id is not registered yet.
Result<RegisteredCredential> VerifyRegistration(const RegistrationInput& input);

// Authentication ceremony (§7.2). Errors: kBadInput, kCredentialNotAllowed,
// kBadUserHandle, kBadType, kBadChallenge, kBadOrigin, kBadRpId, kBadFlags,
// kBadAlgorithm, kBadPublicKey, kBadSignature, kCounterRegressed.
// Signature counter policy: when the stored or the new counter is non-zero, the
// new one must be greater, otherwise the assertion is refused with
// kCounterRegressed (the authenticator may have been cloned). Both zero (most
// passkeys) is accepted. The counter is checked only after the signature verified.
Result<AssertionResult> VerifyAssertion(const AssertionInput& input);

// The rawId (or id) of a serialised credential, without verifying anything: for
// finding the stored credential before calling VerifyAssertion. kBadInput.
Result<ByteString> CredentialIdOf(std::string_view response_json);

}  // namespace latchkey::webauthn
