#include "core/status.hpp"

namespace latchkey {

std::string_view ErrcName(Errc code) {
  switch (code) {
    case Errc::kInvalidArgument: return "invalid_argument";
    case Errc::kNotFound: return "not_found";
    case Errc::kExpired: return "expired";
    case Errc::kOutOfOrder: return "out_of_order";
    case Errc::kVerifyFailed: return "verify_failed";
    case Errc::kUnauthenticated: return "unauthenticated";
    case Errc::kForbidden: return "forbidden";
    case Errc::kRateLimited: return "rate_limited";
    case Errc::kPolicyRejected: return "policy_rejected";
    case Errc::kConflict: return "conflict";
    case Errc::kUnavailable: return "unavailable";
    case Errc::kInternal: return "internal";
  }
  return "internal";
}

Status Status::Error(Errc code, std::string reason, std::string message, std::string field) {
  Status s;
  s.rep_ = std::make_unique<Rep>(
      Rep{code, std::move(reason), std::move(message), std::move(field), {}, std::chrono::seconds(0), {}});
  return s;
}

Status Status::InvalidArgument(std::string reason, std::string message, std::string field) {
  return Error(Errc::kInvalidArgument, std::move(reason), std::move(message), std::move(field));
}
Status Status::NotFound(std::string reason, std::string message) {
  return Error(Errc::kNotFound, std::move(reason), std::move(message));
}
Status Status::Expired(std::string reason, std::string message) {
  return Error(Errc::kExpired, std::move(reason), std::move(message));
}
Status Status::OutOfOrder(std::string message) {
  return Error(Errc::kOutOfOrder, "out_of_order", std::move(message));
}
Status Status::VerifyFailed(std::string reason, std::string message) {
  return Error(Errc::kVerifyFailed, std::move(reason), std::move(message));
}
Status Status::Forbidden(std::string reason, std::string message) {
  return Error(Errc::kForbidden, std::move(reason), std::move(message));
}
Status Status::RateLimited(std::chrono::seconds retry_after) {
  Status s = Error(Errc::kRateLimited, "rate_limited",
                   "Too many attempts. Please wait a little and try again.");
  s.rep_->retry_after = retry_after < std::chrono::seconds(1) ? std::chrono::seconds(1) : retry_after;
  return s;
}
Status Status::RateLimited(std::chrono::seconds retry_after, std::string reason, std::string message) {
  Status s = Error(Errc::kRateLimited, std::move(reason), std::move(message));
  s.rep_->retry_after = retry_after < std::chrono::seconds(1) ? std::chrono::seconds(1) : retry_after;
  return s;
}
Status Status::PolicyRejected(std::string reason, std::string message, std::string field) {
  return Error(Errc::kPolicyRejected, std::move(reason), std::move(message), std::move(field));
}
Status Status::Conflict(std::string message) {
  return Error(Errc::kConflict, "conflict", std::move(message));
}
Status Status::Unavailable(std::string detail) {
  Status s = Error(Errc::kUnavailable, "unavailable",
                   "The service is temporarily unavailable. Please try again later.");
  s.rep_->detail = std::move(detail);
  return s;
}
Status Status::Internal(std::string detail) {
  Status s = Error(Errc::kInternal, "internal", "Something went wrong on our side.");
  s.rep_->detail = std::move(detail);
  return s;
}

Errc Status::code() const { return rep_ ? rep_->code : Errc::kInternal; }
std::string_view Status::reason() const { return rep_ ? std::string_view(rep_->reason) : "ok"; }
std::string_view Status::message() const { return rep_ ? std::string_view(rep_->message) : ""; }
std::string_view Status::field() const { return rep_ ? std::string_view(rep_->field) : ""; }
std::string_view Status::detail() const { return rep_ ? std::string_view(rep_->detail) : ""; }
std::chrono::seconds Status::retry_after() const {
  return rep_ ? rep_->retry_after : std::chrono::seconds(0);
}

const Status::Violations& Status::violations() const {
  static const Violations kNone;
  return rep_ ? rep_->violations : kNone;
}

Status&& Status::WithViolations(Violations violations) && {
  if (rep_) rep_->violations = std::move(violations);
  return std::move(*this);
}

Status& Status::WithDetail(std::string detail) & {
  if (rep_) rep_->detail = std::move(detail);
  return *this;
}
Status&& Status::WithDetail(std::string detail) && {
  if (rep_) rep_->detail = std::move(detail);
  return std::move(*this);
}
Status&& Status::WithRetryAfter(std::chrono::seconds retry_after) && {
  if (rep_) rep_->retry_after = retry_after;
  return std::move(*this);
}

std::string Status::ToString() const {
  if (!rep_) return "ok";
  std::string out = rep_->reason;
  if (!rep_->message.empty()) out += ": " + rep_->message;
  if (!rep_->field.empty()) out += " [" + rep_->field + "]";
  if (!rep_->detail.empty()) out += " (" + rep_->detail + ")";
  return out;
}

}  // namespace latchkey
