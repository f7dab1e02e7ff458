#pragma once
// The SQLite backend of store::Store: one database file in WAL mode, shared by one writer
// connection (write transactions wait for it, then BEGIN IMMEDIATE) and a small
// pool of reader connections (read transactions run concurrently with the writer and with
// each other, each on a stable snapshot). Statements are prepared once per connection and
// cached. Foreign keys are enforced.
//
// Durability: with the default SqliteSync::kFull, a Commit() that returned success has been
// fsync'ed to the WAL and survives a process crash or power loss. kNormal may lose the last
// transactions on power loss (never on a process crash) but never corrupts the database.
//
// Several processes may open the same file (SQLite file locking serializes their writers;
// a writer that cannot get the lock within busy_timeout fails with kUnavailable), but the
// intended deployment is one signetd per SQLite file.

#include <chrono>
#include <memory>
#include <string>

#include "common/result.h"
#include "store/store.h"

namespace signet::store {

enum class SqliteSync {
  kNormal,  // PRAGMA synchronous=NORMAL
  kFull,    // PRAGMA synchronous=FULL: every commit is fsync'ed before Commit() returns
  kExtra,   // PRAGMA synchronous=EXTRA
};

struct SqliteOptions {
  SqliteSync synchronous = SqliteSync::kFull;
  // How long a connection waits for a lock held by another process before kUnavailable.
  std::chrono::milliseconds busy_timeout{5000};
  // Reader connections opened at most; BeginRead() waits while all are in use.
  int max_readers = 4;
};

// The newest schema version this binary knows (the number of its last migration).
int SqliteSchemaVersion();

// Opens (creating if needed) the database file at `path` (a file path, not ":memory:") and
// applies the missing migrations in one transaction. Errors: kFailedPrecondition when the
// database has a newer schema than SqliteSchemaVersion() (an older binary must not touch
// it); kUnavailable when the file cannot be opened or locked; kInternal otherwise.
// The returned Store is thread-safe; every Tx it hands out must be destroyed before it.
[[nodiscard]] Result<std::unique_ptr<Store>> OpenSqlite(const std::string& path,
                                                        const SqliteOptions& options = {});

}  // namespace signet::store
