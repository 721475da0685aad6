// AccountAdmin: what an administrator does to accounts (the CLI now, the admin
// API later): create, import, show and list, each audited with the actor.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/account.hpp"
#include "core/enrollment.hpp"
#include "core/secret.hpp"
#include "core/status.hpp"

namespace latchkey {

class Clock;
class KeyRing;
class MethodRegistry;
class PasswordHistory;
class PasswordHasher;
class PasswordPolicy;
class Random;
class Store;

struct AccountSpec {
  std::string username;
  std::string display_name;
  std::string email;  // registers an alternate email, usable at once (admin-verified)
  std::string phone;  // registers a mobile phone (SMS), usable at once
  std::optional<SecretString> password;
  // Created as pending_activation (no password): the person activates it with a
  // code from IssueActivation.
  bool pending_activation = false;
};

struct MethodSummary {
  std::string id;
  MethodKind kind = MethodKind::kEmail;
  EnrollmentState state = EnrollmentState::kPending;
  EnrollmentSource source = EnrollmentSource::kUser;
  std::string hint;
  std::string label;
  TimePoint created_at{};
  std::optional<TimePoint> last_used_at;
};

struct AccountDetails {
  Account account;
  std::vector<MethodSummary> methods;
  bool registered = false;  // at least one method usable as a reset gate
};

enum class UpsertOutcome { kCreated, kUpdated, kUnchanged };

struct IssuedActivation {
  Account account;
  SecretString code;     // shown once, grouped ("ABCD-EFGH-JKMN-PQRS"); only a keyed hash is kept
  TimePoint expires_at{};
  std::string email;     // the account's first confirmed alternate email, or ""
  std::string email_hint;
};

// The keyed hash an activation code is kept as, bound to the account.
std::string ActivationDigest(const KeyRing& keys, AccountId account, std::string_view canonical_code);
inline constexpr int kActivationCodeLength = 16;  // symbols of core/typed_code.hpp: 80 bits

class AccountAdmin {
 public:
  AccountAdmin(Store& store, const PasswordHasher& hasher, const PasswordPolicy& policy,
               const PasswordHistory& history, const MethodRegistry& methods, const KeyRing& keys,
               const Clock& clock, Random& random, std::string default_region,
               std::string organisation = {});

  // Checks a spec without writing: username, email address, phone number and
  // password policy. Every problem is returned (field = "username", "email", ...).
  std::vector<Status> Validate(const AccountSpec& spec) const;

  // Creates an account. kConflict when the username exists; the Validate errors.
  Result<Account> Add(const AccountSpec& spec, std::string_view actor);
  // Creates, or updates the display name and adds missing contact methods.
  Result<UpsertOutcome> Upsert(const AccountSpec& spec, std::string_view actor);

  // A new one-time activation code for an account waiting for activation
  // (pending_activation): any earlier code stops working. kNotFound, or
  // kInvalidArgument "already_active" for an account that is not pending.
  Result<IssuedActivation> IssueActivation(std::string_view username, Millis lifetime,
                                           std::string_view actor);

  // kNotFound when there is no such account.
  Result<AccountDetails> Show(std::string_view username);
  Result<std::vector<AccountDetails>> List(int limit, int offset);

 private:
  Result<Enrollment> EmailEnrollment(const std::string& address, AccountId account) const;
  Result<Enrollment> PhoneEnrollment(const std::string& phone, AccountId account) const;
  Result<AccountDetails> Details(Account account, std::vector<Enrollment> enrollments) const;

  Store& store_;
  const PasswordHasher& hasher_;
  const PasswordPolicy& policy_;
  const PasswordHistory& history_;
  const MethodRegistry& methods_;
  const KeyRing& keys_;
  const Clock& clock_;
  Random& random_;
  const std::string default_region_;
  const std::string organisation_;
};

}  // namespace latchkey
