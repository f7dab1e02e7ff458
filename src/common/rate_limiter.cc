#include "common/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace signet {

RateLimiter::RateLimiter(double rate, double burst, std::size_t max_keys)
    : rate_(rate),
      burst_(std::max(1.0, burst)),
      max_keys_per_shard_(std::max<std::size_t>(1, max_keys / kShards)) {}

std::optional<Millis> RateLimiter::Allow(std::string_view key, TimePoint now) {
  if (rate_ <= 0) return std::nullopt;
  Shard& shard = shards_[std::hash<std::string_view>{}(key) % kShards];
  std::lock_guard lock(shard.mutex);
  auto refilled = [&](const Bucket& b) {
    const double elapsed = std::chrono::duration<double>(now - b.updated).count();
    return elapsed > 0 ? std::min(burst_, b.tokens + elapsed * rate_) : b.tokens;
  };
  const std::string k(key);
  auto it = shard.buckets.find(k);
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= max_keys_per_shard_) {
      // Idle callers (full buckets) are forgotten first.
      std::erase_if(shard.buckets, [&](const auto& kv) { return refilled(kv.second) >= burst_; });
      if (shard.buckets.size() >= max_keys_per_shard_) shard.buckets.clear();
    }
    it = shard.buckets.emplace(k, Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  b.tokens = refilled(b);
  b.updated = std::max(b.updated, now);
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return std::nullopt;
  }
  const double seconds = (1 - b.tokens) / rate_;
  return Millis(static_cast<std::int64_t>(std::ceil(seconds * 1000)));
}

ConcurrencyLimit::ConcurrencyLimit(int max_running, int max_waiting)
    : max_running_(std::max(1, max_running)), max_waiting_(std::max(0, max_waiting)) {}

ConcurrencyLimit::Permit::~Permit() {
  if (owner_ != nullptr) owner_->Release();
}

std::optional<ConcurrencyLimit::Permit> ConcurrencyLimit::Acquire() {
  std::unique_lock lock(mutex_);
  if (running_ >= max_running_) {
    if (waiting_ >= max_waiting_) return std::nullopt;
    ++waiting_;
    cv_.wait(lock, [this] { return running_ < max_running_; });
    --waiting_;
  }
  ++running_;
  return std::optional<Permit>(std::in_place, this);
}

int ConcurrencyLimit::waiting() {
  std::lock_guard lock(mutex_);
  return waiting_;
}

void ConcurrencyLimit::Release() {
  {
    std::lock_guard lock(mutex_);
    --running_;
  }
  cv_.notify_one();
}

}  // namespace signet
