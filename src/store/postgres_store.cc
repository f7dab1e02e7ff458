#include "store/postgres_store.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/log.h"
#include "store/postgres_migrations.h"
#include "store/pq_api.h"
#include "store/sql_driver.h"
#include "store/sql_store.h"

namespace signet::store {
namespace {

// Type OIDs of the parameters we bind (pg_type.h; stable across server versions).
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kTextOid = 25;

// libpq's entry points (store/pq_api.h): loaded by the first PgConnection::Open, so valid
// wherever a connection or a result exists.
const PqApi& pq() { return **Pq(); }

using PgResult = std::unique_ptr<PGresult, decltype([](PGresult* r) { pq().PQclear(r); })>;
using PgHandle = std::unique_ptr<PGconn, decltype([](PGconn* c) { pq().PQfinish(c); })>;

// ---- Errors and dialect ----

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Maps a failed statement to the store's error contract (store.h). `lost` is set when the
// connection itself is unusable afterwards. A unique violation's message starts with the
// constraint name ("signers_project_name_key: duplicate key ..."), see ViolatesUnique.
Error PgError(PGconn* conn, const PGresult* res, std::string_view context, bool* lost) {
  const char* state_c = res != nullptr ? pq().PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const std::string state = state_c != nullptr ? state_c : "";
  std::string msg = Trim(res != nullptr && *pq().PQresultErrorMessage(res) != '\0'
                             ? pq().PQresultErrorMessage(res)
                             : pq().PQerrorMessage(conn));
  if (pq().PQstatus(conn) != CONNECTION_OK || state.empty() || state.rfind("08", 0) == 0 ||
      state == "57P01" || state == "57P02" || state == "57P03") {
    *lost = true;
    return Error{ErrorCode::kUnavailable,
                 "database unavailable (" + std::string(context) + "): " + msg};
  }
  if (state == "23505") {
    const char* constraint = pq().PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
    return Error{ErrorCode::kAlreadyExists,
                 std::string(constraint != nullptr ? constraint : "") + ": " + msg};
  }
  if (state == "23503") {
    return Error{
        ErrorCode::kFailedPrecondition,
        std::string(context) + ": a referenced row does not exist, or the row is still referenced"};
  }
  if (state == "25006") {
    return Error{ErrorCode::kFailedPrecondition,
                 std::string(context) + ": write attempted in a read transaction (" + msg + ")"};
  }
  if (state == "40001" || state == "40P01" || state == "55P03" || state == "57014" ||
      state.rfind("53", 0) == 0) {
    // Serialization failure, deadlock, lock timeout, statement timeout, out of resources
    // (too many connections, disk full): the caller may retry the whole transaction.
    return Error{ErrorCode::kUnavailable, "database busy (" + std::string(context) + "): " + msg};
  }
  return Error{ErrorCode::kInternal,
               "database error (" + std::string(context) + ", SQLSTATE " + state + "): " + msg};
}

bool ViolatesUnique(const Error& e, std::string_view /*table*/, const sql::UniqueKey& key) {
  return e.message.starts_with(std::string(key.name) + ":");
}

constexpr sql::Dialect kDialect{
    '$',           "row_seq", " COLLATE \"C\"", "ILIKE", "jsonb_array_elements_text(@::jsonb)",
    ViolatesUnique};

// ---- Statements ----

// Statement parameters $1..$N, all in binary format with explicit types, so that the
// server never has to guess a type ("$2 IS NULL OR status = $2") and nothing is escaped.
struct Params {
  std::vector<Oid> types;
  std::vector<std::optional<std::string>> values;  // nullopt: NULL

  void Add(Oid type, std::optional<std::string> value) {
    types.push_back(type);
    values.push_back(std::move(value));
  }
  void AddInt(std::int64_t v) {
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i)
      bytes[i] = static_cast<char>(static_cast<std::uint64_t>(v) >> (56 - 8 * i));
    Add(kInt8Oid, std::move(bytes));
  }
};

class PgConnection;

// A statement of one connection, prepared on the server at its first run (with the types of
// its first parameters). The result of the last run is read in place, in binary format.
class PgStatement final : public sql::Statement {
 public:
  PgStatement(PgConnection* conn, std::string sql) : conn_(conn), sql_(std::move(sql)) {}

  void BindNull(sql::Type type) override {
    constexpr Oid kOids[] = {kInt8Oid, kBoolOid, kTextOid, kByteaOid};
    params_.Add(kOids[static_cast<int>(type)], std::nullopt);
  }
  void BindInt(std::int64_t v) override { params_.AddInt(v); }
  void BindBool(bool v) override { params_.Add(kBoolOid, std::string(1, v ? '\1' : '\0')); }
  void BindText(std::string_view v) override { params_.Add(kTextOid, std::string(v)); }
  void BindBlob(const Bytes& v) override {
    params_.Add(kByteaOid, std::string(v.begin(), v.end()));
  }
  Result<bool> Next(std::string_view context) override;
  Result<std::int64_t> Exec(std::string_view context, bool guarded) override;
  Status Defer(std::string_view context) override;
  void Reset() override {
    params_.types.clear();
    params_.values.clear();
    result_.reset();
    row_ = -1;
  }

  bool IsNull(int c) const override { return pq().PQgetisnull(result_.get(), row_, c) != 0; }
  std::int64_t Int(int c) const override {  // big-endian, sign-extended from 1, 2, 4 bytes
    const auto* p = reinterpret_cast<const unsigned char*>(pq().PQgetvalue(result_.get(), row_, c));
    const int n = pq().PQgetlength(result_.get(), row_, c);
    std::uint64_t v = (n > 0 && n < 8 && (p[0] & 0x80) != 0) ? ~std::uint64_t{0} : 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
    return static_cast<std::int64_t>(v);
  }
  std::string Text(int c) const override {
    return std::string(pq().PQgetvalue(result_.get(), row_, c),
                       pq().PQgetlength(result_.get(), row_, c));
  }
  Bytes Blob(int c) const override {
    const auto* p = reinterpret_cast<const std::uint8_t*>(pq().PQgetvalue(result_.get(), row_, c));
    return Bytes(p, p + pq().PQgetlength(result_.get(), row_, c));
  }

 private:
  friend class PgConnection;
  PgConnection* conn_;
  const std::string sql_;  // expanded
  std::string name_;       // on the server; empty until prepared
  Params params_;
  PgResult result_;
  int row_ = -1;
};

// ---- Connections ----

// One libpq connection and its statements. Once lost() it is never used again.
class PgConnection final : public sql::Connection {
 public:
  static Result<std::unique_ptr<PgConnection>> Open(const std::string& url,
                                                    const PostgresOptions& options) {
    const long connect_s =
        std::max<long>(2, static_cast<long>((options.connect_timeout.count() + 999) / 1000));
    const std::string connect_timeout = std::to_string(connect_s);
    // Our defaults come before dbname, so that the URL's own settings win.
    const char* keys[] = {
        "connect_timeout",     "application_name", "keepalives", "keepalives_idle",
        "keepalives_interval", "keepalives_count", "dbname",     nullptr};
    const char* values[] = {
        connect_timeout.c_str(), "signetd", "1", "10", "5", "3", url.c_str(), nullptr};
    // libpq is loaded here, by the first connection a node opens (store/pq_api.h).
    if (Result<const PqApi*> loaded = Pq(); !loaded) return tl::unexpected(loaded.error());
    PgHandle conn(pq().PQconnectdbParams(keys, values, 1));
    if (conn == nullptr) return Unavailable("cannot allocate a PostgreSQL connection");
    if (pq().PQstatus(conn.get()) != CONNECTION_OK) {
      return Unavailable("cannot connect to PostgreSQL: " + Trim(pq().PQerrorMessage(conn.get())));
    }
    // Server notices (e.g. "there is no transaction in progress") are not errors and must
    // not reach stderr uncontrolled; errors arrive with their results.
    pq().PQsetNoticeProcessor(
        conn.get(), [](void*, const char*) {}, nullptr);
    auto c = std::unique_ptr<PgConnection>(new PgConnection(std::move(conn)));
    // Session settings: UTC, a bound on every statement and on a transaction left idle
    // (a stuck client must not hold row or advisory locks forever).
    const std::string timeout = std::to_string(options.statement_timeout.count());
    const std::string idle = std::to_string(std::max<std::int64_t>(
        60000, 6 * static_cast<std::int64_t>(options.statement_timeout.count())));
    SIGNET_TRY(c->Exec("SET TIME ZONE 'UTC'; SET statement_timeout = " + timeout +
                       "; SET idle_in_transaction_session_timeout = " + idle));
    return c;
  }

  const sql::Dialect& dialect() const override { return kDialect; }
  bool lost() const { return lost_ || pq().PQstatus(conn_.get()) != CONNECTION_OK; }

  // Runs statements without parameters (BEGIN, COMMIT, SET, migrations) with the simple
  // protocol. Returns the command tag of the last statement.
  Result<std::string> ExecTag(std::string_view sql) {
    const std::string text(sql);
    PgResult res(pq().PQexec(conn_.get(), text.c_str()));
    const ExecStatusType st = res ? pq().PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      return tl::unexpected(PgError(conn_.get(), res.get(), text.substr(0, 60), &lost_));
    }
    return std::string(pq().PQcmdStatus(res.get()));
  }
  Status Exec(std::string_view sql) override {
    return ExecTag(sql).map([](const std::string&) {});
  }

  Result<sql::Statement*> Prepare(std::string_view sql) override {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
      auto stmt = std::make_unique<PgStatement>(this, sql::Expand(sql, kDialect));
      it = cache_.emplace(std::string(sql), std::move(stmt)).first;
    }
    return it->second.get();
  }

  // READ COMMITTED writers: each statement sees the latest commits; see postgres_store.h.
  Status Begin(bool read_only) override {
    locks_.clear();
    kept_.clear();
    failed_.reset();
    return Exec(read_only ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
                          : "BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE");
  }
  // A transaction advisory lock, sent with the next statement in one round trip.
  void Lock(sql::LockClass lock, std::string_view key) override {
    constexpr int kClasses[] = {kLockClassAuditChain, kLockClassBootstrap, kLockClassNaturalKey};
    Params p;
    p.AddInt(kClasses[static_cast<int>(lock)]);
    p.Add(kTextOid, std::string(key));
    locks_.push_back(std::move(p));
  }
  Status Commit() override {
    locks_.clear();
    if (failed_) {  // a kept write failed: the server has aborted the transaction
      Error e = *failed_;
      Rollback();
      return tl::unexpected(std::move(e));
    }
    if (!kept_.empty()) return CommitKept();
    auto tag = ExecTag("COMMIT");
    if (!tag) {
      // Whether the server committed before the connection broke is unknown; the caller
      // sees kUnavailable and must treat the outcome as uncertain.
      if (!lost()) (void)Exec("ROLLBACK");
      return tl::unexpected(std::move(tag).error());
    }
    // COMMIT of a transaction that a failed statement aborted answers ROLLBACK.
    if (*tag != "COMMIT") {
      return Unavailable("the transaction was rolled back by the server (" + *tag + ")");
    }
    return Ok();
  }
  void Rollback() override {
    // A failing ROLLBACK means the connection broke: the server rolls back on its own, and
    // the pool discards the lost connection.
    locks_.clear();
    kept_.clear();
    failed_.reset();
    if (!lost()) (void)Exec("ROLLBACK");
  }
  bool Reusable() const override {
    return !lost() && pq().PQtransactionStatus(conn_.get()) == PQTRANS_IDLE;
  }

  // Runs `s` into its result, in one round trip after the kept writes (Keep) and the
  // pending locks and, when guarded, between SAVEPOINT and RELEASE (rolled back to on
  // failure, so that the transaction stays usable). When a kept write fails, the
  // transaction is aborted on the server: this and every later call return its error.
  Status Run(PgStatement& s, bool guarded, std::string_view context) {
    if (failed_) return tl::unexpected(*failed_);
    const std::vector<Params> locks = std::exchange(locks_, {});
    std::vector<Step> steps = StepsOf(kept_);
    const std::size_t own = steps.size();
    std::size_t main = 0;
    Status built = [&]() -> Status {
      SIGNET_TRY(Prepared(s, s.params_));
      for (const Params& lock : locks) SIGNET_TRY(Add(steps, kLockSql, lock));
      if (guarded) SIGNET_TRY(Add(steps, "SAVEPOINT signet_write", kNone));
      main = steps.size();
      steps.push_back({&s, &s.params_, {}});
      if (guarded) SIGNET_TRY(Add(steps, "RELEASE SAVEPOINT signet_write", kNone));
      return Ok();
    }();
    if (!built) {  // kept writes never sent must not be forgotten: the transaction fails
      if (!kept_.empty()) failed_ = built.error();
      return built;
    }
    std::size_t failed_step = 0;
    auto results = Pipeline(steps, context, &failed_step);
    kept_.clear();  // sent (the steps pointed into it)
    if (!results) {
      if (failed_step < own) {
        failed_ = results.error();
      } else if (guarded && !lost()) {
        SIGNET_TRY(Exec("ROLLBACK TO SAVEPOINT signet_write"));
      }
      return tl::unexpected(std::move(results).error());
    }
    s.result_ = std::move((*results)[main]);
    return Ok();
  }

  // Keeps the write `s` (its parameters move along) for the next pipeline: Run's, or the
  // commit's (Statement::Defer).
  Status Keep(PgStatement& s, std::string_view context) {
    if (failed_) return tl::unexpected(*failed_);
    SIGNET_TRY(Prepared(s, s.params_));
    kept_.push_back({&s, std::exchange(s.params_, {}), std::string(context)});
    return Ok();
  }

 private:
  static constexpr std::string_view kLockSql =
      "SELECT pg_advisory_xact_lock(?1::integer, hashtext(?2))";

  // One step of a pipeline: a statement, its parameters, and what its errors name (empty:
  // the pipeline's context).
  struct Step {
    PgStatement* stmt;
    const Params* params;
    std::string_view context;
  };
  // A write kept for the next pipeline (Keep).
  struct Kept {
    PgStatement* stmt;
    Params params;
    std::string context;
  };
  static inline const Params kNone;

  static std::vector<Step> StepsOf(const std::vector<Kept>& kept) {
    std::vector<Step> steps;
    steps.reserve(kept.size() + 4);
    for (const Kept& k : kept) steps.push_back({k.stmt, &k.params, k.context});
    return steps;
  }

  // Commits with the kept writes before it, in one round trip. On failure the transaction
  // is rolled back (its outcome is unknown when the connection broke: kUnavailable).
  Status CommitKept() {
    std::vector<Step> steps = StepsOf(kept_);
    if (Status added = Add(steps, "COMMIT", kNone); !added) {
      Rollback();
      return added;
    }
    std::size_t failed_step = 0;
    auto results = Pipeline(steps, "commit", &failed_step);
    kept_.clear();
    if (!results) {
      if (!lost()) (void)Exec("ROLLBACK");
      return tl::unexpected(std::move(results).error());
    }
    const std::string tag = pq().PQcmdStatus(results->back().get());
    if (tag != "COMMIT") {
      return Unavailable("the transaction was rolled back by the server (" + tag + ")");
    }
    return Ok();
  }

  explicit PgConnection(PgHandle conn) : conn_(std::move(conn)) {}

  // Adds `sql` (prepared with the types of `params`) to the steps of a pipeline.
  Status Add(std::vector<Step>& steps, std::string_view sql, const Params& params) {
    SIGNET_ASSIGN_OR_RETURN(sql::Statement * s, Prepare(sql));
    auto* stmt = static_cast<PgStatement*>(s);
    SIGNET_TRY(Prepared(*stmt, params));
    steps.push_back({stmt, &params, {}});
    return Ok();
  }

  // Prepares `s` on the server, once, with the types of `params`.
  Status Prepared(PgStatement& s, const Params& params) {
    if (!s.name_.empty()) return Ok();
    const std::string name = "signet_" + std::to_string(++prepared_);
    PgResult res(pq().PQprepare(conn_.get(), name.c_str(), s.sql_.c_str(),
                                static_cast<int>(params.types.size()), params.types.data()));
    if (!res || pq().PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
      return tl::unexpected(PgError(conn_.get(), res.get(), "prepare", &lost_));
    }
    s.name_ = name;
    return Ok();
  }

  tl::unexpected<Error> Broken(std::string_view context) {
    lost_ = true;
    return Unavailable("database unavailable (" + std::string(context) +
                       "): " + Trim(pq().PQerrorMessage(conn_.get())));
  }

  // Sends the steps in one round trip (libpq pipeline mode) and returns one result per
  // step. When a step fails, the later steps are skipped by the server; the first failure
  // is returned, and its index stored in *failed_step (the step at which the connection
  // broke, when it did). Every statement runs with its own snapshot (READ COMMITTED), so a
  // step after a lock sees what the lock holder committed.
  Result<std::vector<PgResult>> Pipeline(std::span<const Step> steps, std::string_view context,
                                         std::size_t* failed_step) {
    *failed_step = 0;
    if (pq().PQenterPipelineMode(conn_.get()) != 1) return Broken(context);
    bool sent = true;
    for (std::size_t i = 0; i < steps.size() && sent; ++i) {
      std::vector<const char*> data;
      std::vector<int> lengths, formats(steps[i].params->values.size(), 1);  // all binary
      for (const auto& v : steps[i].params->values) {
        data.push_back(v ? v->data() : nullptr);
        lengths.push_back(v ? static_cast<int>(v->size()) : 0);
      }
      sent = pq().PQsendQueryPrepared(conn_.get(), steps[i].stmt->name_.c_str(),
                                      static_cast<int>(data.size()), data.data(), lengths.data(),
                                      formats.data(), 1) == 1;
    }
    if (sent) sent = pq().PQpipelineSync(conn_.get()) == 1;
    if (!sent) return Broken(context);
    std::vector<PgResult> results;
    std::optional<Error> failure;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      PgResult res(pq().PQgetResult(conn_.get()));
      if (!res) {
        if (!failure) *failed_step = i;
        return Broken(context);
      }
      while (PGresult* extra = pq().PQgetResult(conn_.get()))
        pq().PQclear(extra);  // up to the NULL
      const ExecStatusType st = pq().PQresultStatus(res.get());
      if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_PIPELINE_ABORTED &&
          !failure) {
        *failed_step = i;
        failure = PgError(conn_.get(), res.get(),
                          steps[i].context.empty() ? context : steps[i].context, &lost_);
        // A kept write's unique violation is reported later, to a caller that cannot tell
        // which write it was: name it ("insert audit event: audit_events_pkey: ...").
        if (!steps[i].context.empty() && failure->code == ErrorCode::kAlreadyExists) {
          failure = failure->Wrap(steps[i].context);
        }
      }
      results.push_back(std::move(res));
      if (lost()) break;
    }
    if (!lost()) {
      PgResult sync(pq().PQgetResult(conn_.get()));
      if (!sync || pq().PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC) lost_ = true;
    }
    if (lost_ || pq().PQexitPipelineMode(conn_.get()) != 1) {
      if (failure) {
        lost_ = true;
        return tl::unexpected(*failure);
      }
      return Broken(context);
    }
    if (failure) return tl::unexpected(*failure);
    return results;
  }

  PgHandle conn_;
  sql::StatementCache<PgStatement> cache_;
  std::vector<Params> locks_;    // pending: sent before the next statement
  std::vector<Kept> kept_;       // writes kept for the next pipeline (Keep)
  std::optional<Error> failed_;  // a kept write failed: the transaction is aborted
  int prepared_ = 0;
  bool lost_ = false;
};

Result<bool> PgStatement::Next(std::string_view context) {
  if (!result_) SIGNET_TRY(conn_->Run(*this, false, context));
  return ++row_ < pq().PQntuples(result_.get());
}

Status PgStatement::Defer(std::string_view context) { return conn_->Keep(*this, context); }

Result<std::int64_t> PgStatement::Exec(std::string_view context, bool guarded) {
  SIGNET_TRY(conn_->Run(*this, guarded, context));
  const char* n = pq().PQcmdTuples(result_.get());
  return (n == nullptr || *n == '\0') ? 0 : std::stoll(n);
}

// ---- The store: the shared one, plus the node-id claim ----

class PostgresStore final : public SqlStore {
 public:
  PostgresStore(std::string url, PostgresOptions options, std::unique_ptr<sql::Pool> pool)
      : SqlStore(std::move(pool), nullptr), url_(std::move(url)), options_(std::move(options)) {}

  // ---- Node id ----

  static std::string HostName() {
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
    return buf;
  }

  static TimePoint Now() {
    return std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
  }

  // Takes the node-id lock on a new connection and records the node there (holder_). When
  // another live process holds the lock: kFailedPrecondition naming it.
  Status Claim() {
    SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn, PgConnection::Open(url_, options_));
    SIGNET_ASSIGN_OR_RETURN(
        sql::Use lock, sql::Bound(*conn, "SELECT pg_try_advisory_lock(?1::integer, hashtext(?2))",
                                  kLockClassNodeId, options_.node_id));
    SIGNET_ASSIGN_OR_RETURN(bool row, lock->Next("claim node id"));
    if (!row || lock->Int(0) == 0) {
      std::string holder = "another signetd";
      auto s = sql::Bound(*conn,
                          "SELECT hostname, pid, last_seen_at FROM signet_nodes "
                          "WHERE node_id = ?1",
                          options_.node_id);
      if (s && (*s)->Next("read node").value_or(false)) {
        const sql::Statement& r = **s;
        holder = "the signetd on host " + r.Text(0) + " (pid " + std::to_string(r.Int(1)) +
                 ", last seen " + std::to_string(ToUnixMillis(Now()) - r.Int(2)) + " ms ago)";
      }
      return FailedPrecondition("node id '" + options_.node_id + "' is in use by " + holder +
                                "; every node needs its own --node-id");
    }
    SIGNET_ASSIGN_OR_RETURN(
        sql::Use record,
        sql::Bound(*conn,
                   "INSERT INTO signet_nodes (node_id, hostname, pid, started_at, last_seen_at) "
                   "VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (node_id) DO UPDATE SET "
                   "hostname = excluded.hostname, pid = excluded.pid, "
                   "started_at = excluded.started_at, last_seen_at = excluded.last_seen_at",
                   options_.node_id, HostName(), getpid(), Now()));
    SIGNET_TRY(record->Exec("record node", false));
    holder_ = std::move(conn);
    return Ok();
  }

  Status ClaimNodeId() {
    SIGNET_TRY(Claim());
    keeper_ = std::jthread([this](const std::stop_token& stop) {
      std::mutex mu;
      std::condition_variable_any cv;
      std::unique_lock<std::mutex> lock(mu);
      while (!cv.wait_for(lock, stop, std::chrono::seconds(1), [] { return false; }) &&
             !stop.stop_requested()) {
        Heartbeat();
      }
    });
    return Ok();
  }

  // On the keeper thread, once a second: refreshes the node's heartbeat and, after the
  // holder connection broke (a database restart), reconnects and takes the lock again.
  void Heartbeat() {
    if (holder_ != nullptr && !holder_->lost()) {
      auto s = sql::Bound(*holder_, "UPDATE signet_nodes SET last_seen_at = ?2 WHERE node_id = ?1",
                          options_.node_id, Now());
      if ((s && (*s)->Exec("heartbeat", false)) || !holder_->lost()) return;
    }
    holder_.reset();
    Status claimed = Claim();  // while the database is down: again in a second
    if (claimed) {
      lock_lost_warned_ = false;
      log::Info("node id '" + options_.node_id + "' claimed again after a database reconnect");
    } else if (claimed.error().code == ErrorCode::kFailedPrecondition && !lock_lost_warned_) {
      log::Warn("node id '" + options_.node_id +
                "' was claimed by another process while the database was unreachable; this "
                "node keeps appending to the same audit chain (serialized, never forked) "
                "and retries the claim every second");
      lock_lost_warned_ = true;
    }
  }

  const std::string url_;
  const PostgresOptions options_;

  std::unique_ptr<PgConnection> holder_;  // holds the node-id lock; then used by keeper_ only
  bool lock_lost_warned_ = false;         // used by keeper_ only
  std::jthread keeper_;                   // started by ClaimNodeId; stopped first
};

constexpr std::string_view kVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY, "
    "applied_at BIGINT NOT NULL)";

// Migrates under a session advisory lock, so that nodes starting together migrate once.
Status Migrate(PgConnection& conn) {
  const std::string key = std::to_string(kPostgresMigrationLock);
  SIGNET_TRY(conn.Exec("SELECT pg_advisory_lock(" + key + ")"));
  auto was = sql::Migrate(conn, PostgresMigrations(), kVersionTable);
  if (!conn.lost()) (void)conn.Exec("SELECT pg_advisory_unlock(" + key + ")");
  SIGNET_TRY(was);
  if (*was < PostgresSchemaVersion()) {
    log::Info("database schema migrated to version " + std::to_string(PostgresSchemaVersion()));
  }
  return Ok();
}

}  // namespace

int PostgresSchemaVersion() { return PostgresMigrations().back().version; }

Result<std::unique_ptr<Store>> OpenPostgres(const std::string& url,
                                            const PostgresOptions& options) {
  if (url.empty()) return InvalidArgument("the PostgreSQL URL is empty");
  if (options.pool_size < 1 || options.pool_size > 1000) {
    return InvalidArgument("the PostgreSQL pool size is " + std::to_string(options.pool_size) +
                           "; it must be 1 to 1000");
  }
  if (options.connect_timeout.count() <= 0 || options.statement_timeout.count() <= 0) {
    return InvalidArgument("PostgreSQL timeouts must be positive");
  }
  if (options.node_id.size() > 128) {
    return InvalidArgument("node id is " + std::to_string(options.node_id.size()) +
                           " bytes; the maximum is 128");
  }
  SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn, PgConnection::Open(url, options));
  SIGNET_TRY(Migrate(*conn));
  // One pool for reads and writes; Begin*() waits for a connection up to statement_timeout.
  auto pool = std::make_unique<sql::Pool>(
      options.pool_size, options.statement_timeout,
      [url, options]() -> Result<std::unique_ptr<sql::Connection>> {
        return PgConnection::Open(url, options);
      },
      std::move(conn));
  auto store = std::make_unique<PostgresStore>(url, options, std::move(pool));
  if (!options.node_id.empty()) SIGNET_TRY(store->ClaimNodeId());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace signet::store
