#include "cli/runtime.hpp"

#include <filesystem>

#include "directory/ad_directory.hpp"
#include "directory/builtin_directory.hpp"
#include "directory/ldap_directory.hpp"
#include "flows/account_admin.hpp"
#include "methods/registry.hpp"
#include "policy/password_history.hpp"
#include "policy/password_policy.hpp"
#include "policy/rules_from_config.hpp"
#include "store/sql_store.hpp"

namespace latchkey {

Runtime::Runtime() = default;
Runtime::~Runtime() = default;

std::string KeyFilePath(const Config& config) {
  if (!config.secrets.key_file.empty()) return config.secrets.key_file;
  const std::string db = SqlitePath(config.store.url);
  if (db.empty()) return {};
  const auto parent = std::filesystem::path(db).parent_path();
  return (parent.empty() ? std::filesystem::path("secret.key") : parent / "secret.key").string();
}

std::unique_ptr<Directory> MakeConfiguredDirectory(const Config& config, Store& store,
                                                   const PasswordHasher& hasher, const Clock& clock) {
  const Config::DirectoryCfg& d = config.directory;
  if (d.kind != "ldap" && d.kind != "ad") return MakeBuiltinDirectory(store, hasher, clock);
  LdapDirectoryOptions o;
  o.connect.url = d.url;
  o.connect.start_tls = d.start_tls;
  o.connect.ca_file = d.ca_file;
  o.connect.connect_timeout = Millis(d.connect_timeout_ms);
  o.connect.operation_timeout = Millis(d.operation_timeout_ms);
  o.connect.bind_dn = d.bind_dn;
  o.connect.bind_password = d.bind_password;
  o.connect.pool_size = d.pool_size;
  o.base_dn = d.base_dn;
  o.user_filter = d.user_filter;
  o.sync_filter = d.sync_filter;
  o.username_attribute = d.username_attribute;
  o.display_name_attribute = d.display_name_attribute;
  o.mail_attribute = d.mail_attribute;
  o.mobile_attribute = d.mobile_attribute;
  o.page_size = d.page_size;
  o.must_change_after_helpdesk_reset = d.must_change_after_helpdesk_reset;
  o.policy_hints = d.policy_hints;
  return d.kind == "ad" ? MakeAdDirectory(std::move(o), clock) : MakeLdapDirectory(std::move(o), clock);
}

Result<std::unique_ptr<Runtime>> OpenRuntime(const Config& config, bool migrate) {
  auto rt = std::make_unique<Runtime>();
  rt->config = config;
  const StoreOptions so{config.store.url, config.store.pool_size, config.store.busy_timeout_ms};
  if (migrate) {
    Result<SchemaInfo> m = MigrateStore(so);
    if (!m.ok()) return m.status();
  }
  const std::string db = SqlitePath(config.store.url);
  if (!migrate && !db.empty() && !std::filesystem::exists(db)) {
    return Status::Unavailable("database " + db + " does not exist; run `latchkey migrate` first");
  }
  // The default key beside the SQLite file is created on first use; a configured
  // key file must exist (a typo must not silently start a new key).
  const bool default_key = config.secrets.key_file.empty();
  Result<KeyRing> keys =
      KeyRing::Load(KeyFilePath(config), config.secrets.previous_key_files, default_key && migrate);
  if (!keys.ok()) return keys.status();
  rt->keys = std::move(keys).value();
  Result<std::unique_ptr<Store>> store = OpenStore(so, rt->keys);
  if (!store.ok()) return store.status();
  rt->store = std::move(store).value();
  rt->hash_pool = std::make_unique<WorkPool>(static_cast<std::size_t>(config.password.hash_threads),
                                             static_cast<std::size_t>(config.password.hash_queue));
  rt->hasher = std::make_unique<PasswordHasher>(
      Argon2Params{static_cast<std::uint64_t>(config.password.hash_memory_kib),
                   static_cast<std::uint64_t>(config.password.hash_iterations)},
      *rt->hash_pool);
  Result<PasswordRules> rules = PasswordRulesFromConfig(config);
  if (!rules.ok()) return rules.status();
  Result<PasswordPolicy> policy = PasswordPolicy::Create(*rules);
  if (!policy.ok()) return policy.status();
  rt->policy = std::make_unique<PasswordPolicy>(std::move(policy).value());
  rt->history = std::make_unique<PasswordHistory>(*rt->hasher, rt->keys);
  rt->methods = MakeDefaultRegistry(config, *rt->hasher);
  rt->directory = MakeConfiguredDirectory(config, *rt->store, *rt->hasher, rt->clock);
  rt->admin = std::make_unique<AccountAdmin>(*rt->store, *rt->hasher, *rt->policy, *rt->history,
                                             *rt->methods, rt->keys, rt->clock, rt->random,
                                             config.phone.default_region,
                                             config.branding.organisation_name);
  return rt;
}

}  // namespace latchkey
