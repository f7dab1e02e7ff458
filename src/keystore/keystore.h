#pragma once
// The software key store (SPEC §7), the `software` KeySource (keystore/key_source.h): private
// keys are generated or imported here, kept only in wrapped form (KeyBlobRepository),
// unwrapped on first use and cached in memory for signing.
//
// Envelope per key: a random 32-byte data key seals the PKCS#8 DER (AES-256-GCM, AAD
// "signet-key:v1:<key_id>"); the root key seals the data key (AAD "signet-dek:v1:<key_id>").
// A blob moved to another key id, sealed under another root key, or changed in any byte fails
// to unwrap with FailedPrecondition "key <id> could not be unwrapped: wrong root key or
// tampered data"; it never yields a wrong key.
//
// Thread-safe: every method may be called concurrently. The cache is guarded by a
// shared_mutex; cached keys are shared (shared_ptr) and signing with them needs no lock.

#include <atomic>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "crypto/keys.h"
#include "crypto/signing_key.h"
#include "domain/algorithms.h"
#include "keystore/key_blob_repository.h"
#include "keystore/key_source.h"
#include "keystore/root_key.h"
#include "store/store.h"

namespace signet::keystore {

// Pure envelope operations, for callers that persist the WrappedKey themselves (inside their
// own database transaction). `key` must be RSA 2048/3072/4096 or EC P-256/384/521.
[[nodiscard]] Result<WrappedKey> WrapPrivateKey(const RootKey& root, std::string_view key_id,
                                                const crypto::PrivateKey& key, TimePoint now);
// Unwraps and checks that the key matches the stored public key and algorithm.
[[nodiscard]] Result<crypto::PrivateKey> UnwrapPrivateKey(const RootKey& root,
                                                          const WrappedKey& wrapped);

class KeyStore final : public KeySource {
 public:
  // `repository` and `clock` must outlive the key store.
  KeyStore(RootKey root, KeyBlobRepository& repository, const Clock& clock);

  KeyStore(const KeyStore&) = delete;
  KeyStore& operator=(const KeyStore&) = delete;

  // Generates a key and stores it wrapped under a new key id (in the repository, at once).
  [[nodiscard]] Result<StoredKey> Generate(domain::KeyAlgorithm algorithm);
  // Stores an existing key (e.g. from a PEM or PKCS#12 import) under a new key id.
  // InvalidArgument for unsupported key sizes or curves.
  [[nodiscard]] Result<StoredKey> Import(const crypto::PrivateKey& key);

  // ---- KeySource ----
  domain::KeySourceType type() const override { return domain::KeySourceType::kSoftware; }
  std::string Describe() const override { return "software key store"; }
  // For keys that must become durable together with the row that refers to them, in two
  // steps: Create (or Adopt) generates and wraps the key — CPU work only, seconds for
  // RSA-4096, so call it before any write transaction is open — and Persist writes the
  // wrapped key in the caller's write transaction. Nothing is cached until the key is read
  // with Get after that transaction committed, so a rolled-back transaction leaves nothing
  // behind, in memory or on disk (Abandon has nothing to do).
  [[nodiscard]] Result<NewKey> Create(domain::KeyAlgorithm algorithm) const override;
  [[nodiscard]] Result<NewKey> Adopt(const crypto::PrivateKey& key) const override;
  // InvalidArgument: the software key store has no device to find keys in.
  [[nodiscard]] Result<NewKey> AdoptExisting(const ExistingKeyRef& ref) const override;
  [[nodiscard]] Status Persist(store::Tx& tx, const NewKey& key) const override;
  void Abandon(const NewKey&) const override {}
  [[nodiscard]] Result<std::shared_ptr<const crypto::SigningKey>> Load(
      std::string_view key_id) override;
  // crypto::Sign with the key; the same argument errors as crypto::Sign.
  [[nodiscard]] Result<Bytes> Sign(std::string_view key_id, domain::SigningAlgorithm algorithm,
                                   ByteView data, bool is_digest) override;
  [[nodiscard]] Result<KeyDescription> DescribeKey(std::string_view key_id) override;
  Status Health() override { return Ok(); }

  // The unwrapped key, from the cache or unwrapped from the repository (NotFound when absent).
  [[nodiscard]] Result<std::shared_ptr<const crypto::PrivateKey>> Get(std::string_view key_id);
  // Removes the key from the repository and the cache.
  [[nodiscard]] Status Delete(std::string_view key_id);
  // Drops a cached key (after it changed elsewhere, e.g. on another node).
  void Evict(std::string_view key_id);

  const RootKey& root_key() const { return root_; }
  // How many unwrapped keys the cache holds, and how many keys Create made (for tests and
  // metrics).
  std::size_t cached_keys();
  std::uint64_t keys_created() const { return keys_created_.load(); }

 private:
  Result<NewKey> Wrap(crypto::PrivateKey key) const;
  Result<std::shared_ptr<const crypto::LocalSigningKey>> Unwrapped(std::string_view key_id);

  const RootKey root_;
  KeyBlobRepository& repository_;
  const Clock& clock_;

  mutable std::atomic<std::uint64_t> keys_created_{0};
  std::shared_mutex cache_mu_;
  // guarded by cache_mu_
  std::unordered_map<std::string, std::shared_ptr<const crypto::LocalSigningKey>> cache_;
};

}  // namespace signet::keystore
