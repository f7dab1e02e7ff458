#include "keystore/keystore.h"

#include <mutex>
#include <string>

#include "common/uuid.h"
#include "crypto/aead.h"
#include "crypto/random.h"
#include "crypto/sign.h"

namespace signet::keystore {
namespace {

std::string KeyAad(std::string_view key_id) { return "signet-key:v1:" + std::string(key_id); }

Error UnwrapError(std::string_view key_id) {
  return Error{
      ErrorCode::kFailedPrecondition,
      "key " + std::string(key_id) + " could not be unwrapped: wrong root key or tampered data"};
}

}  // namespace

Result<WrappedKey> WrapPrivateKey(const RootKey& root, std::string_view key_id,
                                  const crypto::PrivateKey& key, TimePoint now) {
  if (key_id.empty()) return InvalidArgument("key id is empty");
  SIGNET_ASSIGN_OR_RETURN(domain::KeyAlgorithm algorithm, key.algorithm());
  SIGNET_ASSIGN_OR_RETURN(SecretBytes pkcs8, key.ToPkcs8Der());
  SIGNET_ASSIGN_OR_RETURN(SecretBytes data_key, crypto::RandomSecret(crypto::kAeadKeyLength));
  WrappedKey wrapped;
  wrapped.key_id = std::string(key_id);
  wrapped.algorithm = algorithm;
  wrapped.created_at = now;
  SIGNET_ASSIGN_OR_RETURN(wrapped.sealed_private_key,
                          crypto::AeadSeal(data_key.view(), pkcs8.view(), AsBytes(KeyAad(key_id))));
  SIGNET_ASSIGN_OR_RETURN(wrapped.wrapped_data_key, root.WrapDataKey(data_key.view(), key_id));
  SIGNET_ASSIGN_OR_RETURN(wrapped.public_key_spki, key.PublicKeySpkiDer());
  return wrapped;
}

Result<crypto::PrivateKey> UnwrapPrivateKey(const RootKey& root, const WrappedKey& wrapped) {
  const std::string& id = wrapped.key_id;
  auto data_key = root.UnwrapDataKey(wrapped.wrapped_data_key, id);
  if (!data_key) return tl::unexpected(UnwrapError(id));
  auto pkcs8 = crypto::AeadOpen(data_key->view(), wrapped.sealed_private_key, AsBytes(KeyAad(id)));
  if (!pkcs8) return tl::unexpected(UnwrapError(id));
  auto key = crypto::PrivateKey::FromPkcs8Der(pkcs8->view());
  if (!key) return tl::unexpected(UnwrapError(id));
  // Authenticated decryption makes these hold unless the row was written inconsistently.
  auto spki = key->PublicKeySpkiDer();
  auto algorithm = key->algorithm();
  if (!spki || *spki != wrapped.public_key_spki || !algorithm || *algorithm != wrapped.algorithm) {
    return Internal("key " + id + " does not match its stored public key or algorithm");
  }
  return std::move(*key);
}

KeyStore::KeyStore(RootKey root, KeyBlobRepository& repository, const Clock& clock)
    : root_(std::move(root)), repository_(repository), clock_(clock) {}

Result<NewKey> KeyStore::Wrap(crypto::PrivateKey key) const {
  const std::string key_id = NewUuid();
  NewKey out;
  out.source = domain::KeySourceType::kSoftware;
  SIGNET_ASSIGN_OR_RETURN(WrappedKey wrapped, WrapPrivateKey(root_, key_id, key, clock_.Now()));
  out.stored = StoredKey{key_id, wrapped.algorithm, wrapped.public_key_spki};
  out.wrapped = std::move(wrapped);
  SIGNET_ASSIGN_OR_RETURN(out.key, crypto::LocalSigningKey::Create(std::move(key)));
  return out;
}

Result<NewKey> KeyStore::Create(domain::KeyAlgorithm algorithm) const {
  SIGNET_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate(algorithm));
  keys_created_.fetch_add(1);
  return Wrap(std::move(key));
}

Result<NewKey> KeyStore::Adopt(const crypto::PrivateKey& key) const {
  // A copy through PKCS#8, so that the key store owns its own key object.
  SIGNET_ASSIGN_OR_RETURN(SecretBytes pkcs8, key.ToPkcs8Der());
  SIGNET_ASSIGN_OR_RETURN(crypto::PrivateKey copy, crypto::PrivateKey::FromPkcs8Der(pkcs8.view()));
  return Wrap(std::move(copy));
}

Result<NewKey> KeyStore::AdoptExisting(const ExistingKeyRef&) const {
  return InvalidArgument(
      "hsmKeyLabel and hsmKeyId name a key already in the HSM; they need keySource 'hsm'");
}

Status KeyStore::Persist(store::Tx& tx, const NewKey& key) const {
  if (!key.wrapped || key.source != domain::KeySourceType::kSoftware) {
    return Internal("key " + key.stored.key_id + " was not made by the software key store");
  }
  return tx.PutWrappedKey(*key.wrapped);
}

Result<StoredKey> KeyStore::Generate(domain::KeyAlgorithm algorithm) {
  SIGNET_ASSIGN_OR_RETURN(NewKey key, Create(algorithm));
  SIGNET_TRY(repository_.Put(*key.wrapped));
  return key.stored;
}

Result<StoredKey> KeyStore::Import(const crypto::PrivateKey& key) {
  SIGNET_ASSIGN_OR_RETURN(NewKey adopted, Adopt(key));
  SIGNET_TRY(repository_.Put(*adopted.wrapped));
  return adopted.stored;
}

Result<std::shared_ptr<const crypto::LocalSigningKey>> KeyStore::Unwrapped(
    std::string_view key_id) {
  const std::string id(key_id);
  {
    std::shared_lock lock(cache_mu_);
    auto it = cache_.find(id);
    if (it != cache_.end()) return it->second;
  }
  // Unwrap outside the lock; two threads may race here, and the first insert wins.
  SIGNET_ASSIGN_OR_RETURN(WrappedKey wrapped, repository_.Get(id));
  if (wrapped.key_id != id) return tl::unexpected(UnwrapError(id));
  SIGNET_ASSIGN_OR_RETURN(crypto::PrivateKey key, UnwrapPrivateKey(root_, wrapped));
  SIGNET_ASSIGN_OR_RETURN(auto shared, crypto::LocalSigningKey::Create(std::move(key)));
  std::unique_lock lock(cache_mu_);
  return cache_.emplace(id, std::move(shared)).first->second;
}

Result<std::shared_ptr<const crypto::PrivateKey>> KeyStore::Get(std::string_view key_id) {
  SIGNET_ASSIGN_OR_RETURN(auto key, Unwrapped(key_id));
  const crypto::PrivateKey* raw = &key->private_key();
  return std::shared_ptr<const crypto::PrivateKey>(std::move(key), raw);
}

Result<std::shared_ptr<const crypto::SigningKey>> KeyStore::Load(std::string_view key_id) {
  SIGNET_ASSIGN_OR_RETURN(auto key, Unwrapped(key_id));
  return std::shared_ptr<const crypto::SigningKey>(std::move(key));
}

Result<Bytes> KeyStore::Sign(std::string_view key_id, domain::SigningAlgorithm algorithm,
                             ByteView data, bool is_digest) {
  SIGNET_ASSIGN_OR_RETURN(auto key, Unwrapped(key_id));
  return key->Sign(algorithm, data, is_digest);
}

Result<KeyDescription> KeyStore::DescribeKey(std::string_view key_id) {
  // From the stored record, without unwrapping: describing a key is no reason to decrypt it.
  SIGNET_ASSIGN_OR_RETURN(WrappedKey wrapped, repository_.Get(key_id));
  KeyDescription d;
  d.source = domain::KeySourceType::kSoftware;
  d.key_id = wrapped.key_id;
  d.algorithm = wrapped.algorithm;
  d.public_key_spki = wrapped.public_key_spki;
  return d;
}

Result<KeySource*> KeySources::For(domain::KeySourceType type) const {
  if (type == domain::KeySourceType::kSoftware) return &software_;
  if (hsm_ == nullptr) {
    return InvalidArgument(
        "keySource 'hsm' needs an HSM, and this server has none (start signetd with "
        "--hsm-module and --hsm-token-label or --hsm-slot)");
  }
  return hsm_;
}

Result<std::shared_ptr<const crypto::SigningKey>> KeySources::Load(domain::KeySourceType type,
                                                                   std::string_view key_id) const {
  SIGNET_ASSIGN_OR_RETURN(KeySource * source, For(type));
  return source->Load(key_id);
}

Status KeySources::Persist(store::Tx& tx, const NewKey& key) const {
  SIGNET_ASSIGN_OR_RETURN(KeySource * source, For(key.source));
  return source->Persist(tx, key);
}

void KeySources::Abandon(const NewKey& key) const {
  if (auto source = For(key.source)) (*source)->Abandon(key);
}

Status KeySources::Health() const {
  SIGNET_TRY(software_.Health());
  if (hsm_ != nullptr) SIGNET_TRY(hsm_->Health());
  return Ok();
}

Status KeyStore::Delete(std::string_view key_id) {
  Evict(key_id);
  return repository_.Delete(key_id);
}

std::size_t KeyStore::cached_keys() {
  std::shared_lock lock(cache_mu_);
  return cache_.size();
}

void KeyStore::Evict(std::string_view key_id) {
  std::unique_lock lock(cache_mu_);
  cache_.erase(std::string(key_id));
}

}  // namespace signet::keystore
