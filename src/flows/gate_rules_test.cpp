#include "flows/gate_rules.hpp"

#include <gtest/gtest.h>

namespace latchkey {
namespace {

Flow FlowWith(std::vector<MethodKind> kinds, int gates) {
  Flow f;
  f.account_id = 1;
  f.gates_required = gates;
  int n = 0;
  for (MethodKind k : kinds) f.options.push_back({"o" + std::to_string(n++), k, "hint", "e"});
  return f;
}

GateRules Rules(bool strong = true) {
  GateRules r;
  r.require_strong = strong;
  r.secondary_only = [](MethodKind k) { return k == MethodKind::kSecurityQuestions; };
  return r;
}

TEST(GateRulesTest, OneGateWithAStrongMethodMustBeStrong) {
  const Flow f = FlowWith({MethodKind::kEmail, MethodKind::kTotp, MethodKind::kRecoveryCode}, 1);
  EXPECT_EQ(OfferedOptions(f, Rules()), (std::vector<std::string>{"o1", "o2"}));
  const Status st = CheckGate(f, f.options[0], Rules());
  EXPECT_EQ(st.code(), Errc::kInvalidArgument);
  EXPECT_EQ(st.reason(), "strong_method_required");
  // The administrator may switch the rule off.
  EXPECT_EQ(OfferedOptions(f, Rules(false)).size(), 3u);
  // Without a strong method anything registered will do.
  const Flow weak = FlowWith({MethodKind::kEmail, MethodKind::kSms}, 1);
  EXPECT_EQ(OfferedOptions(weak, Rules()).size(), 2u);
}

TEST(GateRulesTest, TwoGatesAreDifferentMethodsAndOneIsStrong) {
  Flow f = FlowWith({MethodKind::kEmail, MethodKind::kSms, MethodKind::kVoice, MethodKind::kTotp,
                     MethodKind::kEmail},
                    2);
  // First gate: anything.
  EXPECT_EQ(OfferedOptions(f, Rules()).size(), 5u);
  f.passed.push_back("o1");  // a text to the mobile
  // Second: not the call to the same mobile (one method), not the same option,
  // and strong since the first was not.
  EXPECT_EQ(OfferedOptions(f, Rules()), (std::vector<std::string>{"o3"}));
  EXPECT_EQ(CheckGate(f, f.options[2], Rules()).reason(), "method_not_allowed");
  EXPECT_EQ(CheckGate(f, f.options[1], Rules()).code(), Errc::kOutOfOrder);
  EXPECT_EQ(CheckGate(f, f.options[0], Rules()).reason(), "strong_method_required");
  // Strong first: then any other kind.
  Flow g = FlowWith({MethodKind::kEmail, MethodKind::kTotp, MethodKind::kEmail}, 2);
  g.passed.push_back("o1");
  EXPECT_EQ(OfferedOptions(g, Rules()), (std::vector<std::string>{"o0", "o2"}));
  // Both gates passed: nothing left to offer.
  g.passed.push_back("o0");
  EXPECT_TRUE(OfferedOptions(g, Rules()).empty());
  // Two emails are one kind: the second email is not a second method.
  Flow h = FlowWith({MethodKind::kEmail, MethodKind::kEmail}, 2);
  h.passed.push_back("o0");
  EXPECT_TRUE(OfferedOptions(h, Rules()).empty());
}

TEST(GateRulesTest, SecurityQuestionsAreNeverTheOnlyGate) {
  Flow one = FlowWith({MethodKind::kSecurityQuestions, MethodKind::kEmail}, 1);
  EXPECT_EQ(OfferedOptions(one, Rules()), (std::vector<std::string>{"o1"}));
  DropUnusableOptions(one, Rules());
  ASSERT_EQ(one.options.size(), 1u);
  EXPECT_EQ(one.options[0].kind, MethodKind::kEmail);

  Flow two = FlowWith({MethodKind::kSecurityQuestions, MethodKind::kEmail}, 2);
  DropUnusableOptions(two, Rules());
  EXPECT_EQ(two.options.size(), 2u);  // kept: usable alongside another method
  two.passed.push_back("o0");
  EXPECT_EQ(OfferedOptions(two, Rules()), (std::vector<std::string>{"o1"}));
}

}  // namespace
}  // namespace latchkey
