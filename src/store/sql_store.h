#pragma once
// store::Store and store::Tx written once over the driver seam of store/sql_driver.h, on the
// tables of store/tables.h. A driver (OpenSqlite, OpenPostgres) opens its connection pools,
// migrates its schema and hands the pools to SqlStore (or to a subclass that adds what only
// its backend has).
//
// How the shared transaction keeps the contract of store.h on every backend:
//   - Where write transactions run concurrently (PostgreSQL), the calls that read before a
//     caller inserts take a transaction lock first (Connection::Lock): LastAuditEvent on the
//     node's audit chain (appends of one node never fork), CountUsers on the bootstrap (the
//     first admin is created once), GetProjectBySlug/GetProjectByName on the projects' key
//     (a default project is created once). TryUseGrant is one conditional UPDATE.
//   - Every write that may violate a unique or foreign key runs guarded (Statement::Exec),
//     so that the transaction stays usable after kAlreadyExists or kFailedPrecondition,
//     which are named after the table's unique keys (tables.h).
//   - A write in a read transaction fails with kFailedPrecondition before reaching the
//     database.
//
// Thread safety: SqlStore is thread-safe; each Tx is used by one thread at a time.

#include <memory>

#include "common/result.h"
#include "store/sql_driver.h"
#include "store/store.h"

namespace signet::store {

class SqlStore : public Store {
 public:
  // Read transactions run on `readers`, write transactions on `writers` (on `readers` when
  // null). Every Tx handed out must be destroyed before the store.
  SqlStore(std::unique_ptr<sql::Pool> readers, std::unique_ptr<sql::Pool> writers);

  Result<std::unique_ptr<Tx>> BeginRead() override;
  Result<std::unique_ptr<Tx>> BeginWrite() override;

 private:
  Result<std::unique_ptr<Tx>> Begin(sql::Pool& pool, bool read_only);

  std::unique_ptr<sql::Pool> readers_;
  std::unique_ptr<sql::Pool> writers_;  // null: readers_
};

}  // namespace signet::store
