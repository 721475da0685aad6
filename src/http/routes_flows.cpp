// /api/v1/flows: the self-service flows (contract: "Self-service flows").
#include <algorithm>

#include "captcha/altcha.hpp"
#include "core/log.hpp"
#include "flows/flow_service.hpp"
#include "http/http_internal.hpp"

namespace latchkey::http {
namespace {

constexpr const char* kFlowId = R"(([A-Za-z0-9_-]{20,128}))";

nlohmann::json FlowJson(const FlowView& v) {
  nlohmann::json methods = nlohmann::json::array();
  for (const auto& o : v.flow.options) {
    if (std::find(v.offered.begin(), v.offered.end(), o.id) == v.offered.end()) continue;
    methods.push_back({{"id", o.id}, {"kind", std::string(ToString(o.kind))}, {"hint", o.hint}});
  }
  nlohmann::json j = {
      {"id", v.id},
      {"kind", std::string(ToString(v.flow.kind))},
      {"state", std::string(ToString(v.state))},
      {"methods", methods},
      {"gates_required", v.flow.gates_required},
      {"gates_passed", v.flow.gates_passed()},
      {"passed_methods", v.flow.passed},
      {"active_method", v.flow.active_option.empty() ? nlohmann::json(nullptr)
                                                     : nlohmann::json(v.flow.active_option)},
      {"expires_at", Rfc3339(v.flow.expires_at)},
  };
  if (!v.challenge.empty()) {
    nlohmann::json c = nlohmann::json::parse(v.challenge, nullptr, false);
    if (c.is_object()) j["challenge"] = std::move(c);
  }
  return j;
}

void Reply(httplib::Response& res, int ok_code, const Result<FlowView>& r) {
  if (!r.ok()) {
    const Status& s = r.status();
    if (s.code() == Errc::kInternal || s.code() == Errc::kUnavailable) {
      log::Error("flow.error", {{"reason", std::string(s.reason())}, {"detail", std::string(s.detail())}});
    }
    SendError(res, s);
    return;
  }
  SendJson(res, ok_code, FlowJson(*r));
}

}  // namespace

void RegisterFlowRoutes(httplib::Server& server, Context& ctx) {
  FlowService& flows = ctx.deps.flows;

  server.Post("/api/v1/flows", [&ctx, &flows](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseBody(req, res);
    if (!body) return;
    auto kind_text = RequireString(*body, "kind", res, 32);
    if (!kind_text) return;
    auto username = RequireString(*body, "username", res, 1024);
    if (!username) return;
    auto captcha = OptionalString(*body, "captcha", res, 8192);
    if (!captcha) return;
    const auto kind = ParseFlowKind(*kind_text);
    if (!kind) {
      SendError(res, Status::InvalidArgument("invalid_field",
                                             "\"kind\" must be reset, unlock or activate.", "kind"));
      return;
    }
    auto activation_code = OptionalString(*body, "activation_code", res, 64);
    if (!activation_code) return;
    Reply(res, 201, flows.Start({*kind, *username, ClientIp(ctx, req), std::move(*captcha),
                                 SecretString(std::move(*activation_code))}));
  });

  // A proof-of-work challenge for the next flow start (the ALTCHA widget's
  // challengeurl). Never cached: each one is accepted once.
  server.Get("/api/v1/captcha", [&ctx](const httplib::Request&, httplib::Response& res) {
    if (ctx.deps.captcha == nullptr) {
      SendError(res, Status::NotFound("captcha_off", "No CAPTCHA is needed here."));
      return;
    }
    res.status = 200;
    res.set_content(ctx.deps.captcha->NewChallengeJson(), "application/json");
  });

  server.Get(std::string("/api/v1/flows/") + kFlowId,
             [&flows](const httplib::Request& req, httplib::Response& res) {
               Reply(res, 200, flows.Get(req.matches[1].str()));
             });

  server.Post(std::string("/api/v1/flows/") + kFlowId + "/challenge",
              [&ctx, &flows](const httplib::Request& req, httplib::Response& res) {
                auto body = ParseBody(req, res);
                if (!body) return;
                auto method = RequireString(*body, "method", res, 64);
                if (!method) return;
                auto confirm = OptionalString(*body, "confirm", res, 320);
                if (!confirm) return;
                Reply(res, 202, flows.Challenge(req.matches[1].str(), *method, ClientIp(ctx, req), *confirm));
              });

  server.Post(std::string("/api/v1/flows/") + kFlowId + "/verify",
              [&ctx, &flows](const httplib::Request& req, httplib::Response& res) {
                auto body = ParseBody(req, res);
                if (!body) return;
                auto method = RequireString(*body, "method", res, 64);
                if (!method) return;
                std::optional<Answer> answer = AnswerFrom(*body, res);
                if (!answer) return;
                Reply(res, 200, flows.Verify(req.matches[1].str(), *method, *answer, ClientIp(ctx, req)));
              });

  server.Post(std::string("/api/v1/flows/") + kFlowId + "/complete",
              [&ctx, &flows](const httplib::Request& req, httplib::Response& res) {
                auto body = ParseBody(req, res);
                if (!body) return;
                // Absent for an unlock; a reset or activation without it is refused.
                auto password = OptionalString(*body, "new_password", res, 4096);
                if (!password) return;
                const SecretString secret(std::move(*password));
                Reply(res, 200, flows.Complete(req.matches[1].str(), secret, ClientIp(ctx, req)));
              });
}

}  // namespace latchkey::http
