// Internal to src/store: SOCI types shared by the store's translation units.
// Never include this outside src/store (SOCI is a heavy header).
#pragma once

#include <soci/soci.h>

#include <optional>
#include <string>

#include "core/status.hpp"

namespace latchkey::sql {

enum class Dialect { kSqlite, kPostgresql };

// Turns a SOCI exception into a Status: constraint violations are kConflict, lock
// and connection failures kUnavailable, anything else kInternal.
Status FromException(const std::exception& e, Dialect dialect);

// Nullable BIGINT helpers.
struct NullableInt {
  long long value = 0;
  soci::indicator ind = soci::i_null;
  static NullableInt Of(const std::optional<long long>& v) {
    NullableInt n;
    if (v) {
      n.value = *v;
      n.ind = soci::i_ok;
    }
    return n;
  }
  std::optional<long long> get() const {
    if (ind == soci::i_ok) return value;
    return std::nullopt;
  }
};

}  // namespace latchkey::sql
