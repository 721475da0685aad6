// libfido2 as the signature verifier for registrations (fido_cred_*) and
// assertions (fido_assert_*). Our own checks run first (webauthn_verifier.cpp) so
// that failures carry precise reasons; libfido2 then re-checks rpIdHash, flags
// and the client data hash, and verifies the signature.
#include <fido.h>
#include <fido/eddsa.h>
#include <fido/es256.h>
#include <fido/rs256.h>
#include <openssl/err.h>

#include <mutex>

#include "methods/webauthn/cbor_util.hpp"
#include "methods/webauthn/webauthn_internal.hpp"

namespace latchkey::webauthn::internal {
namespace {

void EnsureFido2Initialised() {
  // fido_init(FIDO_DEBUG) dumps libfido2's parse steps to stderr when debugging.
  static std::once_flag once;
  std::call_once(once, [] { fido_init(0); });
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

struct CredFree {
  void operator()(fido_cred_t* c) const { fido_cred_free(&c); }
};
struct AssertFree {
  void operator()(fido_assert_t* a) const { fido_assert_free(&a); }
};

// libfido2 leaves OpenSSL's error queue as a failed verify filled it: drained
// here, so the thread's queue stays clean for whoever uses OpenSSL next.
std::string FidoError(int r) {
  ERR_clear_error();
  return std::string("libfido2: ") + fido_strerr(r);
}

// libfido2 compares the extensions in the authenticator data with the ones the
// caller says it requested. The relying party's extension policy is not this
// verifier's business, so the request is set to mirror what the authenticator
// reported (credProtect level, hmac-secret, credBlob, minPinLength).
int MirrorCredentialExtensions(fido_cred_t* cred, std::string_view extensions) {
  if (extensions.empty()) return FIDO_OK;
  CborPtr map = CborDecode(extensions);
  if (!map) return FIDO_ERR_INVALID_ARGUMENT;
  int mask = 0;
  if (const cbor_item_t* v = CborMapGet(map.get(), "hmac-secret");
      v != nullptr && cbor_is_bool(v) && cbor_get_bool(v)) {
    mask |= FIDO_EXT_HMAC_SECRET;
  }
  int r = mask != 0 ? fido_cred_set_extensions(cred, mask) : FIDO_OK;
  if (r != FIDO_OK) return r;
  if (auto prot = CborInt(CborMapGet(map.get(), "credProtect"))) {
    r = fido_cred_set_prot(cred, static_cast<int>(*prot));
    if (r != FIDO_OK) return r;
  }
  if (auto len = CborInt(CborMapGet(map.get(), "minPinLength")); len && *len >= 0) {
    r = fido_cred_set_pin_minlen(cred, static_cast<std::size_t>(*len));
    if (r != FIDO_OK) return r;
  }
  if (const cbor_item_t* v = CborMapGet(map.get(), "credBlob");
      v != nullptr && cbor_is_bool(v) && cbor_get_bool(v)) {
    // Setting any blob marks credBlob as requested; the blob itself is not checked.
    static constexpr unsigned char kMarker = 0;
    r = fido_cred_set_blob(cred, &kMarker, 1);
  }
  return r;
}

int MirrorAssertionExtensions(fido_assert_t* fa, std::string_view extensions) {
  if (extensions.empty()) return FIDO_OK;
  CborPtr map = CborDecode(extensions);
  if (!map) return FIDO_ERR_INVALID_ARGUMENT;
  int mask = 0;
  if (CborMapGet(map.get(), "hmac-secret") != nullptr) mask |= FIDO_EXT_HMAC_SECRET;
  if (CborMapGet(map.get(), "credBlob") != nullptr) mask |= FIDO_EXT_CRED_BLOB;
  return mask != 0 ? fido_assert_set_extensions(fa, mask) : FIDO_OK;
}

}  // namespace

Status Fido2VerifyCredential(const AttestationContext& ctx, bool self) {
  EnsureFido2Initialised();
  const std::string step = "attestation (" + std::string(ctx.fmt) + "): ";
  std::unique_ptr<fido_cred_t, CredFree> cred(fido_cred_new());
  if (!cred) return Status::Internal("fido_cred_new failed");
  const std::string fmt(ctx.fmt);
  // The type must be set before the authenticator data, once per object.
  int r = fido_cred_set_type(cred.get(), ctx.key->alg);
  if (r == FIDO_OK) r = fido_cred_set_rp(cred.get(), ctx.input->rp_id.c_str(), nullptr);
  if (r == FIDO_OK) {
    r = fido_cred_set_clientdata_hash(cred.get(), Bytes(ctx.client_data_hash),
                                      ctx.client_data_hash.size());
  }
  if (r == FIDO_OK) {
    r = fido_cred_set_authdata_raw(cred.get(), Bytes(ctx.auth_data->raw),
                                   ctx.auth_data->raw.size());
  }
  if (r == FIDO_OK) r = MirrorCredentialExtensions(cred.get(), ctx.auth_data->extensions);
  if (r == FIDO_OK) r = fido_cred_set_fmt(cred.get(), fmt.c_str());
  if (r == FIDO_OK) r = fido_cred_set_attstmt(cred.get(), Bytes(ctx.att_stmt), ctx.att_stmt.size());
  if (r == FIDO_OK && ctx.input->require_user_verification) {
    r = fido_cred_set_uv(cred.get(), FIDO_OPT_TRUE);
  }
  if (r != FIDO_OK) {
    return Fail(reasons::kBadAttestation,
                step + "the statement could not be loaded for verification", FidoError(r));
  }
  r = self ? fido_cred_verify_self(cred.get()) : fido_cred_verify(cred.get());
  if (r == FIDO_ERR_INVALID_SIG) {
    return Fail(reasons::kBadSignature, step + "the attestation signature does not verify",
                FidoError(r));
  }
  if (r != FIDO_OK) {
    return Fail(reasons::kBadAttestation, step + "the statement does not verify", FidoError(r));
  }
  return Status::Ok();
}

Status Fido2VerifyAssertion(const CoseKey& key, const std::string& rp_id, const AuthData& auth_data,
                            std::string_view client_data_hash, std::string_view signature,
                            bool require_uv) {
  EnsureFido2Initialised();
  std::unique_ptr<fido_assert_t, AssertFree> fa(fido_assert_new());
  if (!fa) return Status::Internal("fido_assert_new failed");
  int r = fido_assert_set_rp(fa.get(), rp_id.c_str());
  if (r == FIDO_OK) {
    r = fido_assert_set_clientdata_hash(fa.get(), Bytes(client_data_hash), client_data_hash.size());
  }
  if (r == FIDO_OK) r = fido_assert_set_count(fa.get(), 1);
  if (r == FIDO_OK) {
    r = fido_assert_set_authdata_raw(fa.get(), 0, Bytes(auth_data.raw), auth_data.raw.size());
  }
  if (r == FIDO_OK) r = MirrorAssertionExtensions(fa.get(), auth_data.extensions);
  if (r == FIDO_OK) r = fido_assert_set_up(fa.get(), FIDO_OPT_TRUE);
  if (r == FIDO_OK) {
    r = fido_assert_set_uv(fa.get(), require_uv ? FIDO_OPT_TRUE : FIDO_OPT_OMIT);
  }
  if (r == FIDO_OK) r = fido_assert_set_sig(fa.get(), 0, Bytes(signature), signature.size());
  if (r != FIDO_OK) {
    return Fail(reasons::kBadInput, "assertion: the authenticator data could not be loaded",
                FidoError(r));
  }

  const std::string raw = Fido2RawKey(key);
  switch (key.alg) {
    case kCoseEs256: {
      es256_pk_t* pk = es256_pk_new();
      r = pk == nullptr ? FIDO_ERR_INTERNAL : es256_pk_from_ptr(pk, raw.data(), raw.size());
      if (r == FIDO_OK) r = fido_assert_verify(fa.get(), 0, COSE_ES256, pk);
      es256_pk_free(&pk);
      break;
    }
    case kCoseEdDsa: {
      eddsa_pk_t* pk = eddsa_pk_new();
      r = pk == nullptr ? FIDO_ERR_INTERNAL : eddsa_pk_from_ptr(pk, raw.data(), raw.size());
      if (r == FIDO_OK) r = fido_assert_verify(fa.get(), 0, COSE_EDDSA, pk);
      eddsa_pk_free(&pk);
      break;
    }
    case kCoseRs256: {
      rs256_pk_t* pk = rs256_pk_new();
      r = pk == nullptr ? FIDO_ERR_INTERNAL : rs256_pk_from_ptr(pk, raw.data(), raw.size());
      if (r == FIDO_OK) r = fido_assert_verify(fa.get(), 0, COSE_RS256, pk);
      rs256_pk_free(&pk);
      break;
    }
    default:
      return Fail(reasons::kBadAlgorithm, "assertion: unsupported credential algorithm");
  }
  if (r == FIDO_ERR_INVALID_SIG) {
    return Fail(reasons::kBadSignature,
                "assertion signature: does not verify with the stored public key", FidoError(r));
  }
  if (r != FIDO_OK) {
    return Fail(reasons::kBadSignature, "assertion signature: libfido2 refused the assertion",
                FidoError(r));
  }
  return Status::Ok();
}

}  // namespace latchkey::webauthn::internal
