// OpenLDAP, 389 Directory Server and FreeIPA: passwords set with the RFC 3062
// Password Modify extended operation (as the service account for resets, as the
// user for changes), with the ppolicy request control on binds and writes so that
// the server says why it refused (draft-behera-ldap-password-policy).
#include "directory/ldap_directory.hpp"

#include <ldap.h>

#include "core/log.hpp"
#include "directory/ldap_common.hpp"
#include "directory/ldap_text.hpp"

namespace latchkey {
namespace {

// ppolicy response errors (LDAPPasswordPolicyError).
constexpr int kPpExpired = 0;
constexpr int kPpLocked = 1;
constexpr int kPpChangeAfterReset = 2;
constexpr int kPpModNotAllowed = 3;
constexpr int kPpMustSupplyOld = 4;
constexpr int kPpInHistory = 8;

bool IsTrue(std::string_view v) { return v == "TRUE" || v == "true" || v == "True"; }

class LdapDirectory final : public LdapFamilyDirectory {
 public:
  using LdapFamilyDirectory::LdapFamilyDirectory;

  std::string_view kind() const override { return "ldap"; }

  Status VerifyPassword(const Account& account, const SecretString& password) override {
    std::optional<LdapEntry> entry;
    LdapReply bind;
    LK_RETURN_IF_ERROR(BindAsUser(account, password, true, entry, bind));
    if (!entry) return WrongPassword();
    return FromUserBind("verify", bind, entry->dn);
  }

  Status ResetPassword(const Account& account, const SecretString& new_password) override {
    return Reset(account, new_password, false);
  }

  Status HelpdeskResetPassword(const Account& account, const SecretString& new_password) override {
    return Reset(account, new_password, o_.must_change_after_helpdesk_reset);
  }

  Status ChangePassword(const Account& account, const SecretString& old_password,
                        const SecretString& new_password) override {
    std::optional<LdapEntry> entry;
    LdapReply bind, write;
    bool ran = false;
    const LdapReply r = pool_.Run(false, [&](LdapConnection& c) {
      ran = true;
      if (LdapReply s = c.BindService(); !s.ok()) return s;
      if (LdapReply f = FindEntry(c, account.username, entry); !f.ok() || !entry) return f;
      bind = c.Bind(entry->dn, old_password, true);
      // A password that must be changed after a reset still binds (ppolicy then
      // allows only the change); an expired one without grace binds do not.
      if (!bind.ok()) return LdapReply{};
      write = c.PasswordModify(entry->dn, &old_password, new_password, true);
      return LdapReply{};
    });
    if (!r.ok()) return Failure("change", r, "", !ran || r.code == LDAP_INVALID_CREDENTIALS);
    if (!entry) return WrongPassword();
    if (!bind.ok()) {
      if (bind.Unreachable()) return Failure("change", bind, entry->dn, false);
      if (bind.ppolicy_error == kPpLocked) return Locked();
      if (bind.ppolicy_error == kPpExpired) {
        return Status::Expired("password_expired",
                               "Your password has expired, so it cannot be used to change it. "
                               "Reset it instead.");
      }
      return WrongPassword();
    }
    if (write.ok()) return Status::Ok();
    return FromWrite("change", write, entry->dn);
  }

  Status Unlock(const Account& account) override {
    std::optional<LdapEntry> entry;
    LdapReply write;
    bool ran = false;
    const LdapReply r = pool_.Run(true, [&](LdapConnection& c) {
      ran = true;
      if (LdapReply f = FindEntry(c, account.username, entry); !f.ok() || !entry) return f;
      write = ClearLockout(c, *entry, std::nullopt);
      return LdapReply{};
    });
    if (!r.ok()) return Failure("unlock", r, "", !ran);
    if (!entry) return Missing();
    if (!write.ok()) return Failure("unlock", write, entry->dn, false);
    log::Info("directory.unlocked", {{"kind", "ldap"}, {"dn", entry->dn}});
    return Status::Ok();
  }

 protected:
  std::vector<std::string> StateAttributes() const override {
    return {"pwdChangedTime", "pwdFailureTime", "pwdAccountLockedTime", "pwdReset",
            "nsAccountLock"};
  }

  DirectoryAccountState StateOf(const LdapEntry& e) const override {
    DirectoryAccountState s;
    const std::string locked = e.First("pwdAccountLockedTime");
    if (!locked.empty()) {
      if (ldap_text::IsPermanentLock(locked)) {
        s.disabled = true;  // locked by an administrator until unlocked by one
      } else {
        s.locked = true;
        s.locked_at = ldap_text::ParseGeneralizedTime(locked);
      }
    }
    if (IsTrue(e.First("nsAccountLock"))) s.disabled = true;  // 389 DS, FreeIPA
    s.must_change = IsTrue(e.First("pwdReset"));
    s.password_changed_at = ldap_text::ParseGeneralizedTime(e.First("pwdChangedTime"));
    if (const auto* failures = e.All("pwdFailureTime")) {
      s.failed_attempts = static_cast<int>(failures->size());
      for (const auto& f : *failures) {
        const auto t = ldap_text::ParseGeneralizedTime(f);
        if (t && (!s.last_failure_at || *t > *s.last_failure_at)) s.last_failure_at = t;
      }
    }
    return s;
  }

 private:
  static Status WrongPassword() {
    return Status::VerifyFailed("wrong_password", "The username or password is not right.");
  }

  Status FromUserBind(std::string_view op, const LdapReply& bind, const std::string& dn) const {
    if (bind.ok()) {
      if (bind.ppolicy_error == kPpChangeAfterReset) {
        return Status::Expired("password_must_change",
                               "Your password was reset by the helpdesk: choose a new one now.");
      }
      return Status::Ok();
    }
    if (bind.Unreachable()) return Failure(op, bind, dn, false);
    if (bind.code == LDAP_INVALID_CREDENTIALS) {
      switch (bind.ppolicy_error) {
        case kPpLocked:
          LogRefusal(op, bind, dn);
          return Locked();
        case kPpExpired:
          return Status::Expired("password_expired",
                                 "Your password has expired. Reset it to choose a new one.");
        default: return WrongPassword();
      }
    }
    if (bind.code == LDAP_UNWILLING_TO_PERFORM) {
      LogRefusal(op, bind, dn);
      return Disabled();  // 389 DS and FreeIPA answer a bind to a locked-out (nsAccountLock) entry so
    }
    return Failure(op, bind, dn, false);
  }

  // A write the directory refused: its policy, or a right it does not grant.
  Status FromWrite(std::string_view op, const LdapReply& w, const std::string& dn) const {
    if (w.Unreachable()) return Failure(op, w, dn, false);
    LogRefusal(op, w, dn);
    if (auto v = ldap_text::PpolicyViolation(w.ppolicy_error)) {
      return ldap_text::Rejected({*v}, "directory " + std::string(op) + " dn=" + dn + ": " + w.ToString());
    }
    if (w.ppolicy_error == kPpModNotAllowed || w.ppolicy_error == kPpMustSupplyOld ||
        w.code == LDAP_INSUFFICIENT_ACCESS) {
      if (op == "change") {
        return Status::Forbidden("change_not_allowed",
                                 "The directory does not let this account change its own "
                                 "password. Contact the helpdesk.");
      }
      return Status::Forbidden("directory_not_permitted",
                               "The directory did not let this service change the password. "
                               "Contact the helpdesk.")
          .WithDetail("directory " + std::string(op) + " dn=" + dn + ": " + w.ToString());
    }
    if (w.code == LDAP_CONSTRAINT_VIOLATION) {
      // A server without the ppolicy response (or a password check module) refused it.
      return ldap_text::Rejected({ldap_text::AdViolation(w.diagnostic, "")},
                                 "directory " + std::string(op) + " dn=" + dn + ": " + w.ToString());
    }
    return Failure(op, w, dn, false);
  }

  // Whether `password` is already the entry's password (a bind with it succeeds, or
  // only asks for a change after a reset).
  bool AlreadySet(const std::string& dn, const SecretString& password) {
    LdapReply bind;
    const LdapReply r = pool_.Run(false, [&](LdapConnection& c) {
      bind = c.Bind(dn, password, true);
      return LdapReply{};
    });
    return r.ok() && bind.ok();
  }

  // Removes a (temporary) lockout (ppolicy then drops the failure times itself:
  // pwdFailureTime allows no user modification); `must_change` sets or clears
  // pwdReset (nullopt: leaves it). An administrator's permanent lock stays.
  LdapReply ClearLockout(LdapConnection& c, const LdapEntry& e, std::optional<bool> must_change) {
    std::vector<LdapModification> mods;
    const std::string locked = e.First("pwdAccountLockedTime");
    if (!locked.empty() && !ldap_text::IsPermanentLock(locked)) {
      mods.push_back({LdapModification::Op::kDelete, "pwdAccountLockedTime", {}});
    }
    if (must_change.has_value()) {
      const bool has = IsTrue(e.First("pwdReset"));
      if (*must_change && !has) {
        std::vector<SecretString> v;
        v.emplace_back("TRUE");
        mods.push_back({LdapModification::Op::kReplace, "pwdReset", std::move(v)});
      } else if (!*must_change && e.All("pwdReset") != nullptr) {
        mods.push_back({LdapModification::Op::kDelete, "pwdReset", {}});
      }
    }
    if (mods.empty()) return LdapReply{};
    LdapReply r = c.Modify(e.dn, mods);
    if (r.code == LDAP_NO_SUCH_ATTRIBUTE) {
      // ppolicy removed some of them itself with the new password: read again, once.
      std::vector<LdapEntry> again;
      LdapReply s = c.Search(e.dn, LdapScope::kBase, "(objectClass=*)", StateAttributes(), 1, again);
      if (!s.ok() || again.empty()) return s;
      return ClearLockout(c, again.front(), must_change);
    }
    return r;
  }

  Status Reset(const Account& account, const SecretString& new_password, bool must_change) {
    std::optional<LdapEntry> entry;
    bool disabled = false;
    LdapReply write;
    bool ran = false;
    const LdapReply r = pool_.Run(true, [&](LdapConnection& c) {
      ran = true;
      if (LdapReply f = FindEntry(c, account.username, entry); !f.ok() || !entry) return f;
      if (StateOf(*entry).disabled) {
        disabled = true;
        return LdapReply{};
      }
      write = c.PasswordModify(entry->dn, nullptr, new_password, true);
      return LdapReply{};
    });
    if (!r.ok()) return Failure("reset", r, "", !ran);
    if (!entry) {
      log::Warn("directory.account_missing", {{"kind", "ldap"}, {"username", account.username}});
      return Missing();
    }
    if (disabled) {
      log::Warn("directory.reset_refused_disabled", {{"kind", "ldap"}, {"dn", entry->dn}});
      return Disabled();
    }
    if (!write.ok()) {
      // The same password again (a retry after a lost answer) comes back as "in
      // history": if it is already the password, the reset has happened.
      if (!(write.ppolicy_error == kPpInHistory && RecentlyChanged(*entry) &&
            AlreadySet(entry->dn, new_password))) {
        return FromWrite("reset", write, entry->dn);
      }
      log::Info("directory.reset_already_applied", {{"kind", "ldap"}, {"dn", entry->dn}});
    }
    // The password is set: clear the lockout and settle "must change". A failure
    // here must not report the reset as failed (the password is in place).
    LdapReply cleanup;
    const LdapReply cr = pool_.Run(true, [&](LdapConnection& c) {
      std::vector<LdapEntry> fresh;
      LdapReply s = c.Search(entry->dn, LdapScope::kBase, "(objectClass=*)", StateAttributes(), 1, fresh);
      if (!s.ok() || fresh.empty()) return s;
      cleanup = ClearLockout(c, fresh.front(), must_change);
      return LdapReply{};
    });
    if (!cr.ok() || !cleanup.ok()) {
      log::Warn("directory.reset_cleanup_failed",
                {{"kind", "ldap"}, {"dn", entry->dn}, {"result", (cr.ok() ? cleanup : cr).ToString()}});
    }
    log::Info("directory.password_reset",
              {{"kind", "ldap"}, {"dn", entry->dn}, {"must_change", must_change ? "true" : "false"}});
    return Status::Ok();
  }
};

}  // namespace

std::unique_ptr<Directory> MakeLdapDirectory(LdapDirectoryOptions options, const Clock& clock) {
  return std::make_unique<LdapDirectory>(std::move(options), clock);
}

}  // namespace latchkey
