// Signing policies, approval requests and grants (SPEC §5). The rules themselves live in
// policy/signing_policy.h; this file loads rows, checks roles, and writes each change with
// its audit events in one write transaction.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "auth/authenticator.h"
#include "common/duration.h"
#include "policy/signing_policy.h"
#include "service/request_watcher.h"
#include "service/service_internal.h"

namespace signet::service {
namespace {

using domain::GrantStatus;
using domain::PrincipalType;
using domain::RequestStatus;

constexpr std::size_t kMaxPolicyName = 64;
// Pending requests one requester may have open on one signer at a time.
constexpr std::int64_t kMaxPendingRequestsPerSigner = 5;

bool IsBlank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char ch) { return std::isspace(ch) != 0; });
}

std::string ScopeJson(const domain::SigningScope& s) {
  JsonWriter w;
  auto add = [&](const char* key, const std::optional<std::string>& v) {
    if (v) w.Add(key, *v);
  };
  add("command", s.command);
  add("signingApplication", s.signing_application);
  add("signingApplicationHash", s.signing_application_hash);
  add("hostname", s.hostname);
  add("osUsername", s.os_username);
  add("ipAddress", s.ip_address);
  add("dataHash", s.data_hash);
  return w.Finish();
}

std::string PolicyDetails(const domain::SigningPolicy& p) {
  JsonWriter w;
  w.Add("name", p.name).Add("steps", static_cast<std::int64_t>(p.steps.size()));
  if (p.max_window_duration) w.Add("maxWindowDuration", FormatDuration(*p.max_window_duration));
  if (p.max_signings) w.Add("maxSignings", *p.max_signings);
  w.Add("maxRequestTtl", FormatDuration(p.max_request_ttl))
      .Add("bypassForMachineIdentities", p.bypass_for_machine_identities);
  return w.Finish();
}

std::string GrantDetails(const domain::Grant& g) {
  JsonWriter w;
  w.Add("signerId", g.signer_id)
      .Add("granteeType", domain::PrincipalTypeName(g.grantee_type))
      .Add("granteeId", g.grantee_id)
      .Add("requestId", g.request_id.value_or(""))
      .Add("windowStart", FormatTime(g.window_start));
  if (g.max_signings) w.Add("maxSignings", *g.max_signings);
  if (g.expires_at) w.Add("expiresAt", FormatTime(*g.expires_at));
  if (!g.scope.Empty()) w.AddRaw("scope", ScopeJson(g.scope));
  return w.Finish();
}

// Scope values are trimmed and a blank one declares nothing (as Infisical); the hashes must be
// hex SHA-256 (dataHash is kept in lower case, as the server records it) and ipAddress an IP
// address. policy::ScopeMismatch says how each field is compared at sign time.
Status NormalizeScope(domain::SigningScope& scope) {
  for (std::optional<std::string>* field :
       {&scope.command, &scope.signing_application, &scope.signing_application_hash,
        &scope.hostname, &scope.os_username, &scope.ip_address, &scope.data_hash}) {
    if (!*field) continue;
    std::string& v = **field;
    const auto first = v.find_first_not_of(" \t\r\n\f\v");
    if (first == std::string::npos) {
      field->reset();
      continue;
    }
    v = v.substr(first, v.find_last_not_of(" \t\r\n\f\v") - first + 1);
  }
  auto is_sha256_hex = [](const std::string& h) {
    return h.size() == 64 && h.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
  };
  if (scope.data_hash) {
    std::string& h = *scope.data_hash;
    std::transform(h.begin(), h.end(), h.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (!is_sha256_hex(h)) {
      return InvalidArgument("scope.dataHash must be 64 hex characters (SHA-256 of the data)");
    }
  }
  if (scope.signing_application_hash && !is_sha256_hex(*scope.signing_application_hash)) {
    return InvalidArgument(
        "scope.signingApplicationHash must be 64 hex characters (SHA-256 of the signing tool)");
  }
  if (scope.ip_address) {
    unsigned char buf[sizeof(struct in6_addr)];
    const char* ip = scope.ip_address->c_str();
    if (inet_pton(AF_INET, ip, buf) != 1 && inet_pton(AF_INET6, ip, buf) != 1) {
      return InvalidArgument("scope.ipAddress '" + *scope.ip_address + "' is not an IP address");
    }
  }
  return Ok();
}

// Approvers must be users who are members of the policy's project (org admins are).
Status CheckApprovers(store::Tx& tx, const domain::SigningPolicy& p) {
  for (std::size_t i = 0; i < p.steps.size(); ++i) {
    for (const auto& id : p.steps[i].approver_user_ids) {
      const std::string field = "steps[" + std::to_string(i) + "].approvers";
      if (!IsUuid(id)) return InvalidArgument(field + ": '" + id + "' is not a user id");
      auto user = auth::LoadPrincipal(tx, PrincipalType::kUser, id);
      if (!user) {
        if (user.error().code == ErrorCode::kNotFound) {
          return InvalidArgument(field + ": user '" + id + "' does not exist");
        }
        return tl::unexpected(user.error());
      }
      SIGNET_ASSIGN_OR_RETURN(auto role, ProjectRoleOf(tx, *user, p.project_id));
      if (!policy::IsProjectMember(*user, role)) {
        return InvalidArgument(field + ": user '" + user->name +
                               "' is not a member of the policy's project");
      }
    }
  }
  return Ok();
}

bool IsSignerPolicy(const domain::SigningPolicy& p) {
  return std::string_view(p.name).substr(0, kSignerPolicyPrefix.size()) == kSignerPolicyPrefix;
}

Status CheckNotReserved(const std::string& name) {
  if (std::string_view(name).substr(0, kSignerPolicyPrefix.size()) == kSignerPolicyPrefix) {
    return InvalidArgument("policy names starting with '" + std::string(kSignerPolicyPrefix) +
                           "' are kept for signers' own approval policies");
  }
  return Ok();
}

bool IsApproverOf(const domain::SigningRequest& r, const domain::Principal& p) {
  if (p.type != PrincipalType::kUser || !r.policy_snapshot) return false;
  for (const auto& step : r.policy_snapshot->steps) {
    if (std::find(step.approver_user_ids.begin(), step.approver_user_ids.end(), p.id) !=
        step.approver_user_ids.end()) {
      return true;
    }
  }
  return false;
}

bool IsRequester(const domain::SigningRequest& r, const domain::Principal& p) {
  return r.requester_type == p.type && r.requester_id == p.id;
}

bool IsGrantee(const domain::Grant& g, const domain::Principal& p) {
  return g.grantee_type == p.type && g.grantee_id == p.id;
}

// Per-call cache of the caller's access to signers, for list filtering.
class SignerAccessCache {
 public:
  SignerAccessCache(store::Tx& tx, const domain::Principal& p) : tx_(tx), p_(p) {}

  // nullopt when the signer is gone.
  Result<std::optional<policy::SignerAccess>> Get(const std::string& signer_id) {
    auto it = cache_.find(signer_id);
    if (it != cache_.end()) return it->second;
    std::optional<policy::SignerAccess> access;
    auto signer = tx_.GetSigner(signer_id);
    if (signer) {
      SIGNET_ASSIGN_OR_RETURN(auto a, AccessTo(tx_, p_, *signer));
      access.emplace(a);
    } else if (signer.error().code != ErrorCode::kNotFound) {
      return tl::unexpected(signer.error());
    }
    cache_.emplace(signer_id, access);
    return access;
  }
  Result<bool> CanRead(const std::string& signer_id) {
    SIGNET_ASSIGN_OR_RETURN(auto a, Get(signer_id));
    return a && policy::CanReadSigner(*a);
  }
  Result<bool> CanManage(const std::string& signer_id) {
    SIGNET_ASSIGN_OR_RETURN(auto a, Get(signer_id));
    return a && policy::CanManageSigner(*a);
  }

 private:
  store::Tx& tx_;
  const domain::Principal& p_;
  std::map<std::string, std::optional<policy::SignerAccess>> cache_;
};

// Requests are visible to the requester, to every approver of their policy snapshot and to
// whoever may read the signer.
Result<bool> MaySeeRequest(SignerAccessCache& access, const domain::SigningRequest& r,
                           const domain::Principal& p) {
  if (IsRequester(r, p) || IsApproverOf(r, p)) return true;
  return access.CanRead(r.signer_id);
}

// Grants are visible to the grantee and to the signer's admins.
Result<bool> MaySeeGrant(SignerAccessCache& access, const domain::Grant& g,
                         const domain::Principal& p) {
  if (IsGrantee(g, p)) return true;
  return access.CanManage(g.signer_id);
}

domain::Grant Effective(domain::Grant g, TimePoint now) {
  g.status = policy::EffectiveGrantStatus(g, now);
  return g;
}

Result<domain::SigningPolicy> FindPolicy(store::Tx& tx, const std::string& id) {
  return FindById(id, "signing policy", [&] { return tx.GetPolicy(id); });
}

Result<domain::SigningRequest> FindRequest(store::Tx& tx, const std::string& id) {
  return FindById(id, "signing request", [&] { return tx.GetRequest(id); });
}

Result<domain::Grant> FindGrant(store::Tx& tx, const std::string& id) {
  return FindById(id, "signing grant", [&] { return tx.GetGrant(id); });
}

policy::AccessAsk AskOf(const SigningRequestInput& in) {
  return policy::AccessAsk{in.requested_signings, in.requested_window_duration,
                           in.requested_window_start, in.requested_window_end};
}

// Fills the request fields that come from the caller's ask.
Status FillAsk(domain::SigningRequest& r, const std::optional<domain::SigningPolicy>& policy,
               const SigningRequestInput& in, TimePoint now) {
  if (IsBlank(in.justification)) return InvalidArgument("justification is required");
  SIGNET_ASSIGN_OR_RETURN(policy::AccessAsk ask, policy::ResolveAsk(policy, AskOf(in), now));
  r.justification = in.justification;
  r.requested_signings = ask.signings;
  r.requested_window_duration = ask.window_duration;
  r.window_start = ask.window_start;
  r.window_end = ask.window_end;
  r.scope = in.scope;
  return NormalizeScope(r.scope);
}

// A machine identity that declares a scope without ipAddress is bound to the address it asks
// from (as Infisical); "ipAddress": null leaves the address free.
void BindMachineScopeToAddress(domain::SigningScope& scope, const Caller& c,
                               const SigningRequestInput& in) {
  if (c.principal.is_machine() && !scope.Empty() && !scope.ip_address &&
      !in.scope_ip_address_null && !c.source_ip.empty()) {
    scope.ip_address = c.source_ip;
  }
}

std::string RequestDetails(const domain::SigningRequest& r, const std::string& signer_name) {
  JsonWriter w;
  w.Add("signerId", r.signer_id)
      .Add("signerName", signer_name)
      .Add("requesterType", domain::PrincipalTypeName(r.requester_type))
      .Add("requesterId", r.requester_id)
      .Add("policyId", r.policy_snapshot ? r.policy_snapshot->id : std::string())
      .Add("justification", r.justification);
  if (r.requested_signings) w.Add("requestedSignings", *r.requested_signings);
  if (r.requested_window_duration) {
    w.Add("requestedWindowDuration", FormatDuration(*r.requested_window_duration));
  }
  if (r.window_end) {
    w.Add("requestedWindowStart", FormatTime(r.window_start.value_or(r.created_at)))
        .Add("requestedWindowEnd", FormatTime(*r.window_end));
  }
  if (!r.scope.Empty()) w.AddRaw("scope", ScopeJson(r.scope));
  return w.Finish();
}

}  // namespace

// ---- policies ----

Result<domain::SigningPolicy> PolicyUseCases::CreatePolicy(const Caller& c, const PolicyInput& in) {
  if (!in.name || IsBlank(*in.name)) return InvalidArgument("name is required");
  SIGNET_TRY(CheckNotReserved(*in.name));
  if (in.name->size() > kMaxPolicyName)
    return InvalidArgument("name is too long; the maximum is 64 characters");
  if (!in.steps) return InvalidArgument("steps is required");
  if (!in.constraints) return InvalidArgument("constraints is required");
  return WriteWithAudit<domain::SigningPolicy>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::SigningPolicy> {
        SIGNET_ASSIGN_OR_RETURN(domain::Project project, ResolveProject(tx, in.project));
        SIGNET_TRY(RequireProjectAdmin(tx, c.principal, project.id));
        const TimePoint now = d_.clock.Now();
        domain::SigningPolicy p;
        p.id = NewUuid();
        p.project_id = project.id;
        p.name = *in.name;
        p.steps = *in.steps;
        p.max_window_duration = in.constraints->max_window_duration;
        p.max_signings = in.constraints->max_signings;
        p.max_request_ttl = in.max_request_ttl.value_or(policy::kDefaultRequestTtl);
        p.bypass_for_machine_identities = in.bypass_for_machine_identities.value_or(false);
        p.created_at = p.updated_at = now;
        SIGNET_TRY(policy::ValidatePolicy(p));
        SIGNET_TRY(CheckApprovers(tx, p));
        SIGNET_TRY(tx.InsertPolicy(p));
        e = {"signing-policy.create", "signing-policy", p.id, PolicyDetails(p)};
        return p;
      });
}

Result<store::Page<domain::SigningPolicy>> PolicyUseCases::ListPolicies(
    const Caller& c, const std::optional<std::string>& project, Paging p) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(domain::Project proj, ResolveProject(*tx, project));
  SIGNET_TRY(RequireProjectMember(*tx, c.principal, proj.id));
  return tx->ListPolicies(proj.id, ToPage(p));
}

Result<domain::SigningPolicy> PolicyUseCases::GetPolicy(const Caller& c, const std::string& id) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(domain::SigningPolicy p, FindPolicy(*tx, id));
  SIGNET_ASSIGN_OR_RETURN(auto role, ProjectRoleOf(*tx, c.principal, p.project_id));
  if (!policy::IsProjectMember(c.principal, role)) {
    return NotFound("signing policy '" + id + "' not found");
  }
  return p;
}

Result<domain::SigningPolicy> PolicyUseCases::UpdatePolicy(const Caller& c, const std::string& id,
                                                           const PolicyInput& in) {
  if (in.name && IsBlank(*in.name)) return InvalidArgument("name must not be empty");
  if (in.name) SIGNET_TRY(CheckNotReserved(*in.name));
  if (in.name && in.name->size() > kMaxPolicyName)
    return InvalidArgument("name is too long; the maximum is 64 characters");
  return WriteWithAudit<domain::SigningPolicy>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::SigningPolicy> {
        SIGNET_ASSIGN_OR_RETURN(domain::SigningPolicy p, FindPolicy(tx, id));
        SIGNET_ASSIGN_OR_RETURN(auto role, ProjectRoleOf(tx, c.principal, p.project_id));
        if (!policy::IsProjectMember(c.principal, role)) {
          return NotFound("signing policy '" + id + "' not found");
        }
        SIGNET_TRY(RequireProjectAdmin(tx, c.principal, p.project_id));
        if (in.name && IsSignerPolicy(p)) {
          return InvalidArgument("signing policy '" + p.name +
                                 "' belongs to its signer; it keeps its name");
        }
        if (in.name) p.name = *in.name;
        if (in.steps) p.steps = *in.steps;
        if (in.constraints) {
          p.max_window_duration = in.constraints->max_window_duration;
          p.max_signings = in.constraints->max_signings;
        }
        if (in.max_request_ttl) p.max_request_ttl = *in.max_request_ttl;
        if (in.bypass_for_machine_identities) {
          p.bypass_for_machine_identities = *in.bypass_for_machine_identities;
        }
        p.updated_at = d_.clock.Now();
        SIGNET_TRY(policy::ValidatePolicy(p));
        SIGNET_TRY(CheckApprovers(tx, p));
        SIGNET_TRY(tx.UpdatePolicy(p));
        e = {"signing-policy.update", "signing-policy", p.id, PolicyDetails(p)};
        return p;
      });
}

Result<domain::SigningPolicy> PolicyUseCases::DeletePolicy(const Caller& c, const std::string& id) {
  return WriteWithAudit<domain::SigningPolicy>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::SigningPolicy> {
        SIGNET_ASSIGN_OR_RETURN(domain::SigningPolicy p, FindPolicy(tx, id));
        SIGNET_ASSIGN_OR_RETURN(auto role, ProjectRoleOf(tx, c.principal, p.project_id));
        if (!policy::IsProjectMember(c.principal, role)) {
          return NotFound("signing policy '" + id + "' not found");
        }
        SIGNET_TRY(RequireProjectAdmin(tx, c.principal, p.project_id));
        SIGNET_ASSIGN_OR_RETURN(std::int64_t users, tx.CountSignersWithPolicy(p.id));
        if (users > 0) {
          return FailedPrecondition("signing policy '" + p.name + "' is attached to " +
                                    std::to_string(users) + " signer" + (users == 1 ? "" : "s") +
                                    "; detach it before deleting it");
        }
        SIGNET_TRY(tx.DeletePolicy(p.id));
        e = {"signing-policy.delete", "signing-policy", p.id,
             JsonWriter().Add("name", p.name).Finish()};
        return p;
      });
}

// ---- requests ----

Result<SigningRequestView> PolicyUseCases::CreateSigningRequest(const Caller& c,
                                                                const std::string& signer_id,
                                                                const SigningRequestInput& in) {
  auto created = WriteWithAudit<SigningRequestView>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<SigningRequestView> {
        SIGNET_ASSIGN_OR_RETURN(SignerView v, LoadSigner(tx, c.principal, signer_id));
        if (!policy::CanSign({c.principal, v.project_role, v.signer_role})) {
          return PermissionDenied("requesting access to signer '" + v.signer.name +
                                  "' needs the operator or admin role on it");
        }
        if (!v.signer.signing_policy_id) {
          return InvalidArgument("signer '" + v.signer.name +
                                 "' has no signing policy; its operators sign without approval");
        }
        SIGNET_ASSIGN_OR_RETURN(domain::SigningPolicy policy,
                                tx.GetPolicy(*v.signer.signing_policy_id));
        SIGNET_TRY(policy::CheckStepsCanComplete(policy, c.principal.type, c.principal.id));
        const TimePoint now = d_.clock.Now();
        {
          store::RequestFilter mine;
          mine.signer_id = v.signer.id;
          mine.status = RequestStatus::kPending;
          mine.requester_type = c.principal.type;
          mine.requester_id = c.principal.id;
          SIGNET_ASSIGN_OR_RETURN(auto pending, tx.ListRequests(mine, store::PageRequest{}));
          const auto open =
              std::count_if(pending.items.begin(), pending.items.end(), [&](const auto& r) {
                return policy::EffectiveRequestStatus(r, now) == RequestStatus::kPending;
              });
          if (open >= kMaxPendingRequestsPerSigner) {
            return FailedPrecondition("you already have " + std::to_string(open) +
                                      " pending requests for signer '" + v.signer.name +
                                      "'; the maximum is " +
                                      std::to_string(kMaxPendingRequestsPerSigner) +
                                      " — cancel one or wait for a decision");
          }
        }
        domain::SigningRequest r;
        r.id = NewUuid();
        r.signer_id = v.signer.id;
        r.project_id = v.signer.project_id;
        r.requester_type = c.principal.type;
        r.requester_id = c.principal.id;
        SIGNET_TRY(FillAsk(r, policy, in, now));
        BindMachineScopeToAddress(r.scope, c, in);
        r.policy_snapshot = policy;
        r.status = RequestStatus::kPending;
        r.current_step = 0;
        r.expires_at = now + policy.max_request_ttl;
        r.created_at = r.updated_at = now;
        SIGNET_TRY(tx.InsertRequest(r));
        SIGNET_TRY(NotifyRequest(tx, notify::kRequestCreated, r, v.signer.name, &c.principal, "",
                                 CurrentApprovers(r)));
        e = {"signing-request.create", "signing-request", r.id, RequestDetails(r, v.signer.name)};
        return SigningRequestView{r, {}};
      });
  if (created) WakeNotifier();
  return created;
}

Result<PreApproveResult> PolicyUseCases::PreApprove(const Caller& c, const std::string& signer_id,
                                                    const PreApproveInput& in) {
  if (in.grantee_user_id.has_value() == in.grantee_identity_id.has_value()) {
    return InvalidArgument("give exactly one of granteeUserId and granteeIdentityId");
  }
  const PrincipalType grantee_type =
      in.grantee_user_id ? PrincipalType::kUser : PrincipalType::kIdentity;
  SIGNET_ASSIGN_OR_RETURN(
      std::string grantee_id,
      ParseUuid(in.grantee_user_id ? *in.grantee_user_id : *in.grantee_identity_id,
                in.grantee_user_id ? "granteeUserId" : "granteeIdentityId"));
  return WriteWithAudit<PreApproveResult>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<PreApproveResult> {
        SIGNET_ASSIGN_OR_RETURN(SignerView v, LoadSigner(tx, c.principal, signer_id));
        if (!policy::CanManageSigner({c.principal, v.project_role, v.signer_role})) {
          return PermissionDenied("pre-approving access to signer '" + v.signer.name +
                                  "' needs the signer admin role");
        }
        SIGNET_TRY(RequireMfa(c.principal, "pre-approving access", &tx));
        if (grantee_type == c.principal.type && grantee_id == c.principal.id) {
          return PermissionDenied("you cannot pre-approve access for yourself");
        }
        SIGNET_ASSIGN_OR_RETURN(domain::Principal grantee,
                                auth::LoadPrincipal(tx, grantee_type, grantee_id));
        SIGNET_ASSIGN_OR_RETURN(policy::SignerAccess access, AccessTo(tx, grantee, v.signer));
        if (!policy::CanSign(access)) {
          return InvalidArgument(std::string(domain::PrincipalTypeName(grantee_type)) + " '" +
                                 grantee.name + "' may not sign with signer '" + v.signer.name +
                                 "'; give them the operator role first");
        }
        std::optional<domain::SigningPolicy> policy;
        if (v.signer.signing_policy_id) {
          SIGNET_ASSIGN_OR_RETURN(policy, tx.GetPolicy(*v.signer.signing_policy_id));
        }
        const TimePoint now = d_.clock.Now();
        domain::SigningRequest r;
        r.id = NewUuid();
        r.signer_id = v.signer.id;
        r.project_id = v.signer.project_id;
        r.requester_type = grantee_type;
        r.requester_id = grantee_id;
        SIGNET_TRY(FillAsk(r, policy, in.request, now));
        r.policy_snapshot = policy;
        r.status = RequestStatus::kApproved;
        r.current_step = policy ? static_cast<std::int64_t>(policy->steps.size()) : 0;
        r.expires_at = now;
        r.created_at = r.updated_at = now;

        domain::Grant g = policy::GrantForRequest(r, now);
        g.id = NewUuid();
        g.created_at = g.updated_at = now;
        r.grant_id = g.id;
        SIGNET_TRY(tx.InsertRequest(r));
        SIGNET_TRY(tx.InsertGrant(g));
        SIGNET_TRY(AppendAudit(tx, &c.principal,
                               {"signing-request.pre-approve", "signing-request", r.id,
                                RequestDetails(r, v.signer.name)}));
        e = {"grant.create", "grant", g.id, GrantDetails(g)};
        return PreApproveResult{SigningRequestView{r, {}}, g};
      });
}

Result<store::Page<SigningRequestView>> PolicyUseCases::ListSigningRequests(
    const Caller& c, const SigningRequestQuery& q) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  const TimePoint now = d_.clock.Now();
  // Filtered (effective status, what the caller may see: MaySeeRequest's rule) and paged in
  // SQL, so a caller who sees few requests reads few.
  store::RequestFilter filter;
  filter.signer_id = q.signer_id;
  filter.now = now;
  if (q.status) {
    const bool allowed = q.statuses.empty() || std::find(q.statuses.begin(), q.statuses.end(),
                                                         *q.status) != q.statuses.end();
    if (!allowed) return store::Page<SigningRequestView>{};
    filter.effective_statuses = {*q.status};
  } else {
    filter.effective_statuses = q.statuses;
  }
  if (!c.principal.is_org_admin()) filter.viewer = store::Viewer{c.principal.type, c.principal.id};
  SIGNET_ASSIGN_OR_RETURN(store::Page<domain::SigningRequest> page,
                          tx->ListRequests(filter, ToPage(q.paging)));
  store::Page<SigningRequestView> out;
  out.total_count = page.total_count;
  for (auto& r : page.items) {
    r.status = policy::EffectiveRequestStatus(r, now);
    SIGNET_ASSIGN_OR_RETURN(auto approvals, tx->ListApprovals(r.id));
    out.items.push_back(SigningRequestView{std::move(r), std::move(approvals)});
  }
  return out;
}

Result<SigningRequestView> PolicyUseCases::GetSigningRequest(const Caller& c,
                                                             const std::string& id) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(domain::SigningRequest r, FindRequest(*tx, id));
  SignerAccessCache access(*tx, c.principal);
  SIGNET_ASSIGN_OR_RETURN(bool see, MaySeeRequest(access, r, c.principal));
  if (!see) return NotFound("signing request '" + id + "' not found");
  r.status = policy::EffectiveRequestStatus(r, d_.clock.Now());
  SIGNET_ASSIGN_OR_RETURN(auto approvals, tx->ListApprovals(r.id));
  return SigningRequestView{std::move(r), std::move(approvals)};
}

Result<SigningRequestView> PolicyUseCases::ApproveSigningRequest(const Caller& c,
                                                                 const std::string& id,
                                                                 const std::string& comment) {
  return ActOnSigningRequest(c, id, RequestAction::kApprove, comment);
}

Result<SigningRequestView> PolicyUseCases::RejectSigningRequest(const Caller& c,
                                                                const std::string& id,
                                                                const std::string& comment) {
  return ActOnSigningRequest(c, id, RequestAction::kReject, comment);
}

Result<SigningRequestView> PolicyUseCases::CancelSigningRequest(const Caller& c,
                                                                const std::string& id) {
  return ActOnSigningRequest(c, id, RequestAction::kCancel, "");
}

Result<SigningRequestView> PolicyUseCases::ActOnSigningRequest(const Caller& c,
                                                               const std::string& id,
                                                               RequestAction action,
                                                               const std::string& comment) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginWrite());
  SIGNET_ASSIGN_OR_RETURN(domain::SigningRequest r, FindRequest(*tx, id));
  SignerAccessCache access(*tx, c.principal);
  SIGNET_ASSIGN_OR_RETURN(bool see, MaySeeRequest(access, r, c.principal));
  if (!see) return NotFound("signing request '" + id + "' not found");
  SIGNET_ASSIGN_OR_RETURN(std::vector<domain::Approval> approvals, tx->ListApprovals(r.id));
  const TimePoint now = d_.clock.Now();
  auto signer = tx->GetSigner(r.signer_id);
  const std::string signer_name = signer ? signer->name : r.signer_id;

  // Expiry is evaluated lazily: the first action after expires_at records it.
  if (r.status == RequestStatus::kPending &&
      policy::EffectiveRequestStatus(r, now) == RequestStatus::kExpired) {
    // A conditional update: the periodic scan (on any node) may be recording it too.
    SIGNET_ASSIGN_OR_RETURN(bool changed, tx->ExpireRequest(r.id, now));
    if (changed) {
      r.status = RequestStatus::kExpired;
      r.updated_at = now;
      SIGNET_TRY(AppendAudit(*tx, nullptr,
                             {"signing-request.expire", "signing-request", r.id,
                              JsonWriter()
                                  .Add("signerId", r.signer_id)
                                  .Add("expiresAt", FormatTime(r.expires_at))
                                  .Finish()}));
      SIGNET_TRY(NotifyRequest(*tx, notify::kRequestExpired, r, signer_name, nullptr, "",
                               RequesterIfUser(r)));
      SIGNET_TRY(tx->Commit());
      watcher_->Touch(r.id);
      WakeNotifier();
    }
    return FailedPrecondition("signing request '" + r.id + "' expired at " +
                              FormatTime(r.expires_at) + "; make a new request");
  }

  if (action == RequestAction::kCancel) {
    SIGNET_ASSIGN_OR_RETURN(bool admin, access.CanManage(r.signer_id));
    if (!IsRequester(r, c.principal) && !admin) {
      return PermissionDenied("only the requester or a signer admin may cancel a signing request");
    }
    if (r.status != RequestStatus::kPending) {
      return FailedPrecondition("signing request '" + r.id + "' is " +
                                std::string(domain::RequestStatusName(r.status)) +
                                "; only pending requests can be cancelled");
    }
    r.status = RequestStatus::kCancelled;
    r.updated_at = now;
    SIGNET_TRY(tx->UpdateRequest(r));
    SIGNET_TRY(AppendAudit(
        *tx, &c.principal,
        {"signing-request.cancel", "signing-request", r.id,
         JsonWriter().Add("signerId", r.signer_id).Add("signerName", signer_name).Finish()}));
    // The requester (when a signer admin cancelled) and the approvers it was waiting for.
    std::vector<std::string> told = RequesterIfUser(r);
    for (auto& approver : CurrentApprovers(r)) told.push_back(std::move(approver));
    SIGNET_TRY(NotifyRequest(*tx, notify::kRequestCancelled, r, signer_name, &c.principal, "",
                             std::move(told)));
    SIGNET_TRY(tx->Commit());
    watcher_->Touch(r.id);
    WakeNotifier();
    return SigningRequestView{std::move(r), std::move(approvals)};
  }

  const bool approve = action == RequestAction::kApprove;
  SIGNET_TRY(RequireMfa(c.principal,
                        approve ? "approving a signing request" : "rejecting a signing request",
                        tx.get()));
  SIGNET_ASSIGN_OR_RETURN(policy::DecisionOutcome outcome,
                          policy::Decide(r, approvals, c.principal, approve, now));
  // Approvers must still belong to the project when they act.
  SIGNET_ASSIGN_OR_RETURN(auto role, ProjectRoleOf(*tx, c.principal, r.project_id));
  if (!policy::IsProjectMember(c.principal, role)) {
    return PermissionDenied("you are no longer a member of the signer's project");
  }
  domain::Approval a;
  a.id = NewUuid();
  a.request_id = r.id;
  a.step = outcome.step;
  a.approver_user_id = c.principal.id;
  a.decision = approve ? domain::ApprovalDecision::kApproved : domain::ApprovalDecision::kRejected;
  a.comment = comment;
  a.created_at = now;
  SIGNET_TRY(tx->InsertApproval(a));
  approvals.push_back(a);

  JsonWriter details;
  details.Add("signerId", r.signer_id)
      .Add("signerName", signer_name)
      .Add("step", outcome.step + 1)
      .Add("comment", comment);
  if (outcome.request_rejected) {
    r.status = RequestStatus::kRejected;
    SIGNET_TRY(AppendAudit(*tx, &c.principal,
                           {"signing-request.reject", "signing-request", r.id, details.Finish()}));
  } else {
    details.Add("stepComplete", outcome.step_complete)
        .Add("requestApproved", outcome.request_approved);
    SIGNET_TRY(AppendAudit(*tx, &c.principal,
                           {"signing-request.approve", "signing-request", r.id, details.Finish()}));
    if (outcome.step_complete) ++r.current_step;
  }
  if (outcome.request_approved) {
    domain::Grant g = policy::GrantForRequest(r, now);
    g.id = NewUuid();
    g.created_at = g.updated_at = now;
    SIGNET_TRY(tx->InsertGrant(g));
    r.status = RequestStatus::kApproved;
    r.grant_id = g.id;
    SIGNET_TRY(AppendAudit(*tx, &c.principal, {"grant.create", "grant", g.id, GrantDetails(g)}));
  }
  r.updated_at = now;
  SIGNET_TRY(tx->UpdateRequest(r));
  if (outcome.request_rejected) {
    SIGNET_TRY(NotifyRequest(*tx, notify::kRequestRejected, r, signer_name, &c.principal, comment,
                             RequesterIfUser(r)));
  } else if (outcome.request_approved) {
    SIGNET_TRY(NotifyRequest(*tx, notify::kRequestApproved, r, signer_name, &c.principal, comment,
                             RequesterIfUser(r)));
  } else if (outcome.step_complete) {
    SIGNET_TRY(NotifyRequest(*tx, notify::kRequestStepAdvanced, r, signer_name, &c.principal,
                             comment, CurrentApprovers(r)));
  }
  SIGNET_TRY(tx->Commit());
  watcher_->Touch(r.id);
  WakeNotifier();
  return SigningRequestView{std::move(r), std::move(approvals)};
}

// ---- grants ----

Result<store::Page<domain::Grant>> PolicyUseCases::ListGrants(const Caller& c,
                                                              const GrantQuery& q) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  const TimePoint now = d_.clock.Now();
  // Filtered (effective status, MaySeeGrant's rule) and paged in SQL.
  store::GrantFilter filter;
  filter.signer_id = q.signer_id;
  filter.effective_status = q.status;
  filter.now = now;
  if (!c.principal.is_org_admin()) filter.viewer = store::Viewer{c.principal.type, c.principal.id};
  SIGNET_ASSIGN_OR_RETURN(store::Page<domain::Grant> page,
                          tx->ListGrants(filter, ToPage(q.paging)));
  for (auto& g : page.items) g = Effective(std::move(g), now);
  return page;
}

Result<domain::Grant> PolicyUseCases::GetGrant(const Caller& c, const std::string& id) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(domain::Grant g, FindGrant(*tx, id));
  SignerAccessCache access(*tx, c.principal);
  SIGNET_ASSIGN_OR_RETURN(bool see, MaySeeGrant(access, g, c.principal));
  if (!see) return NotFound("signing grant '" + id + "' not found");
  return Effective(std::move(g), d_.clock.Now());
}

Result<domain::Grant> PolicyUseCases::RevokeGrant(const Caller& c, const std::string& id,
                                                  const std::string& reason) {
  return WriteWithAudit<domain::Grant>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::Grant> {
        SIGNET_ASSIGN_OR_RETURN(domain::Grant g, FindGrant(tx, id));
        SignerAccessCache access(tx, c.principal);
        SIGNET_ASSIGN_OR_RETURN(bool admin, access.CanManage(g.signer_id));
        if (!admin) {
          if (IsGrantee(g, c.principal)) {
            return PermissionDenied("revoking a grant needs the signer admin role");
          }
          return NotFound("signing grant '" + id + "' not found");
        }
        const TimePoint now = d_.clock.Now();
        const GrantStatus status = policy::EffectiveGrantStatus(g, now);
        if (status != GrantStatus::kActive) {
          return FailedPrecondition("signing grant '" + id + "' is " +
                                    std::string(domain::GrantStatusName(status)) +
                                    "; only active grants can be revoked");
        }
        g.status = GrantStatus::kRevoked;
        g.revoked_reason = reason;
        g.updated_at = now;
        SIGNET_TRY(tx.UpdateGrant(g));
        e = {"grant.revoke", "grant", g.id,
             JsonWriter()
                 .Add("signerId", g.signer_id)
                 .Add("granteeType", domain::PrincipalTypeName(g.grantee_type))
                 .Add("granteeId", g.grantee_id)
                 .Add("usedSignings", g.used_signings)
                 .Add("reason", reason)
                 .Finish()};
        return g;
      });
}

// ---- per-signer policies (Infisical's inline approvalPolicy) ----

Result<domain::SigningPolicy> Context::WriteSignerPolicy(
    store::Tx& tx, const Caller& c, const std::string& project_id, const std::string& signer_id,
    const SignerPolicyInput& in, const std::optional<domain::SigningPolicy>& existing) {
  const TimePoint now = d_.clock.Now();
  const bool create = !existing.has_value();
  domain::SigningPolicy p = existing.value_or(domain::SigningPolicy{});
  if (create) {
    p.id = NewUuid();
    p.project_id = project_id;
    p.name = std::string(kSignerPolicyPrefix) + signer_id;
    p.max_request_ttl = policy::kDefaultRequestTtl;
    p.bypass_for_machine_identities = false;
    p.created_at = now;
  }
  p.steps = in.steps;
  p.max_window_duration = in.max_window_duration;
  p.max_signings = in.max_signings;
  p.updated_at = now;
  SIGNET_TRY(policy::ValidatePolicy(p));
  SIGNET_TRY(CheckApprovers(tx, p));
  SIGNET_TRY(create ? tx.InsertPolicy(p) : tx.UpdatePolicy(p));
  SIGNET_TRY(AppendAudit(tx, &c.principal,
                         {create ? "signing-policy.create" : "signing-policy.update",
                          "signing-policy", p.id, PolicyDetails(p)}));
  return p;
}

Status Context::DeleteOwnedPolicy(store::Tx& tx, const Caller& c, const domain::Signer& signer) {
  if (!signer.signing_policy_id) return Ok();
  auto p = tx.GetPolicy(*signer.signing_policy_id);
  if (!p) return p.error().code == ErrorCode::kNotFound ? Ok() : Status(tl::unexpected(p.error()));
  if (p->name != std::string(kSignerPolicyPrefix) + signer.id) return Ok();
  SIGNET_ASSIGN_OR_RETURN(std::int64_t users, tx.CountSignersWithPolicy(p->id));
  if (users > 0) return Ok();
  SIGNET_TRY(tx.DeletePolicy(p->id));
  return AppendAudit(tx, &c.principal,
                     {"signing-policy.delete", "signing-policy", p->id,
                      JsonWriter().Add("name", p->name).Finish()});
}

}  // namespace signet::service
