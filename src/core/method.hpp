// Method: one way of verifying a person at a gate (Kratos's "strategy" shape).
//
// A flow offers the user's usable enrollments as gate options. For the option the
// user picks, the flow calls Begin (send a code, issue a challenge) and then Verify
// with the user's answer. The method keeps whatever it needs between the two calls
// in its own state blob inside the flow; the flow never looks inside it.
//
// For a phantom flow (unknown user) `enrollment` is null: the method must do the
// same work and give the same answers as for a real user, but never pass and never
// send anything.
#pragma once

#include <string>
#include <string_view>

#include "core/account.hpp"
#include "core/clock.hpp"
#include "core/enrollment.hpp"
#include "core/flow.hpp"
#include "core/message.hpp"
#include "core/method_kind.hpp"
#include "core/random.hpp"
#include "core/secret.hpp"
#include "core/status.hpp"

namespace latchkey {

class KeyRing;

// Sends a one-time code over a channel, inside the flow's transaction. The real
// sender queues a message in the outbox; a phantom flow gets one that sends nothing
// but applies the same limits.
class CodeSender {
 public:
  virtual ~CodeSender() = default;
  // kRateLimited when the destination has had too many codes recently.
  virtual Status SendCode(Channel channel, std::string_view to, std::string_view to_hint,
                          const SecretString& code, Millis lifetime) = 0;
};

// What the user typed or produced.
struct Answer {
  SecretString code;
};

struct GateContext {
  const Clock& clock;
  Random& random;
  const KeyRing& keys;
  const Flow& flow;
  const GateOption& option;
  CodeSender& sender;
  std::string& state;  // this option's blob, read and written by the method
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
  // lifetime is over), kVerifyFailed (wrong). Never throws.
  virtual Status Verify(GateContext& ctx, const Enrollment* enrollment, const Answer& answer) = 0;
};

}  // namespace latchkey
