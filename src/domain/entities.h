#pragma once
// The persistent entities of SPEC §2 as plain value types. They carry no behaviour beyond
// equality; validation of wire input lives in api/ and domain/ validators, persistence in
// store/. Ids are canonical lower-case UUID text, times are millisecond UTC TimePoints,
// optional fields are std::optional. Each enum has a stable wire name (`FooName`) and a
// parser (`ParseFoo`) that returns InvalidArgument naming the field and the accepted values.
//
// All types are regular values: copyable, comparable with ==, and safe to share between
// threads as long as no thread mutates a shared instance.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "domain/algorithms.h"

namespace signet::domain {

// ---- Enumerations -------------------------------------------------------------------------

enum class OrgRole { kAdmin, kMember };                        // "admin", "member"
enum class PrincipalType { kUser, kIdentity };                 // "user", "identity"
enum class ProjectRole { kAdmin, kMember };                    // "admin", "member"
enum class CaStatus { kActive, kDisabled };                    // "active", "disabled"
enum class CertificateStatus { kPending, kActive, kRevoked };  // "pending", "active", "revoked"
enum class SignerStatus { kActive, kDisabled };                // "active", "disabled"
enum class SignerRole { kAdmin, kOperator, kAuditor };         // "admin", "operator", "auditor"
// "pending", "approved", "rejected", "cancelled", "expired"
enum class RequestStatus { kPending, kApproved, kRejected, kCancelled, kExpired };
enum class ApprovalDecision { kApproved, kRejected };       // "approved", "rejected"
enum class GrantStatus { kActive, kExpired, kRevoked };     // "active", "expired", "revoked"
enum class OperationStatus { kSuccess, kFailed, kDenied };  // "success", "failed", "denied"
// Where a private key lives: the software key store (wrapped under the root key) or a hardware
// security module reached through PKCS#11 (keystore/key_source.h). "software", "hsm".
enum class KeySourceType { kSoftware, kHsm };
// A project's compliance profile: none, or the CA/Browser Forum Code Signing Baseline
// Requirements (service/compliance.h). "none", "csbr".
enum class ComplianceProfile { kNone, kCsbr };

std::string_view OrgRoleName(OrgRole v);
std::string_view PrincipalTypeName(PrincipalType v);
std::string_view ProjectRoleName(ProjectRole v);
std::string_view CaStatusName(CaStatus v);
std::string_view CertificateStatusName(CertificateStatus v);
std::string_view SignerStatusName(SignerStatus v);
std::string_view SignerRoleName(SignerRole v);
std::string_view RequestStatusName(RequestStatus v);
std::string_view ApprovalDecisionName(ApprovalDecision v);
std::string_view GrantStatusName(GrantStatus v);
std::string_view OperationStatusName(OperationStatus v);
std::string_view KeySourceTypeName(KeySourceType v);
std::string_view ComplianceProfileName(ComplianceProfile v);

// Each parser accepts exactly the lower-case wire name; anything else is InvalidArgument,
// e.g. "role 'owner' is not one of admin, member".
[[nodiscard]] Result<OrgRole> ParseOrgRole(std::string_view text);
[[nodiscard]] Result<PrincipalType> ParsePrincipalType(std::string_view text);
[[nodiscard]] Result<ProjectRole> ParseProjectRole(std::string_view text);
[[nodiscard]] Result<CaStatus> ParseCaStatus(std::string_view text);
[[nodiscard]] Result<CertificateStatus> ParseCertificateStatus(std::string_view text);
[[nodiscard]] Result<SignerStatus> ParseSignerStatus(std::string_view text);
[[nodiscard]] Result<SignerRole> ParseSignerRole(std::string_view text);
[[nodiscard]] Result<RequestStatus> ParseRequestStatus(std::string_view text);
[[nodiscard]] Result<ApprovalDecision> ParseApprovalDecision(std::string_view text);
[[nodiscard]] Result<GrantStatus> ParseGrantStatus(std::string_view text);
[[nodiscard]] Result<OperationStatus> ParseOperationStatus(std::string_view text);
// "keySource 'x' is not one of software, hsm"; "complianceProfile 'x' is not one of none, csbr".
[[nodiscard]] Result<KeySourceType> ParseKeySourceType(std::string_view text);
[[nodiscard]] Result<ComplianceProfile> ParseComplianceProfile(std::string_view text);

// ---- Principals and credentials -----------------------------------------------------------

struct User {
  std::string id;
  std::string email;
  std::string password_hash;  // argon2id encoded string ("$argon2id$v=19$...")
  OrgRole org_role = OrgRole::kMember;
  TimePoint created_at;
  TimePoint updated_at;
  bool operator==(const User&) const = default;
};

// A machine identity with Universal Auth credentials.
struct Identity {
  std::string id;
  std::string name;
  std::string client_id;
  TimePoint created_at;
  TimePoint updated_at;
  bool operator==(const Identity&) const = default;
};

struct ClientSecret {
  std::string id;
  std::string identity_id;
  std::string secret_hash;  // lower-case hex SHA-256 of the secret; the secret is never stored
  std::string description;
  TimePoint created_at;
  bool revoked = false;
  bool operator==(const ClientSecret&) const = default;
};

// An identity's OIDC auth method (Infisical's identityOidcAuth; docs/ci-identities.md): which
// tokens of which issuer may log in as the identity. One per identity; the key is identity_id.
struct OidcAuth {
  std::string identity_id;
  std::string discovery_url;    // the issuer's URL (…/.well-known/openid-configuration added)
  std::string bound_issuer;     // `iss` must equal it
  std::string bound_audiences;  // comma-separated; `aud` must hold one of them
  std::map<std::string, std::string> bound_claims;  // claim → comma-separated exact values or globs
  std::string bound_subject;                        // a glob `sub` must match; empty: any
  std::string ca_cert;  // PEM certificates trusted for the discovery URL; empty: the system's
  std::string jwks;     // an inline JSON Web Key Set (air-gapped); empty: from discovery
  Millis access_token_ttl{0};
  Millis access_token_max_ttl{0};
  TimePoint created_at;
  TimePoint updated_at;
  bool operator==(const OidcAuth&) const = default;
};

struct AccessToken {
  std::string token_hash;  // lower-case hex SHA-256 of the bearer token; the key of the row
  PrincipalType principal_type = PrincipalType::kUser;
  std::string principal_id;
  TimePoint created_at;
  TimePoint expires_at;
  bool revoked = false;
  // "session": an ordinary token; "mfa": a password-checked login waiting for its second
  // factor, good only for POST /api/v1/auth/mfa/verify.
  std::string purpose = "session";
  bool mfa = false;  // the session passed a second factor
  // What the login proved beyond the principal: for an OIDC login the claims that matched
  // (JSON object text, e.g. {"iss":…,"sub":…,"repository":…}); empty otherwise.
  std::string auth_claims{};
  bool operator==(const AccessToken&) const = default;
};

// A user's TOTP authenticator (RFC 6238) and recovery codes.
struct UserMfa {
  std::string user_id;
  Bytes totp_secret;                // sealed (AES-256-GCM) under a key derived from the root key
  bool enabled = false;             // false until the first code confirms the enrolment
  std::int64_t last_used_step = 0;  // codes of this step and earlier are refused (no replay)
  std::vector<std::string> recovery_codes;  // hashes of the unused codes
  TimePoint created_at;
  TimePoint updated_at;
  bool operator==(const UserMfa&) const = default;
};

// ---- Projects -----------------------------------------------------------------------------

struct Project {
  std::string id;
  std::string name;
  std::string slug;
  std::string description;
  // What the project's keys, certificates, signers and sessions must meet (service/compliance.h).
  ComplianceProfile compliance_profile = ComplianceProfile::kNone;
  TimePoint created_at;
  TimePoint updated_at;
  bool operator==(const Project&) const = default;
};

struct ProjectMembership {
  std::string id;
  std::string project_id;
  PrincipalType principal_type = PrincipalType::kUser;
  std::string principal_id;  // a User id or an Identity id, per principal_type
  ProjectRole role = ProjectRole::kMember;
  TimePoint created_at;
  bool operator==(const ProjectMembership&) const = default;
};

// ---- PKI ----------------------------------------------------------------------------------

struct CertificateAuthority {
  std::string id;
  std::string project_id;
  std::optional<std::string> parent_ca_id;  // absent for a root CA
  std::string common_name;
  KeyAlgorithm key_algorithm = KeyAlgorithm::kEcP256;
  std::string key_id;  // names the WrappedKey or HsmKey holding the CA's private key
  KeySourceType key_source = KeySourceType::kSoftware;  // where that key is
  std::string certificate_pem;
  std::string certificate_chain_pem;  // issuers above this CA, PEM, may be empty for a root
  std::string serial_number;          // lower-case hex
  TimePoint not_before;
  TimePoint not_after;
  CaStatus status = CaStatus::kActive;
  TimePoint created_at;
  TimePoint updated_at;
  bool operator==(const CertificateAuthority&) const = default;
};

// An RFC 3161 time-stamp authority: a key held here with a certificate whose only, critical,
// extended key usage is timeStamping (from an internal CA of the project), the policy its
// tokens name and the accuracy they claim. `last_serial` is the last serial number issued
// (serials are 1, 2, 3, … per TSA, taken in the transaction that records each timestamp).
struct TimestampAuthority {
  std::string id;
  std::string project_id;
  std::string name;                  // slug, unique per project
  std::optional<std::string> ca_id;  // the internal CA that issued its certificate
  // Its certificate's row in `certificates` (listed and revocable like any other); absent
  // for TSAs made before migration 7.
  std::optional<std::string> certificate_id;
  KeyAlgorithm key_algorithm = KeyAlgorithm::kEcP256;
  std::string key_id;
  KeySourceType key_source = KeySourceType::kSoftware;  // where that key is
  std::string certificate_pem;
  std::string certificate_chain_pem;  // issuers of the certificate, nearest first
  std::string serial_number;          // of the certificate, lower-case hex
  TimePoint not_before;
  TimePoint not_after;
  std::string policy_oid;  // dotted
  std::int64_t accuracy_ms = 1000;
  bool require_auth = false;  // whether timestamp queries need a token
  bool is_default = false;    // answers POST /tsa for its project
  CaStatus status = CaStatus::kActive;
  std::int64_t last_serial = 0;
  TimePoint created_at;
  TimePoint updated_at;
  bool operator==(const TimestampAuthority&) const = default;
};

struct Certificate {
  std::string id;
  std::string project_id;
  std::optional<std::string> ca_id;  // the internal CA that issued it; absent when imported
  std::string common_name;
  KeyAlgorithm key_algorithm = KeyAlgorithm::kEcP256;
  std::string key_id;  // names the WrappedKey or HsmKey holding the private key
  KeySourceType key_source = KeySourceType::kSoftware;  // where that key is
  CertificateStatus status = CertificateStatus::kPending;
  std::string certificate_pem;  // empty while pending (CSR issued, certificate not back)
  std::string certificate_chain_pem;
  std::string csr_pem;                  // empty unless created through the CSR flow
  std::string serial_number;            // lower-case hex; empty while pending
  std::optional<TimePoint> not_before;  // absent while pending
  std::optional<TimePoint> not_after;
  std::vector<std::string> key_usages;           // e.g. "digitalSignature"
  std::vector<std::string> extended_key_usages;  // e.g. "codeSigning"
  std::optional<TimePoint> revoked_at;
  TimePoint created_at;
  TimePoint updated_at;
  bool operator==(const Certificate&) const = default;
};

// ---- Signers and policies -----------------------------------------------------------------

struct Signer {
  std::string id;
  std::string project_id;
  std::string name;  // slug, unique per project
  std::string description;
  SignerStatus status = SignerStatus::kActive;
  std::string certificate_id;
  std::optional<std::string> signing_policy_id;
  std::optional<TimePoint> last_signed_at;
  TimePoint created_at;
  TimePoint updated_at;
  bool operator==(const Signer&) const = default;
};

struct SignerMember {
  std::string id;
  std::string signer_id;
  PrincipalType principal_type = PrincipalType::kUser;
  std::string principal_id;
  SignerRole role = SignerRole::kOperator;
  TimePoint created_at;
  bool operator==(const SignerMember&) const = default;
};

struct PolicyStep {
  std::string name;
  std::int64_t required_approvals = 1;
  std::vector<std::string> approver_user_ids;
  // Whether this step's approvers are told (email) when the request reaches the step.
  bool notify_approvers = true;
  bool operator==(const PolicyStep&) const = default;
};

struct SigningPolicy {
  std::string id;
  std::string project_id;
  std::string name;
  std::vector<PolicyStep> steps;  // applied in order
  std::optional<Millis> max_window_duration;
  std::optional<std::int64_t> max_signings;
  Millis max_request_ttl{7LL * 24 * 3600 * 1000};
  bool bypass_for_machine_identities = false;
  TimePoint created_at;
  TimePoint updated_at;
  bool operator==(const SigningPolicy&) const = default;
};

// Optional restrictions on where and how a grant may be used (SPEC §5). An absent field does
// not restrict; a present one must match at sign time.
struct SigningScope {
  std::optional<std::string> command;
  std::optional<std::string> signing_application;  // matched with clientMetadata.tool
  std::optional<std::string> signing_application_hash;
  std::optional<std::string> hostname;
  std::optional<std::string> os_username;
  std::optional<std::string> ip_address;  // matched with the source IP the server saw
  std::optional<std::string> data_hash;
  bool Empty() const {
    return !command && !signing_application && !signing_application_hash && !hostname &&
           !os_username && !ip_address && !data_hash;
  }
  bool operator==(const SigningScope&) const = default;
};

struct SigningRequest {
  std::string id;
  std::string signer_id;
  std::string project_id;
  PrincipalType requester_type = PrincipalType::kUser;
  std::string requester_id;
  std::string justification;
  std::optional<std::int64_t> requested_signings;
  // Either an explicit window (start/end) or a duration that starts at approval.
  std::optional<TimePoint> window_start;
  std::optional<TimePoint> window_end;
  std::optional<Millis> requested_window_duration;
  SigningScope scope;
  // The policy as it was when the request was made; later policy edits do not apply to it.
  // Absent for a pre-approval on a signer without policy.
  std::optional<SigningPolicy> policy_snapshot;
  RequestStatus status = RequestStatus::kPending;
  std::int64_t current_step = 0;  // index into policy_snapshot->steps
  TimePoint expires_at;           // a pending request expires then
  std::optional<std::string> grant_id;
  TimePoint created_at;
  TimePoint updated_at;
  bool operator==(const SigningRequest&) const = default;
};

struct Approval {
  std::string id;
  std::string request_id;
  std::int64_t step = 0;
  std::string approver_user_id;
  ApprovalDecision decision = ApprovalDecision::kApproved;
  std::string comment;
  TimePoint created_at;
  bool operator==(const Approval&) const = default;
};

struct Grant {
  std::string id;
  std::string signer_id;
  std::optional<std::string> request_id;
  PrincipalType grantee_type = PrincipalType::kUser;
  std::string grantee_id;
  std::optional<std::int64_t> max_signings;  // absent: unlimited within the window
  std::int64_t used_signings = 0;
  TimePoint window_start;
  std::optional<TimePoint> expires_at;  // absent: no end (only max_signings limits it)
  SigningScope scope;
  GrantStatus status = GrantStatus::kActive;
  std::string revoked_reason;
  TimePoint created_at;
  TimePoint updated_at;
  bool operator==(const Grant&) const = default;
};

struct SigningOperation {
  std::string id;
  std::string signer_id;
  std::string project_id;
  OperationStatus status = OperationStatus::kSuccess;
  std::string signing_algorithm;  // as sent by the client
  std::string data_hash;          // lower-case hex SHA-256 of the decoded data
  PrincipalType actor_type = PrincipalType::kUser;
  std::string actor_id;
  std::string actor_name;
  std::optional<std::string> grant_id;
  std::string client_metadata_json;  // JSON object text, "{}" when none
  std::string source_ip;
  std::optional<std::string> error_message;
  TimePoint created_at;
  bool operator==(const SigningOperation&) const = default;
};

// ---- Keys ---------------------------------------------------------------------------------

// A private key at rest: the key sealed (AES-256-GCM) under its own data key, and the data
// key wrapped under the root key. Holds no secret in clear.
struct WrappedKey {
  std::string key_id;
  KeyAlgorithm algorithm = KeyAlgorithm::kEcP256;
  Bytes wrapped_data_key;
  Bytes sealed_private_key;
  Bytes public_key_spki;  // DER SubjectPublicKeyInfo
  TimePoint created_at;
  bool operator==(const WrappedKey&) const = default;
};

// A private key kept in a hardware security module (PKCS#11 token). The key never leaves the
// module; the database keeps only how to find it again and its public half.
struct HsmKey {
  std::string key_id;
  KeyAlgorithm algorithm = KeyAlgorithm::kEcP256;
  std::string token_label;  // the token it was made in or adopted from
  std::string token_serial;
  std::string object_label;  // CKA_LABEL of the private key object
  Bytes object_id;           // CKA_ID shared by the private and public key objects; may be empty
  Bytes public_key_spki;     // DER SubjectPublicKeyInfo
  bool adopted = false;      // an existing token object, not generated by Signet
  TimePoint created_at;
  bool operator==(const HsmKey&) const = default;
};

// ---- Notifications (notify/) ----------------------------------------------------------------

// Where a project's notifications go: a URL that gets a POST per event, in Signet's JSON
// (signed with the secret) or a chat tool's incoming-webhook format.
struct NotificationWebhook {
  std::string id;
  std::string project_id;
  std::string name;
  std::string url;
  std::string format;               // "signet" | "slack" | "teams"
  std::vector<std::string> events;  // event names; empty: every event
  Bytes secret_sealed;  // AES-256-GCM under a key derived from the root key; empty: none
  bool enabled = true;
  TimePoint created_at;
  TimePoint updated_at;
  bool operator==(const NotificationWebhook&) const = default;
};

// One event of the outbox, written in the transaction of the change it reports.
struct NotificationEvent {
  std::string id;          // the `id` receivers de-duplicate on
  std::string event_type;  // "request.created", ...
  std::string project_id;
  std::string dedup_key;  // unique: the same event is queued once (also across nodes)
  std::string data_json;  // the `data` object of the payload
  TimePoint created_at;
  bool operator==(const NotificationEvent&) const = default;
};

// One event to one destination (a webhook, or one e-mail recipient), with its delivery state.
struct NotificationDelivery {
  std::string id;
  std::string event_id;
  std::string event_type;
  std::string channel;  // "webhook" | "email"
  std::optional<std::string> webhook_id;
  std::string recipient;  // e-mail address for "email"; the webhook's URL for "webhook"
  // What is sent, rendered when the event was queued: the JSON body of a webhook, or the
  // e-mail message (RFC 5322 headers and MIME body).
  std::string payload;
  std::string status;  // "pending" | "delivered" | "failed"
  std::int64_t attempts = 0;
  std::int64_t max_attempts = 1;
  TimePoint next_attempt_at;
  std::optional<TimePoint> lease_until;  // claimed by a node until then
  std::optional<TimePoint> last_attempt_at;
  std::optional<std::int64_t> last_status_code;  // HTTP status or SMTP reply code
  std::string last_error;
  std::optional<TimePoint> delivered_at;
  TimePoint created_at;
  bool operator==(const NotificationDelivery&) const = default;
};

// ---- Audit --------------------------------------------------------------------------------

// One link of a node's audit chain (SPEC §6); see audit/audit_log.h for the hash.
struct AuditEvent {
  std::string node_id;
  std::int64_t seq = 0;  // 1, 2, 3, ... per node, without gaps
  TimePoint time;
  std::string event_type;  // "signer.create", "sign.success", ...
  std::string actor_type;  // "user", "identity", "system"
  std::string actor_id;
  std::string actor_name;
  std::string target_type;  // "signer", "grant", ...; empty when none
  std::string target_id;
  std::string details_json;  // JSON object text
  Bytes prev_hash;           // 32 bytes; all zero for seq 1
  Bytes hash;                // 32 bytes
  bool operator==(const AuditEvent&) const = default;
};

}  // namespace signet::domain
