#include "unit/store/store_conformance.h"

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "common/uuid.h"
#include "store/tables.h"
#include "unit/store/store_test_util.h"

namespace signet::store::testing {

std::string BackendName(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param.name;
}

void StoreConformanceTest::SetUp() {
  harness_ = GetParam().make_harness();
  ASSERT_NE(harness_, nullptr);
  auto store = harness_->Open();
  ASSERT_TRUE(store.has_value()) << store.error().message;
  store_ = std::move(*store);
}

void StoreConformanceTest::TearDown() {
  store_.reset();
  harness_.reset();
}

namespace {

using domain::PrincipalType;
using domain::RequestStatus;
using namespace std::chrono_literals;

// A project with one code-signing certificate, committed.
struct Fixture {
  domain::Project project;
  domain::Certificate cert;
};

Fixture SeedProject(Store& store, const std::string& slug = "default") {
  Fixture f{MakeProject(slug), {}};
  f.cert = MakeCertificate(f.project.id);
  auto tx = store.BeginWrite();
  EXPECT_TRUE(tx.has_value());
  if (!tx) return f;
  EXPECT_OK((*tx)->InsertProject(f.project));
  EXPECT_OK((*tx)->InsertCertificate(f.cert));
  EXPECT_OK((*tx)->Commit());
  return f;
}

TEST_P(StoreConformanceTest, UserCrud) {
  domain::User alice = MakeUser("alice@example.com");
  domain::User bob = MakeUser("bob@example.com");
  bob.org_role = domain::OrgRole::kAdmin;
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
    ASSERT_OK(tx->InsertUser(alice));
    ASSERT_OK(tx->InsertUser(bob));
    ASSERT_OK(tx->Commit());
  }
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
  ASSERT_OK_AND_ASSIGN(auto got, tx->GetUser(alice.id));
  EXPECT_EQ(got, alice);
  ASSERT_OK_AND_ASSIGN(got, tx->GetUserByEmail("bob@example.com"));
  EXPECT_EQ(got, bob);
  EXPECT_ERROR(tx->GetUserByEmail("carol@example.com"), ErrorCode::kNotFound);
  EXPECT_ERROR(tx->GetUser(NewUuid()), ErrorCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(auto count, tx->CountUsers());
  EXPECT_EQ(count, 2);

  alice.password_hash = "$argon2id$new";
  alice.org_role = domain::OrgRole::kAdmin;
  alice.updated_at = T(5000);
  ASSERT_OK(tx->UpdateUser(alice));
  ASSERT_OK_AND_ASSIGN(got, tx->GetUser(alice.id));
  EXPECT_EQ(got, alice);

  domain::User ghost = MakeUser("ghost@example.com");
  EXPECT_ERROR(tx->UpdateUser(ghost), ErrorCode::kNotFound);
  EXPECT_ERROR(tx->DeleteUser(ghost.id), ErrorCode::kNotFound);

  ASSERT_OK_AND_ASSIGN(auto page, tx->ListUsers({0, 10}));
  EXPECT_EQ(page.total_count, 2);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].id, alice.id);  // oldest first, then insertion order

  ASSERT_OK(tx->DeleteUser(alice.id));
  EXPECT_ERROR(tx->GetUser(alice.id), ErrorCode::kNotFound);
  ASSERT_OK(tx->Commit());
}

TEST_P(StoreConformanceTest, UserEmailIsUnique) {
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
  ASSERT_OK(tx->InsertUser(MakeUser("alice@example.com")));
  auto dup = tx->InsertUser(MakeUser("alice@example.com"));
  EXPECT_ERROR(dup, ErrorCode::kAlreadyExists);
  EXPECT_EQ(ErrorMessage(dup), "a user with email 'alice@example.com' already exists");
  // The failed statement leaves the transaction usable.
  ASSERT_OK(tx->InsertUser(MakeUser("bob@example.com")));
  ASSERT_OK(tx->Commit());
  ASSERT_OK_AND_ASSIGN(auto read, store().BeginRead());
  ASSERT_OK_AND_ASSIGN(auto count, read->CountUsers());
  EXPECT_EQ(count, 2);
}

TEST_P(StoreConformanceTest, IdentitiesAndClientSecrets) {
  domain::Identity ci = MakeIdentity("ci");
  domain::ClientSecret s1{NewUuid(), ci.id, std::string(64, 'a'), "first", T(1), false};
  domain::ClientSecret s2{NewUuid(), ci.id, std::string(64, 'b'), "second", T(2), false};
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
  ASSERT_OK(tx->InsertIdentity(ci));
  ASSERT_OK(tx->InsertClientSecret(s1));
  ASSERT_OK(tx->InsertClientSecret(s2));

  ASSERT_OK_AND_ASSIGN(auto got, tx->GetIdentityByClientId(ci.client_id));
  EXPECT_EQ(got, ci);
  EXPECT_ERROR(tx->GetIdentityByClientId("nope"), ErrorCode::kNotFound);
  domain::Identity clash = MakeIdentity("other");
  clash.client_id = ci.client_id;
  auto dup = tx->InsertIdentity(clash);
  EXPECT_ERROR(dup, ErrorCode::kAlreadyExists);
  EXPECT_NE(ErrorMessage(dup).find(ci.client_id), std::string::npos);

  ci.name = "ci-renamed";
  ci.updated_at = T(10);
  ASSERT_OK(tx->UpdateIdentity(ci));
  ASSERT_OK_AND_ASSIGN(got, tx->GetIdentity(ci.id));
  EXPECT_EQ(got, ci);
  ASSERT_OK_AND_ASSIGN(auto identities, tx->ListIdentities({}));
  EXPECT_EQ(identities.total_count, 1);

  ASSERT_OK_AND_ASSIGN(auto secrets, tx->ListClientSecrets(ci.id));
  ASSERT_EQ(secrets.size(), 2u);
  EXPECT_EQ(secrets[0], s1);
  EXPECT_EQ(secrets[1], s2);
  ASSERT_OK(tx->RevokeClientSecret(s1.id));
  ASSERT_OK_AND_ASSIGN(auto revoked, tx->GetClientSecret(s1.id));
  EXPECT_TRUE(revoked.revoked);
  EXPECT_ERROR(tx->RevokeClientSecret(NewUuid()), ErrorCode::kNotFound);
  ASSERT_OK(tx->DeleteClientSecret(s2.id));
  EXPECT_ERROR(tx->GetClientSecret(s2.id), ErrorCode::kNotFound);

  domain::ClientSecret orphan{NewUuid(), NewUuid(), "00", "", T(), false};
  EXPECT_ERROR(tx->InsertClientSecret(orphan), ErrorCode::kFailedPrecondition);

  ASSERT_OK(tx->DeleteIdentity(ci.id));  // cascades to its secrets
  EXPECT_ERROR(tx->GetClientSecret(s1.id), ErrorCode::kNotFound);
  ASSERT_OK(tx->Commit());
}

TEST_P(StoreConformanceTest, OidcAuthOfIdentities) {
  domain::Identity ci = MakeIdentity("ci");
  domain::OidcAuth auth;
  auth.identity_id = ci.id;
  auth.discovery_url = "https://token.actions.githubusercontent.com";
  auth.bound_issuer = "https://token.actions.githubusercontent.com";
  auth.bound_audiences = "signet, https://github.com/octo";
  auth.bound_claims = {{"repository", "octo/app"}, {"ref", "refs/heads/*, refs/tags/v\"*\""}};
  auth.bound_subject = "repo:octo/app:*";
  auth.access_token_ttl = std::chrono::minutes(10);
  auth.access_token_max_ttl = std::chrono::hours(1);
  auth.created_at = T(1);
  auth.updated_at = T(1);
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
  ASSERT_OK(tx->InsertIdentity(ci));
  EXPECT_ERROR(tx->GetOidcAuth(ci.id), ErrorCode::kNotFound);
  ASSERT_OK(tx->InsertOidcAuth(auth));
  ASSERT_OK_AND_ASSIGN(auto got, tx->GetOidcAuth(ci.id));
  EXPECT_EQ(got, auth);

  auth.bound_claims.clear();
  auth.discovery_url.clear();
  auth.jwks = R"({"keys":[]})";
  auth.ca_cert = "-----BEGIN CERTIFICATE-----\n…";
  auth.updated_at = T(5);
  ASSERT_OK(tx->UpdateOidcAuth(auth));
  ASSERT_OK_AND_ASSIGN(got, tx->GetOidcAuth(ci.id));
  EXPECT_EQ(got, auth);

  domain::OidcAuth orphan = auth;
  orphan.identity_id = NewUuid();
  EXPECT_ERROR(tx->InsertOidcAuth(orphan), ErrorCode::kFailedPrecondition);
  auto twice = tx->InsertOidcAuth(auth);
  EXPECT_ERROR(twice, ErrorCode::kAlreadyExists);
  EXPECT_EQ(ErrorMessage(twice), "identity '" + ci.id + "' already has an OIDC auth method");
  EXPECT_ERROR(tx->UpdateOidcAuth(orphan), ErrorCode::kNotFound);
  EXPECT_ERROR(tx->DeleteOidcAuth(orphan.identity_id), ErrorCode::kNotFound);

  ASSERT_OK(tx->DeleteOidcAuth(ci.id));
  EXPECT_ERROR(tx->GetOidcAuth(ci.id), ErrorCode::kNotFound);
  ASSERT_OK(tx->InsertOidcAuth(auth));
  ASSERT_OK(tx->DeleteIdentity(ci.id));  // cascades to its OIDC auth
  EXPECT_ERROR(tx->GetOidcAuth(ci.id), ErrorCode::kNotFound);
  ASSERT_OK(tx->Commit());
}

TEST_P(StoreConformanceTest, AccessTokens) {
  const std::string user_id = NewUuid();
  domain::AccessToken live{
      std::string(64, '1'), PrincipalType::kUser, user_id, T(), T(1000), false};
  domain::AccessToken old{std::string(64, '2'), PrincipalType::kUser, user_id, T(), T(-1), false};
  domain::AccessToken machine{
      std::string(64, '3'), PrincipalType::kIdentity, NewUuid(), T(), T(5000), false};
  machine.auth_claims =
      R"({"iss":"https://issuer.example","sub":"repo:octo/app:ref:refs/heads/main"})";
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
  ASSERT_OK(tx->InsertAccessToken(live));
  ASSERT_OK(tx->InsertAccessToken(old));
  ASSERT_OK(tx->InsertAccessToken(machine));
  ASSERT_OK_AND_ASSIGN(auto read_back, tx->GetAccessToken(machine.token_hash));
  EXPECT_EQ(read_back, machine);
  EXPECT_ERROR(tx->InsertAccessToken(live), ErrorCode::kAlreadyExists);

  ASSERT_OK_AND_ASSIGN(auto got, tx->GetAccessToken(live.token_hash));
  EXPECT_EQ(got, live);
  EXPECT_ERROR(tx->GetAccessToken(std::string(64, 'f')), ErrorCode::kNotFound);

  ASSERT_OK(tx->RevokeAccessToken(machine.token_hash));
  ASSERT_OK_AND_ASSIGN(got, tx->GetAccessToken(machine.token_hash));
  EXPECT_TRUE(got.revoked);
  EXPECT_ERROR(tx->RevokeAccessToken(std::string(64, 'f')), ErrorCode::kNotFound);

  ASSERT_OK_AND_ASSIGN(auto n, tx->DeleteExpiredAccessTokens(T()));
  EXPECT_EQ(n, 1);
  EXPECT_ERROR(tx->GetAccessToken(old.token_hash), ErrorCode::kNotFound);

  ASSERT_OK_AND_ASSIGN(n, tx->RevokeAccessTokensOf(PrincipalType::kUser, user_id));
  EXPECT_EQ(n, 1);
  ASSERT_OK_AND_ASSIGN(got, tx->GetAccessToken(live.token_hash));
  EXPECT_TRUE(got.revoked);
  ASSERT_OK(tx->Commit());
}

TEST_P(StoreConformanceTest, ProjectsAndMemberships) {
  domain::Project p1 = MakeProject("alpha");
  domain::Project p2 = MakeProject("beta");
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
  ASSERT_OK(tx->InsertProject(p1));
  ASSERT_OK(tx->InsertProject(p2));

  domain::Project same_name = MakeProject("gamma");
  same_name.name = p1.name;
  auto dup = tx->InsertProject(same_name);
  EXPECT_ERROR(dup, ErrorCode::kAlreadyExists);
  EXPECT_EQ(ErrorMessage(dup), "a project named 'Project alpha' already exists");
  domain::Project same_slug = MakeProject("alpha");
  same_slug.name = "Another";
  dup = tx->InsertProject(same_slug);
  EXPECT_ERROR(dup, ErrorCode::kAlreadyExists);
  EXPECT_EQ(ErrorMessage(dup), "a project with slug 'alpha' already exists");

  ASSERT_OK_AND_ASSIGN(auto got, tx->GetProjectBySlug("beta"));
  EXPECT_EQ(got, p2);
  ASSERT_OK_AND_ASSIGN(got, tx->GetProjectByName("Project alpha"));
  EXPECT_EQ(got, p1);
  EXPECT_ERROR(tx->GetProjectBySlug("zeta"), ErrorCode::kNotFound);
  p2.description = "changed";
  ASSERT_OK(tx->UpdateProject(p2));
  ASSERT_OK_AND_ASSIGN(got, tx->GetProject(p2.id));
  EXPECT_EQ(got, p2);
  // The compliance profile: "none" unless set, kept by every read.
  EXPECT_EQ(got.compliance_profile, domain::ComplianceProfile::kNone);
  p2.compliance_profile = domain::ComplianceProfile::kCsbr;
  ASSERT_OK(tx->UpdateProject(p2));
  ASSERT_OK_AND_ASSIGN(got, tx->GetProject(p2.id));
  EXPECT_EQ(got.compliance_profile, domain::ComplianceProfile::kCsbr);
  ASSERT_OK_AND_ASSIGN(got, tx->GetProjectBySlug("beta"));
  EXPECT_EQ(got, p2);
  ASSERT_OK_AND_ASSIGN(auto all, tx->ListProjects(store::PageRequest{0, 10}));
  bool listed = false;
  for (const auto& p : all.items) {
    if (p.id == p2.id) listed = p.compliance_profile == domain::ComplianceProfile::kCsbr;
  }
  EXPECT_TRUE(listed);

  // Memberships.
  std::vector<domain::ProjectMembership> members;
  for (int i = 0; i < 5; ++i) {
    members.push_back({NewUuid(), p1.id,
                       i % 2 == 0 ? PrincipalType::kUser : PrincipalType::kIdentity, NewUuid(),
                       domain::ProjectRole::kMember, T(i)});
    ASSERT_OK(tx->InsertMembership(members.back()));
  }
  domain::ProjectMembership again = members[0];
  again.id = NewUuid();
  EXPECT_ERROR(tx->InsertMembership(again), ErrorCode::kAlreadyExists);
  domain::ProjectMembership in_p2 = members[0];
  in_p2.id = NewUuid();
  in_p2.project_id = p2.id;
  ASSERT_OK(tx->InsertMembership(in_p2));  // the same principal in another project is fine
  domain::ProjectMembership nowhere = members[0];
  nowhere.id = NewUuid();
  nowhere.project_id = NewUuid();
  EXPECT_ERROR(tx->InsertMembership(nowhere), ErrorCode::kFailedPrecondition);

  ASSERT_OK_AND_ASSIGN(
      auto m, tx->GetMembershipOf(p1.id, members[1].principal_type, members[1].principal_id));
  EXPECT_EQ(m, members[1]);
  EXPECT_ERROR(tx->GetMembershipOf(p1.id, PrincipalType::kUser, members[1].principal_id),
               ErrorCode::kNotFound);
  members[2].role = domain::ProjectRole::kAdmin;
  ASSERT_OK(tx->UpdateMembership(members[2]));
  ASSERT_OK_AND_ASSIGN(m, tx->GetMembership(members[2].id));
  EXPECT_EQ(m.role, domain::ProjectRole::kAdmin);

  ASSERT_OK_AND_ASSIGN(auto page, tx->ListMemberships(p1.id, {1, 2}));
  EXPECT_EQ(page.total_count, 5);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0], members[1]);
  EXPECT_EQ(page.items[1], members[2]);
  ASSERT_OK_AND_ASSIGN(page, tx->ListMemberships(p1.id, {10, 2}));
  EXPECT_EQ(page.total_count, 5);
  EXPECT_TRUE(page.items.empty());
  ASSERT_OK_AND_ASSIGN(auto of,
                       tx->ListMembershipsOf(members[0].principal_type, members[0].principal_id));
  EXPECT_EQ(of.size(), 2u);

  ASSERT_OK(tx->DeleteMembership(members[4].id));
  EXPECT_ERROR(tx->DeleteMembership(members[4].id), ErrorCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(auto projects, tx->ListProjects({0, 1}));
  EXPECT_EQ(projects.total_count, 2);
  ASSERT_EQ(projects.items.size(), 1u);

  ASSERT_OK(tx->DeleteProject(p1.id));  // memberships go with it
  EXPECT_ERROR(tx->GetMembership(members[0].id), ErrorCode::kNotFound);
  ASSERT_OK(tx->Commit());
}

TEST_P(StoreConformanceTest, CertificateAuthoritiesAndCertificates) {
  domain::Project p = MakeProject("pki");
  domain::CertificateAuthority root = MakeCa(p.id);
  domain::CertificateAuthority inter = MakeCa(p.id);
  inter.parent_ca_id = root.id;
  inter.common_name = "Intermediate";
  inter.certificate_chain_pem = root.certificate_pem;
  inter.created_at = T(1);
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
  ASSERT_OK(tx->InsertProject(p));
  ASSERT_OK(tx->InsertCa(root));
  ASSERT_OK(tx->InsertCa(inter));
  domain::CertificateAuthority orphan = MakeCa(p.id);
  orphan.parent_ca_id = NewUuid();
  EXPECT_ERROR(tx->InsertCa(orphan), ErrorCode::kFailedPrecondition);

  ASSERT_OK_AND_ASSIGN(auto ca, tx->GetCa(inter.id));
  EXPECT_EQ(ca, inter);
  inter.status = domain::CaStatus::kDisabled;
  ASSERT_OK(tx->UpdateCa(inter));
  ASSERT_OK_AND_ASSIGN(auto cas, tx->ListCas(p.id, {}));
  EXPECT_EQ(cas.total_count, 2);
  ASSERT_EQ(cas.items.size(), 2u);
  EXPECT_EQ(cas.items[0], root);
  EXPECT_EQ(cas.items[1], inter);

  domain::Certificate signing = MakeCertificate(p.id, {"codeSigning", "timeStamping"});
  signing.ca_id = inter.id;
  signing.certificate_chain_pem = inter.certificate_pem + root.certificate_pem;
  domain::Certificate tls = MakeCertificate(p.id, {"serverAuth"});
  tls.created_at = T(1);
  domain::Certificate pending = MakeCertificate(p.id, {"codeSigning"});
  pending.status = domain::CertificateStatus::kPending;
  pending.certificate_pem.clear();
  pending.serial_number.clear();
  pending.not_before.reset();
  pending.not_after.reset();
  pending.csr_pem = "-----BEGIN CERTIFICATE REQUEST-----\n...\n";
  pending.key_usages.clear();
  pending.created_at = T(2);
  signing.key_source = domain::KeySourceType::kHsm;  // the column round-trips
  ASSERT_OK(tx->InsertCertificate(signing));
  ASSERT_OK(tx->InsertCertificate(tls));
  ASSERT_OK(tx->InsertCertificate(pending));

  ASSERT_OK_AND_ASSIGN(auto cert, tx->GetCertificate(signing.id));
  EXPECT_EQ(cert, signing);
  ASSERT_OK_AND_ASSIGN(cert, tx->GetCertificate(pending.id));
  EXPECT_EQ(cert, pending);

  ASSERT_OK_AND_ASSIGN(auto all, tx->ListCertificates({p.id, std::nullopt}, {}));
  EXPECT_EQ(all.total_count, 3);
  ASSERT_OK_AND_ASSIGN(auto code_signing, tx->ListCertificates({p.id, "codeSigning"}, {}));
  EXPECT_EQ(code_signing.total_count, 2);
  ASSERT_EQ(code_signing.items.size(), 2u);
  EXPECT_EQ(code_signing.items[0].id, signing.id);
  EXPECT_EQ(code_signing.items[1].id, pending.id);
  ASSERT_OK_AND_ASSIGN(auto none, tx->ListCertificates({p.id, "codeSign"}, {}));
  EXPECT_EQ(none.total_count, 0);  // exact match, not a substring

  signing.status = domain::CertificateStatus::kRevoked;
  signing.revoked_at = T(99);
  ASSERT_OK(tx->UpdateCertificate(signing));
  ASSERT_OK_AND_ASSIGN(cert, tx->GetCertificate(signing.id));
  EXPECT_EQ(cert, signing);

  EXPECT_ERROR(tx->DeleteCa(root.id), ErrorCode::kFailedPrecondition);  // has an intermediate
  EXPECT_ERROR(tx->DeleteProject(p.id), ErrorCode::kFailedPrecondition);
  ASSERT_OK(tx->DeleteCertificate(tls.id));
  EXPECT_ERROR(tx->DeleteCertificate(tls.id), ErrorCode::kNotFound);
  ASSERT_OK(tx->Commit());
}

TEST_P(StoreConformanceTest, TouchSignerLastSignedAtOnlyMovesForwardAndKeepsOtherColumns) {
  Fixture f = SeedProject(store());
  domain::Signer s = MakeSigner(f.project.id, f.cert.id, "touched");
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
    ASSERT_OK(tx->InsertSigner(s));
    ASSERT_OK(tx->Commit());
  }
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
  // A concurrent change (disabling) must survive the touch.
  s.status = domain::SignerStatus::kDisabled;
  ASSERT_OK(tx->UpdateSigner(s));
  ASSERT_OK(tx->TouchSignerLastSignedAt(s.id, FromUnixMillis(5000)));
  ASSERT_OK(tx->TouchSignerLastSignedAt(s.id, FromUnixMillis(3000)));       // older: ignored
  ASSERT_OK(tx->TouchSignerLastSignedAt(NewUuid(), FromUnixMillis(3000)));  // gone: no error
  ASSERT_OK_AND_ASSIGN(auto got, tx->GetSigner(s.id));
  EXPECT_EQ(got.status, domain::SignerStatus::kDisabled);
  ASSERT_TRUE(got.last_signed_at.has_value());
  EXPECT_EQ(ToUnixMillis(*got.last_signed_at), 5000);
}

TEST_P(StoreConformanceTest, SignersAndMembers) {
  Fixture f = SeedProject(store());
  domain::SigningPolicy policy = MakePolicy(f.project.id, "two-person");
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
  ASSERT_OK(tx->InsertPolicy(policy));

  domain::Signer release = MakeSigner(f.project.id, f.cert.id, "release");
  release.signing_policy_id = policy.id;
  domain::Signer nightly = MakeSigner(f.project.id, f.cert.id, "nightly-build");
  nightly.description = "Nightly 100%_done";
  domain::Signer beta = MakeSigner(f.project.id, f.cert.id, "beta");
  ASSERT_OK(tx->InsertSigner(release));
  ASSERT_OK(tx->InsertSigner(nightly));
  ASSERT_OK(tx->InsertSigner(beta));

  domain::Signer clash = MakeSigner(f.project.id, f.cert.id, "release");
  auto dup = tx->InsertSigner(clash);
  EXPECT_ERROR(dup, ErrorCode::kAlreadyExists);
  EXPECT_EQ(ErrorMessage(dup), "a signer named 'release' already exists in this project");
  domain::Signer bad_cert = MakeSigner(f.project.id, NewUuid(), "bad-cert");
  EXPECT_ERROR(tx->InsertSigner(bad_cert), ErrorCode::kFailedPrecondition);
  domain::Signer bad_policy = MakeSigner(f.project.id, f.cert.id, "bad-policy");
  bad_policy.signing_policy_id = NewUuid();
  EXPECT_ERROR(tx->InsertSigner(bad_policy), ErrorCode::kFailedPrecondition);

  ASSERT_OK_AND_ASSIGN(auto got, tx->GetSignerByName(f.project.id, "release"));
  EXPECT_EQ(got, release);
  EXPECT_ERROR(tx->GetSignerByName(f.project.id, "missing"), ErrorCode::kNotFound);
  EXPECT_ERROR(tx->GetSignerByName(NewUuid(), "release"), ErrorCode::kNotFound);

  release.status = domain::SignerStatus::kDisabled;
  release.last_signed_at = T(42);
  release.signing_policy_id.reset();
  ASSERT_OK(tx->UpdateSigner(release));
  ASSERT_OK_AND_ASSIGN(got, tx->GetSigner(release.id));
  EXPECT_EQ(got, release);
  beta.name = "nightly-build";
  EXPECT_ERROR(tx->UpdateSigner(beta), ErrorCode::kAlreadyExists);
  beta.name = "beta";

  ASSERT_OK_AND_ASSIGN(auto page, tx->ListSigners({f.project.id, std::nullopt}, {0, 2}));
  EXPECT_EQ(page.total_count, 3);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].name, "beta");  // by name
  EXPECT_EQ(page.items[1].name, "nightly-build");
  ASSERT_OK_AND_ASSIGN(page, tx->ListSigners({f.project.id, std::nullopt}, {2, 2}));
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].name, "release");
  ASSERT_OK_AND_ASSIGN(page, tx->ListSigners({f.project.id, "NIGHT"}, {}));
  EXPECT_EQ(page.total_count, 1);
  ASSERT_OK_AND_ASSIGN(page, tx->ListSigners({f.project.id, "100%_"}, {}));
  EXPECT_EQ(page.total_count, 1);  // wildcards in the search are literal
  ASSERT_OK_AND_ASSIGN(page, tx->ListSigners({f.project.id, "%"}, {}));
  EXPECT_EQ(page.total_count, 1);
  ASSERT_OK_AND_ASSIGN(page, tx->ListSigners({NewUuid(), std::nullopt}, {}));
  EXPECT_EQ(page.total_count, 0);

  ASSERT_OK_AND_ASSIGN(auto n, tx->CountSignersWithCertificate(f.cert.id));
  EXPECT_EQ(n, 3);
  nightly.signing_policy_id = policy.id;
  ASSERT_OK(tx->UpdateSigner(nightly));
  ASSERT_OK_AND_ASSIGN(n, tx->CountSignersWithPolicy(policy.id));
  EXPECT_EQ(n, 1);
  EXPECT_ERROR(tx->DeletePolicy(policy.id), ErrorCode::kFailedPrecondition);
  EXPECT_ERROR(tx->DeleteCertificate(f.cert.id), ErrorCode::kFailedPrecondition);

  // Members.
  domain::SignerMember admin{
      NewUuid(), release.id, PrincipalType::kUser, NewUuid(), domain::SignerRole::kAdmin, T()};
  domain::SignerMember op{
      NewUuid(), release.id, PrincipalType::kIdentity, NewUuid(), domain::SignerRole::kOperator,
      T(1)};
  domain::SignerMember elsewhere{
      NewUuid(), beta.id, PrincipalType::kUser, admin.principal_id, domain::SignerRole::kAuditor,
      T(2)};
  ASSERT_OK(tx->InsertSignerMember(admin));
  ASSERT_OK(tx->InsertSignerMember(op));
  ASSERT_OK(tx->InsertSignerMember(elsewhere));
  domain::SignerMember twice = admin;
  twice.id = NewUuid();
  EXPECT_ERROR(tx->InsertSignerMember(twice), ErrorCode::kAlreadyExists);
  domain::SignerMember nowhere = admin;
  nowhere.id = NewUuid();
  nowhere.signer_id = NewUuid();
  EXPECT_ERROR(tx->InsertSignerMember(nowhere), ErrorCode::kFailedPrecondition);

  ASSERT_OK_AND_ASSIGN(
      auto member, tx->GetSignerMemberOf(release.id, PrincipalType::kIdentity, op.principal_id));
  EXPECT_EQ(member, op);
  EXPECT_ERROR(tx->GetSignerMemberOf(release.id, PrincipalType::kUser, op.principal_id),
               ErrorCode::kNotFound);
  op.role = domain::SignerRole::kAuditor;
  ASSERT_OK(tx->UpdateSignerMember(op));
  ASSERT_OK_AND_ASSIGN(member, tx->GetSignerMember(op.id));
  EXPECT_EQ(member, op);
  ASSERT_OK_AND_ASSIGN(auto members, tx->ListSignerMembers(release.id, {}));
  EXPECT_EQ(members.total_count, 2);
  ASSERT_EQ(members.items.size(), 2u);
  EXPECT_EQ(members.items[0], admin);
  ASSERT_OK_AND_ASSIGN(auto of,
                       tx->ListSignerMembershipsOf(PrincipalType::kUser, admin.principal_id));
  EXPECT_EQ(of.size(), 2u);
  ASSERT_OK(tx->DeleteSignerMember(elsewhere.id));
  EXPECT_ERROR(tx->DeleteSignerMember(elsewhere.id), ErrorCode::kNotFound);

  ASSERT_OK(tx->DeleteSigner(release.id));  // members go with it
  EXPECT_ERROR(tx->GetSignerMember(admin.id), ErrorCode::kNotFound);
  EXPECT_ERROR(tx->GetSigner(release.id), ErrorCode::kNotFound);
  ASSERT_OK(tx->Commit());
}

TEST_P(StoreConformanceTest, SigningPolicies) {
  Fixture f = SeedProject(store());
  domain::SigningPolicy a = MakePolicy(f.project.id, "zeta");
  domain::SigningPolicy b = MakePolicy(f.project.id, "alpha");
  b.max_window_duration.reset();
  b.bypass_for_machine_identities = false;
  b.steps = {};
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
  ASSERT_OK(tx->InsertPolicy(a));
  ASSERT_OK(tx->InsertPolicy(b));
  auto dup = tx->InsertPolicy(MakePolicy(f.project.id, "zeta"));
  EXPECT_ERROR(dup, ErrorCode::kAlreadyExists);
  EXPECT_EQ(ErrorMessage(dup), "a signing policy named 'zeta' already exists in this project");
  EXPECT_ERROR(tx->InsertPolicy(MakePolicy(NewUuid(), "x")), ErrorCode::kFailedPrecondition);

  ASSERT_OK_AND_ASSIGN(auto got, tx->GetPolicy(a.id));
  EXPECT_EQ(got, a);
  ASSERT_OK_AND_ASSIGN(got, tx->GetPolicyByName(f.project.id, "alpha"));
  EXPECT_EQ(got, b);
  EXPECT_ERROR(tx->GetPolicyByName(f.project.id, "beta"), ErrorCode::kNotFound);

  a.steps.push_back({"unicode \xc3\xa9\\ \n step", 3, {}});
  a.max_signings.reset();
  a.max_window_duration = Millis(30LL * 24 * 3600 * 1000);
  ASSERT_OK(tx->UpdatePolicy(a));
  ASSERT_OK_AND_ASSIGN(got, tx->GetPolicy(a.id));
  EXPECT_EQ(got, a);

  ASSERT_OK_AND_ASSIGN(auto page, tx->ListPolicies(f.project.id, {}));
  EXPECT_EQ(page.total_count, 2);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].name, "alpha");
  ASSERT_OK(tx->DeletePolicy(b.id));
  EXPECT_ERROR(tx->GetPolicy(b.id), ErrorCode::kNotFound);
  ASSERT_OK(tx->Commit());
}

TEST_P(StoreConformanceTest, RequestsAndApprovals) {
  Fixture f = SeedProject(store());
  domain::SigningPolicy policy = MakePolicy(f.project.id, "p");
  domain::Signer s1 = MakeSigner(f.project.id, f.cert.id, "one");
  domain::Signer s2 = MakeSigner(f.project.id, f.cert.id, "two");
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
  ASSERT_OK(tx->InsertPolicy(policy));
  ASSERT_OK(tx->InsertSigner(s1));
  ASSERT_OK(tx->InsertSigner(s2));

  const std::string alice = NewUuid();
  std::vector<domain::SigningRequest> requests;
  for (int i = 0; i < 6; ++i) {
    domain::SigningRequest r;
    r.id = NewUuid();
    r.signer_id = i < 4 ? s1.id : s2.id;
    r.project_id = f.project.id;
    r.requester_type = i == 5 ? PrincipalType::kIdentity : PrincipalType::kUser;
    r.requester_id = i % 2 == 0 ? alice : NewUuid();
    r.justification = "release " + std::to_string(i);
    if (i == 0) {
      r.requested_signings = 3;
      r.requested_window_duration = Millis(3600 * 1000);
      r.scope.command = "osslsigncode sign";
      r.scope.signing_application = "osslsigncode";
      r.scope.signing_application_hash = std::string(64, 'c');
      r.scope.hostname = "build-01";
      r.scope.os_username = "ci";
      r.scope.ip_address = "10.0.0.7";
      r.scope.data_hash = std::string(64, 'd');
      r.policy_snapshot = policy;
    } else if (i == 1) {
      r.window_start = T(100);
      r.window_end = T(200);
    }
    r.status = i == 3 ? domain::RequestStatus::kApproved : domain::RequestStatus::kPending;
    r.expires_at = T(7LL * 24 * 3600 * 1000);
    r.created_at = r.updated_at = T(i * 10);
    requests.push_back(r);
    ASSERT_OK(tx->InsertRequest(r));
  }
  domain::SigningRequest orphan = requests[0];
  orphan.id = NewUuid();
  orphan.signer_id = NewUuid();
  EXPECT_ERROR(tx->InsertRequest(orphan), ErrorCode::kFailedPrecondition);

  ASSERT_OK_AND_ASSIGN(auto got, tx->GetRequest(requests[0].id));
  EXPECT_EQ(got, requests[0]);
  ASSERT_OK_AND_ASSIGN(got, tx->GetRequest(requests[1].id));
  EXPECT_EQ(got, requests[1]);

  // A policy edit does not touch the snapshot.
  policy.max_signings = 1;
  ASSERT_OK(tx->UpdatePolicy(policy));
  ASSERT_OK_AND_ASSIGN(got, tx->GetRequest(requests[0].id));
  EXPECT_EQ(got.policy_snapshot->max_signings, 10);

  requests[2].status = domain::RequestStatus::kApproved;
  requests[2].current_step = 1;
  requests[2].grant_id = NewUuid();
  requests[2].updated_at = T(1000);
  ASSERT_OK(tx->UpdateRequest(requests[2]));
  ASSERT_OK_AND_ASSIGN(got, tx->GetRequest(requests[2].id));
  EXPECT_EQ(got, requests[2]);

  ASSERT_OK_AND_ASSIGN(auto page, tx->ListRequests({}, {}));
  EXPECT_EQ(page.total_count, 6);
  ASSERT_EQ(page.items.size(), 6u);
  EXPECT_EQ(page.items.front().id, requests[5].id);  // newest first
  RequestFilter by_signer;
  by_signer.signer_id = s1.id;
  ASSERT_OK_AND_ASSIGN(page, tx->ListRequests(by_signer, {1, 2}));
  EXPECT_EQ(page.total_count, 4);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].id, requests[2].id);
  RequestFilter approved;
  approved.status = domain::RequestStatus::kApproved;
  ASSERT_OK_AND_ASSIGN(page, tx->ListRequests(approved, {}));
  EXPECT_EQ(page.total_count, 2);
  RequestFilter mine;
  mine.requester_type = PrincipalType::kUser;
  mine.requester_id = alice;
  mine.status = domain::RequestStatus::kPending;
  ASSERT_OK_AND_ASSIGN(page, tx->ListRequests(mine, {}));
  EXPECT_EQ(page.total_count, 2);  // requests 0 and 4 (2 is approved now)
  RequestFilter other_project;
  other_project.project_id = NewUuid();
  ASSERT_OK_AND_ASSIGN(page, tx->ListRequests(other_project, {}));
  EXPECT_EQ(page.total_count, 0);

  // Approvals.
  const std::string approver = NewUuid();
  domain::Approval a1{
      NewUuid(), requests[0].id, 0, approver, domain::ApprovalDecision::kApproved, "lgtm", T(5)};
  domain::Approval a2{
      NewUuid(), requests[0].id, 0, NewUuid(), domain::ApprovalDecision::kApproved, "", T(6)};
  domain::Approval a3{
      NewUuid(), requests[0].id, 1, approver, domain::ApprovalDecision::kRejected, "no", T(1)};
  ASSERT_OK(tx->InsertApproval(a3));
  ASSERT_OK(tx->InsertApproval(a1));
  ASSERT_OK(tx->InsertApproval(a2));
  domain::Approval again = a1;
  again.id = NewUuid();
  auto dup = tx->InsertApproval(again);
  EXPECT_ERROR(dup, ErrorCode::kAlreadyExists);
  domain::Approval orphan_approval = a1;
  orphan_approval.id = NewUuid();
  orphan_approval.request_id = NewUuid();
  EXPECT_ERROR(tx->InsertApproval(orphan_approval), ErrorCode::kFailedPrecondition);
  ASSERT_OK_AND_ASSIGN(auto approvals, tx->ListApprovals(requests[0].id));
  ASSERT_EQ(approvals.size(), 3u);
  EXPECT_EQ(approvals[0], a1);  // by step, then time
  EXPECT_EQ(approvals[1], a2);
  EXPECT_EQ(approvals[2], a3);
  ASSERT_OK_AND_ASSIGN(approvals, tx->ListApprovals(requests[1].id));
  EXPECT_TRUE(approvals.empty());

  ASSERT_OK(tx->DeleteSigner(s1.id));  // its requests and their approvals go with it
  EXPECT_ERROR(tx->GetRequest(requests[0].id), ErrorCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(approvals, tx->ListApprovals(requests[0].id));
  EXPECT_TRUE(approvals.empty());
  ASSERT_OK(tx->Commit());
}

// Lists as a caller sees them: filtered by what they may see and by the effective status,
// in SQL (security finding 15: a caller who sees nothing reads nothing).
TEST_P(StoreConformanceTest, RequestsListedForAViewerByEffectiveStatus) {
  Fixture f = SeedProject(store());
  domain::SigningPolicy policy = MakePolicy(f.project.id, "p");
  const std::string approver = policy.steps[1].approver_user_ids[0];
  domain::Signer mine = MakeSigner(f.project.id, f.cert.id, "mine");
  domain::Signer admin_of = MakeSigner(f.project.id, f.cert.id, "admin-of");
  domain::Signer other = MakeSigner(f.project.id, f.cert.id, "other");
  const std::string viewer = NewUuid();
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
  ASSERT_OK(tx->InsertPolicy(policy));
  for (const auto* s : {&mine, &admin_of, &other}) ASSERT_OK(tx->InsertSigner(*s));
  ASSERT_OK(tx->InsertSignerMember(
      {NewUuid(), admin_of.id, PrincipalType::kUser, viewer, domain::SignerRole::kAuditor, T()}));
  auto request = [&](const domain::Signer& s, const std::string& requester, RequestStatus status,
                     std::int64_t expires_ms, bool with_policy) {
    domain::SigningRequest r;
    r.id = NewUuid();
    r.signer_id = s.id;
    r.project_id = f.project.id;
    r.requester_id = requester;
    r.status = status;
    r.expires_at = T(expires_ms);
    r.created_at = r.updated_at = T();
    if (with_policy) r.policy_snapshot = policy;
    EXPECT_OK(tx->InsertRequest(r));
    return r.id;
  };
  const std::string own_pending = request(mine, viewer, RequestStatus::kPending, 5000, false);
  const std::string own_lapsed = request(mine, viewer, RequestStatus::kPending, 1000, false);
  const std::string signer_role =
      request(admin_of, NewUuid(), RequestStatus::kApproved, 5000, false);
  request(other, NewUuid(), RequestStatus::kPending, 5000, true);    // approver: `approver`
  request(other, NewUuid(), RequestStatus::kRejected, 5000, false);  // nobody's business

  auto ids = [&](RequestFilter filter) {
    auto page = tx->ListRequests(filter, {});
    EXPECT_OK(page);
    std::set<std::string> out;
    if (!page) return out;
    for (const auto& r : page->items) out.insert(r.id);
    EXPECT_EQ(page->total_count, static_cast<std::int64_t>(out.size()));
    return out;
  };
  RequestFilter as_viewer;
  as_viewer.viewer = Viewer{PrincipalType::kUser, viewer};
  as_viewer.now = T(2000);
  EXPECT_EQ(ids(as_viewer), (std::set<std::string>{own_pending, own_lapsed, signer_role}));
  as_viewer.effective_statuses = {RequestStatus::kPending};
  EXPECT_EQ(ids(as_viewer), (std::set<std::string>{own_pending}));
  as_viewer.effective_statuses = {RequestStatus::kExpired, RequestStatus::kApproved};
  EXPECT_EQ(ids(as_viewer), (std::set<std::string>{own_lapsed, signer_role}));

  RequestFilter as_approver;
  as_approver.viewer = Viewer{PrincipalType::kUser, approver};
  EXPECT_EQ(ids(as_approver).size(), 1u);
  RequestFilter as_stranger;
  as_stranger.viewer = Viewer{PrincipalType::kIdentity, NewUuid()};
  EXPECT_TRUE(ids(as_stranger).empty());
  // A project admin sees every request of the project's signers.
  const std::string lead = NewUuid();
  ASSERT_OK(tx->InsertMembership(
      {NewUuid(), f.project.id, PrincipalType::kUser, lead, domain::ProjectRole::kAdmin, T()}));
  RequestFilter as_lead;
  as_lead.viewer = Viewer{PrincipalType::kUser, lead};
  EXPECT_EQ(ids(as_lead).size(), 5u);
  ASSERT_OK(tx->Commit());
}

TEST_P(StoreConformanceTest, GrantsListedForAViewerByEffectiveStatus) {
  Fixture f = SeedProject(store());
  domain::Signer managed = MakeSigner(f.project.id, f.cert.id, "managed");
  domain::Signer other = MakeSigner(f.project.id, f.cert.id, "other");
  const std::string viewer = NewUuid();
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
  ASSERT_OK(tx->InsertSigner(managed));
  ASSERT_OK(tx->InsertSigner(other));
  ASSERT_OK(tx->InsertSignerMember(
      {NewUuid(), managed.id, PrincipalType::kUser, viewer, domain::SignerRole::kAdmin, T()}));
  domain::Grant usable = MakeGrant(other.id, 2);  // expires at T(3600 s)
  usable.grantee_id = viewer;
  domain::Grant used_up = MakeGrant(other.id, 2);
  used_up.grantee_id = viewer;
  used_up.used_signings = 2;
  domain::Grant lapsed = MakeGrant(managed.id, std::nullopt);
  lapsed.expires_at = T(1000);
  domain::Grant revoked = MakeGrant(managed.id, 1);
  revoked.status = domain::GrantStatus::kRevoked;
  domain::Grant hidden = MakeGrant(other.id, 1);
  for (const auto* g : {&usable, &used_up, &lapsed, &revoked, &hidden})
    ASSERT_OK(tx->InsertGrant(*g));

  auto ids = [&](GrantFilter filter) {
    auto page = tx->ListGrants(filter, {});
    EXPECT_OK(page);
    std::set<std::string> out;
    if (!page) return out;
    for (const auto& g : page->items) out.insert(g.id);
    EXPECT_EQ(page->total_count, static_cast<std::int64_t>(out.size()));
    return out;
  };
  GrantFilter as_viewer;
  as_viewer.viewer = Viewer{PrincipalType::kUser, viewer};
  as_viewer.now = T(2000);
  EXPECT_EQ(ids(as_viewer), (std::set<std::string>{usable.id, used_up.id, lapsed.id, revoked.id}));
  as_viewer.effective_status = domain::GrantStatus::kActive;
  EXPECT_EQ(ids(as_viewer), (std::set<std::string>{usable.id}));
  as_viewer.effective_status = domain::GrantStatus::kExpired;
  EXPECT_EQ(ids(as_viewer), (std::set<std::string>{used_up.id, lapsed.id}));
  as_viewer.effective_status = domain::GrantStatus::kRevoked;
  EXPECT_EQ(ids(as_viewer), (std::set<std::string>{revoked.id}));
  GrantFilter as_stranger;
  as_stranger.viewer = Viewer{PrincipalType::kUser, NewUuid()};
  EXPECT_TRUE(ids(as_stranger).empty());
  ASSERT_OK(tx->Commit());
}

TEST_P(StoreConformanceTest, GrantsCrudAndFilters) {
  Fixture f = SeedProject(store());
  domain::Signer s1 = MakeSigner(f.project.id, f.cert.id, "one");
  domain::Signer s2 = MakeSigner(f.project.id, f.cert.id, "two");
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
  ASSERT_OK(tx->InsertSigner(s1));
  ASSERT_OK(tx->InsertSigner(s2));
  domain::SigningRequest r;
  r.id = NewUuid();
  r.signer_id = s1.id;
  r.project_id = f.project.id;
  r.requester_id = NewUuid();
  r.expires_at = T(1000);
  r.created_at = r.updated_at = T();
  ASSERT_OK(tx->InsertRequest(r));

  domain::Grant g1 = MakeGrant(s1.id, 5);
  g1.request_id = r.id;
  g1.grantee_id = r.requester_id;
  g1.scope.hostname = "build-01";
  g1.scope.data_hash = std::string(64, 'e');
  domain::Grant g2 = MakeGrant(s1.id, std::nullopt);
  g2.expires_at.reset();
  g2.grantee_type = PrincipalType::kIdentity;
  g2.created_at = T(1);
  domain::Grant g3 = MakeGrant(s2.id, 1);
  g3.grantee_id = g1.grantee_id;
  g3.status = domain::GrantStatus::kRevoked;
  g3.revoked_reason = "left the team";
  g3.created_at = T(2);
  ASSERT_OK(tx->InsertGrant(g1));
  ASSERT_OK(tx->InsertGrant(g2));
  ASSERT_OK(tx->InsertGrant(g3));
  EXPECT_ERROR(tx->InsertGrant(MakeGrant(NewUuid(), 1)), ErrorCode::kFailedPrecondition);

  ASSERT_OK_AND_ASSIGN(auto got, tx->GetGrant(g1.id));
  EXPECT_EQ(got, g1);
  ASSERT_OK_AND_ASSIGN(got, tx->GetGrant(g2.id));
  EXPECT_EQ(got, g2);
  EXPECT_ERROR(tx->GetGrant(NewUuid()), ErrorCode::kNotFound);

  g2.status = domain::GrantStatus::kExpired;
  g2.updated_at = T(50);
  ASSERT_OK(tx->UpdateGrant(g2));
  ASSERT_OK_AND_ASSIGN(got, tx->GetGrant(g2.id));
  EXPECT_EQ(got, g2);
  EXPECT_ERROR(tx->UpdateGrant(MakeGrant(s1.id, 1)), ErrorCode::kNotFound);

  ASSERT_OK_AND_ASSIGN(auto page, tx->ListGrants({}, {}));
  EXPECT_EQ(page.total_count, 3);
  ASSERT_EQ(page.items.size(), 3u);
  EXPECT_EQ(page.items[0].id, g3.id);  // newest first
  GrantFilter by_signer;
  by_signer.signer_id = s1.id;
  ASSERT_OK_AND_ASSIGN(page, tx->ListGrants(by_signer, {0, 1}));
  EXPECT_EQ(page.total_count, 2);
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].id, g2.id);
  GrantFilter by_grantee;
  by_grantee.grantee_type = PrincipalType::kUser;
  by_grantee.grantee_id = g1.grantee_id;
  ASSERT_OK_AND_ASSIGN(page, tx->ListGrants(by_grantee, {}));
  EXPECT_EQ(page.total_count, 2);
  by_grantee.status = domain::GrantStatus::kActive;
  ASSERT_OK_AND_ASSIGN(page, tx->ListGrants(by_grantee, {}));
  ASSERT_EQ(page.total_count, 1);
  EXPECT_EQ(page.items[0].id, g1.id);

  ASSERT_OK(tx->DeleteSigner(s1.id));  // grants of the signer go with it
  EXPECT_ERROR(tx->GetGrant(g1.id), ErrorCode::kNotFound);
  ASSERT_OK(tx->Commit());
}

TEST_P(StoreConformanceTest, TryUseGrantChecksEveryCondition) {
  Fixture f = SeedProject(store());
  domain::Signer s = MakeSigner(f.project.id, f.cert.id, "one");
  domain::Grant capped = MakeGrant(s.id, 2);  // window [T(0), T(3600s))
  domain::Grant unlimited = MakeGrant(s.id, std::nullopt);
  unlimited.expires_at.reset();
  domain::Grant future = MakeGrant(s.id, 5);
  future.window_start = T(1000);
  domain::Grant revoked = MakeGrant(s.id, 5);
  revoked.status = domain::GrantStatus::kRevoked;
  domain::Grant expired = MakeGrant(s.id, 5);
  expired.status = domain::GrantStatus::kExpired;
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
  ASSERT_OK(tx->InsertSigner(s));
  for (const auto* g : {&capped, &unlimited, &future, &revoked, &expired}) {
    ASSERT_OK(tx->InsertGrant(*g));
  }
  auto use = [&](const domain::Grant& g, TimePoint now) {
    auto r = tx->TryUseGrant(g.id, now);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return r.value_or(false);
  };
  EXPECT_TRUE(use(capped, T(0)));             // window start is inclusive
  EXPECT_FALSE(use(capped, T(3600 * 1000)));  // expires_at is exclusive
  EXPECT_TRUE(use(capped, T(3600 * 1000 - 1)));
  EXPECT_FALSE(use(capped, T(10)));  // max_signings reached
  ASSERT_OK_AND_ASSIGN(auto got, tx->GetGrant(capped.id));
  EXPECT_EQ(got.used_signings, 2);
  EXPECT_EQ(got.updated_at, T(3600 * 1000 - 1));

  for (int i = 0; i < 20; ++i) EXPECT_TRUE(use(unlimited, T(1LL << 40)));
  ASSERT_OK_AND_ASSIGN(got, tx->GetGrant(unlimited.id));
  EXPECT_EQ(got.used_signings, 20);

  EXPECT_FALSE(use(future, T(999)));  // before its window
  EXPECT_TRUE(use(future, T(1000)));
  EXPECT_FALSE(use(revoked, T(1)));
  EXPECT_FALSE(use(expired, T(1)));
  ASSERT_OK_AND_ASSIGN(got, tx->GetGrant(revoked.id));
  EXPECT_EQ(got.used_signings, 0);
  ASSERT_OK_AND_ASSIGN(bool missing, tx->TryUseGrant(NewUuid(), T(1)));
  EXPECT_FALSE(missing);

  // Revocation applies to the very next use.
  domain::Grant fresh = MakeGrant(s.id, 100);
  ASSERT_OK(tx->InsertGrant(fresh));
  EXPECT_TRUE(use(fresh, T(1)));
  fresh.used_signings = 1;
  fresh.status = domain::GrantStatus::kRevoked;
  ASSERT_OK(tx->UpdateGrant(fresh));
  EXPECT_FALSE(use(fresh, T(2)));
  ASSERT_OK(tx->Commit());
}

TEST_P(StoreConformanceTest, TryUseGrantIsExactUnderConcurrency) {
  constexpr int kThreads = 8;
  constexpr int kAttemptsPerThread = 60;
  constexpr int kMax = 150;
  Fixture f = SeedProject(store());
  domain::Signer s = MakeSigner(f.project.id, f.cert.id, "one");
  domain::Grant g = MakeGrant(s.id, kMax);
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
    ASSERT_OK(tx->InsertSigner(s));
    ASSERT_OK(tx->InsertGrant(g));
    ASSERT_OK(tx->Commit());
  }
  std::atomic<int> successes{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kAttemptsPerThread; ++i) {
        auto tx = store().BeginWrite();
        if (!tx) {
          ++errors;
          continue;
        }
        auto used = (*tx)->TryUseGrant(g.id, T(10));
        if (!used) {
          ++errors;
          continue;
        }
        if (!(*tx)->Commit()) {
          ++errors;
          continue;
        }
        if (*used) ++successes;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(successes.load(), kMax);
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginRead());
  ASSERT_OK_AND_ASSIGN(auto got, tx->GetGrant(g.id));
  EXPECT_EQ(got.used_signings, kMax);
}

domain::TimestampAuthority MakeTsa(const std::string& project_id, const std::string& ca_id,
                                   const std::string& name) {
  domain::TimestampAuthority t;
  t.id = NewUuid();
  t.project_id = project_id;
  t.name = name;
  t.ca_id = ca_id;
  t.key_id = NewUuid();
  t.certificate_pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  t.serial_number = "02cd";
  t.not_before = T();
  t.not_after = T(3600 * 1000);
  t.policy_oid = "1.3.6.1.4.1.99999.1";
  t.accuracy_ms = 250;
  t.created_at = t.updated_at = T();
  return t;
}

TEST_P(StoreConformanceTest, TimestampAuthoritiesCrudDefaultAndSerials) {
  domain::Project p = MakeProject("time");
  domain::CertificateAuthority ca = MakeCa(p.id);
  domain::TimestampAuthority first = MakeTsa(p.id, ca.id, "first");
  first.is_default = true;
  first.require_auth = true;
  domain::TimestampAuthority second = MakeTsa(p.id, ca.id, "second");
  second.created_at = T(1);
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
    ASSERT_OK(tx->InsertProject(p));
    ASSERT_OK(tx->InsertCa(ca));
    ASSERT_OK(tx->InsertTsa(first));
    ASSERT_OK(tx->InsertTsa(second));
    domain::TimestampAuthority same_name = MakeTsa(p.id, ca.id, "first");
    auto dup = tx->InsertTsa(same_name);
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error().code, ErrorCode::kAlreadyExists);
    EXPECT_NE(dup.error().message.find("named 'first'"), std::string::npos);
    domain::TimestampAuthority orphan = MakeTsa(p.id, NewUuid(), "orphan");
    EXPECT_ERROR(tx->InsertTsa(orphan), ErrorCode::kFailedPrecondition);
    ASSERT_OK(tx->Commit());
  }
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
  ASSERT_OK_AND_ASSIGN(auto got, tx->GetTsa(first.id));
  EXPECT_EQ(got, first);
  ASSERT_OK_AND_ASSIGN(got, tx->GetDefaultTsa(p.id));
  EXPECT_EQ(got.id, first.id);
  ASSERT_OK_AND_ASSIGN(auto page, tx->ListTsas(p.id, {0, 1}));
  EXPECT_EQ(page.total_count, 2);
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0], first);
  ASSERT_OK_AND_ASSIGN(auto one, tx->NextTsaSerial(second.id));
  ASSERT_OK_AND_ASSIGN(auto two, tx->NextTsaSerial(second.id));
  EXPECT_EQ(one, 1);
  EXPECT_EQ(two, 2);
  EXPECT_ERROR(tx->NextTsaSerial(NewUuid()), ErrorCode::kNotFound);
  first.is_default = false;
  ASSERT_OK(tx->UpdateTsa(first));
  EXPECT_ERROR(tx->GetDefaultTsa(p.id), ErrorCode::kNotFound);
  EXPECT_ERROR(tx->DeleteCa(ca.id), ErrorCode::kFailedPrecondition);  // its TSAs use it
  ASSERT_OK(tx->DeleteTsa(first.id));
  EXPECT_ERROR(tx->GetTsa(first.id), ErrorCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(got, tx->GetTsa(second.id));
  EXPECT_EQ(got.last_serial, 2);
  ASSERT_OK(tx->Commit());
}

// A TSA refers to its certificate's row and records where its key is (migration 6).
TEST_P(StoreConformanceTest, TimestampAuthorityCertificateAndKeySource) {
  domain::Project p = MakeProject("time");
  domain::CertificateAuthority ca = MakeCa(p.id);
  domain::Certificate cert = MakeCertificate(p.id, {"timeStamping"});
  domain::TimestampAuthority t = MakeTsa(p.id, ca.id, "hsm-tsa");
  t.certificate_id = cert.id;
  t.key_source = domain::KeySourceType::kHsm;
  domain::TimestampAuthority imported = MakeTsa(p.id, ca.id, "imported");
  imported.ca_id.reset();
  imported.certificate_id = cert.id;
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
    ASSERT_OK(tx->InsertProject(p));
    ASSERT_OK(tx->InsertCa(ca));
    ASSERT_OK(tx->InsertCertificate(cert));
    ASSERT_OK(tx->InsertTsa(t));
    ASSERT_OK(tx->InsertTsa(imported));
    domain::TimestampAuthority orphan = MakeTsa(p.id, ca.id, "orphan");
    orphan.certificate_id = NewUuid();
    EXPECT_ERROR(tx->InsertTsa(orphan), ErrorCode::kFailedPrecondition);
    ASSERT_OK(tx->Commit());
  }
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginRead());
  ASSERT_OK_AND_ASSIGN(auto got, tx->GetTsa(t.id));
  EXPECT_EQ(got, t);
  EXPECT_EQ(got.key_source, domain::KeySourceType::kHsm);
  ASSERT_OK_AND_ASSIGN(got, tx->GetTsa(imported.id));
  EXPECT_EQ(got, imported);
  EXPECT_FALSE(got.ca_id.has_value());
  EXPECT_EQ(got.key_source, domain::KeySourceType::kSoftware);
}

// Serials stay unique and gapless under concurrent writers (nodes share the row's lock).
TEST_P(StoreConformanceTest, TsaSerialsAreUniqueUnderConcurrency) {
  constexpr int kThreads = 6;
  constexpr int kPerThread = 40;
  domain::Project p = MakeProject("time");
  domain::CertificateAuthority ca = MakeCa(p.id);
  domain::TimestampAuthority t = MakeTsa(p.id, ca.id, "tsa");
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
    ASSERT_OK(tx->InsertProject(p));
    ASSERT_OK(tx->InsertCa(ca));
    ASSERT_OK(tx->InsertTsa(t));
    ASSERT_OK(tx->Commit());
  }
  std::mutex mu;
  std::set<std::int64_t> serials;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < kPerThread; ++j) {
        auto tx = store().BeginWrite();
        if (!tx) {
          ++errors;
          continue;
        }
        auto serial = (*tx)->NextTsaSerial(t.id);
        if (!serial || !(*tx)->Commit()) {
          ++errors;
          continue;
        }
        std::lock_guard lock(mu);
        serials.insert(*serial);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(serials.size(), static_cast<std::size_t>(kThreads * kPerThread));
  EXPECT_EQ(*serials.begin(), 1);
  EXPECT_EQ(*serials.rbegin(), kThreads * kPerThread);
}

TEST_P(StoreConformanceTest, OperationsNewestFirstWithFilterAndPaging) {
  Fixture f = SeedProject(store());
  domain::Signer s = MakeSigner(f.project.id, f.cert.id, "one");
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
  ASSERT_OK(tx->InsertSigner(s));
  std::vector<domain::SigningOperation> ops;
  for (int i = 0; i < 7; ++i) {
    domain::SigningOperation op;
    op.id = NewUuid();
    op.signer_id = s.id;
    op.project_id = f.project.id;
    op.status = i % 3 == 0 ? domain::OperationStatus::kDenied : domain::OperationStatus::kSuccess;
    op.signing_algorithm = "RSASSA_PSS_SHA_256";
    op.data_hash = std::string(64, 'a' + i);
    op.actor_type = PrincipalType::kIdentity;
    op.actor_id = NewUuid();
    op.actor_name = "ci";
    if (i == 1) op.grant_id = NewUuid();
    op.client_metadata_json = R"({"tool":"osslsigncode"})";
    op.source_ip = "127.0.0.1";
    if (op.status == domain::OperationStatus::kDenied) op.error_message = "ApprovalRequired";
    op.created_at = T(i < 5 ? i : 4);  // two share a timestamp: insertion order breaks the tie
    ops.push_back(op);
    ASSERT_OK(tx->InsertOperation(op));
  }
  ASSERT_OK_AND_ASSIGN(auto got, tx->GetOperation(ops[1].id));
  EXPECT_EQ(got, ops[1]);
  EXPECT_ERROR(tx->InsertOperation(ops[1]), ErrorCode::kAlreadyExists);

  ASSERT_OK_AND_ASSIGN(auto page, tx->ListOperations({s.id, std::nullopt}, {0, 3}));
  EXPECT_EQ(page.total_count, 7);
  ASSERT_EQ(page.items.size(), 3u);
  EXPECT_EQ(page.items[0].id, ops[6].id);
  EXPECT_EQ(page.items[1].id, ops[5].id);
  EXPECT_EQ(page.items[2].id, ops[4].id);
  ASSERT_OK_AND_ASSIGN(page, tx->ListOperations({s.id, std::nullopt}, {6, 3}));
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].id, ops[0].id);
  ASSERT_OK_AND_ASSIGN(page, tx->ListOperations({s.id, domain::OperationStatus::kDenied}, {0, 10}));
  EXPECT_EQ(page.total_count, 3);
  ASSERT_EQ(page.items.size(), 3u);
  EXPECT_EQ(page.items[0].id, ops[6].id);
  EXPECT_EQ(page.items[2].id, ops[0].id);

  // Operations outlive their signer.
  ASSERT_OK(tx->DeleteSigner(s.id));
  ASSERT_OK_AND_ASSIGN(page, tx->ListOperations({s.id, std::nullopt}, {}));
  EXPECT_EQ(page.total_count, 7);
  ASSERT_OK(tx->Commit());
}

TEST_P(StoreConformanceTest, WrappedKeys) {
  domain::WrappedKey k{NewUuid(),     domain::KeyAlgorithm::kEcP521, Bytes{0, 1, 2, 0, 255},
                       Bytes(300, 7), Bytes{0x30, 0x59, 0x00},       T(3)};
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
  ASSERT_OK(tx->PutWrappedKey(k));
  ASSERT_OK_AND_ASSIGN(auto got, tx->GetWrappedKey(k.key_id));
  EXPECT_EQ(got, k);
  auto dup = tx->PutWrappedKey(k);
  EXPECT_ERROR(dup, ErrorCode::kAlreadyExists);
  EXPECT_ERROR(tx->GetWrappedKey(NewUuid()), ErrorCode::kNotFound);
  ASSERT_OK(tx->DeleteWrappedKey(k.key_id));
  EXPECT_ERROR(tx->DeleteWrappedKey(k.key_id), ErrorCode::kNotFound);
  ASSERT_OK(tx->Commit());
}

TEST_P(StoreConformanceTest, HsmKeys) {
  domain::HsmKey k;
  k.key_id = NewUuid();
  k.algorithm = domain::KeyAlgorithm::kRsa3072;
  k.token_label = "signet";
  k.token_serial = "0123abcd";
  k.object_label = "signet-" + k.key_id;
  k.object_id = Bytes{0, 1, 0xfe, 0xff};
  k.public_key_spki = Bytes(400, 9);
  k.adopted = true;
  k.created_at = T(4);
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
  ASSERT_OK(tx->PutHsmKey(k));
  ASSERT_OK_AND_ASSIGN(auto got, tx->GetHsmKey(k.key_id));
  EXPECT_EQ(got, k);
  EXPECT_ERROR(tx->PutHsmKey(k), ErrorCode::kAlreadyExists);
  EXPECT_ERROR(tx->GetHsmKey(NewUuid()), ErrorCode::kNotFound);
  // An HSM key is not a wrapped key.
  EXPECT_ERROR(tx->GetWrappedKey(k.key_id), ErrorCode::kNotFound);
  ASSERT_OK(tx->Commit());
}

TEST_P(StoreConformanceTest, AuditEvents) {
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
  ASSERT_OK_AND_ASSIGN(auto none, tx->LastAuditEvent("node-a"));
  EXPECT_FALSE(none.has_value());
  std::vector<domain::AuditEvent> a, b;
  for (int seq = 1; seq <= 6; ++seq) {
    a.push_back(MakeAuditEvent("node-a", seq, T(seq * 100)));
    ASSERT_OK(tx->AppendAuditEvent(a.back()));
  }
  for (int seq = 1; seq <= 3; ++seq) {
    b.push_back(MakeAuditEvent("node-b", seq, T(seq * 100 + 50)));
    ASSERT_OK(tx->AppendAuditEvent(b.back()));
  }
  domain::AuditEvent fork = MakeAuditEvent("node-a", 3, T(999));
  auto dup = tx->AppendAuditEvent(fork);
  EXPECT_ERROR(dup, ErrorCode::kAlreadyExists);
  ASSERT_OK(tx->Commit());

  ASSERT_OK_AND_ASSIGN(auto read, store().BeginRead());
  ASSERT_OK_AND_ASSIGN(auto last, read->LastAuditEvent("node-a"));
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(*last, a.back());
  ASSERT_OK_AND_ASSIGN(auto nodes, read->ListAuditNodeIds());
  EXPECT_EQ(nodes, (std::vector<std::string>{"node-a", "node-b"}));

  ASSERT_OK_AND_ASSIGN(auto page, read->ListAuditEvents({}, {0, 4}));
  EXPECT_EQ(page.total_count, 9);
  ASSERT_EQ(page.items.size(), 4u);
  EXPECT_EQ(page.items[0], a[5]);  // T(600)
  EXPECT_EQ(page.items[1], a[4]);  // T(500)
  EXPECT_EQ(page.items[2], a[3]);  // T(400)
  EXPECT_EQ(page.items[3], b[2]);  // T(350)

  AuditFilter by_type;
  by_type.event_type = "sign.success";
  ASSERT_OK_AND_ASSIGN(page, read->ListAuditEvents(by_type, {}));
  EXPECT_EQ(page.total_count, 4);  // a2 a4 a6 b2
  AuditFilter by_actor;
  by_actor.actor_id = "actor-0";
  ASSERT_OK_AND_ASSIGN(page, read->ListAuditEvents(by_actor, {}));
  EXPECT_EQ(page.total_count, 3);  // a3 a6 b3
  AuditFilter window;
  window.since = T(200);
  window.until = T(400);
  ASSERT_OK_AND_ASSIGN(page, read->ListAuditEvents(window, {}));
  EXPECT_EQ(page.total_count, 4);  // a2 b2 a3 b3 (since inclusive, until exclusive)
  window.node_id = "node-b";
  ASSERT_OK_AND_ASSIGN(page, read->ListAuditEvents(window, {1, 5}));
  EXPECT_EQ(page.total_count, 2);
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0], b[1]);

  std::vector<std::int64_t> seqs;
  ASSERT_OK(read->ForEachAuditEvent("node-a", [&](const domain::AuditEvent& e) -> Status {
    seqs.push_back(e.seq);
    return Ok();
  }));
  EXPECT_EQ(seqs, (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}));
  seqs.clear();
  auto stopped = read->ForEachAuditEvent("node-a", [&](const domain::AuditEvent& e) -> Status {
    seqs.push_back(e.seq);
    if (e.seq == 2) return Internal("stop here");
    return Ok();
  });
  EXPECT_ERROR(stopped, ErrorCode::kInternal);
  EXPECT_EQ(seqs.size(), 2u);
  // The statement was reset: the transaction stays usable.
  ASSERT_OK_AND_ASSIGN(last, read->LastAuditEvent("node-b"));
  EXPECT_EQ(*last, b.back());
}

TEST_P(StoreConformanceTest, Settings) {
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
  ASSERT_OK_AND_ASSIGN(auto v, tx->GetSetting("root_key_check"));
  EXPECT_FALSE(v.has_value());
  ASSERT_OK(tx->PutSetting("root_key_check", "abc"));
  ASSERT_OK(tx->PutSetting("root_key_check", "def"));
  ASSERT_OK(tx->PutSetting("empty", ""));
  ASSERT_OK(tx->Commit());
  ASSERT_OK_AND_ASSIGN(auto read, store().BeginRead());
  ASSERT_OK_AND_ASSIGN(v, read->GetSetting("root_key_check"));
  EXPECT_EQ(v, std::optional<std::string>("def"));
  ASSERT_OK_AND_ASSIGN(v, read->GetSetting("empty"));
  EXPECT_EQ(v, std::optional<std::string>(""));
}

TEST_P(StoreConformanceTest, SettingsCanBeDeleted) {
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
  ASSERT_OK(tx->PutSetting("notify.smtp.host", "mail.example.com"));
  ASSERT_OK(tx->DeleteSetting("notify.smtp.host"));
  ASSERT_OK(tx->DeleteSetting("never-there"));
  ASSERT_OK_AND_ASSIGN(auto v, tx->GetSetting("notify.smtp.host"));
  EXPECT_FALSE(v.has_value());
}

domain::NotificationWebhook MakeWebhook(const std::string& project_id, std::string name) {
  domain::NotificationWebhook w;
  w.id = NewUuid();
  w.project_id = project_id;
  w.name = std::move(name);
  w.url = "https://hooks.example.com/" + w.name;
  w.format = "signet";
  w.events = {"request.created", "request.approved"};
  w.secret_sealed = Bytes{1, 2, 0, 255};
  w.created_at = w.updated_at = T();
  return w;
}

domain::NotificationDelivery MakeDelivery(const std::string& event_id,
                                          std::optional<std::string> webhook_id, TimePoint due) {
  domain::NotificationDelivery d;
  d.id = NewUuid();
  d.event_id = event_id;
  d.event_type = "request.created";
  d.channel = webhook_id ? "webhook" : "email";
  d.webhook_id = std::move(webhook_id);
  d.recipient = d.webhook_id ? "https://hooks.example.com/a" : "alice@example.com";
  d.payload = "{\"event\":\"request.created\"}";
  d.status = "pending";
  d.max_attempts = 5;
  d.next_attempt_at = due;
  d.created_at = due;
  return d;
}

TEST_P(StoreConformanceTest, NotificationWebhooksEventsAndDeliveries) {
  Fixture f = SeedProject(store());
  Fixture other = SeedProject(store(), "other");
  domain::NotificationWebhook a = MakeWebhook(f.project.id, "a");
  domain::NotificationWebhook b = MakeWebhook(f.project.id, "b");
  b.format = "slack";
  b.events = {};
  b.secret_sealed = Bytes();  // no buffer at all: an empty blob, not NULL
  b.enabled = false;
  b.created_at = T(1);
  domain::NotificationWebhook c = MakeWebhook(other.project.id, "a");
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
  ASSERT_OK(tx->InsertWebhook(a));
  ASSERT_OK(tx->InsertWebhook(b));
  ASSERT_OK(tx->InsertWebhook(c));
  domain::NotificationWebhook dup = MakeWebhook(f.project.id, "a");
  EXPECT_ERROR(tx->InsertWebhook(dup), ErrorCode::kAlreadyExists);
  domain::NotificationWebhook orphan = MakeWebhook(NewUuid(), "z");
  EXPECT_ERROR(tx->InsertWebhook(orphan), ErrorCode::kFailedPrecondition);
  ASSERT_OK_AND_ASSIGN(auto got, tx->GetWebhook(b.id));
  EXPECT_EQ(got, b);
  ASSERT_OK_AND_ASSIGN(auto page, tx->ListWebhooks(f.project.id, PageRequest{}));
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.total_count, 2);
  EXPECT_EQ(page.items[0], a);
  EXPECT_EQ(page.items[1], b);
  ASSERT_OK_AND_ASSIGN(page, tx->ListWebhooks(std::nullopt, PageRequest{}));
  EXPECT_EQ(page.total_count, 3);
  a.url = "https://hooks.example.com/new";
  a.enabled = false;
  a.updated_at = T(9);
  ASSERT_OK(tx->UpdateWebhook(a));
  ASSERT_OK_AND_ASSIGN(got, tx->GetWebhook(a.id));
  EXPECT_EQ(got, a);

  // Events are queued once per dedup key.
  domain::NotificationEvent e1{NewUuid(),           "request.expired", f.project.id,
                               "request.expired:x", "{\"a\":1}",       T()};
  domain::NotificationEvent e2 = e1;
  e2.id = NewUuid();
  ASSERT_OK_AND_ASSIGN(bool inserted, tx->InsertNotificationEvent(e1));
  EXPECT_TRUE(inserted);
  ASSERT_OK_AND_ASSIGN(inserted, tx->InsertNotificationEvent(e2));
  EXPECT_FALSE(inserted);
  ASSERT_OK_AND_ASSIGN(auto ev, tx->GetNotificationEvent(e1.id));
  EXPECT_EQ(ev, e1);
  EXPECT_ERROR(tx->GetNotificationEvent(e2.id), ErrorCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(bool has, tx->HasNotificationEvent("request.expired:x"));
  EXPECT_TRUE(has);
  ASSERT_OK_AND_ASSIGN(has, tx->HasNotificationEvent("request.expired:y"));
  EXPECT_FALSE(has);

  // Deliveries: due ones oldest first, leased once.
  domain::NotificationDelivery d1 = MakeDelivery(e1.id, a.id, T(10));
  domain::NotificationDelivery d2 = MakeDelivery(e1.id, std::nullopt, T(5));
  domain::NotificationDelivery d3 = MakeDelivery(e1.id, a.id, T(100));
  domain::NotificationDelivery d4 = MakeDelivery(e1.id, b.id, T(1));
  d4.status = "delivered";
  d4.delivered_at = T(2);
  d4.attempts = 1;
  d4.last_status_code = 204;
  ASSERT_OK(tx->InsertDelivery(d1));
  ASSERT_OK(tx->InsertDelivery(d2));
  ASSERT_OK(tx->InsertDelivery(d3));
  ASSERT_OK(tx->InsertDelivery(d4));
  EXPECT_ERROR(tx->InsertDelivery(MakeDelivery(NewUuid(), std::nullopt, T())),
               ErrorCode::kFailedPrecondition);
  ASSERT_OK_AND_ASSIGN(auto gotd, tx->GetDelivery(d4.id));
  EXPECT_EQ(gotd, d4);
  ASSERT_OK(tx->Commit());
  tx.reset();  // frees the connection

  ASSERT_OK_AND_ASSIGN(auto tx2, store().BeginWrite());
  ASSERT_OK_AND_ASSIGN(auto due, tx2->ListDueDeliveries(T(50), 10));
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].id, d2.id);
  EXPECT_EQ(due[1].id, d1.id);
  ASSERT_OK_AND_ASSIGN(due, tx2->ListDueDeliveries(T(50), 1));
  EXPECT_EQ(due.size(), 1u);
  ASSERT_OK_AND_ASSIGN(bool leased, tx2->LeaseDelivery(d1.id, T(50), T(1050)));
  EXPECT_TRUE(leased);
  ASSERT_OK_AND_ASSIGN(leased, tx2->LeaseDelivery(d1.id, T(60), T(1060)));
  EXPECT_FALSE(leased) << "leased twice";
  ASSERT_OK_AND_ASSIGN(leased, tx2->LeaseDelivery(d4.id, T(60), T(1060)));
  EXPECT_FALSE(leased) << "a delivered one is not leased";
  ASSERT_OK_AND_ASSIGN(due, tx2->ListDueDeliveries(T(50), 10));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, d2.id);
  // After the lease runs out it is due again (its node died mid-send).
  ASSERT_OK_AND_ASSIGN(due, tx2->ListDueDeliveries(T(1050), 10));
  EXPECT_EQ(due.size(), 3u);
  ASSERT_OK_AND_ASSIGN(leased, tx2->LeaseDelivery(d1.id, T(1050), T(2050)));
  EXPECT_TRUE(leased);

  d2.attempts = 1;
  d2.last_attempt_at = T(50);
  d2.last_error = "connection refused";
  d2.next_attempt_at = T(5000);
  ASSERT_OK(tx2->UpdateDelivery(d2));
  ASSERT_OK_AND_ASSIGN(gotd, tx2->GetDelivery(d2.id));
  EXPECT_EQ(gotd, d2);

  // A webhook's log: newest first; email deliveries are not in it.
  ASSERT_OK_AND_ASSIGN(auto log, tx2->ListDeliveries(a.id, PageRequest{}));
  ASSERT_EQ(log.items.size(), 2u);
  EXPECT_EQ(log.total_count, 2);
  EXPECT_EQ(log.items[0].id, d3.id);
  EXPECT_EQ(log.items[1].id, d1.id);
  // Deleting a webhook deletes its deliveries.
  ASSERT_OK(tx2->DeleteWebhook(a.id));
  EXPECT_ERROR(tx2->GetDelivery(d1.id), ErrorCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(gotd, tx2->GetDelivery(d2.id));
  ASSERT_OK(tx2->Commit());
}

TEST_P(StoreConformanceTest, LeaseDeliveryIsExclusiveUnderConcurrency) {
  Fixture f = SeedProject(store());
  domain::NotificationEvent e{NewUuid(), "request.created", f.project.id, "k", "{}", T()};
  std::vector<std::string> ids;
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
    ASSERT_OK_AND_ASSIGN(bool inserted, tx->InsertNotificationEvent(e));
    ASSERT_TRUE(inserted);
    for (int i = 0; i < 20; ++i) {
      auto d = MakeDelivery(e.id, std::nullopt, T(i));
      ids.push_back(d.id);
      ASSERT_OK(tx->InsertDelivery(d));
    }
    ASSERT_OK(tx->Commit());
  }
  std::atomic<int> won{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (const auto& id : ids) {
        auto tx = store().BeginWrite();
        if (!tx) {
          ++failures;
          continue;
        }
        auto leased = (*tx)->LeaseDelivery(id, T(100), T(100000));
        if (!leased) {
          ++failures;
          continue;
        }
        if (!(*tx)->Commit()) {
          ++failures;
          continue;
        }
        if (*leased) ++won;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(won.load(), 20);
}

TEST_P(StoreConformanceTest, ScansForWhatTheClockMakesHappen) {
  Fixture f = SeedProject(store());
  domain::Signer s = MakeSigner(f.project.id, f.cert.id, "one");
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
  ASSERT_OK(tx->InsertSigner(s));
  std::vector<domain::SigningRequest> rs;
  for (int i = 0; i < 3; ++i) {
    domain::SigningRequest r;
    r.id = NewUuid();
    r.signer_id = s.id;
    r.project_id = f.project.id;
    r.requester_id = NewUuid();
    r.status = i == 2 ? domain::RequestStatus::kApproved : domain::RequestStatus::kPending;
    r.expires_at = T(100 - i);
    r.created_at = r.updated_at = T();
    ASSERT_OK(tx->InsertRequest(r));
    rs.push_back(r);
  }
  ASSERT_OK_AND_ASSIGN(auto overdue, tx->ListOverdueRequests(T(99), 10));
  ASSERT_EQ(overdue.size(), 1u);
  EXPECT_EQ(overdue[0].id, rs[1].id);
  ASSERT_OK_AND_ASSIGN(overdue, tx->ListOverdueRequests(T(100), 10));
  ASSERT_EQ(overdue.size(), 2u);
  EXPECT_EQ(overdue[0].id, rs[1].id);
  ASSERT_OK_AND_ASSIGN(bool changed, tx->ExpireRequest(rs[0].id, T(100)));
  EXPECT_TRUE(changed);
  ASSERT_OK_AND_ASSIGN(changed, tx->ExpireRequest(rs[0].id, T(101)));
  EXPECT_FALSE(changed);
  ASSERT_OK_AND_ASSIGN(changed, tx->ExpireRequest(rs[2].id, T(101)));
  EXPECT_FALSE(changed) << "an approved request does not expire";
  ASSERT_OK_AND_ASSIGN(auto r0, tx->GetRequest(rs[0].id));
  EXPECT_EQ(r0.status, domain::RequestStatus::kExpired);
  EXPECT_EQ(r0.updated_at, T(100));

  // Grants: ending within the window, or partly used; not once announced.
  domain::Grant ending = MakeGrant(s.id, std::nullopt);  // ends at T(3600000)
  domain::Grant used = MakeGrant(s.id, 10);
  used.expires_at.reset();
  used.used_signings = 9;
  domain::Grant fresh = MakeGrant(s.id, 10);
  fresh.expires_at = T(100LL * 3600 * 1000);
  domain::Grant revoked = MakeGrant(s.id, std::nullopt);
  revoked.status = domain::GrantStatus::kRevoked;
  for (const auto* g : {&ending, &used, &fresh, &revoked}) ASSERT_OK(tx->InsertGrant(*g));
  ASSERT_OK_AND_ASSIGN(auto near, tx->ListGrantsNearingEnd(T(0), T(3600 * 1000)));
  std::set<std::string> near_ids;
  for (const auto& g : near) near_ids.insert(g.id);
  EXPECT_EQ(near_ids, (std::set<std::string>{ending.id, used.id}));
  domain::NotificationEvent told{
      NewUuid(), "grant.expiring", f.project.id, "grant.expiring:" + used.id, "{}", T()};
  ASSERT_OK_AND_ASSIGN(bool inserted, tx->InsertNotificationEvent(told));
  ASSERT_TRUE(inserted);
  ASSERT_OK_AND_ASSIGN(near, tx->ListGrantsNearingEnd(T(0), T(3600 * 1000)));
  ASSERT_EQ(near.size(), 1u);
  EXPECT_EQ(near[0].id, ending.id);

  // Certificates: active ones ending in (now, until].
  ASSERT_OK_AND_ASSIGN(auto certs, tx->ListCertificatesExpiring(T(0), T(91LL * 24 * 3600 * 1000)));
  ASSERT_EQ(certs.size(), 1u);
  EXPECT_EQ(certs[0].id, f.cert.id);
  ASSERT_OK_AND_ASSIGN(certs, tx->ListCertificatesExpiring(T(0), T(89LL * 24 * 3600 * 1000)));
  EXPECT_TRUE(certs.empty());
}

TEST_P(StoreConformanceTest, DestroyedTransactionRollsBack) {
  domain::User alice = MakeUser("alice@example.com");
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
    ASSERT_OK(tx->InsertUser(alice));
    ASSERT_OK(tx->PutSetting("k", "v"));
  }  // no Commit
  ASSERT_OK_AND_ASSIGN(auto read, store().BeginRead());
  EXPECT_ERROR(read->GetUser(alice.id), ErrorCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(auto v, read->GetSetting("k"));
  EXPECT_FALSE(v.has_value());
  read.reset();
  // The writer is free again.
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
  ASSERT_OK(tx->InsertUser(alice));
  ASSERT_OK(tx->Commit());
}

// Tx::DeferAppends (the group commit): the appends may travel later, with the next read or
// the commit; reads still see them, and the commit makes them all durable.
TEST_P(StoreConformanceTest, DeferredAppendsAreReadBackAndCommitted) {
  Fixture f = SeedProject(store());
  domain::Signer s = MakeSigner(f.project.id, f.cert.id, "one");
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
    ASSERT_OK(tx->InsertSigner(s));
    ASSERT_OK(tx->Commit());
  }
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
  tx->DeferAppends();
  std::vector<domain::SigningOperation> ops;
  std::vector<domain::AuditEvent> events;
  for (int i = 0; i < 5; ++i) {
    domain::SigningOperation op;
    op.id = NewUuid();
    op.signer_id = s.id;
    op.project_id = f.project.id;
    op.status = domain::OperationStatus::kSuccess;
    op.signing_algorithm = "ECDSA_SHA_256";
    op.data_hash = std::string(64, 'a' + i);
    op.actor_type = PrincipalType::kIdentity;
    op.actor_id = NewUuid();
    op.actor_name = "ci";
    op.source_ip = "127.0.0.1";
    op.created_at = T(i);
    ops.push_back(op);
    ASSERT_OK(tx->InsertOperation(op));
    events.push_back(MakeAuditEvent("node-d", i + 1, T(i)));
    ASSERT_OK(tx->AppendAuditEvent(events.back()));
  }
  ASSERT_OK(tx->PutSetting("audit_head", "5"));
  ASSERT_OK(tx->TouchSignerLastSignedAt(s.id, T(4)));
  // Reads inside the transaction see the appends before them.
  ASSERT_OK_AND_ASSIGN(auto got, tx->GetOperation(ops[2].id));
  EXPECT_EQ(got, ops[2]);
  ASSERT_OK_AND_ASSIGN(auto last, tx->LastAuditEvent("node-d"));
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(*last, events.back());
  // And appends after a read travel with the commit.
  events.push_back(MakeAuditEvent("node-d", 6, T(5)));
  ASSERT_OK(tx->AppendAuditEvent(events.back()));
  ASSERT_OK(tx->PutSetting("audit_head", "6"));
  ASSERT_OK(tx->Commit());

  ASSERT_OK_AND_ASSIGN(auto read, store().BeginRead());
  ASSERT_OK_AND_ASSIGN(auto page, read->ListOperations({s.id, std::nullopt}, {}));
  EXPECT_EQ(page.total_count, 5);
  ASSERT_OK_AND_ASSIGN(last, read->LastAuditEvent("node-d"));
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(*last, events.back());
  ASSERT_OK_AND_ASSIGN(auto head, read->GetSetting("audit_head"));
  EXPECT_EQ(head, std::optional<std::string>("6"));
  ASSERT_OK_AND_ASSIGN(auto signer, read->GetSigner(s.id));
  EXPECT_EQ(signer.last_signed_at, std::optional<TimePoint>(T(4)));
}

// A deferred append that fails (here a forked audit chain) is reported by that call or by
// a later one at the latest by Commit, as the same error as without deferral; the caller
// then drops the transaction, and none of its writes is committed.
TEST_P(StoreConformanceTest, AFailedDeferredAppendIsReportedAndNothingCommits) {
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
    ASSERT_OK(tx->AppendAuditEvent(MakeAuditEvent("node-f", 1, T(1))));
    ASSERT_OK(tx->Commit());
  }
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
    tx->DeferAppends();
    std::optional<Error> failure;
    auto note = [&](Status st) {
      if (!st && !failure) failure = st.error();
    };
    note(tx->AppendAuditEvent(MakeAuditEvent("node-g", 1, T(1))));
    note(tx->AppendAuditEvent(MakeAuditEvent("node-f", 1, T(2))));  // seq 1 exists
    note(tx->AppendAuditEvent(MakeAuditEvent("node-g", 2, T(3))));
    note(tx->PutSetting("after", "x"));
    if (!failure) note(tx->Commit());
    ASSERT_TRUE(failure.has_value()) << "the duplicate audit event was accepted";
    EXPECT_EQ(failure->code, ErrorCode::kAlreadyExists) << failure->message;
    EXPECT_NE(failure->message.find("audit event"), std::string::npos) << failure->message;
  }  // dropped: rolled back
  ASSERT_OK_AND_ASSIGN(auto read, store().BeginRead());
  ASSERT_OK_AND_ASSIGN(auto last, read->LastAuditEvent("node-g"));
  EXPECT_FALSE(last.has_value());
  ASSERT_OK_AND_ASSIGN(auto after, read->GetSetting("after"));
  EXPECT_FALSE(after.has_value());
  ASSERT_OK_AND_ASSIGN(last, read->LastAuditEvent("node-f"));
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->time, T(1));
  read.reset();
  // The store is usable afterwards.
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
  tx->DeferAppends();
  ASSERT_OK(tx->AppendAuditEvent(MakeAuditEvent("node-g", 1, T(4))));
  ASSERT_OK(tx->Commit());
}

TEST_P(StoreConformanceTest, CommitMakesChangesVisible) {
  domain::User alice = MakeUser("alice@example.com");
  ASSERT_OK_AND_ASSIGN(auto writer, store().BeginWrite());
  ASSERT_OK(writer->InsertUser(alice));
  {
    // A reader does not see uncommitted writes, and is not blocked by the open writer.
    ASSERT_OK_AND_ASSIGN(auto reader, store().BeginRead());
    EXPECT_ERROR(reader->GetUser(alice.id), ErrorCode::kNotFound);
  }
  ASSERT_OK_AND_ASSIGN(auto early_reader, store().BeginRead());
  ASSERT_OK_AND_ASSIGN(auto before, early_reader->CountUsers());  // snapshot taken here
  EXPECT_EQ(before, 0);
  ASSERT_OK(writer->Commit());
  ASSERT_OK_AND_ASSIGN(auto still, early_reader->CountUsers());
  EXPECT_EQ(still, 0);  // a read transaction sees one snapshot throughout
  ASSERT_OK_AND_ASSIGN(auto reader, store().BeginRead());
  ASSERT_OK_AND_ASSIGN(auto got, reader->GetUser(alice.id));
  EXPECT_EQ(got, alice);
}

TEST_P(StoreConformanceTest, ReadTransactionRefusesWrites) {
  ASSERT_OK_AND_ASSIGN(auto read, store().BeginRead());
  EXPECT_ERROR(read->InsertUser(MakeUser("alice@example.com")), ErrorCode::kFailedPrecondition);
  EXPECT_ERROR(read->PutSetting("k", "v"), ErrorCode::kFailedPrecondition);
  ASSERT_OK_AND_ASSIGN(auto n, read->CountUsers());
  EXPECT_EQ(n, 0);
}

TEST_P(StoreConformanceTest, FinishedTransactionRefusesCalls) {
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
  ASSERT_OK(tx->Commit());
  EXPECT_ERROR(tx->CountUsers(), ErrorCode::kFailedPrecondition);
  EXPECT_ERROR(tx->InsertUser(MakeUser("a@example.com")), ErrorCode::kFailedPrecondition);
  EXPECT_ERROR(tx->Commit(), ErrorCode::kFailedPrecondition);
}

TEST_P(StoreConformanceTest, ConcurrentReadersAndWriters) {
  constexpr int kWriters = 4;
  constexpr int kReaders = 4;
  constexpr int kPerWriter = 25;
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter; ++i) {
        auto tx = store().BeginWrite();
        if (!tx ||
            !(*tx)->InsertUser(
                MakeUser("u" + std::to_string(w) + "-" + std::to_string(i) + "@example.com")) ||
            !(*tx)->Commit()) {
          failed = true;
        }
      }
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&] {
      std::int64_t last = 0;
      for (int i = 0; i < 50; ++i) {
        auto tx = store().BeginRead();
        if (!tx) {
          failed = true;
          continue;
        }
        auto n = (*tx)->CountUsers();
        if (!n || *n < last) failed = true;  // counts only grow
        if (n) last = *n;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_FALSE(failed.load());
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginRead());
  ASSERT_OK_AND_ASSIGN(auto n, tx->CountUsers());
  EXPECT_EQ(n, kWriters * kPerWriter);
}

// Every write error names the rule that was broken, in the same words on every backend, and
// leaves the transaction usable.
TEST_P(StoreConformanceTest, WriteErrorsNameTheBrokenRule) {
  Fixture f = SeedProject(store());
  ASSERT_OK_AND_ASSIGN(auto tx, store().BeginWrite());
  const auto expect = [](const Status& s, ErrorCode code, const std::string& message) {
    EXPECT_ERROR(s, code);
    EXPECT_EQ(ErrorMessage(s), message);
  };
  // Unique keys not covered by the tests above.
  domain::Identity ci = MakeIdentity("ci");
  ASSERT_OK(tx->InsertIdentity(ci));
  domain::Identity same_client = MakeIdentity("other");
  same_client.client_id = ci.client_id;
  expect(tx->InsertIdentity(same_client), ErrorCode::kAlreadyExists,
         "an identity with client id '" + ci.client_id + "' already exists");
  domain::ProjectMembership m{
      NewUuid(), f.project.id, PrincipalType::kUser, "u-1", domain::ProjectRole::kMember, T()};
  ASSERT_OK(tx->InsertMembership(m));
  m.id = NewUuid();
  expect(tx->InsertMembership(m), ErrorCode::kAlreadyExists,
         "user 'u-1' is already a member of this project");
  domain::Signer signer = MakeSigner(f.project.id, f.cert.id, "release");
  ASSERT_OK(tx->InsertSigner(signer));
  domain::SignerMember sm{
      NewUuid(), signer.id, PrincipalType::kIdentity, "i-1", domain::SignerRole::kOperator, T()};
  ASSERT_OK(tx->InsertSignerMember(sm));
  sm.id = NewUuid();
  expect(tx->InsertSignerMember(sm), ErrorCode::kAlreadyExists,
         "identity 'i-1' is already a member of this signer");
  domain::WrappedKey key{"k-1", domain::KeyAlgorithm::kEcP256, Bytes{1}, Bytes{2}, Bytes{3}, T()};
  ASSERT_OK(tx->PutWrappedKey(key));
  expect(tx->PutWrappedKey(key), ErrorCode::kAlreadyExists, "a key with id 'k-1' already exists");
  ASSERT_OK(tx->AppendAuditEvent(MakeAuditEvent("node-a", 1, T())));
  expect(tx->AppendAuditEvent(MakeAuditEvent("node-a", 1, T(1))), ErrorCode::kAlreadyExists,
         "audit event 1 of node 'node-a' already exists");
  // Missing references.
  domain::ProjectMembership nowhere{
      NewUuid(), "p-x", PrincipalType::kUser, "u-2", domain::ProjectRole::kMember, T()};
  expect(tx->InsertMembership(nowhere), ErrorCode::kFailedPrecondition,
         "project 'p-x' does not exist");
  domain::Grant orphan = MakeGrant("s-x", 1);
  expect(tx->InsertGrant(orphan), ErrorCode::kFailedPrecondition,
         "the signer or request of grant '" + orphan.id + "' does not exist");
  domain::Signer no_cert = MakeSigner(f.project.id, "c-x", "orphan");
  expect(tx->UpdateSigner(no_cert), ErrorCode::kNotFound, "signer '" + no_cert.id + "' not found");
  expect(tx->InsertSigner(no_cert), ErrorCode::kFailedPrecondition,
         "the project, certificate or signing policy of signer 'orphan' does not exist");
  // Rows still referenced.
  expect(tx->DeleteCertificate(f.cert.id), ErrorCode::kFailedPrecondition,
         "certificate '" + f.cert.id + "' is still used by a signer");
  expect(tx->DeleteProject(f.project.id), ErrorCode::kFailedPrecondition,
         "project '" + f.project.id +
             "' still has certificate authorities, certificates, signers or policies");
  expect(tx->DeleteUser("u-x"), ErrorCode::kNotFound, "user 'u-x' not found");
  // Everything written around the failures is committed.
  ASSERT_OK(tx->Commit());
  ASSERT_OK_AND_ASSIGN(auto read, store().BeginRead());
  EXPECT_OK(read->GetIdentity(ci.id));
  EXPECT_OK(read->GetSigner(signer.id));
  EXPECT_OK(read->GetWrappedKey(key.key_id));
  ASSERT_OK_AND_ASSIGN(auto last, read->LastAuditEvent("node-a"));
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->time, T());
  ASSERT_OK_AND_ASSIGN(auto members, read->ListSignerMembers(signer.id, {}));
  EXPECT_EQ(members.total_count, 1);
}

// The migrated schema has every table, column and unique key the shared SQL code names
// (store/tables.h), nothing it does not name (but an insertion-order column), and a way to
// order by insertion where the shared code lists rows so; its messages name its columns.
TEST_P(StoreConformanceTest, SchemaHasWhatTheSharedCodeNames) {
  EXPECT_ERROR(harness_->Describe("no_such_table"), ErrorCode::kNotFound);
  for (const sql::TableInfo* t : sql::AllTables()) {
    SCOPED_TRACE(std::string(t->name));
    ASSERT_OK_AND_ASSIGN(TableShape shape, harness_->Describe(std::string(t->name)));
    const std::set<std::string> named(t->columns.begin(), t->columns.end());
    for (const std::string& c : named) EXPECT_EQ(shape.columns.count(c), 1u) << "no column " << c;
    for (const std::string& c : shape.columns) {
      EXPECT_TRUE(named.count(c) == 1 || c == "row_seq") << "column " << c << " is not named";
    }
    EXPECT_TRUE(!t->ordered_by_insertion || shape.insertion_order) << "no insertion order";
    std::vector<std::string_view> messages = {t->missing_reference};
    for (const sql::UniqueKey& key : t->unique) {
      const std::vector<std::string> columns(key.columns.begin(), key.columns.end());
      bool found = false;
      for (const auto& [name, key_columns] : shape.unique) {
        found = found || (key_columns == columns && (name.empty() || name == key.name));
      }
      EXPECT_TRUE(found) << "no unique key " << key.name;
      messages.push_back(key.message);
    }
    for (std::string_view message : messages) {
      for (std::size_t at = message.find('{'); at != std::string_view::npos;
           at = message.find('{', at + 1)) {
        const std::string column(message.substr(at + 1, message.find('}', at) - at - 1));
        EXPECT_EQ(named.count(column), 1u) << "'" << message << "' names no column " << column;
      }
    }
    EXPECT_EQ(std::string(t->still_referenced).find('{'), t->still_referenced.find("{key}"));
  }
}

}  // namespace
}  // namespace signet::store::testing
