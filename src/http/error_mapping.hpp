// The one place where a Status becomes an HTTP answer (contract: "Errors").
#pragma once

#include <string>

#include "core/status.hpp"

namespace latchkey {

struct HttpError {
  int status = 500;
  std::string body;         // {"error":{"code","message","field"?,"violations"?}}
  int retry_after_seconds = 0;  // > 0: send a Retry-After header
};

HttpError MapError(const Status& status);
// The HTTP status for a category (invalid argument 400, not found 404, ...).
int HttpStatusFor(Errc code);

}  // namespace latchkey
