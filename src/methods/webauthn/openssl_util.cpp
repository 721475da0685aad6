#include "methods/webauthn/openssl_util.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

namespace latchkey::webauthn::internal {
namespace {

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct ObjFree {
  void operator()(ASN1_OBJECT* p) const { ASN1_OBJECT_free(p); }
};

enum class SigKind { kEcdsa, kPkcs1, kPss, kEdDsa, kUnknown };

SigKind KindOf(int alg) {
  switch (alg) {
    case -7:   // ES256
    case -35:  // ES384
    case -36:  // ES512
      return SigKind::kEcdsa;
    case -257:    // RS256
    case -258:    // RS384
    case -259:    // RS512
    case -65535:  // RS1 (TPM attestation only)
      return SigKind::kPkcs1;
    case -37:  // PS256
    case -38:  // PS384
    case -39:  // PS512
      return SigKind::kPss;
    case -8:  // EdDSA
      return SigKind::kEdDsa;
    default:
      return SigKind::kUnknown;
  }
}

// Builds a public key of `type` ("EC", "RSA") from OSSL parameters.
PkeyPtr FromParams(const char* type, OSSL_PARAM* params, bool check_point) {
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  PkeyPtr key(raw);
  if (!check_point) return key;
  // A point off the curve is not a key (and invites invalid-curve attacks).
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> check(
      EVP_PKEY_CTX_new_from_pkey(nullptr, raw, nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  return key;
}

}  // namespace

std::string Digest(std::string_view md_name, std::string_view data) {
  std::string name(md_name);
  EVP_MD* md = EVP_MD_fetch(nullptr, name.c_str(), nullptr);
  if (md == nullptr) {
    ERR_clear_error();
    return {};
  }
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  const bool ok = EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) == 1;
  EVP_MD_free(md);
  if (!ok) {
    ERR_clear_error();
    return {};
  }
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string Sha256(std::string_view data) { return Digest("SHA256", data); }

std::string_view CoseAlgHash(int alg) {
  switch (alg) {
    case -7:
    case -257:
    case -37:
      return "SHA256";
    case -35:
    case -258:
    case -38:
      return "SHA384";
    case -36:
    case -259:
    case -39:
      return "SHA512";
    case -65535:
      return "SHA1";
    default:
      return {};
  }
}

bool VerifySignature(EVP_PKEY* key, int alg, std::string_view data, std::string_view signature) {
  if (key == nullptr) return false;
  const SigKind kind = KindOf(alg);
  const int type = EVP_PKEY_get_base_id(key);
  bool key_fits = false;
  switch (kind) {
    case SigKind::kEcdsa:
      key_fits = type == EVP_PKEY_EC;
      break;
    case SigKind::kPkcs1:
    case SigKind::kPss:
      key_fits = type == EVP_PKEY_RSA;
      break;
    case SigKind::kEdDsa:
      key_fits = type == EVP_PKEY_ED25519;
      break;
    case SigKind::kUnknown:
      break;
  }
  if (!key_fits) return false;

  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx) return false;
  EVP_PKEY_CTX* pctx = nullptr;
  // Ed25519 is a one-shot algorithm without a separate digest.
  const char* md_name = nullptr;
  std::string hash(CoseAlgHash(alg));
  if (kind != SigKind::kEdDsa) md_name = hash.c_str();
  bool ok = EVP_DigestVerifyInit_ex(ctx.get(), &pctx, md_name, nullptr, nullptr, key, nullptr) == 1;
  if (ok && kind == SigKind::kPss) {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
  }
  if (ok && kind == SigKind::kPkcs1) {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  }
  ok = ok && EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(), Bytes(data),
                              data.size()) == 1;
  if (!ok) ERR_clear_error();
  return ok;
}

PkeyPtr EcPublicKey(std::string_view curve_name, std::string_view x, std::string_view y) {
  if (x.empty() || x.size() != y.size()) return nullptr;
  std::string point = "\x04";
  point.append(x);
  point.append(y);
  std::string curve(curve_name);
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve.c_str(), 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) {
    ERR_clear_error();
    return nullptr;
  }
  return FromParams("EC", params.get(), true);
}

PkeyPtr Ed25519PublicKey(std::string_view x) {
  if (x.size() != 32) return nullptr;
  EVP_PKEY* key = EVP_PKEY_new_raw_public_key_ex(nullptr, "ED25519", nullptr, Bytes(x), x.size());
  if (key == nullptr) ERR_clear_error();
  return PkeyPtr(key);
}

PkeyPtr RsaPublicKey(std::string_view n, std::string_view e) {
  std::unique_ptr<BIGNUM, BnFree> bn_n(BN_bin2bn(Bytes(n), static_cast<int>(n.size()), nullptr));
  std::unique_ptr<BIGNUM, BnFree> bn_e(BN_bin2bn(Bytes(e), static_cast<int>(e.size()), nullptr));
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) {
    ERR_clear_error();
    return nullptr;
  }
  return FromParams("RSA", params.get(), false);
}

bool SameKey(EVP_PKEY* a, EVP_PKEY* b) {
  if (a == nullptr || b == nullptr) return false;
  const bool same = EVP_PKEY_eq(a, b) == 1;
  ERR_clear_error();  // EVP_PKEY_eq queues an error for keys of different types
  return same;
}

bool IsEcP256(EVP_PKEY* key) { return DescribeKey(key) == "EC prime256v1"; }

std::string DescribeKey(EVP_PKEY* key) {
  if (key == nullptr) return "no key";
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_EC: {
      char group[64] = {0};
      size_t len = 0;
      if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                         &len) != 1) {
        ERR_clear_error();
        return "EC";
      }
      return std::string("EC ") + group;
    }
    case EVP_PKEY_RSA:
      return "RSA-" + std::to_string(EVP_PKEY_get_bits(key));
    case EVP_PKEY_ED25519:
      return "Ed25519";
    default:
      return "unsupported key type";
  }
}

X509Ptr ParseDerCertificate(std::string_view der) {
  const unsigned char* p = Bytes(der);
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (cert == nullptr) {
    ERR_clear_error();
    return nullptr;
  }
  X509Ptr owned(cert);
  if (p != Bytes(der) + der.size()) return nullptr;  // trailing bytes
  return owned;
}

std::optional<std::string> ExtensionValue(X509* cert, const char* oid, bool* critical) {
  std::unique_ptr<ASN1_OBJECT, ObjFree> obj(OBJ_txt2obj(oid, 1));
  if (!obj) {
    ERR_clear_error();
    return std::nullopt;
  }
  const int index = X509_get_ext_by_OBJ(cert, obj.get(), -1);
  if (index < 0) return std::nullopt;
  X509_EXTENSION* ext = X509_get_ext(cert, index);
  if (ext == nullptr) return std::nullopt;
  if (critical != nullptr) *critical = X509_EXTENSION_get_critical(ext) != 0;
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(ext);
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     static_cast<std::size_t>(ASN1_STRING_length(data)));
}

std::optional<std::string> SubjectEntry(X509* cert, int nid) {
  X509_NAME* name = X509_get_subject_name(cert);
  const int index = X509_NAME_get_index_by_NID(name, nid, -1);
  if (index < 0) return std::nullopt;
  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, value);
  if (len < 0) {
    ERR_clear_error();
    return std::nullopt;
  }
  std::string out(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

bool SubjectIsEmpty(X509* cert) { return X509_NAME_entry_count(X509_get_subject_name(cert)) == 0; }

std::optional<bool> BasicConstraintsCa(X509* cert) {
  int crit = 0;
  auto* bc = static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(cert, NID_basic_constraints, &crit, nullptr));
  if (bc == nullptr) {
    ERR_clear_error();
    return std::nullopt;
  }
  const bool ca = bc->ca != 0;
  BASIC_CONSTRAINTS_free(bc);
  return ca;
}

bool HasExtendedKeyUsage(X509* cert, const char* oid) {
  auto* eku =
      static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(cert, NID_ext_key_usage, nullptr, nullptr));
  if (eku == nullptr) {
    ERR_clear_error();
    return false;
  }
  std::unique_ptr<ASN1_OBJECT, ObjFree> want(OBJ_txt2obj(oid, 1));
  bool found = false;
  for (int i = 0; want && i < sk_ASN1_OBJECT_num(eku); ++i) {
    if (OBJ_cmp(sk_ASN1_OBJECT_value(eku, i), want.get()) == 0) found = true;
  }
  sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
  return found;
}

std::vector<std::pair<std::string, std::string>> SanDirectoryAttributes(X509* cert) {
  std::vector<std::pair<std::string, std::string>> out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) {
    ERR_clear_error();
    return out;
  }
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
    if (gn->type != GEN_DIRNAME) continue;
    X509_NAME* dir = gn->d.directoryName;
    for (int j = 0; j < X509_NAME_entry_count(dir); ++j) {
      X509_NAME_ENTRY* entry = X509_NAME_get_entry(dir, j);
      char oid[80] = {0};
      OBJ_obj2txt(oid, sizeof(oid), X509_NAME_ENTRY_get_object(entry), 1);
      const ASN1_STRING* value = X509_NAME_ENTRY_get_data(entry);
      out.emplace_back(oid, std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                                        static_cast<std::size_t>(ASN1_STRING_length(value))));
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

std::string TakeOpenSslError() {
  const unsigned long code = ERR_get_error();
  std::string text;
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    text = buf;
  }
  ERR_clear_error();
  return text;
}

}  // namespace latchkey::webauthn::internal
