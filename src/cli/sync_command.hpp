// `latchkey user sync [--dry-run]`: imports and updates accounts from the
// configured LDAP or AD directory.
//
// For every user the sync filter selects (paged search): the account is created
// or its display name updated; a user disabled in the directory is disabled here
// (and enabled again when the directory enables it); mail and mobile become
// *candidate* contact methods: pending, source "directory", never usable as a
// reset gate until the user registers them (which proves them with a code).
// Accounts that the directory no longer lists are disabled. Audited as actor
// "cli:sync".
#pragma once

#include <iosfwd>
#include <string>

#include "config/config.hpp"
#include "core/status.hpp"

namespace latchkey {

class Clock;
class Directory;
class KeyRing;
class Random;
class Store;

struct SyncSummary {
  int created = 0;
  int updated = 0;    // display name, status back to active, candidate contact data
  int disabled = 0;   // disabled in the directory, or no longer in it
  int unchanged = 0;
  int skipped = 0;    // usernames Latchkey cannot take (reported on `err`)
};

struct SyncDeps {
  Directory& directory;
  Store& store;
  const KeyRing& keys;
  const Clock& clock;
  Random& random;
  std::string default_region;  // for mobile numbers without a country code
};

// The work of the command. With `dry_run` nothing is written; the summary says what
// would change. kUnavailable when the directory or the store does not answer (the
// listing is read completely before anything is written, so a failure part-way
// changes nothing).
Result<SyncSummary> SyncAccounts(const SyncDeps& deps, bool dry_run, std::ostream& err);

// Exit 0 done, 1 rejected (builtin directory, a bad configuration), 3 unavailable.
int CmdUserSync(const Config& config, bool dry_run, std::ostream& out, std::ostream& err);

}  // namespace latchkey
