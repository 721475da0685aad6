// Active Directory and Samba AD: passwords written as unicodePwd over TLS (LDAPS,
// or StartTLS), state from userAccountControl and
// msDS-User-Account-Control-Computed, unlock through lockoutTime.
#pragma once

#include <memory>

#include "directory/ldap_directory.hpp"

namespace latchkey {

// `clock` (for accountExpires) must outlive the directory.
std::unique_ptr<Directory> MakeAdDirectory(LdapDirectoryOptions options, const Clock& clock);

}  // namespace latchkey
