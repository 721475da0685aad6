#include "methods/webauthn/webauthn_options.hpp"

#include <algorithm>
#include <initializer_list>
#include <nlohmann/json.hpp>

#include "methods/webauthn/webauthn_encoding.hpp"

namespace latchkey::webauthn {
namespace {

using nlohmann::json;

constexpr std::string_view kBadOptions = "webauthn_bad_options";

Status OptionsError(std::string message) {
  return Status::InvalidArgument(std::string(kBadOptions), std::move(message));
}

bool OneOf(const std::string& value, std::initializer_list<std::string_view> allowed) {
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

Status CheckCommon(const std::string& rp_id, const ByteString& challenge,
                   const std::string& user_verification, const std::vector<std::string>& hints) {
  if (rp_id.empty()) return OptionsError("options: the RP id is empty");
  if (challenge.size() < kChallengeBytes) {
    return OptionsError("options: the challenge must hold at least 32 random bytes");
  }
  if (!OneOf(user_verification, {"required", "preferred", "discouraged"})) {
    return OptionsError("options: userVerification must be required, preferred or discouraged");
  }
  for (const auto& hint : hints) {
    if (!OneOf(hint, {"security-key", "client-device", "hybrid"})) {
      return OptionsError("options: unknown hint \"" + hint + "\"");
    }
  }
  return Status::Ok();
}

json Descriptors(const std::vector<CredentialDescriptor>& list) {
  json out = json::array();
  for (const auto& d : list) {
    json entry = {{"type", "public-key"}, {"id", EncodeBase64Url(d.id)}};
    if (!d.transports.empty()) entry["transports"] = d.transports;
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace

ByteString NewChallenge(Random& random) {
  ByteString out(kChallengeBytes, '\0');
  random.Fill(reinterpret_cast<std::uint8_t*>(out.data()), out.size());
  return out;
}

Result<std::string> BuildCreationOptionsJson(const CreationOptionsParams& p) {
  LK_RETURN_IF_ERROR(CheckCommon(p.rp_id, p.challenge, p.user_verification, p.hints));
  if (p.user_id.empty() || p.user_id.size() > 64) {
    return OptionsError("options: the user id must be 1 to 64 bytes");
  }
  if (p.algorithms.empty()) return OptionsError("options: no public key algorithm");
  if (!p.authenticator_attachment.empty() &&
      !OneOf(p.authenticator_attachment, {"platform", "cross-platform"})) {
    return OptionsError("options: authenticatorAttachment must be platform or cross-platform");
  }
  if (!OneOf(p.resident_key, {"discouraged", "preferred", "required"})) {
    return OptionsError("options: residentKey must be discouraged, preferred or required");
  }
  if (!OneOf(p.attestation, {"none", "indirect", "direct", "enterprise"})) {
    return OptionsError("options: attestation must be none, indirect, direct or enterprise");
  }

  json params = json::array();
  for (int alg : p.algorithms) params.push_back({{"type", "public-key"}, {"alg", alg}});
  json selection = {{"residentKey", p.resident_key},
                    // Level 1 clients read only requireResidentKey.
                    {"requireResidentKey", p.resident_key == "required"},
                    {"userVerification", p.user_verification}};
  if (!p.authenticator_attachment.empty()) {
    selection["authenticatorAttachment"] = p.authenticator_attachment;
  }
  json options = {
      {"rp", {{"id", p.rp_id}, {"name", p.rp_name.empty() ? p.rp_id : p.rp_name}}},
      {"user",
       {{"id", EncodeBase64Url(p.user_id)},
        {"name", p.user_name},
        {"displayName", p.user_display_name}}},
      {"challenge", EncodeBase64Url(p.challenge)},
      {"pubKeyCredParams", std::move(params)},
      {"timeout", p.timeout_ms},
      {"excludeCredentials", Descriptors(p.exclude_credentials)},
      {"authenticatorSelection", std::move(selection)},
      {"attestation", p.attestation},
      // credProps tells whether the authenticator made a discoverable credential.
      {"extensions", {{"credProps", true}}},
  };
  if (!p.hints.empty()) options["hints"] = p.hints;
  return options.dump();
}

Result<std::string> BuildRequestOptionsJson(const RequestOptionsParams& p) {
  LK_RETURN_IF_ERROR(CheckCommon(p.rp_id, p.challenge, p.user_verification, p.hints));
  json options = {
      {"rpId", p.rp_id},
      {"challenge", EncodeBase64Url(p.challenge)},
      {"timeout", p.timeout_ms},
      {"allowCredentials", Descriptors(p.allow_credentials)},
      {"userVerification", p.user_verification},
  };
  if (!p.hints.empty()) options["hints"] = p.hints;
  return options.dump();
}

}  // namespace latchkey::webauthn
