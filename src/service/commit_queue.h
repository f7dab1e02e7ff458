#pragma once
// Group commit: many threads submit small write transactions ("work"); one committer thread
// runs everything queued at that moment in ONE write transaction with ONE fsync, then calls
// each submitter's `done` with its own result. Under load, N concurrent sign records cost one
// commit instead of N, and no `done` runs before its rows are durable.
//
// If any work item fails, the batch is rolled back and every item of it is re-run alone, so
// one bad item cannot fail the others; work must therefore be safe to run again after a
// rollback (derive all writes from state captured before the first run).
// The transaction defers its appends (store::Tx::DeferAppends): operation and audit rows,
// settings and lastSignedAt go to the database together with the next read or the commit
// (on PostgreSQL one pipeline), so a work item that fails on them may learn it only from a
// later call or the commit — which fails the batch, and the items are re-run alone as above.
// Work must fail on any error of a store call (it may not catch one and go on).
// Thread-safe. The destructor finishes queued work, then joins the committer.
// Nobody waits: `done` runs on the committer thread, so a caller answers from there without
// parking a thread per request. `done` must be quick and must not wait for the queue (it
// would wait for itself).

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "common/metrics.h"
#include "common/result.h"
#include "store/store.h"

namespace signet::service {

class CommitQueue {
 public:
  using Work = std::function<Status(store::Tx&)>;
  using Done = std::function<void(Status)>;

  // Runs around each transaction's work items, on the committer thread: `begin` before the
  // first item (state that the items accumulate starts empty, also after a rollback), and
  // `finish` after the last one, inside the same transaction before its commit — for writes
  // that one transaction needs once however many items it carries (a signer's lastSignedAt).
  struct Hooks {
    std::function<void()> begin;
    Work finish;
  };

  // `metrics` (optional) counts commits and the records they carried.
  explicit CommitQueue(store::Store& store, Metrics* metrics = nullptr, std::size_t max_batch = 512,
                       Hooks hooks = {});
  ~CommitQueue();
  CommitQueue(const CommitQueue&) = delete;
  CommitQueue& operator=(const CommitQueue&) = delete;

  // Queues `work` to run inside a shared write transaction; `done` gets the outcome once
  // that transaction has committed (the work's own error, or the commit's, otherwise), on
  // the committer thread — or Unavailable at once on this thread when the queue is shutting
  // down.
  void Submit(Work work, Done done);

 private:
  struct Item {
    Work work;
    Done done;
  };
  void Loop();
  Status RunBatch(std::deque<Item>& batch);
  Status RunAlone(Item& item);
  Status Begin();
  Status Finish(store::Tx& tx);

  void Count(std::size_t records);

  store::Store& store_;
  Metrics* const metrics_;
  const std::size_t max_batch_;
  const Hooks hooks_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Item> queue_;  // guarded by mutex_
  bool stopping_ = false;   // guarded by mutex_
  std::thread thread_;
};

}  // namespace signet::service
