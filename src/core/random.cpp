#include "core/random.hpp"

#include <array>

namespace latchkey {

std::string Random::Digits(int digits) {
  std::string out;
  out.reserve(static_cast<std::size_t>(digits));
  for (int i = 0; i < digits; ++i) out.push_back(static_cast<char>('0' + Uniform(10)));
  return out;
}

std::string Random::Token(std::size_t bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string raw(bytes, '\0');
  Fill(reinterpret_cast<std::uint8_t*>(raw.data()), raw.size());
  std::string out;
  out.reserve((bytes * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= bytes; i += 3) {
    const std::uint32_t v = (std::uint32_t(std::uint8_t(raw[i])) << 16) |
                            (std::uint32_t(std::uint8_t(raw[i + 1])) << 8) |
                            std::uint32_t(std::uint8_t(raw[i + 2]));
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  const std::size_t rest = bytes - i;
  if (rest == 1) {
    const std::uint32_t v = std::uint32_t(std::uint8_t(raw[i])) << 16;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
  } else if (rest == 2) {
    const std::uint32_t v =
        (std::uint32_t(std::uint8_t(raw[i])) << 16) | (std::uint32_t(std::uint8_t(raw[i + 1])) << 8);
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
  }
  return out;
}

}  // namespace latchkey
