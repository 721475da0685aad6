// CIDR ranges ("10.0.0.0/8", "2001:db8::/32") and address matching, for trusted
// networks and trusted proxies.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace latchkey {

class Cidr {
 public:
  // nullopt when `text` is not an address or address/prefix of IPv4 or IPv6.
  static std::optional<Cidr> Parse(std::string_view text);
  // True when `address` (textual IPv4 or IPv6; IPv4-mapped IPv6 is treated as
  // IPv4) lies in the range.
  bool Contains(std::string_view address) const;

 private:
  bool v6_ = false;
  std::array<std::uint8_t, 16> bytes_{};
  int prefix_ = 0;
};

// True when `address` is in any of `ranges`.
bool InAny(const std::vector<Cidr>& ranges, std::string_view address);

}  // namespace latchkey
