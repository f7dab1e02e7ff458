#include "api/encode.h"

#include <algorithm>
#include <chrono>

#include "common/duration.h"
#include "common/encoding.h"

namespace signet::api {
namespace {

JsonValue Time(TimePoint t) { return JsonValue(FormatTime(t)); }
JsonValue OptTime(const std::optional<TimePoint>& t) { return t ? Time(*t) : JsonValue(nullptr); }
JsonValue OptString(const std::optional<std::string>& s) {
  return s ? JsonValue(*s) : JsonValue(nullptr);
}
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
  return {{"id", u.id},
          {"email", u.email},
          {"orgRole", domain::OrgRoleName(u.org_role)},
          {"createdAt", Time(u.created_at)},
          {"updatedAt", Time(u.updated_at)}};
}

JsonObject EncodeIdentity(const domain::Identity& i) {
  return {{"id", i.id},
          {"name", i.name},
          {"clientId", i.client_id},
          {"createdAt", Time(i.created_at)},
          {"updatedAt", Time(i.updated_at)}};
}

JsonObject EncodeProject(const domain::Project& p) {
  return {{"id", p.id},
          {"name", p.name},
          {"slug", p.slug},
          {"description", p.description},
          {"complianceProfile", domain::ComplianceProfileName(p.compliance_profile)},
          {"createdAt", Time(p.created_at)},
          {"updatedAt", Time(p.updated_at)}};
}

JsonObject EncodeMembership(const domain::ProjectMembership& m) {
  JsonObject o{{"id", m.id},
               {"projectId", m.project_id},
               {"role", domain::ProjectRoleName(m.role)},
               {"createdAt", Time(m.created_at)}};
  o[m.principal_type == domain::PrincipalType::kUser ? "userId" : "identityId"] = m.principal_id;
  return o;
}

JsonObject EncodeCa(const domain::CertificateAuthority& ca) {
  return {{"id", ca.id},
          {"projectId", ca.project_id},
          {"parentCaId", OptString(ca.parent_ca_id)},
          {"type", ca.parent_ca_id ? "intermediate" : "root"},
          {"commonName", ca.common_name},
          {"keyAlgorithm", domain::KeyAlgorithmName(ca.key_algorithm)},
          {"keySource", domain::KeySourceTypeName(ca.key_source)},
          {"serialNumber", ca.serial_number},
          {"notBefore", Time(ca.not_before)},
          {"notAfter", Time(ca.not_after)},
          {"status", domain::CaStatusName(ca.status)},
          {"createdAt", Time(ca.created_at)},
          {"updatedAt", Time(ca.updated_at)}};
}

JsonObject EncodeTsa(const domain::TimestampAuthority& t) {
  return {{"id", t.id},
          {"projectId", t.project_id},
          {"name", t.name},
          {"caId", OptString(t.ca_id)},
          {"certificateId", OptString(t.certificate_id)},
          {"keyAlgorithm", domain::KeyAlgorithmName(t.key_algorithm)},
          {"keySource", domain::KeySourceTypeName(t.key_source)},
          {"policyOid", t.policy_oid},
          {"accuracyMs", t.accuracy_ms},
          {"requireAuth", t.require_auth},
          {"isDefault", t.is_default},
          {"status", domain::CaStatusName(t.status)},
          {"serialNumber", t.serial_number},
          {"notBefore", Time(t.not_before)},
          {"notAfter", Time(t.not_after)},
          {"timestampsIssued", t.last_serial},
          {"url", "/api/v1/pki/tsa/" + t.id + "/timestamp"},
          {"createdAt", Time(t.created_at)},
          {"updatedAt", Time(t.updated_at)}};
}

JsonObject EncodeCertificate(const domain::Certificate& c) {
  return {{"id", c.id},
          {"projectId", c.project_id},
          {"caId", OptString(c.ca_id)},
          {"commonName", c.common_name},
          {"keyAlgorithm", domain::KeyAlgorithmName(c.key_algorithm)},
          {"keySource", domain::KeySourceTypeName(c.key_source)},
          {"status", domain::CertificateStatusName(c.status)},
          {"serialNumber", c.serial_number},
          {"notBefore", OptTime(c.not_before)},
          {"notAfter", OptTime(c.not_after)},
          {"keyUsages", Strings(c.key_usages)},
          {"extendedKeyUsages", Strings(c.extended_key_usages)},
          {"revokedAt", OptTime(c.revoked_at)},
          {"createdAt", Time(c.created_at)},
          {"updatedAt", Time(c.updated_at)}};
}

JsonObject EncodeSigner(const domain::Signer& s) {
  return {{"id", s.id},
          {"projectId", s.project_id},
          {"name", s.name},
          {"description", s.description},
          {"status", domain::SignerStatusName(s.status)},
          {"certificateId", s.certificate_id},
          {"signingPolicyId", OptString(s.signing_policy_id)},
          {"approvalPolicyId", OptString(s.signing_policy_id)},
          {"lastSignedAt", OptTime(s.last_signed_at)},
          {"createdAt", Time(s.created_at)},
          {"updatedAt", Time(s.updated_at)}};
}

JsonObject EncodeSignerDetail(const domain::SignerDetail& d) {
  JsonObject o = EncodeSigner(d.signer);
  o["status"] = d.effective_status;
  o["approvalPolicyName"] = OptString(d.policy_name);
  const std::optional<domain::Certificate>& c = d.certificate;
  auto cert_string = [&](auto get) { return c ? JsonValue(get(*c)) : JsonValue(nullptr); };
  o["certificateCommonName"] = cert_string([](const auto& x) { return x.common_name; });
  o["certificateSerialNumber"] = cert_string([](const auto& x) { return x.serial_number; });
  o["certificateNotBefore"] = c ? OptTime(c->not_before) : JsonValue(nullptr);
  o["certificateNotAfter"] = c ? OptTime(c->not_after) : JsonValue(nullptr);
  o["certificateKeyAlgorithm"] = cert_string(
      [](const auto& x) { return std::string(domain::KeyAlgorithmName(x.key_algorithm)); });
  o["certificateStatus"] = c ? JsonValue(d.certificate_status) : JsonValue(nullptr);
  o["certificateCaId"] = c ? OptString(c->ca_id) : JsonValue(nullptr);
  // "software" (Signet's key store, SPEC §7) or "hsm" (a PKCS#11 token, docs/hsm.md).
  o["certificateKeySource"] = cert_string(
      [](const auto& x) { return std::string(domain::KeySourceTypeName(x.key_source)); });
  // Infisical's lifecycle fields: the validity in whole days; no automatic renewal, no
  // pending issuance (Signet issues at once), no HSM connector (one HSM per server).
  o["certificateTtlDays"] =
      c && c->not_before && c->not_after
          ? JsonValue(std::chrono::duration_cast<std::chrono::hours>(*c->not_after - *c->not_before)
                          .count() /
                      24)
          : JsonValue(nullptr);
  o["certificateRenewBeforeDays"] = nullptr;
  o["certificateFailureReason"] = nullptr;
  o["certificateHsmConnectorId"] = nullptr;
  o["caId"] = o["certificateCaId"];
  o["commonName"] = o["certificateCommonName"];
  o["keyAlgorithm"] = o["certificateKeyAlgorithm"];
  return o;
}

JsonObject EncodeSignerMember(const domain::SignerMember& m) {
  JsonObject o{{"id", m.id},
               {"signerId", m.signer_id},
               {"role", domain::SignerRoleName(m.role)},
               {"createdAt", Time(m.created_at)}};
  o[m.principal_type == domain::PrincipalType::kUser ? "userId" : "identityId"] = m.principal_id;
  return o;
}

JsonObject EncodeOperation(const domain::SigningOperation& op) {
  return {{"id", op.id},
          {"signerId", op.signer_id},
          {"projectId", op.project_id},
          {"status", domain::OperationStatusName(op.status)},
          {"signingAlgorithm", op.signing_algorithm},
          {"dataHash", op.data_hash},
          {"actorType", domain::PrincipalTypeName(op.actor_type)},
          {"actorId", op.actor_id},
          {"actorName", op.actor_name},
          {"grantId", OptString(op.grant_id)},
          {"approvalGrantId", OptString(op.grant_id)},
          {"clientMetadata", RawJson(op.client_metadata_json)},
          {"sourceIp", op.source_ip},
          {"errorMessage", OptString(op.error_message)},
          {"createdAt", Time(op.created_at)}};
}

JsonObject EncodeAuditEvent(const domain::AuditEvent& e) {
  return {{"seq", e.seq},
          {"nodeId", e.node_id},
          {"time", Time(e.time)},
          {"eventType", e.event_type},
          {"actor", JsonObject{{"type", e.actor_type}, {"id", e.actor_id}, {"name", e.actor_name}}},
          {"target", JsonObject{{"type", e.target_type}, {"id", e.target_id}}},
          {"details", RawJson(e.details_json)},
          {"prevHash", HexEncode(e.prev_hash)},
          {"hash", HexEncode(e.hash)}};
}

JsonObject EncodeSigningPolicy(const domain::SigningPolicy& p) {
  JsonArray steps;
  for (const auto& step : p.steps) {
    JsonArray approvers;
    for (const auto& id : step.approver_user_ids) {
      approvers.emplace_back(JsonObject{{"type", "user"}, {"id", id}});
    }
    steps.emplace_back(JsonObject{{"name", step.name},
                                  {"requiredApprovals", step.required_approvals},
                                  {"approvers", std::move(approvers)},
                                  {"notifyApprovers", step.notify_approvers}});
  }
  JsonObject constraints{
      {"maxWindowDuration", p.max_window_duration
                                ? JsonValue(FormatDuration(*p.max_window_duration))
                                : JsonValue(nullptr)},
      {"maxSignings", p.max_signings ? JsonValue(*p.max_signings) : JsonValue(nullptr)}};
  return {{"id", p.id},
          {"projectId", p.project_id},
          {"name", p.name},
          {"steps", std::move(steps)},
          {"constraints", std::move(constraints)},
          {"maxRequestTtl", FormatDuration(p.max_request_ttl)},
          {"bypassForMachineIdentities", p.bypass_for_machine_identities},
          {"createdAt", Time(p.created_at)},
          {"updatedAt", Time(p.updated_at)}};
}

JsonValue EncodeSigningScope(const domain::SigningScope& s) {
  if (s.Empty()) return nullptr;
  JsonObject o;
  auto add = [&](const char* key, const std::optional<std::string>& v) {
    if (v) o[key] = *v;
  };
  add("command", s.command);
  add("signingApplication", s.signing_application);
  add("signingApplicationHash", s.signing_application_hash);
  add("hostname", s.hostname);
  add("osUsername", s.os_username);
  add("ipAddress", s.ip_address);
  add("dataHash", s.data_hash);
  return o;
}

JsonObject EncodeApproval(const domain::Approval& a) {
  return {{"id", a.id},
          {"requestId", a.request_id},
          {"step", a.step},
          {"approverUserId", a.approver_user_id},
          {"decision", domain::ApprovalDecisionName(a.decision)},
          {"comment", a.comment},
          {"createdAt", Time(a.created_at)}};
}

JsonObject EncodeSigningRequest(const domain::SigningRequest& r,
                                const std::vector<domain::Approval>& approvals) {
  JsonArray decided;
  for (const auto& a : approvals) decided.emplace_back(EncodeApproval(a));
  JsonValue policy =
      r.policy_snapshot ? JsonValue(EncodeSigningPolicy(*r.policy_snapshot)) : JsonValue(nullptr);
  return {{"id", r.id},
          {"signerId", r.signer_id},
          {"projectId", r.project_id},
          {"requesterType", domain::PrincipalTypeName(r.requester_type)},
          {"requesterId", r.requester_id},
          {"justification", r.justification},
          {"requestedSignings",
           r.requested_signings ? JsonValue(*r.requested_signings) : JsonValue(nullptr)},
          {"requestedWindowDuration", r.requested_window_duration
                                          ? JsonValue(FormatDuration(*r.requested_window_duration))
                                          : JsonValue(nullptr)},
          {"requestedWindowStart", OptTime(r.window_start)},
          {"requestedWindowEnd", OptTime(r.window_end)},
          {"scope", EncodeSigningScope(r.scope)},
          {"status", domain::RequestStatusName(r.status)},
          {"currentStep", r.current_step},
          {"signingPolicyId",
           r.policy_snapshot ? JsonValue(r.policy_snapshot->id) : JsonValue(nullptr)},
          {"policy", std::move(policy)},
          {"approvals", std::move(decided)},
          {"expiresAt", Time(r.expires_at)},
          {"grantId", OptString(r.grant_id)},
          {"createdAt", Time(r.created_at)},
          {"updatedAt", Time(r.updated_at)}};
}

JsonObject EncodeGrant(const domain::Grant& g) {
  JsonValue remaining = nullptr;
  if (g.max_signings) remaining = std::max<std::int64_t>(0, *g.max_signings - g.used_signings);
  return {{"id", g.id},
          {"signerId", g.signer_id},
          {"requestId", OptString(g.request_id)},
          {"granteeType", domain::PrincipalTypeName(g.grantee_type)},
          {"granteeId", g.grantee_id},
          {"maxSignings", g.max_signings ? JsonValue(*g.max_signings) : JsonValue(nullptr)},
          {"usedSignings", g.used_signings},
          {"remainingSignings", remaining},
          {"windowStart", Time(g.window_start)},
          {"expiresAt", OptTime(g.expires_at)},
          {"scope", EncodeSigningScope(g.scope)},
          {"status", domain::GrantStatusName(g.status)},
          {"revokedReason", g.revoked_reason},
          {"createdAt", Time(g.created_at)},
          {"updatedAt", Time(g.updated_at)}};
}

}  // namespace signet::api

namespace signet::api {

JsonObject EncodeGrantDetail(const domain::GrantDetail& d) {
  const domain::Grant& g = d.grant;
  JsonObject o = EncodeGrant(g);
  const bool user = g.grantee_type == domain::PrincipalType::kUser;
  const bool revoked = g.status == domain::GrantStatus::kRevoked;
  o["projectId"] = d.project_id;
  o["type"] = "cert-code-signing";
  o["granteeUserId"] = user ? JsonValue(g.grantee_id) : JsonValue(nullptr);
  o["granteeMachineIdentityId"] = user ? JsonValue(nullptr) : JsonValue(g.grantee_id);
  o["revokedAt"] = revoked ? Time(g.updated_at) : JsonValue(nullptr);
  o["revokedByUserId"] = OptString(d.revoked_by_user_id);
  o["revocationReason"] = revoked ? JsonValue(g.revoked_reason) : JsonValue(nullptr);
  JsonObject attributes{{"signerId", g.signer_id},
                        {"signerName", d.signer_name},
                        {"windowStart", Time(g.window_start)}};
  if (g.max_signings) attributes["maxSignings"] = *g.max_signings;
  if (!g.scope.Empty()) attributes["scope"] = EncodeSigningScope(g.scope);
  o["attributes"] = std::move(attributes);
  return o;
}

JsonObject EncodeSigningRequestDetail(const domain::SigningRequest& r,
                                      const std::vector<domain::Approval>& approvals,
                                      const domain::RequestParties& parties) {
  JsonObject o = EncodeSigningRequest(r, approvals);
  const bool machine = r.requester_type == domain::PrincipalType::kIdentity;
  const JsonValue policy_id =
      r.policy_snapshot ? JsonValue(r.policy_snapshot->id) : JsonValue(nullptr);
  o["policyId"] = policy_id;
  o["type"] = "cert-code-signing";
  o["requesterName"] = parties.requester_name;
  o["requesterEmail"] = parties.requester_email;
  o["machineIdentityId"] = machine ? JsonValue(r.requester_id) : JsonValue(nullptr);
  JsonObject data{{"signerId", r.signer_id},
                  {"approvalPolicyId", policy_id},
                  {"signerName", parties.signer_name},
                  {"justification", r.justification}};
  if (r.requested_window_duration) {
    data["requestedWindowDuration"] = FormatDuration(*r.requested_window_duration);
  }
  if (r.requested_signings) data["requestedSignings"] = *r.requested_signings;
  if (!r.scope.Empty()) data["scope"] = EncodeSigningScope(r.scope);
  o["requestData"] = JsonObject{{"version", 1}, {"requestData", std::move(data)}};
  JsonArray steps;
  if (r.policy_snapshot) {
    const auto& policy_steps = r.policy_snapshot->steps;
    for (std::size_t i = 0; i < policy_steps.size(); ++i) {
      const auto index = static_cast<std::int64_t>(i);
      std::string status = "pending";
      if (index < r.current_step) {
        status = "completed";
      } else if (index == r.current_step) {
        if (r.status == domain::RequestStatus::kRejected) {
          status = "rejected";
        } else if (r.status == domain::RequestStatus::kPending) {
          status = "in-progress";
        }
      }
      JsonArray approvers;
      for (const auto& id : policy_steps[i].approver_user_ids) {
        approvers.emplace_back(JsonObject{{"type", "user"}, {"id", id}});
      }
      JsonArray decided;
      for (const auto& a : approvals) {
        if (a.step == index) decided.emplace_back(EncodeApproval(a));
      }
      steps.emplace_back(JsonObject{{"stepNumber", index + 1},
                                    {"name", policy_steps[i].name},
                                    {"requiredApprovals", policy_steps[i].required_approvals},
                                    {"status", status},
                                    {"approvers", std::move(approvers)},
                                    {"approvals", std::move(decided)}});
    }
  }
  o["steps"] = std::move(steps);
  return o;
}

JsonObject EncodeWebhook(const domain::NotificationWebhook& w) {
  return {{"id", w.id},
          {"projectId", w.project_id},
          {"name", w.name},
          {"url", w.url},
          {"format", w.format},
          {"events", Strings(w.events)},
          {"enabled", w.enabled},
          {"hasSecret", !w.secret_sealed.empty()},
          {"createdAt", Time(w.created_at)},
          {"updatedAt", Time(w.updated_at)}};
}

JsonObject EncodeDelivery(const domain::NotificationDelivery& d) {
  return {
      {"id", d.id},
      {"eventId", d.event_id},
      {"event", d.event_type},
      {"channel", d.channel},
      {"webhookId", OptString(d.webhook_id)},
      {"status", d.status},
      {"attempts", d.attempts},
      {"maxAttempts", d.max_attempts},
      {"nextAttemptAt", d.status == "pending" ? Time(d.next_attempt_at) : JsonValue(nullptr)},
      {"lastAttemptAt", OptTime(d.last_attempt_at)},
      {"lastStatusCode", d.last_status_code ? JsonValue(*d.last_status_code) : JsonValue(nullptr)},
      {"lastError", d.last_error.empty() ? JsonValue(nullptr) : JsonValue(d.last_error)},
      {"deliveredAt", OptTime(d.delivered_at)},
      {"createdAt", Time(d.created_at)},
      {"payload", d.payload}};
}

JsonObject EncodeInfisicalSignerMember(const domain::SignerMember& m) {
  JsonObject o = EncodeSignerMember(m);
  const bool user = m.principal_type == domain::PrincipalType::kUser;
  o["membershipId"] = m.id;
  o["actorUserId"] = user ? JsonValue(m.principal_id) : JsonValue(nullptr);
  o["actorIdentityId"] = user ? JsonValue(nullptr) : JsonValue(m.principal_id);
  o["actorGroupId"] = nullptr;
  o["customRoleId"] = nullptr;
  o["updatedAt"] = Time(m.created_at);
  return o;
}

JsonObject EncodeSignerApprovalPolicy(const std::string& signer_id,
                                      const std::optional<domain::SigningPolicy>& policy) {
  JsonArray steps;
  JsonObject constraints{{"maxSignings", nullptr}, {"maxWindowDuration", nullptr}};
  if (policy) {
    for (std::size_t i = 0; i < policy->steps.size(); ++i) {
      const auto& step = policy->steps[i];
      steps.emplace_back(
          JsonObject{{"stepNumber", static_cast<std::int64_t>(i + 1)},
                     {"name", step.name.empty() ? JsonValue(nullptr) : JsonValue(step.name)},
                     {"requiredApprovals", step.required_approvals},
                     {"approverUserIds", Strings(step.approver_user_ids)},
                     {"approverGroupIds", JsonArray{}}});
    }
    if (policy->max_signings) constraints["maxSignings"] = *policy->max_signings;
    if (policy->max_window_duration) {
      constraints["maxWindowDuration"] = FormatDuration(*policy->max_window_duration);
    }
  }
  const bool has_steps = !steps.empty();
  return {{"id", policy ? JsonValue(policy->id) : JsonValue(nullptr)},
          {"signerId", signer_id},
          {"name", policy ? JsonValue(policy->name) : JsonValue(nullptr)},
          {"hasSteps", has_steps},
          {"steps", std::move(steps)},
          {"constraints", std::move(constraints)}};
}

JsonObject EncodeApprovalPolicy(const domain::SigningPolicy& p) {
  JsonObject o = EncodeSigningPolicy(p);
  JsonObject inner;
  if (p.max_window_duration) inner["maxWindowDuration"] = FormatDuration(*p.max_window_duration);
  if (p.max_signings) inner["maxSignings"] = *p.max_signings;
  o["constraints"] = JsonObject{{"version", 1}, {"constraints", std::move(inner)}};
  o["conditions"] = JsonObject{{"version", 1}, {"conditions", JsonArray{}}};
  o["type"] = "cert-code-signing";
  o["enforcementLevel"] = "hard";
  o["bypassers"] = JsonArray{};
  return o;
}

}  // namespace signet::api
