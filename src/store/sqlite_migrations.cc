#include "store/sqlite_migrations.h"

#include <array>

#include "store/portable_migrations.h"

namespace signet::store {
namespace {

// Conventions: STRICT tables; ids are UUID text; times are INTEGER unix milliseconds;
// durations INTEGER milliseconds; booleans INTEGER 0/1; lists and structs JSON TEXT
// (store/text_codec.h). Principal references (user or identity) carry no foreign key because
// they point at one of two tables.
constexpr std::string_view kInit = R"sql(
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  org_role TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE identities (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  client_id TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE client_secrets (
  id TEXT PRIMARY KEY,
  identity_id TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  secret_hash TEXT NOT NULL,
  description TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked INTEGER NOT NULL
) STRICT;
CREATE INDEX client_secrets_by_identity ON client_secrets(identity_id, created_at);

CREATE TABLE access_tokens (
  token_hash TEXT PRIMARY KEY,
  principal_type TEXT NOT NULL,
  principal_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked INTEGER NOT NULL
) STRICT;
CREATE INDEX access_tokens_by_principal ON access_tokens(principal_type, principal_id);
CREATE INDEX access_tokens_by_expiry ON access_tokens(expires_at);

CREATE TABLE projects (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  slug TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE project_memberships (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  principal_type TEXT NOT NULL,
  principal_id TEXT NOT NULL,
  role TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (project_id, principal_type, principal_id)
) STRICT;
CREATE INDEX project_memberships_by_principal
  ON project_memberships(principal_type, principal_id);

CREATE TABLE certificate_authorities (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id),
  parent_ca_id TEXT REFERENCES certificate_authorities(id),
  common_name TEXT NOT NULL,
  key_algorithm TEXT NOT NULL,
  key_id TEXT NOT NULL,
  certificate_pem TEXT NOT NULL,
  certificate_chain_pem TEXT NOT NULL,
  serial_number TEXT NOT NULL,
  not_before INTEGER NOT NULL,
  not_after INTEGER NOT NULL,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX certificate_authorities_by_project
  ON certificate_authorities(project_id, created_at);
CREATE INDEX certificate_authorities_by_parent ON certificate_authorities(parent_ca_id);

CREATE TABLE certificates (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id),
  ca_id TEXT REFERENCES certificate_authorities(id),
  common_name TEXT NOT NULL,
  key_algorithm TEXT NOT NULL,
  key_id TEXT NOT NULL,
  status TEXT NOT NULL,
  certificate_pem TEXT NOT NULL,
  certificate_chain_pem TEXT NOT NULL,
  csr_pem TEXT NOT NULL,
  serial_number TEXT NOT NULL,
  not_before INTEGER,
  not_after INTEGER,
  key_usages TEXT NOT NULL,
  extended_key_usages TEXT NOT NULL,
  revoked_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX certificates_by_project ON certificates(project_id, created_at);
CREATE INDEX certificates_by_ca ON certificates(ca_id);

CREATE TABLE signing_policies (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id),
  name TEXT NOT NULL,
  steps TEXT NOT NULL,
  max_window_duration_ms INTEGER,
  max_signings INTEGER,
  max_request_ttl_ms INTEGER NOT NULL,
  bypass_for_machine_identities INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (project_id, name)
) STRICT;

CREATE TABLE signers (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id),
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  status TEXT NOT NULL,
  certificate_id TEXT NOT NULL REFERENCES certificates(id),
  signing_policy_id TEXT REFERENCES signing_policies(id),
  last_signed_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (project_id, name)
) STRICT;
CREATE INDEX signers_by_certificate ON signers(certificate_id);
CREATE INDEX signers_by_policy ON signers(signing_policy_id);

CREATE TABLE signer_members (
  id TEXT PRIMARY KEY,
  signer_id TEXT NOT NULL REFERENCES signers(id) ON DELETE CASCADE,
  principal_type TEXT NOT NULL,
  principal_id TEXT NOT NULL,
  role TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (signer_id, principal_type, principal_id)
) STRICT;
CREATE INDEX signer_members_by_principal ON signer_members(principal_type, principal_id);

CREATE TABLE signing_requests (
  id TEXT PRIMARY KEY,
  signer_id TEXT NOT NULL REFERENCES signers(id) ON DELETE CASCADE,
  project_id TEXT NOT NULL,
  requester_type TEXT NOT NULL,
  requester_id TEXT NOT NULL,
  justification TEXT NOT NULL,
  requested_signings INTEGER,
  window_start INTEGER,
  window_end INTEGER,
  requested_window_duration_ms INTEGER,
  scope_command TEXT,
  scope_signing_application TEXT,
  scope_signing_application_hash TEXT,
  scope_hostname TEXT,
  scope_os_username TEXT,
  scope_ip_address TEXT,
  scope_data_hash TEXT,
  policy_snapshot TEXT,
  status TEXT NOT NULL,
  current_step INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  grant_id TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX signing_requests_by_signer ON signing_requests(signer_id, created_at);
CREATE INDEX signing_requests_by_status ON signing_requests(status, created_at);
CREATE INDEX signing_requests_by_requester
  ON signing_requests(requester_type, requester_id, created_at);
CREATE INDEX signing_requests_by_project ON signing_requests(project_id, created_at);

CREATE TABLE approvals (
  id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL REFERENCES signing_requests(id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  approver_user_id TEXT NOT NULL,
  decision TEXT NOT NULL,
  comment TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (request_id, step, approver_user_id)
) STRICT;

CREATE TABLE grants (
  id TEXT PRIMARY KEY,
  signer_id TEXT NOT NULL REFERENCES signers(id) ON DELETE CASCADE,
  request_id TEXT REFERENCES signing_requests(id) ON DELETE SET NULL,
  grantee_type TEXT NOT NULL,
  grantee_id TEXT NOT NULL,
  max_signings INTEGER,
  used_signings INTEGER NOT NULL,
  window_start INTEGER NOT NULL,
  expires_at INTEGER,
  scope_command TEXT,
  scope_signing_application TEXT,
  scope_signing_application_hash TEXT,
  scope_hostname TEXT,
  scope_os_username TEXT,
  scope_ip_address TEXT,
  scope_data_hash TEXT,
  status TEXT NOT NULL,
  revoked_reason TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX grants_by_signer ON grants(signer_id, created_at);
CREATE INDEX grants_by_grantee ON grants(grantee_type, grantee_id, created_at);
CREATE INDEX grants_by_request ON grants(request_id);

-- Operations outlive their signer: they are history, like the audit log.
CREATE TABLE signing_operations (
  id TEXT PRIMARY KEY,
  signer_id TEXT NOT NULL,
  project_id TEXT NOT NULL,
  status TEXT NOT NULL,
  signing_algorithm TEXT NOT NULL,
  data_hash TEXT NOT NULL,
  actor_type TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  actor_name TEXT NOT NULL,
  grant_id TEXT,
  client_metadata TEXT NOT NULL,
  source_ip TEXT NOT NULL,
  error_message TEXT,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX signing_operations_by_signer ON signing_operations(signer_id, created_at);

CREATE TABLE key_blobs (
  key_id TEXT PRIMARY KEY,
  algorithm TEXT NOT NULL,
  wrapped_data_key BLOB NOT NULL,
  sealed_private_key BLOB NOT NULL,
  public_key_spki BLOB NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE audit_events (
  node_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  time INTEGER NOT NULL,
  event_type TEXT NOT NULL,
  actor_type TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  actor_name TEXT NOT NULL,
  target_type TEXT NOT NULL,
  target_id TEXT NOT NULL,
  details TEXT NOT NULL,
  prev_hash BLOB NOT NULL,
  hash BLOB NOT NULL,
  PRIMARY KEY (node_id, seq)
) STRICT;
CREATE INDEX audit_events_by_time ON audit_events(time, seq);
CREATE INDEX audit_events_by_type ON audit_events(event_type, time);
CREATE INDEX audit_events_by_actor ON audit_events(actor_id, time);

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
)sql";

// 2: multi-factor authentication — what a token is for and whether its session passed MFA;
// each user's TOTP secret (sealed) and unused recovery codes (hashed).
constexpr const char* kMfa = R"sql(
ALTER TABLE access_tokens ADD COLUMN purpose TEXT NOT NULL DEFAULT 'session';
ALTER TABLE access_tokens ADD COLUMN mfa INTEGER NOT NULL DEFAULT 0;

CREATE TABLE user_mfa (
  user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  totp_secret BLOB NOT NULL,
  enabled INTEGER NOT NULL,
  last_used_step INTEGER NOT NULL,
  recovery_codes TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
)sql";

// 3: time-stamp authorities (RFC 3161): one row per TSA; last_serial is the last serial number
// issued, advanced in the transaction that records each timestamp.
constexpr const char* kTimestampAuthorities = R"sql(
CREATE TABLE timestamp_authorities (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id),
  name TEXT NOT NULL,
  ca_id TEXT REFERENCES certificate_authorities(id),
  key_algorithm TEXT NOT NULL,
  key_id TEXT NOT NULL,
  certificate_pem TEXT NOT NULL,
  certificate_chain_pem TEXT NOT NULL,
  serial_number TEXT NOT NULL,
  not_before INTEGER NOT NULL,
  not_after INTEGER NOT NULL,
  policy_oid TEXT NOT NULL,
  accuracy_ms INTEGER NOT NULL,
  require_auth INTEGER NOT NULL,
  is_default INTEGER NOT NULL,
  status TEXT NOT NULL,
  last_serial INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (project_id, name)
) STRICT;
CREATE INDEX timestamp_authorities_by_ca ON timestamp_authorities(ca_id);
)sql";

// 4: OIDC auth for machine identities (docs/ci-identities.md); the claims an OIDC login
// matched, kept with the access token it issued (JSON object text, '' for other logins).
constexpr const char* kOidcAuth = R"sql(
CREATE TABLE identity_oidc_auths (
  identity_id TEXT PRIMARY KEY REFERENCES identities(id) ON DELETE CASCADE,
  discovery_url TEXT NOT NULL,
  bound_issuer TEXT NOT NULL,
  bound_audiences TEXT NOT NULL,
  bound_claims TEXT NOT NULL,
  bound_subject TEXT NOT NULL,
  ca_cert TEXT NOT NULL,
  jwks TEXT NOT NULL,
  access_token_ttl INTEGER NOT NULL,
  access_token_max_ttl INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

ALTER TABLE access_tokens ADD COLUMN auth_claims TEXT NOT NULL DEFAULT '';
)sql";

// 5: keys in a hardware security module: where each CA's and certificate's key is, and the
// references to token objects.
constexpr const char* kHsmKeys = R"sql(
ALTER TABLE certificate_authorities ADD COLUMN key_source TEXT NOT NULL DEFAULT 'software';
ALTER TABLE certificates ADD COLUMN key_source TEXT NOT NULL DEFAULT 'software';

CREATE TABLE hsm_keys (
  key_id TEXT PRIMARY KEY,
  algorithm TEXT NOT NULL,
  token_label TEXT NOT NULL,
  token_serial TEXT NOT NULL,
  object_label TEXT NOT NULL,
  object_id BLOB NOT NULL,
  public_key_spki BLOB NOT NULL,
  adopted INTEGER NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
)sql";

// 6: notifications (issue 20).
constexpr std::string_view kNotifications = R"sql(
-- Notifications (notify/): webhooks per project, the outbox of events (written in the
-- transaction of the change it reports), and one delivery per event and destination.
CREATE TABLE notification_webhooks (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  url TEXT NOT NULL,
  format TEXT NOT NULL,
  events TEXT NOT NULL,
  secret_sealed BLOB NOT NULL,
  enabled INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (project_id, name)
) STRICT;

CREATE TABLE notification_events (
  id TEXT PRIMARY KEY,
  event_type TEXT NOT NULL,
  project_id TEXT NOT NULL,
  dedup_key TEXT NOT NULL UNIQUE,
  data TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE notification_deliveries (
  id TEXT PRIMARY KEY,
  event_id TEXT NOT NULL REFERENCES notification_events(id) ON DELETE CASCADE,
  event_type TEXT NOT NULL,
  channel TEXT NOT NULL,
  webhook_id TEXT REFERENCES notification_webhooks(id) ON DELETE CASCADE,
  recipient TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  lease_until INTEGER,
  last_attempt_at INTEGER,
  last_status_code INTEGER,
  last_error TEXT NOT NULL,
  delivered_at INTEGER,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX notification_deliveries_due ON notification_deliveries(status, next_attempt_at);
CREATE INDEX notification_deliveries_by_webhook ON notification_deliveries(webhook_id, created_at);
CREATE INDEX notification_deliveries_by_event ON notification_deliveries(event_id);
)sql";

constexpr std::array<sql::Migration, 8> kMigrations{{
    {1, kInit},
    {2, kMfa},
    {3, kTimestampAuthorities},
    {4, kOidcAuth},
    {5, kHsmKeys},
    {6, kNotifications},
    {7, portable::kComplianceProfile},
    {8, portable::kTsaCertificates},
}};

}  // namespace

std::span<const sql::Migration> SqliteMigrations() { return kMigrations; }

}  // namespace signet::store
