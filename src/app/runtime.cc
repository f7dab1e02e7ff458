#include "app/runtime.h"

namespace signet::app {

Result<std::unique_ptr<Runtime>> OpenRuntime(const Config& config) {
  SIGNET_ASSIGN_OR_RETURN(keystore::RootKey root_key, LoadRootKey(config));
  auto rt = std::make_unique<Runtime>();
  SIGNET_ASSIGN_OR_RETURN(rt->store, OpenStore(config));
  SIGNET_TRY(keystore::CheckRootKey(root_key, *rt->store));
  SIGNET_ASSIGN_OR_RETURN(SecretBytes audit_key, root_key.DeriveKey("signet audit v1", 32));
  SIGNET_ASSIGN_OR_RETURN(SecretBytes checkpoint_seed, root_key.DeriveKey("signet audit checkpoint v1", 32));
  SIGNET_ASSIGN_OR_RETURN(rt->audit, audit::AuditLog::Create(config.node_id, std::move(audit_key),
                                                             std::move(checkpoint_seed)));
  rt->key_blobs = std::make_unique<keystore::StoreKeyBlobRepository>(*rt->store);
  rt->keys = std::make_unique<keystore::KeyStore>(std::move(root_key), *rt->key_blobs, rt->clock);
  return rt;
}

}  // namespace signet::app
