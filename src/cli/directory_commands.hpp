// The helpdesk's directory commands and a diagnostic, each a thin layer over the
// Directory interface (the work is there):
//   latchkey user reset-password NAME     password on stdin; Latchkey's policy first
//   latchkey user unlock NAME             clears the directory's lockout
//   latchkey diag directory NAME [--verify | --change]
//       looks the username up exactly as a flow would (the filter escaped), prints
//       the entry's DN and state; --verify reads a password on stdin and checks it
//       as a sign-in would; --change reads the old and the new password (two lines)
//       and changes it as the user. For operators checking a configuration.
// Exit codes: 0 ok, 1 rejected or unknown user, 3 directory or store unavailable.
#pragma once

#include <iosfwd>
#include <string>

#include "config/config.hpp"

namespace latchkey {

int CmdUserResetPassword(const Config& config, const std::string& username, std::istream& in,
                         std::ostream& out, std::ostream& err);
int CmdUserUnlock(const Config& config, const std::string& username, std::ostream& out,
                  std::ostream& err);

struct DiagDirectoryArgs {
  std::string username;
  bool verify = false;
  bool change = false;
};
int CmdDiagDirectory(const Config& config, const DiagDirectoryArgs& args, std::istream& in,
                     std::ostream& out, std::ostream& err);

}  // namespace latchkey
