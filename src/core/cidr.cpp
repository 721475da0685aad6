#include "core/cidr.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace latchkey {
namespace {

// Parses an address into 16 bytes; IPv4 (and IPv4-mapped IPv6) into the first 4.
bool ParseAddress(std::string_view text, bool& v6, std::array<std::uint8_t, 16>& out) {
  const std::string s(text);
  in_addr a4{};
  if (inet_pton(AF_INET, s.c_str(), &a4) == 1) {
    v6 = false;
    out.fill(0);
    std::memcpy(out.data(), &a4, 4);
    return true;
  }
  in6_addr a6{};
  if (inet_pton(AF_INET6, s.c_str(), &a6) == 1) {
    static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(a6.s6_addr, kMapped, 12) == 0) {
      v6 = false;
      out.fill(0);
      std::memcpy(out.data(), a6.s6_addr + 12, 4);
      return true;
    }
    v6 = true;
    std::memcpy(out.data(), a6.s6_addr, 16);
    return true;
  }
  return false;
}

}  // namespace

std::optional<Cidr> Cidr::Parse(std::string_view text) {
  Cidr c;
  const auto slash = text.find('/');
  if (!ParseAddress(text.substr(0, slash), c.v6_, c.bytes_)) return std::nullopt;
  const int max = c.v6_ ? 128 : 32;
  c.prefix_ = max;
  if (slash != std::string_view::npos) {
    const std::string_view p = text.substr(slash + 1);
    int n = -1;
    auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), n);
    if (ec != std::errc() || ptr != p.data() + p.size() || n < 0 || n > max) return std::nullopt;
    c.prefix_ = n;
  }
  return c;
}

bool Cidr::Contains(std::string_view address) const {
  bool v6 = false;
  std::array<std::uint8_t, 16> a{};
  if (!ParseAddress(address, v6, a) || v6 != v6_) return false;
  int bits = prefix_;
  for (std::size_t i = 0; bits > 0; ++i, bits -= 8) {
    const std::uint8_t mask = bits >= 8 ? 0xff : static_cast<std::uint8_t>(0xff << (8 - bits));
    if ((a[i] & mask) != (bytes_[i] & mask)) return false;
  }
  return true;
}

bool InAny(const std::vector<Cidr>& ranges, std::string_view address) {
  for (const auto& r : ranges) {
    if (r.Contains(address)) return true;
  }
  return false;
}

}  // namespace latchkey
