// Time as an injected dependency. Expiry, lockout windows, code lifetimes and rate
// limits all read a Clock, so tests can pin and advance time without sleeping.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace latchkey {

using TimePoint = std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds>;
using Millis = std::chrono::milliseconds;

// Milliseconds since the Unix epoch: the representation used in the store.
inline std::int64_t ToUnixMillis(TimePoint t) { return t.time_since_epoch().count(); }
inline TimePoint FromUnixMillis(std::int64_t ms) { return TimePoint(Millis(ms)); }

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time. Thread-safe in every implementation.
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override {
    return std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
  }
};

// A clock that only moves when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start = FromUnixMillis(1'767'225'600'000))  // 2026-01-01
      : now_ms_(ToUnixMillis(start)) {}
  TimePoint Now() const override { return FromUnixMillis(now_ms_.load()); }
  void Advance(Millis delta) { now_ms_ += delta.count(); }
  void Set(TimePoint t) { now_ms_ = ToUnixMillis(t); }

 private:
  std::atomic<std::int64_t> now_ms_;
};

}  // namespace latchkey
