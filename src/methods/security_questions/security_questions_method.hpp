// Security questions (knowledge-based answers). Off by default: NIST SP 800-63B
// forbids prompting for them and OWASP no longer counts them as a factor; the
// registry adds this method only when `[security_questions] enabled = true`, for
// organisations whose procedures ask for it (docs/methods.md).
//
// Registration: BeginEnroll `{"answers":{"<question id>":"answer",...},
// "helpdesk":{"question":"<id>","answer":"..."}?}` takes exactly
// count_to_register answers to different questions of the offered list. Each
// answer is normalised (NFKC, case folding, runs of whitespace to one space,
// trimmed), must then be 3 to 40 characters, and no two may be the same. Only
// an Argon2id hash of a keyed digest of each (bound to its question) is kept. The
// optional helpdesk verification question is another question whose answer, as
// typed, is kept readable in the enrollment's secret (sealed at rest) for the
// helpdesk to check over the phone; it must not repeat a gate answer. The
// enrollment is active at once (nothing to prove). One set per account:
// registering again replaces the set, and the caller deletes the account's other
// security_questions enrollment in the same transaction.
//
// Gate use: Begin draws count_to_ask of the registered questions at random and
// answers `{"questions":[{"id","text"}]}`; the subset stays in the state blob, and
// Begin shows the same subset again until it is answered, so asking again does not
// shop for easier questions. Verify takes Answer.json `{"<id>":"answer",...}` for
// exactly the asked ids (kInvalidArgument otherwise, not counted); all must match.
// A wrong answer fails with "wrong_answer" and draws a new subset into the state
// blob (written to ctx.response too when the caller passes one): the caller must
// store the state blob after a failed Verify as well, or the redraw is lost.
//
// Never the only gate: SecondaryOnly() is true. Flows and sign-in must pair it
// with another method, and must not offer it to administrators and helpdesk staff.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/method.hpp"

namespace latchkey {

class PasswordHasher;

struct SecurityQuestion {
  std::string id;    // stable: answers are stored under it. [a-z0-9_], 1 to 32 characters
  std::string text;  // what people read
};

// The list shipped with Latchkey (used when `[security_questions] questions` is empty).
const std::vector<SecurityQuestion>& BuiltinSecurityQuestions();

inline constexpr std::size_t kMinAnswerLength = 3;  // characters, after normalisation
inline constexpr std::size_t kMaxAnswerLength = 40;

struct SecurityQuestionsOptions {
  // The questions offered, in display order: the predefined ones, then the
  // organisation's own. At least count_to_register.
  std::vector<SecurityQuestion> questions = BuiltinSecurityQuestions();
  int count_to_register = 5;
  int count_to_ask = 3;           // at most count_to_register
  bool helpdesk_question = true;  // offer the optional helpdesk verification question
};

// What the helpdesk may read of a registration.
struct HelpdeskQuestion {
  std::string question_id;
  std::string question_text;
  std::string answer;  // as the person typed it (trimmed)
};

class SecurityQuestionsMethod : public Method, public Enroller {
 public:
  // The offered questions (GET /api/v1/security-questions).
  virtual const std::vector<SecurityQuestion>& questions() const = 0;
  virtual int count_to_register() const = 0;
  virtual int count_to_ask() const = 0;
  bool SecondaryOnly() const override { return true; }
};

// `hasher` (Argon2id on the bounded pool) must outlive the method.
std::unique_ptr<SecurityQuestionsMethod> MakeSecurityQuestionsMethod(
    const SecurityQuestionsOptions& options, const PasswordHasher& hasher);

// The normalised form of an answer (what is hashed), or nullopt for malformed
// UTF-8 or control characters. Does not check the length.
std::optional<std::string> NormalizeAnswer(std::string_view answer);

// The helpdesk verification question of a security-questions enrollment, if the
// person registered one. Reading it is a helpdesk action the caller audits.
std::optional<HelpdeskQuestion> ReadHelpdeskQuestion(const Enrollment& enrollment);

}  // namespace latchkey
