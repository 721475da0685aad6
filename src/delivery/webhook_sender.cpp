// The webhook provider: each message is POSTed to a configured URL, with a body
// built from a template, for gateways without a dedicated adapter.
#include "delivery/phone_senders.hpp"

namespace latchkey {
namespace {

constexpr const char* kDefaultJson = R"({"to":"{{to}}","text":"{{text}}"})";
constexpr const char* kDefaultForm = "to={{to}}&text={{text}}";

class WebhookSender final : public Sender {
 public:
  explicit WebhookSender(WebhookOptions options) : o_(std::move(options)) {}

  Status Send(const OutboxEntry& m) override {
    const HttpResponse r = PerformHttp(BuildWebhookRequest(o_, m), o_.timeout_seconds);
    return ReadWebhookResponse(r, m);
  }

 private:
  const WebhookOptions o_;
};

}  // namespace

HttpRequest BuildWebhookRequest(const WebhookOptions& o, const OutboxEntry& m) {
  const bool json = o.format != "form";
  const std::string tmpl = !o.body_template.empty() ? o.body_template : json ? kDefaultJson : kDefaultForm;
  auto value = [&](std::string_view name) -> std::string {
    std::string_view v;
    std::string scratch;
    if (name == "to") {
      v = m.to;
    } else if (name == "text") {
      v = m.body.view();
    } else if (name == "code") {
      v = m.code.view();
    } else if (name == "channel") {
      v = ToString(m.channel);
    } else if (name == "id") {
      scratch = std::to_string(m.id);
      v = scratch;
    }
    return json ? JsonEscape(v) : FormEncode(v);
  };
  HttpRequest req;
  req.method = "POST";
  req.url = o.url;
  for (std::size_t pos = 0;;) {
    const std::size_t p = tmpl.find("{{", pos);
    const std::size_t e = p == std::string::npos ? p : tmpl.find("}}", p + 2);
    if (e == std::string::npos) {
      req.body.append(tmpl, pos, std::string::npos);
      break;
    }
    req.body.append(tmpl, pos, p - pos);
    req.body += value(std::string_view(tmpl).substr(p + 2, e - p - 2));
    pos = e + 2;
  }
  req.headers.push_back(json ? "Content-Type: application/json"
                             : "Content-Type: application/x-www-form-urlencoded");
  if (!o.auth_value.empty()) {
    req.headers.push_back(o.auth_header + ": " + std::string(o.auth_value.view()));
  }
  return req;
}

Status ReadWebhookResponse(const HttpResponse& r, const OutboxEntry& m) {
  return ClassifyHttp("webhook", r, ProviderText(r.body, m));
}

Result<std::unique_ptr<Sender>> MakeWebhookSender(const WebhookOptions& options) {
  const std::string section(ToString(options.channel));
  if (options.url.rfind("http://", 0) != 0 && options.url.rfind("https://", 0) != 0) {
    return Status::InvalidArgument("invalid_webhook_url", section + ".webhook_url must be an http(s) URL",
                                   section + ".webhook_url");
  }
  if (options.format != "json" && options.format != "form") {
    return Status::InvalidArgument("invalid_webhook_format", section + ".webhook_format must be json or form",
                                   section + ".webhook_format");
  }
  return std::unique_ptr<Sender>(std::make_unique<WebhookSender>(options));
}

}  // namespace latchkey
