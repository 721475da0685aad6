// The phone methods end to end below HTTP: a real SQLite store, the real flow
// service, templates, rate limiter and toll-fraud guard, and a manual clock. The
// codes are read from the outbox, as the delivery worker would hand them over.
#include "methods/sms_code/sms_code_method.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/office_phone_command.hpp"
#include "core/store.hpp"
#include "core/work_pool.hpp"
#include "crypto/password_hasher.hpp"
#include "crypto/sodium_random.hpp"
#include "delivery/phone_guard.hpp"
#include "delivery/templates.hpp"
#include "directory/builtin_directory.hpp"
#include "flows/account_admin.hpp"
#include "flows/code_senders.hpp"
#include "flows/flow_service.hpp"
#include "methods/email_code/email_code_method.hpp"
#include "methods/office_phone/office_phone_method.hpp"
#include "methods/registry.hpp"
#include "methods/voice_code/voice_code_method.hpp"
#include "policy/password_history.hpp"
#include "policy/password_policy.hpp"
#include "test_support.hpp"

namespace latchkey {
namespace {

using testing_support::TempDir;
using testing_support::TestKeys;

constexpr const char* kIp = "192.0.2.7";

Answer Code(const std::string& code) { return Answer{SecretString(code), {}}; }

class PhoneMethodsTest : public ::testing::Test {
 protected:
  PhoneMethodsTest()
      : store_(testing_support::MakeSqliteStore(dir_)),
        pool_(1, 16),
        hasher_({8192, 1}, pool_),
        policy_(PasswordPolicy::LengthOnly(12, 256)),
        history_(hasher_, TestKeys()),
        limiter_(clock_),
        templates_(MessageTemplates::Load("").value()),
        directory_(MakeBuiltinDirectory(*store_, hasher_, clock_)),
        admin_(*store_, hasher_, policy_, history_, registry_, TestKeys(), clock_, random_, "GB") {
    PhoneMethodOptions phone;
    phone.codes = {6, std::chrono::minutes(5)};
    phone.default_region = "GB";
    registry_.Add(MakeEmailCodeMethod(CodeOptions{6, std::chrono::minutes(10)}));
    registry_.Add(MakeSmsCodeMethod(phone));
    registry_.Add(MakeVoiceCodeMethod(phone));
    registry_.Add(MakeOfficePhoneMethod(phone.codes));
    guard_options_.home_region = "GB";
    settings_.organisation = "Example University";
    settings_.sms_dev_outbox = false;  // as with a provider configured: queued for the worker
    settings_.voice_dev_outbox = false;
  }

  FlowService& Flows() {
    guard_ = std::make_unique<PhoneGuard>(clock_, limiter_, TestKeys(), guard_options_);
    flows_ = std::make_unique<FlowService>(
        FlowDeps{*store_, *directory_, clock_, random_, TestKeys(), limiter_, registry_, templates_,
                 policy_, history_, nullptr, guard_.get()},
        settings_);
    return *flows_;
  }

  Account AddUser(const std::string& name, const std::string& phone) {
    Result<Account> a = admin_.Add({name, "Test " + name, "", phone, SecretString("an old password 123")}, "test");
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    return a.ok() ? *a : Account{};
  }

  std::vector<OutboxEntry> Outbox() {
    std::vector<OutboxEntry> out;
    EXPECT_TRUE(store_->Read([&](Tx& tx) -> Status {
                  auto r = tx.outbox().List(std::nullopt, 100);
                  if (r.ok()) out = std::move(r).value();
                  return r.status();
                }).ok());
    return out;
  }

  std::vector<AuditEvent> Audit() {
    std::vector<AuditEvent> out;
    EXPECT_TRUE(store_->Read([&](Tx& tx) -> Status {
                  auto r = tx.audit().List(std::nullopt, 1000);
                  if (r.ok()) out = std::move(r).value();
                  return r.status();
                }).ok());
    return out;
  }

  std::vector<Enrollment> Enrollments(AccountId id) {
    std::vector<Enrollment> out;
    EXPECT_TRUE(store_->Read([&](Tx& tx) -> Status {
                  auto r = tx.enrollments().ListForAccount(id);
                  if (r.ok()) out = std::move(r).value();
                  return r.status();
                }).ok());
    return out;
  }

  // Starts a reset for `user` and returns the flow with the option of `kind`.
  std::pair<FlowView, std::string> StartWith(const std::string& user, MethodKind kind) {
    Result<FlowView> f = flows_->Start({FlowKind::kReset, user, kIp});
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    for (const auto& o : f->flow.options) {
      if (o.kind == kind) return {*f, o.id};
    }
    ADD_FAILURE() << "no option of kind " << ToString(kind);
    return {*f, ""};
  }

  // Registers `phone` for `kind` through the Enroller, as the registration
  // endpoints will: the messages it prepares are queued like a flow's.
  Result<Enrollment> BeginEnroll(const Account& a, MethodKind kind, const std::string& request,
                                 std::string* response = nullptr) {
    Enroller* enroller = registry_.FindEnroller(kind);
    if (enroller == nullptr) return Status::Internal("no enroller");
    const std::vector<Enrollment> existing = Enrollments(a.id);
    const CodeMessageSettings messages{settings_.send_per_destination, settings_.organisation,
                                       settings_.helpdesk, guard_.get()};
    OutboxCodeSender sender(limiter_, TestKeys(), templates_, clock_, messages, a.id);
    EnrollContext ctx{clock_, random_, TestKeys(), a, existing, sender, {}};
    Result<Enrollment> e = enroller->BeginEnroll(ctx, request);
    if (response != nullptr) *response = ctx.response;
    if (!e.ok()) return e;
    EXPECT_TRUE(store_->Write([&](Tx& tx) -> Status {
                  LK_RETURN_IF_ERROR(tx.enrollments().Insert(*e));
                  for (const auto& m : sender.messages) {
                    LK_RETURN_IF_ERROR(tx.outbox().Enqueue(m, OutboxStatus::kQueued, clock_.Now()).status());
                  }
                  return Status::Ok();
                }).ok());
    return e;
  }

  Status FinishEnroll(const Account& a, Enrollment& pending, const std::string& code) {
    const std::vector<Enrollment> existing = Enrollments(a.id);
    PhantomCodeSender none(limiter_, TestKeys(), CodeMessageSettings{}, "x");
    EnrollContext ctx{clock_, random_, TestKeys(), a, existing, none, {}};
    Status st = registry_.FindEnroller(pending.kind)
                    ->FinishEnroll(ctx, pending, nlohmann::json{{"code", code}}.dump());
    if (st.ok()) {
      EXPECT_TRUE(store_->Write([&](Tx& tx) { return tx.enrollments().Update(pending); }).ok());
    }
    return st;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  ManualClock clock_;
  SodiumRandom random_;
  WorkPool pool_;
  PasswordHasher hasher_;
  PasswordPolicy policy_;
  PasswordHistory history_;
  RateLimiter limiter_;
  MessageTemplates templates_;
  MethodRegistry registry_;
  std::unique_ptr<Directory> directory_;
  AccountAdmin admin_;
  PhoneGuardOptions guard_options_;
  std::unique_ptr<PhoneGuard> guard_;
  FlowSettings settings_;
  std::unique_ptr<FlowService> flows_;
};

using SmsCodeMethodTest = PhoneMethodsTest;
using VoiceCodeMethodTest = PhoneMethodsTest;
using OfficePhoneTest = PhoneMethodsTest;
using SmsTollFraudFlowTest = PhoneMethodsTest;

TEST_F(SmsCodeMethodTest, AnAdminRegisteredPhoneIsAResetGateByText) {
  AddUser("alice", "07400 123456");  // national format, default region GB
  FlowService& flows = Flows();
  auto [flow, option] = StartWith("alice", MethodKind::kSms);
  EXPECT_EQ(flow.flow.FindOption(option)->hint, "+44 ******* 56");
  ASSERT_TRUE(flows.Challenge(flow.id, option, kIp).ok());
  const std::vector<OutboxEntry> out = Outbox();
  ASSERT_EQ(out.size(), 1u);
  const OutboxEntry& m = out[0];
  EXPECT_EQ(m.channel, Channel::kSms);
  EXPECT_EQ(m.status, OutboxStatus::kQueued);
  EXPECT_EQ(m.template_id, "sms_reset_code");
  EXPECT_EQ(m.to, "+447400123456");
  EXPECT_TRUE(m.subject.empty());
  ASSERT_EQ(m.code.size(), 6u);
  const std::string body(m.body.view());
  EXPECT_EQ(body.rfind("Example University: your verification code is " + std::string(m.code.view()), 0), 0u)
      << body;
  EXPECT_NE(body.find("valid for 5 minutes"), std::string::npos);
  EXPECT_LE(body.size(), 160u);
  // The code is valid for 5 minutes: at 5 minutes it is not.
  clock_.Advance(std::chrono::minutes(5));
  EXPECT_EQ(flows.Verify(flow.id, option, Code(std::string(m.code.view())), kIp).status().code(),
            Errc::kExpired);
  clock_.Advance(-std::chrono::seconds(1));
  Result<FlowView> v = flows.Verify(flow.id, option, Code(std::string(m.code.view())), kIp);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->state, FlowState::kSetPassword);
  EXPECT_TRUE(flows.Complete(flow.id, SecretString("a brand new passphrase 42"), kIp).ok());
}

TEST_F(SmsCodeMethodTest, ANewCodeDoesNotResetTheFailureCount) {
  AddUser("bob", "+447400123456");
  FlowService& flows = Flows();
  auto [flow, option] = StartWith("bob", MethodKind::kSms);
  ASSERT_TRUE(flows.Challenge(flow.id, option, kIp).ok());
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(flows.Verify(flow.id, option, Code("000000"), kIp).status().code(),
              Errc::kVerifyFailed);
  }
  ASSERT_TRUE(flows.Challenge(flow.id, option, kIp).ok());  // "send me another code"
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(flows.Verify(flow.id, option, Code("000000"), kIp).status().code(),
              Errc::kVerifyFailed);
  }
  // The fifth wrong code overall blocks, although only two were tried on this code:
  // the flow ([flows] max_failures), and, five wrong phone codes within an hour,
  // the person for a day ([throttle] verify_attempts), which is what they are told.
  const Status fifth = flows.Verify(flow.id, option, Code("000000"), kIp).status();
  EXPECT_EQ(fifth.code(), Errc::kRateLimited);
  EXPECT_EQ(fifth.reason(), "throttled");
  EXPECT_EQ(fifth.retry_after(), std::chrono::hours(24) + std::chrono::seconds(1));
  ASSERT_TRUE(flows.Get(flow.id).ok());
  EXPECT_EQ(flows.Get(flow.id)->state, FlowState::kBlocked);
  // And the right code no longer helps.
  const std::string code(Outbox()[0].code.view());
  EXPECT_FALSE(flows.Verify(flow.id, option, Code(code), kIp).ok());
}

TEST_F(SmsCodeMethodTest, RegistrationProvesTheNumberWithATextedCode) {
  const Account a = AddUser("carol", "");
  Flows();
  std::string response;
  Result<Enrollment> e = BeginEnroll(a, MethodKind::kSms, R"({"phone":"07400 123456"})", &response);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->state, EnrollmentState::kPending);
  EXPECT_EQ(e->kind, MethodKind::kSms);
  EXPECT_EQ(e->secret.view(), "+447400123456");
  EXPECT_EQ(e->hint, "+44 ******* 56");
  EXPECT_EQ(nlohmann::json::parse(response)["channel"], "sms");
  const OutboxEntry m = Outbox()[0];
  EXPECT_EQ(m.template_id, "sms_registration_code");
  EXPECT_EQ(m.channel, Channel::kSms);
  EXPECT_NE(std::string(m.body.view()).find(std::string(m.code.view())), std::string::npos);
  // Not usable as a gate while pending.
  EXPECT_FALSE(registry_.Find(MethodKind::kSms)->IsUsable(*e));
  EXPECT_EQ(FinishEnroll(a, *e, "111111").code(), Errc::kVerifyFailed);
  ASSERT_TRUE(FinishEnroll(a, *e, std::string(m.code.view())).ok());
  EXPECT_EQ(e->state, EnrollmentState::kActive);
  EXPECT_TRUE(e->confirmed_at.has_value());
  // Now it is a gate.
  auto [flow, option] = StartWith("carol", MethodKind::kSms);
  EXPECT_FALSE(option.empty());
  // The same number again is a conflict; the same number for calls is its own enrollment.
  EXPECT_EQ(BeginEnroll(a, MethodKind::kSms, R"({"phone":"+44 7400 123456"})").status().code(),
            Errc::kConflict);
  EXPECT_TRUE(BeginEnroll(a, MethodKind::kVoice, R"({"phone":"+44 7400 123456"})").ok());
}

TEST_F(SmsCodeMethodTest, RegistrationRefusesNumbersItCannotUse) {
  const Account a = AddUser("dave", "");
  Flows();
  auto refused = [&](MethodKind kind, const std::string& body) {
    return BeginEnroll(a, kind, body).status();
  };
  EXPECT_EQ(refused(MethodKind::kSms, R"({})").field(), "phone");
  EXPECT_EQ(refused(MethodKind::kSms, R"({"phone":"12345"})").reason(), "invalid_phone");
  EXPECT_EQ(refused(MethodKind::kSms, R"({"phone":"not a number"})").field(), "phone");
  // A UK landline cannot take texts (but can take calls).
  const Status landline = refused(MethodKind::kSms, R"({"phone":"020 7123 4567"})");
  EXPECT_EQ(landline.reason(), "landline_number") << landline.ToString();
  EXPECT_NE(landline.message().find("landline"), std::string::npos);
  // Premium-rate and VoIP numbers are refused for both.
  EXPECT_EQ(refused(MethodKind::kVoice, R"({"phone":"09098 790000"})").reason(), "unsupported_number");
  EXPECT_EQ(refused(MethodKind::kSms, R"({"phone":"056 1234 5678"})").reason(), "voip_number");
  EXPECT_TRUE(Outbox().empty());  // nothing was sent for any of them
}

TEST_F(SmsCodeMethodTest, TheTypedFullNumberMustMatchTheOneOnFile) {
  Enrollment e;
  e.kind = MethodKind::kSms;
  e.secret = SecretString("+447400123456");
  EXPECT_TRUE(ConfirmTypedNumber("07400 123456", e, "GB").ok());
  EXPECT_TRUE(ConfirmTypedNumber("+44 (0)7400-123456", e, "GB").ok());
  EXPECT_TRUE(ConfirmTypedNumber("+447400123456", e, "").ok());
  EXPECT_EQ(ConfirmTypedNumber("07400 123457", e, "GB").reason(), "number_mismatch");
  EXPECT_EQ(ConfirmTypedNumber("hello", e, "GB").reason(), "number_mismatch");
  EXPECT_EQ(ConfirmTypedNumber("", e, "GB").reason(), "number_mismatch");
  Enrollment empty;
  EXPECT_FALSE(ConfirmTypedNumber("07400 123456", empty, "GB").ok());
}

TEST_F(VoiceCodeMethodTest, ACallReadsTheCodeDigitByDigitTwice) {
  const Account a = AddUser("erin", "");
  FlowService& flows = Flows();
  Result<Enrollment> e = BeginEnroll(a, MethodKind::kVoice, R"({"phone":"020 7123 4567"})");
  ASSERT_TRUE(e.ok()) << e.status().ToString();  // a landline is fine for calls
  const OutboxEntry reg = Outbox()[0];
  EXPECT_EQ(reg.channel, Channel::kVoice);
  EXPECT_EQ(reg.template_id, "voice_registration_code");
  ASSERT_TRUE(FinishEnroll(a, *e, std::string(reg.code.view())).ok());

  auto [flow, option] = StartWith("erin", MethodKind::kVoice);
  ASSERT_TRUE(flows.Challenge(flow.id, option, kIp).ok());
  const OutboxEntry call = Outbox()[0];
  EXPECT_EQ(call.template_id, "voice_reset_code");
  EXPECT_EQ(call.to, "+442071234567");
  const std::string code(call.code.view());
  std::string spoken;
  for (char c : code) spoken += std::string(spoken.empty() ? "" : ", ") + c;
  const std::string script(call.body.view());
  const auto first = script.find(spoken);
  ASSERT_NE(first, std::string::npos) << script;
  EXPECT_NE(script.find(spoken, first + spoken.size()), std::string::npos) << script;
  EXPECT_NE(script.find("\n\n"), std::string::npos);  // a pause between the two readings
  EXPECT_TRUE(flows.Verify(flow.id, option, Code(code), kIp).ok());
}

TEST_F(OfficePhoneTest, SetOnlyByTheAdministratorAndCalledAtAGate) {
  const Account a = AddUser("frank", "");
  FlowService& flows = Flows();
  EXPECT_EQ(registry_.FindEnroller(MethodKind::kOfficePhone), nullptr);  // people cannot register it
  Result<std::string> hint = SetOfficePhone(*store_, TestKeys(), clock_, random_, "frank",
                                            "020 7123 4567", "GB", "cli");
  ASSERT_TRUE(hint.ok()) << hint.status().ToString();
  EXPECT_EQ(*hint, "+44 ******* 67");
  std::vector<Enrollment> es = Enrollments(a.id);
  ASSERT_EQ(es.size(), 1u);
  EXPECT_EQ(es[0].kind, MethodKind::kOfficePhone);
  EXPECT_EQ(es[0].source, EnrollmentSource::kAdmin);
  EXPECT_EQ(es[0].state, EnrollmentState::kActive);

  auto [flow, option] = StartWith("frank", MethodKind::kOfficePhone);
  ASSERT_TRUE(flows.Challenge(flow.id, option, kIp).ok());
  const OutboxEntry call = Outbox()[0];
  EXPECT_EQ(call.channel, Channel::kVoice);
  EXPECT_EQ(call.to, "+442071234567");
  EXPECT_TRUE(flows.Verify(flow.id, option, Code(std::string(call.code.view())), kIp).ok());

  // Setting it again replaces it; clearing removes it; every change is audited.
  ASSERT_TRUE(SetOfficePhone(*store_, TestKeys(), clock_, random_, "frank", "+44 20 7123 4568", "GB", "cli").ok());
  es = Enrollments(a.id);
  ASSERT_EQ(es.size(), 1u);
  EXPECT_EQ(es[0].secret.view(), "+442071234568");
  ASSERT_TRUE(SetOfficePhone(*store_, TestKeys(), clock_, random_, "frank", "", "GB", "cli").ok());
  EXPECT_TRUE(Enrollments(a.id).empty());
  std::vector<std::string> events;
  for (const auto& ev : Audit()) {
    if (ev.method == "office_phone" && ev.actor == "cli") events.push_back(ev.event + "/" + ev.actor);
  }
  EXPECT_EQ(events, (std::vector<std::string>{"method.remove/cli", "method.replace/cli", "method.add/cli"}));
}

TEST_F(OfficePhoneTest, RefusesUnknownAccountsAndUnusableNumbers) {
  AddUser("gina", "");
  EXPECT_EQ(SetOfficePhone(*store_, TestKeys(), clock_, random_, "nobody", "020 7123 4567", "GB", "cli")
                .status()
                .code(),
            Errc::kNotFound);
  EXPECT_EQ(SetOfficePhone(*store_, TestKeys(), clock_, random_, "gina", "123", "GB", "cli").status().field(),
            "phone");
  EXPECT_EQ(SetOfficePhone(*store_, TestKeys(), clock_, random_, "gina", "09098 790000", "GB", "cli")
                .status()
                .reason(),
            "unsupported_number");
  EXPECT_EQ(SetOfficePhone(*store_, TestKeys(), clock_, random_, "gina", "", "GB", "cli").status().reason(),
            "no_office_phone");
}

TEST_F(SmsTollFraudFlowTest, PastTheBudgetCodesAreRefusedAndTheOperatorAlerted) {
  guard_options_.sms_hourly_budget = 1;
  AddUser("hana", "+447400123456");
  AddUser("ivan", "+447400123457");
  FlowService& flows = Flows();
  auto [f1, o1] = StartWith("hana", MethodKind::kSms);
  ASSERT_TRUE(flows.Challenge(f1.id, o1, kIp).ok());
  auto [f2, o2] = StartWith("ivan", MethodKind::kSms);
  const Status refused = flows.Challenge(f2.id, o2, kIp).status();
  EXPECT_EQ(refused.code(), Errc::kRateLimited);
  EXPECT_EQ(refused.reason(), "cannot_send_code");
  EXPECT_EQ(refused.message(), CannotSendCode().message());
  EXPECT_EQ(Outbox().size(), 1u);  // nothing queued for ivan
  int alerts = 0;
  bool challenge_audited = false;
  for (const auto& ev : Audit()) {
    if (ev.event == "phone.budget_exceeded") {
      ++alerts;
      EXPECT_EQ(ev.actor, "system");
      EXPECT_EQ(ev.method, "sms");
      EXPECT_EQ(ev.reason, "sms_hourly_budget:1");
    }
    if (ev.event == "flow.challenge" && ev.subject == "ivan") {
      challenge_audited = ev.outcome == "rate_limited" && ev.reason == "cannot_send_code";
    }
  }
  EXPECT_EQ(alerts, 1);
  EXPECT_TRUE(challenge_audited);
  // Another refusal within the hour is refused without a second alert.
  EXPECT_FALSE(flows.Challenge(f2.id, o2, kIp).ok());
  alerts = 0;
  for (const auto& ev : Audit()) alerts += ev.event == "phone.budget_exceeded" ? 1 : 0;
  EXPECT_EQ(alerts, 1);
}

TEST_F(SmsTollFraudFlowTest, WithoutTheGuardNoPhoneCodeIsPrepared) {
  const CodeMessageSettings unguarded{};  // phone_guard left null: a wiring mistake
  OutboxCodeSender sender(limiter_, TestKeys(), templates_, clock_, unguarded, std::nullopt);
  EXPECT_EQ(sender.SendCode(CodePurpose::kReset, Channel::kSms, "+447400123456", "+44 ******* 56",
                            SecretString("123456"), std::chrono::minutes(5))
                .code(),
            Errc::kInternal);
  EXPECT_TRUE(sender.messages.empty());
  // Email does not need it.
  EXPECT_TRUE(sender.SendCode(CodePurpose::kReset, Channel::kEmail, "a@example.org", "a*****@e****.org",
                              SecretString("123456"), std::chrono::minutes(10))
                  .ok());
}

TEST_F(SmsTollFraudFlowTest, RegistrationToANumberAbroadIsRefusedWithoutDetail) {
  const Account a = AddUser("jude", "");
  Flows();
  const Status st = BeginEnroll(a, MethodKind::kSms, R"({"phone":"+33 6 12 34 56 78"})").status();
  EXPECT_EQ(st.reason(), "cannot_send_code");
  EXPECT_EQ(st.message(), CannotSendCode().message());
  EXPECT_TRUE(Outbox().empty());
}

TEST_F(SmsCodeMethodTest, TheFullNumberMustBeTypedWhenThePolicyAsks) {
  settings_.confirm_phone_number = true;
  settings_.default_region = "GB";
  AddUser("ria", "+447400123456");
  FlowService& flows = Flows();
  auto [flow, option] = StartWith("ria", MethodKind::kSms);
  EXPECT_EQ(flows.Challenge(flow.id, option, kIp).status().reason(), "confirm_required");
  const Status wrong = flows.Challenge(flow.id, option, kIp, "07400 123457").status();
  EXPECT_EQ(wrong.code(), Errc::kVerifyFailed);
  EXPECT_EQ(wrong.reason(), "number_mismatch");
  EXPECT_NE(std::string(wrong.message()).find("4 attempts left"), std::string::npos) << wrong.message();
  EXPECT_TRUE(Outbox().empty());  // nothing sent to a guessed number
  // National or international format, with spaces: the same number.
  ASSERT_TRUE(flows.Challenge(flow.id, option, kIp, "07400 123456").ok());
  ASSERT_TRUE(flows.Challenge(flow.id, option, kIp, "+44 7400 123456").ok());
  EXPECT_EQ(Outbox().size(), 2u);
  EXPECT_EQ(flows.Get(flow.id)->flow.failures, 1);
}

}  // namespace
}  // namespace latchkey
