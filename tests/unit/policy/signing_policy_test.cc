#include "policy/signing_policy.h"

#include <gtest/gtest.h>

#include "common/clock.h"

namespace signet::policy {
namespace {

using domain::ApprovalDecision;
using domain::GrantStatus;
using domain::PrincipalType;
using domain::RequestStatus;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr TimePoint kStart{Millis(1'800'000'000'000)};

domain::Principal User(const std::string& id) {
  return domain::Principal{PrincipalType::kUser, id, id + "@x", domain::OrgRole::kMember};
}

domain::SigningPolicy TwoStepPolicy() {
  domain::SigningPolicy p;
  p.id = "policy";
  p.name = "release";
  p.steps = {domain::PolicyStep{"leads", 2, {"a", "b", "c"}},
             domain::PolicyStep{"security", 1, {"s"}}};
  p.max_signings = 7;
  p.max_window_duration = hours(8);
  p.max_request_ttl = hours(24);
  return p;
}

domain::SigningRequest PendingRequest(const domain::SigningPolicy& p, TimePoint now,
                                      const std::string& requester = "r") {
  domain::SigningRequest r;
  r.id = "req";
  r.signer_id = "signer";
  r.requester_type = PrincipalType::kUser;
  r.requester_id = requester;
  r.policy_snapshot = p;
  r.requested_signings = 3;
  r.requested_window_duration = hours(1);
  r.status = RequestStatus::kPending;
  r.expires_at = now + p.max_request_ttl;
  r.created_at = r.updated_at = now;
  return r;
}

domain::Approval Decision(const std::string& who, std::int64_t step,
                          ApprovalDecision d = ApprovalDecision::kApproved) {
  domain::Approval a;
  a.id = who + std::to_string(step);
  a.request_id = "req";
  a.step = step;
  a.approver_user_id = who;
  a.decision = d;
  return a;
}

void ExpectError(const Status& s, ErrorCode code, const std::string& part) {
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, code) << s.error().message;
  EXPECT_NE(s.error().message.find(part), std::string::npos) << s.error().message;
}
template <class T>
void ExpectError(const Result<T>& r, ErrorCode code, const std::string& part) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, code) << r.error().message;
  EXPECT_NE(r.error().message.find(part), std::string::npos) << r.error().message;
}

// ---- ValidatePolicy ----

TEST(ValidatePolicy, AcceptsAWellFormedPolicy) { EXPECT_TRUE(ValidatePolicy(TwoStepPolicy())); }

TEST(ValidatePolicy, NeedsAtLeastOneConstraint) {
  auto p = TwoStepPolicy();
  p.max_signings.reset();
  p.max_window_duration.reset();
  ExpectError(ValidatePolicy(p), ErrorCode::kInvalidArgument,
              "at least one of maxWindowDuration and maxSignings");
  p.max_signings = 1;
  EXPECT_TRUE(ValidatePolicy(p));
  p.max_signings.reset();
  p.max_window_duration = minutes(1);
  EXPECT_TRUE(ValidatePolicy(p));
}

TEST(ValidatePolicy, WindowBoundsAreOneMinuteToThirtyDays) {
  auto p = TwoStepPolicy();
  p.max_window_duration = seconds(59);
  ExpectError(ValidatePolicy(p), ErrorCode::kInvalidArgument, "the minimum is 1m");
  p.max_window_duration = hours(24 * 30);
  EXPECT_TRUE(ValidatePolicy(p));
  p.max_window_duration = hours(24 * 30) + minutes(1);
  ExpectError(ValidatePolicy(p), ErrorCode::kInvalidArgument, "the maximum is 30d");
}

TEST(ValidatePolicy, MaxSigningsAtLeastOne) {
  auto p = TwoStepPolicy();
  p.max_signings = 0;
  ExpectError(ValidatePolicy(p), ErrorCode::kInvalidArgument, "maxSignings is 0");
}

TEST(ValidatePolicy, RequestTtlBounds) {
  auto p = TwoStepPolicy();
  p.max_request_ttl = seconds(30);
  ExpectError(ValidatePolicy(p), ErrorCode::kInvalidArgument,
              "maxRequestTtl is 30s; the minimum is 1m");
  p.max_request_ttl = hours(24 * 31);
  ExpectError(ValidatePolicy(p), ErrorCode::kInvalidArgument, "the maximum is 30d");
  EXPECT_EQ(kDefaultRequestTtl, hours(24 * 7));
}

TEST(ValidatePolicy, Steps) {
  auto p = TwoStepPolicy();
  p.steps.clear();
  ExpectError(ValidatePolicy(p), ErrorCode::kInvalidArgument, "at least one step");
  p = TwoStepPolicy();
  p.steps[0].required_approvals = 4;
  ExpectError(ValidatePolicy(p), ErrorCode::kInvalidArgument,
              "steps[0].requiredApprovals is 4; the step has only 3 approvers");
  p = TwoStepPolicy();
  p.steps[1].required_approvals = 0;
  ExpectError(ValidatePolicy(p), ErrorCode::kInvalidArgument, "the minimum is 1");
  p = TwoStepPolicy();
  p.steps[0].approver_user_ids = {"a", "a"};
  p.steps[0].required_approvals = 1;
  ExpectError(ValidatePolicy(p), ErrorCode::kInvalidArgument, "same user twice");
  p = TwoStepPolicy();
  p.steps[1].approver_user_ids.clear();
  ExpectError(ValidatePolicy(p), ErrorCode::kInvalidArgument, "steps[1].approvers");
  p = TwoStepPolicy();
  p.steps.resize(kMaxSteps + 1, p.steps[1]);
  ExpectError(ValidatePolicy(p), ErrorCode::kInvalidArgument, "the maximum is 10");
}

// ---- ResolveAsk ----

TEST(ResolveAsk, DefaultsToThePolicyCeilings) {
  auto r = ResolveAsk(TwoStepPolicy(), AccessAsk{}, kStart);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->signings, 7);
  EXPECT_EQ(r->window_duration, hours(8));
}

TEST(ResolveAsk, RefusesMoreThanTheCeilingsNamingThem) {
  ExpectError(ResolveAsk(TwoStepPolicy(), AccessAsk{8, {}, {}, {}}, kStart),
              ErrorCode::kInvalidArgument, "requestedSignings is 8; the policy allows at most 7");
  ExpectError(ResolveAsk(TwoStepPolicy(), AccessAsk{{}, hours(9), {}, {}}, kStart),
              ErrorCode::kInvalidArgument,
              "requestedWindowDuration is 9h; the policy allows at most 8h");
  auto ok = ResolveAsk(TwoStepPolicy(), AccessAsk{7, hours(8), {}, {}}, kStart);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->signings, 7);
}

TEST(ResolveAsk, OnlyTheConstraintsThePolicyHas) {
  auto p = TwoStepPolicy();
  p.max_window_duration.reset();
  auto r = ResolveAsk(p, AccessAsk{}, kStart);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->signings, 7);
  EXPECT_FALSE(r->window_duration);  // no window: only the count limits the grant
  p = TwoStepPolicy();
  p.max_signings.reset();
  r = ResolveAsk(p, AccessAsk{}, kStart);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->signings);
  EXPECT_EQ(r->window_duration, hours(8));
  // Without a cap a requester may still bound the count.
  r = ResolveAsk(p, AccessAsk{1000, {}, {}, {}}, kStart);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->signings, 1000);
}

TEST(ResolveAsk, DurationBounds) {
  ExpectError(ResolveAsk(TwoStepPolicy(), AccessAsk{{}, seconds(30), {}, {}}, kStart),
              ErrorCode::kInvalidArgument, "the minimum is 1m");
}

TEST(ResolveAsk, ExplicitWindow) {
  auto r = ResolveAsk(TwoStepPolicy(), AccessAsk{{}, {}, kStart, kStart + hours(2)}, kStart);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->window_end, kStart + hours(2));
  EXPECT_FALSE(r->window_duration);
  // Start defaults to now.
  r = ResolveAsk(TwoStepPolicy(), AccessAsk{{}, {}, {}, kStart + seconds(5)}, kStart);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->window_start, kStart);
  ExpectError(ResolveAsk(TwoStepPolicy(), AccessAsk{{}, {}, kStart, kStart + hours(9)}, kStart),
              ErrorCode::kInvalidArgument,
              "the requested window is 9h; the policy allows at most 8h");
  ExpectError(
      ResolveAsk(TwoStepPolicy(), AccessAsk{{}, {}, kStart + hours(2), kStart + hours(1)}, kStart),
      ErrorCode::kInvalidArgument, "must be after");
  ExpectError(
      ResolveAsk(TwoStepPolicy(), AccessAsk{{}, {}, kStart - hours(2), kStart - hours(1)}, kStart),
      ErrorCode::kInvalidArgument, "in the past");
  ExpectError(
      ResolveAsk(TwoStepPolicy(), AccessAsk{{}, hours(1), kStart, kStart + hours(1)}, kStart),
      ErrorCode::kInvalidArgument, "not both");
  ExpectError(ResolveAsk(TwoStepPolicy(), AccessAsk{{}, {}, kStart, {}}, kStart),
              ErrorCode::kInvalidArgument, "requestedWindowEnd is required");
}

TEST(ResolveAsk, WithoutPolicyTheAskMustBoundTheGrant) {
  ExpectError(ResolveAsk(std::nullopt, AccessAsk{}, kStart), ErrorCode::kInvalidArgument,
              "requestedSignings or requestedWindowDuration");
  auto r = ResolveAsk(std::nullopt, AccessAsk{3, {}, {}, {}}, kStart);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->signings, 3);
}

// ---- CheckStepsCanComplete ----

TEST(CheckStepsCanComplete, TheRequesterIsNotCounted) {
  const auto p = TwoStepPolicy();
  EXPECT_TRUE(CheckStepsCanComplete(p, PrincipalType::kUser, "r"));
  EXPECT_TRUE(CheckStepsCanComplete(p, PrincipalType::kUser, "a"));  // b and c remain
  ExpectError(CheckStepsCanComplete(p, PrincipalType::kUser, "s"), ErrorCode::kInvalidArgument,
              "step 2 ('security') needs 1 approval but has only 0 approvers other than you");
  // An identity never matches a user id.
  EXPECT_TRUE(CheckStepsCanComplete(p, PrincipalType::kIdentity, "s"));
}

TEST(CheckStepsCanComplete, StepsNeedDifferentPeople) {
  domain::SigningPolicy p = TwoStepPolicy();
  // Step 1 needs a and b (or c); step 2 needs one of a, b: three people in all, available.
  p.steps[1] = domain::PolicyStep{"again", 1, {"a", "b"}};
  EXPECT_TRUE(CheckStepsCanComplete(p, PrincipalType::kUser, "r"));
  // Without c, step 1 takes a and b and no one is left for step 2.
  p.steps[0] = domain::PolicyStep{"leads", 2, {"a", "b"}};
  ExpectError(CheckStepsCanComplete(p, PrincipalType::kUser, "r"), ErrorCode::kInvalidArgument,
              "cannot all be approved by different people");
  // One person in both steps, alone: never.
  p.steps = {domain::PolicyStep{"one", 1, {"a"}}, domain::PolicyStep{"two", 1, {"a"}}};
  ExpectError(CheckStepsCanComplete(p, PrincipalType::kUser, "r"), ErrorCode::kInvalidArgument,
              "cannot all be approved by different people");
  // The matching reassigns: step 1 {a, b}, step 2 {a}: b approves step 1, a step 2.
  p.steps = {domain::PolicyStep{"one", 1, {"a", "b"}}, domain::PolicyStep{"two", 1, {"a"}}};
  EXPECT_TRUE(CheckStepsCanComplete(p, PrincipalType::kUser, "r"));
  // ... unless b is the requester.
  ExpectError(CheckStepsCanComplete(p, PrincipalType::kUser, "b"), ErrorCode::kInvalidArgument,
              "cannot all be approved by different people");
}

// ---- request expiry, with a fake clock ----

TEST(RequestExpiry, PendingRequestsExpireAfterTheTtl) {
  FakeClock clock(kStart);
  const auto p = TwoStepPolicy();
  auto r = PendingRequest(p, clock.Now());
  EXPECT_EQ(EffectiveRequestStatus(r, clock.Now()), RequestStatus::kPending);
  clock.Advance(hours(24) - Millis(1));
  EXPECT_EQ(EffectiveRequestStatus(r, clock.Now()), RequestStatus::kPending);
  clock.Advance(Millis(1));
  EXPECT_EQ(EffectiveRequestStatus(r, clock.Now()), RequestStatus::kExpired);
  ExpectError(Decide(r, {}, User("a"), true, clock.Now()), ErrorCode::kFailedPrecondition,
              "is expired");
  // Only pending requests expire.
  r.status = RequestStatus::kApproved;
  EXPECT_EQ(EffectiveRequestStatus(r, clock.Now()), RequestStatus::kApproved);
}

// ---- Decide ----

TEST(Decide, StepsInOrderWithDistinctApprovers) {
  const auto p = TwoStepPolicy();
  auto r = PendingRequest(p, kStart);
  // The security approver cannot act before the leads' step is complete.
  ExpectError(Decide(r, {}, User("s"), true, kStart), ErrorCode::kPermissionDenied,
              "only the approvers of step 1 ('leads')");
  auto first = Decide(r, {}, User("a"), true, kStart);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->step, 0);
  EXPECT_FALSE(first->step_complete);  // 1 of 2
  EXPECT_FALSE(first->request_approved);
  std::vector<domain::Approval> decided{Decision("a", 0)};
  // The same approver twice does not count twice.
  ExpectError(Decide(r, decided, User("a"), true, kStart), ErrorCode::kFailedPrecondition,
              "already decided");
  auto second = Decide(r, decided, User("b"), true, kStart);
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->step_complete);
  EXPECT_FALSE(second->request_approved);
  decided.push_back(Decision("b", 0));
  r.current_step = 1;
  ExpectError(Decide(r, decided, User("c"), true, kStart), ErrorCode::kPermissionDenied, "step 2");
  auto last = Decide(r, decided, User("s"), true, kStart);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->step, 1);
  EXPECT_TRUE(last->step_complete);
  EXPECT_TRUE(last->request_approved);
}

TEST(Decide, TheRequesterNeverApprovesOrRejects) {
  const auto p = TwoStepPolicy();
  auto r = PendingRequest(p, kStart, "a");
  ExpectError(Decide(r, {}, User("a"), true, kStart), ErrorCode::kPermissionDenied, "your own");
  ExpectError(Decide(r, {}, User("a"), false, kStart), ErrorCode::kPermissionDenied, "your own");
}

TEST(Decide, MachineIdentitiesNeverDecide) {
  const auto p = TwoStepPolicy();
  auto r = PendingRequest(p, kStart);
  domain::Principal machine{PrincipalType::kIdentity, "a", "ci", domain::OrgRole::kMember};
  ExpectError(Decide(r, {}, machine, true, kStart), ErrorCode::kPermissionDenied, "only users");
}

TEST(Decide, OneRejectionEndsTheRequest) {
  const auto p = TwoStepPolicy();
  auto r = PendingRequest(p, kStart);
  auto out = Decide(r, {Decision("a", 0)}, User("b"), false, kStart);
  ASSERT_TRUE(out);
  EXPECT_TRUE(out->request_rejected);
  EXPECT_FALSE(out->request_approved);
  ExpectError(Decide(r, {}, User("x"), false, kStart), ErrorCode::kPermissionDenied,
              "only the approvers");
}

TEST(Decide, OnlyPendingRequests) {
  const auto p = TwoStepPolicy();
  for (auto status : {RequestStatus::kApproved, RequestStatus::kRejected, RequestStatus::kCancelled,
                      RequestStatus::kExpired}) {
    auto r = PendingRequest(p, kStart);
    r.status = status;
    ExpectError(Decide(r, {}, User("a"), true, kStart), ErrorCode::kFailedPrecondition,
                "only pending requests");
  }
}

TEST(Decide, EarlierStepDecisionsDoNotCountForLaterSteps) {
  domain::SigningPolicy p = TwoStepPolicy();
  p.steps[1] = domain::PolicyStep{"again", 1, {"a", "c"}};
  auto r = PendingRequest(p, kStart);
  r.current_step = 1;
  auto out = Decide(r, {Decision("a", 0), Decision("b", 0)}, User("c"), true, kStart);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_TRUE(out->request_approved);
}

TEST(Decide, OneApproverCannotApproveTwoStepsOfARequest) {
  // Finding 13: an approver listed in several steps satisfied them all alone.
  domain::SigningPolicy p = TwoStepPolicy();
  p.steps[1] = domain::PolicyStep{"again", 1, {"a", "c"}};
  auto r = PendingRequest(p, kStart);
  r.current_step = 1;
  ExpectError(Decide(r, {Decision("a", 0), Decision("b", 0)}, User("a"), true, kStart),
              ErrorCode::kPermissionDenied,
              "you already approved step 1 ('leads') of this request; each step needs a different "
              "approver");
  // Rejecting is still possible: one "no" is enough whoever says it.
  auto reject = Decide(r, {Decision("a", 0), Decision("b", 0)}, User("a"), false, kStart);
  ASSERT_TRUE(reject) << reject.error().message;
  EXPECT_TRUE(reject->request_rejected);
}

// ---- grants ----

TEST(GrantForRequest, DurationStartsAtApproval) {
  const auto p = TwoStepPolicy();
  auto r = PendingRequest(p, kStart);
  r.scope.hostname = "build-01";
  const TimePoint approved_at = kStart + hours(3);
  auto g = GrantForRequest(r, approved_at);
  EXPECT_EQ(g.signer_id, "signer");
  EXPECT_EQ(g.request_id, "req");
  EXPECT_EQ(g.grantee_type, PrincipalType::kUser);
  EXPECT_EQ(g.grantee_id, "r");
  EXPECT_EQ(g.max_signings, 3);
  EXPECT_EQ(g.used_signings, 0);
  EXPECT_EQ(g.window_start, approved_at);
  EXPECT_EQ(g.expires_at, approved_at + hours(1));
  EXPECT_EQ(g.scope.hostname, "build-01");
  EXPECT_EQ(g.status, GrantStatus::kActive);
}

TEST(GrantForRequest, ExplicitWindowIsKept) {
  auto r = PendingRequest(TwoStepPolicy(), kStart);
  r.requested_window_duration.reset();
  r.window_start = kStart + hours(5);
  r.window_end = kStart + hours(6);
  auto g = GrantForRequest(r, kStart + hours(1));
  EXPECT_EQ(g.window_start, kStart + hours(5));
  EXPECT_EQ(g.expires_at, kStart + hours(6));
  // A start already past when approved begins at approval.
  g = GrantForRequest(r, kStart + hours(5) + minutes(10));
  EXPECT_EQ(g.window_start, kStart + hours(5) + minutes(10));
}

TEST(GrantStatus, TimeAndCountExpiryWithAFakeClock) {
  FakeClock clock(kStart);
  auto g = GrantForRequest(PendingRequest(TwoStepPolicy(), kStart), clock.Now());
  EXPECT_TRUE(GrantUsableAt(g, clock.Now()));
  clock.Advance(minutes(59));
  EXPECT_EQ(EffectiveGrantStatus(g, clock.Now()), GrantStatus::kActive);
  clock.Advance(minutes(1));
  EXPECT_EQ(EffectiveGrantStatus(g, clock.Now()), GrantStatus::kExpired);
  EXPECT_FALSE(GrantUsableAt(g, clock.Now()));

  clock.Set(kStart);
  g.used_signings = 2;
  EXPECT_TRUE(GrantUsableAt(g, clock.Now()));
  g.used_signings = 3;
  EXPECT_EQ(EffectiveGrantStatus(g, clock.Now()), GrantStatus::kExpired);
  EXPECT_FALSE(GrantUsableAt(g, clock.Now()));

  g.used_signings = 0;
  g.status = GrantStatus::kRevoked;
  EXPECT_EQ(EffectiveGrantStatus(g, clock.Now()), GrantStatus::kRevoked);
  EXPECT_FALSE(GrantUsableAt(g, clock.Now()));
}

TEST(GrantStatus, NotYetStartedIsActiveButNotUsable) {
  auto g = GrantForRequest(PendingRequest(TwoStepPolicy(), kStart), kStart);
  g.window_start = kStart + hours(1);
  g.expires_at = kStart + hours(2);
  EXPECT_EQ(EffectiveGrantStatus(g, kStart), GrantStatus::kActive);
  EXPECT_FALSE(GrantUsableAt(g, kStart));
  EXPECT_TRUE(GrantUsableAt(g, kStart + hours(1)));
}

TEST(GrantStatus, UnlimitedCountWithinAWindow) {
  auto r = PendingRequest(TwoStepPolicy(), kStart);
  r.requested_signings.reset();
  auto g = GrantForRequest(r, kStart);
  g.used_signings = 1'000'000;
  EXPECT_TRUE(GrantUsableAt(g, kStart + minutes(30)));
}

// ---- scope ----

TEST(ScopeMismatch, EachDeclaredFieldMustMatch) {
  domain::SigningScope scope;
  domain::SigningScope seen;
  seen.ip_address = "127.0.0.1";
  EXPECT_EQ(ScopeMismatch(scope, seen), "");  // nothing declared
  scope.hostname = "build-01";
  EXPECT_EQ(ScopeMismatch(scope, seen), "hostname");  // declared, not reported
  seen.hostname = "build-02";
  EXPECT_EQ(ScopeMismatch(scope, seen), "hostname");
  seen.hostname = "build-01";
  EXPECT_EQ(ScopeMismatch(scope, seen), "");
  scope.ip_address = "10.0.0.1";
  EXPECT_EQ(ScopeMismatch(scope, seen), "ipAddress");
  scope.ip_address = "127.0.0.1";
  scope.signing_application = "osslsigncode";
  seen.signing_application = "jarsigner";
  EXPECT_EQ(ScopeMismatch(scope, seen), "signingApplication");
  seen.signing_application = "osslsigncode";
  scope.data_hash = std::string(64, 'a');
  seen.data_hash = std::string(64, 'b');
  EXPECT_EQ(ScopeMismatch(scope, seen), "dataHash");
  seen.data_hash = scope.data_hash;
  scope.command = "sign";
  scope.os_username = "ci";
  scope.signing_application_hash = "h";
  seen.command = "sign";
  seen.os_username = "ci";
  seen.signing_application_hash = "h";
  EXPECT_EQ(ScopeMismatch(scope, seen), "");
  seen.os_username = "root";
  EXPECT_EQ(ScopeMismatch(scope, seen), "osUsername");
}

TEST(ScopeMismatch, ComparesAsInfisicalDoes) {
  domain::SigningScope scope;
  domain::SigningScope seen;
  // Command: whitespace collapsed on both sides; anything else (option order) differs.
  scope.command = "  jarsigner   -keystore NONE\t app.jar ";
  seen.command = "jarsigner -keystore NONE app.jar";
  EXPECT_EQ(ScopeMismatch(scope, seen), "");
  seen.command = "jarsigner app.jar -keystore NONE";
  EXPECT_EQ(ScopeMismatch(scope, seen), "command");
  seen.command = "jarsigner -keystore none app.jar";
  EXPECT_EQ(ScopeMismatch(scope, seen), "command");  // case matters in a command
  scope.command.reset();
  // Hostname, hashes and IP addresses ignore case.
  scope.hostname = "Build-01.Example.COM";
  seen.hostname = "build-01.example.com";
  scope.signing_application_hash = std::string(64, 'A');
  seen.signing_application_hash = std::string(64, 'a');
  scope.data_hash = std::string(64, 'F');
  seen.data_hash = std::string(64, 'f');
  scope.ip_address = "FE80::1";
  seen.ip_address = "fe80::1";
  EXPECT_EQ(ScopeMismatch(scope, seen), "");
  // signingApplication and osUsername are exact.
  scope.signing_application = "JarSigner";
  seen.signing_application = "jarsigner";
  EXPECT_EQ(ScopeMismatch(scope, seen), "signingApplication");
  seen.signing_application = "JarSigner";
  scope.os_username = "CI";
  seen.os_username = "ci";
  EXPECT_EQ(ScopeMismatch(scope, seen), "osUsername");
  // A blank declared value restricts nothing; a blank reported one matches nothing.
  scope.os_username = "  ";
  EXPECT_EQ(ScopeMismatch(scope, seen), "");
  seen.hostname = " ";
  EXPECT_EQ(ScopeMismatch(scope, seen), "hostname");
}

}  // namespace
}  // namespace signet::policy
