#pragma once
// The seam between the SQL store, written once (store/sql_store.h: the Tx methods;
// store/tables.h: the tables and row codecs), and its database drivers (SQLite in
// store/sqlite_store.cc, PostgreSQL in store/postgres_store.cc). A driver supplies
// Connections; a Connection prepares and caches Statements, binds their parameters, steps
// through their rows, takes transaction locks and runs BEGIN/COMMIT/ROLLBACK; its Dialect
// says how the shared SQL is spelled there.
//
// Shared SQL is written in one spelling that every driver expands (Expand) once per
// statement and connection, before preparing it:
//   ?N             parameter N, 1-based                        SQLite ?N, PostgreSQL $N
//   {seq}          a column that orders rows by insertion      rowid, row_seq
//   {bytewise}     after a text in ORDER BY: byte order        (nothing), COLLATE "C"
//   {ilike}        case-insensitive LIKE                        LIKE, ILIKE
//   {json_each:X}  the elements of the JSON array text X, as rows with one column `value`
// Quoted literals are copied unchanged.
//
// Errors follow the contract of store.h. A unique violation is kAlreadyExists, and the
// Dialect tells which unique key it names; a foreign key violation is kFailedPrecondition
// with a message containing "referenced".
//
// Thread safety: a Connection and its Statements are used by one thread at a time (a
// transaction holds its connection exclusively); Pool is thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"

namespace signet::store::sql {

// A unique key of a table: its constraint name (what PostgreSQL reports), its columns in key
// order (what SQLite reports), and what its violation means to the caller (store/tables.h).
struct UniqueKey {
  std::string_view name;
  std::vector<std::string_view> columns;
  std::string_view message;
};

struct Dialect {
  char param;                  // ?N becomes <param>N
  std::string_view seq;        // {seq}
  std::string_view bytewise;   // {bytewise}
  std::string_view ilike;      // {ilike}
  std::string_view json_each;  // {json_each:X}, with @ standing for X
  // Whether `e` (kAlreadyExists from this backend) is a violation of `key` of `table`.
  bool (*violates)(const Error& e, std::string_view table, const UniqueKey& key);
};

// Whether `e` is a driver's report of a foreign key violation (see above).
inline bool IsForeignKeyViolation(const Error& e) {
  return e.code == ErrorCode::kFailedPrecondition &&
         e.message.find("referenced") != std::string::npos;
}

// `sql` in the spelling of `dialect` (see above).
std::string Expand(std::string_view sql, const Dialect& dialect);

// The type of a parameter bound as NULL (for backends whose parameters are typed).
enum class Type { kInt, kBool, kText, kBlob };

// A prepared statement, owned and cached by its Connection. Bind ?1..?N in order, then step
// through the rows of a query with Next(), or run a write with Exec(); Reset() (done by Use)
// clears the bindings and the result for the next use.
class Statement {
 public:
  virtual ~Statement() = default;
  virtual void BindNull(Type type) = 0;
  virtual void BindInt(std::int64_t v) = 0;
  virtual void BindBool(bool v) = 0;
  virtual void BindText(std::string_view v) = 0;
  virtual void BindBlob(const Bytes& v) = 0;
  // Runs the query on the first call; true while a row is available.
  [[nodiscard]] virtual Result<bool> Next(std::string_view context) = 0;
  // Runs a statement that returns no rows; returns how many rows it changed. `guarded`: the
  // statement may violate a unique or foreign key, and the transaction must stay usable
  // when it does (PostgreSQL wraps it in a savepoint, in the same round trip).
  [[nodiscard]] virtual Result<std::int64_t> Exec(std::string_view context, bool guarded) = 0;
  // Runs a write whose failure fails the whole transaction, now or later: a driver may keep
  // it (with a copy of its parameters) and send it together with the connection's next
  // statement or its Commit (PostgreSQL: in the same pipeline, one round trip for all). An
  // error of a kept write is then returned by that later call (or Commit), and from then on
  // the transaction fails every call and can only be rolled back. Returns the error at
  // once where the write runs at once (this default, used by SQLite: in-process, nothing to
  // save).
  [[nodiscard]] virtual Status Defer(std::string_view context) {
    return Exec(context, false).map([](std::int64_t) {});
  }
  virtual void Reset() = 0;

  // The columns of the current row, 0-based; valid until the statement moves on.
  virtual bool IsNull(int c) const = 0;
  virtual std::int64_t Int(int c) const = 0;  // also booleans (0/1) and times (unix ms)
  virtual std::string Text(int c) const = 0;
  virtual Bytes Blob(int c) const = 0;
};
using Row = Statement;  // for code that only reads the current row

// What a transaction-scoped lock serializes (on backends whose writers run concurrently).
enum class LockClass {
  kAuditChain,  // the appends to one node's audit chain (key: node id)
  kBootstrap,   // counting users to create the first admin
  kNaturalKey,  // "look up by a natural key, insert when missing" (key: the table)
};

// One database connection of a driver.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual const Dialect& dialect() const = 0;
  // Runs statements without parameters or results (pragmas, DDL, migrations).
  [[nodiscard]] virtual Status Exec(std::string_view sql) = 0;
  // The statement for `sql` (shared spelling), prepared on first use and cached.
  [[nodiscard]] virtual Result<Statement*> Prepare(std::string_view sql) = 0;
  // Starts a transaction: a read snapshot, or a write transaction.
  [[nodiscard]] virtual Status Begin(bool read_only) = 0;
  // Takes a lock held until the transaction ends, together with (and before) the next
  // statement. A no-op where write transactions are serialized anyway (SQLite).
  virtual void Lock(LockClass lock, std::string_view key) = 0;
  // Commits; on failure the transaction is rolled back (or its outcome is unknown when the
  // connection broke: kUnavailable).
  [[nodiscard]] virtual Status Commit() = 0;
  virtual void Rollback() = 0;
  // Whether the connection may serve another transaction (not broken, not inside one).
  virtual bool Reusable() const = 0;
};

// A borrowed statement: reset (not deleted) when it goes out of scope, so that its
// connection can hand it out again.
struct Resetter {
  void operator()(Statement* s) const { s->Reset(); }
};
using Use = std::unique_ptr<Statement, Resetter>;

// ---- Values: C++ types to parameters and back (enums and JSON values: store/tables.h) ----

template <class T>
constexpr Type TypeOf() {
  if constexpr (std::is_same_v<T, bool>) return Type::kBool;
  if constexpr (std::is_integral_v<T> || std::is_same_v<T, TimePoint> ||
                std::is_same_v<T, Millis>) {
    return Type::kInt;
  }
  if constexpr (std::is_same_v<T, Bytes>) return Type::kBlob;
  return Type::kText;  // strings, enum names, JSON
}

// Text, integers, booleans, times (unix ms), durations (ms) and bytes; empty optionals as NULL.
inline void Bind(Statement& s, std::string_view v) { s.BindText(v); }
inline void Bind(Statement& s, const char* v) { s.BindText(v); }
inline void Bind(Statement& s, bool v) { s.BindBool(v); }
inline void Bind(Statement& s, int v) { s.BindInt(v); }
inline void Bind(Statement& s, std::int64_t v) { s.BindInt(v); }
inline void Bind(Statement& s, TimePoint v) { s.BindInt(ToUnixMillis(v)); }
inline void Bind(Statement& s, Millis v) { s.BindInt(v.count()); }
inline void Bind(Statement& s, const Bytes& v) { s.BindBlob(v); }
template <class T>
void Bind(Statement& s, const std::optional<T>& v) {
  v ? Bind(s, *v) : s.BindNull(TypeOf<T>());
}

template <class T>
Status Read(const Row& r, int c, T& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    v = r.Text(c);
  } else if constexpr (std::is_same_v<T, bool>) {
    v = r.Int(c) != 0;
  } else if constexpr (std::is_integral_v<T>) {
    v = r.Int(c);
  } else if constexpr (std::is_same_v<T, TimePoint>) {
    v = FromUnixMillis(r.Int(c));
  } else if constexpr (std::is_same_v<T, Millis>) {
    v = Millis(r.Int(c));
  } else {
    v = r.Blob(c);
  }
  return Ok();
}
template <class T>
Status Read(const Row& r, int c, std::optional<T>& v) {
  v.reset();
  if (r.IsNull(c)) return Ok();
  SIGNET_TRY(Read(r, c, v.emplace()));
  return Ok();
}

// Prepares `sql` (from the cache) and binds `args` as ?1, ?2, ...
template <class... A>
Result<Use> Bound(Connection& conn, std::string_view sql, const A&... args) {
  SIGNET_ASSIGN_OR_RETURN(Statement * s, conn.Prepare(sql));
  (Bind(*s, args), ...);
  return Use(s);
}

// ---- For the drivers: statement caches, connection pools, migrations ----

// A connection's statements by their shared spelling, looked up by string_view (no
// allocation per statement on the hot path).
struct SqlHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
};
template <class S>
using StatementCache =
    std::unordered_map<std::string, std::unique_ptr<S>, SqlHash, std::equal_to<>>;

// Connections opened on demand up to a limit and reused, newest first.
class Pool {
 public:
  using Opener = std::function<Result<std::unique_ptr<Connection>>()>;
  static constexpr std::chrono::milliseconds kForever = std::chrono::milliseconds::max();

  // Gives a leased connection back to its pool, which closes it when it is not Reusable().
  struct Return {
    Pool* pool;
    bool reused;  // the connection was idle in the pool (not opened for this lease)
    void operator()(Connection* c) const { pool->Release(std::unique_ptr<Connection>(c)); }
  };
  using Lease = std::unique_ptr<Connection, Return>;

  // `wait`: how long Acquire() waits for a free connection (kForever: no limit); `first`:
  // a connection the caller opened already, or null.
  Pool(int max, std::chrono::milliseconds wait, Opener open, std::unique_ptr<Connection> first)
      : max_(max), wait_(wait), open_fn_(std::move(open)), open_(first != nullptr ? 1 : 0) {
    if (first != nullptr) idle_.push_back(std::move(first));
  }

  int max() const { return max_; }
  // An idle connection, else a new one while fewer than max are open; else waits for one
  // (kUnavailable after `wait`). Errors of opening a connection are returned as they are.
  [[nodiscard]] Result<Lease> Acquire();

 private:
  void Release(std::unique_ptr<Connection> conn);

  const int max_;
  const std::chrono::milliseconds wait_;
  const Opener open_fn_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  int open_;                                       // guarded by mu_; idle and leased
};

struct Migration {
  int version;           // 1, 2, 3, ... without gaps
  std::string_view sql;  // one or more statements for Connection::Exec
};

// Applies the missing `migrations` (versions 1, 2, 3, ...) on `conn` in one write
// transaction, each with its schema_version row (the table is created by
// `create_version_table` when missing); returns the version the database had. Errors:
// kFailedPrecondition when the database is newer than the last migration; the failing
// migration's error otherwise. Concurrent migrators wait for each other (SQLite: the write
// lock; PostgreSQL: an advisory lock).
[[nodiscard]] Result<std::int64_t> Migrate(Connection& conn, std::span<const Migration> migrations,
                                           std::string_view create_version_table);

}  // namespace signet::store::sql
