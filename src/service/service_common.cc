// Shared pieces of the use cases: transactions with audit, project resolution, role checks.
#include "service/service_internal.h"

#include "common/encoding.h"
#include "crypto/digest.h"
#include "crypto/ed25519.h"

namespace signet::service {

audit::AuditEventInput Service::AuditInput(const domain::Principal* actor, const AuditEntry& e) {
  audit::AuditEventInput in;
  in.event_type = e.event_type;
  if (actor != nullptr) {
    in.actor_type = std::string(domain::PrincipalTypeName(actor->type));
    in.actor_id = actor->id;
    in.actor_name = actor->name;
  } else {
    in.actor_type = "system";
  }
  in.target_type = e.target_type;
  in.target_id = e.target_id;
  in.details_json = e.details_json;
  if (actor != nullptr && !actor->auth_claims.empty()) {
    // The session's OIDC claims go with everything it does ({…} → {…,"actorClaims":{…}}).
    const std::size_t close = in.details_json.rfind('}');
    if (close != std::string::npos) {
      const bool empty = in.details_json.find_first_not_of(" \t\n{", 0) == close;
      in.details_json.insert(
          close, std::string(empty ? "" : ",") + "\"actorClaims\":" + actor->auth_claims);
    }
  }
  return in;
}

Status Service::AppendAudit(store::Tx& tx, const domain::Principal* actor, const AuditEntry& e) {
  return d_.audit.Append(tx, AuditInput(actor, e), d_.clock.Now());
}

Status Service::AppendCommitAudit(store::Tx& tx, const domain::Principal* actor,
                                  const AuditEntry& e) {
  return commit_audit_.Append(tx, AuditInput(actor, e), d_.clock.Now());
}

Result<domain::Project> Service::ResolveProject(store::Tx& tx,
                                                const std::optional<std::string>& project) {
  const std::string key = project.value_or(kDefaultProjectSlug);
  auto found = IsUuid(key) ? tx.GetProject(key) : tx.GetProjectBySlug(key);
  if (!found && found.error().code == ErrorCode::kNotFound) {
    return NotFound("project '" + key + "' not found");
  }
  return found;
}

Status Service::RequireOrgAdmin(const domain::Principal& p) {
  if (!p.is_org_admin()) return PermissionDenied("this action needs the org admin role");
  return RequireMfa(p, "this org admin action");
}

Result<std::optional<domain::ProjectRole>> ProjectRoleOf(store::Tx& tx, const domain::Principal& p,
                                                         const std::string& project_id) {
  auto m = tx.GetMembershipOf(project_id, p.type, p.id);
  if (!m) {
    if (m.error().code == ErrorCode::kNotFound) return std::optional<domain::ProjectRole>();
    return tl::unexpected(m.error());
  }
  return std::optional<domain::ProjectRole>(m->role);
}

// Outside the caller's projects everything answers like a missing row: a project the caller
// is not a member of is "not found", not "forbidden", so ids do not reveal what exists.
Status Service::RequireProjectAdmin(store::Tx& tx, const domain::Principal& p,
                                    const std::string& project_id) {
  SIGNET_ASSIGN_OR_RETURN(auto role, ProjectRoleOf(tx, p, project_id));
  if (!policy::IsProjectMember(p, role)) return NotFound("project '" + project_id + "' not found");
  if (!policy::IsProjectAdmin(p, role)) {
    return PermissionDenied("this action needs the admin role in the project");
  }
  SIGNET_TRY(RequireMfa(p, "this project admin action", &tx));
  return RequireCsbrMfa(tx, p, project_id, "this project admin action");
}

Status Service::RequireCsbrMfa(store::Tx& tx, const domain::Principal& p,
                               const std::string& project_id, std::string_view what) {
  if (p.type != domain::PrincipalType::kUser || p.mfa) return Ok();
  SIGNET_ASSIGN_OR_RETURN(domain::Project project, tx.GetProject(project_id));
  if (!compliance::IsCsbr(project)) return Ok();
  if (auto v = compliance::MfaViolation(p, what)) return PermissionDenied(*v);
  return Ok();
}

KeyChoice Service::EffectiveKeyChoice(const domain::Project& project, KeyChoice choice) const {
  if (!choice.source && !choice.adopts() && compliance::IsCsbr(project)) {
    choice.source = domain::KeySourceType::kHsm;
  }
  return choice;
}

Status Service::CheckProjectKey(const domain::Project& project, const KeyChoice& choice,
                                domain::KeyAlgorithm algorithm) const {
  if (!compliance::IsCsbr(project)) return Ok();
  if (auto v = compliance::KeyAlgorithmViolation(algorithm)) return InvalidArgument(*v);
  const domain::KeySourceType source =
      choice.adopts()
          ? domain::KeySourceType::kHsm
          : EffectiveKeyChoice(project, choice).source.value_or(key_sources_.default_type());
  if (auto v = compliance::KeySourceViolation(source)) return InvalidArgument(*v);
  return Ok();
}

Status Service::RequireProjectMember(store::Tx& tx, const domain::Principal& p,
                                     const std::string& project_id) {
  SIGNET_ASSIGN_OR_RETURN(auto role, ProjectRoleOf(tx, p, project_id));
  if (!policy::IsProjectMember(p, role)) return NotFound("project '" + project_id + "' not found");
  return Ok();
}

Result<policy::SignerAccess> AccessTo(store::Tx& tx, const domain::Principal& p,
                                      const domain::Signer& signer) {
  policy::SignerAccess access{p, std::nullopt, std::nullopt};
  SIGNET_ASSIGN_OR_RETURN(access.project_role, ProjectRoleOf(tx, p, signer.project_id));
  auto member = tx.GetSignerMemberOf(signer.id, p.type, p.id);
  if (member) {
    access.signer_role = member->role;
  } else if (member.error().code != ErrorCode::kNotFound) {
    return tl::unexpected(member.error());
  }
  return access;
}

std::string CertificateUnusableReason(const domain::Certificate& cert, TimePoint now) {
  if (cert.status == domain::CertificateStatus::kPending) return "has no issued certificate yet";
  if (cert.status == domain::CertificateStatus::kRevoked) return "is revoked";
  if (cert.not_after && now >= *cert.not_after) return "has expired";
  if (cert.not_before && now < *cert.not_before) return "is not yet valid";
  if (cert.key_id.empty()) return "has no private key held by Signet";
  return {};
}

Result<Service::SignerView> Service::LoadSigner(store::Tx& tx, const domain::Principal& p,
                                                const std::string& id) {
  SIGNET_ASSIGN_OR_RETURN(domain::Signer signer,
                          FindById(id, "signer", [&] { return tx.GetSigner(id); }));
  SIGNET_ASSIGN_OR_RETURN(policy::SignerAccess access, AccessTo(tx, p, signer));
  // A signer the caller may not read answers exactly like a missing one.
  if (!policy::CanReadSigner(access)) return NotFound("signer '" + id + "' not found");
  return SignerView{std::move(signer), access.project_role, access.signer_role};
}

Status Service::Ready() {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(auto n, tx->CountUsers());
  (void)n;
  tx.reset();
  SIGNET_TRY(key_sources_.Health());  // an unreachable HSM token: not ready
  if (d_.tsa_require_synchronized_clock && d_.clock_state) {
    if (ClockState clock = d_.clock_state(); !clock.synchronized) {
      return FailedPrecondition("the clock is not synchronised (" + clock.reason +
                                "); time-stamp authorities refuse until it is");
    }
  }
  return Ok();
}

Result<store::Page<domain::AuditEvent>> Service::ListAudit(const Caller& c, const AuditQuery& q) {
  SIGNET_TRY(RequireOrgAdmin(c.principal));
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  store::AuditFilter f;
  f.event_type = q.event_type;
  f.actor_id = q.actor_id;
  f.since = q.since;
  f.until = q.until;
  return tx->ListAuditEvents(f, ToPage(q.paging));
}

Result<audit::VerifyReport> Service::VerifyAudit(const Caller& c,
                                                 const audit::Checkpoint* checkpoint) {
  SIGNET_TRY(RequireOrgAdmin(c.principal));
  if (checkpoint != nullptr) SIGNET_TRY(d_.audit.CheckCheckpointSignature(*checkpoint));
  return d_.audit.Verify(d_.store, checkpoint);
}

Result<Service::PublicKeyInfo> Service::AuditPublicKey() const {
  const Bytes& raw = d_.audit.checkpoint_public_key();
  if (raw.empty()) return Unavailable("this server has no audit checkpoint key");
  PublicKeyInfo info;
  info.raw = raw;
  SIGNET_ASSIGN_OR_RETURN(info.pem, crypto::Ed25519PublicKeyPem(raw));
  const Bytes digest = crypto::Sha256(raw);
  info.key_id = HexEncode(ByteView(digest.data(), 8));
  return info;
}

Result<audit::Checkpoint> Service::AuditCheckpoint(const Caller& c) {
  SIGNET_TRY(RequireOrgAdmin(c.principal));
  return d_.audit.MakeCheckpoint(d_.store, d_.clock.Now());
}

}  // namespace signet::service
