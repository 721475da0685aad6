// Masking of contact details for display ("jo*****@m****.co.uk", "+44 ******* 44").
// The masks have a fixed number of stars so they do not reveal lengths.
#pragma once

#include <string>
#include <string_view>

namespace latchkey {

// "john.doe@mssociety.co.uk" -> "jo*****@m****.co.uk". Input need not be valid.
std::string MaskEmail(std::string_view address);
// E.164 "+447444444444" with country calling code 44 -> "+44 ******* 44".
std::string MaskPhone(std::string_view e164, int country_code);

}  // namespace latchkey
