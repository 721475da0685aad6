// SignInService: signing in to the portal, the second factor, and sessions.
//
//   POST /session (username + password)
//     -> active                      (no strong method, or from a trusted network)
//     -> second_factor_required      -> challenge/verify a strong method -> active
//
// Passwords are checked by the directory. Failures feed the smart lockout of the
// account (core/lockout.hpp); unknown usernames get the same treatment from an
// in-memory table and the same answers, so sign-in does not reveal which names
// exist. A session has an idle and an absolute lifetime and can be revoked; a
// sensitive change needs a proof (password or second factor) from the last few
// minutes (IsFresh).
//
// Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/cidr.hpp"
#include "core/clock.hpp"
#include "core/lockout.hpp"
#include "core/method.hpp"
#include "core/rate_limiter.hpp"
#include "core/session.hpp"
#include "core/status.hpp"

namespace latchkey {

class Directory;
class KeyRing;
class MessageTemplates;
class MethodRegistry;
class PasswordHasher;
class Store;
class Tx;

struct SignInSettings {
  Millis idle = std::chrono::minutes(30);       // NIST AAL2: 30 minutes idle
  Millis absolute = std::chrono::hours(12);     // NIST AAL2: 12 hours
  Millis second_factor_window = std::chrono::minutes(10);
  Millis fresh = std::chrono::minutes(5);       // a sensitive change needs a proof this recent
  std::vector<Cidr> trusted;                    // "inside": no second factor asked
  RateSpec signin_per_ip{20, std::chrono::minutes(1)};
  LockoutPolicy lockout;
  int max_second_factor_failures = 5;
  std::size_t max_phantom_entries = 100000;
};

struct SignInDeps {
  Store& store;
  Directory& directory;
  const Clock& clock;
  Random& random;
  const KeyRing& keys;
  RateLimiter& limiter;
  const MethodRegistry& methods;
  const PasswordHasher& hasher;  // a decoy verification for unknown usernames
};

struct SessionView {
  std::string token;  // only when the session was just created
  Session session;
  Account account;
  std::string challenge;  // a method's challenge for the client (JSON object), or ""
};

class SignInService {
 public:
  SignInService(SignInDeps deps, SignInSettings settings);

  // Errors: kInvalidArgument (malformed username), kUnauthenticated
  // ("invalid_credentials": wrong password, unknown or disabled account — one
  // answer for all), kRateLimited ("account_locked" with the time until it
  // unlocks, or per client address), kUnavailable.
  Result<SessionView> SignIn(std::string_view username, const SecretString& password,
                             std::string_view ip);

  // The session behind a cookie's token, refreshed (idle timeout). kUnauthenticated
  // for an unknown, expired or revoked one. Any state: callers check.
  Result<SessionView> Resolve(std::string_view token, std::string_view ip);

  // Second factor: a challenge (a security key's options) and its verification.
  // kOutOfOrder when the session is not waiting for one; kUnauthenticated when too
  // many wrong answers ended it.
  Result<SessionView> ChallengeSecondFactor(std::string_view token, std::string_view option_id,
                                            std::string_view ip);
  Result<SessionView> VerifySecondFactor(std::string_view token, std::string_view option_id,
                                         const Answer& answer, std::string_view ip);

  // Renews the proof of an active session with the password (for a sensitive change).
  Result<SessionView> Reauthenticate(std::string_view token, const SecretString& password,
                                     std::string_view ip);

  Status SignOut(std::string_view token, std::string_view ip);
  // Ends every session of the account except `keep_id_hash` (after a password change).
  Result<int> RevokeOthers(Tx& tx, AccountId account, std::string_view keep_id_hash);

  // Whether the session's last proof is recent enough for a sensitive change.
  bool IsFresh(const Session& s) const;

  const SignInSettings& settings() const { return settings_; }

 private:
  Status CheckPassword(const Account* account, const SecretString& password);
  std::vector<GateOption> SecondFactorOptions(const std::vector<Enrollment>& enrollments) const;
  void Audit(Tx& tx, std::optional<AccountId> account, const std::string& subject,
             std::string_view event, std::string_view outcome, std::string_view reason,
             std::string_view method, std::string_view ip);
  Result<SessionView> LoadActiveOrPending(std::string_view token);

  SignInDeps d_;
  SignInSettings settings_;
  SmartLockout lockout_;
  std::once_flag decoy_once_;
  std::string decoy_hash_;
  std::mutex phantom_mu_;
  std::unordered_map<std::string, LockoutState> phantom_;  // username key -> state
};

// The cookie's token's storage key.
std::string SessionIdHash(std::string_view token);

}  // namespace latchkey
