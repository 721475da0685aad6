#include "http/error_mapping.hpp"

#include <nlohmann/json.hpp>

namespace latchkey {

int HttpStatusFor(Errc code) {
  switch (code) {
    case Errc::kInvalidArgument: return 400;
    case Errc::kVerifyFailed: return 400;
    case Errc::kNotFound: return 404;
    case Errc::kExpired: return 410;
    case Errc::kOutOfOrder: return 409;
    case Errc::kConflict: return 409;
    case Errc::kUnauthenticated: return 401;
    case Errc::kForbidden: return 403;
    case Errc::kRateLimited: return 429;
    case Errc::kPolicyRejected: return 422;
    case Errc::kUnavailable: return 503;
    case Errc::kInternal: return 500;
  }
  return 500;
}

HttpError MapError(const Status& status) {
  HttpError e;
  e.status = HttpStatusFor(status.code());
  nlohmann::json err = {{"code", std::string(status.reason())},
                        {"message", std::string(status.message())}};
  if (!status.field().empty()) err["field"] = std::string(status.field());
  if (!status.violations().empty()) {
    nlohmann::json v = nlohmann::json::array();
    for (const auto& [rule, message] : status.violations()) {
      v.push_back({{"rule", rule}, {"message", message}});
    }
    err["violations"] = v;
  }
  if (status.code() == Errc::kRateLimited) {
    e.retry_after_seconds = static_cast<int>(status.retry_after().count());
    err["retry_after"] = e.retry_after_seconds;
  }
  e.body = nlohmann::json{{"error", err}}.dump();
  return e;
}

}  // namespace latchkey
