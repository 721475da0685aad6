#include "methods/webauthn/webauthn_verifier.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/secret.hpp"
#include "methods/webauthn/cbor_util.hpp"
#include "methods/webauthn/openssl_util.hpp"
#include "methods/webauthn/webauthn_encoding.hpp"
#include "methods/webauthn/webauthn_internal.hpp"

namespace latchkey::webauthn {

namespace internal {

Status BadInput(std::string message, std::string detail) {
  Status s = Status::InvalidArgument(std::string(reasons::kBadInput), std::move(message));
  if (!detail.empty()) s.WithDetail(std::move(detail));
  return s;
}

Status Fail(std::string_view reason, std::string message, std::string detail) {
  Status s = Status::VerifyFailed(std::string(reason), std::move(message));
  if (!detail.empty()) s.WithDetail(std::move(detail));
  return s;
}

}  // namespace internal

using internal::BadInput;
using internal::Fail;
using nlohmann::json;

std::string_view CoseAlgName(int alg) {
  switch (alg) {
    case -7:
      return "ES256";
    case -8:
      return "EdDSA";
    case -35:
      return "ES384";
    case -36:
      return "ES512";
    case -37:
      return "PS256";
    case -257:
      return "RS256";
    case -65535:
      return "RS1";
    default:
      return "unknown";
  }
}

std::string AuthenticatorFlags::ToString() const {
  std::string out;
  auto add = [&out](bool set, const char* name) {
    if (!set) return;
    if (!out.empty()) out += ' ';
    out += name;
  };
  add(user_present(), "UP");
  add(user_verified(), "UV");
  add(backup_eligible(), "BE");
  add(backup_state(), "BS");
  add(attested_data(), "AT");
  add(extension_data(), "ED");
  return out.empty() ? "none" : out;
}

std::string_view AttestationTypeName(AttestationType type) {
  switch (type) {
    case AttestationType::kNone:
      return "none";
    case AttestationType::kSelf:
      return "self";
    case AttestationType::kBasic:
      return "basic";
    case AttestationType::kAnonCa:
      return "anonca";
  }
  return "none";
}

namespace {

// The API caps request bodies at 64 KiB; a credential is far smaller.
constexpr std::size_t kMaxResponseBytes = std::size_t{64} * 1024;
constexpr std::size_t kMaxTransports = 16;

Status ParseCredentialJson(std::string_view text, json& j) {
  if (text.size() > kMaxResponseBytes) {
    return BadInput("credential: the response is larger than 64 KiB");
  }
  j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return BadInput("credential: the response is not a JSON object");
  }
  const auto type = j.find("type");
  if (type == j.end() || !type->is_string() || type->get<std::string>() != "public-key") {
    return BadInput("credential: \"type\" is not \"public-key\"");
  }
  const auto response = j.find("response");
  if (response == j.end() || !response->is_object()) {
    return BadInput("credential: \"response\" is missing");
  }
  return Status::Ok();
}

// A base64url (or base64) member of `obj`; nullopt when absent or null.
Result<std::optional<ByteString>> BinaryMember(const json& obj, const char* name,
                                               std::string_view where) {
  const auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return std::optional<ByteString>();
  if (!it->is_string()) {
    return BadInput(std::string(where) + ": \"" + name + "\" is not a string");
  }
  auto bytes = DecodeWebAuthnBase64(it->get<std::string>());
  if (!bytes) return BadInput(std::string(where) + ": \"" + name + "\" is not base64url");
  return std::optional<ByteString>(std::move(*bytes));
}

Result<ByteString> RequiredBinary(const json& obj, const char* name, std::string_view where) {
  auto value = BinaryMember(obj, name, where);
  if (!value.ok()) return value.status();
  if (!value->has_value() || (*value)->empty()) {
    return BadInput(std::string(where) + ": \"" + name + "\" is missing");
  }
  return std::move(**value);
}

// rawId, and id (its base64url form); when both are given they must agree.
Result<ByteString> CredentialIdFromJson(const json& j) {
  auto raw_id = BinaryMember(j, "rawId", "credential");
  if (!raw_id.ok()) return raw_id.status();
  auto id = BinaryMember(j, "id", "credential");
  if (!id.ok()) return id.status();
  if (!raw_id->has_value() && !id->has_value()) {
    return BadInput("credential: \"id\" and \"rawId\" are missing");
  }
  if (raw_id->has_value() && id->has_value() && **raw_id != **id) {
    return BadInput("credential: \"id\" and \"rawId\" differ");
  }
  ByteString out = raw_id->has_value() ? **raw_id : **id;
  if (out.empty()) return BadInput("credential: the credential id is empty");
  return out;
}

bool Contains(const std::vector<ByteString>& list, const ByteString& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

struct AttestationObject {
  std::string fmt;
  std::string auth_data;
  std::string att_stmt;  // CBOR-encoded map
};

Result<AttestationObject> ParseAttestationObject(std::string_view bytes) {
  internal::CborPtr map = internal::CborDecode(bytes);
  if (!map || !cbor_isa_map(map.get()) || !internal::CborMapHasUniqueKeys(map.get())) {
    return BadInput("attestation object: not a CBOR map");
  }
  AttestationObject out;
  auto fmt = internal::CborText(internal::CborMapGet(map.get(), "fmt"));
  auto auth_data = internal::CborBytes(internal::CborMapGet(map.get(), "authData"));
  const cbor_item_t* att_stmt = internal::CborMapGet(map.get(), "attStmt");
  if (!fmt || !auth_data || att_stmt == nullptr || !cbor_isa_map(att_stmt)) {
    return BadInput("attestation object: \"fmt\", \"authData\" or \"attStmt\" is missing");
  }
  out.fmt = std::move(*fmt);
  out.auth_data = std::move(*auth_data);
  // libfido2 takes attStmt as CBOR of its own and insists on CTAP2 key order;
  // attStmt is not signed, so putting its keys in that order changes nothing.
  out.att_stmt = internal::CborEncodeSortedMap(att_stmt);
  return out;
}

Result<std::vector<std::string>> Transports(const json& response) {
  std::vector<std::string> out;
  const auto it = response.find("transports");
  if (it == response.end() || it->is_null()) return out;
  if (!it->is_array() || it->size() > kMaxTransports) {
    return BadInput("credential: \"transports\" is not a short array");
  }
  for (const auto& t : *it) {
    if (!t.is_string() || t.get<std::string>().size() > 32) {
      return BadInput("credential: a transport is not a short string");
    }
    // Unknown values are kept: clients pass them through, and so does the record.
    out.push_back(t.get<std::string>());
  }
  return out;
}

}  // namespace

Result<RegisteredCredential> VerifyRegistration(const RegistrationInput& input) {
  json j;
  LK_RETURN_IF_ERROR(ParseCredentialJson(input.response_json, j));
  auto response_id = CredentialIdFromJson(j);
  if (!response_id.ok()) return response_id.status();
  const json& response = j["response"];
  auto client_data_json = RequiredBinary(response, "clientDataJSON", "credential response");
  if (!client_data_json.ok()) return client_data_json.status();
  auto attestation_bytes = RequiredBinary(response, "attestationObject", "credential response");
  if (!attestation_bytes.ok()) return attestation_bytes.status();
  auto transports = Transports(response);
  if (!transports.ok()) return transports.status();

  // Steps 5-11: the client data.
  internal::ClientDataExpectations expect;
  expect.type = "webauthn.create";
  expect.challenge = input.expected_challenge;
  expect.origins = &input.allowed_origins;
  expect.allow_cross_origin = input.allow_cross_origin;
  expect.top_origins = &input.allowed_top_origins;
  LK_RETURN_IF_ERROR(internal::CheckClientData(*client_data_json, expect));
  // Step 12: hash over the bytes as received.
  const std::string client_data_hash = internal::Sha256(*client_data_json);

  // Step 13: the attestation object.
  auto attestation = ParseAttestationObject(*attestation_bytes);
  if (!attestation.ok()) return attestation.status();
  auto auth_data = internal::ParseAuthData(attestation->auth_data);
  if (!auth_data.ok()) return auth_data.status();

  // Steps 14-17: rpIdHash and flags.
  LK_RETURN_IF_ERROR(internal::CheckRpIdHash(*auth_data, input.rp_id));
  LK_RETURN_IF_ERROR(internal::CheckFlags(*auth_data, input.require_user_presence,
                                          input.require_user_verification));
  if (!auth_data->flags.attested_data()) {
    return Fail(reasons::kBadFlags,
                "authenticator data flags: attested credential data (AT) is not set");
  }
  if (auth_data->credential_id != *response_id) {
    return Fail(reasons::kBadCredential,
                "credential id: the response's id is not the one in the authenticator data");
  }

  // Steps 19-20: the credential public key and its algorithm.
  auto key = internal::ParseCoseKey(auth_data->credential_public_key);
  if (!key.ok()) return key.status();
  if (std::find(input.allowed_algorithms.begin(), input.allowed_algorithms.end(), key->alg) ==
      input.allowed_algorithms.end()) {
    return Fail(reasons::kBadAlgorithm, "credential public key: alg " + std::to_string(key->alg) +
                                            " (" + std::string(CoseAlgName(key->alg)) +
                                            ") was not requested");
  }

  // Steps 21-24: the attestation statement and its trust.
  internal::AttestationContext ctx;
  ctx.fmt = attestation->fmt;
  ctx.att_stmt = attestation->att_stmt;
  ctx.auth_data = &*auth_data;
  ctx.client_data_hash = client_data_hash;
  ctx.key = &*key;
  ctx.input = &input;
  auto outcome = internal::VerifyAttestationStatement(ctx);
  if (!outcome.ok()) return outcome.status();
  auto trust = internal::EstablishTrust(*outcome, input);
  if (!trust.ok()) return trust.status();

  RegisteredCredential out;
  out.fmt = attestation->fmt;
  out.credential_id = auth_data->credential_id;
  out.public_key_cose = key->encoded;
  out.alg = key->alg;
  out.aaguid = auth_data->aaguid;
  out.flags = auth_data->flags;
  out.sign_count = auth_data->sign_count;
  out.transports = std::move(*transports);
  out.attestation_type = outcome->type;
  out.trust = *trust;
  out.x5c = std::move(outcome->x5c);
  return out;
}

Result<AssertionResult> VerifyAssertion(const AssertionInput& input) {
  json j;
  LK_RETURN_IF_ERROR(ParseCredentialJson(input.response_json, j));
  auto credential_id = CredentialIdFromJson(j);
  if (!credential_id.ok()) return credential_id.status();
  const json& response = j["response"];
  auto client_data_json = RequiredBinary(response, "clientDataJSON", "assertion response");
  if (!client_data_json.ok()) return client_data_json.status();
  auto auth_data_bytes = RequiredBinary(response, "authenticatorData", "assertion response");
  if (!auth_data_bytes.ok()) return auth_data_bytes.status();
  auto signature = RequiredBinary(response, "signature", "assertion response");
  if (!signature.ok()) return signature.status();
  auto user_handle = BinaryMember(response, "userHandle", "assertion response");
  if (!user_handle.ok()) return user_handle.status();
  // An empty userHandle means none (some clients send "" instead of null).
  if (user_handle->has_value() && (*user_handle)->empty()) user_handle->reset();

  // Steps 5-6: the credential and the user.
  if (!input.allowed_credential_ids.empty() &&
      !Contains(input.allowed_credential_ids, *credential_id)) {
    return Fail(reasons::kCredentialNotAllowed,
                "credential id: not one of the credentials allowed for this ceremony");
  }
  if (*credential_id != input.credential.id) {
    return Fail(reasons::kCredentialNotAllowed, "credential id: not the stored credential");
  }
  if (user_handle->has_value() && input.expected_user_handle &&
      !ConstantTimeEquals(**user_handle, *input.expected_user_handle)) {
    return Fail(reasons::kBadUserHandle, "user handle: not the handle of this account");
  }
  if (!user_handle->has_value() && input.require_user_handle) {
    return Fail(reasons::kBadUserHandle,
                "user handle: missing, and the user was not identified before the ceremony");
  }

  // Steps 7-14: the client data.
  internal::ClientDataExpectations expect;
  expect.type = "webauthn.get";
  expect.challenge = input.expected_challenge;
  expect.origins = &input.allowed_origins;
  expect.allow_cross_origin = input.allow_cross_origin;
  expect.top_origins = &input.allowed_top_origins;
  LK_RETURN_IF_ERROR(internal::CheckClientData(*client_data_json, expect));

  // Steps 15-19: authenticator data.
  auto auth_data = internal::ParseAuthData(*auth_data_bytes);
  if (!auth_data.ok()) return auth_data.status();
  if (auth_data->flags.attested_data()) {
    return Fail(reasons::kBadFlags,
                "authenticator data flags: an assertion carries no attested credential data (AT)");
  }
  LK_RETURN_IF_ERROR(internal::CheckRpIdHash(*auth_data, input.rp_id));
  LK_RETURN_IF_ERROR(
      internal::CheckFlags(*auth_data, /*require_presence=*/true, input.require_user_verification));
  if (input.credential.backup_eligible &&
      *input.credential.backup_eligible != auth_data->flags.backup_eligible()) {
    return Fail(reasons::kBadFlags,
                "authenticator data flags: backup eligibility (BE) differs from registration");
  }

  // Steps 20-21: the signature, with the stored key.
  Result<internal::CoseKey> key =
      !input.credential.public_key_cose.empty()
          ? internal::ParseCoseKey(input.credential.public_key_cose)
          : internal::CoseKeyFromRaw(input.credential.raw_public_key, input.credential.alg);
  if (!key.ok()) return key.status();
  if (input.credential.alg != 0 && input.credential.alg != key->alg) {
    return Fail(reasons::kBadPublicKey,
                "stored credential: alg disagrees with the stored public key");
  }
  const std::string client_data_hash = internal::Sha256(*client_data_json);
  if (internal::Fido2Accepts(*key)) {
    LK_RETURN_IF_ERROR(internal::Fido2VerifyAssertion(*key, input.rp_id, *auth_data,
                                                      client_data_hash, *signature,
                                                      input.require_user_verification));
  } else {
    // RSA moduli other than 2048 bits: libfido2 cannot hold them.
    internal::PkeyPtr pkey = internal::ToOpenSsl(*key);
    if (!internal::VerifySignature(pkey.get(), key->alg, auth_data->raw + client_data_hash,
                                   *signature)) {
      return Fail(reasons::kBadSignature,
                  "assertion signature: does not verify with the stored public key");
    }
  }

  // Step 22: the signature counter (policy in the header).
  const std::uint32_t stored = input.credential.sign_count;
  const std::uint32_t now = auth_data->sign_count;
  if ((stored != 0 || now != 0) && now <= stored) {
    return Fail(reasons::kCounterRegressed,
                "signature counter: " + std::to_string(now) + " is not greater than the stored " +
                    std::to_string(stored) + "; the authenticator may have been cloned");
  }

  AssertionResult out;
  out.credential_id = std::move(*credential_id);
  out.sign_count = now;
  out.flags = auth_data->flags;
  if (user_handle->has_value()) out.user_handle = std::move(**user_handle);
  return out;
}

Result<ByteString> CredentialIdOf(std::string_view response_json) {
  json j;
  LK_RETURN_IF_ERROR(ParseCredentialJson(response_json, j));
  return CredentialIdFromJson(j);
}

}  // namespace latchkey::webauthn
