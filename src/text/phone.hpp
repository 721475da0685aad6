// Phone numbers (libphonenumber): parse what people type, store E.164.
#pragma once

#include <string>
#include <string_view>

#include "core/status.hpp"

namespace latchkey {

struct PhoneNumber {
  std::string e164;        // "+447700900123"
  int country_code = 0;    // 44
  std::string region;      // "GB"
};

// Parses international ("+44 7700 900123") or, with `default_region` ("GB"),
// national ("07700 900123") input. kInvalidArgument with a message for people
// when it is not a valid number.
Result<PhoneNumber> ParsePhone(std::string_view text, std::string_view default_region);

}  // namespace latchkey
