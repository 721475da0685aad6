// Active Directory and Samba AD ([MS-ADTS] 3.1.1.3.1.5): a reset replaces
// unicodePwd as the service account, a change deletes the old value and adds the
// new one, both over an encrypted connection (the DC refuses unicodePwd without).
// Bind failures carry a sub-code ("data 775") that says locked, disabled, expired
// or must change; refused passwords come back as 0000052D.
#include "directory/ad_directory.hpp"

#include <ldap.h>

#include "core/log.hpp"
#include "directory/ldap_common.hpp"
#include "directory/ldap_text.hpp"

namespace latchkey {
namespace {

using ldap_text::AdBindSubcode;
using ldap_text::AdExtendedError;

std::uint32_t Number(const std::string& s) {
  try {
    return s.empty() ? 0u : static_cast<std::uint32_t>(std::stoul(s));
  } catch (...) {
    return 0;
  }
}

std::vector<SecretString> One(std::string v) {
  std::vector<SecretString> out;
  out.emplace_back(std::move(v));
  return out;
}

class AdDirectory final : public LdapFamilyDirectory {
 public:
  using LdapFamilyDirectory::LdapFamilyDirectory;

  std::string_view kind() const override { return "ad"; }

  Status VerifyPassword(const Account& account, const SecretString& password) override {
    std::optional<LdapEntry> entry;
    LdapReply bind;
    LK_RETURN_IF_ERROR(BindAsUser(account, password, false, entry, bind));
    if (!entry) return WrongPassword();
    if (bind.ok()) return Status::Ok();
    return FromBind("verify", bind, entry->dn);
  }

  Status ResetPassword(const Account& account, const SecretString& new_password) override {
    return Reset(account, new_password, false);
  }

  Status HelpdeskResetPassword(const Account& account, const SecretString& new_password) override {
    return Reset(account, new_password, o_.must_change_after_helpdesk_reset);
  }

  Status ChangePassword(const Account& account, const SecretString& old_password,
                        const SecretString& new_password) override {
    Result<SecretString> old_value = ldap_text::AdUnicodePwd(old_password);
    if (!old_value.ok()) return WrongPassword();
    Result<SecretString> new_value = ldap_text::AdUnicodePwd(new_password);
    if (!new_value.ok()) return new_value.status();
    std::optional<LdapEntry> entry;
    LdapReply bind, write;
    bool ran = false;
    const LdapReply r = pool_.Run(false, [&](LdapConnection& c) {
      ran = true;
      if (LdapReply s = c.BindService(); !s.ok()) return s;
      if (LdapReply f = FindEntry(c, account.username, entry); !f.ok() || !entry) return f;
      bind = c.Bind(entry->dn, old_password, false);
      if (!bind.ok()) {
        const auto sub = AdBindSubcode(bind.diagnostic);
        // "Must change" and "expired" refuse the bind although the password is
        // right; the change itself proves the old password, so it may be made on
        // the service account's connection (User-Change-Password is granted to
        // Everyone unless "user cannot change password" is set).
        if (bind.code != LDAP_INVALID_CREDENTIALS ||
            !(sub == ldap_text::kAdMustChange || sub == ldap_text::kAdPasswordExpired)) {
          return LdapReply{};
        }
        if (LdapReply s = c.BindService(); !s.ok()) return s;
      }
      std::vector<LdapModification> mods;
      mods.push_back({LdapModification::Op::kDelete, "unicodePwd", {}});
      mods.back().values.push_back(*old_value);
      mods.push_back({LdapModification::Op::kAdd, "unicodePwd", {}});
      mods.back().values.push_back(*new_value);
      write = c.Modify(entry->dn, mods);
      bind = LdapReply{};
      return LdapReply{};
    });
    if (!r.ok()) return Failure("change", r, "", !ran || r.code == LDAP_INVALID_CREDENTIALS);
    if (!entry) return WrongPassword();
    if (!bind.ok()) return FromBind("change", bind, entry->dn);
    if (write.ok()) {
      log::Info("directory.password_changed", {{"kind", "ad"}, {"dn", entry->dn}});
      return Status::Ok();
    }
    return FromWrite("change", write, *entry, new_password);
  }

  Status Unlock(const Account& account) override {
    std::optional<LdapEntry> entry;
    LdapReply write;
    bool ran = false;
    const LdapReply r = pool_.Run(true, [&](LdapConnection& c) {
      ran = true;
      if (LdapReply f = FindEntry(c, account.username, entry); !f.ok() || !entry) return f;
      const std::string lockout = entry->First("lockoutTime");
      if (lockout.empty() || lockout == "0") return LdapReply{};  // not locked
      write = c.Modify(entry->dn, {{LdapModification::Op::kReplace, "lockoutTime", One("0")}});
      return LdapReply{};
    });
    if (!r.ok()) return Failure("unlock", r, "", !ran);
    if (!entry) return Missing();
    if (!write.ok()) {
      if (write.code == LDAP_INSUFFICIENT_ACCESS) {
        LogRefusal("unlock", write, entry->dn);
        return Status::Forbidden("directory_not_permitted",
                                 "The directory did not let this service unlock the account. "
                                 "Contact the helpdesk.")
            .WithDetail("directory unlock dn=" + entry->dn + ": " + write.ToString());
      }
      return Failure("unlock", write, entry->dn, false);
    }
    log::Info("directory.unlocked", {{"kind", "ad"}, {"dn", entry->dn}});
    return Status::Ok();
  }

  Result<DirectoryAccountState> ReadState(const Account& account) override {
    // msDS-User-Account-Control-Computed is a constructed attribute: Windows
    // computes it only for a base-scope read of the entry.
    std::optional<LdapEntry> entry;
    std::vector<LdapEntry> base;
    bool ran = false;
    const LdapReply r = pool_.Run(true, [&](LdapConnection& c) {
      ran = true;
      if (LdapReply f = FindEntry(c, account.username, entry); !f.ok() || !entry) return f;
      base.clear();
      return c.Search(entry->dn, LdapScope::kBase, "(objectClass=*)", StateAttributes(), 1, base);
    });
    if (!r.ok()) return Failure("state", r, entry ? entry->dn : "", !ran);
    if (!entry) return Missing();
    return StateOf(base.empty() ? *entry : base.front());
  }

 protected:
  std::vector<std::string> StateAttributes() const override {
    return {"userAccountControl", "msDS-User-Account-Control-Computed", "pwdLastSet",
            "lockoutTime", "badPwdCount", "badPasswordTime", "accountExpires"};
  }

  DirectoryAccountState StateOf(const LdapEntry& e) const override {
    DirectoryAccountState s;
    const std::uint32_t uac = Number(e.First("userAccountControl"));
    const std::string computed_text = e.First("msDS-User-Account-Control-Computed");
    const std::uint32_t computed = Number(computed_text);
    s.disabled = (uac & ldap_text::kUacAccountDisable) != 0;
    if (const auto expires = ldap_text::ParseFileTime(e.First("accountExpires"))) {
      if (*expires <= clock_.Now()) s.disabled = true;  // the account itself expired
    }
    const std::string lockout = e.First("lockoutTime");
    if (!computed_text.empty()) {
      s.locked = (computed & ldap_text::kUacLockout) != 0;
      s.password_expired = (computed & ldap_text::kUacPasswordExpired) != 0;
    } else {
      s.locked = !lockout.empty() && lockout != "0";  // without the computed view
    }
    if (s.locked) s.locked_at = ldap_text::ParseFileTime(lockout);
    const std::string last_set = e.First("pwdLastSet");
    s.must_change = last_set == "0";
    s.password_changed_at = ldap_text::ParseFileTime(last_set);
    s.failed_attempts = static_cast<int>(Number(e.First("badPwdCount")));
    s.last_failure_at = ldap_text::ParseFileTime(e.First("badPasswordTime"));
    return s;
  }

 private:
  static Status WrongPassword() {
    return Status::VerifyFailed("wrong_password", "The username or password is not right.");
  }

  Status FromBind(std::string_view op, const LdapReply& bind, const std::string& dn) const {
    if (bind.Unreachable()) return Failure(op, bind, dn, false);
    if (bind.code != LDAP_INVALID_CREDENTIALS) return Failure(op, bind, dn, false);
    const auto sub = AdBindSubcode(bind.diagnostic);
    if (!sub || *sub == ldap_text::kAdWrongPassword || *sub == ldap_text::kAdNoSuchUser) {
      return WrongPassword();
    }
    LogRefusal(op, bind, dn);
    switch (*sub) {
      case ldap_text::kAdLockedOut: return Locked();
      case ldap_text::kAdAccountDisabled: return Disabled();
      case ldap_text::kAdAccountExpired:
        return Status::Forbidden("account_disabled",
                                 "This account has expired. Contact the helpdesk.");
      case ldap_text::kAdPasswordExpired:
        return Status::Expired("password_expired",
                               "Your password has expired. Reset it to choose a new one.");
      case ldap_text::kAdMustChange:
        return Status::Expired("password_must_change",
                               "Your password must be changed before you can sign in.");
      case ldap_text::kAdLogonHours:
      case ldap_text::kAdWorkstation:
        return Status::Forbidden("logon_not_permitted",
                                 "This account may not sign in at this time or from here.");
      default: return WrongPassword();
    }
  }

  // The domain's rules in words, read from the domain object, for a refusal that
  // does not say which rule was broken (Windows DCs never do).
  std::string DomainPolicyText() {
    std::vector<LdapEntry> domain;
    const LdapReply r = pool_.Run(true, [&](LdapConnection& c) {
      domain.clear();
      return c.Search(ldap_text::DomainDnOf(o_.base_dn), LdapScope::kBase, "(objectClass=*)",
                      {"minPwdLength", "pwdProperties", "pwdHistoryLength"}, 1, domain);
    });
    if (!r.ok() || domain.empty()) return {};
    const LdapEntry& d = domain.front();
    return ldap_text::DescribeAdPolicy(static_cast<int>(Number(d.First("minPwdLength"))),
                                       (Number(d.First("pwdProperties")) & 1u) != 0,
                                       static_cast<int>(Number(d.First("pwdHistoryLength"))));
  }

  Status FromWrite(std::string_view op, const LdapReply& w, const LdapEntry& entry,
                   const SecretString& new_password) {
    const std::string& dn = entry.dn;
    if (w.Unreachable()) return Failure(op, w, dn, false);
    LogRefusal(op, w, dn);
    const std::string detail = "directory " + std::string(op) + " dn=" + dn + ": " + w.ToString();
    const auto ext = AdExtendedError(w.diagnostic);
    const bool restriction = w.diagnostic.find("0000052D") != std::string::npos ||
                             (ext && *ext == ldap_text::kAdPasswordRestriction);
    if (restriction || w.code == LDAP_CONSTRAINT_VIOLATION) {
      const Violation v = ldap_text::AdViolation(w.diagnostic, DomainPolicyText());
      // A retry of a reset whose answer was lost: the password is already the new
      // one (history, or a refusal that does not say why).
      if (op == "reset" && (v.rule == "directory_history" || v.rule == "directory_policy") &&
          RecentlyChanged(entry) && AlreadySet(dn, new_password)) {
        log::Info("directory.write_already_applied", {{"kind", "ad"}, {"op", std::string(op)}, {"dn", dn}});
        return Status::Ok();
      }
      return ldap_text::Rejected({v}, detail);
    }
    if (w.code == LDAP_INSUFFICIENT_ACCESS) {
      if (op == "change") {
        return Status::Forbidden("change_not_allowed",
                                 "This account is not allowed to change its own password. "
                                 "Contact the helpdesk.");
      }
      return Status::Forbidden("directory_not_permitted",
                               "The directory did not let this service change the password. "
                               "Contact the helpdesk.")
          .WithDetail(detail);
    }
    return Failure(op, w, dn, false);
  }

  bool AlreadySet(const std::string& dn, const SecretString& password) {
    LdapReply bind;
    const LdapReply r = pool_.Run(false, [&](LdapConnection& c) {
      bind = c.Bind(dn, password, false);
      return LdapReply{};
    });
    if (!r.ok()) return false;
    if (bind.ok()) return true;
    const auto sub = AdBindSubcode(bind.diagnostic);
    return bind.code == LDAP_INVALID_CREDENTIALS && sub == ldap_text::kAdMustChange;
  }

  Status Reset(const Account& account, const SecretString& new_password, bool must_change) {
    Result<SecretString> value = ldap_text::AdUnicodePwd(new_password);
    if (!value.ok()) return value.status();
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
      // One modify, so that nothing changes unless the password is accepted: the
      // new password, then "must change" (pwdLastSet 0) or not (-1: now), and the
      // lockout cleared (a reset also unlocks).
      std::vector<LdapModification> mods;
      mods.push_back({LdapModification::Op::kReplace, "unicodePwd", {}});
      mods.back().values.push_back(*value);
      mods.push_back({LdapModification::Op::kReplace, "pwdLastSet", One(must_change ? "0" : "-1")});
      const std::string lockout = entry->First("lockoutTime");
      if (!lockout.empty() && lockout != "0") {
        mods.push_back({LdapModification::Op::kReplace, "lockoutTime", One("0")});
      }
      std::vector<LdapRequestControl> controls;
      if (o_.policy_hints) controls.push_back(LdapRequestControl::kPolicyHints);
      write = c.Modify(entry->dn, mods, controls);
      return LdapReply{};
    });
    if (!r.ok()) return Failure("reset", r, "", !ran);
    if (!entry) {
      log::Warn("directory.account_missing", {{"kind", "ad"}, {"username", account.username}});
      return Missing();
    }
    if (disabled) {
      log::Warn("directory.reset_refused_disabled", {{"kind", "ad"}, {"dn", entry->dn}});
      return Disabled();
    }
    if (!write.ok()) return FromWrite("reset", write, *entry, new_password);
    log::Info("directory.password_reset",
              {{"kind", "ad"}, {"dn", entry->dn}, {"must_change", must_change ? "true" : "false"}});
    return Status::Ok();
  }
};

}  // namespace

std::unique_ptr<Directory> MakeAdDirectory(LdapDirectoryOptions options, const Clock& clock) {
  return std::make_unique<AdDirectory>(std::move(options), clock);
}

}  // namespace latchkey
