// Sign-in, sessions and security info below HTTP: a real SQLite store, the built-in
// directory, real templates and a manual clock.
#include "flows/signin_service.hpp"

#include <gtest/gtest.h>

#include <regex>

#include "core/store.hpp"
#include "core/work_pool.hpp"
#include "crypto/password_hasher.hpp"
#include "crypto/sodium_random.hpp"
#include "delivery/templates.hpp"
#include "directory/builtin_directory.hpp"
#include "flows/account_admin.hpp"
#include "flows/security_info_service.hpp"
#include "methods/email_code/email_code_method.hpp"
#include "methods/registry.hpp"
#include "policy/password_history.hpp"
#include "policy/password_policy.hpp"
#include "test_support.hpp"

namespace latchkey {
namespace {

using testing_support::TempDir;
using testing_support::TestKeys;

// A strong method for the second-factor tests: a fixed code (our Method interface;
// the real authenticator-app method has its own tests).
class FixedCodeMethod final : public Method {
 public:
  MethodKind kind() const override { return MethodKind::kTotp; }
  bool IsUsable(const Enrollment& e) const override { return e.state == EnrollmentState::kActive; }
  Status Begin(GateContext& ctx, const Enrollment*) override {
    if (ctx.response) *ctx.response = R"({"prompt":"enter the code from your app"})";
    return Status::Ok();
  }
  Status Verify(GateContext&, Enrollment* e, const Answer& a) override {
    if (e == nullptr || !a.code.Equals("246810")) return Status::VerifyFailed("wrong_code", "That code is not right.");
    return Status::Ok();
  }
};

class SignInTest : public ::testing::Test {
 protected:
  SignInTest()
      : store_(testing_support::MakeSqliteStore(dir_)),
        pool_(1, 16),
        hasher_({8192, 1}, pool_),
        policy_(PasswordPolicy::LengthOnly(12, 256)),
        history_(hasher_, TestKeys()),
        limiter_(clock_),
        templates_(MessageTemplates::Load("").value()),
        directory_(MakeBuiltinDirectory(*store_, hasher_, clock_)),
        admin_(*store_, hasher_, policy_, history_, registry_, TestKeys(), clock_, random_, "GB") {
    EmailMethodOptions email;
    email.codes = CodeOptions{6, std::chrono::minutes(10)};
    email.forbidden_domains = {"example.ac.uk"};
    email.max_per_account = 3;
    registry_.Add(MakeEmailCodeMethod(email));
    registry_.Add(std::make_unique<FixedCodeMethod>());
    settings_.trusted = {*Cidr::Parse("10.0.0.0/8")};
    settings_.signin_per_ip = RateSpec{};
  }

  SignInService& SignIn() {
    signin_ = std::make_unique<SignInService>(
        SignInDeps{*store_, *directory_, clock_, random_, TestKeys(), limiter_, registry_, hasher_}, settings_);
    RegistrationSettings rs;
    rs.messages.organisation = "Example University";
    rs.messages.send_per_destination = RateSpec{};
    info_ = std::make_unique<SecurityInfoService>(
        SecurityInfoDeps{*store_, *directory_, clock_, random_, TestKeys(), limiter_, registry_,
                         templates_, policy_, history_, *signin_, nullptr},
        rs);
    return *signin_;
  }

  void AddUser(const std::string& name, const std::string& email = "") {
    Result<Account> a = admin_.Add({name, "Test " + name, email, "", SecretString("right password 123")}, "test");
    ASSERT_TRUE(a.ok()) << a.status().ToString();
  }

  void AddStrongMethod(const std::string& name) {
    ASSERT_TRUE(store_->Write([&](Tx& tx) -> Status {
                  auto a = tx.accounts().FindByUsernameKey(name);
                  if (!a.ok()) return a.status();
                  Enrollment e;
                  e.id = "m_app_" + name;
                  e.account_id = (*a)->id;
                  e.kind = MethodKind::kTotp;
                  e.state = EnrollmentState::kActive;
                  e.hint = "Authenticator app";
                  e.secret = SecretString("seed");
                  e.created_at = clock_.Now();
                  return tx.enrollments().Insert(e);
                }).ok());
  }

  std::string LatestCode() {
    std::string code;
    EXPECT_TRUE(store_->Read([&](Tx& tx) -> Status {
                  auto r = tx.outbox().List(std::nullopt, 10);
                  if (!r.ok()) return r.status();
                  for (const auto& m : *r) {
                    std::smatch match;
                    const std::string body(m.body.view());
                    if (code.empty() && std::regex_search(body, match, std::regex("code is: ([0-9]{6})"))) code = match[1];
                  }
                  return Status::Ok();
                }).ok());
    return code;
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
  SignInSettings settings_;
  std::unique_ptr<SignInService> signin_;
  std::unique_ptr<SecurityInfoService> info_;
};

TEST_F(SignInTest, TheRightPasswordOpensASession) {
  AddUser("alice");
  SignInService& s = SignIn();
  Result<SessionView> v = s.SignIn("ALICE", SecretString("right password 123"), "198.51.100.7");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->session.state, SessionState::kActive);
  EXPECT_GE(v->token.size(), 43u);
  EXPECT_NE(v->session.id_hash, v->token);  // only the hash is stored
  Result<SessionView> again = s.Resolve(v->token, "198.51.100.7");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->account.username, "alice");
  ASSERT_TRUE(s.SignOut(v->token, "198.51.100.7").ok());
  EXPECT_EQ(s.Resolve(v->token, "198.51.100.7").status().code(), Errc::kUnauthenticated);
  EXPECT_TRUE(s.SignOut(v->token, "198.51.100.7").ok());  // twice is fine
}

TEST_F(SignInTest, WrongPasswordUnknownAndDisabledAccountsGetOneAnswer) {
  AddUser("alice");
  ASSERT_TRUE(admin_.Add({"dora", "", "", "", SecretString("right password 123")}, "test").ok());
  ASSERT_TRUE(store_->Write([&](Tx& tx) -> Status {
                auto a = tx.accounts().FindByUsernameKey("dora");
                Account acc = **a;
                acc.status = AccountStatus::kDisabled;
                return tx.accounts().Update(acc);
              }).ok());
  SignInService& s = SignIn();
  const Status wrong = s.SignIn("alice", SecretString("wrong password 1"), "198.51.100.7").status();
  const Status unknown = s.SignIn("nobody", SecretString("right password 123"), "198.51.100.7").status();
  const Status disabled = s.SignIn("dora", SecretString("right password 123"), "198.51.100.7").status();
  for (const Status* st : {&wrong, &unknown, &disabled}) {
    EXPECT_EQ(st->code(), Errc::kUnauthenticated);
    EXPECT_EQ(st->reason(), "invalid_credentials");
    EXPECT_EQ(st->message(), wrong.message());
  }
}

TEST_F(SignInTest, SmartLockoutLocksGuessersButNotTheOwnersNetwork) {
  AddUser("alice");
  SignInService& s = SignIn();
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(s.SignIn("alice", SecretString("guess " + std::to_string(i)), "203.0.113.5").status().reason(),
              "invalid_credentials");
  }
  const Status locked = s.SignIn("alice", SecretString("right password 123"), "203.0.113.5").status();
  EXPECT_EQ(locked.reason(), "account_locked");
  EXPECT_EQ(locked.code(), Errc::kRateLimited);
  EXPECT_GT(locked.retry_after().count(), 0);
  // From the trusted network the owner still gets in.
  EXPECT_TRUE(s.SignIn("alice", SecretString("right password 123"), "10.1.2.3").ok());
  clock_.Advance(std::chrono::seconds(61));
  EXPECT_TRUE(s.SignIn("alice", SecretString("right password 123"), "203.0.113.5").ok());
}

TEST_F(SignInTest, RepeatingTheSameWrongPasswordDoesNotLock) {
  AddUser("alice");
  SignInService& s = SignIn();
  for (int i = 0; i < 30; ++i) (void)s.SignIn("alice", SecretString("one typo"), "203.0.113.5");
  EXPECT_TRUE(s.SignIn("alice", SecretString("right password 123"), "203.0.113.5").ok());
}

TEST_F(SignInTest, UnknownUsernamesLockTheSameWay) {
  SignInService& s = SignIn();
  for (int i = 0; i < 10; ++i) (void)s.SignIn("ghost", SecretString("guess " + std::to_string(i)), "203.0.113.5");
  EXPECT_EQ(s.SignIn("ghost", SecretString("anything"), "203.0.113.5").status().reason(), "account_locked");
}

TEST_F(SignInTest, SessionsExpireWhenIdleAndAfterTheirLifetime) {
  AddUser("alice");
  SignInService& s = SignIn();
  auto idle = s.SignIn("alice", SecretString("right password 123"), "10.0.0.1").value();
  clock_.Advance(std::chrono::minutes(29));
  EXPECT_TRUE(s.Resolve(idle.token, "10.0.0.1").ok());  // used: the idle clock restarts
  clock_.Advance(std::chrono::minutes(29));
  EXPECT_TRUE(s.Resolve(idle.token, "10.0.0.1").ok());
  clock_.Advance(std::chrono::minutes(31));
  EXPECT_EQ(s.Resolve(idle.token, "10.0.0.1").status().code(), Errc::kUnauthenticated);
  auto busy = s.SignIn("alice", SecretString("right password 123"), "10.0.0.1").value();
  for (int i = 0; i < 25; ++i) {
    clock_.Advance(std::chrono::minutes(29));
    (void)s.Resolve(busy.token, "10.0.0.1");
  }
  EXPECT_EQ(s.Resolve(busy.token, "10.0.0.1").status().code(), Errc::kUnauthenticated);  // 12 h absolute
}

TEST_F(SignInTest, AStrongMethodIsAskedForOutsideTrustedNetworks) {
  AddUser("bob");
  AddStrongMethod("bob");
  SignInService& s = SignIn();
  auto inside = s.SignIn("bob", SecretString("right password 123"), "10.9.9.9").value();
  EXPECT_EQ(inside.session.state, SessionState::kActive);
  auto outside = s.SignIn("bob", SecretString("right password 123"), "203.0.113.5").value();
  ASSERT_EQ(outside.session.state, SessionState::kSecondFactorRequired);
  ASSERT_EQ(outside.session.options.size(), 1u);
  const std::string opt = outside.session.options[0].id;
  // Not signed in yet: the security info is out of reach.
  auto pending = s.Resolve(outside.token, "203.0.113.5").value();
  EXPECT_EQ(info_->Me(pending).status().reason(), "second_factor_required");
  Result<SessionView> ch = s.ChallengeSecondFactor(outside.token, opt, "203.0.113.5");
  ASSERT_TRUE(ch.ok());
  EXPECT_NE(ch->challenge.find("prompt"), std::string::npos);
  EXPECT_EQ(s.VerifySecondFactor(outside.token, opt, Answer(SecretString("000000")), "203.0.113.5").status().reason(),
            "wrong_code");
  Result<SessionView> ok = s.VerifySecondFactor(outside.token, opt, Answer(SecretString("246810")), "203.0.113.5");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->session.state, SessionState::kActive);
  EXPECT_TRUE(info_->Me(ok.value()).ok());
}

TEST_F(SignInTest, TooManyWrongSecondFactorsEndTheSession) {
  AddUser("bob");
  AddStrongMethod("bob");
  SignInService& s = SignIn();
  auto v = s.SignIn("bob", SecretString("right password 123"), "203.0.113.5").value();
  const std::string opt = v.session.options[0].id;
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(s.VerifySecondFactor(v.token, opt, Answer(SecretString("000000")), "203.0.113.5").status().reason(),
              "wrong_code");
  }
  EXPECT_EQ(s.VerifySecondFactor(v.token, opt, Answer(SecretString("000000")), "203.0.113.5").status().reason(),
            "too_many_attempts");
  EXPECT_EQ(s.Resolve(v.token, "203.0.113.5").status().code(), Errc::kUnauthenticated);
}

TEST_F(SignInTest, RegisteringAnEmailNeedsItsCodeAndAFreshProof) {
  AddUser("carol", "carol@example.net");
  SignInService& s = SignIn();
  auto v = s.SignIn("carol", SecretString("right password 123"), "10.0.0.1").value();
  Result<EnrollView> added = info_->AddMethod(v, MethodKind::kEmail, R"({"address":"carol.home@example.org"})", "10.0.0.1");
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(added->enrollment.state, EnrollmentState::kPending);
  EXPECT_EQ(added->enrollment.hint, "ca*****@e****.org");
  const std::string code = LatestCode();
  EXPECT_EQ(Outbox()[0].to, "carol.home@example.org");
  EXPECT_EQ(Outbox()[0].template_id, "registration_code");
  EXPECT_EQ(info_->VerifyMethod(v, added->enrollment.id, R"({"code":"999999"})", "10.0.0.1").status().reason(),
            code == "999999" ? "ok" : "wrong_code");
  Result<EnrollView> done = info_->VerifyMethod(v, added->enrollment.id, "{\"code\":\"" + code + "\"}", "10.0.0.1");
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->enrollment.state, EnrollmentState::kActive);
  // The person is told at the address that was already registered.
  const auto mails = Outbox();
  EXPECT_EQ(mails[0].template_id, "method_added");
  EXPECT_EQ(mails[0].to, "carol@example.net");
  // Six minutes later, adding another one needs the password again.
  clock_.Advance(std::chrono::minutes(6));
  auto later = s.Resolve(v.token, "10.0.0.1").value();
  EXPECT_EQ(info_->AddMethod(later, MethodKind::kEmail, R"({"address":"c2@example.org"})", "10.0.0.1").status().reason(),
            "reauthentication_required");
  EXPECT_EQ(s.Reauthenticate(v.token, SecretString("wrong"), "10.0.0.1").status().reason(), "invalid_credentials");
  auto fresh = s.Reauthenticate(v.token, SecretString("right password 123"), "10.0.0.1").value();
  EXPECT_TRUE(info_->AddMethod(fresh, MethodKind::kEmail, R"({"address":"c2@example.org"})", "10.0.0.1").ok());
}

TEST_F(SignInTest, RegistrationRulesForEmail) {
  AddUser("dan", "dan@example.net");
  SignInService& s = SignIn();
  auto v = s.SignIn("dan", SecretString("right password 123"), "10.0.0.1").value();
  EXPECT_EQ(info_->AddMethod(v, MethodKind::kEmail, R"({"address":"dan@students.example.ac.uk"})", "10.0.0.1").status().reason(),
            "forbidden_email_domain");
  EXPECT_EQ(info_->AddMethod(v, MethodKind::kEmail, R"({"address":"not an address"})", "10.0.0.1").status().reason(),
            "invalid_email");
  EXPECT_EQ(info_->AddMethod(v, MethodKind::kEmail, R"({"address":"DAN@example.net"})", "10.0.0.1").status().code(),
            Errc::kConflict);
  EXPECT_EQ(info_->AddMethod(v, MethodKind::kEmail, R"({})", "10.0.0.1").status().field(), "address");
  EXPECT_TRUE(info_->AddMethod(v, MethodKind::kEmail, R"({"address":"d2@example.org"})", "10.0.0.1").ok());
  EXPECT_TRUE(info_->AddMethod(v, MethodKind::kEmail, R"({"address":"d3@example.org"})", "10.0.0.1").ok());
  EXPECT_EQ(info_->AddMethod(v, MethodKind::kEmail, R"({"address":"d4@example.org"})", "10.0.0.1").status().reason(),
            "too_many_methods");
  EXPECT_EQ(info_->AddMethod(v, MethodKind::kOfficePhone, R"({})", "10.0.0.1").status().reason(), "method_not_offered");
}

TEST_F(SignInTest, RemovingAMethodTellsEveryAddress) {
  AddUser("eve", "eve@example.net");
  SignInService& s = SignIn();
  auto v = s.SignIn("eve", SecretString("right password 123"), "10.0.0.1").value();
  auto me = info_->Me(v).value();
  ASSERT_EQ(me.enrollments.size(), 1u);
  EXPECT_TRUE(me.registered);
  EXPECT_EQ(info_->RemoveMethod(v, "m_not_mine", "10.0.0.1").code(), Errc::kNotFound);
  ASSERT_TRUE(info_->RemoveMethod(v, me.enrollments[0].id, "10.0.0.1").ok());
  EXPECT_FALSE(info_->Me(v)->registered);
  const auto mails = Outbox();
  ASSERT_FALSE(mails.empty());
  EXPECT_EQ(mails[0].template_id, "method_removed");
  EXPECT_EQ(mails[0].to, "eve@example.net");  // the removed address itself is told
}

TEST_F(SignInTest, ChangingThePasswordEndsOtherSessions) {
  AddUser("fay", "fay@example.net");
  SignInService& s = SignIn();
  auto laptop = s.SignIn("fay", SecretString("right password 123"), "10.0.0.1").value();
  auto phone = s.SignIn("fay", SecretString("right password 123"), "10.0.0.2").value();
  EXPECT_EQ(info_->ChangePassword(laptop, SecretString("not it"), SecretString("a new long password"), "10.0.0.1").reason(),
            "wrong_current_password");
  const Status short_pw = info_->ChangePassword(laptop, SecretString("right password 123"), SecretString("short"), "10.0.0.1");
  EXPECT_EQ(short_pw.code(), Errc::kPolicyRejected);
  const Status same = info_->ChangePassword(laptop, SecretString("right password 123"), SecretString("right password 123"), "10.0.0.1");
  ASSERT_EQ(same.code(), Errc::kPolicyRejected);
  EXPECT_EQ(same.violations()[0].first, "history");
  ASSERT_TRUE(info_->ChangePassword(laptop, SecretString("right password 123"), SecretString("a new long password"), "10.0.0.1").ok());
  EXPECT_TRUE(s.Resolve(laptop.token, "10.0.0.1").ok());
  EXPECT_EQ(s.Resolve(phone.token, "10.0.0.2").status().code(), Errc::kUnauthenticated);
  EXPECT_EQ(Outbox()[0].template_id, "password_changed_self");
  EXPECT_TRUE(s.SignIn("fay", SecretString("a new long password"), "10.0.0.1").ok());
  EXPECT_FALSE(s.SignIn("fay", SecretString("right password 123"), "10.0.0.1").ok());
}

TEST_F(SignInTest, ReconfirmationIsRecorded) {
  AddUser("gus", "gus@example.net");
  SignInService& s = SignIn();
  RegistrationSettings rs;
  rs.reconfirm_days = 30;
  info_ = std::make_unique<SecurityInfoService>(
      SecurityInfoDeps{*store_, *directory_, clock_, random_, TestKeys(), limiter_, registry_,
                       templates_, policy_, history_, s, nullptr},
      rs);
  auto v = s.SignIn("gus", SecretString("right password 123"), "10.0.0.1").value();
  EXPECT_FALSE(info_->Me(v)->reconfirm_due);
  clock_.Advance(std::chrono::hours(24 * 31));
  v = s.SignIn("gus", SecretString("right password 123"), "10.0.0.1").value();
  EXPECT_TRUE(info_->Me(v)->reconfirm_due);
  ASSERT_TRUE(info_->Reconfirm(v, "10.0.0.1").ok());
  EXPECT_FALSE(info_->Me(v)->reconfirm_due);
}

}  // namespace
}  // namespace latchkey
