#include "methods/webauthn/cbor_util.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <utility>
#include <vector>

namespace latchkey::webauthn::internal {
namespace {

// CBOR nesting deeper than this is refused (authenticator data never comes close).
constexpr int kMaxDepth = 16;

bool WidthIsMinimal(const cbor_item_t* item) {
  const std::uint64_t value = cbor_get_int(item);
  switch (cbor_int_get_width(item)) {
    case CBOR_INT_8:
      return true;  // 0..23 in the head, 24..255 after 0x18: re-encoding tells them apart
    case CBOR_INT_16:
      return value > 0xff;
    case CBOR_INT_32:
      return value > 0xffff;
    case CBOR_INT_64:
      return value > 0xffffffffULL;
  }
  return false;
}

bool AllMinimal(const cbor_item_t* item, int depth) {
  if (depth > kMaxDepth) return false;
  switch (cbor_typeof(item)) {
    case CBOR_TYPE_UINT:
    case CBOR_TYPE_NEGINT:
      return WidthIsMinimal(item);
    case CBOR_TYPE_BYTESTRING:
      return cbor_bytestring_is_definite(item);
    case CBOR_TYPE_STRING:
      return cbor_string_is_definite(item);
    case CBOR_TYPE_ARRAY: {
      if (!cbor_array_is_definite(item)) return false;
      cbor_item_t** items = cbor_array_handle(item);
      for (std::size_t i = 0; i < cbor_array_size(item); ++i) {
        if (!AllMinimal(items[i], depth + 1)) return false;
      }
      return true;
    }
    case CBOR_TYPE_MAP: {
      if (!cbor_map_is_definite(item)) return false;
      struct cbor_pair* pairs = cbor_map_handle(item);
      for (std::size_t i = 0; i < cbor_map_size(item); ++i) {
        if (!AllMinimal(pairs[i].key, depth + 1) || !AllMinimal(pairs[i].value, depth + 1)) {
          return false;
        }
      }
      return true;
    }
    case CBOR_TYPE_TAG:
      return AllMinimal(cbor_tag_item(item), depth + 1);
    case CBOR_TYPE_FLOAT_CTRL:
      return true;
  }
  return false;
}

bool KeysEqual(const cbor_item_t* a, const cbor_item_t* b) {
  if (cbor_typeof(a) != cbor_typeof(b)) return false;
  if (auto ia = CborInt(a)) {
    auto ib = CborInt(b);
    return ib && *ia == *ib;
  }
  if (auto ta = CborText(a)) {
    auto tb = CborText(b);
    return tb && *ta == *tb;
  }
  if (auto ba = CborBytes(a)) {
    auto bb = CborBytes(b);
    return bb && *ba == *bb;
  }
  return false;
}

}  // namespace

CborPtr CborDecode(std::string_view data, std::size_t* consumed) {
  if (data.empty()) return nullptr;
  // libcbor refuses nesting deeper than CBOR_MAX_STACK_SIZE (2048), which bounds
  // the recursion of cbor_decref and cbor_serialize on hostile input.
  struct cbor_load_result result {};
  cbor_item_t* item =
      cbor_load(reinterpret_cast<const unsigned char*>(data.data()), data.size(), &result);
  if (item == nullptr) return nullptr;
  CborPtr owned(item);
  if (result.error.code != CBOR_ERR_NONE) return nullptr;
  if (consumed != nullptr) {
    *consumed = result.read;
  } else if (result.read != data.size()) {
    return nullptr;
  }
  return owned;
}

std::string CborEncode(const cbor_item_t* item) {
  unsigned char* buf = nullptr;
  std::size_t capacity = 0;
  const std::size_t len = cbor_serialize_alloc(item, &buf, &capacity);
  std::string out;
  if (len > 0 && buf != nullptr) out.assign(reinterpret_cast<const char*>(buf), len);
  std::free(buf);
  return out;
}

std::string CborEncodeSortedMap(const cbor_item_t* map) {
  if (map == nullptr || !cbor_isa_map(map)) return {};
  struct cbor_pair* pairs = cbor_map_handle(map);
  std::vector<std::pair<std::string, std::size_t>> keys;
  for (std::size_t i = 0; i < cbor_map_size(map); ++i)
    keys.emplace_back(CborEncode(pairs[i].key), i);
  std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
    return a.first.size() != b.first.size() ? a.first.size() < b.first.size() : a.first < b.first;
  });
  CborPtr sorted(cbor_new_definite_map(keys.size()));
  if (!sorted) return {};
  for (const auto& [encoded, i] : keys) {
    // cbor_map_add takes its own references; the originals stay owned by `map`.
    if (!cbor_map_add(sorted.get(), cbor_pair{.key = pairs[i].key, .value = pairs[i].value})) {
      return {};
    }
  }
  return CborEncode(sorted.get());
}

std::optional<std::string> CborBytes(const cbor_item_t* item) {
  if (item == nullptr || !cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item)) {
    return std::nullopt;
  }
  return std::string(reinterpret_cast<const char*>(cbor_bytestring_handle(item)),
                     cbor_bytestring_length(item));
}

std::optional<std::string> CborText(const cbor_item_t* item) {
  if (item == nullptr || !cbor_isa_string(item) || !cbor_string_is_definite(item)) {
    return std::nullopt;
  }
  return std::string(reinterpret_cast<const char*>(cbor_string_handle(item)),
                     cbor_string_length(item));
}

std::optional<std::int64_t> CborInt(const cbor_item_t* item) {
  if (item == nullptr) return std::nullopt;
  const bool is_uint = cbor_isa_uint(item);
  if (!is_uint && !cbor_isa_negint(item)) return std::nullopt;
  const std::uint64_t value = cbor_get_int(item);
  if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return std::nullopt;
  }
  const auto v = static_cast<std::int64_t>(value);
  return is_uint ? v : -1 - v;  // major type 1 encodes -1 - n
}

cbor_item_t* CborMapGet(const cbor_item_t* map, std::string_view key) {
  if (map == nullptr || !cbor_isa_map(map)) return nullptr;
  struct cbor_pair* pairs = cbor_map_handle(map);
  for (std::size_t i = 0; i < cbor_map_size(map); ++i) {
    auto text = CborText(pairs[i].key);
    if (text && *text == key) return pairs[i].value;
  }
  return nullptr;
}

cbor_item_t* CborMapGet(const cbor_item_t* map, std::int64_t key) {
  if (map == nullptr || !cbor_isa_map(map)) return nullptr;
  struct cbor_pair* pairs = cbor_map_handle(map);
  for (std::size_t i = 0; i < cbor_map_size(map); ++i) {
    auto value = CborInt(pairs[i].key);
    if (value && *value == key) return pairs[i].value;
  }
  return nullptr;
}

bool CborMapHasUniqueKeys(const cbor_item_t* map) {
  if (map == nullptr || !cbor_isa_map(map)) return false;
  struct cbor_pair* pairs = cbor_map_handle(map);
  const std::size_t n = cbor_map_size(map);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      if (KeysEqual(pairs[i].key, pairs[j].key)) return false;
    }
  }
  return true;
}

bool CborIsMinimal(const cbor_item_t* item, std::string_view encoded) {
  // Wider-than-needed integers survive a round trip (libcbor keeps the width), so
  // they are checked item by item; a one-byte value written as 0x18 xx or a long
  // length head is caught by re-encoding, which always writes those minimally.
  return AllMinimal(item, 0) && CborEncode(item) == encoded;
}

}  // namespace latchkey::webauthn::internal
