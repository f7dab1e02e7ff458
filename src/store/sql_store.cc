#include "store/sql_store.h"

#include <algorithm>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "store/tables.h"

namespace signet::store {
namespace sql {
namespace {

using domain::PrincipalType, domain::Approval, domain::AccessToken, domain::AuditEvent,
    domain::Certificate, domain::CertificateAuthority, domain::TimestampAuthority,
    domain::ClientSecret, domain::Grant, domain::Identity, domain::Project,
    domain::ProjectMembership, domain::Signer, domain::SignerMember, domain::SigningOperation,
    domain::SigningPolicy, domain::SigningRequest, domain::User, domain::WrappedKey, domain::HsmKey,
    domain::NotificationWebhook, domain::NotificationEvent, domain::NotificationDelivery;

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

// "%text%" for LIKE ... ESCAPE '\', with the wildcards of `text` escaped.
std::string LikePattern(std::string_view text) {
  std::string out = "%";
  for (char c : text)
    out += c == '%' || c == '_' || c == '\\' ? std::string{'\\', c} : std::string{c};
  return out + '%';
}

// A list filter's viewer as two nullable query parameters: both NULL when the list is not
// restricted to what one principal may see.
struct ViewerArgs {
  std::optional<PrincipalType> type;
  std::optional<std::string> id;
};
ViewerArgs ViewerArgsOf(const std::optional<Viewer>& viewer) {
  if (!viewer) return {};
  return {viewer->type, viewer->id};
}

// The key of a row, as the Tx calls take it.
using Key = std::string_view;

// LIMIT for "no limit", valid on every backend.
constexpr std::int64_t kNoLimit = std::numeric_limits<std::int64_t>::max();

class SqlTx final : public Tx {
 public:
  SqlTx(Pool::Lease lease, bool read_only) : lease_(std::move(lease)), read_only_(read_only) {}

  ~SqlTx() override {
    if (!finished_) lease_->Rollback();
  }

  Status Commit() override {
    if (finished_) return FailedPrecondition("transaction is already finished");
    finished_ = true;
    return lease_->Commit();
  }
  void DeferAppends() override { defer_ = !read_only_; }

  // ---- Users ----
  Status InsertUser(const User& u) override { return Insert(Users(), u); }
  Result<User> GetUser(Key id) override { return Get(Users(), id); }
  Result<User> GetUserByEmail(std::string_view email) override {
    return One(Users(), "WHERE email = ?1", "no user with email " + Quote(email), email);
  }
  Status UpdateUser(const User& u) override { return Update(Users(), u); }
  Status DeleteUser(Key id) override { return Delete(Users(), id); }
  Result<Page<User>> ListUsers(PageRequest page) override {
    return List(Users(), "", "created_at, {seq}", page);
  }
  Result<std::int64_t> CountUsers() override {
    if (!read_only_) lease_->Lock(LockClass::kBootstrap, "users");
    return Scalar("SELECT COUNT(*) FROM users");
  }

  // ---- Identities and client secrets ----
  Status InsertIdentity(const Identity& i) override { return Insert(Identities(), i); }
  Result<Identity> GetIdentity(Key id) override { return Get(Identities(), id); }
  Result<Identity> GetIdentityByClientId(std::string_view client_id) override {
    return One(Identities(), "WHERE client_id = ?1",
               "no identity with client id " + Quote(client_id), client_id);
  }
  Status UpdateIdentity(const Identity& i) override { return Update(Identities(), i); }
  Status DeleteIdentity(Key id) override { return Delete(Identities(), id); }
  Result<Page<Identity>> ListIdentities(PageRequest page) override {
    return List(Identities(), "", "created_at, {seq}", page);
  }

  Status InsertClientSecret(const ClientSecret& c) override { return Insert(ClientSecrets(), c); }
  Result<ClientSecret> GetClientSecret(Key id) override { return Get(ClientSecrets(), id); }
  Result<std::vector<ClientSecret>> ListClientSecrets(std::string_view identity_id) override {
    return Rows(ClientSecrets(), "WHERE identity_id = ?1 ORDER BY created_at, {seq}", identity_id);
  }
  Status RevokeClientSecret(Key id) override {
    return ExpectOne(ClientSecrets(), "UPDATE client_secrets SET revoked = TRUE WHERE id = ?1", id);
  }
  Status DeleteClientSecret(Key id) override { return Delete(ClientSecrets(), id); }

  // ---- OIDC auth of identities ----
  Status InsertOidcAuth(const domain::OidcAuth& a) override { return Insert(OidcAuths(), a); }
  Result<domain::OidcAuth> GetOidcAuth(Key identity_id) override {
    return Get(OidcAuths(), identity_id);
  }
  Status UpdateOidcAuth(const domain::OidcAuth& a) override { return Update(OidcAuths(), a); }
  Status DeleteOidcAuth(Key identity_id) override { return Delete(OidcAuths(), identity_id); }

  // ---- Access tokens ----
  Status InsertAccessToken(const AccessToken& t) override { return Insert(AccessTokens(), t); }
  Result<AccessToken> GetAccessToken(Key token_hash) override {
    return Get(AccessTokens(), token_hash);
  }
  Status RevokeAccessToken(Key token_hash) override {
    return ExpectOne(AccessTokens(),
                     "UPDATE access_tokens SET revoked = TRUE WHERE token_hash = ?1", token_hash);
  }
  Status SetAccessTokenMfa(Key token_hash) override {
    return ExpectOne(AccessTokens(), "UPDATE access_tokens SET mfa = TRUE WHERE token_hash = ?1",
                     token_hash);
  }

  // ---- MFA enrolments ----
  Status InsertUserMfa(const domain::UserMfa& m) override { return Insert(UserMfas(), m); }
  Result<domain::UserMfa> GetUserMfa(Key user_id) override { return Get(UserMfas(), user_id); }
  Status UpdateUserMfa(const domain::UserMfa& m) override { return Update(UserMfas(), m); }
  Status DeleteUserMfa(Key user_id) override { return Delete(UserMfas(), user_id); }

  Result<std::int64_t> RevokeAccessTokensOf(PrincipalType type,
                                            std::string_view principal_id) override {
    return Write("revoke access tokens",
                 "UPDATE access_tokens SET revoked = TRUE "
                 "WHERE principal_type = ?1 AND principal_id = ?2 AND NOT revoked",
                 type, principal_id);
  }
  Result<std::int64_t> DeleteExpiredAccessTokens(TimePoint now) override {
    return Write("delete expired access tokens", "DELETE FROM access_tokens WHERE expires_at <= ?1",
                 now);
  }

  // ---- Projects and memberships ----
  Status InsertProject(const Project& p) override { return Insert(Projects(), p); }
  Result<Project> GetProject(Key id) override { return Get(Projects(), id); }
  Result<Project> GetProjectBySlug(std::string_view slug) override {
    if (!read_only_) lease_->Lock(LockClass::kNaturalKey, "projects");
    return One(Projects(), "WHERE slug = ?1", "no project with slug " + Quote(slug), slug);
  }
  Result<Project> GetProjectByName(std::string_view name) override {
    if (!read_only_) lease_->Lock(LockClass::kNaturalKey, "projects");
    return One(Projects(), "WHERE name = ?1", "no project named " + Quote(name), name);
  }
  Status UpdateProject(const Project& p) override { return Update(Projects(), p); }
  Status DeleteProject(Key id) override { return Delete(Projects(), id); }
  Result<Page<Project>> ListProjects(PageRequest page) override {
    return List(Projects(), "", "name{bytewise}", page);
  }

  Status InsertMembership(const ProjectMembership& m) override { return Insert(Memberships(), m); }
  Result<ProjectMembership> GetMembership(Key id) override { return Get(Memberships(), id); }
  Result<ProjectMembership> GetMembershipOf(std::string_view project_id, PrincipalType type,
                                            std::string_view principal_id) override {
    return MemberOf(Memberships(), "project", project_id, type, principal_id);
  }
  Status UpdateMembership(const ProjectMembership& m) override { return Update(Memberships(), m); }
  Status DeleteMembership(Key id) override { return Delete(Memberships(), id); }
  Result<Page<ProjectMembership>> ListMemberships(std::string_view project_id,
                                                  PageRequest page) override {
    return List(Memberships(), "WHERE project_id = ?1", "created_at, {seq}", page, project_id);
  }
  Result<std::vector<ProjectMembership>> ListMembershipsOf(PrincipalType type,
                                                           std::string_view principal_id) override {
    return MembershipsOf(Memberships(), type, principal_id);
  }

  // ---- Certificate authorities ----
  Status InsertCa(const CertificateAuthority& c) override { return Insert(Cas(), c); }
  Result<CertificateAuthority> GetCa(Key id) override { return Get(Cas(), id); }
  Status UpdateCa(const CertificateAuthority& c) override { return Update(Cas(), c); }
  Status DeleteCa(Key id) override { return Delete(Cas(), id); }
  Result<Page<CertificateAuthority>> ListCas(std::string_view project_id,
                                             PageRequest page) override {
    return List(Cas(), "WHERE project_id = ?1", "created_at, {seq}", page, project_id);
  }

  // ---- Time-stamp authorities ----
  Status InsertTsa(const TimestampAuthority& t) override {
    return Insert(TimestampAuthorities(), t);
  }
  Result<TimestampAuthority> GetTsa(Key id) override { return Get(TimestampAuthorities(), id); }
  Result<TimestampAuthority> GetDefaultTsa(std::string_view project_id) override {
    return One(TimestampAuthorities(), "WHERE project_id = ?1 AND is_default",
               "this project has no default time-stamp authority", project_id);
  }
  Status UpdateTsa(const TimestampAuthority& t) override {
    return Update(TimestampAuthorities(), t);
  }
  Status DeleteTsa(Key id) override { return Delete(TimestampAuthorities(), id); }
  Result<Page<TimestampAuthority>> ListTsas(std::string_view project_id,
                                            PageRequest page) override {
    return List(TimestampAuthorities(), "WHERE project_id = ?1", "created_at, {seq}", page,
                project_id);
  }
  Result<std::int64_t> NextTsaSerial(Key id) override {
    SIGNET_ASSIGN_OR_RETURN(
        std::int64_t changed,
        Write("advance the serial of time-stamp authority",
              "UPDATE timestamp_authorities SET last_serial = last_serial + 1 WHERE id = ?1", id));
    if (changed != 1) return NotFound("time-stamp authority '" + std::string(id) + "' not found");
    return Scalar("SELECT last_serial FROM timestamp_authorities WHERE id = ?1", id);
  }

  // ---- Certificates ----
  Status InsertCertificate(const Certificate& c) override { return Insert(Certificates(), c); }
  Result<Certificate> GetCertificate(Key id) override { return Get(Certificates(), id); }
  Status UpdateCertificate(const Certificate& c) override { return Update(Certificates(), c); }
  Status DeleteCertificate(Key id) override { return Delete(Certificates(), id); }
  Result<Page<Certificate>> ListCertificates(const CertificateFilter& filter,
                                             PageRequest page) override {
    return List(Certificates(),
                "WHERE project_id = ?1 AND (?2 IS NULL OR EXISTS (SELECT 1 FROM "
                "{json_each:certificates.extended_key_usages} AS eku WHERE eku.value = ?2))",
                "created_at, {seq}", page, filter.project_id, filter.extended_key_usage);
  }

  // ---- Signers and signer members ----
  Status InsertSigner(const Signer& s) override { return Insert(Signers(), s); }
  Result<Signer> GetSigner(Key id) override { return Get(Signers(), id); }
  Result<Signer> GetSignerByName(std::string_view project_id, std::string_view name) override {
    return One(Signers(), "WHERE project_id = ?1 AND name = ?2",
               "no signer named " + Quote(name) + " in this project", project_id, name);
  }
  Status UpdateSigner(const Signer& s) override { return Update(Signers(), s); }
  Status DeleteSigner(Key id) override { return Delete(Signers(), id); }
  Result<Page<Signer>> ListSigners(const SignerFilter& filter, PageRequest page) override {
    std::optional<std::string> pattern;
    if (filter.search) pattern = LikePattern(*filter.search);
    return List(Signers(),
                "WHERE project_id = ?1 AND (?2 IS NULL OR name {ilike} ?2 ESCAPE '\\' "
                "OR description {ilike} ?2 ESCAPE '\\')",
                "name{bytewise}", page, filter.project_id, pattern);
  }
  // A signer deleted meanwhile, or signed with a later time already, is left as it is.
  Status TouchSignerLastSignedAt(std::string_view id, TimePoint at) override {
    return Append("touch signer",
                  "UPDATE signers SET last_signed_at = ?2 "
                  "WHERE id = ?1 AND (last_signed_at IS NULL OR last_signed_at < ?2)",
                  false, [&](Statement& s) {
                    Bind(s, id);
                    Bind(s, at);
                  });
  }
  Result<std::int64_t> CountSignersWithCertificate(std::string_view certificate_id) override {
    return Scalar("SELECT COUNT(*) FROM signers WHERE certificate_id = ?1", certificate_id);
  }
  Result<std::int64_t> CountSignersWithPolicy(std::string_view policy_id) override {
    return Scalar("SELECT COUNT(*) FROM signers WHERE signing_policy_id = ?1", policy_id);
  }

  Status InsertSignerMember(const SignerMember& m) override { return Insert(SignerMembers(), m); }
  Result<SignerMember> GetSignerMember(Key id) override { return Get(SignerMembers(), id); }
  Result<SignerMember> GetSignerMemberOf(std::string_view signer_id, PrincipalType type,
                                         std::string_view principal_id) override {
    return MemberOf(SignerMembers(), "signer", signer_id, type, principal_id);
  }
  Status UpdateSignerMember(const SignerMember& m) override { return Update(SignerMembers(), m); }
  Status DeleteSignerMember(Key id) override { return Delete(SignerMembers(), id); }
  Result<Page<SignerMember>> ListSignerMembers(std::string_view signer_id,
                                               PageRequest page) override {
    return List(SignerMembers(), "WHERE signer_id = ?1", "created_at, {seq}", page, signer_id);
  }
  Result<std::vector<SignerMember>> ListSignerMembershipsOf(
      PrincipalType type, std::string_view principal_id) override {
    return MembershipsOf(SignerMembers(), type, principal_id);
  }

  // ---- Policies ----
  Status InsertPolicy(const SigningPolicy& p) override { return Insert(Policies(), p); }
  Result<SigningPolicy> GetPolicy(Key id) override { return Get(Policies(), id); }
  Result<SigningPolicy> GetPolicyByName(std::string_view project_id,
                                        std::string_view name) override {
    return One(Policies(), "WHERE project_id = ?1 AND name = ?2",
               "no signing policy named " + Quote(name) + " in this project", project_id, name);
  }
  Status UpdatePolicy(const SigningPolicy& p) override { return Update(Policies(), p); }
  Status DeletePolicy(Key id) override { return Delete(Policies(), id); }
  Result<Page<SigningPolicy>> ListPolicies(std::string_view project_id, PageRequest page) override {
    return List(Policies(), "WHERE project_id = ?1", "name{bytewise}", page, project_id);
  }

  // ---- Requests and approvals ----
  Status InsertRequest(const SigningRequest& r) override { return Insert(Requests(), r); }
  Result<SigningRequest> GetRequest(Key id) override { return Get(Requests(), id); }
  Status UpdateRequest(const SigningRequest& r) override { return Update(Requests(), r); }
  Result<Page<SigningRequest>> ListRequests(const RequestFilter& f, PageRequest page) override {
    auto wants = [&](domain::RequestStatus s) {
      return std::find(f.effective_statuses.begin(), f.effective_statuses.end(), s) !=
             f.effective_statuses.end();
    };
    const auto viewer = ViewerArgsOf(f.viewer);
    // Ids are UUIDs (no LIKE wildcards); in a snapshot a user's id appears only as an approver.
    std::optional<std::string> approver_pattern;
    if (f.viewer && f.viewer->type == PrincipalType::kUser)
      approver_pattern = "%\"" + f.viewer->id + "\"%";
    return List(Requests(),
                "WHERE (?1 IS NULL OR project_id = ?1) AND (?2 IS NULL OR signer_id = ?2) "
                "AND (?3 IS NULL OR status = ?3) AND (?4 IS NULL OR requester_type = ?4) "
                "AND (?5 IS NULL OR requester_id = ?5) "
                "AND (?6 OR (?7 AND status = 'pending' AND expires_at > ?12) "
                "OR (?8 AND (status = 'expired' OR (status = 'pending' AND expires_at <= ?12))) "
                "OR (?9 AND status = 'approved') OR (?10 AND status = 'rejected') "
                "OR (?11 AND status = 'cancelled')) "
                "AND (?13 IS NULL OR (requester_type = ?13 AND requester_id = ?14) "
                "OR policy_snapshot LIKE ?15 "
                "OR project_id IN (SELECT project_id FROM project_memberships "
                "WHERE principal_type = ?13 AND principal_id = ?14 AND role = 'admin') "
                "OR signer_id IN (SELECT signer_id FROM signer_members "
                "WHERE principal_type = ?13 AND principal_id = ?14))",
                "created_at DESC, {seq} DESC", page, f.project_id, f.signer_id, f.status,
                f.requester_type, f.requester_id, f.effective_statuses.empty(),
                wants(domain::RequestStatus::kPending), wants(domain::RequestStatus::kExpired),
                wants(domain::RequestStatus::kApproved), wants(domain::RequestStatus::kRejected),
                wants(domain::RequestStatus::kCancelled), f.now, viewer.type, viewer.id,
                approver_pattern);
  }

  Status InsertApproval(const Approval& a) override { return Insert(Approvals(), a); }
  Result<std::vector<Approval>> ListApprovals(std::string_view request_id) override {
    return Rows(Approvals(), "WHERE request_id = ?1 ORDER BY step, created_at, {seq}", request_id);
  }

  // ---- Grants ----
  Status InsertGrant(const Grant& g) override { return Insert(Grants(), g); }
  Result<Grant> GetGrant(Key id) override { return Get(Grants(), id); }
  Status UpdateGrant(const Grant& g) override { return Update(Grants(), g); }
  Result<Page<Grant>> ListGrants(const GrantFilter& f, PageRequest page) override {
    const auto effective = f.effective_status;
    const auto viewer = ViewerArgsOf(f.viewer);
    // Usable: active, not past expires_at, signings left.
    constexpr const char* kUsable =
        "(status = 'active' AND (expires_at IS NULL OR expires_at > ?8) "
        "AND (max_signings IS NULL OR used_signings < max_signings))";
    return List(
        Grants(),
        "WHERE (?1 IS NULL OR signer_id = ?1) AND (?2 IS NULL OR grantee_type = ?2) "
        "AND (?3 IS NULL OR grantee_id = ?3) AND (?4 IS NULL OR status = ?4) "
        "AND (NOT ?5 OR " +
            std::string(kUsable) +
            ") "
            "AND (NOT ?6 OR status = 'expired' OR (status = 'active' AND NOT " +
            kUsable +
            ")) "
            "AND (NOT ?7 OR status = 'revoked') "
            "AND (?9 IS NULL OR (grantee_type = ?9 AND grantee_id = ?10) "
            "OR signer_id IN (SELECT s.id FROM signers s JOIN project_memberships m "
            "ON m.project_id = s.project_id WHERE m.principal_type = ?9 AND m.principal_id = ?10 "
            "AND m.role = 'admin') "
            "OR signer_id IN (SELECT signer_id FROM signer_members "
            "WHERE principal_type = ?9 AND principal_id = ?10 AND role = 'admin'))",
        "created_at DESC, {seq} DESC", page, f.signer_id, f.grantee_type, f.grantee_id, f.status,
        effective == domain::GrantStatus::kActive, effective == domain::GrantStatus::kExpired,
        effective == domain::GrantStatus::kRevoked, f.now, viewer.type, viewer.id);
  }
  Result<bool> TryUseGrant(std::string_view grant_id, TimePoint now) override {
    SIGNET_ASSIGN_OR_RETURN(
        std::int64_t changed,
        Write("use grant",
              "UPDATE grants SET used_signings = used_signings + 1, updated_at = ?2 "
              "WHERE id = ?1 AND status = 'active' AND window_start <= ?2 "
              "AND (expires_at IS NULL OR expires_at > ?2) "
              "AND (max_signings IS NULL OR used_signings < max_signings)",
              grant_id, now));
    return changed == 1;
  }

  // ---- Operations ----
  Status InsertOperation(const SigningOperation& o) override { return AppendRow(Operations(), o); }
  Result<SigningOperation> GetOperation(Key id) override { return Get(Operations(), id); }
  Result<Page<SigningOperation>> ListOperations(const OperationFilter& f,
                                                PageRequest page) override {
    return List(Operations(), "WHERE signer_id = ?1 AND (?2 IS NULL OR status = ?2)",
                "created_at DESC, {seq} DESC", page, f.signer_id, f.status);
  }

  // ---- Wrapped keys ----
  Status PutWrappedKey(const WrappedKey& k) override { return Insert(KeyBlobs(), k); }
  Result<WrappedKey> GetWrappedKey(Key key_id) override { return Get(KeyBlobs(), key_id); }
  Status DeleteWrappedKey(Key key_id) override { return Delete(KeyBlobs(), key_id); }
  Status PutHsmKey(const HsmKey& k) override { return Insert(HsmKeys(), k); }
  Result<HsmKey> GetHsmKey(Key key_id) override { return Get(HsmKeys(), key_id); }

  // ---- Audit ----
  Status AppendAuditEvent(const AuditEvent& e) override { return AppendRow(AuditEvents(), e); }
  // In a write transaction, first takes the node's chain lock (until commit; in the same
  // round trip), then reads what the previous append committed.
  Result<std::optional<AuditEvent>> LastAuditEvent(std::string_view node_id) override {
    if (!read_only_) lease_->Lock(LockClass::kAuditChain, node_id);
    SIGNET_ASSIGN_OR_RETURN(
        auto events, Rows(AuditEvents(), "WHERE node_id = ?1 ORDER BY seq DESC LIMIT 1", node_id));
    if (events.empty()) return std::optional<AuditEvent>();
    return std::optional<AuditEvent>(std::move(events.front()));
  }
  Result<Page<AuditEvent>> ListAuditEvents(const AuditFilter& f, PageRequest page) override {
    return List(AuditEvents(),
                "WHERE (?1 IS NULL OR node_id = ?1) AND (?2 IS NULL OR event_type = ?2) "
                "AND (?3 IS NULL OR actor_id = ?3) AND (?4 IS NULL OR time >= ?4) "
                "AND (?5 IS NULL OR time < ?5) AND (?6 IS NULL OR target_id = ?6)",
                "time DESC, seq DESC, node_id{bytewise}", page, f.node_id, f.event_type, f.actor_id,
                f.since, f.until, f.target_id);
  }
  // Reads the chain in batches by seq, so that it need not fit in memory; in a read
  // transaction every batch comes from the same snapshot.
  Status ForEachAuditEvent(std::string_view node_id,
                           const std::function<Status(const AuditEvent&)>& fn) override {
    constexpr std::int64_t kBatch = 1000;
    std::int64_t after = std::numeric_limits<std::int64_t>::min();
    while (true) {
      SIGNET_ASSIGN_OR_RETURN(
          auto events, Rows(AuditEvents(), "WHERE node_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
                            node_id, after, kBatch));
      for (const AuditEvent& e : events) {
        after = e.seq;
        SIGNET_TRY(fn(e));
      }
      if (static_cast<std::int64_t>(events.size()) < kBatch) return Ok();
    }
  }
  Result<std::vector<std::string>> ListAuditNodeIds() override {
    return Texts("SELECT DISTINCT node_id{bytewise} FROM audit_events ORDER BY 1");
  }

  // ---- Notifications ----
  Status InsertWebhook(const NotificationWebhook& w) override { return Insert(Webhooks(), w); }
  Result<NotificationWebhook> GetWebhook(Key id) override { return Get(Webhooks(), id); }
  Status UpdateWebhook(const NotificationWebhook& w) override { return Update(Webhooks(), w); }
  Status DeleteWebhook(Key id) override { return Delete(Webhooks(), id); }
  Result<Page<NotificationWebhook>> ListWebhooks(const std::optional<std::string>& project_id,
                                                 PageRequest page) override {
    return List(Webhooks(), "WHERE (?1 IS NULL OR project_id = ?1)", "created_at, {seq}", page,
                project_id);
  }
  Result<bool> InsertNotificationEvent(const NotificationEvent& e) override {
    const auto& t = NotificationEvents();
    SIGNET_ASSIGN_OR_RETURN(
        std::int64_t changed,
        Exec("insert notification event", t.insert + " ON CONFLICT (dedup_key) DO NOTHING", true,
             [&](Statement& s) { t.Bind(s, e); }));
    return changed == 1;
  }
  Result<NotificationEvent> GetNotificationEvent(Key id) override {
    return Get(NotificationEvents(), id);
  }
  Result<bool> HasNotificationEvent(std::string_view dedup_key) override {
    SIGNET_ASSIGN_OR_RETURN(
        std::int64_t n,
        Scalar("SELECT COUNT(*) FROM notification_events WHERE dedup_key = ?1", dedup_key));
    return n > 0;
  }
  Status InsertDelivery(const NotificationDelivery& d) override {
    return Insert(NotificationDeliveries(), d);
  }
  Result<NotificationDelivery> GetDelivery(Key id) override {
    return Get(NotificationDeliveries(), id);
  }
  Status UpdateDelivery(const NotificationDelivery& d) override {
    return Update(NotificationDeliveries(), d);
  }
  Result<Page<NotificationDelivery>> ListDeliveries(std::string_view webhook_id,
                                                    PageRequest page) override {
    return List(NotificationDeliveries(), "WHERE webhook_id = ?1", "created_at DESC, {seq} DESC",
                page, webhook_id);
  }
  Result<std::vector<NotificationDelivery>> ListDueDeliveries(TimePoint now,
                                                              std::int64_t limit) override {
    return Rows(NotificationDeliveries(),
                "WHERE status = 'pending' AND next_attempt_at <= ?1 "
                "AND (lease_until IS NULL OR lease_until <= ?1) "
                "ORDER BY next_attempt_at, {seq} LIMIT ?2",
                now, limit);
  }
  Result<bool> LeaseDelivery(std::string_view id, TimePoint now, TimePoint until) override {
    SIGNET_ASSIGN_OR_RETURN(
        std::int64_t changed,
        Write("lease delivery",
              "UPDATE notification_deliveries SET lease_until = ?3 WHERE id = ?1 "
              "AND status = 'pending' AND (lease_until IS NULL OR lease_until <= ?2)",
              id, now, until));
    return changed == 1;
  }
  Result<std::vector<SigningRequest>> ListOverdueRequests(TimePoint now,
                                                          std::int64_t limit) override {
    return Rows(Requests(),
                "WHERE status = 'pending' AND expires_at <= ?1 ORDER BY expires_at, {seq} LIMIT ?2",
                now, limit);
  }
  Result<bool> ExpireRequest(std::string_view id, TimePoint now) override {
    SIGNET_ASSIGN_OR_RETURN(std::int64_t changed,
                            Write("expire signing request",
                                  "UPDATE signing_requests SET status = 'expired', updated_at = ?2 "
                                  "WHERE id = ?1 AND status = 'pending'",
                                  id, now));
    return changed == 1;
  }
  Result<std::vector<Grant>> ListGrantsNearingEnd(TimePoint now, TimePoint until) override {
    return Rows(Grants(),
                "WHERE status = 'active' AND ((expires_at IS NOT NULL AND expires_at > ?1 AND "
                "expires_at <= ?2) OR (max_signings IS NOT NULL AND used_signings > 0 AND "
                "used_signings < max_signings AND (expires_at IS NULL OR expires_at > ?1))) "
                "AND NOT EXISTS (SELECT 1 FROM notification_events e "
                "WHERE e.dedup_key = 'grant.expiring:' || grants.id) "
                "ORDER BY created_at, {seq}",
                now, until);
  }
  Result<std::vector<Certificate>> ListCertificatesExpiring(TimePoint now,
                                                            TimePoint until) override {
    return Rows(Certificates(),
                "WHERE status = 'active' AND not_after > ?1 AND not_after <= ?2 "
                "ORDER BY not_after, {seq}",
                now, until);
  }

  // ---- Settings ----
  Result<std::optional<std::string>> GetSetting(Key key) override {
    SIGNET_ASSIGN_OR_RETURN(auto values, Texts("SELECT value FROM settings WHERE key = ?1", key));
    if (values.empty()) return std::optional<std::string>();
    return std::optional<std::string>(std::move(values.front()));
  }
  Status PutSetting(std::string_view key, std::string_view value) override {
    return Append("put setting",
                  "INSERT INTO settings (key, value) VALUES (?1, ?2) "
                  "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                  false, [&](Statement& s) {
                    Bind(s, key);
                    Bind(s, value);
                  });
  }
  Status DeleteSetting(std::string_view key) override {
    return Write("delete setting", "DELETE FROM settings WHERE key = ?1", key)
        .map([](std::int64_t) {});
  }

 private:
  // ---- Reads ----

  // The statement for `sql` with `args` bound as ?1, ?2, ...
  template <class... A>
  Result<Use> Query(std::string_view sql, const A&... args) {
    if (finished_) return FailedPrecondition("transaction is already finished");
    return Bound(*lease_, sql, args...);
  }

  // Every row of a query, each read by `read(row)`.
  template <class ReadFn, class... A>
  auto All(std::string_view sql, ReadFn read, const A&... args)
      -> Result<std::vector<typename std::invoke_result_t<ReadFn, const Row&>::value_type>> {
    SIGNET_ASSIGN_OR_RETURN(Use s, Query(sql, args...));
    std::vector<typename std::invoke_result_t<ReadFn, const Row&>::value_type> out;
    while (true) {
      SIGNET_ASSIGN_OR_RETURN(bool row, s->Next("query"));
      if (!row) return out;
      SIGNET_ASSIGN_OR_RETURN(auto item, read(*s));
      out.push_back(std::move(item));
    }
  }
  // The rows of `t` that `where` (and ORDER BY ...) selects.
  template <class T, class... A>
  Result<std::vector<T>> Rows(const Table<T>& t, std::string_view where, const A&... args) {
    return All(
        t.select + " " + std::string(where), [&t](const Row& r) { return t.Read(r); }, args...);
  }
  template <class... A>
  Result<std::vector<std::string>> Texts(std::string_view sql, const A&... args) {
    return All(
        sql, [](const Row& r) -> Result<std::string> { return r.Text(0); }, args...);
  }
  template <class... A>
  Result<std::int64_t> Scalar(std::string_view sql, const A&... args) {
    auto int_of = [](const Row& r) -> Result<std::int64_t> { return r.Int(0); };
    SIGNET_ASSIGN_OR_RETURN(auto values, All(sql, int_of, args...));
    if (values.empty()) return Internal("count returned no row");
    return values.front();
  }
  // The one row of `t` that `where` selects, or kNotFound with `not_found`.
  template <class T, class... A>
  Result<T> One(const Table<T>& t, std::string_view where, const std::string& not_found,
                const A&... args) {
    SIGNET_ASSIGN_OR_RETURN(std::vector<T> rows, Rows(t, where, args...));
    if (rows.empty()) return NotFound(not_found);
    return std::move(rows.front());
  }
  // The membership of a principal in one project or signer (`of`), and all its memberships.
  template <class T>
  Result<T> MemberOf(const Table<T>& t, std::string_view of, std::string_view id,
                     PrincipalType type, std::string_view principal_id) {
    return One(
        t, "WHERE " + std::string(of) + "_id = ?1 AND principal_type = ?2 AND principal_id = ?3",
        std::string(domain::PrincipalTypeName(type)) + " " + Quote(principal_id) +
            " is not a member of " + std::string(of) + " " + Quote(id),
        id, type, principal_id);
  }
  template <class T>
  Result<std::vector<T>> MembershipsOf(const Table<T>& t, PrincipalType type,
                                       std::string_view principal_id) {
    return Rows(t, "WHERE principal_type = ?1 AND principal_id = ?2 ORDER BY created_at, {seq}",
                type, principal_id);
  }
  template <class T>
  Result<T> Get(const Table<T>& t, std::string_view key) {
    return One(t, "WHERE " + std::string(t.columns.front()) + " = ?1",
               std::string(t.entity) + " " + Quote(key) + " not found", key);
  }

  // One page of `SELECT <columns> FROM t <where> ORDER BY <order>` and the total row count
  // of the filter. The filter's parameters are ?1..?N; LIMIT and OFFSET take ?N+1, ?N+2.
  template <class T, class... A>
  Result<Page<T>> List(const Table<T>& t, std::string_view where, std::string_view order,
                       PageRequest page, const A&... args) {
    if (page.offset < 0) return InvalidArgument("offset must not be negative");
    Page<T> out;
    SIGNET_ASSIGN_OR_RETURN(
        out.total_count,
        Scalar("SELECT COUNT(*) FROM " + std::string(t.name) + " " + std::string(where), args...));
    const std::string limit = " LIMIT ?" + std::to_string(sizeof...(A) + 1) + " OFFSET ?" +
                              std::to_string(sizeof...(A) + 2);
    SIGNET_ASSIGN_OR_RETURN(
        out.items, Rows(t, std::string(where) + " ORDER BY " + std::string(order) + limit, args...,
                        page.limit < 0 ? kNoLimit : page.limit, page.offset));
    return out;
  }

  // ---- Writes ----

  // Runs the write `sql` with its parameters bound by `bind`; returns the rows it changed.
  template <class BindFn>
  Result<std::int64_t> Exec(std::string_view context, std::string_view sql, bool guarded,
                            BindFn bind) {
    SIGNET_ASSIGN_OR_RETURN(Use s, Writing(context, sql, bind));
    return s->Exec(context, guarded);
  }
  // The write statement for `sql`, bound; kFailedPrecondition in a finished or read
  // transaction.
  template <class BindFn>
  Result<Use> Writing(std::string_view context, std::string_view sql, BindFn bind) {
    if (finished_) return FailedPrecondition("transaction is already finished");
    if (read_only_) {
      return FailedPrecondition(std::string(context) + ": write attempted in a read transaction");
    }
    SIGNET_ASSIGN_OR_RETURN(Statement * raw, lease_->Prepare(sql));
    Use s(raw);
    bind(*s);
    return s;
  }
  // An append (Tx::DeferAppends): deferred after DeferAppends(), else run now (guarded as
  // `guarded` says). A deferred write needs no savepoint: its error fails the transaction.
  template <class BindFn>
  Status Append(std::string_view context, std::string_view sql, bool guarded, BindFn bind) {
    if (!defer_) return Exec(context, sql, guarded, bind).map([](std::int64_t) {});
    SIGNET_ASSIGN_OR_RETURN(Use s, Writing(context, sql, bind));
    return s->Defer(context);
  }
  // Inserts `row` as an append, explaining an error reported at once in the table's words.
  template <class T>
  Status AppendRow(const Table<T>& t, const T& row) {
    const std::string context = "insert " + std::string(t.entity);
    Status done = Append(context, t.insert, true, [&](Statement& s) { t.Bind(s, row); });
    if (!done) return tl::unexpected(t.Explain(done.error(), context, row, lease_->dialect()));
    return done;
  }
  // A write that can violate no key: unguarded.
  template <class... A>
  Result<std::int64_t> Write(std::string_view context, std::string_view sql, const A&... args) {
    return Exec(context, sql, false, [&](Statement& s) { (Bind(s, args), ...); });
  }
  // Writes `row` with t.insert or t.update, explaining failures in the table's words.
  template <class T>
  Result<std::int64_t> WriteRow(const Table<T>& t, std::string_view verb, const T& row) {
    const std::string context = std::string(verb) + " " + std::string(t.entity);
    auto changed = Exec(context, verb == "insert" ? t.insert : t.update, true,
                        [&](Statement& s) { t.Bind(s, row); });
    if (!changed) {
      return tl::unexpected(t.Explain(changed.error(), context, row, lease_->dialect()));
    }
    return changed;
  }
  template <class T>
  Status Insert(const Table<T>& t, const T& row) {
    return WriteRow(t, "insert", row).map([](std::int64_t) {});
  }
  template <class T>
  Status Update(const Table<T>& t, const T& row) {
    SIGNET_ASSIGN_OR_RETURN(std::int64_t changed, WriteRow(t, "update", row));
    if (changed == 0) return NotFoundError(t, t.KeyOf(row));
    return Ok();
  }
  Status Delete(const TableInfo& t, std::string_view key) {
    auto changed =
        Exec("delete " + std::string(t.entity), t.del, true, [&](Statement& s) { Bind(s, key); });
    if (!changed && !t.still_referenced.empty() && IsForeignKeyViolation(changed.error())) {
      std::string message(t.still_referenced);
      return FailedPrecondition(message.replace(message.find("{key}"), 5, key));
    }
    SIGNET_TRY(changed);
    if (*changed == 0) return NotFoundError(t, key);
    return Ok();
  }
  Status ExpectOne(const TableInfo& t, std::string_view sql, std::string_view key) {
    SIGNET_ASSIGN_OR_RETURN(std::int64_t changed,
                            Write("update " + std::string(t.entity), sql, key));
    if (changed == 0) return NotFoundError(t, key);
    return Ok();
  }

  static tl::unexpected<Error> NotFoundError(const TableInfo& t, std::string_view key) {
    return NotFound(std::string(t.entity) + " " + Quote(key) + " not found");
  }

  Pool::Lease lease_;
  const bool read_only_;
  bool finished_ = false;
  bool defer_ = false;  // DeferAppends()
};

}  // namespace
}  // namespace sql

SqlStore::SqlStore(std::unique_ptr<sql::Pool> readers, std::unique_ptr<sql::Pool> writers)
    : readers_(std::move(readers)), writers_(std::move(writers)) {}

Result<std::unique_ptr<Tx>> SqlStore::BeginRead() { return Begin(*readers_, true); }

Result<std::unique_ptr<Tx>> SqlStore::BeginWrite() {
  return Begin(writers_ != nullptr ? *writers_ : *readers_, false);
}

Result<std::unique_ptr<Tx>> SqlStore::Begin(sql::Pool& pool, bool read_only) {
  for (int attempt = 0;; ++attempt) {
    SIGNET_ASSIGN_OR_RETURN(sql::Pool::Lease lease, pool.Acquire());
    Status begun = lease->Begin(read_only);
    if (begun) return std::unique_ptr<Tx>(new sql::SqlTx(std::move(lease), read_only));
    // A pooled connection may have broken while idle (a database restart): try the next
    // one, and finally a new one. A fresh connection that fails is a real outage.
    if (!lease.get_deleter().reused || lease->Reusable() || attempt >= pool.max()) {
      return tl::unexpected(std::move(begun).error());
    }
  }
}

}  // namespace signet::store
