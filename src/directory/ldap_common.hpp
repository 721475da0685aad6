// What the LDAP and AD directories share (internal to src/directory/): finding a
// user's entry with the escaped filter, the paged listing for sync, Ping, and the
// translation of failures into Status values that never carry a DN in their
// message.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "directory/directory.hpp"
#include "directory/ldap_directory.hpp"
#include "directory/ldap_session.hpp"

namespace latchkey {

class LdapFamilyDirectory : public Directory {
 public:
  LdapFamilyDirectory(LdapDirectoryOptions options, const Clock& clock);

  Result<std::optional<DirectoryUser>> Lookup(std::string_view username) override;
  Result<DirectoryAccountState> ReadState(const Account& account) override;
  Status ForEachUser(const std::function<Status(const DirectoryUser&)>& fn) override;
  Status Ping() override;

 protected:
  // Operational attributes StateOf reads (requested explicitly: servers do not send
  // them unasked).
  virtual std::vector<std::string> StateAttributes() const = 0;
  virtual DirectoryAccountState StateOf(const LdapEntry& entry) const = 0;

  // Finds the user's entry on a connection bound as the service account. `out` is
  // empty when there is none; a filter matching several entries is an error
  // (reported as LDAP_SIZELIMIT_EXCEEDED).
  LdapReply FindEntry(LdapConnection& conn, std::string_view username,
                      std::optional<LdapEntry>& out);
  // Finds the user's entry as the service account, then binds as the user with
  // `password` (with the password-policy request control when `ppolicy`). Ok when
  // both steps ran: `entry` is then empty for an unknown user, and `bind` holds the
  // user's bind answer. A directory that cannot be reached or searched: Failure().
  Status BindAsUser(const Account& account, const SecretString& password, bool ppolicy,
                    std::optional<LdapEntry>& entry, LdapReply& bind);
  DirectoryUser UserOf(const LdapEntry& entry) const;
  std::vector<std::string> UserAttributes() const;

  // A failure that is not about the password: kUnavailable when the directory does
  // not answer or the service account cannot bind (`service_stage`), kInternal
  // otherwise. Logged with the DN and the raw result.
  Status Failure(std::string_view op, const LdapReply& reply, std::string_view dn,
                 bool service_stage) const;
  void LogRefusal(std::string_view op, const LdapReply& reply, std::string_view dn) const;
  // Whether the entry's password was set in the last few minutes: only then is a
  // refusal of the same password taken for a retry of Latchkey's own write (a user
  // choosing their current password again is refused like any reuse).
  bool RecentlyChanged(const LdapEntry& entry) const;
  static Status Missing();
  static Status Disabled();
  static Status Locked();

  const LdapDirectoryOptions o_;
  const Clock& clock_;
  LdapPool pool_;
};

}  // namespace latchkey
