// Status and Result: how every layer reports failure without exceptions.
//
// A Status is either ok or carries an error category (Errc), a stable snake_case
// reason for clients (e.g. "wrong_code"), a message that is safe to show to the
// person using the service, an optional input field name, and an optional
// internal detail that goes to logs and audit only (never to a client).
// An ok Status costs one null pointer. Status and Result are values: copy them
// freely; they are not synchronised, like any value type.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace latchkey {

// Error categories. The HTTP mapping (src/http/error_mapping.cpp) and the CLI exit
// codes (src/cli/exit_code.cpp) are the only places that turn these into numbers.
enum class Errc : std::uint8_t {
  kInvalidArgument,  // malformed or unacceptable input
  kNotFound,         // the named resource does not exist (never used for accounts)
  kExpired,          // the resource existed but its lifetime is over
  kOutOfOrder,       // the call does not fit the resource's current state
  kVerifyFailed,     // a code, answer or assertion did not verify
  kUnauthenticated,  // not signed in, or the credentials are wrong
  kForbidden,        // refused: blocked flow, foreign origin
  kRateLimited,      // too many attempts; retry_after() says when to try again
  kPolicyRejected,   // a password (or other choice) breaks the configured policy
  kConflict,         // a concurrent change won; the caller may retry
  kUnavailable,      // a dependency (store, directory, mail) does not answer
  kInternal,         // a bug or an unexpected library failure
};

std::string_view ErrcName(Errc code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok
  Status(const Status& other) : rep_(other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr) {}
  Status& operator=(const Status& other) {
    if (this != &other) rep_ = other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr;
    return *this;
  }
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status Ok() { return Status(); }
  // reason: stable snake_case id; message: human text safe to show to the user.
  static Status Error(Errc code, std::string reason, std::string message, std::string field = {});

  // Shorthands for the common categories.
  static Status InvalidArgument(std::string reason, std::string message, std::string field = {});
  static Status NotFound(std::string reason, std::string message);
  static Status Expired(std::string reason, std::string message);
  static Status OutOfOrder(std::string message);
  static Status VerifyFailed(std::string reason, std::string message);
  static Status Forbidden(std::string reason, std::string message);
  static Status RateLimited(std::chrono::seconds retry_after);
  // With its own reason and message (a long block that says until when).
  static Status RateLimited(std::chrono::seconds retry_after, std::string reason, std::string message);
  static Status PolicyRejected(std::string reason, std::string message, std::string field = {});
  static Status Conflict(std::string message);
  // detail: what went wrong, for the server log only.
  static Status Unavailable(std::string detail);
  static Status Internal(std::string detail);

  bool ok() const { return rep_ == nullptr; }
  Errc code() const;
  std::string_view reason() const;
  std::string_view message() const;
  std::string_view field() const;
  std::string_view detail() const;
  std::chrono::seconds retry_after() const;
  // For kPolicyRejected: each broken rule as (rule id, message for people).
  using Violations = std::vector<std::pair<std::string, std::string>>;
  const Violations& violations() const;
  Status&& WithViolations(Violations violations) &&;

  // Adds log-only context; returns *this for chaining. No effect on an ok Status.
  Status& WithDetail(std::string detail) &;
  Status&& WithDetail(std::string detail) &&;
  Status&& WithRetryAfter(std::chrono::seconds retry_after) &&;

  // "reason: message (detail)": for logs and CLI errors, never for HTTP clients.
  std::string ToString() const;

 private:
  struct Rep {
    Errc code;
    std::string reason;
    std::string message;
    std::string field;
    std::string detail;
    std::chrono::seconds retry_after{0};
    Violations violations;
  };
  std::unique_ptr<Rep> rep_;
};

// A value of type T or a non-ok Status.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor): ergonomic return
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(v_).ok()) {
      v_ = Status::Internal("Result constructed from an ok Status");
    }
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // Precondition: ok(). Violations abort (reading the wrong side is a bug).
  const T& value() const& { return std::get<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }

  // The error, or an ok Status when a value is held.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace latchkey

// Returns early from the enclosing function when `expr` is a non-ok Status.
#define LK_RETURN_IF_ERROR(expr)                 \
  do {                                           \
    ::latchkey::Status lk_status_ = (expr);      \
    if (!lk_status_.ok()) return lk_status_;     \
  } while (false)
