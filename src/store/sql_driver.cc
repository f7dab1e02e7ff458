#include "store/sql_driver.h"

namespace signet::store::sql {

std::string Expand(std::string_view sql, const Dialect& d) {
  std::string out;
  out.reserve(sql.size() + 32);
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == '\'') {  // a literal, up to its closing quote
      const std::size_t end = std::min(sql.find('\'', i + 1), sql.size() - 1);
      out += sql.substr(i, end - i + 1);
      i = end;
    } else if (c == '?') {
      out += d.param;
    } else if (c == '{' && sql.find('}', i) != std::string_view::npos) {
      const std::size_t end = sql.find('}', i);
      const std::string_view word = sql.substr(i + 1, end - i - 1);
      i = end;
      if (word == "seq") {
        out += d.seq;
      } else if (word == "bytewise") {
        out += d.bytewise;
      } else if (word == "ilike") {
        out += d.ilike;
      } else if (word.starts_with("json_each:")) {
        const std::string_view arg = word.substr(word.find(':') + 1);
        for (char p : d.json_each) p == '@' ? void(out += arg) : void(out += p);
      } else {
        out += word;  // not a word of the dialect: left for the server to reject
      }
    } else {
      out += c;
    }
  }
  return out;
}

Result<Pool::Lease> Pool::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  const auto ready = [&] { return !idle_.empty() || open_ < max_; };
  if (wait_ == kForever) {
    cv_.wait(lock, ready);
  } else if (!cv_.wait_for(lock, wait_, ready)) {
    return Unavailable("all " + std::to_string(max_) + " database connections stayed busy for " +
                       std::to_string(wait_.count()) + " ms");
  }
  if (!idle_.empty()) {
    std::unique_ptr<Connection> conn = std::move(idle_.back());
    idle_.pop_back();
    return Lease(conn.release(), Return{this, /*reused=*/true});
  }
  ++open_;
  lock.unlock();
  auto conn = open_fn_();
  if (!conn) {
    lock.lock();
    --open_;
    cv_.notify_one();
    return tl::unexpected(std::move(conn).error());
  }
  return Lease(conn->release(), Return{this, /*reused=*/false});
}

void Pool::Release(std::unique_ptr<Connection> conn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (conn->Reusable()) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
    conn.reset();
  }
  cv_.notify_one();
}

namespace {

// Inside a write transaction: applies the missing migrations, each with its schema_version
// row; returns the version the database had.
Result<std::int64_t> Apply(Connection& conn, std::span<const Migration> migrations,
                           std::string_view create_version_table) {
  SIGNET_TRY(conn.Exec(create_version_table));
  std::int64_t current = 0;
  {
    SIGNET_ASSIGN_OR_RETURN(Use s, Bound(conn, "SELECT MAX(version) FROM schema_version"));
    SIGNET_ASSIGN_OR_RETURN(bool row, s->Next("read schema version"));
    if (row && !s->IsNull(0)) current = s->Int(0);
  }
  const std::int64_t known = migrations.back().version;
  if (current > known) {
    return FailedPrecondition("database schema version " + std::to_string(current) +
                              " is newer than this binary supports (" + std::to_string(known) +
                              "); upgrade signetd");
  }
  for (const Migration& m : migrations.subspan(current)) {  // versions are 1, 2, 3, ...
    if (Status applied = conn.Exec(m.sql); !applied) {
      return Internal("schema migration " + std::to_string(m.version) +
                      " failed: " + applied.error().message);
    }
    SIGNET_ASSIGN_OR_RETURN(
        Use insert, Bound(conn, "INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)",
                          m.version, SystemClock().Now()));
    SIGNET_TRY(insert->Exec("record schema version", /*guarded=*/false));
  }
  return current;
}

}  // namespace

Result<std::int64_t> Migrate(Connection& conn, std::span<const Migration> migrations,
                             std::string_view create_version_table) {
  SIGNET_TRY(conn.Begin(/*read_only=*/false));
  Result<std::int64_t> was = Apply(conn, migrations, create_version_table);
  if (!was) conn.Rollback();
  if (was) SIGNET_TRY(conn.Commit());
  return was;
}

}  // namespace signet::store::sql
