// The checks of the sign path (service/signing.h) as the pure functions they are: what each
// refuses, with which status and message, given what was read.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "common/encoding.h"
#include "service/compliance.h"
#include "service/signing.h"
#include "support/status.h"
#include "unit/store/store_test_util.h"

namespace signet::service {
namespace {

using domain::OperationStatus;
using store::testing::T;

domain::Principal User(std::string id = "u-1") {
  return domain::Principal{domain::PrincipalType::kUser, std::move(id), "u@example.com",
                           domain::OrgRole::kMember};
}

SignerSnapshot Snapshot(std::optional<domain::SignerRole> role = domain::SignerRole::kOperator) {
  SignerSnapshot v;
  v.signer = store::testing::MakeSigner("p-1", "c-1", "release");
  v.project_role = domain::ProjectRole::kMember;
  v.signer_role = role;
  domain::Certificate cert = store::testing::MakeCertificate("p-1");
  cert.key_algorithm = domain::KeyAlgorithm::kEcP256;
  v.certificate = cert;  // valid from T() for 90 days
  return v;
}

TEST(SignerRefusalTest, AnOperatorOfAnActiveSignerWithAValidCertificateIsNotRefused) {
  EXPECT_FALSE(SignerRefusal(User(), Snapshot(), T(1000)).has_value());
}

TEST(SignerRefusalTest, NoSignRightIsADenial) {
  for (auto role :
       {std::optional(domain::SignerRole::kAuditor), std::optional<domain::SignerRole>()}) {
    auto r = SignerRefusal(User(), Snapshot(role), T(1000));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, OperationStatus::kDenied);
    EXPECT_EQ(r->error.code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(r->error.message, "you may not sign with signer 'release'");
  }
}

TEST(SignerRefusalTest, ADisabledSignerOrAnUnusableCertificateIsAFailure) {
  SignerSnapshot disabled = Snapshot();
  disabled.signer.status = domain::SignerStatus::kDisabled;
  auto r = SignerRefusal(User(), disabled, T(1000));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, OperationStatus::kFailed);
  EXPECT_EQ(r->error.message, "signer 'release' is disabled");

  SignerSnapshot gone = Snapshot();
  gone.certificate.reset();
  r = SignerRefusal(User(), gone, T(1000));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->error.message, "the certificate of signer 'release' is not usable");

  SignerSnapshot revoked = Snapshot();
  revoked.certificate->status = domain::CertificateStatus::kRevoked;
  r = SignerRefusal(User(), revoked, T(1000));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, OperationStatus::kFailed);
  EXPECT_EQ(r->error.code, ErrorCode::kInvalidArgument);

  // Expired: the same certificate, 91 days later.
  r = SignerRefusal(User(), Snapshot(), T(91LL * 24 * 3600 * 1000));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, OperationStatus::kFailed);
  EXPECT_NE(r->error.message.find("the certificate of signer 'release' "), std::string::npos);
}

TEST(SignerRefusalTest, TheCsbrProfileDeniesPeopleWithoutMfaAndFailsSoftwareKeys) {
  SignerSnapshot csbr = Snapshot();
  csbr.compliance_profile = domain::ComplianceProfile::kCsbr;
  csbr.certificate->key_source = domain::KeySourceType::kHsm;
  domain::Principal with_mfa = User();
  with_mfa.mfa = true;
  EXPECT_FALSE(SignerRefusal(with_mfa, csbr, T(1000)).has_value());

  auto r = SignerRefusal(User(), csbr, T(1000));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, OperationStatus::kDenied);
  EXPECT_EQ(r->error.code, ErrorCode::kPermissionDenied);
  EXPECT_TRUE(r->error.message.starts_with(compliance::kCsbrPrefix)) << r->error.message;

  SignerSnapshot software = csbr;
  software.certificate->key_source = domain::KeySourceType::kSoftware;
  r = SignerRefusal(with_mfa, software, T(1000));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, OperationStatus::kFailed);
  EXPECT_EQ(r->error.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r->error.message,
            "csbr: signers must use keys in a hardware security module; the key of signer "
            "'release' is a software key");
}

SignInput Input(std::string algorithm, bool digest = false) {
  SignInput in;
  in.signing_algorithm = std::move(algorithm);
  in.is_digest = digest;
  return in;
}

// CheckSignInput with the algorithm parsed from the name as sent, like the sign path.
Status Check(const SignerSnapshot& v, const Result<Bytes>& data, const std::string& algorithm,
             bool digest = false) {
  return CheckSignInput(v, Input(algorithm, digest), data,
                        domain::ParseSigningAlgorithm(algorithm));
}

TEST(CheckSignInputTest, AcceptsDataAndDigestsThatFitTheKey) {
  EXPECT_OK(Check(Snapshot(), Bytes(1, 'x'), "ECDSA_SHA256"));
  EXPECT_OK(Check(Snapshot(), Bytes(kMaxSignData, 'x'), "ECDSA_SHA256"));
  EXPECT_OK(Check(Snapshot(), Bytes(32, 'x'), "ECDSA_SHA256", true));
  // Without a certificate the key type is not checked (a batch checks its items first).
  SignerSnapshot gone = Snapshot();
  gone.certificate.reset();
  EXPECT_OK(Check(gone, Bytes(1, 'x'), "RSASSA_PSS_SHA_256"));
}

TEST(CheckSignInputTest, RefusesEachBadInputWithItsReason) {
  auto message = [&](const Result<Bytes>& data, const std::string& algorithm, bool digest) {
    Status s = Check(Snapshot(), data, algorithm, digest);
    EXPECT_FALSE(s.has_value());
    if (s) return std::string();
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
    return s.error().message;
  };
  EXPECT_NE(message(Base64Decode("%%"), "ECDSA_SHA256", false).find("data is not valid base64"),
            std::string::npos);
  EXPECT_EQ(message(Bytes{}, "ECDSA_SHA256", false), "data is 0 bytes; it must be 1 to 128 bytes");
  EXPECT_EQ(message(Bytes(kMaxSignData + 1, 'x'), "ECDSA_SHA256", false),
            "data is 129 bytes; it must be 1 to 128 bytes");
  EXPECT_NE(message(Bytes(1, 'x'), "ECDSA_MD5", false).find("ECDSA_MD5"), std::string::npos);
  EXPECT_EQ(message(Bytes(1, 'x'), "RSASSA_PSS_SHA_256", false),
            "RSASSA_PSS_SHA256 needs an RSA key; signer 'release' has an EC key");
  EXPECT_EQ(message(Bytes(20, 'x'), "ECDSA_SHA256", true), "digest is 20 bytes; SHA256 needs 32");
}

TEST(CheckSignInputTest, TheCsbrProfileNamesItsRuleForSha1First) {
  SignerSnapshot csbr = Snapshot();
  csbr.compliance_profile = domain::ComplianceProfile::kCsbr;
  EXPECT_OK(Check(csbr, Bytes(1, 'x'), "ECDSA_SHA256"));
  // The rule is checked before the data: its message, not the data's, answers.
  Status s = Check(csbr, Bytes{}, "RSASSA_PKCS1_V1_5_SHA_1");
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(s.error().message.starts_with(compliance::kCsbrPrefix)) << s.error().message;
  // Without the profile the same attempt fails on its data.
  s = Check(Snapshot(), Bytes{}, "RSASSA_PKCS1_V1_5_SHA_1");
  ASSERT_FALSE(s.has_value());
  EXPECT_FALSE(s.error().message.starts_with(compliance::kCsbrPrefix));
}

domain::Grant Grant(std::string id, std::optional<std::int64_t> max = std::nullopt) {
  domain::Grant g = store::testing::MakeGrant("s-1", max);  // T() to T(1h)
  g.id = std::move(id);
  return g;
}

TEST(ChooseGrantTest, TakesTheFirstUsableGrantWhoseScopeMatches) {
  domain::Grant other_host = Grant("g-host");
  other_host.scope.hostname = "build-1";
  domain::Grant later = Grant("g-later");
  later.window_start = T(10'000);
  domain::Grant any = Grant("g-any");
  domain::SigningScope seen;
  seen.hostname = "laptop";
  ASSERT_OK_AND_ASSIGN(std::string chosen,
                       ChooseGrant({other_host, later, any}, seen, T(1000), nullptr));
  EXPECT_EQ(chosen, "g-any");
  seen.hostname = "build-1";
  ASSERT_OK_AND_ASSIGN(chosen, ChooseGrant({other_host, any}, seen, T(1000), nullptr));
  EXPECT_EQ(chosen, "g-host");
}

TEST(ChooseGrantTest, RefusesWithAScopeMismatchOrApprovalRequired) {
  domain::Grant host = Grant("g-host");
  host.scope.hostname = "build-1";
  domain::SigningScope seen;
  seen.hostname = "laptop";
  auto r = ChooseGrant({host}, seen, T(1000), nullptr);
  EXPECT_ERROR(r, ErrorCode::kPermissionDenied);
  if (!r) {
    EXPECT_NE(r.error().message.find("scope does not match"), std::string::npos);
  }
  // None at all, or only ended ones: approval required.
  EXPECT_ERROR(ChooseGrant({}, seen, T(1000), nullptr), ErrorCode::kApprovalRequired);
  EXPECT_ERROR(ChooseGrant({Grant("g")}, seen, T(3600 * 1000), nullptr),
               ErrorCode::kApprovalRequired);
  domain::Grant used = Grant("g-used", 2);
  used.used_signings = 2;
  EXPECT_ERROR(ChooseGrant({used}, seen, T(1000), nullptr), ErrorCode::kApprovalRequired);
}

TEST(ChooseGrantTest, SkipsGrantsABatchHasUsedUp) {
  const std::vector<domain::Grant> grants = {Grant("g-1", 1), Grant("g-2", 5)};
  std::map<std::string, std::int64_t> remaining = {{"g-1", 0}, {"g-2", 5}};
  ASSERT_OK_AND_ASSIGN(std::string chosen,
                       ChooseGrant(grants, domain::SigningScope{}, T(1000), &remaining));
  EXPECT_EQ(chosen, "g-2");
  remaining["g-2"] = 0;
  EXPECT_ERROR(ChooseGrant(grants, domain::SigningScope{}, T(1000), &remaining),
               ErrorCode::kApprovalRequired);
}

TEST(NewOperationTest, NamesTheCallerTheSignerAndTheData) {
  const Caller c{User("u-9"), "10.1.2.3", "req-1"};
  domain::Signer signer = store::testing::MakeSigner("p-1", "c-1", "release");
  SignInput in;
  in.signing_algorithm = std::string(100, 'A');
  in.client_metadata_json = R"({"tool":"jarsigner"})";
  const domain::SigningOperation op = NewOperation(c, signer, in, Bytes{'a', 'b', 'c'});
  EXPECT_FALSE(op.id.empty());
  EXPECT_EQ(op.signer_id, signer.id);
  EXPECT_EQ(op.project_id, "p-1");
  EXPECT_EQ(op.signing_algorithm, std::string(64, 'A'));
  EXPECT_EQ(op.actor_id, "u-9");
  EXPECT_EQ(op.source_ip, "10.1.2.3");
  EXPECT_EQ(op.client_metadata_json, R"({"tool":"jarsigner"})");
  // printf abc | sha256sum
  EXPECT_EQ(op.data_hash, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(NewOperation(c, signer, in, Base64Decode("%%")).data_hash, "");
}

}  // namespace
}  // namespace signet::service
