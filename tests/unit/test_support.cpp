#include "test_support.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "crypto/sodium_random.hpp"
#include "store/sql_store.hpp"

namespace latchkey::testing_support {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "latchkey-test-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) std::abort();
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

const KeyRing& TestKeys() {
  static const KeyRing keys = [] {
    (void)InitCrypto();
    Key32 master{};
    for (std::size_t i = 0; i < master.size(); ++i) master[i] = static_cast<std::uint8_t>(i * 7 + 1);
    return KeyRing::FromMaster(master);
  }();
  return keys;
}

std::string SqliteUrl(const TempDir& dir) { return "sqlite://" + dir.File("latchkey.db"); }

std::unique_ptr<Store> MakeSqliteStore(const TempDir& dir) {
  const StoreOptions o{SqliteUrl(dir), 4, 2000};
  Result<SchemaInfo> m = MigrateStore(o);
  if (!m.ok()) {
    ADD_FAILURE() << m.status().ToString();
    std::abort();
  }
  Result<std::unique_ptr<Store>> s = OpenStore(o, TestKeys());
  if (!s.ok()) {
    ADD_FAILURE() << s.status().ToString();
    std::abort();
  }
  return std::move(s).value();
}

}  // namespace latchkey::testing_support
