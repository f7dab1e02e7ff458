// Signers and their members (SPEC §4–§5); the sign path is in signing.cc.

#include "auth/authenticator.h"
#include "common/encoding.h"
#include "common/names.h"
#include "crypto/x509.h"
#include "policy/signing_policy.h"
#include "service/compliance.h"
#include "service/service_internal.h"

namespace signet::service {
namespace {

constexpr std::size_t kMaxDescription = 256;

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

Result<domain::Signer> SignerUseCases::CreateSigner(const Caller& c, const CreateSignerInput& in) {
  return AuditRefusal(c, "signer.create", "project", in.project.value_or(kDefaultProjectSlug),
                      DoCreateSigner(c, in));
}

Result<domain::Signer> SignerUseCases::UpdateSigner(const Caller& c, const std::string& id,
                                                    const UpdateSignerInput& in) {
  return AuditRefusal(c, "signer.update", "signer", id, DoUpdateSigner(c, id, in));
}

Result<domain::Signer> SignerUseCases::DoCreateSigner(const Caller& c,
                                                      const CreateSignerInput& in) {
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

Result<Context::IssuedCertificate> SignerUseCases::PrepareSignerCertificate(
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

Result<domain::Certificate> SignerUseCases::StoreSignerCertificate(
    store::Tx& tx, const Caller& c, const domain::Project& project, const domain::Signer& signer,
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

Result<store::Page<domain::Signer>> SignerUseCases::ListSigners(
    const Caller& c, const std::optional<std::string>& project,
    const std::optional<std::string>& search, Paging p) {
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

Result<domain::Signer> SignerUseCases::GetSigner(const Caller& c, const std::string& id) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(SignerView v, LoadSigner(*tx, c.principal, id));
  return v.signer;
}

Result<domain::Signer> SignerUseCases::DoUpdateSigner(const Caller& c, const std::string& id,
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

Result<domain::Signer> SignerUseCases::DeleteSigner(const Caller& c, const std::string& id) {
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

Result<Bytes> SignerUseCases::SignerPublicKey(const Caller& c, const std::string& id,
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

Result<KeyEvidence> SignerUseCases::SignerKeyEvidence(const Caller& c, const std::string& id) {
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

Result<CertificateBundle> SignerUseCases::SignerCertificate(const Caller& c, const std::string& id,
                                                            std::string* signer_name) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(SignerView v, LoadSigner(*tx, c.principal, id));
  SIGNET_ASSIGN_OR_RETURN(domain::Certificate cert, tx->GetCertificate(v.signer.certificate_id));
  if (signer_name != nullptr) *signer_name = v.signer.name;
  return CertificateBundle{cert.certificate_pem, cert.certificate_chain_pem, cert.serial_number};
}

Result<store::Page<domain::SigningOperation>> SignerUseCases::ListOperations(
    const Caller& c, const std::string& signer_id, std::optional<domain::OperationStatus> status,
    Paging p) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(SignerView v, LoadSigner(*tx, c.principal, signer_id));
  if (!policy::CanListOperations({c.principal, v.project_role, v.signer_role})) {
    return PermissionDenied("listing operations needs a role on the signer");
  }
  return tx->ListOperations(store::OperationFilter{signer_id, status}, ToPage(p));
}

Result<domain::SignerMember> SignerUseCases::AddSignerMember(const Caller& c,
                                                             const std::string& signer_id,
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

Result<domain::SignerMember> SignerUseCases::InsertSignerMember(store::Tx& tx,
                                                                const domain::Signer& signer,
                                                                const MembershipInput& in,
                                                                AuditEntry& e) {
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

Result<domain::SignerMember> SignerUseCases::UpdateSignerMember(const Caller& c,
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

Result<domain::SignerMember> SignerUseCases::RemoveSignerMember(const Caller& c,
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

Result<store::Page<domain::SignerMember>> SignerUseCases::ListSignerMembers(
    const Caller& c, const std::string& signer_id, Paging p) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(SignerView v, LoadSigner(*tx, c.principal, signer_id));
  return tx->ListSignerMembers(signer_id, ToPage(p));
}

}  // namespace signet::service
