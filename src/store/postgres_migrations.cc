#include "store/postgres_migrations.h"

#include <array>

#include "store/portable_migrations.h"

namespace signet::store {
namespace {

// The schema of store/sqlite_migrations.cc in PostgreSQL types, column for column: ids are
// UUID text; times are BIGINT unix milliseconds; durations BIGINT milliseconds; booleans
// BOOLEAN; lists and structs JSON TEXT (store/text_codec.h; kept as TEXT so that they read
// back byte for byte). Tables that SQLite orders by rowid get row_seq, an identity column
// that stands for insertion order. Unique constraints have explicit names because the
// backend chooses its error messages by constraint name.
constexpr std::string_view kInit = R"sql(
CREATE TABLE users (
  row_seq BIGINT GENERATED ALWAYS AS IDENTITY,
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL CONSTRAINT users_email_key UNIQUE,
  password_hash TEXT NOT NULL,
  org_role TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE identities (
  row_seq BIGINT GENERATED ALWAYS AS IDENTITY,
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  client_id TEXT NOT NULL CONSTRAINT identities_client_id_key UNIQUE,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE client_secrets (
  row_seq BIGINT GENERATED ALWAYS AS IDENTITY,
  id TEXT PRIMARY KEY,
  identity_id TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  secret_hash TEXT NOT NULL,
  description TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  revoked BOOLEAN NOT NULL
);
CREATE INDEX client_secrets_by_identity ON client_secrets(identity_id, created_at);

CREATE TABLE access_tokens (
  token_hash TEXT PRIMARY KEY,
  principal_type TEXT NOT NULL,
  principal_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked BOOLEAN NOT NULL
);
CREATE INDEX access_tokens_by_principal ON access_tokens(principal_type, principal_id);
CREATE INDEX access_tokens_by_expiry ON access_tokens(expires_at);

CREATE TABLE projects (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL CONSTRAINT projects_name_key UNIQUE,
  slug TEXT NOT NULL CONSTRAINT projects_slug_key UNIQUE,
  description TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE project_memberships (
  row_seq BIGINT GENERATED ALWAYS AS IDENTITY,
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  principal_type TEXT NOT NULL,
  principal_id TEXT NOT NULL,
  role TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  CONSTRAINT project_memberships_principal_key UNIQUE (project_id, principal_type, principal_id)
);
CREATE INDEX project_memberships_by_principal
  ON project_memberships(principal_type, principal_id);

CREATE TABLE certificate_authorities (
  row_seq BIGINT GENERATED ALWAYS AS IDENTITY,
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id),
  parent_ca_id TEXT REFERENCES certificate_authorities(id),
  common_name TEXT NOT NULL,
  key_algorithm TEXT NOT NULL,
  key_id TEXT NOT NULL,
  certificate_pem TEXT NOT NULL,
  certificate_chain_pem TEXT NOT NULL,
  serial_number TEXT NOT NULL,
  not_before BIGINT NOT NULL,
  not_after BIGINT NOT NULL,
  status TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX certificate_authorities_by_project
  ON certificate_authorities(project_id, created_at);
CREATE INDEX certificate_authorities_by_parent ON certificate_authorities(parent_ca_id);

CREATE TABLE certificates (
  row_seq BIGINT GENERATED ALWAYS AS IDENTITY,
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
  not_before BIGINT,
  not_after BIGINT,
  key_usages TEXT NOT NULL,
  extended_key_usages TEXT NOT NULL,
  revoked_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX certificates_by_project ON certificates(project_id, created_at);
CREATE INDEX certificates_by_ca ON certificates(ca_id);

CREATE TABLE signing_policies (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id),
  name TEXT NOT NULL,
  steps TEXT NOT NULL,
  max_window_duration_ms BIGINT,
  max_signings BIGINT,
  max_request_ttl_ms BIGINT NOT NULL,
  bypass_for_machine_identities BOOLEAN NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CONSTRAINT signing_policies_project_name_key UNIQUE (project_id, name)
);

CREATE TABLE signers (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id),
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  status TEXT NOT NULL,
  certificate_id TEXT NOT NULL REFERENCES certificates(id),
  signing_policy_id TEXT REFERENCES signing_policies(id),
  last_signed_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CONSTRAINT signers_project_name_key UNIQUE (project_id, name)
);
CREATE INDEX signers_by_certificate ON signers(certificate_id);
CREATE INDEX signers_by_policy ON signers(signing_policy_id);

CREATE TABLE signer_members (
  row_seq BIGINT GENERATED ALWAYS AS IDENTITY,
  id TEXT PRIMARY KEY,
  signer_id TEXT NOT NULL REFERENCES signers(id) ON DELETE CASCADE,
  principal_type TEXT NOT NULL,
  principal_id TEXT NOT NULL,
  role TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  CONSTRAINT signer_members_principal_key UNIQUE (signer_id, principal_type, principal_id)
);
CREATE INDEX signer_members_by_principal ON signer_members(principal_type, principal_id);

CREATE TABLE signing_requests (
  row_seq BIGINT GENERATED ALWAYS AS IDENTITY,
  id TEXT PRIMARY KEY,
  signer_id TEXT NOT NULL REFERENCES signers(id) ON DELETE CASCADE,
  project_id TEXT NOT NULL,
  requester_type TEXT NOT NULL,
  requester_id TEXT NOT NULL,
  justification TEXT NOT NULL,
  requested_signings BIGINT,
  window_start BIGINT,
  window_end BIGINT,
  requested_window_duration_ms BIGINT,
  scope_command TEXT,
  scope_signing_application TEXT,
  scope_signing_application_hash TEXT,
  scope_hostname TEXT,
  scope_os_username TEXT,
  scope_ip_address TEXT,
  scope_data_hash TEXT,
  policy_snapshot TEXT,
  status TEXT NOT NULL,
  current_step BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  grant_id TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX signing_requests_by_signer ON signing_requests(signer_id, created_at);
CREATE INDEX signing_requests_by_status ON signing_requests(status, created_at);
CREATE INDEX signing_requests_by_requester
  ON signing_requests(requester_type, requester_id, created_at);
CREATE INDEX signing_requests_by_project ON signing_requests(project_id, created_at);

CREATE TABLE approvals (
  row_seq BIGINT GENERATED ALWAYS AS IDENTITY,
  id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL REFERENCES signing_requests(id) ON DELETE CASCADE,
  step BIGINT NOT NULL,
  approver_user_id TEXT NOT NULL,
  decision TEXT NOT NULL,
  comment TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  CONSTRAINT approvals_step_approver_key UNIQUE (request_id, step, approver_user_id)
);

CREATE TABLE grants (
  row_seq BIGINT GENERATED ALWAYS AS IDENTITY,
  id TEXT PRIMARY KEY,
  signer_id TEXT NOT NULL REFERENCES signers(id) ON DELETE CASCADE,
  request_id TEXT REFERENCES signing_requests(id) ON DELETE SET NULL,
  grantee_type TEXT NOT NULL,
  grantee_id TEXT NOT NULL,
  max_signings BIGINT,
  used_signings BIGINT NOT NULL,
  window_start BIGINT NOT NULL,
  expires_at BIGINT,
  scope_command TEXT,
  scope_signing_application TEXT,
  scope_signing_application_hash TEXT,
  scope_hostname TEXT,
  scope_os_username TEXT,
  scope_ip_address TEXT,
  scope_data_hash TEXT,
  status TEXT NOT NULL,
  revoked_reason TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX grants_by_signer ON grants(signer_id, created_at);
CREATE INDEX grants_by_grantee ON grants(grantee_type, grantee_id, created_at);
CREATE INDEX grants_by_request ON grants(request_id);

-- Operations outlive their signer: they are history, like the audit log.
CREATE TABLE signing_operations (
  row_seq BIGINT GENERATED ALWAYS AS IDENTITY,
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
  created_at BIGINT NOT NULL
);
CREATE INDEX signing_operations_by_signer ON signing_operations(signer_id, created_at);

CREATE TABLE key_blobs (
  key_id TEXT CONSTRAINT key_blobs_pkey PRIMARY KEY,
  algorithm TEXT NOT NULL,
  wrapped_data_key BYTEA NOT NULL,
  sealed_private_key BYTEA NOT NULL,
  public_key_spki BYTEA NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE audit_events (
  node_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  time BIGINT NOT NULL,
  event_type TEXT NOT NULL,
  actor_type TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  actor_name TEXT NOT NULL,
  target_type TEXT NOT NULL,
  target_id TEXT NOT NULL,
  details TEXT NOT NULL,
  prev_hash BYTEA NOT NULL,
  hash BYTEA NOT NULL,
  CONSTRAINT audit_events_pkey PRIMARY KEY (node_id, seq)
);
CREATE INDEX audit_events_by_time ON audit_events(time, seq);
CREATE INDEX audit_events_by_type ON audit_events(event_type, time);
CREATE INDEX audit_events_by_actor ON audit_events(actor_id, time);

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- One row per node id that ever started; a running node holds the session advisory lock
-- (kLockClassNodeId, hashtext(node_id)) and refreshes last_seen_at (docs/deploy.md).
CREATE TABLE signet_nodes (
  node_id TEXT PRIMARY KEY,
  hostname TEXT NOT NULL,
  pid BIGINT NOT NULL,
  started_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL
);
)sql";

// 2: multi-factor authentication (see the SQLite text).
constexpr const char* kMfa = R"sql(
ALTER TABLE access_tokens ADD COLUMN purpose TEXT NOT NULL DEFAULT 'session';
ALTER TABLE access_tokens ADD COLUMN mfa BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE user_mfa (
  user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  totp_secret BYTEA NOT NULL,
  enabled BOOLEAN NOT NULL,
  last_used_step BIGINT NOT NULL,
  recovery_codes TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
)sql";

// 3: time-stamp authorities (RFC 3161): one row per TSA; last_serial is the last serial number
// issued, advanced (under the row's lock) in the transaction that records each timestamp, so
// serials are unique and increasing across nodes.
constexpr const char* kTimestampAuthorities = R"sql(
CREATE TABLE timestamp_authorities (
  row_seq BIGINT GENERATED ALWAYS AS IDENTITY,
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id),
  name TEXT NOT NULL,
  ca_id TEXT REFERENCES certificate_authorities(id),
  key_algorithm TEXT NOT NULL,
  key_id TEXT NOT NULL,
  certificate_pem TEXT NOT NULL,
  certificate_chain_pem TEXT NOT NULL,
  serial_number TEXT NOT NULL,
  not_before BIGINT NOT NULL,
  not_after BIGINT NOT NULL,
  policy_oid TEXT NOT NULL,
  accuracy_ms BIGINT NOT NULL,
  require_auth BOOLEAN NOT NULL,
  is_default BOOLEAN NOT NULL,
  status TEXT NOT NULL,
  last_serial BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CONSTRAINT timestamp_authorities_project_name_key UNIQUE (project_id, name)
);
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
  access_token_ttl BIGINT NOT NULL,
  access_token_max_ttl BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

ALTER TABLE access_tokens ADD COLUMN auth_claims TEXT NOT NULL DEFAULT '';
)sql";

// 5: keys in a hardware security module: where each CA's and certificate's key is, and the
// references to token objects.
constexpr const char* kHsmKeys = R"sql(
ALTER TABLE certificate_authorities ADD COLUMN key_source TEXT NOT NULL DEFAULT 'software';
ALTER TABLE certificates ADD COLUMN key_source TEXT NOT NULL DEFAULT 'software';

CREATE TABLE hsm_keys (
  key_id TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  token_label TEXT NOT NULL,
  token_serial TEXT NOT NULL,
  object_label TEXT NOT NULL,
  object_id BYTEA NOT NULL,
  public_key_spki BYTEA NOT NULL,
  adopted BOOLEAN NOT NULL,
  created_at BIGINT NOT NULL,
  CONSTRAINT hsm_keys_pkey PRIMARY KEY (key_id)
);
)sql";

// 6: notifications (issue 20).
constexpr std::string_view kNotifications = R"sql(
-- Notifications (notify/): webhooks per project, the outbox of events (written in the
-- transaction of the change it reports), and one delivery per event and destination.
CREATE TABLE notification_webhooks (
  row_seq BIGINT GENERATED ALWAYS AS IDENTITY,
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  url TEXT NOT NULL,
  format TEXT NOT NULL,
  events TEXT NOT NULL,
  secret_sealed BYTEA NOT NULL,
  enabled BOOLEAN NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CONSTRAINT notification_webhooks_project_name_key UNIQUE (project_id, name)
);

CREATE TABLE notification_events (
  row_seq BIGINT GENERATED ALWAYS AS IDENTITY,
  id TEXT PRIMARY KEY,
  event_type TEXT NOT NULL,
  project_id TEXT NOT NULL,
  dedup_key TEXT NOT NULL CONSTRAINT notification_events_dedup_key_key UNIQUE,
  data TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE notification_deliveries (
  row_seq BIGINT GENERATED ALWAYS AS IDENTITY,
  id TEXT PRIMARY KEY,
  event_id TEXT NOT NULL REFERENCES notification_events(id) ON DELETE CASCADE,
  event_type TEXT NOT NULL,
  channel TEXT NOT NULL,
  webhook_id TEXT REFERENCES notification_webhooks(id) ON DELETE CASCADE,
  recipient TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts BIGINT NOT NULL,
  max_attempts BIGINT NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  lease_until BIGINT,
  last_attempt_at BIGINT,
  last_status_code BIGINT,
  last_error TEXT NOT NULL,
  delivered_at BIGINT,
  created_at BIGINT NOT NULL
);
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

std::span<const sql::Migration> PostgresMigrations() { return kMigrations; }

}  // namespace signet::store
