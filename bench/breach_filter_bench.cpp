// Breach filter lookups from a warm map, on one thread.
//
// The filter comes from LATCHKEY_BREACH_FILTER (a file built from the synthetic
// corpus `latchkey_breach_tool generate N PATH [SEED]`, with N and SEED given in
// LATCHKEY_BREACH_ENTRIES and LATCHKEY_BREACH_SEED, default 1), as
// bench/breach_import.sh does for 100 million entries. Without it, a corpus of
// LATCHKEY_BREACH_BENCH_ENTRIES entries (default 16 million: a 36 MB filter,
// larger than this machine's 32 MB L3) is generated and imported into a temporary
// directory first.
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "breach_synth.hpp"
#include "policy/breach_filter.hpp"

namespace {

using latchkey::BreachFilter;
namespace synth = latchkey::breach_bench;

constexpr std::size_t kProbes = std::size_t{1} << 20;  // 20 MB of probe hashes per set
constexpr std::uint64_t kAbsentSeedOffset = 0x5eed;    // as in breach_tool.cpp

std::uint64_t EnvU64(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

struct Fixture {
  Fixture() = default;
  Fixture(Fixture&& other) noexcept
      : filter(std::move(other.filter)),
        temp_dir(std::exchange(other.temp_dir, {})),
        present(std::move(other.present)),
        absent(std::move(other.absent)),
        path(std::move(other.path)),
        error(std::move(other.error)) {}
  ~Fixture() {
    filter.reset();
    if (!temp_dir.empty()) std::filesystem::remove_all(temp_dir);
  }
  std::unique_ptr<BreachFilter> filter;
  std::string temp_dir;  // removed at exit when the bench made its own filter
  std::vector<std::array<std::uint8_t, 20>> present;
  std::vector<std::array<std::uint8_t, 20>> absent;
  std::string path;
  std::string error;
};

bool WriteCorpus(const std::string& path, std::uint64_t n, std::uint64_t seed) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  std::vector<char> buf(1 << 20);
  std::size_t used = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    used = static_cast<std::size_t>(synth::FormatLine(seed, i, buf.data() + used) - buf.data());
    if (used > buf.size() - 64) {
      std::fwrite(buf.data(), 1, used, f);
      used = 0;
    }
  }
  std::fwrite(buf.data(), 1, used, f);
  return std::fclose(f) == 0;
}

Fixture Load() {
  Fixture fixture;
  Fixture* fx = &fixture;
  const std::uint64_t seed = EnvU64("LATCHKEY_BREACH_SEED", 1);
  std::uint64_t entries = 0;
  if (const char* path = std::getenv("LATCHKEY_BREACH_FILTER"); path != nullptr && *path) {
    fx->path = path;
    entries = EnvU64("LATCHKEY_BREACH_ENTRIES", 0);
    if (entries == 0) {
      fx->error = "set LATCHKEY_BREACH_ENTRIES to the corpus size of LATCHKEY_BREACH_FILTER";
      return fixture;
    }
  } else {
    entries = EnvU64("LATCHKEY_BREACH_BENCH_ENTRIES", 16'000'000);
    std::string dir = (std::filesystem::temp_directory_path() / "breach_bench_XXXXXX").string();
    if (mkdtemp(dir.data()) == nullptr) {
      fx->error = "mkdtemp failed";
      return fixture;
    }
    fx->temp_dir = dir;
    const std::string text = dir + "/corpus.txt";
    fx->path = dir + "/breach.filter";
    std::fprintf(stderr, "breach bench: generating and importing %llu entries in %s\n",
                 static_cast<unsigned long long>(entries), dir.c_str());
    if (!WriteCorpus(text, entries, seed)) {
      fx->error = "cannot write " + text;
      return fixture;
    }
    latchkey::Result<latchkey::BreachBuildStats> stats =
        latchkey::BuildBreachFilter(text, fx->path);
    std::filesystem::remove(text);
    if (!stats.ok()) {
      fx->error = stats.status().ToString();
      return fixture;
    }
  }
  latchkey::Result<BreachFilter> filter = BreachFilter::Open(fx->path);
  if (!filter.ok()) {
    fx->error = filter.status().ToString();
    return fixture;
  }
  fx->filter = std::make_unique<BreachFilter>(std::move(filter).value());
  // Present probes at random positions of the corpus, absent ones from another seed.
  fx->present.resize(kProbes);
  fx->absent.resize(kProbes);
  for (std::size_t i = 0; i < kProbes; ++i) {
    synth::SyntheticSha1(seed, synth::Finalize(i ^ 0xabcdef) % entries, fx->present[i].data());
    synth::SyntheticSha1(seed + kAbsentSeedOffset, i, fx->absent[i].data());
  }
  for (const auto& p : fx->present) {
    if (!fx->filter->MayContainSha1(p.data())) {
      fx->error = "a present hash was not found: wrong LATCHKEY_BREACH_ENTRIES or _SEED?";
      break;
    }
  }
  return fixture;
}

const Fixture& Get() {
  static const Fixture fixture = Load();
  return fixture;
}

void Lookups(benchmark::State& state, const std::vector<std::array<std::uint8_t, 20>>& probes) {
  const BreachFilter& filter = *Get().filter;
  std::size_t i = 0;
  std::uint64_t found = 0;
  for (auto _ : state) {
    found += filter.MayContainSha1(probes[i].data());
    i = (i + 1) & (kProbes - 1);
  }
  benchmark::DoNotOptimize(found);
  state.SetItemsProcessed(state.iterations());
  state.counters["entries"] = static_cast<double>(filter.entry_count());
  state.counters["file_MB"] = static_cast<double>(filter.file_size()) / 1e6;
  state.counters["hit_rate"] = static_cast<double>(found) / static_cast<double>(state.iterations());
}

bool Ready(benchmark::State& state) {
  if (!Get().error.empty()) {
    state.SkipWithError(Get().error.c_str());
    return false;
  }
  return true;
}

// Independent lookups: the processor overlaps several lookups' cache misses. This
// is the throughput of a server checking many passwords at once.
void BM_BreachLookupPresent(benchmark::State& state) {
  if (Ready(state)) Lookups(state, Get().present);
}
BENCHMARK(BM_BreachLookupPresent);

void BM_BreachLookupAbsent(benchmark::State& state) {
  if (Ready(state)) Lookups(state, Get().absent);
}
BENCHMARK(BM_BreachLookupAbsent);

// Each probe depends on the previous answer, so misses cannot overlap: the latency
// of one lookup (three random reads of the map).
void BM_BreachLookupLatency(benchmark::State& state) {
  if (!Ready(state)) return;
  const BreachFilter& filter = *Get().filter;
  const auto& probes = Get().absent;
  std::size_t i = 0;
  for (auto _ : state) {
    const bool hit = filter.MayContainSha1(probes[i].data());
    i = (i + 1 + hit) & (kProbes - 1);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BreachLookupLatency);

// With the SHA-1 of the password computed first (OpenSSL, low-level API).
void BM_BreachMayContainPassword(benchmark::State& state) {
  if (!Ready(state)) return;
  const BreachFilter& filter = *Get().filter;
  std::vector<std::string> passwords;
  for (int i = 0; i < 4096; ++i) passwords.push_back("correct-horse-" + std::to_string(i));
  std::size_t i = 0;
  std::uint64_t found = 0;
  for (auto _ : state) {
    found += filter.MayContainPassword(passwords[i]);
    i = (i + 1) & 4095;
  }
  benchmark::DoNotOptimize(found);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BreachMayContainPassword);

// Open() including the SHA-256 of the fingerprint region (page cache warm).
void BM_BreachOpen(benchmark::State& state) {
  if (!Ready(state)) return;
  for (auto _ : state) {
    latchkey::Result<BreachFilter> filter = BreachFilter::Open(Get().path);
    if (!filter.ok()) {
      state.SkipWithError(filter.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(filter->entry_count());
  }
  state.counters["file_MB"] = static_cast<double>(Get().filter->file_size()) / 1e6;
}
BENCHMARK(BM_BreachOpen)->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace
