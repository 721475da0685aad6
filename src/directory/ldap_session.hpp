// The libldap adapter shared by the LDAP and Active Directory directories: one
// connection (an LDAP* handle with TLS, timeouts and the few operations Latchkey
// needs) and a bounded pool of them. libldap's header stays in ldap_session.cpp.
//
// Every operation is synchronous with libldap's LDAP_OPT_TIMEOUT (and
// LDAP_OPT_NETWORK_TIMEOUT for the connect and the TLS handshake), so no call waits
// longer than the configured timeout. A connection that timed out or broke is
// closed, never reused.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/secret.hpp"

struct ldap;  // libldap's LDAP

namespace latchkey {

struct LdapConnectOptions {
  std::string url;         // ldap://host:port or ldaps://host:port
  bool start_tls = true;   // ldap:// only: StartTLS, and refuse to go on without it
  std::string ca_file;     // CA bundle for the server's certificate; empty: the system's
  Millis connect_timeout{5000};
  Millis operation_timeout{10000};
  std::string bind_dn;     // the service account
  SecretString bind_password;
  int pool_size = 4;
};

// The outcome of one operation, as the server (or libldap) gave it.
struct LdapReply {
  int code = 0;             // LDAP result code; negative: libldap's own (-1 server down, -5 timeout)
  std::string diagnostic;   // the server's diagnostic message: logs only
  int ppolicy_error = -1;   // the password policy response control's error; -1: none sent
  int ppolicy_expire = -1;  // seconds until the password expires (warning); -1: none
  int ppolicy_grace = -1;   // grace binds left after expiry; -1: none
  bool ok() const { return code == 0; }
  // Down, timed out, could not connect or negotiate TLS, busy or unavailable.
  bool Unreachable() const;
  // "code 19 (Constraint violation): <diagnostic>; ppolicy error 8": for logs.
  std::string ToString() const;
  static LdapReply Client(int code, std::string diagnostic);
};

struct LdapEntry {
  std::string dn;
  std::map<std::string, std::vector<std::string>> attributes;  // names in lower case
  // The first value of `name` (any case), or "".
  std::string First(std::string_view name) const;
  const std::vector<std::string>* All(std::string_view name) const;
};

struct LdapModification {
  enum class Op { kAdd, kDelete, kReplace };
  Op op = Op::kReplace;
  std::string attribute;
  std::vector<SecretString> values;  // binary-safe; secrets (unicodePwd) are wiped after use
};

// Request controls the directories use.
enum class LdapRequestControl {
  kPasswordPolicy,  // draft-behera ppolicy request (1.3.6.1.4.1.42.2.27.8.5.1)
  kPolicyHints,     // AD LDAP_SERVER_POLICY_HINTS (1.2.840.113556.1.4.2239): enforce
                    // history on a reset; non-critical, so servers without it ignore it
};

enum class LdapScope { kBase, kSubtree };

// One LDAP connection. Not thread-safe: the pool hands it to one caller at a time.
class LdapConnection {
 public:
  LdapConnection(const LdapConnection&) = delete;
  LdapConnection& operator=(const LdapConnection&) = delete;
  ~LdapConnection();

  // A simple bind; with `ppolicy`, the password policy control is sent and its
  // answer parsed (expired, locked, must change, grace binds).
  LdapReply Bind(const std::string& dn, const SecretString& password, bool ppolicy);
  // Binds as the service account, unless already bound as it.
  LdapReply BindService();
  LdapReply Search(const std::string& base, LdapScope scope, const std::string& filter,
                   const std::vector<std::string>& attributes, int size_limit,
                   std::vector<LdapEntry>& out);
  // One page of a paged search (RFC 2696); `cookie` is empty on the first call and
  // empty again after the last page.
  LdapReply SearchPage(const std::string& base, const std::string& filter,
                       const std::vector<std::string>& attributes, int page_size,
                       std::string& cookie, std::vector<LdapEntry>& out);
  LdapReply Modify(const std::string& dn, const std::vector<LdapModification>& mods,
                   const std::vector<LdapRequestControl>& controls = {});
  // RFC 3062 Password Modify as whoever is bound: `old_password` null for a reset by
  // an administrator. With `ppolicy`, the control's answer is parsed.
  LdapReply PasswordModify(const std::string& dn, const SecretString* old_password,
                           const SecretString& new_password, bool ppolicy);

 private:
  friend class LdapPool;
  LdapConnection(::ldap* ld, const LdapConnectOptions& options) : ld_(ld), options_(options) {}
  LdapReply Finish(int rc, LdapReply reply);  // marks the connection broken when needed

  ::ldap* ld_;
  const LdapConnectOptions& options_;
  bool service_bound_ = false;
  bool broken_ = false;
};

// At most pool_size connections; idle ones are kept for the next caller. Thread-safe.
class LdapPool {
 public:
  explicit LdapPool(LdapConnectOptions options);
  ~LdapPool();
  LdapPool(const LdapPool&) = delete;
  LdapPool& operator=(const LdapPool&) = delete;

  using Work = std::function<LdapReply(LdapConnection&)>;
  // Runs `work` on one connection, bound as the service account first when
  // `as_service` (otherwise the work binds as whom it needs, and the connection is
  // re-bound as the service account before its next service use). When a reused
  // connection turns out to be dead (the server restarted), the work runs once more
  // on a fresh one: every work Latchkey runs is safe to repeat.
  LdapReply Run(bool as_service, const Work& work);

  const LdapConnectOptions& options() const { return options_; }

 private:
  LdapReply Open(std::unique_ptr<LdapConnection>& out);
  // An idle connection (reused = true), or a new one; `fresh` skips the idle ones.
  std::unique_ptr<LdapConnection> Take(bool fresh, bool& reused, LdapReply& error);
  void Give(std::unique_ptr<LdapConnection> conn);

  const LdapConnectOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<LdapConnection>> idle_;
  int open_ = 0;  // connections in use or idle
};

}  // namespace latchkey
