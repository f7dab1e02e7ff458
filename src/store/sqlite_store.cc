#include "store/sqlite_store.h"

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "store/sql_driver.h"
#include "store/sql_store.h"
#include "store/sqlite_migrations.h"

namespace signet::store {
namespace {

// ---- Errors -------------------------------------------------------------------------------

// Maps a failed SQLite call to the store's error contract (store.h). Unique violations keep
// SQLite's message ("UNIQUE constraint failed: signers.project_id, signers.name"), which
// names the key's columns (see ViolatesUnique).
Error SqliteError(sqlite3* db, int rc, std::string_view context) {
  const int ext = db != nullptr ? sqlite3_extended_errcode(db) : rc;
  std::string msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return Error{ErrorCode::kAlreadyExists, msg};
      }
      if (ext == SQLITE_CONSTRAINT_FOREIGNKEY) {
        return Error{ErrorCode::kFailedPrecondition,
                     std::string(context) +
                         ": a referenced row does not exist, or the row "
                         "is still referenced"};
      }
      return Error{ErrorCode::kInternal, std::string(context) + ": " + msg};
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
    case SQLITE_NOLFS:
      return Error{ErrorCode::kUnavailable,
                   "database unavailable (" + std::string(context) + "): " + msg};
    case SQLITE_READONLY:
      return Error{ErrorCode::kFailedPrecondition,
                   std::string(context) + ": write attempted in a read transaction (" + msg + ")"};
    default:
      return Error{ErrorCode::kInternal, "database error (" + std::string(context) + "): " + msg};
  }
}

bool ViolatesUnique(const Error& e, std::string_view table, const sql::UniqueKey& key) {
  std::string columns;
  for (std::string_view c : key.columns) {
    columns += columns.empty() ? ": " : ", ";
    columns += std::string(table) + "." + std::string(c);
  }
  return e.message.ends_with(columns);
}

constexpr sql::Dialect kDialect{'?', "rowid", "", "LIKE", "json_each(@)", ViolatesUnique};

using DbHandle = std::unique_ptr<sqlite3, decltype([](sqlite3* db) { sqlite3_close_v2(db); })>;
using StmtHandle =
    std::unique_ptr<sqlite3_stmt, decltype([](sqlite3_stmt* s) { sqlite3_finalize(s); })>;

// A prepared sqlite3_stmt; binds straight into it and reads its columns in place.
class SqliteStatement final : public sql::Statement {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}

  void BindNull(sql::Type) override { Check(sqlite3_bind_null(stmt(), ++next_)); }
  void BindInt(std::int64_t v) override { Check(sqlite3_bind_int64(stmt(), ++next_, v)); }
  void BindBool(bool v) override { BindInt(v ? 1 : 0); }
  void BindText(std::string_view v) override {
    Check(sqlite3_bind_text64(stmt(), ++next_, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  void BindBlob(const Bytes& v) override {
    // An empty vector may have no buffer; SQLite binds a null pointer as NULL, not as an
    // empty blob.
    if (v.empty()) {
      Check(sqlite3_bind_zeroblob(stmt(), ++next_, 0));
      return;
    }
    Check(sqlite3_bind_blob64(stmt(), ++next_, v.data(), v.size(), SQLITE_TRANSIENT));
  }

  Result<bool> Next(std::string_view context) override {
    if (bind_rc_ != SQLITE_OK) return tl::unexpected(SqliteError(db_, bind_rc_, context));
    const int rc = sqlite3_step(stmt());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return tl::unexpected(SqliteError(db_, rc, context));
  }
  // A statement that fails on a constraint is undone by SQLite without ending the
  // transaction: nothing to guard.
  Result<std::int64_t> Exec(std::string_view context, bool /*guarded*/) override {
    SIGNET_ASSIGN_OR_RETURN(bool row, Next(context));
    if (row) return Internal(std::string(context) + ": statement returned a row");
    return static_cast<std::int64_t>(sqlite3_changes64(db_));
  }
  void Reset() override {
    sqlite3_reset(stmt());
    sqlite3_clear_bindings(stmt());
    next_ = 0;
    bind_rc_ = SQLITE_OK;
  }

  bool IsNull(int c) const override { return sqlite3_column_type(stmt(), c) == SQLITE_NULL; }
  std::int64_t Int(int c) const override { return sqlite3_column_int64(stmt(), c); }
  std::string Text(int c) const override {
    const auto* p = sqlite3_column_text(stmt(), c);
    const int n = sqlite3_column_bytes(stmt(), c);
    return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p), n);
  }
  Bytes Blob(int c) const override {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt(), c));
    const int n = sqlite3_column_bytes(stmt(), c);
    return p == nullptr ? Bytes() : Bytes(p, p + n);
  }

 private:
  sqlite3_stmt* stmt() const { return stmt_.get(); }
  void Check(int rc) {
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }

  sqlite3* db_;
  StmtHandle stmt_;
  int next_ = 0;             // the last parameter bound
  int bind_rc_ = SQLITE_OK;  // the first failed binding, reported by Next()
};

// One sqlite3 handle and its statement cache.
class SqliteConnection final : public sql::Connection {
 public:
  static Result<std::unique_ptr<sql::Connection>> Open(const std::string& path,
                                                       const SqliteOptions& options, bool reader) {
    sqlite3* raw = nullptr;
    const int flags =
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (reader ? 0 : SQLITE_OPEN_CREATE);
    const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    DbHandle db(raw);
    if (rc != SQLITE_OK) {
      Error e = SqliteError(db.get(), rc, "open " + path);
      e.code = ErrorCode::kUnavailable;
      return tl::unexpected(e);
    }
    sqlite3_extended_result_codes(db.get(), 1);
    sqlite3_busy_timeout(db.get(), static_cast<int>(options.busy_timeout.count()));
    auto conn = std::unique_ptr<SqliteConnection>(new SqliteConnection(std::move(db)));
    SIGNET_TRY(conn->Exec("PRAGMA foreign_keys=ON"));
    SIGNET_TRY(conn->Exec(options.synchronous == SqliteSync::kNormal  ? "PRAGMA synchronous=NORMAL"
                          : options.synchronous == SqliteSync::kExtra ? "PRAGMA synchronous=EXTRA"
                                                                      : "PRAGMA synchronous=FULL"));
    if (reader) {
      SIGNET_TRY(conn->Exec("PRAGMA query_only=ON"));
    } else {
      SIGNET_ASSIGN_OR_RETURN(sql::Use mode, sql::Bound(*conn, "PRAGMA journal_mode=WAL"));
      SIGNET_ASSIGN_OR_RETURN(bool row, mode->Next("set journal mode"));
      if (!row || mode->Text(0) != "wal") {
        return Internal("database " + path + " cannot use write-ahead logging (journal mode " +
                        (row ? mode->Text(0) : std::string("unknown")) + ")");
      }
    }
    return std::unique_ptr<sql::Connection>(std::move(conn));
  }

  const sql::Dialect& dialect() const override { return kDialect; }

  Status Exec(std::string_view sql) override {
    const std::string text(sql);
    char* err = nullptr;
    const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &err);
    if (err != nullptr) sqlite3_free(err);
    if (rc != SQLITE_OK) return tl::unexpected(SqliteError(db_.get(), rc, text));
    return Ok();
  }

  Result<sql::Statement*> Prepare(std::string_view sql) override {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
      const std::string text = sql::Expand(sql, kDialect);
      sqlite3_stmt* raw = nullptr;
      const int rc = sqlite3_prepare_v3(db_.get(), text.data(), static_cast<int>(text.size()),
                                        SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
      if (rc != SQLITE_OK) {
        sqlite3_finalize(raw);
        return tl::unexpected(SqliteError(db_.get(), rc, "prepare"));
      }
      it =
          cache_.emplace(std::string(sql), std::make_unique<SqliteStatement>(db_.get(), raw)).first;
    }
    return it->second.get();
  }

  // BEGIN, COMMIT and ROLLBACK go through the statement cache: they run on every
  // transaction, so they are not parsed each time. A connection left inside a transaction
  // is rolled back first.
  Status Begin(bool read_only) override {
    Rollback();
    return Run(read_only ? "BEGIN" : "BEGIN IMMEDIATE");
  }
  // Write transactions are serialized (one writer connection, BEGIN IMMEDIATE): no lock
  // is needed.
  void Lock(sql::LockClass, std::string_view) override {}
  Status Commit() override {
    Status s = Run("COMMIT");
    if (!s) Rollback();
    return s;
  }
  void Rollback() override {
    // A failing ROLLBACK leaves nothing to do: SQLite has then rolled back already.
    if (sqlite3_get_autocommit(db_.get()) == 0) (void)Run("ROLLBACK");
  }
  bool Reusable() const override { return true; }

 private:
  explicit SqliteConnection(DbHandle db) : db_(std::move(db)) {}

  Status Run(std::string_view sql) {
    SIGNET_ASSIGN_OR_RETURN(sql::Use s, sql::Bound(*this, sql));
    return s->Exec(sql, false).map([](std::int64_t) {});
  }

  DbHandle db_;  // declared first: statements are finalized first
  sql::StatementCache<SqliteStatement> cache_;
};

constexpr std::string_view kVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
    "applied_at INTEGER NOT NULL) STRICT";

}  // namespace

int SqliteSchemaVersion() { return SqliteMigrations().back().version; }

Result<std::unique_ptr<Store>> OpenSqlite(const std::string& path, const SqliteOptions& options) {
  if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) {
    return InvalidArgument("sqlite database path must name a file, got '" + path + "'");
  }
  if (options.max_readers < 1) {
    return InvalidArgument("max_readers is " + std::to_string(options.max_readers) +
                           "; the minimum is 1");
  }
  if (sqlite3_threadsafe() == 0) {
    return Internal("the linked SQLite library was built without thread support");
  }
  SIGNET_ASSIGN_OR_RETURN(auto writer, SqliteConnection::Open(path, options, /*reader=*/false));
  SIGNET_TRY(sql::Migrate(*writer, SqliteMigrations(), kVersionTable));
  const auto opener = [path, options](bool reader) {
    return [path, options, reader] { return SqliteConnection::Open(path, options, reader); };
  };
  // One writer connection (write transactions wait for it) and a pool of readers.
  return std::unique_ptr<Store>(new SqlStore(
      std::make_unique<sql::Pool>(options.max_readers, sql::Pool::kForever, opener(true), nullptr),
      std::make_unique<sql::Pool>(1, sql::Pool::kForever, opener(false), std::move(writer))));
}

}  // namespace signet::store
