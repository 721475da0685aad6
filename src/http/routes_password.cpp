// /api/v1/password: the password policy, as the portal shows it before and while
// the person types.
#include "core/rate_limiter.hpp"
#include "http/http_internal.hpp"
#include "policy/password_policy.hpp"

namespace latchkey::http {

void RegisterPasswordRoutes(httplib::Server& server, Context& ctx) {
  // The rules in words, to show before the person types (no password involved).
  server.Get("/api/v1/password/policy", [&ctx](const httplib::Request&, httplib::Response& res) {
    const PasswordRules& r = ctx.deps.policy.rules();
    SendJson(res, 200,
             {{"min_length", r.min_length},
              {"max_length", r.max_length},
              {"min_strength", r.min_strength},
              {"rules", ctx.deps.policy.Describe()}});
  });

  // Checks a candidate password against the same policy every flow uses. Without a
  // signed-in session only the username the caller typed is known: looking the
  // account up would let anyone learn names and addresses from the answers. The
  // history rule needs the account and is checked when the password is set.
  // The password is never logged.
  server.Post("/api/v1/password/check", [&ctx](const httplib::Request& req, httplib::Response& res) {
    if (Status st = ctx.deps.limiter.Take("password_check_ip", ClientIp(ctx, req),
                                          ctx.options.password_check_per_ip);
        !st.ok()) {
      SendError(res, st);
      return;
    }
    auto body = ParseBody(req, res);
    if (!body) return;
    auto password = RequireString(*body, "password", res, 4096);
    if (!password) return;
    auto username = OptionalString(*body, "username", res, 1024);
    if (!username) return;
    const SecretString secret(std::move(*password));
    PasswordContext person;
    person.username = *username;
    person.organisation = ctx.options.organisation;
    const PolicyVerdict v = ctx.deps.policy.Check(secret, person);
    nlohmann::json violations = nlohmann::json::array();
    for (const auto& x : v.violations) violations.push_back({{"rule", x.rule}, {"message", x.message}});
    SendJson(res, 200, {{"accepted", v.accepted}, {"violations", violations}, {"strength", v.strength}});
  });
}

}  // namespace latchkey::http
