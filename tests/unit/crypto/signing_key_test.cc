// Certificates and CSRs signed through crypto::SigningKey (a key held elsewhere), and the
// public-key parts a PKCS#11 key source reads back from a device.
#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "crypto/sign.h"
#include "crypto/signing_key.h"
#include "crypto/x509.h"
#include "test_util.h"

namespace signet::crypto {
namespace {

using domain::HashAlgorithm;
using domain::KeyAlgorithm;
using domain::SignatureScheme;
using test::RunCommand;
using test::TempDir;
using test::TestKey;
using test::WriteFile;
using namespace std::chrono_literals;

TimePoint NowSeconds() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

// A key "in a device": it signs with a private key of this process but, like a hardware
// module, only ever sees digests, and counts what it was asked. `sign_with` may be another key
// (a device that signs wrongly); `fail` makes it unreachable.
class DeviceKey final : public SigningKey {
 public:
  DeviceKey(const PrivateKey& key, const PrivateKey* sign_with = nullptr)
      : key_(key), sign_with_(sign_with != nullptr ? *sign_with : key) {
    algorithm_ = *key.algorithm();
    spki_ = *key.PublicKeySpkiDer();
  }
  KeyAlgorithm algorithm() const override { return algorithm_; }
  const Bytes& public_key_spki() const override { return spki_; }
  Result<Bytes> Sign(domain::SigningAlgorithm algorithm, ByteView data,
                     bool is_digest) const override {
    if (fail) return MakeError(ErrorCode::kUnavailable, "the device is unreachable");
    SIGNET_ASSIGN_OR_RETURN(Bytes digest, DigestToSign(algorithm_, algorithm, data, is_digest));
    ++calls;
    last = algorithm;
    return crypto::Sign(sign_with_, algorithm, digest, true);
  }

  bool fail = false;
  mutable std::atomic<int> calls{0};
  mutable domain::SigningAlgorithm last{};

 private:
  const PrivateKey& key_;
  const PrivateKey& sign_with_;
  KeyAlgorithm algorithm_;
  Bytes spki_;
};

IssueParams Params(const std::string& cn, bool ca) {
  IssueParams p;
  p.subject.common_name = cn;
  p.not_before = NowSeconds() - 1h;
  p.not_after = NowSeconds() + 24h * 30;
  p.is_ca = ca;
  if (!ca) p.extended_key_usages = {"codeSigning"};
  return p;
}

class DeviceIssue : public ::testing::TestWithParam<KeyAlgorithm> {};

TEST_P(DeviceIssue, CaAndLeafVerifyWithOpenssl) {
  const KeyAlgorithm alg = GetParam();
  DeviceKey ca_key(TestKey(alg));
  auto root =
      IssueCertificate(*TestKey(alg).GetPublicKey(), Params("Device Root", true), ca_key, nullptr);
  ASSERT_TRUE(root) << root.error().message;
  EXPECT_EQ(ca_key.calls, 1);
  EXPECT_EQ(ca_key.last, CertificateSigningAlgorithm(alg));
  IssueParams leaf_params = Params("Device Leaf", false);
  leaf_params.policy_oids = {"2.23.140.1.4.1"};
  const PrivateKey& leaf_key = TestKey(KeyAlgorithm::kRsa3072);
  auto leaf = IssueCertificate(*leaf_key.GetPublicKey(), leaf_params, ca_key, &*root);
  ASSERT_TRUE(leaf) << leaf.error().message;
  auto info = leaf->Info();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->policy_oids, std::vector<std::string>{"2.23.140.1.4.1"});
  EXPECT_EQ(info->signature_hash,
            std::string(domain::HashName(CertificateSigningAlgorithm(alg).hash)));
  EXPECT_TRUE(root->Info()->policy_oids.empty());

  TempDir dir;
  WriteFile(dir.File("root.pem"), *root->ToPem());
  WriteFile(dir.File("leaf.pem"), *leaf->ToPem());
  auto verify = RunCommand("openssl verify -x509_strict -CAfile " + dir.File("root.pem") + " " +
                           dir.File("leaf.pem"));
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  auto text = RunCommand("openssl x509 -noout -text -in " + dir.File("leaf.pem"));
  EXPECT_NE(text.output.find("Policy: 2.23.140.1.4.1"), std::string::npos) << text.output;
}

TEST_P(DeviceIssue, CsrVerifiesWithOpenssl) {
  const KeyAlgorithm alg = GetParam();
  DeviceKey key(TestKey(alg));
  auto csr = CreateCsrPem(key, SubjectName{"Device CSR", "Example", "", "DE", "", ""});
  ASSERT_TRUE(csr) << csr.error().message;
  EXPECT_EQ(key.calls, 1);
  auto parsed = ParseCsrPem(*csr);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->spki_der, *TestKey(alg).PublicKeySpkiDer());
  TempDir dir;
  WriteFile(dir.File("req.pem"), *csr);
  auto verify = RunCommand("openssl req -verify -noout -in " + dir.File("req.pem"));
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
}

INSTANTIATE_TEST_SUITE_P(Keys, DeviceIssue,
                         ::testing::Values(KeyAlgorithm::kRsa2048, KeyAlgorithm::kEcP256,
                                           KeyAlgorithm::kEcP384, KeyAlgorithm::kEcP521));

TEST(DeviceIssue, AWrongSignatureOrAnUnreachableDeviceIssuesNothing) {
  const PrivateKey& key = TestKey(KeyAlgorithm::kEcP256);
  auto other = PrivateKey::Generate(KeyAlgorithm::kEcP256);
  ASSERT_TRUE(other);
  DeviceKey liar(key, &*other);  // claims one key, signs with another
  auto root = IssueCertificate(*key.GetPublicKey(), Params("Liar", true), liar, nullptr);
  ASSERT_FALSE(root);
  auto csr = CreateCsrPem(liar, SubjectName{"Liar", "", "", "", "", ""});
  ASSERT_FALSE(csr);

  DeviceKey gone(key);
  gone.fail = true;
  auto unreachable = IssueCertificate(*key.GetPublicKey(), Params("Gone", true), gone, nullptr);
  ASSERT_FALSE(unreachable);
  EXPECT_EQ(unreachable.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(unreachable.error().message, "the device is unreachable");
}

TEST(DeviceIssue, IssuerKeyMustMatch) {
  DeviceKey ca_key(TestKey(KeyAlgorithm::kEcP256));
  auto root = IssueCertificate(*TestKey(KeyAlgorithm::kEcP256).GetPublicKey(), Params("R", true),
                               ca_key, nullptr);
  ASSERT_TRUE(root);
  DeviceKey other(TestKey(KeyAlgorithm::kEcP384));
  auto leaf = IssueCertificate(*TestKey(KeyAlgorithm::kRsa2048).GetPublicKey(), Params("L", false),
                               other, &*root);
  ASSERT_FALSE(leaf);
  EXPECT_EQ(leaf.error().message, "issuer key does not match the issuer certificate");
  auto self = IssueCertificate(*TestKey(KeyAlgorithm::kRsa2048).GetPublicKey(), Params("S", true),
                               other, nullptr);
  ASSERT_FALSE(self);
  EXPECT_EQ(self.error().code, ErrorCode::kInvalidArgument);
  IssueParams bad = Params("P", false);
  bad.policy_oids = {"not an oid"};
  auto bad_policy =
      IssueCertificate(*TestKey(KeyAlgorithm::kRsa2048).GetPublicKey(), bad, ca_key, &*root);
  ASSERT_FALSE(bad_policy);
  EXPECT_EQ(bad_policy.error().message,
            "certificate policy 'not an oid' is not a dotted object identifier");
}

TEST(LocalSigningKey, SignsLikeCryptoSign) {
  auto key = PrivateKey::Generate(KeyAlgorithm::kEcP384);
  ASSERT_TRUE(key);
  auto pub = key->GetPublicKey();
  auto local = LocalSigningKey::Create(std::move(*key));
  ASSERT_TRUE(local);
  EXPECT_EQ((*local)->algorithm(), KeyAlgorithm::kEcP384);
  const domain::SigningAlgorithm ecdsa{SignatureScheme::kEcdsa, HashAlgorithm::kSha384};
  auto sig = (*local)->Sign(ecdsa, AsBytes("message"), false);
  ASSERT_TRUE(sig);
  EXPECT_TRUE(Verify(*pub, ecdsa, AsBytes("message"), false, *sig));
  auto wrong =
      (*local)->Sign({SignatureScheme::kRsaPss, HashAlgorithm::kSha256}, AsBytes("m"), false);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kInvalidArgument);
}

TEST(DigestToSign, HashesOrChecksLikeSign) {
  const domain::SigningAlgorithm pss384{SignatureScheme::kRsaPss, HashAlgorithm::kSha384};
  auto hashed = DigestToSign(KeyAlgorithm::kRsa3072, pss384, AsBytes("abc"), false);
  ASSERT_TRUE(hashed);
  EXPECT_EQ(hashed->size(), 48u);
  auto given = DigestToSign(KeyAlgorithm::kRsa3072, pss384, *hashed, true);
  ASSERT_TRUE(given);
  EXPECT_EQ(*given, *hashed);
  auto short_digest = DigestToSign(KeyAlgorithm::kRsa3072, pss384, Bytes(20, 1), true);
  ASSERT_FALSE(short_digest);
  EXPECT_EQ(short_digest.error().message, "digest is 20 bytes; SHA384 needs 48");
  auto wrong_type = DigestToSign(KeyAlgorithm::kEcP256, pss384, *hashed, true);
  ASSERT_FALSE(wrong_type);
  EXPECT_EQ(wrong_type.error().message,
            "signing algorithm RSASSA_PSS_SHA384 needs an RSA key; this key is EC");
}

TEST(DevicePublicKey, RsaFromComponents) {
  for (KeyAlgorithm alg :
       {KeyAlgorithm::kRsa2048, KeyAlgorithm::kRsa3072, KeyAlgorithm::kRsa4096}) {
    const PrivateKey& key = TestKey(alg);
    // The modulus and exponent as a token returns them, read here from the SPKI by openssl.
    TempDir dir;
    WriteFile(dir.File("pub.der"), *key.PublicKeySpkiDer());
    auto text = RunCommand("openssl rsa -pubin -inform DER -in " + dir.File("pub.der") +
                           " -noout -modulus");
    ASSERT_EQ(text.exit_code, 0) << text.output;
    const std::string hex = text.output.substr(text.output.find('=') + 1,
                                               text.output.find('\n') - text.output.find('=') - 1);
    Bytes modulus;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
      modulus.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
    auto pub = PublicKey::FromRsaComponents(modulus, Bytes{0x01, 0x00, 0x01});
    ASSERT_TRUE(pub) << pub.error().message;
    EXPECT_EQ(*pub->SpkiDer(), *key.PublicKeySpkiDer());
    EXPECT_EQ(*pub->algorithm(), alg);
  }
  auto small = PublicKey::FromRsaComponents(Bytes(128, 0xc5), Bytes{0x01, 0x00, 0x01});
  ASSERT_FALSE(small);
  EXPECT_EQ(small.error().message,
            "RSA key has 1024 bits; supported sizes are 2048, 3072 and 4096");
  EXPECT_FALSE(PublicKey::FromRsaComponents({}, Bytes{3}));
}

TEST(DevicePublicKey, EcFromPointBareOrWrapped) {
  for (KeyAlgorithm alg : {KeyAlgorithm::kEcP256, KeyAlgorithm::kEcP384, KeyAlgorithm::kEcP521}) {
    const Bytes spki = *TestKey(alg).PublicKeySpkiDer();
    const std::size_t point_len = 1 + 2 * EcFieldLength(alg);
    const Bytes point(spki.end() - static_cast<std::ptrdiff_t>(point_len), spki.end());
    auto bare = PublicKey::FromEcPoint(alg, point);
    ASSERT_TRUE(bare) << bare.error().message;
    EXPECT_EQ(*bare->SpkiDer(), spki);
    Bytes wrapped{0x04};
    if (point_len >= 0x80) wrapped.push_back(0x81);
    wrapped.push_back(static_cast<std::uint8_t>(point_len));
    wrapped.insert(wrapped.end(), point.begin(), point.end());
    auto unwrapped = PublicKey::FromEcPoint(alg, wrapped);
    ASSERT_TRUE(unwrapped) << unwrapped.error().message;
    EXPECT_EQ(*unwrapped->SpkiDer(), spki);

    EXPECT_EQ(*EcAlgorithmFromParameters(EcParametersDer(alg)), alg);
    EXPECT_FALSE(PublicKey::FromEcPoint(
        alg == KeyAlgorithm::kEcP256 ? KeyAlgorithm::kEcP384 : KeyAlgorithm::kEcP256, point));
  }
  // prime256v1 is 1.2.840.10045.3.1.7.
  EXPECT_EQ(EcParametersDer(KeyAlgorithm::kEcP256),
            (Bytes{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}));
  EXPECT_TRUE(EcParametersDer(KeyAlgorithm::kRsa2048).empty());
  auto secp256k1 = EcAlgorithmFromParameters(Bytes{0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a});
  ASSERT_FALSE(secp256k1);
  EXPECT_EQ(secp256k1.error().code, ErrorCode::kInvalidArgument);
  auto off_curve = PublicKey::FromEcPoint(KeyAlgorithm::kEcP256, Bytes(65, 0x04));
  ASSERT_FALSE(off_curve);
  EXPECT_EQ(off_curve.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace signet::crypto
