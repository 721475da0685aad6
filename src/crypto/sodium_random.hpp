// The production Random: libsodium's CSPRNG (getrandom(2) underneath).
#pragma once

#include "core/random.hpp"

namespace latchkey {

class SodiumRandom final : public Random {
 public:
  void Fill(std::uint8_t* out, std::size_t len) override;
  std::uint32_t Uniform(std::uint32_t upper) override;
};

// Initialises libsodium; call once before any crypto (idempotent, thread-safe).
// Returns false when the library cannot initialise (no entropy source).
bool InitCrypto();

}  // namespace latchkey
