// Shared helpers for unit tests: temporary directories and a real SQLite store.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "core/store.hpp"
#include "crypto/keys.hpp"

namespace latchkey::testing_support {

// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A key ring with a fixed master key.
const KeyRing& TestKeys();

// A migrated SQLite store in `dir` (file latchkey.db). Aborts the test on failure.
std::unique_ptr<Store> MakeSqliteStore(const TempDir& dir);

// The SQLite URL of the store MakeSqliteStore creates in `dir`.
std::string SqliteUrl(const TempDir& dir);

}  // namespace latchkey::testing_support
