// The csbr rules as pure decisions (service/compliance.h); the integration suite
// tests/integration/test_csbr.py drives them through the API on SoftHSM2.
#include "service/compliance.h"

#include <gtest/gtest.h>

namespace signet::service::compliance {
namespace {

using domain::KeyAlgorithm;
using domain::KeySourceType;
constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;

CertificateFacts Conforming() {
  CertificateFacts f;
  f.key_source = KeySourceType::kHsm;
  f.key_algorithm = KeyAlgorithm::kRsa3072;
  f.not_before = TimePoint(Millis(1'700'000'000'000));
  f.not_after = f.not_before + Millis(460 * kDayMs);
  f.policy_oids = {"2.23.140.1.4.1"};
  f.signature_hash = "SHA256";
  return f;
}

TEST(ComplianceTest, KeyAlgorithms) {
  auto v = KeyAlgorithmViolation(KeyAlgorithm::kRsa2048);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->rfind("csbr: RSA keys must be at least 3072 bits", 0), 0u) << *v;
  for (auto a : {KeyAlgorithm::kRsa3072, KeyAlgorithm::kRsa4096, KeyAlgorithm::kEcP256,
                 KeyAlgorithm::kEcP384, KeyAlgorithm::kEcP521}) {
    EXPECT_FALSE(KeyAlgorithmViolation(a)) << domain::KeyAlgorithmName(a);
  }
}

TEST(ComplianceTest, KeySourceAndLifetime) {
  EXPECT_FALSE(KeySourceViolation(KeySourceType::kHsm));
  auto v = KeySourceViolation(KeySourceType::kSoftware);
  ASSERT_TRUE(v);
  EXPECT_NE(v->find("keySource 'software' is not allowed"), std::string::npos) << *v;
  EXPECT_FALSE(LifetimeViolation(460));
  v = LifetimeViolation(461);
  ASSERT_TRUE(v);
  EXPECT_EQ(*v,
            "csbr: code-signing certificates may be valid for at most 460 days; ttlDays is 461");
}

TEST(ComplianceTest, SignerCertificate) {
  EXPECT_FALSE(SignerCertificateViolation(Conforming(), "certificate 'c'"));
  // A minute of back-dating is tolerated; a day more is not.
  CertificateFacts f = Conforming();
  f.not_before -= Millis(60'000);
  EXPECT_FALSE(SignerCertificateViolation(f, "c"));
  f.not_before -= Millis(kDayMs);
  auto v = SignerCertificateViolation(f, "certificate 'c'");
  ASSERT_TRUE(v);
  EXPECT_EQ(*v,
            "csbr: code-signing certificates may be valid for at most 460 days; certificate "
            "'c' is valid for 462 days");
  f = Conforming();
  f.key_source = KeySourceType::kSoftware;
  v = SignerCertificateViolation(f, "certificate 'c'");
  ASSERT_TRUE(v);
  EXPECT_NE(v->find("the key of certificate 'c' is a software key"), std::string::npos) << *v;
  f = Conforming();
  f.key_algorithm = KeyAlgorithm::kRsa2048;
  EXPECT_TRUE(SignerCertificateViolation(f, "c"));
  f = Conforming();
  f.signature_hash = "SHA1";
  v = SignerCertificateViolation(f, "certificate 'c'");
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, "csbr: SHA-1 is never allowed; certificate 'c' is signed with SHA-1");
  f = Conforming();
  f.policy_oids = {"2.23.140.1.3"};
  v = SignerCertificateViolation(f, "certificate 'c'");
  ASSERT_TRUE(v);
  EXPECT_NE(v->find("lacks the CA/B Forum code-signing policy 2.23.140.1.4.1"), std::string::npos);
}

TEST(ComplianceTest, Sha1AlgorithmsAndMfa) {
  for (const char* name : {"RSASSA_PKCS1_V1_5_SHA1", "ECDSA_SHA_1", "rsassa_pss_sha1"}) {
    auto v = SigningAlgorithmViolation(name);
    ASSERT_TRUE(v) << name;
    EXPECT_EQ(v->rfind("csbr: SHA-1 is never allowed", 0), 0u);
  }
  for (const char* name : {"RSASSA_PKCS1_V1_5_SHA256", "ECDSA_SHA_512", "RSASSA_PSS_SHA384"}) {
    EXPECT_FALSE(SigningAlgorithmViolation(name)) << name;
  }
  domain::Principal user;
  user.type = domain::PrincipalType::kUser;
  auto v = MfaViolation(user, "signing");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->rfind("csbr: signing needs a session that passed multi-factor authentication", 0),
            0u);
  EXPECT_TRUE(IsComplianceRefusal(Error{ErrorCode::kPermissionDenied, *v}));
  EXPECT_FALSE(IsComplianceRefusal(Error{ErrorCode::kPermissionDenied, "you may not sign"}));
  user.mfa = true;
  EXPECT_FALSE(MfaViolation(user, "signing"));
  domain::Principal machine;
  machine.type = domain::PrincipalType::kIdentity;
  EXPECT_FALSE(MfaViolation(machine, "signing"));
}

}  // namespace
}  // namespace signet::service::compliance
