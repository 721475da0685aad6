// The SMS and voice providers behind Sender: a configurable webhook, Twilio's
// Messages and Calls APIs, and Kannel's sendsms interface (one translation unit
// each, over delivery/http_client). The request each one builds and the way it
// reads the answer are exposed so that tests can check them without a network.
//
// A voice message's body is a call script: one sentence a line, an empty line a
// pause (templates voice_*); its code is already written digit by digit.
#pragma once

#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/message.hpp"
#include "core/secret.hpp"
#include "core/status.hpp"
#include "delivery/http_client.hpp"
#include "delivery/sender.hpp"

namespace latchkey {

// ---- webhook: POST of a JSON or form body built from a template.
struct WebhookOptions {
  Channel channel = Channel::kSms;
  std::string url;
  std::string format = "json";  // json | form
  // Placeholders {{to}} {{text}} {{code}} {{channel}} {{id}}, replaced by
  // JSON-escaped (json) or form-encoded (form) values. Empty: {"to","text"}.
  std::string body_template;
  std::string auth_header = "Authorization";
  SecretString auth_value;  // empty: no auth header
  int timeout_seconds = 10;
};
HttpRequest BuildWebhookRequest(const WebhookOptions& options, const OutboxEntry& message);
Status ReadWebhookResponse(const HttpResponse& response, const OutboxEntry& message);
// kInvalidArgument for an unusable URL or format.
Result<std::unique_ptr<Sender>> MakeWebhookSender(const WebhookOptions& options);

// ---- Twilio: Messages.json (SMS) and Calls.json (voice, TwiML <Say>).
struct TwilioOptions {
  Channel channel = Channel::kSms;
  std::string base_url = "https://api.twilio.com";
  std::string account_sid;
  SecretString auth_token;
  std::string from;                   // E.164 or, for SMS, an alphanumeric sender id
  std::string messaging_service_sid;  // SMS: instead of `from`
  std::string language;               // voice: <Say language="...">; "" = Twilio's default
  int call_time_limit_seconds = 120;  // voice: a call is cut after this (caps its cost)
  int timeout_seconds = 10;
};
// `now` sets ValidityPeriod: Twilio drops a text not sent before the code expires.
HttpRequest BuildTwilioRequest(const TwilioOptions& options, const OutboxEntry& message,
                               TimePoint now);
// <Response> with one <Say> per script line and a <Pause> per empty line.
std::string BuildTwiml(std::string_view script, std::string_view language);
// Reads Twilio's JSON error body ({"code": 21211, "message": ...}) into the detail.
Status ReadTwilioResponse(const HttpResponse& response, const OutboxEntry& message);
Result<std::unique_ptr<Sender>> MakeTwilioSender(const TwilioOptions& options);

// ---- Kannel: smsbox's /cgi-bin/sendsms.
struct KannelOptions {
  std::string url = "http://127.0.0.1:13013/cgi-bin/sendsms";
  std::string username;
  SecretString password;
  std::string from;
  // post: credentials and recipient in X-Kannel-* headers, the text as the body
  // (nothing secret in URLs, which proxies and access logs record). get: all in
  // the query string.
  std::string method = "post";
  int timeout_seconds = 10;
};
HttpRequest BuildKannelRequest(const KannelOptions& options, const OutboxEntry& message,
                               TimePoint now);
// 202 "0: Accepted for delivery" and "3: Queued for later delivery" are success.
Status ReadKannelResponse(const HttpResponse& response, const OutboxEntry& message);
Result<std::unique_ptr<Sender>> MakeKannelSender(const KannelOptions& options);

}  // namespace latchkey
