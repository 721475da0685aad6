// Strength: how hard a password is to guess, estimated by zxcvbn-c with the person's
// own words (username, names, email local part, organisation) as extra dictionary
// words, on zxcvbn's 0-4 scale.
//
// zxcvbn-c returns entropy in bits; log10(guesses) = bits * log10(2), and the score is
// zxcvbn's: 0 below 10^3 guesses, 1 below 10^6, 2 below 10^8, 3 below 10^10, else 4
// (shared/reference/deps.md). "password" scores 0, "qwertyuiop" 1, "correct horse battery
// staple" 4.
//
// zxcvbn-c reads a C string, so a password holding a NUL character is judged by the part
// before it (an underestimate, never an overestimate). Thread safety: zxcvbn-c keeps no
// state between calls; every function here is safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"
#include "policy/personal_info.hpp"
#include "policy/violation.hpp"

namespace latchkey {

struct StrengthEstimate {
  int score = 0;              // 0 (too guessable) .. 4 (very unguessable)
  double entropy_bits = 0.0;  // as zxcvbn-c reports it
  double guesses_log10 = 0.0;
};

inline constexpr std::string_view kStrengthRule = "too_guessable";

// zxcvbn's score for an entropy in bits.
int StrengthScoreFromEntropy(double entropy_bits);

// The words of `person` that zxcvbn should treat as very guessable: username, email local
// part, display name, first and last name and organisation, each whole (lower case) and
// split into words, words of 3 or more characters, no duplicates.
std::vector<std::string> StrengthUserWords(const PersonalInfo& person);

class StrengthChecker {
 public:
  static constexpr int kDefaultMinScore = 3;

  // min_score: the lowest acceptable score, 0..4 (0 accepts everything); otherwise an
  // InvalidArgument error for field "password.min_strength".
  static Result<StrengthChecker> Create(int min_score = kDefaultMinScore);

  // Estimates a password (UTF-8) with the person's words as user dictionary.
  StrengthEstimate Estimate(std::string_view password, const PersonalInfo& person = {}) const;
  // A violation when the estimate is below min_score.
  std::optional<Violation> Check(std::string_view password, const PersonalInfo& person = {}) const;

  int min_score() const { return min_score_; }

 private:
  explicit StrengthChecker(int min_score) : min_score_(min_score) {}
  int min_score_;
};

}  // namespace latchkey
