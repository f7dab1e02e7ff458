#include "service/commit_queue.h"

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "store/sqlite_store.h"
#include "support/commit_gate.h"
#include "unit/store/store_test_util.h"

namespace signet::service {
namespace {

using store::testing::MakeProject;
using store::testing::TempDir;

class CommitQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::OpenSqlite(dir_.File("signet.db"));
    ASSERT_TRUE(store.has_value()) << store.error().message;
    store_ = std::move(*store);
  }

  std::int64_t CountProjects() {
    auto tx = store_->BeginRead();
    EXPECT_TRUE(tx.has_value());
    auto page = (*tx)->ListProjects(store::PageRequest{});
    EXPECT_TRUE(page.has_value());
    return page ? page->total_count : -1;
  }

  static CommitQueue::Work Insert(domain::Project p) {
    return [p](store::Tx& tx) { return tx.InsertProject(p); };
  }

  // Submits and waits for the outcome.
  static Status Run(CommitQueue& queue, CommitQueue::Work work) {
    std::promise<Status> done;
    queue.Submit(std::move(work), [&done](Status s) { done.set_value(std::move(s)); });
    return done.get_future().get();
  }

  TempDir dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(CommitQueueTest, DoneGetsTheCommitOrTheWorksError) {
  CommitQueue queue(*store_);
  const domain::Project p = MakeProject("alpha");
  EXPECT_TRUE(Run(queue, Insert(p)).has_value());
  EXPECT_EQ(CountProjects(), 1);
  Status again = Run(queue, Insert(p));  // same id and slug
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(CountProjects(), 1);
}

// The hooks: `begin` starts each transaction's state afresh (also for the items re-run alone
// after a failed batch), `finish` writes inside the transaction, so its rows commit with the
// items — and roll back with them.
TEST_F(CommitQueueTest, HooksRunAroundEachTransaction) {
  std::vector<std::string> collected;  // committer thread only
  int begins = 0;
  CommitQueue::Hooks hooks{[&] {
                             ++begins;
                             collected.clear();
                           },
                           [&](store::Tx& tx) -> Status {
                             if (collected.empty()) return Ok();
                             std::string slug;
                             for (const auto& c : collected) slug += c;
                             return tx.InsertProject(MakeProject("sum-" + slug));
                           }};
  CommitQueue queue(*store_, nullptr, 512, hooks);
  auto note = [&](std::string name) {
    return [&collected, name](store::Tx&) -> Status {
      collected.push_back(name);
      return Ok();
    };
  };
  EXPECT_TRUE(Run(queue, note("a")).has_value());
  EXPECT_TRUE(Run(queue, note("b")).has_value());
  EXPECT_EQ(begins, 2);
  EXPECT_EQ(CountProjects(), 2);  // "sum-a" and "sum-b": nothing carried over
  {
    auto tx = store_->BeginRead();
    ASSERT_TRUE(tx.has_value());
    EXPECT_TRUE((*tx)->GetProjectBySlug("sum-b").has_value());
    EXPECT_FALSE((*tx)->GetProjectBySlug("sum-ab").has_value());
  }
  // A failing item: nothing of its transaction (the finish hook's row included) commits.
  Status failed = Run(queue, [&collected](store::Tx&) -> Status {
    collected.push_back("c");
    return Internal("boom");
  });
  EXPECT_FALSE(failed.has_value());
  EXPECT_EQ(CountProjects(), 2);
}

TEST_F(CommitQueueTest, SubmitCallsDoneAfterTheCommitWithoutBlockingTheCaller) {
  CommitQueue queue(*store_);
  std::promise<std::int64_t> seen;
  queue.Submit(Insert(MakeProject("alpha")), [&](Status s) {
    EXPECT_TRUE(s.has_value());
    // Durable and visible to a new transaction by the time done runs.
    seen.set_value(CountProjects());
  });
  EXPECT_EQ(seen.get_future().get(), 1);
}

TEST_F(CommitQueueTest, OneFailingItemDoesNotFailTheRestOfItsBatch) {
  Metrics metrics;
  CommitQueue queue(*store_, &metrics);
  testutil::CommitGate gate;
  std::promise<Status> gated;
  queue.Submit(gate.Work(), [&](Status s) { gated.set_value(s); });
  gate.WaitEntered();

  // Queued behind the gate: one batch in which the third item collides with the first.
  const domain::Project a = MakeProject("a");
  domain::Project clash = MakeProject("b");
  clash.slug = a.slug;
  std::vector<domain::Project> items = {a, MakeProject("c"), clash, MakeProject("d")};
  std::vector<std::promise<Status>> results(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    queue.Submit(Insert(items[i]), [&results, i](Status s) { results[i].set_value(s); });
  }
  gate.Open();
  EXPECT_TRUE(gated.get_future().get().has_value());
  for (std::size_t i = 0; i < items.size(); ++i) {
    Status s = results[i].get_future().get();
    if (i == 2) {
      ASSERT_FALSE(s.has_value());
      EXPECT_EQ(s.error().code, ErrorCode::kAlreadyExists);
    } else {
      EXPECT_TRUE(s.has_value()) << i << ": " << s.error().message;
    }
  }
  EXPECT_EQ(CountProjects(), 3);
  // The gate's batch, then the failed batch's three good items re-run one commit each.
  const std::string text = metrics.Render();
  EXPECT_NE(text.find("\nsignet_group_commits_total 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nsignet_group_commit_records_total 4\n"), std::string::npos) << text;
}

TEST_F(CommitQueueTest, CountsRecordsPerCommit) {
  Metrics metrics;
  CommitQueue queue(*store_, &metrics);
  testutil::CommitGate gate;
  queue.Submit(gate.Work(), [](Status) {});
  gate.WaitEntered();
  std::vector<std::promise<Status>> results(5);
  for (std::size_t i = 0; i < results.size(); ++i) {
    queue.Submit(Insert(MakeProject("p" + std::to_string(i))),
                 [&results, i](Status s) { results[i].set_value(s); });
  }
  gate.Open();
  for (auto& r : results) EXPECT_TRUE(r.get_future().get().has_value());
  // One commit for the gate, one for the five queued behind it.
  const std::string text = metrics.Render();
  EXPECT_NE(text.find("\nsignet_group_commits_total 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nsignet_group_commit_records_total 6\n"), std::string::npos) << text;
}

TEST_F(CommitQueueTest, DestructorFinishesQueuedWork) {
  auto queue = std::make_unique<CommitQueue>(*store_);
  testutil::CommitGate gate;
  queue->Submit(gate.Work(), [](Status) {});
  gate.WaitEntered();
  std::atomic<int> ok{0};
  for (int i = 0; i < 5; ++i) {
    queue->Submit(Insert(MakeProject("p" + std::to_string(i))), [&ok](Status s) {
      if (s.has_value()) ++ok;
    });
  }
  std::thread opener([&gate] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    gate.Open();
  });
  queue.reset();  // returns after the queued items ran
  opener.join();
  EXPECT_EQ(ok.load(), 5);
  EXPECT_EQ(CountProjects(), 5);
}

TEST_F(CommitQueueTest, ConcurrentSubmittersAllCommit) {
  CommitQueue queue(*store_);
  constexpr int kThreads = 8;
  constexpr int kEach = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        Status s =
            Run(queue, Insert(MakeProject("t" + std::to_string(t) + "-" + std::to_string(i))));
        if (!s) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(CountProjects(), kThreads * kEach);
}

}  // namespace
}  // namespace signet::service
