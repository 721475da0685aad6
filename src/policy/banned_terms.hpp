// BannedTerms: the global and the organisation's ("custom") banned-password lists,
// evaluated with the algorithm documented for Microsoft Entra Password Protection
// (shared/reference/sspr-behaviour.md §12.1; docs/password-policy.md).
//
// 1. Normalise (MatchKey in match_text.hpp): lower case, then 0->o, 1->l, $->s, @->a.
//    Terms and names are normalised the same way, so a custom term "C0ntoso" is "contoso".
// 2. Find matches in the normalised password:
//    - list terms (global and custom, 4-16 characters): exact substrings, and the fuzzy
//      (edit distance 1: one substitution, insertion or deletion) forms described below;
//    - the user's first name, last name and the organisation's name (>= 4 characters
//      after normalisation): exact substrings only, never fuzzy.
// 3. Score: choose non-overlapping matches that make the score smallest; each match is
//    1 point and each character outside the matches is 1 point. Accept when the score is
//    at least min_score (default 5) and no name was found.
//
// Names reject on their own. The reference's example has user "Poll" choosing
// "p0LL23fb" (normalised "poll23fb") rejected because it contains "poll", although its
// score would be [poll]+[2]+[3]+[f]+[b] = 5; the example wins over the score. A name
// still counts 1 point in the score, which is reported. Name forms: each of the three
// fields as given, each of its words, and its words run together ("Smith-Jones" gives
// "smith-jones", "smith", "jones", "smithjones"), each only if >= 4 characters.
//
// Fuzzy matching inside a longer password (the documentation shows only whole-password
// fuzzy examples and says nothing more), as designed here:
//  a) The whole password may differ from a term by any one edit: with "abcdef" banned,
//     "abcdeg", "abcdefg" and "abcde" are each one match, score 1 (the documented cases).
//  b) A part of a longer password counts as a fuzzy match of a term only when the edit
//     keeps the term's first and last characters in place (the edit is inside the term:
//     "contxso", "contoxso", "contso" for "contoso"), and only for terms of at least
//     min_fuzzy_term_length characters (default 6).
//  Reasons: an edit at either end of a term inside a longer password is the same thing as
//  a neighbouring character, which step 3 counts as its own point. Letting the fuzzy
//  match absorb it would change the documented result for "ContoS0Bl@nkf9!": "blankf" is
//  one insertion away from "blank", and counting it as one match would give 4 points
//  (rejected) where the documentation says [contoso]+[blank]+[f]+[9]+[!] = 5 (accepted).
//  The length floor keeps a list of tens of thousands of terms from matching arbitrary
//  text: the built-in list has ~2,300 terms of 4 and ~4,200 of 5 characters, and their
//  one-edit variants cover a large share of all 4- to 6-letter strings. Measured on
//  random 8-letter lower-case passwords: 9.6% rejected with a floor of 5, 2.4% with 6,
//  0.1% with no fuzzy matching inside; at 12 letters 0.4%, 0.01% and 0%. So a fuzzy
//  match inside a password spans at least 5 of its characters.
//
// What is reported: the score, whether a custom term is among the chosen matches (the
// message differs: "...blocked by your administrator"), whether a name was found, never
// which term. Among equally small scores the choice with the most custom terms wins, so
// the administrator's message is shown whenever their list explains the rejection.
//
// Cost: one trie holds every term; matching walks it from each password position with
// an edit budget of one, following a per-node index of grandchildren so that only
// branches that can still match are tried. A check of a 256-character password against
// ~49,000 terms takes 20-80 microseconds (bench/policy_bench.cpp, docs/password-policy.md).
//
// Thread safety: immutable after Create(); Check() is const and may be called from any
// number of threads. Copies share the trie.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"
#include "policy/personal_info.hpp"
#include "policy/violation.hpp"

namespace latchkey {

struct BannedTermTrie;  // defined in banned_terms.cpp

struct BannedTermsOptions {
  int min_score = 5;              // accept when score >= min_score; 1..256
  int min_fuzzy_term_length = 6;  // see b) above; 4..17 (17: no fuzzy matches inside)
};

struct BannedTermsVerdict {
  bool accepted = false;
  int score = 0;             // matches + remaining characters, minimised
  int terms_found = 0;       // matches counted in the score (list terms and names)
  bool custom_term = false;  // an organisation (custom) term is among those matches
  bool name_found = false;   // the password contains the user's or organisation's name
};

// Violation ids (messages are for people and never name the term).
inline constexpr std::string_view kBannedPasswordRule = "banned_password";  // global list
inline constexpr std::string_view kBannedByAdminRule = "banned_by_admin";   // custom list
inline constexpr std::string_view kBannedNameRule = "banned_name";          // a name

class BannedTerms {
 public:
  static constexpr int kMinTermLength = 4;  // list terms, in code points after normalising
  static constexpr int kMaxTermLength = 16;
  static constexpr int kMinNameLength = 4;  // names shorter than this are not matched

  // Builds the matcher from a global list and the organisation's custom list.
  // Global terms outside 4-16 characters (after normalisation) are skipped; a custom term
  // outside that range, or not valid UTF-8, is an InvalidArgument error (field
  // "password.banned_terms"), as are options out of range. Duplicates are harmless.
  static Result<BannedTerms> Create(std::span<const std::string_view> global_terms,
                                    std::span<const std::string> custom_terms,
                                    BannedTermsOptions options = {});
  // The same with the built-in global list (GlobalBannedTerms()).
  static Result<BannedTerms> WithGlobalList(std::span<const std::string> custom_terms,
                                            BannedTermsOptions options = {});

  // Evaluates a password (UTF-8, NFKC-normalised by the caller). Uses first_name,
  // last_name and organisation of `person` as substring terms.
  BannedTermsVerdict Check(std::string_view password, const PersonalInfo& person = {}) const;

  const BannedTermsOptions& options() const { return options_; }
  std::size_t global_term_count() const;  // distinct terms, after normalisation
  std::size_t custom_term_count() const;

 private:
  BannedTerms(std::shared_ptr<const BannedTermTrie> trie, BannedTermsOptions options)
      : trie_(std::move(trie)), options_(options) {}
  std::shared_ptr<const BannedTermTrie> trie_;
  BannedTermsOptions options_;
};

// The violation for a rejected verdict (nullopt when accepted): kBannedNameRule when a
// name was found, else kBannedByAdminRule when a custom term is among the matches,
// otherwise kBannedPasswordRule.
std::optional<Violation> BannedTermsViolation(const BannedTermsVerdict& verdict);

// Checks one custom term as configuration validation would: 4-16 characters after
// normalisation, valid UTF-8, no control characters.
Status ValidateCustomBannedTerm(std::string_view term);

// The built-in global list: terms from the pinned word list, normalised, 4-16
// characters, deduplicated, most common first. Built once, lives for the program.
const std::vector<std::string_view>& GlobalBannedTerms();
// Where that list comes from (package, version, file, licence), for docs and diagnostics.
std::string_view GlobalBannedTermsSource();

}  // namespace latchkey
