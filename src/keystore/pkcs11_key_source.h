#pragma once
// The `pkcs11` key source (keystore/key_source.h): private keys generated and used inside a
// hardware security module that signetd reaches through the vendor's PKCS#11 library.
//
// Keys are made in the token with CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE true and
// CKA_EXTRACTABLE false, labelled "signet-<key id>" and identified by the key id's 16 bytes
// (CKA_ID), so signetd finds them again after a restart. The database keeps only that
// reference and the public key (domain::HsmKey, Tx::PutHsmKey); the private key never leaves
// the module. Existing private keys in the token can be adopted by CKA_LABEL or CKA_ID.
//
// Sessions come from a pool capped by the configured maximum and the token's own limit;
// callers beyond the cap wait. A call that finds the user logged out logs in again and
// retries; one that finds the session, the device or the token gone drops every session,
// reloads the library and finds the token again, at most once a second. While the token
// cannot be reached, signing and key generation fail with Unavailable ("the HSM token 'x' is
// unreachable: …") and Health() says so; the first call after it is back recovers.
//
// Thread-safe. The PIN is held in SecretBytes and appears in no message.

#include <memory>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "common/secret_bytes.h"
#include "keystore/key_source.h"
#include "keystore/root_key.h"
#include "store/store.h"

namespace signet::keystore {

struct HsmConfig {
  std::string module_path;                 // the vendor's PKCS#11 library
  std::optional<std::string> token_label;  // exactly one of token_label and slot_id
  std::optional<unsigned long> slot_id;
  // The user PIN; absent: the token has a protected authentication path (PIN pad), or needs
  // no login.
  std::optional<SecretBytes> pin;
  // At most this many sessions at once (fewer when the token allows fewer).
  std::size_t max_sessions = 8;
};

class Pkcs11KeySource final : public KeySource {
 public:
  // Loads the library, finds the token and logs in. FailedPrecondition with a clear message
  // for a library that does not load, a token that is not there, a wrong or locked PIN.
  // `store` and `clock` must outlive the source.
  [[nodiscard]] static Result<std::unique_ptr<Pkcs11KeySource>> Create(HsmConfig config,
                                                                       store::Store& store,
                                                                       const Clock& clock);
  ~Pkcs11KeySource() override;

  domain::KeySourceType type() const override { return domain::KeySourceType::kHsm; }
  std::string Describe() const override;

  Result<NewKey> Create(domain::KeyAlgorithm algorithm) const override;
  // InvalidArgument: a key from outside was not generated in the module.
  Result<NewKey> Adopt(const crypto::PrivateKey& key) const override;
  Result<NewKey> AdoptExisting(const ExistingKeyRef& ref) const override;
  Status Persist(store::Tx& tx, const NewKey& key) const override;
  // Destroys the token objects Create made for `key` (adopted objects are left alone).
  void Abandon(const NewKey& key) const override;
  Result<std::shared_ptr<const crypto::SigningKey>> Load(std::string_view key_id) override;
  Result<Bytes> Sign(std::string_view key_id, domain::SigningAlgorithm algorithm, ByteView data,
                     bool is_digest) override;
  Result<KeyDescription> DescribeKey(std::string_view key_id) override;
  Status Health() override;

  // C_GetInfo and C_GetTokenInfo of the module now. Unavailable while unreachable.
  [[nodiscard]] Result<HsmModuleInfo> ModuleInfo() const;

  // AES-256-GCM with the token's secret key labelled `label` (sensitive, never extractable),
  // for the root key (HsmRootKey). Seal makes that key first when the token has none; the
  // result is IV (12 bytes) || ciphertext || tag. Unseal: FailedPrecondition when the key is
  // missing or the sealed bytes do not open under it.
  [[nodiscard]] Result<Bytes> Seal(std::string_view label, ByteView plaintext);
  [[nodiscard]] Result<SecretBytes> Unseal(std::string_view label, ByteView sealed);

  class Impl;

 private:
  explicit Pkcs11KeySource(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The setting that holds the root key sealed by the HSM (base64 of Pkcs11KeySource::Seal).
inline constexpr std::string_view kHsmRootKeySetting = "root_key_hsm_sealed";

// The root key when it lives in the HSM (--hsm-root-key): unsealed from the database with the
// token's AES key `label`. A database without one gets a new random root key, sealed and
// stored. FailedPrecondition when the database already belongs to a root key from elsewhere
// (SIGNET_ROOT_KEY, a key file) or the sealed key does not open with the token's key.
[[nodiscard]] Result<RootKey> HsmRootKey(Pkcs11KeySource& hsm, store::Store& store,
                                         std::string_view label);

}  // namespace signet::keystore
