// A self-hosted proof-of-work CAPTCHA compatible with the ALTCHA protocol (the npm
// `altcha` widget solves it in the browser): no third-party service, nothing sent
// anywhere.
//
// A challenge is SHA-256(salt ‖ secret number) with the number below `maxnumber`,
// HMAC-signed by the service; the client finds the number by trying them all (on
// average maxnumber/2 hashes) and sends back a base64 JSON payload. The salt carries
// an expiry ("?expires=<unix seconds>"), and each solved challenge is accepted once.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.hpp"
#include "core/random.hpp"
#include "core/status.hpp"
#include "crypto/keys.hpp"

namespace latchkey {

// Remembers solved challenges until they expire, so that none is used twice.
class ReplayGuard {
 public:
  virtual ~ReplayGuard() = default;
  // False when `challenge` was seen before (and has not expired yet).
  virtual bool MarkUsed(std::string_view challenge, TimePoint expires_at) = 0;
};

// In memory, for one process (behind a load balancer with several nodes, a solved
// challenge could be replayed once on each node before it expires: minutes).
class MemoryReplayGuard final : public ReplayGuard {
 public:
  explicit MemoryReplayGuard(const Clock& clock, std::size_t max_entries = 200000)
      : clock_(clock), max_(max_entries) {}
  bool MarkUsed(std::string_view challenge, TimePoint expires_at) override;

 private:
  const Clock& clock_;
  const std::size_t max_;
  std::mutex mu_;
  std::unordered_map<std::string, std::int64_t> seen_;  // challenge -> expiry (ms)
};

struct AltchaOptions {
  std::int64_t max_number = 100000;               // difficulty: ~50,000 SHA-256 on average
  Millis lifetime = std::chrono::minutes(10);     // how long a challenge may be solved
};

class Altcha {
 public:
  Altcha(const Key32& key, const Clock& clock, Random& random, AltchaOptions options,
         ReplayGuard& replay)
      : key_(key), clock_(clock), random_(random), o_(options), replay_(replay) {}

  // A new challenge as the JSON object the widget fetches:
  // {"algorithm":"SHA-256","challenge","maxnumber","salt","signature"}.
  std::string NewChallengeJson();

  // Checks a solution (the widget's base64 JSON payload). Errors, all
  // kInvalidArgument with field "captcha" except where noted: "captcha_missing",
  // "captcha_invalid" (malformed, wrong algorithm, wrong number, bad signature),
  // "captcha_expired" (kExpired), "captcha_replayed".
  Status Verify(std::string_view payload_base64);

  // The challenge for a given salt and number (exposed for tests and solvers).
  static std::string ChallengeOf(std::string_view salt, std::int64_t number);

 private:
  const Key32& key_;
  const Clock& clock_;
  Random& random_;
  const AltchaOptions o_;
  ReplayGuard& replay_;
};

}  // namespace latchkey
