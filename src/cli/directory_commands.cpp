#include "cli/directory_commands.hpp"

#include <signal.h>

#include <ctime>
#include <istream>
#include <ostream>

#include "cli/exit_code.hpp"
#include "cli/runtime.hpp"
#include "core/store.hpp"
#include "directory/directory.hpp"
#include "flows/account_admin.hpp"
#include "flows/person.hpp"
#include "policy/password_policy.hpp"

namespace latchkey {
namespace {

std::string ReadLine(std::istream& in) {
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::string Time(const std::optional<TimePoint>& t) {
  if (!t) return "-";
  const std::time_t secs = static_cast<std::time_t>(ToUnixMillis(*t) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The operator's terminal: the detail (server, DN, LDAP result) is what helps.
int Fail(std::ostream& err, const Status& st) {
  err << "latchkey: " << st.message();
  if (!st.detail().empty()) err << " (" << st.detail() << ")";
  err << "\n";
  return ExitCodeFor(st);
}

void AuditCli(Runtime& rt, const Account& a, std::string_view event, const Status& outcome,
              std::string_view ok_reason) {
  AuditEvent e;
  e.at = rt.clock.Now();
  e.event = std::string(event);
  e.outcome = outcome.ok() ? "ok" : outcome.code() == Errc::kPolicyRejected ? "rejected" : "failed";
  e.reason = outcome.ok() ? std::string(ok_reason) : std::string(outcome.reason());
  e.account_id = a.id;
  e.subject = a.username;
  e.actor = "cli:helpdesk";
  (void)rt.store->Write([&](Tx& tx) { return tx.audit().Append(e); });
}

Result<std::unique_ptr<Runtime>> Open(const Config& config) {
  // A directory connection that breaks must not end the command with SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
  return OpenRuntime(config, false);
}

}  // namespace

int CmdUserResetPassword(const Config& config, const std::string& username, std::istream& in,
                         std::ostream& out, std::ostream& err) {
  const SecretString password(ReadLine(in));
  Result<std::unique_ptr<Runtime>> opened = Open(config);
  if (!opened.ok()) return Fail(err, opened.status());
  Runtime& rt = **opened;
  Result<AccountDetails> d = rt.admin->Show(username);
  if (!d.ok()) return Fail(err, d.status());
  std::vector<Enrollment> enrollments;
  const Status read = rt.store->Read([&](Tx& tx) -> Status {
    Result<std::vector<Enrollment>> e = tx.enrollments().ListForAccount(d->account.id);
    if (!e.ok()) return e.status();
    enrollments = std::move(e).value();
    return Status::Ok();
  });
  if (!read.ok()) return Fail(err, read);
  // Latchkey's policy first; the directory has the final word.
  const PolicyVerdict verdict = rt.policy->Check(
      password, PersonFor(d->account, enrollments, config.branding.organisation_name));
  if (!verdict.accepted) {
    for (const auto& v : verdict.violations) out << v.rule << ": " << v.message << "\n";
    return kExitRejected;
  }
  const Status written = rt.directory->HelpdeskResetPassword(d->account, password);
  AuditCli(rt, d->account, "password.reset", written, "helpdesk");
  if (!written.ok()) {
    for (const auto& [rule, message] : written.violations()) out << rule << ": " << message << "\n";
    if (written.violations().empty()) return Fail(err, written);
    return ExitCodeFor(written);
  }
  const bool must_change =
      rt.directory->kind() != "builtin" && config.directory.must_change_after_helpdesk_reset;
  out << "password set for " << d->account.username << "; must change at next sign-in: "
      << (must_change ? "yes" : "no") << "\n";
  return kExitOk;
}

int CmdUserUnlock(const Config& config, const std::string& username, std::ostream& out,
                  std::ostream& err) {
  Result<std::unique_ptr<Runtime>> opened = Open(config);
  if (!opened.ok()) return Fail(err, opened.status());
  Runtime& rt = **opened;
  Result<AccountDetails> d = rt.admin->Show(username);
  if (!d.ok()) return Fail(err, d.status());
  const Status unlocked = rt.directory->Unlock(d->account);
  AuditCli(rt, d->account, "account.unlock", unlocked, "helpdesk");
  if (!unlocked.ok()) return Fail(err, unlocked);
  out << "unlocked " << d->account.username << "\n";
  return kExitOk;
}

int CmdDiagDirectory(const Config& config, const DiagDirectoryArgs& args, std::istream& in,
                     std::ostream& out, std::ostream& err) {
  Result<std::unique_ptr<Runtime>> opened = Open(config);
  if (!opened.ok()) return Fail(err, opened.status());
  Runtime& rt = **opened;
  Directory& dir = *rt.directory;
  Result<std::optional<DirectoryUser>> found = dir.Lookup(args.username);
  if (!found.ok()) return Fail(err, found.status());
  out << "directory:        " << dir.kind() << "\n";
  if (!found->has_value()) {
    out << "found:            no\n";
    return kExitRejected;
  }
  const DirectoryUser& u = **found;
  const DirectoryAccountState& s = u.state;
  out << "found:            yes\n"
      << "dn:               " << (u.dn.empty() ? "-" : u.dn) << "\n"
      << "username:         " << u.username << "\n"
      << "display name:     " << u.display_name << "\n"
      << "disabled:         " << (s.disabled ? "yes" : "no") << "\n"
      << "locked:           " << (s.locked ? "yes" : "no") << "\n"
      << "must change:      " << (s.must_change ? "yes" : "no") << "\n"
      << "password expired: " << (s.password_expired ? "yes" : "no") << "\n"
      << "password changed: " << Time(s.password_changed_at) << "\n"
      << "failed attempts:  " << s.failed_attempts << "\n"
      << "last failure:     " << Time(s.last_failure_at) << "\n";
  if (!args.verify && !args.change) return kExitOk;
  // Both need the Latchkey account the flows would use.
  Result<AccountDetails> d = rt.admin->Show(args.username);
  Account account;
  if (d.ok()) {
    account = d->account;
  } else {
    account.username = u.username;  // not imported yet: the directory only needs the name
  }
  if (args.verify) {
    const SecretString password(ReadLine(in));
    const Status st = dir.VerifyPassword(account, password);
    out << "verify:           " << (st.ok() ? "ok" : std::string(st.reason()) + ": " + std::string(st.message()))
        << "\n";
    if (!st.detail().empty()) err << "latchkey: detail: " << st.detail() << "\n";
    return ExitCodeFor(st);
  }
  const SecretString old_password(ReadLine(in));
  const SecretString new_password(ReadLine(in));
  const Status st = dir.ChangePassword(account, old_password, new_password);
  out << "change:           " << (st.ok() ? "ok" : std::string(st.reason()) + ": " + std::string(st.message()))
      << "\n";
  for (const auto& [rule, message] : st.violations()) out << rule << ": " << message << "\n";
  if (!st.detail().empty()) err << "latchkey: detail: " << st.detail() << "\n";
  return ExitCodeFor(st);
}

}  // namespace latchkey
