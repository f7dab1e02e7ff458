// The per-signer use cases behind Infisical's newest signer routes (SPEC §10): the signer's
// own approval policy, members by user id or email, permissions, certificate reissue,
// revoking a request, and check-policy-match. Each is written on the same rules (roles,
// policy validation, audit events in the same transaction) as Signet's own use cases.
#include <algorithm>

#include "auth/authenticator.h"
#include "policy/signing_policy.h"
#include "service/service_internal.h"

namespace signet::service {
namespace {

std::string OwnedPolicyName(const std::string& signer_id) {
  return std::string(kSignerPolicyPrefix) + signer_id;
}

}  // namespace

Result<std::optional<domain::SigningPolicy>> SignerUseCases::GetSignerPolicy(
    const Caller& c, const std::string& signer_id) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(SignerView v, LoadSigner(*tx, c.principal, signer_id));
  if (!v.signer.signing_policy_id) return std::optional<domain::SigningPolicy>();
  SIGNET_ASSIGN_OR_RETURN(domain::SigningPolicy p, tx->GetPolicy(*v.signer.signing_policy_id));
  return std::optional<domain::SigningPolicy>(std::move(p));
}

Result<std::optional<domain::SigningPolicy>> SignerUseCases::SetSignerPolicy(
    const Caller& c, const std::string& signer_id, const SignerPolicyInput& in) {
  using Out = std::optional<domain::SigningPolicy>;
  return WriteWithAudit<Out>(&c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<Out> {
    SIGNET_ASSIGN_OR_RETURN(SignerView v, LoadSigner(tx, c.principal, signer_id));
    SIGNET_TRY(RequireProjectAdmin(tx, c.principal, v.signer.project_id));
    domain::Signer s = v.signer;
    // The signer's own policy: the attached one when it is its own, else one left over from an
    // earlier detach (its name is taken).
    std::optional<domain::SigningPolicy> own;
    SIGNET_ASSIGN_OR_RETURN(auto policies, tx.ListPolicies(s.project_id, store::PageRequest{}));
    for (auto& p : policies.items) {
      if (p.name == OwnedPolicyName(s.id)) own = std::move(p);
    }
    Out result;
    if (in.steps.empty()) {
      s.signing_policy_id.reset();  // no steps: signing needs no approval
    } else {
      SIGNET_ASSIGN_OR_RETURN(domain::SigningPolicy p,
                              WriteSignerPolicy(tx, c, s.project_id, s.id, in, own));
      s.signing_policy_id = p.id;
      result = std::move(p);
    }
    if (s.signing_policy_id != v.signer.signing_policy_id) {
      s.updated_at = d_.clock.Now();
      SIGNET_TRY(tx.UpdateSigner(s));
    }
    // Detached, the signer's own policy goes (DeleteOwnedPolicy looks at what was attached).
    if (in.steps.empty() && own) {
      domain::Signer attached = s;
      attached.signing_policy_id = own->id;
      SIGNET_TRY(DeleteOwnedPolicy(tx, c, attached));
    }
    // Audited like any change of a signer's policy (UpdateSigner).
    e = {"signer.policy.update", "signer", s.id,
         JsonWriter()
             .Add("signerName", s.name)
             .Add("previousSigningPolicyId", v.signer.signing_policy_id.value_or(""))
             .Add("signingPolicyId", s.signing_policy_id.value_or(""))
             .Add("approvalSteps", static_cast<std::int64_t>(in.steps.size()))
             .Finish()};
    return result;
  });
}

Result<AddSignerUsersResult> SignerUseCases::AddSignerUsers(
    const Caller& c, const std::string& signer_id, const std::vector<std::string>& user_ids,
    const std::vector<std::string>& emails, const std::string& role) {
  if (user_ids.empty() && emails.empty())
    return InvalidArgument("give at least one userId or email");
  SIGNET_TRY(domain::ParseSignerRole(role));
  return WriteWithAudit<AddSignerUsersResult>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<AddSignerUsersResult> {
        SIGNET_ASSIGN_OR_RETURN(SignerView v, LoadSigner(tx, c.principal, signer_id));
        if (!policy::CanManageSigner({c.principal, v.project_role, v.signer_role})) {
          return PermissionDenied("adding members needs the signer admin role");
        }
        SIGNET_TRY(RequireMfa(c.principal, "signer administration", &tx));
        AddSignerUsersResult out;
        std::vector<std::string> ids;
        for (const auto& id : user_ids) {
          SIGNET_ASSIGN_OR_RETURN(std::string uid, ParseUuid(id, "userIds"));
          auto user = auth::LoadPrincipal(tx, domain::PrincipalType::kUser, uid);
          if (!user && user.error().code == ErrorCode::kNotFound) {
            return InvalidArgument("userIds: user '" + uid + "' does not exist");
          }
          SIGNET_TRY(user);
          ids.push_back(uid);
        }
        for (const auto& email : emails) {
          auto user = tx.GetUserByEmail(email);
          if (!user && user.error().code == ErrorCode::kNotFound) {
            out.unresolved.push_back(email);
            continue;
          }
          SIGNET_TRY(user);
          ids.push_back(user->id);
        }
        std::vector<std::string> done;
        for (const auto& uid : ids) {
          if (std::find(done.begin(), done.end(), uid) != done.end()) continue;
          done.push_back(uid);
          auto existing = tx.GetSignerMemberOf(v.signer.id, domain::PrincipalType::kUser, uid);
          if (existing) {
            out.skipped.push_back(uid);
            continue;
          }
          if (existing.error().code != ErrorCode::kNotFound)
            return tl::unexpected(existing.error());
          AuditEntry added;
          MembershipInput m{uid, std::nullopt, role};
          SIGNET_ASSIGN_OR_RETURN(domain::SignerMember member,
                                  InsertSignerMember(tx, v.signer, m, added));
          SIGNET_TRY(AppendAudit(tx, &c.principal, added));
          out.added.push_back(member);
        }
        // The call itself, with what it did and did not do.
        JsonWriter details;
        details.Add("role", role)
            .Add("added", static_cast<std::int64_t>(out.added.size()))
            .Add("skipped", static_cast<std::int64_t>(out.skipped.size()))
            .Add("unresolved", static_cast<std::int64_t>(out.unresolved.size()));
        e = {"signer.members.add", "signer", v.signer.id, details.Finish()};
        return out;
      });
}

Result<domain::SignerMember> SignerUseCases::FindSignerMember(const Caller& c,
                                                              const std::string& signer_id,
                                                              domain::PrincipalType type,
                                                              const std::string& principal_id) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(SignerView v, LoadSigner(*tx, c.principal, signer_id));
  auto m = tx->GetSignerMemberOf(v.signer.id, type, principal_id);
  if (!m && m.error().code == ErrorCode::kNotFound) {
    return NotFound(std::string(type == domain::PrincipalType::kUser ? "user" : "identity") + " '" +
                    principal_id + "' is not a member of signer '" + v.signer.name + "'");
  }
  return m;
}

Result<SignerPermissions> SignerUseCases::GetSignerPermissions(const Caller& c,
                                                               const std::string& signer_id) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(SignerView v, LoadSigner(*tx, c.principal, signer_id));
  const policy::SignerAccess a{c.principal, v.project_role, v.signer_role};
  SignerPermissions out;
  out.project_role = v.project_role;
  out.signer_role = policy::EffectiveSignerRole(a);
  auto m = tx->GetSignerMemberOf(v.signer.id, c.principal.type, c.principal.id);
  if (m) {
    out.membership = *m;
  } else if (m.error().code != ErrorCode::kNotFound) {
    return tl::unexpected(m.error());
  }
  out.can_read = policy::CanReadSigner(a);
  out.can_manage = policy::CanManageSigner(a);
  out.can_sign = policy::CanSign(a);
  out.can_list_operations = policy::CanListOperations(a);
  return out;
}

Result<domain::Signer> SignerUseCases::ReissueSignerCertificate(const Caller& c,
                                                                const std::string& signer_id,
                                                                const SignerCertificateInput& in) {
  // Rights, the project and the common name first, in a read transaction; the new key is
  // generated outside any transaction; the write checks the rights again.
  auto check = [&](store::Tx& tx) -> Result<SignerView> {
    SIGNET_ASSIGN_OR_RETURN(SignerView v, LoadSigner(tx, c.principal, signer_id));
    if (!policy::CanManageSigner({c.principal, v.project_role, v.signer_role})) {
      return PermissionDenied("reissuing the certificate of signer '" + v.signer.name +
                              "' needs the signer admin role");
    }
    SIGNET_TRY(RequireMfa(c.principal, "signer administration", &tx));
    SIGNET_TRY(RequireProjectAdmin(tx, c.principal, v.signer.project_id));
    return v;
  };
  domain::Project project;
  std::string common_name = in.common_name;
  {
    SIGNET_ASSIGN_OR_RETURN(auto rtx, d_.store.BeginRead());
    SIGNET_ASSIGN_OR_RETURN(SignerView v, check(*rtx));
    SIGNET_ASSIGN_OR_RETURN(project, rtx->GetProject(v.signer.project_id));
    if (common_name.empty()) {
      auto old = rtx->GetCertificate(v.signer.certificate_id);
      common_name = old ? old->common_name : v.signer.name;
    }
  }
  SignerCertificateInput issue = in;
  issue.common_name = common_name;
  SIGNET_ASSIGN_OR_RETURN(IssuedCertificate issued,
                          PrepareSignerCertificate(project, common_name, issue));
  return WriteWithNewKey<domain::Signer>(
      &c.principal, issued.key, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::Signer> {
        SIGNET_ASSIGN_OR_RETURN(SignerView v, check(tx));
        domain::Signer s = v.signer;
        SIGNET_ASSIGN_OR_RETURN(domain::Certificate cert,
                                StoreSignerCertificate(tx, c, project, s, issued));
        const std::string previous = s.certificate_id;
        s.certificate_id = cert.id;
        s.updated_at = d_.clock.Now();
        SIGNET_TRY(tx.UpdateSigner(s));
        e = {"signer.certificate.reissue", "signer", s.id,
             JsonWriter()
                 .Add("certificateId", s.certificate_id)
                 .Add("previousCertificateId", previous)
                 .Add("caId", in.ca_id)
                 .Finish()};
        return s;
      });
}

Result<SigningRequestView> PolicyUseCases::RevokeSignerRequest(const Caller& c,
                                                               const std::string& signer_id,
                                                               const std::string& request_id,
                                                               const std::string& reason) {
  SIGNET_ASSIGN_OR_RETURN(SigningRequestView view, GetSigningRequest(c, request_id));
  if (view.request.signer_id != signer_id) {
    return NotFound("signing request '" + request_id + "' not found");
  }
  switch (view.request.status) {
    case domain::RequestStatus::kPending:
      return CancelSigningRequest(c, request_id);
    case domain::RequestStatus::kApproved:
      if (view.request.grant_id) {
        SIGNET_TRY(RevokeGrant(c, *view.request.grant_id, reason));
        return GetSigningRequest(c, request_id);
      }
      break;
    default:
      break;
  }
  return FailedPrecondition("signing request '" + request_id + "' is " +
                            std::string(domain::RequestStatusName(view.request.status)) +
                            "; only pending and approved requests can be revoked");
}

Result<PolicyMatch> SignerUseCases::CheckPolicyMatch(const Caller& c,
                                                     const std::string& signer_id) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(SignerView v, LoadSigner(*tx, c.principal, signer_id));
  PolicyMatch out;
  if (!v.signer.signing_policy_id) return out;
  SIGNET_ASSIGN_OR_RETURN(domain::SigningPolicy p, tx->GetPolicy(*v.signer.signing_policy_id));
  out.requires_approval = !(c.principal.is_machine() && p.bypass_for_machine_identities);
  SIGNET_ASSIGN_OR_RETURN(
      auto grants, tx->ListGrants(store::GrantFilter{v.signer.id, c.principal.type, c.principal.id,
                                                     domain::GrantStatus::kActive},
                                  store::PageRequest{}));
  const TimePoint now = d_.clock.Now();
  out.has_active_grant =
      std::any_of(grants.items.begin(), grants.items.end(),
                  [&](const domain::Grant& g) { return policy::GrantUsableAt(g, now); });
  return out;
}

}  // namespace signet::service
