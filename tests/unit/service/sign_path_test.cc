// The sign path (SPEC §4) as a use case, on a temporary SQLite database with a fake clock:
// every attempt on a signer the caller can read is recorded (operation + audit event) before
// the answer, refusals included; an attempt that cannot be recorded gets no signature.
#include <gtest/gtest.h>

#include <string>

#include "common/encoding.h"
#include "crypto/digest.h"
#include "unit/service/failing_commits.h"
#include "unit/service/use_case_fixture.h"

namespace signet::service {
namespace {

using namespace std::chrono_literals;
using domain::OperationStatus;

class SignPathTest : public testing::UseCaseTest {
 protected:
  void SetUp() override {
    testing::FailingCommits::Install();  // before the store opens its connections
    UseCaseTest::SetUp();
    if (HasFatalFailure()) return;
    cert_ = NewSigningCertificate(domain::KeyAlgorithm::kEcP256, 30);
    signer_ = NewSigner("release", cert_.id);
    op_ = NewMember("operator@example.com", signer_.id, "operator");
  }

  // `r` is the refusal `code` (its message containing `says`), and it is on record: one more
  // operation of `status` carrying that message, by the caller, and its sign.<status> audit
  // event naming the operation and the error.
  void ExpectRecordedRefusal(const Result<SignResult>& r, const Caller& c,
                             const domain::Signer& signer, OperationStatus status, ErrorCode code,
                             std::string_view says, std::string_view data = "") {
    ASSERT_FALSE(r.has_value()) << "signed where a refusal was expected";
    EXPECT_EQ(r.error().code, code) << ErrorCodeName(r.error().code) << ": " << r.error().message;
    EXPECT_NE(r.error().message.find(says), std::string::npos) << r.error().message;
    const auto ops = Operations(signer.id);
    ASSERT_FALSE(ops.empty()) << "the refusal was not recorded";
    const domain::SigningOperation& op = ops.back();
    EXPECT_EQ(op.status, status);
    EXPECT_EQ(op.error_message, r.error().message);
    EXPECT_EQ(op.actor_id, c.principal.id);
    EXPECT_EQ(op.source_ip, c.source_ip);
    EXPECT_FALSE(op.grant_id.has_value());
    if (!data.empty()) {
      EXPECT_EQ(op.data_hash, HexEncode(crypto::Sha256(AsBytes(data))));
    }
    const std::string type = "sign." + std::string(domain::OperationStatusName(status));
    int events = 0;
    for (const auto& e : AuditEvents(type)) {
      if (e.details_json.find(op.id) == std::string::npos) continue;
      ++events;
      EXPECT_EQ(e.target_id, signer.id);
      EXPECT_EQ(e.actor_id, c.principal.id);
      EXPECT_NE(e.details_json.find("\"error\""), std::string::npos) << e.details_json;
    }
    EXPECT_EQ(events, 1) << "no single " << type << " audit event for operation " << op.id;
  }

  // A policy of one step approved by `lead` (a project member).
  domain::SigningPolicy NewPolicy(const domain::User& lead, std::optional<Millis> ttl = {}) {
    PolicyInput in;
    in.name = "one-lead";
    in.steps = std::vector<domain::PolicyStep>{{"leads", 1, {lead.id}}};
    in.constraints = PolicyConstraintsInput{std::chrono::hours(1), 10};
    in.max_request_ttl = ttl;
    auto p = svc_->CreatePolicy(admin_, in);
    if (!p) ADD_FAILURE() << p.error().message;
    return p.value_or(domain::SigningPolicy{});
  }

  domain::Certificate cert_;
  domain::Signer signer_;
  domain::User op_;
};

TEST_F(SignPathTest, ASignatureIsAnsweredWithItsRecord) {
  ASSERT_OK_AND_ASSIGN(SignResult r, SignNow(As(op_), signer_.id, Input("release-1.0.tar.gz")));
  EXPECT_EQ(r.signer_id, signer_.id);
  EXPECT_EQ(r.signing_algorithm, "ECDSA_SHA256");
  ExpectOpensslVerifies(signer_.id, "release-1.0.tar.gz", r.signature);
  const auto ops = Operations(signer_.id);
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].status, OperationStatus::kSuccess);
  EXPECT_EQ(ops[0].data_hash, HexEncode(crypto::Sha256(AsBytes("release-1.0.tar.gz"))));
  EXPECT_EQ(ops[0].actor_id, op_.id);
  EXPECT_EQ(ops[0].created_at, clock_.Now());
  EXPECT_FALSE(ops[0].error_message.has_value());
  const auto events = AuditEvents("sign.success");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].details_json.find(ops[0].id), std::string::npos);
  // lastSignedAt moved with the record.
  ASSERT_OK_AND_ASSIGN(auto signer, svc_->GetSigner(admin_, signer_.id));
  EXPECT_EQ(signer.last_signed_at, clock_.Now());
}

// ---- refusals for the caller's role or the signer's state ----

TEST_F(SignPathTest, AnAuditorsAttemptIsRecordedAsDenied) {
  auto auditor = NewMember("auditor@example.com", signer_.id, "auditor");
  auto r = SignNow(As(auditor), signer_.id, Input("x"));
  ExpectRecordedRefusal(r, As(auditor), signer_, OperationStatus::kDenied,
                        ErrorCode::kPermissionDenied, "you may not sign with signer 'release'",
                        "x");
}

TEST_F(SignPathTest, ADisabledSignerRefusesAndRecords) {
  UpdateSignerInput disable;
  disable.status = domain::SignerStatus::kDisabled;
  ASSERT_OK(svc_->UpdateSigner(admin_, signer_.id, disable));
  auto r = SignNow(As(op_), signer_.id, Input("x"));
  ExpectRecordedRefusal(r, As(op_), signer_, OperationStatus::kFailed, ErrorCode::kInvalidArgument,
                        "signer 'release' is disabled");
}

TEST_F(SignPathTest, ARevokedCertificateRefusesAndRecords) {
  ASSERT_OK(svc_->RevokeCertificate(admin_, cert_.id));
  auto r = SignNow(As(op_), signer_.id, Input("x"));
  ExpectRecordedRefusal(r, As(op_), signer_, OperationStatus::kFailed, ErrorCode::kInvalidArgument,
                        "the certificate of signer 'release'");
}

TEST_F(SignPathTest, AnExpiredCertificateRefusesAndRecords) {
  ASSERT_OK(SignNow(As(op_), signer_.id, Input("before")));
  clock_.Advance(std::chrono::hours(24 * 31));  // the certificate was valid for 30 days
  auto r = SignNow(As(op_), signer_.id, Input("after"));
  ExpectRecordedRefusal(r, As(op_), signer_, OperationStatus::kFailed, ErrorCode::kInvalidArgument,
                        "the certificate of signer 'release'", "after");
  EXPECT_EQ(Operations(signer_.id).size(), 2u);
}

// ---- refusals for the input ----

TEST_F(SignPathTest, DataThatIsNotBase64IsRecordedAsFailed) {
  SignInput in = Input("x");
  in.data_base64 = "not base64!";
  auto r = SignNow(As(op_), signer_.id, in);
  ExpectRecordedRefusal(r, As(op_), signer_, OperationStatus::kFailed, ErrorCode::kInvalidArgument,
                        "data is not valid base64");
  EXPECT_EQ(Operations(signer_.id).back().data_hash, "");
}

TEST_F(SignPathTest, DataOfTheWrongSizeIsRecordedAsFailed) {
  auto empty = SignNow(As(op_), signer_.id, Input(""));
  ExpectRecordedRefusal(empty, As(op_), signer_, OperationStatus::kFailed,
                        ErrorCode::kInvalidArgument, "data is 0 bytes; it must be 1 to 128 bytes");
  const std::string big(129, 'b');
  auto too_big = SignNow(As(op_), signer_.id, Input(big));
  ExpectRecordedRefusal(too_big, As(op_), signer_, OperationStatus::kFailed,
                        ErrorCode::kInvalidArgument, "data is 129 bytes", big);
  EXPECT_EQ(Operations(signer_.id).size(), 2u);
}

TEST_F(SignPathTest, AnUnknownAlgorithmIsRecordedAsFailed) {
  auto r = SignNow(As(op_), signer_.id, Input("x", "ECDSA_MD5"));
  ExpectRecordedRefusal(r, As(op_), signer_, OperationStatus::kFailed, ErrorCode::kInvalidArgument,
                        "ECDSA_MD5", "x");
  EXPECT_EQ(Operations(signer_.id).back().signing_algorithm, "ECDSA_MD5");
}

TEST_F(SignPathTest, AnAlgorithmForAnotherKeyTypeIsRecordedAsFailed) {
  auto r = SignNow(As(op_), signer_.id, Input("x", "RSASSA_PKCS1_V1_5_SHA_256"));
  ExpectRecordedRefusal(r, As(op_), signer_, OperationStatus::kFailed, ErrorCode::kInvalidArgument,
                        "signer 'release' has an EC key", "x");
}

TEST_F(SignPathTest, ADigestOfTheWrongLengthIsRecordedAsFailed) {
  SignInput in = Input("twenty bytes, not 32");
  in.is_digest = true;
  auto r = SignNow(As(op_), signer_.id, in);
  ExpectRecordedRefusal(r, As(op_), signer_, OperationStatus::kFailed, ErrorCode::kInvalidArgument,
                        "digest is 20 bytes; SHA256 needs 32");
}

// ---- refusals for the policy ----

TEST_F(SignPathTest, SigningWithoutAGrantIsRecordedAsDenied) {
  auto lead = NewMember("lead@example.com");
  auto policy = NewPolicy(lead);
  auto signer = NewSigner("gated", NewSigningCertificate().id, policy.id);
  ASSERT_OK(svc_->AddSignerMember(admin_, signer.id, MembershipInput{op_.id, {}, "operator"}));
  auto r = SignNow(As(op_), signer.id, Input("x"));
  ExpectRecordedRefusal(r, As(op_), signer, OperationStatus::kDenied, ErrorCode::kApprovalRequired,
                        "Signing requires approval");
}

TEST_F(SignPathTest, AGrantForAnotherScopeIsRecordedAsDenied) {
  auto lead = NewMember("lead@example.com");
  auto policy = NewPolicy(lead);
  auto signer = NewSigner("gated", NewSigningCertificate().id, policy.id);
  ASSERT_OK(svc_->AddSignerMember(admin_, signer.id, MembershipInput{op_.id, {}, "operator"}));
  PreApproveInput grant;
  grant.grantee_user_id = op_.id;
  grant.request.justification = "nightly builds";
  grant.request.requested_signings = 5;
  grant.request.scope.hostname = "build-1";
  ASSERT_OK(svc_->PreApprove(admin_, signer.id, grant));
  SignInput in = Input("x");
  in.reported.hostname = "laptop";
  auto r = SignNow(As(op_), signer.id, in);
  ExpectRecordedRefusal(r, As(op_), signer, OperationStatus::kDenied, ErrorCode::kPermissionDenied,
                        "scope does not match");
  // The grant's host signs, using the grant.
  in.reported.hostname = "build-1";
  ASSERT_OK(SignNow(As(op_), signer.id, in));
  const auto ops = Operations(signer.id);
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[1].status, OperationStatus::kSuccess);
  EXPECT_TRUE(ops[1].grant_id.has_value());
}

// ---- attempts that end unrecorded ----

// Signers are read by their members (and project admins); anyone else is told there is no
// such signer, and nothing is recorded.
TEST_F(SignPathTest, AttemptsOnSignersTheCallerCannotSeeAreNotRecorded) {
  auto outsider = NewUser("outsider@example.com");  // not a member of the project
  auto member = NewMember("member@example.com");    // of the project, not of the signer
  const auto events_before = AuditEvents().size();
  EXPECT_ERROR(SignNow(As(outsider), signer_.id, Input("x")), ErrorCode::kNotFound);
  EXPECT_ERROR(SignNow(As(member), signer_.id, Input("x")), ErrorCode::kNotFound);
  EXPECT_ERROR(SignNow(As(op_), "0b6f9c55-6f3e-4c3e-9a55-3c1d2b8e0a11", Input("x")),
               ErrorCode::kNotFound);
  EXPECT_TRUE(Operations(signer_.id).empty());
  EXPECT_EQ(AuditEvents().size(), events_before);
}

// ---- no record, no signature ----

TEST_F(SignPathTest, NoSignatureWithoutItsCommittedRecord) {
  const auto events_before = AuditEvents().size();
  const int refused_before = testing::FailingCommits::refused();
  {
    testing::FailingCommits failing;
    auto r = SignNow(As(op_), signer_.id, Input("x"));
    ASSERT_FALSE(r.has_value()) << "a signature was answered without its record";
    EXPECT_EQ(r.error().code, ErrorCode::kInternal) << r.error().message;
    // A refusal that cannot be recorded is answered with the store's error, not the refusal.
    auto refused = SignNow(As(op_), signer_.id, Input(""));
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, ErrorCode::kInternal) << refused.error().message;
  }
  EXPECT_GT(testing::FailingCommits::refused(), refused_before) << "no commit was attempted";
  EXPECT_TRUE(Operations(signer_.id).empty());
  EXPECT_EQ(AuditEvents().size(), events_before);
  ASSERT_OK_AND_ASSIGN(auto signer, svc_->GetSigner(admin_, signer_.id));
  EXPECT_FALSE(signer.last_signed_at.has_value());

  // The store recovers: the next attempt signs and is recorded, and the audit chain the
  // rolled-back transactions had extended in memory is whole.
  ASSERT_OK_AND_ASSIGN(SignResult r, SignNow(As(op_), signer_.id, Input("x")));
  ExpectOpensslVerifies(signer_.id, "x", r.signature);
  ASSERT_EQ(Operations(signer_.id).size(), 1u);
  ASSERT_OK_AND_ASSIGN(audit::VerifyReport report, svc_->VerifyAudit(admin_));
  EXPECT_TRUE(report.valid) << report.checked;
  EXPECT_GT(report.checked, 0);
}

TEST_F(SignPathTest, AGrantUseIsNotCountedWhenItsRecordIsLost) {
  auto lead = NewMember("lead@example.com");
  auto policy = NewPolicy(lead);
  auto signer = NewSigner("gated", NewSigningCertificate().id, policy.id);
  ASSERT_OK(svc_->AddSignerMember(admin_, signer.id, MembershipInput{op_.id, {}, "operator"}));
  PreApproveInput ask;
  ask.grantee_user_id = op_.id;
  ask.request.justification = "one release";
  ask.request.requested_signings = 1;
  ASSERT_OK_AND_ASSIGN(PreApproveResult pre, svc_->PreApprove(admin_, signer.id, ask));
  {
    testing::FailingCommits failing;
    EXPECT_ERROR(SignNow(As(op_), signer.id, Input("x")), ErrorCode::kInternal);
  }
  ASSERT_OK_AND_ASSIGN(domain::Grant grant, svc_->GetGrant(admin_, pre.grant.id));
  EXPECT_EQ(grant.used_signings, 0);
  EXPECT_EQ(grant.status, domain::GrantStatus::kActive);
  // The one signing is still there.
  ASSERT_OK(SignNow(As(op_), signer.id, Input("x")));
  ASSERT_OK_AND_ASSIGN(grant, svc_->GetGrant(admin_, pre.grant.id));
  EXPECT_EQ(grant.used_signings, 1);
  EXPECT_EQ(grant.status, domain::GrantStatus::kExpired);
}

}  // namespace
}  // namespace signet::service
