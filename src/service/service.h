#pragma once
// The use cases of signetd (SPEC §3–§6), each with its transaction boundary: a use case that
// changes state writes its rows and its audit event in one write transaction, so either both
// are durable or neither. Authorization (SPEC §2 roles) is checked here, not in handlers.
// Thread-safe: handlers on the worker pool call it concurrently.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "auth/authenticator.h"
#include "auth/oidc.h"
#include "common/clock.h"
#include "common/metrics.h"
#include "common/rate_limiter.h"
#include "common/result.h"
#include "common/secret_bytes.h"
#include "domain/entities.h"
#include "domain/principal.h"
#include "domain/read_models.h"
#include "keystore/keystore.h"
#include "notify/notifier.h"
#include "service/commit_queue.h"
#include "service/signer_cache.h"
#include "store/store.h"

namespace signet::service {

class RequestWatcher;

// Who calls, from where; for authorization and the audit log.
struct Caller {
  domain::Principal principal;
  std::string source_ip;
  std::string request_id;
};

struct Paging {
  std::int64_t offset = 0;
  std::int64_t limit = 20;
};

struct LoginResult {
  SecretBytes access_token;
  Millis expires_in;
  std::optional<domain::User> user;  // set by Bootstrap
  // The password was right and the user has an authenticator: access_token is an MFA login
  // token, good only for VerifyMfaLogin within expires_in.
  bool mfa_required = false;
};

// Whom the organisation asks for a second factor (setting "mfa.required"): nobody (users who
// enrolled still use theirs), approvers and admins (approving, rejecting, pre-approving,
// org/project/signer administration), or every user (a session without MFA may only use the
// /api/v1/auth/ routes, to enrol). Machine identities are never asked.
enum class MfaRequirement { kNone, kPrivileged, kAll };
std::string_view MfaRequirementName(MfaRequirement r);
[[nodiscard]] Result<MfaRequirement> ParseMfaRequirement(std::string_view text);

// A second factor: a current TOTP code or one unused recovery code (exactly one).
struct MfaProof {
  std::optional<std::string> code;
  std::optional<std::string> recovery_code;
};
struct TotpEnrolment {
  std::string secret_base32;  // for typing into an authenticator app
  std::string otpauth_uri;    // for its QR code
};
struct MfaStatus {
  bool enabled = false;  // an authenticator is confirmed
  bool pending = false;  // enrolled, waiting for its first code
  int recovery_codes_left = 0;
  bool session_verified = false;  // this session passed a second factor
  MfaRequirement requirement = MfaRequirement::kNone;
};

struct CreateUserInput {
  std::string email;
  SecretBytes password;
  domain::OrgRole org_role = domain::OrgRole::kMember;
};
struct UpdateUserInput {
  std::optional<SecretBytes> password;
  std::optional<SecretBytes> current_password;  // required to change one's own password
  std::optional<domain::OrgRole> org_role;
};

struct ClientSecretResult {
  std::string client_id;
  SecretBytes client_secret;  // shown once
  domain::ClientSecret secret;
};

struct UpdateProjectInput {
  std::optional<std::string> description;
  std::optional<domain::ComplianceProfile> compliance_profile;
};

struct MembershipInput {
  std::optional<std::string> user_id;
  std::optional<std::string> identity_id;
  std::string role;  // validated per kind (project: admin|member; signer: admin|operator|auditor)
};

// Where a new private key comes from: `source` (the server's default when absent), or an
// existing HSM object adopted by CKA_LABEL / CKA_ID (then the source is the HSM).
struct KeyChoice {
  std::optional<domain::KeySourceType> source;
  std::optional<std::string> hsm_key_label;
  std::optional<Bytes> hsm_key_id;
  bool adopts() const { return hsm_key_label.has_value() || hsm_key_id.has_value(); }
};

struct KeyEvidence {
  std::string signer_id;
  domain::Certificate certificate;
  keystore::KeyDescription key;
  std::optional<domain::AuditEvent> generated;  // the event that created the key, if kept
};

struct CreateCaInput {
  std::optional<std::string> project;  // id or slug; default project when absent
  std::string common_name;
  domain::KeyAlgorithm key_algorithm = domain::KeyAlgorithm::kEcP256;
  std::int64_t ttl_days = 3650;
  std::optional<std::string> parent_ca_id;
  KeyChoice key;
};

struct IssueCertificateInput {
  std::optional<std::string> project;
  std::string ca_id;
  std::string common_name;
  domain::KeyAlgorithm key_algorithm = domain::KeyAlgorithm::kEcP256;
  std::int64_t ttl_days = 365;
  std::vector<std::string> key_usages;           // default digitalSignature
  std::vector<std::string> extended_key_usages;  // e.g. codeSigning
  KeyChoice key;
};

struct ImportCertificateInput {
  std::optional<std::string> project;
  std::string certificate_pem;
  SecretBytes private_key_pem;
  std::string certificate_chain_pem;
  std::optional<Bytes> pkcs12;  // instead of the PEM pair
  SecretBytes pkcs12_password;
  // An imported key was not generated in a hardware module; when the server's default key
  // source is the HSM, imports are refused unless this is set.
  bool allow_software_key = false;
};

struct CsrInput {
  std::optional<std::string> project;
  std::string common_name;
  domain::KeyAlgorithm key_algorithm = domain::KeyAlgorithm::kEcP256;
  std::string organization, organizational_unit, country, state, locality;
  KeyChoice key;
};

// A per-signer approval policy (Infisical's inline `approvalPolicy`): steps of user
// approvers and constraints; no steps means signing needs no approval. Signet keeps it as a
// signing policy named kSignerPolicyPrefix + the signer's id, owned by that signer (deleted
// with it, replaced by PUT …/approval-policy); the request TTL and machine bypass are the
// defaults.
struct SignerPolicyInput {
  std::vector<domain::PolicyStep> steps;
  std::optional<Millis> max_window_duration;
  std::optional<std::int64_t> max_signings;
};
inline constexpr std::string_view kSignerPolicyPrefix = "signer:";

// A certificate issued together with its signer (Infisical's create form): codeSigning EKU,
// digitalSignature, from an internal CA of the signer's project.
struct SignerCertificateInput {
  std::string ca_id;
  std::string common_name;  // default: the signer's name
  domain::KeyAlgorithm key_algorithm = domain::KeyAlgorithm::kRsa2048;
  std::int64_t ttl_days = 365;
  KeyChoice key;
};

struct CreateSignerInput {
  std::optional<std::string> project;
  std::string name;
  std::string description;
  std::string certificate_id;                    // or `issue`
  std::optional<std::string> signing_policy_id;  // or `approval_policy`
  std::optional<SignerCertificateInput> issue;
  std::optional<SignerPolicyInput> approval_policy;
  // Members besides the creator (who is the signer's admin); each userId or identityId.
  std::vector<MembershipInput> members;
};

struct UpdateSignerInput {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<domain::SignerStatus> status;
  std::optional<std::string> certificate_id;
  std::optional<std::optional<std::string>> signing_policy_id;  // set, or clear with nullopt inside
};

struct SignInput {
  std::string data_base64;
  std::string signing_algorithm;  // as sent; echoed back
  bool is_digest = false;
  std::string client_metadata_json = "{}";  // validated JSON object text
  domain::SigningScope reported;            // tool, hostname, ... from clientMetadata
};

struct SignResult {
  Bytes signature;
  std::string signing_algorithm;
  std::string signer_id;
};

// One item's outcome in a batch (POST …/sign-batch): a signature, or the refusal that was
// recorded for it. Every item has its operation record.
struct SignBatchItemResult {
  std::string operation_id;
  domain::OperationStatus status = domain::OperationStatus::kSuccess;
  std::string signing_algorithm;  // as sent (the item's, else the batch's)
  Bytes signature;                // success only
  std::optional<Error> error;     // the refusal, when not a success
};

struct SignBatchResult {
  std::string signer_id;
  std::vector<SignBatchItemResult> items;  // in the order sent
};

struct CertificateBundle {
  std::string certificate_pem;
  std::string certificate_chain_pem;
  std::string serial_number;
};

struct AuditQuery {
  std::optional<std::string> event_type;
  std::optional<std::string> actor_id;
  std::optional<TimePoint> since, until;
  Paging paging;
};

// ---- signing policies, requests and grants (SPEC §5) ----

// A policy to create (every field but the optional ones required) or a patch (absent fields
// keep their value; `constraints`, when given, replaces both constraints).
struct PolicyConstraintsInput {
  std::optional<Millis> max_window_duration;
  std::optional<std::int64_t> max_signings;
};
struct PolicyInput {
  std::optional<std::string> project;  // create only; id or slug, default project when absent
  std::optional<std::string> name;
  std::optional<std::vector<domain::PolicyStep>> steps;
  std::optional<PolicyConstraintsInput> constraints;
  std::optional<Millis> max_request_ttl;
  std::optional<bool> bypass_for_machine_identities;
};

// Access asked for on one signer (SPEC §3 request body).
struct SigningRequestInput {
  std::string justification;
  std::optional<std::int64_t> requested_signings;
  std::optional<Millis> requested_window_duration;
  std::optional<TimePoint> requested_window_start;
  std::optional<TimePoint> requested_window_end;
  domain::SigningScope scope;
  // "ipAddress": null was sent: a machine identity's scope is then not bound to the address
  // it asks from (which it is when ipAddress is left out; SPEC §10, as Infisical).
  bool scope_ip_address_null = false;
};

struct PreApproveInput {
  std::optional<std::string> grantee_user_id;  // exactly one of the two
  std::optional<std::string> grantee_identity_id;
  SigningRequestInput request;
};

// A request with its decisions; `request.status` is the effective one (a pending request past
// its expiry reads as expired).
struct SigningRequestView {
  domain::SigningRequest request;
  std::vector<domain::Approval> approvals;
};

struct PreApproveResult {
  SigningRequestView request;
  domain::Grant grant;
};

struct SigningRequestQuery {
  std::optional<domain::RequestStatus> status;
  std::vector<domain::RequestStatus> statuses;  // any of these (empty: no filter)
  std::optional<std::string> signer_id;
  Paging paging;
};

// Per-signer view of a caller's capabilities (GET …/signers/{id}/permissions).
struct SignerPermissions {
  std::optional<domain::ProjectRole> project_role;
  std::optional<domain::SignerRole> signer_role;
  std::optional<domain::SignerMember> membership;  // the caller's own, when a member
  bool can_read = false, can_manage = false, can_sign = false, can_list_operations = false;
};

// POST …/signers/{id}/users: several users by id or email with one role.
struct AddSignerUsersResult {
  std::vector<domain::SignerMember> added;
  std::vector<std::string> skipped;     // ids of users who already were members
  std::vector<std::string> unresolved;  // emails with no user
};

// The outcome of Infisical's check-policy-match for the caller and one signer.
struct PolicyMatch {
  bool requires_approval = false;
  bool has_active_grant = false;
};

struct GrantQuery {
  std::optional<std::string> signer_id;
  std::optional<domain::GrantStatus> status;
  Paging paging;
};

// ---- time-stamp authorities (RFC 3161) ----

// The OID a TSA's tokens name when its creator gives none (under Signet's test arc; operators
// with their own policy give theirs).
inline constexpr std::string_view kDefaultTsaPolicyOid = "1.3.6.1.4.1.59327.3161.1";

struct CreateTsaInput {
  std::optional<std::string> project;  // id or slug; default project when absent
  std::string name;                    // slug, unique per project
  std::string ca_id;                   // the internal CA that issues the TSA's certificate
  domain::KeyAlgorithm key_algorithm = domain::KeyAlgorithm::kEcP256;
  std::int64_t ttl_days = 1825;
  std::string policy_oid = std::string(kDefaultTsaPolicyOid);
  std::int64_t accuracy_ms = 1000;
  bool require_auth = false;
  std::optional<bool> is_default;  // default: true for the project's first TSA
  KeyChoice key;                   // keySource "hsm" puts the TSA's key in the HSM
};

// A TSA from a certificate and key made elsewhere (PEM pair or PKCS#12, `certificate.project`
// is ignored). The certificate must carry timeStamping as its only, critical, extended key
// usage and be valid now; the chain is ordered from the certificates the input holds besides
// the leaf, and may be absent only for a self-signed certificate.
struct ImportTsaInput {
  std::optional<std::string> project;
  std::string name;
  ImportCertificateInput certificate;
  std::string policy_oid = std::string(kDefaultTsaPolicyOid);
  std::int64_t accuracy_ms = 1000;
  bool require_auth = false;
  std::optional<bool> is_default;
};

struct UpdateTsaInput {
  std::optional<std::string> name;
  std::optional<std::string> policy_oid;
  std::optional<std::int64_t> accuracy_ms;
  std::optional<bool> require_auth;
  std::optional<bool> is_default;  // true moves the default here; false leaves none
  std::optional<domain::CaStatus> status;
};

// Whether the TSA may issue now, given the clock (service/clock_discipline.h).
struct ClockState {
  bool synchronized = true;
  std::string reason;  // why not, for refusals and /readyz
};
using ClockStateFn = std::function<ClockState()>;

// What the timestamp routes answer: always an RFC 3161 TimeStampResp (granted or refused).
struct TimestampResult {
  Bytes reply;
  bool granted = false;
  std::string serial;  // decimal, when granted
};
// An identity's OIDC auth method (Infisical's attach/update body; docs/ci-identities.md).
// Attach: absent fields take their defaults; update: absent fields keep their value.
struct OidcAuthInput {
  std::optional<std::string> discovery_url;
  std::optional<std::string> bound_issuer;
  std::optional<std::string> bound_audiences;  // comma-separated
  std::optional<std::map<std::string, std::string>> bound_claims;
  std::optional<std::string> bound_subject;
  std::optional<std::string> ca_cert;
  std::optional<std::string> jwks;  // an inline JSON Web Key Set, for air-gapped servers
  std::optional<Millis> access_token_ttl;
  std::optional<Millis> access_token_max_ttl;
};
// Access tokens from an OIDC login live this long unless the method says otherwise, and
// never longer than the maximum.
inline constexpr Millis kDefaultOidcTokenTtl = std::chrono::hours(1);
inline constexpr Millis kMaxOidcTokenTtl = std::chrono::hours(24);

// ---- notifications (issue 20) ----

// A webhook to create (url, and secret for the signet format, required) or a patch (absent
// fields keep their value).
struct WebhookInput {
  std::optional<std::string> project;  // create only; id or slug, default project when absent
  std::optional<std::string> name;     // default: the URL's host
  std::optional<std::string> url;
  std::optional<SecretBytes> secret;
  bool clear_secret = false;                       // "secret": null on a patch (slack/teams only)
  std::optional<std::vector<std::string>> events;  // empty: every event
  std::optional<std::string> format;               // signet (default) | slack | teams
  std::optional<bool> enabled;
};

struct SmtpInput {
  std::string host;
  std::int64_t port = 587;
  std::string security = "starttls";
  std::string username;
  std::optional<SecretBytes> password;  // absent: keep the stored one
  bool clear_password = false;          // "password": null
  std::string from;
  std::string ca_certificate_pem;
};

// When the periodic scan reports what is about to run out (signetd flags).
struct ExpiryNotices {
  Millis grant_before{std::chrono::hours(1)};  // a grant's end this close
  std::vector<std::int64_t> certificate_days = {30, 7, 1};
};

struct Deps {
  store::Store& store;
  keystore::KeyStore& keys;
  audit::AuditLog& audit;
  auth::Authenticator& authenticator;
  const Clock& clock;
  Metrics* metrics = nullptr;
  Millis token_ttl = std::chrono::hours(8);
  // How long this node may reuse what it read about a signer for signing (signer_cache.h).
  Millis cache_ttl = std::chrono::milliseconds(500);
  // Timestamp queries without a token: at most this many per second per source IP (bursts of
  // twice as many); 0: no limit.
  double anonymous_timestamp_rate = 1000;
  // The clock's synchronisation state (absent: assumed synchronised), and whether TSAs refuse
  // (timeNotAvailable) while it is not synchronised.
  ClockStateFn clock_state;
  bool tsa_require_synchronized_clock = false;
  // Verifies OIDC tokens of identities (auth/oidc.h); without it OIDC login is unavailable.
  auth::OidcVerifier* oidc = nullptr;
  // The most items one POST …/sign-batch may carry (--max-batch-items).
  std::size_t max_batch_items = 1000;
  // The HSM key source (null: none configured) and where new keys come from by default.
  keystore::KeySource* hsm = nullptr;
  domain::KeySourceType default_key_source = domain::KeySourceType::kSoftware;
  // Where events are queued (notify/notifier.h); null: no notifications.
  notify::Notifier* notifier = nullptr;
  ExpiryNotices expiry_notices;
};

class Service {
 public:
  explicit Service(Deps deps);
  ~Service();

  // ---- start-up ----
  // Creates the `default` project when missing. Idempotent.
  [[nodiscard]] Status EnsureDefaultProject();
  // Creates the first org admin when no user exists; returns whether it did.
  [[nodiscard]] Result<bool> BootstrapIfEmpty(const std::string& email,
                                              const SecretBytes& password);

  // ---- auth ----
  [[nodiscard]] Result<LoginResult> Bootstrap(const std::string& email, const SecretBytes& password,
                                              const std::string& source_ip);
  [[nodiscard]] Result<LoginResult> Login(const std::string& email, const SecretBytes& password,
                                          const std::string& source_ip);
  [[nodiscard]] Result<LoginResult> UniversalAuthLogin(const std::string& client_id,
                                                       const SecretBytes& client_secret,
                                                       const std::string& source_ip);
  [[nodiscard]] Status Logout(const Caller& caller, std::string_view token);
  [[nodiscard]] Result<domain::Principal> Authenticate(std::string_view token);

  // ---- multi-factor authentication (TOTP, RFC 6238; service_mfa.cc) ----
  // The second login step: the MFA login token from Login plus a code → a session that passed
  // MFA. Wrong codes are throttled and audited like wrong passwords; a code is good once.
  [[nodiscard]] Result<LoginResult> VerifyMfaLogin(std::string_view mfa_token,
                                                   const MfaProof& proof,
                                                   const std::string& source_ip);
  [[nodiscard]] Result<MfaStatus> GetMfaStatus(const Caller& c);
  // A new secret (replacing an unconfirmed one); 409 when an authenticator is confirmed.
  [[nodiscard]] Result<TotpEnrolment> EnrollTotp(const Caller& c);
  // The first code confirms the enrolment: MFA is on, the calling session (`token`) counts
  // as having passed it, and the 10 recovery codes are returned, once.
  [[nodiscard]] Result<std::vector<SecretBytes>> ConfirmTotp(const Caller& c,
                                                             std::string_view token,
                                                             const std::string& code);
  [[nodiscard]] Status DisableTotp(const Caller& c, const MfaProof& proof);
  [[nodiscard]] Result<std::vector<SecretBytes>> RegenerateRecoveryCodes(const Caller& c,
                                                                         const MfaProof& proof);
  // Org admin: removes a user's authenticator (lost phone) and ends their sessions.
  [[nodiscard]] Status ResetUserMfa(const Caller& c, const std::string& user_id);
  [[nodiscard]] Result<MfaRequirement> GetMfaRequirement(const Caller& c);
  [[nodiscard]] Result<MfaRequirement> SetMfaRequirement(const Caller& c, MfaRequirement r);
  // 403 for a user session that did not pass MFA on a route outside /api/v1/auth/ while MFA
  // is required of every user.
  [[nodiscard]] Status CheckMfaGate(const domain::Principal& p, std::string_view path);

  // ---- users and identities (org admin) ----
  [[nodiscard]] Result<domain::User> CreateUser(const Caller& c, CreateUserInput in);
  [[nodiscard]] Result<store::Page<domain::User>> ListUsers(const Caller& c, Paging p);
  [[nodiscard]] Result<domain::User> GetUser(const Caller& c, const std::string& id);
  [[nodiscard]] Result<domain::User> UpdateUser(const Caller& c, const std::string& id,
                                                UpdateUserInput in);
  [[nodiscard]] Result<domain::User> DeleteUser(const Caller& c, const std::string& id);

  [[nodiscard]] Result<domain::Identity> CreateIdentity(const Caller& c, const std::string& name);
  [[nodiscard]] Result<store::Page<domain::Identity>> ListIdentities(const Caller& c, Paging p);
  [[nodiscard]] Result<domain::Identity> DeleteIdentity(const Caller& c, const std::string& id);
  [[nodiscard]] Result<ClientSecretResult> CreateClientSecret(const Caller& c,
                                                              const std::string& identity_id,
                                                              const std::string& description);
  // An identity's client secrets (never the secret: only id, description, time, revoked).
  [[nodiscard]] Result<std::vector<domain::ClientSecret>> ListClientSecrets(
      const Caller& c, const std::string& identity_id);
  // Logins with it are refused from now on; access tokens it got run until they expire.
  [[nodiscard]] Result<domain::ClientSecret> RevokeClientSecret(const Caller& c,
                                                                const std::string& identity_id,
                                                                const std::string& secret_id);

  // ---- OIDC auth of machine identities (org admin; docs/ci-identities.md) ----
  // AlreadyExists when the identity has one (update it instead).
  [[nodiscard]] Result<domain::OidcAuth> AttachOidcAuth(const Caller& c,
                                                        const std::string& identity_id,
                                                        const OidcAuthInput& in);
  [[nodiscard]] Result<domain::OidcAuth> GetOidcAuth(const Caller& c,
                                                     const std::string& identity_id);
  [[nodiscard]] Result<domain::OidcAuth> UpdateOidcAuth(const Caller& c,
                                                        const std::string& identity_id,
                                                        const OidcAuthInput& in);
  // Removes the method and ends the identity's sessions.
  [[nodiscard]] Result<domain::OidcAuth> RevokeOidcAuth(const Caller& c,
                                                        const std::string& identity_id);
  // A token of the identity's OIDC issuer → an access token of the method's TTL. Every
  // refusal is 401 saying which check failed (never echoing the token) and audited as
  // auth.oidc-auth.failure; 503 when the issuer's keys cannot be had.
  [[nodiscard]] Result<LoginResult> OidcAuthLogin(const std::string& identity_id,
                                                  std::string_view jwt,
                                                  const std::string& source_ip);

  // ---- projects ----
  [[nodiscard]] Result<domain::Project> CreateProject(
      const Caller& c, const std::string& name, const std::string& description,
      domain::ComplianceProfile profile = domain::ComplianceProfile::kNone);
  [[nodiscard]] Result<store::Page<domain::Project>> ListProjects(const Caller& c, Paging p);
  // By id or slug; 404 outside the caller's projects.
  [[nodiscard]] Result<domain::Project> GetProject(const Caller& c, const std::string& project);
  // Project admin. Switching the csbr profile on (or off) needs a session that passed MFA;
  // switching it on is refused (409, naming each one) while a signer of the project is bound to
  // a certificate that does not meet the profile (docs/hsm.md).
  [[nodiscard]] Result<domain::Project> UpdateProject(const Caller& c, const std::string& project,
                                                      const UpdateProjectInput& in);
  [[nodiscard]] Result<domain::ProjectMembership> AddProjectMember(const Caller& c,
                                                                   const std::string& project,
                                                                   const MembershipInput& in);
  [[nodiscard]] Result<store::Page<domain::ProjectMembership>> ListProjectMembers(
      const Caller& c, const std::string& project, Paging p);
  [[nodiscard]] Result<domain::ProjectMembership> GetProjectMember(
      const Caller& c, const std::string& project, const std::string& membership_id);
  [[nodiscard]] Result<domain::ProjectMembership> RemoveProjectMember(
      const Caller& c, const std::string& project, const std::string& membership_id);
  // A member's project role (project admin); signer roles stay as they are.
  [[nodiscard]] Result<domain::ProjectMembership> UpdateProjectMember(
      const Caller& c, const std::string& project, const std::string& membership_id,
      const std::string& role);

  // ---- PKI ----
  [[nodiscard]] Result<domain::CertificateAuthority> CreateCa(const Caller& c,
                                                              const CreateCaInput& in);
  [[nodiscard]] Result<store::Page<domain::CertificateAuthority>> ListCas(
      const Caller& c, const std::optional<std::string>& project, Paging p);
  [[nodiscard]] Result<domain::CertificateAuthority> GetCa(const Caller& c, const std::string& id);
  [[nodiscard]] Result<domain::Certificate> IssueCertificate(const Caller& c,
                                                             const IssueCertificateInput& in);
  [[nodiscard]] Result<domain::Certificate> ImportCertificate(const Caller& c,
                                                              ImportCertificateInput in);
  [[nodiscard]] Result<domain::Certificate> CreateCsr(const Caller& c, const CsrInput& in);
  [[nodiscard]] Result<domain::Certificate> ImportIssuedCertificate(
      const Caller& c, const std::string& id, const std::string& certificate_pem,
      const std::string& chain_pem);
  [[nodiscard]] Result<store::Page<domain::Certificate>> ListCertificates(
      const Caller& c, const std::optional<std::string>& project,
      const std::optional<std::string>& extended_key_usage, Paging p);
  [[nodiscard]] Result<domain::Certificate> GetCertificate(const Caller& c, const std::string& id);
  [[nodiscard]] Result<domain::Certificate> RevokeCertificate(const Caller& c,
                                                              const std::string& id);

  // ---- signers ----
  [[nodiscard]] Result<domain::Signer> CreateSigner(const Caller& c, const CreateSignerInput& in);
  [[nodiscard]] Result<store::Page<domain::Signer>> ListSigners(
      const Caller& c, const std::optional<std::string>& project,
      const std::optional<std::string>& search, Paging p);
  [[nodiscard]] Result<domain::Signer> GetSigner(const Caller& c, const std::string& id);
  [[nodiscard]] Result<domain::Signer> UpdateSigner(const Caller& c, const std::string& id,
                                                    const UpdateSignerInput& in);
  [[nodiscard]] Result<domain::Signer> DeleteSigner(const Caller& c, const std::string& id);
  // What a CA asks of a signing service about a signer's key (GET …/key-evidence): where the
  // key is, the module and the key's attributes read back from the token now (HSM keys), and
  // the audit event that made the key. 404 unless the caller may read the signer; Unavailable
  // while the HSM token is unreachable.
  [[nodiscard]] Result<KeyEvidence> SignerKeyEvidence(const Caller& c, const std::string& id);
  [[nodiscard]] Result<Bytes> SignerPublicKey(const Caller& c, const std::string& id,
                                              domain::KeyAlgorithm* algorithm);
  [[nodiscard]] Result<CertificateBundle> SignerCertificate(const Caller& c, const std::string& id,
                                                            std::string* signer_name);
  [[nodiscard]] Result<store::Page<domain::SigningOperation>> ListOperations(
      const Caller& c, const std::string& signer_id, std::optional<domain::OperationStatus> status,
      Paging p);
  [[nodiscard]] Result<domain::SignerMember> AddSignerMember(const Caller& c,
                                                             const std::string& signer_id,
                                                             const MembershipInput& in);
  [[nodiscard]] Result<domain::SignerMember> UpdateSignerMember(const Caller& c,
                                                                const std::string& signer_id,
                                                                const std::string& member_id,
                                                                const std::string& role);
  [[nodiscard]] Result<domain::SignerMember> RemoveSignerMember(const Caller& c,
                                                                const std::string& signer_id,
                                                                const std::string& member_id);
  [[nodiscard]] Result<store::Page<domain::SignerMember>> ListSignerMembers(
      const Caller& c, const std::string& signer_id, Paging p);

  // SPEC §4. Every attempt on a signer the caller can read is recorded (operation + audit)
  // before the reply; no signature is returned without its committed record. `done` gets the
  // result exactly once: on this thread when the attempt ends unrecorded (no such signer, a
  // store error), otherwise on the group committer's thread once the record has committed.
  // `done` must be quick and must not block.
  using SignDone = std::function<void(Result<SignResult>)>;
  void Sign(const Caller& c, const std::string& signer_id, const SignInput& in, SignDone done);

  // Signs 1 to max_batch_items() items with one signer (SPEC-like description in
  // docs/batch-signing.md): one read of the signer, the caller's rights and the policy for
  // the whole batch; then one operation record (and audit event) per item, all in one
  // group-committed transaction before `done`, each approved item using its grant once (so a
  // grant with 3 signings left signs the first 3 approved items and the rest are recorded as
  // denied). A bad item (undecodable data, unknown algorithm, wrong key type or digest
  // length) fails the whole batch with InvalidArgument naming `items[i]`, and nothing is
  // recorded. A refusal of the whole batch (the caller may not sign, the signer is disabled,
  // its certificate is unusable) is recorded for every item, then answered as the error.
  // `done` is called like Sign's.
  using SignBatchDone = std::function<void(Result<SignBatchResult>)>;
  void SignBatch(const Caller& c, const std::string& signer_id, std::vector<SignInput> items,
                 SignBatchDone done);
  std::size_t max_batch_items() const { return d_.max_batch_items; }

  // ---- Infisical's per-signer routes (SPEC §10), written on the rules above ----
  // The signer's policy (absent: none). Anyone who may read the signer.
  [[nodiscard]] Result<std::optional<domain::SigningPolicy>> GetSignerPolicy(
      const Caller& c, const std::string& signer_id);
  // Replaces the signer's approval policy: no steps detaches it; otherwise the signer's own
  // policy is updated, or one is created and attached (a shared project policy it used is
  // left unchanged). Project admin, like creating and attaching a policy.
  [[nodiscard]] Result<std::optional<domain::SigningPolicy>> SetSignerPolicy(
      const Caller& c, const std::string& signer_id, const SignerPolicyInput& in);
  [[nodiscard]] Result<AddSignerUsersResult> AddSignerUsers(
      const Caller& c, const std::string& signer_id, const std::vector<std::string>& user_ids,
      const std::vector<std::string>& emails, const std::string& role);
  // The member row of a principal on a signer (NotFound when not a member).
  [[nodiscard]] Result<domain::SignerMember> FindSignerMember(const Caller& c,
                                                              const std::string& signer_id,
                                                              domain::PrincipalType type,
                                                              const std::string& principal_id);
  [[nodiscard]] Result<SignerPermissions> GetSignerPermissions(const Caller& c,
                                                               const std::string& signer_id);
  // A new key and certificate for the signer from `in.ca_id` (same or another CA of the
  // project); the old certificate stays valid for what it signed. Signer admin who is also a
  // project admin (issuing certificates is a project admin's).
  [[nodiscard]] Result<domain::Signer> ReissueSignerCertificate(const Caller& c,
                                                                const std::string& signer_id,
                                                                const SignerCertificateInput& in);
  // Infisical's revoke of a request: a pending one is cancelled, an approved one's active grant
  // is revoked. Returns the request.
  [[nodiscard]] Result<SigningRequestView> RevokeSignerRequest(const Caller& c,
                                                               const std::string& signer_id,
                                                               const std::string& request_id,
                                                               const std::string& reason);
  // Whether the caller needs approval to sign with the signer now, and has a usable grant.
  [[nodiscard]] Result<PolicyMatch> CheckPolicyMatch(const Caller& c, const std::string& signer_id);

  // ---- read models (SPEC §10) ----
  // What replies show around entities the caller has already read through the calls above
  // (no access check here): a signer's certificate, policy name and effective status; a
  // grant's signer name and revoker; a request's requester and signer names. One read
  // transaction per call; entities whose related rows are gone get empty values.
  [[nodiscard]] Result<std::vector<domain::SignerDetail>> DescribeSigners(
      std::vector<domain::Signer> signers);
  [[nodiscard]] Result<domain::SignerDetail> DescribeSigner(domain::Signer signer);
  [[nodiscard]] Result<std::vector<domain::GrantDetail>> DescribeGrants(
      std::vector<domain::Grant> grants);
  [[nodiscard]] Result<domain::GrantDetail> DescribeGrant(domain::Grant grant);
  // One RequestParties per view, in order.
  [[nodiscard]] Result<std::vector<domain::RequestParties>> DescribeRequests(
      const std::vector<SigningRequestView>& views);

  // ---- audit ----
  [[nodiscard]] Result<store::Page<domain::AuditEvent>> ListAudit(const Caller& c,
                                                                  const AuditQuery& q);
  // With a checkpoint: its signature is checked first (InvalidArgument when this server did
  // not sign it), then the report says whether the log extends it.
  [[nodiscard]] Result<audit::VerifyReport> VerifyAudit(
      const Caller& c, const audit::Checkpoint* checkpoint = nullptr);
  // The heads of every audit chain, signed by this server (org admin).
  [[nodiscard]] Result<audit::Checkpoint> AuditCheckpoint(const Caller& c);
  // The Ed25519 public key that verifies checkpoints (anyone may have it): raw, as PEM, and
  // its id (hex of the first 8 bytes of its SHA-256). Unavailable without a checkpoint key.
  struct PublicKeyInfo {
    Bytes raw;
    std::string pem;
    std::string key_id;
  };
  [[nodiscard]] Result<PublicKeyInfo> AuditPublicKey() const;
  // The database answers, and (with tsa_require_synchronized_clock) the clock is
  // synchronised; Unavailable naming the reason otherwise.
  [[nodiscard]] Status Ready();

  // ---- time-stamp authorities (project admins manage; project members read) ----
  [[nodiscard]] Result<domain::TimestampAuthority> CreateTsa(const Caller& c,
                                                             const CreateTsaInput& in);
  [[nodiscard]] Result<domain::TimestampAuthority> ImportTsa(const Caller& c, ImportTsaInput in);
  [[nodiscard]] Result<store::Page<domain::TimestampAuthority>> ListTsas(
      const Caller& c, const std::optional<std::string>& project, Paging p);
  [[nodiscard]] Result<domain::TimestampAuthority> GetTsa(const Caller& c, const std::string& id);
  [[nodiscard]] Result<domain::TimestampAuthority> UpdateTsa(const Caller& c, const std::string& id,
                                                             const UpdateTsaInput& in);
  // Deletes the TSA and its key, and revokes its certificate (the row stays, listed as
  // revoked); its tokens stay verifiable with its certificate.
  [[nodiscard]] Result<domain::TimestampAuthority> DeleteTsa(const Caller& c,
                                                             const std::string& id);
  [[nodiscard]] Result<CertificateBundle> TsaCertificate(const Caller& c, const std::string& id);

  // Answers an RFC 3161 query (DER TimeStampReq) with TSA `tsa_id`, or with the default TSA of
  // the default project when `tsa_id` is empty. `caller` is null when no token came. A TSA
  // with requireAuth answers Unauthenticated (401) without a token and NotFound (404) to
  // callers outside its project; a public TSA answers anyone (without a token at most
  // anonymous_timestamp_rate queries per second per source address, else RateLimited). Bad queries,
  // a disabled TSA, an expired certificate or an unsynchronised clock are refusals inside the reply
  // (nothing issued, nothing recorded); a granted token is on record (serial, imprint, audit event)
  // before `done` gets it. `done` runs exactly once, here or on the group committer's thread.
  using TimestampDone = std::function<void(Result<TimestampResult>)>;
  // The wall clock moved by `step` more than the monotonic clock (1 s or more): a
  // clock.step audit event (actor system), with the clock's synchronisation state.
  [[nodiscard]] Status RecordClockStep(Millis step);
  void Timestamp(const Caller* caller, const std::string& source_ip, const std::string& tsa_id,
                 ByteView query, TimestampDone done);

  // ---- signing policies (project admin writes; project members read) ----
  [[nodiscard]] Result<domain::SigningPolicy> CreatePolicy(const Caller& c, const PolicyInput& in);
  [[nodiscard]] Result<store::Page<domain::SigningPolicy>> ListPolicies(
      const Caller& c, const std::optional<std::string>& project, Paging p);
  [[nodiscard]] Result<domain::SigningPolicy> GetPolicy(const Caller& c, const std::string& id);
  // Applies to requests made afterwards; existing requests keep their snapshot.
  [[nodiscard]] Result<domain::SigningPolicy> UpdatePolicy(const Caller& c, const std::string& id,
                                                           const PolicyInput& in);
  // FailedPrecondition (409) while a signer uses the policy.
  [[nodiscard]] Result<domain::SigningPolicy> DeletePolicy(const Caller& c, const std::string& id);

  // ---- signing requests (SPEC §5) ----
  // By anyone who may sign with the signer; the signer must have a policy.
  [[nodiscard]] Result<SigningRequestView> CreateSigningRequest(const Caller& c,
                                                                const std::string& signer_id,
                                                                const SigningRequestInput& in);
  // Signer admin grants access to another principal directly: an approved request + grant.
  [[nodiscard]] Result<PreApproveResult> PreApprove(const Caller& c, const std::string& signer_id,
                                                    const PreApproveInput& in);
  // The caller's own requests, those the caller is an approver of, and those of signers the
  // caller administers.
  [[nodiscard]] Result<store::Page<SigningRequestView>> ListSigningRequests(
      const Caller& c, const SigningRequestQuery& q);
  [[nodiscard]] Result<SigningRequestView> GetSigningRequest(const Caller& c,
                                                             const std::string& id);
  // The last approval of the last step creates the grant in the same transaction.
  [[nodiscard]] Result<SigningRequestView> ApproveSigningRequest(const Caller& c,
                                                                 const std::string& id,
                                                                 const std::string& comment);
  [[nodiscard]] Result<SigningRequestView> RejectSigningRequest(const Caller& c,
                                                                const std::string& id,
                                                                const std::string& comment);
  // The requester or a signer admin.
  [[nodiscard]] Result<SigningRequestView> CancelSigningRequest(const Caller& c,
                                                                const std::string& id);

  // ---- grants; statuses are effective (an active grant past its end or used up is expired) ----
  // The caller's own grants and those of signers the caller administers.
  [[nodiscard]] Result<store::Page<domain::Grant>> ListGrants(const Caller& c, const GrantQuery& q);
  [[nodiscard]] Result<domain::Grant> GetGrant(const Caller& c, const std::string& id);
  // Signer admin; effective for the next sign call.
  [[nodiscard]] Result<domain::Grant> RevokeGrant(const Caller& c, const std::string& id,
                                                  const std::string& reason);

  // ---- notifications (project admins manage their project's webhooks; org admins SMTP) ----
  [[nodiscard]] Result<domain::NotificationWebhook> CreateWebhook(const Caller& c,
                                                                  const WebhookInput& in);
  [[nodiscard]] Result<store::Page<domain::NotificationWebhook>> ListWebhooks(
      const Caller& c, const std::optional<std::string>& project, Paging p);
  [[nodiscard]] Result<domain::NotificationWebhook> GetWebhook(const Caller& c,
                                                               const std::string& id);
  [[nodiscard]] Result<domain::NotificationWebhook> UpdateWebhook(const Caller& c,
                                                                  const std::string& id,
                                                                  const WebhookInput& in);
  [[nodiscard]] Result<domain::NotificationWebhook> DeleteWebhook(const Caller& c,
                                                                  const std::string& id);
  // Newest first.
  [[nodiscard]] Result<store::Page<domain::NotificationDelivery>> ListWebhookDeliveries(
      const Caller& c, const std::string& id, Paging p);
  // Sends a test event to the webhook now (on this thread) and returns its delivery.
  [[nodiscard]] Result<domain::NotificationDelivery> TestWebhook(const Caller& c,
                                                                 const std::string& id);
  [[nodiscard]] Result<notify::SmtpSettings> PutSmtp(const Caller& c, const SmtpInput& in);
  // NotFound when e-mail is not configured.
  [[nodiscard]] Result<notify::SmtpSettings> GetSmtp(const Caller& c);
  [[nodiscard]] Result<notify::SmtpSettings> DeleteSmtp(const Caller& c);
  // Reports what the clock made happen, once across nodes: pending requests past their expiry
  // are marked expired (with their audit event), grants that run out soon and certificates
  // that expire within the configured days are announced. Called by the notification thread.
  void ScanForNotifications();

  // ---- waiting for a decision (GET …/signing-requests/{id}?waitSeconds=N) ----
  // The service's clock.
  TimePoint Now() const { return d_.clock.Now(); }
  // The request's state as a waiter compares it: effective status and last change.
  using RequestVersion = std::pair<domain::RequestStatus, TimePoint>;
  [[nodiscard]] static RequestVersion VersionOf(const domain::SigningRequest& r, TimePoint now);
  // Calls `done` once, from the request watcher's thread, when request `id` no longer has
  // version `seen` (it changed here or on another node: the row is polled), or at
  // `deadline`. `done` must be quick (it may post work elsewhere). The caller has read the
  // request already (visibility is its check).
  void WatchRequest(const std::string& id, RequestVersion seen,
                    std::chrono::steady_clock::time_point deadline, std::function<void()> done);

 private:
  struct AuditEntry {
    std::string event_type;
    std::string target_type;
    std::string target_id;
    std::string details_json = "{}";
  };
  // Runs `fn` in a write transaction, appends `entry` (filled by fn) and commits.
  template <class T, class Fn>
  Result<T> WriteWithAudit(const domain::Principal* actor, Fn&& fn);
  Status AppendAudit(store::Tx& tx, const domain::Principal* actor, const AuditEntry& entry);
  // The same inside the group commit (RecordOperation): through commit_audit_, which reads
  // the chain head once per transaction and writes it once (CommitQueue hooks).
  Status AppendCommitAudit(store::Tx& tx, const domain::Principal* actor, const AuditEntry& entry);
  static audit::AuditEventInput AuditInput(const domain::Principal* actor, const AuditEntry& entry);

  // 429 while login attempts for `account` or from `source_ip` are throttled.
  Status ThrottleLogin(const std::string& account, const std::string& source_ip);
  // Counts a failed credential check and writes its audit event (with a lockout it started).
  Status RecordLoginFailure(const std::string& event_type, const std::string& target_type,
                            const char* account_field, const std::string& account,
                            const std::string& source_ip);

  Result<domain::Project> ResolveProject(store::Tx& tx, const std::optional<std::string>& project);
  Status RequireProjectAdmin(store::Tx& tx, const domain::Principal& p,
                             const std::string& project_id);
  Status RequireProjectMember(store::Tx& tx, const domain::Principal& p,
                              const std::string& project_id);
  Status RequireOrgAdmin(const domain::Principal& p);
  // In a csbr project a user session must have passed MFA for `what` (signing, key,
  // certificate and signer management); machine identities are allowed.
  Status RequireCsbrMfa(store::Tx& tx, const domain::Principal& p, const std::string& project_id,
                        std::string_view what);
  // `r` as it is; a compliance refusal (compliance.h) is first put on record: a
  // compliance.refusal audit event naming the action, the target and the rule, written in its
  // own transaction (the refused change wrote nothing). Call outside any write transaction.
  template <class T>
  Result<T> AuditRefusal(const Caller& c, std::string_view action, std::string_view target_type,
                         const std::string& target_id, Result<T> r);
  // The bodies of the use cases whose compliance refusals AuditRefusal puts on record.
  Result<domain::CertificateAuthority> DoCreateCa(const Caller& c, const CreateCaInput& in);
  Result<domain::Certificate> DoIssueCertificate(const Caller& c, const IssueCertificateInput& in);
  Result<domain::Certificate> DoImportCertificate(const Caller& c, ImportCertificateInput in);
  Result<domain::Certificate> DoCreateCsr(const Caller& c, const CsrInput& in);
  Result<domain::Certificate> DoImportIssuedCertificate(const Caller& c, const std::string& id,
                                                        const std::string& certificate_pem,
                                                        const std::string& chain_pem);
  Result<domain::Signer> DoCreateSigner(const Caller& c, const CreateSignerInput& in);
  Result<domain::Signer> DoUpdateSigner(const Caller& c, const std::string& id,
                                        const UpdateSignerInput& in);
  Result<domain::Project> DoUpdateProject(const Caller& c, const std::string& project,
                                          const UpdateProjectInput& in);
  // What the csbr profile refuses of `cert` as a signer's certificate (compliance.h), or
  // nullopt when it conforms.
  Result<std::optional<std::string>> CsbrSignerViolation(const domain::Certificate& cert);
  // The key choice as it applies in `project`: without a keySource, a csbr project's keys
  // come from the HSM; and what the csbr profile refuses of it (algorithm, source).
  KeyChoice EffectiveKeyChoice(const domain::Project& project, KeyChoice choice) const;
  Status CheckProjectKey(const domain::Project& project, const KeyChoice& choice,
                         domain::KeyAlgorithm algorithm) const;
  // 403 naming `what` when the org requires MFA of approvers and admins (or of everyone) and
  // `p` is a user whose session did not pass it. `tx`, when given, is used to read the
  // setting (inside a write transaction).
  Status RequireMfa(const domain::Principal& p, std::string_view what, store::Tx* tx = nullptr);
  Result<MfaRequirement> CurrentMfaRequirement(store::Tx* tx = nullptr);
  struct SignerView {
    domain::Signer signer;
    std::optional<domain::ProjectRole> project_role;
    std::optional<domain::SignerRole> signer_role;
  };
  // 404 unless the caller may read the signer.
  Result<SignerView> LoadSigner(store::Tx& tx, const domain::Principal& p, const std::string& id);
  Result<domain::Certificate> CheckSigningCertificate(store::Tx& tx, const std::string& project_id,
                                                      const std::string& certificate_id);
  Result<domain::Certificate> StoreNewCertificate(store::Tx& tx, domain::Certificate cert);
  // Issuing from an internal CA in three steps, so that no key is generated while the write
  // lock is held: IssuingCa checks the CA (in a read transaction, and again in the write),
  // IssueInMemory generates the key and signs the certificate outside any transaction
  // (seconds of CPU for RSA-4096), StoreIssued writes both in the write transaction. No role
  // check, no audit event.
  struct IssuedCertificate {
    keystore::NewKey key;
    domain::Certificate row;
  };
  Result<domain::CertificateAuthority> IssuingCa(store::Tx& tx, const domain::Project& project,
                                                 const std::string& ca_id);
  Result<IssuedCertificate> IssueInMemory(const domain::CertificateAuthority& ca,
                                          const domain::Project& project,
                                          const IssueCertificateInput& in);
  Result<domain::Certificate> StoreIssued(store::Tx& tx, const domain::Project& project,
                                          const IssuedCertificate& issued);
  // The import counterpart of IssueInMemory: parses the PEM pair or PKCS#12 file and takes the
  // key into the software key store (not yet persisted; StoreImported writes both).
  Result<IssuedCertificate> ImportInMemory(const domain::Project& project,
                                           const ImportCertificateInput& in);
  Result<domain::Certificate> StoreImported(store::Tx& tx, const IssuedCertificate& imported);
  // The write step shared by CreateTsa and ImportTsa: the certificate row and key (stored by
  // `store_certificate`, which also appends its audit event), the TSA, the default moved.
  Result<domain::TimestampAuthority> StoreNewTsa(
      const Caller& c, const keystore::NewKey& key, domain::TimestampAuthority tsa,
      std::optional<bool> is_default, const std::function<Status(store::Tx&)>& check,
      const std::function<Result<domain::Certificate>(store::Tx&)>& store_certificate);
  // A new key as `choice` says (Create, or AdoptExisting in the HSM), outside any transaction.
  Result<keystore::NewKey> MakeKey(const KeyChoice& choice, domain::KeyAlgorithm algorithm);
  // WriteWithAudit for a use case that made `key`: when the write does not commit, the key's
  // source is told (an HSM object made for it is destroyed).
  template <class T, class Fn>
  Result<T> WriteWithNewKey(const domain::Principal* actor, const keystore::NewKey& key, Fn&& fn) {
    Result<T> r = WriteWithAudit<T>(actor, std::forward<Fn>(fn));
    if (!r) key_sources_.Abandon(key);
    return r;
  }
  // Creates (or, given `existing`, updates) the policy owned by signer `signer_id`, with its
  // audit event; checks the policy and its approvers.
  Result<domain::SigningPolicy> WriteSignerPolicy(store::Tx& tx, const Caller& c,
                                                  const std::string& project_id,
                                                  const std::string& signer_id,
                                                  const SignerPolicyInput& in,
                                                  std::optional<domain::SigningPolicy> existing);
  // Adds one member and fills its audit event `e` (AlreadyExists when a member).
  Result<domain::SignerMember> InsertSignerMember(store::Tx& tx, const domain::Signer& signer,
                                                  const MembershipInput& in, AuditEntry& e);
  // `signer`'s certificate (codeSigning) from an internal CA: made in memory (read
  // transaction for the checks, key generation outside any), then stored with its
  // certificate.issue audit event in the caller's write transaction.
  Result<IssuedCertificate> PrepareSignerCertificate(const domain::Project& project,
                                                     const std::string& default_common_name,
                                                     const SignerCertificateInput& in);
  Result<domain::Certificate> StoreSignerCertificate(store::Tx& tx, const Caller& c,
                                                     const domain::Project& project,
                                                     const domain::Signer& signer,
                                                     const IssuedCertificate& issued);
  // Deletes the policy `signer` owns (kSignerPolicyPrefix + its id) once no signer uses it,
  // with its audit event; nothing for a shared policy.
  Status DeleteOwnedPolicy(store::Tx& tx, const Caller& c, const domain::Signer& signer);

  enum class RequestAction { kApprove, kReject, kCancel };
  // Approve, reject or cancel in one write transaction; a pending request found past its
  // expiry is marked expired (with its audit event) and the action fails with 409.
  Result<SigningRequestView> ActOnSigningRequest(const Caller& c, const std::string& id,
                                                 RequestAction action, const std::string& comment);
  struct SignAttempt;
  struct BatchAttempt;
  // What refuses every attempt on the signer by this caller now (no sign right, disabled
  // signer, unusable certificate): the status to record and the error; nullopt when none.
  std::optional<std::pair<domain::OperationStatus, Error>> SignerRefusal(const Caller& c,
                                                                         const SignerSnapshot& v,
                                                                         TimePoint now) const;
  // The signer, the caller's roles on it and its certificate: cached, else read (404 unless
  // the caller may read the signer).
  Result<std::shared_ptr<const SignerSnapshot>> SignerFor(const domain::Principal& p,
                                                          const std::string& signer_id);
  // Checks and signs; fills `a` with the record to write and what to answer once it is
  // written (a signature or a refusal). An error means the attempt ends unrecorded.
  Status PrepareSign(const Caller& c, const std::string& signer_id, const SignInput& in,
                     SignAttempt& a);
  // Writes a sign attempt inside the group commit: counts the grant use (turning the attempt
  // into a denial when the grant has run out), inserts the operation, appends the audit
  // event, and notes a success for the signer's lastSignedAt (written once per signer by
  // TouchLastSigned before the commit).
  Status RecordOperation(store::Tx& tx, const domain::Principal& actor,
                         const domain::Signer& signer, domain::SigningOperation& op);

  struct TsaSnapshot;
  // The TSA (by id, or the default project's default for an empty id) with its parsed
  // certificate and key: cached until the next write or cache_ttl.
  Result<std::shared_ptr<const TsaSnapshot>> TsaFor(const std::string& tsa_id);
  Result<domain::TimestampAuthority> LoadTsa(store::Tx& tx, const domain::Principal& p,
                                             const std::string& id, bool manage);
  // Moves each signer's lastSignedAt once per group commit, to the latest success that the
  // transaction recorded for it (RecordOperation collects them in last_signed_).
  Status TouchLastSigned(store::Tx& tx);

  // Queues a notification in `tx` (nothing without a notifier).
  Status Notify(store::Tx& tx, notify::Event e);
  void WakeNotifier();
  // A request event with its data; e-mail to `email_users`.
  Status NotifyRequest(store::Tx& tx, std::string_view type, const domain::SigningRequest& r,
                       const std::string& signer_name, const domain::Principal* actor,
                       const std::string& comment, std::vector<std::string> email_users);
  Result<domain::NotificationWebhook> LoadWebhook(store::Tx& tx, const domain::Principal& p,
                                                  const std::string& id);
  void ScanRequests();
  void ScanGrants();
  void ScanCertificates();

  Deps d_;
  // The org's MFA requirement as last read (re-read after a second: other nodes may change it).
  std::mutex mfa_requirement_mutex_;
  std::optional<std::pair<MfaRequirement, TimePoint>> mfa_requirement_;  // guarded
  std::unique_ptr<RequestWatcher> watcher_;                              // waiters of WatchRequest
  keystore::KeySources key_sources_;
  SignerCache signer_cache_;  // invalidated by every WriteWithAudit
  // Signer id → latest success recorded by the group commit under way; committer thread only.
  std::map<std::string, TimePoint> last_signed_;
  // The audit chain appender of the group commit under way; committer thread only.
  audit::AuditLog::Appender commit_audit_;
  std::unique_ptr<CommitQueue> commits_;  // sign records are group-committed
  RateLimiter anonymous_timestamps_;
  std::mutex tsa_cache_mu_;
  // guarded by tsa_cache_mu_: by TSA id ("" for the default TSA)
  std::map<std::string, std::shared_ptr<const TsaSnapshot>> tsa_cache_;
};

}  // namespace signet::service
