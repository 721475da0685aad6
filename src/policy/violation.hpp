// Violation: one broken password rule, as every policy component reports it.
#pragma once

#include <string>

namespace latchkey {

struct Violation {
  std::string rule;     // stable snake_case id, e.g. "min_length", "banned_password"
  std::string message;  // for people; never names a banned term or quotes the password
};

}  // namespace latchkey
