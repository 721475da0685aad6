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
