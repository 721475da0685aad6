#include "cli/exit_code.hpp"

namespace latchkey {

int ExitCodeFor(const Status& status) {
  if (status.ok()) return kExitOk;
  return status.code() == Errc::kUnavailable ? kExitUnavailable : kExitRejected;
}

}  // namespace latchkey
