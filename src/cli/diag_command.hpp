// `latchkey diag webauthn-register` and `latchkey diag webauthn-assert`
// (spec/contract.md): verify a browser's WebAuthn response read from stdin with
// the same verifier, and the same defaults, as the service. For trying out an
// authenticator or a client library without running the service.
//
// Exit codes (cli/exit_code.hpp): 0 valid, 1 invalid (stderr names the failing
// step and its reason), 2 usage error (a missing argument or bad base64 in one).
// Free of CLI11: main.cpp maps options onto these structs.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

namespace latchkey {

struct DiagRegisterArgs {
  std::string rp_id;             // --rp-id ID
  std::string origin;            // --origin URL
  std::string challenge_b64url;  // --challenge B64URL: the challenge the options carried
};

// Reads the serialised PublicKeyCredential (navigator.credentials.create()) on
// `in`. On success prints fmt, alg, AAGUID, flags, sign count, attestation type,
// the credential id and the COSE public key (both base64url; the key is what
// `diag webauthn-assert --public-key` takes).
int CmdDiagWebauthnRegister(const DiagRegisterArgs& a, std::istream& in, std::ostream& out,
                            std::ostream& err);

struct DiagAssertArgs {
  std::string rp_id;              // --rp-id ID
  std::string origin;             // --origin URL
  std::string challenge_b64url;   // --challenge B64URL
  std::string public_key_b64url;  // --public-key COSE_B64URL (from webauthn-register)
  std::uint32_t sign_count = 0;   // --sign-count N: the stored counter
  bool require_uv = false;        // --require-uv
};

// Reads the serialised PublicKeyCredential (navigator.credentials.get()) on `in`
// and verifies it against the given public key. The credential id is taken from
// the response (this command has no store to check it against), and backup
// eligibility is not compared with a stored value. On success prints the
// credential id, flags, new sign count, backup state and user handle.
int CmdDiagWebauthnAssert(const DiagAssertArgs& a, std::istream& in, std::ostream& out,
                          std::ostream& err);

}  // namespace latchkey
