// HTTP adapter: server set-up, security middleware, health endpoints.
#include <sys/socket.h>

#include <ctime>

#include "core/log.hpp"
#include "core/store.hpp"
#include "directory/directory.hpp"
#include "http/error_mapping.hpp"
#include "http/http_internal.hpp"

namespace latchkey {

namespace http {

void SendJson(httplib::Response& res, int code, const nlohmann::json& body) {
  res.status = code;
  res.set_content(body.dump(), "application/json");
}

void SendError(httplib::Response& res, const Status& status) {
  const HttpError e = MapError(status);
  res.status = e.status;
  if (e.retry_after_seconds > 0) res.set_header("Retry-After", std::to_string(e.retry_after_seconds));
  res.set_content(e.body, "application/json");
}

std::optional<nlohmann::json> ParseBody(const httplib::Request& req, httplib::Response& res) {
  nlohmann::json body = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    SendError(res, Status::InvalidArgument("invalid_json", "The request body is not valid JSON."));
    return std::nullopt;
  }
  if (!body.is_object()) {
    SendError(res, Status::InvalidArgument("invalid_json", "The request body must be a JSON object."));
    return std::nullopt;
  }
  return body;
}

std::optional<Answer> AnswerFrom(const nlohmann::json& body, httplib::Response& res) {
  int given = 0;
  const char* which = nullptr;
  for (const char* field : {"code", "answers", "assertion", "credential"}) {
    if (body.contains(field)) {
      ++given;
      which = field;
    }
  }
  if (given != 1) {
    SendError(res, Status::InvalidArgument(
                       "missing_field",
                       given == 0 ? "Send the answer: \"code\", \"answers\" or \"assertion\"."
                                  : "Send one answer only: \"code\", \"answers\" or \"assertion\".",
                       "code"));
    return std::nullopt;
  }
  const std::string field = which;
  if (field == "code") {
    std::optional<std::string> code = RequireString(body, "code", res, 64);
    if (!code) return std::nullopt;
    return Answer(SecretString(std::move(*code)));
  }
  const nlohmann::json& value = body.at(field);
  if (!value.is_object()) {
    SendError(res, Status::InvalidArgument("invalid_field", "\"" + field + "\" must be an object.", field));
    return std::nullopt;
  }
  return Answer(SecretString(), value.dump());
}

std::optional<std::string> OptionalString(const nlohmann::json& body, const char* field,
                                          httplib::Response& res, std::size_t max_bytes) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::string();
  if (!it->is_string()) {
    SendError(res, Status::InvalidArgument("invalid_field",
                                           std::string("\"") + field + "\" must be a string.", field));
    return std::nullopt;
  }
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > max_bytes) {
    SendError(res, Status::InvalidArgument("invalid_field",
                                           std::string("\"") + field + "\" is too long.", field));
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> RequireString(const nlohmann::json& body, const char* field,
                                         httplib::Response& res, std::size_t max_bytes) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) {
    SendError(res, Status::InvalidArgument("missing_field",
                                           std::string("\"") + field + "\" is required.", field));
    return std::nullopt;
  }
  return OptionalString(body, field, res, max_bytes);
}

std::string ClientIp(const Context& ctx, const httplib::Request& req) {
  std::string ip = req.remote_addr;
  if (ctx.trusted_proxies.empty() || !InAny(ctx.trusted_proxies, ip)) return ip;
  // Walk X-Forwarded-For from the right: the first hop that is not one of our
  // proxies is the client. Anything left of it could be forged by the client.
  const std::string xff = req.get_header_value("X-Forwarded-For");
  std::size_t end = xff.size();
  while (end > 0) {
    std::size_t comma = xff.rfind(',', end - 1);
    const std::size_t begin = comma == std::string::npos ? 0 : comma + 1;
    std::string hop = xff.substr(begin, end - begin);
    hop.erase(0, hop.find_first_not_of(' '));
    hop.erase(hop.find_last_not_of(' ') + 1);
    if (hop.empty() || !Cidr::Parse(hop)) break;
    ip = hop;
    if (!InAny(ctx.trusted_proxies, hop)) break;
    if (comma == std::string::npos) break;
    end = comma;
  }
  return ip;
}

std::string Rfc3339(TimePoint t) {
  const std::time_t secs = static_cast<std::time_t>(ToUnixMillis(t) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace http

namespace {

// The origin ("scheme://host[:port]") of a URL, lower-cased, default port dropped.
std::string OriginOf(const std::string& url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return {};
  const auto host_end = url.find('/', scheme_end + 3);
  std::string origin = url.substr(0, host_end);
  for (auto& c : origin) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (origin.size() > 3 && origin.compare(origin.size() - 3, 3, ":80") == 0 &&
      origin.rfind("http://", 0) == 0) {
    origin.resize(origin.size() - 3);
  }
  if (origin.size() > 4 && origin.compare(origin.size() - 4, 4, ":443") == 0 &&
      origin.rfind("https://", 0) == 0) {
    origin.resize(origin.size() - 4);
  }
  return origin;
}

// httplib fixes the listen backlog at 5, which turns a burst of connections into
// SYN retries of a second or more. The listening socket is a protected member, so
// a subclass can raise the backlog after binding.
class Server final : public httplib::Server {
 public:
  void RaiseBacklog(int backlog) {
    const auto sock = svr_sock_.load();
    if (sock != INVALID_SOCKET) ::listen(sock, backlog);
  }
};


}  // namespace

struct HttpServer::Impl {
  Impl(HttpOptions o, HttpDeps d) : ctx{std::move(o), d, {}, {}} {}
  http::Context ctx;
  Server server;
};

bool SplitHostPort(const std::string& listen, std::string& host, int& port) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  try {
    std::size_t used = 0;
    port = std::stoi(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1 || port < 0 || port > 65535) return false;
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

HttpServer::HttpServer(HttpOptions options, HttpDeps deps)
    : impl_(std::make_unique<Impl>(std::move(options), deps)) {
  http::Context& ctx = impl_->ctx;
  for (const auto& p : ctx.options.trusted_proxies) {
    if (auto c = Cidr::Parse(p)) ctx.trusted_proxies.push_back(*c);
  }
  ctx.allowed_origins.push_back(OriginOf(ctx.options.public_url));
  for (const auto& o : ctx.options.allowed_origins) ctx.allowed_origins.push_back(OriginOf(o));

  Server& svr = impl_->server;
  // httplib's default sets SO_REUSEPORT, which lets a second process bind the same
  // port and silently take half of the connections. SO_REUSEADDR alone allows a
  // quick restart (TIME_WAIT) and makes a second bind fail, as it should.
  svr.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  const int threads = ctx.options.threads;
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  svr.set_tcp_nodelay(true);  // without it, Nagle + delayed ACK cost ~40 ms per response
  svr.set_keep_alive_max_count(1000);
  svr.set_keep_alive_timeout(5);
  svr.set_read_timeout(10, 0);
  svr.set_write_timeout(10, 0);
  svr.set_payload_max_length(ctx.options.max_body_bytes);

  std::string csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
  httplib::Headers headers = {
      {"Content-Security-Policy", csp},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
      {"Cross-Origin-Resource-Policy", "same-origin"},
      {"Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"},
  };
  if (ctx.options.public_url.rfind("https://", 0) == 0) {
    headers.emplace("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  }
  svr.set_default_headers(headers);

  // Requests that change state must be JSON from our own origin: a browser on
  // another site can send neither a JSON content type without a preflight (which we
  // do not answer) nor our Origin. Together with SameSite=Strict cookies this
  // makes the API safe against cross-site request forgery.
  svr.set_pre_routing_handler([&ctx](const httplib::Request& req, httplib::Response& res) {
    if (req.path.rfind("/api/", 0) == 0) res.set_header("Cache-Control", "no-store");
    const bool changes = req.method == "POST" || req.method == "PUT" || req.method == "PATCH" ||
                         req.method == "DELETE";
    if (!changes || req.path.rfind("/api/", 0) != 0) return httplib::Server::HandlerResponse::Unhandled;
    const std::string origin = req.get_header_value("Origin");
    if (!origin.empty()) {
      const std::string o = OriginOf(origin);
      bool allowed = false;
      for (const auto& a : ctx.allowed_origins) allowed = allowed || a == o;
      if (!allowed) {
        http::SendError(res, Status::Forbidden("forbidden_origin",
                                               "Requests from another site are not accepted."));
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    if (req.get_header_value("Sec-Fetch-Site") == "cross-site") {
      http::SendError(res, Status::Forbidden("forbidden_origin",
                                             "Requests from another site are not accepted."));
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.method != "DELETE" || !req.body.empty()) {
      std::string type = req.get_header_value("Content-Type");
      type = type.substr(0, type.find(';'));
      type.erase(type.find_last_not_of(' ') + 1);
      for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (type != "application/json") {
        res.status = 415;
        const auto e = MapError(Status::InvalidArgument(
            "unsupported_media_type", "Send the request body as application/json."));
        res.set_content(e.body, "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  // Errors httplib produces itself (no route, body too large) get the contract's shape.
  svr.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string code = "error";
    std::string message = "The request failed.";
    switch (res.status) {
      case 404: code = "not_found"; message = "There is nothing here."; break;
      case 405: code = "method_not_allowed"; message = "That method is not allowed here."; break;
      case 413: code = "payload_too_large"; message = "The request body is too large (64 KiB at most)."; break;
      case 414: code = "uri_too_long"; message = "The address is too long."; break;
      case 400: code = "bad_request"; message = "The request is malformed."; break;
      default: break;
    }
    (void)req;
    nlohmann::json body = {{"error", {{"code", code}, {"message", message}}}};
    res.set_content(body.dump(), "application/json");
  });

  svr.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    log::Error("http.exception", {{"error", what}});
    http::SendError(res, Status::Internal(what));
  });

  svr.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", "application/json");
  });
  svr.Get("/readyz", [&ctx](const httplib::Request&, httplib::Response& res) {
    const Status store = ctx.deps.store.Ping();
    const Status directory = ctx.deps.directory.Ping();
    const bool ok = store.ok() && directory.ok();
    if (!ok) {
      log::Warn("readyz.not_ready", {{"store", store.ToString()}, {"directory", directory.ToString()}});
    }
    http::SendJson(res, ok ? 200 : 503,
                   {{"status", ok ? "ready" : "unavailable"},
                    {"checks",
                     {{"store", store.ok() ? "ok" : "unavailable"},
                      {"directory", directory.ok() ? "ok" : "unavailable"}}}});
  });
  http::RegisterPortalRoutes(svr, ctx);
  http::RegisterFlowRoutes(svr, ctx);
  http::RegisterPasswordRoutes(svr, ctx);
  if (ctx.deps.signin != nullptr && ctx.deps.security_info != nullptr) {
    http::RegisterSessionRoutes(svr, ctx);
  }
}

HttpServer::~HttpServer() = default;

Status HttpServer::Bind() {
  const auto& o = impl_->ctx.options;
  bool ok = false;
  if (o.port == 0) {
    const int port = impl_->server.bind_to_any_port(o.host);
    ok = port > 0;
    if (ok) impl_->ctx.options.port = port;
  } else {
    ok = impl_->server.bind_to_port(o.host, o.port);
  }
  if (!ok) return Status::Unavailable("cannot listen on " + o.host + ":" + std::to_string(o.port));
  impl_->server.RaiseBacklog(1024);
  return Status::Ok();
}

int HttpServer::BoundPort() const { return impl_->ctx.options.port; }

void HttpServer::Serve() { impl_->server.listen_after_bind(); }

void HttpServer::Stop() { impl_->server.stop(); }

}  // namespace latchkey
