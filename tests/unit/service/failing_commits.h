#pragma once
// A SQLite store whose commits fail on demand, for tests of what a use case answers when its
// record cannot be made durable. FailingCommits::Install() registers a SQLite auto-extension,
// so every connection opened afterwards in the process (open the store after it) gets a
// commit hook; while armed, the hook turns each COMMIT of a write transaction into a
// ROLLBACK (SQLITE_CONSTRAINT_COMMITHOOK), and the store's Commit() fails like one whose
// disk went away. Read transactions are not affected.

#include <sqlite3.h>

#include <atomic>

namespace signet::service::testing {

class FailingCommits {
 public:
  // Idempotent; process-wide.
  static void Install() {
    static const int installed = sqlite3_auto_extension(reinterpret_cast<void (*)()>(&Attach));
    (void)installed;
  }
  // While a FailingCommits lives, commits fail.
  FailingCommits() { armed().store(true); }
  ~FailingCommits() { armed().store(false); }
  FailingCommits(const FailingCommits&) = delete;
  FailingCommits& operator=(const FailingCommits&) = delete;

  // Commits refused so far (by any instance).
  static int refused() { return refused_count().load(); }

 private:
  static std::atomic<bool>& armed() {
    static std::atomic<bool> flag{false};
    return flag;
  }
  static std::atomic<int>& refused_count() {
    static std::atomic<int> n{0};
    return n;
  }
  static int OnCommit(void*) {
    if (!armed().load()) return 0;
    ++refused_count();
    return 1;  // non-zero: the commit becomes a rollback
  }
  static int Attach(sqlite3* db, char**, const sqlite3_api_routines*) {
    sqlite3_commit_hook(db, &OnCommit, nullptr);
    return SQLITE_OK;
  }
};

}  // namespace signet::service::testing
