// Authenticator data (§6.1) parsing and the checks on it shared by both ceremonies.
#include <cstring>

#include "methods/webauthn/cbor_util.hpp"
#include "methods/webauthn/openssl_util.hpp"
#include "methods/webauthn/webauthn_internal.hpp"

namespace latchkey::webauthn::internal {
namespace {

constexpr std::size_t kFixedPart = 32 + 1 + 4;  // rpIdHash, flags, signCount

std::uint32_t ReadBigEndian32(std::string_view p) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(p[0])) << 24) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(p[1])) << 16) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(p[2])) << 8) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(p[3]));
}

}  // namespace

Result<AuthData> ParseAuthData(std::string_view raw) {
  if (raw.size() < kFixedPart) {
    return BadInput("authenticator data: shorter than 37 bytes");
  }
  AuthData out;
  out.raw = std::string(raw);
  out.rp_id_hash = std::string(raw.substr(0, 32));
  out.flags.raw = static_cast<std::uint8_t>(raw[32]);
  out.sign_count = ReadBigEndian32(raw.substr(33, 4));
  std::string_view rest = raw.substr(kFixedPart);

  if (out.flags.attested_data()) {
    if (rest.size() < 16 + 2) {
      return BadInput("authenticator data: attested credential data is truncated");
    }
    std::memcpy(out.aaguid.data(), rest.data(), 16);
    const std::size_t id_len =
        (static_cast<std::size_t>(static_cast<unsigned char>(rest[16])) << 8) |
        static_cast<unsigned char>(rest[17]);
    rest.remove_prefix(18);
    if (id_len > kMaxCredentialIdBytes) {
      return Fail(reasons::kBadCredential, "attested credential data: the credential id is " +
                                               std::to_string(id_len) +
                                               " bytes, more than the 1023 allowed");
    }
    if (rest.size() < id_len) {
      return BadInput("authenticator data: the credential id is truncated");
    }
    out.credential_id = std::string(rest.substr(0, id_len));
    rest.remove_prefix(id_len);
    // The COSE_Key carries no length of its own: decode one CBOR item to find it.
    std::size_t key_len = 0;
    CborPtr key = CborDecode(rest, &key_len);
    if (!key) return BadInput("authenticator data: the credential public key is not valid CBOR");
    out.credential_public_key = std::string(rest.substr(0, key_len));
    rest.remove_prefix(key_len);
  }

  if (out.flags.extension_data()) {
    CborPtr ext = CborDecode(rest);
    if (!ext || !cbor_isa_map(ext.get())) {
      return BadInput("authenticator data: the extensions are not one CBOR map");
    }
    out.extensions = std::string(rest);
    rest = {};
  }
  if (!rest.empty()) {
    return BadInput("authenticator data: " + std::to_string(rest.size()) +
                    " unexpected bytes after the last field");
  }
  return out;
}

Status CheckRpIdHash(const AuthData& auth_data, const std::string& rp_id) {
  // Public values: no need for a constant-time comparison.
  if (auth_data.rp_id_hash != Sha256(rp_id)) {
    return Fail(reasons::kBadRpId,
                "authenticator data rpIdHash: not the SHA-256 of the RP ID \"" + rp_id + "\"");
  }
  return Status::Ok();
}

Status CheckFlags(const AuthData& auth_data, bool require_presence, bool require_verification) {
  const AuthenticatorFlags& f = auth_data.flags;
  if (require_presence && !f.user_present()) {
    return Fail(reasons::kBadFlags, "authenticator data flags: user presence (UP) is not set");
  }
  if (require_verification && !f.user_verified()) {
    return Fail(reasons::kBadFlags,
                "authenticator data flags: user verification (UV) is required but not set");
  }
  if (!f.backup_eligible() && f.backup_state()) {
    return Fail(reasons::kBadFlags,
                "authenticator data flags: backup state (BS) is set without backup "
                "eligibility (BE)");
  }
  return Status::Ok();
}

}  // namespace latchkey::webauthn::internal
