#include "keystore/store_key_blob_repository.h"

#include <memory>
#include <optional>
#include <string>

namespace signet::keystore {

Status StoreKeyBlobRepository::Put(const WrappedKey& key) {
  SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<store::Tx> tx, store_.BeginWrite());
  SIGNET_TRY(tx->PutWrappedKey(key));
  return tx->Commit();
}

Result<WrappedKey> StoreKeyBlobRepository::Get(std::string_view key_id) {
  SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<store::Tx> tx, store_.BeginRead());
  return tx->GetWrappedKey(key_id);
}

Status StoreKeyBlobRepository::Delete(std::string_view key_id) {
  SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<store::Tx> tx, store_.BeginWrite());
  SIGNET_TRY(tx->DeleteWrappedKey(key_id));
  return tx->Commit();
}

Status CheckRootKey(const RootKey& root, store::Store& store) {
  {
    SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<store::Tx> tx, store.BeginRead());
    SIGNET_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                            tx->GetSetting(kRootKeyCheckSetting));
    if (stored) return root.VerifyKeyCheckValue(*stored);
  }
  // First start: record the check value. Checked again inside the write transaction so that
  // two nodes starting together with different keys cannot both succeed.
  SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<store::Tx> tx, store.BeginWrite());
  SIGNET_ASSIGN_OR_RETURN(std::optional<std::string> stored, tx->GetSetting(kRootKeyCheckSetting));
  if (stored) return root.VerifyKeyCheckValue(*stored);
  SIGNET_TRY(tx->PutSetting(kRootKeyCheckSetting, root.KeyCheckValue()));
  return tx->Commit();
}

}  // namespace signet::keystore
