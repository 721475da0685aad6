#include "cli/sync_command.hpp"

#include <signal.h>

#include <ostream>
#include <set>
#include <vector>

#include "cli/exit_code.hpp"
#include "cli/runtime.hpp"
#include "core/mask.hpp"
#include "core/random.hpp"
#include "core/store.hpp"
#include "crypto/keys.hpp"
#include "delivery/mime.hpp"
#include "directory/directory.hpp"
#include "text/phone.hpp"
#include "text/unicode.hpp"

namespace latchkey {
namespace {

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

enum class Outcome { kCreated, kUpdated, kDisabled, kUnchanged };

// A candidate contact method as the directory gives it, ready to store.
struct Candidate {
  MethodKind kind = MethodKind::kEmail;
  std::string value;  // address or E.164 number
  std::string hint;
  std::string lookup;
};

class Syncer {
 public:
  Syncer(const SyncDeps& d, bool dry_run, std::ostream& err) : d_(d), dry_run_(dry_run), err_(err) {}

  std::vector<Candidate> CandidatesOf(const DirectoryUser& u) {
    std::vector<Candidate> out;
    if (!u.mail.empty()) {
      if (IsPlausibleAddress(u.mail)) {
        out.push_back({MethodKind::kEmail, u.mail, MaskEmail(u.mail),
                       d_.keys.Lookup("email", Lower(u.mail))});
      } else {
        err_ << "user " << u.username << ": mail is not an address, left out\n";
      }
    }
    if (!u.mobile.empty()) {
      Result<PhoneNumber> p = ParsePhone(u.mobile, d_.default_region);
      if (p.ok()) {
        out.push_back({MethodKind::kSms, p->e164, MaskPhone(p->e164, p->country_code),
                       d_.keys.Lookup("phone", p->e164)});
      } else {
        err_ << "user " << u.username << ": mobile is not a valid number, left out\n";
      }
    }
    return out;
  }

  void Audit(Tx& tx, const Account& a, std::string_view event, std::string_view reason) {
    AuditEvent e;
    e.at = d_.clock.Now();
    e.event = std::string(event);
    e.outcome = "ok";
    e.reason = std::string(reason);
    e.account_id = a.id;
    e.subject = a.username;
    e.actor = "cli:sync";
    (void)tx.audit().Append(e);
  }

  // Brings one account in line with the directory. Writes only with `apply`.
  Status One(Tx& tx, const DirectoryUser& u, const std::string& key, bool apply, Outcome& outcome) {
    const TimePoint now = d_.clock.Now();
    const AccountStatus wanted = u.state.disabled ? AccountStatus::kDisabled : AccountStatus::kActive;
    const std::vector<Candidate> candidates = CandidatesOf(u);
    Result<std::optional<Account>> found = tx.accounts().FindByUsernameKey(key);
    if (!found.ok()) return found.status();
    if (!found->has_value()) {
      outcome = Outcome::kCreated;
      if (!apply) return Status::Ok();
      Account a;
      a.username = u.username;
      a.username_key = key;
      a.display_name = u.display_name;
      a.status = wanted;
      a.created_at = a.updated_at = now;
      Result<AccountId> id = tx.accounts().Insert(a);
      if (!id.ok()) return id.status();
      a.id = *id;
      Audit(tx, a, "user.add", u.state.disabled ? "directory_sync_disabled" : "directory_sync");
      for (const Candidate& c : candidates) LK_RETURN_IF_ERROR(AddCandidate(tx, a, c, now));
      return Status::Ok();
    }
    Account a = **found;
    bool changed = false;
    bool disabled_now = false;
    if (!u.display_name.empty() && u.display_name != a.display_name) {
      a.display_name = u.display_name;
      changed = true;
    }
    // The directory is the source of truth for enabled/disabled. Locked and
    // pending-activation accounts keep their state unless the directory disabled them.
    if (wanted == AccountStatus::kDisabled && a.status != AccountStatus::kDisabled) {
      a.status = AccountStatus::kDisabled;
      disabled_now = true;
    } else if (wanted == AccountStatus::kActive && a.status == AccountStatus::kDisabled) {
      a.status = AccountStatus::kActive;
      changed = true;
    }
    Result<std::vector<Enrollment>> have = tx.enrollments().ListForAccount(a.id);
    if (!have.ok()) return have.status();
    std::vector<const Candidate*> to_add;
    for (const Candidate& c : candidates) {
      bool present = false;
      for (const Enrollment& e : *have) present = present || e.lookup == c.lookup;
      if (!present) to_add.push_back(&c);
    }
    // Earlier candidates the directory no longer holds (an address that changed).
    std::vector<std::string> to_remove;
    for (const Enrollment& e : *have) {
      if (e.source != EnrollmentSource::kDirectory || e.state != EnrollmentState::kPending) continue;
      bool current = false;
      for (const Candidate& c : candidates) current = current || (c.lookup == e.lookup && c.kind == e.kind);
      if (!current) to_remove.push_back(e.id);
    }
    changed = changed || !to_add.empty() || !to_remove.empty();
    outcome = disabled_now ? Outcome::kDisabled : changed ? Outcome::kUpdated : Outcome::kUnchanged;
    if (!apply || outcome == Outcome::kUnchanged) return Status::Ok();
    a.updated_at = now;
    LK_RETURN_IF_ERROR(tx.accounts().Update(a));
    if (disabled_now) Audit(tx, a, "user.disable", "directory_disabled");
    if (changed) Audit(tx, a, "user.update", "directory_sync");
    for (const std::string& id : to_remove) LK_RETURN_IF_ERROR(tx.enrollments().Delete(id));
    for (const Candidate* c : to_add) LK_RETURN_IF_ERROR(AddCandidate(tx, a, *c, now));
    return Status::Ok();
  }

  Status AddCandidate(Tx& tx, const Account& a, const Candidate& c, TimePoint now) {
    Enrollment e;
    e.id = "m_" + d_.random.Token(12);
    e.account_id = a.id;
    e.kind = c.kind;
    e.state = EnrollmentState::kPending;  // a candidate: no gate uses it until the user proves it
    e.source = EnrollmentSource::kDirectory;
    e.label = "from the directory";
    e.hint = c.hint;
    e.secret = SecretString(c.value);
    e.lookup = c.lookup;
    e.created_at = now;
    LK_RETURN_IF_ERROR(tx.enrollments().Insert(e));
    Audit(tx, a, "method.candidate", "directory_sync");
    return Status::Ok();
  }

  Result<SyncSummary> Run() {
    // 1. Read the whole listing first: a directory that fails part-way changes nothing.
    std::vector<DirectoryUser> users;
    std::set<std::string> keys;
    std::vector<std::string> user_keys;  // beside `users`
    SyncSummary s;
    Status listed = d_.directory.ForEachUser([&](const DirectoryUser& u) -> Status {
      std::string why;
      const std::optional<std::string> key = UsernameKey(u.username, &why);
      if (u.username.empty() || !key) {
        err_ << "skipped " << (u.dn.empty() ? u.username : u.dn) << ": "
             << (u.username.empty() ? "no username attribute" : why) << "\n";
        ++s.skipped;
        return Status::Ok();
      }
      if (!keys.insert(*key).second) {
        err_ << "skipped " << u.dn << ": the username " << u.username << " appears twice\n";
        ++s.skipped;
        return Status::Ok();
      }
      users.push_back(u);
      user_keys.push_back(*key);
      return Status::Ok();
    });
    if (!listed.ok()) return listed;

    // 2. One transaction per user, so a large directory does not hold the writer.
    for (std::size_t i = 0; i < users.size(); ++i) {
      const std::string& key = user_keys[i];
      Outcome outcome = Outcome::kUnchanged;
      auto fn = [&](Tx& tx) { return One(tx, users[i], key, !dry_run_, outcome); };
      const Status st = dry_run_ ? d_.store.Read(fn) : d_.store.Write(fn);
      if (!st.ok()) return st;
      switch (outcome) {
        case Outcome::kCreated: ++s.created; break;
        case Outcome::kUpdated: ++s.updated; break;
        case Outcome::kDisabled: ++s.disabled; break;
        case Outcome::kUnchanged: ++s.unchanged; break;
      }
    }

    // 3. Accounts the directory no longer lists cannot reset there: disable them.
    for (int offset = 0;; offset += 500) {
      std::vector<Account> page;
      LK_RETURN_IF_ERROR(d_.store.Read([&](Tx& tx) -> Status {
        Result<std::vector<Account>> r = tx.accounts().List(500, offset);
        if (!r.ok()) return r.status();
        page = std::move(r).value();
        return Status::Ok();
      }));
      for (const Account& listed_account : page) {
        if (keys.count(listed_account.username_key) != 0 ||
            listed_account.status == AccountStatus::kDisabled) {
          continue;
        }
        ++s.disabled;
        err_ << "disabled " << listed_account.username << ": not in the directory\n";
        if (dry_run_) continue;
        const Status disabled = d_.store.Write([&](Tx& tx) -> Status {
          Result<std::optional<Account>> a = tx.accounts().FindById(listed_account.id);
          if (!a.ok()) return a.status();
          if (!a->has_value() || (*a)->status == AccountStatus::kDisabled) return Status::Ok();
          Account updated = **a;
          updated.status = AccountStatus::kDisabled;
          updated.updated_at = d_.clock.Now();
          LK_RETURN_IF_ERROR(tx.accounts().Update(updated));
          Audit(tx, updated, "user.disable", "not_in_directory");
          return Status::Ok();
        });
        if (!disabled.ok()) return disabled;
      }
      if (page.size() < 500) break;
    }
    return s;
  }

 private:
  const SyncDeps& d_;
  const bool dry_run_;
  std::ostream& err_;
};

}  // namespace

Result<SyncSummary> SyncAccounts(const SyncDeps& deps, bool dry_run, std::ostream& err) {
  return Syncer(deps, dry_run, err).Run();
}

int CmdUserSync(const Config& config, bool dry_run, std::ostream& out, std::ostream& err) {
  // A directory connection that breaks must not kill the command with SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
  if (config.directory.kind != "ldap" && config.directory.kind != "ad") {
    err << "latchkey: user sync needs [directory] kind = \"ldap\" or \"ad\" (it is \""
        << config.directory.kind << "\")\n";
    return kExitRejected;
  }
  Result<std::unique_ptr<Runtime>> rt = OpenRuntime(config, false);
  if (!rt.ok()) {
    err << "latchkey: " << (rt.status().detail().empty() ? rt.status().message() : rt.status().detail())
        << "\n";
    return ExitCodeFor(rt.status());
  }
  Runtime& r = **rt;
  const SyncDeps deps{*r.directory, *r.store, r.keys, r.clock, r.random, config.phone.default_region};
  Result<SyncSummary> s = SyncAccounts(deps, dry_run, err);
  if (!s.ok()) {
    // The operator's own terminal: the detail (server, DN, LDAP result) is what helps.
    err << "latchkey: user sync: "
        << (s.status().detail().empty() ? s.status().message() : s.status().detail()) << "\n";
    return ExitCodeFor(s.status());
  }
  out << (dry_run ? "dry run: would create " : "created ") << s->created << ", "
      << (dry_run ? "update " : "updated ") << s->updated << ", "
      << (dry_run ? "disable " : "disabled ") << s->disabled << "; unchanged " << s->unchanged
      << ", skipped " << s->skipped << "\n";
  return kExitOk;
}

}  // namespace latchkey
