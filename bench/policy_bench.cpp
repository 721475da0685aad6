// Micro-benchmarks of the password rules: the banned-terms check against the built-in
// global list (plus a small custom list) and the zxcvbn-c estimate, for passwords of 8,
// 16, 64 and 256 characters. Kind 0: random printable ASCII; kind 1: words and spaces
// ("correct horse battery staple ..."), which walk deeper into the trie.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "policy/banned_terms.hpp"
#include "policy/composition.hpp"
#include "policy/context_rules.hpp"
#include "policy/presets.hpp"
#include "policy/strength.hpp"

namespace latchkey {
namespace {

std::string Password(int length, int kind) {
  std::string s;
  if (kind == 0) {
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> printable(0x21, 0x7E);
    while (static_cast<int>(s.size()) < length) s += static_cast<char>(printable(rng));
  } else {
    while (static_cast<int>(s.size()) < length) s += "correct horse battery staple ";
    s.resize(static_cast<std::size_t>(length));
  }
  return s;
}

PersonalInfo Person() {
  PersonalInfo p;
  p.username = "jsmith";
  p.display_name = "Jane Smith";
  p.first_name = "Jane";
  p.last_name = "Smith";
  p.email = "jane.smith@example.org";
  p.organisation = "Contoso";
  return p;
}

const BannedTerms& Matcher() {
  static const BannedTerms m = [] {
    const std::vector<std::string> custom = {"contoso", "widget", "london", "fabrikam"};
    return BannedTerms::WithGlobalList(custom).value();
  }();
  return m;
}

void BM_BannedTermsCheck(benchmark::State& state) {
  const std::string pw =
      Password(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  const PersonalInfo person = Person();
  const BannedTerms& m = Matcher();
  for (auto _ : state) benchmark::DoNotOptimize(m.Check(pw, person));
}
BENCHMARK(BM_BannedTermsCheck)
    ->ArgsProduct({{8, 16, 64, 256}, {0, 1}})
    ->Unit(benchmark::kMicrosecond);

void BM_ZxcvbnEstimate(benchmark::State& state) {
  const std::string pw =
      Password(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  const PersonalInfo person = Person();
  const StrengthChecker checker = StrengthChecker::Create().value();
  for (auto _ : state) benchmark::DoNotOptimize(checker.Estimate(pw, person));
}
BENCHMARK(BM_ZxcvbnEstimate)
    ->ArgsProduct({{8, 16, 64, 256}, {0, 1}})
    ->Unit(benchmark::kMicrosecond);

void BM_CompositionAndContext(benchmark::State& state) {
  const std::string pw = Password(static_cast<int>(state.range(0)), 0);
  const PersonalInfo person = Person();
  const ContextRules context = ContextRules::Create().value();
  const CompositionRules& rules = EntraPreset().composition;
  for (auto _ : state) {
    benchmark::DoNotOptimize(CheckComposition(pw, rules));
    benchmark::DoNotOptimize(context.Check(pw, person));
  }
}
BENCHMARK(BM_CompositionAndContext)->Arg(16)->Arg(256)->Unit(benchmark::kMicrosecond);

// Building the matcher (done once per configuration load).
void BM_BannedTermsBuild(benchmark::State& state) {
  const std::vector<std::string> custom = {"contoso", "widget"};
  for (auto _ : state) benchmark::DoNotOptimize(BannedTerms::WithGlobalList(custom));
}
BENCHMARK(BM_BannedTermsBuild)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace latchkey

// The whole check a reset makes, with history: the policy (every rule) plus one
// Argon2id derivation (OWASP parameters) and N constant-time comparisons. Reports
// p50 and p99 of the per-call time, as the request path sees it.
#include <algorithm>
#include <chrono>

#include "core/work_pool.hpp"
#include "crypto/keys.hpp"
#include "crypto/password_hasher.hpp"
#include "crypto/sodium_random.hpp"
#include "policy/password_history.hpp"
#include "policy/password_policy.hpp"

namespace latchkey {
namespace {

void BM_PolicyCheckWithHistory(benchmark::State& state) {
  (void)InitCrypto();
  static const PasswordPolicy policy = PasswordPolicy::Create(PasswordRules{}).value();
  WorkPool pool(1, 4);
  PasswordHasher hasher({19456, 2}, pool);
  Key32 master{};
  master.fill(3);
  const KeyRing keys = KeyRing::FromMaster(master);
  PasswordHistory history(hasher, keys);
  SodiumRandom random;
  const std::string salt = PasswordHistory::NewSalt(random);
  const int n = static_cast<int>(state.range(0));
  std::vector<std::string> recent;
  for (int i = 0; i < n; ++i) {
    recent.push_back(*history.Digest(SecretString("earlier password " + std::to_string(i)), salt));
  }
  const SecretString candidate("velvet tractor lantern orbit");
  const PersonalInfo person = Person();
  std::vector<double> ms;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    PolicyVerdict v = policy.Check(candidate, person);
    if (n > 0) {
      Result<std::string> d = history.Digest(candidate, salt);
      v.accepted = v.accepted && d.ok() && !PasswordHistory::Reused(*d, recent);
    }
    benchmark::DoNotOptimize(v);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  state.counters["p50_ms"] = ms[ms.size() / 2];
  state.counters["p99_ms"] = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
}
BENCHMARK(BM_PolicyCheckWithHistory)->Arg(0)->Arg(5)->Arg(24)->Unit(benchmark::kMillisecond)->Iterations(200);

}  // namespace
}  // namespace latchkey
