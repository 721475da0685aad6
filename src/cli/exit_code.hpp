// CLI exit codes (contract): 0 ok, 1 rejected or invalid input, 2 usage error,
// 3 unavailable dependency (database, directory, mail relay).
#pragma once

#include "core/status.hpp"

namespace latchkey {

constexpr int kExitOk = 0;
constexpr int kExitRejected = 1;
constexpr int kExitUsage = 2;
constexpr int kExitUnavailable = 3;

int ExitCodeFor(const Status& status);

}  // namespace latchkey
