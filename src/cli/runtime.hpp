// The composition root: builds the service's parts from the configuration and
// hands references down. No singletons: everything lives here.
#pragma once

#include <memory>
#include <optional>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/rate_limiter.hpp"
#include "core/status.hpp"
#include "core/work_pool.hpp"
#include "crypto/keys.hpp"
#include "crypto/password_hasher.hpp"
#include "crypto/sodium_random.hpp"

namespace latchkey {

class AccountAdmin;
class Directory;
class MethodRegistry;
class PasswordHistory;
class PasswordPolicy;
class Store;

struct Runtime {
  Runtime();
  ~Runtime();

  Config config;
  SystemClock clock;
  SodiumRandom random;
  KeyRing keys;
  std::unique_ptr<Store> store;
  std::unique_ptr<WorkPool> hash_pool;
  std::unique_ptr<PasswordHasher> hasher;
  std::unique_ptr<PasswordPolicy> policy;
  std::unique_ptr<PasswordHistory> history;
  std::unique_ptr<MethodRegistry> methods;
  std::unique_ptr<Directory> directory;
  std::unique_ptr<AccountAdmin> admin;
};

// The master key file in use: secrets.key_file, or secret.key next to the SQLite
// database when that is empty.
std::string KeyFilePath(const Config& config);

// The directory [directory] kind names: builtin (on `store`), ldap or ad. Connects
// lazily: an unreachable server shows at the first call (and in /readyz).
std::unique_ptr<Directory> MakeConfiguredDirectory(const Config& config, Store& store,
                                                   const PasswordHasher& hasher, const Clock& clock);

// Opens the store (migrating it first when `migrate`) and builds every part.
// kUnavailable when the database or the key file cannot be used.
Result<std::unique_ptr<Runtime>> OpenRuntime(const Config& config, bool migrate);

}  // namespace latchkey
