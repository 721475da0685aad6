// The schema migrations, embedded in the binary at build time from
// src/store/migrations/*.sql (see cmake/embed_migrations.cmake).
#pragma once

#include <string_view>
#include <vector>

namespace latchkey {

struct Migration {
  int version;
  const char* name;
  const char* sqlite;      // statements separated by lines holding only "---"
  const char* postgresql;
};

// In ascending version order, without gaps.
const std::vector<Migration>& Migrations();

// Splits a migration's text into statements (on "---" lines) and substitutes the
// dialect's placeholders ({{id}}).
std::vector<std::string> MigrationStatements(std::string_view text, bool postgresql);

}  // namespace latchkey
