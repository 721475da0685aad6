#include "directory/ldap_session.hpp"

#include <ldap.h>
#include <sys/time.h>

#include <algorithm>
#include <cstring>

namespace latchkey {
namespace {

constexpr const char* kPolicyHintsOid = "1.2.840.113556.1.4.2239";

timeval ToTimeval(Millis m) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(m.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((m.count() % 1000) * 1000);
  return tv;
}

std::string Diagnostic(LDAP* ld) {
  char* msg = nullptr;
  std::string out;
  if (ld != nullptr && ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &msg) == LDAP_OPT_SUCCESS &&
      msg != nullptr) {
    out = msg;
    ldap_memfree(msg);
  }
  return out;
}

// Owns the controls built for one request.
class Controls {
 public:
  Controls() = default;
  Controls(const Controls&) = delete;
  Controls& operator=(const Controls&) = delete;
  ~Controls() {
    for (LDAPControl* c : list_) {
      if (c != nullptr) ldap_control_free(c);
    }
  }
  void Add(LDAPControl* c) {
    if (c != nullptr) list_.insert(list_.end() - 1, c);
  }
  LDAPControl** get() { return list_.size() > 1 ? list_.data() : nullptr; }

 private:
  std::vector<LDAPControl*> list_ = {nullptr};
};

LDAPControl* PpolicyControl(LDAP* ld) {
  LDAPControl* c = nullptr;
  if (ldap_create_passwordpolicy_control(ld, &c) != LDAP_SUCCESS) return nullptr;
  return c;
}

LDAPControl* PolicyHintsControl() {
  // PolicyHintsRequestValue ::= SEQUENCE { Flags INTEGER } with Flags = 1.
  static char value[] = {0x30, 0x03, 0x02, 0x01, 0x01};
  berval bv{sizeof value, value};
  LDAPControl* c = nullptr;
  if (ldap_control_create(kPolicyHintsOid, 0, &bv, 1, &c) != LDAP_SUCCESS) return nullptr;
  return c;
}

void ParsePpolicy(LDAP* ld, LDAPControl** ctrls, LdapReply& reply) {
  if (ctrls == nullptr) return;
  LDAPControl* c = ldap_control_find(LDAP_CONTROL_PASSWORDPOLICYRESPONSE, ctrls, nullptr);
  if (c == nullptr) return;
  ber_int_t expire = -1, grace = -1;
  LDAPPasswordPolicyError error = PP_noError;
  if (ldap_parse_passwordpolicy_control(ld, c, &expire, &grace, &error) != LDAP_SUCCESS) return;
  reply.ppolicy_expire = expire;
  reply.ppolicy_grace = grace;
  reply.ppolicy_error = error == PP_noError ? -1 : static_cast<int>(error);
}

}  // namespace

// ------------------------------------------------------------------ LdapReply

bool LdapReply::Unreachable() const {
  switch (code) {
    case LDAP_SERVER_DOWN:
    case LDAP_TIMEOUT:
    case LDAP_CONNECT_ERROR:
    case LDAP_LOCAL_ERROR:  // libldap reports some TLS failures so
    case LDAP_BUSY:
    case LDAP_UNAVAILABLE:
      return true;
    default:
      return false;
  }
}

std::string LdapReply::ToString() const {
  std::string out = "code " + std::to_string(code) + " (" + ldap_err2string(code) + ")";
  if (!diagnostic.empty()) out += ": " + diagnostic;
  if (ppolicy_error >= 0) {
    out += "; ppolicy error " + std::to_string(ppolicy_error) + " (" +
           ldap_passwordpolicy_err2txt(static_cast<LDAPPasswordPolicyError>(ppolicy_error)) + ")";
  }
  return out;
}

LdapReply LdapReply::Client(int code, std::string diagnostic) {
  LdapReply r;
  r.code = code;
  r.diagnostic = std::move(diagnostic);
  return r;
}

// ------------------------------------------------------------------ LdapEntry

const std::vector<std::string>* LdapEntry::All(std::string_view name) const {
  std::string key(name);
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto it = attributes.find(key);
  return it == attributes.end() ? nullptr : &it->second;
}

std::string LdapEntry::First(std::string_view name) const {
  const auto* v = All(name);
  return v == nullptr || v->empty() ? std::string() : v->front();
}

// ------------------------------------------------------------------ LdapConnection

LdapConnection::~LdapConnection() {
  if (ld_ != nullptr) ldap_unbind_ext_s(ld_, nullptr, nullptr);
}

LdapReply LdapConnection::Finish(int rc, LdapReply reply) {
  reply.code = rc;
  if (rc < 0 || rc == LDAP_UNAVAILABLE || rc == LDAP_BUSY) broken_ = true;
  return reply;
}

namespace {

// Waits for the whole answer to `msgid` (within the operation timeout) and parses
// its result. `chain` receives the messages when the caller wants the entries.
int Await(LDAP* ld, int msgid, Millis timeout, LdapReply& reply, LDAPMessage** chain,
          LDAPControl*** ctrls_out) {
  timeval tv = ToTimeval(timeout);
  LDAPMessage* res = nullptr;
  const int got = ldap_result(ld, msgid, LDAP_MSG_ALL, &tv, &res);
  if (got == 0) {
    ldap_abandon_ext(ld, msgid, nullptr, nullptr);
    reply.diagnostic = "no answer within " + std::to_string(timeout.count()) + " ms";
    return LDAP_TIMEOUT;
  }
  if (got < 0) {
    int rc = LDAP_OTHER;
    ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &rc);
    reply.diagnostic = Diagnostic(ld);
    if (res != nullptr) ldap_msgfree(res);
    return rc == LDAP_SUCCESS ? LDAP_OTHER : rc;
  }
  int err = LDAP_OTHER;
  char* diag = nullptr;
  LDAPControl** ctrls = nullptr;
  const int prc = ldap_parse_result(ld, res, &err, nullptr, &diag, nullptr, &ctrls, 0);
  if (diag != nullptr) {
    reply.diagnostic = diag;
    ldap_memfree(diag);
  }
  if (ctrls_out != nullptr) {
    *ctrls_out = ctrls;
  } else if (ctrls != nullptr) {
    ldap_controls_free(ctrls);
  }
  if (chain != nullptr) {
    *chain = res;
  } else {
    ldap_msgfree(res);
  }
  return prc != LDAP_SUCCESS ? prc : err;
}

void CollectEntries(LDAP* ld, LDAPMessage* chain, std::vector<LdapEntry>& out) {
  for (LDAPMessage* e = ldap_first_entry(ld, chain); e != nullptr; e = ldap_next_entry(ld, e)) {
    LdapEntry entry;
    if (char* dn = ldap_get_dn(ld, e)) {
      entry.dn = dn;
      ldap_memfree(dn);
    }
    BerElement* ber = nullptr;
    for (char* a = ldap_first_attribute(ld, e, &ber); a != nullptr;
         a = ldap_next_attribute(ld, e, ber)) {
      std::string name(a);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      auto& values = entry.attributes[name];
      if (berval** vals = ldap_get_values_len(ld, e, a)) {
        for (berval** v = vals; *v != nullptr; ++v) values.emplace_back((*v)->bv_val, (*v)->bv_len);
        ldap_value_free_len(vals);
      }
      ldap_memfree(a);
    }
    if (ber != nullptr) ber_free(ber, 0);
    out.push_back(std::move(entry));
  }
}

std::vector<char*> AttrList(const std::vector<std::string>& attributes) {
  std::vector<char*> attrs;
  for (const auto& a : attributes) attrs.push_back(const_cast<char*>(a.c_str()));
  attrs.push_back(nullptr);
  return attrs;
}

}  // namespace

LdapReply LdapConnection::Bind(const std::string& dn, const SecretString& password, bool ppolicy) {
  service_bound_ = false;
  LdapReply reply;
  if (password.empty()) {
    // An empty password would be an unauthenticated bind (RFC 4513 §5.1.2), which
    // many servers answer with success: never let it stand for a password check.
    return Finish(LDAP_INVALID_CREDENTIALS, LdapReply::Client(0, "empty password refused locally"));
  }
  Controls ctrls;
  if (ppolicy) ctrls.Add(PpolicyControl(ld_));
  berval cred{static_cast<ber_len_t>(password.size()), const_cast<char*>(password.data())};
  int msgid = -1;
  int rc = ldap_sasl_bind(ld_, dn.c_str(), LDAP_SASL_SIMPLE, &cred, ctrls.get(), nullptr, &msgid);
  if (rc != LDAP_SUCCESS) {
    reply.diagnostic = Diagnostic(ld_);
    return Finish(rc, std::move(reply));
  }
  LDAPControl** resp = nullptr;
  rc = Await(ld_, msgid, options_.operation_timeout, reply, nullptr, &resp);
  ParsePpolicy(ld_, resp, reply);
  if (resp != nullptr) ldap_controls_free(resp);
  return Finish(rc, std::move(reply));
}

LdapReply LdapConnection::BindService() {
  if (service_bound_) return LdapReply{};
  LdapReply r = Bind(options_.bind_dn, options_.bind_password, false);
  if (r.ok()) service_bound_ = true;
  return r;
}

LdapReply LdapConnection::Search(const std::string& base, LdapScope scope, const std::string& filter,
                                 const std::vector<std::string>& attributes, int size_limit,
                                 std::vector<LdapEntry>& out) {
  LdapReply reply;
  std::vector<char*> attrs = AttrList(attributes);
  timeval limit = ToTimeval(options_.operation_timeout);
  int msgid = -1;
  int rc = ldap_search_ext(ld_, base.c_str(),
                           scope == LdapScope::kBase ? LDAP_SCOPE_BASE : LDAP_SCOPE_SUBTREE,
                           filter.c_str(), attrs.data(), 0, nullptr, nullptr, &limit, size_limit,
                           &msgid);
  if (rc != LDAP_SUCCESS) {
    reply.diagnostic = Diagnostic(ld_);
    return Finish(rc, std::move(reply));
  }
  LDAPMessage* chain = nullptr;
  rc = Await(ld_, msgid, options_.operation_timeout, reply, &chain, nullptr);
  if (chain != nullptr) {
    CollectEntries(ld_, chain, out);
    ldap_msgfree(chain);
  }
  return Finish(rc, std::move(reply));
}

LdapReply LdapConnection::SearchPage(const std::string& base, const std::string& filter,
                                     const std::vector<std::string>& attributes, int page_size,
                                     std::string& cookie, std::vector<LdapEntry>& out) {
  LdapReply reply;
  std::vector<char*> attrs = AttrList(attributes);
  Controls ctrls;
  berval cookie_bv{static_cast<ber_len_t>(cookie.size()), cookie.data()};
  LDAPControl* page = nullptr;
  int rc = ldap_create_page_control(ld_, static_cast<ber_int_t>(page_size),
                                    cookie.empty() ? nullptr : &cookie_bv, 0, &page);
  if (rc != LDAP_SUCCESS) return Finish(rc, LdapReply::Client(0, "cannot build the paging control"));
  ctrls.Add(page);
  timeval limit = ToTimeval(options_.operation_timeout);
  int msgid = -1;
  rc = ldap_search_ext(ld_, base.c_str(), LDAP_SCOPE_SUBTREE, filter.c_str(), attrs.data(), 0,
                       ctrls.get(), nullptr, &limit, 0, &msgid);
  if (rc != LDAP_SUCCESS) {
    reply.diagnostic = Diagnostic(ld_);
    return Finish(rc, std::move(reply));
  }
  LDAPMessage* chain = nullptr;
  LDAPControl** resp = nullptr;
  rc = Await(ld_, msgid, options_.operation_timeout, reply, &chain, &resp);
  if (chain != nullptr) {
    CollectEntries(ld_, chain, out);
    ldap_msgfree(chain);
  }
  cookie.clear();
  if (resp != nullptr) {
    if (LDAPControl* c = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, resp, nullptr)) {
      ber_int_t estimate = 0;
      berval next{0, nullptr};
      if (ldap_parse_pageresponse_control(ld_, c, &estimate, &next) == LDAP_SUCCESS) {
        if (next.bv_val != nullptr) {
          cookie.assign(next.bv_val, next.bv_len);
          ber_memfree(next.bv_val);
        }
      }
    }
    ldap_controls_free(resp);
  }
  return Finish(rc, std::move(reply));
}

LdapReply LdapConnection::Modify(const std::string& dn, const std::vector<LdapModification>& mods,
                                 const std::vector<LdapRequestControl>& controls) {
  LdapReply reply;
  // libldap wants mutable arrays of pointers; the values stay owned by `mods`.
  std::vector<std::vector<berval>> values(mods.size());
  std::vector<std::vector<berval*>> value_ptrs(mods.size());
  std::vector<LDAPMod> storage(mods.size());
  std::vector<LDAPMod*> list;
  for (std::size_t i = 0; i < mods.size(); ++i) {
    const LdapModification& m = mods[i];
    for (const SecretString& v : m.values) {
      values[i].push_back(berval{static_cast<ber_len_t>(v.size()), const_cast<char*>(v.data())});
    }
    for (berval& bv : values[i]) value_ptrs[i].push_back(&bv);
    value_ptrs[i].push_back(nullptr);
    LDAPMod& lm = storage[i];
    const int op = m.op == LdapModification::Op::kAdd      ? LDAP_MOD_ADD
                   : m.op == LdapModification::Op::kDelete ? LDAP_MOD_DELETE
                                                           : LDAP_MOD_REPLACE;
    lm.mod_op = op | LDAP_MOD_BVALUES;
    lm.mod_type = const_cast<char*>(m.attribute.c_str());
    lm.mod_vals.modv_bvals = m.values.empty() ? nullptr : value_ptrs[i].data();
    list.push_back(&lm);
  }
  list.push_back(nullptr);
  Controls ctrls;
  for (const LdapRequestControl c : controls) {
    ctrls.Add(c == LdapRequestControl::kPasswordPolicy ? PpolicyControl(ld_) : PolicyHintsControl());
  }
  int msgid = -1;
  int rc = ldap_modify_ext(ld_, dn.c_str(), list.data(), ctrls.get(), nullptr, &msgid);
  if (rc != LDAP_SUCCESS) {
    reply.diagnostic = Diagnostic(ld_);
    return Finish(rc, std::move(reply));
  }
  LDAPControl** resp = nullptr;
  rc = Await(ld_, msgid, options_.operation_timeout, reply, nullptr, &resp);
  ParsePpolicy(ld_, resp, reply);
  if (resp != nullptr) ldap_controls_free(resp);
  return Finish(rc, std::move(reply));
}

LdapReply LdapConnection::PasswordModify(const std::string& dn, const SecretString* old_password,
                                         const SecretString& new_password, bool ppolicy) {
  LdapReply reply;
  Controls ctrls;
  if (ppolicy) ctrls.Add(PpolicyControl(ld_));
  berval user{static_cast<ber_len_t>(dn.size()), const_cast<char*>(dn.data())};
  berval old_bv{0, nullptr};
  if (old_password != nullptr) {
    old_bv = berval{static_cast<ber_len_t>(old_password->size()),
                    const_cast<char*>(old_password->data())};
  }
  berval new_bv{static_cast<ber_len_t>(new_password.size()), const_cast<char*>(new_password.data())};
  int msgid = -1;
  int rc = ldap_passwd(ld_, &user, old_password != nullptr ? &old_bv : nullptr, &new_bv,
                       ctrls.get(), nullptr, &msgid);
  if (rc != LDAP_SUCCESS) {
    reply.diagnostic = Diagnostic(ld_);
    return Finish(rc, std::move(reply));
  }
  LDAPControl** resp = nullptr;
  rc = Await(ld_, msgid, options_.operation_timeout, reply, nullptr, &resp);
  ParsePpolicy(ld_, resp, reply);
  if (resp != nullptr) ldap_controls_free(resp);
  return Finish(rc, std::move(reply));
}

// ------------------------------------------------------------------ LdapPool

LdapPool::LdapPool(LdapConnectOptions options) : options_(std::move(options)) {}

LdapPool::~LdapPool() = default;

LdapReply LdapPool::Open(std::unique_ptr<LdapConnection>& out) {
  LDAP* ld = nullptr;
  int rc = ldap_initialize(&ld, options_.url.c_str());
  if (rc != LDAP_SUCCESS || ld == nullptr) {
    return LdapReply::Client(rc == LDAP_SUCCESS ? LDAP_PARAM_ERROR : rc,
                             "cannot use the URL " + options_.url);
  }
  auto conn = std::unique_ptr<LdapConnection>(new LdapConnection(ld, options_));
  const int v3 = LDAP_VERSION3;
  ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
  ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
  timeval net = ToTimeval(options_.connect_timeout);
  ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &net);
  timeval op = ToTimeval(options_.operation_timeout);
  ldap_set_option(ld, LDAP_OPT_TIMEOUT, &op);
  const int demand = LDAP_OPT_X_TLS_DEMAND;
  ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
  if (!options_.ca_file.empty()) ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, options_.ca_file.c_str());
  const int is_server = 0;
  rc = ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &is_server);
  if (rc != LDAP_OPT_SUCCESS) {
    return LdapReply::Client(LDAP_LOCAL_ERROR, "cannot set up TLS (CA file " + options_.ca_file +
                                                   "): " + Diagnostic(ld));
  }
  const bool ldaps = options_.url.rfind("ldaps://", 0) == 0;
  if (!ldaps && options_.start_tls) {
    rc = ldap_start_tls_s(ld, nullptr, nullptr);
    if (rc != LDAP_SUCCESS) {
      std::string why = Diagnostic(ld);
      return LdapReply::Client(rc == LDAP_SUCCESS ? LDAP_CONNECT_ERROR : rc,
                               "StartTLS failed" + (why.empty() ? "" : ": " + why));
    }
  }
  out = std::move(conn);
  return LdapReply{};
}

std::unique_ptr<LdapConnection> LdapPool::Take(bool fresh, bool& reused, LdapReply& error) {
  std::unique_lock<std::mutex> lock(mu_);
  const auto deadline = std::chrono::steady_clock::now() + options_.operation_timeout;
  for (;;) {
    if (!idle_.empty()) {
      std::unique_ptr<LdapConnection> c = std::move(idle_.back());
      idle_.pop_back();
      if (!fresh) {
        reused = true;
        return c;
      }
      --open_;  // a fresh one was asked for: close this one to make room
    }
    if (open_ < options_.pool_size) break;
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
      error = LdapReply::Client(LDAP_TIMEOUT, "every directory connection stayed busy");
      return nullptr;
    }
  }
  ++open_;
  lock.unlock();
  reused = false;
  std::unique_ptr<LdapConnection> c;
  error = Open(c);
  if (!error.ok()) {
    lock.lock();
    --open_;
    cv_.notify_one();
    return nullptr;
  }
  return c;
}

void LdapPool::Give(std::unique_ptr<LdapConnection> conn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (conn->broken_) {
    --open_;
    conn.reset();  // closes it
  } else {
    idle_.push_back(std::move(conn));
  }
  cv_.notify_one();
}

LdapReply LdapPool::Run(bool as_service, const Work& work) {
  for (int attempt = 0;; ++attempt) {
    bool reused = false;
    LdapReply error;
    std::unique_ptr<LdapConnection> conn = Take(attempt > 0, reused, error);
    if (!conn) return error;
    LdapReply r = as_service ? conn->BindService() : LdapReply{};
    if (r.ok()) r = work(*conn);
    const bool dead = conn->broken_ && r.code == LDAP_SERVER_DOWN;
    Give(std::move(conn));
    if (dead && reused && attempt == 0) {
      // The server closed an idle connection (a restart): the other idle ones are
      // dead too. Try once more on a new connection.
      std::lock_guard<std::mutex> lock(mu_);
      open_ -= static_cast<int>(idle_.size());
      idle_.clear();
      continue;
    }
    return r;
  }
}

}  // namespace latchkey
