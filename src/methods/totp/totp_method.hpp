// The authenticator-app method (TOTP, RFC 6238).
//
// Registration: BeginEnroll `{"name"?}` draws a key from the injected Random (the
// CSPRNG in production) of the HMAC's output size (160 bits for SHA-1), stores it
// with the parameters in the enrollment's `secret` (sealed at rest by the store),
// and answers with the otpauth:// URI, its QR code as SVG and the key as text for
// typing in. FinishEnroll `{"code"}` activates the enrollment once a code from the
// app verifies (wrong codes may be retried until the registration window ends).
//
// Gate use: Begin sends and stores nothing (the app makes the code); Verify accepts
// a code of the current time step or one step either side (clock drift and typing
// time), and each code only once: the last accepted step is kept in the
// enrollment's secret, and a code of that step or an earlier one is refused with
// the reason "code_reused". The caller stores the enrollment after a successful
// Verify (and FinishEnroll), so that the step is remembered.
//
// The parameters are fixed per enrollment at registration: changing the settings
// later affects new registrations only.
#pragma once

#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/method.hpp"
#include "methods/totp/totp.hpp"

namespace latchkey {

struct TotpMethodOptions {
  totp::Params params;              // SHA-1, 6 digits, 30 s by default
  std::string issuer = "Latchkey";  // shown by the app above the account
  int max_per_account = 5;          // active apps plus registrations in progress
  // How long a started registration may take to be confirmed with a first code.
  Millis registration_lifetime = std::chrono::minutes(15);
};

// Accepted steps either side of the current one.
inline constexpr int kTotpSkewSteps = 1;

// The returned object implements both Method and Enroller.
std::unique_ptr<Method> MakeTotpMethod(const TotpMethodOptions& options);

}  // namespace latchkey
