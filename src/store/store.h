#pragma once
// Persistence of the domain entities behind a backend-neutral interface. A Store hands out
// transactions (Tx); every read and write goes through one. One implementation over SQL
// drivers (store/sql_store.h): SQLite (store/sqlite_store.h) and PostgreSQL
// (store/postgres_store.h); both pass the conformance suite of tests/unit/store/.
//
// Error contract, for every call below:
//   kNotFound           the row the call names does not exist (Get*, Update*, Delete*, ...).
//   kAlreadyExists      a uniqueness rule is violated; the message names the rule
//                       ("a signer named 'x' already exists in this project").
//   kFailedPrecondition a referenced row is missing or a row is still referenced (foreign
//                       key), a write was attempted in a read transaction, or the
//                       transaction is already finished.
//   kUnavailable        the database is busy, locked beyond the timeout, or unreachable; the
//                       caller may retry the whole transaction.
//   kInternal           anything else (corrupt row, library failure).
// After any error but kNotFound/kAlreadyExists/kFailedPrecondition the transaction should be
// abandoned (destroyed), which rolls it back.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "domain/entities.h"

namespace signet::store {

// One page of a list and the number of rows that match the filter across all pages.
template <class T>
struct Page {
  std::vector<T> items;
  std::int64_t total_count = 0;
};

// Paging of list calls. limit < 0 means no limit (all rows from offset on).
struct PageRequest {
  std::int64_t offset = 0;
  std::int64_t limit = -1;
};

struct CertificateFilter {
  std::string project_id;
  std::optional<std::string> extended_key_usage;  // e.g. "codeSigning": only certificates with it
};

struct SignerFilter {
  std::string project_id;
  std::optional<std::string> search;  // case-insensitive substring of the name or description
};

// Whose view a list is: only the rows that principal may see (service/ decides the rule;
// the store spells it in SQL so that a caller who sees little reads little).
struct Viewer {
  domain::PrincipalType type = domain::PrincipalType::kUser;
  std::string id;
};

struct RequestFilter {
  std::optional<std::string> project_id;
  std::optional<std::string> signer_id;
  std::optional<domain::RequestStatus> status;          // the stored status
  std::optional<domain::PrincipalType> requester_type;  // together with requester_id
  std::optional<std::string> requester_id;
  // Any of these effective statuses at `now` (a pending request past its expiry counts as
  // expired); empty: no filter.
  std::vector<domain::RequestStatus> effective_statuses;
  TimePoint now{};
  // Only requests `viewer` may see: theirs, those they are an approver of (in the request's
  // policy snapshot), and those of signers they administer as project admin or hold any
  // signer role on. nullopt: all (org admins).
  std::optional<Viewer> viewer;
};

struct GrantFilter {
  std::optional<std::string> signer_id;
  std::optional<domain::PrincipalType> grantee_type;  // together with grantee_id
  std::optional<std::string> grantee_id;
  std::optional<domain::GrantStatus> status;  // the stored status
  // The effective status at `now` (an active grant past its expiry or out of signings counts
  // as expired).
  std::optional<domain::GrantStatus> effective_status{};
  TimePoint now{};
  // Only grants `viewer` may see: theirs, and those of signers they administer (project
  // admin or signer admin). nullopt: all (org admins).
  std::optional<Viewer> viewer{};
};

struct OperationFilter {
  std::string signer_id;
  std::optional<domain::OperationStatus> status;
};

struct AuditFilter {
  std::optional<std::string> node_id{};
  std::optional<std::string> event_type{};
  std::optional<std::string> actor_id{};
  std::optional<TimePoint> since{};  // inclusive
  std::optional<TimePoint> until{};  // exclusive
  std::optional<std::string> target_id{};
};

// One database transaction. Not thread-safe: use it from one thread at a time. It must not
// outlive the Store that created it. Destroying it without a successful Commit() rolls back
// every change made through it. List calls order rows as documented per call; unless stated
// otherwise, oldest first (created_at, then insertion order).
class Tx {
 public:
  virtual ~Tx() = default;

  // Makes every change durable (per the store's durability option) and visible to later
  // transactions. Afterwards, and after a failed Commit, the Tx accepts no further calls.
  [[nodiscard]] virtual Status Commit() = 0;

  // For a write transaction whose caller fails it as a whole on any error (the group
  // commit): from now on InsertOperation, AppendAuditEvent, PutSetting and
  // TouchSignerLastSignedAt may be sent later, together with the next call that reads or
  // with the commit (on PostgreSQL one round trip for all of them instead of one each). An
  // error of such a write is then returned by that later call or by Commit (as
  // kAlreadyExists, kFailedPrecondition, kUnavailable or kInternal, naming the write), and
  // every call after it fails too; nothing of the transaction is committed. Reads still
  // see the transaction's own writes. Backends without round trips (SQLite) run them at
  // once, as before.
  virtual void DeferAppends() = 0;

  // ---- Users (email unique) ----
  [[nodiscard]] virtual Status InsertUser(const domain::User& user) = 0;
  [[nodiscard]] virtual Result<domain::User> GetUser(std::string_view id) = 0;
  [[nodiscard]] virtual Result<domain::User> GetUserByEmail(std::string_view email) = 0;
  [[nodiscard]] virtual Status UpdateUser(const domain::User& user) = 0;  // by id
  [[nodiscard]] virtual Status DeleteUser(std::string_view id) = 0;
  [[nodiscard]] virtual Result<Page<domain::User>> ListUsers(PageRequest page) = 0;
  [[nodiscard]] virtual Result<std::int64_t> CountUsers() = 0;

  // ---- Machine identities (client_id unique) and their client secrets ----
  [[nodiscard]] virtual Status InsertIdentity(const domain::Identity& identity) = 0;
  [[nodiscard]] virtual Result<domain::Identity> GetIdentity(std::string_view id) = 0;
  [[nodiscard]] virtual Result<domain::Identity> GetIdentityByClientId(
      std::string_view client_id) = 0;
  [[nodiscard]] virtual Status UpdateIdentity(const domain::Identity& identity) = 0;
  // Also deletes the identity's client secrets.
  [[nodiscard]] virtual Status DeleteIdentity(std::string_view id) = 0;
  [[nodiscard]] virtual Result<Page<domain::Identity>> ListIdentities(PageRequest page) = 0;

  [[nodiscard]] virtual Status InsertClientSecret(const domain::ClientSecret& secret) = 0;
  [[nodiscard]] virtual Result<domain::ClientSecret> GetClientSecret(std::string_view id) = 0;
  [[nodiscard]] virtual Result<std::vector<domain::ClientSecret>> ListClientSecrets(
      std::string_view identity_id) = 0;
  [[nodiscard]] virtual Status RevokeClientSecret(std::string_view id) = 0;
  [[nodiscard]] virtual Status DeleteClientSecret(std::string_view id) = 0;

  // ---- OIDC auth of machine identities (one per identity, keyed by identity id; deleted
  // with the identity) ----
  [[nodiscard]] virtual Status InsertOidcAuth(const domain::OidcAuth& auth) = 0;
  [[nodiscard]] virtual Result<domain::OidcAuth> GetOidcAuth(std::string_view identity_id) = 0;
  [[nodiscard]] virtual Status UpdateOidcAuth(const domain::OidcAuth& auth) = 0;
  [[nodiscard]] virtual Status DeleteOidcAuth(std::string_view identity_id) = 0;

  // ---- Access tokens (keyed by token hash) ----
  [[nodiscard]] virtual Status InsertAccessToken(const domain::AccessToken& token) = 0;
  [[nodiscard]] virtual Result<domain::AccessToken> GetAccessToken(std::string_view token_hash) = 0;
  [[nodiscard]] virtual Status RevokeAccessToken(std::string_view token_hash) = 0;
  // Revokes every token of the principal; returns how many were active.
  [[nodiscard]] virtual Result<std::int64_t> RevokeAccessTokensOf(
      domain::PrincipalType type, std::string_view principal_id) = 0;
  // Deletes tokens with expires_at <= now; returns how many.
  [[nodiscard]] virtual Result<std::int64_t> DeleteExpiredAccessTokens(TimePoint now) = 0;

  // ---- MFA enrolments (one per user; deleted with the user) ----
  [[nodiscard]] virtual Status InsertUserMfa(const domain::UserMfa& mfa) = 0;
  [[nodiscard]] virtual Result<domain::UserMfa> GetUserMfa(std::string_view user_id) = 0;
  [[nodiscard]] virtual Status UpdateUserMfa(const domain::UserMfa& mfa) = 0;  // by user_id
  [[nodiscard]] virtual Status DeleteUserMfa(std::string_view user_id) = 0;
  // Marks a token's session as having passed a second factor.
  [[nodiscard]] virtual Status SetAccessTokenMfa(std::string_view token_hash) = 0;

  // ---- Projects (name unique, slug unique) and memberships ((project, principal) unique) ----
  [[nodiscard]] virtual Status InsertProject(const domain::Project& project) = 0;
  [[nodiscard]] virtual Result<domain::Project> GetProject(std::string_view id) = 0;
  [[nodiscard]] virtual Result<domain::Project> GetProjectBySlug(std::string_view slug) = 0;
  [[nodiscard]] virtual Result<domain::Project> GetProjectByName(std::string_view name) = 0;
  [[nodiscard]] virtual Status UpdateProject(const domain::Project& project) = 0;
  // Also deletes its memberships; kFailedPrecondition while CAs, certificates, signers or
  // policies belong to it.
  [[nodiscard]] virtual Status DeleteProject(std::string_view id) = 0;
  [[nodiscard]] virtual Result<Page<domain::Project>> ListProjects(PageRequest page) = 0;

  [[nodiscard]] virtual Status InsertMembership(const domain::ProjectMembership& m) = 0;
  [[nodiscard]] virtual Result<domain::ProjectMembership> GetMembership(std::string_view id) = 0;
  [[nodiscard]] virtual Result<domain::ProjectMembership> GetMembershipOf(
      std::string_view project_id, domain::PrincipalType type, std::string_view principal_id) = 0;
  [[nodiscard]] virtual Status UpdateMembership(const domain::ProjectMembership& m) = 0;
  [[nodiscard]] virtual Status DeleteMembership(std::string_view id) = 0;
  [[nodiscard]] virtual Result<Page<domain::ProjectMembership>> ListMemberships(
      std::string_view project_id, PageRequest page) = 0;
  // Every project membership of one principal.
  [[nodiscard]] virtual Result<std::vector<domain::ProjectMembership>> ListMembershipsOf(
      domain::PrincipalType type, std::string_view principal_id) = 0;

  // ---- Certificate authorities ----
  [[nodiscard]] virtual Status InsertCa(const domain::CertificateAuthority& ca) = 0;
  [[nodiscard]] virtual Result<domain::CertificateAuthority> GetCa(std::string_view id) = 0;
  [[nodiscard]] virtual Status UpdateCa(const domain::CertificateAuthority& ca) = 0;
  [[nodiscard]] virtual Status DeleteCa(std::string_view id) = 0;
  [[nodiscard]] virtual Result<Page<domain::CertificateAuthority>> ListCas(
      std::string_view project_id, PageRequest page) = 0;

  // ---- Time-stamp authorities ((project, name) unique) ----
  [[nodiscard]] virtual Status InsertTsa(const domain::TimestampAuthority& tsa) = 0;
  [[nodiscard]] virtual Result<domain::TimestampAuthority> GetTsa(std::string_view id) = 0;
  // The project's TSA marked default (NotFound when none is).
  [[nodiscard]] virtual Result<domain::TimestampAuthority> GetDefaultTsa(
      std::string_view project_id) = 0;
  [[nodiscard]] virtual Status UpdateTsa(const domain::TimestampAuthority& tsa) = 0;
  [[nodiscard]] virtual Status DeleteTsa(std::string_view id) = 0;
  [[nodiscard]] virtual Result<Page<domain::TimestampAuthority>> ListTsas(
      std::string_view project_id, PageRequest page) = 0;
  // Advances the TSA's last_serial by one and returns it (write transactions; the row stays
  // locked until commit, so concurrent transactions, also on other nodes, get the next ones).
  // NotFound when the TSA is gone.
  [[nodiscard]] virtual Result<std::int64_t> NextTsaSerial(std::string_view id) = 0;

  // ---- Certificates ----
  [[nodiscard]] virtual Status InsertCertificate(const domain::Certificate& cert) = 0;
  [[nodiscard]] virtual Result<domain::Certificate> GetCertificate(std::string_view id) = 0;
  [[nodiscard]] virtual Status UpdateCertificate(const domain::Certificate& cert) = 0;
  // kFailedPrecondition while a signer uses it.
  [[nodiscard]] virtual Status DeleteCertificate(std::string_view id) = 0;
  [[nodiscard]] virtual Result<Page<domain::Certificate>> ListCertificates(
      const CertificateFilter& filter, PageRequest page) = 0;

  // ---- Signers ((project, name) unique) and signer members ((signer, principal) unique) ----
  [[nodiscard]] virtual Status InsertSigner(const domain::Signer& signer) = 0;
  [[nodiscard]] virtual Result<domain::Signer> GetSigner(std::string_view id) = 0;
  [[nodiscard]] virtual Result<domain::Signer> GetSignerByName(std::string_view project_id,
                                                               std::string_view name) = 0;
  [[nodiscard]] virtual Status UpdateSigner(const domain::Signer& signer) = 0;
  // Also deletes its members, requests (with approvals) and grants; operations stay.
  [[nodiscard]] virtual Status DeleteSigner(std::string_view id) = 0;
  // Moves last_signed_at forward to `at` (never back), touching no other column, so a sign
  // record cannot overwrite a concurrent change to the signer. No error if the signer is gone.
  [[nodiscard]] virtual Status TouchSignerLastSignedAt(std::string_view id, TimePoint at) = 0;
  // Ordered by name.
  [[nodiscard]] virtual Result<Page<domain::Signer>> ListSigners(const SignerFilter& filter,
                                                                 PageRequest page) = 0;
  [[nodiscard]] virtual Result<std::int64_t> CountSignersWithCertificate(
      std::string_view certificate_id) = 0;
  [[nodiscard]] virtual Result<std::int64_t> CountSignersWithPolicy(std::string_view policy_id) = 0;

  [[nodiscard]] virtual Status InsertSignerMember(const domain::SignerMember& member) = 0;
  [[nodiscard]] virtual Result<domain::SignerMember> GetSignerMember(std::string_view id) = 0;
  [[nodiscard]] virtual Result<domain::SignerMember> GetSignerMemberOf(
      std::string_view signer_id, domain::PrincipalType type, std::string_view principal_id) = 0;
  [[nodiscard]] virtual Status UpdateSignerMember(const domain::SignerMember& member) = 0;
  [[nodiscard]] virtual Status DeleteSignerMember(std::string_view id) = 0;
  [[nodiscard]] virtual Result<Page<domain::SignerMember>> ListSignerMembers(
      std::string_view signer_id, PageRequest page) = 0;
  // Every signer membership of one principal.
  [[nodiscard]] virtual Result<std::vector<domain::SignerMember>> ListSignerMembershipsOf(
      domain::PrincipalType type, std::string_view principal_id) = 0;

  // ---- Signing policies ((project, name) unique) ----
  [[nodiscard]] virtual Status InsertPolicy(const domain::SigningPolicy& policy) = 0;
  [[nodiscard]] virtual Result<domain::SigningPolicy> GetPolicy(std::string_view id) = 0;
  [[nodiscard]] virtual Result<domain::SigningPolicy> GetPolicyByName(std::string_view project_id,
                                                                      std::string_view name) = 0;
  [[nodiscard]] virtual Status UpdatePolicy(const domain::SigningPolicy& policy) = 0;
  // kFailedPrecondition while a signer uses it.
  [[nodiscard]] virtual Status DeletePolicy(std::string_view id) = 0;
  // Ordered by name.
  [[nodiscard]] virtual Result<Page<domain::SigningPolicy>> ListPolicies(
      std::string_view project_id, PageRequest page) = 0;

  // ---- Signing requests and approvals ((request, step, approver) unique) ----
  [[nodiscard]] virtual Status InsertRequest(const domain::SigningRequest& request) = 0;
  [[nodiscard]] virtual Result<domain::SigningRequest> GetRequest(std::string_view id) = 0;
  [[nodiscard]] virtual Status UpdateRequest(const domain::SigningRequest& request) = 0;
  // Newest first.
  [[nodiscard]] virtual Result<Page<domain::SigningRequest>> ListRequests(
      const RequestFilter& filter, PageRequest page) = 0;

  [[nodiscard]] virtual Status InsertApproval(const domain::Approval& approval) = 0;
  // Ordered by step, then time.
  [[nodiscard]] virtual Result<std::vector<domain::Approval>> ListApprovals(
      std::string_view request_id) = 0;

  // ---- Grants ----
  [[nodiscard]] virtual Status InsertGrant(const domain::Grant& grant) = 0;
  [[nodiscard]] virtual Result<domain::Grant> GetGrant(std::string_view id) = 0;
  [[nodiscard]] virtual Status UpdateGrant(const domain::Grant& grant) = 0;
  // Newest first.
  [[nodiscard]] virtual Result<Page<domain::Grant>> ListGrants(const GrantFilter& filter,
                                                               PageRequest page) = 0;
  // Counts one use of the grant if, at `now`, it is active, window_start <= now, now <
  // expires_at (when set) and used_signings < max_signings (when set): a single conditional
  // update, so concurrent callers (threads, processes, nodes) never exceed max_signings.
  // Returns false, changing nothing, when any condition fails or the grant does not exist.
  [[nodiscard]] virtual Result<bool> TryUseGrant(std::string_view grant_id, TimePoint now) = 0;

  // ---- Signing operations (append-only) ----
  [[nodiscard]] virtual Status InsertOperation(const domain::SigningOperation& op) = 0;
  [[nodiscard]] virtual Result<domain::SigningOperation> GetOperation(std::string_view id) = 0;
  // Newest first.
  [[nodiscard]] virtual Result<Page<domain::SigningOperation>> ListOperations(
      const OperationFilter& filter, PageRequest page) = 0;

  // ---- Wrapped private keys (key_id unique) ----
  [[nodiscard]] virtual Status PutWrappedKey(const domain::WrappedKey& key) = 0;
  [[nodiscard]] virtual Result<domain::WrappedKey> GetWrappedKey(std::string_view key_id) = 0;
  [[nodiscard]] virtual Status DeleteWrappedKey(std::string_view key_id) = 0;

  // ---- References to private keys kept in an HSM (key_id unique) ----
  [[nodiscard]] virtual Status PutHsmKey(const domain::HsmKey& key) = 0;
  // NotFound when no HSM key has this id.
  [[nodiscard]] virtual Result<domain::HsmKey> GetHsmKey(std::string_view key_id) = 0;

  // ---- Audit events ((node_id, seq) unique; never updated or deleted) ----
  // Inserts the event as given; chaining is audit/'s job. A duplicate (node_id, seq) is
  // kAlreadyExists, so two writers can never fork one node's chain.
  [[nodiscard]] virtual Status AppendAuditEvent(const domain::AuditEvent& event) = 0;
  // The node's event with the highest seq, or nullopt when the node has none.
  [[nodiscard]] virtual Result<std::optional<domain::AuditEvent>> LastAuditEvent(
      std::string_view node_id) = 0;
  // Newest first (time, then seq).
  [[nodiscard]] virtual Result<Page<domain::AuditEvent>> ListAuditEvents(const AuditFilter& filter,
                                                                         PageRequest page) = 0;
  // Calls `fn` for each event of the node in ascending seq, streaming (the chain need not fit
  // in memory); stops at and returns the first error `fn` returns. `fn` must not call back
  // into this Tx.
  [[nodiscard]] virtual Status ForEachAuditEvent(
      std::string_view node_id, const std::function<Status(const domain::AuditEvent&)>& fn) = 0;
  // Every node id that has events, sorted.
  [[nodiscard]] virtual Result<std::vector<std::string>> ListAuditNodeIds() = 0;

  // ---- Notifications: webhooks ((project, name) unique), the outbox of events (dedup_key
  // unique) and their deliveries ----
  [[nodiscard]] virtual Status InsertWebhook(const domain::NotificationWebhook& w) = 0;
  [[nodiscard]] virtual Result<domain::NotificationWebhook> GetWebhook(std::string_view id) = 0;
  [[nodiscard]] virtual Status UpdateWebhook(const domain::NotificationWebhook& w) = 0;
  // Also deletes its deliveries.
  [[nodiscard]] virtual Status DeleteWebhook(std::string_view id) = 0;
  // Oldest first; every project's when `project_id` is absent.
  [[nodiscard]] virtual Result<Page<domain::NotificationWebhook>> ListWebhooks(
      const std::optional<std::string>& project_id, PageRequest page) = 0;
  // Inserts the event unless one with the same dedup_key exists (then changes nothing);
  // returns whether it inserted. Concurrent writers (also on other nodes) insert it once.
  [[nodiscard]] virtual Result<bool> InsertNotificationEvent(
      const domain::NotificationEvent& e) = 0;
  [[nodiscard]] virtual Result<domain::NotificationEvent> GetNotificationEvent(
      std::string_view id) = 0;
  [[nodiscard]] virtual Result<bool> HasNotificationEvent(std::string_view dedup_key) = 0;
  [[nodiscard]] virtual Status InsertDelivery(const domain::NotificationDelivery& d) = 0;
  [[nodiscard]] virtual Result<domain::NotificationDelivery> GetDelivery(std::string_view id) = 0;
  [[nodiscard]] virtual Status UpdateDelivery(const domain::NotificationDelivery& d) = 0;
  // A webhook's deliveries, newest first.
  [[nodiscard]] virtual Result<Page<domain::NotificationDelivery>> ListDeliveries(
      std::string_view webhook_id, PageRequest page) = 0;
  // Pending deliveries due at `now` whose lease is absent or over, the longest due first.
  [[nodiscard]] virtual Result<std::vector<domain::NotificationDelivery>> ListDueDeliveries(
      TimePoint now, std::int64_t limit) = 0;
  // Leases a delivery until `until` if, at `now`, it is pending and not leased: a single
  // conditional update, so of concurrent callers (threads, nodes) exactly one gets it.
  [[nodiscard]] virtual Result<bool> LeaseDelivery(std::string_view id, TimePoint now,
                                                   TimePoint until) = 0;
  // Pending requests whose expires_at <= now, oldest first, at most `limit`.
  [[nodiscard]] virtual Result<std::vector<domain::SigningRequest>> ListOverdueRequests(
      TimePoint now, std::int64_t limit) = 0;
  // Marks the request expired (updated_at = now) if it is still pending: a single conditional
  // update; returns whether it changed it.
  [[nodiscard]] virtual Result<bool> ExpireRequest(std::string_view id, TimePoint now) = 0;
  // Active grants not yet reported as running out (no event with dedup key
  // "grant.expiring:<id>") that end in (now, until] or have used some but not all signings.
  [[nodiscard]] virtual Result<std::vector<domain::Grant>> ListGrantsNearingEnd(
      TimePoint now, TimePoint until) = 0;
  // Active certificates with now < not_after <= until.
  [[nodiscard]] virtual Result<std::vector<domain::Certificate>> ListCertificatesExpiring(
      TimePoint now, TimePoint until) = 0;

  // ---- Server settings (key/value text) ----
  [[nodiscard]] virtual Result<std::optional<std::string>> GetSetting(std::string_view key) = 0;
  // Inserts or replaces.
  [[nodiscard]] virtual Status PutSetting(std::string_view key, std::string_view value) = 0;
  // No error when there is none.
  [[nodiscard]] virtual Status DeleteSetting(std::string_view key) = 0;
};

// A database. Thread-safe: any thread may begin transactions concurrently.
class Store {
 public:
  virtual ~Store() = default;

  // A consistent snapshot for reads (taken at its first read); write calls on it fail with
  // kFailedPrecondition. Runs concurrently with writers and other readers; with all of the
  // backend's reader connections in use, it waits for one.
  [[nodiscard]] virtual Result<std::unique_ptr<Tx>> BeginRead() = 0;
  // A read-write transaction. Write transactions are serialized: this blocks while another
  // write transaction of the same store is open (and, across processes or nodes, for up to
  // the backend's busy timeout, then kUnavailable). A thread must never hold two write
  // transactions of one store at once (it would wait for itself); keep write transactions
  // short, since every writer waits for them.
  [[nodiscard]] virtual Result<std::unique_ptr<Tx>> BeginWrite() = 0;
};

}  // namespace signet::store
