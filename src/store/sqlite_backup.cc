#include "store/sqlite_backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "store/sqlite_store.h"

namespace signet::store {
namespace {

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Db = std::unique_ptr<sqlite3, CloseDb>;

Result<Db> Open(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) {
    return Unavailable("cannot open " + path + ": " +
                       (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_busy_timeout(db.get(), 10000);
  return db;
}

// The first column of the first row of `sql`, as text ("" when there is no row).
Result<std::string> QueryText(sqlite3* db, const std::string& path, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) {
    return InvalidArgument(path + " is not a Signet database (" + sqlite3_errmsg(db) + ")");
  }
  std::string out;
  const int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  const std::string error = sqlite3_errmsg(db);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return InvalidArgument(path + " cannot be read (" + error + ")");
  return out;
}

Status SyncFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Internal("cannot open " + path + " to sync it");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Internal("cannot sync " + path);
  return {};
}

}  // namespace

Result<SqliteFileInfo> CheckSqliteFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return NotFound(path + " does not exist");
  if (!S_ISREG(st.st_mode)) return InvalidArgument(path + " is not a regular file");
  SIGNET_ASSIGN_OR_RETURN(Db db, Open(path, SQLITE_OPEN_READONLY));
  SqliteFileInfo info;
  info.bytes = st.st_size;
  SIGNET_ASSIGN_OR_RETURN(std::string integrity,
                          QueryText(db.get(), path, "PRAGMA integrity_check"));
  if (integrity != "ok")
    return InvalidArgument(path + " is damaged: integrity_check says " + integrity);
  SIGNET_ASSIGN_OR_RETURN(
      std::string version,
      QueryText(db.get(), path, "SELECT COALESCE(MAX(version), 0) FROM schema_version"));
  info.schema_version = std::atoi(version.c_str());
  if (info.schema_version <= 0)
    return InvalidArgument(path + " is not a Signet database (no schema version)");
  if (info.schema_version > SqliteSchemaVersion()) {
    return FailedPrecondition(path + " has schema version " + version +
                              ", newer than this signetd (" +
                              std::to_string(SqliteSchemaVersion()) + "); use a newer signetd");
  }
  SIGNET_ASSIGN_OR_RETURN(std::string events,
                          QueryText(db.get(), path, "SELECT COUNT(*) FROM audit_events"));
  info.audit_events = std::atoll(events.c_str());
  return info;
}

Result<SqliteFileInfo> BackupSqlite(const std::string& source, const std::string& dest) {
  struct stat st {};
  if (::stat(source.c_str(), &st) != 0) return NotFound("database " + source + " does not exist");
  if (::lstat(dest.c_str(), &st) == 0)
    return AlreadyExists(dest + " already exists; choose a new file");
  const std::string tmp = dest + ".tmp";
  ::unlink(tmp.c_str());
  {
    // Created 0600 before SQLite writes to it: a backup holds every (encrypted) key.
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return Unavailable("cannot create " + tmp);
    ::close(fd);
  }
  auto fail = [&tmp](const Error& e) -> Result<SqliteFileInfo> {
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) ::unlink((tmp + suffix).c_str());
    return tl::unexpected(e);
  };
  auto src = Open(source, SQLITE_OPEN_READONLY);
  if (!src) return fail(src.error());
  auto dst = Open(tmp, SQLITE_OPEN_READWRITE);
  if (!dst) return fail(dst.error());
  sqlite3_backup* backup = sqlite3_backup_init(dst->get(), "main", src->get(), "main");
  if (backup == nullptr)
    return fail(
        Unavailable("cannot start the backup: " + std::string(sqlite3_errmsg(dst->get()))).value());
  // One step copies every page in one read transaction: a consistent snapshot; the server's
  // writer goes on meanwhile (WAL).
  int rc = sqlite3_backup_step(backup, -1);
  for (int tries = 0; (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && tries < 100; ++tries) {
    sqlite3_sleep(100);
    rc = sqlite3_backup_step(backup, -1);
  }
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) {
    return fail(Unavailable("backup of " + source + " failed: " + sqlite3_errstr(rc)).value());
  }
  // A backup is one self-contained file: no WAL beside it.
  sqlite3_exec(dst->get(), "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr);
  dst->reset();
  src->reset();
  if (auto synced = SyncFile(tmp); !synced) return fail(synced.error());
  auto info = CheckSqliteFile(tmp);
  if (!info) return fail(info.error());
  if (::rename(tmp.c_str(), dest.c_str()) != 0)
    return fail(Internal("cannot rename " + tmp + " to " + dest).value());
  ::unlink((tmp + "-journal").c_str());
  return info;
}

}  // namespace signet::store
