#include "service/commit_queue.h"

namespace signet::service {

CommitQueue::CommitQueue(store::Store& store, Metrics* metrics, std::size_t max_batch, Hooks hooks)
    : store_(store),
      metrics_(metrics),
      max_batch_(max_batch),
      hooks_(std::move(hooks)),
      thread_([this] { Loop(); }) {}

CommitQueue::~CommitQueue() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void CommitQueue::Submit(Work work, Done done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back(Item{std::move(work), std::move(done)});
      done = nullptr;
    }
  }
  if (done) return done(Unavailable("the server is shutting down"));
  cv_.notify_one();
}

void CommitQueue::Loop() {
  for (;;) {
    std::deque<Item> batch;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    const Status batch_status = RunBatch(batch);
    if (batch_status) {
      Count(batch.size());
      for (Item& item : batch) item.done(Ok());
      continue;
    }
    if (batch.size() == 1 || batch_status.error().code == ErrorCode::kUnavailable) {
      // One item, or the database itself failed: nothing to gain from retrying alone.
      for (Item& item : batch) item.done(batch_status);
      continue;
    }
    for (Item& item : batch) item.done(RunAlone(item));
  }
}

Status CommitQueue::RunBatch(std::deque<Item>& batch) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, store_.BeginWrite());
  tx->DeferAppends();
  SIGNET_TRY(Begin());
  for (Item& item : batch) SIGNET_TRY(item.work(*tx));
  SIGNET_TRY(Finish(*tx));
  return tx->Commit();
}

Status CommitQueue::RunAlone(Item& item) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, store_.BeginWrite());
  tx->DeferAppends();
  SIGNET_TRY(Begin());
  SIGNET_TRY(item.work(*tx));
  SIGNET_TRY(Finish(*tx));
  SIGNET_TRY(tx->Commit());
  Count(1);
  return Ok();
}

Status CommitQueue::Begin() {
  if (hooks_.begin) hooks_.begin();
  return Ok();
}

Status CommitQueue::Finish(store::Tx& tx) { return hooks_.finish ? hooks_.finish(tx) : Ok(); }

void CommitQueue::Count(std::size_t records) {
  if (metrics_ == nullptr) return;
  metrics_->group_commits.Inc({});
  metrics_->group_commit_records.Inc({}, static_cast<double>(records));
}

}  // namespace signet::service
