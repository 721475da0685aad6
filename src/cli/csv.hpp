// RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF line ends, a UTF-8 BOM.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace latchkey {

struct CsvRecord {
  int line = 0;  // the line the record starts on (1-based), for error messages
  std::vector<std::string> fields;
};

// kInvalidArgument naming the line for an unterminated quote or text after a
// closing quote. Blank lines are skipped.
Result<std::vector<CsvRecord>> ParseCsv(std::string_view text);

}  // namespace latchkey
