#pragma once
// The numbered schema migrations of the SQLite backend, oldest first. Migration N is applied
// exactly once, in one transaction together with the row (N) it adds to schema_version.
// Published migrations are never edited; a schema change is a new migration.

#include <span>

#include "store/sql_driver.h"

namespace signet::store {

std::span<const sql::Migration> SqliteMigrations();

}  // namespace signet::store
