#include "store/tables.h"

#include <utility>

#include "store/text_codec.h"

namespace signet::store::sql {

// ---- Lists and structs are stored as JSON text (store/text_codec.h) ----

void Bind(Statement& s, const std::vector<std::string>& v) { s.BindText(EncodeStringList(v)); }
void Bind(Statement& s, const std::map<std::string, std::string>& v) {
  s.BindText(EncodeStringMap(v));
}
void Bind(Statement& s, const std::vector<domain::PolicyStep>& v) {
  s.BindText(EncodePolicySteps(v));
}
void Bind(Statement& s, const domain::SigningPolicy& v) { s.BindText(EncodePolicy(v)); }

Status Read(const Row& r, int c, std::vector<std::string>& v) {
  SIGNET_ASSIGN_OR_RETURN(v, DecodeStringList(r.Text(c)));
  return Ok();
}
Status Read(const Row& r, int c, std::map<std::string, std::string>& v) {
  SIGNET_ASSIGN_OR_RETURN(v, DecodeStringMap(r.Text(c)));
  return Ok();
}
Status Read(const Row& r, int c, std::vector<domain::PolicyStep>& v) {
  SIGNET_ASSIGN_OR_RETURN(v, DecodePolicySteps(r.Text(c)));
  return Ok();
}
Status Read(const Row& r, int c, domain::SigningPolicy& v) {
  SIGNET_ASSIGN_OR_RETURN(v, DecodePolicy(r.Text(c)));
  return Ok();
}

namespace {

// A field's value in messages: text, numbers and enum names (other types show as nothing).
template <class F>
std::string TextOf(const F& v) {
  if constexpr (std::is_convertible_v<const F&, std::string_view>) {
    return std::string(v);
  } else if constexpr (std::is_enum_v<F>) {
    return std::string(EnumNames<F>::name(v));
  } else if constexpr (std::is_integral_v<F>) {
    return std::to_string(v);
  } else {
    return "";
  }
}

// A column: its name, and an accessor of the field it holds (a reference, given a row).
template <class F>
struct Spec {
  std::string_view name;
  F field;
};
// Deduces F from the accessor (clang before 17 has no deduction for aggregates).
template <class F>
Spec(std::string_view, F) -> Spec<F>;

// The table of T named `name` with the columns `specs`, in order.
template <class T, class... F>
Table<T> Make(std::string_view entity, std::string_view name, Spec<F>... specs) {
  return Table<T>(entity, name, {specs.name...},
                  {Column<T>{specs.name, [](Statement& s, const T& row) { Bind(s, F{}(row)); },
                             [](const Row& r, int c, T& row) { return Read(r, c, F{}(row)); },
                             [](const T& row) { return TextOf(F{}(row)); }}...});
}

// The column f, holding the field f of the row; or holding the field g; the seven columns
// of the row's SigningScope `scope`.
// clang-format off
#define COL(f) Spec{#f, [](auto& row) -> auto& { return row.f; }}
#define COL_OF(f, g) Spec{#f, [](auto& row) -> auto& { return row.g; }}
#define SCOPE_COLUMNS                                                                     \
  COL_OF(scope_command, scope.command),                                                   \
  COL_OF(scope_signing_application, scope.signing_application),                           \
  COL_OF(scope_signing_application_hash, scope.signing_application_hash),                 \
  COL_OF(scope_hostname, scope.hostname), COL_OF(scope_os_username, scope.os_username),   \
  COL_OF(scope_ip_address, scope.ip_address), COL_OF(scope_data_hash, scope.data_hash)
// clang-format on

}  // namespace

TableInfo::TableInfo(std::string_view entity_name, std::string_view table,
                     std::vector<std::string_view> cols)
    : entity(entity_name), name(table), columns(std::move(cols)) {
  std::string list, params, sets;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const std::string column(columns[i]), param = "?" + std::to_string(i + 1);
    list += (i > 0 ? ", " : "") + column;
    params += (i > 0 ? ", " : "") + param;
    if (i > 0) sets += (i > 1 ? ", " : "") + column + " = " + param;
  }
  const std::string t(name), key(columns.front());
  select = "SELECT " + list + " FROM " + t;
  insert = "INSERT INTO " + t + " (" + list + ") VALUES (" + params + ")";
  update = "UPDATE " + t + " SET " + sets + " WHERE " + key + " = ?1";
  del = "DELETE FROM " + t + " WHERE " + key + " = ?1";
}

// ---- The tables ----

using domain::AccessToken, domain::Approval, domain::AuditEvent, domain::Certificate,
    domain::TimestampAuthority, domain::CertificateAuthority, domain::ClientSecret, domain::Grant,
    domain::Identity, domain::Project, domain::ProjectMembership, domain::Signer,
    domain::SignerMember, domain::SigningOperation, domain::SigningPolicy, domain::SigningRequest,
    domain::User, domain::WrappedKey, domain::HsmKey, domain::NotificationWebhook,
    domain::NotificationEvent, domain::NotificationDelivery;

const Table<User>& Users() {
  static const Table<User> t =
      Make<User>("user", "users", COL(id), COL(email), COL(password_hash), COL(org_role),
                 COL(created_at), COL(updated_at))
          .Unique("users_email_key", {"email"}, "a user with email '{email}' already exists");
  return t;
}
const Table<Identity>& Identities() {
  static const Table<Identity> t =
      Make<Identity>("identity", "identities", COL(id), COL(name), COL(client_id), COL(created_at),
                     COL(updated_at))
          .Unique("identities_client_id_key", {"client_id"},
                  "an identity with client id '{client_id}' already exists");
  return t;
}
const Table<ClientSecret>& ClientSecrets() {
  static const Table<ClientSecret> t =
      Make<ClientSecret>("client secret", "client_secrets", COL(id), COL(identity_id),
                         COL(secret_hash), COL(description), COL(created_at), COL(revoked))
          .MissingReference("identity '{identity_id}' does not exist");
  return t;
}
const Table<domain::OidcAuth>& OidcAuths() {
  static const Table<domain::OidcAuth> t =
      Make<domain::OidcAuth>("OIDC auth", "identity_oidc_auths", COL(identity_id),
                             COL(discovery_url), COL(bound_issuer), COL(bound_audiences),
                             COL(bound_claims), COL(bound_subject), COL(ca_cert), COL(jwks),
                             COL(access_token_ttl), COL(access_token_max_ttl), COL(created_at),
                             COL(updated_at))
          .Unique("identity_oidc_auths_pkey", {"identity_id"},
                  "identity '{identity_id}' already has an OIDC auth method")
          .MissingReference("identity '{identity_id}' does not exist")
          .Unordered();
  return t;
}
const Table<AccessToken>& AccessTokens() {
  static const Table<AccessToken> t =
      Make<AccessToken>("access token", "access_tokens", COL(token_hash), COL(principal_type),
                        COL(principal_id), COL(created_at), COL(expires_at), COL(revoked),
                        COL(purpose), COL(mfa), COL(auth_claims))
          .Unordered();
  return t;
}
const Table<domain::UserMfa>& UserMfas() {
  static const Table<domain::UserMfa> t =
      Make<domain::UserMfa>("MFA enrolment", "user_mfa", COL(user_id), COL(totp_secret),
                            COL(enabled), COL(last_used_step), COL(recovery_codes), COL(created_at),
                            COL(updated_at))
          .Unique("user_mfa_pkey", {"user_id"}, "user '{user_id}' already has an authenticator")
          .MissingReference("user '{user_id}' does not exist")
          .Unordered();
  return t;
}
const Table<Project>& Projects() {
  static const Table<Project> t =
      Make<Project>("project", "projects", COL(id), COL(name), COL(slug), COL(description),
                    COL(compliance_profile), COL(created_at), COL(updated_at))
          .Unique("projects_name_key", {"name"}, "a project named '{name}' already exists")
          .Unique("projects_slug_key", {"slug"}, "a project with slug '{slug}' already exists")
          .StillReferenced(
              "project '{key}' still has certificate authorities, certificates, signers or "
              "policies")
          .Unordered();
  return t;
}
const Table<ProjectMembership>& Memberships() {
  static const Table<ProjectMembership> t =
      Make<ProjectMembership>("membership", "project_memberships", COL(id), COL(project_id),
                              COL(principal_type), COL(principal_id), COL(role), COL(created_at))
          .Unique("project_memberships_principal_key",
                  {"project_id", "principal_type", "principal_id"},
                  "{principal_type} '{principal_id}' is already a member of this project")
          .MissingReference("project '{project_id}' does not exist");
  return t;
}
const Table<CertificateAuthority>& Cas() {
  static const Table<CertificateAuthority> t =
      Make<CertificateAuthority>(
          "certificate authority", "certificate_authorities", COL(id), COL(project_id),
          COL(parent_ca_id), COL(common_name), COL(key_algorithm), COL(key_id), COL(key_source),
          COL(certificate_pem), COL(certificate_chain_pem), COL(serial_number), COL(not_before),
          COL(not_after), COL(status), COL(created_at), COL(updated_at))
          .MissingReference(
              "the project or parent CA of certificate authority '{id}' does not exist")
          .StillReferenced(
              "certificate authority '{key}' still has issued certificates or intermediate CAs");
  return t;
}
const Table<TimestampAuthority>& TimestampAuthorities() {
  static const Table<TimestampAuthority> t =
      Make<TimestampAuthority>(
          "time-stamp authority", "timestamp_authorities", COL(id), COL(project_id), COL(name),
          COL(ca_id), COL(certificate_id), COL(key_algorithm), COL(key_id), COL(key_source),
          COL(certificate_pem), COL(certificate_chain_pem), COL(serial_number), COL(not_before),
          COL(not_after), COL(policy_oid), COL(accuracy_ms), COL(require_auth), COL(is_default),
          COL(status), COL(last_serial), COL(created_at), COL(updated_at))
          .Unique("timestamp_authorities_project_name_key", {"project_id", "name"},
                  "a time-stamp authority named '{name}' already exists in this project")
          .MissingReference(
              "the project, CA or certificate of time-stamp authority '{name}' does not exist");
  return t;
}
const Table<Certificate>& Certificates() {
  static const Table<Certificate> t =
      Make<Certificate>("certificate", "certificates", COL(id), COL(project_id), COL(ca_id),
                        COL(common_name), COL(key_algorithm), COL(key_id), COL(key_source),
                        COL(status), COL(certificate_pem), COL(certificate_chain_pem), COL(csr_pem),
                        COL(serial_number), COL(not_before), COL(not_after), COL(key_usages),
                        COL(extended_key_usages), COL(revoked_at), COL(created_at), COL(updated_at))
          .MissingReference("the project or CA of certificate '{id}' does not exist")
          .StillReferenced("certificate '{key}' is still used by a signer");
  return t;
}
const Table<Signer>& Signers() {
  static const Table<Signer> t =
      Make<Signer>("signer", "signers", COL(id), COL(project_id), COL(name), COL(description),
                   COL(status), COL(certificate_id), COL(signing_policy_id), COL(last_signed_at),
                   COL(created_at), COL(updated_at))
          .Unique("signers_project_name_key", {"project_id", "name"},
                  "a signer named '{name}' already exists in this project")
          .MissingReference(
              "the project, certificate or signing policy of signer '{name}' does not exist")
          .Unordered();
  return t;
}
const Table<SignerMember>& SignerMembers() {
  static const Table<SignerMember> t =
      Make<SignerMember>("signer member", "signer_members", COL(id), COL(signer_id),
                         COL(principal_type), COL(principal_id), COL(role), COL(created_at))
          .Unique("signer_members_principal_key", {"signer_id", "principal_type", "principal_id"},
                  "{principal_type} '{principal_id}' is already a member of this signer")
          .MissingReference("signer '{signer_id}' does not exist");
  return t;
}
const Table<SigningPolicy>& Policies() {
  static const Table<SigningPolicy> t =
      Make<SigningPolicy>("signing policy", "signing_policies", COL(id), COL(project_id), COL(name),
                          COL(steps), COL_OF(max_window_duration_ms, max_window_duration),
                          COL(max_signings), COL_OF(max_request_ttl_ms, max_request_ttl),
                          COL(bypass_for_machine_identities), COL(created_at), COL(updated_at))
          .Unique("signing_policies_project_name_key", {"project_id", "name"},
                  "a signing policy named '{name}' already exists in this project")
          .MissingReference("project '{project_id}' does not exist")
          .StillReferenced("signing policy '{key}' is still used by a signer")
          .Unordered();
  return t;
}
const Table<SigningRequest>& Requests() {
  static const Table<SigningRequest> t =
      Make<SigningRequest>("signing request", "signing_requests", COL(id), COL(signer_id),
                           COL(project_id), COL(requester_type), COL(requester_id),
                           COL(justification), COL(requested_signings), COL(window_start),
                           COL(window_end),
                           COL_OF(requested_window_duration_ms, requested_window_duration),
                           SCOPE_COLUMNS, COL(policy_snapshot), COL(status), COL(current_step),
                           COL(expires_at), COL(grant_id), COL(created_at), COL(updated_at))
          .MissingReference("signer '{signer_id}' does not exist");
  return t;
}
const Table<Approval>& Approvals() {
  static const Table<Approval> t =
      Make<Approval>("approval", "approvals", COL(id), COL(request_id), COL(step),
                     COL(approver_user_id), COL(decision), COL(comment), COL(created_at))
          .Unique("approvals_step_approver_key", {"request_id", "step", "approver_user_id"},
                  "user '{approver_user_id}' already decided step {step} of signing request "
                  "'{request_id}'")
          .MissingReference("signing request '{request_id}' does not exist");
  return t;
}
const Table<Grant>& Grants() {
  static const Table<Grant> t =
      Make<Grant>("grant", "grants", COL(id), COL(signer_id), COL(request_id), COL(grantee_type),
                  COL(grantee_id), COL(max_signings), COL(used_signings), COL(window_start),
                  COL(expires_at), SCOPE_COLUMNS, COL(status), COL(revoked_reason), COL(created_at),
                  COL(updated_at))
          .MissingReference("the signer or request of grant '{id}' does not exist");
  return t;
}
const Table<SigningOperation>& Operations() {
  static const Table<SigningOperation> t = Make<SigningOperation>(
      "signing operation", "signing_operations", COL(id), COL(signer_id), COL(project_id),
      COL(status), COL(signing_algorithm), COL(data_hash), COL(actor_type), COL(actor_id),
      COL(actor_name), COL(grant_id), COL_OF(client_metadata, client_metadata_json), COL(source_ip),
      COL(error_message), COL(created_at));
  return t;
}
const Table<WrappedKey>& KeyBlobs() {
  static const Table<WrappedKey> t =
      Make<WrappedKey>("wrapped key", "key_blobs", COL(key_id), COL(algorithm),
                       COL(wrapped_data_key), COL(sealed_private_key), COL(public_key_spki),
                       COL(created_at))
          .Unique("key_blobs_pkey", {"key_id"}, "a key with id '{key_id}' already exists")
          .Unordered();
  return t;
}
const Table<HsmKey>& HsmKeys() {
  static const Table<HsmKey> t =
      Make<HsmKey>("HSM key", "hsm_keys", COL(key_id), COL(algorithm), COL(token_label),
                   COL(token_serial), COL(object_label), COL(object_id), COL(public_key_spki),
                   COL(adopted), COL(created_at))
          .Unique("hsm_keys_pkey", {"key_id"}, "a key with id '{key_id}' already exists")
          .Unordered();
  return t;
}
const Table<AuditEvent>& AuditEvents() {
  static const Table<AuditEvent> t =
      Make<AuditEvent>("audit event", "audit_events", COL(node_id), COL(seq), COL(time),
                       COL(event_type), COL(actor_type), COL(actor_id), COL(actor_name),
                       COL(target_type), COL(target_id), COL_OF(details, details_json),
                       COL(prev_hash), COL(hash))
          .Unique("audit_events_pkey", {"node_id", "seq"},
                  "audit event {seq} of node '{node_id}' already exists")
          .Unordered();
  return t;
}
const Table<NotificationWebhook>& Webhooks() {
  static const Table<NotificationWebhook> t =
      Make<NotificationWebhook>("webhook", "notification_webhooks", COL(id), COL(project_id),
                                COL(name), COL(url), COL(format), COL(events), COL(secret_sealed),
                                COL(enabled), COL(created_at), COL(updated_at))
          .Unique("notification_webhooks_project_name_key", {"project_id", "name"},
                  "a webhook named '{name}' already exists in this project")
          .MissingReference("project '{project_id}' does not exist");
  return t;
}
const Table<NotificationEvent>& NotificationEvents() {
  static const Table<NotificationEvent> t =
      Make<NotificationEvent>("notification event", "notification_events", COL(id), COL(event_type),
                              COL(project_id), COL(dedup_key), COL_OF(data, data_json),
                              COL(created_at))
          .Unique("notification_events_dedup_key_key", {"dedup_key"},
                  "notification '{dedup_key}' is already queued");
  return t;
}
const Table<NotificationDelivery>& NotificationDeliveries() {
  static const Table<NotificationDelivery> t =
      Make<NotificationDelivery>("notification delivery", "notification_deliveries", COL(id),
                                 COL(event_id), COL(event_type), COL(channel), COL(webhook_id),
                                 COL(recipient), COL(payload), COL(status), COL(attempts),
                                 COL(max_attempts), COL(next_attempt_at), COL(lease_until),
                                 COL(last_attempt_at), COL(last_status_code), COL(last_error),
                                 COL(delivered_at), COL(created_at))
          .MissingReference("the event or webhook of delivery '{id}' does not exist");
  return t;
}
const TableInfo& Settings() {
  static const TableInfo t = [] {
    TableInfo info("setting", "settings", {"key", "value"});
    info.ordered_by_insertion = false;
    return info;
  }();
  return t;
}

#undef COL
#undef COL_OF
#undef SCOPE_COLUMNS

std::vector<const TableInfo*> AllTables() {
  return {&Users(),
          &Identities(),
          &ClientSecrets(),
          &AccessTokens(),
          &UserMfas(),
          &Projects(),
          &Memberships(),
          &Cas(),
          &Certificates(),
          &Signers(),
          &SignerMembers(),
          &Policies(),
          &Requests(),
          &Approvals(),
          &Grants(),
          &Operations(),
          &KeyBlobs(),
          &HsmKeys(),
          &AuditEvents(),
          &Settings(),
          &TimestampAuthorities(),
          &OidcAuths(),
          &Webhooks(),
          &NotificationEvents(),
          &NotificationDeliveries()};
}

}  // namespace signet::store::sql
