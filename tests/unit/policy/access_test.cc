#include <gtest/gtest.h>

#include "policy/access.h"

namespace signet::policy {
namespace {

using domain::OrgRole;
using domain::PrincipalType;
using domain::ProjectRole;
using domain::SignerRole;

domain::Principal User(OrgRole role = OrgRole::kMember) {
  return domain::Principal{PrincipalType::kUser, "u", "u@x", role};
}

TEST(Access, OrgAdminIsAdminEverywhere) {
  const auto admin = User(OrgRole::kAdmin);
  EXPECT_TRUE(CanManageSigner({admin, std::nullopt, std::nullopt}));
  EXPECT_TRUE(CanSign({admin, std::nullopt, std::nullopt}));
}

TEST(Access, ProjectAdminManagesEverySigner) {
  const auto u = User();
  EXPECT_TRUE(CanManageSigner({u, ProjectRole::kAdmin, std::nullopt}));
  EXPECT_FALSE(CanReadSigner({u, ProjectRole::kMember, std::nullopt}));
}

TEST(Access, SignerRoles) {
  const auto u = User();
  EXPECT_TRUE(CanSign({u, ProjectRole::kMember, SignerRole::kOperator}));
  EXPECT_FALSE(CanManageSigner({u, ProjectRole::kMember, SignerRole::kOperator}));
  EXPECT_TRUE(CanReadSigner({u, std::nullopt, SignerRole::kAuditor}));
  EXPECT_FALSE(CanSign({u, std::nullopt, SignerRole::kAuditor}));
  EXPECT_TRUE(CanListOperations({u, std::nullopt, SignerRole::kAuditor}));
  EXPECT_TRUE(CanManageSigner({u, std::nullopt, SignerRole::kAdmin}));
}

TEST(Access, IdentityIsNeverOrgAdmin) {
  const domain::Principal machine{PrincipalType::kIdentity, "i", "ci", OrgRole::kAdmin};
  EXPECT_FALSE(machine.is_org_admin());
  EXPECT_FALSE(CanReadSigner({machine, std::nullopt, std::nullopt}));
  EXPECT_TRUE(CanSign({machine, std::nullopt, SignerRole::kOperator}));
}

}  // namespace
}  // namespace signet::policy
