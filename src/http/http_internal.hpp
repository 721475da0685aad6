// Internal to src/http: the httplib and JSON helpers shared by the route files.
// Heavy headers: include only from src/http/*.cpp.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/cidr.hpp"
#include "core/clock.hpp"
#include "core/method.hpp"
#include "core/status.hpp"
#include "http/server.hpp"

namespace latchkey::http {

struct Context {
  HttpOptions options;
  HttpDeps deps;
  std::vector<Cidr> trusted_proxies;
  std::vector<std::string> allowed_origins;  // normalised "scheme://host[:port]"
};

// Writes the contract's error body for `status`.
void SendError(httplib::Response& res, const Status& status);
void SendJson(httplib::Response& res, int code, const nlohmann::json& body);

// Parses the request body as a JSON object. On failure writes the 400 answer and
// returns nullopt.
std::optional<nlohmann::json> ParseBody(const httplib::Request& req, httplib::Response& res);

// Reads a required (or optional) string field. On a missing or mistyped field
// writes the 400 answer and returns nullopt. `max_bytes` bounds the value.
std::optional<std::string> RequireString(const nlohmann::json& body, const char* field,
                                         httplib::Response& res, std::size_t max_bytes = 4096);
// Absent: returns "" (not an error). Wrong type: writes 400, returns nullopt.
std::optional<std::string> OptionalString(const nlohmann::json& body, const char* field,
                                          httplib::Response& res, std::size_t max_bytes = 4096);

// The answer at a gate: exactly one of "code" (a string), "answers" (security
// questions: an object of id → text), or "assertion" / "credential" (a WebAuthn
// response object). On a missing, doubled or mistyped one writes 400, returns nullopt.
std::optional<Answer> AnswerFrom(const nlohmann::json& body, httplib::Response& res);

// The client's address: the peer, or the first untrusted hop of X-Forwarded-For
// when the peer is a trusted proxy.
std::string ClientIp(const Context& ctx, const httplib::Request& req);

// RFC 3339 UTC ("2026-12-01T21:40:00Z").
std::string Rfc3339(TimePoint t);

void RegisterFlowRoutes(httplib::Server& server, Context& ctx);
void RegisterPasswordRoutes(httplib::Server& server, Context& ctx);
void RegisterSessionRoutes(httplib::Server& server, Context& ctx);
void RegisterPortalRoutes(httplib::Server& server, Context& ctx);

}  // namespace latchkey::http
