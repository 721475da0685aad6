// Kannel's HTTP sendsms interface (smsbox, /cgi-bin/sendsms). Kannel answers
// 202 "0: Accepted for delivery" or "3: Queued for later delivery" (no SMSC is
// connected yet: bearerbox keeps it and sends it later), 403 "Authorization failed
// for sendsms", 400 for a malformed or barred request ("Missing receiver number,
// rejected", "Number(s) has/have been denied by white- and/or black-lists."), and
// 5xx when it cannot take the message now.
#include <algorithm>

#include "delivery/phone_senders.hpp"

namespace latchkey {
namespace {

class KannelSender final : public Sender {
 public:
  explicit KannelSender(KannelOptions options) : o_(std::move(options)) {}

  Status Send(const OutboxEntry& m) override {
    const HttpResponse r = PerformHttp(BuildKannelRequest(o_, m, clock_.Now()), o_.timeout_seconds);
    return ReadKannelResponse(r, m);
  }

 private:
  const KannelOptions o_;
  SystemClock clock_;
};

}  // namespace

HttpRequest BuildKannelRequest(const KannelOptions& o, const OutboxEntry& m, TimePoint now) {
  // Minutes the SMSC may keep trying: not past the code's expiry.
  std::string validity;
  if (m.expires_at) {
    const auto left = std::chrono::duration_cast<std::chrono::minutes>(*m.expires_at - now).count();
    validity = std::to_string(std::max<long long>(left, 1));
  }
  HttpRequest req;
  if (o.method == "get") {
    std::vector<std::pair<std::string, std::string>> q = {
        {"username", o.username}, {"password", std::string(o.password.view())},
        {"to", m.to}, {"text", std::string(m.body.view())}, {"charset", "UTF-8"}};
    if (!o.from.empty()) q.emplace_back("from", o.from);
    if (!validity.empty()) q.emplace_back("validity", validity);
    req.method = "GET";
    req.url = o.url + (o.url.find('?') == std::string::npos ? "?" : "&") + FormBody(q);
    return req;
  }
  req.method = "POST";
  req.url = o.url;
  req.headers = {"Content-Type: text/plain; charset=UTF-8",
                 "X-Kannel-Username: " + o.username,
                 "X-Kannel-Password: " + std::string(o.password.view()),
                 "X-Kannel-To: " + m.to};
  if (!o.from.empty()) req.headers.push_back("X-Kannel-From: " + o.from);
  if (!validity.empty()) req.headers.push_back("X-Kannel-Validity: " + validity);
  req.body = std::string(m.body.view());
  return req;
}

Status ReadKannelResponse(const HttpResponse& r, const OutboxEntry& m) {
  const std::string text = ProviderText(r.body, m);
  if (r.received && r.status >= 200 && r.status < 300 && text.rfind("0:", 0) != 0 &&
      text.rfind("3:", 0) != 0) {
    // A 2xx that is not one of Kannel's two acceptances: another server answers there.
    return Status::Unavailable("kannel HTTP " + std::to_string(r.status) + ": unexpected answer \"" +
                               text + "\" (is kannel_url the smsbox sendsms URL?)");
  }
  return ClassifyHttp("kannel", r, text);
}

Result<std::unique_ptr<Sender>> MakeKannelSender(const KannelOptions& options) {
  if (options.url.rfind("http://", 0) != 0 && options.url.rfind("https://", 0) != 0) {
    return Status::InvalidArgument("invalid_kannel_url", "sms.kannel_url must be an http(s) URL",
                                   "sms.kannel_url");
  }
  if (options.username.empty() || options.password.empty()) {
    return Status::InvalidArgument("invalid_kannel", "sms.kannel_username and sms.kannel_password are required",
                                   "sms.kannel_username");
  }
  if (options.method != "post" && options.method != "get") {
    return Status::InvalidArgument("invalid_kannel", "sms.kannel_method must be post or get",
                                   "sms.kannel_method");
  }
  return std::unique_ptr<Sender>(std::make_unique<KannelSender>(options));
}

}  // namespace latchkey
