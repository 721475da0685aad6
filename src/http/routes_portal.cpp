// The web portal: its files at / (compiled in, src/http/portal_assets.hpp) and the
// branding it reads at run time (GET /api/v1/branding).
#include <string_view>

#include "http/http_internal.hpp"
#include "http/portal_assets.hpp"

namespace latchkey::http {
namespace {

// Served when the binary was built without Node.js (no portal compiled in).
constexpr const char* kNoPortalPage = R"HTML(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Latchkey</title></head>
<body><main><h1>Latchkey</h1>
<p>The self-service password reset API is running at <code>/api/v1</code>.</p>
<p>This binary was built without the web portal (Node.js and npm were not found):
run <code>scripts/install-deps.sh</code> and build again.</p>
<p>Health: <a href="/healthz">/healthz</a>, readiness: <a href="/readyz">/readyz</a>.</p>
</main></body></html>
)HTML";

void Serve(httplib::Response& res, const PortalAsset& asset, bool immutable) {
  // Vite names every asset after a hash of its content: those never change under
  // their name. index.html names the current ones, so it is revalidated each time.
  res.set_header("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
  res.set_content(asset.body.data(), asset.body.size(), std::string(asset.content_type));
}

const PortalAsset* Find(std::string_view path) {
  for (const PortalAsset& a : PortalAssets()) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

}  // namespace

void RegisterPortalRoutes(httplib::Server& server, Context& ctx) {
  server.Get("/api/v1/branding", [&ctx](const httplib::Request&, httplib::Response& res) {
    SendJson(res, 200,
             {{"organisation_name", ctx.options.organisation},
              {"helpdesk_contact", ctx.options.helpdesk_contact},
              {"primary_colour", ctx.options.primary_colour}});
  });

  server.Get("/", [](const httplib::Request&, httplib::Response& res) {
    if (const PortalAsset* index = Find("/index.html")) {
      Serve(res, *index, false);
    } else {
      res.set_content(kNoPortalPage, "text/html; charset=utf-8");
    }
  });
  // The bundle's files (and anything from web/public). A linear scan: a handful of files.
  server.Get(R"(/((?:assets/)?[A-Za-z0-9._-]+))", [](const httplib::Request& req, httplib::Response& res) {
    const PortalAsset* asset = Find(req.path);
    if (asset == nullptr || req.path == "/index.html") {
      res.status = 404;  // the error handler writes the body
      return;
    }
    Serve(res, *asset, req.path.rfind("/assets/", 0) == 0);
  });
}

}  // namespace latchkey::http
