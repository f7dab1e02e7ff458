// The conformance suite on SQLite, plus what only SQLite has: migrations on a file, refusal
// of a newer schema, and crash safety of acknowledged commits.

#include "store/sqlite_store.h"

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/uuid.h"
#include "unit/store/store_conformance.h"
#include "unit/store/store_test_util.h"

namespace signet::store::testing {
namespace {

// The rows of a query with one text parameter, on a plain sqlite3 handle outside the store;
// each row as its columns' text.
std::vector<std::vector<std::string>> RawRows(const std::string& path, const std::string& sql,
                                              const std::string& param) {
  std::vector<std::vector<std::string>> rows;
  sqlite3* db = nullptr;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK &&
      sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
    sqlite3_bind_text(stmt, 1, param.c_str(), -1, SQLITE_TRANSIENT);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      rows.emplace_back();
      for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
        const auto* text = sqlite3_column_text(stmt, c);
        rows.back().push_back(text != nullptr ? reinterpret_cast<const char*>(text) : "");
      }
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

class SqliteHarness final : public StoreHarness {
 public:
  Result<std::unique_ptr<Store>> Open() override {
    SqliteOptions options;
    options.busy_timeout = std::chrono::milliseconds(10000);
    return OpenSqlite(path(), options);
  }

  // SQLite names no constraints; its unique keys are the unique indexes (automatic ones for
  // UNIQUE and PRIMARY KEY). Every table is a rowid table (none is WITHOUT ROWID).
  Result<TableShape> Describe(const std::string& table) override {
    TableShape shape;
    for (const auto& row : RawRows(path(), "SELECT name FROM pragma_table_info(?1)", table)) {
      shape.columns.insert(row[0]);
    }
    if (shape.columns.empty()) return NotFound("no table " + table);
    for (const auto& index :
         RawRows(path(), "SELECT name FROM pragma_index_list(?1) WHERE \"unique\" = 1", table)) {
      std::vector<std::string> columns;
      for (const auto& row :
           RawRows(path(), "SELECT name FROM pragma_index_info(?1) ORDER BY seqno", index[0])) {
        columns.push_back(row[0]);
      }
      shape.unique.emplace_back("", std::move(columns));
    }
    shape.insertion_order = RawRows(path(),
                                    "SELECT COUNT(*) FROM sqlite_schema WHERE name = ?1 AND "
                                    "sql LIKE '%WITHOUT ROWID%'",
                                    table)[0][0] == "0";
    return shape;
  }

 private:
  std::string path() const { return dir_.File("signet.db"); }

  TempDir dir_;
};

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
                         ::testing::Values(StoreBackend{
                             "sqlite", [] { return std::make_unique<SqliteHarness>(); }}),
                         BackendName);

// Runs one statement on the file with a plain sqlite3 handle, outside the store.
void RawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err != nullptr ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

std::int64_t RawCount(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return -1;
  sqlite3_stmt* stmt = nullptr;
  std::int64_t n = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    n = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return n;
}

TEST(SqliteStore, MigrationsAreIdempotentOnReopen) {
  TempDir dir;
  const std::string path = dir.File("signet.db");
  domain::User alice = MakeUser("alice@example.com");
  {
    ASSERT_OK_AND_ASSIGN(auto store, OpenSqlite(path));
    ASSERT_OK_AND_ASSIGN(auto tx, store->BeginWrite());
    ASSERT_OK(tx->InsertUser(alice));
    ASSERT_OK(tx->Commit());
  }
  for (int i = 0; i < 2; ++i) {
    ASSERT_OK_AND_ASSIGN(auto store, OpenSqlite(path));
    ASSERT_OK_AND_ASSIGN(auto tx, store->BeginRead());
    ASSERT_OK_AND_ASSIGN(auto got, tx->GetUser(alice.id));
    EXPECT_EQ(got, alice);
  }
  EXPECT_EQ(RawCount(path, "SELECT COUNT(*) FROM schema_version"), SqliteSchemaVersion());
  EXPECT_EQ(RawCount(path, "SELECT MAX(version) FROM schema_version"), SqliteSchemaVersion());
  EXPECT_EQ(RawCount(path, "SELECT COUNT(*) FROM pragma_journal_mode WHERE journal_mode='wal'"), 1);
}

TEST(SqliteStore, RefusesANewerSchema) {
  TempDir dir;
  const std::string path = dir.File("signet.db");
  { ASSERT_OK(OpenSqlite(path)); }
  const int newer = SqliteSchemaVersion() + 1;
  RawExec(path, "INSERT INTO schema_version (version, applied_at) VALUES (" +
                    std::to_string(newer) + ", 0)");
  auto reopened = OpenSqlite(path);
  ASSERT_FALSE(reopened.has_value());
  EXPECT_EQ(reopened.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(reopened.error().message.find("newer"), std::string::npos) << reopened.error().message;
  EXPECT_NE(reopened.error().message.find(std::to_string(newer)), std::string::npos);
  // Nothing was changed by the refused open.
  EXPECT_EQ(RawCount(path, "SELECT MAX(version) FROM schema_version"), newer);
}

TEST(SqliteStore, RejectsBadPathsAndOptions) {
  EXPECT_ERROR(OpenSqlite(":memory:"), ErrorCode::kInvalidArgument);
  EXPECT_ERROR(OpenSqlite(""), ErrorCode::kInvalidArgument);
  EXPECT_ERROR(OpenSqlite("/nonexistent-dir/sub/signet.db"), ErrorCode::kUnavailable);
  TempDir dir;
  SqliteOptions options;
  options.max_readers = 0;
  EXPECT_ERROR(OpenSqlite(dir.File("x.db"), options), ErrorCode::kInvalidArgument);
}

TEST(SqliteStore, EverySyncModeOpensAndCommits) {
  for (SqliteSync sync : {SqliteSync::kNormal, SqliteSync::kFull, SqliteSync::kExtra}) {
    TempDir dir;
    SqliteOptions options;
    options.synchronous = sync;
    ASSERT_OK_AND_ASSIGN(auto store, OpenSqlite(dir.File("signet.db"), options));
    ASSERT_OK_AND_ASSIGN(auto tx, store->BeginWrite());
    ASSERT_OK(tx->PutSetting("k", "v"));
    ASSERT_OK(tx->Commit());
  }
}

TEST(SqliteStore, WriterOfAnotherProcessTimesOutAsUnavailable) {
  TempDir dir;
  const std::string path = dir.File("signet.db");
  SqliteOptions options;
  options.busy_timeout = std::chrono::milliseconds(100);
  ASSERT_OK_AND_ASSIGN(auto a, OpenSqlite(path, options));
  ASSERT_OK_AND_ASSIGN(auto b, OpenSqlite(path, options));  // a second "process"
  ASSERT_OK_AND_ASSIGN(auto tx, a->BeginWrite());
  EXPECT_ERROR(b->BeginWrite(), ErrorCode::kUnavailable);
  ASSERT_OK(tx->Commit());
  ASSERT_OK_AND_ASSIGN(auto tx2, b->BeginWrite());
  ASSERT_OK(tx2->Commit());
}

// A child process commits rows in a loop and reports each row's number on a pipe only after
// Commit() returned. The parent kills it with SIGKILL mid-write, reopens the database, and
// checks that it opens and holds every acknowledged row. Repeated to hit different points of
// the commit path.
TEST(SqliteStore, AcknowledgedCommitsSurviveSigkill) {
  TempDir dir;
  const std::string path = dir.File("signet.db");
  { ASSERT_OK(OpenSqlite(path)); }
  std::int64_t next_row = 0;
  for (int round = 0; round < 3; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const std::int64_t first = next_row;
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      auto store = OpenSqlite(path);
      if (!store) _exit(2);
      for (std::int64_t row = first; row < first + 1'000'000; ++row) {
        auto tx = (*store)->BeginWrite();
        if (!tx) _exit(3);
        domain::SigningOperation op;
        op.id = "row-" + std::to_string(row);
        op.signer_id = "s";
        op.project_id = "p";
        op.signing_algorithm = "ECDSA_SHA256";
        op.data_hash = std::string(64, 'a');
        op.actor_id = "a";
        op.client_metadata_json = std::string(512, 'x');  // some bytes per commit
        op.created_at = T(row);
        if (!(*tx)->InsertOperation(op) || !(*tx)->PutSetting("last", std::to_string(row)) ||
            !(*tx)->Commit()) {
          _exit(4);
        }
        if (write(fds[1], &row, sizeof row) != sizeof row) _exit(5);
      }
      _exit(0);
    }
    close(fds[1]);
    std::set<std::int64_t> acked;
    std::int64_t row = 0;
    const std::size_t kill_after = 150 + 100 * round;
    while (read(fds[0], &row, sizeof row) == sizeof row) {
      acked.insert(row);
      if (acked.size() == kill_after) kill(pid, SIGKILL);
    }
    close(fds[0]);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early with status " << status;
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
    ASSERT_GE(acked.size(), kill_after);

    ASSERT_OK_AND_ASSIGN(auto store, OpenSqlite(path));
    ASSERT_OK_AND_ASSIGN(auto tx, store->BeginRead());
    for (std::int64_t r : acked) {
      auto op = tx->GetOperation("row-" + std::to_string(r));
      ASSERT_TRUE(op.has_value()) << "acknowledged row " << r << " lost: " << op.error().message;
    }
    ASSERT_OK_AND_ASSIGN(auto last, tx->GetSetting("last"));
    ASSERT_TRUE(last.has_value());
    EXPECT_GE(std::stoll(*last), *acked.rbegin());
    next_row = std::stoll(*last) + 1;
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "ok");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

}  // namespace
}  // namespace signet::store::testing
