// COSE_Key (RFC 9052 §7, RFC 9053, RFC 8230) decoding and validation.
#include "methods/webauthn/cbor_util.hpp"
#include "methods/webauthn/openssl_util.hpp"
#include "methods/webauthn/webauthn_internal.hpp"

namespace latchkey::webauthn::internal {
namespace {

// COSE_Key labels and values.
constexpr std::int64_t kLabelKty = 1;
constexpr std::int64_t kLabelAlg = 3;
constexpr std::int64_t kLabelCrvOrN = -1;
constexpr std::int64_t kLabelXOrE = -2;
constexpr std::int64_t kLabelY = -3;
constexpr int kKtyOkp = 1;
constexpr int kKtyEc2 = 2;
constexpr int kKtyRsa = 3;
constexpr int kCrvP256 = 1;
constexpr int kCrvEd25519 = 6;
constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 16384;

Status KeyError(std::string what) {
  return Fail(reasons::kBadPublicKey, "credential public key: " + std::move(what));
}

int BitLength(std::string_view big_endian) {
  std::size_t i = 0;
  while (i < big_endian.size() && big_endian[i] == 0) ++i;
  if (i == big_endian.size()) return 0;
  int bits = static_cast<int>((big_endian.size() - i - 1) * 8);
  for (auto top = static_cast<unsigned char>(big_endian[i]); top != 0; top >>= 1) ++bits;
  return bits;
}

cbor_item_t* IntItem(std::int64_t v) {
  // The narrowest head for the value: the canonical encoding libfido2 expects.
  const std::uint64_t m =
      v >= 0 ? static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(-1 - v);
  cbor_item_t* item = nullptr;
  if (m <= 0xff) {
    item = v >= 0 ? cbor_build_uint8(static_cast<std::uint8_t>(m))
                  : cbor_build_negint8(static_cast<std::uint8_t>(m));
  } else if (m <= 0xffff) {
    item = v >= 0 ? cbor_build_uint16(static_cast<std::uint16_t>(m))
                  : cbor_build_negint16(static_cast<std::uint16_t>(m));
  } else {
    item = v >= 0 ? cbor_build_uint32(static_cast<std::uint32_t>(m))
                  : cbor_build_negint32(static_cast<std::uint32_t>(m));
  }
  return item;
}

bool AddPair(cbor_item_t* map, std::int64_t label, cbor_item_t* value) {
  if (value == nullptr) return false;
  cbor_item_t* key = IntItem(label);
  if (key == nullptr) {
    cbor_decref(&value);
    return false;
  }
  return cbor_map_add(map, cbor_pair{.key = cbor_move(key), .value = cbor_move(value)});
}

cbor_item_t* BytesItem(std::string_view b) {
  return cbor_build_bytestring(reinterpret_cast<const unsigned char*>(b.data()), b.size());
}

// Canonical COSE_Key bytes for a key given by parts (labels in CTAP2 order).
std::string EncodeParts(const CoseKey& k) {
  const std::size_t pairs = k.kty == kKtyEc2 ? 5 : 4;
  CborPtr map(cbor_new_definite_map(pairs));
  if (!map) return {};
  bool ok = AddPair(map.get(), kLabelKty, IntItem(k.kty)) &&
            AddPair(map.get(), kLabelAlg, IntItem(k.alg));
  if (k.kty == kKtyRsa) {
    ok = ok && AddPair(map.get(), kLabelCrvOrN, BytesItem(k.n)) &&
         AddPair(map.get(), kLabelXOrE, BytesItem(k.e));
  } else {
    ok = ok && AddPair(map.get(), kLabelCrvOrN, IntItem(k.crv)) &&
         AddPair(map.get(), kLabelXOrE, BytesItem(k.x));
    if (k.kty == kKtyEc2) ok = ok && AddPair(map.get(), kLabelY, BytesItem(k.y));
  }
  return ok ? CborEncode(map.get()) : std::string();
}

}  // namespace

Result<CoseKey> ParseCoseKey(std::string_view bytes) {
  CborPtr item = CborDecode(bytes);
  if (!item || !cbor_isa_map(item.get())) return KeyError("not a CBOR map");
  if (!CborMapHasUniqueKeys(item.get())) return KeyError("a label appears twice");
  if (!CborIsMinimal(item.get(), bytes)) {
    return KeyError(
        "not in CTAP2 canonical CBOR (an integer or a length is not minimally encoded)");
  }
  CoseKey key;
  key.encoded = std::string(bytes);
  const auto kty = CborInt(CborMapGet(item.get(), kLabelKty));
  const auto alg = CborInt(CborMapGet(item.get(), kLabelAlg));
  if (!kty) return KeyError("kty (1) is missing");
  if (!alg) return KeyError("alg (3) is missing");
  if (*alg < -65536 || *alg > 65536) return KeyError("alg (3) is out of range");
  key.kty = static_cast<int>(*kty);
  key.alg = static_cast<int>(*alg);

  switch (key.kty) {
    case kKtyEc2: {
      if (key.alg != kCoseEs256) {
        return Fail(reasons::kBadAlgorithm,
                    "credential public key: EC2 key with alg " + std::to_string(key.alg) + " (" +
                        std::string(CoseAlgName(key.alg)) + ") is not supported");
      }
      const auto crv = CborInt(CborMapGet(item.get(), kLabelCrvOrN));
      auto x = CborBytes(CborMapGet(item.get(), kLabelXOrE));
      auto y = CborBytes(CborMapGet(item.get(), kLabelY));
      if (!crv || *crv != kCrvP256) return KeyError("ES256 key is not on curve P-256 (crv 1)");
      if (!x || !y || x->size() != 32 || y->size() != 32) {
        return KeyError("ES256 key needs 32-byte x and y coordinates");
      }
      key.crv = kCrvP256;
      key.x = std::move(*x);
      key.y = std::move(*y);
      if (!EcPublicKey("P-256", key.x, key.y)) return KeyError("the EC point is not on P-256");
      return key;
    }
    case kKtyOkp: {
      if (key.alg != kCoseEdDsa) {
        return Fail(reasons::kBadAlgorithm, "credential public key: OKP key with alg " +
                                                std::to_string(key.alg) + " is not supported");
      }
      const auto crv = CborInt(CborMapGet(item.get(), kLabelCrvOrN));
      auto x = CborBytes(CborMapGet(item.get(), kLabelXOrE));
      if (!crv || *crv != kCrvEd25519) {
        return Fail(reasons::kBadAlgorithm,
                    "credential public key: only Ed25519 (crv 6) is "
                    "supported for EdDSA");
      }
      if (!x || x->size() != 32) return KeyError("Ed25519 key needs a 32-byte x");
      key.crv = kCrvEd25519;
      key.x = std::move(*x);
      if (!Ed25519PublicKey(key.x)) return KeyError("not a valid Ed25519 point");
      return key;
    }
    case kKtyRsa: {
      if (key.alg != kCoseRs256) {
        return Fail(reasons::kBadAlgorithm,
                    "credential public key: RSA key with alg " + std::to_string(key.alg) + " (" +
                        std::string(CoseAlgName(key.alg)) + ") is not supported");
      }
      auto n = CborBytes(CborMapGet(item.get(), kLabelCrvOrN));
      auto e = CborBytes(CborMapGet(item.get(), kLabelXOrE));
      if (!n || !e || n->empty() || e->empty() || e->size() > 8) {
        return KeyError("RSA key needs n (-1) and e (-2)");
      }
      const int bits = BitLength(*n);
      if (bits < kMinRsaBits || bits > kMaxRsaBits) {
        return Fail(reasons::kBadAlgorithm, "credential public key: RSA modulus of " +
                                                std::to_string(bits) +
                                                " bits (2048 to 16384 are accepted)");
      }
      if ((static_cast<unsigned char>(e->back()) & 1) == 0 || BitLength(*e) < 2) {
        return KeyError("RSA exponent must be odd and at least 3");
      }
      key.n = std::move(*n);
      key.e = std::move(*e);
      if (!RsaPublicKey(key.n, key.e)) return KeyError("not a usable RSA key");
      return key;
    }
    default:
      return Fail(reasons::kBadAlgorithm, "credential public key: key type " +
                                              std::to_string(key.kty) + " is not supported");
  }
}

Result<CoseKey> CoseKeyFromRaw(std::string_view raw, int alg) {
  CoseKey k;
  k.alg = alg;
  switch (alg) {
    case kCoseEs256:
      if (raw.size() == 65 && raw[0] == '\x04') raw.remove_prefix(1);
      if (raw.size() != 64) return KeyError("raw ES256 key must be x||y (64 bytes)");
      k.kty = kKtyEc2;
      k.crv = kCrvP256;
      k.x = std::string(raw.substr(0, 32));
      k.y = std::string(raw.substr(32));
      break;
    case kCoseEdDsa:
      if (raw.size() != 32) return KeyError("raw EdDSA key must be 32 bytes");
      k.kty = kKtyOkp;
      k.crv = kCrvEd25519;
      k.x = std::string(raw);
      break;
    case kCoseRs256:
      if (raw.size() <= 3) return KeyError("raw RS256 key must be n||e");
      k.kty = kKtyRsa;
      k.n = std::string(raw.substr(0, raw.size() - 3));
      k.e = std::string(raw.substr(raw.size() - 3));
      break;
    default:
      return Fail(reasons::kBadAlgorithm,
                  "stored credential: alg " + std::to_string(alg) + " is not supported");
  }
  const std::string encoded = EncodeParts(k);
  if (encoded.empty()) return Status::Internal("COSE key encoding failed");
  return ParseCoseKey(encoded);
}

PkeyPtr ToOpenSsl(const CoseKey& key) {
  switch (key.kty) {
    case kKtyEc2:
      return EcPublicKey("P-256", key.x, key.y);
    case kKtyOkp:
      return Ed25519PublicKey(key.x);
    case kKtyRsa:
      return RsaPublicKey(key.n, key.e);
    default:
      return nullptr;
  }
}

bool Fido2Accepts(const CoseKey& key) {
  if (key.kty == kKtyEc2 || key.kty == kKtyOkp) return true;
  // libfido2's rs256_pk_t holds exactly a 256-byte modulus and a 3-byte exponent.
  return key.kty == kKtyRsa && key.n.size() == 256 && BitLength(key.n) == 2048 &&
         key.e == std::string("\x01\x00\x01", 3);
}

std::string Fido2RawKey(const CoseKey& key) {
  if (key.kty == kKtyEc2) return key.x + key.y;
  if (key.kty == kKtyOkp) return key.x;
  return key.n + key.e;
}

}  // namespace latchkey::webauthn::internal
