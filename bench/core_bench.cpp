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

// The reset start below HTTP: one write transaction on SQLite (account and methods
// read, flow and audit written), as POST /api/v1/flows does.
#include "delivery/templates.hpp"
#include "directory/builtin_directory.hpp"
#include "flows/account_admin.hpp"
#include "flows/flow_service.hpp"
#include "methods/email_code/email_code_method.hpp"
#include "methods/registry.hpp"
#include "policy/password_history.hpp"
#include "policy/password_policy.hpp"
#include "store/sql_store.hpp"

namespace latchkey {
namespace {

struct FlowBench {
  FlowBench() : pool(1, 16), hasher({8192, 1}, pool), policy(PasswordPolicy::LengthOnly(12, 256)),
                history(hasher, Keys()), limiter(clock),
                templates(MessageTemplates::Load("").value()) {
    dir = std::filesystem::temp_directory_path() / ("latchkey-bench-" + random.Token(6));
    std::filesystem::create_directories(dir);
    const StoreOptions o{"sqlite://" + (dir / "b.db").string(), 8, 5000};
    (void)MigrateStore(o);
    store = OpenStore(o, Keys()).value();
    registry.Add(MakeEmailCodeMethod(CodeOptions{6, std::chrono::minutes(10)}));
    directory = MakeBuiltinDirectory(*store, hasher, clock);
    AccountAdmin admin(*store, hasher, policy, history, registry, Keys(), clock, random, "");
    for (int i = 0; i < 1000; ++i) {
      (void)admin.Add({"user" + std::to_string(i), "", "user" + std::to_string(i) + "@example.net", "", std::nullopt}, "bench");
    }
    FlowSettings s;
    s.start_per_ip = s.start_per_account = RateSpec{};
    flows = std::make_unique<FlowService>(FlowDeps{*store, *directory, clock, random, Keys(), limiter,
                                                   registry, templates, policy, history, nullptr}, s);
  }
  ~FlowBench() { std::filesystem::remove_all(dir); }
  std::filesystem::path dir;
  SystemClock clock;
  SodiumRandom random;
  WorkPool pool;
  PasswordHasher hasher;
  PasswordPolicy policy;
  PasswordHistory history;
  RateLimiter limiter;
  MessageTemplates templates;
  MethodRegistry registry;
  std::unique_ptr<Store> store;
  std::unique_ptr<Directory> directory;
  std::unique_ptr<FlowService> flows;
};

FlowBench& Bench() {
  static FlowBench b;
  return b;
}

void BM_FlowStart(benchmark::State& state) {
  FlowBench& b = Bench();
  std::uint64_t i = static_cast<std::uint64_t>(state.thread_index()) * 7919;
  for (auto _ : state) {
    const std::string name = (state.range(0) ? "user" : "nobody") + std::to_string(i++ % 1000);
    benchmark::DoNotOptimize(b.flows->Start({FlowKind::kReset, name, "192.0.2.1"}));
  }
}
BENCHMARK(BM_FlowStart)->Arg(1)->Arg(0)->Threads(1)->Threads(2)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace latchkey
