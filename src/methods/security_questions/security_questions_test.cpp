// Security questions: registration rules (count, length, normalisation,
// duplicates, the helpdesk question), hashing, the random subset at a gate and
// its redraw after a wrong answer, phantoms.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "core/blob.hpp"
#include "core/work_pool.hpp"
#include "crypto/password_hasher.hpp"
#include "methods/method_test_util.hpp"
#include "methods/security_questions/security_questions_method.hpp"

namespace latchkey {
namespace {

using method_testing::EnrollBench;
using method_testing::GateBench;
using method_testing::ScriptedRandom;
using nlohmann::json;

// Five answers to the first five built-in questions.
json FiveAnswers() {
  const auto& q = BuiltinSecurityQuestions();
  return {{q[0].id, "The Beatles"},
          {q[1].id, "Mary Ann"},
          {q[2].id, "Ms Honey"},
          {q[3].id, "Corner shop"},
          {q[4].id, "Mini Cooper"}};
}

class SecurityQuestionTest : public ::testing::Test {
 protected:
  SecurityQuestionTest()
      : pool_(1, 16),
        hasher_({8192, 1}, pool_),  // cheap parameters: the cost is not under test here
        enroll_(clock_, random_),
        gate_(clock_, random_) {
    Rebuild({});
  }

  void Rebuild(const SecurityQuestionsOptions& options) {
    method_ = MakeSecurityQuestionsMethod(options, hasher_);
  }

  Result<Enrollment> Register(const json& body) {
    return method_->BeginEnroll(enroll_.ctx(), body.dump());
  }
  Enrollment RegisterFive() {
    Result<Enrollment> e = Register({{"answers", FiveAnswers()}});
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? *e : Enrollment{};
  }

  // Begin: the ids asked.
  std::vector<std::string> Ask(const Enrollment* e) {
    const Status st = method_->Begin(gate_.ctx(), e);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return IdsIn(gate_.response);
  }
  static std::vector<std::string> IdsIn(const std::string& response) {
    std::vector<std::string> ids;
    const json parsed = json::parse(response);
    for (const auto& q : parsed["questions"]) {
      EXPECT_TRUE(q["text"].is_string() && !q["text"].get<std::string>().empty());
      ids.push_back(q["id"]);
    }
    return ids;
  }

  // The right answers (from FiveAnswers) to `ids`, with `wrong` ones replaced.
  static json AnswersTo(const std::vector<std::string>& ids,
                        const std::set<std::string>& wrong = {}) {
    const json all = FiveAnswers();
    json out = json::object();
    for (const auto& id : ids) out[id] = wrong.count(id) != 0 ? "not it at all" : all[id];
    return out;
  }

  Status Answer(Enrollment* e, const json& answers) {
    return method_->Verify(gate_.ctx(), e, latchkey::Answer{SecretString(), answers.dump()});
  }

  WorkPool pool_;
  PasswordHasher hasher_;
  ManualClock clock_;
  ScriptedRandom random_;
  EnrollBench enroll_;
  GateBench gate_;
  std::unique_ptr<SecurityQuestionsMethod> method_;
};

TEST(SecurityQuestionNormalisation, CaseWhitespaceAndUnicode) {
  EXPECT_EQ(NormalizeAnswer("  The\t\tBEATLES \n"), "the beatles");
  EXPECT_EQ(NormalizeAnswer("\xEF\xBC\xB4\xEF\xBD\x88\xEF\xBD\x85\xE3\x80\x80"
                            "Beatles"),  // full width
            "the beatles");
  EXPECT_EQ(NormalizeAnswer("Straße"), "strasse");
  EXPECT_EQ(NormalizeAnswer("Cafe\xCC\x81"), NormalizeAnswer("Caf\xC3\xA9"));  // NFC vs NFD
  EXPECT_EQ(NormalizeAnswer("a\xE2\x80\x8B"
                            "b"),
            "ab");  // a zero-width space is dropped
  EXPECT_EQ(NormalizeAnswer("bad \xFF utf-8"), std::nullopt);
  EXPECT_EQ(NormalizeAnswer("bell\x07"), std::nullopt);
}

TEST_F(SecurityQuestionTest, RegistrationHashesEveryAnswerAndKeepsNoneReadable) {
  Result<Enrollment> e =
      Register({{"answers", FiveAnswers()},
                {"helpdesk", {{"question", "first_film"}, {"answer", " Jaws  "}}}});
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->state, EnrollmentState::kActive);
  EXPECT_EQ(e->kind, MethodKind::kSecurityQuestions);
  EXPECT_EQ(e->hint, "5 questions");
  EXPECT_TRUE(e->confirmed_at.has_value());
  EXPECT_TRUE(method_->IsUsable(*e));
  EXPECT_TRUE(method_->SecondaryOnly());
  const json stored = json::parse(e->secret.view());
  ASSERT_EQ(stored["q"].size(), 5u);
  for (const auto& q : stored["q"]) {
    EXPECT_EQ(q["h"].get<std::string>().rfind("$argon2id$", 0), 0u);
  }
  const std::string secret(e->secret.view());
  const json five = FiveAnswers();
  for (const auto& [id, answer] : five.items()) {
    EXPECT_EQ(secret.find(answer.get<std::string>()), std::string::npos) << id;
    EXPECT_EQ(secret.find(*NormalizeAnswer(answer.get<std::string>())), std::string::npos) << id;
  }
  // Only the helpdesk answer is readable, as typed (trimmed).
  const std::optional<HelpdeskQuestion> h = ReadHelpdeskQuestion(*e);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->question_id, "first_film");
  EXPECT_EQ(h->question_text, "What was the first film you saw in a cinema?");
  EXPECT_EQ(h->answer, "Jaws");
  const json response = json::parse(enroll_.response());
  EXPECT_EQ(response["questions"].size(), 5u);
  EXPECT_EQ(response["helpdesk_question"], true);
  EXPECT_EQ(method_->FinishEnroll(enroll_.ctx(), *e, "{}").code(), Errc::kOutOfOrder);

  EXPECT_FALSE(ReadHelpdeskQuestion(RegisterFive()).has_value());
}

TEST_F(SecurityQuestionTest, RegistrationRules) {
  const auto& q = BuiltinSecurityQuestions();
  auto reason = [&](const json& body) { return std::string(Register(body).status().reason()); };
  auto field = [&](const json& body) { return std::string(Register(body).status().field()); };

  json four = FiveAnswers();
  four.erase(q[4].id);
  EXPECT_EQ(reason({{"answers", four}}), "wrong_answer_count");
  json six = FiveAnswers();
  six[q[5].id] = "Cornwall";
  EXPECT_EQ(reason({{"answers", six}}), "wrong_answer_count");

  json unknown = four;
  unknown["favourite_colour"] = "Green";
  EXPECT_EQ(reason({{"answers", unknown}}), "unknown_question");
  EXPECT_EQ(field({{"answers", unknown}}), "answers.favourite_colour");

  json dup = FiveAnswers();
  dup[q[1].id] = "  the   BEATLES";  // the same as q[0]'s once normalised
  EXPECT_EQ(reason({{"answers", dup}}), "duplicate_answers");

  json short_answer = FiveAnswers();
  short_answer[q[2].id] = " ab ";
  EXPECT_EQ(reason({{"answers", short_answer}}), "answer_length");
  EXPECT_EQ(field({{"answers", short_answer}}), "answers." + q[2].id);
  json long_answer = FiveAnswers();
  long_answer[q[2].id] = std::string(41, 'x');
  EXPECT_EQ(reason({{"answers", long_answer}}), "answer_length");
  json edges = FiveAnswers();
  edges[q[2].id] = "abc";
  std::string forty_e;
  for (int i = 0; i < 40; ++i) forty_e += "\xC3\xA9";  // 40 characters, 80 bytes
  edges[q[3].id] = forty_e;
  EXPECT_TRUE(Register({{"answers", edges}}).ok());

  json not_text = FiveAnswers();
  not_text[q[0].id] = 42;
  EXPECT_EQ(reason({{"answers", not_text}}), "invalid_answer");
  EXPECT_EQ(reason({{"answers", json::array()}}), "missing_field");
  EXPECT_EQ(reason(json::object()), "missing_field");
  for (const char* body : {"{", "[]", "", "null"}) {
    EXPECT_EQ(method_->BeginEnroll(enroll_.ctx(), body).status().code(), Errc::kInvalidArgument)
        << body;
  }

  // The helpdesk question: another question, another answer.
  json body = {{"answers", FiveAnswers()}};
  body["helpdesk"] = {{"question", q[0].id}, {"answer", "Something else"}};
  EXPECT_EQ(reason(body), "helpdesk_question_reused");
  body["helpdesk"] = {{"question", q[6].id}, {"answer", "mini   cooper"}};
  EXPECT_EQ(reason(body), "duplicate_answers");
  EXPECT_EQ(field(body), "helpdesk.answer");
  body["helpdesk"] = {{"question", "nope"}, {"answer", "Cornwall"}};
  EXPECT_EQ(reason(body), "unknown_question");
  body["helpdesk"] = {{"question", q[6].id}, {"answer", "no"}};
  EXPECT_EQ(reason(body), "answer_length");
  body["helpdesk"] = {{"question", q[6].id}, {"answer", "Cornwall"}};
  EXPECT_TRUE(Register(body).ok());
  SecurityQuestionsOptions no_helpdesk;
  no_helpdesk.helpdesk_question = false;
  Rebuild(no_helpdesk);
  EXPECT_EQ(reason(body), "helpdesk_question_off");
}

TEST_F(SecurityQuestionTest, AGateAsksARandomSubsetAndAcceptsTheRightAnswers) {
  Enrollment e = RegisterFive();
  const std::vector<std::string> asked = Ask(&e);
  ASSERT_EQ(asked.size(), 3u);
  const json registered = FiveAnswers();
  for (const auto& id : asked) EXPECT_TRUE(registered.contains(id)) << id;
  EXPECT_EQ(std::set<std::string>(asked.begin(), asked.end()).size(), 3u);
  // Asking again shows the same questions: no shopping for easier ones.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Ask(&e), asked);
  // Answered differently typed: normalised the same.
  json answers = AnswersTo(asked);
  answers[asked[0]] = "  " + answers[asked[0]].get<std::string>() + " ";
  for (auto& c : answers[asked[1]].get_ref<std::string&>()) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  const Status st = Answer(&e, answers);
  ASSERT_TRUE(st.ok()) << st.ToString();
  // The subset is spent: verifying again needs a new Begin.
  EXPECT_EQ(Answer(&e, answers).code(), Errc::kOutOfOrder);

  // Over many gates every registered question is asked sometimes, no other ever.
  std::set<std::string> seen;
  for (int i = 0; i < 40; ++i) {
    gate_.state.clear();
    for (const auto& id : Ask(&e)) seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 5u);
}

TEST_F(SecurityQuestionTest, AWrongAnswerFailsAndDrawsANewSubset) {
  Enrollment e = RegisterFive();
  const std::vector<std::string> first = Ask(&e);
  // Two right, one wrong: all must match.
  const Status wrong = Answer(&e, AnswersTo(first, {first[2]}));
  EXPECT_EQ(wrong.code(), Errc::kVerifyFailed);
  EXPECT_EQ(wrong.reason(), "wrong_answer");
  // The new subset is in the state blob and in the response, and is another one.
  const std::vector<std::string> second = IdsIn(gate_.response);
  EXPECT_NE(std::set<std::string>(second.begin(), second.end()),
            std::set<std::string>(first.begin(), first.end()));
  EXPECT_EQ(Ask(&e), second);
  // Answering the old subset now is not an answer to what is asked.
  EXPECT_EQ(Answer(&e, AnswersTo(first)).code(), Errc::kInvalidArgument);
  EXPECT_EQ(Ask(&e), second);  // and it changed nothing
  // A wrong answer to every question also redraws.
  EXPECT_EQ(Answer(&e, AnswersTo(second, {second.begin(), second.end()})).reason(), "wrong_answer");
  const std::vector<std::string> third = Ask(&e);
  EXPECT_NE(std::set<std::string>(third.begin(), third.end()),
            std::set<std::string>(second.begin(), second.end()));
  EXPECT_TRUE(Answer(&e, AnswersTo(third)).ok());
}

TEST_F(SecurityQuestionTest, MalformedAnswersAreNotGuesses) {
  Enrollment e = RegisterFive();
  EXPECT_EQ(Answer(&e, json::object()).code(), Errc::kOutOfOrder);  // nothing asked yet
  const std::vector<std::string> asked = Ask(&e);
  const std::string state = gate_.state;
  json missing = AnswersTo(asked);
  missing.erase(asked[1]);
  Status st = Answer(&e, missing);
  EXPECT_EQ(st.reason(), "missing_answer");
  EXPECT_EQ(st.field(), "answers." + asked[1]);
  json extra = AnswersTo(asked);
  extra["first_film"] = "Jaws";  // not a registered question, so never asked
  EXPECT_EQ(Answer(&e, extra).code(), Errc::kInvalidArgument);
  json not_text = AnswersTo(asked);
  not_text[asked[0]] = 7;
  EXPECT_EQ(Answer(&e, not_text).code(), Errc::kInvalidArgument);
  for (const char* body : {"", "[", "[]", "\"x\""}) {
    EXPECT_EQ(method_->Verify(gate_.ctx(), &e, latchkey::Answer{SecretString(), body}).code(),
              Errc::kInvalidArgument)
        << body;
  }
  EXPECT_EQ(gate_.state, state);  // no redraw for input errors
  // Too short to be an answer is simply wrong (and redraws).
  json tiny = AnswersTo(asked);
  tiny[asked[0]] = "x";
  EXPECT_EQ(Answer(&e, tiny).reason(), "wrong_answer");
  EXPECT_NE(gate_.state, state);
}

TEST_F(SecurityQuestionTest, PhantomsGetTheSameShapeFromAStableDecoySetAndNeverPass) {
  // With a subject (the flow's keyed username), the decoy set stays the same
  // across flows, as a real person's registered set does.
  std::set<std::string> seen;
  for (int flow = 0; flow < 30; ++flow) {
    GateBench bench(clock_, random_, "flow-" + std::to_string(flow));
    GateContext& ctx = bench.ctx();
    ctx.subject = "subject-of-nobody";
    ASSERT_TRUE(method_->Begin(ctx, nullptr).ok());
    const auto ids = IdsIn(bench.response);
    EXPECT_EQ(ids.size(), 3u);
    seen.insert(ids.begin(), ids.end());
    json answers = json::object();
    for (const auto& id : ids) answers[id] = FiveAnswers().value(id, std::string("whatever"));
    const Status st =
        method_->Verify(ctx, nullptr, latchkey::Answer{SecretString(), answers.dump()});
    EXPECT_EQ(st.reason(), "wrong_answer");
    EXPECT_EQ(IdsIn(bench.response).size(), 3u);
  }
  EXPECT_EQ(seen.size(), 5u);
  for (const auto& id : seen) {
    bool offered = false;
    for (const auto& q : BuiltinSecurityQuestions()) offered = offered || q.id == id;
    EXPECT_TRUE(offered) << id;
  }
}

TEST_F(SecurityQuestionTest, SettingsChooseTheQuestionsAndCounts) {
  SecurityQuestionsOptions o;
  o.questions = {{"pet", "Name of a neighbour's cat?"},
                 {"tree", "The tree in your garden?"},
                 {"lake", "A lake you swam in?"}};
  o.count_to_register = 3;
  o.count_to_ask = 2;
  Rebuild(o);
  EXPECT_EQ(method_->questions().size(), 3u);
  EXPECT_EQ(method_->count_to_register(), 3);
  EXPECT_EQ(method_->count_to_ask(), 2);
  Result<Enrollment> e =
      Register({{"answers", {{"pet", "Felix"}, {"tree", "Oak tree"}, {"lake", "Windermere"}}}});
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->hint, "3 questions");
  EXPECT_EQ(Ask(&*e).size(), 2u);
  // A question later removed from the settings is still asked, with its text.
  o.questions.erase(o.questions.begin());
  Rebuild(o);
  gate_.state.clear();
  std::set<std::string> seen;
  for (int i = 0; i < 30; ++i) {
    gate_.state.clear();
    ASSERT_TRUE(method_->Begin(gate_.ctx(), &*e).ok());
    const json parsed = json::parse(gate_.response);
    for (const auto& q : parsed["questions"]) {
      seen.insert(q["id"]);
      if (q["id"] == "pet") {
        EXPECT_EQ(q["text"], "Name of a neighbour's cat?");
      }
    }
  }
  EXPECT_TRUE(seen.count("pet"));
}

TEST_F(SecurityQuestionTest, DamagedEnrollmentsAreNotUsable) {
  Enrollment e = RegisterFive();
  e.secret = SecretString("{\"q\":[]}");
  EXPECT_FALSE(method_->IsUsable(e));
  EXPECT_EQ(method_->Begin(gate_.ctx(), &e).code(), Errc::kInternal);
  Enrollment pending = RegisterFive();
  pending.state = EnrollmentState::kPending;
  EXPECT_FALSE(method_->IsUsable(pending));
}

}  // namespace
}  // namespace latchkey
