#pragma once
// Persistence of wrapped private keys, the seam between the key store and the database.
// StoreKeyBlobRepository (keystore/store_key_blob_repository.h) keeps keys in the database;
// InMemoryKeyBlobRepository serves tests and tools.

#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "common/result.h"
#include "domain/entities.h"

namespace signet::keystore {

// A private key at rest (domain::WrappedKey). Holds no secret in clear: `sealed_private_key`
// is the PKCS#8 DER sealed (AES-256-GCM) under a per-key data key, and `wrapped_data_key` is
// that data key sealed under the root key; both bind `key_id` as associated data.
using WrappedKey = domain::WrappedKey;

// Implementations must be thread-safe: the key store calls them from many threads.
class KeyBlobRepository {
 public:
  virtual ~KeyBlobRepository() = default;
  // AlreadyExists when a key with this id is stored.
  [[nodiscard]] virtual Status Put(const WrappedKey& key) = 0;
  // NotFound when no key has this id.
  [[nodiscard]] virtual Result<WrappedKey> Get(std::string_view key_id) = 0;
  // NotFound when no key has this id.
  [[nodiscard]] virtual Status Delete(std::string_view key_id) = 0;
};

// Keeps keys in a map. Thread-safe.
class InMemoryKeyBlobRepository final : public KeyBlobRepository {
 public:
  Status Put(const WrappedKey& key) override;
  Result<WrappedKey> Get(std::string_view key_id) override;
  Status Delete(std::string_view key_id) override;

 private:
  std::mutex mu_;
  std::map<std::string, WrappedKey, std::less<>> keys_;  // guarded by mu_
};

}  // namespace signet::keystore
