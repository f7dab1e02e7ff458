#pragma once
// Two guards against one caller taking the server for itself:
// - RateLimiter: a token bucket per key (e.g. per authenticated caller): `rate` requests per
//   second on average, bursts of up to `burst`. Bounded memory: at most `max_keys` buckets;
//   when full, buckets that are full again (idle callers) are dropped first.
// - ConcurrencyLimit: at most `max_running` holders of a permit at once and at most
//   `max_waiting` callers waiting for one; beyond that a caller is turned away at once
//   (for CPU- or memory-heavy work such as argon2id password hashing).
// Both are thread-safe.

#include <array>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"

namespace signet {

class RateLimiter {
 public:
  // rate <= 0 disables limiting (Allow always answers nullopt).
  RateLimiter(double rate, double burst, std::size_t max_keys = 100'000);

  // Takes one token for `key`: nullopt when allowed, else how long until a token is there.
  std::optional<Millis> Allow(std::string_view key, TimePoint now);

  bool enabled() const { return rate_ > 0; }

 private:
  struct Bucket {
    double tokens = 0;
    TimePoint updated{};
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Bucket> buckets;  // guarded by mutex
  };
  static constexpr std::size_t kShards = 16;

  const double rate_;
  const double burst_;
  const std::size_t max_keys_per_shard_;
  std::array<Shard, kShards> shards_;
};

class ConcurrencyLimit {
 public:
  ConcurrencyLimit(int max_running, int max_waiting);

  // Released when destroyed.
  class Permit {
   public:
    explicit Permit(ConcurrencyLimit* owner) : owner_(owner) {}
    Permit(Permit&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
    Permit& operator=(Permit&&) = delete;
    Permit(const Permit&) = delete;
    ~Permit();

   private:
    ConcurrencyLimit* owner_;
  };

  // Waits for a permit; nullopt (at once) when max_waiting callers already wait.
  std::optional<Permit> Acquire();
  // Callers waiting now.
  int waiting();

 private:
  void Release();

  const int max_running_;
  const int max_waiting_;
  std::mutex mutex_;
  std::condition_variable cv_;
  int running_ = 0;  // guarded by mutex_
  int waiting_ = 0;  // guarded by mutex_
};

}  // namespace signet
