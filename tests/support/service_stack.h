#pragma once
// A service::Service and everything it stands on, for tests that run the use cases or the HTTP
// routes in-process: a SQLite store at a path the test chooses, a key store under a fixed root
// key, an audit log with fixed keys, and an authenticator, all on the test's clock.
// Link: service store keystore audit auth crypto common domain, and SQLite::SQLite3.

#include <memory>
#include <string>
#include <utility>

#include "audit/audit_log.h"
#include "auth/authenticator.h"
#include "common/clock.h"
#include "common/result.h"
#include "keystore/keystore.h"
#include "keystore/root_key.h"
#include "keystore/store_key_blob_repository.h"
#include "service/service.h"
#include "store/sqlite_store.h"

namespace signet::testutil {

// Members are declared in the order they are built, so they are destroyed the other way round:
// the service before what it uses, the store last.
struct ServiceStack {
  std::unique_ptr<store::Store> store;                      // SQLite, at the test's path
  std::unique_ptr<keystore::StoreKeyBlobRepository> blobs;  // the wrapped keys, in `store`
  std::unique_ptr<keystore::KeyStore> keys;                 // root key: 32 bytes of 7
  std::unique_ptr<audit::AuditLog> audit;                   // node "node-1", fixed keys
  std::unique_ptr<auth::Authenticator> authenticator;
  std::unique_ptr<service::Service> service;
};

// Opens (creating and migrating) the SQLite database at `db_path` and builds the stack over it.
// `clock` must outlive the stack.
inline Result<ServiceStack> BuildServiceStack(const std::string& db_path, const Clock& clock,
                                              auth::AuthOptions auth_options = {}) {
  ServiceStack s;
  SIGNET_ASSIGN_OR_RETURN(s.store, store::OpenSqlite(db_path));
  SIGNET_ASSIGN_OR_RETURN(keystore::RootKey root, keystore::RootKey::FromBytes(Bytes(32, 7)));
  s.blobs = std::make_unique<keystore::StoreKeyBlobRepository>(*s.store);
  s.keys = std::make_unique<keystore::KeyStore>(std::move(root), *s.blobs, clock);
  SIGNET_ASSIGN_OR_RETURN(s.audit, audit::AuditLog::Create("node-1", SecretBytes(Bytes(32, 1)),
                                                           SecretBytes(Bytes(32, 2))));
  s.authenticator = std::make_unique<auth::Authenticator>(*s.store, clock, std::move(auth_options));
  s.service = std::make_unique<service::Service>(
      service::Deps{*s.store, *s.keys, *s.audit, *s.authenticator, clock});
  return s;
}

}  // namespace signet::testutil
