// A minimal HTTP client for the SMS and voice providers (libcurl in
// http_client.cpp), and what the providers share: form and JSON escaping, the
// reading of an HTTP status as accepted / transient / permanent, and the cleaning
// of a provider's error text before it reaches the outbox and the log.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/message.hpp"
#include "core/secret.hpp"
#include "core/status.hpp"

namespace latchkey {

struct HttpRequest {
  std::string method = "POST";  // POST or GET
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  std::string username;  // HTTP basic authentication when not empty
  SecretString password;
};

struct HttpResponse {
  bool received = false;  // false: no answer (refused, timed out, TLS failure): see `error`
  long status = 0;
  std::string body;  // at most 64 KiB
  std::string error;
};

// Performs one request: connect and total timeout `timeout_seconds`, http and https
// only, no redirects followed, no signals. Thread-safe.
HttpResponse PerformHttp(const HttpRequest& request, int timeout_seconds);

// application/x-www-form-urlencoded: every byte but A-Z a-z 0-9 - . _ ~ as %XX.
std::string FormEncode(std::string_view text);
// "a=1&b=2" from pairs, each side encoded.
std::string FormBody(const std::vector<std::pair<std::string, std::string>>& fields);
// The inside of a JSON string (no quotes): \" \\ and control characters escaped.
std::string JsonEscape(std::string_view text);

// A provider's answer text, fit for the outbox's last_error and the log: at most
// 300 bytes, one line, and with the message's number and code masked (providers
// echo them in errors: "The 'To' number +1555... is not valid").
std::string ProviderText(std::string_view text, const OutboxEntry& message);

// How a provider's HTTP answer is read. 2xx: accepted. No answer, 408, 425, 429 and
// 5xx: transient (kUnavailable, retried). 3xx (never followed), 401, 403, 404: the
// credentials, account or URL are wrong; also retried, so that fixing the
// configuration delivers what is queued (codes expire anyway). Any other 4xx: a
// permanent refusal of this message (kInvalidArgument, not retried). The detail,
// "<provider> HTTP <status>: <text>", goes to last_error and the log, never to the
// person.
Status ClassifyHttp(std::string_view provider, const HttpResponse& response,
                    std::string_view provider_text);

}  // namespace latchkey
