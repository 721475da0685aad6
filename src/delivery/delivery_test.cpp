#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "delivery/delivery_worker.hpp"
#include "delivery/mime.hpp"
#include "delivery/templates.hpp"
#include "test_support.hpp"

namespace latchkey {
namespace {

using testing_support::TempDir;

TEST(MimeTest, ParsesMailboxesAndRefusesHeaderInjection) {
  Mailbox m;
  ASSERT_TRUE(ParseMailbox("IT Service Desk <no-reply@example.ac.uk>", m));
  EXPECT_EQ(m.display, "IT Service Desk");
  EXPECT_EQ(m.address, "no-reply@example.ac.uk");
  ASSERT_TRUE(ParseMailbox("plain@example.org", m));
  EXPECT_EQ(m.display, "");
  EXPECT_FALSE(ParseMailbox("x <a@b.org>\r\nBcc: victim@c.org", m));
  EXPECT_FALSE(ParseMailbox("no address here", m));
  EXPECT_TRUE(IsPlausibleAddress("a.b+tag@sub.example.co.uk"));
  EXPECT_TRUE(IsPlausibleAddress("demo@localhost"));
  for (const char* bad : {"a@b", "@b.org", "a@", "a b@c.org", "a@b@c.org", "a@.org", "a@b..org", "<a@b.org>"}) {
    EXPECT_FALSE(IsPlausibleAddress(bad)) << bad;
  }
}

TEST(MimeTest, BuildsAWellFormedMessage) {
  const std::string m = BuildEmail({"Queen Mary", "it@qmul.example"}, "alice@example.org",
                                   "Your code", "line one\nline two\n", FromUnixMillis(0), "id@qmul.example");
  EXPECT_NE(m.find("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"), std::string::npos);
  EXPECT_NE(m.find("From: \"Queen Mary\" <it@qmul.example>\r\n"), std::string::npos);
  EXPECT_NE(m.find("To: alice@example.org\r\n"), std::string::npos);
  EXPECT_NE(m.find("Message-ID: <id@qmul.example>\r\n"), std::string::npos);
  EXPECT_NE(m.find("\r\n\r\nline one\r\nline two\r\n"), std::string::npos);
  // No bare LF anywhere.
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (m[i] == '\n') {
      ASSERT_TRUE(i > 0 && m[i - 1] == '\r') << "bare LF at " << i;
    }
  }
}

TEST(MimeTest, EncodesNonAsciiTextSafely) {
  const std::string m = BuildEmail({"Prifysgol Caerdydd", "it@cardiff.example"}, "a@b.org",
                                   "Eich côd dilysu", "Côd: 123456\n", FromUnixMillis(0), "x@y");
  EXPECT_NE(m.find("Subject: =?UTF-8?B?"), std::string::npos);
  EXPECT_NE(m.find("Content-Transfer-Encoding: base64"), std::string::npos);
  EXPECT_EQ(EncodeHeaderText("Hello\r\nBcc: x"), "HelloBcc: x");
}

TEST(TemplatesTest, RendersBuiltinsWithTheOrganisation) {
  MessageTemplates t = MessageTemplates::Load("").value();
  Result<RenderedMessage> r = t.Render(
      "reset_code", {{"organisation", "UMKC"}, {"code", "042917"}, {"minutes", "10"}, {"helpdesk_line", ""}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->subject, "UMKC: your verification code");
  EXPECT_NE(r->body.find("042917"), std::string::npos);
  EXPECT_NE(r->body.find("10 minutes"), std::string::npos);
  EXPECT_EQ(r->body.find("{{"), std::string::npos);
  EXPECT_FALSE(t.Render("nope", {}).ok());
}

TEST(TemplatesTest, OverridesAreCheckedForUnknownPlaceholders) {
  TempDir dir;
  std::ofstream(dir.File("reset_code.txt")) << "Subject: Code for {{organisation}}\nUse {{code}} now.\n";
  MessageTemplates t = MessageTemplates::Load(dir.path().string()).value();
  Result<RenderedMessage> r = t.Render("reset_code", {{"organisation", "KCL"}, {"code", "1"}});
  EXPECT_EQ(r->subject, "Code for KCL");
  EXPECT_EQ(r->body, "Use 1 now.\n");

  std::ofstream(dir.File("password_changed.txt")) << "Subject: x\nHi {{passwrd}}\n";
  Result<MessageTemplates> bad = MessageTemplates::Load(dir.path().string());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("passwrd"), std::string_view::npos);
  std::ofstream(dir.File("password_changed.txt")) << "No subject line\n";
  EXPECT_FALSE(MessageTemplates::Load(dir.path().string()).ok());
}

TEST(SmsTemplatesTest, TextsAreShortAndScriptsReadTheCodeTwice) {
  MessageTemplates t = MessageTemplates::Load("").value();
  const TemplateVars vars = {{"organisation", "King's College London IT"}, {"code", "04291788"},
                             {"minutes", "10"}, {"helpdesk", ""}};
  for (const char* id : {"sms_reset_code", "sms_registration_code", "sms_signin_code"}) {
    Result<RenderedMessage> r = t.Render(id, vars);
    ASSERT_TRUE(r.ok()) << id;
    EXPECT_TRUE(r->subject.empty()) << id;
    EXPECT_LE(r->body.size(), 160u) << id << ": " << r->body;  // one GSM 7-bit part
    EXPECT_NE(r->body.find("04291788"), std::string::npos) << id;
    EXPECT_FALSE(MessageTemplates::HasSubject(id));
  }
  for (const char* id : {"voice_reset_code", "voice_registration_code", "voice_signin_code"}) {
    Result<RenderedMessage> r = t.Render(id, {{"organisation", "UMKC"}, {"code", "4, 2"}});
    ASSERT_TRUE(r.ok()) << id;
    const auto first = r->body.find("4, 2");
    ASSERT_NE(first, std::string::npos) << id;
    EXPECT_NE(r->body.find("4, 2", first + 1), std::string::npos) << id;
    EXPECT_NE(r->body.find("\n\n"), std::string::npos) << id;  // a pause
  }
  EXPECT_TRUE(MessageTemplates::HasSubject("reset_code"));
}

TEST(SmsTemplatesTest, OverridesOfTextsHaveNoSubjectLine) {
  TempDir dir;
  std::ofstream(dir.File("sms_reset_code.txt")) << "{{code}} is your {{organisation}} code\n";
  MessageTemplates t = MessageTemplates::Load(dir.path().string()).value();
  Result<RenderedMessage> r = t.Render("sms_reset_code", {{"organisation", "KCL"}, {"code", "123456"}});
  EXPECT_EQ(r->body, "123456 is your KCL code");  // the trailing newline is not sent
  EXPECT_TRUE(r->subject.empty());
  std::ofstream(dir.File("sms_reset_code.txt")) << "{{code}} {{helpdesk_line}}";
  EXPECT_FALSE(MessageTemplates::Load(dir.path().string()).ok());  // not offered in a text
  std::ofstream(dir.File("sms_reset_code.txt")) << "";
  EXPECT_FALSE(MessageTemplates::Load(dir.path().string()).ok());
}

// A sender that fails a set number of times, then accepts (our interface, faked).
class FlakySender final : public Sender {
 public:
  explicit FlakySender(int failures, Status failure = Status::Unavailable("relay down"))
      : failures_(failures), failure_(std::move(failure)) {}
  Status Send(const OutboxEntry& m) override {
    ++calls;
    if (failures_-- > 0) return failure_;
    delivered.push_back(std::string(m.body.view()));
    return Status::Ok();
  }
  int calls = 0;
  std::vector<std::string> delivered;

 private:
  int failures_;
  Status failure_;
};

class DeliveryWorkerTest : public ::testing::Test {
 protected:
  DeliveryWorkerTest() : store_(testing_support::MakeSqliteStore(dir_)) {}

  void Enqueue(const std::string& body, std::optional<TimePoint> expires = std::nullopt) {
    OutboundMessage m;
    m.template_id = "reset_code";
    m.to = "user@example.org";
    m.to_hint = "us*****@e****.org";
    m.subject = "s";
    m.body = SecretString(body);
    m.expires_at = expires;
    ASSERT_TRUE(store_->Write([&](Tx& tx) {
                  return tx.outbox().Enqueue(m, OutboxStatus::kQueued, clock_.Now()).status();
                }).ok());
  }

  std::vector<OutboxEntry> All() {
    std::vector<OutboxEntry> out;
    EXPECT_TRUE(store_->Read([&](Tx& tx) -> Status {
                  auto r = tx.outbox().List(std::nullopt, 100);
                  if (r.ok()) out = std::move(r).value();
                  return r.status();
                }).ok());
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  ManualClock clock_;
};

TEST_F(DeliveryWorkerTest, RetriesWithBackoffUntilTheRelayIsBack) {
  FlakySender sender(2);
  DeliveryOptions o;
  o.retry_initial = std::chrono::seconds(5);
  o.retry_max = std::chrono::seconds(60);
  DeliveryWorker worker(*store_, clock_, {{Channel::kEmail, &sender}}, o, "test");
  Enqueue("hello");
  EXPECT_EQ(worker.RunOnce(), 1);
  auto after_first = All();
  EXPECT_EQ(after_first[0].status, OutboxStatus::kQueued);
  EXPECT_EQ(after_first[0].attempts, 1);
  EXPECT_NE(after_first[0].last_error.find("relay down"), std::string::npos);
  EXPECT_EQ(worker.RunOnce(), 0);  // not due yet
  clock_.Advance(std::chrono::seconds(5));
  EXPECT_EQ(worker.RunOnce(), 1);  // second failure: next wait doubles to 10 s
  clock_.Advance(std::chrono::seconds(9));
  EXPECT_EQ(worker.RunOnce(), 0);
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_EQ(worker.RunOnce(), 1);
  auto done = All();
  EXPECT_EQ(done[0].status, OutboxStatus::kSent);
  EXPECT_EQ(done[0].attempts, 3);
  EXPECT_TRUE(done[0].body.empty());
  EXPECT_EQ(sender.delivered, (std::vector<std::string>{"hello"}));
}

TEST_F(DeliveryWorkerTest, APermanentRefusalFailsAtOnce) {
  FlakySender sender(100, Status::InvalidArgument("rejected", "mailbox unknown"));
  DeliveryWorker worker(*store_, clock_, {{Channel::kEmail, &sender}}, {}, "test");
  Enqueue("x");
  EXPECT_EQ(worker.RunOnce(), 1);
  EXPECT_EQ(All()[0].status, OutboxStatus::kFailed);
  EXPECT_EQ(sender.calls, 1);
}

TEST_F(DeliveryWorkerTest, GivesUpAfterMaxAttempts) {
  FlakySender sender(100);
  DeliveryOptions o;
  o.max_attempts = 3;
  o.retry_initial = std::chrono::seconds(1);
  DeliveryWorker worker(*store_, clock_, {{Channel::kEmail, &sender}}, o, "test");
  Enqueue("x");
  for (int i = 0; i < 5; ++i) {
    worker.RunOnce();
    clock_.Advance(std::chrono::minutes(10));
  }
  EXPECT_EQ(All()[0].status, OutboxStatus::kFailed);
  EXPECT_EQ(sender.calls, 3);
}

TEST_F(DeliveryWorkerTest, ExpiredCodesAreNotSent) {
  FlakySender sender(0);
  DeliveryWorker worker(*store_, clock_, {{Channel::kEmail, &sender}}, {}, "test");
  Enqueue("old code", clock_.Now() + std::chrono::minutes(10));
  clock_.Advance(std::chrono::minutes(11));
  worker.RunOnce();
  EXPECT_EQ(All()[0].status, OutboxStatus::kExpired);
  EXPECT_EQ(sender.calls, 0);
}

TEST_F(DeliveryWorkerTest, AMessageLeasedByADeadWorkerIsSentLater) {
  FlakySender sender(0);
  Enqueue("survives");
  // A worker claims the message and dies before sending.
  ASSERT_TRUE(store_->Write([&](Tx& tx) {
                return tx.outbox().ClaimDue("dead", clock_.Now(), std::chrono::minutes(2), 10).status();
              }).ok());
  DeliveryWorker worker(*store_, clock_, {{Channel::kEmail, &sender}}, {}, "live");
  EXPECT_EQ(worker.RunOnce(), 0);
  clock_.Advance(std::chrono::minutes(3));
  EXPECT_EQ(worker.RunOnce(), 1);
  EXPECT_EQ(sender.delivered, (std::vector<std::string>{"survives"}));
}

}  // namespace
}  // namespace latchkey
