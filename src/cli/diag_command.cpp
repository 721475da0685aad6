#include "cli/diag_command.hpp"

#include <istream>
#include <iterator>
#include <optional>
#include <ostream>

#include "cli/exit_code.hpp"
#include "methods/webauthn/webauthn_encoding.hpp"
#include "methods/webauthn/webauthn_verifier.hpp"

namespace latchkey {
namespace {

namespace wa = webauthn;

std::string ReadAll(std::istream& in) {
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

int Usage(std::ostream& err, const std::string& what) {
  err << "usage: " << what << "\n";
  return kExitUsage;
}

int Invalid(std::ostream& err, const Status& status) {
  err << "invalid: " << status.message() << " [" << status.reason() << "]\n";
  if (!status.detail().empty()) err << "detail: " << status.detail() << "\n";
  return ExitCodeFor(status);
}

// The common arguments; returns the decoded challenge or nullopt after a usage
// message.
std::optional<std::string> CheckArgs(const std::string& rp_id, const std::string& origin,
                                     const std::string& challenge_b64url, std::ostream& err) {
  if (rp_id.empty()) {
    Usage(err, "--rp-id is required");
    return std::nullopt;
  }
  if (origin.empty()) {
    Usage(err, "--origin is required");
    return std::nullopt;
  }
  auto challenge = wa::DecodeWebAuthnBase64(challenge_b64url);
  if (!challenge || challenge->empty()) {
    Usage(err, "--challenge must be the challenge in base64url");
    return std::nullopt;
  }
  return challenge;
}

}  // namespace

int CmdDiagWebauthnRegister(const DiagRegisterArgs& a, std::istream& in, std::ostream& out,
                            std::ostream& err) {
  auto challenge = CheckArgs(a.rp_id, a.origin, a.challenge_b64url, err);
  if (!challenge) return kExitUsage;

  wa::RegistrationInput input;
  input.response_json = ReadAll(in);
  input.expected_challenge = std::move(*challenge);
  input.rp_id = a.rp_id;
  input.allowed_origins = {a.origin};
  auto result = wa::VerifyRegistration(input);
  if (!result.ok()) return Invalid(err, result.status());

  const wa::RegisteredCredential& c = *result;
  out << "valid: registration\n";
  out << "fmt: " << c.fmt << "\n";
  out << "alg: " << c.alg << " (" << wa::CoseAlgName(c.alg) << ")\n";
  out << "aaguid: " << wa::FormatAaguid(c.aaguid) << "\n";
  out << "flags: " << c.flags.ToString() << "\n";
  out << "sign_count: " << c.sign_count << "\n";
  out << "attestation: " << wa::AttestationTypeName(c.attestation_type)
      << (c.trust == wa::AttestationTrust::kTrusted ? " (trusted)" : " (trust not established)")
      << "\n";
  if (!c.transports.empty()) {
    out << "transports:";
    for (const auto& t : c.transports) out << " " << t;
    out << "\n";
  }
  out << "credential_id: " << wa::EncodeBase64Url(c.credential_id) << "\n";
  out << "public_key: " << wa::EncodeBase64Url(c.public_key_cose) << "\n";
  return kExitOk;
}

int CmdDiagWebauthnAssert(const DiagAssertArgs& a, std::istream& in, std::ostream& out,
                          std::ostream& err) {
  auto challenge = CheckArgs(a.rp_id, a.origin, a.challenge_b64url, err);
  if (!challenge) return kExitUsage;
  auto public_key = wa::DecodeWebAuthnBase64(a.public_key_b64url);
  if (!public_key || public_key->empty()) {
    return Usage(err, "--public-key must be the COSE public key in base64url");
  }

  wa::AssertionInput input;
  input.response_json = ReadAll(in);
  auto id = wa::CredentialIdOf(input.response_json);
  if (!id.ok()) return Invalid(err, id.status());
  input.expected_challenge = std::move(*challenge);
  input.rp_id = a.rp_id;
  input.allowed_origins = {a.origin};
  input.credential.id = *id;
  input.credential.public_key_cose = std::move(*public_key);
  input.credential.sign_count = a.sign_count;
  input.require_user_verification = a.require_uv;
  auto result = wa::VerifyAssertion(input);
  if (!result.ok()) return Invalid(err, result.status());

  out << "valid: assertion\n";
  out << "credential_id: " << wa::EncodeBase64Url(result->credential_id) << "\n";
  out << "flags: " << result->flags.ToString() << "\n";
  out << "sign_count: " << result->sign_count << "\n";
  out << "backup_state: " << (result->flags.backup_state() ? "backed up" : "not backed up") << "\n";
  if (result->user_handle) {
    out << "user_handle: " << wa::EncodeBase64Url(*result->user_handle) << "\n";
  }
  return kExitOk;
}

}  // namespace latchkey
