// libcbor helpers for the WebAuthn verifier (internal: included by
// src/methods/webauthn/*.cpp only).
#pragma once

#include <cbor.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace latchkey::webauthn::internal {

struct CborDecref {
  void operator()(cbor_item_t* item) const { cbor_decref(&item); }
};
using CborPtr = std::unique_ptr<cbor_item_t, CborDecref>;

// Decodes exactly one CBOR item from `data`. `consumed` receives the number of
// bytes read; without it, trailing bytes are an error. Null on malformed input.
CborPtr CborDecode(std::string_view data, std::size_t* consumed = nullptr);

// The serialised form of `item` (libcbor keeps each integer's encoded width, so
// this reproduces the original bytes of minimally encoded input).
std::string CborEncode(const cbor_item_t* item);

// `map` encoded with its keys in CTAP2 canonical order (shorter encoded key
// first, then bytewise), which libfido2 requires of the maps it parses; the
// values are encoded as they are. Empty for a non-map.
std::string CborEncodeSortedMap(const cbor_item_t* map);

// Definite-length strings; nullopt for other types and indefinite strings.
std::optional<std::string> CborBytes(const cbor_item_t* item);
std::optional<std::string> CborText(const cbor_item_t* item);
// A CBOR integer (major type 0 or 1) as int64; nullopt for other types and for
// values that do not fit.
std::optional<std::int64_t> CborInt(const cbor_item_t* item);

// Map lookups by a text key or an integer key; null when absent. A map with a
// duplicated key is rejected by CborMapHasUniqueKeys, call that first.
cbor_item_t* CborMapGet(const cbor_item_t* map, std::string_view key);
cbor_item_t* CborMapGet(const cbor_item_t* map, std::int64_t key);
bool CborMapHasUniqueKeys(const cbor_item_t* map);

// True when every integer and length in `item` uses the shortest encoding and
// every string, array and map has a definite length: CTAP2 canonical form
// without the key-order rule. `encoded` is the original encoding of `item`.
bool CborIsMinimal(const cbor_item_t* item, std::string_view encoded);

}  // namespace latchkey::webauthn::internal
