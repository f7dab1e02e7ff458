#pragma once
// What signetd and its offline commands (audit verify, restore, admin reset-password) open:
// the store, the key store under the root key, and this node's audit log.

#include <memory>

#include "app/config.h"
#include "audit/audit_log.h"
#include "common/clock.h"
#include "common/secret_bytes.h"
#include "keystore/keystore.h"
#include "keystore/pkcs11_key_source.h"
#include "keystore/store_key_blob_repository.h"
#include "store/store.h"

namespace signet::app {

struct Runtime {
  SystemClock clock;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<keystore::StoreKeyBlobRepository> key_blobs;
  std::unique_ptr<keystore::KeyStore> keys;
  std::unique_ptr<keystore::Pkcs11KeySource> hsm;  // --hsm-module
  std::unique_ptr<audit::AuditLog> audit;
  SecretBytes notify_key;  // seals webhook secrets and the SMTP password (notify/)
};

// Loads the root key (from the environment or a file, or sealed by the HSM with
// --hsm-root-key), opens (and migrates) the database, opens the HSM key source when one is
// configured, and checks that the root key is the database's ("root key does not match this
// database" otherwise).
[[nodiscard]] Result<std::unique_ptr<Runtime>> OpenRuntime(const Config& config);

}  // namespace signet::app
