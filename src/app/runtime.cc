#include "app/runtime.h"

#include <optional>

#include "common/log.h"

namespace signet::app {

Result<std::unique_ptr<Runtime>> OpenRuntime(const Config& config) {
  auto rt = std::make_unique<Runtime>();
  std::optional<keystore::RootKey> root_from_file;
  if (!config.hsm_root_key_label) {
    SIGNET_ASSIGN_OR_RETURN(root_from_file, LoadRootKey(config));
  }
  SIGNET_ASSIGN_OR_RETURN(rt->store, OpenStore(config));
  if (config.hsm) {
    SIGNET_ASSIGN_OR_RETURN(rt->hsm,
                            keystore::Pkcs11KeySource::Create(*config.hsm, *rt->store, rt->clock));
    log::Info("keys in " + rt->hsm->Describe());
  }
  std::optional<keystore::RootKey> root_from_hsm;
  if (config.hsm_root_key_label) {
    if (!rt->hsm) return InvalidArgument("--hsm-root-key needs --hsm-module");
    SIGNET_ASSIGN_OR_RETURN(root_from_hsm,
                            keystore::HsmRootKey(*rt->hsm, *rt->store, *config.hsm_root_key_label));
    log::Info("the root key is sealed by the HSM key '" + *config.hsm_root_key_label + "'");
  }
  keystore::RootKey root_key =
      root_from_hsm ? std::move(*root_from_hsm) : std::move(*root_from_file);
  SIGNET_TRY(keystore::CheckRootKey(root_key, *rt->store));
  SIGNET_ASSIGN_OR_RETURN(SecretBytes audit_key, root_key.DeriveKey("signet audit v1", 32));
  SIGNET_ASSIGN_OR_RETURN(SecretBytes checkpoint_seed,
                          root_key.DeriveKey("signet audit checkpoint v1", 32));
  SIGNET_ASSIGN_OR_RETURN(rt->audit, audit::AuditLog::Create(config.node_id, std::move(audit_key),
                                                             std::move(checkpoint_seed)));
  SIGNET_ASSIGN_OR_RETURN(rt->notify_key, root_key.DeriveKey("signet notification secrets v1", 32));
  rt->key_blobs = std::make_unique<keystore::StoreKeyBlobRepository>(*rt->store);
  rt->keys = std::make_unique<keystore::KeyStore>(std::move(root_key), *rt->key_blobs, rt->clock);
  return rt;
}

}  // namespace signet::app
