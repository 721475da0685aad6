// Internal to src/store: the JSON form of a flow's variable data (gate options,
// passed gates, method blobs), kept in the flows.data column.
#pragma once

#include <string>

#include "core/flow.hpp"
#include "core/session.hpp"
#include "core/status.hpp"

namespace latchkey {

std::string EncodeFlowData(const Flow& flow);
// The same for a session's variable data (second-factor options and method blobs).
std::string EncodeSessionData(const Session& session);
Status DecodeSessionData(const std::string& json, Session& session);
// Fills options, passed, active_option and method_state. kInternal when malformed.
Status DecodeFlowData(const std::string& json, Flow& flow);

}  // namespace latchkey
