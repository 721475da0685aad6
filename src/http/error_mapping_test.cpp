#include "http/error_mapping.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace latchkey {
namespace {

TEST(ErrorMappingTest, EveryCategoryHasItsStatus) {
  EXPECT_EQ(HttpStatusFor(Errc::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(Errc::kVerifyFailed), 400);
  EXPECT_EQ(HttpStatusFor(Errc::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(Errc::kExpired), 410);
  EXPECT_EQ(HttpStatusFor(Errc::kOutOfOrder), 409);
  EXPECT_EQ(HttpStatusFor(Errc::kConflict), 409);
  EXPECT_EQ(HttpStatusFor(Errc::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(Errc::kForbidden), 403);
  EXPECT_EQ(HttpStatusFor(Errc::kRateLimited), 429);
  EXPECT_EQ(HttpStatusFor(Errc::kPolicyRejected), 422);
  EXPECT_EQ(HttpStatusFor(Errc::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(Errc::kInternal), 500);
}

TEST(ErrorMappingTest, BodyHasTheContractShapeAndNoInternalDetail) {
  const HttpError e = MapError(Status::Unavailable("sqlite: database is locked at /srv/x.db"));
  EXPECT_EQ(e.status, 503);
  const auto j = nlohmann::json::parse(e.body);
  EXPECT_EQ(j["error"]["code"], "unavailable");
  EXPECT_FALSE(j["error"]["message"].get<std::string>().empty());
  EXPECT_EQ(e.body.find("sqlite"), std::string::npos);
  EXPECT_EQ(e.body.find("/srv"), std::string::npos);
}

TEST(ErrorMappingTest, FieldViolationsAndRetryAfter) {
  const HttpError field = MapError(Status::InvalidArgument("missing_field", "x is required", "x"));
  EXPECT_EQ(nlohmann::json::parse(field.body)["error"]["field"], "x");
  const HttpError limited = MapError(Status::RateLimited(std::chrono::seconds(30)));
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.retry_after_seconds, 30);
  const HttpError policy = MapError(
      Status::PolicyRejected("password_rejected", "no", "new_password").WithViolations({{"min_length", "Use 12"}}));
  const auto j = nlohmann::json::parse(policy.body);
  EXPECT_EQ(j["error"]["violations"][0]["rule"], "min_length");
}

}  // namespace
}  // namespace latchkey
