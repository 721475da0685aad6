// PersonalInfo: what the password rules know about the person choosing a password,
// for the rules that keep their own names out of it (banned terms, context rules,
// strength). Fields may be empty; none of them is secret.
#pragma once

#include <string>

namespace latchkey {

struct PersonalInfo {
  std::string username;      // the login name, e.g. "jsmith" or "j.smith@example.org"
  std::string display_name;  // e.g. "Jane Smith"
  std::string first_name;    // given name, e.g. "Jane"
  std::string last_name;     // surname, e.g. "Smith"
  std::string email;         // e.g. "jane.smith@example.org"
  std::string organisation;  // the organisation's (tenant's) name, e.g. "Contoso"
};

}  // namespace latchkey
