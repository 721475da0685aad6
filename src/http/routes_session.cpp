// /api/v1/session and /api/v1/me: signing in and security info (contract:
// "Signed-in self-service"). The session token travels only in the
// latchkey_session cookie: HttpOnly, SameSite=Strict, Secure outside dev mode.
#include "core/log.hpp"
#include "flows/security_info_service.hpp"
#include "flows/signin_service.hpp"
#include "http/http_internal.hpp"
#include "methods/registry.hpp"
#include "methods/security_questions/security_questions_method.hpp"

namespace latchkey::http {
namespace {

constexpr const char* kCookie = "latchkey_session";
constexpr const char* kMethodId = R"(([A-Za-z0-9_-]{1,64}))";

std::string TokenOf(const httplib::Request& req) {
  const std::string header = req.get_header_value("Cookie");
  const std::string name = std::string(kCookie) + "=";
  std::size_t pos = 0;
  while (pos < header.size()) {
    while (pos < header.size() && (header[pos] == ' ' || header[pos] == ';')) ++pos;
    const std::size_t end = header.find(';', pos);
    const std::string part = header.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    if (part.rfind(name, 0) == 0) return part.substr(name.size());
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return {};
}

void SetCookie(httplib::Response& res, const Context& ctx, const std::string& token, long max_age) {
  std::string c = std::string(kCookie) + "=" + token + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                  std::to_string(max_age);
  if (!ctx.options.dev) c += "; Secure";
  res.set_header("Set-Cookie", c);
}

nlohmann::json OptionsJson(const std::vector<GateOption>& options) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& o : options) {
    out.push_back({{"id", o.id}, {"kind", std::string(ToString(o.kind))}, {"hint", o.hint}});
  }
  return out;
}

nlohmann::json SessionJson(const SessionView& v, const SignInService& signin) {
  nlohmann::json j = {{"state", std::string(ToString(v.session.state))},
                      {"methods", v.session.state == SessionState::kActive
                                      ? nlohmann::json::array()
                                      : OptionsJson(v.session.options)},
                      {"username", v.account.username},
                      {"expires_at", Rfc3339(v.session.expires_at)},
                      {"authenticated_at", Rfc3339(v.session.authenticated_at)},
                      {"fresh", signin.IsFresh(v.session)}};
  if (!v.challenge.empty()) {
    nlohmann::json c = nlohmann::json::parse(v.challenge, nullptr, false);
    if (!c.is_discarded()) j["challenge"] = c;
  }
  return j;
}

nlohmann::json MethodJson(const Enrollment& e) {
  return {{"id", e.id},
          {"kind", std::string(ToString(e.kind))},
          {"state", std::string(ToString(e.state))},
          {"hint", e.hint},
          {"label", e.label},
          {"managed_by_administrator", e.kind == MethodKind::kOfficePhone},
          {"created_at", Rfc3339(e.created_at)},
          {"last_used_at", e.last_used_at ? nlohmann::json(Rfc3339(*e.last_used_at)) : nlohmann::json(nullptr)}};
}

// Merges a method's answer (a JSON object) into `out`.
void Merge(nlohmann::json& out, const std::string& response) {
  if (response.empty()) return;
  nlohmann::json r = nlohmann::json::parse(response, nullptr, false);
  if (!r.is_object()) return;
  for (auto& [k, v] : r.items()) out[k] = v;
}

void Fail(httplib::Response& res, const Status& s) {
  if (s.code() == Errc::kInternal || s.code() == Errc::kUnavailable) {
    log::Error("session.error", {{"reason", std::string(s.reason())}, {"detail", std::string(s.detail())}});
  }
  SendError(res, s);
}

}  // namespace

void RegisterSessionRoutes(httplib::Server& server, Context& ctx) {
  SignInService& signin = *ctx.deps.signin;
  SecurityInfoService& info = *ctx.deps.security_info;
  const long max_age =
      static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(signin.settings().absolute).count());

  // Resolves the cookie, or answers 401.
  auto session = [&ctx, &signin](const httplib::Request& req, httplib::Response& res) -> std::optional<SessionView> {
    Result<SessionView> v = signin.Resolve(TokenOf(req), ClientIp(ctx, req));
    if (!v.ok()) {
      Fail(res, v.status());
      return std::nullopt;
    }
    return std::move(v).value();
  };

  server.Post("/api/v1/session", [&ctx, &signin, max_age](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseBody(req, res);
    if (!body) return;
    auto username = RequireString(*body, "username", res, 1024);
    if (!username) return;
    auto password = RequireString(*body, "password", res, 4096);
    if (!password) return;
    const SecretString secret(std::move(*password));
    Result<SessionView> v = signin.SignIn(*username, secret, ClientIp(ctx, req));
    if (!v.ok()) {
      Fail(res, v.status());
      return;
    }
    SetCookie(res, ctx, v->token, max_age);
    SendJson(res, 201, SessionJson(*v, signin));
  });

  server.Get("/api/v1/session", [&signin, session](const httplib::Request& req, httplib::Response& res) {
    if (auto v = session(req, res)) SendJson(res, 200, SessionJson(*v, signin));
  });

  server.Delete("/api/v1/session", [&ctx, &signin](const httplib::Request& req, httplib::Response& res) {
    const Status st = signin.SignOut(TokenOf(req), ClientIp(ctx, req));
    if (!st.ok()) {
      Fail(res, st);
      return;
    }
    res.set_header("Set-Cookie", std::string(kCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0" +
                                     (ctx.options.dev ? "" : "; Secure"));
    res.status = 204;
  });

  server.Post("/api/v1/session/challenge", [&ctx, &signin](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseBody(req, res);
    if (!body) return;
    auto method = RequireString(*body, "method", res, 64);
    if (!method) return;
    Result<SessionView> v = signin.ChallengeSecondFactor(TokenOf(req), *method, ClientIp(ctx, req));
    if (!v.ok()) {
      Fail(res, v.status());
      return;
    }
    SendJson(res, 200, SessionJson(*v, signin));
  });

  server.Post("/api/v1/session/verify", [&ctx, &signin](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseBody(req, res);
    if (!body) return;
    auto method = RequireString(*body, "method", res, 64);
    if (!method) return;
    std::optional<Answer> answer = AnswerFrom(*body, res);
    if (!answer) return;
    Result<SessionView> v = signin.VerifySecondFactor(
        TokenOf(req), *method, *answer, ClientIp(ctx, req));
    if (!v.ok()) {
      Fail(res, v.status());
      return;
    }
    SendJson(res, 200, SessionJson(*v, signin));
  });

  server.Post("/api/v1/session/reauth", [&ctx, &signin](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseBody(req, res);
    if (!body) return;
    auto password = RequireString(*body, "password", res, 4096);
    if (!password) return;
    const SecretString secret(std::move(*password));
    Result<SessionView> v = signin.Reauthenticate(TokenOf(req), secret, ClientIp(ctx, req));
    if (!v.ok()) {
      Fail(res, v.status());
      return;
    }
    SendJson(res, 200, SessionJson(*v, signin));
  });

  // The questions people may choose from when they register security questions.
  // Public, like the password policy: the list is the same for everyone.
  server.Get("/api/v1/security-questions", [&ctx](const httplib::Request&, httplib::Response& res) {
    const auto* q = ctx.deps.methods == nullptr
                        ? nullptr
                        : dynamic_cast<const SecurityQuestionsMethod*>(
                              ctx.deps.methods->Find(MethodKind::kSecurityQuestions));
    if (q == nullptr) {
      SendError(res, Status::NotFound("questions_off", "Security questions are not offered here."));
      return;
    }
    nlohmann::json list = nlohmann::json::array();
    for (const auto& x : q->questions()) list.push_back({{"id", x.id}, {"text", x.text}});
    SendJson(res, 200, {{"questions", list}, {"count_to_register", q->count_to_register()},
                        {"count_to_ask", q->count_to_ask()}});
  });

  server.Get("/api/v1/me", [&info, session](const httplib::Request& req, httplib::Response& res) {
    auto v = session(req, res);
    if (!v) return;
    Result<MeView> me = info.Me(*v);
    if (!me.ok()) {
      Fail(res, me.status());
      return;
    }
    nlohmann::json methods = nlohmann::json::array();
    for (const auto& e : me->enrollments) methods.push_back(MethodJson(e));
    SendJson(res, 200,
             {{"username", me->account.username},
              {"display_name", me->account.display_name},
              {"registered", me->registered},
              {"methods_required", me->methods_required},
              {"registration_required", me->registration_required},
              {"reconfirm_due", me->reconfirm_due},
              {"methods", methods}});
  });

  server.Get("/api/v1/me/methods", [&info, session](const httplib::Request& req, httplib::Response& res) {
    auto v = session(req, res);
    if (!v) return;
    Result<MeView> me = info.Me(*v);
    if (!me.ok()) {
      Fail(res, me.status());
      return;
    }
    nlohmann::json methods = nlohmann::json::array();
    for (const auto& e : me->enrollments) methods.push_back(MethodJson(e));
    SendJson(res, 200, {{"methods", methods}});
  });

  server.Post("/api/v1/me/methods", [&ctx, &info, session](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseBody(req, res);
    if (!body) return;
    auto kind_text = RequireString(*body, "kind", res, 32);
    if (!kind_text) return;
    const auto kind = ParseMethodKind(*kind_text);
    if (!kind) {
      SendError(res, Status::InvalidArgument("invalid_field", "\"kind\" is not a method kind.", "kind"));
      return;
    }
    auto v = session(req, res);
    if (!v) return;
    Result<EnrollView> added = info.AddMethod(*v, *kind, req.body, ClientIp(ctx, req));
    if (!added.ok()) {
      Fail(res, added.status());
      return;
    }
    nlohmann::json out = MethodJson(added->enrollment);
    Merge(out, added->response);
    SendJson(res, 201, out);
  });

  server.Post(std::string("/api/v1/me/methods/") + kMethodId + "/verify",
              [&ctx, &info, session](const httplib::Request& req, httplib::Response& res) {
                auto body = ParseBody(req, res);
                if (!body) return;
                auto v = session(req, res);
                if (!v) return;
                Result<EnrollView> done = info.VerifyMethod(*v, req.matches[1].str(), req.body, ClientIp(ctx, req));
                if (!done.ok()) {
                  Fail(res, done.status());
                  return;
                }
                nlohmann::json out = MethodJson(done->enrollment);
                Merge(out, done->response);
                SendJson(res, 200, out);
              });

  server.Delete(std::string("/api/v1/me/methods/") + kMethodId,
                [&ctx, &info, session](const httplib::Request& req, httplib::Response& res) {
                  auto v = session(req, res);
                  if (!v) return;
                  const Status st = info.RemoveMethod(*v, req.matches[1].str(), ClientIp(ctx, req));
                  if (!st.ok()) {
                    Fail(res, st);
                    return;
                  }
                  res.status = 204;
                });

  server.Post("/api/v1/me/reconfirm", [&ctx, &info, session](const httplib::Request& req, httplib::Response& res) {
    auto v = session(req, res);
    if (!v) return;
    const Status st = info.Reconfirm(*v, ClientIp(ctx, req));
    if (!st.ok()) {
      Fail(res, st);
      return;
    }
    res.status = 204;
  });

  server.Post("/api/v1/me/password", [&ctx, &info, session](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseBody(req, res);
    if (!body) return;
    auto current = RequireString(*body, "current_password", res, 4096);
    if (!current) return;
    auto replacement = RequireString(*body, "new_password", res, 4096);
    if (!replacement) return;
    auto v = session(req, res);
    if (!v) return;
    const SecretString cur(std::move(*current)), next(std::move(*replacement));
    const Status st = info.ChangePassword(*v, cur, next, ClientIp(ctx, req));
    if (!st.ok()) {
      Fail(res, st);
      return;
    }
    SendJson(res, 200, {{"changed", true}});
  });
}

}  // namespace latchkey::http
