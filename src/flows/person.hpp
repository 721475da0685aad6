// What the password rules may know about a person: built from the account and its
// registered methods, so that "not your name, not your email" uses what is on file.
#pragma once

#include <string>
#include <vector>

#include "core/account.hpp"
#include "core/enrollment.hpp"
#include "policy/personal_info.hpp"

namespace latchkey {

// First and last name are the first and last words of the display name; the email
// is the first registered address. `organisation` is the organisation's name.
PersonalInfo PersonFor(const Account& account, const std::vector<Enrollment>& enrollments,
                       const std::string& organisation);

}  // namespace latchkey
