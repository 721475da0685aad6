// Method: one way of verifying a person (Kratos's "strategy" shape), and Enroller:
// how a person registers it.
//
// At a gate, for the option the user picks, the caller (a flow, or sign-in) calls
// Begin (send a code, issue a challenge) and then Verify with the user's answer.
// The method keeps what it needs between the two calls in its own state blob; the
// caller never looks inside it. Verify may update the enrollment (a TOTP's last
// used time step, a security key's signature counter); the caller stores it when
// the verification succeeded.
//
// For a phantom flow (unknown user) `enrollment` is null: the method must do the
// same work and give the same answers as for a real user, but never pass and never
// send anything.
//
// Implementations are stateless apart from their configuration: thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/account.hpp"
#include "core/clock.hpp"
#include "core/enrollment.hpp"
#include "core/message.hpp"
#include "core/method_kind.hpp"
#include "core/random.hpp"
#include "core/secret.hpp"
#include "core/status.hpp"

namespace latchkey {

class KeyRing;

// Why a code is sent: each purpose has its own message template.
enum class CodePurpose : std::uint8_t {
  kReset,         // a self-service reset, unlock or activation gate ("reset_code")
  kRegistration,  // proving a newly registered address or number ("registration_code")
  kSignIn,        // a second factor at sign-in ("signin_code")
};

// Sends a one-time code over a channel. The real sender prepares an outbox message
// that the caller queues in the same transaction as its own change; a phantom
// flow's sender sends nothing but applies the same limits.
class CodeSender {
 public:
  virtual ~CodeSender() = default;
  // kRateLimited when the destination has had too many codes recently.
  virtual Status SendCode(CodePurpose purpose, Channel channel, std::string_view to,
                          std::string_view to_hint, const SecretString& code, Millis lifetime) = 0;
};

// What the user typed or produced: a code, or a JSON document (a WebAuthn
// assertion, security-question answers) as the client sent it.
struct Answer {
  Answer() = default;
  // Implicit on purpose: an Answer is most often just a code.
  Answer(SecretString c, std::string j = {})  // NOLINT(google-explicit-constructor)
      : code(std::move(c)), json(std::move(j)) {}
  SecretString code;
  std::string json;  // a JSON value as text; empty when the method takes a code
};

struct GateContext {
  const Clock& clock;
  Random& random;
  const KeyRing& keys;
  std::string_view scope;      // what the answer is bound to: a flow's id hash, a session's
  std::string_view option_id;  // the gate option within that scope
  CodeSender& sender;
  std::string& state;          // this option's blob, read and written by the method
  std::string* response = nullptr;  // Begin: a JSON object for the client (a challenge), or ""
};

class Method {
 public:
  virtual ~Method() = default;
  virtual MethodKind kind() const = 0;
  // Whether the enrollment can serve as a gate (registered and confirmed).
  virtual bool IsUsable(const Enrollment& enrollment) const = 0;
  // Sends the code or issues the challenge. Errors: kRateLimited.
  virtual Status Begin(GateContext& ctx, const Enrollment* enrollment) = 0;
  // Checks the answer. Errors: kOutOfOrder (nothing was begun), kExpired (the code's
  // lifetime is over), kVerifyFailed (wrong; counted against the user). Never throws.
  virtual Status Verify(GateContext& ctx, Enrollment* enrollment, const Answer& answer) = 0;
};

struct EnrollContext {
  const Clock& clock;
  Random& random;
  const KeyRing& keys;
  const Account& account;
  const std::vector<Enrollment>& existing;  // the account's other enrollments
  CodeSender& sender;
  std::string response;  // out: a JSON object merged into the client's answer, or ""
};

// Registration of a method by the person themselves ("security info"). Implemented
// by the methods people can register; the office phone, set by an administrator
// only, has none.
class Enroller {
 public:
  virtual ~Enroller() = default;
  virtual MethodKind kind() const = 0;
  // Starts a registration from the request body (a JSON object as text): validates
  // it, and returns the new enrollment, pending (a code was sent, a challenge
  // issued) or already active (nothing to prove). Its `pending` blob carries what
  // FinishEnroll needs. Errors: kInvalidArgument (with the field), kConflict (already
  // registered, or the per-kind maximum reached), kRateLimited.
  virtual Result<Enrollment> BeginEnroll(EnrollContext& ctx, std::string_view request_json) = 0;
  // Completes a pending registration with the verification body; on success the
  // enrollment is active (state, confirmed_at set, `pending` cleared). Errors:
  // kVerifyFailed (wrong code, bad credential), kExpired, kInvalidArgument.
  virtual Status FinishEnroll(EnrollContext& ctx, Enrollment& pending,
                              std::string_view request_json) = 0;
};

}  // namespace latchkey
