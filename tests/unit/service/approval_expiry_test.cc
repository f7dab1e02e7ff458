// Expiry of signing requests and grants (SPEC §5), by advancing a fake clock: a pending
// request past its policy's maxRequestTtl, a grant past its window, a grant used up.
#include <gtest/gtest.h>

#include <string>

#include "unit/service/use_case_fixture.h"

namespace signet::service {
namespace {

using namespace std::chrono_literals;
using domain::GrantStatus;
using domain::OperationStatus;
using domain::RequestStatus;

class ApprovalExpiryTest : public testing::UseCaseTest {
 protected:
  void SetUp() override {
    UseCaseTest::SetUp();
    if (HasFatalFailure()) return;
    lead_ = NewMember("lead@example.com");
    PolicyInput in;
    in.name = "one-lead";
    in.steps = std::vector<domain::PolicyStep>{{"leads", 1, {lead_.id}}};
    in.constraints = PolicyConstraintsInput{1h, std::nullopt};
    in.max_request_ttl = 1min;
    ASSERT_OK_AND_ASSIGN(policy_, svc_->CreatePolicy(admin_, in));
    signer_ = NewSigner("gated", NewSigningCertificate().id, policy_.id);
    requester_ = NewMember("requester@example.com", signer_.id, "operator");
  }

  SigningRequestView Ask(SigningRequestInput in) {
    if (in.justification.empty()) in.justification = "release 1.0";
    auto r = svc_->CreateSigningRequest(As(requester_), signer_.id, in);
    if (!r) ADD_FAILURE() << r.error().message;
    return r.value_or(SigningRequestView{});
  }

  // An approved request's grant.
  domain::Grant Approved(SigningRequestInput in) {
    const SigningRequestView asked = Ask(std::move(in));
    auto approved = svc_->ApproveSigningRequest(As(lead_), asked.request.id, "ok");
    if (!approved) {
      ADD_FAILURE() << approved.error().message;
      return domain::Grant{};
    }
    EXPECT_EQ(approved->request.status, RequestStatus::kApproved);
    auto grant = svc_->GetGrant(As(requester_), approved->request.grant_id.value_or(""));
    if (!grant) ADD_FAILURE() << grant.error().message;
    return grant.value_or(domain::Grant{});
  }

  std::vector<std::string> RequestIds(RequestStatus status) {
    SigningRequestQuery q;
    q.status = status;
    q.signer_id = signer_.id;
    auto page = svc_->ListSigningRequests(As(requester_), q);
    EXPECT_TRUE(page.has_value()) << page.error().message;
    std::vector<std::string> out;
    for (const auto& v : page->items) out.push_back(v.request.id);
    return out;
  }

  std::int64_t GrantCount(GrantStatus status) {
    auto page = svc_->ListGrants(As(requester_), GrantQuery{signer_.id, status, Paging{}});
    EXPECT_TRUE(page.has_value()) << page.error().message;
    return page->total_count;
  }

  domain::User lead_;
  domain::User requester_;
  domain::SigningPolicy policy_;
  domain::Signer signer_;
};

// What tests/integration/test_policies.py checked with a real 61-second sleep.
TEST_F(ApprovalExpiryTest, APendingRequestExpiresAfterTheMaxRequestTtl) {
  SigningRequestInput in;
  in.requested_signings = 1;
  const SigningRequestView asked = Ask(in);
  const std::string& id = asked.request.id;
  EXPECT_EQ(asked.request.expires_at, clock_.Now() + 1min);

  clock_.Advance(1min - 1ms);
  ASSERT_OK_AND_ASSIGN(SigningRequestView still, svc_->GetSigningRequest(As(requester_), id));
  EXPECT_EQ(still.request.status, RequestStatus::kPending);
  EXPECT_EQ(RequestIds(RequestStatus::kPending), std::vector<std::string>{id});

  clock_.Advance(1ms);
  ASSERT_OK_AND_ASSIGN(SigningRequestView expired, svc_->GetSigningRequest(As(requester_), id));
  EXPECT_EQ(expired.request.status, RequestStatus::kExpired);
  EXPECT_EQ(RequestIds(RequestStatus::kExpired), std::vector<std::string>{id});
  EXPECT_TRUE(RequestIds(RequestStatus::kPending).empty());
  EXPECT_TRUE(AuditEvents("signing-request.expire").empty()) << "reading records nothing";

  // Acting on it records the expiry once, and fails.
  auto approve = svc_->ApproveSigningRequest(As(lead_), id, "too late");
  EXPECT_ERROR(approve, ErrorCode::kFailedPrecondition);
  if (!approve) {
    EXPECT_NE(approve.error().message.find("expired"), std::string::npos);
  }
  EXPECT_ERROR(svc_->CancelSigningRequest(As(requester_), id), ErrorCode::kFailedPrecondition);
  EXPECT_ERROR(svc_->RejectSigningRequest(As(lead_), id, "no"), ErrorCode::kFailedPrecondition);
  const auto events = AuditEvents("signing-request.expire");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].target_id, id);
  EXPECT_EQ(events[0].time, clock_.Now());
  ASSERT_OK_AND_ASSIGN(SigningRequestView after, svc_->GetSigningRequest(As(requester_), id));
  EXPECT_EQ(after.request.status, RequestStatus::kExpired);
  EXPECT_TRUE(after.approvals.empty());
  EXPECT_FALSE(after.request.grant_id.has_value());

  // No grant came of it.
  auto sign = SignNow(As(requester_), signer_.id, Input("x"));
  EXPECT_ERROR(sign, ErrorCode::kApprovalRequired);
  ASSERT_EQ(Operations(signer_.id).size(), 1u);
  EXPECT_EQ(Operations(signer_.id)[0].status, OperationStatus::kDenied);
}

TEST_F(ApprovalExpiryTest, ARequestApprovedInTimeDoesNotExpire) {
  SigningRequestInput in;
  in.requested_signings = 1;
  const SigningRequestView asked = Ask(in);
  clock_.Advance(30s);
  ASSERT_OK(svc_->ApproveSigningRequest(As(lead_), asked.request.id, "ok"));
  clock_.Advance(10min);
  ASSERT_OK_AND_ASSIGN(SigningRequestView later,
                       svc_->GetSigningRequest(As(requester_), asked.request.id));
  EXPECT_EQ(later.request.status, RequestStatus::kApproved);
  EXPECT_TRUE(AuditEvents("signing-request.expire").empty());
}

TEST_F(ApprovalExpiryTest, AGrantEndsWithItsWindow) {
  SigningRequestInput in;
  in.requested_window_duration = 10min;
  clock_.Advance(5s);
  const domain::Grant grant = Approved(in);
  EXPECT_FALSE(grant.max_signings.has_value());
  EXPECT_EQ(grant.window_start, clock_.Now());
  EXPECT_EQ(grant.expires_at, clock_.Now() + 10min);

  ASSERT_OK(SignNow(As(requester_), signer_.id, Input("one")));
  clock_.Advance(10min - 1ms);
  ASSERT_OK(SignNow(As(requester_), signer_.id, Input("two")));
  clock_.Advance(1ms);
  auto late = SignNow(As(requester_), signer_.id, Input("late"));
  EXPECT_ERROR(late, ErrorCode::kApprovalRequired);

  const auto ops = Operations(signer_.id);
  ASSERT_EQ(ops.size(), 3u);
  EXPECT_EQ(ops[0].grant_id, grant.id);
  EXPECT_EQ(ops[1].grant_id, grant.id);
  EXPECT_EQ(ops[2].status, OperationStatus::kDenied);
  EXPECT_FALSE(ops[2].grant_id.has_value());
  ASSERT_OK_AND_ASSIGN(domain::Grant after, svc_->GetGrant(As(requester_), grant.id));
  EXPECT_EQ(after.status, GrantStatus::kExpired);
  EXPECT_EQ(after.used_signings, 2);
  EXPECT_EQ(GrantCount(GrantStatus::kExpired), 1);
  EXPECT_EQ(GrantCount(GrantStatus::kActive), 0);
  // Revoking it is refused: it is no longer active.
  EXPECT_ERROR(svc_->RevokeGrant(admin_, grant.id, "done"), ErrorCode::kFailedPrecondition);
}

TEST_F(ApprovalExpiryTest, AGrantWithAnExplicitWindowStartsAtItsStart) {
  SigningRequestInput in;
  in.requested_window_start = clock_.Now() + 1h;
  in.requested_window_end = clock_.Now() + 2h;
  const domain::Grant grant = Approved(in);
  EXPECT_ERROR(SignNow(As(requester_), signer_.id, Input("early")), ErrorCode::kApprovalRequired);
  clock_.Advance(1h);
  ASSERT_OK(SignNow(As(requester_), signer_.id, Input("on time")));
  clock_.Advance(1h);
  EXPECT_ERROR(SignNow(As(requester_), signer_.id, Input("late")), ErrorCode::kApprovalRequired);
  ASSERT_OK_AND_ASSIGN(domain::Grant after, svc_->GetGrant(As(requester_), grant.id));
  EXPECT_EQ(after.used_signings, 1);
  EXPECT_EQ(after.status, GrantStatus::kExpired);
}

TEST_F(ApprovalExpiryTest, AGrantUsedUpExpiresWithItsLastSigning) {
  SigningRequestInput in;
  in.requested_signings = 2;
  const domain::Grant grant = Approved(in);
  EXPECT_EQ(grant.max_signings, 2);
  ASSERT_OK(SignNow(As(requester_), signer_.id, Input("one")));
  EXPECT_TRUE(AuditEvents("grant.expire").empty());
  ASSERT_OK(SignNow(As(requester_), signer_.id, Input("two")));
  // The last use stores the grant as expired, with its audit event, in the record's
  // transaction.
  const auto expired = AuditEvents("grant.expire");
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].target_id, grant.id);
  EXPECT_EQ(GrantCount(GrantStatus::kExpired), 1);
  EXPECT_ERROR(SignNow(As(requester_), signer_.id, Input("three")), ErrorCode::kApprovalRequired);
  ASSERT_OK_AND_ASSIGN(domain::Grant after, svc_->GetGrant(As(requester_), grant.id));
  EXPECT_EQ(after.used_signings, 2);
  EXPECT_EQ(after.status, GrantStatus::kExpired);
  EXPECT_EQ(AuditEvents("sign.success").size(), 2u);
  EXPECT_EQ(AuditEvents("sign.denied").size(), 1u);
}

}  // namespace
}  // namespace signet::service
