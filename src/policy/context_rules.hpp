// Context rules: a password must not contain the person's own identifiers, their
// username, display name or email address (NIST SP 800-63B "context-specific words";
// OWASP ASVS V6.2.11).
//
// Semantics, as designed here:
//  - Containment, not only equality. NIST R4 says blocklists compare the entire password,
//    but a password that holds the username is guessable by anyone who knows whose it is,
//    and most services (Active Directory's complexity rule among them) reject it.
//  - Comparison in the banned-terms normal form (MatchKey: lower case, then 0->o, 1->l,
//    $->s, @->a), so "J0hn.Sm1th" is caught for "john.smith" and case never matters.
//  - Words compared, per field: the field whole, each of its words (split at every
//    character that is not a letter or digit) and its words run together. For the email
//    address, and a username that has an '@', the whole address and the words of the part
//    before the '@', never the words of the domain, which is everyone's. "Jane van Dyke"
//    gives "jane van dyke", "jane", "van", "dyke", "janevandyke".
//  - A word shorter than min_word_length (default 4, like the banned-terms name rule;
//    Active Directory uses 3) is only compared with the whole password, so "Ann" does not
//    rule out every password with "ann" in it.
//  - The first, last and organisation names are the banned-terms rule's (which rejects
//    them as substrings too); they are not repeated here.
//
// One violation per field: context_username, context_display_name, context_email.
// Pure; thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "core/status.hpp"
#include "policy/personal_info.hpp"
#include "policy/violation.hpp"

namespace latchkey {

struct ContextRuleOptions {
  int min_word_length = 4;  // code points; 1..64
};

inline constexpr std::string_view kContextUsernameRule = "context_username";
inline constexpr std::string_view kContextDisplayNameRule = "context_display_name";
inline constexpr std::string_view kContextEmailRule = "context_email";

class ContextRules {
 public:
  // InvalidArgument (field "password.context_min_word_length") when out of range.
  static Result<ContextRules> Create(ContextRuleOptions options = {});

  // The violations of a password (UTF-8, NFKC-normalised) for this person, in the order
  // username, display name, email; empty when none.
  std::vector<Violation> Check(std::string_view password, const PersonalInfo& person) const;

  const ContextRuleOptions& options() const { return options_; }

 private:
  explicit ContextRules(ContextRuleOptions options) : options_(options) {}
  ContextRuleOptions options_;
};

}  // namespace latchkey
