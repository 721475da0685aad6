#include "flows/phantom.hpp"

#include <array>

#include "core/mask.hpp"
#include "crypto/hashing.hpp"
#include "crypto/keys.hpp"

namespace latchkey {

std::string PhantomEmailHint(const KeyRing& keys, std::string_view username_key) {
  // Providers people commonly register as their personal address.
  static constexpr std::array<std::string_view, 10> kDomains = {
      "gmail.com",  "outlook.com",    "hotmail.com", "yahoo.com",  "icloud.com",
      "hotmail.co.uk", "yahoo.co.uk", "live.co.uk",  "btinternet.com", "proton.me"};
  static constexpr std::string_view kLetters = "abcdefghijklmnoprstwy";
  std::string data = "phantom-email";
  data.push_back('\0');
  data.append(username_key);
  const std::string mac = HmacSha256Hex(keys.phantom_key(), data);
  auto byte = [&](std::size_t i) {
    return static_cast<std::size_t>(std::stoi(mac.substr(i * 2, 2), nullptr, 16));
  };
  std::string local;
  local.push_back(kLetters[byte(0) % kLetters.size()]);
  local.push_back(kLetters[byte(1) % kLetters.size()]);
  local += "x";
  return MaskEmail(local + "@" + std::string(kDomains[byte(2) % kDomains.size()]));
}

}  // namespace latchkey
