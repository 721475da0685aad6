// Enrollment: one registered verification method of an account ("security info").
#pragma once

#include <optional>
#include <string>

#include "core/account.hpp"
#include "core/clock.hpp"
#include "core/method_kind.hpp"
#include "core/secret.hpp"

namespace latchkey {

enum class EnrollmentState : std::uint8_t { kPending, kActive };

// Who registered the method: the user, an administrator (CLI/admin API, usable at
// once, as an Entra admin can), or a directory sync (candidate data only).
enum class EnrollmentSource : std::uint8_t { kUser, kAdmin, kDirectory };

std::string_view ToString(EnrollmentState state);
std::optional<EnrollmentState> ParseEnrollmentState(std::string_view text);
std::string_view ToString(EnrollmentSource source);
std::optional<EnrollmentSource> ParseEnrollmentSource(std::string_view text);

struct Enrollment {
  std::string id;  // random, stable
  AccountId account_id = 0;
  MethodKind kind = MethodKind::kEmail;
  EnrollmentState state = EnrollmentState::kPending;
  EnrollmentSource source = EnrollmentSource::kUser;
  std::string label;   // user-given name ("Work YubiKey")
  std::string hint;    // masked destination, safe to show
  SecretString secret; // decrypted method data: address, E.164 number, key. Encrypted at rest.
  SecretString pending;  // an unfinished registration's state (a code's hash, a challenge)
  std::string lookup;  // keyed hash of the destination (duplicate and per-destination checks)
  TimePoint created_at{};
  std::optional<TimePoint> confirmed_at;
  std::optional<TimePoint> last_used_at;
};

}  // namespace latchkey
