#include "methods/totp/qr_svg.hpp"

#include <qrencode.h>

#include <cerrno>
#include <memory>

namespace latchkey {
namespace {

constexpr int kQuietZone = 4;     // modules of white around the symbol (ISO/IEC 18004)
constexpr int kModulePixels = 6;  // the image's intrinsic size; CSS may scale it

struct QrFree {
  void operator()(QRcode* qr) const { QRcode_free(qr); }
};

}  // namespace

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

Result<std::string> QrSvg(std::string_view text, std::string_view title) {
  errno = 0;
  std::unique_ptr<QRcode, QrFree> qr(
      QRcode_encodeData(static_cast<int>(text.size()),
                        reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M));
  if (!qr) {
    if (errno == ERANGE) {
      return Status::InvalidArgument("qr_too_long", "The text is too long for a QR code.");
    }
    return Status::Internal("QRcode_encodeData failed");
  }
  const int width = qr->width;
  const int size = width + 2 * kQuietZone;
  const std::string px = std::to_string(size * kModulePixels);
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" viewBox=\"0 0 " +
                    std::to_string(size) + " " + std::to_string(size) + "\" width=\"" + px +
                    "\" height=\"" + px +
                    "\" role=\"img\" aria-labelledby=\"qr-title\" shape-rendering=\"crispEdges\">";
  svg += "<title id=\"qr-title\">" + XmlEscape(title) + "</title>";
  svg += "<rect width=\"" + std::to_string(size) + "\" height=\"" + std::to_string(size) +
         "\" fill=\"#fff\"/><path fill=\"#000\" d=\"";
  // One rectangle per horizontal run of dark modules (bit 0 of each byte).
  for (int y = 0; y < width; ++y) {
    for (int x = 0; x < width;) {
      if ((qr->data[y * width + x] & 1) == 0) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < width && (qr->data[y * width + x + run] & 1) != 0) ++run;
      svg += "M" + std::to_string(x + kQuietZone) + " " + std::to_string(y + kQuietZone) + "h" +
             std::to_string(run) + "v1h-" + std::to_string(run) + "z";
      x += run;
    }
  }
  svg += "\"/></svg>";
  return svg;
}

}  // namespace latchkey
