// Recovery codes: what registration shows and stores, single use, regeneration,
// the hint, phantoms and bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "methods/method_test_util.hpp"
#include "methods/recovery_code/recovery_code_method.hpp"

namespace latchkey {
namespace {

using method_testing::EnrollBench;
using method_testing::GateBench;
using method_testing::ScriptedRandom;

class RecoveryCodeTest : public ::testing::Test {
 protected:
  RecoveryCodeTest() : enroll_(clock_, random_), gate_(clock_, random_) {}

  // A new set: the enrollment and the codes shown.
  std::pair<Enrollment, std::vector<std::string>> Generate() {
    Result<Enrollment> e = enroller().BeginEnroll(enroll_.ctx(), "{}");
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    const auto r = nlohmann::json::parse(enroll_.response());
    return {*e, r["codes"].get<std::vector<std::string>>()};
  }

  Status Use(Enrollment* e, const std::string& code) {
    return method_->Verify(gate_.ctx(), e, Answer{SecretString(code), ""});
  }

  Enroller& enroller() { return *dynamic_cast<Enroller*>(method_.get()); }

  ManualClock clock_;
  ScriptedRandom random_;
  EnrollBench enroll_;
  GateBench gate_;
  std::unique_ptr<Method> method_ = MakeRecoveryCodeMethod({});
};

TEST_F(RecoveryCodeTest, TenCodesOfEightyBitsShownOnceAndStoredOnlyHashed) {
  auto [e, codes] = Generate();
  ASSERT_EQ(codes.size(), 10u);
  const std::regex shape("[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}");
  for (const auto& c : codes) EXPECT_TRUE(std::regex_match(c, shape)) << c;
  EXPECT_EQ(std::set<std::string>(codes.begin(), codes.end()).size(), 10u);
  EXPECT_EQ(kRecoveryCodeAlphabet.size(), 32u);  // 16 symbols of 5 bits: 80 bits per code
  for (const char c : std::string_view("01IO")) {
    EXPECT_EQ(kRecoveryCodeAlphabet.find(c), std::string_view::npos) << c;
  }
  EXPECT_EQ(e.state, EnrollmentState::kActive);
  EXPECT_EQ(e.kind, MethodKind::kRecoveryCode);
  EXPECT_EQ(e.hint, "10 of 10 left");
  EXPECT_TRUE(method_->IsUsable(e));
  // Neither form of any code is in what the store keeps.
  for (const auto& c : codes) {
    std::string plain = c;
    plain.erase(std::remove(plain.begin(), plain.end(), '-'), plain.end());
    for (const std::string_view field :
         {e.secret.view(), e.pending.view(), std::string_view(e.hint), std::string_view(e.label),
          std::string_view(e.lookup)}) {
      EXPECT_EQ(field.find(c), std::string_view::npos);
      EXPECT_EQ(field.find(plain), std::string_view::npos);
    }
  }
  EXPECT_EQ(enroller().FinishEnroll(enroll_.ctx(), e, "{}").code(), Errc::kOutOfOrder);
}

TEST_F(RecoveryCodeTest, EachCodeWorksOnceAndTheHintCountsDown) {
  auto [e, codes] = Generate();
  ASSERT_TRUE(Use(&e, codes[3]).ok());
  EXPECT_EQ(e.hint, "9 of 10 left");
  const Status again = Use(&e, codes[3]);
  EXPECT_EQ(again.code(), Errc::kVerifyFailed);
  EXPECT_EQ(again.reason(), "code_used");
  EXPECT_EQ(e.hint, "9 of 10 left");
  // Typed in lower case, without dashes or with spaces: the same code.
  std::string lower = codes[0];
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  ASSERT_TRUE(Use(&e, lower).ok());
  std::string spaced = codes[1];
  std::replace(spaced.begin(), spaced.end(), '-', ' ');
  ASSERT_TRUE(Use(&e, spaced).ok());
  EXPECT_EQ(e.hint, "7 of 10 left");
  // Wrong codes.
  for (const std::string& wrong : {std::string("2222-2222-2222-2222"), codes[2].substr(0, 18),
                                   std::string(""), codes[2] + "2"}) {
    const Status st = Use(&e, wrong);
    EXPECT_EQ(st.reason(), "wrong_code") << wrong;
  }
  EXPECT_EQ(e.hint, "7 of 10 left");
  // The rest, then nothing is left.
  for (std::size_t i = 2; i < codes.size(); ++i) {
    if (i == 3) continue;
    ASSERT_TRUE(Use(&e, codes[i]).ok()) << i;
  }
  EXPECT_EQ(e.hint, "0 of 10 left");
  EXPECT_FALSE(method_->IsUsable(e));
  for (const auto& c : codes) EXPECT_EQ(Use(&e, c).reason(), "code_used");
}

TEST_F(RecoveryCodeTest, RegeneratingVoidsTheOldSet) {
  auto [old_set, old_codes] = Generate();
  ASSERT_TRUE(Use(&old_set, old_codes[0]).ok());
  enroll_.existing.push_back(old_set);
  auto [fresh, new_codes] = Generate();
  EXPECT_NE(fresh.id, old_set.id);
  EXPECT_EQ(fresh.hint, "10 of 10 left");
  for (const auto& c : old_codes) EXPECT_EQ(Use(&fresh, c).reason(), "wrong_code");
  EXPECT_TRUE(Use(&fresh, new_codes[9]).ok());
  // The hashes are bound to their set: the old secret under another id opens nothing.
  Enrollment moved = old_set;
  moved.id = fresh.id;
  EXPECT_EQ(Use(&moved, old_codes[1]).reason(), "wrong_code");
}

TEST_F(RecoveryCodeTest, CountComesFromTheOptions) {
  method_ = MakeRecoveryCodeMethod({12});
  auto [e, codes] = Generate();
  EXPECT_EQ(codes.size(), 12u);
  EXPECT_EQ(e.hint, "12 of 12 left");
  EXPECT_TRUE(Use(&e, codes[11]).ok());
}

TEST_F(RecoveryCodeTest, PhantomsNeverPassAndBeginSendsNothing) {
  auto [e, codes] = Generate();
  EXPECT_TRUE(method_->Begin(gate_.ctx(), &e).ok());
  EXPECT_TRUE(method_->Begin(gate_.ctx(), nullptr).ok());
  EXPECT_EQ(gate_.sender.sent, 0);
  for (const auto& c : {codes[0], std::string("2222-2222-2222-2222"), std::string()}) {
    const Status st = Use(nullptr, c);
    EXPECT_EQ(st.code(), Errc::kVerifyFailed);
    EXPECT_EQ(st.reason(), "wrong_code");
  }
}

TEST_F(RecoveryCodeTest, MalformedRequestsAndDamagedSecrets) {
  for (const char* body : {"[", "[]", "3"}) {
    EXPECT_EQ(enroller().BeginEnroll(enroll_.ctx(), body).status().reason(), "invalid_json")
        << body;
  }
  auto [e, codes] = Generate();
  Enrollment damaged = e;
  damaged.secret = SecretString("n=10&h0=abc");
  EXPECT_FALSE(method_->IsUsable(damaged));
  EXPECT_EQ(Use(&damaged, codes[0]).code(), Errc::kInternal);
}

}  // namespace
}  // namespace latchkey
