#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "crypto/digest.h"
#include "crypto/sign.h"
#include "test_util.h"

namespace signet::crypto {
namespace {

using domain::HashAlgorithm;
using domain::KeyAlgorithm;
using domain::KeyType;
using domain::SignatureScheme;
using domain::SigningAlgorithm;
using test::RunCommand;
using test::TempDir;
using test::TestKey;
using test::WriteFile;

constexpr KeyAlgorithm kAllKeyAlgorithms[] = {KeyAlgorithm::kRsa2048, KeyAlgorithm::kRsa3072,
                                              KeyAlgorithm::kRsa4096, KeyAlgorithm::kEcP256,
                                              KeyAlgorithm::kEcP384,  KeyAlgorithm::kEcP521};
constexpr HashAlgorithm kAllHashes[] = {HashAlgorithm::kSha256, HashAlgorithm::kSha384,
                                        HashAlgorithm::kSha512};

struct SignCase {
  KeyAlgorithm key;
  SigningAlgorithm algorithm;
  bool is_digest;
};

std::vector<SignCase> AllCases() {
  std::vector<SignCase> cases;
  for (KeyAlgorithm key : kAllKeyAlgorithms) {
    std::vector<SignatureScheme> schemes;
    if (domain::KeyTypeOf(key) == KeyType::kRsa) {
      schemes = {SignatureScheme::kRsaPkcs1v15, SignatureScheme::kRsaPss};
    } else {
      schemes = {SignatureScheme::kEcdsa};
    }
    for (SignatureScheme scheme : schemes) {
      for (HashAlgorithm hash : kAllHashes) {
        for (bool is_digest : {false, true}) cases.push_back({key, {scheme, hash}, is_digest});
      }
    }
  }
  return cases;
}

std::string CaseName(const ::testing::TestParamInfo<SignCase>& info) {
  std::string name = std::string(domain::KeyAlgorithmName(info.param.key)) + "_" +
                     std::string(domain::SigningAlgorithmName(info.param.algorithm)) +
                     (info.param.is_digest ? "_digest" : "_message");
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

class SignRoundTrip : public ::testing::TestWithParam<SignCase> {
 protected:
  Bytes Input(ByteView message) const {
    const SignCase& c = GetParam();
    return c.is_digest ? Digest(c.algorithm.hash, message) : Bytes(message.begin(), message.end());
  }
};

TEST_P(SignRoundTrip, SignsAndVerifies) {
  const SignCase& c = GetParam();
  const PrivateKey& key = TestKey(c.key);
  auto pub = key.GetPublicKey();
  ASSERT_TRUE(pub) << pub.error().message;
  const Bytes message = ToBytes("signet round trip message");
  const Bytes input = Input(message);

  auto sig = Sign(key, c.algorithm, input, c.is_digest);
  ASSERT_TRUE(sig) << sig.error().message;
  if (key.type() == KeyType::kRsa) {
    EXPECT_EQ(sig->size(), key.SignatureSize());
  } else {
    EXPECT_LE(sig->size(), key.SignatureSize());
  }
  EXPECT_TRUE(Verify(*pub, c.algorithm, input, c.is_digest, *sig));
  // Message and digest modes produce interchangeable signatures.
  EXPECT_TRUE(Verify(*pub, c.algorithm, Digest(c.algorithm.hash, message), true, *sig));
  EXPECT_TRUE(Verify(*pub, c.algorithm, message, false, *sig));

  // Wrong message.
  Bytes other_input = Input(AsBytes("signet round trip messagE"));
  auto wrong_message = Verify(*pub, c.algorithm, other_input, c.is_digest, *sig);
  ASSERT_FALSE(wrong_message);
  EXPECT_EQ(wrong_message.error().message, "signature does not verify");

  // Flipped signature bit (first, middle and last byte).
  for (std::size_t i : {std::size_t{0}, sig->size() / 2, sig->size() - 1}) {
    Bytes flipped = *sig;
    flipped[i] ^= 0x01;
    EXPECT_FALSE(Verify(*pub, c.algorithm, input, c.is_digest, flipped)) << "byte " << i;
  }

  // Wrong key of the same type.
  const KeyAlgorithm other_alg =
      key.type() == KeyType::kRsa
          ? (c.key == KeyAlgorithm::kRsa2048 ? KeyAlgorithm::kRsa3072 : KeyAlgorithm::kRsa2048)
          : (c.key == KeyAlgorithm::kEcP256 ? KeyAlgorithm::kEcP384 : KeyAlgorithm::kEcP256);
  auto other_pub = TestKey(other_alg).GetPublicKey();
  ASSERT_TRUE(other_pub);
  EXPECT_FALSE(Verify(*other_pub, c.algorithm, input, c.is_digest, *sig));
}

INSTANTIATE_TEST_SUITE_P(AllAlgorithms, SignRoundTrip, ::testing::ValuesIn(AllCases()), CaseName);

TEST(Sign, DigestOfWrongLengthNamesBothLengths) {
  const PrivateKey& key = TestKey(KeyAlgorithm::kRsa2048);
  auto sig = Sign(key, {SignatureScheme::kRsaPss, HashAlgorithm::kSha384}, Bytes(20, 1), true);
  ASSERT_FALSE(sig);
  EXPECT_EQ(sig.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(sig.error().message, "digest is 20 bytes; SHA384 needs 48");

  auto ec = Sign(TestKey(KeyAlgorithm::kEcP256), {SignatureScheme::kEcdsa, HashAlgorithm::kSha256},
                 Bytes(48, 1), true);
  ASSERT_FALSE(ec);
  EXPECT_EQ(ec.error().message, "digest is 48 bytes; SHA256 needs 32");
}

TEST(Sign, RejectsAlgorithmForOtherKeyType) {
  auto rsa_on_ec =
      Sign(TestKey(KeyAlgorithm::kEcP256), {SignatureScheme::kRsaPkcs1v15, HashAlgorithm::kSha256},
           AsBytes("data"), false);
  ASSERT_FALSE(rsa_on_ec);
  EXPECT_EQ(rsa_on_ec.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(rsa_on_ec.error().message.find("needs an RSA key; this key is EC"), std::string::npos)
      << rsa_on_ec.error().message;

  auto ec_on_rsa = Sign(TestKey(KeyAlgorithm::kRsa2048),
                        {SignatureScheme::kEcdsa, HashAlgorithm::kSha256}, AsBytes("data"), false);
  ASSERT_FALSE(ec_on_rsa);
  EXPECT_EQ(ec_on_rsa.error().code, ErrorCode::kInvalidArgument);
}

TEST(Sign, EmptyMessageIsSigned) {
  const PrivateKey& key = TestKey(KeyAlgorithm::kEcP256);
  const SigningAlgorithm alg{SignatureScheme::kEcdsa, HashAlgorithm::kSha256};
  auto sig = Sign(key, alg, {}, false);
  ASSERT_TRUE(sig) << sig.error().message;
  EXPECT_TRUE(Verify(*key.GetPublicKey(), alg, {}, false, *sig));
}

TEST(Sign, ConcurrentSigningWithOneKey) {
  const PrivateKey& key = TestKey(KeyAlgorithm::kEcP256);
  auto pub = key.GetPublicKey();
  ASSERT_TRUE(pub);
  const SigningAlgorithm alg{SignatureScheme::kEcdsa, HashAlgorithm::kSha256};
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const std::string msg = "thread " + std::to_string(t) + " msg " + std::to_string(i);
        auto sig = Sign(key, alg, AsBytes(msg), false);
        if (!sig || !Verify(*pub, alg, AsBytes(msg), false, *sig)) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

// Each thread keeps a few signing contexts (key, algorithm) and reuses them: alternating
// keys and algorithms on one thread, more of them than it keeps, must always sign with the
// key and algorithm asked for — each signature verifies with exactly that key and algorithm.
TEST(Sign, ReusedContextsFollowTheKeyAndAlgorithm) {
  std::vector<const PrivateKey*> keys;
  for (KeyAlgorithm a : {KeyAlgorithm::kEcP256, KeyAlgorithm::kEcP384, KeyAlgorithm::kRsa2048}) {
    keys.push_back(&TestKey(a));
  }
  auto other_p256 = PrivateKey::Generate(KeyAlgorithm::kEcP256);
  ASSERT_TRUE(other_p256) << other_p256.error().message;
  keys.push_back(&*other_p256);
  for (int round = 0; round < 3; ++round) {
    for (const PrivateKey* key : keys) {
      auto pub = key->GetPublicKey();
      ASSERT_TRUE(pub);
      const bool rsa = key->type() == KeyType::kRsa;
      for (HashAlgorithm hash : kAllHashes) {
        for (SignatureScheme scheme :
             rsa ? std::vector{SignatureScheme::kRsaPkcs1v15, SignatureScheme::kRsaPss}
                 : std::vector{SignatureScheme::kEcdsa}) {
          const SigningAlgorithm alg{scheme, hash};
          const std::string msg = "round " + std::to_string(round);
          auto sig = Sign(*key, alg, AsBytes(msg), false);
          ASSERT_TRUE(sig) << sig.error().message;
          EXPECT_TRUE(Verify(*pub, alg, AsBytes(msg), false, *sig));
          // The same bytes under another hash do not verify: the context used this one.
          const SigningAlgorithm other{scheme, hash == HashAlgorithm::kSha256
                                                   ? HashAlgorithm::kSha384
                                                   : HashAlgorithm::kSha256};
          EXPECT_FALSE(Verify(*pub, other, AsBytes(msg), false, *sig));
          if (rsa) {
            const SigningAlgorithm other_pad{scheme == SignatureScheme::kRsaPss
                                                 ? SignatureScheme::kRsaPkcs1v15
                                                 : SignatureScheme::kRsaPss,
                                             hash};
            EXPECT_FALSE(Verify(*pub, other_pad, AsBytes(msg), false, *sig));
          }
        }
      }
    }
  }
  // A signature by one P-256 key never verifies with the other.
  const SigningAlgorithm es256{SignatureScheme::kEcdsa, HashAlgorithm::kSha256};
  auto sig = Sign(*other_p256, es256, AsBytes("whose"), false);
  ASSERT_TRUE(sig);
  EXPECT_FALSE(
      Verify(*TestKey(KeyAlgorithm::kEcP256).GetPublicKey(), es256, AsBytes("whose"), false, *sig));
}

TEST(Ecdsa, DerRawRoundTrip) {
  for (KeyAlgorithm alg : {KeyAlgorithm::kEcP256, KeyAlgorithm::kEcP384, KeyAlgorithm::kEcP521}) {
    const PrivateKey& key = TestKey(alg);
    const std::size_t field = EcFieldLength(alg);
    for (int i = 0; i < 10; ++i) {
      auto der = Sign(key, {SignatureScheme::kEcdsa, HashAlgorithm::kSha256},
                      AsBytes("m" + std::to_string(i)), false);
      ASSERT_TRUE(der);
      auto raw = EcdsaDerToRaw(*der, field);
      ASSERT_TRUE(raw) << raw.error().message;
      EXPECT_EQ(raw->size(), 2 * field);
      auto back = EcdsaRawToDer(*raw);
      ASSERT_TRUE(back) << back.error().message;
      EXPECT_EQ(*back, *der);
    }
  }
}

TEST(Ecdsa, RawToDerKnownValue) {
  // r = 1, s = 0x80 (needs a leading zero byte in DER).
  Bytes raw(64, 0);
  raw[31] = 0x01;
  raw[63] = 0x80;
  auto der = EcdsaRawToDer(raw);
  ASSERT_TRUE(der);
  EXPECT_EQ(HexEncode(*der),
            "3007020101020200"
            "80");
  auto back = EcdsaDerToRaw(*der, 32);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, raw);
}

TEST(Ecdsa, RejectsMalformedInput) {
  EXPECT_FALSE(EcdsaRawToDer(Bytes(63, 1)));
  EXPECT_FALSE(EcdsaRawToDer({}));
  EXPECT_FALSE(EcdsaDerToRaw(AsBytes("not der"), 32));
  // An r that does not fit the field.
  Bytes raw(132, 0xff);
  auto der = EcdsaRawToDer(raw);
  ASSERT_TRUE(der);
  auto too_big = EcdsaDerToRaw(*der, 32);
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().code, ErrorCode::kInvalidArgument);
}

TEST(DigestInfo, KnownPrefixesFromRfc8017) {
  const struct {
    HashAlgorithm hash;
    const char* prefix;
  } cases[] = {
      {HashAlgorithm::kSha256, "3031300d060960864801650304020105000420"},
      {HashAlgorithm::kSha384, "3041300d060960864801650304020205000430"},
      {HashAlgorithm::kSha512, "3051300d060960864801650304020305000440"},
  };
  for (const auto& c : cases) {
    const Bytes digest = Digest(c.hash, AsBytes("abc"));
    auto encoded = EncodeDigestInfo(c.hash, digest);
    ASSERT_TRUE(encoded);
    EXPECT_EQ(HexEncode(*encoded), std::string(c.prefix) + HexEncode(digest));
    auto parsed = ParseDigestInfo(*encoded);
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->hash, c.hash);
    EXPECT_EQ(parsed->digest, digest);
  }
}

TEST(DigestInfo, RejectsOtherInput) {
  EXPECT_FALSE(ParseDigestInfo(Sha256(AsBytes("abc"))));  // a bare digest
  auto encoded = EncodeDigestInfo(HashAlgorithm::kSha256, Sha256(AsBytes("abc")));
  ASSERT_TRUE(encoded);
  Bytes truncated(encoded->begin(), encoded->end() - 1);
  EXPECT_FALSE(ParseDigestInfo(truncated));
  Bytes sha1_info = *HexDecode("3021300906052b0e03021a05000414" + std::string(40, '0'));
  auto sha1 = ParseDigestInfo(sha1_info);
  ASSERT_FALSE(sha1);
  EXPECT_EQ(sha1.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(EncodeDigestInfo(HashAlgorithm::kSha384, Bytes(32, 0)));
}

TEST(DigestInfo, RawPkcs1SignatureEqualsDigestModeSignature) {
  const PrivateKey& key = TestKey(KeyAlgorithm::kRsa2048);
  const Bytes digest = Digest(HashAlgorithm::kSha384, AsBytes("payload"));
  auto info = EncodeDigestInfo(HashAlgorithm::kSha384, digest);
  ASSERT_TRUE(info);
  auto raw = SignRsaPkcs1DigestInfo(key, *info);
  ASSERT_TRUE(raw) << raw.error().message;
  auto direct = Sign(key, {SignatureScheme::kRsaPkcs1v15, HashAlgorithm::kSha384}, digest, true);
  ASSERT_TRUE(direct);
  EXPECT_EQ(*raw, *direct);  // PKCS#1 v1.5 is deterministic
  EXPECT_FALSE(SignRsaPkcs1DigestInfo(TestKey(KeyAlgorithm::kEcP256), *info));
}

// ---- Cross-checks with the openssl command -------------------------------------------------

struct OpensslCase {
  KeyAlgorithm key;
  SigningAlgorithm algorithm;
};

class OpensslVerifies : public ::testing::TestWithParam<OpensslCase> {};

TEST_P(OpensslVerifies, OurSignature) {
  const OpensslCase& c = GetParam();
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const PrivateKey& key = TestKey(c.key);
  auto pub = key.GetPublicKey();
  ASSERT_TRUE(pub);
  auto pub_pem = pub->ToPem();
  ASSERT_TRUE(pub_pem);
  WriteFile(dir.File("pub.pem"), *pub_pem);
  const std::string data(3000, 'd');
  WriteFile(dir.File("data"), data);

  std::string hash = std::string(domain::HashName(c.algorithm.hash));
  for (char& ch : hash) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  std::string sigopts;
  if (c.algorithm.scheme == SignatureScheme::kRsaPss) {
    sigopts =
        " -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-1 -sigopt rsa_mgf1_md:" + hash;
  }
  for (bool is_digest : {false, true}) {
    const Bytes input = is_digest ? Digest(c.algorithm.hash, AsBytes(data)) : ToBytes(data);
    auto sig = Sign(key, c.algorithm, input, is_digest);
    ASSERT_TRUE(sig) << sig.error().message;
    WriteFile(dir.File("sig"), *sig);
    auto result = RunCommand("openssl dgst -" + hash + " -verify " + dir.File("pub.pem") + sigopts +
                             " -signature " + dir.File("sig") + " " + dir.File("data"));
    EXPECT_EQ(result.exit_code, 0) << (is_digest ? "digest" : "message") << ": " << result.output;
    EXPECT_NE(result.output.find("Verified OK"), std::string::npos) << result.output;
  }
  // And openssl's signature verifies with our code.
  auto key_pem = key.ToPkcs8Pem();
  ASSERT_TRUE(key_pem);
  WriteFile(dir.File("key.pem"), key_pem->view());
  auto result = RunCommand("openssl dgst -" + hash + " -sign " + dir.File("key.pem") + sigopts +
                           " -out " + dir.File("osig") + " " + dir.File("data"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string osig = test::ReadFile(dir.File("osig"));
  EXPECT_TRUE(Verify(*pub, c.algorithm, AsBytes(data), false, AsBytes(osig)));
}

INSTANTIATE_TEST_SUITE_P(
    Algorithms, OpensslVerifies,
    ::testing::Values(
        OpensslCase{KeyAlgorithm::kRsa2048,
                    {SignatureScheme::kRsaPkcs1v15, HashAlgorithm::kSha256}},
        OpensslCase{KeyAlgorithm::kRsa3072,
                    {SignatureScheme::kRsaPkcs1v15, HashAlgorithm::kSha512}},
        OpensslCase{KeyAlgorithm::kRsa2048, {SignatureScheme::kRsaPss, HashAlgorithm::kSha256}},
        OpensslCase{KeyAlgorithm::kRsa4096, {SignatureScheme::kRsaPss, HashAlgorithm::kSha384}},
        OpensslCase{KeyAlgorithm::kEcP256, {SignatureScheme::kEcdsa, HashAlgorithm::kSha256}},
        OpensslCase{KeyAlgorithm::kEcP384, {SignatureScheme::kEcdsa, HashAlgorithm::kSha384}},
        OpensslCase{KeyAlgorithm::kEcP521, {SignatureScheme::kEcdsa, HashAlgorithm::kSha512}}),
    [](const ::testing::TestParamInfo<OpensslCase>& case_info) {
      std::string name = std::string(domain::KeyAlgorithmName(case_info.param.key)) + "_" +
                         std::string(domain::SigningAlgorithmName(case_info.param.algorithm));
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

// ---- Keys ----------------------------------------------------------------------------------

TEST(Keys, AlgorithmAndPkcs8RoundTrip) {
  for (KeyAlgorithm alg : kAllKeyAlgorithms) {
    const PrivateKey& key = TestKey(alg);
    auto reported = key.algorithm();
    ASSERT_TRUE(reported) << reported.error().message;
    EXPECT_EQ(*reported, alg);
    EXPECT_EQ(key.type(), domain::KeyTypeOf(alg));
    auto der = key.ToPkcs8Der();
    ASSERT_TRUE(der);
    auto back = PrivateKey::FromPkcs8Der(der->view());
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back->algorithm(), alg);
    auto pub = key.GetPublicKey();
    ASSERT_TRUE(pub);
    EXPECT_TRUE(Matches(*back, *pub));
    EXPECT_EQ(*back->PublicKeySpkiDer(), *pub->SpkiDer());
    auto pub2 = PublicKey::FromSpkiDer(*pub->SpkiDer());
    ASSERT_TRUE(pub2);
    EXPECT_EQ(*pub2->algorithm(), alg);
  }
  EXPECT_FALSE(
      Matches(TestKey(KeyAlgorithm::kEcP256), *TestKey(KeyAlgorithm::kEcP384).GetPublicKey()));
  EXPECT_FALSE(
      Matches(TestKey(KeyAlgorithm::kEcP256), *TestKey(KeyAlgorithm::kRsa2048).GetPublicKey()));
}

TEST(Keys, SignatureSizes) {
  EXPECT_EQ(TestKey(KeyAlgorithm::kRsa2048).SignatureSize(), 256u);
  EXPECT_EQ(TestKey(KeyAlgorithm::kRsa4096).SignatureSize(), 512u);
  EXPECT_EQ(TestKey(KeyAlgorithm::kEcP256).SignatureSize(), 72u);
  EXPECT_EQ(TestKey(KeyAlgorithm::kEcP521).SignatureSize(), 139u);
}

TEST(Keys, RejectsGarbage) {
  auto der = PrivateKey::FromPkcs8Der(AsBytes("garbage"));
  ASSERT_FALSE(der);
  EXPECT_EQ(der.error().code, ErrorCode::kInvalidArgument);
  auto pem = PrivateKey::FromPem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  ASSERT_FALSE(pem);
  EXPECT_EQ(pem.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(PublicKey::FromSpkiDer(AsBytes("garbage")));
}

TEST(Keys, OpensslKeyFormats) {
  TempDir dir;
  struct Format {
    std::string command;
    std::string header;
    std::string password;
  };
  const std::string rsa = dir.File("rsa.pem");
  const std::string ec = dir.File("ec.pem");
  ASSERT_EQ(RunCommand("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out " + rsa)
                .exit_code,
            0);
  ASSERT_EQ(RunCommand("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out " + ec)
                .exit_code,
            0);
  const Format formats[] = {
      {"cat " + rsa, "-----BEGIN PRIVATE KEY-----", ""},
      {"openssl rsa -traditional -in " + rsa, "-----BEGIN RSA PRIVATE KEY-----", ""},
      {"openssl ec -in " + ec, "-----BEGIN EC PRIVATE KEY-----", ""},
      {"openssl pkcs8 -topk8 -in " + ec + " -passout pass:s3cret",
       "-----BEGIN ENCRYPTED PRIVATE KEY-----", "s3cret"},
  };
  for (const Format& f : formats) {
    auto out = RunCommand(f.command + " 2>/dev/null");
    ASSERT_EQ(out.exit_code, 0) << f.command;
    ASSERT_NE(out.output.find(f.header), std::string::npos) << out.output;
    auto key = PrivateKey::FromPem(out.output, f.password);
    ASSERT_TRUE(key) << f.command << ": " << key.error().message;
    EXPECT_TRUE(key->algorithm());
    if (!f.password.empty()) {
      auto wrong = PrivateKey::FromPem(out.output, "wrong");
      ASSERT_FALSE(wrong);
      EXPECT_EQ(wrong.error().message, "private key PEM could not be decrypted: wrong password");
      auto none = PrivateKey::FromPem(out.output);
      ASSERT_FALSE(none);
      EXPECT_EQ(none.error().message, "private key PEM is encrypted and no password was given");
    }
  }
}

TEST(Keys, UnsupportedSizesAndCurves) {
  TempDir dir;
  auto out = RunCommand("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 2>/dev/null");
  ASSERT_EQ(out.exit_code, 0);
  auto rsa = PrivateKey::FromPem(out.output);
  ASSERT_TRUE(rsa);
  auto alg = rsa->algorithm();
  ASSERT_FALSE(alg);
  EXPECT_NE(alg.error().message.find("1024 bits"), std::string::npos);

  out =
      RunCommand("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 2>/dev/null");
  ASSERT_EQ(out.exit_code, 0);
  auto k1 = PrivateKey::FromPem(out.output);
  ASSERT_TRUE(k1);
  auto k1_alg = k1->algorithm();
  ASSERT_FALSE(k1_alg);
  EXPECT_NE(k1_alg.error().message.find("secp256k1"), std::string::npos);

  out = RunCommand("openssl genpkey -algorithm ED25519 2>/dev/null");
  ASSERT_EQ(out.exit_code, 0);
  auto ed = PrivateKey::FromPem(out.output);
  ASSERT_FALSE(ed);
  EXPECT_NE(ed.error().message.find("not supported"), std::string::npos) << ed.error().message;
}

}  // namespace
}  // namespace signet::crypto
