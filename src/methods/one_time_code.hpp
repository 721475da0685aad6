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

// Issues a code into ctx.state and hands it to ctx.sender (a phantom flow's sender
// sends nothing). `to` is the destination (empty for phantoms).
Status IssueCode(GateContext& ctx, const CodeOptions& options, Channel channel,
                 std::string_view to, std::string_view to_hint);

// Checks `answer.code` against ctx.state, in constant time. Spends the code on
// success. `phantom` forces failure after doing the same work.
Status CheckCode(GateContext& ctx, const Answer& answer, bool phantom);

// The keyed hash of a code for a flow and option (exposed for tests).
std::string CodeHash(const KeyRing& keys, std::string_view flow_id_hash,
                     std::string_view option_id, std::string_view code);

}  // namespace latchkey
