// Synthetic Pwned Passwords corpora for the breach filter benchmarks: entry i of a
// corpus is a pseudo-random 20-byte "SHA-1" computed from (seed, i) alone, so a
// benchmark can regenerate any present hash without reading the text file, and a
// different seed gives hashes that are (with overwhelming probability) absent.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstring>

namespace latchkey::breach_bench {

inline std::uint64_t Finalize(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Counter-based: three generator steps per entry, never shared between entries.
inline void SyntheticSha1(std::uint64_t seed, std::uint64_t index, std::uint8_t out[20]) {
  constexpr std::uint64_t kGolden = 0x9e3779b97f4a7c15ULL;
  const std::uint64_t base = seed + 3 * index * kGolden;
  const std::uint64_t w[3] = {Finalize(base + kGolden), Finalize(base + 2 * kGolden),
                              Finalize(base + 3 * kGolden)};
  std::memcpy(out, w, 20);
}

// Writes `SHA1:COUNT\n` (upper-case hex, like the Pwned download) for entry i at
// out; returns the end. Needs 63 bytes of room.
inline char* FormatLine(std::uint64_t seed, std::uint64_t index, char* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::uint8_t sha1[20];
  SyntheticSha1(seed, index, sha1);
  for (int i = 0; i < 20; ++i) {
    *out++ = kHex[sha1[i] >> 4];
    *out++ = kHex[sha1[i] & 15];
  }
  *out++ = ':';
  // Counts skew small like the real corpus: 1 to about 10^6.
  const std::uint64_t r = Finalize(seed ^ ~index);
  const std::uint64_t count = 1 + ((r & 0xfffff) >> ((r >> 20) % 20));
  out = std::to_chars(out, out + 20, count).ptr;
  *out++ = '\n';
  return out;
}

}  // namespace latchkey::breach_bench
