// Smart lockout: the sign-in throttle per account, kept apart for familiar and
// unfamiliar networks, so that someone guessing from elsewhere cannot lock a
// person out of the network they always use (Entra's "familiar locations").
//
// Ten counted failures lock for a minute; every further counted failure while the
// count stays at the threshold locks again, for twice as long each time (up to a
// maximum). Typing the same wrong password again does not count twice: the last
// few wrong passwords are remembered as short keyed tags. A success clears the
// counts of its network class and remembers the network as familiar.
//
// Pure logic over an injected time: no I/O, no clock of its own.
#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace latchkey {

struct LockoutPolicy {
  int threshold = 10;
  Millis duration = std::chrono::seconds(60);
  Millis max_duration = std::chrono::hours(1);
  int remembered_wrong = 3;     // distinct wrong passwords remembered, per class
  int remembered_networks = 10; // networks remembered as familiar
};

struct LockoutState {
  struct Class {
    int failures = 0;
    int lockouts = 0;  // lockouts since the last success (the duration doubles with each)
    std::int64_t locked_until_ms = 0;
    std::vector<std::string> recent_wrong;  // tags of the last wrong passwords
  };
  std::array<Class, 2> classes;  // [0] familiar, [1] unfamiliar
  std::vector<std::string> networks;  // familiar network prefixes, newest first

  // Serialised form kept with the account ("" is a fresh state).
  std::string Encode() const;
  static LockoutState Decode(const std::string& text);
};

class SmartLockout {
 public:
  explicit SmartLockout(LockoutPolicy policy) : policy_(policy) {}

  // When the class is locked at `now`, until when.
  std::optional<TimePoint> LockedUntil(const LockoutState& s, bool familiar, TimePoint now) const;
  // Records a failed sign-in with the wrong password's tag. Returns whether it
  // counted (a repeated wrong password does not).
  bool RecordFailure(LockoutState& s, bool familiar, const std::string& wrong_tag, TimePoint now) const;
  // Records a success from `network` (a prefix such as "192.0.2.0/24").
  void RecordSuccess(LockoutState& s, bool familiar, const std::string& network) const;
  // Whether `network` is one the account signed in from before.
  static bool IsKnownNetwork(const LockoutState& s, const std::string& network);

  const LockoutPolicy& policy() const { return policy_; }

 private:
  LockoutPolicy policy_;
};

// The network a client address belongs to for familiarity: its /24 (IPv4) or /64
// (IPv6), as text. "" for an address that does not parse.
std::string NetworkOf(const std::string& ip);

}  // namespace latchkey
