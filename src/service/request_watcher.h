#pragma once
// Waiters for a change of signing requests (GET …/signing-requests/{id}?waitSeconds=N),
// without a thread per waiter: one thread reads the watched rows when a change on this node
// is reported (Touch) and otherwise every `poll` (changes made by other nodes), and calls
// each waiter once, when its request changed or its deadline passed. Thread-safe.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "domain/entities.h"
#include "store/store.h"

namespace signet::service {

class RequestWatcher {
 public:
  // The version a waiter compares (effective status, last change); computed by `version`.
  using Version = std::pair<domain::RequestStatus, TimePoint>;
  using VersionFn = std::function<Version(const domain::SigningRequest&, TimePoint now)>;

  RequestWatcher(store::Store& store, const Clock& clock, VersionFn version,
                 std::chrono::milliseconds poll);
  ~RequestWatcher();  // calls every remaining waiter, then stops

  // `done` runs once on the watcher's thread (or at once on this one, past the waiter cap).
  void Watch(const std::string& id, Version seen, std::chrono::steady_clock::time_point deadline,
             std::function<void()> done);
  // A request changed on this node: look now.
  void Touch(const std::string& id);

 private:
  struct Waiter {
    Version seen;
    std::chrono::steady_clock::time_point deadline;
    std::function<void()> done;
  };
  void Run();

  static constexpr std::size_t kMaxWaiters = 10'000;
  store::Store& store_;
  const Clock& clock_;
  const VersionFn version_;
  const std::chrono::milliseconds poll_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<std::string, Waiter> waiters_;  // guarded by mu_
  bool touched_ = false;                        // guarded by mu_
  bool stopping_ = false;                       // guarded by mu_
  std::thread thread_;                          // started by the first Watch
};

}  // namespace signet::service
