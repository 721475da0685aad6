#include "methods/webauthn/der_reader.hpp"

#include <openssl/asn1.h>
#include <openssl/err.h>

#include <string>

namespace latchkey::webauthn::internal {

std::optional<DerElement> DerReader::Next() {
  if (rest_.empty() || failed_) return std::nullopt;
  const auto* start = reinterpret_cast<const unsigned char*>(rest_.data());
  const unsigned char* p = start;
  long len = 0;
  int tag = 0;
  int cls = 0;
  const int ret = ASN1_get_object(&p, &len, &tag, &cls, static_cast<long>(rest_.size()));
  // 0x80: error; 0x21: constructed with indefinite length (not DER).
  if ((ret & 0x80) != 0 || ret == 0x21) {
    ERR_clear_error();
    failed_ = true;
    return std::nullopt;
  }
  const auto header = static_cast<std::size_t>(p - start);
  if (len < 0 || static_cast<std::size_t>(len) > rest_.size() - header) {
    failed_ = true;
    return std::nullopt;
  }
  DerElement e;
  e.tag = tag;
  e.cls = cls;
  e.constructed = (ret & V_ASN1_CONSTRUCTED) != 0;
  e.content = rest_.substr(header, static_cast<std::size_t>(len));
  e.whole = rest_.substr(0, header + static_cast<std::size_t>(len));
  rest_.remove_prefix(e.whole.size());
  return e;
}

std::optional<std::int64_t> DerInteger(const DerElement& e) {
  if (e.cls != V_ASN1_UNIVERSAL || e.constructed ||
      (e.tag != V_ASN1_INTEGER && e.tag != V_ASN1_ENUMERATED)) {
    return std::nullopt;
  }
  // Re-tag as INTEGER so one decoder serves both.
  std::string der(e.whole);
  der[0] = static_cast<char>(V_ASN1_INTEGER);
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ASN1_INTEGER* value = d2i_ASN1_INTEGER(nullptr, &p, static_cast<long>(der.size()));
  if (value == nullptr) {
    ERR_clear_error();
    return std::nullopt;
  }
  std::int64_t out = 0;
  const bool ok = ASN1_INTEGER_get_int64(&out, value) == 1;
  ASN1_INTEGER_free(value);
  if (!ok) {
    ERR_clear_error();
    return std::nullopt;
  }
  return out;
}

}  // namespace latchkey::webauthn::internal
