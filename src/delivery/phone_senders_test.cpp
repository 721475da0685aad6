// The SMS and voice providers: the exact requests they build, how they read the
// answers, and the libcurl transport against a real loopback HTTP server.
#include "delivery/phone_senders.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <thread>

namespace latchkey {
namespace {

OutboxEntry Message(Channel channel = Channel::kSms) {
  OutboxEntry m;
  m.id = 42;
  m.channel = channel;
  m.template_id = channel == Channel::kVoice ? "voice_reset_code" : "sms_reset_code";
  m.to = "+447400123456";
  m.to_hint = "+44 ******* 56";
  m.body = SecretString("Example: your code is 493021. \"Quoted\" & <tagged>");
  m.code = SecretString("493021");
  return m;
}

HttpResponse Answer(long status, std::string body) {
  HttpResponse r;
  r.received = true;
  r.status = status;
  r.body = std::move(body);
  return r;
}

bool HasHeader(const HttpRequest& r, const std::string& header) {
  for (const auto& h : r.headers) {
    if (h == header) return true;
  }
  return false;
}

// Decodes an application/x-www-form-urlencoded body.
std::map<std::string, std::string> Form(const std::string& body) {
  std::map<std::string, std::string> out;
  httplib::Params params;
  httplib::detail::parse_query_text(body, params);
  for (const auto& [k, v] : params) out[k] = v;
  return out;
}

TEST(WebhookSenderTest, DefaultJsonBodyIsToAndText) {
  WebhookOptions o;
  o.url = "https://sms.example.org/send";
  const HttpRequest r = BuildWebhookRequest(o, Message());
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://sms.example.org/send");
  EXPECT_TRUE(HasHeader(r, "Content-Type: application/json"));
  const auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body, (nlohmann::json{{"to", "+447400123456"},
                                  {"text", "Example: your code is 493021. \"Quoted\" & <tagged>"}}));
  EXPECT_EQ(r.headers.size(), 1u);  // no auth header unless configured
}

TEST(WebhookSenderTest, TemplatePlaceholdersAreEscapedForTheFormat) {
  WebhookOptions o;
  o.url = "http://127.0.0.1:1/x";
  o.body_template = R"({"msisdn":"{{to}}","otp":"{{code}}","kind":"{{channel}}","ref":"{{id}}","m":"{{text}}"})";
  o.auth_header = "X-Api-Key";
  o.auth_value = SecretString("k3y");
  OutboxEntry m = Message(Channel::kVoice);
  m.body = SecretString("line one\nline \"two\"\\");
  HttpRequest r = BuildWebhookRequest(o, m);
  const auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["msisdn"], "+447400123456");
  EXPECT_EQ(body["otp"], "493021");
  EXPECT_EQ(body["kind"], "voice");
  EXPECT_EQ(body["ref"], "42");
  EXPECT_EQ(body["m"], "line one\nline \"two\"\\");
  EXPECT_TRUE(HasHeader(r, "X-Api-Key: k3y"));

  o.format = "form";
  o.body_template = "";
  r = BuildWebhookRequest(o, Message());
  EXPECT_TRUE(HasHeader(r, "Content-Type: application/x-www-form-urlencoded"));
  const auto form = Form(r.body);
  EXPECT_EQ(form.at("to"), "+447400123456");
  EXPECT_EQ(form.at("text"), "Example: your code is 493021. \"Quoted\" & <tagged>");
  EXPECT_EQ(r.body.find('+'), r.body.npos);  // "+" is sent as %2B, never as a space
}

TEST(WebhookSenderTest, AnswersAreAcceptedRetriedOrRefused) {
  const OutboxEntry m = Message();
  EXPECT_TRUE(ReadWebhookResponse(Answer(200, "{}"), m).ok());
  EXPECT_TRUE(ReadWebhookResponse(Answer(204, ""), m).ok());
  for (long transient : {500L, 502L, 503L, 429L, 408L, 401L, 403L, 404L, 301L}) {
    EXPECT_EQ(ReadWebhookResponse(Answer(transient, "x"), m).code(), Errc::kUnavailable) << transient;
  }
  for (long permanent : {400L, 410L, 422L}) {
    const Status st = ReadWebhookResponse(Answer(permanent, "bad number"), m);
    EXPECT_EQ(st.code(), Errc::kInvalidArgument) << permanent;
    EXPECT_NE(st.detail().find("webhook HTTP " + std::to_string(permanent) + ": bad number"),
              std::string::npos);
  }
  HttpResponse none;
  none.error = "Couldn't connect to server";
  const Status down = ReadWebhookResponse(none, m);
  EXPECT_EQ(down.code(), Errc::kUnavailable);
  EXPECT_NE(down.detail().find("Couldn't connect"), std::string::npos);
}

TEST(WebhookSenderTest, ProviderTextNeverCarriesTheNumberOrTheCode) {
  const OutboxEntry m = Message();
  const Status st = ReadWebhookResponse(
      Answer(400, "number +447400123456 (447400123456) refused for message 493021\nline two"), m);
  const std::string detail(st.detail());
  EXPECT_EQ(detail.find("7400123456"), std::string::npos) << detail;
  EXPECT_EQ(detail.find("493021"), std::string::npos) << detail;
  EXPECT_NE(detail.find("+44 ******* 56"), std::string::npos) << detail;
  EXPECT_EQ(detail.find('\n'), std::string::npos);
  EXPECT_LE(ProviderText(std::string(5000, 'x'), m).size(), 303u);
}

TEST(TwilioSenderTest, MessagesRequestFollowsTheRestApi) {
  TwilioOptions o;
  o.base_url = "https://api.twilio.com/";
  o.account_sid = "AC0123456789abcdef0123456789abcdef";
  o.auth_token = SecretString("tok");
  o.from = "+15005550006";
  OutboxEntry m = Message();
  const TimePoint now = FromUnixMillis(1'000'000);
  m.expires_at = now + std::chrono::minutes(5);
  const HttpRequest r = BuildTwilioRequest(o, m, now);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json");
  EXPECT_EQ(r.username, "AC0123456789abcdef0123456789abcdef");
  EXPECT_EQ(r.password.view(), "tok");
  EXPECT_TRUE(HasHeader(r, "Content-Type: application/x-www-form-urlencoded"));
  const auto form = Form(r.body);
  EXPECT_EQ(form.at("To"), "+447400123456");
  EXPECT_EQ(form.at("From"), "+15005550006");
  EXPECT_EQ(form.at("Body"), std::string(m.body.view()));
  EXPECT_EQ(form.at("ValidityPeriod"), "300");
  EXPECT_EQ(form.count("MessagingServiceSid"), 0u);

  o.messaging_service_sid = "MG00000000000000000000000000000000";
  o.from.clear();
  const auto service = Form(BuildTwilioRequest(o, m, now).body);
  EXPECT_EQ(service.at("MessagingServiceSid"), "MG00000000000000000000000000000000");
  EXPECT_EQ(service.count("From"), 0u);
}

TEST(TwilioSenderTest, CallsReadTheScriptWithPausesXmlEscaped) {
  TwilioOptions o;
  o.channel = Channel::kVoice;
  o.account_sid = "AC0123456789abcdef0123456789abcdef";
  o.auth_token = SecretString("tok");
  o.from = "+15005550006";
  o.language = "en-GB";
  OutboxEntry m = Message(Channel::kVoice);
  m.body = SecretString("This is R&D <Lab>.\nYour code is: 4, 9, 3, 0, 2, 1.\n\nOnce again: 4, 9, 3, 0, 2, 1.\n");
  const HttpRequest r = BuildTwilioRequest(o, m, FromUnixMillis(0));
  EXPECT_NE(r.url.find("/Accounts/AC0123456789abcdef0123456789abcdef/Calls.json"), std::string::npos);
  const auto form = Form(r.body);
  EXPECT_EQ(form.at("To"), "+447400123456");
  EXPECT_EQ(form.at("From"), "+15005550006");
  EXPECT_EQ(form.at("TimeLimit"), "120");
  EXPECT_EQ(form.at("Twiml"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>"
            "<Say language=\"en-GB\">This is R&amp;D &lt;Lab&gt;.</Say>"
            "<Say language=\"en-GB\">Your code is: 4, 9, 3, 0, 2, 1.</Say>"
            "<Pause length=\"1\"/>"
            "<Say language=\"en-GB\">Once again: 4, 9, 3, 0, 2, 1.</Say>"
            "</Response>");
  EXPECT_EQ(BuildTwiml("a\"b'c", ""), "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>"
                                      "<Say>a&quot;b&apos;c</Say></Response>");
}

TEST(TwilioSenderTest, ErrorBodiesAreReadAndClassified) {
  const OutboxEntry m = Message();
  EXPECT_TRUE(ReadTwilioResponse(Answer(201, R"({"sid":"SM123","status":"queued"})"), m).ok());
  const Status invalid = ReadTwilioResponse(
      Answer(400, R"({"code": 21211, "message": "The 'To' number +447400123456 is not a valid phone number.",)"
                  R"( "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400})"),
      m);
  EXPECT_EQ(invalid.code(), Errc::kInvalidArgument);
  EXPECT_EQ(std::string(invalid.detail()),
            "twilio HTTP 400: error 21211: The 'To' number +44 ******* 56 is not a valid phone number.");
  const Status auth = ReadTwilioResponse(
      Answer(401, R"({"code": 20003, "message": "Authenticate", "status": 401})"), m);
  EXPECT_EQ(auth.code(), Errc::kUnavailable);
  EXPECT_NE(auth.detail().find("20003"), std::string::npos);
  EXPECT_EQ(ReadTwilioResponse(Answer(429, R"({"code": 20429, "message": "Too Many Requests"})"), m).code(),
            Errc::kUnavailable);
  EXPECT_EQ(ReadTwilioResponse(Answer(500, "<html>oops</html>"), m).code(), Errc::kUnavailable);
}

TEST(KannelSenderTest, PostKeepsCredentialsOutOfTheUrl) {
  KannelOptions o;
  o.url = "http://127.0.0.1:13013/cgi-bin/sendsms";
  o.username = "latchkey";
  o.password = SecretString("s3cret&x");
  o.from = "Example";
  OutboxEntry m = Message();
  const TimePoint now = FromUnixMillis(0);
  m.expires_at = now + std::chrono::minutes(5);
  const HttpRequest r = BuildKannelRequest(o, m, now);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "http://127.0.0.1:13013/cgi-bin/sendsms");
  EXPECT_TRUE(HasHeader(r, "Content-Type: text/plain; charset=UTF-8"));
  EXPECT_TRUE(HasHeader(r, "X-Kannel-Username: latchkey"));
  EXPECT_TRUE(HasHeader(r, "X-Kannel-Password: s3cret&x"));
  EXPECT_TRUE(HasHeader(r, "X-Kannel-To: +447400123456"));
  EXPECT_TRUE(HasHeader(r, "X-Kannel-From: Example"));
  EXPECT_TRUE(HasHeader(r, "X-Kannel-Validity: 5"));
  EXPECT_EQ(r.body, std::string(m.body.view()));
}

TEST(KannelSenderTest, GetPutsEverythingInTheQuery) {
  KannelOptions o;
  o.url = "http://127.0.0.1:13013/cgi-bin/sendsms";
  o.username = "latchkey";
  o.password = SecretString("s3cret&x");
  o.method = "get";
  const HttpRequest r = BuildKannelRequest(o, Message(), FromUnixMillis(0));
  EXPECT_EQ(r.method, "GET");
  const std::string query = r.url.substr(r.url.find('?') + 1);
  const auto q = Form(query);
  EXPECT_EQ(q.at("username"), "latchkey");
  EXPECT_EQ(q.at("password"), "s3cret&x");
  EXPECT_EQ(q.at("to"), "+447400123456");
  EXPECT_EQ(q.at("text"), std::string(Message().body.view()));
  EXPECT_EQ(q.at("charset"), "UTF-8");
  EXPECT_EQ(q.count("from"), 0u);
}

TEST(KannelSenderTest, KannelAnswersAreRead) {
  const OutboxEntry m = Message();
  EXPECT_TRUE(ReadKannelResponse(Answer(202, "0: Accepted for delivery"), m).ok());
  EXPECT_TRUE(ReadKannelResponse(Answer(202, "3: Queued for later delivery"), m).ok());
  // Something else answering on that port.
  EXPECT_EQ(ReadKannelResponse(Answer(200, "<html>welcome</html>"), m).code(), Errc::kUnavailable);
  EXPECT_EQ(ReadKannelResponse(Answer(403, "Authorization failed for sendsms"), m).code(),
            Errc::kUnavailable);
  const Status barred =
      ReadKannelResponse(Answer(400, "Number(s) has/have been denied by white- and/or black-lists."), m);
  EXPECT_EQ(barred.code(), Errc::kInvalidArgument);
  EXPECT_NE(barred.detail().find("denied by white"), std::string::npos);
  EXPECT_EQ(ReadKannelResponse(Answer(503, "Temporal failure, try again later."), m).code(),
            Errc::kUnavailable);
}

TEST(TwilioSenderTest, TransportSendsBasicAuthAndTheFormToARealServer) {
  httplib::Server server;
  std::string auth, body, path;
  server.Post(R"(/2010-04-01/Accounts/([^/]+)/Messages\.json)",
              [&](const httplib::Request& req, httplib::Response& res) {
                auth = req.get_header_value("Authorization");
                body = req.body;
                path = req.path;
                res.status = 201;
                res.set_content(R"({"sid":"SM1","status":"queued"})", "application/json");
              });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread t([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::yield();

  TwilioOptions o;
  o.base_url = "http://127.0.0.1:" + std::to_string(port);
  o.account_sid = "AC0123456789abcdef0123456789abcdef";
  o.auth_token = SecretString("tok");
  o.from = "+15005550006";
  Result<std::unique_ptr<Sender>> sender = MakeTwilioSender(o);
  ASSERT_TRUE(sender.ok());
  const Status st = (*sender)->Send(Message());
  server.stop();
  t.join();
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(path, "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json");
  // "Basic " + base64("AC...:tok")
  EXPECT_EQ(auth, "Basic QUMwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjp0b2s=");
  EXPECT_EQ(Form(body).at("Body"), std::string(Message().body.view()));
}

TEST(WebhookSenderTest, TransportReportsARefusedConnectionAsTransient) {
  // Bind a port and close it again: nothing listens there now.
  httplib::Server probe;
  const int port = probe.bind_to_any_port("127.0.0.1");
  probe.stop();
  WebhookOptions o;
  o.url = "http://127.0.0.1:" + std::to_string(port) + "/sms";
  o.timeout_seconds = 5;
  Result<std::unique_ptr<Sender>> sender = MakeWebhookSender(o);
  ASSERT_TRUE(sender.ok());
  const Status st = (*sender)->Send(Message());
  EXPECT_EQ(st.code(), Errc::kUnavailable);
  EXPECT_NE(st.detail().find("webhook: "), std::string::npos) << st.ToString();
}

TEST(WebhookSenderTest, FactoriesRefuseUnusableOptions) {
  WebhookOptions w;
  w.url = "ftp://x";
  EXPECT_EQ(MakeWebhookSender(w).status().field(), "sms.webhook_url");
  TwilioOptions t;
  t.channel = Channel::kVoice;
  t.account_sid = "AC1";
  t.auth_token = SecretString("x");
  EXPECT_EQ(MakeTwilioSender(t).status().field(), "voice.from");
  KannelOptions k;
  k.username = "u";
  EXPECT_EQ(MakeKannelSender(k).status().code(), Errc::kInvalidArgument);
}

}  // namespace
}  // namespace latchkey
