#include "directory/ldap_common.hpp"

#include <ldap.h>

#include "core/log.hpp"
#include "directory/ldap_text.hpp"

namespace latchkey {

LdapFamilyDirectory::LdapFamilyDirectory(LdapDirectoryOptions options, const Clock& clock)
    : o_(std::move(options)), clock_(clock), pool_(o_.connect) {}

std::vector<std::string> LdapFamilyDirectory::UserAttributes() const {
  std::vector<std::string> attrs = {o_.username_attribute, o_.display_name_attribute, "cn"};
  if (!o_.mail_attribute.empty()) attrs.push_back(o_.mail_attribute);
  if (!o_.mobile_attribute.empty()) attrs.push_back(o_.mobile_attribute);
  for (auto& a : StateAttributes()) attrs.push_back(std::move(a));
  return attrs;
}

DirectoryUser LdapFamilyDirectory::UserOf(const LdapEntry& e) const {
  DirectoryUser u;
  u.dn = e.dn;
  u.username = e.First(o_.username_attribute);
  u.display_name = e.First(o_.display_name_attribute);
  if (u.display_name.empty()) u.display_name = e.First("cn");
  if (!o_.mail_attribute.empty()) u.mail = e.First(o_.mail_attribute);
  if (!o_.mobile_attribute.empty()) u.mobile = e.First(o_.mobile_attribute);
  u.state = StateOf(e);
  return u;
}

Status LdapFamilyDirectory::BindAsUser(const Account& account, const SecretString& password, bool ppolicy,
                                       std::optional<LdapEntry>& entry, LdapReply& bind) {
  bool ran = false;
  const LdapReply r = pool_.Run(false, [&](LdapConnection& c) {
    ran = true;
    if (LdapReply s = c.BindService(); !s.ok()) return s;
    if (LdapReply f = FindEntry(c, account.username, entry); !f.ok() || !entry) return f;
    bind = c.Bind(entry->dn, password, ppolicy);
    return LdapReply{};
  });
  if (!r.ok()) return Failure("verify", r, "", !ran || r.code == LDAP_INVALID_CREDENTIALS);
  return Status::Ok();
}

LdapReply LdapFamilyDirectory::FindEntry(LdapConnection& conn, std::string_view username,
                                         std::optional<LdapEntry>& out) {
  out.reset();
  std::vector<LdapEntry> entries;
  const std::string filter = ldap_text::SubstituteUsername(o_.user_filter, username);
  LdapReply r = conn.Search(o_.base_dn, LdapScope::kSubtree, filter, UserAttributes(), 2, entries);
  if (r.code == LDAP_SIZELIMIT_EXCEEDED || (r.ok() && entries.size() > 1)) {
    r.code = LDAP_SIZELIMIT_EXCEEDED;
    r.diagnostic = "user_filter " + filter + " matches more than one entry";
    return r;
  }
  if (r.code == LDAP_NO_SUCH_OBJECT) return LdapReply::Client(LDAP_NO_SUCH_OBJECT,
                                                              "base_dn " + o_.base_dn + " does not exist");
  if (!r.ok()) return r;
  if (!entries.empty()) out = std::move(entries.front());
  return r;
}

Result<std::optional<DirectoryUser>> LdapFamilyDirectory::Lookup(std::string_view username) {
  std::optional<LdapEntry> entry;
  bool ran = false;
  const LdapReply r = pool_.Run(true, [&](LdapConnection& c) {
    ran = true;
    return FindEntry(c, username, entry);
  });
  if (!r.ok()) return Failure("lookup", r, "", !ran);
  if (!entry) return std::optional<DirectoryUser>();
  return std::optional<DirectoryUser>(UserOf(*entry));
}

Result<DirectoryAccountState> LdapFamilyDirectory::ReadState(const Account& account) {
  Result<std::optional<DirectoryUser>> u = Lookup(account.username);
  if (!u.ok()) return u.status();
  if (!u->has_value()) return Missing();
  return (*u)->state;
}

Status LdapFamilyDirectory::ForEachUser(const std::function<Status(const DirectoryUser&)>& fn) {
  Status failed;
  int seen = 0;
  bool ran = false;
  const LdapReply r = pool_.Run(true, [&](LdapConnection& c) {
    ran = true;
    if (seen > 0) {
      // A retry after the connection died part-way: paging cannot resume on a new
      // connection, and starting over would hand the caller the same users twice.
      return LdapReply::Client(LDAP_SERVER_DOWN, "connection lost during the paged search");
    }
    std::string cookie;
    do {
      std::vector<LdapEntry> page;
      LdapReply p = c.SearchPage(o_.base_dn, o_.sync_filter, UserAttributes(), o_.page_size,
                                 cookie, page);
      if (!p.ok()) return p;
      for (const LdapEntry& e : page) {
        ++seen;
        failed = fn(UserOf(e));
        if (!failed.ok()) return LdapReply{};
      }
    } while (!cookie.empty());
    return LdapReply{};
  });
  if (!failed.ok()) return failed;
  if (!r.ok()) return Failure("sync", r, o_.base_dn, !ran);
  return Status::Ok();
}

Status LdapFamilyDirectory::Ping() {
  std::vector<LdapEntry> entries;
  bool ran = false;
  const LdapReply r = pool_.Run(true, [&](LdapConnection& c) {
    ran = true;
    entries.clear();
    return c.Search(o_.base_dn, LdapScope::kBase, "(objectClass=*)", {"1.1"}, 1, entries);
  });
  if (!r.ok()) return Failure("ping", r, o_.base_dn, !ran);
  return Status::Ok();
}

void LdapFamilyDirectory::LogRefusal(std::string_view op, const LdapReply& reply,
                                     std::string_view dn) const {
  log::Warn("directory.refused", {{"kind", std::string(kind())},
                                  {"op", std::string(op)},
                                  {"dn", std::string(dn)},
                                  {"result", reply.ToString()}});
}

Status LdapFamilyDirectory::Failure(std::string_view op, const LdapReply& reply,
                                    std::string_view dn, bool service_stage) const {
  const std::string detail = "directory " + std::string(op) + (service_stage ? " (service bind)" : "") +
                             (dn.empty() ? "" : " dn=" + std::string(dn)) + ": " + reply.ToString();
  log::Warn("directory.failed", {{"kind", std::string(kind())},
                                 {"op", std::string(op)},
                                 {"stage", service_stage ? "connect_or_service_bind" : "operation"},
                                 {"dn", std::string(dn)},
                                 {"result", reply.ToString()}});
  if (service_stage || reply.Unreachable()) {
    return Status::Error(Errc::kUnavailable, "directory_unavailable",
                         "The directory that holds your password is not answering. Nothing was "
                         "changed: please try again in a few minutes.")
        .WithDetail(detail);
  }
  return Status::Internal(detail);
}

bool LdapFamilyDirectory::RecentlyChanged(const LdapEntry& entry) const {
  const std::optional<TimePoint> at = StateOf(entry).password_changed_at;
  return at.has_value() && clock_.Now() - *at < std::chrono::minutes(10);
}

Status LdapFamilyDirectory::Missing() {
  return Status::Forbidden("directory_account_missing",
                           "This account cannot be managed here. Contact the helpdesk.");
}

Status LdapFamilyDirectory::Disabled() {
  return Status::Forbidden("account_disabled",
                           "This account is disabled. Contact the helpdesk.");
}

Status LdapFamilyDirectory::Locked() {
  return Status::Forbidden("account_locked",
                           "This account is locked after too many failed sign-ins. Reset your "
                           "password or unlock your account to continue.");
}

}  // namespace latchkey
