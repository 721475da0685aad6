// Phone numbers (libphonenumber): parse what people type, store E.164.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.hpp"

namespace latchkey {

// What kind of line a number is, as far as the numbering plan tells.
enum class PhoneLineType : std::uint8_t {
  kMobile,
  kFixedLine,
  kFixedLineOrMobile,  // the plan does not tell (US, Canada)
  kVoip,
  kTollFree,
  kPremiumRate,
  kSharedCost,
  kPersonalNumber,  // follow-me numbers (UK 070): forwarded anywhere, often at a premium
  kUan,             // "universal access" numbers of companies
  kPager,
  kVoicemail,
  kUnknown,
};

struct PhoneNumber {
  std::string e164;        // "+447700900123"
  int country_code = 0;    // 44
  std::string region;      // "GB"
  PhoneLineType type = PhoneLineType::kUnknown;
};

// Parses international ("+44 7700 900123") or, with `default_region` ("GB"),
// national ("07700 900123") input. kInvalidArgument with a message for people
// when it is not a valid number.
Result<PhoneNumber> ParsePhone(std::string_view text, std::string_view default_region);

// The country calling code of a region ("GB" -> 44), or 0 for an unknown region.
int CallingCodeForRegion(std::string_view region);

}  // namespace latchkey
