// One-time codes sent over a channel (email now; SMS and voice share it).
//
// A code is `length` random digits. Only its keyed hash is kept (HMAC-SHA-256
// under the service's code key, bound to the flow and the gate option), so a copy
// of the database does not reveal codes, and 20-bit codes cannot be brute-forced
// offline. A new code replaces the previous one for that option; each code is
// accepted once.
#pragma once

#include <string>

#include "core/clock.hpp"
#include "core/method.hpp"

namespace latchkey {

struct CodeOptions {
  int length = 6;
  Millis lifetime = std::chrono::minutes(10);
};

// Draws a code, keeps its keyed hash (bound to `scope` and `option_id`) and its
// expiry in the returned blob, and hands the code to `sender`. `to` is the
// destination (empty for phantoms, whose sender sends nothing).
Result<std::string> IssueCode(const Clock& clock, Random& random, const KeyRing& keys,
                              std::string_view scope, std::string_view option_id,
                              CodeSender& sender, CodePurpose purpose, const CodeOptions& options,
                              Channel channel, std::string_view to, std::string_view to_hint);

// Checks `typed` against the blob, in constant time, and spends the code on success
// (the blob is updated). `phantom` forces failure after doing the same work.
// Errors: kOutOfOrder (no code issued), kExpired, kVerifyFailed ("wrong_code",
// "code_used").
Status CheckCode(const Clock& clock, const KeyRing& keys, std::string_view scope,
                 std::string_view option_id, std::string& blob, const SecretString& typed,
                 bool phantom);

// The same two for a gate.
Status IssueCode(GateContext& ctx, CodePurpose purpose, const CodeOptions& options,
                 Channel channel, std::string_view to, std::string_view to_hint);
Status CheckCode(GateContext& ctx, const Answer& answer, bool phantom);

// The keyed hash of a code for a scope and option (exposed for tests).
std::string CodeHash(const KeyRing& keys, std::string_view scope, std::string_view option_id,
                     std::string_view code);

}  // namespace latchkey
