#pragma once
// Decisions of SPEC §5 (signing policies, requests, approvals, grants) as pure functions over
// values: no I/O, no clock of their own (the caller passes `now`), thread-safe. The service
// loads the rows, asks here, and writes what the answer says.
//
// Errors follow common/result.h: InvalidArgument (400) for bad input, naming the field and
// the limit ("requestedSignings is 9; the policy allows at most 7"); PermissionDenied (403)
// for a caller who may not act; FailedPrecondition (409) for a request or grant whose state
// forbids the action.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "domain/entities.h"
#include "domain/principal.h"

namespace signet::policy {

// Bounds of policy fields (SPEC §2).
inline constexpr Millis kMinWindowDuration{60'000};                   // 1m
inline constexpr Millis kMaxWindowDuration{30LL * 24 * 3600 * 1000};  // 30d
inline constexpr Millis kMinRequestTtl{60'000};                       // 1m
inline constexpr Millis kMaxRequestTtl{30LL * 24 * 3600 * 1000};      // 30d
inline constexpr Millis kDefaultRequestTtl{7LL * 24 * 3600 * 1000};   // 7d
inline constexpr std::int64_t kMaxSigningsLimit = 1'000'000;
inline constexpr std::size_t kMaxSteps = 10;
inline constexpr std::size_t kMaxApproversPerStep = 50;

// Checks a whole policy: 1..kMaxSteps steps; each with 1..kMaxApproversPerStep distinct
// approvers and 1 <= requiredApprovals <= number of approvers; at least one constraint;
// maxWindowDuration in [1m, 30d]; maxSignings in [1, kMaxSigningsLimit]; maxRequestTtl in
// [1m, 30d]. Whether approvers are project members is the caller's check (it needs I/O).
[[nodiscard]] Status ValidatePolicy(const domain::SigningPolicy& policy);

// What a requester asks for. A window is either a duration that starts when the grant is
// made, or an explicit [start, end).
struct AccessAsk {
  std::optional<std::int64_t> signings;
  std::optional<Millis> window_duration;
  std::optional<TimePoint> window_start;
  std::optional<TimePoint> window_end;
};

// Applies the policy's ceilings to an ask (SPEC §5 request validation): with maxSignings,
// signings defaults to it and may not exceed it; with maxWindowDuration, the window defaults
// to it and may not exceed it. Without a policy (pre-approval on a signer without one) the
// ask must bound the grant by signings or by a window. Explicit windows need end > start and
// end > now; durations lie in [1m, 30d]. Returns the resolved ask.
[[nodiscard]] Result<AccessAsk> ResolveAsk(const std::optional<domain::SigningPolicy>& policy,
                                           const AccessAsk& ask, TimePoint now);

// InvalidArgument when some step could never complete for this requester: a step needs more
// distinct approvers than it has once the requester (who never approves their own request)
// is left out, or the steps together need more different people than they share (one person
// approves at most one step of a request).
[[nodiscard]] Status CheckStepsCanComplete(const domain::SigningPolicy& policy,
                                           domain::PrincipalType requester_type,
                                           const std::string& requester_id);

// A pending request whose expires_at has passed is expired; anything else keeps its status.
domain::RequestStatus EffectiveRequestStatus(const domain::SigningRequest& request, TimePoint now);

// What an approval or rejection does to a pending request.
struct DecisionOutcome {
  std::int64_t step = 0;          // the step decided on (the request's current step)
  bool step_complete = false;     // approval: the step now has its requiredApprovals
  bool request_approved = false;  // approval: it was the last step; a grant must be made
  bool request_rejected = false;  // rejection: the request ends
};

// Decides whether `actor` may approve (approve = true) or reject the request now, given the
// decisions already recorded. FailedPrecondition unless the request is pending (after
// expiry is applied) or when the actor already decided this step; PermissionDenied for a
// machine identity, for the requester, and for anyone not an approver of the current step.
[[nodiscard]] Result<DecisionOutcome> Decide(const domain::SigningRequest& request,
                                             const std::vector<domain::Approval>& approvals,
                                             const domain::Principal& actor, bool approve,
                                             TimePoint now);

// The grant an approved request yields at `now` (id, created_at and updated_at are the
// caller's to set): the requester as grantee, the requested signings, the window (explicit,
// or starting now for the requested duration) and the request's scope.
domain::Grant GrantForRequest(const domain::SigningRequest& request, TimePoint now);

// An active grant past its end or with no signings left is expired; otherwise the stored
// status. A grant whose window has not started yet stays active.
domain::GrantStatus EffectiveGrantStatus(const domain::Grant& grant, TimePoint now);

// Whether the grant allows one more signing at `now`: active, inside [window_start,
// expires_at) and with signings left.
bool GrantUsableAt(const domain::Grant& grant, TimePoint now);

// The wire name of the first declared scope field that `seen` (what the sign attempt
// reported, with the server's source IP and the data hash) does not match; empty when all
// declared fields match. As Infisical compares them: values are trimmed and a blank one
// declares nothing; `command` is compared with runs of whitespace collapsed to one space;
// hostname, signingApplicationHash, dataHash and ipAddress ignore ASCII case; the others
// are exact.
std::string ScopeMismatch(const domain::SigningScope& scope, const domain::SigningScope& seen);

}  // namespace signet::policy
