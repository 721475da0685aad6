// A small key=value codec for the opaque state blobs that methods keep inside a
// flow ("h=...&exp=..."). Keys and values are percent-escaped.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace latchkey {

using Blob = std::map<std::string, std::string>;

std::string EncodeBlob(const Blob& blob);
// nullopt for malformed input.
std::optional<Blob> DecodeBlob(std::string_view text);
// The integer at `key`, or `fallback` when absent or not a number.
std::int64_t BlobInt(const Blob& blob, const std::string& key, std::int64_t fallback = 0);

}  // namespace latchkey
