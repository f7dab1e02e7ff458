#include "service/request_watcher.h"

#include <algorithm>

namespace signet::service {

RequestWatcher::RequestWatcher(store::Store& store, const Clock& clock, VersionFn version,
                               std::chrono::milliseconds poll)
    : store_(store), clock_(clock), version_(std::move(version)), poll_(poll) {}

RequestWatcher::~RequestWatcher() {
  std::multimap<std::string, Waiter> left;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    left.swap(waiters_);
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (auto& [id, w] : left) w.done();
}

void RequestWatcher::Watch(const std::string& id, Version seen,
                           std::chrono::steady_clock::time_point deadline,
                           std::function<void()> done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_ && waiters_.size() < kMaxWaiters) {
      waiters_.emplace(id, Waiter{seen, deadline, std::move(done)});
      touched_ = true;  // it may have changed since the caller read it
      if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
      cv_.notify_all();
      return;
    }
  }
  done();  // too many waiters (or stopping): answer with the state as it is
}

void RequestWatcher::Touch(const std::string& id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (waiters_.find(id) == waiters_.end()) return;
    touched_ = true;
  }
  cv_.notify_all();
}

void RequestWatcher::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    auto wake = std::chrono::steady_clock::now() + poll_;
    for (const auto& [id, w] : waiters_) wake = std::min(wake, w.deadline);
    cv_.wait_until(lock, wake, [this] { return stopping_ || touched_; });
    if (stopping_) return;
    touched_ = false;
    std::vector<std::string> ids;
    for (auto it = waiters_.begin(); it != waiters_.end(); it = waiters_.upper_bound(it->first)) {
      ids.push_back(it->first);
    }
    lock.unlock();
    // The current version of each watched request (nullopt: gone, or unreadable now).
    std::map<std::string, std::optional<Version>> now_versions;
    bool read_ok = false;
    if (auto tx = store_.BeginRead()) {
      read_ok = true;
      const TimePoint now = clock_.Now();
      for (const auto& id : ids) {
        auto r = (*tx)->GetRequest(id);
        if (r) {
          now_versions[id] = version_(*r, now);
        } else if (r.error().code == ErrorCode::kNotFound) {
          now_versions[id] = std::nullopt;
        } else {
          read_ok = false;
          break;
        }
      }
    }
    lock.lock();
    std::vector<std::function<void()>> fire;
    const auto now = std::chrono::steady_clock::now();
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      bool changed = false;
      if (read_ok) {
        auto v = now_versions.find(it->first);
        changed = v != now_versions.end() && (!v->second || *v->second != it->second.seen);
      }
      if (changed || now >= it->second.deadline) {
        fire.push_back(std::move(it->second.done));
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
    lock.unlock();
    for (auto& f : fire) f();
    lock.lock();
  }
}

}  // namespace signet::service
