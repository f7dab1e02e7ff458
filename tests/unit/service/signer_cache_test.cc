#include "service/signer_cache.h"

#include <gtest/gtest.h>

#include "common/uuid.h"

namespace signet::service {
namespace {

using namespace std::chrono_literals;

domain::Principal User(std::string id) {
  return domain::Principal{domain::PrincipalType::kUser, std::move(id), "alice@example.com",
                           domain::OrgRole::kMember};
}

std::shared_ptr<const SignerSnapshot> Snapshot(const std::string& signer_id, std::string name) {
  auto s = std::make_shared<SignerSnapshot>();
  s->signer.id = signer_id;
  s->signer.name = std::move(name);
  s->signer_role = domain::SignerRole::kOperator;
  return s;
}

class SignerCacheTest : public ::testing::Test {
 protected:
  FakeClock clock_{FromUnixMillis(1'767'225'600'000LL)};
  const std::string signer_ = NewUuid();
  const domain::Principal alice_ = User(NewUuid());
};

TEST_F(SignerCacheTest, KeepsASnapshotPerSignerAndCaller) {
  SignerCache cache(clock_, 500ms);
  EXPECT_EQ(cache.Get(signer_, alice_), nullptr);
  cache.Put(cache.generation(), alice_, Snapshot(signer_, "release"));
  auto hit = cache.Get(signer_, alice_);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->signer.name, "release");
  EXPECT_EQ(hit->signer_role, domain::SignerRole::kOperator);
  // Roles are the caller's: another caller, or the same id as an identity, misses.
  EXPECT_EQ(cache.Get(signer_, User(NewUuid())), nullptr);
  domain::Principal machine = alice_;
  machine.type = domain::PrincipalType::kIdentity;
  EXPECT_EQ(cache.Get(signer_, machine), nullptr);
  EXPECT_EQ(cache.Get(NewUuid(), alice_), nullptr);
}

TEST_F(SignerCacheTest, EntriesExpireAfterTheTtl) {
  SignerCache cache(clock_, 500ms);
  cache.Put(cache.generation(), alice_, Snapshot(signer_, "release"));
  clock_.Advance(499ms);
  EXPECT_NE(cache.Get(signer_, alice_), nullptr);
  clock_.Advance(1ms);
  EXPECT_EQ(cache.Get(signer_, alice_), nullptr);
}

TEST_F(SignerCacheTest, InvalidateDropsEntriesAndRefusesLoadsThatStartedBefore) {
  SignerCache cache(clock_, 500ms);
  cache.Put(cache.generation(), alice_, Snapshot(signer_, "release"));
  const std::uint64_t before = cache.generation();
  cache.Invalidate();
  EXPECT_EQ(cache.Get(signer_, alice_), nullptr);
  EXPECT_EQ(cache.size(), 0u);
  // A load that read the database before the change must not be kept.
  cache.Put(before, alice_, Snapshot(signer_, "stale"));
  EXPECT_EQ(cache.Get(signer_, alice_), nullptr);
  cache.Put(cache.generation(), alice_, Snapshot(signer_, "fresh"));
  ASSERT_NE(cache.Get(signer_, alice_), nullptr);
  EXPECT_EQ(cache.Get(signer_, alice_)->signer.name, "fresh");
}

TEST_F(SignerCacheTest, ZeroTtlDisablesTheCache) {
  SignerCache cache(clock_, 0ms);
  cache.Put(cache.generation(), alice_, Snapshot(signer_, "release"));
  EXPECT_EQ(cache.Get(signer_, alice_), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(SignerCacheTest, StaysWithinItsBound) {
  SignerCache cache(clock_, 500ms, /*max_entries=*/3);
  for (int i = 0; i < 10; ++i) {
    cache.Put(cache.generation(), alice_, Snapshot(NewUuid(), "s" + std::to_string(i)));
    EXPECT_LE(cache.size(), 3u);
  }
  const std::string last = NewUuid();
  cache.Put(cache.generation(), alice_, Snapshot(last, "last"));
  EXPECT_NE(cache.Get(last, alice_), nullptr);
}

}  // namespace
}  // namespace signet::service
