// RateLimiter: token buckets per (bucket, key), in memory.
//
// A RateSpec of N per period allows a burst of N, then refills at N per period
// (GCRA). Memory is bounded: when a shard holds too many keys, keys whose bucket
// is full again (nothing left to remember) are dropped first.
//
// The state is per process. Behind a load balancer each node limits on its own,
// so an operator divides the limits by the number of nodes (docs/security.md).
// Thread-safe.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.hpp"
#include "core/status.hpp"

namespace latchkey {

// "N/period", e.g. "5/10m". count 0 = no limit.
struct RateSpec {
  int count = 0;
  std::chrono::seconds period{0};
  bool enabled() const { return count > 0 && period.count() > 0; }
};

class RateLimiter {
 public:
  explicit RateLimiter(const Clock& clock, std::size_t max_keys_per_shard = 65536)
      : clock_(clock), max_keys_(max_keys_per_shard) {}

  // Takes one token from the bucket of `key`. Ok, or kRateLimited with the time
  // until a token is available. A disabled spec always allows.
  Status Take(std::string_view bucket, std::string_view key, const RateSpec& spec);
  // Whether Take would succeed, without taking.
  bool WouldAllow(std::string_view bucket, std::string_view key, const RateSpec& spec) const;

 private:
  static constexpr std::size_t kShards = 16;
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, std::int64_t> tat;  // theoretical arrival time, ms
  };
  Shard& ShardFor(const std::string& k) const;

  const Clock& clock_;
  const std::size_t max_keys_;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace latchkey
