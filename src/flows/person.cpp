#include "flows/person.hpp"

#include <sstream>

namespace latchkey {

PersonalInfo PersonFor(const Account& account, const std::vector<Enrollment>& enrollments,
                       const std::string& organisation) {
  PersonalInfo p;
  p.username = account.username;
  p.display_name = account.display_name;
  std::istringstream words(account.display_name);
  std::string word;
  std::vector<std::string> all;
  while (words >> word) all.push_back(word);
  if (!all.empty()) p.first_name = all.front();
  if (all.size() > 1) p.last_name = all.back();
  for (const auto& e : enrollments) {
    if (e.kind == MethodKind::kEmail && !e.secret.empty()) {
      p.email = std::string(e.secret.view());
      break;
    }
  }
  p.organisation = organisation;
  return p;
}

}  // namespace latchkey
