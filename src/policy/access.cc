#include "policy/access.h"

namespace signet::policy {

using domain::ProjectRole;
using domain::SignerRole;

bool IsProjectAdmin(const domain::Principal& p, std::optional<ProjectRole> project_role) {
  return p.is_org_admin() || project_role == ProjectRole::kAdmin;
}

bool IsProjectMember(const domain::Principal& p, std::optional<ProjectRole> project_role) {
  return p.is_org_admin() || project_role.has_value();
}

std::optional<SignerRole> EffectiveSignerRole(const SignerAccess& a) {
  if (IsProjectAdmin(a.principal, a.project_role)) return SignerRole::kAdmin;
  return a.signer_role;
}

bool CanReadSigner(const SignerAccess& a) { return EffectiveSignerRole(a).has_value(); }

bool CanSign(const SignerAccess& a) {
  const auto role = EffectiveSignerRole(a);
  return role == SignerRole::kAdmin || role == SignerRole::kOperator;
}

bool CanManageSigner(const SignerAccess& a) { return EffectiveSignerRole(a) == SignerRole::kAdmin; }

bool CanListOperations(const SignerAccess& a) { return CanReadSigner(a); }

}  // namespace signet::policy
