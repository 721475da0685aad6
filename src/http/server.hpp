// HttpServer: the JSON API and the web portal over cpp-httplib.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/rate_limiter.hpp"
#include "core/status.hpp"

namespace latchkey {

class Altcha;
class Directory;
class MethodRegistry;
class FlowService;
class PasswordPolicy;
class RateLimiter;
class SecurityInfoService;
class SignInService;
class Store;

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 8080;            // 0: any free port (tests); BoundPort() tells which
  int threads = 64;           // one per concurrent keep-alive connection
  std::string public_url = "http://127.0.0.1:8080";
  std::vector<std::string> allowed_origins;  // besides public_url's origin
  std::vector<std::string> trusted_proxies;  // CIDRs whose X-Forwarded-For is believed
  bool dev = false;
  std::size_t max_body_bytes = 64 * 1024;
  RateSpec password_check_per_ip{30, std::chrono::minutes(1)};
  std::string organisation;
  std::string helpdesk_contact;            // [branding], for GET /api/v1/branding
  std::string primary_colour = "#1d4f91";
};

struct HttpDeps {
  FlowService& flows;
  Store& store;
  Directory& directory;
  const PasswordPolicy& policy;
  RateLimiter& limiter;
  SignInService* signin = nullptr;               // null: no portal sign-in routes
  SecurityInfoService* security_info = nullptr;
  const MethodRegistry* methods = nullptr;       // for GET /api/v1/security-questions
  Altcha* captcha = nullptr;                     // null: no CAPTCHA (GET /api/v1/captcha 404)
};

class HttpServer {
 public:
  HttpServer(HttpOptions options, HttpDeps deps);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the listening socket. kUnavailable when the address is taken or invalid.
  Status Bind();
  int BoundPort() const;
  // Serves until Stop() (blocks the calling thread).
  void Serve();
  // Thread-safe; Serve() returns soon after.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Splits "host:port" ("[::1]:8080" for IPv6). False when malformed.
bool SplitHostPort(const std::string& listen, std::string& host, int& port);

}  // namespace latchkey
