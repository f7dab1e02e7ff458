#include <string>

#include <thread>

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "crypto/aead.h"
#include "crypto/digest.h"
#include "crypto/ed25519.h"
#include "crypto/mac.h"
#include "crypto/random.h"

namespace signet::crypto {
namespace {

using domain::HashAlgorithm;

#define ASSERT_OK_AND_ASSIGN_CRYPTO(lhs, expr)                                               \
  auto SIGNET_CONCAT_(r_, __LINE__) = (expr);                                                \
  ASSERT_TRUE(SIGNET_CONCAT_(r_, __LINE__)) << SIGNET_CONCAT_(r_, __LINE__).error().message; \
  lhs = std::move(*SIGNET_CONCAT_(r_, __LINE__))

Bytes Hex(std::string_view hex) {
  auto bytes = HexDecode(hex);
  EXPECT_TRUE(bytes) << hex;
  return bytes ? *bytes : Bytes{};
}

TEST(Random, ReturnsRequestedLengthAndDiffers) {
  auto a = RandomBytes(32);
  auto b = RandomBytes(32);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), 32u);
  EXPECT_NE(*a, *b);
  auto s = RandomSecret(17);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->size(), 17u);
  auto empty = RandomBytes(0);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(Digest, KnownAnswers) {  // FIPS 180-2 "abc"
  EXPECT_EQ(HexEncode(Sha256(AsBytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(Digest(HashAlgorithm::kSha384, AsBytes("abc"))),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
            "8086072ba1e7cc2358baeca134c825a7");
  EXPECT_EQ(HexEncode(Digest(HashAlgorithm::kSha512, AsBytes("abc"))),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  EXPECT_EQ(HexEncode(Sha256({})),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Digest, HasherMatchesOneShot) {
  std::string data(100000, 'x');
  for (HashAlgorithm h : {HashAlgorithm::kSha256, HashAlgorithm::kSha384, HashAlgorithm::kSha512}) {
    auto hasher = Hasher::Create(h);
    ASSERT_TRUE(hasher);
    for (std::size_t off = 0; off < data.size(); off += 777) {
      ASSERT_TRUE(hasher->Update(AsBytes(std::string_view(data).substr(off, 777))));
    }
    auto digest = hasher->Finish();
    ASSERT_TRUE(digest);
    EXPECT_EQ(*digest, Digest(h, AsBytes(data)));
    EXPECT_FALSE(hasher->Finish());
    auto after = hasher->Update(AsBytes("more"));
    ASSERT_FALSE(after);
    EXPECT_EQ(after.error().code, ErrorCode::kFailedPrecondition);
  }
}

TEST(Digest, HasherIsMovable) {
  auto hasher = Hasher::Create(HashAlgorithm::kSha256);
  ASSERT_TRUE(hasher);
  ASSERT_TRUE(hasher->Update(AsBytes("ab")));
  Hasher moved = std::move(*hasher);
  ASSERT_TRUE(moved.Update(AsBytes("c")));
  auto digest = moved.Finish();
  ASSERT_TRUE(digest);
  EXPECT_EQ(*digest, Sha256(AsBytes("abc")));
}

TEST(Hmac, Rfc4231TestCase2) {
  EXPECT_EQ(HexEncode(HmacSha256(AsBytes("Jefe"), AsBytes("what do ya want for nothing?"))),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Hmac, EmptyKeyAndData) {
  // HMAC-SHA256("", "") is a well-known constant.
  EXPECT_EQ(HexEncode(HmacSha256({}, {})),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

// The per-thread HMAC context is re-keyed on each call: alternating keys give each key's own
// value (RFC 4231 test case 2 and the empty-key constant), on this thread and on another.
TEST(Hmac, AlternatingKeysOnOneThreadAndAnother) {
  auto check = [] {
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(HexEncode(HmacSha256(AsBytes("Jefe"), AsBytes("what do ya want for nothing?"))),
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
      EXPECT_EQ(HexEncode(HmacSha256({}, {})),
                "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    }
  };
  check();
  std::thread other(check);
  other.join();
}

TEST(Hkdf, Rfc5869TestCase1) {
  Bytes ikm(22, 0x0b);
  Bytes salt = Hex("000102030405060708090a0b0c");
  Bytes info = Hex("f0f1f2f3f4f5f6f7f8f9");
  auto okm = HkdfSha256(ikm, salt, AsString(info), 42);
  ASSERT_TRUE(okm) << okm.error().message;
  EXPECT_EQ(HexEncode(okm->view()),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
            "34007208d5b887185865");
}

TEST(Hkdf, Rfc5869TestCase3EmptySaltAndInfo) {
  Bytes ikm(22, 0x0b);
  auto okm = HkdfSha256(ikm, {}, "", 42);
  ASSERT_TRUE(okm) << okm.error().message;
  EXPECT_EQ(HexEncode(okm->view()),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
            "9d201395faa4b61a96c8");
}

TEST(Hkdf, RejectsBadLengths) {
  Bytes ikm(32, 1);
  auto zero = HkdfSha256(ikm, {}, "x", 0);
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().code, ErrorCode::kInvalidArgument);
  auto big = HkdfSha256(ikm, {}, "x", 255 * 32 + 1);
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().message.find("8161"), std::string::npos) << big.error().message;
  EXPECT_TRUE(HkdfSha256(ikm, {}, "x", 255 * 32));
}

class AeadTest : public ::testing::Test {
 protected:
  Bytes key_ = *RandomBytes(32);
  Bytes aad_ = ToBytes("signet-key:v1:abc");
  Bytes plaintext_ = ToBytes("the private key bytes");
};

TEST_F(AeadTest, RoundTrip) {
  auto sealed = AeadSeal(key_, plaintext_, aad_);
  ASSERT_TRUE(sealed) << sealed.error().message;
  EXPECT_EQ(sealed->size(), plaintext_.size() + kAeadOverhead);
  auto opened = AeadOpen(key_, *sealed, aad_);
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_TRUE(opened->Equals(plaintext_));
}

TEST_F(AeadTest, NonceIsFreshEachTime) {
  auto a = AeadSeal(key_, plaintext_, aad_);
  auto b = AeadSeal(key_, plaintext_, aad_);
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
}

TEST_F(AeadTest, EmptyPlaintextAndAad) {
  auto sealed = AeadSeal(key_, {}, {});
  ASSERT_TRUE(sealed);
  EXPECT_EQ(sealed->size(), kAeadOverhead);
  auto opened = AeadOpen(key_, *sealed, {});
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_TRUE(opened->empty());
  EXPECT_FALSE(AeadOpen(key_, *sealed, aad_));
}

TEST_F(AeadTest, WrongKeyFails) {
  auto sealed = AeadSeal(key_, plaintext_, aad_);
  ASSERT_TRUE(sealed);
  Bytes other = key_;
  other[0] ^= 1;
  auto opened = AeadOpen(other, *sealed, aad_);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(opened.error().message, "decryption failed: wrong key or tampered data");
}

TEST_F(AeadTest, AnyFlippedBitFails) {
  auto sealed = AeadSeal(key_, plaintext_, aad_);
  ASSERT_TRUE(sealed);
  for (std::size_t i = 0; i < sealed->size(); ++i) {
    Bytes tampered = *sealed;
    tampered[i] ^= 0x80;
    auto opened = AeadOpen(key_, tampered, aad_);
    ASSERT_FALSE(opened) << "byte " << i;
    EXPECT_NE(opened.error().message.find("tampered"), std::string::npos);
  }
}

TEST_F(AeadTest, TamperedAadFails) {
  auto sealed = AeadSeal(key_, plaintext_, aad_);
  ASSERT_TRUE(sealed);
  EXPECT_FALSE(AeadOpen(key_, *sealed, AsBytes("signet-key:v1:abd")));
  EXPECT_FALSE(AeadOpen(key_, *sealed, {}));
}

TEST_F(AeadTest, RejectsBadSizes) {
  auto short_key = AeadSeal(Bytes(16, 1), plaintext_, aad_);
  ASSERT_FALSE(short_key);
  EXPECT_EQ(short_key.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(short_key.error().message.find("16 bytes"), std::string::npos);
  auto truncated = AeadOpen(key_, Bytes(27, 0), aad_);
  ASSERT_FALSE(truncated);
  EXPECT_NE(truncated.error().message.find("27 bytes"), std::string::npos);
}

// ---- Ed25519 (audit checkpoints) ----

TEST(Ed25519, Rfc8032TestVector1) {
  const Bytes seed = Hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  ASSERT_OK_AND_ASSIGN_CRYPTO(Bytes pub, Ed25519PublicKey(seed));
  EXPECT_EQ(HexEncode(pub), "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  ASSERT_OK_AND_ASSIGN_CRYPTO(Bytes sig, Ed25519Sign(seed, Bytes{}));
  EXPECT_EQ(
      HexEncode(sig),
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e3970"
      "1cf9b46bd25bf5f0595bbe24655141438e7a100b");
  EXPECT_TRUE(Ed25519Verify(pub, Bytes{}, sig));
}

TEST(Ed25519, WrongMessageKeyOrSignatureFails) {
  const Bytes seed(32, 5);
  const Bytes msg = {'h', 'e', 'a', 'd'};
  auto pub = Ed25519PublicKey(seed);
  auto sig = Ed25519Sign(seed, msg);
  ASSERT_TRUE(pub && sig);
  EXPECT_TRUE(Ed25519Verify(*pub, msg, *sig));
  EXPECT_FALSE(Ed25519Verify(*pub, Bytes{'t', 'a', 'i', 'l'}, *sig));
  Bytes bad = *sig;
  bad[10] ^= 1;
  EXPECT_FALSE(Ed25519Verify(*pub, msg, bad));
  EXPECT_FALSE(Ed25519Verify(*Ed25519PublicKey(Bytes(32, 6)), msg, *sig));
  EXPECT_FALSE(Ed25519Verify(*pub, msg, Bytes(63, 0)));
  EXPECT_FALSE(Ed25519PublicKey(Bytes(31, 0)));
  auto pem = Ed25519PublicKeyPem(*pub);
  ASSERT_TRUE(pem);
  EXPECT_EQ(pem->rfind("-----BEGIN PUBLIC KEY-----", 0), 0u);
}

}  // namespace
}  // namespace signet::crypto
