#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "crypto/sign.h"
#include "keystore/keystore.h"
#include "keystore/store_key_blob_repository.h"
#include "store/sqlite_store.h"

namespace signet::keystore {
namespace {

using domain::HashAlgorithm;
using domain::KeyAlgorithm;
using domain::SignatureScheme;

class StoreRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = "/tmp/signet-keystore-store-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto store = store::OpenSqlite(dir_ + "/signet.db");
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string dir_;
  std::unique_ptr<store::Store> store_;
  FakeClock clock_{FromUnixMillis(1'800'000'000'000)};
};

TEST_F(StoreRepositoryTest, KeysSurviveInTheDatabase) {
  StoreKeyBlobRepository repo(*store_);
  std::string key_id;
  {
    KeyStore keystore(*RootKey::FromBytes(Bytes(32, 5)), repo, clock_);
    auto stored = keystore.Generate(KeyAlgorithm::kEcP256);
    ASSERT_TRUE(stored) << stored.error().message;
    key_id = stored->key_id;
  }
  KeyStore restarted(*RootKey::FromBytes(Bytes(32, 5)), repo, clock_);
  const domain::SigningAlgorithm alg{SignatureScheme::kEcdsa, HashAlgorithm::kSha256};
  auto sig = restarted.Sign(key_id, alg, AsBytes("data"), false);
  ASSERT_TRUE(sig) << sig.error().message;
  auto row = repo.Get(key_id);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->created_at, clock_.Now());
  EXPECT_TRUE(crypto::Verify(*crypto::PublicKey::FromSpkiDer(row->public_key_spki), alg,
                             AsBytes("data"), false, *sig));

  KeyStore wrong_root(*RootKey::FromBytes(Bytes(32, 6)), repo, clock_);
  auto failed = wrong_root.Get(key_id);
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("wrong root key or tampered data"), std::string::npos);

  ASSERT_TRUE(restarted.Delete(key_id));
  auto gone = repo.Get(key_id);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
}

TEST_F(StoreRepositoryTest, RootKeyCheckAtStart) {
  const RootKey root = *RootKey::FromBytes(Bytes(32, 5));
  ASSERT_TRUE(CheckRootKey(root, *store_));  // first start records the check value
  ASSERT_TRUE(CheckRootKey(root, *store_));  // same key again
  auto mismatch = CheckRootKey(*RootKey::FromBytes(Bytes(32, 6)), *store_);
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(mismatch.error().message, "root key does not match this database");
}

}  // namespace
}  // namespace signet::keystore
