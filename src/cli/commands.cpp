#include "cli/commands.hpp"

#include <unistd.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli/csv.hpp"
#include "cli/exit_code.hpp"
#include "cli/runtime.hpp"
#include "core/store.hpp"
#include "delivery/templates.hpp"
#include "flows/code_senders.hpp"
#include "flows/account_admin.hpp"
#include "flows/person.hpp"
#include "policy/password_history.hpp"
#include "policy/password_policy.hpp"
#include "policy/rules_from_config.hpp"
#include "store/sql_store.hpp"
#include "text/unicode.hpp"

namespace latchkey {
namespace {

std::string Time(TimePoint t) {
  const std::time_t secs = static_cast<std::time_t>(ToUnixMillis(t) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string OptTime(const std::optional<TimePoint>& t) { return t ? Time(*t) : "-"; }

int Fail(const Status& st) {
  // The operator runs this on their own machine: the detail (which database, which
  // file) is what helps, and the generic message only when there is none.
  std::cerr << "latchkey: " << (st.detail().empty() ? st.message() : st.detail()) << "\n";
  return ExitCodeFor(st);
}

Result<std::unique_ptr<Runtime>> Open(const Config& config) { return OpenRuntime(config, false); }

nlohmann::json DetailsJson(const AccountDetails& d) {
  nlohmann::json methods = nlohmann::json::array();
  for (const auto& m : d.methods) {
    methods.push_back({{"id", m.id},
                       {"kind", std::string(ToString(m.kind))},
                       {"state", std::string(ToString(m.state))},
                       {"source", std::string(ToString(m.source))},
                       {"hint", m.hint},
                       {"label", m.label},
                       {"created_at", Time(m.created_at)},
                       {"last_used_at", OptTime(m.last_used_at)}});
  }
  const Account& a = d.account;
  return {{"username", a.username},
          {"display_name", a.display_name},
          {"status", std::string(ToString(a.status))},
          {"registered", d.registered},
          {"password_set", !a.password_hash.empty()},
          {"password_changed_at", OptTime(a.password_changed_at)},
          {"failed_logins", a.failed_logins},
          {"locked_until", OptTime(a.locked_until)},
          {"created_at", Time(a.created_at)},
          {"methods", methods}};
}

}  // namespace

int CmdMigrate(const Config& config) {
  Result<SchemaInfo> info =
      MigrateStore({config.store.url, config.store.pool_size, config.store.busy_timeout_ms});
  if (!info.ok()) return Fail(info.status());
  // Create the default key file too, so that the other commands can run at once.
  Result<KeyRing> keys = KeyRing::Load(KeyFilePath(config), config.secrets.previous_key_files,
                                       config.secrets.key_file.empty());
  if (!keys.ok()) return Fail(keys.status());
  std::cout << "schema at version " << info->current << " (latest " << info->latest << ")\n";
  return kExitOk;
}

int CmdConfigCheck(const ConfigLoad& load, std::ostream& out) {
  int errors = 0;
  std::vector<ConfigProblem> problems = load.problems;
  if (load.ok()) {
    for (auto& p : CheckPasswordConfig(load.config)) problems.push_back(std::move(p));
  }
  for (const auto& p : problems) {
    out << (p.error ? "error" : "warning") << ": " << p.key << ": " << p.message << "\n";
    if (p.error) ++errors;
  }
  if (errors > 0) {
    out << errors << (errors == 1 ? " error" : " errors") << " in "
        << (load.config.source.empty() ? "the built-in defaults" : load.config.source) << "\n";
    return kExitRejected;
  }
  out << "ok: " << (load.config.source.empty() ? "built-in defaults" : load.config.source) << "\n";
  return kExitOk;
}

int CmdConfigDefaults(std::ostream& out) {
  out << DefaultConfigToml();
  return kExitOk;
}

// Issues an activation code, then prints it or queues it by email.
int IssueAndHandOver(const Config& config, Runtime& rt, const std::string& username, bool send) {
  Result<IssuedActivation> issued =
      rt.admin->IssueActivation(username, std::chrono::hours(24 * config.flows.activation_days), "cli");
  if (!issued.ok()) return Fail(issued.status());
  const std::string expires = Time(issued->expires_at);
  if (!send) {
    std::cout << "activation code for " << issued->account.username << ": " << issued->code.view()
              << "\nvalid once, until " << expires << "\n";
    return kExitOk;
  }
  if (issued->email.empty()) {
    std::cerr << "latchkey: " << issued->account.username
              << " has no confirmed alternate email to send the code to\n";
    return kExitRejected;
  }
  Result<MessageTemplates> templates = MessageTemplates::Load(config.mail.templates_dir);
  if (!templates.ok()) return Fail(templates.status());
  const Account& a = issued->account;
  Result<RenderedMessage> r = templates->Render(
      "activation_code", {{"organisation", config.branding.organisation_name},
                          {"display_name", a.display_name.empty() ? a.username : a.display_name},
                          {"username", a.username},
                          {"code", std::string(issued->code.view())},
                          {"expires", expires},
                          {"portal_url", config.server.public_url},
                          {"helpdesk", config.branding.helpdesk_contact},
                          {"helpdesk_line", HelpdeskLine(config.branding.helpdesk_contact)}});
  if (!r.ok()) return Fail(r.status());
  OutboundMessage m;
  m.channel = Channel::kEmail;
  m.template_id = "activation_code";
  m.to = issued->email;
  m.to_hint = issued->email_hint;
  m.subject = r->subject;
  m.body = SecretString(std::move(r->body));
  m.account_id = a.id;
  const OutboxStatus status = config.mail.smtp_url.empty() ? OutboxStatus::kDev : OutboxStatus::kQueued;
  Status st = rt.store->Write([&](Tx& tx) -> Status {
    Result<std::int64_t> id = tx.outbox().Enqueue(m, status, rt.clock.Now());
    return id.ok() ? Status::Ok() : id.status();
  });
  if (!st.ok()) return Fail(st);
  std::cout << "activation code sent to " << issued->email_hint << " (valid once, until " << expires << ")\n";
  return kExitOk;
}

int CmdUserAdd(const Config& config, const UserAddArgs& args) {
  AccountSpec spec{args.username, args.display_name, args.email, args.phone, std::nullopt};
  if (args.password_stdin) {
    if (isatty(STDIN_FILENO)) std::cerr << "Password: " << std::flush;
    std::string line;
    std::getline(std::cin, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    spec.password = SecretString(std::move(line));
  }
  spec.pending_activation = args.activation;
  if (args.activation && args.password_stdin) {
    std::cerr << "latchkey: --activation and --password-stdin exclude each other: the person "
                 "chooses the password when activating\n";
    return kExitUsage;
  }
  if (args.send && (!args.activation || args.email.empty())) {
    std::cerr << "latchkey: --send needs --activation and --email (where the code goes)\n";
    return kExitUsage;
  }
  Result<std::unique_ptr<Runtime>> rt = Open(config);
  if (!rt.ok()) return Fail(rt.status());
  const std::vector<Status> problems = (*rt)->admin->Validate(spec);
  if (!problems.empty()) {
    for (const auto& p : problems) std::cerr << "latchkey: " << p.field() << ": " << p.message() << "\n";
    return kExitRejected;
  }
  Result<Account> a = (*rt)->admin->Add(spec, "cli");
  if (!a.ok()) return Fail(a.status());
  std::cout << "created " << a->username << (args.activation ? " (waiting for activation)" : "") << "\n";
  if (args.activation) return IssueAndHandOver(config, **rt, a->username, args.send);
  return kExitOk;
}

int CmdUserActivation(const Config& config, const std::string& username, bool send) {
  Result<std::unique_ptr<Runtime>> rt = Open(config);
  if (!rt.ok()) return Fail(rt.status());
  return IssueAndHandOver(config, **rt, username, send);
}

int CmdUserImport(const Config& config, const UserImportArgs& args) {
  std::ifstream in(args.file, std::ios::binary);
  if (!in) {
    std::cerr << "latchkey: cannot read " << args.file << "\n";
    return kExitRejected;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  Result<std::vector<CsvRecord>> records = ParseCsv(ss.str());
  if (!records.ok()) return Fail(records.status());
  if (records->empty()) {
    std::cerr << "latchkey: " << args.file << " is empty (expected a header row)\n";
    return kExitRejected;
  }
  // The header names the columns; order is free, unknown columns are errors.
  static const std::set<std::string> kColumns = {"username", "display_name", "email", "phone"};
  const CsvRecord& header = records->front();
  std::map<std::string, std::size_t> col;
  for (std::size_t i = 0; i < header.fields.size(); ++i) {
    std::string name = header.fields[i];
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    if (kColumns.count(name) == 0) {
      std::cerr << "latchkey: line " << header.line << ": unknown column \"" << header.fields[i]
                << "\" (expected username, display_name, email, phone)\n";
      return kExitRejected;
    }
    if (col.count(name) != 0) {
      std::cerr << "latchkey: line " << header.line << ": column \"" << name << "\" appears twice\n";
      return kExitRejected;
    }
    col[name] = i;
  }
  if (col.count("username") == 0) {
    std::cerr << "latchkey: line " << header.line << ": the header has no \"username\" column\n";
    return kExitRejected;
  }
  Result<std::unique_ptr<Runtime>> rt = Open(config);
  if (!rt.ok()) return Fail(rt.status());
  AccountAdmin& admin = *(*rt)->admin;

  int created = 0, updated = 0, unchanged = 0, rejected = 0;
  std::set<std::string> seen;
  for (std::size_t r = 1; r < records->size(); ++r) {
    const CsvRecord& rec = (*records)[r];
    auto get = [&](const char* name) -> std::string {
      auto it = col.find(name);
      if (it == col.end() || it->second >= rec.fields.size()) return {};
      std::string v = rec.fields[it->second];
      v.erase(0, v.find_first_not_of(" \t"));
      v.erase(v.find_last_not_of(" \t") + 1);
      return v;
    };
    std::vector<std::string> errors;
    if (rec.fields.size() != header.fields.size()) {
      errors.push_back("has " + std::to_string(rec.fields.size()) + " fields, the header has " +
                       std::to_string(header.fields.size()));
    }
    AccountSpec spec{get("username"), get("display_name"), get("email"), get("phone"), std::nullopt};
    for (const Status& p : admin.Validate(spec)) {
      errors.push_back(std::string(p.field()) + ": " + std::string(p.message()));
    }
    if (const auto key = UsernameKey(spec.username)) {
      if (!seen.insert(*key).second) errors.push_back("username: appears earlier in the file");
    }
    if (!errors.empty()) {
      for (const auto& e : errors) std::cerr << "line " << rec.line << ": " << e << "\n";
      ++rejected;
      continue;
    }
    if (args.dry_run) continue;
    Result<UpsertOutcome> out = admin.Upsert(spec, "cli:import");
    if (!out.ok()) {
      std::cerr << "line " << rec.line << ": " << out.status().message() << "\n";
      if (out.status().code() == Errc::kUnavailable) return Fail(out.status());
      ++rejected;
      continue;
    }
    switch (*out) {
      case UpsertOutcome::kCreated: ++created; break;
      case UpsertOutcome::kUpdated: ++updated; break;
      case UpsertOutcome::kUnchanged: ++unchanged; break;
    }
  }
  const int rows = static_cast<int>(records->size()) - 1;
  if (args.dry_run) {
    std::cout << "dry run: " << rows - rejected << " valid, " << rejected << " rejected\n";
  } else {
    std::cout << "created " << created << ", updated " << updated << ", unchanged " << unchanged
              << ", rejected " << rejected << "\n";
  }
  return rejected > 0 ? kExitRejected : kExitOk;
}

int CmdUserShow(const Config& config, const std::string& username, bool json) {
  Result<std::unique_ptr<Runtime>> rt = Open(config);
  if (!rt.ok()) return Fail(rt.status());
  Result<AccountDetails> d = (*rt)->admin->Show(username);
  if (!d.ok()) return Fail(d.status());
  if (json) {
    std::cout << DetailsJson(*d).dump(2) << "\n";
    return kExitOk;
  }
  const Account& a = d->account;
  std::cout << "username:      " << a.username << "\n"
            << "display name:  " << a.display_name << "\n"
            << "status:        " << ToString(a.status) << "\n"
            << "registered:    " << (d->registered ? "yes" : "no (cannot reset alone)") << "\n"
            << "password:      " << (a.password_hash.empty() ? "not set" : "set, changed " + OptTime(a.password_changed_at)) << "\n"
            << "failed logins: " << a.failed_logins << "\n"
            << "locked until:  " << OptTime(a.locked_until) << "\n"
            << "created:       " << Time(a.created_at) << "\n"
            << "methods:       " << (d->methods.empty() ? "none" : "") << "\n";
  for (const auto& m : d->methods) {
    std::cout << "  " << ToString(m.kind) << "  " << m.hint << "  " << ToString(m.state) << "  by "
              << ToString(m.source) << "  added " << Time(m.created_at) << "  last used "
              << OptTime(m.last_used_at) << "\n";
  }
  return kExitOk;
}

int CmdUserList(const Config& config, bool json) {
  Result<std::unique_ptr<Runtime>> rt = Open(config);
  if (!rt.ok()) return Fail(rt.status());
  nlohmann::json all = nlohmann::json::array();
  int offset = 0;
  if (!json) std::cout << "USERNAME\tSTATUS\tREGISTERED\tMETHODS\tDISPLAY NAME\n";
  for (;;) {
    Result<std::vector<AccountDetails>> page = (*rt)->admin->List(500, offset);
    if (!page.ok()) return Fail(page.status());
    for (const auto& d : *page) {
      if (json) {
        all.push_back(DetailsJson(d));
        continue;
      }
      std::string kinds;
      for (const auto& m : d.methods) kinds += (kinds.empty() ? "" : ",") + std::string(ToString(m.kind));
      std::cout << d.account.username << "\t" << ToString(d.account.status) << "\t"
                << (d.registered ? "yes" : "no") << "\t" << (kinds.empty() ? "-" : kinds) << "\t"
                << d.account.display_name << "\n";
    }
    if (page->size() < 500) break;
    offset += 500;
  }
  if (json) std::cout << all.dump(2) << "\n";
  return kExitOk;
}

int CmdPasswordCheck(const Config& config, const std::string& user, std::istream& in,
                     std::ostream& out, std::ostream& err) {
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const SecretString password(std::move(line));
  PasswordContext person;
  person.organisation = config.branding.organisation_name;
  std::vector<std::string> recent;
  std::unique_ptr<Runtime> rt;
  std::unique_ptr<PasswordPolicy> standalone;
  const PasswordPolicy* policy = nullptr;
  std::string salt;
  if (!user.empty()) {
    // The administrator asks on behalf of an account: use what is on file.
    Result<std::unique_ptr<Runtime>> opened = Open(config);
    if (!opened.ok()) return Fail(opened.status());
    rt = std::move(opened).value();
    policy = rt->policy.get();
    Result<AccountDetails> d = rt->admin->Show(user);
    if (!d.ok()) return Fail(d.status());
    std::vector<Enrollment> enrollments;
    Status st = rt->store->Read([&](Tx& tx) -> Status {
      Result<std::vector<Enrollment>> e = tx.enrollments().ListForAccount(d->account.id);
      if (!e.ok()) return e.status();
      enrollments = std::move(e).value();
      const int n = policy->rules().history;
      if (n == 0) return Status::Ok();
      Result<std::vector<std::string>> r =
          tx.password_history().Recent(d->account.id, n < 0 ? 1 << 30 : n);
      if (!r.ok()) return r.status();
      recent = std::move(r).value();
      return Status::Ok();
    });
    if (!st.ok()) return Fail(st);
    person = PersonFor(d->account, enrollments, config.branding.organisation_name);
    salt = d->account.history_salt;
  } else {
    Result<PasswordRules> rules = PasswordRulesFromConfig(config);
    if (!rules.ok()) return Fail(rules.status());
    Result<PasswordPolicy> p = PasswordPolicy::Create(*rules);
    if (!p.ok()) return Fail(p.status());
    standalone = std::make_unique<PasswordPolicy>(std::move(p).value());
    policy = standalone.get();
  }
  PolicyVerdict v = policy->Check(password, person);
  if (rt && !salt.empty() && !recent.empty()) {
    Result<std::string> digest = rt->history->Digest(password, salt);
    if (!digest.ok()) return Fail(digest.status());
    if (PasswordHistory::Reused(*digest, recent)) {
      v.violations.push_back(PasswordPolicy::HistoryViolation());
      v.accepted = false;
    }
  }
  if (v.accepted) {
    out << "accepted (strength " << v.strength << " of 4)\n";
    return kExitOk;
  }
  for (const auto& x : v.violations) out << x.rule << ": " << x.message << "\n";
  (void)err;
  return kExitRejected;
}

int CmdOutboxList(const Config& config, const OutboxListArgs& args) {
  Result<std::unique_ptr<Runtime>> rt = Open(config);
  if (!rt.ok()) return Fail(rt.status());
  std::vector<OutboxEntry> entries;
  Status st = (*rt)->store->Read([&](Tx& tx) -> Status {
    Result<std::vector<OutboxEntry>> r = tx.outbox().List(
        args.to.empty() ? std::nullopt : std::optional<std::string_view>(args.to), args.limit);
    if (!r.ok()) return r.status();
    entries = std::move(r).value();
    return Status::Ok();
  });
  if (!st.ok()) return Fail(st);
  if (args.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : entries) {
      out.push_back({{"id", e.id},
                     {"created_at", Time(e.created_at)},
                     {"channel", std::string(ToString(e.channel))},
                     {"template", e.template_id},
                     {"to", e.to},
                     {"status", std::string(ToString(e.status))},
                     {"attempts", e.attempts},
                     {"last_error", e.last_error},
                     {"subject", e.subject},
                     {"body", std::string(e.body.view())},
                     {"sent_at", OptTime(e.sent_at)}});
    }
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  if (entries.empty()) std::cout << "the outbox is empty\n";
  for (const auto& e : entries) {
    std::cout << "#" << e.id << "  " << Time(e.created_at) << "  " << ToString(e.channel) << "  "
              << ToString(e.status) << "  to " << e.to << "  (" << e.template_id << ", "
              << e.attempts << (e.attempts == 1 ? " attempt" : " attempts") << ")\n";
    if (!e.last_error.empty()) std::cout << "  last error: " << e.last_error << "\n";
    if (!e.subject.empty()) std::cout << "  Subject: " << e.subject << "\n";
    if (!e.body.empty()) {
      std::istringstream body{std::string(e.body.view())};
      for (std::string line; std::getline(body, line);) std::cout << "  | " << line << "\n";
    }
    std::cout << "\n";
  }
  return kExitOk;
}

}  // namespace latchkey
