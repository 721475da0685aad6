#include "core/rate_limiter.hpp"

#include <functional>

namespace latchkey {

RateLimiter::Shard& RateLimiter::ShardFor(const std::string& k) const {
  return shards_[std::hash<std::string>{}(k) % kShards];
}

Status RateLimiter::Take(std::string_view bucket, std::string_view key, const RateSpec& spec) {
  if (!spec.enabled()) return Status::Ok();
  std::string k(bucket);
  k.push_back('\0');
  k.append(key);
  const std::int64_t now = ToUnixMillis(clock_.Now());
  const std::int64_t period = std::chrono::duration_cast<Millis>(spec.period).count();
  const std::int64_t interval = period / spec.count > 0 ? period / spec.count : 1;
  Shard& shard = ShardFor(k);
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.tat.find(k);
  const std::int64_t tat = it == shard.tat.end() ? now : std::max(it->second, now);
  const std::int64_t allow_at = tat + interval - period;
  if (now < allow_at) {
    const std::int64_t wait_ms = allow_at - now;
    return Status::RateLimited(std::chrono::seconds((wait_ms + 999) / 1000));
  }
  if (it == shard.tat.end()) {
    if (shard.tat.size() >= max_keys_) {
      // Forget buckets that have refilled completely: remembering them changes nothing.
      for (auto e = shard.tat.begin(); e != shard.tat.end();) {
        e = e->second <= now ? shard.tat.erase(e) : std::next(e);
      }
      if (shard.tat.size() >= max_keys_) shard.tat.erase(shard.tat.begin());
    }
    shard.tat.emplace(std::move(k), tat + interval);
  } else {
    it->second = tat + interval;
  }
  return Status::Ok();
}

bool RateLimiter::WouldAllow(std::string_view bucket, std::string_view key,
                             const RateSpec& spec) const {
  if (!spec.enabled()) return true;
  std::string k(bucket);
  k.push_back('\0');
  k.append(key);
  const std::int64_t now = ToUnixMillis(clock_.Now());
  const std::int64_t period = std::chrono::duration_cast<Millis>(spec.period).count();
  const std::int64_t interval = period / spec.count > 0 ? period / spec.count : 1;
  Shard& shard = ShardFor(k);
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.tat.find(k);
  const std::int64_t tat = it == shard.tat.end() ? now : std::max(it->second, now);
  return now >= tat + interval - period;
}

}  // namespace latchkey
