// Which gate options a flow may use next. Pure functions over a Flow, so that the
// rules read in one place and are tested without a store.
//
// 1. A gate already passed is not offered again.
// 2. The gates of one flow are different methods: different kinds, and a text and
//    a call to the mobile count as one method (Entra's "mobile phone").
// 3. A reset must not bypass MFA: when the person has a strong method (an
//    authenticator app or a security key), one of the gates must be strong. Recovery
//    codes count as strong here, as they do at sign-in: they are the backup of the
//    strong method, issued only to someone who had already signed in with it.
// 4. A secondary-only method (security questions) is never the only gate: with one
//    gate it is not offered; with two, the other one must not be secondary-only.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/flow.hpp"
#include "core/status.hpp"

namespace latchkey {

struct GateRules {
  bool require_strong = true;                        // rule 3 ([flows] require_strong_gate)
  std::function<bool(MethodKind)> secondary_only;    // rule 4; empty: none is
};

bool IsStrongGate(MethodKind kind);

// Ok, or InvalidArgument "method_not_allowed" saying what to choose instead.
Status CheckGate(const Flow& flow, const GateOption& option, const GateRules& rules);

// The ids of the options CheckGate accepts now, in the flow's order; none once
// every gate is passed.
std::vector<std::string> OfferedOptions(const Flow& flow, const GateRules& rules);

// Removes the options that can never be used in a flow of this many gates (a
// secondary-only method when one gate is required), so that they are not shown.
void DropUnusableOptions(Flow& flow, const GateRules& rules);

}  // namespace latchkey
