// Randomness as an injected dependency. Production uses libsodium's CSPRNG
// (crypto/sodium_random.hpp); tests may use a seeded generator so that codes and
// ids are reproducible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace latchkey {

class Random {
 public:
  virtual ~Random() = default;
  // Fills `out` with `len` random bytes. Thread-safe.
  virtual void Fill(std::uint8_t* out, std::size_t len) = 0;
  // A uniformly distributed value in [0, upper), without modulo bias. upper > 0.
  virtual std::uint32_t Uniform(std::uint32_t upper) = 0;

  // `digits` decimal digits, each uniform, leading zeros kept ("004917").
  std::string Digits(int digits);
  // `bytes` random bytes as unpadded base64url (an unguessable token).
  std::string Token(std::size_t bytes);
};

}  // namespace latchkey
