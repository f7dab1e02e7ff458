#pragma once
// Role decisions of SPEC §2, pure functions over what the caller is: org admins act as admins
// of every project; project admins manage every signer of their project; signer members have
// the signer role they were given. No I/O: the service loads the memberships and asks here.

#include <optional>

#include "domain/entities.h"
#include "domain/principal.h"

namespace signet::policy {

struct SignerAccess {
  const domain::Principal& principal;
  std::optional<domain::ProjectRole> project_role;  // the caller's role in the signer's project
  std::optional<domain::SignerRole> signer_role;    // the caller's role on the signer
};

bool IsProjectAdmin(const domain::Principal& p, std::optional<domain::ProjectRole> project_role);
bool IsProjectMember(const domain::Principal& p, std::optional<domain::ProjectRole> project_role);

// Effective signer role: admin for org and project admins, else the membership's role.
std::optional<domain::SignerRole> EffectiveSignerRole(const SignerAccess& a);

bool CanReadSigner(const SignerAccess& a);      // any effective role
bool CanSign(const SignerAccess& a);            // admin, operator
bool CanManageSigner(const SignerAccess& a);    // admin
bool CanListOperations(const SignerAccess& a);  // admin, auditor, operator (own role reads)

}  // namespace signet::policy
