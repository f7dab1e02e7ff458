#include "store/sqlite_store.h"

#include <sqlite3.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/sqlite_migrations.h"
#include "store/text_codec.h"

namespace signet::store {
namespace {

using domain::PrincipalType;

// ---- Errors -------------------------------------------------------------------------------

// Maps a failed SQLite call to the store's error contract (store.h). Unique violations keep
// SQLite's message ("UNIQUE constraint failed: signers.project_id, signers.name") so that the
// caller can name the rule; see WriteErrors.
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

// How a write names its failures: for a unique violation whose SQLite message contains
// `columns` (e.g. "signers.project_id, signers.name"), use `message`; for a foreign key
// violation, `foreign_key`.
struct UniqueRule {
  std::string_view columns;
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
      if (e.message.find(rule.columns) != std::string::npos) return Error{e.code, rule.message};
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

// ---- Connections and statements -----------------------------------------------------------

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

// A borrowed cached statement. Binds parameters and reads columns; resets the statement and
// clears its bindings when destroyed so the cache can hand it out again.
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Stmt(Stmt&& other) noexcept
      : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), bind_rc_(other.bind_rc_) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt() {
    if (stmt_ != nullptr) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }

  void Bind(int i, std::nullptr_t) { Check(sqlite3_bind_null(stmt_, i)); }
  void Bind(int i, std::nullopt_t) { Check(sqlite3_bind_null(stmt_, i)); }
  void Bind(int i, std::string_view v) {
    Check(sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  void Bind(int i, const std::string& v) { Bind(i, std::string_view(v)); }
  void Bind(int i, const char* v) { Bind(i, std::string_view(v)); }
  void Bind(int i, long v) { Check(sqlite3_bind_int64(stmt_, i, v)); }
  void Bind(int i, long long v) { Check(sqlite3_bind_int64(stmt_, i, v)); }
  void Bind(int i, int v) { Check(sqlite3_bind_int64(stmt_, i, v)); }
  void Bind(int i, bool v) { Check(sqlite3_bind_int64(stmt_, i, v ? 1 : 0)); }
  void Bind(int i, TimePoint v) { Check(sqlite3_bind_int64(stmt_, i, ToUnixMillis(v))); }
  void Bind(int i, Millis v) { Check(sqlite3_bind_int64(stmt_, i, v.count())); }
  void Bind(int i, const Bytes& v) {
    Check(sqlite3_bind_blob64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT));
  }
  template <class T>
  void Bind(int i, const std::optional<T>& v) {
    if (v) {
      Bind(i, *v);
    } else {
      Bind(i, nullptr);
    }
  }

  // Binds ?1, ?2, ... in order.
  template <class... A>
  void BindAll(const A&... args) {
    int i = 1;
    (Bind(i++, args), ...);
  }

  // true: a row is available; false: done.
  Result<bool> Step(std::string_view context) {
    if (bind_rc_ != SQLITE_OK) return tl::unexpected(SqliteError(db_, bind_rc_, context));
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return tl::unexpected(SqliteError(db_, rc, context));
  }
  // Runs a statement that returns no rows; returns the number of rows it changed.
  Result<std::int64_t> Run(std::string_view context) {
    SIGNET_ASSIGN_OR_RETURN(bool row, Step(context));
    if (row) return Internal(std::string(context) + ": statement returned a row");
    return static_cast<std::int64_t>(sqlite3_changes64(db_));
  }

  bool IsNull(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }
  std::int64_t Int(int c) const { return sqlite3_column_int64(stmt_, c); }
  bool Bool(int c) const { return Int(c) != 0; }
  TimePoint Time(int c) const { return FromUnixMillis(Int(c)); }
  std::string Text(int c) const {
    const auto* p = sqlite3_column_text(stmt_, c);
    const int n = sqlite3_column_bytes(stmt_, c);
    return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p), n);
  }
  Bytes Blob(int c) const {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, c));
    const int n = sqlite3_column_bytes(stmt_, c);
    return p == nullptr ? Bytes() : Bytes(p, p + n);
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
  // A stored enum name, parsed; an unknown name means a corrupt row (kInternal).
  template <class E>
  Result<E> Enum(int c, Result<E> (*parse)(std::string_view)) const {
    auto parsed = parse(Text(c));
    if (!parsed) return Internal("corrupt row: " + parsed.error().message);
    return *parsed;
  }

 private:
  void Check(int rc) {
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;
};

std::string_view SyncPragma(SqliteSync s) {
  switch (s) {
    case SqliteSync::kNormal:
      return "PRAGMA synchronous=NORMAL";
    case SqliteSync::kFull:
      return "PRAGMA synchronous=FULL";
    case SqliteSync::kExtra:
      return "PRAGMA synchronous=EXTRA";
  }
  return "PRAGMA synchronous=FULL";
}

// One sqlite3 handle and its statement cache. Used by one thread at a time (the store hands
// it to one Tx at a time).
class Connection {
 public:
  static Result<std::unique_ptr<Connection>> Open(const std::string& path,
                                                  const SqliteOptions& options, bool reader) {
    sqlite3* raw = nullptr;
    const int flags =
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (reader ? 0 : SQLITE_OPEN_CREATE);
    const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    std::unique_ptr<sqlite3, DbCloser> db(raw);
    if (rc != SQLITE_OK) {
      Error e = SqliteError(db.get(), rc, "open " + path);
      e.code = ErrorCode::kUnavailable;
      return tl::unexpected(e);
    }
    sqlite3_extended_result_codes(db.get(), 1);
    sqlite3_busy_timeout(db.get(), static_cast<int>(options.busy_timeout.count()));
    auto conn = std::unique_ptr<Connection>(new Connection(std::move(db)));
    SIGNET_TRY(conn->Exec("PRAGMA foreign_keys=ON"));
    SIGNET_TRY(conn->Exec(SyncPragma(options.synchronous)));
    if (reader) {
      SIGNET_TRY(conn->Exec("PRAGMA query_only=ON"));
    } else {
      SIGNET_ASSIGN_OR_RETURN(Stmt mode, conn->Prepare("PRAGMA journal_mode=WAL"));
      SIGNET_ASSIGN_OR_RETURN(bool row, mode.Step("set journal mode"));
      if (!row || mode.Text(0) != "wal") {
        return Internal("database " + path + " cannot use write-ahead logging (journal mode " +
                        (row ? mode.Text(0) : std::string("unknown")) + ")");
      }
    }
    return conn;
  }

  sqlite3* db() const { return db_.get(); }

  // Runs statements without results (pragmas, BEGIN/COMMIT, migrations).
  Status Exec(std::string_view sql) {
    const std::string text(sql);
    char* err = nullptr;
    const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &err);
    if (err != nullptr) sqlite3_free(err);
    if (rc != SQLITE_OK) return tl::unexpected(SqliteError(db_.get(), rc, text));
    return Ok();
  }

  // Runs one statement without parameters or results through the statement cache: BEGIN,
  // COMMIT and ROLLBACK run on every transaction, so they are not parsed each time.
  Status Run(std::string_view sql) {
    SIGNET_ASSIGN_OR_RETURN(Stmt s, Prepare(sql));
    SIGNET_ASSIGN_OR_RETURN(std::int64_t changed, s.Run(sql));
    (void)changed;
    return Ok();
  }

  // A cached prepared statement for `sql`, ready to bind.
  Result<Stmt> Prepare(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
      sqlite3_stmt* raw = nullptr;
      const int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                        SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
      if (rc != SQLITE_OK) {
        sqlite3_finalize(raw);
        return tl::unexpected(SqliteError(db_.get(), rc, "prepare"));
      }
      it =
          cache_.emplace(std::string(sql), std::unique_ptr<sqlite3_stmt, StmtFinalizer>(raw)).first;
    }
    return Stmt(db_.get(), it->second.get());
  }

  bool InTransaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }

 private:
  explicit Connection(std::unique_ptr<sqlite3, DbCloser> db) : db_(std::move(db)) {}

  std::unique_ptr<sqlite3, DbCloser> db_;  // declared first: statements are finalized first
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
  };
  // Looked up by string_view: no allocation per statement on the hot path.
  std::unordered_map<std::string, std::unique_ptr<sqlite3_stmt, StmtFinalizer>, SqlHash, std::equal_to<>>
      cache_;
};

// ---- Tables -------------------------------------------------------------------------------

// A table's columns (the first is the key) and the SQL generated from them. Binding
// functions bind the entity's fields as ?1..?N in column order, so INSERT and UPDATE share
// one binder.
struct Table {
  std::string_view entity;  // "signer", for messages
  std::string_view name;
  std::vector<std::string_view> cols;
  std::string select;  // "SELECT c1, c2 FROM t"
  std::string insert;
  std::string update;  // by key, every column
  std::string get;     // select ... WHERE key = ?1
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
      params += "?" + n;
      if (i > 0) {
        if (!sets.empty()) sets += ", ";
        sets += std::string(cols[i]) + " = ?" + n;
      }
    }
    const std::string key(cols[0]);
    select = "SELECT " + list + " FROM " + std::string(name);
    insert = "INSERT INTO " + std::string(name) + " (" + list + ") VALUES (" + params + ")";
    update = "UPDATE " + std::string(name) + " SET " + sets + " WHERE " + key + " = ?1";
    get = select + " WHERE " + key + " = ?1";
    del = "DELETE FROM " + std::string(name) + " WHERE " + key + " = ?1";
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

void BindRow(Stmt& s, const domain::User& u) {
  s.BindAll(u.id, u.email, u.password_hash, domain::OrgRoleName(u.org_role), u.created_at,
            u.updated_at);
}
Result<domain::User> ReadUser(const Stmt& s) {
  domain::User u;
  u.id = s.Text(0);
  u.email = s.Text(1);
  u.password_hash = s.Text(2);
  SIGNET_ASSIGN_OR_RETURN(u.org_role, s.Enum(3, domain::ParseOrgRole));
  u.created_at = s.Time(4);
  u.updated_at = s.Time(5);
  return u;
}

void BindRow(Stmt& s, const domain::Identity& i) {
  s.BindAll(i.id, i.name, i.client_id, i.created_at, i.updated_at);
}
Result<domain::Identity> ReadIdentity(const Stmt& s) {
  return domain::Identity{s.Text(0), s.Text(1), s.Text(2), s.Time(3), s.Time(4)};
}

void BindRow(Stmt& s, const domain::ClientSecret& c) {
  s.BindAll(c.id, c.identity_id, c.secret_hash, c.description, c.created_at, c.revoked);
}
Result<domain::ClientSecret> ReadClientSecret(const Stmt& s) {
  return domain::ClientSecret{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Time(4), s.Bool(5)};
}

void BindRow(Stmt& s, const domain::AccessToken& t) {
  s.BindAll(t.token_hash, Name(t.principal_type), t.principal_id, t.created_at, t.expires_at,
            t.revoked);
}
Result<domain::AccessToken> ReadAccessToken(const Stmt& s) {
  domain::AccessToken t;
  t.token_hash = s.Text(0);
  SIGNET_ASSIGN_OR_RETURN(t.principal_type, s.Enum(1, domain::ParsePrincipalType));
  t.principal_id = s.Text(2);
  t.created_at = s.Time(3);
  t.expires_at = s.Time(4);
  t.revoked = s.Bool(5);
  return t;
}

void BindRow(Stmt& s, const domain::Project& p) {
  s.BindAll(p.id, p.name, p.slug, p.description, p.created_at, p.updated_at);
}
Result<domain::Project> ReadProject(const Stmt& s) {
  return domain::Project{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Time(4), s.Time(5)};
}

void BindRow(Stmt& s, const domain::ProjectMembership& m) {
  s.BindAll(m.id, m.project_id, Name(m.principal_type), m.principal_id,
            domain::ProjectRoleName(m.role), m.created_at);
}
Result<domain::ProjectMembership> ReadMembership(const Stmt& s) {
  domain::ProjectMembership m;
  m.id = s.Text(0);
  m.project_id = s.Text(1);
  SIGNET_ASSIGN_OR_RETURN(m.principal_type, s.Enum(2, domain::ParsePrincipalType));
  m.principal_id = s.Text(3);
  SIGNET_ASSIGN_OR_RETURN(m.role, s.Enum(4, domain::ParseProjectRole));
  m.created_at = s.Time(5);
  return m;
}

void BindRow(Stmt& s, const domain::CertificateAuthority& c) {
  s.BindAll(c.id, c.project_id, c.parent_ca_id, c.common_name,
            domain::KeyAlgorithmName(c.key_algorithm), c.key_id, c.certificate_pem,
            c.certificate_chain_pem, c.serial_number, c.not_before, c.not_after,
            domain::CaStatusName(c.status), c.created_at, c.updated_at);
}
Result<domain::CertificateAuthority> ReadCa(const Stmt& s) {
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

void BindRow(Stmt& s, const domain::Certificate& c) {
  s.BindAll(c.id, c.project_id, c.ca_id, c.common_name, domain::KeyAlgorithmName(c.key_algorithm),
            c.key_id, domain::CertificateStatusName(c.status), c.certificate_pem,
            c.certificate_chain_pem, c.csr_pem, c.serial_number, c.not_before, c.not_after,
            EncodeStringList(c.key_usages), EncodeStringList(c.extended_key_usages), c.revoked_at,
            c.created_at, c.updated_at);
}
Result<domain::Certificate> ReadCertificate(const Stmt& s) {
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

void BindRow(Stmt& s, const domain::Signer& x) {
  s.BindAll(x.id, x.project_id, x.name, x.description, domain::SignerStatusName(x.status),
            x.certificate_id, x.signing_policy_id, x.last_signed_at, x.created_at, x.updated_at);
}
Result<domain::Signer> ReadSigner(const Stmt& s) {
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

void BindRow(Stmt& s, const domain::SignerMember& m) {
  s.BindAll(m.id, m.signer_id, Name(m.principal_type), m.principal_id,
            domain::SignerRoleName(m.role), m.created_at);
}
Result<domain::SignerMember> ReadSignerMember(const Stmt& s) {
  domain::SignerMember m;
  m.id = s.Text(0);
  m.signer_id = s.Text(1);
  SIGNET_ASSIGN_OR_RETURN(m.principal_type, s.Enum(2, domain::ParsePrincipalType));
  m.principal_id = s.Text(3);
  SIGNET_ASSIGN_OR_RETURN(m.role, s.Enum(4, domain::ParseSignerRole));
  m.created_at = s.Time(5);
  return m;
}

void BindRow(Stmt& s, const domain::SigningPolicy& p) {
  s.BindAll(p.id, p.project_id, p.name, EncodePolicySteps(p.steps), p.max_window_duration,
            p.max_signings, p.max_request_ttl, p.bypass_for_machine_identities, p.created_at,
            p.updated_at);
}
Result<domain::SigningPolicy> ReadPolicy(const Stmt& s) {
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

domain::SigningScope ReadScope(const Stmt& s, int first) {
  return domain::SigningScope{s.OptText(first),     s.OptText(first + 1), s.OptText(first + 2),
                              s.OptText(first + 3), s.OptText(first + 4), s.OptText(first + 5),
                              s.OptText(first + 6)};
}

void BindRow(Stmt& s, const domain::SigningRequest& r) {
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
Result<domain::SigningRequest> ReadRequest(const Stmt& s) {
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

void BindRow(Stmt& s, const domain::Approval& a) {
  s.BindAll(a.id, a.request_id, a.step, a.approver_user_id,
            domain::ApprovalDecisionName(a.decision), a.comment, a.created_at);
}
Result<domain::Approval> ReadApproval(const Stmt& s) {
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

void BindRow(Stmt& s, const domain::Grant& g) {
  const auto& sc = g.scope;
  s.BindAll(g.id, g.signer_id, g.request_id, Name(g.grantee_type), g.grantee_id, g.max_signings,
            g.used_signings, g.window_start, g.expires_at, sc.command, sc.signing_application,
            sc.signing_application_hash, sc.hostname, sc.os_username, sc.ip_address, sc.data_hash,
            domain::GrantStatusName(g.status), g.revoked_reason, g.created_at, g.updated_at);
}
Result<domain::Grant> ReadGrant(const Stmt& s) {
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

void BindRow(Stmt& s, const domain::SigningOperation& o) {
  s.BindAll(o.id, o.signer_id, o.project_id, domain::OperationStatusName(o.status),
            o.signing_algorithm, o.data_hash, Name(o.actor_type), o.actor_id, o.actor_name,
            o.grant_id, o.client_metadata_json, o.source_ip, o.error_message, o.created_at);
}
Result<domain::SigningOperation> ReadOperation(const Stmt& s) {
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

void BindRow(Stmt& s, const domain::WrappedKey& k) {
  s.BindAll(k.key_id, domain::KeyAlgorithmName(k.algorithm), k.wrapped_data_key,
            k.sealed_private_key, k.public_key_spki, k.created_at);
}
Result<domain::WrappedKey> ReadWrappedKey(const Stmt& s) {
  domain::WrappedKey k;
  k.key_id = s.Text(0);
  SIGNET_ASSIGN_OR_RETURN(k.algorithm, s.Enum(1, domain::ParseKeyAlgorithm));
  k.wrapped_data_key = s.Blob(2);
  k.sealed_private_key = s.Blob(3);
  k.public_key_spki = s.Blob(4);
  k.created_at = s.Time(5);
  return k;
}

void BindRow(Stmt& s, const domain::AuditEvent& e) {
  s.BindAll(e.node_id, e.seq, e.time, e.event_type, e.actor_type, e.actor_id, e.actor_name,
            e.target_type, e.target_id, e.details_json, e.prev_hash, e.hash);
}
Result<domain::AuditEvent> ReadAuditEvent(const Stmt& s) {
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

// Gives a Tx exclusive use of one connection and takes it back when destroyed.
class Lease {
 public:
  virtual ~Lease() = default;
  virtual Connection& conn() = 0;
};

class SqliteTx final : public Tx {
 public:
  explicit SqliteTx(std::unique_ptr<Lease> lease) : lease_(std::move(lease)) {}

  ~SqliteTx() override {
    if (!finished_) Rollback();
  }

  Status Commit() override {
    if (finished_) return FailedPrecondition("transaction is already finished");
    Status s = lease_->conn().Run("COMMIT");
    if (!s) Rollback();
    finished_ = true;
    return s;
  }

  // ---- Users ----
  Status InsertUser(const domain::User& u) override {
    return InsertRow(Users(), u,
                     {"insert user",
                      {{"users.email", "a user with email " + Quote(u.email) + " already exists"}},
                      ""});
  }
  Result<domain::User> GetUser(std::string_view id) override {
    return GetRow(Users(), id, ReadUser);
  }
  Result<domain::User> GetUserByEmail(std::string_view email) override {
    return One(Users().select + " WHERE email = ?1", ReadUser, "no user with email " + Quote(email),
               email);
  }
  Status UpdateUser(const domain::User& u) override {
    return UpdateRow(Users(), u.id, u,
                     {"update user",
                      {{"users.email", "a user with email " + Quote(u.email) + " already exists"}},
                      ""});
  }
  Status DeleteUser(std::string_view id) override { return DeleteRow(Users(), id, ""); }
  Result<Page<domain::User>> ListUsers(PageRequest page) override {
    return List(Users(), "", "created_at, rowid", page, ReadUser);
  }
  Result<std::int64_t> CountUsers() override { return Scalar("SELECT COUNT(*) FROM users"); }

  // ---- Identities and client secrets ----
  Status InsertIdentity(const domain::Identity& i) override {
    return InsertRow(Identities(), i, IdentityErrors(i, "insert identity"));
  }
  Result<domain::Identity> GetIdentity(std::string_view id) override {
    return GetRow(Identities(), id, ReadIdentity);
  }
  Result<domain::Identity> GetIdentityByClientId(std::string_view client_id) override {
    return One(Identities().select + " WHERE client_id = ?1", ReadIdentity,
               "no identity with client id " + Quote(client_id), client_id);
  }
  Status UpdateIdentity(const domain::Identity& i) override {
    return UpdateRow(Identities(), i.id, i, IdentityErrors(i, "update identity"));
  }
  Status DeleteIdentity(std::string_view id) override { return DeleteRow(Identities(), id, ""); }
  Result<Page<domain::Identity>> ListIdentities(PageRequest page) override {
    return List(Identities(), "", "created_at, rowid", page, ReadIdentity);
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
    return All(ClientSecrets().select + " WHERE identity_id = ?1 ORDER BY created_at, rowid",
               ReadClientSecret, identity_id);
  }
  Status RevokeClientSecret(std::string_view id) override {
    return ExpectOne("UPDATE client_secrets SET revoked = 1 WHERE id = ?1", ClientSecrets(), id);
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
    return ExpectOne("UPDATE access_tokens SET revoked = 1 WHERE token_hash = ?1", AccessTokens(),
                     token_hash);
  }
  Result<std::int64_t> RevokeAccessTokensOf(PrincipalType type,
                                            std::string_view principal_id) override {
    return Write(
        "UPDATE access_tokens SET revoked = 1 "
        "WHERE principal_type = ?1 AND principal_id = ?2 AND revoked = 0",
        {"revoke access tokens", {}, ""}, Name(type), principal_id);
  }
  Result<std::int64_t> DeleteExpiredAccessTokens(TimePoint now) override {
    return Write("DELETE FROM access_tokens WHERE expires_at <= ?1",
                 {"delete expired access tokens", {}, ""}, now);
  }

  // ---- Projects and memberships ----
  Status InsertProject(const domain::Project& p) override {
    return InsertRow(Projects(), p, ProjectErrors(p, "insert project"));
  }
  Result<domain::Project> GetProject(std::string_view id) override {
    return GetRow(Projects(), id, ReadProject);
  }
  Result<domain::Project> GetProjectBySlug(std::string_view slug) override {
    return One(Projects().select + " WHERE slug = ?1", ReadProject,
               "no project with slug " + Quote(slug), slug);
  }
  Result<domain::Project> GetProjectByName(std::string_view name) override {
    return One(Projects().select + " WHERE name = ?1", ReadProject,
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
    return List(Projects(), "", "name", page, ReadProject);
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
                   " WHERE project_id = ?1 AND principal_type = ?2 AND principal_id = ?3",
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
    return List(Memberships(), "WHERE project_id = ?1", "created_at, rowid", page, ReadMembership,
                project_id);
  }
  Result<std::vector<domain::ProjectMembership>> ListMembershipsOf(
      PrincipalType type, std::string_view principal_id) override {
    return All(Memberships().select +
                   " WHERE principal_type = ?1 AND principal_id = ?2 ORDER BY created_at, rowid",
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
    return List(Cas(), "WHERE project_id = ?1", "created_at, rowid", page, ReadCa, project_id);
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
                "WHERE project_id = ?1 AND (?2 IS NULL OR EXISTS (SELECT 1 FROM "
                "json_each(certificates.extended_key_usages) AS eku WHERE eku.value = ?2))",
                "created_at, rowid", page, ReadCertificate, filter.project_id,
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
    return One(Signers().select + " WHERE project_id = ?1 AND name = ?2", ReadSigner,
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
                "WHERE project_id = ?1 AND (?2 IS NULL OR name LIKE ?2 ESCAPE '\\' "
                "OR description LIKE ?2 ESCAPE '\\')",
                "name", page, ReadSigner, filter.project_id, pattern);
  }
  Status TouchSignerLastSignedAt(std::string_view id, TimePoint at) override {
    SIGNET_ASSIGN_OR_RETURN(
        std::int64_t changed,
        Write("UPDATE signers SET last_signed_at = MAX(COALESCE(last_signed_at, 0), ?2) "
              "WHERE id = ?1",
              {"touch signer", {}, ""}, id, at));
    (void)changed;  // a signer deleted meanwhile has nothing to touch
    return Ok();
  }
  Result<std::int64_t> CountSignersWithCertificate(std::string_view certificate_id) override {
    return Scalar("SELECT COUNT(*) FROM signers WHERE certificate_id = ?1", certificate_id);
  }
  Result<std::int64_t> CountSignersWithPolicy(std::string_view policy_id) override {
    return Scalar("SELECT COUNT(*) FROM signers WHERE signing_policy_id = ?1", policy_id);
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
                   " WHERE signer_id = ?1 AND principal_type = ?2 AND principal_id = ?3",
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
    return List(SignerMembers(), "WHERE signer_id = ?1", "created_at, rowid", page,
                ReadSignerMember, signer_id);
  }
  Result<std::vector<domain::SignerMember>> ListSignerMembershipsOf(
      PrincipalType type, std::string_view principal_id) override {
    return All(SignerMembers().select +
                   " WHERE principal_type = ?1 AND principal_id = ?2 ORDER BY created_at, rowid",
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
    return One(Policies().select + " WHERE project_id = ?1 AND name = ?2", ReadPolicy,
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
    return List(Policies(), "WHERE project_id = ?1", "name", page, ReadPolicy, project_id);
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
                "WHERE (?1 IS NULL OR project_id = ?1) AND (?2 IS NULL OR signer_id = ?2) "
                "AND (?3 IS NULL OR status = ?3) AND (?4 IS NULL OR requester_type = ?4) "
                "AND (?5 IS NULL OR requester_id = ?5)",
                "created_at DESC, rowid DESC", page, ReadRequest, f.project_id, f.signer_id,
                OptName(f.status, domain::RequestStatusName),
                OptName(f.requester_type, domain::PrincipalTypeName), f.requester_id);
  }

  Status InsertApproval(const domain::Approval& a) override {
    return InsertRow(Approvals(), a,
                     {"insert approval",
                      {{"approvals.request_id, approvals.step, approvals.approver_user_id",
                        "user " + Quote(a.approver_user_id) + " already decided step " +
                            std::to_string(a.step) + " of signing request " + Quote(a.request_id)}},
                      "signing request " + Quote(a.request_id) + " does not exist"});
  }
  Result<std::vector<domain::Approval>> ListApprovals(std::string_view request_id) override {
    return All(Approvals().select + " WHERE request_id = ?1 ORDER BY step, created_at, rowid",
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
                "WHERE (?1 IS NULL OR signer_id = ?1) AND (?2 IS NULL OR grantee_type = ?2) "
                "AND (?3 IS NULL OR grantee_id = ?3) AND (?4 IS NULL OR status = ?4)",
                "created_at DESC, rowid DESC", page, ReadGrant, f.signer_id,
                OptName(f.grantee_type, domain::PrincipalTypeName), f.grantee_id,
                OptName(f.status, domain::GrantStatusName));
  }
  Result<bool> TryUseGrant(std::string_view grant_id, TimePoint now) override {
    SIGNET_ASSIGN_OR_RETURN(
        std::int64_t changed,
        Write("UPDATE grants SET used_signings = used_signings + 1, updated_at = ?2 "
              "WHERE id = ?1 AND status = 'active' AND window_start <= ?2 "
              "AND (expires_at IS NULL OR expires_at > ?2) "
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
    return List(Operations(), "WHERE signer_id = ?1 AND (?2 IS NULL OR status = ?2)",
                "created_at DESC, rowid DESC", page, ReadOperation, f.signer_id,
                OptName(f.status, domain::OperationStatusName));
  }

  // ---- Wrapped keys ----
  Status PutWrappedKey(const domain::WrappedKey& k) override {
    return InsertRow(
        KeyBlobs(), k,
        {"put wrapped key",
         {{"key_blobs.key_id", "a key with id " + Quote(k.key_id) + " already exists"}},
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
                      {{"audit_events.node_id, audit_events.seq",
                        "audit event " + std::to_string(e.seq) + " of node " + Quote(e.node_id) +
                            " already exists"}},
                      ""});
  }
  Result<std::optional<domain::AuditEvent>> LastAuditEvent(std::string_view node_id) override {
    SIGNET_ASSIGN_OR_RETURN(
        auto events, All(AuditEvents().select + " WHERE node_id = ?1 ORDER BY seq DESC LIMIT 1",
                         ReadAuditEvent, node_id));
    if (events.empty()) return std::optional<domain::AuditEvent>();
    return std::optional<domain::AuditEvent>(std::move(events.front()));
  }
  Result<Page<domain::AuditEvent>> ListAuditEvents(const AuditFilter& f,
                                                   PageRequest page) override {
    return List(AuditEvents(),
                "WHERE (?1 IS NULL OR node_id = ?1) AND (?2 IS NULL OR event_type = ?2) "
                "AND (?3 IS NULL OR actor_id = ?3) AND (?4 IS NULL OR time >= ?4) "
                "AND (?5 IS NULL OR time < ?5)",
                "time DESC, seq DESC, node_id", page, ReadAuditEvent, f.node_id, f.event_type,
                f.actor_id, f.since, f.until);
  }
  Status ForEachAuditEvent(std::string_view node_id,
                           const std::function<Status(const domain::AuditEvent&)>& fn) override {
    SIGNET_ASSIGN_OR_RETURN(Stmt s,
                            Prepare(AuditEvents().select + " WHERE node_id = ?1 ORDER BY seq"));
    s.BindAll(node_id);
    while (true) {
      SIGNET_ASSIGN_OR_RETURN(bool row, s.Step("read audit events"));
      if (!row) return Ok();
      SIGNET_ASSIGN_OR_RETURN(domain::AuditEvent e, ReadAuditEvent(s));
      SIGNET_TRY(fn(e));
    }
  }
  Result<std::vector<std::string>> ListAuditNodeIds() override {
    return All("SELECT DISTINCT node_id FROM audit_events ORDER BY node_id",
               [](const Stmt& s) -> Result<std::string> { return s.Text(0); });
  }

  // ---- Settings ----
  Result<std::optional<std::string>> GetSetting(std::string_view key) override {
    SIGNET_ASSIGN_OR_RETURN(
        auto values, All(
                         "SELECT value FROM settings WHERE key = ?1",
                         [](const Stmt& s) -> Result<std::string> { return s.Text(0); }, key));
    if (values.empty()) return std::optional<std::string>();
    return std::optional<std::string>(std::move(values.front()));
  }
  Status PutSetting(std::string_view key, std::string_view value) override {
    SIGNET_ASSIGN_OR_RETURN(std::int64_t changed,
                            Write("INSERT INTO settings (key, value) VALUES (?1, ?2) "
                                  "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                  {"put setting", {}, ""}, key, value));
    (void)changed;
    return Ok();
  }

 private:
  // ---- Uniqueness messages ----
  static WriteErrors IdentityErrors(const domain::Identity& i, std::string_view ctx) {
    return {ctx,
            {{"identities.client_id",
              "an identity with client id " + Quote(i.client_id) + " already exists"}},
            ""};
  }
  static WriteErrors ProjectErrors(const domain::Project& p, std::string_view ctx) {
    return {ctx,
            {{"projects.name", "a project named " + Quote(p.name) + " already exists"},
             {"projects.slug", "a project with slug " + Quote(p.slug) + " already exists"}},
            ""};
  }
  static WriteErrors MembershipErrors(const domain::ProjectMembership& m, std::string_view ctx) {
    return {ctx,
            {{"project_memberships.project_id", std::string(Name(m.principal_type)) + " " +
                                                    Quote(m.principal_id) +
                                                    " is already a member of this project"}},
            "project " + Quote(m.project_id) + " does not exist"};
  }
  static WriteErrors SignerErrors(const domain::Signer& s, std::string_view ctx) {
    return {ctx,
            {{"signers.project_id, signers.name",
              "a signer named " + Quote(s.name) + " already exists in this project"}},
            "the project, certificate or signing policy of signer " + Quote(s.name) +
                " does not exist"};
  }
  static WriteErrors SignerMemberErrors(const domain::SignerMember& m, std::string_view ctx) {
    return {ctx,
            {{"signer_members.signer_id", std::string(Name(m.principal_type)) + " " +
                                              Quote(m.principal_id) +
                                              " is already a member of this signer"}},
            "signer " + Quote(m.signer_id) + " does not exist"};
  }
  static WriteErrors PolicyErrors(const domain::SigningPolicy& p, std::string_view ctx) {
    return {ctx,
            {{"signing_policies.project_id, signing_policies.name",
              "a signing policy named " + Quote(p.name) + " already exists in this project"}},
            "project " + Quote(p.project_id) + " does not exist"};
  }

  // ---- Helpers ----
  Result<Stmt> Prepare(std::string_view sql) {
    if (finished_) return FailedPrecondition("transaction is already finished");
    return lease_->conn().Prepare(sql);
  }

  void Rollback() {
    Connection& conn = lease_->conn();
    if (conn.InTransaction()) {
      // A failing ROLLBACK leaves nothing to do: SQLite has then rolled back already, and
      // Begin*() rolls back a connection still inside a transaction before reusing it.
      (void)conn.Run("ROLLBACK");
    }
    finished_ = true;
  }

  template <class... A>
  Result<std::int64_t> Write(std::string_view sql, const WriteErrors& errors, const A&... args) {
    SIGNET_ASSIGN_OR_RETURN(Stmt s, Prepare(sql));
    s.BindAll(args...);
    auto changed = s.Run(errors.context);
    if (!changed) return tl::unexpected(Rename(std::move(changed).error(), errors));
    return *changed;
  }

  template <class T>
  Status InsertRow(const Table& t, const T& row, const WriteErrors& errors) {
    SIGNET_ASSIGN_OR_RETURN(Stmt s, Prepare(t.insert));
    BindRow(s, row);
    auto changed = s.Run(errors.context);
    if (!changed) return tl::unexpected(Rename(std::move(changed).error(), errors));
    return Ok();
  }

  template <class T>
  Status UpdateRow(const Table& t, std::string_view key, const T& row, const WriteErrors& errors) {
    SIGNET_ASSIGN_OR_RETURN(Stmt s, Prepare(t.update));
    BindRow(s, row);
    auto changed = s.Run(errors.context);
    if (!changed) return tl::unexpected(Rename(std::move(changed).error(), errors));
    if (*changed == 0) return NotFoundError(t, key);
    return Ok();
  }

  Status DeleteRow(const Table& t, std::string_view key, std::string still_referenced) {
    const std::string ctx = "delete " + std::string(t.entity);
    SIGNET_ASSIGN_OR_RETURN(std::int64_t changed,
                            Write(t.del, {ctx, {}, std::move(still_referenced)}, key));
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
      -> Result<std::vector<typename std::invoke_result_t<Read, const Stmt&>::value_type>> {
    using T = typename std::invoke_result_t<Read, const Stmt&>::value_type;
    SIGNET_ASSIGN_OR_RETURN(Stmt s, Prepare(sql));
    s.BindAll(args...);
    std::vector<T> out;
    while (true) {
      SIGNET_ASSIGN_OR_RETURN(bool row, s.Step("query"));
      if (!row) return out;
      SIGNET_ASSIGN_OR_RETURN(T item, read(s));
      out.push_back(std::move(item));
    }
  }

  template <class Read, class... A>
  auto One(std::string_view sql, Read read, const std::string& not_found, const A&... args)
      -> std::invoke_result_t<Read, const Stmt&> {
    SIGNET_ASSIGN_OR_RETURN(Stmt s, Prepare(sql));
    s.BindAll(args...);
    SIGNET_ASSIGN_OR_RETURN(bool row, s.Step("query"));
    if (!row) return NotFound(not_found);
    return read(s);
  }

  template <class Read>
  auto GetRow(const Table& t, std::string_view key, Read read)
      -> std::invoke_result_t<Read, const Stmt&> {
    return One(t.get, read, std::string(t.entity) + " " + Quote(key) + " not found", key);
  }

  template <class... A>
  Result<std::int64_t> Scalar(std::string_view sql, const A&... args) {
    SIGNET_ASSIGN_OR_RETURN(Stmt s, Prepare(sql));
    s.BindAll(args...);
    SIGNET_ASSIGN_OR_RETURN(bool row, s.Step("count"));
    if (!row) return Internal("count returned no row");
    return s.Int(0);
  }

  // One page of `SELECT cols FROM t <where> ORDER BY <order>` and the total row count of
  // the filter. The filter's parameters are ?1..?N; LIMIT and OFFSET take ?N+1, ?N+2.
  template <class Read, class... A>
  auto List(const Table& t, std::string_view where, std::string_view order, PageRequest page,
            Read read, const A&... args)
      -> Result<Page<typename std::invoke_result_t<Read, const Stmt&>::value_type>> {
    using T = typename std::invoke_result_t<Read, const Stmt&>::value_type;
    if (page.offset < 0) return InvalidArgument("offset must not be negative");
    Page<T> out;
    SIGNET_ASSIGN_OR_RETURN(
        out.total_count,
        Scalar("SELECT COUNT(*) FROM " + std::string(t.name) + " " + std::string(where), args...));
    const std::string n = std::to_string(sizeof...(A) + 1);
    const std::string m = std::to_string(sizeof...(A) + 2);
    SIGNET_ASSIGN_OR_RETURN(
        out.items, All(t.select + " " + std::string(where) + " ORDER BY " + std::string(order) +
                           " LIMIT ?" + n + " OFFSET ?" + m,
                       read, args..., page.limit < 0 ? std::int64_t{-1} : page.limit, page.offset));
    return out;
  }

  std::unique_ptr<Lease> lease_;
  bool finished_ = false;
};

// ---- The store ----------------------------------------------------------------------------

class SqliteStore final : public Store {
 public:
  static Result<std::unique_ptr<Store>> Create(const std::string& path,
                                               const SqliteOptions& options) {
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
    SIGNET_ASSIGN_OR_RETURN(auto writer, Connection::Open(path, options, /*reader=*/false));
    SIGNET_TRY(Migrate(*writer));
    return std::unique_ptr<Store>(new SqliteStore(path, options, std::move(writer)));
  }

  Result<std::unique_ptr<Tx>> BeginRead() override {
    SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, AcquireReader());
    auto lease = std::make_unique<ReaderLease>(this, std::move(conn));
    SIGNET_TRY(Begin(lease->conn(), "BEGIN"));
    return std::unique_ptr<Tx>(new SqliteTx(std::move(lease)));
  }

  Result<std::unique_ptr<Tx>> BeginWrite() override {
    auto lease = std::make_unique<WriterLease>(writer_mu_, *writer_);
    SIGNET_TRY(Begin(lease->conn(), "BEGIN IMMEDIATE"));
    return std::unique_ptr<Tx>(new SqliteTx(std::move(lease)));
  }

 private:
  class WriterLease final : public Lease {
   public:
    WriterLease(std::mutex& mu, Connection& conn) : lock_(mu), conn_(conn) {}
    Connection& conn() override { return conn_; }

   private:
    std::unique_lock<std::mutex> lock_;
    Connection& conn_;
  };

  class ReaderLease final : public Lease {
   public:
    ReaderLease(SqliteStore* store, std::unique_ptr<Connection> conn)
        : store_(store), conn_(std::move(conn)) {}
    ~ReaderLease() override { store_->ReleaseReader(std::move(conn_)); }
    Connection& conn() override { return *conn_; }

   private:
    SqliteStore* store_;
    std::unique_ptr<Connection> conn_;
  };

  SqliteStore(std::string path, SqliteOptions options, std::unique_ptr<Connection> writer)
      : path_(std::move(path)), options_(options), writer_(std::move(writer)) {}

  static Status Begin(Connection& conn, std::string_view begin) {
    if (conn.InTransaction()) (void)conn.Run("ROLLBACK");
    return conn.Run(begin);
  }

  static Status Migrate(Connection& conn) {
    SIGNET_TRY(conn.Exec("BEGIN IMMEDIATE"));
    Status s = ApplyMigrations(conn);
    if (!s) {
      (void)conn.Exec("ROLLBACK");
      return s;
    }
    s = conn.Exec("COMMIT");
    if (!s) (void)conn.Exec("ROLLBACK");
    return s;
  }

  static Status ApplyMigrations(Connection& conn) {
    SIGNET_TRY(
        conn.Exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                  "applied_at INTEGER NOT NULL) STRICT"));
    std::int64_t current = 0;
    {
      SIGNET_ASSIGN_OR_RETURN(Stmt s,
                              conn.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version"));
      SIGNET_ASSIGN_OR_RETURN(bool row, s.Step("read schema version"));
      if (row) current = s.Int(0);
    }
    const int known = SqliteSchemaVersion();
    if (current > known) {
      return FailedPrecondition("database schema version " + std::to_string(current) +
                                " is newer than this binary supports (" + std::to_string(known) +
                                "); upgrade signetd");
    }
    const auto now = std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
    for (const SqliteMigration& m : SqliteMigrations()) {
      if (m.version <= current) continue;
      Status applied = conn.Exec(m.sql);
      if (!applied) {
        return Internal("schema migration " + std::to_string(m.version) +
                        " failed: " + applied.error().message);
      }
      SIGNET_ASSIGN_OR_RETURN(
          Stmt s, conn.Prepare("INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)"));
      s.BindAll(m.version, now);
      SIGNET_TRY(s.Run("record schema version"));
    }
    return Ok();
  }

  Result<std::unique_ptr<Connection>> AcquireReader() {
    std::unique_lock<std::mutex> lock(readers_mu_);
    readers_cv_.wait(
        lock, [&] { return !idle_readers_.empty() || open_readers_ < options_.max_readers; });
    if (!idle_readers_.empty()) {
      auto conn = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return conn;
    }
    ++open_readers_;
    lock.unlock();
    auto conn = Connection::Open(path_, options_, /*reader=*/true);
    if (!conn) {
      lock.lock();
      --open_readers_;
      readers_cv_.notify_one();
    }
    return conn;
  }

  void ReleaseReader(std::unique_ptr<Connection> conn) {
    std::lock_guard<std::mutex> lock(readers_mu_);
    idle_readers_.push_back(std::move(conn));
    readers_cv_.notify_one();
  }

  const std::string path_;
  const SqliteOptions options_;

  std::mutex writer_mu_;                // held by the open write Tx (through WriterLease)
  std::unique_ptr<Connection> writer_;  // guarded by writer_mu_

  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;  // guarded by readers_mu_
  int open_readers_ = 0;                                   // guarded by readers_mu_
};

}  // namespace

int SqliteSchemaVersion() { return SqliteMigrations().back().version; }

Result<std::unique_ptr<Store>> OpenSqlite(const std::string& path, const SqliteOptions& options) {
  return SqliteStore::Create(path, options);
}

}  // namespace signet::store
