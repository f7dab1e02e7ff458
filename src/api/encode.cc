#include "api/encode.h"

#include "common/encoding.h"

namespace signet::api {
namespace {

JsonValue Time(TimePoint t) { return JsonValue(FormatTime(t)); }
JsonValue OptTime(const std::optional<TimePoint>& t) { return t ? Time(*t) : JsonValue(nullptr); }
JsonValue OptString(const std::optional<std::string>& s) { return s ? JsonValue(*s) : JsonValue(nullptr); }
JsonArray Strings(const std::vector<std::string>& v) {
  JsonArray a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}
JsonValue RawJson(const std::string& text) {
  auto v = ParseJson(text);
  return v ? *v : JsonValue(JsonObject{});
}

}  // namespace

JsonObject EncodeUser(const domain::User& u) {
  return {{"id", u.id}, {"email", u.email}, {"orgRole", domain::OrgRoleName(u.org_role)},
          {"createdAt", Time(u.created_at)}, {"updatedAt", Time(u.updated_at)}};
}

JsonObject EncodeIdentity(const domain::Identity& i) {
  return {{"id", i.id}, {"name", i.name}, {"clientId", i.client_id},
          {"createdAt", Time(i.created_at)}, {"updatedAt", Time(i.updated_at)}};
}

JsonObject EncodeProject(const domain::Project& p) {
  return {{"id", p.id}, {"name", p.name}, {"slug", p.slug}, {"description", p.description},
          {"createdAt", Time(p.created_at)}, {"updatedAt", Time(p.updated_at)}};
}

JsonObject EncodeMembership(const domain::ProjectMembership& m) {
  JsonObject o{{"id", m.id}, {"projectId", m.project_id}, {"role", domain::ProjectRoleName(m.role)},
               {"createdAt", Time(m.created_at)}};
  o[m.principal_type == domain::PrincipalType::kUser ? "userId" : "identityId"] = m.principal_id;
  return o;
}

JsonObject EncodeCa(const domain::CertificateAuthority& ca) {
  return {{"id", ca.id}, {"projectId", ca.project_id}, {"parentCaId", OptString(ca.parent_ca_id)},
          {"type", ca.parent_ca_id ? "intermediate" : "root"},
          {"commonName", ca.common_name}, {"keyAlgorithm", domain::KeyAlgorithmName(ca.key_algorithm)},
          {"serialNumber", ca.serial_number}, {"notBefore", Time(ca.not_before)},
          {"notAfter", Time(ca.not_after)}, {"status", domain::CaStatusName(ca.status)},
          {"createdAt", Time(ca.created_at)}, {"updatedAt", Time(ca.updated_at)}};
}

JsonObject EncodeCertificate(const domain::Certificate& c) {
  return {{"id", c.id}, {"projectId", c.project_id}, {"caId", OptString(c.ca_id)},
          {"commonName", c.common_name}, {"keyAlgorithm", domain::KeyAlgorithmName(c.key_algorithm)},
          {"status", domain::CertificateStatusName(c.status)}, {"serialNumber", c.serial_number},
          {"notBefore", OptTime(c.not_before)}, {"notAfter", OptTime(c.not_after)},
          {"keyUsages", Strings(c.key_usages)}, {"extendedKeyUsages", Strings(c.extended_key_usages)},
          {"revokedAt", OptTime(c.revoked_at)},
          {"createdAt", Time(c.created_at)}, {"updatedAt", Time(c.updated_at)}};
}

JsonObject EncodeSigner(const domain::Signer& s) {
  return {{"id", s.id}, {"projectId", s.project_id}, {"name", s.name},
          {"description", s.description}, {"status", domain::SignerStatusName(s.status)},
          {"certificateId", s.certificate_id}, {"signingPolicyId", OptString(s.signing_policy_id)},
          {"lastSignedAt", OptTime(s.last_signed_at)},
          {"createdAt", Time(s.created_at)}, {"updatedAt", Time(s.updated_at)}};
}

JsonObject EncodeSignerMember(const domain::SignerMember& m) {
  JsonObject o{{"id", m.id}, {"signerId", m.signer_id}, {"role", domain::SignerRoleName(m.role)},
               {"createdAt", Time(m.created_at)}};
  o[m.principal_type == domain::PrincipalType::kUser ? "userId" : "identityId"] = m.principal_id;
  return o;
}

JsonObject EncodeOperation(const domain::SigningOperation& op) {
  return {{"id", op.id}, {"signerId", op.signer_id}, {"projectId", op.project_id},
          {"status", domain::OperationStatusName(op.status)},
          {"signingAlgorithm", op.signing_algorithm}, {"dataHash", op.data_hash},
          {"actorType", domain::PrincipalTypeName(op.actor_type)}, {"actorId", op.actor_id},
          {"actorName", op.actor_name}, {"grantId", OptString(op.grant_id)},
          {"clientMetadata", RawJson(op.client_metadata_json)}, {"sourceIp", op.source_ip},
          {"errorMessage", OptString(op.error_message)}, {"createdAt", Time(op.created_at)}};
}

JsonObject EncodeAuditEvent(const domain::AuditEvent& e) {
  return {{"seq", e.seq}, {"nodeId", e.node_id}, {"time", Time(e.time)},
          {"eventType", e.event_type},
          {"actor", JsonObject{{"type", e.actor_type}, {"id", e.actor_id}, {"name", e.actor_name}}},
          {"target", JsonObject{{"type", e.target_type}, {"id", e.target_id}}},
          {"details", RawJson(e.details_json)}, {"prevHash", HexEncode(e.prev_hash)},
          {"hash", HexEncode(e.hash)}};
}

}  // namespace signet::api
