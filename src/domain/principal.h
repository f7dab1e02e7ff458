#pragma once
// Who is calling: a user or a machine identity, resolved from a bearer token by auth/.

#include <string>

#include "domain/entities.h"

namespace signet::domain {

struct Principal {
  PrincipalType type = PrincipalType::kUser;
  std::string id;
  std::string name;                     // email for users, name for identities
  OrgRole org_role = OrgRole::kMember;  // identities are always members
  bool mfa = false;                     // the session's login passed a second factor (users only)
  // What the session's login proved beyond the principal: for an OIDC login the claims that
  // matched, as a JSON object text; recorded with every audit event of the session.
  std::string auth_claims{};

  bool is_org_admin() const { return type == PrincipalType::kUser && org_role == OrgRole::kAdmin; }
  bool is_machine() const { return type == PrincipalType::kIdentity; }
};

}  // namespace signet::domain
