// The "tpm" attestation format (§8.3): TPM 2.0 structures (TPMT_PUBLIC,
// TPMS_ATTEST) as defined in the TPM 2.0 Library, Part 2.
//
// libfido2 1.12 verifies only one TPM form: an RS256 (2048-bit) credential with
// an RS1 (SHA-1 RSA) attestation signature, the Windows Hello shape. That form
// goes through fido_cred_verify for the signature. Every other form (ES256
// credentials, SHA-256 signatures: the specification's own test vector) is
// verified with OpenSSL. The structural checks below run in both cases.
#include "methods/webauthn/attestation_formats.hpp"

namespace latchkey::webauthn::internal {
namespace {

constexpr std::uint32_t kTpmGeneratedValue = 0xff544347;
constexpr std::uint16_t kTpmStAttestCertify = 0x8017;
constexpr std::uint16_t kTpmAlgRsa = 0x0001;
constexpr std::uint16_t kTpmAlgSha1 = 0x0004;
constexpr std::uint16_t kTpmAlgSha256 = 0x000b;
constexpr std::uint16_t kTpmAlgSha384 = 0x000c;
constexpr std::uint16_t kTpmAlgSha512 = 0x000d;
constexpr std::uint16_t kTpmAlgNull = 0x0010;
constexpr std::uint16_t kTpmAlgEcc = 0x0023;
constexpr std::uint16_t kTpmEccNistP256 = 0x0003;
constexpr int kCoseRs1 = -65535;

constexpr const char kEkuAikCertificate[] = "2.23.133.8.3";
constexpr const char kTpmManufacturer[] = "2.23.133.2.1";
constexpr const char kTpmModel[] = "2.23.133.2.2";
constexpr const char kTpmVersion[] = "2.23.133.2.3";

// Big-endian reads over a byte string; any overrun makes ok() false.
class Reader {
 public:
  explicit Reader(std::string_view data) : rest_(data) {}
  std::uint16_t U16() { return static_cast<std::uint16_t>(Uint(2)); }
  std::uint32_t U32() { return static_cast<std::uint32_t>(Uint(4)); }
  std::uint64_t U64() { return Uint(8); }
  std::string_view Bytes(std::size_t n) {
    if (rest_.size() < n) {
      ok_ = false;
      rest_ = {};
      return {};
    }
    std::string_view out = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return out;
  }
  // TPM2B_*: a 16-bit size, then that many bytes.
  std::string_view Sized() { return Bytes(U16()); }
  bool Good() const { return ok_; }
  bool AtEnd() const { return rest_.empty(); }

 private:
  std::uint64_t Uint(std::size_t n) {
    std::uint64_t v = 0;
    for (char c : Bytes(n)) v = (v << 8) | static_cast<unsigned char>(c);
    return v;
  }
  std::string_view rest_;
  bool ok_ = true;
};

std::string_view HashName(std::uint16_t tpm_alg) {
  switch (tpm_alg) {
    case kTpmAlgSha1:
      return "SHA1";
    case kTpmAlgSha256:
      return "SHA256";
    case kTpmAlgSha384:
      return "SHA384";
    case kTpmAlgSha512:
      return "SHA512";
    default:
      return {};
  }
}

std::string_view StripZeros(std::string_view v) {
  while (!v.empty() && v.front() == 0) v.remove_prefix(1);
  return v;
}

struct PubArea {
  std::uint16_t type = 0;
  std::uint16_t name_alg = 0;
  std::string_view rsa_n;
  std::uint32_t rsa_exponent = 0;
  std::uint16_t curve = 0;
  std::string_view ecc_x, ecc_y;
};

// TPMT_PUBLIC (Part 2 §12.2.4).
std::optional<PubArea> ParsePubArea(std::string_view bytes) {
  Reader r(bytes);
  PubArea p;
  p.type = r.U16();
  p.name_alg = r.U16();
  r.U32();    // objectAttributes
  r.Sized();  // authPolicy
  // TPMT_SYM_DEF_OBJECT: algorithm, then keyBits and mode unless TPM_ALG_NULL.
  if (r.U16() != kTpmAlgNull) {
    r.U16();
    r.U16();
  }
  // The signing scheme: scheme, then its hash unless TPM_ALG_NULL.
  if (r.U16() != kTpmAlgNull) r.U16();
  if (p.type == kTpmAlgRsa) {
    r.U16();  // keyBits
    p.rsa_exponent = r.U32();
    p.rsa_n = r.Sized();
  } else if (p.type == kTpmAlgEcc) {
    p.curve = r.U16();
    if (r.U16() != kTpmAlgNull) r.U16();  // kdf
    p.ecc_x = r.Sized();
    p.ecc_y = r.Sized();
  } else {
    return std::nullopt;
  }
  if (!r.Good() || !r.AtEnd()) return std::nullopt;
  return p;
}

struct CertInfo {
  std::uint32_t magic = 0;
  std::uint16_t type = 0;
  std::string_view extra_data;
  std::string_view attested_name;
};

// TPMS_ATTEST (Part 2 §10.12.12) holding a TPMS_CERTIFY_INFO.
std::optional<CertInfo> ParseCertInfo(std::string_view bytes) {
  Reader r(bytes);
  CertInfo c;
  c.magic = r.U32();
  c.type = r.U16();
  r.Sized();  // qualifiedSigner
  c.extra_data = r.Sized();
  r.Bytes(17);  // clockInfo: clock, resetCount, restartCount, safe
  r.U64();      // firmwareVersion
  c.attested_name = r.Sized();
  r.Sized();  // qualifiedName
  if (!r.Good() || !r.AtEnd()) return std::nullopt;
  return c;
}

Status CheckPubAreaKey(const PubArea& p, const CoseKey& key, const std::string& step) {
  auto mismatch = [&step] {
    return Fail(reasons::kBadAttestation,
                step + "the pubArea key differs from the credential public key");
  };
  if (p.type == kTpmAlgRsa) {
    if (key.alg != kCoseRs256) return mismatch();
    // An exponent of zero means the default, 2^16 + 1.
    const std::uint32_t exponent = p.rsa_exponent == 0 ? 65537 : p.rsa_exponent;
    std::uint64_t e = 0;
    for (char c : key.e) e = (e << 8) | static_cast<unsigned char>(c);
    if (e != exponent || StripZeros(p.rsa_n) != StripZeros(key.n)) return mismatch();
    return Status::Ok();
  }
  if (key.alg != kCoseEs256 || p.curve != kTpmEccNistP256 ||
      StripZeros(p.ecc_x) != StripZeros(key.x) || StripZeros(p.ecc_y) != StripZeros(key.y)) {
    return mismatch();
  }
  return Status::Ok();
}

// §8.3.1 TPM attestation (AIK) certificate requirements.
Status CheckAikCertificate(X509* cert, const AuthData& auth_data, const std::string& step) {
  if (X509_get_version(cert) != X509_VERSION_3) {
    return Fail(reasons::kBadAttestation, step + "the AIK certificate is not X.509 v3");
  }
  if (!SubjectIsEmpty(cert)) {
    return Fail(reasons::kBadAttestation, step + "the AIK certificate subject is not empty");
  }
  bool has_manufacturer = false;
  bool has_model = false;
  bool has_version = false;
  for (const auto& [oid, value] : SanDirectoryAttributes(cert)) {
    has_manufacturer = has_manufacturer || oid == kTpmManufacturer;
    has_model = has_model || oid == kTpmModel;
    has_version = has_version || oid == kTpmVersion;
  }
  if (!has_manufacturer || !has_model || !has_version) {
    return Fail(reasons::kBadAttestation,
                step +
                    "the AIK certificate's subject alternative name lacks the TPM "
                    "manufacturer, model or version");
  }
  if (!HasExtendedKeyUsage(cert, kEkuAikCertificate)) {
    return Fail(reasons::kBadAttestation,
                step + "the AIK certificate lacks extended key usage 2.23.133.8.3");
  }
  if (BasicConstraintsCa(cert) == true) {
    return Fail(reasons::kBadAttestation, step + "the AIK certificate is a CA certificate");
  }
  return CheckAaguidExtension(cert, auth_data, step);
}

}  // namespace

Result<AttestationOutcome> VerifyTpm(const AttestationContext& ctx, const AttStmt& stmt) {
  const std::string step = "attestation (tpm): ";
  if (stmt.ver != "2.0") return Fail(reasons::kBadAttestation, step + "\"ver\" is not \"2.0\"");
  if (!stmt.alg || !stmt.sig || !stmt.cert_info || !stmt.pub_area) {
    return Fail(reasons::kBadAttestation,
                step + "\"alg\", \"sig\", \"certInfo\" or \"pubArea\" is missing");
  }
  if (stmt.has_ecdaa_key_id || !stmt.has_x5c) {
    return Fail(reasons::kBadAttestation,
                step + "only x5c (AIK certificate) attestation is supported");
  }

  const auto pub_area = ParsePubArea(*stmt.pub_area);
  if (!pub_area) return Fail(reasons::kBadAttestation, step + "pubArea is not a TPMT_PUBLIC");
  LK_RETURN_IF_ERROR(CheckPubAreaKey(*pub_area, *ctx.key, step));

  const auto cert_info = ParseCertInfo(*stmt.cert_info);
  if (!cert_info) return Fail(reasons::kBadAttestation, step + "certInfo is not a TPMS_ATTEST");
  if (cert_info->magic != kTpmGeneratedValue) {
    return Fail(reasons::kBadAttestation, step + "certInfo magic is not TPM_GENERATED_VALUE");
  }
  if (cert_info->type != kTpmStAttestCertify) {
    return Fail(reasons::kBadAttestation, step + "certInfo type is not TPM_ST_ATTEST_CERTIFY");
  }
  // extraData is the hash of attToBeSigned under the hash of "alg".
  const std::string_view alg_hash = CoseAlgHash(*stmt.alg);
  if (alg_hash.empty()) {
    return Fail(reasons::kBadAttestation,
                step + "signature algorithm " + std::to_string(*stmt.alg) + " is not supported");
  }
  const std::string att_to_be_signed = ctx.auth_data->raw + std::string(ctx.client_data_hash);
  if (cert_info->extra_data != Digest(alg_hash, att_to_be_signed)) {
    return Fail(reasons::kBadAttestation,
                step + "certInfo extraData is not the hash of authenticatorData || clientDataHash");
  }
  // The attested name is nameAlg || H_nameAlg(pubArea).
  const std::string_view name_hash = HashName(pub_area->name_alg);
  if (name_hash.empty()) {
    return Fail(reasons::kBadAttestation, step + "pubArea nameAlg is not a supported hash");
  }
  std::string expected_name;
  expected_name.push_back(static_cast<char>(pub_area->name_alg >> 8));
  expected_name.push_back(static_cast<char>(pub_area->name_alg & 0xff));
  expected_name += Digest(name_hash, *stmt.pub_area);
  if (cert_info->attested_name != expected_name) {
    return Fail(reasons::kBadAttestation, step + "certInfo does not name this pubArea");
  }

  auto aik = LeafCertificate(stmt, step);
  if (!aik.ok()) return aik.status();
  LK_RETURN_IF_ERROR(CheckAikCertificate(aik->get(), *ctx.auth_data, step));

  if (*stmt.alg == kCoseRs1 && Fido2Accepts(*ctx.key) && ctx.key->alg == kCoseRs256 &&
      Fido2TakesFlags(ctx)) {
    LK_RETURN_IF_ERROR(Fido2VerifyCredential(ctx, /*self=*/false));
  } else if (!VerifySignature(X509_get0_pubkey(aik->get()), *stmt.alg, *stmt.cert_info,
                              *stmt.sig)) {
    return Fail(reasons::kBadSignature,
                step + "the signature over certInfo does not verify with the AIK certificate");
  }
  AttestationOutcome out;
  out.type = AttestationType::kBasic;
  out.x5c = stmt.x5c;
  return out;
}

}  // namespace latchkey::webauthn::internal
