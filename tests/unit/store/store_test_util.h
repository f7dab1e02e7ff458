#pragma once
// Factories of valid entities for the store and audit tests (with the shared Result
// assertions and temporary directory of tests/support, which they include).

#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "common/clock.h"
#include "common/result.h"
#include "common/uuid.h"
#include "domain/entities.h"
#include "support/status.h"
#include "support/temp_dir.h"

namespace signet::store::testing {

using ::signet::testutil::ErrorMessage;
using ::signet::testutil::TempDir;

// A fixed instant plus `ms`, so tests never depend on the wall clock.
inline TimePoint T(long long ms = 0) { return FromUnixMillis(1'767'225'600'000LL + ms); }

inline domain::User MakeUser(std::string email) {
  return domain::User{NewUuid(),
                      std::move(email),
                      "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
                      domain::OrgRole::kMember,
                      T(),
                      T()};
}
inline domain::Identity MakeIdentity(std::string name) {
  return domain::Identity{NewUuid(), std::move(name), NewUuid(), T(), T()};
}
inline domain::Project MakeProject(const std::string& slug) {
  return domain::Project{
      NewUuid(), "Project " + slug, slug, "about " + slug, domain::ComplianceProfile::kNone, T(),
      T()};
}
inline domain::CertificateAuthority MakeCa(const std::string& project_id) {
  domain::CertificateAuthority ca;
  ca.id = NewUuid();
  ca.project_id = project_id;
  ca.common_name = "Root CA";
  ca.key_algorithm = domain::KeyAlgorithm::kEcP384;
  ca.key_id = NewUuid();
  ca.certificate_pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  ca.serial_number = "01ab";
  ca.not_before = T();
  ca.not_after = T(365LL * 24 * 3600 * 1000);
  ca.created_at = ca.updated_at = T();
  return ca;
}
inline domain::Certificate MakeCertificate(const std::string& project_id,
                                           std::vector<std::string> ekus = {"codeSigning"}) {
  domain::Certificate c;
  c.id = NewUuid();
  c.project_id = project_id;
  c.common_name = "Release Signing";
  c.key_algorithm = domain::KeyAlgorithm::kRsa3072;
  c.key_id = NewUuid();
  c.status = domain::CertificateStatus::kActive;
  c.certificate_pem = "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n";
  c.serial_number = "7f01";
  c.not_before = T();
  c.not_after = T(90LL * 24 * 3600 * 1000);
  c.key_usages = {"digitalSignature"};
  c.extended_key_usages = std::move(ekus);
  c.created_at = c.updated_at = T();
  return c;
}
inline domain::Signer MakeSigner(const std::string& project_id, const std::string& cert_id,
                                 std::string name) {
  domain::Signer s;
  s.id = NewUuid();
  s.project_id = project_id;
  s.name = std::move(name);
  s.description = "signs " + s.name;
  s.certificate_id = cert_id;
  s.created_at = s.updated_at = T();
  return s;
}
inline domain::SigningPolicy MakePolicy(const std::string& project_id, std::string name) {
  domain::SigningPolicy p;
  p.id = NewUuid();
  p.project_id = project_id;
  p.name = std::move(name);
  p.steps = {{"security", 2, {NewUuid(), NewUuid(), NewUuid()}},
             {"release \"mgr\"", 1, {NewUuid()}}};
  p.max_window_duration = Millis(3600 * 1000);
  p.max_signings = 10;
  p.bypass_for_machine_identities = true;
  p.created_at = p.updated_at = T();
  return p;
}
inline domain::Grant MakeGrant(const std::string& signer_id, std::optional<std::int64_t> max) {
  domain::Grant g;
  g.id = NewUuid();
  g.signer_id = signer_id;
  g.grantee_type = domain::PrincipalType::kUser;
  g.grantee_id = NewUuid();
  g.max_signings = max;
  g.window_start = T();
  g.expires_at = T(3600 * 1000);
  g.created_at = g.updated_at = T();
  return g;
}
inline domain::AuditEvent MakeAuditEvent(const std::string& node, std::int64_t seq,
                                         TimePoint time) {
  domain::AuditEvent e;
  e.node_id = node;
  e.seq = seq;
  e.time = time;
  e.event_type = seq % 2 == 0 ? "sign.success" : "signer.create";
  e.actor_type = "user";
  e.actor_id = "actor-" + std::to_string(seq % 3);
  e.actor_name = "alice@example.com";
  e.target_type = "signer";
  e.target_id = NewUuid();
  e.details_json = "{\"n\":" + std::to_string(seq) + "}";
  e.prev_hash = Bytes(32, static_cast<std::uint8_t>(seq - 1));
  e.hash = Bytes(32, static_cast<std::uint8_t>(seq));
  return e;
}

}  // namespace signet::store::testing
