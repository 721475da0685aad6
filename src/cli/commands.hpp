// The CLI's subcommands. Each returns the process exit code (cli/exit_code.hpp).
// main.cpp only parses arguments; the work is here, free of CLI11.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "config/config.hpp"

namespace latchkey {

struct ServeArgs {
  bool dev = false;
};
int CmdServe(const Config& config, const ServeArgs& args);

int CmdMigrate(const Config& config);

// Prints every problem with its key; exit 1 when there is an error.
int CmdConfigCheck(const ConfigLoad& load, std::ostream& out);
int CmdConfigDefaults(std::ostream& out);

struct UserAddArgs {
  std::string username;
  std::string email;
  std::string phone;
  std::string display_name;
  bool password_stdin = false;
  bool activation = false;  // pending_activation, with a one-time activation code
  bool send = false;        // email the activation code to --email instead of printing it
};
int CmdUserAdd(const Config& config, const UserAddArgs& args);

// A new activation code for an account waiting for activation (the old one stops
// working): printed, or with `send` emailed to the account's alternate address.
int CmdUserActivation(const Config& config, const std::string& username, bool send);

struct UserImportArgs {
  std::string file;
  bool dry_run = false;
};
int CmdUserImport(const Config& config, const UserImportArgs& args);

int CmdUserShow(const Config& config, const std::string& username, bool json);
int CmdUserList(const Config& config, bool json);

// Reads one password from `in`; exit 0 accepted, 1 rejected (one line per broken
// rule). With `user`, that account's name, addresses and password history count.
int CmdPasswordCheck(const Config& config, const std::string& user, std::istream& in,
                     std::ostream& out, std::ostream& err);

struct OutboxListArgs {
  std::string to;
  int limit = 50;
  bool json = false;
};
int CmdOutboxList(const Config& config, const OutboxListArgs& args);

}  // namespace latchkey
