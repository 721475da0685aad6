// Directories reached over LDAP: OpenLDAP, 389 Directory Server and FreeIPA
// (MakeLdapDirectory: RFC 3062 Password Modify, the ppolicy controls), and Active
// Directory or Samba AD (MakeAdDirectory, in ad_directory.hpp: unicodePwd).
#pragma once

#include <memory>
#include <string>

#include "directory/directory.hpp"
#include "directory/ldap_session.hpp"

namespace latchkey {

class Clock;

struct LdapDirectoryOptions {
  LdapConnectOptions connect;
  std::string base_dn;             // where users are searched (subtree)
  std::string user_filter;         // one user, "{username}" escaped per RFC 4515
  std::string sync_filter;         // every user `latchkey user sync` imports
  std::string username_attribute;  // uid, sAMAccountName
  std::string display_name_attribute = "displayName";
  std::string mail_attribute = "mail";
  std::string mobile_attribute = "mobile";
  int page_size = 500;                           // paged search (RFC 2696) for sync
  bool must_change_after_helpdesk_reset = true;  // HelpdeskResetPassword
  bool policy_hints = true;  // AD: ask the DC to apply history to resets too
};

// OpenLDAP, 389 DS, FreeIPA. `clock` must outlive the directory.
std::unique_ptr<Directory> MakeLdapDirectory(LdapDirectoryOptions options, const Clock& clock);

}  // namespace latchkey
