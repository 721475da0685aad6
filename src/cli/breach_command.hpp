// `latchkey breach import FILE [--output PATH]`: builds the breached-password
// filter (policy/breach_filter.hpp) from a Pwned Passwords file. Free of CLI11 so
// that main.cpp only has to parse the arguments and call it.
#pragma once

#include <iosfwd>
#include <string>

namespace latchkey {

// Where the filter goes when --output is not given (relative to the working
// directory, like the other files under ./var).
inline constexpr const char* kDefaultBreachFilterPath = "./var/breach.filter";

// Builds the filter from `file` (SHA1:COUNT lines, plain or gzip) into `output`
// (kDefaultBreachFilterPath when empty), creating its directory if missing. On
// success prints entries, bytes and bytes per entry (one `name: value` per line) to
// `out`; on failure one `latchkey: ...` line to `err`, naming the file and, for a
// malformed input, the line.
// Returns the exit code (cli/exit_code.hpp): kExitOk; kExitRejected (1) for an
// unreadable, malformed or empty input; kExitUnavailable (3) when the output or the
// temporary spill file cannot be written.
int CmdBreachImport(const std::string& file, const std::string& output, std::ostream& out,
                    std::ostream& err);

}  // namespace latchkey
