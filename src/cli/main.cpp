// The `latchkey` command line (CLI11 lives in this file only: it is heavy).
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "cli/breach_command.hpp"
#include "cli/commands.hpp"
#include "cli/diag_command.hpp"
#include "cli/directory_commands.hpp"
#include "cli/exit_code.hpp"
#include "cli/office_phone_command.hpp"
#include "cli/sync_command.hpp"
#include "crypto/sodium_random.hpp"
#include "delivery/sender.hpp"

using namespace latchkey;

namespace {

std::string ConfigPath(const std::string& flag, const std::map<std::string, std::string>& env) {
  if (!flag.empty()) return flag;
  if (auto it = env.find("LATCHKEY_CONFIG"); it != env.end() && !it->second.empty()) return it->second;
  std::error_code ec;
  if (std::filesystem::exists("latchkey.toml", ec)) return "latchkey.toml";
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  if (!InitCrypto()) {
    std::cerr << "latchkey: libsodium could not initialise\n";
    return kExitUnavailable;
  }
  InitHttpClientLibrary();

  CLI::App app{"Latchkey: self-service password reset and security-info registration"};
  app.require_subcommand(1);
  std::string config_flag;
  app.add_option("--config", config_flag, "configuration file (default: ./latchkey.toml if present)")
      ->check(CLI::ExistingFile);

  ServeArgs serve_args;
  auto* serve = app.add_subcommand("serve", "run the HTTP service (API and portal)");
  serve->add_flag("--dev", serve_args.dev, "development mode: demo account, dev outbox");

  auto* migrate = app.add_subcommand("migrate", "apply schema migrations");

  auto* config_cmd = app.add_subcommand("config", "configuration");
  config_cmd->require_subcommand(1);
  auto* config_check = config_cmd->add_subcommand("check", "validate the configuration");
  auto* config_defaults = config_cmd->add_subcommand("defaults", "print every key with its default");

  auto* user = app.add_subcommand("user", "accounts");
  user->require_subcommand(1);
  UserAddArgs add_args;
  auto* user_add = user->add_subcommand("add", "create an account");
  user_add->add_option("NAME", add_args.username, "username")->required();
  user_add->add_option("--email", add_args.email, "alternate email address (usable for reset at once)");
  user_add->add_option("--phone", add_args.phone, "mobile number, E.164 (+447700900123)");
  user_add->add_option("--display-name", add_args.display_name, "the person's name");
  user_add->add_flag("--password-stdin", add_args.password_stdin, "read the initial password from stdin");
  user_add->add_flag("--activation", add_args.activation,
                     "create it waiting for activation and print a one-time activation code");
  user_add->add_flag("--send", add_args.send, "with --activation: email the code to --email instead");
  std::string activation_user;
  bool activation_send = false;
  auto* user_activation = user->add_subcommand(
      "activation", "issue a new activation code for an account waiting for activation");
  user_activation->add_option("NAME", activation_user, "username")->required();
  user_activation->add_flag("--send", activation_send, "email it to the account's alternate address");

  UserImportArgs import_args;
  auto* user_import = user->add_subcommand("import", "create or update accounts from a CSV file");
  user_import->add_option("FILE", import_args.file, "CSV with a header: username,display_name,email,phone")
      ->required();
  user_import->add_flag("--dry-run", import_args.dry_run, "validate every row, write nothing");

  std::string show_name;
  bool show_json = false;
  auto* user_show = user->add_subcommand("show", "one account: status, methods (masked), lock state");
  user_show->add_option("NAME", show_name, "username")->required();
  user_show->add_flag("--json", show_json, "print JSON");

  bool list_json = false;
  auto* user_list = user->add_subcommand("list", "every account");
  user_list->add_flag("--json", list_json, "print JSON");

  OfficePhoneArgs office_args;
  auto* user_office = user->add_subcommand(
      "set-office-phone", "set the office phone a reset can call (administrator-managed)");
  user_office->add_option("NAME", office_args.username, "username")->required();
  user_office->add_option("E164", office_args.number, "the number (+442079460000)");
  user_office->add_flag("--clear", office_args.clear, "remove the office phone instead");
  // Directory commands: sync, reset on the user's behalf, unlock.
  bool sync_dry_run = false;
  auto* user_sync = user->add_subcommand(
      "sync", "import or update accounts from the LDAP/AD directory (paged search)");
  user_sync->add_flag("--dry-run", sync_dry_run, "print the summary only, write nothing");
  std::string helpdesk_user;
  auto* user_reset = user->add_subcommand(
      "reset-password",
      "set a password on the user's behalf (read on stdin), as the helpdesk; with "
      "[directory] must_change_after_helpdesk_reset the user must change it at next sign-in");
  user_reset->add_option("NAME", helpdesk_user, "username")->required();
  std::string unlock_user;
  auto* user_unlock = user->add_subcommand("unlock", "clear the directory's lockout of an account");
  user_unlock->add_option("NAME", unlock_user, "username")->required();

  auto* password_cmd = app.add_subcommand("password", "the password policy");
  password_cmd->require_subcommand(1);
  std::string check_user;
  auto* password_check = password_cmd->add_subcommand(
      "check", "read one password on stdin; exit 0 accepted, 1 rejected, one line per broken rule");
  password_check->add_option("--user", check_user, "check as this account (its names, addresses, history)");

  auto* outbox = app.add_subcommand("outbox", "queued and sent messages");
  outbox->require_subcommand(1);
  OutboxListArgs outbox_args;
  auto* outbox_list = outbox->add_subcommand("list", "messages, newest first");
  outbox_list->add_option("--to", outbox_args.to, "only messages to this address or number");
  outbox_list->add_option("--limit", outbox_args.limit, "at most this many")->check(CLI::Range(1, 10000));
  outbox_list->add_flag("--json", outbox_args.json, "print JSON");

  auto* breach = app.add_subcommand("breach", "the breached-password filter");
  breach->require_subcommand(1);
  std::string breach_file, breach_output;
  auto* breach_import = breach->add_subcommand(
      "import", "build the filter from a Pwned Passwords file (SHA1:COUNT lines, or gzip of them)");
  breach_import->add_option("FILE", breach_file, "Pwned Passwords SHA-1 file, plain or gzip")->required();
  breach_import->add_option("--output", breach_output, "filter file (default ./var/breach.filter)");

  auto* diag = app.add_subcommand("diag", "diagnostics");
  diag->require_subcommand(1);
  DiagRegisterArgs reg_args;
  auto* diag_register = diag->add_subcommand(
      "webauthn-register", "verify a registration response read on stdin, as the service would");
  diag_register->add_option("--rp-id", reg_args.rp_id, "relying party id")->required();
  diag_register->add_option("--origin", reg_args.origin, "expected origin")->required();
  diag_register->add_option("--challenge", reg_args.challenge_b64url, "challenge, base64url")->required();
  DiagAssertArgs assert_args;
  auto* diag_assert = diag->add_subcommand(
      "webauthn-assert", "verify an authentication response read on stdin, as the service would");
  diag_assert->add_option("--rp-id", assert_args.rp_id, "relying party id")->required();
  diag_assert->add_option("--origin", assert_args.origin, "expected origin")->required();
  diag_assert->add_option("--challenge", assert_args.challenge_b64url, "challenge, base64url")->required();
  diag_assert->add_option("--public-key", assert_args.public_key_b64url, "COSE public key, base64url")
      ->required();
  diag_assert->add_option("--sign-count", assert_args.sign_count, "stored signature counter")
      ->default_val(0);
  diag_assert->add_flag("--require-uv", assert_args.require_uv, "require user verification");
  // Directory diagnostics.
  DiagDirectoryArgs dir_args;
  auto* diag_directory = diag->add_subcommand(
      "directory", "look a username up in the configured directory and print its state");
  diag_directory->add_option("NAME", dir_args.username, "username, as a user would type it")->required();
  auto* dir_verify = diag_directory->add_flag(
      "--verify", dir_args.verify, "read a password on stdin and check it as a sign-in would");
  diag_directory
      ->add_flag("--change", dir_args.change,
                 "read the old and the new password (two lines) and change it as the user")
      ->excludes(dir_verify);
  // ---- end of directory diagnostics ----

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    (void)app.exit(e);
    return kExitUsage;
  }

  // These need no configuration.
  if (*breach_import) return CmdBreachImport(breach_file, breach_output, std::cout, std::cerr);
  if (*diag_register) return CmdDiagWebauthnRegister(reg_args, std::cin, std::cout, std::cerr);
  if (*diag_assert) return CmdDiagWebauthnAssert(assert_args, std::cin, std::cout, std::cerr);

  const auto env = LatchkeyEnvironment();
  const ConfigLoad load = LoadConfig(ConfigPath(config_flag, env), env);
  if (*config_check) return CmdConfigCheck(load, std::cout);
  if (*config_defaults) return CmdConfigDefaults(std::cout);
  if (!load.ok()) {
    (void)CmdConfigCheck(load, std::cerr);
    return kExitRejected;
  }
  const Config& config = load.config;

  if (*serve) return CmdServe(config, serve_args);
  if (*migrate) return CmdMigrate(config);
  if (*user_add) return CmdUserAdd(config, add_args);
  if (*user_activation) return CmdUserActivation(config, activation_user, activation_send);
  if (*user_import) return CmdUserImport(config, import_args);
  if (*user_show) return CmdUserShow(config, show_name, show_json);
  if (*user_list) return CmdUserList(config, list_json);
  if (*user_office) return CmdUserSetOfficePhone(config, office_args, std::cout, std::cerr);
  if (*outbox_list) return CmdOutboxList(config, outbox_args);
  if (*user_sync) return CmdUserSync(config, sync_dry_run, std::cout, std::cerr);  // directory commands
  if (*user_reset) return CmdUserResetPassword(config, helpdesk_user, std::cin, std::cout, std::cerr);
  if (*user_unlock) return CmdUserUnlock(config, unlock_user, std::cout, std::cerr);
  if (*diag_directory) return CmdDiagDirectory(config, dir_args, std::cin, std::cout, std::cerr);
  if (*password_check) return CmdPasswordCheck(config, check_user, std::cin, std::cout, std::cerr);
  std::cerr << app.help();
  return kExitUsage;
}
