// `latchkey user set-office-phone NAME E164` (and `--clear`): the administrator
// sets, replaces or removes an account's office phone, the number a gate calls to
// read a code out. People cannot change it themselves. Free of CLI11.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "core/status.hpp"

namespace latchkey {

class Clock;
class KeyRing;
class Random;
class Store;

struct OfficePhoneArgs {
  std::string username;
  std::string number;  // E.164, or national with [phone] default_region
  bool clear = false;  // remove it instead
};

// Replaces the account's office phone with `number` (one office phone per account),
// or removes it when `number` is empty, in one transaction with an audit event
// ("method.add", "method.replace" or "method.remove", actor `actor`). Returns the
// masked number stored ("" after a removal). kNotFound for an unknown account;
// kInvalidArgument (field "phone") for an unusable number.
Result<std::string> SetOfficePhone(Store& store, const KeyRing& keys, const Clock& clock,
                                   Random& random, std::string_view username,
                                   std::string_view number, std::string_view default_region,
                                   std::string_view actor);

// The command: prints one line on success, `latchkey: ...` on failure; returns the
// exit code (0, 1 rejected, 3 database unavailable).
int CmdUserSetOfficePhone(const Config& config, const OfficePhoneArgs& args, std::ostream& out,
                          std::ostream& err);

}  // namespace latchkey
