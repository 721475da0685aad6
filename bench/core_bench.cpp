// Micro-benchmarks of the parts on the request path (make bench).
#include <benchmark/benchmark.h>

#include <filesystem>

#include "core/mask.hpp"
#include "core/rate_limiter.hpp"
#include "core/work_pool.hpp"
#include "crypto/keys.hpp"
#include "crypto/password_hasher.hpp"
#include "crypto/sodium_random.hpp"
#include "methods/one_time_code.hpp"
#include "text/unicode.hpp"

namespace latchkey {
namespace {

const KeyRing& Keys() {
  static const KeyRing keys = [] {
    (void)InitCrypto();
    Key32 master{};
    master.fill(7);
    return KeyRing::FromMaster(master);
  }();
  return keys;
}

void BM_Argon2idHashOwasp(benchmark::State& state) {
  (void)InitCrypto();
  WorkPool pool(1, 4);
  PasswordHasher hasher({19456, 2}, pool);
  const SecretString pw("correct horse battery staple");
  for (auto _ : state) benchmark::DoNotOptimize(hasher.Hash(pw));
}
BENCHMARK(BM_Argon2idHashOwasp)->Unit(benchmark::kMillisecond);

void BM_CodeHash(benchmark::State& state) {
  const std::string flow(64, 'a');
  for (auto _ : state) benchmark::DoNotOptimize(CodeHash(Keys(), flow, "option-id", "123456"));
}
BENCHMARK(BM_CodeHash);

void BM_VaultSealOpen(benchmark::State& state) {
  for (auto _ : state) {
    const std::string sealed = Keys().vault().Seal("alice.personal@example.net", "method:m_1");
    benchmark::DoNotOptimize(Keys().vault().Open(sealed, "method:m_1"));
  }
}
BENCHMARK(BM_VaultSealOpen);

void BM_RateLimiterTake(benchmark::State& state) {
  SystemClock clock;
  RateLimiter limiter(clock);
  const RateSpec spec{1000000, std::chrono::seconds(1)};
  std::uint64_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(limiter.Take("b", std::to_string(i++ % 10000), spec));
}
BENCHMARK(BM_RateLimiterTake)->Threads(1)->Threads(2);

void BM_UsernameKey(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(UsernameKey("K1234567@KCL.ac.uk"));
}
BENCHMARK(BM_UsernameKey);

void BM_MaskEmail(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(MaskEmail("john.doe@mssociety.co.uk"));
}
BENCHMARK(BM_MaskEmail);

}  // namespace
}  // namespace latchkey
