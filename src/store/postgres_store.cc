#include "store/postgres_store.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/log.h"
#include "store/postgres_migrations.h"
#include "store/text_codec.h"

namespace signet::store {
namespace {

using domain::PrincipalType;

// Type OIDs of the parameters we bind (pg_type.h; stable across server versions).
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kTextOid = 25;

// ---- Results ------------------------------------------------------------------------------

struct ResultClearer {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultClearer>;

// One row of a result in binary format. Mirrors the column readers of the SQLite backend so
// that both share the row readers below.
class Row {
 public:
  Row(const PGresult* res, int row) : res_(res), row_(row) {}

  bool IsNull(int c) const { return PQgetisnull(res_, row_, c) != 0; }
  std::int64_t Int(int c) const {
    const auto* p = reinterpret_cast<const unsigned char*>(PQgetvalue(res_, row_, c));
    const int n = PQgetlength(res_, row_, c);
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
    // Sign-extend 2- and 4-byte integers.
    if (n > 0 && n < 8 && (p[0] & 0x80) != 0) v |= ~std::uint64_t{0} << (8 * n);
    return static_cast<std::int64_t>(v);
  }
  bool Bool(int c) const { return Int(c) != 0; }
  TimePoint Time(int c) const { return FromUnixMillis(Int(c)); }
  std::string Text(int c) const {
    return std::string(PQgetvalue(res_, row_, c), PQgetlength(res_, row_, c));
  }
  Bytes Blob(int c) const {
    const auto* p = reinterpret_cast<const std::uint8_t*>(PQgetvalue(res_, row_, c));
    return Bytes(p, p + PQgetlength(res_, row_, c));
  }
  std::optional<std::string> OptText(int c) const {
    if (IsNull(c)) return std::nullopt;
    return Text(c);
  }
  std::optional<std::int64_t> OptInt(int c) const {
    if (IsNull(c)) return std::nullopt;
    return Int(c);
  }
  std::optional<TimePoint> OptTime(int c) const {
    if (IsNull(c)) return std::nullopt;
    return Time(c);
  }
  std::optional<Millis> OptMillis(int c) const {
    if (IsNull(c)) return std::nullopt;
    return Millis(Int(c));
  }
  template <class E>
  Result<E> Enum(int c, Result<E> (*parse)(std::string_view)) const {
    auto parsed = parse(Text(c));
    if (!parsed) return Internal("corrupt row: " + parsed.error().message);
    return *parsed;
  }

 private:
  const PGresult* res_;
  int row_;
};

// ---- Parameters ---------------------------------------------------------------------------

// Statement parameters $1..$N, all in binary format with explicit types, so that the
// server never has to guess a type ("$2 IS NULL OR status = $2") and nothing is escaped.
class Params {
 public:
  void Bind(int, std::string_view v) { Add(kTextOid, std::string(v)); }
  void Bind(int i, const std::string& v) { Bind(i, std::string_view(v)); }
  void Bind(int i, const char* v) { Bind(i, std::string_view(v)); }
  void Bind(int, long v) { AddInt(v); }
  void Bind(int, long long v) { AddInt(v); }
  void Bind(int, int v) { AddInt(v); }
  void Bind(int, bool v) { Add(kBoolOid, std::string(1, v ? '\1' : '\0')); }
  void Bind(int, TimePoint v) { AddInt(ToUnixMillis(v)); }
  void Bind(int, Millis v) { AddInt(v.count()); }
  void Bind(int, const Bytes& v) { Add(kByteaOid, std::string(v.begin(), v.end())); }
  template <class T>
  void Bind(int i, const std::optional<T>& v) {
    if (v) {
      Bind(i, *v);
    } else {
      AddNull(TypeOf(static_cast<const T*>(nullptr)));
    }
  }

  // Binds $1, $2, ... in order.
  template <class... A>
  void BindAll(const A&... args) {
    int i = 1;
    (Bind(i++, args), ...);
  }

  int size() const { return static_cast<int>(types_.size()); }
  const Oid* types() const { return types_.data(); }
  // Pointers into the stored values; valid while this object lives and is not changed.
  std::vector<const char*> values() const {
    std::vector<const char*> out;
    for (std::size_t i = 0; i < values_.size(); ++i) {
      out.push_back(null_[i] ? nullptr : values_[i].data());
    }
    return out;
  }
  std::vector<int> lengths() const {
    std::vector<int> out;
    for (const auto& v : values_) out.push_back(static_cast<int>(v.size()));
    return out;
  }
  std::vector<int> formats() const { return std::vector<int>(values_.size(), 1); }

 private:
  static Oid TypeOf(const std::string*) { return kTextOid; }
  static Oid TypeOf(const std::string_view*) { return kTextOid; }
  static Oid TypeOf(const std::int64_t*) { return kInt8Oid; }
  static Oid TypeOf(const TimePoint*) { return kInt8Oid; }
  static Oid TypeOf(const Millis*) { return kInt8Oid; }
  static Oid TypeOf(const bool*) { return kBoolOid; }
  static Oid TypeOf(const Bytes*) { return kByteaOid; }

  void AddInt(std::int64_t v) {
    std::string bytes(8, '\0');
    auto u = static_cast<std::uint64_t>(v);
    for (int i = 7; i >= 0; --i) {
      bytes[i] = static_cast<char>(u & 0xff);
      u >>= 8;
    }
    Add(kInt8Oid, std::move(bytes));
  }
  void Add(Oid type, std::string value) {
    types_.push_back(type);
    values_.push_back(std::move(value));
    null_.push_back(false);
  }
  void AddNull(Oid type) {
    types_.push_back(type);
    values_.emplace_back();
    null_.push_back(true);
  }

  std::vector<Oid> types_;
  std::vector<std::string> values_;
  std::vector<bool> null_;
};

template <class... A>
Params MakeParams(const A&... args) {
  Params p;
  p.BindAll(args...);
  return p;
}

// ---- Errors -------------------------------------------------------------------------------

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Maps a failed statement to the store's error contract (store.h). `lost` is set when the
// connection itself is unusable afterwards. A unique violation's message starts with the
// constraint name ("signers_project_name_key: duplicate key ...") so that WriteErrors can
// name the rule, like the column list does on SQLite.
Error PgError(PGconn* conn, const PGresult* res, std::string_view context, bool* lost) {
  const char* state_c = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const std::string state = state_c != nullptr ? state_c : "";
  std::string msg = Trim(res != nullptr && *PQresultErrorMessage(res) != '\0'
                             ? PQresultErrorMessage(res)
                             : PQerrorMessage(conn));
  if (PQstatus(conn) != CONNECTION_OK || state.empty() || state.rfind("08", 0) == 0 ||
      state == "57P01" || state == "57P02" || state == "57P03") {
    *lost = true;
    return Error{ErrorCode::kUnavailable,
                 "database unavailable (" + std::string(context) + "): " + msg};
  }
  if (state == "23505") {
    const char* constraint = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
    return Error{ErrorCode::kAlreadyExists,
                 std::string(constraint != nullptr ? constraint : "") + ": " + msg};
  }
  if (state == "23503") {
    return Error{ErrorCode::kFailedPrecondition,
                 std::string(context) +
                     ": a referenced row does not exist, or the row is still referenced"};
  }
  if (state == "25006") {
    return Error{ErrorCode::kFailedPrecondition,
                 std::string(context) + ": write attempted in a read transaction (" + msg + ")"};
  }
  if (state == "40001" || state == "40P01" || state == "55P03" || state == "57014" ||
      state.rfind("53", 0) == 0) {
    // Serialization failure, deadlock, lock timeout, statement timeout, out of resources
    // (too many connections, disk full): the caller may retry the whole transaction.
    return Error{ErrorCode::kUnavailable,
                 "database busy (" + std::string(context) + "): " + msg};
  }
  return Error{ErrorCode::kInternal,
               "database error (" + std::string(context) + ", SQLSTATE " + state + "): " + msg};
}

// How a write names its failures: for a unique violation of the constraint `constraint`,
// use `message`; for a foreign key violation, `foreign_key`.
struct UniqueRule {
  std::string_view constraint;
  std::string message;
};
struct WriteErrors {
  std::string_view context;  // "insert signer"
  std::vector<UniqueRule> unique;
  std::string foreign_key;
};

Error Rename(Error e, const WriteErrors& errors) {
  if (e.code == ErrorCode::kAlreadyExists) {
    for (const auto& rule : errors.unique) {
      if (e.message.rfind(std::string(rule.constraint) + ":", 0) == 0) {
        return Error{e.code, rule.message};
      }
    }
    return Error{e.code, std::string(errors.context) + ": " + e.message};
  }
  if (e.code == ErrorCode::kFailedPrecondition && !errors.foreign_key.empty() &&
      e.message.find("referenced") != std::string::npos) {
    return Error{e.code, errors.foreign_key};
  }
  return e;
}

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

std::int64_t RowsChanged(const PGresult* res) {
  const char* n = PQcmdTuples(const_cast<PGresult*>(res));
  return (n == nullptr || *n == '\0') ? 0 : std::stoll(n);
}

// ---- Connections --------------------------------------------------------------------------

struct ConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};

// One step of a pipeline: a statement and its parameters.
struct Step {
  std::string_view sql;
  const Params* params;
};

// One libpq connection and its prepared statements. Used by one thread at a time (the store
// hands it to one Tx at a time). Once lost() it is never used again.
class Connection {
 public:
  static Result<std::unique_ptr<Connection>> Open(const std::string& url,
                                                  const PostgresOptions& options) {
    const long connect_s =
        std::max<long>(2, static_cast<long>((options.connect_timeout.count() + 999) / 1000));
    const std::string connect_timeout = std::to_string(connect_s);
    // Our defaults come before dbname, so that the URL's own settings win.
    const char* keys[] = {"connect_timeout", "application_name", "keepalives",
                          "keepalives_idle", "keepalives_interval", "keepalives_count",
                          "dbname", nullptr};
    const char* values[] = {connect_timeout.c_str(), "signetd", "1", "10", "5", "3", url.c_str(),
                            nullptr};
    std::unique_ptr<PGconn, ConnCloser> conn(PQconnectdbParams(keys, values, 1));
    if (conn == nullptr) return Unavailable("cannot allocate a PostgreSQL connection");
    if (PQstatus(conn.get()) != CONNECTION_OK) {
      return Unavailable("cannot connect to PostgreSQL: " + Trim(PQerrorMessage(conn.get())));
    }
    // Server notices (e.g. "there is no transaction in progress") are not errors and must
    // not reach stderr uncontrolled; errors arrive with their results.
    PQsetNoticeProcessor(conn.get(), [](void*, const char*) {}, nullptr);
    auto c = std::unique_ptr<Connection>(new Connection(std::move(conn)));
    // Session settings: UTC, a bound on every statement and on a transaction left idle
    // (a stuck client must not hold row or advisory locks forever).
    const std::string timeout = std::to_string(options.statement_timeout.count());
    const std::string idle = std::to_string(std::max<std::int64_t>(
        60000, 6 * static_cast<std::int64_t>(options.statement_timeout.count())));
    SIGNET_TRY(c->Exec("SET TIME ZONE 'UTC'; SET statement_timeout = " + timeout +
                       "; SET idle_in_transaction_session_timeout = " + idle));
    return c;
  }

  bool lost() const { return lost_ || PQstatus(conn_.get()) != CONNECTION_OK; }
  // Outside any transaction (nothing to roll back).
  bool idle() const { return PQtransactionStatus(conn_.get()) == PQTRANS_IDLE; }
  void MarkLost() { lost_ = true; }

  // Runs statements without parameters and results (BEGIN, COMMIT, SET, migrations) with
  // the simple protocol. Returns the command tag of the last statement.
  Result<std::string> ExecTag(std::string_view sql) {
    const std::string text(sql);
    PgResult res(PQexec(conn_.get(), text.c_str()));
    const ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      return tl::unexpected(PgError(conn_.get(), res.get(), text.substr(0, 60), &lost_));
    }
    return std::string(PQcmdStatus(res.get()));
  }
  Status Exec(std::string_view sql) {
    SIGNET_ASSIGN_OR_RETURN(std::string tag, ExecTag(sql));
    (void)tag;
    return Ok();
  }

  // Runs one prepared statement (prepared on first use) and returns its result.
  Result<PgResult> Query(std::string_view sql, const Params& params, std::string_view context) {
    SIGNET_ASSIGN_OR_RETURN(const std::string* name, Prepared(sql, params));
    const auto values = params.values();
    const auto lengths = params.lengths();
    const auto formats = params.formats();
    PgResult res(PQexecPrepared(conn_.get(), name->c_str(), params.size(), values.data(),
                                lengths.data(), formats.data(), /*resultFormat=*/1));
    const ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      return tl::unexpected(PgError(conn_.get(), res.get(), context, &lost_));
    }
    return res;
  }

  // Sends the steps in one round trip (libpq pipeline mode) and returns one result per
  // step. When a step fails, the later steps are skipped by the server; the first failure
  // is returned. Every statement runs with its own snapshot (READ COMMITTED), so a step
  // after a lock sees what the lock holder committed.
  Result<std::vector<PgResult>> Pipeline(std::span<const Step> steps, std::string_view context) {
    std::vector<const std::string*> names;
    for (const Step& s : steps) {
      SIGNET_ASSIGN_OR_RETURN(const std::string* name, Prepared(s.sql, *s.params));
      names.push_back(name);
    }
    if (PQenterPipelineMode(conn_.get()) != 1) {
      lost_ = true;
      return Unavailable("database unavailable (" + std::string(context) +
                         "): cannot enter pipeline mode: " + Trim(PQerrorMessage(conn_.get())));
    }
    bool sent = true;
    for (std::size_t i = 0; i < steps.size() && sent; ++i) {
      const auto values = steps[i].params->values();
      const auto lengths = steps[i].params->lengths();
      const auto formats = steps[i].params->formats();
      sent = PQsendQueryPrepared(conn_.get(), names[i]->c_str(), steps[i].params->size(),
                                 values.data(), lengths.data(), formats.data(), 1) == 1;
    }
    if (sent) sent = PQpipelineSync(conn_.get()) == 1;
    if (!sent) {
      lost_ = true;
      return Unavailable("database unavailable (" + std::string(context) +
                         "): " + Trim(PQerrorMessage(conn_.get())));
    }
    std::vector<PgResult> results;
    std::optional<Error> failure;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      PgResult res(PQgetResult(conn_.get()));
      if (!res) {
        lost_ = true;
        return Unavailable("database unavailable (" + std::string(context) +
                           "): " + Trim(PQerrorMessage(conn_.get())));
      }
      while (PGresult* extra = PQgetResult(conn_.get())) PQclear(extra);  // up to the NULL
      const ExecStatusType st = PQresultStatus(res.get());
      if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_PIPELINE_ABORTED &&
          !failure) {
        failure = PgError(conn_.get(), res.get(), context, &lost_);
      }
      results.push_back(std::move(res));
      if (lost()) break;
    }
    if (!lost()) {
      PgResult sync(PQgetResult(conn_.get()));
      if (!sync || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC) lost_ = true;
    }
    if (lost_ || PQexitPipelineMode(conn_.get()) != 1) {
      lost_ = true;
      if (failure) return tl::unexpected(*failure);
      return Unavailable("database unavailable (" + std::string(context) +
                         "): " + Trim(PQerrorMessage(conn_.get())));
    }
    if (failure) return tl::unexpected(*failure);
    return results;
  }

 private:
  explicit Connection(std::unique_ptr<PGconn, ConnCloser> conn) : conn_(std::move(conn)) {}

  Result<const std::string*> Prepared(std::string_view sql, const Params& params) {
    auto it = prepared_.find(std::string(sql));
    if (it != prepared_.end()) return &it->second;
    const std::string name = "signet_" + std::to_string(prepared_.size() + 1);
    const std::string text(sql);
    PgResult res(PQprepare(conn_.get(), name.c_str(), text.c_str(), params.size(), params.types()));
    if (!res || PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
      return tl::unexpected(PgError(conn_.get(), res.get(), "prepare", &lost_));
    }
    return &prepared_.emplace(text, name).first->second;
  }

  std::unique_ptr<PGconn, ConnCloser> conn_;
  std::unordered_map<std::string, std::string> prepared_;  // sql -> statement name
  bool lost_ = false;
};

// ---- Tables -------------------------------------------------------------------------------

// A table's columns (the first is the key) and the SQL generated from them. Binding
// functions bind the entity's fields as $1..$N in column order, so INSERT and UPDATE share
// one binder.
struct Table {
  std::string_view entity;  // "signer", for messages
  std::string_view name;
  std::vector<std::string_view> cols;
  std::string select;  // "SELECT c1, c2 FROM t"
  std::string insert;
  std::string update;  // by key, every column
  std::string get;     // select ... WHERE key = $1
  std::string del;

  Table(std::string_view entity_name, std::string_view table, std::vector<std::string_view> columns)
      : entity(entity_name), name(table), cols(std::move(columns)) {
    std::string list, params, sets;
    for (std::size_t i = 0; i < cols.size(); ++i) {
      const std::string n = std::to_string(i + 1);
      if (i > 0) {
        list += ", ";
        params += ", ";
      }
      list += std::string(cols[i]);
      params += "$" + n;
      if (i > 0) {
        if (!sets.empty()) sets += ", ";
        sets += std::string(cols[i]) + " = $" + n;
      }
    }
    const std::string key(cols[0]);
    select = "SELECT " + list + " FROM " + std::string(name);
    insert = "INSERT INTO " + std::string(name) + " (" + list + ") VALUES (" + params + ")";
    update = "UPDATE " + std::string(name) + " SET " + sets + " WHERE " + key + " = $1";
    get = select + " WHERE " + key + " = $1";
    del = "DELETE FROM " + std::string(name) + " WHERE " + key + " = $1";
  }
};

const Table& Users() {
  static const Table t("user", "users",
                       {"id", "email", "password_hash", "org_role", "created_at", "updated_at"});
  return t;
}
const Table& Identities() {
  static const Table t("identity", "identities",
                       {"id", "name", "client_id", "created_at", "updated_at"});
  return t;
}
const Table& ClientSecrets() {
  static const Table t(
      "client secret", "client_secrets",
      {"id", "identity_id", "secret_hash", "description", "created_at", "revoked"});
  return t;
}
const Table& AccessTokens() {
  static const Table t(
      "access token", "access_tokens",
      {"token_hash", "principal_type", "principal_id", "created_at", "expires_at", "revoked"});
  return t;
}
const Table& Projects() {
  static const Table t("project", "projects",
                       {"id", "name", "slug", "description", "created_at", "updated_at"});
  return t;
}
const Table& Memberships() {
  static const Table t(
      "membership", "project_memberships",
      {"id", "project_id", "principal_type", "principal_id", "role", "created_at"});
  return t;
}
const Table& Cas() {
  static const Table t("certificate authority", "certificate_authorities",
                       {"id", "project_id", "parent_ca_id", "common_name", "key_algorithm",
                        "key_id", "certificate_pem", "certificate_chain_pem", "serial_number",
                        "not_before", "not_after", "status", "created_at", "updated_at"});
  return t;
}
const Table& Certificates() {
  static const Table t(
      "certificate", "certificates",
      {"id", "project_id", "ca_id", "common_name", "key_algorithm", "key_id", "status",
       "certificate_pem", "certificate_chain_pem", "csr_pem", "serial_number", "not_before",
       "not_after", "key_usages", "extended_key_usages", "revoked_at", "created_at", "updated_at"});
  return t;
}
const Table& Signers() {
  static const Table t("signer", "signers",
                       {"id", "project_id", "name", "description", "status", "certificate_id",
                        "signing_policy_id", "last_signed_at", "created_at", "updated_at"});
  return t;
}
const Table& SignerMembers() {
  static const Table t("signer member", "signer_members",
                       {"id", "signer_id", "principal_type", "principal_id", "role", "created_at"});
  return t;
}
const Table& Policies() {
  static const Table t(
      "signing policy", "signing_policies",
      {"id", "project_id", "name", "steps", "max_window_duration_ms", "max_signings",
       "max_request_ttl_ms", "bypass_for_machine_identities", "created_at", "updated_at"});
  return t;
}
const Table& Requests() {
  static const Table t("signing request", "signing_requests",
                       {"id",
                        "signer_id",
                        "project_id",
                        "requester_type",
                        "requester_id",
                        "justification",
                        "requested_signings",
                        "window_start",
                        "window_end",
                        "requested_window_duration_ms",
                        "scope_command",
                        "scope_signing_application",
                        "scope_signing_application_hash",
                        "scope_hostname",
                        "scope_os_username",
                        "scope_ip_address",
                        "scope_data_hash",
                        "policy_snapshot",
                        "status",
                        "current_step",
                        "expires_at",
                        "grant_id",
                        "created_at",
                        "updated_at"});
  return t;
}
const Table& Approvals() {
  static const Table t(
      "approval", "approvals",
      {"id", "request_id", "step", "approver_user_id", "decision", "comment", "created_at"});
  return t;
}
const Table& Grants() {
  static const Table t("grant", "grants",
                       {"id",
                        "signer_id",
                        "request_id",
                        "grantee_type",
                        "grantee_id",
                        "max_signings",
                        "used_signings",
                        "window_start",
                        "expires_at",
                        "scope_command",
                        "scope_signing_application",
                        "scope_signing_application_hash",
                        "scope_hostname",
                        "scope_os_username",
                        "scope_ip_address",
                        "scope_data_hash",
                        "status",
                        "revoked_reason",
                        "created_at",
                        "updated_at"});
  return t;
}
const Table& Operations() {
  static const Table t("signing operation", "signing_operations",
                       {"id", "signer_id", "project_id", "status", "signing_algorithm", "data_hash",
                        "actor_type", "actor_id", "actor_name", "grant_id", "client_metadata",
                        "source_ip", "error_message", "created_at"});
  return t;
}
const Table& KeyBlobs() {
  static const Table t("wrapped key", "key_blobs",
                       {"key_id", "algorithm", "wrapped_data_key", "sealed_private_key",
                        "public_key_spki", "created_at"});
  return t;
}
const Table& AuditEvents() {
  static const Table t("audit event", "audit_events",
                       {"node_id", "seq", "time", "event_type", "actor_type", "actor_id",
                        "actor_name", "target_type", "target_id", "details", "prev_hash", "hash"});
  return t;
}


// ---- Row binders and readers (column order of the tables above) ----------------------------

std::string_view Name(PrincipalType t) { return domain::PrincipalTypeName(t); }

void BindRow(Params& s, const domain::User& u) {
  s.BindAll(u.id, u.email, u.password_hash, domain::OrgRoleName(u.org_role), u.created_at,
            u.updated_at);
}
Result<domain::User> ReadUser(const Row& s) {
  domain::User u;
  u.id = s.Text(0);
  u.email = s.Text(1);
  u.password_hash = s.Text(2);
  SIGNET_ASSIGN_OR_RETURN(u.org_role, s.Enum(3, domain::ParseOrgRole));
  u.created_at = s.Time(4);
  u.updated_at = s.Time(5);
  return u;
}

void BindRow(Params& s, const domain::Identity& i) {
  s.BindAll(i.id, i.name, i.client_id, i.created_at, i.updated_at);
}
Result<domain::Identity> ReadIdentity(const Row& s) {
  return domain::Identity{s.Text(0), s.Text(1), s.Text(2), s.Time(3), s.Time(4)};
}

void BindRow(Params& s, const domain::ClientSecret& c) {
  s.BindAll(c.id, c.identity_id, c.secret_hash, c.description, c.created_at, c.revoked);
}
Result<domain::ClientSecret> ReadClientSecret(const Row& s) {
  return domain::ClientSecret{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Time(4), s.Bool(5)};
}

void BindRow(Params& s, const domain::AccessToken& t) {
  s.BindAll(t.token_hash, Name(t.principal_type), t.principal_id, t.created_at, t.expires_at,
            t.revoked);
}
Result<domain::AccessToken> ReadAccessToken(const Row& s) {
  domain::AccessToken t;
  t.token_hash = s.Text(0);
  SIGNET_ASSIGN_OR_RETURN(t.principal_type, s.Enum(1, domain::ParsePrincipalType));
  t.principal_id = s.Text(2);
  t.created_at = s.Time(3);
  t.expires_at = s.Time(4);
  t.revoked = s.Bool(5);
  return t;
}

void BindRow(Params& s, const domain::Project& p) {
  s.BindAll(p.id, p.name, p.slug, p.description, p.created_at, p.updated_at);
}
Result<domain::Project> ReadProject(const Row& s) {
  return domain::Project{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Time(4), s.Time(5)};
}

void BindRow(Params& s, const domain::ProjectMembership& m) {
  s.BindAll(m.id, m.project_id, Name(m.principal_type), m.principal_id,
            domain::ProjectRoleName(m.role), m.created_at);
}
Result<domain::ProjectMembership> ReadMembership(const Row& s) {
  domain::ProjectMembership m;
  m.id = s.Text(0);
  m.project_id = s.Text(1);
  SIGNET_ASSIGN_OR_RETURN(m.principal_type, s.Enum(2, domain::ParsePrincipalType));
  m.principal_id = s.Text(3);
  SIGNET_ASSIGN_OR_RETURN(m.role, s.Enum(4, domain::ParseProjectRole));
  m.created_at = s.Time(5);
  return m;
}

void BindRow(Params& s, const domain::CertificateAuthority& c) {
  s.BindAll(c.id, c.project_id, c.parent_ca_id, c.common_name,
            domain::KeyAlgorithmName(c.key_algorithm), c.key_id, c.certificate_pem,
            c.certificate_chain_pem, c.serial_number, c.not_before, c.not_after,
            domain::CaStatusName(c.status), c.created_at, c.updated_at);
}
Result<domain::CertificateAuthority> ReadCa(const Row& s) {
  domain::CertificateAuthority c;
  c.id = s.Text(0);
  c.project_id = s.Text(1);
  c.parent_ca_id = s.OptText(2);
  c.common_name = s.Text(3);
  SIGNET_ASSIGN_OR_RETURN(c.key_algorithm, s.Enum(4, domain::ParseKeyAlgorithm));
  c.key_id = s.Text(5);
  c.certificate_pem = s.Text(6);
  c.certificate_chain_pem = s.Text(7);
  c.serial_number = s.Text(8);
  c.not_before = s.Time(9);
  c.not_after = s.Time(10);
  SIGNET_ASSIGN_OR_RETURN(c.status, s.Enum(11, domain::ParseCaStatus));
  c.created_at = s.Time(12);
  c.updated_at = s.Time(13);
  return c;
}

void BindRow(Params& s, const domain::Certificate& c) {
  s.BindAll(c.id, c.project_id, c.ca_id, c.common_name, domain::KeyAlgorithmName(c.key_algorithm),
            c.key_id, domain::CertificateStatusName(c.status), c.certificate_pem,
            c.certificate_chain_pem, c.csr_pem, c.serial_number, c.not_before, c.not_after,
            EncodeStringList(c.key_usages), EncodeStringList(c.extended_key_usages), c.revoked_at,
            c.created_at, c.updated_at);
}
Result<domain::Certificate> ReadCertificate(const Row& s) {
  domain::Certificate c;
  c.id = s.Text(0);
  c.project_id = s.Text(1);
  c.ca_id = s.OptText(2);
  c.common_name = s.Text(3);
  SIGNET_ASSIGN_OR_RETURN(c.key_algorithm, s.Enum(4, domain::ParseKeyAlgorithm));
  c.key_id = s.Text(5);
  SIGNET_ASSIGN_OR_RETURN(c.status, s.Enum(6, domain::ParseCertificateStatus));
  c.certificate_pem = s.Text(7);
  c.certificate_chain_pem = s.Text(8);
  c.csr_pem = s.Text(9);
  c.serial_number = s.Text(10);
  c.not_before = s.OptTime(11);
  c.not_after = s.OptTime(12);
  SIGNET_ASSIGN_OR_RETURN(c.key_usages, DecodeStringList(s.Text(13)));
  SIGNET_ASSIGN_OR_RETURN(c.extended_key_usages, DecodeStringList(s.Text(14)));
  c.revoked_at = s.OptTime(15);
  c.created_at = s.Time(16);
  c.updated_at = s.Time(17);
  return c;
}

void BindRow(Params& s, const domain::Signer& x) {
  s.BindAll(x.id, x.project_id, x.name, x.description, domain::SignerStatusName(x.status),
            x.certificate_id, x.signing_policy_id, x.last_signed_at, x.created_at, x.updated_at);
}
Result<domain::Signer> ReadSigner(const Row& s) {
  domain::Signer x;
  x.id = s.Text(0);
  x.project_id = s.Text(1);
  x.name = s.Text(2);
  x.description = s.Text(3);
  SIGNET_ASSIGN_OR_RETURN(x.status, s.Enum(4, domain::ParseSignerStatus));
  x.certificate_id = s.Text(5);
  x.signing_policy_id = s.OptText(6);
  x.last_signed_at = s.OptTime(7);
  x.created_at = s.Time(8);
  x.updated_at = s.Time(9);
  return x;
}

void BindRow(Params& s, const domain::SignerMember& m) {
  s.BindAll(m.id, m.signer_id, Name(m.principal_type), m.principal_id,
            domain::SignerRoleName(m.role), m.created_at);
}
Result<domain::SignerMember> ReadSignerMember(const Row& s) {
  domain::SignerMember m;
  m.id = s.Text(0);
  m.signer_id = s.Text(1);
  SIGNET_ASSIGN_OR_RETURN(m.principal_type, s.Enum(2, domain::ParsePrincipalType));
  m.principal_id = s.Text(3);
  SIGNET_ASSIGN_OR_RETURN(m.role, s.Enum(4, domain::ParseSignerRole));
  m.created_at = s.Time(5);
  return m;
}

void BindRow(Params& s, const domain::SigningPolicy& p) {
  s.BindAll(p.id, p.project_id, p.name, EncodePolicySteps(p.steps), p.max_window_duration,
            p.max_signings, p.max_request_ttl, p.bypass_for_machine_identities, p.created_at,
            p.updated_at);
}
Result<domain::SigningPolicy> ReadPolicy(const Row& s) {
  domain::SigningPolicy p;
  p.id = s.Text(0);
  p.project_id = s.Text(1);
  p.name = s.Text(2);
  SIGNET_ASSIGN_OR_RETURN(p.steps, DecodePolicySteps(s.Text(3)));
  p.max_window_duration = s.OptMillis(4);
  p.max_signings = s.OptInt(5);
  p.max_request_ttl = Millis(s.Int(6));
  p.bypass_for_machine_identities = s.Bool(7);
  p.created_at = s.Time(8);
  p.updated_at = s.Time(9);
  return p;
}

domain::SigningScope ReadScope(const Row& s, int first) {
  return domain::SigningScope{s.OptText(first),     s.OptText(first + 1), s.OptText(first + 2),
                              s.OptText(first + 3), s.OptText(first + 4), s.OptText(first + 5),
                              s.OptText(first + 6)};
}

void BindRow(Params& s, const domain::SigningRequest& r) {
  const auto& sc = r.scope;
  std::optional<std::string> snapshot;
  if (r.policy_snapshot) snapshot = EncodePolicy(*r.policy_snapshot);
  s.BindAll(r.id, r.signer_id, r.project_id, Name(r.requester_type), r.requester_id,
            r.justification, r.requested_signings, r.window_start, r.window_end,
            r.requested_window_duration, sc.command, sc.signing_application,
            sc.signing_application_hash, sc.hostname, sc.os_username, sc.ip_address, sc.data_hash,
            snapshot, domain::RequestStatusName(r.status), r.current_step, r.expires_at, r.grant_id,
            r.created_at, r.updated_at);
}
Result<domain::SigningRequest> ReadRequest(const Row& s) {
  domain::SigningRequest r;
  r.id = s.Text(0);
  r.signer_id = s.Text(1);
  r.project_id = s.Text(2);
  SIGNET_ASSIGN_OR_RETURN(r.requester_type, s.Enum(3, domain::ParsePrincipalType));
  r.requester_id = s.Text(4);
  r.justification = s.Text(5);
  r.requested_signings = s.OptInt(6);
  r.window_start = s.OptTime(7);
  r.window_end = s.OptTime(8);
  r.requested_window_duration = s.OptMillis(9);
  r.scope = ReadScope(s, 10);
  if (!s.IsNull(17)) {
    SIGNET_ASSIGN_OR_RETURN(r.policy_snapshot, DecodePolicy(s.Text(17)));
  }
  SIGNET_ASSIGN_OR_RETURN(r.status, s.Enum(18, domain::ParseRequestStatus));
  r.current_step = s.Int(19);
  r.expires_at = s.Time(20);
  r.grant_id = s.OptText(21);
  r.created_at = s.Time(22);
  r.updated_at = s.Time(23);
  return r;
}

void BindRow(Params& s, const domain::Approval& a) {
  s.BindAll(a.id, a.request_id, a.step, a.approver_user_id,
            domain::ApprovalDecisionName(a.decision), a.comment, a.created_at);
}
Result<domain::Approval> ReadApproval(const Row& s) {
  domain::Approval a;
  a.id = s.Text(0);
  a.request_id = s.Text(1);
  a.step = s.Int(2);
  a.approver_user_id = s.Text(3);
  SIGNET_ASSIGN_OR_RETURN(a.decision, s.Enum(4, domain::ParseApprovalDecision));
  a.comment = s.Text(5);
  a.created_at = s.Time(6);
  return a;
}

void BindRow(Params& s, const domain::Grant& g) {
  const auto& sc = g.scope;
  s.BindAll(g.id, g.signer_id, g.request_id, Name(g.grantee_type), g.grantee_id, g.max_signings,
            g.used_signings, g.window_start, g.expires_at, sc.command, sc.signing_application,
            sc.signing_application_hash, sc.hostname, sc.os_username, sc.ip_address, sc.data_hash,
            domain::GrantStatusName(g.status), g.revoked_reason, g.created_at, g.updated_at);
}
Result<domain::Grant> ReadGrant(const Row& s) {
  domain::Grant g;
  g.id = s.Text(0);
  g.signer_id = s.Text(1);
  g.request_id = s.OptText(2);
  SIGNET_ASSIGN_OR_RETURN(g.grantee_type, s.Enum(3, domain::ParsePrincipalType));
  g.grantee_id = s.Text(4);
  g.max_signings = s.OptInt(5);
  g.used_signings = s.Int(6);
  g.window_start = s.Time(7);
  g.expires_at = s.OptTime(8);
  g.scope = ReadScope(s, 9);
  SIGNET_ASSIGN_OR_RETURN(g.status, s.Enum(16, domain::ParseGrantStatus));
  g.revoked_reason = s.Text(17);
  g.created_at = s.Time(18);
  g.updated_at = s.Time(19);
  return g;
}

void BindRow(Params& s, const domain::SigningOperation& o) {
  s.BindAll(o.id, o.signer_id, o.project_id, domain::OperationStatusName(o.status),
            o.signing_algorithm, o.data_hash, Name(o.actor_type), o.actor_id, o.actor_name,
            o.grant_id, o.client_metadata_json, o.source_ip, o.error_message, o.created_at);
}
Result<domain::SigningOperation> ReadOperation(const Row& s) {
  domain::SigningOperation o;
  o.id = s.Text(0);
  o.signer_id = s.Text(1);
  o.project_id = s.Text(2);
  SIGNET_ASSIGN_OR_RETURN(o.status, s.Enum(3, domain::ParseOperationStatus));
  o.signing_algorithm = s.Text(4);
  o.data_hash = s.Text(5);
  SIGNET_ASSIGN_OR_RETURN(o.actor_type, s.Enum(6, domain::ParsePrincipalType));
  o.actor_id = s.Text(7);
  o.actor_name = s.Text(8);
  o.grant_id = s.OptText(9);
  o.client_metadata_json = s.Text(10);
  o.source_ip = s.Text(11);
  o.error_message = s.OptText(12);
  o.created_at = s.Time(13);
  return o;
}

void BindRow(Params& s, const domain::WrappedKey& k) {
  s.BindAll(k.key_id, domain::KeyAlgorithmName(k.algorithm), k.wrapped_data_key,
            k.sealed_private_key, k.public_key_spki, k.created_at);
}
Result<domain::WrappedKey> ReadWrappedKey(const Row& s) {
  domain::WrappedKey k;
  k.key_id = s.Text(0);
  SIGNET_ASSIGN_OR_RETURN(k.algorithm, s.Enum(1, domain::ParseKeyAlgorithm));
  k.wrapped_data_key = s.Blob(2);
  k.sealed_private_key = s.Blob(3);
  k.public_key_spki = s.Blob(4);
  k.created_at = s.Time(5);
  return k;
}

void BindRow(Params& s, const domain::AuditEvent& e) {
  s.BindAll(e.node_id, e.seq, e.time, e.event_type, e.actor_type, e.actor_id, e.actor_name,
            e.target_type, e.target_id, e.details_json, e.prev_hash, e.hash);
}
Result<domain::AuditEvent> ReadAuditEvent(const Row& s) {
  return domain::AuditEvent{s.Text(0), s.Int(1),  s.Time(2), s.Text(3), s.Text(4),  s.Text(5),
                            s.Text(6), s.Text(7), s.Text(8), s.Text(9), s.Blob(10), s.Blob(11)};
}

// "%text%" for LIKE ... ESCAPE '\', with the wildcards of `text` escaped.
std::string LikePattern(std::string_view text) {
  std::string out = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  out += '%';
  return out;
}

template <class T>
std::optional<std::string_view> OptName(const std::optional<T>& v, std::string_view (*name)(T)) {
  if (!v) return std::nullopt;
  return name(*v);
}


// ---- The transaction ----------------------------------------------------------------------

class PostgresStore;
void ReleaseConnection(PostgresStore* store, std::unique_ptr<Connection> conn);

class PgTx final : public Tx {
 public:
  PgTx(PostgresStore* store, std::unique_ptr<Connection> conn, bool read_only)
      : store_(store), conn_(std::move(conn)), read_only_(read_only) {}

  ~PgTx() override {
    if (!finished_) Rollback();
    ReleaseConnection(store_, std::move(conn_));
  }

  Status Commit() override {
    if (finished_) return FailedPrecondition("transaction is already finished");
    finished_ = true;
    auto tag = conn_->ExecTag("COMMIT");
    if (!tag) {
      // Whether the server committed before the connection broke is unknown; the caller
      // sees kUnavailable and must treat the outcome as uncertain.
      if (!conn_->lost()) (void)conn_->Exec("ROLLBACK");
      return tl::unexpected(std::move(tag).error());
    }
    // COMMIT of a transaction that a failed statement aborted answers ROLLBACK.
    if (*tag != "COMMIT") {
      return Unavailable("the transaction was rolled back by the server (" + *tag + ")");
    }
    return Ok();
  }

  // ---- Users ----
  Status InsertUser(const domain::User& u) override {
    return InsertRow(Users(), u,
                     {"insert user",
                      {{"users_email_key", "a user with email " + Quote(u.email) + " already exists"}},
                      ""});
  }
  Result<domain::User> GetUser(std::string_view id) override {
    return GetRow(Users(), id, ReadUser);
  }
  Result<domain::User> GetUserByEmail(std::string_view email) override {
    return One(Users().select + " WHERE email = $1", ReadUser, "no user with email " + Quote(email),
               email);
  }
  Status UpdateUser(const domain::User& u) override {
    return UpdateRow(Users(), u.id, u,
                     {"update user",
                      {{"users_email_key", "a user with email " + Quote(u.email) + " already exists"}},
                      ""});
  }
  Status DeleteUser(std::string_view id) override { return DeleteRow(Users(), id, ""); }
  Result<Page<domain::User>> ListUsers(PageRequest page) override {
    return List(Users(), "", "created_at, row_seq", page, ReadUser);
  }
  // In a write transaction, first takes the bootstrap lock (until commit), so that of two
  // nodes counting users to create the first admin only one sees zero.
  Result<std::int64_t> CountUsers() override {
    if (!read_only_) SIGNET_TRY(LockXact(kLockClassBootstrap, "users"));
    return Scalar("SELECT COUNT(*) FROM users");
  }

  // ---- Identities and client secrets ----
  Status InsertIdentity(const domain::Identity& i) override {
    return InsertRow(Identities(), i, IdentityErrors(i, "insert identity"));
  }
  Result<domain::Identity> GetIdentity(std::string_view id) override {
    return GetRow(Identities(), id, ReadIdentity);
  }
  Result<domain::Identity> GetIdentityByClientId(std::string_view client_id) override {
    return One(Identities().select + " WHERE client_id = $1", ReadIdentity,
               "no identity with client id " + Quote(client_id), client_id);
  }
  Status UpdateIdentity(const domain::Identity& i) override {
    return UpdateRow(Identities(), i.id, i, IdentityErrors(i, "update identity"));
  }
  Status DeleteIdentity(std::string_view id) override { return DeleteRow(Identities(), id, ""); }
  Result<Page<domain::Identity>> ListIdentities(PageRequest page) override {
    return List(Identities(), "", "created_at, row_seq", page, ReadIdentity);
  }

  Status InsertClientSecret(const domain::ClientSecret& c) override {
    return InsertRow(
        ClientSecrets(), c,
        {"insert client secret", {}, "identity " + Quote(c.identity_id) + " does not exist"});
  }
  Result<domain::ClientSecret> GetClientSecret(std::string_view id) override {
    return GetRow(ClientSecrets(), id, ReadClientSecret);
  }
  Result<std::vector<domain::ClientSecret>> ListClientSecrets(
      std::string_view identity_id) override {
    return All(ClientSecrets().select + " WHERE identity_id = $1 ORDER BY created_at, row_seq",
               ReadClientSecret, identity_id);
  }
  Status RevokeClientSecret(std::string_view id) override {
    return ExpectOne("UPDATE client_secrets SET revoked = TRUE WHERE id = $1", ClientSecrets(), id);
  }
  Status DeleteClientSecret(std::string_view id) override {
    return DeleteRow(ClientSecrets(), id, "");
  }

  // ---- Access tokens ----
  Status InsertAccessToken(const domain::AccessToken& t) override {
    return InsertRow(AccessTokens(), t, {"insert access token", {}, ""});
  }
  Result<domain::AccessToken> GetAccessToken(std::string_view token_hash) override {
    return GetRow(AccessTokens(), token_hash, ReadAccessToken);
  }
  Status RevokeAccessToken(std::string_view token_hash) override {
    return ExpectOne("UPDATE access_tokens SET revoked = TRUE WHERE token_hash = $1", AccessTokens(),
                     token_hash);
  }
  Result<std::int64_t> RevokeAccessTokensOf(PrincipalType type,
                                            std::string_view principal_id) override {
    return Write(
        "UPDATE access_tokens SET revoked = TRUE "
        "WHERE principal_type = $1 AND principal_id = $2 AND NOT revoked",
        {"revoke access tokens", {}, ""}, Name(type), principal_id);
  }
  Result<std::int64_t> DeleteExpiredAccessTokens(TimePoint now) override {
    return Write("DELETE FROM access_tokens WHERE expires_at <= $1",
                 {"delete expired access tokens", {}, ""}, now);
  }

  // ---- Projects and memberships ----
  Status InsertProject(const domain::Project& p) override {
    return InsertRow(Projects(), p, ProjectErrors(p, "insert project"));
  }
  Result<domain::Project> GetProject(std::string_view id) override {
    return GetRow(Projects(), id, ReadProject);
  }
  // In a write transaction, lookups by slug or name first take the project-key lock (until
  // commit), so "look up, insert when missing" (the default project) runs once across nodes.
  Result<domain::Project> GetProjectBySlug(std::string_view slug) override {
    if (!read_only_) SIGNET_TRY(LockXact(kLockClassNaturalKey, "projects"));
    return One(Projects().select + " WHERE slug = $1", ReadProject,
               "no project with slug " + Quote(slug), slug);
  }
  Result<domain::Project> GetProjectByName(std::string_view name) override {
    if (!read_only_) SIGNET_TRY(LockXact(kLockClassNaturalKey, "projects"));
    return One(Projects().select + " WHERE name = $1", ReadProject,
               "no project named " + Quote(name), name);
  }
  Status UpdateProject(const domain::Project& p) override {
    return UpdateRow(Projects(), p.id, p, ProjectErrors(p, "update project"));
  }
  Status DeleteProject(std::string_view id) override {
    return DeleteRow(Projects(), id,
                     "project " + Quote(id) +
                         " still has certificate authorities, certificates, signers or "
                         "policies");
  }
  Result<Page<domain::Project>> ListProjects(PageRequest page) override {
    return List(Projects(), "", "name COLLATE \"C\"", page, ReadProject);
  }

  Status InsertMembership(const domain::ProjectMembership& m) override {
    return InsertRow(Memberships(), m, MembershipErrors(m, "insert membership"));
  }
  Result<domain::ProjectMembership> GetMembership(std::string_view id) override {
    return GetRow(Memberships(), id, ReadMembership);
  }
  Result<domain::ProjectMembership> GetMembershipOf(std::string_view project_id, PrincipalType type,
                                                    std::string_view principal_id) override {
    return One(Memberships().select +
                   " WHERE project_id = $1 AND principal_type = $2 AND principal_id = $3",
               ReadMembership,
               std::string(Name(type)) + " " + Quote(principal_id) +
                   " is not a member of project " + Quote(project_id),
               project_id, Name(type), principal_id);
  }
  Status UpdateMembership(const domain::ProjectMembership& m) override {
    return UpdateRow(Memberships(), m.id, m, MembershipErrors(m, "update membership"));
  }
  Status DeleteMembership(std::string_view id) override { return DeleteRow(Memberships(), id, ""); }
  Result<Page<domain::ProjectMembership>> ListMemberships(std::string_view project_id,
                                                          PageRequest page) override {
    return List(Memberships(), "WHERE project_id = $1", "created_at, row_seq", page, ReadMembership,
                project_id);
  }
  Result<std::vector<domain::ProjectMembership>> ListMembershipsOf(
      PrincipalType type, std::string_view principal_id) override {
    return All(Memberships().select +
                   " WHERE principal_type = $1 AND principal_id = $2 ORDER BY created_at, row_seq",
               ReadMembership, Name(type), principal_id);
  }

  // ---- Certificate authorities ----
  Status InsertCa(const domain::CertificateAuthority& c) override {
    return InsertRow(
        Cas(), c,
        {"insert certificate authority",
         {},
         "the project or parent CA of certificate authority " + Quote(c.id) + " does not exist"});
  }
  Result<domain::CertificateAuthority> GetCa(std::string_view id) override {
    return GetRow(Cas(), id, ReadCa);
  }
  Status UpdateCa(const domain::CertificateAuthority& c) override {
    return UpdateRow(
        Cas(), c.id, c,
        {"update certificate authority",
         {},
         "the project or parent CA of certificate authority " + Quote(c.id) + " does not exist"});
  }
  Status DeleteCa(std::string_view id) override {
    return DeleteRow(Cas(), id,
                     "certificate authority " + Quote(id) +
                         " still has issued certificates or intermediate CAs");
  }
  Result<Page<domain::CertificateAuthority>> ListCas(std::string_view project_id,
                                                     PageRequest page) override {
    return List(Cas(), "WHERE project_id = $1", "created_at, row_seq", page, ReadCa, project_id);
  }

  // ---- Certificates ----
  Status InsertCertificate(const domain::Certificate& c) override {
    return InsertRow(Certificates(), c,
                     {"insert certificate",
                      {},
                      "the project or CA of certificate " + Quote(c.id) + " does not exist"});
  }
  Result<domain::Certificate> GetCertificate(std::string_view id) override {
    return GetRow(Certificates(), id, ReadCertificate);
  }
  Status UpdateCertificate(const domain::Certificate& c) override {
    return UpdateRow(Certificates(), c.id, c,
                     {"update certificate",
                      {},
                      "the project or CA of certificate " + Quote(c.id) + " does not exist"});
  }
  Status DeleteCertificate(std::string_view id) override {
    return DeleteRow(Certificates(), id, "certificate " + Quote(id) + " is still used by a signer");
  }
  Result<Page<domain::Certificate>> ListCertificates(const CertificateFilter& filter,
                                                     PageRequest page) override {
    return List(Certificates(),
                "WHERE project_id = $1 AND ($2 IS NULL OR "
                "jsonb_exists(extended_key_usages::jsonb, $2))",
                "created_at, row_seq", page, ReadCertificate, filter.project_id,
                filter.extended_key_usage);
  }

  // ---- Signers and signer members ----
  Status InsertSigner(const domain::Signer& s) override {
    return InsertRow(Signers(), s, SignerErrors(s, "insert signer"));
  }
  Result<domain::Signer> GetSigner(std::string_view id) override {
    return GetRow(Signers(), id, ReadSigner);
  }
  Result<domain::Signer> GetSignerByName(std::string_view project_id,
                                         std::string_view name) override {
    return One(Signers().select + " WHERE project_id = $1 AND name = $2", ReadSigner,
               "no signer named " + Quote(name) + " in this project", project_id, name);
  }
  Status UpdateSigner(const domain::Signer& s) override {
    return UpdateRow(Signers(), s.id, s, SignerErrors(s, "update signer"));
  }
  Status DeleteSigner(std::string_view id) override { return DeleteRow(Signers(), id, ""); }
  Result<Page<domain::Signer>> ListSigners(const SignerFilter& filter, PageRequest page) override {
    std::optional<std::string> pattern;
    if (filter.search) pattern = LikePattern(*filter.search);
    return List(Signers(),
                "WHERE project_id = $1 AND ($2 IS NULL OR name ILIKE $2 ESCAPE '\\' "
                "OR description ILIKE $2 ESCAPE '\\')",
                "name COLLATE \"C\"", page, ReadSigner, filter.project_id, pattern);
  }
  Status TouchSignerLastSignedAt(std::string_view id, TimePoint at) override {
    SIGNET_ASSIGN_OR_RETURN(
        std::int64_t changed,
        Write("UPDATE signers SET last_signed_at = GREATEST(COALESCE(last_signed_at, 0), $2) "
              "WHERE id = $1",
              {"touch signer", {}, ""}, id, at));
    (void)changed;  // a signer deleted meanwhile has nothing to touch
    return Ok();
  }
  Result<std::int64_t> CountSignersWithCertificate(std::string_view certificate_id) override {
    return Scalar("SELECT COUNT(*) FROM signers WHERE certificate_id = $1", certificate_id);
  }
  Result<std::int64_t> CountSignersWithPolicy(std::string_view policy_id) override {
    return Scalar("SELECT COUNT(*) FROM signers WHERE signing_policy_id = $1", policy_id);
  }

  Status InsertSignerMember(const domain::SignerMember& m) override {
    return InsertRow(SignerMembers(), m, SignerMemberErrors(m, "insert signer member"));
  }
  Result<domain::SignerMember> GetSignerMember(std::string_view id) override {
    return GetRow(SignerMembers(), id, ReadSignerMember);
  }
  Result<domain::SignerMember> GetSignerMemberOf(std::string_view signer_id, PrincipalType type,
                                                 std::string_view principal_id) override {
    return One(SignerMembers().select +
                   " WHERE signer_id = $1 AND principal_type = $2 AND principal_id = $3",
               ReadSignerMember,
               std::string(Name(type)) + " " + Quote(principal_id) + " is not a member of signer " +
                   Quote(signer_id),
               signer_id, Name(type), principal_id);
  }
  Status UpdateSignerMember(const domain::SignerMember& m) override {
    return UpdateRow(SignerMembers(), m.id, m, SignerMemberErrors(m, "update signer member"));
  }
  Status DeleteSignerMember(std::string_view id) override {
    return DeleteRow(SignerMembers(), id, "");
  }
  Result<Page<domain::SignerMember>> ListSignerMembers(std::string_view signer_id,
                                                       PageRequest page) override {
    return List(SignerMembers(), "WHERE signer_id = $1", "created_at, row_seq", page,
                ReadSignerMember, signer_id);
  }
  Result<std::vector<domain::SignerMember>> ListSignerMembershipsOf(
      PrincipalType type, std::string_view principal_id) override {
    return All(SignerMembers().select +
                   " WHERE principal_type = $1 AND principal_id = $2 ORDER BY created_at, row_seq",
               ReadSignerMember, Name(type), principal_id);
  }

  // ---- Policies ----
  Status InsertPolicy(const domain::SigningPolicy& p) override {
    return InsertRow(Policies(), p, PolicyErrors(p, "insert signing policy"));
  }
  Result<domain::SigningPolicy> GetPolicy(std::string_view id) override {
    return GetRow(Policies(), id, ReadPolicy);
  }
  Result<domain::SigningPolicy> GetPolicyByName(std::string_view project_id,
                                                std::string_view name) override {
    return One(Policies().select + " WHERE project_id = $1 AND name = $2", ReadPolicy,
               "no signing policy named " + Quote(name) + " in this project", project_id, name);
  }
  Status UpdatePolicy(const domain::SigningPolicy& p) override {
    return UpdateRow(Policies(), p.id, p, PolicyErrors(p, "update signing policy"));
  }
  Status DeletePolicy(std::string_view id) override {
    return DeleteRow(Policies(), id, "signing policy " + Quote(id) + " is still used by a signer");
  }
  Result<Page<domain::SigningPolicy>> ListPolicies(std::string_view project_id,
                                                   PageRequest page) override {
    return List(Policies(), "WHERE project_id = $1", "name COLLATE \"C\"", page, ReadPolicy, project_id);
  }

  // ---- Requests and approvals ----
  Status InsertRequest(const domain::SigningRequest& r) override {
    return InsertRow(
        Requests(), r,
        {"insert signing request", {}, "signer " + Quote(r.signer_id) + " does not exist"});
  }
  Result<domain::SigningRequest> GetRequest(std::string_view id) override {
    return GetRow(Requests(), id, ReadRequest);
  }
  Status UpdateRequest(const domain::SigningRequest& r) override {
    return UpdateRow(
        Requests(), r.id, r,
        {"update signing request", {}, "signer " + Quote(r.signer_id) + " does not exist"});
  }
  Result<Page<domain::SigningRequest>> ListRequests(const RequestFilter& f,
                                                    PageRequest page) override {
    return List(Requests(),
                "WHERE ($1 IS NULL OR project_id = $1) AND ($2 IS NULL OR signer_id = $2) "
                "AND ($3 IS NULL OR status = $3) AND ($4 IS NULL OR requester_type = $4) "
                "AND ($5 IS NULL OR requester_id = $5)",
                "created_at DESC, row_seq DESC", page, ReadRequest, f.project_id, f.signer_id,
                OptName(f.status, domain::RequestStatusName),
                OptName(f.requester_type, domain::PrincipalTypeName), f.requester_id);
  }

  Status InsertApproval(const domain::Approval& a) override {
    return InsertRow(Approvals(), a,
                     {"insert approval",
                      {{"approvals_step_approver_key",
                        "user " + Quote(a.approver_user_id) + " already decided step " +
                            std::to_string(a.step) + " of signing request " + Quote(a.request_id)}},
                      "signing request " + Quote(a.request_id) + " does not exist"});
  }
  Result<std::vector<domain::Approval>> ListApprovals(std::string_view request_id) override {
    return All(Approvals().select + " WHERE request_id = $1 ORDER BY step, created_at, row_seq",
               ReadApproval, request_id);
  }

  // ---- Grants ----
  Status InsertGrant(const domain::Grant& g) override {
    return InsertRow(
        Grants(), g,
        {"insert grant", {}, "the signer or request of grant " + Quote(g.id) + " does not exist"});
  }
  Result<domain::Grant> GetGrant(std::string_view id) override {
    return GetRow(Grants(), id, ReadGrant);
  }
  Status UpdateGrant(const domain::Grant& g) override {
    return UpdateRow(
        Grants(), g.id, g,
        {"update grant", {}, "the signer or request of grant " + Quote(g.id) + " does not exist"});
  }
  Result<Page<domain::Grant>> ListGrants(const GrantFilter& f, PageRequest page) override {
    return List(Grants(),
                "WHERE ($1 IS NULL OR signer_id = $1) AND ($2 IS NULL OR grantee_type = $2) "
                "AND ($3 IS NULL OR grantee_id = $3) AND ($4 IS NULL OR status = $4)",
                "created_at DESC, row_seq DESC", page, ReadGrant, f.signer_id,
                OptName(f.grantee_type, domain::PrincipalTypeName), f.grantee_id,
                OptName(f.status, domain::GrantStatusName));
  }
  Result<bool> TryUseGrant(std::string_view grant_id, TimePoint now) override {
    SIGNET_ASSIGN_OR_RETURN(
        std::int64_t changed,
        Write("UPDATE grants SET used_signings = used_signings + 1, updated_at = $2 "
              "WHERE id = $1 AND status = 'active' AND window_start <= $2 "
              "AND (expires_at IS NULL OR expires_at > $2) "
              "AND (max_signings IS NULL OR used_signings < max_signings)",
              {"use grant", {}, ""}, grant_id, now));
    return changed == 1;
  }

  // ---- Operations ----
  Status InsertOperation(const domain::SigningOperation& o) override {
    return InsertRow(Operations(), o, {"insert signing operation", {}, ""});
  }
  Result<domain::SigningOperation> GetOperation(std::string_view id) override {
    return GetRow(Operations(), id, ReadOperation);
  }
  Result<Page<domain::SigningOperation>> ListOperations(const OperationFilter& f,
                                                        PageRequest page) override {
    return List(Operations(), "WHERE signer_id = $1 AND ($2 IS NULL OR status = $2)",
                "created_at DESC, row_seq DESC", page, ReadOperation, f.signer_id,
                OptName(f.status, domain::OperationStatusName));
  }

  // ---- Wrapped keys ----
  Status PutWrappedKey(const domain::WrappedKey& k) override {
    return InsertRow(
        KeyBlobs(), k,
        {"put wrapped key",
         {{"key_blobs_pkey", "a key with id " + Quote(k.key_id) + " already exists"}},
         ""});
  }
  Result<domain::WrappedKey> GetWrappedKey(std::string_view key_id) override {
    return GetRow(KeyBlobs(), key_id, ReadWrappedKey);
  }
  Status DeleteWrappedKey(std::string_view key_id) override {
    return DeleteRow(KeyBlobs(), key_id, "");
  }

  // ---- Audit ----
  Status AppendAuditEvent(const domain::AuditEvent& e) override {
    return InsertRow(AuditEvents(), e,
                     {"append audit event",
                      {{"audit_events_pkey",
                        "audit event " + std::to_string(e.seq) + " of node " + Quote(e.node_id) +
                            " already exists"}},
                      ""});
  }
  // In a write transaction, first takes the node's chain lock (until commit) in the same
  // round trip, then reads with a fresh snapshot: appends to one chain are serialized across
  // transactions, processes and nodes, and each reads the previous append's commit.
  Result<std::optional<domain::AuditEvent>> LastAuditEvent(std::string_view node_id) override {
    const std::string sql = AuditEvents().select + " WHERE node_id = $1 ORDER BY seq DESC LIMIT 1";
    SIGNET_ASSIGN_OR_RETURN(Connection * conn, Use());
    const Params select = MakeParams(node_id);
    PgResult res;
    if (read_only_) {
      SIGNET_ASSIGN_OR_RETURN(res, conn->Query(sql, select, "read last audit event"));
    } else {
      const Params lock = MakeParams(std::int64_t{kLockClassAuditChain}, node_id);
      const Step steps[] = {{kLockSql, &lock}, {sql, &select}};
      SIGNET_ASSIGN_OR_RETURN(auto results, conn->Pipeline(steps, "read last audit event"));
      res = std::move(results[1]);
    }
    if (PQntuples(res.get()) == 0) return std::optional<domain::AuditEvent>();
    SIGNET_ASSIGN_OR_RETURN(domain::AuditEvent e, ReadAuditEvent(Row(res.get(), 0)));
    return std::optional<domain::AuditEvent>(std::move(e));
  }
  Result<Page<domain::AuditEvent>> ListAuditEvents(const AuditFilter& f,
                                                   PageRequest page) override {
    return List(AuditEvents(),
                "WHERE ($1 IS NULL OR node_id = $1) AND ($2 IS NULL OR event_type = $2) "
                "AND ($3 IS NULL OR actor_id = $3) AND ($4 IS NULL OR time >= $4) "
                "AND ($5 IS NULL OR time < $5)",
                "time DESC, seq DESC, node_id COLLATE \"C\"", page, ReadAuditEvent, f.node_id, f.event_type,
                f.actor_id, f.since, f.until);
  }
  // Reads the chain in batches by seq, so it need not fit in memory; in a read transaction
  // every batch comes from the same snapshot.
  Status ForEachAuditEvent(std::string_view node_id,
                           const std::function<Status(const domain::AuditEvent&)>& fn) override {
    constexpr std::int64_t kBatch = 1000;
    const std::string sql =
        AuditEvents().select + " WHERE node_id = $1 AND seq > $2 ORDER BY seq LIMIT $3";
    std::int64_t after = std::numeric_limits<std::int64_t>::min();
    while (true) {
      SIGNET_ASSIGN_OR_RETURN(Connection * conn, Use());
      SIGNET_ASSIGN_OR_RETURN(
          PgResult res, conn->Query(sql, MakeParams(node_id, after, kBatch), "read audit events"));
      const int n = PQntuples(res.get());
      for (int i = 0; i < n; ++i) {
        SIGNET_ASSIGN_OR_RETURN(domain::AuditEvent e, ReadAuditEvent(Row(res.get(), i)));
        after = e.seq;
        SIGNET_TRY(fn(e));
      }
      if (n < kBatch) return Ok();
    }
  }
  Result<std::vector<std::string>> ListAuditNodeIds() override {
    return All("SELECT DISTINCT node_id COLLATE \"C\" FROM audit_events ORDER BY 1",
               [](const Row& s) -> Result<std::string> { return s.Text(0); });
  }

  // ---- Settings ----
  Result<std::optional<std::string>> GetSetting(std::string_view key) override {
    SIGNET_ASSIGN_OR_RETURN(
        auto values, All(
                         "SELECT value FROM settings WHERE key = $1",
                         [](const Row& s) -> Result<std::string> { return s.Text(0); }, key));
    if (values.empty()) return std::optional<std::string>();
    return std::optional<std::string>(std::move(values.front()));
  }
  Status PutSetting(std::string_view key, std::string_view value) override {
    SIGNET_ASSIGN_OR_RETURN(std::int64_t changed,
                            Write("INSERT INTO settings (key, value) VALUES ($1, $2) "
                                  "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                  {"put setting", {}, ""}, key, value));
    (void)changed;
    return Ok();
  }

 private:
  // ---- Uniqueness messages ----
  static WriteErrors IdentityErrors(const domain::Identity& i, std::string_view ctx) {
    return {ctx,
            {{"identities_client_id_key",
              "an identity with client id " + Quote(i.client_id) + " already exists"}},
            ""};
  }
  static WriteErrors ProjectErrors(const domain::Project& p, std::string_view ctx) {
    return {ctx,
            {{"projects_name_key", "a project named " + Quote(p.name) + " already exists"},
             {"projects_slug_key", "a project with slug " + Quote(p.slug) + " already exists"}},
            ""};
  }
  static WriteErrors MembershipErrors(const domain::ProjectMembership& m, std::string_view ctx) {
    return {ctx,
            {{"project_memberships_principal_key", std::string(Name(m.principal_type)) + " " +
                                                    Quote(m.principal_id) +
                                                    " is already a member of this project"}},
            "project " + Quote(m.project_id) + " does not exist"};
  }
  static WriteErrors SignerErrors(const domain::Signer& s, std::string_view ctx) {
    return {ctx,
            {{"signers_project_name_key",
              "a signer named " + Quote(s.name) + " already exists in this project"}},
            "the project, certificate or signing policy of signer " + Quote(s.name) +
                " does not exist"};
  }
  static WriteErrors SignerMemberErrors(const domain::SignerMember& m, std::string_view ctx) {
    return {ctx,
            {{"signer_members_principal_key", std::string(Name(m.principal_type)) + " " +
                                              Quote(m.principal_id) +
                                              " is already a member of this signer"}},
            "signer " + Quote(m.signer_id) + " does not exist"};
  }
  static WriteErrors PolicyErrors(const domain::SigningPolicy& p, std::string_view ctx) {
    return {ctx,
            {{"signing_policies_project_name_key",
              "a signing policy named " + Quote(p.name) + " already exists in this project"}},
            "project " + Quote(p.project_id) + " does not exist"};
  }

  // ---- Helpers ----
  static constexpr std::string_view kLockSql =
      "SELECT pg_advisory_xact_lock($1::integer, hashtext($2))";

  // The connection, while the transaction may still be used.
  Result<Connection*> Use() {
    if (finished_) return FailedPrecondition("transaction is already finished");
    return conn_.get();
  }
  Result<Connection*> UseForWrite(std::string_view context) {
    if (finished_) return FailedPrecondition("transaction is already finished");
    if (read_only_) {
      return FailedPrecondition(std::string(context) + ": write attempted in a read transaction");
    }
    return conn_.get();
  }

  // Takes a transaction-scoped advisory lock (released at commit or rollback).
  Status LockXact(int lock_class, std::string_view key) {
    SIGNET_ASSIGN_OR_RETURN(Connection * conn, Use());
    SIGNET_ASSIGN_OR_RETURN(PgResult res,
                            conn->Query(kLockSql, MakeParams(std::int64_t{lock_class}, key), "lock"));
    (void)res;
    return Ok();
  }

  void Rollback() {
    finished_ = true;
    if (conn_ != nullptr && !conn_->lost()) {
      // A failing ROLLBACK means the connection broke: the server rolls back on its own,
      // and the lost connection is discarded when it goes back to the pool.
      (void)conn_->Exec("ROLLBACK");
    }
  }

  // A write that cannot violate a constraint: no savepoint needed.
  template <class... A>
  Result<std::int64_t> Write(std::string_view sql, const WriteErrors& errors, const A&... args) {
    SIGNET_ASSIGN_OR_RETURN(Connection * conn, UseForWrite(errors.context));
    auto res = conn->Query(sql, MakeParams(args...), errors.context);
    if (!res) return tl::unexpected(Rename(std::move(res).error(), errors));
    return RowsChanged(res->get());
  }

  // A write that may violate a unique or foreign key: runs under a savepoint in one round
  // trip (SAVEPOINT; statement; RELEASE), and on failure rolls back to the savepoint, so the
  // transaction stays usable after kAlreadyExists or kFailedPrecondition.
  Result<std::int64_t> Guarded(std::string_view sql, const Params& params,
                               const WriteErrors& errors) {
    SIGNET_ASSIGN_OR_RETURN(Connection * conn, UseForWrite(errors.context));
    static const Params kNone;
    const Step steps[] = {{"SAVEPOINT signet_write", &kNone},
                          {sql, &params},
                          {"RELEASE SAVEPOINT signet_write", &kNone}};
    auto results = conn->Pipeline(steps, errors.context);
    if (!results) {
      if (!conn->lost()) {
        Status undone = conn->Exec("ROLLBACK TO SAVEPOINT signet_write");
        if (!undone) return tl::unexpected(std::move(undone).error());
      }
      return tl::unexpected(Rename(std::move(results).error(), errors));
    }
    return RowsChanged((*results)[1].get());
  }

  template <class T>
  Status InsertRow(const Table& t, const T& row, const WriteErrors& errors) {
    Params p;
    BindRow(p, row);
    SIGNET_ASSIGN_OR_RETURN(std::int64_t changed, Guarded(t.insert, p, errors));
    (void)changed;
    return Ok();
  }

  template <class T>
  Status UpdateRow(const Table& t, std::string_view key, const T& row, const WriteErrors& errors) {
    Params p;
    BindRow(p, row);
    SIGNET_ASSIGN_OR_RETURN(std::int64_t changed, Guarded(t.update, p, errors));
    if (changed == 0) return NotFoundError(t, key);
    return Ok();
  }

  Status DeleteRow(const Table& t, std::string_view key, std::string still_referenced) {
    const std::string ctx = "delete " + std::string(t.entity);
    SIGNET_ASSIGN_OR_RETURN(std::int64_t changed,
                            Guarded(t.del, MakeParams(key), {ctx, {}, std::move(still_referenced)}));
    if (changed == 0) return NotFoundError(t, key);
    return Ok();
  }

  Status ExpectOne(std::string_view sql, const Table& t, std::string_view key) {
    SIGNET_ASSIGN_OR_RETURN(std::int64_t changed,
                            Write(sql, {"update " + std::string(t.entity), {}, ""}, key));
    if (changed == 0) return NotFoundError(t, key);
    return Ok();
  }

  static tl::unexpected<Error> NotFoundError(const Table& t, std::string_view key) {
    return NotFound(std::string(t.entity) + " " + Quote(key) + " not found");
  }

  template <class Read, class... A>
  auto All(std::string_view sql, Read read, const A&... args)
      -> Result<std::vector<typename std::invoke_result_t<Read, const Row&>::value_type>> {
    using T = typename std::invoke_result_t<Read, const Row&>::value_type;
    SIGNET_ASSIGN_OR_RETURN(Connection * conn, Use());
    SIGNET_ASSIGN_OR_RETURN(PgResult res, conn->Query(sql, MakeParams(args...), "query"));
    std::vector<T> out;
    const int n = PQntuples(res.get());
    out.reserve(n);
    for (int i = 0; i < n; ++i) {
      SIGNET_ASSIGN_OR_RETURN(T item, read(Row(res.get(), i)));
      out.push_back(std::move(item));
    }
    return out;
  }

  template <class Read, class... A>
  auto One(std::string_view sql, Read read, const std::string& not_found, const A&... args)
      -> std::invoke_result_t<Read, const Row&> {
    SIGNET_ASSIGN_OR_RETURN(Connection * conn, Use());
    SIGNET_ASSIGN_OR_RETURN(PgResult res, conn->Query(sql, MakeParams(args...), "query"));
    if (PQntuples(res.get()) == 0) return NotFound(not_found);
    return read(Row(res.get(), 0));
  }

  template <class Read>
  auto GetRow(const Table& t, std::string_view key, Read read)
      -> std::invoke_result_t<Read, const Row&> {
    return One(t.get, read, std::string(t.entity) + " " + Quote(key) + " not found", key);
  }

  template <class... A>
  Result<std::int64_t> Scalar(std::string_view sql, const A&... args) {
    SIGNET_ASSIGN_OR_RETURN(Connection * conn, Use());
    SIGNET_ASSIGN_OR_RETURN(PgResult res, conn->Query(sql, MakeParams(args...), "count"));
    if (PQntuples(res.get()) != 1) return Internal("count returned no row");
    return Row(res.get(), 0).Int(0);
  }

  // One page of `SELECT cols FROM t <where> ORDER BY <order>` and the total row count of
  // the filter. The filter's parameters are $1..$N; LIMIT and OFFSET take $N+1, $N+2
  // (LIMIT NULL: no limit).
  template <class Read, class... A>
  auto List(const Table& t, std::string_view where, std::string_view order, PageRequest page,
            Read read, const A&... args)
      -> Result<Page<typename std::invoke_result_t<Read, const Row&>::value_type>> {
    using T = typename std::invoke_result_t<Read, const Row&>::value_type;
    if (page.offset < 0) return InvalidArgument("offset must not be negative");
    Page<T> out;
    SIGNET_ASSIGN_OR_RETURN(
        out.total_count,
        Scalar("SELECT COUNT(*) FROM " + std::string(t.name) + " " + std::string(where), args...));
    const std::string n = std::to_string(sizeof...(A) + 1);
    const std::string m = std::to_string(sizeof...(A) + 2);
    std::optional<std::int64_t> limit;
    if (page.limit >= 0) limit = page.limit;
    SIGNET_ASSIGN_OR_RETURN(
        out.items, All(t.select + " " + std::string(where) + " ORDER BY " + std::string(order) +
                           " LIMIT $" + n + " OFFSET $" + m,
                       read, args..., limit, std::int64_t{page.offset}));
    return out;
  }

  PostgresStore* store_;
  std::unique_ptr<Connection> conn_;
  const bool read_only_;
  bool finished_ = false;
};


// ---- The store ----------------------------------------------------------------------------

class PostgresStore final : public Store {
 public:
  static Result<std::unique_ptr<Store>> Create(const std::string& url,
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
    auto store = std::unique_ptr<PostgresStore>(new PostgresStore(url, options));
    SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connection::Open(url, options));
    SIGNET_TRY(Migrate(*conn));
    {
      std::lock_guard<std::mutex> lock(store->mu_);
      ++store->open_;
    }
    store->Release(std::move(conn));
    if (!options.node_id.empty()) SIGNET_TRY(store->ClaimNodeId());
    return std::unique_ptr<Store>(std::move(store));
  }

  ~PostgresStore() override {
    {
      std::lock_guard<std::mutex> lock(keeper_mu_);
      stopping_ = true;
    }
    keeper_cv_.notify_all();
    if (keeper_.joinable()) keeper_.join();
  }

  Result<std::unique_ptr<Tx>> BeginRead() override { return Begin(/*read_only=*/true); }
  Result<std::unique_ptr<Tx>> BeginWrite() override { return Begin(/*read_only=*/false); }

  // Takes back a connection from a finished transaction; a broken one, or one still inside
  // a transaction, is closed instead of pooled.
  void Release(std::unique_ptr<Connection> conn) {
    if (conn == nullptr) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (conn->lost() || !conn->idle()) {
      --open_;
      conn.reset();
    } else {
      idle_.push_back(std::move(conn));
    }
    cv_.notify_one();
  }

 private:
  PostgresStore(std::string url, PostgresOptions options)
      : url_(std::move(url)), options_(std::move(options)) {}

  struct Acquired {
    std::unique_ptr<Connection> conn;
    bool reused = false;
  };

  Result<std::unique_ptr<Tx>> Begin(bool read_only) {
    const char* begin = read_only ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
                                  : "BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE";
    for (int attempt = 0;; ++attempt) {
      SIGNET_ASSIGN_OR_RETURN(Acquired a, Acquire());
      Status s = a.conn->Exec(begin);
      if (s) return std::unique_ptr<Tx>(new PgTx(this, std::move(a.conn), read_only));
      Release(std::move(a.conn));
      // A pooled connection may have died while idle (server restart): try the next one,
      // and finally a new one. A fresh connection that fails is a real outage.
      if (!a.reused || attempt >= options_.pool_size) return tl::unexpected(std::move(s).error());
    }
  }

  Result<Acquired> Acquire() {
    std::unique_lock<std::mutex> lock(mu_);
    const bool ready = cv_.wait_for(lock, options_.statement_timeout, [&] {
      return !idle_.empty() || open_ < options_.pool_size;
    });
    if (!ready) {
      return Unavailable("all " + std::to_string(options_.pool_size) +
                         " database connections stayed busy for " +
                         std::to_string(options_.statement_timeout.count()) + " ms");
    }
    if (!idle_.empty()) {
      Acquired a{std::move(idle_.back()), true};
      idle_.pop_back();
      return a;
    }
    ++open_;
    lock.unlock();
    auto conn = Connection::Open(url_, options_);
    if (!conn) {
      lock.lock();
      --open_;
      cv_.notify_one();
      return tl::unexpected(std::move(conn).error());
    }
    return Acquired{std::move(*conn), false};
  }

  // ---- Migrations ----

  static Status Migrate(Connection& conn) {
    const std::string key = std::to_string(kPostgresMigrationLock);
    SIGNET_TRY(conn.Exec("SELECT pg_advisory_lock(" + key + ")"));
    Status s = ApplyMigrations(conn);
    if (!conn.lost()) {
      if (!conn.idle()) (void)conn.Exec("ROLLBACK");
      (void)conn.Exec("SELECT pg_advisory_unlock(" + key + ")");
    }
    return s;
  }

  static Status ApplyMigrations(Connection& conn) {
    SIGNET_TRY(
        conn.Exec("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY, "
                  "applied_at BIGINT NOT NULL)"));
    SIGNET_ASSIGN_OR_RETURN(
        PgResult res,
        conn.Query("SELECT COALESCE(MAX(version), 0) FROM schema_version", Params{}, "schema"));
    const std::int64_t current = Row(res.get(), 0).Int(0);
    const int known = PostgresSchemaVersion();
    if (current > known) {
      return FailedPrecondition("database schema version " + std::to_string(current) +
                                " is newer than this binary supports (" + std::to_string(known) +
                                "); upgrade signetd");
    }
    for (const PostgresMigration& m : PostgresMigrations()) {
      if (m.version <= current) continue;
      SIGNET_TRY(conn.Exec("BEGIN"));
      Status applied = conn.Exec(m.sql);
      if (!applied) {
        return Internal("schema migration " + std::to_string(m.version) +
                        " failed: " + applied.error().message);
      }
      const auto now = std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
      SIGNET_TRY(conn.Query("INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)",
                            MakeParams(std::int64_t{m.version}, now), "record schema version"));
      SIGNET_TRY(conn.Exec("COMMIT"));
      log::Info("database schema migrated to version " + std::to_string(m.version));
    }
    return Ok();
  }

  // ---- Node id ----

  static std::string HostName() {
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
    return buf;
  }

  static TimePoint Now() {
    return std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
  }

  // Tries the session lock on the node id on `conn`; true when this connection holds it.
  Result<bool> TryLockNodeId(Connection& conn) {
    SIGNET_ASSIGN_OR_RETURN(
        PgResult res, conn.Query("SELECT pg_try_advisory_lock($1::integer, hashtext($2))",
                                 MakeParams(std::int64_t{kLockClassNodeId}, options_.node_id),
                                 "claim node id"));
    return Row(res.get(), 0).Bool(0);
  }

  Status RecordNode(Connection& conn) {
    const TimePoint now = Now();
    SIGNET_TRY(conn.Query(
        "INSERT INTO signet_nodes (node_id, hostname, pid, started_at, last_seen_at) "
        "VALUES ($1, $2, $3, $4, $4) ON CONFLICT (node_id) DO UPDATE SET "
        "hostname = excluded.hostname, pid = excluded.pid, started_at = excluded.started_at, "
        "last_seen_at = excluded.last_seen_at",
        MakeParams(options_.node_id, HostName(), std::int64_t{getpid()}, now), "record node"));
    return Ok();
  }

  Status ClaimNodeId() {
    SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connection::Open(url_, options_));
    SIGNET_ASSIGN_OR_RETURN(bool held, TryLockNodeId(*conn));
    if (!held) {
      std::string holder = "another signetd";
      auto res = conn->Query(
          "SELECT hostname, pid, last_seen_at FROM signet_nodes WHERE node_id = $1",
          MakeParams(options_.node_id), "read node");
      if (res && PQntuples(res->get()) == 1) {
        const Row row(res->get(), 0);
        holder = "the signetd on host " + row.Text(0) + " (pid " + std::to_string(row.Int(1)) +
                 ", last seen " + std::to_string(ToUnixMillis(Now()) - row.Int(2)) + " ms ago)";
      }
      return FailedPrecondition("node id '" + options_.node_id + "' is in use by " + holder +
                                "; every node needs its own --node-id");
    }
    SIGNET_TRY(RecordNode(*conn));
    holder_ = std::move(conn);
    keeper_ = std::thread([this] { Keep(); });
    return Ok();
  }

  // The keeper thread: refreshes the node's heartbeat once a second and, after the holder
  // connection broke (database restart), reconnects and takes the node-id lock again.
  void Keep() {
    std::unique_lock<std::mutex> lock(keeper_mu_);
    while (!keeper_cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_; })) {
      lock.unlock();
      Heartbeat();
      lock.lock();
    }
  }

  void Heartbeat() {
    if (holder_ != nullptr && !holder_->lost()) {
      auto r = holder_->Query("UPDATE signet_nodes SET last_seen_at = $2 WHERE node_id = $1",
                              MakeParams(options_.node_id, Now()), "heartbeat");
      if (r || !holder_->lost()) return;
    }
    holder_.reset();
    auto conn = Connection::Open(url_, options_);
    if (!conn) return;  // still down: try again in a second
    auto held = TryLockNodeId(**conn);
    if (!held) return;
    if (!*held) {
      if (!lock_lost_warned_) {
        log::Warn("node id '" + options_.node_id +
                  "' was claimed by another process while the database was unreachable; this "
                  "node keeps appending to the same audit chain (serialized, never forked) "
                  "and retries the claim every second");
        lock_lost_warned_ = true;
      }
      return;
    }
    if (!RecordNode(**conn)) return;
    lock_lost_warned_ = false;
    holder_ = std::move(*conn);
    log::Info("node id '" + options_.node_id + "' claimed again after a database reconnect");
  }

  const std::string url_;
  const PostgresOptions options_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  int open_ = 0;                                    // guarded by mu_; idle and leased

  std::mutex keeper_mu_;
  std::condition_variable keeper_cv_;
  bool stopping_ = false;               // guarded by keeper_mu_
  std::thread keeper_;                  // started once by ClaimNodeId
  std::unique_ptr<Connection> holder_;  // holds the node-id lock; used by the keeper only
  bool lock_lost_warned_ = false;       // used by the keeper only
};

void ReleaseConnection(PostgresStore* store, std::unique_ptr<Connection> conn) {
  store->Release(std::move(conn));
}

}  // namespace

int PostgresSchemaVersion() { return PostgresMigrations().back().version; }

Result<std::unique_ptr<Store>> OpenPostgres(const std::string& url, const PostgresOptions& options) {
  return PostgresStore::Create(url, options);
}

}  // namespace signet::store
