#include "policy/strength.hpp"

// zxcvbn.h defines MallocFn/FreeFn and ZxcvbnInit/ZxcvbnUnInit as macros: this file only.
#include <unicode/uchar.h>
#include <zxcvbn.h>

#include <algorithm>
#include <cmath>

#include "policy/match_text.hpp"
#include "text/unicode.hpp"

namespace latchkey {
namespace {

constexpr double kLog10Of2 = 0.30102999566398120;
constexpr std::size_t kMinUserWordLength = 3;  // shorter words would match almost anything

std::string Lower(std::string_view text) {
  std::u32string cps = DecodeUtf8(text);
  for (char32_t& c : cps) c = static_cast<char32_t>(u_tolower(static_cast<UChar32>(c)));
  return EncodeUtf8(cps);
}

}  // namespace

int StrengthScoreFromEntropy(double entropy_bits) {
  const double lg = entropy_bits * kLog10Of2;
  if (lg < 3) return 0;
  if (lg < 6) return 1;
  if (lg < 8) return 2;
  if (lg < 10) return 3;
  return 4;
}

std::vector<std::string> StrengthUserWords(const PersonalInfo& person) {
  std::vector<std::string> words;
  auto add = [&words](std::string_view text) {
    if (CodePointCount(text) < kMinUserWordLength) return;
    std::string w = Lower(text);
    if (std::find(words.begin(), words.end(), w) == words.end()) words.push_back(std::move(w));
  };
  auto add_all = [&add](std::string_view text) {
    if (text.empty()) return;
    add(text);
    const std::vector<std::string> parts = SplitWords(text);
    std::string joined;
    for (const std::string& p : parts) {
      add(p);
      joined += p;
    }
    if (parts.size() > 1) add(joined);
  };
  add_all(person.username);
  if (person.username.find('@') != std::string::npos) add_all(EmailLocalPart(person.username));
  add_all(EmailLocalPart(person.email));
  add_all(person.display_name);
  add_all(person.first_name);
  add_all(person.last_name);
  add_all(person.organisation);
  return words;
}

Result<StrengthChecker> StrengthChecker::Create(int min_score) {
  if (min_score < 0 || min_score > 4) {
    return Status::InvalidArgument("invalid_min_strength",
                                   "The minimum password strength must be from 0 to 4.",
                                   "password.min_strength");
  }
  return StrengthChecker(min_score);
}

StrengthEstimate StrengthChecker::Estimate(std::string_view password,
                                           const PersonalInfo& person) const {
  const std::vector<std::string> words = StrengthUserWords(person);
  std::vector<const char*> dict;
  dict.reserve(words.size() + 1);
  for (const std::string& w : words) dict.push_back(w.c_str());
  dict.push_back(nullptr);

  std::string copy(password);  // NUL-terminated for zxcvbn-c; wiped below
  const double bits = ZxcvbnMatch(copy.c_str(), dict.data(), nullptr);
  WipeBuffer(copy);

  StrengthEstimate e;
  e.entropy_bits = bits;
  e.guesses_log10 = bits * kLog10Of2;
  e.score = StrengthScoreFromEntropy(bits);
  return e;
}

std::optional<Violation> StrengthChecker::Check(std::string_view password,
                                                const PersonalInfo& person) const {
  if (Estimate(password, person).score >= min_score_) return std::nullopt;
  return Violation{std::string(kStrengthRule),
                   "Choose a password that's harder for people to guess. A few uncommon "
                   "words together work well; names, dates, keyboard rows, repeated "
                   "characters and common substitutions such as @ for a are easy to guess."};
}

}  // namespace latchkey
