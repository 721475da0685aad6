// A minimal DER reader over OpenSSL's ASN1_get_object, for the attestation
// extensions whose ASN.1 OpenSSL has no type for (Android's KeyDescription,
// Apple's nonce). Internal to src/methods/webauthn/.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace latchkey::webauthn::internal {

struct DerElement {
  int tag = 0;  // tag number (e.g. 16 for SEQUENCE, 702 for [702])
  int cls = 0;  // V_ASN1_UNIVERSAL, V_ASN1_CONTEXT_SPECIFIC, ...
  bool constructed = false;
  std::string_view content;  // the value bytes
  std::string_view whole;    // tag, length and value
};

class DerReader {
 public:
  explicit DerReader(std::string_view data) : rest_(data) {}
  // The next element; nullopt at the end or on malformed input (then failed()).
  // Indefinite lengths are malformed (this is DER).
  std::optional<DerElement> Next();
  bool AtEnd() const { return rest_.empty(); }
  bool failed() const { return failed_; }

 private:
  std::string_view rest_;
  bool failed_ = false;
};

// An INTEGER or ENUMERATED element's value, if it fits in 64 bits.
std::optional<std::int64_t> DerInteger(const DerElement& e);

}  // namespace latchkey::webauthn::internal
