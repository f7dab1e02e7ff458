#pragma once
// The PostgreSQL backend of store::Store, on libpq. Several signetd nodes may share one
// database (docs/deploy.md).
//
// Connections: a pool of at most `pool_size` connections, opened on demand and shared by
// read and write transactions; a Begin*() waits for a free one (kUnavailable after
// statement_timeout). Each connection prepares every statement it runs once and reuses it.
// A connection that breaks (server restart, network) is discarded when its transaction
// ends; the call that hit the break gets kUnavailable, and the next Begin*() connects
// anew. An idle pooled connection found broken by BEGIN is replaced transparently. TLS is
// used as the URL asks (sslmode=require|verify-ca|verify-full, sslrootcert=...).
//
// Transactions:
//   BeginRead()  REPEATABLE READ READ ONLY: one snapshot from the first statement on.
//   BeginWrite() READ COMMITTED: unlike SQLite, write transactions are NOT serialized
//                (neither within a process nor across nodes); each statement sees the
//                latest committed rows. Where that matters, the shared transaction
//                (store/sql_store.h) takes transaction advisory locks, pipelined with the
//                statement they protect: the audit chain of a node id never forks, the
//                bootstrap admin and a default project are created once across nodes, and
//                TryUseGrant is one conditional UPDATE (concurrent nodes never exceed
//                max_signings). Writes that may violate a key run under a savepoint in the
//                same round trip, so kAlreadyExists/kFailedPrecondition leave the
//                transaction usable, as the interface requires. After
//                Tx::DeferAppends() (the group commit) the appends are kept and sent in
//                the pipeline of the next statement or of the COMMIT, without savepoints:
//                a group of N records costs three round trips (BEGIN, the chain lock
//                with the head read, the head setting read) plus one for all its rows and
//                the COMMIT, instead of 2N + 5; a failed kept write fails the rest of the
//                transaction and its commit.
// Errors (store.h contract): unique violation -> kAlreadyExists (same messages as SQLite);
// foreign key -> kFailedPrecondition; connection loss, timeouts, serialization failures,
// deadlocks, too many connections -> kUnavailable; anything else -> kInternal.
//
// Migrations run in OpenPostgres under a session advisory lock, in one transaction with
// their schema_version rows; nodes starting together migrate once.
//
// Node ids: with options.node_id set, OpenPostgres claims the id: it takes a session
// advisory lock on a dedicated connection (held for the Store's lifetime, re-taken after a
// reconnect) and records host, pid and heartbeat in signet_nodes. A second live process
// with the same node id is refused with kFailedPrecondition. The lock goes away with the
// holder's connection (process exit, SIGKILL, host crash after TCP keepalive).

#include <chrono>
#include <memory>
#include <string>

#include "common/result.h"
#include "store/store.h"

namespace signet::store {

struct PostgresOptions {
  // Connections in the pool at most (a node holds at most two per worker thread).
  int pool_size = 8;
  // How long connecting may take (libpq rounds up to whole seconds, minimum 2 s).
  std::chrono::milliseconds connect_timeout{5000};
  // Server-side limit per statement (statement_timeout); also how long Begin*() waits for
  // a free pooled connection.
  std::chrono::milliseconds statement_timeout{10000};
  // When set, claim this node id (see above) for the Store's lifetime.
  std::string node_id;
};

// The newest schema version this binary knows (the number of its last migration).
int PostgresSchemaVersion();

// Connects to `url` (postgresql://user:password@host:port/db?sslmode=...; any libpq
// connection URI or key=value string), applies the missing migrations and, when
// options.node_id is set, claims the node id. Errors: kInvalidArgument for bad options;
// kUnavailable when the server cannot be reached; kFailedPrecondition when the schema is
// newer than PostgresSchemaVersion() or the node id is held by a live node; kInternal
// otherwise. The returned Store is thread-safe; every Tx it hands out must be destroyed
// before it.
[[nodiscard]] Result<std::unique_ptr<Store>> OpenPostgres(const std::string& url,
                                                          const PostgresOptions& options = {});

}  // namespace signet::store
