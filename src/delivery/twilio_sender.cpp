// Twilio's REST API, version 2010-04-01: texts through Messages.json, calls through
// Calls.json with inline TwiML that reads the script. Form-encoded requests, HTTP
// basic authentication with the account SID and auth token, JSON answers.
#include <nlohmann/json.hpp>

#include <algorithm>

#include "delivery/phone_senders.hpp"

namespace latchkey {
namespace {

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  for (const char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 has no place for other control characters.
        if (static_cast<unsigned char>(ch) >= 0x20 || ch == '\t') out.push_back(ch);
    }
  }
  return out;
}

std::string Trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  return std::string(s.substr(b, s.find_last_not_of(" \t\r") - b + 1));
}

class TwilioSender final : public Sender {
 public:
  explicit TwilioSender(TwilioOptions options) : o_(std::move(options)) {}

  Status Send(const OutboxEntry& m) override {
    const HttpResponse r = PerformHttp(BuildTwilioRequest(o_, m, clock_.Now()), o_.timeout_seconds);
    return ReadTwilioResponse(r, m);
  }

 private:
  const TwilioOptions o_;
  SystemClock clock_;
};

}  // namespace

std::string BuildTwiml(std::string_view script, std::string_view language) {
  const std::string say_open =
      language.empty() ? "<Say>" : "<Say language=\"" + XmlEscape(language) + "\">";
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>";
  std::size_t pos = 0;
  while (pos <= script.size()) {
    const std::size_t nl = std::min(script.find('\n', pos), script.size());
    const std::string line = Trim(script.substr(pos, nl - pos));
    if (line.empty()) {
      if (nl < script.size()) out += "<Pause length=\"1\"/>";
    } else {
      out += say_open + XmlEscape(line) + "</Say>";
    }
    pos = nl + 1;
  }
  out += "</Response>";
  return out;
}

HttpRequest BuildTwilioRequest(const TwilioOptions& o, const OutboxEntry& m, TimePoint now) {
  std::string base = o.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const bool voice = o.channel == Channel::kVoice;
  HttpRequest req;
  req.method = "POST";
  req.url = base + "/2010-04-01/Accounts/" + FormEncode(o.account_sid) +
            (voice ? "/Calls.json" : "/Messages.json");
  req.username = o.account_sid;
  req.password = o.auth_token;
  req.headers.push_back("Content-Type: application/x-www-form-urlencoded");
  req.headers.push_back("Accept: application/json");
  std::vector<std::pair<std::string, std::string>> fields = {{"To", m.to}};
  if (voice) {
    fields.emplace_back("From", o.from);
    fields.emplace_back("Twiml", BuildTwiml(m.body.view(), o.language));
    fields.emplace_back("TimeLimit", std::to_string(o.call_time_limit_seconds));
  } else {
    if (!o.messaging_service_sid.empty()) {
      fields.emplace_back("MessagingServiceSid", o.messaging_service_sid);
    } else {
      fields.emplace_back("From", o.from);
    }
    fields.emplace_back("Body", std::string(m.body.view()));
    if (m.expires_at) {
      // Seconds the text may wait in Twilio's queue (1 to 36000).
      const auto left = std::chrono::duration_cast<std::chrono::seconds>(*m.expires_at - now).count();
      fields.emplace_back("ValidityPeriod", std::to_string(std::clamp<long long>(left, 1, 36000)));
    }
  }
  req.body = FormBody(fields);
  return req;
}

Status ReadTwilioResponse(const HttpResponse& r, const OutboxEntry& m) {
  std::string text;
  if (r.received && (r.status < 200 || r.status >= 300)) {
    // {"code": 21211, "message": "The 'To' number ... is not a valid phone number.",
    //  "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}
    const auto body = nlohmann::json::parse(r.body, nullptr, false);
    if (body.is_object() && body.contains("message") && body["message"].is_string()) {
      if (body.contains("code") && body["code"].is_number_integer()) {
        text = "error " + std::to_string(body["code"].get<long long>()) + ": ";
      }
      text += body["message"].get<std::string>();
    } else {
      text = r.body;
    }
  }
  return ClassifyHttp("twilio", r, ProviderText(text, m));
}

Result<std::unique_ptr<Sender>> MakeTwilioSender(const TwilioOptions& options) {
  const std::string section(ToString(options.channel));
  if (options.account_sid.empty() || options.auth_token.empty()) {
    return Status::InvalidArgument("invalid_twilio", section + ": twilio_account_sid and twilio_auth_token are required",
                                   section + ".twilio_account_sid");
  }
  if (options.from.empty() && (options.channel == Channel::kVoice || options.messaging_service_sid.empty())) {
    return Status::InvalidArgument("invalid_twilio", section + ".from is required", section + ".from");
  }
  return std::unique_ptr<Sender>(std::make_unique<TwilioSender>(options));
}

}  // namespace latchkey
