#pragma once
// Persistence of wrapped private keys, the seam between the key store and the database.
// The server adapts its store (store::Tx PutWrappedKey/GetWrappedKey) to this interface;
// InMemoryKeyBlobRepository serves tests and tools.

#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "domain/algorithms.h"

namespace signet::keystore {

// A private key at rest. Holds no secret in clear: `sealed_private_key` is the PKCS#8 DER
// sealed (AES-256-GCM) under a per-key data key, and `wrapped_data_key` is that data key
// sealed under the root key; both bind `key_id` as associated data.
struct WrappedKey {
  std::string key_id;
  domain::KeyAlgorithm algorithm = domain::KeyAlgorithm::kEcP256;
  Bytes wrapped_data_key;
  Bytes sealed_private_key;
  Bytes public_key_spki;  // DER SubjectPublicKeyInfo
  TimePoint created_at;
  bool operator==(const WrappedKey&) const = default;
};

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
