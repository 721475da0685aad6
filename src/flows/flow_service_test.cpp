// The reset flow end to end, below HTTP: a real SQLite store, the built-in
// directory, real templates and a manual clock.
#include "flows/flow_service.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "core/store.hpp"
#include "core/work_pool.hpp"
#include "crypto/password_hasher.hpp"
#include "crypto/sodium_random.hpp"
#include "delivery/templates.hpp"
#include "directory/builtin_directory.hpp"
#include "flows/account_admin.hpp"
#include "methods/email_code/email_code_method.hpp"
#include "methods/registry.hpp"
#include "policy/password_history.hpp"
#include "policy/password_policy.hpp"
#include "store/sql_store.hpp"
#include "test_support.hpp"

namespace latchkey {
namespace {

using testing_support::TempDir;
using testing_support::TestKeys;

// A directory that refuses or fails, to prove a flow never claims success then.
class RefusingDirectory final : public Directory {
 public:
  explicit RefusingDirectory(Status answer) : answer_(std::move(answer)) {}
  std::string_view kind() const override { return "refusing"; }
  Status VerifyPassword(const Account&, const SecretString&) override { return answer_; }
  Status ResetPassword(const Account&, const SecretString&) override {
    ++calls;
    return answer_;
  }
  Status HelpdeskResetPassword(const Account&, const SecretString&) override { return answer_; }
  Status ChangePassword(const Account&, const SecretString&, const SecretString&) override {
    return answer_;
  }
  Status Unlock(const Account&) override { return answer_; }
  Result<DirectoryAccountState> ReadState(const Account&) override {
    if (answer_.ok()) return DirectoryAccountState{};
    return answer_;
  }
  Result<std::optional<DirectoryUser>> Lookup(std::string_view) override {
    if (answer_.ok()) return std::optional<DirectoryUser>();
    return answer_;
  }
  Status ForEachUser(const std::function<Status(const DirectoryUser&)>&) override {
    return answer_;
  }
  Status Ping() override { return answer_; }
  int calls = 0;

 private:
  Status answer_;
};

class FlowServiceTest : public ::testing::Test {
 protected:
  FlowServiceTest()
      : store_(testing_support::MakeSqliteStore(dir_)),
        pool_(1, 16),
        hasher_({8192, 1}, pool_),  // cheap parameters: the cost is not under test here
        policy_(PasswordPolicy::LengthOnly(12, 256)),
        history_(hasher_, TestKeys()),
        limiter_(clock_),
        templates_(MessageTemplates::Load("").value()),
        directory_(MakeBuiltinDirectory(*store_, hasher_, clock_)),
        admin_(*store_, hasher_, policy_, history_, registry_, TestKeys(), clock_, random_, "GB") {
    registry_.Add(MakeEmailCodeMethod(CodeOptions{6, std::chrono::minutes(10)}));
    settings_.organisation = "Example University";
    settings_.helpdesk = "020 7946 0000";
  }

  FlowService& Service(Directory* directory = nullptr) {
    service_ = std::make_unique<FlowService>(
        FlowDeps{*store_, directory ? *directory : *directory_, clock_, random_, TestKeys(),
                 limiter_, registry_, templates_, policy_, history_, [this] { ++wakes_; }},
        settings_);
    return *service_;
  }

  void AddUser(const std::string& name, const std::string& email) {
    Result<Account> a =
        admin_.Add({name, "Test " + name, email, "", SecretString("an old password 123")}, "test");
    ASSERT_TRUE(a.ok()) << a.status().ToString();
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

  // The code in the newest reset_code message.
  std::string LatestCode() {
    for (const auto& m : Outbox()) {
      if (m.template_id != "reset_code") continue;
      std::smatch match;
      const std::string body(m.body.view());
      if (std::regex_search(body, match, std::regex("code is: ([0-9]{6})"))) return match[1];
    }
    return {};
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

  // A whole reset of `user` to `password`: the outcome of the completion.
  Status ResetTo(const std::string& user, const std::string& password) {
    FlowService& flows = service_ ? *service_ : Service();
    auto f = flows.Start({FlowKind::kReset, user, "192.0.2.1"});
    if (!f.ok()) return f.status();
    const std::string opt = f->flow.options[0].id;
    if (auto c = flows.Challenge(f->id, opt, "192.0.2.1"); !c.ok()) return c.status();
    if (auto v = flows.Verify(f->id, opt, {SecretString(LatestCode())}, "192.0.2.1"); !v.ok()) {
      return v.status();
    }
    return flows.Complete(f->id, SecretString(password), "192.0.2.1").status();
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
  FlowSettings settings_;
  std::unique_ptr<FlowService> service_;
  int wakes_ = 0;
};

TEST_F(FlowServiceTest, ResetByEmailCodeEndToEnd) {
  AddUser("alice", "alice.personal@example.net");
  FlowService& flows = Service();
  Result<FlowView> started = flows.Start({FlowKind::kReset, "Alice", "192.0.2.1"});
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  EXPECT_EQ(started->state, FlowState::kChooseMethod);
  EXPECT_GE(started->id.size(), 43u);  // 256 bits
  ASSERT_EQ(started->flow.options.size(), 1u);
  EXPECT_EQ(started->flow.options[0].hint, "al*****@e****.net");
  const std::string id = started->id;
  const std::string option = started->flow.options[0].id;

  Result<FlowView> challenged = flows.Challenge(id, option, "192.0.2.1");
  ASSERT_TRUE(challenged.ok()) << challenged.status().ToString();
  EXPECT_EQ(challenged->state, FlowState::kVerify);
  EXPECT_EQ(wakes_, 1);
  const std::string code = LatestCode();
  ASSERT_EQ(code.size(), 6u);
  const auto mails = Outbox();
  EXPECT_EQ(mails[0].to, "alice.personal@example.net");
  EXPECT_NE(mails[0].subject.find("Example University"), std::string::npos);

  Result<FlowView> verified = flows.Verify(id, option, {SecretString(code)}, "192.0.2.1");
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_EQ(verified->state, FlowState::kSetPassword);
  EXPECT_EQ(verified->flow.gates_passed(), 1);

  Result<FlowView> done = flows.Complete(id, SecretString("a brand new passphrase"), "192.0.2.1");
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->state, FlowState::kDone);

  // The new password works, the old one does not.
  Result<AccountDetails> d = admin_.Show("alice");
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(directory_->VerifyPassword(d->account, SecretString("a brand new passphrase")).ok());
  EXPECT_EQ(directory_->VerifyPassword(d->account, SecretString("an old password 123")).code(),
            Errc::kVerifyFailed);
  // The user is told, at the registered address.
  const auto after = Outbox();
  ASSERT_EQ(after[0].template_id, "password_changed");
  EXPECT_EQ(after[0].to, "alice.personal@example.net");
  EXPECT_NE(std::string(after[0].body.view()).find("020 7946 0000"), std::string::npos);
  // Every step is audited, and no code or password appears in the audit.
  std::vector<std::string> events;
  for (const auto& e : Audit()) {
    events.push_back(e.event + ":" + e.outcome);
    for (const std::string* field : {&e.reason, &e.subject, &e.method, &e.flow_ref}) {
      EXPECT_EQ(field->find(code), std::string::npos);
      EXPECT_EQ(field->find("passphrase"), std::string::npos);
    }
  }
  for (const char* want : {"flow.start:ok", "flow.challenge:ok", "flow.verify:ok", "password.reset:ok"}) {
    EXPECT_NE(std::find(events.begin(), events.end(), want), events.end()) << want;
  }
}

TEST_F(FlowServiceTest, UnknownUserGetsAFlowOfTheSameShapeThatNeverPasses) {
  AddUser("alice", "alice.personal@example.net");
  FlowService& flows = Service();
  Result<FlowView> real = flows.Start({FlowKind::kReset, "alice", "192.0.2.1"});
  Result<FlowView> fake = flows.Start({FlowKind::kReset, "mallory", "192.0.2.1"});
  ASSERT_TRUE(real.ok());
  ASSERT_TRUE(fake.ok());
  EXPECT_EQ(fake->state, real->state);
  EXPECT_EQ(fake->flow.options.size(), real->flow.options.size());
  EXPECT_EQ(fake->flow.options[0].kind, MethodKind::kEmail);
  EXPECT_TRUE(std::regex_match(fake->flow.options[0].hint, std::regex("[a-z]{2}\\*{5}@[a-z]\\*{4}\\..+")))
      << fake->flow.options[0].hint;
  // The decoy is stable: asking again shows the same hint.
  Result<FlowView> again = flows.Start({FlowKind::kReset, "MALLORY", "192.0.2.1"});
  EXPECT_EQ(again->flow.options[0].hint, fake->flow.options[0].hint);

  const std::size_t before = Outbox().size();
  Result<FlowView> ch = flows.Challenge(fake->id, fake->flow.options[0].id, "192.0.2.1");
  ASSERT_TRUE(ch.ok());
  EXPECT_EQ(ch->state, FlowState::kVerify);
  EXPECT_EQ(Outbox().size(), before);  // nothing sent to anyone
  // No code passes, and the wrong answers count exactly like a real flow's.
  for (int i = 0; i < 4; ++i) {
    Result<FlowView> v = flows.Verify(fake->id, fake->flow.options[0].id, {SecretString("000000")}, "192.0.2.1");
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.status().reason(), "wrong_code");
  }
  Result<FlowView> last = flows.Verify(fake->id, fake->flow.options[0].id, {SecretString("000000")}, "192.0.2.1");
  EXPECT_EQ(last.status().reason(), "flow_blocked");
  EXPECT_EQ(flows.Complete(fake->id, SecretString("whatever password 1"), "192.0.2.1").status().code(),
            Errc::kForbidden);
  // The audit tells the administrator the truth.
  bool saw_unknown = false;
  for (const auto& e : Audit()) saw_unknown = saw_unknown || e.reason == "unknown_user";
  EXPECT_TRUE(saw_unknown);
}

TEST_F(FlowServiceTest, AccountWithoutMethodsAndDisabledAccountsArePhantoms) {
  ASSERT_TRUE(admin_.Add({"nomethods", "", "", "", std::nullopt}, "test").ok());
  FlowService& flows = Service();
  Result<FlowView> f = flows.Start({FlowKind::kReset, "nomethods", "192.0.2.1"});
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->flow.phantom());
  EXPECT_EQ(f->flow.options.size(), 1u);
}

TEST_F(FlowServiceTest, FiveWrongCodesBlockTheFlow) {
  AddUser("bob", "bob@example.net");
  FlowService& flows = Service();
  auto f = flows.Start({FlowKind::kReset, "bob", "192.0.2.1"}).value();
  const std::string opt = f.flow.options[0].id;
  ASSERT_TRUE(flows.Challenge(f.id, opt, "192.0.2.1").ok());
  const std::string code = LatestCode();
  const std::string wrong = code == "111111" ? "222222" : "111111";
  for (int i = 1; i <= 4; ++i) {
    Result<FlowView> v = flows.Verify(f.id, opt, {SecretString(wrong)}, "192.0.2.1");
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.status().reason(), "wrong_code");
    EXPECT_NE(v.status().message().find(std::to_string(5 - i) + " attempt"), std::string_view::npos);
  }
  Result<FlowView> fifth = flows.Verify(f.id, opt, {SecretString(wrong)}, "192.0.2.1");
  EXPECT_EQ(fifth.status().reason(), "flow_blocked");
  // Even the right code no longer helps.
  Result<FlowView> right = flows.Verify(f.id, opt, {SecretString(code)}, "192.0.2.1");
  EXPECT_EQ(right.status().reason(), "flow_blocked");
  EXPECT_EQ(flows.Get(f.id)->state, FlowState::kBlocked);
}

TEST_F(FlowServiceTest, ACodeIsSingleUseAndReplayIsOutOfOrder) {
  AddUser("carol", "carol@example.net");
  FlowService& flows = Service();
  auto f = flows.Start({FlowKind::kReset, "carol", "192.0.2.1"}).value();
  const std::string opt = f.flow.options[0].id;
  ASSERT_TRUE(flows.Challenge(f.id, opt, "192.0.2.1").ok());
  const std::string code = LatestCode();
  ASSERT_TRUE(flows.Verify(f.id, opt, {SecretString(code)}, "192.0.2.1").ok());
  Result<FlowView> replay = flows.Verify(f.id, opt, {SecretString(code)}, "192.0.2.1");
  EXPECT_EQ(replay.status().code(), Errc::kOutOfOrder);
}

TEST_F(FlowServiceTest, ANewCodeReplacesTheOldOne) {
  AddUser("dan", "dan@example.net");
  FlowService& flows = Service();
  auto f = flows.Start({FlowKind::kReset, "dan", "192.0.2.1"}).value();
  const std::string opt = f.flow.options[0].id;
  ASSERT_TRUE(flows.Challenge(f.id, opt, "192.0.2.1").ok());
  const std::string first = LatestCode();
  clock_.Advance(std::chrono::seconds(30));
  ASSERT_TRUE(flows.Challenge(f.id, opt, "192.0.2.1").ok());
  const std::string second = LatestCode();
  if (first != second) {
    EXPECT_EQ(flows.Verify(f.id, opt, {SecretString(first)}, "192.0.2.1").status().reason(), "wrong_code");
  }
  EXPECT_TRUE(flows.Verify(f.id, opt, {SecretString(second)}, "192.0.2.1").ok());
}

TEST_F(FlowServiceTest, CodesExpireAfterTenMinutes) {
  AddUser("eve", "eve@example.net");
  FlowService& flows = Service();
  auto f = flows.Start({FlowKind::kReset, "eve", "192.0.2.1"}).value();
  const std::string opt = f.flow.options[0].id;
  ASSERT_TRUE(flows.Challenge(f.id, opt, "192.0.2.1").ok());
  const std::string code = LatestCode();
  clock_.Advance(std::chrono::minutes(10));
  Result<FlowView> late = flows.Verify(f.id, opt, {SecretString(code)}, "192.0.2.1");
  EXPECT_EQ(late.status().reason(), "code_expired");
  EXPECT_EQ(late.status().code(), Errc::kExpired);
  // An expired code is not a guess: it does not count towards blocking.
  EXPECT_EQ(flows.Get(f.id)->flow.failures, 0);
  ASSERT_TRUE(flows.Challenge(f.id, opt, "192.0.2.1").ok());
  EXPECT_TRUE(flows.Verify(f.id, opt, {SecretString(LatestCode())}, "192.0.2.1").ok());
}

TEST_F(FlowServiceTest, FlowsExpireAfterFifteenMinutes) {
  AddUser("fay", "fay@example.net");
  FlowService& flows = Service();
  auto f = flows.Start({FlowKind::kReset, "fay", "192.0.2.1"}).value();
  clock_.Advance(std::chrono::minutes(15));
  EXPECT_EQ(flows.Get(f.id)->state, FlowState::kExpired);
  Result<FlowView> ch = flows.Challenge(f.id, f.flow.options[0].id, "192.0.2.1");
  EXPECT_EQ(ch.status().reason(), "flow_expired");
  EXPECT_EQ(ch.status().code(), Errc::kExpired);
}

TEST_F(FlowServiceTest, CallsOutOfOrderAreRefused) {
  AddUser("gus", "gus@example.net");
  FlowService& flows = Service();
  auto f = flows.Start({FlowKind::kReset, "gus", "192.0.2.1"}).value();
  const std::string opt = f.flow.options[0].id;
  EXPECT_EQ(flows.Verify(f.id, opt, {SecretString("123456")}, "192.0.2.1").status().code(),
            Errc::kOutOfOrder);
  EXPECT_EQ(flows.Complete(f.id, SecretString("a brand new passphrase"), "192.0.2.1").status().code(),
            Errc::kOutOfOrder);
  EXPECT_EQ(flows.Challenge(f.id, "no-such-option", "192.0.2.1").status().reason(), "unknown_method");
  EXPECT_EQ(flows.Get("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").status().code(), Errc::kNotFound);
  ASSERT_TRUE(flows.Challenge(f.id, opt, "192.0.2.1").ok());
  ASSERT_TRUE(flows.Verify(f.id, opt, {SecretString(LatestCode())}, "192.0.2.1").ok());
  EXPECT_EQ(flows.Challenge(f.id, opt, "192.0.2.1").status().code(), Errc::kOutOfOrder);
  ASSERT_TRUE(flows.Complete(f.id, SecretString("a brand new passphrase"), "192.0.2.1").ok());
  EXPECT_EQ(flows.Complete(f.id, SecretString("another new passphrase"), "192.0.2.1").status().code(),
            Errc::kOutOfOrder);
}

TEST_F(FlowServiceTest, ATooShortPasswordIsRejectedAndTheUserMayTryAgain) {
  AddUser("hal", "hal@example.net");
  FlowService& flows = Service();
  auto f = flows.Start({FlowKind::kReset, "hal", "192.0.2.1"}).value();
  const std::string opt = f.flow.options[0].id;
  ASSERT_TRUE(flows.Challenge(f.id, opt, "192.0.2.1").ok());
  ASSERT_TRUE(flows.Verify(f.id, opt, {SecretString(LatestCode())}, "192.0.2.1").ok());
  Result<FlowView> short_pw = flows.Complete(f.id, SecretString("short"), "192.0.2.1");
  ASSERT_FALSE(short_pw.ok());
  EXPECT_EQ(short_pw.status().code(), Errc::kPolicyRejected);
  ASSERT_EQ(short_pw.status().violations().size(), 1u);
  EXPECT_EQ(short_pw.status().violations()[0].first, "min_length");
  EXPECT_EQ(flows.Get(f.id)->state, FlowState::kSetPassword);
  EXPECT_TRUE(flows.Complete(f.id, SecretString("long enough at last"), "192.0.2.1").ok());
}

TEST_F(FlowServiceTest, ARefusingDirectoryNeverReportsSuccess) {
  AddUser("ivy", "ivy@example.net");
  RefusingDirectory down(Status::Unavailable("directory unreachable"));
  FlowService& flows = Service(&down);
  auto f = flows.Start({FlowKind::kReset, "ivy", "192.0.2.1"}).value();
  const std::string opt = f.flow.options[0].id;
  ASSERT_TRUE(flows.Challenge(f.id, opt, "192.0.2.1").ok());
  ASSERT_TRUE(flows.Verify(f.id, opt, {SecretString(LatestCode())}, "192.0.2.1").ok());
  const std::size_t mails = Outbox().size();
  Result<FlowView> r = flows.Complete(f.id, SecretString("a brand new passphrase"), "192.0.2.1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::kUnavailable);
  EXPECT_EQ(down.calls, 1);
  // Nothing recorded as changed: the flow waits for another try, no mail went out.
  EXPECT_EQ(flows.Get(f.id)->state, FlowState::kSetPassword);
  EXPECT_EQ(Outbox().size(), mails);
  // A retry is allowed at once (the claim was released).
  (void)flows.Complete(f.id, SecretString("a brand new passphrase"), "192.0.2.1");
  EXPECT_EQ(down.calls, 2);
}

TEST_F(FlowServiceTest, StartsAreRateLimitedPerAddressAndPerUsername) {
  AddUser("jan", "jan@example.net");
  settings_.start_per_ip = {3, std::chrono::minutes(1)};
  settings_.start_per_account = {2, std::chrono::minutes(15)};
  FlowService& flows = Service();
  EXPECT_TRUE(flows.Start({FlowKind::kReset, "jan", "192.0.2.9"}).ok());
  EXPECT_TRUE(flows.Start({FlowKind::kReset, "jan", "192.0.2.10"}).ok());
  Result<FlowView> third = flows.Start({FlowKind::kReset, "jan", "192.0.2.11"});
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.status().code(), Errc::kRateLimited);
  EXPECT_GT(third.status().retry_after().count(), 0);
  // An unknown username is limited the same way.
  EXPECT_TRUE(flows.Start({FlowKind::kReset, "nobody", "192.0.2.12"}).ok());
  EXPECT_TRUE(flows.Start({FlowKind::kReset, "nobody", "192.0.2.13"}).ok());
  EXPECT_EQ(flows.Start({FlowKind::kReset, "nobody", "192.0.2.14"}).status().code(), Errc::kRateLimited);
  // Per address: three from one address, the fourth is refused.
  EXPECT_TRUE(flows.Start({FlowKind::kReset, "x1", "198.51.100.1"}).ok());
  EXPECT_TRUE(flows.Start({FlowKind::kReset, "x2", "198.51.100.1"}).ok());
  EXPECT_TRUE(flows.Start({FlowKind::kReset, "x3", "198.51.100.1"}).ok());
  EXPECT_EQ(flows.Start({FlowKind::kReset, "x4", "198.51.100.1"}).status().code(), Errc::kRateLimited);
  clock_.Advance(std::chrono::minutes(1));
  EXPECT_TRUE(flows.Start({FlowKind::kReset, "x4", "198.51.100.1"}).ok());
}

TEST_F(FlowServiceTest, CodesPerDestinationAreLimited) {
  AddUser("kim", "kim@example.net");
  settings_.send_per_destination = {2, std::chrono::minutes(15)};
  FlowService& flows = Service();
  auto f = flows.Start({FlowKind::kReset, "kim", "192.0.2.1"}).value();
  const std::string opt = f.flow.options[0].id;
  EXPECT_TRUE(flows.Challenge(f.id, opt, "192.0.2.1").ok());
  EXPECT_TRUE(flows.Challenge(f.id, opt, "192.0.2.1").ok());
  Result<FlowView> third = flows.Challenge(f.id, opt, "192.0.2.1");
  EXPECT_EQ(third.status().code(), Errc::kRateLimited);
}

TEST_F(FlowServiceTest, AResetUnlocksALockedAccount) {
  AddUser("lea", "lea@example.net");
  ASSERT_TRUE(store_->Write([&](Tx& tx) -> Status {
                  auto a = tx.accounts().FindByUsernameKey("lea");
                  if (!a.ok()) return a.status();
                  Account acc = **a;
                  acc.status = AccountStatus::kLocked;
                  acc.failed_logins = 10;
                  return tx.accounts().Update(acc);
                }).ok());
  FlowService& flows = Service();
  auto f = flows.Start({FlowKind::kReset, "lea", "192.0.2.1"}).value();
  EXPECT_FALSE(f.flow.phantom());
  const std::string opt = f.flow.options[0].id;
  ASSERT_TRUE(flows.Challenge(f.id, opt, "192.0.2.1").ok());
  ASSERT_TRUE(flows.Verify(f.id, opt, {SecretString(LatestCode())}, "192.0.2.1").ok());
  ASSERT_TRUE(flows.Complete(f.id, SecretString("a brand new passphrase"), "192.0.2.1").ok());
  Result<AccountDetails> d = admin_.Show("lea");
  EXPECT_EQ(d->account.status, AccountStatus::kActive);
  EXPECT_EQ(d->account.failed_logins, 0);
}

TEST_F(FlowServiceTest, ARestartMidFlowLosesNothing) {
  AddUser("max", "max@example.net");
  std::string id, opt;
  {
    FlowService& flows = Service();
    auto f = flows.Start({FlowKind::kReset, "max", "192.0.2.1"}).value();
    id = f.id;
    opt = f.flow.options[0].id;
    ASSERT_TRUE(flows.Challenge(id, opt, "192.0.2.1").ok());
  }
  // A new store and service over the same database file, as after a restart.
  store_ = OpenStore({testing_support::SqliteUrl(dir_), 2, 1000}, TestKeys()).value();
  directory_ = MakeBuiltinDirectory(*store_, hasher_, clock_);
  FlowService& flows = Service();
  EXPECT_EQ(flows.Get(id)->state, FlowState::kVerify);
  ASSERT_TRUE(flows.Verify(id, opt, {SecretString(LatestCode())}, "192.0.2.1").ok());
  EXPECT_TRUE(flows.Complete(id, SecretString("a brand new passphrase"), "192.0.2.1").ok());
}

TEST_F(FlowServiceTest, APasswordUsedThreeChangesAgoIsRefused) {
  settings_.send_per_destination = RateSpec{};
  AddUser("nia", "nia@example.net");  // created with "an old password 123"
  Service();
  ASSERT_TRUE(ResetTo("nia", "second passphrase here").ok());
  ASSERT_TRUE(ResetTo("nia", "third passphrase here").ok());
  ASSERT_TRUE(ResetTo("nia", "fourth passphrase here").ok());
  const Status reused = ResetTo("nia", "an old password 123");
  ASSERT_EQ(reused.code(), Errc::kPolicyRejected) << reused.ToString();
  ASSERT_EQ(reused.violations().size(), 1u);
  EXPECT_EQ(reused.violations()[0].first, "history");
  // The current password is refused too, unless the policy lets a reset keep it.
  EXPECT_EQ(ResetTo("nia", "fourth passphrase here").code(), Errc::kPolicyRejected);
  EXPECT_TRUE(ResetTo("nia", "a fifth passphrase").ok());
}

TEST_F(FlowServiceTest, HistoryKeepsOnlyTheConfiguredNumber) {
  settings_.send_per_destination = RateSpec{};
  PasswordRules r;
  r.min_strength = 0;
  r.context_rules = false;
  r.history = 2;
  policy_ = PasswordPolicy::Create(r).value();
  AddUser("oli", "oli@example.net");
  Service();
  ASSERT_TRUE(ResetTo("oli", "second passphrase here").ok());
  ASSERT_TRUE(ResetTo("oli", "third passphrase here").ok());
  // Two back is refused, three back is allowed again.
  EXPECT_EQ(ResetTo("oli", "second passphrase here").code(), Errc::kPolicyRejected);
  EXPECT_TRUE(ResetTo("oli", "an old password 123").ok());
  std::size_t kept = 0;
  ASSERT_TRUE(store_->Read([&](Tx& tx) -> Status {
                  auto a = tx.accounts().FindByUsernameKey("oli");
                  auto h = tx.password_history().Recent((*a)->id, 100);
                  if (h.ok()) kept = h->size();
                  return h.status();
                }).ok());
  EXPECT_EQ(kept, 2u);
}

TEST_F(FlowServiceTest, EntraLetsAResetKeepTheCurrentPassword) {
  settings_.send_per_destination = RateSpec{};
  PasswordRules r;
  r.min_strength = 0;
  r.context_rules = false;
  r.history = 1;
  r.reset_may_reuse_current = true;
  policy_ = PasswordPolicy::Create(r).value();
  AddUser("pat", "pat@example.net");
  Service();
  EXPECT_TRUE(ResetTo("pat", "an old password 123").ok());
}

TEST_F(FlowServiceTest, UnlockClearsTheLockAndKeepsThePassword) {
  AddUser("uma", "uma@example.net");
  ASSERT_TRUE(store_->Write([&](Tx& tx) -> Status {
                  auto a = tx.accounts().FindByUsernameKey("uma");
                  if (!a.ok()) return a.status();
                  Account acc = **a;
                  acc.status = AccountStatus::kLocked;
                  acc.failed_logins = 10;
                  acc.signin_state = "some lockout state";
                  return tx.accounts().Update(acc);
                }).ok());
  FlowService& flows = Service();
  auto f = flows.Start({FlowKind::kUnlock, "uma", "192.0.2.1"}).value();
  EXPECT_EQ(f.flow.kind, FlowKind::kUnlock);
  const std::string opt = f.flow.options[0].id;
  // Not before the gate.
  EXPECT_EQ(flows.Complete(f.id, SecretString(), "192.0.2.1").status().code(), Errc::kOutOfOrder);
  ASSERT_TRUE(flows.Challenge(f.id, opt, "192.0.2.1").ok());
  ASSERT_TRUE(flows.Verify(f.id, opt, {SecretString(LatestCode())}, "192.0.2.1").ok());
  Result<FlowView> done = flows.Complete(f.id, SecretString(), "192.0.2.1");
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->state, FlowState::kDone);
  Result<AccountDetails> d = admin_.Show("uma");
  EXPECT_EQ(d->account.status, AccountStatus::kActive);
  EXPECT_EQ(d->account.failed_logins, 0);
  EXPECT_TRUE(d->account.signin_state.empty());
  EXPECT_TRUE(directory_->VerifyPassword(d->account, SecretString("an old password 123")).ok());
  bool told = false;
  for (const auto& m : Outbox()) told = told || (m.template_id == "account_unlocked" && m.to == "uma@example.net");
  EXPECT_TRUE(told);
  bool audited = false;
  for (const auto& e : Audit()) audited = audited || (e.event == "account.unlock" && e.outcome == "ok");
  EXPECT_TRUE(audited);
}

TEST_F(FlowServiceTest, AnActivationCodeOpensSetPasswordOnceAndExpires) {
  AccountSpec spec{"nia", "Nia New", "", "", std::nullopt};
  spec.pending_activation = true;
  ASSERT_TRUE(admin_.Add(spec, "test").ok());
  Result<IssuedActivation> issued = admin_.IssueActivation("nia", std::chrono::hours(24 * 7), "test");
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  const std::string code(issued->code.view());
  ASSERT_EQ(code.size(), 19u);  // XXXX-XXXX-XXXX-XXXX
  FlowService& flows = Service();
  auto start = [&](const std::string& user, const std::string& typed) {
    StartRequest r{FlowKind::kActivate, user, "192.0.2.1"};
    r.activation_code = SecretString(typed);
    return flows.Start(r);
  };
  // Before activation the account cannot reset (it looks like any unknown user).
  EXPECT_TRUE(flows.Start({FlowKind::kReset, "nia", "192.0.2.1"})->flow.phantom());
  EXPECT_EQ(start("nia", "").status().reason(), "missing_field");
  const Status wrong = start("nia", "AAAA-BBBB-CCCC-DDDD").status();
  EXPECT_EQ(wrong.code(), Errc::kVerifyFailed);
  EXPECT_EQ(wrong.reason(), "activation_invalid");
  // An unknown username gets the very same answer.
  EXPECT_EQ(start("nobody", code).status().message(), wrong.message());

  // Typed in lower case without dashes, as people do.
  std::string typed;
  for (char c : code) if (c != '-') typed.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  Result<FlowView> f = start("nia", typed);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->state, FlowState::kSetPassword);
  EXPECT_EQ(f->flow.kind, FlowKind::kActivate);
  // Single use.
  EXPECT_EQ(start("nia", code).status().reason(), "activation_invalid");
  ASSERT_TRUE(flows.Complete(f->id, SecretString("my very first passphrase"), "192.0.2.1").ok());
  Result<AccountDetails> d = admin_.Show("nia");
  EXPECT_EQ(d->account.status, AccountStatus::kActive);
  EXPECT_TRUE(directory_->VerifyPassword(d->account, SecretString("my very first passphrase")).ok());
  EXPECT_EQ(admin_.IssueActivation("nia", std::chrono::hours(1), "test").status().reason(), "already_active");

  // A code past its lifetime, and a reissue voiding the previous code.
  AccountSpec late{"ola", "Ola Late", "", "", std::nullopt};
  late.pending_activation = true;
  ASSERT_TRUE(admin_.Add(late, "test").ok());
  const std::string first(admin_.IssueActivation("ola", std::chrono::hours(1), "test")->code.view());
  const std::string second(admin_.IssueActivation("ola", std::chrono::hours(1), "test")->code.view());
  EXPECT_EQ(start("ola", first).status().reason(), "activation_invalid");
  clock_.Advance(std::chrono::hours(1));
  EXPECT_EQ(start("ola", second).status().reason(), "activation_invalid");
}

TEST_F(FlowServiceTest, FailedFlowsBlockTheNextForADayUntilAResetSucceeds) {
  settings_.failed_flow_throttle = {2, std::chrono::hours(24), std::chrono::hours(24)};
  AddUser("tom", "tom@example.net");
  FlowService& flows = Service();
  auto fail_a_flow = [&](const std::string& user) {
    auto f = flows.Start({FlowKind::kReset, user, "192.0.2.1"});
    if (!f.ok()) return f.status();
    const std::string opt = f->flow.options[0].id;
    if (auto c = flows.Challenge(f->id, opt, "192.0.2.1"); !c.ok()) return c.status();
    Status last;
    for (int i = 0; i < settings_.max_failures; ++i) {
      last = flows.Verify(f->id, opt, {SecretString("000000")}, "192.0.2.1").status();
    }
    return last;
  };
  EXPECT_EQ(fail_a_flow("tom").reason(), "flow_blocked");
  // A good reset in between clears the count.
  ASSERT_TRUE(ResetTo("tom", "a passphrase after one failure").ok());
  EXPECT_EQ(fail_a_flow("tom").reason(), "flow_blocked");
  const Status second = fail_a_flow("tom");
  EXPECT_EQ(second.reason(), "throttled");
  const Status blocked = flows.Start({FlowKind::kReset, "tom", "192.0.2.1"}).status();
  EXPECT_EQ(blocked.code(), Errc::kRateLimited);
  EXPECT_EQ(blocked.reason(), "throttled");
  EXPECT_GT(blocked.retry_after(), std::chrono::hours(23));
  EXPECT_NE(std::string(blocked.message()).find("020 7946 0000"), std::string::npos);
  // Unknown usernames are counted and blocked the same way.
  EXPECT_EQ(fail_a_flow("ghost").reason(), "flow_blocked");
  EXPECT_EQ(fail_a_flow("ghost").reason(), "throttled");
  EXPECT_EQ(flows.Start({FlowKind::kReset, "ghost", "192.0.2.1"}).status().reason(), "throttled");
  // Someone else is not affected; the block lifts after a day.
  EXPECT_TRUE(flows.Start({FlowKind::kReset, "other", "192.0.2.1"}).ok());
  clock_.Advance(std::chrono::hours(24) + std::chrono::seconds(1));
  EXPECT_TRUE(flows.Start({FlowKind::kReset, "tom", "192.0.2.1"}).ok());
  bool audited = false;
  for (const auto& e : Audit()) audited = audited || (e.event == "flow.throttled" && e.reason == "failed_flows");
  EXPECT_TRUE(audited);
}

TEST_F(FlowServiceTest, TooManyEmailsBlockTheNextOne) {
  settings_.email_throttle = {3, std::chrono::minutes(10), std::chrono::hours(24)};
  settings_.send_per_destination = {100, std::chrono::minutes(1)};
  AddUser("eve", "eve@example.net");
  FlowService& flows = Service();
  auto f = flows.Start({FlowKind::kReset, "eve", "192.0.2.1"}).value();
  const std::string opt = f.flow.options[0].id;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(flows.Challenge(f.id, opt, "192.0.2.1").ok()) << i;
  const Status fourth = flows.Challenge(f.id, opt, "192.0.2.1").status();
  EXPECT_EQ(fourth.reason(), "throttled");
  int sent = 0;
  for (const auto& m : Outbox()) sent += m.template_id == "reset_code" ? 1 : 0;
  EXPECT_EQ(sent, 3);
  // The block holds across flows, and for verifying too.
  EXPECT_EQ(flows.Verify(f.id, opt, {SecretString(LatestCode())}, "192.0.2.1").status().reason(), "throttled");
  EXPECT_EQ(flows.Start({FlowKind::kReset, "eve", "192.0.2.1"}).status().reason(), "throttled");
}

TEST_F(FlowServiceTest, TwoGatesNeedTwoDifferentMethods) {
  settings_.gates_required = 2;
  AddUser("two", "two@example.net");
  FlowService& flows = Service();
  // One email only: the flow is a look-alike that never passes.
  Result<FlowView> f = flows.Start({FlowKind::kReset, "two", "192.0.2.1"});
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->flow.phantom());
  EXPECT_EQ(f->flow.gates_required, 2);
  bool audited = false;
  for (const auto& e : Audit()) audited = audited || e.reason == "not_enough_methods";
  EXPECT_TRUE(audited);
  // An organisation may prefer to say so at once, with the helpdesk's number.
  settings_.reveal_unregistered = true;
  FlowService& revealing = Service();
  const Status told = revealing.Start({FlowKind::kReset, "two", "192.0.2.1"}).status();
  EXPECT_EQ(told.reason(), "not_registered");
  EXPECT_NE(std::string(told.message()).find("020 7946 0000"), std::string::npos);
  // Unknown usernames still get a look-alike flow.
  EXPECT_TRUE(revealing.Start({FlowKind::kReset, "nobody", "192.0.2.1"})->flow.phantom());
}

TEST_F(FlowServiceTest, AnAdministratorsResetIsToldToTheOtherAdministrators) {
  settings_.admin_keys = {"root", "ada", "bo"};
  AddUser("root", "root.personal@example.net");
  AddUser("ada", "ada.personal@example.net");
  AddUser("bo", "bo.personal@example.net");
  AddUser("carl", "carl@example.net");
  Service();
  ASSERT_TRUE(ResetTo("root", "a brand new root passphrase").ok());
  std::set<std::string> told;
  for (const auto& m : Outbox()) {
    if (m.template_id != "admin_account_recovered") continue;
    told.insert(m.to);
    EXPECT_NE(m.subject.find("administrator root reset its password"), std::string::npos) << m.subject;
  }
  EXPECT_EQ(told, (std::set<std::string>{"ada.personal@example.net", "bo.personal@example.net"}));
  // Someone else's reset tells no administrator.
  const std::size_t before = Outbox().size();
  ASSERT_TRUE(ResetTo("carl", "carl's brand new passphrase").ok());
  int admin_notices = 0;
  for (const auto& m : Outbox()) admin_notices += m.template_id == "admin_account_recovered" ? 1 : 0;
  EXPECT_EQ(admin_notices, 2);
  EXPECT_GT(Outbox().size(), before);
}

}  // namespace
}  // namespace latchkey
