#pragma once
// A piece of commit-queue work that holds the committer inside its transaction until opened,
// so that everything submitted meanwhile forms the next batch together.

#include <condition_variable>
#include <mutex>

#include "common/result.h"
#include "service/commit_queue.h"
#include "store/store.h"

namespace signet::testutil {

class CommitGate {
 public:
  service::CommitQueue::Work Work() {
    return [this](store::Tx&) -> Status {
      std::unique_lock lock(mu_);
      entered_ = true;
      cv_.notify_all();
      cv_.wait(lock, [this] { return open_; });
      return Ok();
    };
  }
  void WaitEntered() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return entered_; });
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool entered_ = false;
  bool open_ = false;
};

}  // namespace signet::testutil
