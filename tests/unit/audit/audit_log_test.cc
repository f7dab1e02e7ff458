#include "audit/audit_log.h"

#include <sqlite3.h>

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "crypto/mac.h"
#include "store/sqlite_store.h"
#include "unit/store/store_test_util.h"

namespace signet::audit {
namespace {

using store::testing::T;
using store::testing::TempDir;

SecretBytes RootKey(std::uint8_t fill) { return SecretBytes(Bytes(32, fill)); }

std::unique_ptr<AuditLog> MakeLog(const std::string& node, std::uint8_t root_fill = 7) {
  auto key = DeriveAuditKey(RootKey(root_fill));
  EXPECT_TRUE(key.has_value());
  // The checkpoint seed, like the audit key, depends on the root key.
  auto log = AuditLog::Create(node, *key,
                              SecretBytes(Bytes(32, static_cast<std::uint8_t>(root_fill + 1))));
  EXPECT_TRUE(log.has_value());
  return std::move(*log);
}

AuditEventInput Event(int i) {
  AuditEventInput in;
  in.event_type = i % 2 == 0 ? "sign.success" : "signer.update";
  in.actor_type = "user";
  in.actor_id = "user-" + std::to_string(i % 3);
  in.actor_name = "alice@example.com";
  in.target_type = "signer";
  in.target_id = "signer-" + std::to_string(i);
  in.details_json = "{\"i\":" + std::to_string(i) + "}";
  return in;
}

void RawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err != nullptr ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.File("signet.db");
    auto store = store::OpenSqlite(path_);
    ASSERT_TRUE(store.has_value()) << store.error().message;
    store_ = std::move(*store);
  }

  // Appends `n` events to `log`, one transaction each, at times T(1000 * k).
  void AppendEvents(const AuditLog& log, int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_OK_AND_ASSIGN(auto tx, store_->BeginWrite());
      ASSERT_OK(log.Append(*tx, Event(i), T(1000 * (++clock_))));
      ASSERT_OK(tx->Commit());
    }
  }

  VerifyReport VerifyWith(const AuditLog& log) {
    auto report = log.Verify(*store_);
    EXPECT_TRUE(report.has_value()) << report.error().message;
    return report.value_or(VerifyReport{});
  }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<store::Store> store_;
  int clock_ = 0;
};

TEST(AuditKey, IsHkdfOfTheRootKey) {
  ASSERT_OK_AND_ASSIGN(auto key, DeriveAuditKey(RootKey(1)));
  EXPECT_EQ(key.size(), 32u);
  ASSERT_OK_AND_ASSIGN(auto expected,
                       crypto::HkdfSha256(RootKey(1).view(), ByteView(), "signet audit v1", 32));
  EXPECT_TRUE(key == expected);
  ASSERT_OK_AND_ASSIGN(auto again, DeriveAuditKey(RootKey(1)));
  EXPECT_TRUE(key == again);
  ASSERT_OK_AND_ASSIGN(auto other, DeriveAuditKey(RootKey(2)));
  EXPECT_FALSE(key == other);
  EXPECT_FALSE(key == RootKey(1));
  EXPECT_ERROR(DeriveAuditKey(SecretBytes(Bytes(16, 1))), ErrorCode::kInvalidArgument);
}

TEST(AuditLogCreate, ValidatesArguments) {
  ASSERT_OK_AND_ASSIGN(auto key, DeriveAuditKey(RootKey(1)));
  EXPECT_ERROR(AuditLog::Create("", key), ErrorCode::kInvalidArgument);
  EXPECT_ERROR(AuditLog::Create(std::string(129, 'n'), key), ErrorCode::kInvalidArgument);
  EXPECT_ERROR(AuditLog::Create("node", SecretBytes(Bytes(31, 1))), ErrorCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(auto log, AuditLog::Create("node-1", key));
  EXPECT_EQ(log->node_id(), "node-1");
}

TEST(CanonicalEvent, IsUnambiguous) {
  domain::AuditEvent a;
  a.node_id = "n";
  a.seq = 1;
  a.event_type = "x";
  a.actor_id = "ab";
  a.actor_name = "c";
  domain::AuditEvent b = a;
  b.actor_id = "a";
  b.actor_name = "bc";  // same concatenation, different fields
  EXPECT_NE(CanonicalEvent(a), CanonicalEvent(b));
  domain::AuditEvent c = a;
  c.seq = 2;
  EXPECT_NE(CanonicalEvent(a), CanonicalEvent(c));
  domain::AuditEvent d = a;
  d.time = FromUnixMillis(1);
  EXPECT_NE(CanonicalEvent(a), CanonicalEvent(d));
  // The hashes are not part of the canonical form.
  domain::AuditEvent e = a;
  e.hash = Bytes(32, 9);
  e.prev_hash = Bytes(32, 8);
  EXPECT_EQ(CanonicalEvent(a), CanonicalEvent(e));
  // Length prefixes are 8-byte big-endian: "signet.audit.v1" is 15 bytes.
  const Bytes canon = CanonicalEvent(a);
  ASSERT_GE(canon.size(), 23u);
  EXPECT_EQ(Bytes(canon.begin(), canon.begin() + 8), (Bytes{0, 0, 0, 0, 0, 0, 0, 15}));
  EXPECT_EQ(AsString(ByteView(canon).subspan(8, 15)), "signet.audit.v1");
}

TEST_F(AuditLogTest, EmptyLogVerifies) {
  auto log = MakeLog("node-a");
  VerifyReport r = VerifyWith(*log);
  EXPECT_TRUE(r.valid);
  EXPECT_EQ(r.checked, 0);
  EXPECT_FALSE(r.first_bad.has_value());
}

TEST_F(AuditLogTest, ChainsOfSeveralNodesVerify) {
  auto a = MakeLog("node-a");
  auto b = MakeLog("node-b");
  auto c = MakeLog("node-c");
  for (int round = 0; round < 4; ++round) {
    AppendEvents(*a, 3);
    AppendEvents(*b, 2);
    AppendEvents(*c, 1);
  }
  // Several appends in one transaction chain correctly too.
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store_->BeginWrite());
    for (int i = 0; i < 5; ++i) ASSERT_OK(a->Append(*tx, Event(i), T(99'000)));
    ASSERT_OK(tx->Commit());
  }
  VerifyReport r = VerifyWith(*a);  // any node's log verifies every chain
  EXPECT_TRUE(r.valid) << r.first_bad->reason;
  EXPECT_EQ(r.checked, 12 + 5 + 8 + 4);

  ASSERT_OK_AND_ASSIGN(auto tx, store_->BeginRead());
  ASSERT_OK_AND_ASSIGN(auto first, tx->ListAuditEvents({"node-b", {}, {}, {}, {}}, {7, 1}));
  ASSERT_EQ(first.items.size(), 1u);
  const domain::AuditEvent& e1 = first.items[0];
  EXPECT_EQ(e1.seq, 1);
  EXPECT_EQ(e1.prev_hash, Bytes(32, 0));
  ASSERT_OK_AND_ASSIGN(auto key, DeriveAuditKey(RootKey(7)));
  EXPECT_EQ(e1.hash, ComputeEventHash(key.view(), e1));
  Bytes input = e1.prev_hash;
  const Bytes canonical = CanonicalEvent(e1);
  input.insert(input.end(), canonical.begin(), canonical.end());
  EXPECT_EQ(e1.hash, crypto::HmacSha256(key.view(), input));
  ASSERT_OK_AND_ASSIGN(auto last, tx->LastAuditEvent("node-a"));
  EXPECT_EQ(last->seq, 17);
  EXPECT_EQ(last->details_json, "{\"i\":4}");
}

TEST_F(AuditLogTest, AppendValidatesAndRolledBackAppendsLeaveNoGap) {
  auto log = MakeLog("node-a");
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store_->BeginWrite());
    AuditEventInput bad = Event(0);
    bad.event_type.clear();
    EXPECT_ERROR(log->Append(*tx, bad, T()), ErrorCode::kInvalidArgument);
    ASSERT_OK(log->Append(*tx, Event(0), T()));
  }  // rolled back
  AppendEvents(*log, 2);
  ASSERT_OK_AND_ASSIGN(auto tx, store_->BeginRead());
  ASSERT_OK_AND_ASSIGN(auto last, tx->LastAuditEvent("node-a"));
  EXPECT_EQ(last->seq, 2);
  EXPECT_TRUE(VerifyWith(*log).valid);
}

TEST_F(AuditLogTest, ConcurrentAppendsStayOrderedAndComplete) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  auto log = MakeLog("node-a");
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto tx = store_->BeginWrite();
        if (!tx || !log->Append(**tx, Event(t * kPerThread + i), T(i)) || !(*tx)->Commit()) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  std::vector<std::int64_t> seqs;
  ASSERT_OK_AND_ASSIGN(auto tx, store_->BeginRead());
  ASSERT_OK(tx->ForEachAuditEvent("node-a", [&](const domain::AuditEvent& e) -> Status {
    seqs.push_back(e.seq);
    return Ok();
  }));
  ASSERT_EQ(seqs.size(), static_cast<std::size_t>(kThreads * kPerThread));
  for (std::size_t i = 0; i < seqs.size(); ++i)
    ASSERT_EQ(seqs[i], static_cast<std::int64_t>(i + 1));
  VerifyReport r = VerifyWith(*log);
  EXPECT_TRUE(r.valid);
  EXPECT_EQ(r.checked, kThreads * kPerThread);
}

TEST_F(AuditLogTest, ChangedFieldIsDetectedAtItsSeq) {
  auto log = MakeLog("node-a");
  AppendEvents(*log, 10);
  ASSERT_TRUE(VerifyWith(*log).valid);
  RawExec(path_, "UPDATE audit_events SET details = '{\"i\":666}' WHERE seq = 5");
  VerifyReport r = VerifyWith(*log);
  EXPECT_FALSE(r.valid);
  ASSERT_TRUE(r.first_bad.has_value());
  EXPECT_EQ(r.first_bad->node_id, "node-a");
  EXPECT_EQ(r.first_bad->seq, 5);
  EXPECT_EQ(r.checked, 4);
}

TEST_F(AuditLogTest, EveryFieldIsCovered) {
  auto log = MakeLog("node-a");
  AppendEvents(*log, 3);
  for (const char* column :
       {"time = time + 1", "event_type = 'x'", "actor_type = 'x'", "actor_id = 'x'",
        "actor_name = 'x'", "target_type = 'x'", "target_id = 'x'", "details = '{}'",
        "prev_hash = zeroblob(32)", "hash = zeroblob(32)"}) {
    SCOPED_TRACE(column);
    TempDir copy_dir;
    const std::string copy = copy_dir.File("copy.db");
    RawExec(path_, "VACUUM INTO '" + copy + "'");
    RawExec(copy, std::string("UPDATE audit_events SET ") + column + " WHERE seq = 2");
    ASSERT_OK_AND_ASSIGN(auto copy_store, store::OpenSqlite(copy));
    ASSERT_OK_AND_ASSIGN(VerifyReport r, log->Verify(*copy_store));
    EXPECT_FALSE(r.valid);
    ASSERT_TRUE(r.first_bad.has_value());
    EXPECT_EQ(r.first_bad->seq, 2);
  }
}

TEST_F(AuditLogTest, RemovedMiddleEventIsDetected) {
  auto log = MakeLog("node-a");
  AppendEvents(*log, 10);
  RawExec(path_, "DELETE FROM audit_events WHERE seq = 6");
  VerifyReport r = VerifyWith(*log);
  EXPECT_FALSE(r.valid);
  ASSERT_TRUE(r.first_bad.has_value());
  EXPECT_EQ(r.first_bad->seq, 6);
  EXPECT_EQ(r.first_bad->reason, "event 6 is missing");
  EXPECT_EQ(r.checked, 5);
}

TEST_F(AuditLogTest, RemovedAndRenumberedEventIsDetected) {
  // Deleting event 6 and shifting the later seqs down closes the gap, but not the chain.
  auto log = MakeLog("node-a");
  AppendEvents(*log, 10);
  RawExec(path_,
          "DELETE FROM audit_events WHERE seq = 6; "
          "UPDATE audit_events SET seq = -(seq - 1) WHERE seq > 6; "
          "UPDATE audit_events SET seq = -seq WHERE seq < 0;");
  VerifyReport r = VerifyWith(*log);
  EXPECT_FALSE(r.valid);
  ASSERT_TRUE(r.first_bad.has_value());
  EXPECT_EQ(r.first_bad->seq, 6);
}

TEST_F(AuditLogTest, SwappedEventsAreDetected) {
  auto log = MakeLog("node-a");
  AppendEvents(*log, 10);
  RawExec(path_,
          "UPDATE audit_events SET seq = -1 WHERE seq = 4; "
          "UPDATE audit_events SET seq = 4 WHERE seq = 5; "
          "UPDATE audit_events SET seq = 5 WHERE seq = -1;");
  VerifyReport r = VerifyWith(*log);
  EXPECT_FALSE(r.valid);
  ASSERT_TRUE(r.first_bad.has_value());
  EXPECT_EQ(r.first_bad->seq, 4);
  EXPECT_EQ(r.checked, 3);
}

TEST_F(AuditLogTest, RehashingWithoutTheKeyIsDetected) {
  // An attacker rewrites event 3 and recomputes its hash and every later link, but has to
  // guess the key.
  auto log = MakeLog("node-a");
  AppendEvents(*log, 5);
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store_->BeginRead());
    ASSERT_OK_AND_ASSIGN(auto page, tx->ListAuditEvents({"node-a", {}, {}, {}, {}}, {}));
    ASSERT_OK_AND_ASSIGN(auto wrong_key, DeriveAuditKey(RootKey(99)));
    // page.items is newest first; rebuild from seq 3 on with the wrong key.
    std::vector<domain::AuditEvent> events(page.items.rbegin(), page.items.rend());
    events[2].details_json = "{\"i\":\"forged\"}";
    for (std::size_t i = 2; i < events.size(); ++i) {
      events[i].prev_hash = events[i - 1].hash;
      events[i].hash = ComputeEventHash(wrong_key.view(), events[i]);
      RawExec(path_, "UPDATE audit_events SET details = '" + events[i].details_json +
                         "', prev_hash = x'" + HexEncode(events[i].prev_hash) + "', hash = x'" +
                         HexEncode(events[i].hash) + "' WHERE seq = " + std::to_string(i + 1));
    }
  }
  VerifyReport r = VerifyWith(*log);
  EXPECT_FALSE(r.valid);
  ASSERT_TRUE(r.first_bad.has_value());
  EXPECT_EQ(r.first_bad->seq, 3);
}

TEST_F(AuditLogTest, WrongKeyIsInvalid) {
  auto log = MakeLog("node-a");
  AppendEvents(*log, 3);
  auto other = MakeLog("node-a", /*root_fill=*/8);
  VerifyReport r = VerifyWith(*other);
  EXPECT_FALSE(r.valid);
  ASSERT_TRUE(r.first_bad.has_value());
  EXPECT_EQ(r.first_bad->seq, 1);
  EXPECT_EQ(r.checked, 0);
}

TEST_F(AuditLogTest, TamperingInOneNodeNamesThatNode) {
  auto a = MakeLog("node-a");
  auto b = MakeLog("node-b");
  AppendEvents(*a, 4);
  AppendEvents(*b, 4);
  RawExec(path_,
          "UPDATE audit_events SET actor_id = 'mallory' WHERE node_id = 'node-b' "
          "AND seq = 3");
  VerifyReport r = VerifyWith(*a);
  EXPECT_FALSE(r.valid);
  ASSERT_TRUE(r.first_bad.has_value());
  EXPECT_EQ(r.first_bad->node_id, "node-b");
  EXPECT_EQ(r.first_bad->seq, 3);
  EXPECT_EQ(r.checked, 4 + 2);
}

TEST_F(AuditLogTest, RemovingTheNewestEventsIsDetectedThroughTheRecordedHead) {
  // Finding 10: deleting the newest rows went unnoticed and their numbers were given out
  // again. The head recorded with each append shows the gap.
  auto log = MakeLog("node-a");
  AppendEvents(*log, 5);
  RawExec(path_, "DELETE FROM audit_events WHERE seq >= 4");
  VerifyReport r = VerifyWith(*log);
  EXPECT_FALSE(r.valid);
  ASSERT_TRUE(r.first_bad.has_value());
  EXPECT_EQ(r.first_bad->node_id, "node-a");
  EXPECT_EQ(r.first_bad->seq, 4);
  EXPECT_NE(r.first_bad->reason.find("events 4–5 are missing"), std::string::npos)
      << r.first_bad->reason;
  // Sequence numbers are never reused: the next event is 6, and the gap stays visible.
  AppendEvents(*log, 1);
  ASSERT_OK_AND_ASSIGN(auto tx, store_->BeginRead());
  ASSERT_OK_AND_ASSIGN(auto last, tx->LastAuditEvent("node-a"));
  EXPECT_EQ(last->seq, 6);
  tx.reset();
  r = VerifyWith(*log);
  EXPECT_FALSE(r.valid);
  EXPECT_EQ(r.first_bad->seq, 4);
  EXPECT_NE(r.first_bad->reason.find("event 4 is missing"), std::string::npos)
      << r.first_bad->reason;
}

// The group commit's appender: many events in one transaction, the head read once and
// written once; the chain it writes is the one Append writes (it verifies, continues from
// and into single appends, and the recorded head catches a removed tail as before).
TEST_F(AuditLogTest, AppenderWritesTheSameChainInOneTransaction) {
  auto log = MakeLog("node-a");
  AppendEvents(*log, 2);
  AuditLog::Appender appender(*log);
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store_->BeginWrite());
    for (int i = 0; i < 5; ++i)
      ASSERT_OK(appender.Append(*tx, Event(10 + i), T(1000 * (++clock_))));
    ASSERT_OK(appender.Finish(*tx));
    ASSERT_OK(tx->Commit());
  }
  // A rolled-back transaction of the appender leaves no gap; Reset starts over.
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store_->BeginWrite());
    ASSERT_OK(appender.Append(*tx, Event(20), T(1000 * (++clock_))));
    tx.reset();  // rolled back
    appender.Reset();
  }
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store_->BeginWrite());
    ASSERT_OK(appender.Append(*tx, Event(21), T(1000 * (++clock_))));
    ASSERT_OK(appender.Append(*tx, Event(22), T(1000 * (++clock_))));
    ASSERT_OK(appender.Finish(*tx));
    ASSERT_OK(tx->Commit());
  }
  AppendEvents(*log, 1);
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store_->BeginRead());
    ASSERT_OK_AND_ASSIGN(auto last, tx->LastAuditEvent("node-a"));
    EXPECT_EQ(last->seq, 10);  // 2 + 5 + 2 + 1
    ASSERT_OK_AND_ASSIGN(auto page,
                         tx->ListAuditEvents(store::AuditFilter{}, store::PageRequest{0, 100}));
    EXPECT_EQ(page.total_count, 10);
  }
  VerifyReport r = VerifyWith(*log);
  EXPECT_TRUE(r.valid) << (r.first_bad ? r.first_bad->reason : "");
  // The head written by Finish: removing the appender's last events is caught.
  auto again = MakeLog("node-b");
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store_->BeginWrite());
    AuditLog::Appender b(*again);
    for (int i = 0; i < 3; ++i) ASSERT_OK(b.Append(*tx, Event(i), T(1000 * (++clock_))));
    ASSERT_OK(b.Finish(*tx));
    ASSERT_OK(tx->Commit());
  }
  RawExec(path_, "DELETE FROM audit_events WHERE node_id = 'node-b' AND seq = 3");
  r = VerifyWith(*log);
  EXPECT_FALSE(r.valid);
  ASSERT_TRUE(r.first_bad.has_value());
  EXPECT_EQ(r.first_bad->node_id, "node-b");
  EXPECT_EQ(r.first_bad->seq, 3);
}

TEST_F(AuditLogTest, RemovingTheTailAndTheHeadIsCaughtByASavedCheckpoint) {
  auto log = MakeLog("node-a");
  AppendEvents(*log, 5);
  ASSERT_OK_AND_ASSIGN(Checkpoint cp,
                       log->MakeCheckpoint(*store_, FromUnixMillis(1'800'000'000'000)));
  ASSERT_EQ(cp.heads.size(), 1u);
  EXPECT_EQ(cp.heads[0].seq, 5);
  EXPECT_TRUE(log->CheckCheckpointSignature(cp));
  AppendEvents(*log, 2);  // the log grows: it still extends the checkpoint
  ASSERT_OK_AND_ASSIGN(VerifyReport grown, log->Verify(*store_, &cp));
  EXPECT_TRUE(grown.valid);
  ASSERT_TRUE(grown.extends_checkpoint.has_value());
  EXPECT_TRUE(*grown.extends_checkpoint) << grown.checkpoint_problem;

  // Someone with write access removes events 4-7 and the recorded head: the chain alone
  // verifies again, the checkpoint does not.
  RawExec(path_, "DELETE FROM audit_events WHERE seq >= 4");
  RawExec(path_, "DELETE FROM settings WHERE key = 'audit.head/node-a'");
  ASSERT_OK_AND_ASSIGN(VerifyReport alone, log->Verify(*store_));
  EXPECT_TRUE(alone.valid);
  ASSERT_OK_AND_ASSIGN(VerifyReport with_cp, log->Verify(*store_, &cp));
  ASSERT_TRUE(with_cp.extends_checkpoint.has_value());
  EXPECT_FALSE(*with_cp.extends_checkpoint);
  EXPECT_NE(with_cp.checkpoint_problem.find("event 5 of node 'node-a'"), std::string::npos)
      << with_cp.checkpoint_problem;

  // A checkpoint that was altered (or made by another key) is refused.
  Checkpoint forged = cp;
  forged.heads[0].seq = 3;
  EXPECT_FALSE(log->CheckCheckpointSignature(forged));
  auto other = MakeLog("node-a", 42);
  EXPECT_FALSE(other->CheckCheckpointSignature(cp));
}

}  // namespace
}  // namespace signet::audit
