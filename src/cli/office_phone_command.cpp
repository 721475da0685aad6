#include "cli/office_phone_command.hpp"

#include <ostream>

#include "cli/exit_code.hpp"
#include "cli/runtime.hpp"
#include "core/store.hpp"
#include "methods/office_phone/office_phone_method.hpp"
#include "text/unicode.hpp"

namespace latchkey {

Result<std::string> SetOfficePhone(Store& store, const KeyRing& keys, const Clock& clock,
                                   Random& random, std::string_view username,
                                   std::string_view number, std::string_view default_region,
                                   std::string_view actor) {
  std::string why;
  const std::optional<std::string> key = UsernameKey(username, &why);
  if (!key) return Status::InvalidArgument("invalid_username", why, "username");
  std::optional<Enrollment> fresh;
  if (!number.empty()) {
    // The enrollment's account id is filled in once the account is known.
    Result<Enrollment> e = MakeOfficePhoneEnrollment(number, default_region, 0, keys, clock, random);
    if (!e.ok()) return e.status();
    fresh = std::move(e).value();
  }
  std::string hint;
  Status st = store.Write([&](Tx& tx) -> Status {
    Result<std::optional<Account>> a = tx.accounts().FindByUsernameKey(*key);
    if (!a.ok()) return a.status();
    if (!a->has_value()) {
      return Status::NotFound("user_not_found", "There is no account \"" + std::string(username) + "\".");
    }
    const Account& account = **a;
    Result<std::vector<Enrollment>> have = tx.enrollments().ListForAccount(account.id);
    if (!have.ok()) return have.status();
    bool replaced = false;
    for (const Enrollment& e : *have) {
      if (e.kind != MethodKind::kOfficePhone) continue;
      LK_RETURN_IF_ERROR(tx.enrollments().Delete(e.id));
      replaced = true;
    }
    if (!fresh && !replaced) {
      return Status::NotFound("no_office_phone", account.username + " has no office phone.");
    }
    if (fresh) {
      fresh->account_id = account.id;
      LK_RETURN_IF_ERROR(tx.enrollments().Insert(*fresh));
      hint = fresh->hint;
    }
    AuditEvent ev;
    ev.at = clock.Now();
    ev.event = !fresh ? "method.remove" : replaced ? "method.replace" : "method.add";
    ev.outcome = "ok";
    ev.reason = "admin";
    ev.account_id = account.id;
    ev.subject = account.username;
    ev.method = "office_phone";
    ev.actor = std::string(actor);
    return tx.audit().Append(ev);
  });
  if (!st.ok()) return st;
  return hint;
}

int CmdUserSetOfficePhone(const Config& config, const OfficePhoneArgs& args, std::ostream& out,
                          std::ostream& err) {
  if (args.clear == !args.number.empty()) {
    err << "latchkey: give either a number or --clear\n";
    return kExitUsage;
  }
  Result<std::unique_ptr<Runtime>> rt = OpenRuntime(config, false);
  if (!rt.ok()) {
    err << "latchkey: " << (rt.status().detail().empty() ? rt.status().message() : rt.status().detail())
        << "\n";
    return ExitCodeFor(rt.status());
  }
  Runtime& r = **rt;
  Result<std::string> hint = SetOfficePhone(*r.store, r.keys, r.clock, r.random, args.username,
                                            args.number, config.phone.default_region, "cli");
  if (!hint.ok()) {
    const Status& st = hint.status();
    err << "latchkey: " << (st.field().empty() ? "" : std::string(st.field()) + ": ")
        << (st.detail().empty() || st.code() != Errc::kUnavailable ? st.message() : st.detail())
        << "\n";
    return ExitCodeFor(st);
  }
  if (hint->empty()) {
    out << "removed the office phone of " << args.username << "\n";
  } else {
    out << "office phone of " << args.username << " set to " << *hint << "\n";
  }
  return kExitOk;
}

}  // namespace latchkey
