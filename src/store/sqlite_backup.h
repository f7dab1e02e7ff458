#pragma once
// Online backups of a SQLite database (signetd backup / restore): SQLite's backup API copies
// a consistent snapshot page by page while the server keeps serving (WAL mode: readers and
// the writer go on), and the copy is checked before it is used.

#include <cstdint>
#include <string>

#include "common/result.h"

namespace signet::store {

struct SqliteFileInfo {
  int schema_version = 0;  // the highest applied migration
  std::int64_t bytes = 0;  // the file's size
  std::int64_t audit_events = 0;
};

// Copies the database at `source` to `dest` in one read transaction (a consistent snapshot),
// through `dest`.tmp (mode 0600, fsync'ed, then renamed). `dest` must not exist
// (kAlreadyExists). The copy is checked with CheckSqliteFile. kNotFound when `source` does
// not exist; kUnavailable when it cannot be read.
[[nodiscard]] Result<SqliteFileInfo> BackupSqlite(const std::string& source,
                                                  const std::string& dest);

// Opens `path` read-only and checks that it is a Signet database: PRAGMA integrity_check is
// "ok", it has a schema_version no newer than this binary's (kFailedPrecondition otherwise)
// and an audit_events table. kInvalidArgument when it is not a SQLite database or not Signet's.
[[nodiscard]] Result<SqliteFileInfo> CheckSqliteFile(const std::string& path);

}  // namespace signet::store
