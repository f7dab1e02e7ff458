// The conformance suite on PostgreSQL, plus what only the shared-database backend has:
// migrations once across concurrent starts, refusal of a newer schema, node-id claims,
// audit chains and grants under concurrent "nodes", bootstrap exactly once, reconnects,
// timeouts, and the group commit (service::CommitQueue) over pipelined appends.
//
// The server: SIGNET_TEST_PG_URL when set (a database the tests may create schemas in),
// else a throw-away cluster started by scripts/pg-test-cluster.sh for this process and
// stopped at its end. Missing PostgreSQL binaries fail the suite with the script's message;
// nothing is skipped. Every test gets its own schema (search_path in the URL).

#include "store/postgres_store.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/uuid.h"
#include "service/commit_queue.h"
#include "store/postgres_migrations.h"
#include "support/commit_gate.h"
#include "unit/store/store_conformance.h"
#include "unit/store/store_test_util.h"

namespace signet::store::testing {
namespace {

std::string SourceDir() {
  const char* env = std::getenv("SIGNET_SOURCE_DIR");
  return env != nullptr && *env != '\0' ? env : SIGNET_TEST_SOURCE_DIR;
}

// Runs a shell command; returns its exit status and stdout.
std::pair<int, std::string> Run(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return {-1, ""};
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// The server for the whole binary.
class PgEnvironment : public ::testing::Environment {
 public:
  static std::string& BaseUrl() {
    static std::string url;
    return url;
  }

  void SetUp() override {
    if (const char* env = std::getenv("SIGNET_TEST_PG_URL"); env != nullptr && *env != '\0') {
      BaseUrl() = env;
      return;
    }
    char tmpl[] = "/tmp/signet-pg-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto [status, out] = Run(SourceDir() + "/scripts/pg-test-cluster.sh start " + dir_);
    ASSERT_EQ(status, 0) << "cannot start a throw-away PostgreSQL cluster (see the message "
                            "above; set SIGNET_TEST_PG_URL to use an existing server): "
                         << out;
    BaseUrl() = out.substr(out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1);
  }

  void TearDown() override {
    if (!dir_.empty()) Run(SourceDir() + "/scripts/pg-test-cluster.sh stop " + dir_);
  }

 private:
  std::string dir_;
};

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new PgEnvironment);

// A plain libpq connection for setup and inspection outside the store.
class Admin {
 public:
  explicit Admin(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
  }
  ~Admin() { PQfinish(conn_); }
  bool ok() const { return PQstatus(conn_) == CONNECTION_OK; }
  // Runs `sql`; returns the first column of the first row ("" when none), or "ERROR: ...".
  std::string Exec(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    std::string out;
    const auto st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK && PQntuples(r) > 0) {
      out = PQgetvalue(r, 0, 0);
    } else if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
      out = std::string("ERROR: ") + PQresultErrorMessage(r);
    }
    PQclear(r);
    return out;
  }

 private:
  PGconn* conn_;
};

// The base URL with `extra` (key=value, URL-encoded) added to its query string.
std::string WithParam(const std::string& url, const std::string& extra) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + extra;
}

// A fresh schema for one test; Url() selects it through search_path.
class Schema {
 public:
  Schema() : name_("t_" + NewUuid().substr(0, 8)) {
    Admin admin(PgEnvironment::BaseUrl());
    EXPECT_TRUE(admin.ok()) << "cannot connect to " << PgEnvironment::BaseUrl();
    EXPECT_EQ(admin.Exec("CREATE SCHEMA " + name_), "");
  }
  ~Schema() {
    Admin admin(PgEnvironment::BaseUrl());
    admin.Exec("DROP SCHEMA " + name_ + " CASCADE");
  }
  const std::string& name() const { return name_; }
  std::string Url() const {
    return WithParam(PgEnvironment::BaseUrl(), "options=-c%20search_path%3D" + name_);
  }
  std::string Query(const std::string& sql) const {
    Admin admin(Url());
    return admin.Exec(sql);
  }

 private:
  std::string name_;
};

// "a,b,c" as {"a", "b", "c"}; "" as {}.
std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (!text.empty()) {
    const std::size_t end = text.find(separator, start);
    out.push_back(text.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

class PostgresHarness final : public StoreHarness {
 public:
  Result<std::unique_ptr<Store>> Open() override {
    PostgresOptions options;
    options.pool_size = 12;
    return OpenPostgres(schema_.Url(), options);
  }

  // Columns from information_schema; unique keys from pg_constraint (UNIQUE and PRIMARY KEY,
  // with their names); insertion order from the row_seq identity column.
  Result<TableShape> Describe(const std::string& table) override {
    TableShape shape;
    const std::string columns_sql =
        "SELECT string_agg(column_name, ',') FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = '" +
        table + "'";
    for (const std::string& c : Split(schema_.Query(columns_sql), ',')) shape.columns.insert(c);
    if (shape.columns.empty()) return NotFound("no table " + table);
    const std::string keys_sql =
        "SELECT string_agg(c.conname || ':' || (SELECT string_agg(a.attname, ',' ORDER BY k.n) "
        "FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n) JOIN pg_attribute a "
        "ON a.attrelid = c.conrelid AND a.attnum = k.attnum), ';') "
        "FROM pg_constraint c WHERE c.contype IN ('u', 'p') AND c.conrelid = '" +
        table + "'::regclass";
    for (const std::string& key : Split(schema_.Query(keys_sql), ';')) {
      shape.unique.emplace_back(key.substr(0, key.find(':')),
                                Split(key.substr(key.find(':') + 1), ','));
    }
    shape.insertion_order = shape.columns.count("row_seq") == 1;
    return shape;
  }

 private:
  Schema schema_;
};

INSTANTIATE_TEST_SUITE_P(Postgres, StoreConformanceTest,
                         ::testing::Values(StoreBackend{
                             "postgres", [] { return std::make_unique<PostgresHarness>(); }}),
                         BackendName);

PostgresOptions Options(int pool = 4, std::string node_id = "") {
  PostgresOptions o;
  o.pool_size = pool;
  o.node_id = std::move(node_id);
  return o;
}

TEST(PostgresStore, MigrationsRunOnceWhenNodesStartTogether) {
  Schema schema;
  constexpr int kNodes = 6;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  std::vector<std::string> errors(kNodes);
  for (int i = 0; i < kNodes; ++i) {
    threads.emplace_back([&, i] {
      auto store = OpenPostgres(schema.Url(), Options());
      if (!store) {
        errors[i] = store.error().message;
        ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0) << errors[0] << errors[1];
  EXPECT_EQ(schema.Query("SELECT COUNT(*) FROM schema_version"),
            std::to_string(PostgresSchemaVersion()));
  EXPECT_EQ(schema.Query("SELECT MAX(version) FROM schema_version"),
            std::to_string(PostgresSchemaVersion()));
}

TEST(PostgresStore, RefusesANewerSchema) {
  Schema schema;
  { ASSERT_OK(OpenPostgres(schema.Url(), Options())); }
  const int newer = PostgresSchemaVersion() + 1;
  EXPECT_EQ(schema.Query("INSERT INTO schema_version VALUES (" + std::to_string(newer) + ", 0)"),
            "");
  auto reopened = OpenPostgres(schema.Url(), Options());
  ASSERT_FALSE(reopened.has_value());
  EXPECT_EQ(reopened.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(reopened.error().message.find("newer"), std::string::npos) << reopened.error().message;
  EXPECT_EQ(schema.Query("SELECT MAX(version) FROM schema_version"), std::to_string(newer));
}

TEST(PostgresStore, RejectsBadOptionsAndUnreachableServers) {
  Schema schema;
  EXPECT_ERROR(OpenPostgres("", Options()), ErrorCode::kInvalidArgument);
  EXPECT_ERROR(OpenPostgres(schema.Url(), Options(0)), ErrorCode::kInvalidArgument);
  PostgresOptions zero = Options();
  zero.statement_timeout = std::chrono::milliseconds(0);
  EXPECT_ERROR(OpenPostgres(schema.Url(), zero), ErrorCode::kInvalidArgument);
  // Port 1 on loopback: nothing listens there.
  EXPECT_ERROR(OpenPostgres("postgresql://postgres@127.0.0.1:1/signet", Options()),
               ErrorCode::kUnavailable);
}

TEST(PostgresStore, TlsIsRequestedThroughTheUrl) {
  Schema schema;
  // The test cluster has no certificate: sslmode=require must fail rather than fall back
  // to plain text, which shows the URL's TLS setting reaches libpq.
  auto store = OpenPostgres(WithParam(schema.Url(), "sslmode=require"), Options());
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(store.error().message.find("SSL"), std::string::npos) << store.error().message;
}

TEST(PostgresStore, ANodeIdIsHeldByOneLiveStoreAtATime) {
  Schema schema;
  auto first = OpenPostgres(schema.Url(), Options(2, "node-x"));
  ASSERT_OK(first);
  auto second = OpenPostgres(schema.Url(), Options(2, "node-x"));
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(second.error().message.find("node id 'node-x' is in use"), std::string::npos)
      << second.error().message;
  EXPECT_NE(second.error().message.find("pid " + std::to_string(getpid())), std::string::npos)
      << second.error().message;
  ASSERT_OK(OpenPostgres(schema.Url(), Options(2, "node-y")));  // another id is fine
  first->reset();                                               // the node stops
  ASSERT_OK(OpenPostgres(schema.Url(), Options(2, "node-x")));
  EXPECT_EQ(schema.Query("SELECT COUNT(*) FROM signet_nodes"), "2");
}

TEST(PostgresStore, AppendsOfOneNodeIdNeverForkAcrossStores) {
  Schema schema;
  ASSERT_OK_AND_ASSIGN(auto a, OpenPostgres(schema.Url(), Options(6)));
  ASSERT_OK_AND_ASSIGN(auto b, OpenPostgres(schema.Url(), Options(6)));
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    Store& store = t % 2 == 0 ? *a : *b;
    threads.emplace_back([&store, &errors] {
      for (int i = 0; i < kPerThread; ++i) {
        auto tx = store.BeginWrite();
        if (!tx) {
          ++errors;
          continue;
        }
        auto last = (*tx)->LastAuditEvent("shared");
        if (!last) {
          ++errors;
          continue;
        }
        const std::int64_t seq = *last ? (*last)->seq + 1 : 1;
        if (!(*tx)->AppendAuditEvent(MakeAuditEvent("shared", seq, T(seq))) || !(*tx)->Commit()) {
          ++errors;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  ASSERT_OK_AND_ASSIGN(auto tx, a->BeginRead());
  std::int64_t expected = 1;
  ASSERT_OK(tx->ForEachAuditEvent("shared", [&](const domain::AuditEvent& e) -> Status {
    EXPECT_EQ(e.seq, expected);
    ++expected;
    return Ok();
  }));
  EXPECT_EQ(expected - 1, kThreads * kPerThread);
}

TEST(PostgresStore, BootstrapCountSucceedsOnceAcrossStores) {
  Schema schema;
  ASSERT_OK_AND_ASSIGN(auto a, OpenPostgres(schema.Url(), Options(4)));
  ASSERT_OK_AND_ASSIGN(auto b, OpenPostgres(schema.Url(), Options(4)));
  std::atomic<int> created{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    Store& store = t % 2 == 0 ? *a : *b;
    threads.emplace_back([&store, &created, &errors, t] {
      auto tx = store.BeginWrite();
      if (!tx) {
        ++errors;
        return;
      }
      auto n = (*tx)->CountUsers();
      if (!n) {
        ++errors;
        return;
      }
      if (*n > 0) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // widen the window
      if (!(*tx)->InsertUser(MakeUser("admin" + std::to_string(t) + "@example.com")) ||
          !(*tx)->Commit()) {
        ++errors;
        return;
      }
      ++created;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(schema.Query("SELECT COUNT(*) FROM users"), "1");
}

TEST(PostgresStore, DefaultProjectLookupThenInsertRunsOnceAcrossStores) {
  Schema schema;
  ASSERT_OK_AND_ASSIGN(auto a, OpenPostgres(schema.Url(), Options(4)));
  ASSERT_OK_AND_ASSIGN(auto b, OpenPostgres(schema.Url(), Options(4)));
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    Store& store = t % 2 == 0 ? *a : *b;
    threads.emplace_back([&store, &errors] {
      auto tx = store.BeginWrite();
      if (!tx) {
        ++errors;
        return;
      }
      auto existing = (*tx)->GetProjectBySlug("default");
      if (existing) return;
      if (existing.error().code != ErrorCode::kNotFound) {
        ++errors;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (!(*tx)->InsertProject(MakeProject("default")) || !(*tx)->Commit()) ++errors;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(schema.Query("SELECT COUNT(*) FROM projects"), "1");
}

TEST(PostgresStore, GrantUsesStayExactAcrossStores) {
  Schema schema;
  ASSERT_OK_AND_ASSIGN(auto a, OpenPostgres(schema.Url(), Options(6)));
  ASSERT_OK_AND_ASSIGN(auto b, OpenPostgres(schema.Url(), Options(6)));
  domain::Project p = MakeProject("p");
  domain::Certificate c = MakeCertificate(p.id);
  domain::Signer s = MakeSigner(p.id, c.id, "one");
  domain::Grant g = MakeGrant(s.id, 7);
  {
    ASSERT_OK_AND_ASSIGN(auto tx, a->BeginWrite());
    ASSERT_OK(tx->InsertProject(p));
    ASSERT_OK(tx->InsertCertificate(c));
    ASSERT_OK(tx->InsertSigner(s));
    ASSERT_OK(tx->InsertGrant(g));
    ASSERT_OK(tx->Commit());
  }
  std::atomic<int> used{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 10; ++t) {
    Store& store = t % 2 == 0 ? *a : *b;
    threads.emplace_back([&] {
      for (int i = 0; i < 4; ++i) {
        auto tx = store.BeginWrite();
        if (!tx) {
          ++errors;
          continue;
        }
        auto ok = (*tx)->TryUseGrant(g.id, T(5));
        if (!ok || !(*tx)->Commit()) {
          ++errors;
          continue;
        }
        if (*ok) ++used;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(used.load(), 7);
  EXPECT_EQ(schema.Query("SELECT used_signings FROM grants"), "7");
}

// Terminates every signetd connection to the server, as a database restart does.
void TerminateStoreConnections() {
  Admin admin(PgEnvironment::BaseUrl());
  admin.Exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE application_name = 'signetd' AND pid <> pg_backend_pid()");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

TEST(PostgresStore, ReconnectsAfterLostConnections) {
  Schema schema;
  ASSERT_OK_AND_ASSIGN(auto store, OpenPostgres(schema.Url(), Options(3, "node-r")));
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store->BeginWrite());
    ASSERT_OK(tx->InsertUser(MakeUser("a@example.com")));
    ASSERT_OK(tx->Commit());
  }
  // Idle pooled connections that died are replaced without an error.
  TerminateStoreConnections();
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store->BeginRead());
    ASSERT_OK_AND_ASSIGN(auto n, tx->CountUsers());
    EXPECT_EQ(n, 1);
  }
  // A transaction whose connection dies fails with kUnavailable; the next one works.
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store->BeginWrite());
    TerminateStoreConnections();
    EXPECT_ERROR(tx->InsertUser(MakeUser("b@example.com")), ErrorCode::kUnavailable);
    EXPECT_ERROR(tx->CountUsers(), ErrorCode::kUnavailable);
  }
  ASSERT_OK_AND_ASSIGN(auto tx, store->BeginWrite());
  ASSERT_OK(tx->InsertUser(MakeUser("b@example.com")));
  ASSERT_OK(tx->Commit());
  // The node-id claim comes back too (the keeper retries every second).
  std::string holders;
  for (int i = 0; i < 50 && holders != "1"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    holders = schema.Query(
        "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2 "
        "AND classid = " +
        std::to_string(kLockClassNodeId) + "::oid");
  }
  EXPECT_EQ(holders, "1");
  EXPECT_ERROR(OpenPostgres(schema.Url(), Options(2, "node-r")), ErrorCode::kFailedPrecondition);
}

TEST(PostgresStore, LockWaitsEndInUnavailableAfterTheStatementTimeout) {
  Schema schema;
  PostgresOptions options = Options(4);
  options.statement_timeout = std::chrono::milliseconds(300);
  ASSERT_OK_AND_ASSIGN(auto store, OpenPostgres(schema.Url(), options));
  domain::User u = MakeUser("a@example.com");
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store->BeginWrite());
    ASSERT_OK(tx->InsertUser(u));
    ASSERT_OK(tx->Commit());
  }
  ASSERT_OK_AND_ASSIGN(auto holder, store->BeginWrite());
  u.updated_at = T(1);
  ASSERT_OK(holder->UpdateUser(u));  // holds the row lock
  ASSERT_OK_AND_ASSIGN(auto waiter, store->BeginWrite());
  EXPECT_ERROR(waiter->UpdateUser(u), ErrorCode::kUnavailable);
  waiter.reset();
  ASSERT_OK(holder->Commit());
}

TEST(PostgresStore, AFailedCommitIsReported) {
  Schema schema;
  ASSERT_OK_AND_ASSIGN(auto store, OpenPostgres(schema.Url(), Options(2)));
  ASSERT_OK_AND_ASSIGN(auto tx, store->BeginWrite());
  ASSERT_OK(tx->InsertUser(MakeUser("a@example.com")));
  TerminateStoreConnections();
  EXPECT_ERROR(tx->Commit(), ErrorCode::kUnavailable);
  ASSERT_OK_AND_ASSIGN(auto read, store->BeginRead());
  ASSERT_OK_AND_ASSIGN(auto n, read->CountUsers());
  EXPECT_EQ(n, 0);
}

// ---- The group commit on PostgreSQL: its appends travel in one pipeline with the commit
// (Tx::DeferAppends), so a failing append is only seen at the commit. ----

service::CommitQueue::Work AppendEvent(domain::AuditEvent e) {
  return [e](Tx& tx) { return tx.AppendAuditEvent(e); };
}

// What the audit_events table holds for `node`, as "seq:n" in seq order (time = T(n)).
std::string EventsOf(const Schema& schema, const std::string& node) {
  const std::string t0 = std::to_string(ToUnixMillis(T(0)));
  return schema.Query("SELECT COALESCE(string_agg(seq || ':' || (time - " + t0 +
                      "), ',' ORDER BY seq), '') FROM audit_events WHERE node_id = '" + node + "'");
}

TEST(PostgresGroupCommit, OneBadRecordInAPipelinedGroupDoesNotFailTheOthers) {
  Schema schema;
  ASSERT_OK_AND_ASSIGN(auto store, OpenPostgres(schema.Url(), Options(4)));
  service::CommitQueue queue(*store);
  {
    std::promise<Status> first;
    queue.Submit(AppendEvent(MakeAuditEvent("n", 1, T(1))),
                 [&](Status s) { first.set_value(std::move(s)); });
    ASSERT_OK(first.get_future().get());
  }
  testutil::CommitGate gate;
  std::promise<Status> gated;
  queue.Submit(gate.Work(), [&](Status s) { gated.set_value(std::move(s)); });
  gate.WaitEntered();
  // One batch: the fourth record forks the chain (seq 1 exists), the others are good.
  const std::vector<domain::AuditEvent> items = {
      MakeAuditEvent("n", 2, T(2)), MakeAuditEvent("n", 3, T(3)), MakeAuditEvent("m", 1, T(4)),
      MakeAuditEvent("n", 1, T(5)), MakeAuditEvent("n", 4, T(6))};
  std::vector<std::promise<Status>> results(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    queue.Submit(AppendEvent(items[i]),
                 [&results, i](Status s) { results[i].set_value(std::move(s)); });
  }
  gate.Open();
  ASSERT_OK(gated.get_future().get());
  for (std::size_t i = 0; i < items.size(); ++i) {
    Status s = results[i].get_future().get();
    if (i == 3) {
      ASSERT_FALSE(s.has_value());
      EXPECT_EQ(s.error().code, ErrorCode::kAlreadyExists);
      EXPECT_NE(s.error().message.find("audit event"), std::string::npos) << s.error().message;
    } else {
      EXPECT_TRUE(s.has_value()) << i << ": " << s.error().message;
    }
  }
  EXPECT_EQ(EventsOf(schema, "n"), "1:1,2:2,3:3,4:6");
  EXPECT_EQ(EventsOf(schema, "m"), "1:4");
}

// The connection dies while a group is in flight: every caller of the group gets
// kUnavailable, none is acknowledged without its record, and the next group commits on a
// new connection.
TEST(PostgresGroupCommit, ADroppedConnectionFailsTheWholeGroupAndLosesNothingAcknowledged) {
  Schema schema;
  ASSERT_OK_AND_ASSIGN(auto store, OpenPostgres(schema.Url(), Options(4)));
  service::CommitQueue queue(*store);
  testutil::CommitGate gate;
  std::promise<Status> gated;
  queue.Submit(gate.Work(), [&](Status s) { gated.set_value(std::move(s)); });
  gate.WaitEntered();
  // One batch: three records kept for the commit's pipeline, then the connection dies
  // before that pipeline goes out, then two more records.
  std::vector<service::CommitQueue::Work> work = {AppendEvent(MakeAuditEvent("n", 1, T(1))),
                                                  AppendEvent(MakeAuditEvent("n", 2, T(2))),
                                                  AppendEvent(MakeAuditEvent("n", 3, T(3))),
                                                  [](Tx&) -> Status {
                                                    TerminateStoreConnections();
                                                    return Ok();
                                                  },
                                                  AppendEvent(MakeAuditEvent("n", 4, T(4))),
                                                  AppendEvent(MakeAuditEvent("n", 5, T(5)))};
  std::vector<std::promise<Status>> results(work.size());
  for (std::size_t i = 0; i < work.size(); ++i) {
    queue.Submit(work[i], [&results, i](Status s) { results[i].set_value(std::move(s)); });
  }
  gate.Open();
  ASSERT_OK(gated.get_future().get());
  int acknowledged = 0;
  for (auto& r : results) {
    Status s = r.get_future().get();
    if (s) {
      ++acknowledged;
    } else {
      EXPECT_EQ(s.error().code, ErrorCode::kUnavailable) << s.error().message;
    }
  }
  EXPECT_EQ(acknowledged, 0);
  EXPECT_EQ(EventsOf(schema, "n"), "");
  // The next group reconnects and commits.
  std::promise<Status> next;
  queue.Submit(AppendEvent(MakeAuditEvent("n", 1, T(9))),
               [&](Status s) { next.set_value(std::move(s)); });
  ASSERT_OK(next.get_future().get());
  EXPECT_EQ(EventsOf(schema, "n"), "1:9");
}

// A transaction with kept appends: a failed one is returned by the next read and by
// Commit, every call in between fails, and nothing is committed.
TEST(PostgresStore, AKeptAppendThatFailsFailsTheRestOfItsTransaction) {
  Schema schema;
  ASSERT_OK_AND_ASSIGN(auto store, OpenPostgres(schema.Url(), Options(2)));
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store->BeginWrite());
    ASSERT_OK(tx->AppendAuditEvent(MakeAuditEvent("n", 1, T(1))));
    ASSERT_OK(tx->Commit());
  }
  ASSERT_OK_AND_ASSIGN(auto tx, store->BeginWrite());
  tx->DeferAppends();
  ASSERT_OK(tx->AppendAuditEvent(MakeAuditEvent("n", 2, T(2))));
  ASSERT_OK(tx->AppendAuditEvent(MakeAuditEvent("n", 1, T(3))));  // kept: not checked yet
  EXPECT_ERROR(tx->GetSetting("x"), ErrorCode::kAlreadyExists);   // sent with this read
  EXPECT_ERROR(tx->PutSetting("x", "y"), ErrorCode::kAlreadyExists);
  EXPECT_ERROR(tx->InsertUser(MakeUser("a@example.com")), ErrorCode::kAlreadyExists);
  EXPECT_ERROR(tx->Commit(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(EventsOf(schema, "n"), "1:1");
  EXPECT_EQ(schema.Query("SELECT COUNT(*) FROM users"), "0");
  // The connection went back to the pool clean.
  ASSERT_OK_AND_ASSIGN(auto again, store->BeginWrite());
  again->DeferAppends();
  ASSERT_OK(again->AppendAuditEvent(MakeAuditEvent("n", 2, T(4))));
  ASSERT_OK(again->Commit());
  EXPECT_EQ(EventsOf(schema, "n"), "1:1,2:4");
}

// A dropped connection with kept appends: Commit reports kUnavailable, nothing committed.
TEST(PostgresStore, ADroppedConnectionBeforeAPipelinedCommitCommitsNothing) {
  Schema schema;
  ASSERT_OK_AND_ASSIGN(auto store, OpenPostgres(schema.Url(), Options(2)));
  ASSERT_OK_AND_ASSIGN(auto tx, store->BeginWrite());
  tx->DeferAppends();
  ASSERT_OK(tx->AppendAuditEvent(MakeAuditEvent("n", 1, T(1))));
  ASSERT_OK(tx->PutSetting("head", "1"));
  TerminateStoreConnections();
  EXPECT_ERROR(tx->Commit(), ErrorCode::kUnavailable);
  EXPECT_EQ(EventsOf(schema, "n"), "");
  EXPECT_EQ(schema.Query("SELECT COUNT(*) FROM settings WHERE key = 'head'"), "0");
}

}  // namespace
}  // namespace signet::store::testing
