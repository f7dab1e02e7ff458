// RFC 3161 and CMS: tokens and signatures made here, checked by the `openssl` command; queries
// made by `openssl ts -query`, parsed here; every refusal and every verification failure.

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "crypto/cms.h"
#include "crypto/digest.h"
#include "crypto/sign.h"
#include "crypto/timestamp.h"
#include "crypto/x509.h"
#include "test_util.h"

namespace signet::crypto {
namespace {

using domain::HashAlgorithm;
using domain::KeyAlgorithm;
using domain::SignatureScheme;
using test::ReadFile;
using test::RunCommand;
using test::TempDir;
using test::TestKey;
using test::WriteFile;
using namespace std::chrono_literals;

TimePoint NowSeconds() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

// root CA (P-384) -> TSA (P-256, critical EKU timeStamping) and -> code signer (RSA-2048).
struct Pki {
  Certificate root, tsa, signer;
};

const Pki& TestPki() {
  static const Pki* pki = [] {
    IssueParams ca;
    ca.subject.common_name = "Signet Test Root";
    ca.not_before = NowSeconds() - 1h;
    ca.not_after = NowSeconds() + 24h * 365;
    ca.is_ca = true;
    const PrivateKey& root_key = TestKey(KeyAlgorithm::kEcP384);
    auto root_pub = root_key.GetPublicKey();
    auto root = IssueCertificate(*root_pub, ca, root_key, nullptr);
    IssueParams tsa = ca;
    tsa.is_ca = false;
    tsa.subject.common_name = "Signet Test TSA";
    tsa.extended_key_usages = {"timeStamping"};
    auto tsa_pub = TestKey(KeyAlgorithm::kEcP256).GetPublicKey();
    auto tsa_cert = IssueCertificate(*tsa_pub, tsa, root_key, &*root);
    IssueParams leaf = tsa;
    leaf.subject.common_name = "Signet Test Signer";
    leaf.extended_key_usages = {"codeSigning"};
    auto leaf_pub = TestKey(KeyAlgorithm::kRsa2048).GetPublicKey();
    auto leaf_cert = IssueCertificate(*leaf_pub, leaf, root_key, &*root);
    if (!root || !tsa_cert || !leaf_cert) std::abort();
    return new Pki{std::move(*root), std::move(*tsa_cert), std::move(*leaf_cert)};
  }();
  return *pki;
}

DigestSigner SignerFor(KeyAlgorithm algorithm) {
  return [algorithm](HashAlgorithm hash, ByteView digest) -> Result<Bytes> {
    const auto scheme = domain::KeyTypeOf(algorithm) == domain::KeyType::kEc
                            ? SignatureScheme::kEcdsa
                            : SignatureScheme::kRsaPkcs1v15;
    return Sign(TestKey(algorithm), {scheme, hash}, digest, /*is_digest=*/true);
  };
}

std::string Pem(const Certificate& c) { return *c.ToPem(); }

Bytes FileBytes(const std::string& path) {
  const std::string s = ReadFile(path);
  return Bytes(s.begin(), s.end());
}

Bytes Issue(const TimestampQuery& q, std::uint8_t serial = 7) {
  TimestampIssue issue;
  issue.query = &q;
  issue.policy_oid = "1.3.6.1.4.1.99999.1";
  issue.serial = {0x01, serial};
  issue.gen_time = TimePoint(std::chrono::milliseconds(1764000000123));
  issue.accuracy = 1500ms;
  issue.tsa_certificate = &TestPki().tsa;
  issue.chain = {&TestPki().root};
  auto reply = IssueTimestamp(issue, SignerFor(KeyAlgorithm::kEcP256));
  EXPECT_TRUE(reply) << reply.error().message;
  return reply ? *reply : Bytes{};
}

class TimestampTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(dir_.File("data.bin"), std::string("the data to time-stamp\n"));
    WriteFile(dir_.File("root.pem"), Pem(TestPki().root));
    WriteFile(dir_.File("tsa.pem"), Pem(TestPki().tsa));
  }
  // `openssl ts -query` with `args`, parsed here.
  tl::expected<TimestampQuery, TsaRefusal> OpensslQuery(const std::string& args) {
    auto r = RunCommand("openssl ts -query -data " + dir_.File("data.bin") + " " + args + " -out " +
                        dir_.File("q.tsq"));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return ParseTimestampQuery(AsBytes(ReadFile(dir_.File("q.tsq"))));
  }
  TempDir dir_;
};

TEST_F(TimestampTest, OpensslQueriesAreAnsweredWithRepliesOpensslVerifies) {
  struct Case {
    std::string args;
    HashAlgorithm hash;
  };
  for (const Case& c : {Case{"-sha256 -cert", HashAlgorithm::kSha256},
                        Case{"-sha384 -no_nonce", HashAlgorithm::kSha384},
                        Case{"-sha512 -cert -no_nonce", HashAlgorithm::kSha512},
                        Case{"-sha256", HashAlgorithm::kSha256}}) {
    SCOPED_TRACE(c.args);
    auto q = OpensslQuery(c.args);
    ASSERT_TRUE(q) << q.error().text;
    EXPECT_EQ(q->hash, c.hash);
    EXPECT_EQ(q->cert_req, c.args.find("-cert") != std::string::npos);
    EXPECT_EQ(q->nonce_der.empty(), c.args.find("-no_nonce") != std::string::npos);
    const Bytes reply = Issue(*q);
    WriteFile(dir_.File("r.tsr"), reply);
    // Without certReq the token has no certificate: the verifier is given the TSA's.
    const std::string untrusted = q->cert_req ? "" : " -untrusted " + dir_.File("tsa.pem");
    auto v = RunCommand("openssl ts -verify -queryfile " + dir_.File("q.tsq") + " -in " +
                        dir_.File("r.tsr") + " -CAfile " + dir_.File("root.pem") + untrusted);
    EXPECT_EQ(v.exit_code, 0) << v.output;
    EXPECT_NE(v.output.find("Verification: OK"), std::string::npos) << v.output;
    v = RunCommand("openssl ts -verify -data " + dir_.File("data.bin") + " -in " +
                   dir_.File("r.tsr") + " -CAfile " + dir_.File("root.pem") + untrusted);
    EXPECT_EQ(v.exit_code, 0) << v.output;

    auto parsed = ParseTimestampResponse(reply);
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->status, TsaStatus::kGranted);
    ASSERT_TRUE(parsed->info);
    EXPECT_EQ(parsed->info->serial_hex, "107");
    EXPECT_EQ(parsed->info->policy_oid, "1.3.6.1.4.1.99999.1");
    EXPECT_EQ(parsed->info->gen_time, TimePoint(std::chrono::milliseconds(1764000000123)));
    EXPECT_EQ(parsed->info->accuracy, Millis(1500));
    EXPECT_EQ(parsed->info->nonce_der, q->nonce_der);
    EXPECT_EQ(parsed->info->tsa_name, "CN=Signet Test TSA");
    EXPECT_EQ(parsed->info->imprint, Digest(c.hash, AsBytes(ReadFile(dir_.File("data.bin")))));

    std::vector<Certificate> roots;
    roots.push_back(TestPki().root.Clone());
    std::vector<Certificate> extra;
    if (!q->cert_req) extra.push_back(TestPki().tsa.Clone());
    auto verified = VerifyTimestampToken(parsed->token, AsBytes(ReadFile(dir_.File("data.bin"))),
                                         &roots, extra);
    ASSERT_TRUE(verified) << verified.error().message;
    EXPECT_TRUE(verified->chain_verified);
    EXPECT_EQ(verified->certificates.size(), q->cert_req ? 2u : 0u);
  }
}

TEST_F(TimestampTest, TokenTextShowsEssCertIdV2AndGenTime) {
  auto q = OpensslQuery("-sha256 -cert");
  ASSERT_TRUE(q);
  WriteFile(dir_.File("r.tsr"), Issue(*q, 9));
  auto text = RunCommand("openssl ts -reply -in " + dir_.File("r.tsr") + " -text");
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("Status: Granted."), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("Serial number: 0x0109"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("Accuracy: 0x01 seconds, 0x01F4 millis"), std::string::npos)
      << text.output;
  EXPECT_NE(text.output.find("TSA: DirName:/CN=Signet Test TSA"), std::string::npos) << text.output;
  // The signing-certificate-v2 attribute (RFC 5816) is in the token's signed attributes.
  auto token = RunCommand("openssl ts -reply -in " + dir_.File("r.tsr") + " -token_out -out " +
                          dir_.File("t.der") + " && openssl cms -cmsout -print -inform DER -in " +
                          dir_.File("t.der"));
  EXPECT_EQ(token.exit_code, 0) << token.output;
  EXPECT_NE(token.output.find("id-smime-aa-signingCertificateV2"), std::string::npos);
}

TEST_F(TimestampTest, BadQueriesAreRefusedWithTheirFailureBits) {
  auto refusal = [](ByteView der) {
    auto q = ParseTimestampQuery(der);
    EXPECT_FALSE(q);
    return q ? TsaFailure::kSystemFailure : q.error().failure;
  };
  EXPECT_EQ(refusal({}), TsaFailure::kBadDataFormat);
  EXPECT_EQ(refusal(AsBytes(std::string("GET / HTTP/1.1\r\n"))), TsaFailure::kBadDataFormat);
  auto good = OpensslQuery("-sha256");
  ASSERT_TRUE(good);
  const Bytes der = FileBytes(dir_.File("q.tsq"));
  EXPECT_EQ(refusal(ByteView(der).first(der.size() - 3)), TsaFailure::kBadDataFormat);
  Bytes trailing = der;
  trailing.push_back(0);
  EXPECT_EQ(refusal(trailing), TsaFailure::kBadDataFormat);

  auto sha1 = RunCommand("openssl ts -query -sha1 -data " + dir_.File("data.bin") + " -out " +
                         dir_.File("sha1.tsq"));
  ASSERT_EQ(sha1.exit_code, 0);
  auto q = ParseTimestampQuery(AsBytes(ReadFile(dir_.File("sha1.tsq"))));
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().failure, TsaFailure::kBadAlg);
  EXPECT_NE(q.error().text.find("SHA-1"), std::string::npos);
  auto md5 = RunCommand("openssl ts -query -md5 -data " + dir_.File("data.bin") + " -out " +
                        dir_.File("md5.tsq"));
  if (md5.exit_code == 0) {
    EXPECT_EQ(refusal(AsBytes(ReadFile(dir_.File("md5.tsq")))), TsaFailure::kBadAlg);
  }

  // An imprint of the wrong length for its algorithm.
  TimestampQuery wrong;
  wrong.hash = HashAlgorithm::kSha384;
  wrong.imprint = Bytes(48, 0xab);
  auto encoded = EncodeTimestampQuery(wrong);
  ASSERT_TRUE(encoded);
  Bytes shortened = *encoded;  // patch SHA-384's OID (…2.2) into SHA-256's (…2.1)
  const Bytes sha384_oid = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02};
  auto at = std::search(shortened.begin(), shortened.end(), sha384_oid.begin(), sha384_oid.end());
  ASSERT_NE(at, shortened.end());
  *(at + 8) = 0x01;
  EXPECT_EQ(refusal(shortened), TsaFailure::kBadDataFormat);
}

TEST_F(TimestampTest, RejectionsAreRepliesOpensslReads) {
  const Bytes reply = TimestampRejection(TsaFailure::kUnacceptedPolicy, "policy 1.2.3 is not ours");
  WriteFile(dir_.File("r.tsr"), reply);
  auto text = RunCommand("openssl ts -reply -in " + dir_.File("r.tsr") + " -text");
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("Status: Rejected."), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("policy 1.2.3 is not ours"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("the requested TSA policy is not supported"), std::string::npos)
      << text.output;
  auto parsed = ParseTimestampResponse(reply);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->status, TsaStatus::kRejection);
  EXPECT_EQ(parsed->failures, std::vector<TsaFailure>{TsaFailure::kUnacceptedPolicy});
  EXPECT_EQ(parsed->status_text, "policy 1.2.3 is not ours");
  EXPECT_TRUE(parsed->token.empty());
  for (TsaFailure f : {TsaFailure::kBadAlg, TsaFailure::kBadRequest, TsaFailure::kBadDataFormat,
                       TsaFailure::kTimeNotAvailable, TsaFailure::kSystemFailure}) {
    auto p = ParseTimestampResponse(TimestampRejection(f, ""));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->failures, std::vector<TsaFailure>{f}) << TsaFailureName(f);
  }
  EXPECT_FALSE(ParseTimestampResponse(AsBytes(std::string("<html>502</html>"))));
}

TEST_F(TimestampTest, VerificationFailsForOtherDataWrongRootsAndWrongKeys) {
  auto q = OpensslQuery("-sha256 -cert");
  ASSERT_TRUE(q);
  auto parsed = ParseTimestampResponse(Issue(*q));
  ASSERT_TRUE(parsed);
  const Bytes data = FileBytes(dir_.File("data.bin"));
  auto other = VerifyTimestampToken(parsed->token, AsBytes(std::string("other")), nullptr);
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message.find("other data"), std::string::npos);
  std::vector<Certificate> wrong_roots;
  wrong_roots.push_back(TestPki().tsa.Clone());
  EXPECT_FALSE(VerifyTimestampToken(parsed->token, data, &wrong_roots));
  auto untrusted = VerifyTimestampToken(parsed->token, data, nullptr);
  ASSERT_TRUE(untrusted);
  EXPECT_FALSE(untrusted->chain_verified);

  // Signed by another key than the certificate's: the token does not verify.
  TimestampIssue issue;
  issue.query = &*q;
  issue.policy_oid = "1.2.3.4";
  issue.serial = {1};
  issue.gen_time = NowSeconds();
  issue.tsa_certificate = &TestPki().tsa;
  auto forged = IssueTimestamp(issue, SignerFor(KeyAlgorithm::kEcP384));
  ASSERT_TRUE(forged);
  auto forged_reply = ParseTimestampResponse(*forged);
  ASSERT_TRUE(forged_reply);
  EXPECT_FALSE(VerifyTimestampToken(forged_reply->token, data, nullptr));

  // A code-signing certificate cannot issue tokens that verify.
  issue.tsa_certificate = &TestPki().signer;
  auto not_tsa = IssueTimestamp(issue, SignerFor(KeyAlgorithm::kRsa2048));
  ASSERT_TRUE(not_tsa);
  auto not_tsa_reply = ParseTimestampResponse(*not_tsa);
  ASSERT_TRUE(not_tsa_reply);
  auto refused = VerifyTimestampToken(not_tsa_reply->token, data, nullptr);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("timeStamping"), std::string::npos);

  issue.serial = {0x80};  // negative
  EXPECT_FALSE(IssueTimestamp(issue, SignerFor(KeyAlgorithm::kEcP256)));
  issue.serial = {1};
  issue.policy_oid = "sha256";
  EXPECT_FALSE(IssueTimestamp(issue, SignerFor(KeyAlgorithm::kEcP256)));
}

TEST(TimestampOidTest, OnlyDottedOidsAreAccepted) {
  EXPECT_TRUE(IsDottedOid("1.3.6.1.4.1.99999.1"));
  EXPECT_TRUE(IsDottedOid("2.5"));
  EXPECT_FALSE(IsDottedOid("sha256"));
  EXPECT_FALSE(IsDottedOid("1"));
  EXPECT_FALSE(IsDottedOid("1..2"));
  EXPECT_FALSE(IsDottedOid("1.2."));
  EXPECT_FALSE(IsDottedOid("3.1"));
  EXPECT_FALSE(IsDottedOid(""));
}

TEST(TimestampQueryTest, EncodedQueriesRoundTripThroughOpenssl) {
  TempDir dir;
  TimestampQuery q;
  q.hash = HashAlgorithm::kSha512;
  q.imprint = Digest(HashAlgorithm::kSha512, AsBytes(std::string("x")));
  q.cert_req = true;
  q.policy_oid = "1.2.3.4.5";
  auto nonce = RandomNonce();
  ASSERT_TRUE(nonce);
  q.nonce_der = *nonce;
  auto der = EncodeTimestampQuery(q);
  ASSERT_TRUE(der);
  WriteFile(dir.File("q.tsq"), *der);
  auto text = RunCommand("openssl ts -query -in " + dir.File("q.tsq") + " -text");
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("Hash Algorithm: sha512"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("Policy OID: 1.2.3.4.5"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("Certificate required: yes"), std::string::npos) << text.output;
  auto back = ParseTimestampQuery(*der);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->imprint, q.imprint);
  EXPECT_EQ(back->nonce_der, q.nonce_der);
  EXPECT_EQ(back->policy_oid, q.policy_oid);
  EXPECT_FALSE(NonceHex(q.nonce_der).empty());
}

// ---- CMS ----

class CmsTest : public TimestampTest {};

TEST_F(CmsTest, DetachedSignaturesVerifyWithOpensslCmsAndCarryTimestamps) {
  const Bytes data = FileBytes(dir_.File("data.bin"));
  for (auto [key, hash] : {std::pair{KeyAlgorithm::kRsa2048, HashAlgorithm::kSha256},
                           std::pair{KeyAlgorithm::kEcP256, HashAlgorithm::kSha384}}) {
    const Certificate& signer = key == KeyAlgorithm::kRsa2048 ? TestPki().signer : TestPki().tsa;
    CmsSignParams p;
    p.signer = &signer;
    p.chain = {&TestPki().root};
    p.hash = hash;
    p.content_digest = Digest(hash, data);
    p.signing_time = NowSeconds();
    // Only the digest of the signed attributes reaches the signer.
    std::size_t calls = 0;
    DigestSigner sign = [&](HashAlgorithm h, ByteView digest) -> Result<Bytes> {
      ++calls;
      EXPECT_EQ(h, hash);
      EXPECT_EQ(digest.size(), domain::HashLength(hash));
      return SignerFor(key)(h, digest);
    };
    auto cms = SignCms(p, sign);
    ASSERT_TRUE(cms) << cms.error().message;
    EXPECT_EQ(calls, 1u);
    WriteFile(dir_.File("sig.p7s"), *cms);
    auto v = RunCommand("openssl cms -verify -binary -inform DER -in " + dir_.File("sig.p7s") +
                        " -content " + dir_.File("data.bin") + " -CAfile " + dir_.File("root.pem") +
                        " -purpose any -out /dev/null");
    EXPECT_EQ(v.exit_code, 0) << v.output;
    EXPECT_TRUE(VerifyCms(*cms, Digest(hash, data)));
    auto wrong = VerifyCms(*cms, Digest(hash, AsBytes(std::string("other"))));
    ASSERT_FALSE(wrong);
    EXPECT_NE(wrong.error().message.find("message digest differs"), std::string::npos);

    auto info = InspectCms(*cms);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->hash, hash);
    ASSERT_TRUE(info->signer);
    EXPECT_TRUE(info->signer->Equals(signer));
    EXPECT_EQ(info->signing_time, p.signing_time);
    EXPECT_TRUE(info->detached);
    EXPECT_FALSE(info->timestamp_token);

    // The timestamp covers the signature value (RFC 3161 appendix A).
    TimestampQuery q;
    q.hash = HashAlgorithm::kSha256;
    q.imprint = Digest(q.hash, info->signature);
    q.cert_req = true;
    auto reply = ParseTimestampResponse(Issue(q));
    ASSERT_TRUE(reply);
    auto stamped = AddCmsTimestamp(*cms, reply->token);
    ASSERT_TRUE(stamped) << stamped.error().message;
    EXPECT_FALSE(AddCmsTimestamp(*stamped, reply->token));
    WriteFile(dir_.File("sig.p7s"), *stamped);
    v = RunCommand("openssl cms -verify -binary -inform DER -in " + dir_.File("sig.p7s") +
                   " -content " + dir_.File("data.bin") + " -CAfile " + dir_.File("root.pem") +
                   " -purpose any -out /dev/null");
    EXPECT_EQ(v.exit_code, 0) << v.output;
    auto stamped_info = InspectCms(*stamped);
    ASSERT_TRUE(stamped_info && stamped_info->timestamp_token);
    EXPECT_EQ(*stamped_info->timestamp_token, reply->token);
    std::vector<Certificate> roots;
    roots.push_back(TestPki().root.Clone());
    EXPECT_TRUE(
        VerifyTimestampToken(*stamped_info->timestamp_token, stamped_info->signature, &roots));
    EXPECT_TRUE(VerifyCms(*stamped, Digest(hash, data)));
  }
}

// RSASSA-PSS (salt as long as the digest, MGF1 with the digest: what the server signs): the
// SignerInfo names id-RSASSA-PSS with those parameters and openssl cms -verify accepts it.
TEST_F(CmsTest, RsaPssSignaturesCarryPssParametersOpensslAccepts) {
  const Bytes data = FileBytes(dir_.File("data.bin"));
  for (HashAlgorithm hash : {HashAlgorithm::kSha256, HashAlgorithm::kSha512}) {
    CmsSignParams p;
    p.signer = &TestPki().signer;  // RSA-2048
    p.chain = {&TestPki().root};
    p.hash = hash;
    p.rsa_pss = true;
    p.content_digest = Digest(hash, data);
    DigestSigner pss = [](HashAlgorithm h, ByteView digest) -> Result<Bytes> {
      return Sign(TestKey(KeyAlgorithm::kRsa2048), {SignatureScheme::kRsaPss, h}, digest,
                  /*is_digest=*/true);
    };
    auto cms = SignCms(p, pss);
    ASSERT_TRUE(cms) << cms.error().message;
    EXPECT_TRUE(VerifyCms(*cms, Digest(hash, data)));
    WriteFile(dir_.File("pss.p7s"), *cms);
    auto v = RunCommand("openssl cms -verify -binary -inform DER -in " + dir_.File("pss.p7s") +
                        " -content " + dir_.File("data.bin") + " -CAfile " + dir_.File("root.pem") +
                        " -purpose any -out /dev/null");
    EXPECT_EQ(v.exit_code, 0) << v.output;
    auto text = RunCommand("openssl cms -cmsout -print -inform DER -in " + dir_.File("pss.p7s"));
    ASSERT_EQ(text.exit_code, 0) << text.output;
    const std::string& t = text.output;
    const std::string md = hash == HashAlgorithm::kSha256 ? "sha256" : "sha512";
    const std::size_t at = t.find("signatureAlgorithm:");
    ASSERT_NE(at, std::string::npos) << t;
    const std::string sig_alg = t.substr(at, t.find("signature: ", at) - at);
    EXPECT_NE(sig_alg.find("algorithm: rsassaPss"), std::string::npos) << sig_alg;
    // hashAlgorithm, MGF1 with the same digest, salt length = digest length (hex).
    const std::size_t hash_at = sig_alg.find(":" + md);
    const std::size_t mgf_at = sig_alg.find(":mgf1");
    ASSERT_NE(hash_at, std::string::npos) << sig_alg;
    ASSERT_NE(mgf_at, std::string::npos) << sig_alg;
    EXPECT_NE(sig_alg.find(":" + md, mgf_at), std::string::npos) << sig_alg;
    const std::string salt = hash == HashAlgorithm::kSha256 ? ":20\n" : ":40\n";
    EXPECT_NE(sig_alg.find("INTEGER           " + salt), std::string::npos) << sig_alg;
    // A PKCS#1 v1.5 signature under PSS parameters does not verify.
    auto mixed = SignCms(p, SignerFor(KeyAlgorithm::kRsa2048));
    ASSERT_FALSE(mixed);
    EXPECT_NE(mixed.error().message.find("does not verify"), std::string::npos);
  }
  // An EC signer cannot sign RSASSA-PSS: refused before anything is signed.
  CmsSignParams ec;
  ec.signer = &TestPki().tsa;
  ec.rsa_pss = true;
  ec.content_digest = Bytes(32, 1);
  std::size_t calls = 0;
  auto refused = SignCms(ec, [&](HashAlgorithm, ByteView) -> Result<Bytes> {
    ++calls;
    return Bytes{1};
  });
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("RSASSA-PSS needs an RSA key"), std::string::npos);
  EXPECT_EQ(calls, 0u);
}

TEST_F(CmsTest, AWrongSignatureIsRefusedAndGarbageIsNotCms) {
  CmsSignParams p;
  p.signer = &TestPki().signer;
  p.content_digest = Bytes(32, 1);
  auto cms = SignCms(p, SignerFor(KeyAlgorithm::kEcP256));  // not the certificate's key
  ASSERT_FALSE(cms);
  EXPECT_NE(cms.error().message.find("does not verify"), std::string::npos);
  p.content_digest = Bytes(31, 1);
  EXPECT_FALSE(SignCms(p, SignerFor(KeyAlgorithm::kRsa2048)));
  auto garbage = InspectCms(AsBytes(std::string("not a signature")));
  ASSERT_FALSE(garbage);
  EXPECT_NE(garbage.error().message.find("not a CMS signature"), std::string::npos);
}

TEST_F(CmsTest, ChainVerificationNamesItsFailure) {
  std::vector<Certificate> roots;
  roots.push_back(TestPki().root.Clone());
  EXPECT_TRUE(VerifyCertificateChain(TestPki().tsa, {}, roots, "timeStamping"));
  EXPECT_FALSE(VerifyCertificateChain(TestPki().signer, {}, roots, "timeStamping"));
  EXPECT_TRUE(VerifyCertificateChain(TestPki().signer, {}, roots, "codeSigning"));
  EXPECT_FALSE(VerifyCertificateChain(TestPki().tsa, {}, roots, "codeSigning"));
  auto expired =
      VerifyCertificateChain(TestPki().signer, {}, roots, "any", NowSeconds() + 24h * 400);
  ASSERT_FALSE(expired);
  EXPECT_NE(expired.error().message.find("expired"), std::string::npos);
  auto info = TestPki().tsa.Info();
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->extended_key_usage_critical);
  EXPECT_FALSE(TestPki().signer.Info()->extended_key_usage_critical);
}

}  // namespace
}  // namespace signet::crypto
