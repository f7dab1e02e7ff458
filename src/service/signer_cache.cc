#include "service/signer_cache.h"

#include <mutex>

namespace signet::service {

std::string SignerCache::Key(std::string_view signer_id, const domain::Principal& caller) {
  std::string key;
  key.reserve(signer_id.size() + caller.id.size() + 2);
  key.append(signer_id);
  key.push_back(caller.type == domain::PrincipalType::kUser ? 'u' : 'i');
  key.append(caller.id);
  return key;
}

std::shared_ptr<const SignerSnapshot> SignerCache::Get(std::string_view signer_id,
                                                       const domain::Principal& caller) const {
  if (ttl_.count() <= 0) return nullptr;
  const std::string key = Key(signer_id, caller);
  const TimePoint now = clock_.Now();
  std::shared_lock lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end() || now - it->second.loaded_at >= ttl_ || now < it->second.loaded_at) {
    return nullptr;
  }
  return it->second.snapshot;
}

void SignerCache::Put(std::uint64_t generation, const domain::Principal& caller,
                      std::shared_ptr<const SignerSnapshot> snapshot) {
  if (ttl_.count() <= 0 || snapshot == nullptr) return;
  std::string key = Key(snapshot->signer.id, caller);
  const TimePoint now = clock_.Now();
  std::unique_lock lock(mutex_);
  // Checked under the lock: Invalidate() bumps the generation under it too, so an entry
  // read before an invalidation can never be stored after it.
  if (generation != generation_.load(std::memory_order_acquire)) return;
  if (entries_.size() >= max_entries_ && entries_.find(key) == entries_.end()) entries_.clear();
  entries_.insert_or_assign(std::move(key), Entry{std::move(snapshot), now});
}

void SignerCache::Invalidate() {
  std::unique_lock lock(mutex_);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  entries_.clear();
}

std::size_t SignerCache::size() const {
  std::shared_lock lock(mutex_);
  return entries_.size();
}

}  // namespace signet::service
