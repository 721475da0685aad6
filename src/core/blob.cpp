#include "core/blob.hpp"

#include <charconv>

namespace latchkey {
namespace {

void Escape(std::string_view in, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char c : in) {
    if (c == '%' || c == '&' || c == '=' || static_cast<unsigned char>(c) < 0x20) {
      out.push_back('%');
      out.push_back(kHex[(static_cast<unsigned char>(c) >> 4) & 0xF]);
      out.push_back(kHex[static_cast<unsigned char>(c) & 0xF]);
    } else {
      out.push_back(c);
    }
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::optional<std::string> Unescape(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return std::nullopt;
    const int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

}  // namespace

std::string EncodeBlob(const Blob& blob) {
  std::string out;
  for (const auto& [k, v] : blob) {
    if (!out.empty()) out.push_back('&');
    Escape(k, out);
    out.push_back('=');
    Escape(v, out);
  }
  return out;
}

std::optional<Blob> DecodeBlob(std::string_view text) {
  Blob blob;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t amp = text.find('&', pos);
    if (amp == std::string_view::npos) amp = text.size();
    const std::string_view pair = text.substr(pos, amp - pos);
    const std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    auto k = Unescape(pair.substr(0, eq));
    auto v = Unescape(pair.substr(eq + 1));
    if (!k || !v) return std::nullopt;
    blob[*k] = *v;
    pos = amp + 1;
  }
  return blob;
}

std::int64_t BlobInt(const Blob& blob, const std::string& key, std::int64_t fallback) {
  auto it = blob.find(key);
  if (it == blob.end()) return fallback;
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  if (ec != std::errc() || p != it->second.data() + it->second.size()) return fallback;
  return v;
}

}  // namespace latchkey
