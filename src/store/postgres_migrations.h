#pragma once
// The numbered schema migrations of the PostgreSQL backend, oldest first. Migration N is
// applied exactly once, in one transaction together with the row (N) it adds to
// schema_version, while the migrating node holds the session advisory lock
// kPostgresMigrationLock, so that nodes starting together migrate once. Published
// migrations are never edited; a schema change is a new migration.

#include <cstdint>
#include <span>

#include "store/sql_driver.h"

namespace signet::store {

std::span<const sql::Migration> PostgresMigrations();

// Advisory lock keys (pg_advisory_lock(bigint) / pg_advisory_xact_lock(int, int)) used by
// the backend. Classes keep the two-integer keys of different purposes apart.
inline constexpr std::int64_t kPostgresMigrationLock = 0x5349474e45540001;  // "SIGNET" 1
inline constexpr int kLockClassAuditChain = 0x53490001;  // (class, hashtext(node_id))
inline constexpr int kLockClassNodeId = 0x53490002;      // (class, hashtext(node_id)), session
inline constexpr int kLockClassBootstrap = 0x53490003;   // (class, 0): counting users to bootstrap
inline constexpr int kLockClassNaturalKey = 0x53490004;  // (class, hashtext(table:key))

}  // namespace signet::store
