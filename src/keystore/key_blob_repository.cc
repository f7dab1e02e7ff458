#include "keystore/key_blob_repository.h"

namespace signet::keystore {

Status InMemoryKeyBlobRepository::Put(const WrappedKey& key) {
  std::lock_guard lock(mu_);
  if (!keys_.emplace(key.key_id, key).second) {
    return AlreadyExists("a key with id " + key.key_id + " already exists");
  }
  return Ok();
}

Result<WrappedKey> InMemoryKeyBlobRepository::Get(std::string_view key_id) {
  std::lock_guard lock(mu_);
  auto it = keys_.find(key_id);
  if (it == keys_.end()) return NotFound("key " + std::string(key_id) + " not found");
  return it->second;
}

Status InMemoryKeyBlobRepository::Delete(std::string_view key_id) {
  std::lock_guard lock(mu_);
  auto it = keys_.find(key_id);
  if (it == keys_.end()) return NotFound("key " + std::string(key_id) + " not found");
  keys_.erase(it);
  return Ok();
}

}  // namespace signet::keystore
