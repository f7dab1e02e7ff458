#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "crypto/digest.h"
#include "crypto/sign.h"
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

IssueParams CaParams(const std::string& cn) {
  IssueParams p;
  p.subject.common_name = cn;
  p.subject.organization = "Signet Test";
  p.subject.country = "DE";
  p.not_before = NowSeconds() - 1h;
  p.not_after = NowSeconds() + 24h * 365;
  p.is_ca = true;
  return p;
}

IssueParams LeafParams(const std::string& cn) {
  IssueParams p;
  p.subject.common_name = cn;
  p.not_before = NowSeconds() - 1h;
  p.not_after = NowSeconds() + 24h * 30;
  p.extended_key_usages = {"codeSigning"};
  return p;
}

// root (P-384) -> intermediate (P-256, pathlen 0) -> leaf (RSA-2048, codeSigning).
struct Pki {
  Certificate root, intermediate, leaf;
};

Pki MakePki() {
  const PrivateKey& root_key = TestKey(KeyAlgorithm::kEcP384);
  const PrivateKey& inter_key = TestKey(KeyAlgorithm::kEcP256);
  const PrivateKey& leaf_key = TestKey(KeyAlgorithm::kRsa2048);
  auto root =
      IssueCertificate(*root_key.GetPublicKey(), CaParams("Signet Test Root"), root_key, nullptr);
  EXPECT_TRUE(root) << root.error().message;
  IssueParams inter_params = CaParams("Signet Test Intermediate");
  inter_params.path_len = 0;
  auto inter = IssueCertificate(*inter_key.GetPublicKey(), inter_params, root_key, &*root);
  EXPECT_TRUE(inter) << inter.error().message;
  auto leaf =
      IssueCertificate(*leaf_key.GetPublicKey(), LeafParams("Build Signer"), inter_key, &*inter);
  EXPECT_TRUE(leaf) << leaf.error().message;
  return Pki{std::move(*root), std::move(*inter), std::move(*leaf)};
}

std::string Pem(const Certificate& c) { return *c.ToPem(); }

TEST(Issue, LeafInfo) {
  Pki pki = MakePki();
  auto info = pki.leaf.Info();
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->common_name, "Build Signer");
  EXPECT_EQ(info->subject, "CN=Build Signer");
  EXPECT_EQ(info->issuer, "CN=Signet Test Intermediate,O=Signet Test,C=DE");
  EXPECT_FALSE(info->is_ca);
  EXPECT_EQ(info->key_usages, std::vector<std::string>{"digitalSignature"});
  EXPECT_EQ(info->extended_key_usages, std::vector<std::string>{"codeSigning"});
  EXPECT_EQ(info->serial_hex.size(), 32u) << info->serial_hex;
  EXPECT_EQ(info->serial_hex, [&] {
    std::string s = info->serial_hex;
    std::transform(s.begin(), s.end(), s.begin(), ::tolower);
    return s;
  }());
  EXPECT_EQ(info->not_before, NowSeconds() - 1h) << FormatTime(info->not_before);
  EXPECT_EQ(info->spki_der, *TestKey(KeyAlgorithm::kRsa2048).PublicKeySpkiDer());

  auto root_info = pki.root.Info();
  ASSERT_TRUE(root_info);
  EXPECT_TRUE(root_info->is_ca);
  EXPECT_EQ(root_info->subject, root_info->issuer);
  EXPECT_EQ(root_info->key_usages,
            (std::vector<std::string>{"digitalSignature", "keyCertSign", "cRLSign"}));
  EXPECT_TRUE(root_info->extended_key_usages.empty());

  auto other =
      IssueCertificate(*TestKey(KeyAlgorithm::kRsa2048).GetPublicKey(), LeafParams("Build Signer"),
                       TestKey(KeyAlgorithm::kEcP256), &pki.intermediate);
  ASSERT_TRUE(other);
  EXPECT_NE(other->Info()->serial_hex, info->serial_hex);
}

TEST(Issue, PemAndDerRoundTrip) {
  Pki pki = MakePki();
  auto pem = pki.leaf.ToPem();
  ASSERT_TRUE(pem);
  auto from_pem = Certificate::FromPem(*pem);
  ASSERT_TRUE(from_pem);
  EXPECT_TRUE(from_pem->Equals(pki.leaf));
  auto der = pki.leaf.ToDer();
  ASSERT_TRUE(der);
  auto from_der = Certificate::FromDer(*der);
  ASSERT_TRUE(from_der);
  EXPECT_TRUE(from_der->Equals(pki.leaf));
  EXPECT_FALSE(from_der->Equals(pki.root));
  Bytes trailing = *der;
  trailing.push_back(0);
  EXPECT_FALSE(Certificate::FromDer(trailing));
  EXPECT_FALSE(Certificate::FromPem("no pem here"));
}

TEST(Issue, OpensslVerifiesChainAndCodeSigningUsage) {
  TempDir dir;
  Pki pki = MakePki();
  WriteFile(dir.File("root.pem"), Pem(pki.root));
  WriteFile(dir.File("inter.pem"), Pem(pki.intermediate));
  WriteFile(dir.File("leaf.pem"), Pem(pki.leaf));
  const std::string base = "openssl verify -x509_strict -CAfile " + dir.File("root.pem") +
                           " -untrusted " + dir.File("inter.pem");
  auto result = RunCommand(base + " -purpose codesign " + dir.File("leaf.pem"));
  if (result.output.find("Invalid purpose") != std::string::npos) {
    // OpenSSL before 3.2 has no "codesign" purpose: verify the chain, check the EKU by text.
    result = RunCommand(base + " -purpose any " + dir.File("leaf.pem"));
    auto text = RunCommand("openssl x509 -noout -text -in " + dir.File("leaf.pem"));
    ASSERT_EQ(text.exit_code, 0);
    EXPECT_NE(text.output.find("Code Signing"), std::string::npos) << text.output;
    EXPECT_NE(text.output.find("CA:FALSE"), std::string::npos);
    EXPECT_NE(text.output.find("X509v3 Subject Key Identifier"), std::string::npos);
    EXPECT_NE(text.output.find("X509v3 Authority Key Identifier"), std::string::npos);
  }
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find(": OK"), std::string::npos) << result.output;

  // The signature hash follows the issuer key: P-384 root -> SHA-384, P-256 -> SHA-256.
  auto inter_text = RunCommand("openssl x509 -noout -text -in " + dir.File("inter.pem"));
  EXPECT_NE(inter_text.output.find("ecdsa-with-SHA384"), std::string::npos);
  EXPECT_NE(inter_text.output.find("pathlen:0"), std::string::npos);
  auto leaf_text = RunCommand("openssl x509 -noout -text -in " + dir.File("leaf.pem"));
  EXPECT_NE(leaf_text.output.find("ecdsa-with-SHA256"), std::string::npos);

  // Without the intermediate the chain does not verify.
  auto missing =
      RunCommand("openssl verify -CAfile " + dir.File("root.pem") + " " + dir.File("leaf.pem"));
  EXPECT_NE(missing.exit_code, 0);
}

TEST(Issue, RejectsBadParams) {
  const PrivateKey& key = TestKey(KeyAlgorithm::kEcP256);
  auto pub = key.GetPublicKey();
  IssueParams p = CaParams("X");
  p.key_usages = {"digitalSignature", "frobnicate"};
  auto bad_ku = IssueCertificate(*pub, p, key, nullptr);
  ASSERT_FALSE(bad_ku);
  EXPECT_EQ(bad_ku.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad_ku.error().message.find("'frobnicate'"), std::string::npos);

  p = LeafParams("X");
  p.extended_key_usages = {"codeSigning", "codeSinging"};
  auto bad_eku = IssueCertificate(*pub, p, key, nullptr);
  ASSERT_FALSE(bad_eku);
  EXPECT_NE(bad_eku.error().message.find("'codeSinging'"), std::string::npos);

  p = LeafParams("X");
  p.not_after = p.not_before;
  EXPECT_FALSE(IssueCertificate(*pub, p, key, nullptr));

  p = LeafParams("");
  auto no_cn = IssueCertificate(*pub, p, key, nullptr);
  ASSERT_FALSE(no_cn);
  EXPECT_NE(no_cn.error().message.find("commonName"), std::string::npos);

  p = LeafParams("X");
  p.subject.country = "Germany";
  EXPECT_FALSE(IssueCertificate(*pub, p, key, nullptr));

  // Self-signed with someone else's key.
  auto other = IssueCertificate(*pub, LeafParams("X"), TestKey(KeyAlgorithm::kEcP384), nullptr);
  EXPECT_FALSE(other);

  // Issuer that is not a CA, and issuer key that does not match the issuer certificate.
  auto leaf = IssueCertificate(*pub, LeafParams("Leaf"), key, nullptr);
  ASSERT_TRUE(leaf);
  auto not_ca = IssueCertificate(*pub, LeafParams("Y"), key, &*leaf);
  ASSERT_FALSE(not_ca);
  EXPECT_NE(not_ca.error().message.find("not a CA"), std::string::npos);
  auto ca = IssueCertificate(*pub, CaParams("CA"), key, nullptr);
  ASSERT_TRUE(ca);
  auto mismatch = IssueCertificate(*pub, LeafParams("Y"), TestKey(KeyAlgorithm::kEcP384), &*ca);
  ASSERT_FALSE(mismatch);
  EXPECT_NE(mismatch.error().message.find("does not match"), std::string::npos);
}

TEST(Chain, ParsesAndOrdersShuffledPems) {
  Pki pki = MakePki();
  const std::string bundle =
      "junk before\n" + Pem(pki.root) + "comment\n" + Pem(pki.leaf) + Pem(pki.intermediate);
  auto certs = ParseCertificateChainPem(bundle);
  ASSERT_TRUE(certs) << certs.error().message;
  ASSERT_EQ(certs->size(), 3u);
  std::vector<Certificate> others;
  others.push_back(std::move((*certs)[0]));  // root
  others.push_back(std::move((*certs)[1]));  // leaf again: dropped
  others.push_back(std::move((*certs)[2]));  // intermediate
  others.push_back(pki.root.Clone());        // duplicate: dropped
  auto chain = OrderChain(pki.leaf, std::move(others));
  ASSERT_TRUE(chain) << chain.error().message;
  ASSERT_EQ(chain->size(), 3u);
  EXPECT_TRUE((*chain)[0].Equals(pki.leaf));
  EXPECT_TRUE((*chain)[1].Equals(pki.intermediate));
  EXPECT_TRUE((*chain)[2].Equals(pki.root));

  // Root left out: the chain stops at the intermediate.
  std::vector<Certificate> no_root;
  no_root.push_back(pki.intermediate.Clone());
  auto partial = OrderChain(pki.leaf, std::move(no_root));
  ASSERT_TRUE(partial);
  EXPECT_EQ(partial->size(), 2u);

  EXPECT_TRUE(ParseCertificateChainPem("")->empty());
}

TEST(Chain, MissingLinkIsAnError) {
  Pki pki = MakePki();
  std::vector<Certificate> others;
  others.push_back(pki.root.Clone());
  auto chain = OrderChain(pki.leaf, std::move(others));
  ASSERT_FALSE(chain);
  EXPECT_EQ(chain.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(chain.error().message.find("incomplete"), std::string::npos) << chain.error().message;
  EXPECT_NE(chain.error().message.find("Signet Test Root"), std::string::npos);
}

TEST(Chain, AmbiguousIssuerIsAnError) {
  Pki pki = MakePki();
  const PrivateKey& inter_key = TestKey(KeyAlgorithm::kEcP256);
  IssueParams params = CaParams("Signet Test Intermediate");
  auto twin = IssueCertificate(*inter_key.GetPublicKey(), params, TestKey(KeyAlgorithm::kEcP384),
                               &pki.root);
  ASSERT_TRUE(twin);
  std::vector<Certificate> others;
  others.push_back(pki.intermediate.Clone());
  others.push_back(std::move(*twin));
  auto chain = OrderChain(pki.leaf, std::move(others));
  ASSERT_FALSE(chain);
  EXPECT_NE(chain.error().message.find("ambiguous"), std::string::npos) << chain.error().message;
}

TEST(Chain, SignatureMustVerify) {
  // Same names as the real intermediate, different key: the leaf's signature does not verify.
  Pki pki = MakePki();
  const PrivateKey& wrong_key = TestKey(KeyAlgorithm::kEcP521);
  auto impostor = IssueCertificate(*wrong_key.GetPublicKey(), CaParams("Signet Test Intermediate"),
                                   TestKey(KeyAlgorithm::kEcP384), &pki.root);
  ASSERT_TRUE(impostor);
  std::vector<Certificate> others;
  others.push_back(std::move(*impostor));
  EXPECT_FALSE(OrderChain(pki.leaf, std::move(others)));
}

TEST(Csr, OpensslVerifiesOurRequest) {
  TempDir dir;
  for (KeyAlgorithm alg : {KeyAlgorithm::kRsa2048, KeyAlgorithm::kEcP384}) {
    SubjectName subject;
    subject.common_name = "Release Signing";
    subject.organization = "Example GmbH";
    subject.organizational_unit = "Build";
    subject.country = "DE";
    subject.state = "Berlin";
    subject.locality = "Berlin";
    auto csr = CreateCsrPem(TestKey(alg), subject);
    ASSERT_TRUE(csr) << csr.error().message;
    WriteFile(dir.File("req.pem"), *csr);
    auto result = RunCommand("openssl req -in " + dir.File("req.pem") + " -verify -noout -subject");
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_NE(result.output.find("verify OK"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("Release Signing"), std::string::npos) << result.output;

    auto info = ParseCsrPem(*csr);
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->common_name, "Release Signing");
    EXPECT_EQ(info->subject, "CN=Release Signing,OU=Build,O=Example GmbH,L=Berlin,ST=Berlin,C=DE");
    EXPECT_EQ(info->spki_der, *TestKey(alg).PublicKeySpkiDer());
  }
  EXPECT_FALSE(ParseCsrPem("not a csr"));
}

TEST(Csr, OpensslSignsItAndWeImportTheResult) {
  // The CSR flow: our key + CSR, an external CA (openssl) signs it, we import cert + key.
  TempDir dir;
  const PrivateKey& key = TestKey(KeyAlgorithm::kEcP256);
  auto csr = CreateCsrPem(key, SubjectName{"External", "", "", "", "", ""});
  ASSERT_TRUE(csr);
  WriteFile(dir.File("req.pem"), *csr);
  WriteFile(dir.File("ext.cnf"), "extendedKeyUsage=codeSigning\n");
  ASSERT_EQ(RunCommand("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + dir.File("ca.key") +
                       " -out " + dir.File("ca.pem") + " -subj /CN=ExtCA -days 2")
                .exit_code,
            0);
  auto signed_cert =
      RunCommand("openssl x509 -req -in " + dir.File("req.pem") + " -CA " + dir.File("ca.pem") +
                 " -CAkey " + dir.File("ca.key") + " -CAcreateserial -days 1 -extfile " +
                 dir.File("ext.cnf") + " -out " + dir.File("cert.pem"));
  ASSERT_EQ(signed_cert.exit_code, 0) << signed_cert.output;
  auto key_pem = key.ToPkcs8Pem();
  auto imported = ImportPem(ReadFile(dir.File("cert.pem")), key_pem->string_view(),
                            ReadFile(dir.File("ca.pem")));
  ASSERT_TRUE(imported) << imported.error().message;
  EXPECT_EQ(imported->chain.size(), 1u);
  EXPECT_EQ(imported->leaf.Info()->extended_key_usages, std::vector<std::string>{"codeSigning"});
}

TEST(Import, OpensslKeyAndCertificateSignVerifiedByOpenssl) {
  TempDir dir;
  const struct {
    std::string newkey;
    domain::SigningAlgorithm algorithm;
    std::string sigopts;
  } cases[] = {
      {"rsa:3072", {SignatureScheme::kRsaPkcs1v15, HashAlgorithm::kSha256}, ""},
      {"rsa:2048",
       {SignatureScheme::kRsaPss, HashAlgorithm::kSha256},
       " -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-1"},
      {"ec -pkeyopt ec_paramgen_curve:P-256",
       {SignatureScheme::kEcdsa, HashAlgorithm::kSha256},
       ""},
  };
  for (const auto& c : cases) {
    auto gen =
        RunCommand("openssl req -x509 -newkey " + c.newkey + " -nodes -keyout " +
                   dir.File("key.pem") + " -out " + dir.File("cert.pem") +
                   " -subj '/CN=Imported/O=Example' -days 2 -addext extendedKeyUsage=codeSigning");
    ASSERT_EQ(gen.exit_code, 0) << gen.output;
    auto imported = ImportPem(ReadFile(dir.File("cert.pem")), ReadFile(dir.File("key.pem")), "");
    ASSERT_TRUE(imported) << imported.error().message;
    EXPECT_TRUE(imported->chain.empty());
    auto info = imported->leaf.Info();
    ASSERT_TRUE(info);
    EXPECT_EQ(info->common_name, "Imported");
    EXPECT_EQ(info->extended_key_usages, std::vector<std::string>{"codeSigning"});

    const std::string data = "file to sign\n";
    WriteFile(dir.File("data"), data);
    auto sig = Sign(imported->key, c.algorithm, Sha256(AsBytes(data)), true);
    ASSERT_TRUE(sig) << sig.error().message;
    WriteFile(dir.File("sig"), *sig);
    ASSERT_EQ(RunCommand("openssl x509 -pubkey -noout -in " + dir.File("cert.pem") + " -out " +
                         dir.File("pub.pem"))
                  .exit_code,
              0);
    auto verify = RunCommand("openssl dgst -sha256 -verify " + dir.File("pub.pem") + c.sigopts +
                             " -signature " + dir.File("sig") + " " + dir.File("data"));
    EXPECT_EQ(verify.exit_code, 0) << verify.output;
  }
}

TEST(Import, MismatchedKeyIsRejected) {
  Pki pki = MakePki();
  auto key_pem = TestKey(KeyAlgorithm::kEcP256).ToPkcs8Pem();  // the intermediate's key
  auto imported = ImportPem(Pem(pki.leaf), key_pem->string_view(), Pem(pki.intermediate));
  ASSERT_FALSE(imported);
  EXPECT_EQ(imported.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(imported.error().message, "private key does not match the certificate");
}

TEST(Import, PemWithChainInCertificateField) {
  Pki pki = MakePki();
  auto key_pem = TestKey(KeyAlgorithm::kRsa2048).ToPkcs8Pem();
  auto imported =
      ImportPem(Pem(pki.leaf) + Pem(pki.root), key_pem->string_view(), Pem(pki.intermediate));
  ASSERT_TRUE(imported) << imported.error().message;
  ASSERT_EQ(imported->chain.size(), 2u);
  EXPECT_TRUE(imported->chain[0].Equals(pki.intermediate));
  EXPECT_TRUE(imported->chain[1].Equals(pki.root));
  EXPECT_FALSE(ImportPem("", key_pem->string_view(), ""));
}

// Found by the csr fuzz target (tests/fuzz/corpus/csr/import-leaf-bad-not-after): a
// certificate whose notAfter is not a valid time parses, but the import refuses it.
TEST(Import, LeafWithAnUnreadableValidityIsRefused) {
  Pki pki = MakePki();
  Bytes der = *pki.leaf.ToDer();
  // Validity: SEQUENCE { UTCTime notBefore, UTCTime notAfter }, each "YYMMDDhhmmssZ".
  const Bytes validity = {0x30, 0x1e, 0x17, 0x0d};
  auto at = std::search(der.begin(), der.end(), validity.begin(), validity.end());
  ASSERT_NE(at, der.end());
  const std::size_t not_after = static_cast<std::size_t>(at - der.begin()) + 2 + 15;
  ASSERT_EQ(der[not_after], 0x17);
  der[not_after + 2 + 2] = '1';  // month 13
  der[not_after + 2 + 3] = '3';
  auto damaged = Certificate::FromDer(der);
  ASSERT_TRUE(damaged) << damaged.error().message;  // DER parsing does not look inside
  ASSERT_FALSE(damaged->Info());

  auto key_pem = TestKey(KeyAlgorithm::kRsa2048).ToPkcs8Pem();
  // Without a chain: the intermediate would refuse the damaged certificate's signature first.
  auto imported = ImportPem(Pem(*damaged), key_pem->string_view(), "");
  ASSERT_FALSE(imported);
  EXPECT_EQ(imported.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(imported.error().message.find("notAfter is not a valid time"), std::string::npos)
      << imported.error().message;
  // The undamaged certificate with the same key imports.
  EXPECT_TRUE(ImportPem(Pem(pki.leaf), key_pem->string_view(), ""));
}

class Pkcs12Test : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = std::make_unique<Pki>(MakePki());
    WriteFile(dir_.File("leaf.pem"), Pem(pki_->leaf));
    WriteFile(dir_.File("chain.pem"), Pem(pki_->root) + Pem(pki_->intermediate));
    WriteFile(dir_.File("key.pem"), TestKey(KeyAlgorithm::kRsa2048).ToPkcs8Pem()->view());
  }
  Bytes Export(const std::string& options) {
    auto result = RunCommand("openssl pkcs12 -export -inkey " + dir_.File("key.pem") + " -in " +
                             dir_.File("leaf.pem") + " -certfile " + dir_.File("chain.pem") +
                             " -out " + dir_.File("bundle.p12") + " " + options);
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return ToBytes(ReadFile(dir_.File("bundle.p12")));
  }
  TempDir dir_;
  std::unique_ptr<Pki> pki_;
};

TEST_F(Pkcs12Test, ImportsOpensslDefaultExport) {
  const Bytes p12 = Export("-passout pass:correct-horse");
  auto imported = ImportPkcs12(p12, "correct-horse");
  ASSERT_TRUE(imported) << imported.error().message;
  EXPECT_TRUE(imported->leaf.Equals(pki_->leaf));
  ASSERT_EQ(imported->chain.size(), 2u);
  EXPECT_TRUE(imported->chain[0].Equals(pki_->intermediate));
  EXPECT_TRUE(imported->chain[1].Equals(pki_->root));
  EXPECT_EQ(*imported->key.algorithm(), KeyAlgorithm::kRsa2048);
  auto sig =
      Sign(imported->key, {SignatureScheme::kRsaPss, HashAlgorithm::kSha256}, AsBytes("x"), false);
  ASSERT_TRUE(sig);
  EXPECT_TRUE(Verify(*pki_->leaf.PublicKey(), {SignatureScheme::kRsaPss, HashAlgorithm::kSha256},
                     AsBytes("x"), false, *sig));
}

TEST_F(Pkcs12Test, WrongPasswordIsRejected) {
  const Bytes p12 = Export("-passout pass:correct-horse");
  auto imported = ImportPkcs12(p12, "battery-staple");
  ASSERT_FALSE(imported);
  EXPECT_EQ(imported.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(imported.error().message, "PKCS#12 password is wrong or file is corrupt");
  EXPECT_FALSE(ImportPkcs12(p12, ""));
}

TEST_F(Pkcs12Test, EmptyPassword) {
  const Bytes p12 = Export("-passout pass:");
  auto imported = ImportPkcs12(p12, "");
  ASSERT_TRUE(imported) << imported.error().message;
  EXPECT_TRUE(imported->leaf.Equals(pki_->leaf));
}

TEST_F(Pkcs12Test, CorruptFileIsRejected) {
  Bytes p12 = Export("-passout pass:pw");
  p12[p12.size() / 2] ^= 0x55;
  auto imported = ImportPkcs12(p12, "pw");
  ASSERT_FALSE(imported);
  EXPECT_EQ(imported.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(ImportPkcs12(AsBytes("not pkcs12"), "pw"));
}

// Finding 5: the uploader chose the iteration counts (20 million took 1.7 s, 2^31 minutes).
TEST_F(Pkcs12Test, IterationCountsAboveTheCapAreRefusedBeforeAnyIsRun) {
  const Bytes p12 = Export("-passout pass:pw -iter " + std::to_string(kMaxPkcs12Iterations + 1));
  auto imported = ImportPkcs12(p12, "pw");
  ASSERT_FALSE(imported);
  EXPECT_EQ(imported.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(imported.error().message.find("iteration count is 1000001; the maximum is 1000000"),
            std::string::npos)
      << imported.error().message;
  // A wrong password changes nothing: the count is refused before the password is tried.
  auto wrong = ImportPkcs12(p12, "not-the-password");
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("iteration count"), std::string::npos)
      << wrong.error().message;
}

TEST_F(Pkcs12Test, CommonIterationCountsStillImport) {
  for (const char* iter : {"-iter 1", "-iter 100000", "-noiter -nomaciter"}) {
    const Bytes p12 = Export(std::string("-passout pass:pw ") + iter);
    auto imported = ImportPkcs12(p12, "pw");
    EXPECT_TRUE(imported) << iter << ": " << imported.error().message;
  }
}

}  // namespace
}  // namespace signet::crypto
