// The SQL store (SOCI over SQLite or PostgreSQL).
#pragma once

#include <memory>
#include <string>

#include "core/store.hpp"

namespace latchkey {

class KeyRing;

struct StoreOptions {
  std::string url;  // sqlite://PATH or postgresql://...
  int pool_size = 8;
  int busy_timeout_ms = 5000;
};

struct SchemaInfo {
  int current = 0;  // version the database is at
  int latest = 0;   // version this binary knows
};

// Applies every missing migration, each in its own transaction. Creates the SQLite
// file (and its directory) when missing. Returns the versions before and after.
// kUnavailable when the database cannot be reached; kInvalidArgument when the
// database is newer than this binary (refuses to touch it).
Result<SchemaInfo> MigrateStore(const StoreOptions& options);

// Opens a store whose schema must be current. kUnavailable when the database is
// missing or unreachable ("run latchkey migrate" in the message when outdated).
// `keys` seals contact details and message bodies; it must outlive the store.
Result<std::unique_ptr<Store>> OpenStore(const StoreOptions& options, const KeyRing& keys);

}  // namespace latchkey
