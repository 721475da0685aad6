// The portal's files (web/, built by Vite), compiled into the binary by
// cmake/embed_portal.cmake. Empty when the build had no Node.js: `/` then serves a
// page that says so.
#pragma once

#include <span>
#include <string_view>

namespace latchkey {

struct PortalAsset {
  std::string_view path;          // "/index.html", "/assets/index-3f2a1b.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view body;
};

std::span<const PortalAsset> PortalAssets();

}  // namespace latchkey
