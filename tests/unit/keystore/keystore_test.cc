#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/uuid.h"
#include "crypto/sign.h"
#include "keystore/keystore.h"

namespace signet::keystore {
namespace {

using domain::HashAlgorithm;
using domain::KeyAlgorithm;
using domain::SignatureScheme;
using domain::SigningAlgorithm;

// Counts Get calls so tests can tell a cache hit from an unwrap.
class CountingRepository final : public KeyBlobRepository {
 public:
  Status Put(const WrappedKey& key) override { return inner_.Put(key); }
  Result<WrappedKey> Get(std::string_view key_id) override {
    ++gets;
    return inner_.Get(key_id);
  }
  Status Delete(std::string_view key_id) override { return inner_.Delete(key_id); }
  // Replaces a stored row (tests simulate tampering in the database).
  void Replace(const WrappedKey& key) {
    (void)inner_.Delete(key.key_id);
    (void)inner_.Put(key);
  }
  std::atomic<int> gets{0};

 private:
  InMemoryKeyBlobRepository inner_;
};

RootKey MakeRoot(std::uint8_t fill) { return *RootKey::FromBytes(Bytes(32, fill)); }

const FakeClock& Clock() {
  static FakeClock clock(FromUnixMillis(1'800'000'000'000));
  return clock;
}

constexpr SigningAlgorithm kEcdsa256{SignatureScheme::kEcdsa, HashAlgorithm::kSha256};

class KeyStoreTest : public ::testing::Test {
 protected:
  CountingRepository repo_;
  KeyStore store_{MakeRoot(1), repo_, Clock()};
};

TEST_F(KeyStoreTest, GenerateStoresOnlyWrappedKey) {
  auto stored = store_.Generate(KeyAlgorithm::kEcP256);
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_TRUE(IsUuid(stored->key_id));
  EXPECT_EQ(stored->algorithm, KeyAlgorithm::kEcP256);
  auto row = repo_.Get(stored->key_id);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->public_key_spki, stored->public_key_spki);
  EXPECT_EQ(row->created_at, Clock().Now());
  EXPECT_EQ(row->algorithm, KeyAlgorithm::kEcP256);
  // The sealed key is not the plaintext PKCS#8 and has the AEAD overhead.
  auto key = store_.Get(stored->key_id);
  ASSERT_TRUE(key);
  auto pkcs8 = (*key)->ToPkcs8Der();
  ASSERT_TRUE(pkcs8);
  EXPECT_EQ(row->sealed_private_key.size(), pkcs8->size() + 28);
  EXPECT_EQ(std::search(row->sealed_private_key.begin(), row->sealed_private_key.end(),
                        pkcs8->data() + 40, pkcs8->data() + pkcs8->size()),
            row->sealed_private_key.end());
  EXPECT_EQ(row->wrapped_data_key.size(), 32u + 28u);
}

TEST_F(KeyStoreTest, SignVerifiesWithStoredPublicKey) {
  for (KeyAlgorithm alg : {KeyAlgorithm::kRsa2048, KeyAlgorithm::kEcP384}) {
    auto stored = store_.Generate(alg);
    ASSERT_TRUE(stored);
    const SigningAlgorithm sa =
        alg == KeyAlgorithm::kRsa2048
            ? SigningAlgorithm{SignatureScheme::kRsaPss, HashAlgorithm::kSha256}
            : SigningAlgorithm{SignatureScheme::kEcdsa, HashAlgorithm::kSha384};
    auto sig = store_.Sign(stored->key_id, sa, AsBytes("payload"), false);
    ASSERT_TRUE(sig) << sig.error().message;
    auto pub = crypto::PublicKey::FromSpkiDer(stored->public_key_spki);
    ASSERT_TRUE(pub);
    EXPECT_TRUE(crypto::Verify(*pub, sa, AsBytes("payload"), false, *sig));
  }
  auto stored = store_.Generate(KeyAlgorithm::kEcP256);
  auto wrong = store_.Sign(stored->key_id, {SignatureScheme::kRsaPss, HashAlgorithm::kSha256},
                           AsBytes("x"), false);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(KeyStoreTest, UnwrapsAfterRestartAndCaches) {
  auto stored = store_.Generate(KeyAlgorithm::kEcP256);
  ASSERT_TRUE(stored);
  // A new key store over the same repository (a restarted server) has an empty cache.
  KeyStore restarted(MakeRoot(1), repo_, Clock());
  repo_.gets = 0;
  auto first = restarted.Get(stored->key_id);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(repo_.gets.load(), 1);
  auto second = restarted.Get(stored->key_id);
  ASSERT_TRUE(second);
  EXPECT_EQ(repo_.gets.load(), 1);  // cache hit
  EXPECT_EQ(first->get(), second->get());
  auto sig = restarted.Sign(stored->key_id, kEcdsa256, AsBytes("m"), false);
  ASSERT_TRUE(sig);
  EXPECT_EQ(repo_.gets.load(), 1);
  EXPECT_TRUE(crypto::Verify(*crypto::PublicKey::FromSpkiDer(stored->public_key_spki), kEcdsa256,
                             AsBytes("m"), false, *sig));

  restarted.Evict(stored->key_id);
  ASSERT_TRUE(restarted.Get(stored->key_id));
  EXPECT_EQ(repo_.gets.load(), 2);
}

TEST_F(KeyStoreTest, WrongRootKeyIsReported) {
  auto stored = store_.Generate(KeyAlgorithm::kEcP256);
  ASSERT_TRUE(stored);
  KeyStore other(MakeRoot(2), repo_, Clock());
  auto key = other.Get(stored->key_id);
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(key.error().message,
            "key " + stored->key_id + " could not be unwrapped: wrong root key or tampered data");
  EXPECT_FALSE(other.Sign(stored->key_id, kEcdsa256, AsBytes("m"), false));
}

TEST_F(KeyStoreTest, TamperedBlobsAreRejected) {
  auto stored = store_.Generate(KeyAlgorithm::kEcP256);
  ASSERT_TRUE(stored);
  const WrappedKey original = *repo_.Get(stored->key_id);
  const std::string expected =
      "key " + stored->key_id + " could not be unwrapped: wrong root key or tampered data";

  for (int field = 0; field < 2; ++field) {
    for (std::size_t pos : {std::size_t{0}, std::size_t{20}, std::size_t{40}}) {
      WrappedKey tampered = original;
      Bytes& blob = field == 0 ? tampered.sealed_private_key : tampered.wrapped_data_key;
      blob[pos] ^= 0x01;
      repo_.Replace(tampered);
      KeyStore fresh(MakeRoot(1), repo_, Clock());
      auto key = fresh.Get(stored->key_id);
      ASSERT_FALSE(key) << "field " << field << " byte " << pos;
      EXPECT_EQ(key.error().message, expected);
    }
  }
  // Truncated blob.
  WrappedKey truncated = original;
  truncated.sealed_private_key.resize(10);
  repo_.Replace(truncated);
  KeyStore fresh(MakeRoot(1), repo_, Clock());
  auto key = fresh.Get(stored->key_id);
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().message, expected);

  repo_.Replace(original);
  KeyStore restored(MakeRoot(1), repo_, Clock());
  EXPECT_TRUE(restored.Get(stored->key_id));
}

TEST_F(KeyStoreTest, BlobsMovedToAnotherKeyIdAreRejected) {
  auto a = store_.Generate(KeyAlgorithm::kEcP256);
  auto b = store_.Generate(KeyAlgorithm::kEcP256);
  ASSERT_TRUE(a && b);
  const WrappedKey row_a = *repo_.Get(a->key_id);
  const WrappedKey row_b = *repo_.Get(b->key_id);

  // Whole row of A stored under B's id.
  WrappedKey moved = row_a;
  moved.key_id = b->key_id;
  repo_.Replace(moved);
  KeyStore fresh(MakeRoot(1), repo_, Clock());
  auto key = fresh.Get(b->key_id);
  ASSERT_FALSE(key);
  EXPECT_NE(key.error().message.find("could not be unwrapped"), std::string::npos);

  // Only the sealed private key swapped (data key of B, sealed key of A).
  WrappedKey mixed = row_b;
  mixed.sealed_private_key = row_a.sealed_private_key;
  repo_.Replace(mixed);
  KeyStore fresh2(MakeRoot(1), repo_, Clock());
  EXPECT_FALSE(fresh2.Get(b->key_id));

  // Public key replaced in the row: the unwrap succeeds but the key does not match it.
  WrappedKey wrong_pub = row_b;
  wrong_pub.public_key_spki = row_a.public_key_spki;
  repo_.Replace(wrong_pub);
  KeyStore fresh3(MakeRoot(1), repo_, Clock());
  auto mismatch = fresh3.Get(b->key_id);
  ASSERT_FALSE(mismatch);
  EXPECT_NE(mismatch.error().message.find("does not match"), std::string::npos);
}

TEST_F(KeyStoreTest, ImportAndPureWrapUnwrap) {
  auto key = crypto::PrivateKey::Generate(KeyAlgorithm::kRsa2048);
  ASSERT_TRUE(key);
  auto stored = store_.Import(*key);
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_EQ(stored->algorithm, KeyAlgorithm::kRsa2048);
  EXPECT_EQ(stored->public_key_spki, *key->PublicKeySpkiDer());

  const RootKey root = MakeRoot(9);
  auto wrapped = WrapPrivateKey(root, "some-id", *key, Clock().Now());
  ASSERT_TRUE(wrapped);
  auto unwrapped = UnwrapPrivateKey(root, *wrapped);
  ASSERT_TRUE(unwrapped) << unwrapped.error().message;
  EXPECT_EQ(*unwrapped->PublicKeySpkiDer(), *key->PublicKeySpkiDer());
  EXPECT_FALSE(UnwrapPrivateKey(MakeRoot(8), *wrapped));
  EXPECT_FALSE(WrapPrivateKey(root, "", *key, Clock().Now()));
}

TEST_F(KeyStoreTest, UnknownKeyIsNotFoundAndDeleteWorks) {
  auto missing = store_.Get(NewUuid());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  auto stored = store_.Generate(KeyAlgorithm::kEcP256);
  ASSERT_TRUE(stored);
  ASSERT_TRUE(store_.Delete(stored->key_id));
  auto gone = store_.Get(stored->key_id);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
}

TEST_F(KeyStoreTest, ConcurrentGetAndSign) {
  auto stored = store_.Generate(KeyAlgorithm::kEcP256);
  ASSERT_TRUE(stored);
  KeyStore restarted(MakeRoot(1), repo_, Clock());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        if (!restarted.Sign(stored->key_id, kEcdsa256, AsBytes("m"), false)) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto a = restarted.Get(stored->key_id);
  auto b = restarted.Get(stored->key_id);
  EXPECT_EQ(a->get(), b->get());
}

}  // namespace
}  // namespace signet::keystore
