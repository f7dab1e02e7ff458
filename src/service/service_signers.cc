// Signers, their members, and the sign path (SPEC §4–§5).
#include <chrono>
#include <map>

#include "auth/authenticator.h"
#include "common/encoding.h"
#include "common/names.h"
#include "crypto/digest.h"
#include "crypto/sign.h"
#include "crypto/x509.h"
#include "policy/signing_policy.h"
#include "service/compliance.h"
#include "service/service_internal.h"

namespace signet::service {
namespace {

constexpr std::size_t kMaxDescription = 256;
constexpr std::size_t kMaxSignData = 128;

Status ValidateSignerFields(const std::string& name, const std::string& description) {
  SIGNET_TRY(ValidateSlug(name, "name"));
  if (description.size() > kMaxDescription) {
    return InvalidArgument("description is " + std::to_string(description.size()) +
                           " characters; the maximum is 256");
  }
  return Ok();
}

Status CheckPolicyInProject(store::Tx& tx, const std::string& policy_id,
                            const std::string& project_id, const std::string& signer_id) {
  if (!IsUuid(policy_id)) return InvalidArgument("signingPolicyId must be a UUID");
  auto policy = tx.GetPolicy(policy_id);
  if (!policy || policy->project_id != project_id) {
    return InvalidArgument("signing policy '" + policy_id + "' was not found in this project");
  }
  // A signer's own approval policy (Infisical's per-signer policy) is not shared.
  const std::string_view name = policy->name;
  if (name.substr(0, kSignerPolicyPrefix.size()) == kSignerPolicyPrefix &&
      name.substr(kSignerPolicyPrefix.size()) != signer_id) {
    return InvalidArgument("signing policy '" + policy->name +
                           "' is another signer's own approval policy");
  }
  return Ok();
}

}  // namespace

Result<domain::Signer> Service::CreateSigner(const Caller& c, const CreateSignerInput& in) {
  return AuditRefusal(c, "signer.create", "project", in.project.value_or(kDefaultProjectSlug),
                      DoCreateSigner(c, in));
}

Result<domain::Signer> Service::UpdateSigner(const Caller& c, const std::string& id,
                                             const UpdateSignerInput& in) {
  return AuditRefusal(c, "signer.update", "signer", id, DoUpdateSigner(c, id, in));
}

Result<domain::Signer> Service::DoCreateSigner(const Caller& c, const CreateSignerInput& in) {
  SIGNET_TRY(ValidateSignerFields(in.name, in.description));
  if (in.issue.has_value() == !in.certificate_id.empty()) {
    return InvalidArgument(in.issue ? "give either certificateId or caId, not both"
                                    : "certificateId is required (or caId, to issue the signer's "
                                      "certificate with it)");
  }
  if (in.approval_policy && in.signing_policy_id) {
    return InvalidArgument(
        "give either signingPolicyId (approvalPolicyId) or approvalPolicy, not both");
  }
  // Infisical's create form issues the signer's certificate: its key is generated before the
  // write transaction, once the caller's rights and the CA are checked.
  std::optional<IssuedCertificate> issued;
  if (in.issue) {
    SIGNET_ASSIGN_OR_RETURN(domain::Project project, [&]() -> Result<domain::Project> {
      SIGNET_ASSIGN_OR_RETURN(auto rtx, d_.store.BeginRead());
      SIGNET_ASSIGN_OR_RETURN(domain::Project p, ResolveProject(*rtx, in.project));
      SIGNET_TRY(RequireProjectAdmin(*rtx, c.principal, p.id));
      return p;
    }());
    SIGNET_ASSIGN_OR_RETURN(issued, PrepareSignerCertificate(project, in.name, *in.issue));
  }
  auto written = WriteWithAudit<domain::Signer>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::Signer> {
        SIGNET_ASSIGN_OR_RETURN(domain::Project project, ResolveProject(tx, in.project));
        SIGNET_TRY(RequireProjectAdmin(tx, c.principal, project.id));
        const TimePoint now = d_.clock.Now();
        domain::Signer s;
        s.id = NewUuid();
        s.project_id = project.id;
        s.name = in.name;
        s.description = in.description;
        s.status = domain::SignerStatus::kActive;
        s.certificate_id = in.certificate_id;
        s.signing_policy_id = in.signing_policy_id;
        s.created_at = s.updated_at = now;
        // Infisical's create form: the certificate is stored and the policy made with the signer,
        // in this transaction.
        if (issued) {
          if (issued->row.project_id != project.id)
            return FailedPrecondition("the project changed; try again");
          SIGNET_ASSIGN_OR_RETURN(domain::Certificate cert,
                                  StoreSignerCertificate(tx, c, project, s, *issued));
          s.certificate_id = cert.id;
        }
        SIGNET_TRY(CheckSigningCertificate(tx, project.id, s.certificate_id));
        if (s.signing_policy_id)
          SIGNET_TRY(CheckPolicyInProject(tx, *s.signing_policy_id, project.id, s.id));
        if (in.approval_policy && !in.approval_policy->steps.empty()) {
          SIGNET_ASSIGN_OR_RETURN(
              domain::SigningPolicy policy,
              WriteSignerPolicy(tx, c, project.id, s.id, *in.approval_policy, std::nullopt));
          s.signing_policy_id = policy.id;
        }
        auto inserted = tx.InsertSigner(s);
        if (!inserted && inserted.error().code == ErrorCode::kAlreadyExists) {
          return AlreadyExists("a signer named '" + s.name + "' already exists in this project");
        }
        SIGNET_TRY(inserted);
        domain::SignerMember creator{
            NewUuid(), s.id, c.principal.type, c.principal.id, domain::SignerRole::kAdmin, now};
        SIGNET_TRY(tx.InsertSignerMember(creator));
        for (const MembershipInput& m : in.members) {
          // The creator is the signer's admin already.
          const bool is_creator = m.user_id ? (c.principal.type == domain::PrincipalType::kUser &&
                                               *m.user_id == c.principal.id)
                                            : (m.identity_id && c.principal.is_machine() &&
                                               *m.identity_id == c.principal.id);
          if (is_creator) continue;
          AuditEntry added;
          SIGNET_TRY(InsertSignerMember(tx, s, m, added));
          SIGNET_TRY(AppendAudit(tx, &c.principal, added));
        }
        e = {"signer.create", "signer", s.id,
             JsonWriter()
                 .Add("name", s.name)
                 .Add("certificateId", s.certificate_id)
                 .Add("signingPolicyId", s.signing_policy_id.value_or(""))
                 .Finish()};
        return s;
      });
  if (!written && issued) key_sources_.Abandon(issued->key);
  return written;
}

Result<Service::IssuedCertificate> Service::PrepareSignerCertificate(
    const domain::Project& project, const std::string& default_common_name,
    const SignerCertificateInput& in) {
  IssueCertificateInput issue;
  issue.ca_id = in.ca_id;
  issue.common_name = in.common_name.empty() ? default_common_name : in.common_name;
  issue.key_algorithm = in.key_algorithm;
  issue.ttl_days = in.ttl_days;
  issue.key_usages = {"digitalSignature"};
  issue.extended_key_usages = {"codeSigning"};
  issue.key = in.key;
  SIGNET_ASSIGN_OR_RETURN(domain::CertificateAuthority ca,
                          [&]() -> Result<domain::CertificateAuthority> {
                            SIGNET_ASSIGN_OR_RETURN(auto rtx, d_.store.BeginRead());
                            return IssuingCa(*rtx, project, in.ca_id);
                          }());
  return IssueInMemory(ca, project, issue);
}

Result<domain::Certificate> Service::StoreSignerCertificate(store::Tx& tx, const Caller& c,
                                                            const domain::Project& project,
                                                            const domain::Signer& signer,
                                                            const IssuedCertificate& issued) {
  SIGNET_ASSIGN_OR_RETURN(domain::Certificate cert, StoreIssued(tx, project, issued));
  SIGNET_TRY(AppendAudit(tx, &c.principal,
                         {"certificate.issue", "certificate", cert.id,
                          JsonWriter()
                              .Add("caId", cert.ca_id.value_or(""))
                              .Add("commonName", cert.common_name)
                              .Add("serialNumber", cert.serial_number)
                              .Add("signerId", signer.id)
                              .Finish()}));
  return cert;
}

Result<store::Page<domain::Signer>> Service::ListSigners(const Caller& c,
                                                         const std::optional<std::string>& project,
                                                         const std::optional<std::string>& search,
                                                         Paging p) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(domain::Project proj, ResolveProject(*tx, project));
  SIGNET_ASSIGN_OR_RETURN(auto project_role, ProjectRoleOf(*tx, c.principal, proj.id));
  const store::SignerFilter filter{proj.id, search};
  if (policy::IsProjectAdmin(c.principal, project_role)) return tx->ListSigners(filter, ToPage(p));
  // Others see only the signers they are members of: read those, not the project's whole list.
  SIGNET_ASSIGN_OR_RETURN(auto memberships,
                          tx->ListSignerMembershipsOf(c.principal.type, c.principal.id));
  auto lower = [](std::string text) {
    for (char& ch : text) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return text;
  };
  const std::string needle = search ? lower(*search) : std::string();
  bool any_in_project = false;
  std::vector<domain::Signer> readable;
  for (const auto& m : memberships) {
    auto signer = tx->GetSigner(m.signer_id);
    if (!signer) {
      if (signer.error().code == ErrorCode::kNotFound) continue;
      return tl::unexpected(signer.error());
    }
    if (signer->project_id != proj.id) continue;
    any_in_project = true;
    if (!needle.empty() && lower(signer->name).find(needle) == std::string::npos &&
        lower(signer->description).find(needle) == std::string::npos) {
      continue;
    }
    readable.push_back(std::move(*signer));
  }
  // A project the caller has no role in does not exist for them (like every other list); the
  // default project, which every server has, answers an empty list instead, so that a client
  // (the PKCS#11 module, `signet whoami`) can list "its signers" before it has any.
  if (!policy::IsProjectMember(c.principal, project_role) && !any_in_project &&
      project.has_value()) {
    return NotFound("project '" + proj.id + "' not found");
  }
  std::sort(readable.begin(), readable.end(),
            [](const domain::Signer& x, const domain::Signer& y) { return x.name < y.name; });
  return Paginate(std::move(readable), p);
}

Result<domain::Signer> Service::GetSigner(const Caller& c, const std::string& id) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(SignerView v, LoadSigner(*tx, c.principal, id));
  return v.signer;
}

Result<domain::Signer> Service::DoUpdateSigner(const Caller& c, const std::string& id,
                                               const UpdateSignerInput& in) {
  return WriteWithAudit<domain::Signer>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::Signer> {
        SIGNET_ASSIGN_OR_RETURN(SignerView v, LoadSigner(tx, c.principal, id));
        if (!policy::CanManageSigner({c.principal, v.project_role, v.signer_role})) {
          return PermissionDenied("changing signer '" + v.signer.name +
                                  "' needs the signer admin role");
        }
        SIGNET_TRY(RequireMfa(c.principal, "signer administration", &tx));
        SIGNET_TRY(RequireCsbrMfa(tx, c.principal, v.signer.project_id, "signer administration"));
        domain::Signer s = v.signer;
        JsonWriter details;
        if (in.name) {
          s.name = *in.name;
          details.Add("name", s.name);
        }
        if (in.description) s.description = *in.description;
        SIGNET_TRY(ValidateSignerFields(s.name, s.description));
        if (in.status) {
          s.status = *in.status;
          details.Add("status", domain::SignerStatusName(s.status));
        }
        if (in.certificate_id) {
          SIGNET_TRY(CheckSigningCertificate(tx, s.project_id, *in.certificate_id));
          s.certificate_id = *in.certificate_id;
          details.Add("certificateId", s.certificate_id);
        }
        std::optional<AuditEntry> policy_change;
        if (in.signing_policy_id && *in.signing_policy_id != s.signing_policy_id) {
          // The policy is what stands between an operator and a signature: only project admins
          // attach, change or detach it. A signer admin who could detach it would sign unapproved
          // and re-attach it — approving themselves.
          if (!policy::IsProjectAdmin(c.principal, v.project_role)) {
            return PermissionDenied(
                "attaching, changing or detaching the signing policy of signer '" + v.signer.name +
                "' needs the admin role in the project");
          }
          if (*in.signing_policy_id)
            SIGNET_TRY(CheckPolicyInProject(tx, **in.signing_policy_id, s.project_id, s.id));
          policy_change =
              AuditEntry{"signer.policy.update", "signer", s.id,
                         JsonWriter()
                             .Add("signerName", s.name)
                             .Add("previousSigningPolicyId", s.signing_policy_id.value_or(""))
                             .Add("signingPolicyId", in.signing_policy_id->value_or(""))
                             .Finish()};
          s.signing_policy_id = *in.signing_policy_id;
          details.Add("signingPolicyId", s.signing_policy_id.value_or(""));
        }
        s.updated_at = d_.clock.Now();
        auto updated = tx.UpdateSigner(s);
        if (!updated && updated.error().code == ErrorCode::kAlreadyExists) {
          return AlreadyExists("a signer named '" + s.name + "' already exists in this project");
        }
        SIGNET_TRY(updated);
        if (policy_change) SIGNET_TRY(AppendAudit(tx, &c.principal, *policy_change));
        e = {"signer.update", "signer", s.id, details.Finish()};
        return s;
      });
}

Result<domain::Signer> Service::DeleteSigner(const Caller& c, const std::string& id) {
  auto r = WriteWithAudit<domain::Signer>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::Signer> {
        SIGNET_ASSIGN_OR_RETURN(SignerView v, LoadSigner(tx, c.principal, id));
        if (!policy::CanManageSigner({c.principal, v.project_role, v.signer_role})) {
          return PermissionDenied("deleting signer '" + v.signer.name +
                                  "' needs the signer admin role");
        }
        SIGNET_TRY(RequireMfa(c.principal, "signer administration", &tx));
        SIGNET_TRY(RequireCsbrMfa(tx, c.principal, v.signer.project_id, "signer administration"));
        SIGNET_TRY(tx.DeleteSigner(id));
        SIGNET_TRY(DeleteOwnedPolicy(tx, c, v.signer));
        e = {"signer.delete", "signer", id, JsonWriter().Add("name", v.signer.name).Finish()};
        return v.signer;
      });
  return AuditRefusal(c, "signer.delete", "signer", id, std::move(r));
}

Result<Bytes> Service::SignerPublicKey(const Caller& c, const std::string& id,
                                       domain::KeyAlgorithm* algorithm) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(SignerView v, LoadSigner(*tx, c.principal, id));
  SIGNET_ASSIGN_OR_RETURN(domain::Certificate cert, tx->GetCertificate(v.signer.certificate_id));
  SIGNET_ASSIGN_OR_RETURN(crypto::Certificate x509,
                          crypto::Certificate::FromPem(cert.certificate_pem));
  SIGNET_ASSIGN_OR_RETURN(crypto::CertificateInfo info, x509.Info());
  if (algorithm != nullptr) *algorithm = cert.key_algorithm;
  return info.spki_der;
}

Result<KeyEvidence> Service::SignerKeyEvidence(const Caller& c, const std::string& id) {
  KeyEvidence out;
  {
    SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
    SIGNET_ASSIGN_OR_RETURN(SignerView v, LoadSigner(*tx, c.principal, id));
    out.signer_id = v.signer.id;
    SIGNET_ASSIGN_OR_RETURN(out.certificate, tx->GetCertificate(v.signer.certificate_id));
    // The certificate's creation (issue, CSR, import) is the key's: the oldest such event.
    store::AuditFilter filter;
    filter.target_id = out.certificate.id;
    SIGNET_ASSIGN_OR_RETURN(auto events, tx->ListAuditEvents(filter, store::PageRequest{0, 100}));
    for (const domain::AuditEvent& e : events.items) {
      if (e.event_type == "certificate.issue" || e.event_type == "certificate.csr" ||
          e.event_type == "certificate.import") {
        out.generated = e;  // newest first: the last match is the oldest
      }
    }
  }
  SIGNET_ASSIGN_OR_RETURN(keystore::KeySource * source,
                          key_sources_.For(out.certificate.key_source));
  SIGNET_ASSIGN_OR_RETURN(out.key, source->DescribeKey(out.certificate.key_id));
  return out;
}

Result<CertificateBundle> Service::SignerCertificate(const Caller& c, const std::string& id,
                                                     std::string* signer_name) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(SignerView v, LoadSigner(*tx, c.principal, id));
  SIGNET_ASSIGN_OR_RETURN(domain::Certificate cert, tx->GetCertificate(v.signer.certificate_id));
  if (signer_name != nullptr) *signer_name = v.signer.name;
  return CertificateBundle{cert.certificate_pem, cert.certificate_chain_pem, cert.serial_number};
}

Result<store::Page<domain::SigningOperation>> Service::ListOperations(
    const Caller& c, const std::string& signer_id, std::optional<domain::OperationStatus> status,
    Paging p) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(SignerView v, LoadSigner(*tx, c.principal, signer_id));
  if (!policy::CanListOperations({c.principal, v.project_role, v.signer_role})) {
    return PermissionDenied("listing operations needs a role on the signer");
  }
  return tx->ListOperations(store::OperationFilter{signer_id, status}, ToPage(p));
}

Result<domain::SignerMember> Service::AddSignerMember(const Caller& c, const std::string& signer_id,
                                                      const MembershipInput& in) {
  auto r = WriteWithAudit<domain::SignerMember>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::SignerMember> {
        SIGNET_ASSIGN_OR_RETURN(SignerView v, LoadSigner(tx, c.principal, signer_id));
        if (!policy::CanManageSigner({c.principal, v.project_role, v.signer_role})) {
          return PermissionDenied("adding members needs the signer admin role");
        }
        SIGNET_TRY(RequireMfa(c.principal, "signer administration", &tx));
        SIGNET_TRY(RequireCsbrMfa(tx, c.principal, v.signer.project_id, "signer administration"));
        return InsertSignerMember(tx, v.signer, in, e);
      });
  return AuditRefusal(c, "signer.member.create", "signer", signer_id, std::move(r));
}

Result<domain::SignerMember> Service::InsertSignerMember(store::Tx& tx,
                                                         const domain::Signer& signer,
                                                         const MembershipInput& in, AuditEntry& e) {
  SIGNET_ASSIGN_OR_RETURN(domain::SignerRole role, domain::ParseSignerRole(in.role));
  if (in.user_id.has_value() == in.identity_id.has_value()) {
    return InvalidArgument("give exactly one of userId and identityId");
  }
  const auto type = in.user_id ? domain::PrincipalType::kUser : domain::PrincipalType::kIdentity;
  SIGNET_ASSIGN_OR_RETURN(
      std::string principal_id,
      ParseUuid(in.user_id ? *in.user_id : *in.identity_id, in.user_id ? "userId" : "identityId"));
  SIGNET_TRY(auth::LoadPrincipal(tx, type, principal_id));
  domain::SignerMember m{NewUuid(), signer.id, type, principal_id, role, d_.clock.Now()};
  auto r = tx.InsertSignerMember(m);
  if (!r && r.error().code == ErrorCode::kAlreadyExists) {
    return AlreadyExists("that principal is already a member of signer '" + signer.name + "'");
  }
  SIGNET_TRY(r);
  e = {"signer.member.create", "signer", signer.id,
       JsonWriter()
           .Add("memberId", m.id)
           .Add("principalType", domain::PrincipalTypeName(type))
           .Add("principalId", principal_id)
           .Add("role", domain::SignerRoleName(role))
           .Finish()};
  return m;
}

Result<domain::SignerMember> Service::UpdateSignerMember(const Caller& c,
                                                         const std::string& signer_id,
                                                         const std::string& member_id,
                                                         const std::string& role_text) {
  SIGNET_ASSIGN_OR_RETURN(domain::SignerRole role, domain::ParseSignerRole(role_text));
  auto r = WriteWithAudit<domain::SignerMember>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::SignerMember> {
        SIGNET_ASSIGN_OR_RETURN(SignerView v, LoadSigner(tx, c.principal, signer_id));
        if (!policy::CanManageSigner({c.principal, v.project_role, v.signer_role})) {
          return PermissionDenied("changing members needs the signer admin role");
        }
        SIGNET_TRY(RequireMfa(c.principal, "signer administration", &tx));
        SIGNET_TRY(RequireCsbrMfa(tx, c.principal, v.signer.project_id, "signer administration"));
        auto m = tx.GetSignerMember(member_id);
        if (!m || m->signer_id != signer_id)
          return NotFound("member '" + member_id + "' not found");
        m->role = role;
        SIGNET_TRY(tx.UpdateSignerMember(*m));
        e = {"signer.member.update", "signer", signer_id,
             JsonWriter()
                 .Add("memberId", member_id)
                 .Add("role", domain::SignerRoleName(role))
                 .Finish()};
        return *m;
      });
  return AuditRefusal(c, "signer.member.update", "signer", signer_id, std::move(r));
}

Result<domain::SignerMember> Service::RemoveSignerMember(const Caller& c,
                                                         const std::string& signer_id,
                                                         const std::string& member_id) {
  auto r = WriteWithAudit<domain::SignerMember>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::SignerMember> {
        SIGNET_ASSIGN_OR_RETURN(SignerView v, LoadSigner(tx, c.principal, signer_id));
        if (!policy::CanManageSigner({c.principal, v.project_role, v.signer_role})) {
          return PermissionDenied("removing members needs the signer admin role");
        }
        SIGNET_TRY(RequireMfa(c.principal, "signer administration", &tx));
        SIGNET_TRY(RequireCsbrMfa(tx, c.principal, v.signer.project_id, "signer administration"));
        auto m = tx.GetSignerMember(member_id);
        if (!m || m->signer_id != signer_id)
          return NotFound("member '" + member_id + "' not found");
        SIGNET_TRY(tx.DeleteSignerMember(member_id));
        e = {"signer.member.delete", "signer", signer_id,
             JsonWriter().Add("memberId", member_id).Finish()};
        return *m;
      });
  return AuditRefusal(c, "signer.member.delete", "signer", signer_id, std::move(r));
}

Result<store::Page<domain::SignerMember>> Service::ListSignerMembers(const Caller& c,
                                                                     const std::string& signer_id,
                                                                     Paging p) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(SignerView v, LoadSigner(*tx, c.principal, signer_id));
  return tx->ListSignerMembers(signer_id, ToPage(p));
}

// ---- the sign path ----

Status Service::RecordOperation(store::Tx& tx, const domain::Principal& actor,
                                const domain::Signer& signer, domain::SigningOperation& op) {
  if (op.status == domain::OperationStatus::kSuccess && op.grant_id) {
    const TimePoint now = d_.clock.Now();
    SIGNET_ASSIGN_OR_RETURN(bool used, tx.TryUseGrant(*op.grant_id, now));
    if (!used) {
      op.status = domain::OperationStatus::kDenied;
      op.error_message = "Signing requires approval. Get approval before signing.";
    }
    // A grant that has run out (this use may have been its last) or timed out is stored as
    // expired, with its audit event, in the same transaction.
    SIGNET_ASSIGN_OR_RETURN(domain::Grant grant, tx.GetGrant(*op.grant_id));
    if (grant.status == domain::GrantStatus::kActive &&
        policy::EffectiveGrantStatus(grant, now) == domain::GrantStatus::kExpired) {
      grant.status = domain::GrantStatus::kExpired;
      grant.updated_at = now;
      SIGNET_TRY(tx.UpdateGrant(grant));
      SIGNET_TRY(AppendCommitAudit(tx, nullptr,
                                   {"grant.expire", "grant", grant.id,
                                    JsonWriter()
                                        .Add("signerId", grant.signer_id)
                                        .Add("usedSignings", grant.used_signings)
                                        .Finish()}));
    }
  }
  op.created_at = d_.clock.Now();
  SIGNET_TRY(tx.InsertOperation(op));
  if (op.status == domain::OperationStatus::kSuccess) {
    auto [it, inserted] = last_signed_.try_emplace(signer.id, op.created_at);
    if (!inserted && it->second < op.created_at) it->second = op.created_at;
  }
  JsonWriter details;
  details.Add("operationId", op.id)
      .Add("signerName", signer.name)
      .Add("signingAlgorithm", op.signing_algorithm)
      .Add("dataHash", op.data_hash)
      .Add("sourceIp", op.source_ip);
  if (op.grant_id) details.Add("grantId", *op.grant_id);
  if (op.error_message) details.Add("error", *op.error_message);
  return AppendCommitAudit(tx, &actor,
                           {"sign." + std::string(domain::OperationStatusName(op.status)), "signer",
                            signer.id, details.Finish()});
}

Status Service::TouchLastSigned(store::Tx& tx) {
  for (const auto& [signer_id, at] : last_signed_)
    SIGNET_TRY(tx.TouchSignerLastSignedAt(signer_id, at));
  last_signed_.clear();
  return Ok();
}

// One sign attempt between its checks and its committed record.
struct Service::SignAttempt {
  domain::Principal actor;
  std::shared_ptr<const SignerSnapshot> view;  // the signer, the caller's roles, the certificate
  domain::SigningOperation op;                 // what to record
  domain::SigningOperation recorded;           // what was recorded (a grant may run out meanwhile)
  std::optional<Error> refusal;                // recorded, then answered
  Bytes signature;
  // The metric label: the canonical name of a known algorithm, else "unknown" (never the
  // name as sent, which would let callers grow the label set without bound).
  std::string algorithm_label = "unknown";
};

void Service::Sign(const Caller& c, const std::string& signer_id, const SignInput& in,
                   SignDone done) {
  const auto started = std::chrono::steady_clock::now();
  auto a = std::make_shared<SignAttempt>();
  if (Status prepared = PrepareSign(c, signer_id, in, *a); !prepared) {
    return done(tl::unexpected(std::move(prepared).error()));
  }
  // The work starts from `a->op` each time it runs, because a failed batch re-runs it alone;
  // with a grant, the use is counted in the same transaction as the record.
  commits_->Submit(
      [this, a](store::Tx& tx) -> Status {
        a->recorded = a->op;
        return RecordOperation(tx, a->actor, a->view->signer, a->recorded);
      },
      [this, a, started, done = std::move(done)](Status committed) {
        if (!committed) return done(tl::unexpected(std::move(committed).error()));
        const domain::SigningOperation& op = a->recorded;
        if (d_.metrics != nullptr) {
          d_.metrics->sign_operations.Inc(
              {a->algorithm_label, std::string(domain::OperationStatusName(op.status))});
          d_.metrics->sign_latency.Observe(
              {},
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        }
        if (a->refusal) return done(tl::unexpected(std::move(*a->refusal)));
        if (op.status != domain::OperationStatus::kSuccess) {
          // The grant ran out between the check and the commit; the attempt is on record.
          return done(MakeError(ErrorCode::kApprovalRequired,
                                "Signing requires approval. Get approval before signing."));
        }
        // A signature means the algorithm parsed, so the recorded name is the one sent.
        done(SignResult{std::move(a->signature), op.signing_algorithm, a->view->signer.id});
      });
}

Result<std::shared_ptr<const SignerSnapshot>> Service::SignerFor(const domain::Principal& p,
                                                                 const std::string& signer_id) {
  auto cached = signer_cache_.Get(signer_id, p);
  if (d_.metrics != nullptr) d_.metrics->signer_cache_lookups.Inc({cached ? "hit" : "miss"});
  if (cached) return cached;
  const std::uint64_t generation = signer_cache_.generation();
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(SignerView v, LoadSigner(*tx, p, signer_id));
  auto snapshot = std::make_shared<SignerSnapshot>();
  auto cert = tx->GetCertificate(v.signer.certificate_id);
  if (cert) {
    cert->certificate_pem.clear();
    cert->certificate_chain_pem.clear();
    cert->csr_pem.clear();
    snapshot->certificate = std::move(*cert);
  } else if (cert.error().code != ErrorCode::kNotFound) {
    return tl::unexpected(cert.error());
  }
  SIGNET_ASSIGN_OR_RETURN(domain::Project project, tx->GetProject(v.signer.project_id));
  snapshot->compliance_profile = project.compliance_profile;
  snapshot->signer = std::move(v.signer);
  snapshot->project_role = v.project_role;
  snapshot->signer_role = v.signer_role;
  signer_cache_.Put(generation, p, snapshot);
  return std::shared_ptr<const SignerSnapshot>(std::move(snapshot));
}

namespace {

// The checks of one attempt's input against the signer's key: the decoded data, the parsed
// algorithm, the key type and the digest length. `cert` may be absent (the attempt is then
// refused for the certificate; the key type is not checked).
Status CheckSignData(const Result<Bytes>& data, const Result<domain::SigningAlgorithm>& algorithm,
                     bool is_digest, const domain::Certificate* cert,
                     const std::string& signer_name) {
  if (!data) return InvalidArgument("data is not valid base64: " + data.error().message);
  if (data->empty() || data->size() > kMaxSignData) {
    return InvalidArgument("data is " + std::to_string(data->size()) +
                           " bytes; it must be 1 to 128 bytes");
  }
  if (!algorithm) return tl::unexpected(algorithm.error());
  if (cert != nullptr &&
      domain::RequiredKeyType(*algorithm) != domain::KeyTypeOf(cert->key_algorithm)) {
    return InvalidArgument(
        std::string(domain::SigningAlgorithmName(*algorithm)) + " needs an " +
        std::string(domain::KeyTypeName(domain::RequiredKeyType(*algorithm))) + " key; signer '" +
        signer_name + "' has an " +
        std::string(domain::KeyTypeName(domain::KeyTypeOf(cert->key_algorithm))) + " key");
  }
  if (is_digest && data->size() != domain::HashLength(algorithm->hash)) {
    return InvalidArgument("digest is " + std::to_string(data->size()) + " bytes; " +
                           std::string(domain::HashName(algorithm->hash)) + " needs " +
                           std::to_string(domain::HashLength(algorithm->hash)));
  }
  return Ok();
}

// The signer's policy as it applies to the caller, read once: whether a grant is needed and
// the caller's active grants on the signer.
struct PolicyGrants {
  bool grant_required = false;
  std::vector<domain::Grant> grants;
};

Result<PolicyGrants> LoadPolicyGrants(store::Store& store, const domain::Principal& p,
                                      const domain::Signer& signer) {
  PolicyGrants out;
  if (!signer.signing_policy_id) return out;
  SIGNET_ASSIGN_OR_RETURN(auto rtx, store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(domain::SigningPolicy policy, rtx->GetPolicy(*signer.signing_policy_id));
  if (p.is_machine() && policy.bypass_for_machine_identities) return out;
  out.grant_required = true;
  SIGNET_ASSIGN_OR_RETURN(
      auto grants,
      rtx->ListGrants(store::GrantFilter{signer.id, p.type, p.id, domain::GrantStatus::kActive},
                      store::PageRequest{}));
  out.grants = std::move(grants.items);
  return out;
}

// The first grant usable at `now` whose scope matches `seen`, skipping those whose count in
// `remaining` (grant id → signings left, for count-limited grants; may be null) is used up;
// else the refusal: a scope mismatch, or approval required.
Result<std::string> ChooseGrant(const std::vector<domain::Grant>& grants,
                                const domain::SigningScope& seen, TimePoint now,
                                const std::map<std::string, std::int64_t>* remaining) {
  std::string mismatch;
  bool used_up = false;
  for (const auto& g : grants) {
    if (!policy::GrantUsableAt(g, now)) continue;
    const std::string m = policy::ScopeMismatch(g.scope, seen);
    if (!m.empty()) {
      mismatch = m;
      continue;
    }
    if (remaining != nullptr) {
      auto left = remaining->find(g.id);
      if (left != remaining->end() && left->second <= 0) {
        used_up = true;
        continue;
      }
    }
    return g.id;
  }
  if (!mismatch.empty() && !used_up) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "the signing grant's scope does not match this attempt (" + mismatch + ")");
  }
  return MakeError(ErrorCode::kApprovalRequired,
                   "Signing requires approval. Get approval before signing.");
}

}  // namespace

std::optional<std::pair<domain::OperationStatus, Error>> Service::SignerRefusal(
    const Caller& c, const SignerSnapshot& v, TimePoint now) const {
  const domain::Signer& signer = v.signer;
  if (!policy::CanSign({c.principal, v.project_role, v.signer_role})) {
    return std::pair{
        domain::OperationStatus::kDenied,
        Error{ErrorCode::kPermissionDenied, "you may not sign with signer '" + signer.name + "'"}};
  }
  if (v.compliance_profile == domain::ComplianceProfile::kCsbr) {
    if (auto violation = compliance::MfaViolation(c.principal, "signing")) {
      return std::pair{domain::OperationStatus::kDenied,
                       Error{ErrorCode::kPermissionDenied, std::move(*violation)}};
    }
    // Bindings are checked when made and when the profile is switched on; this catches a
    // certificate that changed meanwhile on another node.
    if (v.certificate) {
      auto violation = compliance::KeyAlgorithmViolation(v.certificate->key_algorithm);
      if (v.certificate->key_source != domain::KeySourceType::kHsm) {
        violation = std::string(compliance::kCsbrPrefix) +
                    "signers must use keys in a hardware security module; the key of signer '" +
                    signer.name + "' is a software key";
      }
      if (violation) {
        return std::pair{domain::OperationStatus::kFailed,
                         Error{ErrorCode::kInvalidArgument, std::move(*violation)}};
      }
    }
  }
  if (signer.status != domain::SignerStatus::kActive) {
    return std::pair{
        domain::OperationStatus::kFailed,
        Error{ErrorCode::kInvalidArgument, "signer '" + signer.name + "' is disabled"}};
  }
  if (!v.certificate) {
    return std::pair{domain::OperationStatus::kFailed,
                     Error{ErrorCode::kInvalidArgument,
                           "the certificate of signer '" + signer.name + "' is not usable"}};
  }
  if (const std::string why = CertificateUnusableReason(*v.certificate, now); !why.empty()) {
    return std::pair{domain::OperationStatus::kFailed,
                     Error{ErrorCode::kInvalidArgument,
                           "the certificate of signer '" + signer.name + "' " + why}};
  }
  return std::nullopt;
}

Status Service::PrepareSign(const Caller& c, const std::string& signer_id, const SignInput& in,
                            SignAttempt& a) {
  SIGNET_ASSIGN_OR_RETURN(a.view, SignerFor(c.principal, signer_id));
  a.actor = c.principal;
  const SignerSnapshot& v = *a.view;
  const domain::Signer& signer = v.signer;

  domain::SigningOperation& op = a.op;
  op.id = NewTimeOrderedUuid();  // appended in time order: index inserts stay on the last pages
  op.signer_id = signer.id;
  op.project_id = signer.project_id;
  op.signing_algorithm = in.signing_algorithm.substr(0, 64);
  op.actor_type = c.principal.type;
  op.actor_id = c.principal.id;
  op.actor_name = c.principal.name;
  op.client_metadata_json = in.client_metadata_json;
  op.source_ip = c.source_ip;
  // dataHash identifies what was to be signed, for refused attempts too.
  auto data = Base64Decode(in.data_base64);
  if (data) op.data_hash = HexEncode(crypto::Sha256(*data));
  const auto algorithm = domain::ParseSigningAlgorithm(in.signing_algorithm);
  if (algorithm) a.algorithm_label = std::string(domain::SigningAlgorithmName(*algorithm));

  // A refused attempt is recorded like any other, then answered with its error.
  auto refuse = [&](domain::OperationStatus status, Error error) -> Status {
    op.status = status;
    op.error_message = error.message;
    a.refusal = std::move(error);
    return Ok();
  };
  const TimePoint now = d_.clock.Now();
  if (auto refusal = SignerRefusal(c, v, now))
    return refuse(refusal->first, std::move(refusal->second));
  const domain::Certificate& cert = *v.certificate;
  if (v.compliance_profile == domain::ComplianceProfile::kCsbr) {
    if (auto violation = compliance::SigningAlgorithmViolation(in.signing_algorithm)) {
      return refuse(domain::OperationStatus::kFailed,
                    Error{ErrorCode::kInvalidArgument, std::move(*violation)});
    }
  }
  if (Status checked = CheckSignData(data, algorithm, in.is_digest, &cert, signer.name); !checked) {
    return refuse(domain::OperationStatus::kFailed, std::move(checked).error());
  }

  // Policy (SPEC §5): read on every call, like the grants.
  SIGNET_ASSIGN_OR_RETURN(PolicyGrants pg, LoadPolicyGrants(d_.store, c.principal, signer));
  if (pg.grant_required) {
    domain::SigningScope seen = in.reported;
    seen.ip_address = c.source_ip;
    seen.data_hash = op.data_hash;
    auto grant = ChooseGrant(pg.grants, seen, now, nullptr);
    if (!grant) return refuse(domain::OperationStatus::kDenied, std::move(grant).error());
    op.grant_id = std::move(*grant);
  }

  // Sign; the signature leaves only after the record has committed (Sign above).
  auto key = key_sources_.Load(cert.key_source, cert.key_id);
  if (!key) {
    return refuse(
        domain::OperationStatus::kFailed,
        Error{ErrorCode::kInternal, "the key of signer '" + signer.name + "' is not usable"});
  }
  // A key in an unreachable HSM fails with Unavailable (503) and the module's reason.
  auto signature = (*key)->Sign(*algorithm, *data, in.is_digest);
  if (!signature) return refuse(domain::OperationStatus::kFailed, signature.error());
  op.status = domain::OperationStatus::kSuccess;
  a.signature = std::move(*signature);
  return Ok();
}

// ---- batch signing ----

// A batch between its checks and its committed records; one entry per item in each vector.
struct Service::BatchAttempt {
  domain::Principal actor;
  std::shared_ptr<const SignerSnapshot> view;
  std::vector<domain::SigningOperation> ops;       // what to record
  std::vector<domain::SigningOperation> recorded;  // what was recorded
  std::vector<std::optional<Error>> refusals;      // recorded, then answered per item
  std::vector<Bytes> signatures;
  std::vector<std::string> labels;     // metric labels (canonical algorithm names)
  std::optional<Error> batch_refusal;  // recorded for every item, then answered as the reply
};

void Service::SignBatch(const Caller& c, const std::string& signer_id, std::vector<SignInput> items,
                        SignBatchDone done) {
  const std::size_t n = items.size();
  if (n == 0) {
    return done(InvalidArgument("items is empty; give 1 to " + std::to_string(d_.max_batch_items) +
                                " items to sign"));
  }
  if (n > d_.max_batch_items) {
    return done(InvalidArgument("items has " + std::to_string(n) + " entries; the maximum is " +
                                std::to_string(d_.max_batch_items) +
                                " (signetd --max-batch-items)"));
  }
  auto view = SignerFor(c.principal, signer_id);
  if (!view) return done(tl::unexpected(view.error()));
  auto a = std::make_shared<BatchAttempt>();
  a->actor = c.principal;
  a->view = std::move(*view);
  const SignerSnapshot& v = *a->view;
  const domain::Signer& signer = v.signer;
  const domain::Certificate* cert = v.certificate ? &*v.certificate : nullptr;

  // Every item's input first: a bad item fails the batch before anything is recorded.
  std::vector<Bytes> data(n);
  std::vector<domain::SigningAlgorithm> algorithms(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto decoded = Base64Decode(items[i].data_base64);
    auto algorithm = domain::ParseSigningAlgorithm(items[i].signing_algorithm);
    if (v.compliance_profile == domain::ComplianceProfile::kCsbr) {
      if (auto violation = compliance::SigningAlgorithmViolation(items[i].signing_algorithm)) {
        return done(InvalidArgument("items[" + std::to_string(i) + "]: " + *violation));
      }
    }
    if (Status checked = CheckSignData(decoded, algorithm, items[i].is_digest, cert, signer.name);
        !checked) {
      return done(InvalidArgument("items[" + std::to_string(i) + "]: " + checked.error().message));
    }
    data[i] = std::move(*decoded);
    algorithms[i] = *algorithm;
  }

  a->ops.resize(n);
  a->refusals.resize(n);
  a->signatures.resize(n);
  a->labels.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    domain::SigningOperation& op = a->ops[i];
    op.id = NewTimeOrderedUuid();
    op.signer_id = signer.id;
    op.project_id = signer.project_id;
    op.signing_algorithm = items[i].signing_algorithm.substr(0, 64);
    op.actor_type = c.principal.type;
    op.actor_id = c.principal.id;
    op.actor_name = c.principal.name;
    op.client_metadata_json = std::move(items[i].client_metadata_json);
    op.source_ip = c.source_ip;
    op.data_hash = HexEncode(crypto::Sha256(data[i]));
    a->labels[i] = std::string(domain::SigningAlgorithmName(algorithms[i]));
  }
  auto refuse = [&a](std::size_t i, domain::OperationStatus status, Error error) {
    a->ops[i].status = status;
    a->ops[i].error_message = error.message;
    a->refusals[i] = std::move(error);
  };

  // One decision for the whole batch: the caller's right, the signer, its certificate ...
  const TimePoint now = d_.clock.Now();
  if (auto refusal = SignerRefusal(c, v, now)) {
    for (std::size_t i = 0; i < n; ++i) refuse(i, refusal->first, refusal->second);
    a->batch_refusal = std::move(refusal->second);
  } else {
    // ... and the policy with the caller's grants, read once. Each item takes the first
    // grant that matches its scope and, by what was read, still has signings left; the
    // commit then counts each use and refuses the items of a grant that ran out meanwhile.
    auto pg = LoadPolicyGrants(d_.store, c.principal, signer);
    if (!pg) return done(tl::unexpected(pg.error()));
    if (pg->grant_required) {
      std::map<std::string, std::int64_t> remaining;
      for (const auto& g : pg->grants) {
        if (g.max_signings) remaining[g.id] = *g.max_signings - g.used_signings;
      }
      for (std::size_t i = 0; i < n; ++i) {
        domain::SigningScope seen = items[i].reported;
        seen.ip_address = c.source_ip;
        seen.data_hash = a->ops[i].data_hash;
        auto grant = ChooseGrant(pg->grants, seen, now, &remaining);
        if (!grant) {
          refuse(i, domain::OperationStatus::kDenied, std::move(grant).error());
          continue;
        }
        if (auto left = remaining.find(*grant); left != remaining.end()) --left->second;
        a->ops[i].grant_id = std::move(*grant);
      }
    }
    // Through the certificate's key source, like a single sign: an HSM key signs in the token.
    auto key = key_sources_.Load(cert->key_source, cert->key_id);
    for (std::size_t i = 0; i < n; ++i) {
      if (a->refusals[i]) continue;
      if (!key) {
        refuse(
            i, domain::OperationStatus::kFailed,
            Error{ErrorCode::kInternal, "the key of signer '" + signer.name + "' is not usable"});
        continue;
      }
      auto signature = (*key)->Sign(algorithms[i], data[i], items[i].is_digest);
      if (!signature) {
        refuse(i, domain::OperationStatus::kFailed, signature.error());
        continue;
      }
      a->ops[i].status = domain::OperationStatus::kSuccess;
      a->signatures[i] = std::move(*signature);
    }
  }

  // One unit of work: every record of the batch commits together, before the reply.
  commits_->Submit(
      [this, a](store::Tx& tx) -> Status {
        a->recorded = a->ops;
        for (domain::SigningOperation& op : a->recorded) {
          SIGNET_TRY(RecordOperation(tx, a->actor, a->view->signer, op));
        }
        return Ok();
      },
      [this, a, done = std::move(done)](Status committed) {
        if (!committed) return done(tl::unexpected(std::move(committed).error()));
        if (d_.metrics != nullptr) {
          for (std::size_t i = 0; i < a->recorded.size(); ++i) {
            d_.metrics->sign_operations.Inc(
                {a->labels[i], std::string(domain::OperationStatusName(a->recorded[i].status))});
          }
        }
        if (a->batch_refusal) return done(tl::unexpected(std::move(*a->batch_refusal)));
        SignBatchResult result;
        result.signer_id = a->view->signer.id;
        result.items.resize(a->recorded.size());
        for (std::size_t i = 0; i < a->recorded.size(); ++i) {
          const domain::SigningOperation& op = a->recorded[i];
          SignBatchItemResult& r = result.items[i];
          r.operation_id = op.id;
          r.status = op.status;
          r.signing_algorithm = op.signing_algorithm;
          if (a->refusals[i]) {
            r.error = std::move(a->refusals[i]);
          } else if (op.status != domain::OperationStatus::kSuccess) {
            // The grant ran out between the decision and the commit; the refusal is on record.
            r.error = Error{ErrorCode::kApprovalRequired,
                            "Signing requires approval. Get approval before signing."};
          } else {
            r.signature = std::move(a->signatures[i]);
          }
        }
        done(std::move(result));
      });
}

}  // namespace signet::service
