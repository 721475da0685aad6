#include "methods/security_questions/security_questions_method.hpp"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "core/blob.hpp"
#include "crypto/hashing.hpp"
#include "crypto/keys.hpp"
#include "crypto/password_hasher.hpp"
#include "text/unicode.hpp"

namespace latchkey {
namespace {

using nlohmann::json;

// What an enrollment's secret holds (JSON):
// {"v":1,"q":[{"id","text","h"}...],"helpdesk":{"id","text","answer"}?}
// The question text is kept as the person saw it, so a question later removed
// from the settings can still be asked of those who chose it.
struct Registered {
  std::string id;
  std::string text;
  std::string hash;  // Argon2id PHC of the keyed digest
};

// The keyed digest that is hashed: HMAC under the service key of the question id
// and the normalised answer. A copy of the database alone cannot be attacked
// offline (the key lives outside it); the id binds the answer to its question.
SecretString AnswerDigest(const KeyRing& keys, std::string_view question_id,
                          std::string_view normalised) {
  std::string data(question_id);
  data.push_back('\0');
  data.append(normalised);
  SecretString digest(keys.Lookup("security-answer", data));
  std::fill(data.begin(), data.end(), '\0');
  return digest;
}

std::optional<std::vector<Registered>> ReadRegistered(const Enrollment& e) {
  const json doc = json::parse(e.secret.view(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("q") || !doc["q"].is_array()) {
    return std::nullopt;
  }
  std::vector<Registered> out;
  for (const auto& q : doc["q"]) {
    if (!q.is_object() || !q.contains("id") || !q["id"].is_string() || !q.contains("h") ||
        !q["h"].is_string()) {
      return std::nullopt;
    }
    out.push_back(
        {q["id"].get<std::string>(), q.value("text", std::string()), q["h"].get<std::string>()});
  }
  if (out.empty()) return std::nullopt;
  return out;
}

std::vector<std::string> SplitIds(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::size_t end = comma == std::string_view::npos ? text.size() : comma;
    if (end > start) out.emplace_back(text.substr(start, end - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string JoinIds(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ",") + id;
  return out;
}

class SecurityQuestions final : public SecurityQuestionsMethod {
 public:
  SecurityQuestions(SecurityQuestionsOptions options, const PasswordHasher& hasher)
      : o_(std::move(options)), hasher_(hasher) {
    // Defensive clamps; the configuration is validated before this point.
    o_.count_to_register =
        std::clamp(o_.count_to_register, 1, std::max(1, static_cast<int>(o_.questions.size())));
    o_.count_to_ask = std::clamp(o_.count_to_ask, 1, o_.count_to_register);
    for (const auto& q : o_.questions) text_[q.id] = q.text;
  }

  MethodKind kind() const override { return MethodKind::kSecurityQuestions; }
  const std::vector<SecurityQuestion>& questions() const override { return o_.questions; }
  int count_to_register() const override { return o_.count_to_register; }
  int count_to_ask() const override { return o_.count_to_ask; }

  bool IsUsable(const Enrollment& e) const override {
    if (e.kind != MethodKind::kSecurityQuestions || e.state != EnrollmentState::kActive)
      return false;
    const auto registered = ReadRegistered(e);
    return registered && static_cast<int>(registered->size()) >= o_.count_to_ask;
  }

  Status Begin(GateContext& ctx, const Enrollment* e) override {
    Result<std::vector<Registered>> pool = Pool(ctx, e);
    if (!pool.ok()) return pool.status();
    std::optional<Blob> blob = DecodeBlob(ctx.state);
    if (!blob) blob = Blob{};
    std::vector<std::string> asked = SplitIds((*blob)["ask"]);
    // An unanswered subset is shown again: asking again does not draw new questions.
    if (!Within(asked, *pool)) asked = Draw(ctx.random, *pool, {});
    (*blob)["ask"] = JoinIds(asked);
    ctx.state = EncodeBlob(*blob);
    if (ctx.response != nullptr) *ctx.response = QuestionsJson(asked, *pool).dump();
    return Status::Ok();
  }

  Status Verify(GateContext& ctx, Enrollment* e, const Answer& answer) override {
    std::optional<Blob> blob = DecodeBlob(ctx.state);
    if (!blob || (*blob)["ask"].empty()) return Status::OutOfOrder("Ask for the questions first.");
    Result<std::vector<Registered>> pool = Pool(ctx, e);
    if (!pool.ok()) return pool.status();
    const std::vector<std::string> asked = SplitIds((*blob)["ask"]);
    if (!Within(asked, *pool)) return Status::OutOfOrder("Ask for the questions again.");

    const json given = json::parse(answer.json, nullptr, false);
    if (given.is_discarded() || !given.is_object()) {
      return Status::InvalidArgument("invalid_answers", "Answer each question.", "answers");
    }
    for (const auto& [id, value] : given.items()) {
      if (std::find(asked.begin(), asked.end(), id) == asked.end()) {
        return Status::InvalidArgument("invalid_answers", "Answer only the questions asked.",
                                       "answers");
      }
      if (!value.is_string()) {
        return Status::InvalidArgument("invalid_answers", "Each answer must be text.",
                                       "answers." + id);
      }
    }
    for (const auto& id : asked) {
      if (!given.contains(id)) {
        return Status::InvalidArgument("missing_answer", "Answer every question.", "answers." + id);
      }
    }

    // Every asked answer is checked, right or wrong, so the time taken and the
    // outcome say nothing about which one was wrong.
    bool all_right = true;
    for (const auto& id : asked) {
      const std::optional<std::string> norm = NormalizeAnswer(given[id].get<std::string>());
      const bool acceptable = norm && CodePointCount(*norm) >= kMinAnswerLength &&
                              CodePointCount(*norm) <= kMaxAnswerLength;
      const SecretString digest = AnswerDigest(ctx.keys, id, acceptable ? *norm : std::string());
      std::string phc;
      if (e == nullptr) {
        Result<std::string> dummy = DummyHash();
        if (!dummy.ok()) return dummy.status();
        phc = *dummy;
      } else {
        phc = Find(*pool, id)->hash;
      }
      Result<bool> match = hasher_.Verify(phc, digest);
      if (!match.ok()) return match.status();  // the pool is full: not a guess
      all_right = all_right && *match && acceptable;
    }
    if (all_right && e != nullptr) {
      blob->erase("ask");  // answered: the next gate draws anew
      ctx.state = EncodeBlob(*blob);
      return Status::Ok();
    }
    // A wrong answer starts the selection again (against question hammering).
    const std::vector<std::string> next = Draw(ctx.random, *pool, asked);
    (*blob)["ask"] = JoinIds(next);
    ctx.state = EncodeBlob(*blob);
    if (ctx.response != nullptr) *ctx.response = QuestionsJson(next, *pool).dump();
    return Status::VerifyFailed("wrong_answer",
                                "At least one answer is not right. Answer the new questions.");
  }

  Result<Enrollment> BeginEnroll(EnrollContext& ctx, std::string_view request_json) override {
    const json body = json::parse(request_json, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return Status::InvalidArgument("invalid_json", "Send a JSON object.");
    }
    if (!body.contains("answers") || !body["answers"].is_object()) {
      return Status::InvalidArgument("missing_field", "Answer the questions.", "answers");
    }
    const json& answers = body["answers"];
    const std::string need = std::to_string(o_.count_to_register);
    if (static_cast<int>(answers.size()) != o_.count_to_register) {
      return Status::InvalidArgument("wrong_answer_count",
                                     "Choose " + need + " different questions and answer each.",
                                     "answers");
    }
    std::vector<std::pair<std::string, std::string>> normalised;  // id, normalised answer
    for (const auto& [id, value] : answers.items()) {
      if (text_.count(id) == 0) {
        return Status::InvalidArgument("unknown_question", "Choose questions from the list.",
                                       "answers." + id);
      }
      Result<std::string> norm = CheckAnswer(value, "answers." + id);
      if (!norm.ok()) return norm.status();
      for (const auto& [other_id, other] : normalised) {
        if (other == *norm) {
          return Status::InvalidArgument(
              "duplicate_answers", "Give a different answer to each question.", "answers." + id);
        }
      }
      normalised.emplace_back(id, std::move(norm).value());
    }

    std::optional<HelpdeskQuestion> helpdesk;
    if (body.contains("helpdesk") && !body["helpdesk"].is_null()) {
      const json& h = body["helpdesk"];
      if (!o_.helpdesk_question) {
        return Status::InvalidArgument("helpdesk_question_off",
                                       "The helpdesk verification question is not offered.",
                                       "helpdesk");
      }
      if (!h.is_object() || !h.contains("question") || !h["question"].is_string() ||
          !h.contains("answer")) {
        return Status::InvalidArgument("missing_field", "Choose a question and answer it.",
                                       "helpdesk");
      }
      const std::string id = h["question"].get<std::string>();
      if (text_.count(id) == 0) {
        return Status::InvalidArgument("unknown_question", "Choose a question from the list.",
                                       "helpdesk.question");
      }
      if (answers.contains(id)) {
        return Status::InvalidArgument(
            "helpdesk_question_reused",
            "Choose a helpdesk question that is not one of your security questions.",
            "helpdesk.question");
      }
      Result<std::string> norm = CheckAnswer(h["answer"], "helpdesk.answer");
      if (!norm.ok()) return norm.status();
      for (const auto& [other_id, other] : normalised) {
        // The helpdesk sees this answer: it must not open a gate.
        if (other == *norm) {
          return Status::InvalidArgument(
              "duplicate_answers", "The helpdesk answer must differ from your security answers.",
              "helpdesk.answer");
        }
      }
      std::string typed = h["answer"].get<std::string>();
      typed.erase(0, typed.find_first_not_of(" \t"));
      typed.erase(typed.find_last_not_of(" \t") + 1);
      helpdesk = HelpdeskQuestion{id, text_.at(id), std::move(typed)};
    }

    json stored = {{"v", 1}, {"q", json::array()}};
    json ids = json::array();
    for (const auto& [id, norm] : normalised) {
      Result<std::string> hash = hasher_.Hash(AnswerDigest(ctx.keys, id, norm));
      if (!hash.ok()) return hash.status();
      stored["q"].push_back({{"id", id}, {"text", text_.at(id)}, {"h", *hash}});
      ids.push_back(id);
    }
    if (helpdesk) {
      stored["helpdesk"] = {{"id", helpdesk->question_id},
                            {"text", helpdesk->question_text},
                            {"answer", helpdesk->answer}};
    }

    Enrollment e;
    e.id = "m_" + ctx.random.Token(12);
    e.account_id = ctx.account.id;
    e.kind = MethodKind::kSecurityQuestions;
    e.state = EnrollmentState::kActive;
    e.source = EnrollmentSource::kUser;
    e.label = "Security questions";
    e.hint = need + " questions";
    e.secret = SecretString(stored.dump());
    e.created_at = ctx.clock.Now();
    e.confirmed_at = e.created_at;
    ctx.response = json{{"questions", ids}, {"helpdesk_question", helpdesk.has_value()}}.dump();
    return e;
  }

  Status FinishEnroll(EnrollContext&, Enrollment&, std::string_view) override {
    return Status::OutOfOrder("Security questions need no confirmation.");
  }

 private:
  // The questions the gate draws from: the registered ones, or for a phantom a
  // decoy set of the same size chosen from the offered list under the phantom
  // key (stable for one subject, as a real person's set is).
  Result<std::vector<Registered>> Pool(const GateContext& ctx, const Enrollment* e) const {
    if (e != nullptr) {
      auto registered = ReadRegistered(*e);
      if (!registered) return Status::Internal("unreadable security questions").WithDetail(e->id);
      return std::move(*registered);
    }
    std::vector<std::pair<std::string, const SecurityQuestion*>> ranked;
    for (const auto& q : o_.questions) {
      std::string data = "phantom-question";
      data.push_back('\0');
      data.append(ctx.subject.empty() ? ctx.scope : ctx.subject);
      data.push_back('\0');
      data.append(q.id);
      ranked.emplace_back(HmacSha256Hex(ctx.keys.phantom_key(), data), &q);
    }
    std::sort(ranked.begin(), ranked.end());
    std::vector<Registered> decoy;
    for (int i = 0; i < o_.count_to_register && i < static_cast<int>(ranked.size()); ++i) {
      decoy.push_back({ranked[static_cast<std::size_t>(i)].second->id,
                       ranked[static_cast<std::size_t>(i)].second->text, ""});
    }
    return decoy;
  }

  static const Registered* Find(const std::vector<Registered>& pool, std::string_view id) {
    for (const auto& r : pool) {
      if (r.id == id) return &r;
    }
    return nullptr;
  }

  // True when `asked` is a non-empty set of count_to_ask distinct ids of `pool`.
  bool Within(const std::vector<std::string>& asked, const std::vector<Registered>& pool) const {
    const int want = std::min(o_.count_to_ask, static_cast<int>(pool.size()));
    if (static_cast<int>(asked.size()) != want || asked.empty()) return false;
    const std::set<std::string> unique(asked.begin(), asked.end());
    if (unique.size() != asked.size()) return false;
    return std::all_of(asked.begin(), asked.end(),
                       [&](const std::string& id) { return Find(pool, id) != nullptr; });
  }

  // count_to_ask ids drawn at random from `pool`, as a set different from
  // `previous` whenever the pool allows another one. In the pool's order.
  std::vector<std::string> Draw(Random& random, const std::vector<Registered>& pool,
                                const std::vector<std::string>& previous) const {
    const std::size_t want =
        std::min<std::size_t>(static_cast<std::size_t>(o_.count_to_ask), pool.size());
    const std::set<std::string> before(previous.begin(), previous.end());
    std::vector<std::string> chosen;
    for (int attempt = 0; attempt < 32; ++attempt) {
      std::vector<std::size_t> index(pool.size());
      for (std::size_t i = 0; i < index.size(); ++i) index[i] = i;
      for (std::size_t i = 0; i < want; ++i) {  // a partial Fisher-Yates shuffle
        const std::size_t j = i + random.Uniform(static_cast<std::uint32_t>(index.size() - i));
        std::swap(index[i], index[j]);
      }
      std::sort(index.begin(), index.begin() + static_cast<std::ptrdiff_t>(want));
      chosen.clear();
      for (std::size_t i = 0; i < want; ++i) chosen.push_back(pool[index[i]].id);
      if (want == pool.size() || std::set<std::string>(chosen.begin(), chosen.end()) != before)
        break;
    }
    return chosen;
  }

  static json QuestionsJson(const std::vector<std::string>& ids,
                            const std::vector<Registered>& pool) {
    json list = json::array();
    for (const auto& id : ids) {
      const Registered* r = Find(pool, id);
      list.push_back({{"id", id}, {"text", r != nullptr ? r->text : std::string()}});
    }
    return json{{"questions", list}};
  }

  Result<std::string> CheckAnswer(const json& value, const std::string& field) const {
    if (!value.is_string()) {
      return Status::InvalidArgument("invalid_answer", "Each answer must be text.", field);
    }
    std::optional<std::string> norm = NormalizeAnswer(value.get<std::string>());
    if (!norm) {
      return Status::InvalidArgument("invalid_answer",
                                     "The answer contains characters that are not text.", field);
    }
    const std::size_t length = CodePointCount(*norm);
    if (length < kMinAnswerLength || length > kMaxAnswerLength) {
      return Status::InvalidArgument("answer_length",
                                     "Each answer must be " + std::to_string(kMinAnswerLength) +
                                         " to " + std::to_string(kMaxAnswerLength) +
                                         " characters long.",
                                     field);
    }
    return std::move(*norm);
  }

  // A hash of a random value with the configured parameters: what a phantom's
  // answers are checked against, so that it costs what a real check costs.
  Result<std::string> DummyHash() const {
    std::lock_guard<std::mutex> lock(dummy_mu_);
    if (dummy_.empty()) {
      Result<std::string> h = hasher_.Hash(SecretString("phantom answer that never matches"));
      if (!h.ok()) return h.status();
      dummy_ = *h;
    }
    return dummy_;
  }

  SecurityQuestionsOptions o_;
  const PasswordHasher& hasher_;
  std::map<std::string, std::string> text_;  // id -> text of the offered questions
  mutable std::mutex dummy_mu_;
  mutable std::string dummy_;
};

}  // namespace

const std::vector<SecurityQuestion>& BuiltinSecurityQuestions() {
  // Chosen to be memorable, stable over the years, and not usually found on a
  // social-media profile or in public records (no mother's maiden name, no first
  // pet, no place of birth).
  static const std::vector<SecurityQuestion> questions = {
      {"first_concert", "What was the first concert or live show you went to?"},
      {"childhood_friend", "What was the first name of your best friend at primary school?"},
      {"favourite_teacher", "What was the surname of your favourite teacher?"},
      {"first_job", "Where did you work in your first job?"},
      {"first_car", "What was the make and model of the first car you drove?"},
      {"childhood_toy", "What was the name of your favourite toy as a child?"},
      {"first_holiday", "Where did you go on the first holiday you remember?"},
      {"grandparent_town", "In which town did one of your grandparents live?"},
      {"first_film", "What was the first film you saw in a cinema?"},
      {"childhood_nickname", "What nickname did your family use for you as a child?"},
  };
  return questions;
}

std::optional<std::string> NormalizeAnswer(std::string_view answer) {
  std::optional<std::string> folded = NormalizeNfkcCasefold(answer);
  if (!folded) return std::nullopt;
  std::string out;
  bool space = false;
  const auto* data = reinterpret_cast<const std::uint8_t*>(folded->data());
  const auto len = static_cast<std::int32_t>(folded->size());
  std::int32_t i = 0;
  while (i < len) {
    const std::int32_t start = i;
    UChar32 c = 0;
    U8_NEXT(data, i, len, c);
    if (c < 0) return std::nullopt;
    if (u_isUWhiteSpace(c)) {
      space = true;
      continue;
    }
    if (u_iscntrl(c)) return std::nullopt;
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.append(folded->data() + start, static_cast<std::size_t>(i - start));
  }
  return out;
}

std::optional<HelpdeskQuestion> ReadHelpdeskQuestion(const Enrollment& enrollment) {
  if (enrollment.kind != MethodKind::kSecurityQuestions) return std::nullopt;
  const json doc = json::parse(enrollment.secret.view(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("helpdesk")) return std::nullopt;
  const json& h = doc["helpdesk"];
  if (!h.is_object()) return std::nullopt;
  return HelpdeskQuestion{h.value("id", std::string()), h.value("text", std::string()),
                          h.value("answer", std::string())};
}

std::unique_ptr<SecurityQuestionsMethod> MakeSecurityQuestionsMethod(
    const SecurityQuestionsOptions& options, const PasswordHasher& hasher) {
  return std::make_unique<SecurityQuestions>(options, hasher);
}

}  // namespace latchkey
