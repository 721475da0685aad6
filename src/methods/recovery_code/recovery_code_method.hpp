// Recovery codes: a set of single-use codes the person keeps on paper or in a
// password manager, for when every other method is lost (NIST SP 800-63B
// "look-up secrets"; R4's "saved recovery codes").
//
// Registration: BeginEnroll `{}` draws `count` codes of 16 characters from a
// 32-symbol alphabet without look-alikes (80 bits each), answers with them once
// (`"codes"`, grouped "XXXX-XXXX-XXXX-XXXX"), and returns an enrollment that is
// active at once and holds only their keyed hashes. There is nothing to confirm
// (FinishEnroll answers kOutOfOrder).
//
// One set per account: registering again is "regenerate". The new enrollment
// replaces the old one, and the caller must delete the account's other
// recovery_code enrollments in the same transaction that inserts the new one, so
// that the old codes stop working the moment the new ones are shown.
//
// Gate use: Begin sends nothing; Verify compares the typed code with every code
// of the set in constant time and marks the one that matched as spent in the
// enrollment's secret, and updates the hint ("7 of 10 left"): the caller stores
// the enrollment after a successful Verify. A spent code fails with the reason
// "code_used". A set with no codes left is not usable. Throttling is the
// caller's: flows count wrong answers like any other.
#pragma once

#include <memory>
#include <string_view>

#include "core/method.hpp"
#include "core/typed_code.hpp"

namespace latchkey {

struct RecoveryCodeOptions {
  int count = 10;  // codes per set
};

// Symbols of core/typed_code.hpp (32, 5 bits each).
inline constexpr std::string_view kRecoveryCodeAlphabet = kTypedCodeAlphabet;
inline constexpr int kRecoveryCodeLength = 16;  // symbols: 80 bits

// The returned object implements both Method and Enroller.
std::unique_ptr<Method> MakeRecoveryCodeMethod(const RecoveryCodeOptions& options);

}  // namespace latchkey
