// latchkey_breach_tool: the pieces of bench/breach_import.sh that need C++.
//   generate N PATH [SEED]  write N synthetic SHA1:COUNT lines (bench/breach_synth.hpp)
//   import INPUT OUTPUT     run the CLI's import (CmdBreachImport), then print the
//                           process's peak resident set size
//   open FILTER             time BreachFilter::Open: best of 3 warm, then once
//                           after evicting the file from the page cache
//   check FILTER N [SEED]   look up entries 0..N-1 of the corpus (all must be found)
//                           and N absent hashes; print the false-positive rate
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "breach_synth.hpp"
#include "cli/breach_command.hpp"
#include "policy/breach_filter.hpp"

namespace {

using latchkey::BreachFilter;
namespace synth = latchkey::breach_bench;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kDefaultSeed = 1;
constexpr std::uint64_t kAbsentSeedOffset = 0x5eed;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string PeakRss() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return line.substr(6);
  }
  return " unknown";
}

int Generate(std::uint64_t n, const std::string& path, std::uint64_t seed) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::perror(path.c_str());
    return 3;
  }
  constexpr std::size_t kBuffer = 4 << 20;
  std::unique_ptr<char[]> buf(new char[kBuffer]);
  std::size_t used = 0;
  std::uint64_t bytes = 0;
  const Clock::time_point t0 = Clock::now();
  for (std::uint64_t i = 0; i < n; ++i) {
    used = static_cast<std::size_t>(synth::FormatLine(seed, i, buf.get() + used) - buf.get());
    if (used > kBuffer - 64 || i + 1 == n) {
      for (std::size_t off = 0; off < used;) {
        const ssize_t w = ::write(fd, buf.get() + off, used - off);
        if (w < 0) {
          std::perror(path.c_str());
          ::close(fd);
          return 3;
        }
        off += static_cast<std::size_t>(w);
      }
      bytes += used;
      used = 0;
    }
  }
  if (::close(fd) != 0) {
    std::perror(path.c_str());
    return 3;
  }
  std::printf("generated: %llu lines, %llu bytes in %.2f s\n", static_cast<unsigned long long>(n),
              static_cast<unsigned long long>(bytes), Since(t0));
  return 0;
}

// Drops the file's pages from the page cache (this file only), so the next Open
// reads it from disk.
bool Evict(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fdatasync(fd) == 0 && ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0;
  ::close(fd);
  return ok;
}

int Open(const std::string& path) {
  double best = 1e9;
  for (int i = 0; i < 3; ++i) {
    const Clock::time_point t0 = Clock::now();
    latchkey::Result<BreachFilter> filter = BreachFilter::Open(path);
    const double s = Since(t0);
    if (!filter.ok()) {
      std::cerr << filter.status().ToString() << "\n";
      return 1;
    }
    if (s < best) best = s;
    if (i == 0) {
      std::printf("entries: %llu\nbytes: %llu\npartitions: %u\n",
                  static_cast<unsigned long long>(filter->entry_count()),
                  static_cast<unsigned long long>(filter->file_size()), filter->partition_count());
    }
  }
  std::printf("open seconds, page cache warm (best of 3): %.3f\n", best);
  if (Evict(path)) {
    const Clock::time_point t0 = Clock::now();
    latchkey::Result<BreachFilter> filter = BreachFilter::Open(path);
    const double s = Since(t0);
    if (filter.ok()) std::printf("open seconds, file evicted from the page cache first: %.3f\n", s);
  }
  return 0;
}

int Check(const std::string& path, std::uint64_t n, std::uint64_t seed) {
  latchkey::Result<BreachFilter> filter = BreachFilter::Open(path);
  if (!filter.ok()) {
    std::cerr << filter.status().ToString() << "\n";
    return 1;
  }
  std::uint8_t sha1[20];
  std::uint64_t missing = 0;
  std::uint64_t false_positives = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    synth::SyntheticSha1(seed, i, sha1);
    missing += !filter->MayContainSha1(sha1);
    synth::SyntheticSha1(seed + kAbsentSeedOffset, i, sha1);
    false_positives += filter->MayContainSha1(sha1);
  }
  std::printf(
      "checked: %llu present, %llu absent\nfalse negatives: %llu\n"
      "false positives: %llu (rate %.3g; 2^-16 = %.3g)\n",
      static_cast<unsigned long long>(n), static_cast<unsigned long long>(n),
      static_cast<unsigned long long>(missing), static_cast<unsigned long long>(false_positives),
      static_cast<double>(false_positives) / static_cast<double>(n), 1.0 / 65536);
  return missing == 0 ? 0 : 1;
}

int Usage() {
  std::cerr << "usage: latchkey_breach_tool generate N PATH [SEED]\n"
               "       latchkey_breach_tool import INPUT OUTPUT\n"
               "       latchkey_breach_tool open FILTER\n"
               "       latchkey_breach_tool check FILTER N [SEED]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return Usage();
  const std::string mode = argv[1];
  if (mode == "generate" && (argc == 4 || argc == 5)) {
    return Generate(std::strtoull(argv[2], nullptr, 10), argv[3],
                    argc == 5 ? std::strtoull(argv[4], nullptr, 10) : kDefaultSeed);
  }
  if (mode == "import" && argc == 4) {
    const int rc = latchkey::CmdBreachImport(argv[2], argv[3], std::cout, std::cerr);
    std::cout << "peak rss:" << PeakRss() << "\n";
    return rc;
  }
  if (mode == "open" && argc == 3) return Open(argv[2]);
  if (mode == "check" && (argc == 4 || argc == 5)) {
    return Check(argv[2], std::strtoull(argv[3], nullptr, 10),
                 argc == 5 ? std::strtoull(argv[4], nullptr, 10) : kDefaultSeed);
  }
  return Usage();
}
