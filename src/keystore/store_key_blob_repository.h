#pragma once
// The database behind the key store: wrapped keys in store::Store (PutWrappedKey/GetWrappedKey),
// and the root key check value in the server settings.

#include <string_view>

#include "common/result.h"
#include "keystore/key_blob_repository.h"
#include "keystore/root_key.h"
#include "store/store.h"

namespace signet::keystore {

// Each call runs in its own transaction (a write transaction for Put and Delete). A caller that
// must store a key together with other rows in one transaction uses WrapPrivateKey
// (keystore/keystore.h) and Tx::PutWrappedKey itself. Thread-safe as store::Store is.
// `store` must outlive the repository.
class StoreKeyBlobRepository final : public KeyBlobRepository {
 public:
  explicit StoreKeyBlobRepository(store::Store& store) : store_(store) {}

  Status Put(const WrappedKey& key) override;
  Result<WrappedKey> Get(std::string_view key_id) override;
  Status Delete(std::string_view key_id) override;

 private:
  store::Store& store_;
};

// Run at server start. The first start records root.KeyCheckValue() in the setting
// kRootKeyCheckSetting; later starts compare against it and fail with FailedPrecondition
// "root key does not match this database" when another root key is configured.
[[nodiscard]] Status CheckRootKey(const RootKey& root, store::Store& store);

}  // namespace signet::keystore
