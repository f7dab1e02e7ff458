// The shared context of the use cases (context.h): audit events, project resolution, role
// checks, compliance rules of a project, and the context itself.
#include "service/service_internal.h"

#include "service/request_watcher.h"

namespace signet::service {

audit::AuditEventInput Context::AuditInput(const domain::Principal* actor, const AuditEntry& e) {
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

Status Context::AppendAudit(store::Tx& tx, const domain::Principal* actor, const AuditEntry& e) {
  return d_.audit.Append(tx, AuditInput(actor, e), d_.clock.Now());
}

Status Context::AppendCommitAudit(store::Tx& tx, const domain::Principal* actor,
                                  const AuditEntry& e) {
  return commit_audit_.Append(tx, AuditInput(actor, e), d_.clock.Now());
}

Result<domain::Project> Context::ResolveProject(store::Tx& tx,
                                                const std::optional<std::string>& project) {
  const std::string key = project.value_or(kDefaultProjectSlug);
  auto found = IsUuid(key) ? tx.GetProject(key) : tx.GetProjectBySlug(key);
  if (!found && found.error().code == ErrorCode::kNotFound) {
    return NotFound("project '" + key + "' not found");
  }
  return found;
}

Status Context::RequireOrgAdmin(const domain::Principal& p) {
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
Status Context::RequireProjectAdmin(store::Tx& tx, const domain::Principal& p,
                                    const std::string& project_id) {
  SIGNET_ASSIGN_OR_RETURN(auto role, ProjectRoleOf(tx, p, project_id));
  if (!policy::IsProjectMember(p, role)) return NotFound("project '" + project_id + "' not found");
  if (!policy::IsProjectAdmin(p, role)) {
    return PermissionDenied("this action needs the admin role in the project");
  }
  SIGNET_TRY(RequireMfa(p, "this project admin action", &tx));
  return RequireCsbrMfa(tx, p, project_id, "this project admin action");
}

Status Context::RequireCsbrMfa(store::Tx& tx, const domain::Principal& p,
                               const std::string& project_id, std::string_view what) {
  if (p.type != domain::PrincipalType::kUser || p.mfa) return Ok();
  SIGNET_ASSIGN_OR_RETURN(domain::Project project, tx.GetProject(project_id));
  if (!compliance::IsCsbr(project)) return Ok();
  if (auto v = compliance::MfaViolation(p, what)) return PermissionDenied(*v);
  return Ok();
}

KeyChoice Context::EffectiveKeyChoice(const domain::Project& project, KeyChoice choice) const {
  if (!choice.source && !choice.adopts() && compliance::IsCsbr(project)) {
    choice.source = domain::KeySourceType::kHsm;
  }
  return choice;
}

Status Context::CheckProjectKey(const domain::Project& project, const KeyChoice& choice,
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

Status Context::RequireProjectMember(store::Tx& tx, const domain::Principal& p,
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

Result<Context::SignerView> Context::LoadSigner(store::Tx& tx, const domain::Principal& p,
                                                const std::string& id) {
  SIGNET_ASSIGN_OR_RETURN(domain::Signer signer,
                          FindById(id, "signer", [&] { return tx.GetSigner(id); }));
  SIGNET_ASSIGN_OR_RETURN(policy::SignerAccess access, AccessTo(tx, p, signer));
  // A signer the caller may not read answers exactly like a missing one.
  if (!policy::CanReadSigner(access)) return NotFound("signer '" + id + "' not found");
  return SignerView{std::move(signer), access.project_role, access.signer_role};
}

Context::Context(Deps deps)
    : d_(deps),
      watcher_(std::make_unique<RequestWatcher>(
          deps.store, deps.clock,
          [](const domain::SigningRequest& r, TimePoint now) {
            return NotificationUseCases::VersionOf(r, now);
          },
          std::chrono::milliseconds(1000))),
      key_sources_(deps.keys, deps.hsm, deps.default_key_source),
      signer_cache_(deps.clock, deps.cache_ttl),
      commit_audit_(deps.audit),
      commits_(std::make_unique<CommitQueue>(deps.store, deps.metrics, 512,
                                             CommitQueue::Hooks{[this] {
                                                                  last_signed_.clear();
                                                                  commit_audit_.Reset();
                                                                },
                                                                [this](store::Tx& tx) -> Status {
                                                                  SIGNET_TRY(TouchLastSigned(tx));
                                                                  return commit_audit_.Finish(tx);
                                                                }})) {}

Context::~Context() = default;

}  // namespace signet::service
