// A QR code as a self-contained SVG image (libqrencode draws the modules; the
// SVG is written here).
#pragma once

#include <string>
#include <string_view>

#include "core/status.hpp"

namespace latchkey {

// The QR code of `text` (byte mode, error correction level M, the smallest
// version that holds it) as an SVG document: dark modules on white with the
// four-module quiet zone the standard asks for, `role="img"` and a <title>
// (`title`, XML-escaped) that screen readers announce. kInvalidArgument when the
// text does not fit in a QR code; kInternal when libqrencode fails otherwise.
Result<std::string> QrSvg(std::string_view text, std::string_view title);

// `text` with &, <, >, " and ' replaced by entities.
std::string XmlEscape(std::string_view text);

}  // namespace latchkey
