#pragma once
// The key-source seam (ARCHITECTURE.md "Where wave 2 goes"): every private key the server
// holds — a CA's, a certificate's, any other server key — is generated, stored and used for
// signing through one KeySource. Two implementations:
//   software  keystore::KeyStore (keystore/keystore.h): keys generated in memory, kept wrapped
//             under the root key in the database, unwrapped on first use;
//   pkcs11    keystore::Pkcs11KeySource (keystore/pkcs11_key_source.h): keys generated inside
//             a hardware security module, which never lets them out; the database keeps only
//             the reference and the public key.
// Callers pick a source by domain::KeySourceType (KeySources::For) and never learn which
// implementation they have. Implementations are thread-safe.
//
// Making a key that must become durable together with the row that refers to it runs in two
// steps: Create (or Adopt, AdoptExisting) does the slow part — seconds of CPU for RSA-4096, a
// round trip to the module — before any write transaction is open, and Persist writes the
// key's record in the caller's write transaction. When that transaction does not commit, the
// caller calls Abandon: a software key then leaves nothing behind, and a token object made by
// Create is destroyed unless a committed record refers to it after all.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/keys.h"
#include "crypto/signing_key.h"
#include "domain/algorithms.h"
#include "domain/entities.h"
#include "store/store.h"

namespace signet::keystore {

struct StoredKey {
  std::string key_id;  // a UUID
  domain::KeyAlgorithm algorithm = domain::KeyAlgorithm::kEcP256;
  Bytes public_key_spki;  // DER SubjectPublicKeyInfo
};

// A key made by Create/Adopt/AdoptExisting, not yet stored. `key` signs already (a CA signs its
// own certificate, a CSR is signed, before the records are written). Exactly one of `wrapped`
// and `hsm` is set, per `source`.
struct NewKey {
  StoredKey stored;
  domain::KeySourceType source = domain::KeySourceType::kSoftware;
  std::shared_ptr<const crypto::SigningKey> key;
  std::optional<domain::WrappedKey> wrapped;  // software: the key wrapped under the root key
  std::optional<domain::HsmKey> hsm;          // pkcs11: the token object's reference
};

// An existing token object to adopt instead of generating a key: by CKA_LABEL or by CKA_ID.
struct ExistingKeyRef {
  std::optional<std::string> label;
  std::optional<Bytes> id;
};

// What a hardware module says about itself (C_GetInfo, C_GetTokenInfo).
struct HsmModuleInfo {
  std::string library_manufacturer;
  std::string library_description;
  std::string library_version;   // "2.6"
  std::string cryptoki_version;  // "2.40"
  std::string token_label;
  std::string manufacturer;
  std::string model;
  std::string serial_number;
  std::string hardware_version;
  std::string firmware_version;
};

// A private key object's attributes as the token reports them now.
struct HsmKeyAttributes {
  std::string label;  // CKA_LABEL
  Bytes id;           // CKA_ID
  bool token = false, is_private = false, sensitive = false, extractable = true, sign = false;
  // What shows the key was made in the module and never left it.
  bool local = false, never_extractable = false, always_sensitive = false;
};

// What a source knows about one stored key (GET …/key-evidence).
struct KeyDescription {
  domain::KeySourceType source = domain::KeySourceType::kSoftware;
  std::string key_id;
  domain::KeyAlgorithm algorithm = domain::KeyAlgorithm::kEcP256;
  Bytes public_key_spki;
  bool adopted = false;                 // imported (software) or an existing token object (pkcs11)
  std::optional<HsmModuleInfo> module;  // pkcs11 only
  std::optional<HsmKeyAttributes> attributes;  // pkcs11 only
};

class KeySource {
 public:
  virtual ~KeySource() = default;

  virtual domain::KeySourceType type() const = 0;
  // One line for logs and messages: "software key store", "HSM token 'signet' (SoftHSM …)".
  virtual std::string Describe() const = 0;

  // A new key of `algorithm` (any of domain::KeyAlgorithm). Unavailable when the source's
  // device is unreachable.
  [[nodiscard]] virtual Result<NewKey> Create(domain::KeyAlgorithm algorithm) const = 0;
  // An existing private key (a PEM or PKCS#12 import) taken into the source. InvalidArgument
  // where the source cannot take keys from outside (a module must generate its keys).
  [[nodiscard]] virtual Result<NewKey> Adopt(const crypto::PrivateKey& key) const = 0;
  // An object already in the source's device. InvalidArgument when the source has no device,
  // when nothing or more than one private key matches, or for an unusable key.
  [[nodiscard]] virtual Result<NewKey> AdoptExisting(const ExistingKeyRef& ref) const = 0;
  // Writes the key's record in the caller's write transaction.
  [[nodiscard]] virtual Status Persist(store::Tx& tx, const NewKey& key) const = 0;
  // The transaction that was to Persist `key` did not commit (see the header comment).
  virtual void Abandon(const NewKey& key) const = 0;

  // A stored key, for signing (cached after the first load). NotFound when no key has this id.
  [[nodiscard]] virtual Result<std::shared_ptr<const crypto::SigningKey>> Load(
      std::string_view key_id) = 0;
  // Load(key_id) and its Sign (crypto::SigningKey's contract).
  [[nodiscard]] virtual Result<Bytes> Sign(std::string_view key_id,
                                           domain::SigningAlgorithm algorithm, ByteView data,
                                           bool is_digest) = 0;
  [[nodiscard]] virtual Result<KeyDescription> DescribeKey(std::string_view key_id) = 0;
  // Ok while the source can sign; Unavailable with the reason while its device is unreachable.
  [[nodiscard]] virtual Status Health() = 0;
};

// The sources this server has: always the software key store, an HSM when one is configured,
// and which of them new keys come from by default.
class KeySources {
 public:
  // `software` and `hsm` (may be null) must outlive this object. A default of kHsm needs `hsm`.
  KeySources(KeySource& software, KeySource* hsm,
             domain::KeySourceType default_type = domain::KeySourceType::kSoftware)
      : software_(software),
        hsm_(hsm),
        default_type_(hsm != nullptr ? default_type : domain::KeySourceType::kSoftware) {}

  // InvalidArgument "keySource 'hsm' needs an HSM; …" when this server has none.
  [[nodiscard]] Result<KeySource*> For(domain::KeySourceType type) const;
  KeySource& software() const { return software_; }
  bool has_hsm() const { return hsm_ != nullptr; }
  domain::KeySourceType default_type() const { return default_type_; }
  // Ok when every source can sign; else the first source's error.
  [[nodiscard]] Status Health() const;
  // The source's Load, Persist and Abandon for a key of `type` (key.source).
  [[nodiscard]] Result<std::shared_ptr<const crypto::SigningKey>> Load(
      domain::KeySourceType type, std::string_view key_id) const;
  [[nodiscard]] Status Persist(store::Tx& tx, const NewKey& key) const;
  void Abandon(const NewKey& key) const;

 private:
  KeySource& software_;
  KeySource* hsm_;
  domain::KeySourceType default_type_;
};

}  // namespace signet::keystore
