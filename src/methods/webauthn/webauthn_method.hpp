// The security key / passkey method: WebAuthn registration and authentication
// ceremonies as a Method and an Enroller, over webauthn_verifier.hpp.
//
// Registration: BeginEnroll `{"name"?}` answers `{"options": <creation options>}`
// (PublicKeyCredentialCreationOptions as JSON, base64url binaries) with a fresh
// 32-byte challenge, the RP from the options, the account's user handle, and the
// account's registered keys as excludeCredentials. The challenge, its expiry and
// the user handle stay in the new enrollment's `pending` blob. FinishEnroll
// `{"credential": <serialised PublicKeyCredential>}` runs VerifyRegistration with
// that challenge (used once: it is cleared whatever the outcome, so a failed
// registration is started again, and the caller deletes the pending enrollment)
// and stores the credential record in `secret` as a small JSON document: id,
// COSE key, alg, sign count, UV/BE/BS, transports, AAGUID, fmt and user handle.
//
// The user handle (user.id) is 64 random bytes per account, no personal data. It
// lives in the secret of each of the account's WebAuthn enrollments: a new
// registration reuses the handle of the account's existing keys (pending ones
// included) and draws a new one only when the account has none, so all keys of an
// account share one handle, and an assertion's userHandle is checked against the
// handle stored with the key that made it.
//
// No credential may be registered twice, to any account (§7.1 step 26). This
// method refuses a credential id already among the account's own keys; the
// caller must refuse one registered to another account: FinishEnroll sets the
// enrollment's `lookup` to WebAuthnCredentialLookup(keys, credential id), and
// before storing it the caller looks for any webauthn enrollment with the same
// lookup (the store indexes `lookup`), answering kConflict if there is one.
//
// Gate use (a reset gate or a second factor at sign-in): Begin answers
// `{"options": <request options>}` with allowCredentials = the enrollment's key
// and keeps the challenge and its expiry in the state blob; Verify takes the
// serialised assertion in Answer.json, consumes the challenge (once, whatever the
// outcome), runs VerifyAssertion against the stored key and count, and on success
// writes the new sign count, backup state and UV into the enrollment's secret: the
// caller stores the enrollment. A counter that does not increase is refused
// (webauthn_counter_regressed; docs/webauthn.md). A phantom (null enrollment) gets
// request options of the same shape with a decoy credential id derived from the
// subject (or the scope) under the phantom key, and always fails.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/method.hpp"

namespace latchkey {

class KeyRing;

struct WebAuthnMethodOptions {
  std::string rp_id;                       // the registrable domain, e.g. "login.example.ac.uk"
  std::string rp_name = "Latchkey";        // shown by the browser and the authenticator
  std::vector<std::string> origins;        // allowed origins, e.g. "https://login.example.ac.uk"
  bool require_user_verification = false;  // PIN or biometric on every use
  int max_per_account = 10;                // active keys plus registrations in progress
  // How long a ceremony may take (the options' timeout, and the challenge's lifetime).
  Millis ceremony_lifetime = std::chrono::minutes(5);
};

// The returned object implements both Method and Enroller.
std::unique_ptr<Method> MakeWebAuthnMethod(const WebAuthnMethodOptions& options);

// The keyed digest of a credential id that FinishEnroll puts in Enrollment::lookup.
std::string WebAuthnCredentialLookup(const KeyRing& keys, std::string_view credential_id);

}  // namespace latchkey
