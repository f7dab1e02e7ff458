#pragma once
// The numbered schema migrations of the SQLite backend, oldest first. Migration N is applied
// exactly once, in one transaction together with the row (N) it adds to schema_version.
// Published migrations are never edited; a schema change is a new migration.

#include <span>
#include <string_view>

namespace signet::store {

struct SqliteMigration {
  int version;           // 1, 2, 3, ... without gaps
  std::string_view sql;  // one or more statements for sqlite3_exec
};

std::span<const SqliteMigration> SqliteMigrations();

}  // namespace signet::store
