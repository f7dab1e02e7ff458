#include "policy/signing_policy.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "common/duration.h"

namespace signet::policy {
namespace {

std::string StepLabel(const domain::PolicyStep& step, std::size_t index) {
  std::string label = "step " + std::to_string(index + 1);
  if (!step.name.empty()) label += " ('" + step.name + "')";
  return label;
}

Status CheckDuration(Millis value, std::string_view field, Millis min, Millis max) {
  if (value < min) {
    return InvalidArgument(std::string(field) + " is " + FormatDuration(value) +
                           "; the minimum is " + FormatDuration(min));
  }
  if (value > max) {
    return InvalidArgument(std::string(field) + " is " + FormatDuration(value) +
                           "; the maximum is " + FormatDuration(max));
  }
  return Ok();
}

bool IsApprover(const domain::PolicyStep& step, const std::string& user_id) {
  return std::find(step.approver_user_ids.begin(), step.approver_user_ids.end(), user_id) !=
         step.approver_user_ids.end();
}

}  // namespace

Status ValidatePolicy(const domain::SigningPolicy& p) {
  if (p.steps.empty()) return InvalidArgument("steps must have at least one step");
  if (p.steps.size() > kMaxSteps) {
    return InvalidArgument("steps has " + std::to_string(p.steps.size()) +
                           " steps; the maximum is " + std::to_string(kMaxSteps));
  }
  for (std::size_t i = 0; i < p.steps.size(); ++i) {
    const auto& step = p.steps[i];
    const std::string field = "steps[" + std::to_string(i) + "]";
    const auto approvers = static_cast<std::int64_t>(step.approver_user_ids.size());
    if (approvers == 0) return InvalidArgument(field + ".approvers must name at least one user");
    if (step.approver_user_ids.size() > kMaxApproversPerStep) {
      return InvalidArgument(field + ".approvers has " + std::to_string(approvers) +
                             " users; the maximum is " + std::to_string(kMaxApproversPerStep));
    }
    std::set<std::string> distinct(step.approver_user_ids.begin(), step.approver_user_ids.end());
    if (distinct.size() != step.approver_user_ids.size()) {
      return InvalidArgument(field + ".approvers names the same user twice");
    }
    if (step.required_approvals < 1) {
      return InvalidArgument(field + ".requiredApprovals is " +
                             std::to_string(step.required_approvals) + "; the minimum is 1");
    }
    if (step.required_approvals > approvers) {
      return InvalidArgument(field + ".requiredApprovals is " +
                             std::to_string(step.required_approvals) + "; the step has only " +
                             std::to_string(approvers) + " approver" + (approvers == 1 ? "" : "s"));
    }
  }
  if (!p.max_window_duration && !p.max_signings) {
    return InvalidArgument(
        "constraints must set at least one of maxWindowDuration and maxSignings");
  }
  if (p.max_window_duration) {
    SIGNET_TRY(CheckDuration(*p.max_window_duration, "constraints.maxWindowDuration",
                             kMinWindowDuration, kMaxWindowDuration));
  }
  if (p.max_signings && (*p.max_signings < 1 || *p.max_signings > kMaxSigningsLimit)) {
    return InvalidArgument("constraints.maxSignings is " + std::to_string(*p.max_signings) +
                           "; it must be 1 to " + std::to_string(kMaxSigningsLimit));
  }
  return CheckDuration(p.max_request_ttl, "maxRequestTtl", kMinRequestTtl, kMaxRequestTtl);
}

Result<AccessAsk> ResolveAsk(const std::optional<domain::SigningPolicy>& policy,
                             const AccessAsk& ask, TimePoint now) {
  AccessAsk out = ask;
  const std::optional<std::int64_t> cap = policy ? policy->max_signings : std::nullopt;
  const std::optional<Millis> max_window = policy ? policy->max_window_duration : std::nullopt;

  // Signings.
  if (out.signings) {
    if (*out.signings < 1) {
      return InvalidArgument("requestedSignings is " + std::to_string(*out.signings) +
                             "; the minimum is 1");
    }
    if (cap && *out.signings > *cap) {
      return InvalidArgument("requestedSignings is " + std::to_string(*out.signings) +
                             "; the policy allows at most " + std::to_string(*cap));
    }
    if (*out.signings > kMaxSigningsLimit) {
      return InvalidArgument("requestedSignings is " + std::to_string(*out.signings) +
                             "; the maximum is " + std::to_string(kMaxSigningsLimit));
    }
  } else if (cap) {
    out.signings = cap;
  }

  // Window: a duration, or an explicit start/end, never both.
  const bool explicit_window = out.window_start || out.window_end;
  if (explicit_window && out.window_duration) {
    return InvalidArgument(
        "give either requestedWindowDuration or requestedWindowStart/requestedWindowEnd, not both");
  }
  if (explicit_window) {
    if (!out.window_end)
      return InvalidArgument("requestedWindowEnd is required with requestedWindowStart");
    if (!out.window_start) out.window_start = now;
    if (*out.window_end <= now) return InvalidArgument("requestedWindowEnd is in the past");
    if (*out.window_end <= *out.window_start) {
      return InvalidArgument("requestedWindowEnd must be after requestedWindowStart");
    }
    const Millis length = *out.window_end - *out.window_start;
    if (max_window && length > *max_window) {
      return InvalidArgument("the requested window is " + FormatDuration(length) +
                             "; the policy allows at most " + FormatDuration(*max_window));
    }
    if (length > kMaxWindowDuration) {
      return InvalidArgument("the requested window is " + FormatDuration(length) +
                             "; the maximum is " + FormatDuration(kMaxWindowDuration));
    }
  } else if (out.window_duration) {
    if (max_window && *out.window_duration > *max_window) {
      return InvalidArgument("requestedWindowDuration is " + FormatDuration(*out.window_duration) +
                             "; the policy allows at most " + FormatDuration(*max_window));
    }
    SIGNET_TRY(CheckDuration(*out.window_duration, "requestedWindowDuration", kMinWindowDuration,
                             kMaxWindowDuration));
  } else if (max_window) {
    out.window_duration = max_window;
  }

  if (!out.signings && !out.window_duration && !out.window_end) {
    return InvalidArgument("give requestedSignings or requestedWindowDuration to bound the grant");
  }
  return out;
}

namespace {

// Whether every step can get its required approvals from approvers that are all different
// (one person approves at most one step of a request) and are not the requester: a bipartite
// matching of approval slots to people (Kuhn's augmenting paths; policies are small).
bool DistinctApproversSuffice(const domain::SigningPolicy& policy, const std::string& excluded) {
  std::vector<std::size_t> slot_step;  // one entry per required approval
  for (std::size_t i = 0; i < policy.steps.size(); ++i) {
    for (std::int64_t k = 0; k < policy.steps[i].required_approvals; ++k) slot_step.push_back(i);
  }
  std::map<std::string, std::size_t> owner;  // person -> slot they fill
  std::function<bool(std::size_t, std::set<std::string>&)> assign =
      [&](std::size_t slot, std::set<std::string>& seen) -> bool {
    for (const auto& person : policy.steps[slot_step[slot]].approver_user_ids) {
      if (person == excluded || !seen.insert(person).second) continue;
      auto it = owner.find(person);
      if (it == owner.end() || assign(it->second, seen)) {
        owner[person] = slot;
        return true;
      }
    }
    return false;
  };
  for (std::size_t slot = 0; slot < slot_step.size(); ++slot) {
    std::set<std::string> seen;
    if (!assign(slot, seen)) return false;
  }
  return true;
}

}  // namespace

Status CheckStepsCanComplete(const domain::SigningPolicy& policy,
                             domain::PrincipalType requester_type,
                             const std::string& requester_id) {
  const std::string excluded = requester_type == domain::PrincipalType::kUser ? requester_id : "";
  for (std::size_t i = 0; i < policy.steps.size(); ++i) {
    const auto& step = policy.steps[i];
    auto eligible = static_cast<std::int64_t>(step.approver_user_ids.size());
    if (!excluded.empty() && IsApprover(step, excluded)) --eligible;
    if (eligible < step.required_approvals) {
      return InvalidArgument(StepLabel(step, i) + " needs " +
                             std::to_string(step.required_approvals) + " approval" +
                             (step.required_approvals == 1 ? "" : "s") + " but has only " +
                             std::to_string(eligible) + " approver" + (eligible == 1 ? "" : "s") +
                             " other than you; you cannot approve your own request");
    }
  }
  if (!DistinctApproversSuffice(policy, excluded)) {
    return InvalidArgument(
        "the policy's steps cannot all be approved by different people: one person approves at "
        "most one step of a request, and the steps share too few approvers (other than you)");
  }
  return Ok();
}

domain::RequestStatus EffectiveRequestStatus(const domain::SigningRequest& r, TimePoint now) {
  if (r.status == domain::RequestStatus::kPending && now >= r.expires_at) {
    return domain::RequestStatus::kExpired;
  }
  return r.status;
}

Result<DecisionOutcome> Decide(const domain::SigningRequest& r,
                               const std::vector<domain::Approval>& approvals,
                               const domain::Principal& actor, bool approve, TimePoint now) {
  const domain::RequestStatus status = EffectiveRequestStatus(r, now);
  if (status != domain::RequestStatus::kPending) {
    return FailedPrecondition(
        "signing request '" + r.id + "' is " + std::string(domain::RequestStatusName(status)) +
        "; only pending requests can be " + (approve ? "approved" : "rejected"));
  }
  if (actor.type != domain::PrincipalType::kUser) {
    return PermissionDenied("only users approve or reject signing requests");
  }
  if (r.requester_type == domain::PrincipalType::kUser && r.requester_id == actor.id) {
    return PermissionDenied(std::string("you cannot ") + (approve ? "approve" : "reject") +
                            " your own signing request");
  }
  if (!r.policy_snapshot || r.current_step < 0 ||
      r.current_step >= static_cast<std::int64_t>(r.policy_snapshot->steps.size())) {
    return FailedPrecondition("signing request '" + r.id + "' has no step awaiting a decision");
  }
  const auto index = static_cast<std::size_t>(r.current_step);
  const domain::PolicyStep& step = r.policy_snapshot->steps[index];
  if (!IsApprover(step, actor.id)) {
    return PermissionDenied("only the approvers of " + StepLabel(step, index) +
                            " may decide this request now");
  }
  std::int64_t approved = 0;
  for (const auto& a : approvals) {
    if (a.approver_user_id == actor.id) {
      if (a.step == r.current_step) {
        return FailedPrecondition("you already decided " + StepLabel(step, index) +
                                  " of this request");
      }
      // Each step is a separate pair of eyes: one approver cannot satisfy two steps.
      if (approve) {
        const auto done = static_cast<std::size_t>(a.step);
        const std::string label = done < r.policy_snapshot->steps.size()
                                      ? StepLabel(r.policy_snapshot->steps[done], done)
                                      : "another step";
        return PermissionDenied("you already approved " + label +
                                " of this request; each step needs a different approver");
      }
    }
    if (a.step != r.current_step) continue;
    if (a.decision == domain::ApprovalDecision::kApproved) ++approved;
  }
  DecisionOutcome out;
  out.step = r.current_step;
  if (!approve) {
    out.request_rejected = true;
    return out;
  }
  out.step_complete = approved + 1 >= step.required_approvals;
  out.request_approved = out.step_complete && index + 1 == r.policy_snapshot->steps.size();
  return out;
}

domain::Grant GrantForRequest(const domain::SigningRequest& r, TimePoint now) {
  domain::Grant g;
  g.signer_id = r.signer_id;
  g.request_id = r.id;
  g.grantee_type = r.requester_type;
  g.grantee_id = r.requester_id;
  g.max_signings = r.requested_signings;
  g.used_signings = 0;
  if (r.window_end) {
    g.window_start = std::max(r.window_start.value_or(now), now);
    g.expires_at = r.window_end;
  } else {
    g.window_start = now;
    if (r.requested_window_duration) g.expires_at = now + *r.requested_window_duration;
  }
  g.scope = r.scope;
  g.status = domain::GrantStatus::kActive;
  return g;
}

domain::GrantStatus EffectiveGrantStatus(const domain::Grant& g, TimePoint now) {
  if (g.status != domain::GrantStatus::kActive) return g.status;
  if (g.expires_at && now >= *g.expires_at) return domain::GrantStatus::kExpired;
  if (g.max_signings && g.used_signings >= *g.max_signings) return domain::GrantStatus::kExpired;
  return g.status;
}

bool GrantUsableAt(const domain::Grant& g, TimePoint now) {
  return EffectiveGrantStatus(g, now) == domain::GrantStatus::kActive && g.window_start <= now;
}

namespace {

std::string_view Trim(std::string_view s) {
  const auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// Runs of whitespace become one space; leading and trailing whitespace goes.
std::string CollapseWhitespace(std::string_view s) {
  std::string out;
  bool gap = false;
  for (char c : Trim(s)) {
    const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    if (space) {
      gap = true;
      continue;
    }
    if (gap) out.push_back(' ');
    gap = false;
    out.push_back(c);
  }
  return out;
}

bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

enum class Compare { kExact, kIgnoreCase, kCommand };

// A declared (non-blank) field restricts; what was seen must be present and equal.
bool Differs(const std::optional<std::string>& want, const std::optional<std::string>& got,
             Compare how) {
  if (!want || Trim(*want).empty()) return false;
  if (!got || Trim(*got).empty()) return true;
  switch (how) {
    case Compare::kCommand:
      return CollapseWhitespace(*want) != CollapseWhitespace(*got);
    case Compare::kIgnoreCase:
      return !EqualsIgnoringAsciiCase(Trim(*want), Trim(*got));
    case Compare::kExact:
      break;
  }
  return Trim(*want) != Trim(*got);
}

}  // namespace

std::string ScopeMismatch(const domain::SigningScope& scope, const domain::SigningScope& seen) {
  if (Differs(scope.command, seen.command, Compare::kCommand)) return "command";
  if (Differs(scope.signing_application, seen.signing_application, Compare::kExact)) {
    return "signingApplication";
  }
  if (Differs(scope.signing_application_hash, seen.signing_application_hash,
              Compare::kIgnoreCase)) {
    return "signingApplicationHash";
  }
  if (Differs(scope.hostname, seen.hostname, Compare::kIgnoreCase)) return "hostname";
  if (Differs(scope.os_username, seen.os_username, Compare::kExact)) return "osUsername";
  // IPv6 is hex: the same address may be written in either case.
  if (Differs(scope.ip_address, seen.ip_address, Compare::kIgnoreCase)) return "ipAddress";
  if (Differs(scope.data_hash, seen.data_hash, Compare::kIgnoreCase)) return "dataHash";
  return {};
}

}  // namespace signet::policy
