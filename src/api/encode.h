#pragma once
// JSON shapes of the entities (SPEC §2–§3, Infisical's field names). Never a secret: password
// hashes, token hashes, client-secret hashes and private keys have no encoder.

#include "api/json.h"
#include "domain/entities.h"
#include "domain/read_models.h"

namespace signet::api {

JsonObject EncodeUser(const domain::User& u);
JsonObject EncodeIdentity(const domain::Identity& i);
JsonObject EncodeProject(const domain::Project& p);
JsonObject EncodeMembership(const domain::ProjectMembership& m);
JsonObject EncodeCa(const domain::CertificateAuthority& ca);
// A time-stamp authority; `timestampsIssued` is its last serial number.
JsonObject EncodeTsa(const domain::TimestampAuthority& tsa);
JsonObject EncodeCertificate(const domain::Certificate& c);
JsonObject EncodeSigner(const domain::Signer& s);
// The signer read model (SPEC §10): EncodeSigner with `status` the effective status, plus
// Infisical's certificate* fields, approvalPolicyId/approvalPolicyName, and caId, commonName
// and keyAlgorithm of the certificate.
JsonObject EncodeSignerDetail(const domain::SignerDetail& d);
JsonObject EncodeSignerMember(const domain::SignerMember& m);
JsonObject EncodeOperation(const domain::SigningOperation& op);
JsonObject EncodeAuditEvent(const domain::AuditEvent& e);

// Signing policies, requests and grants (SPEC §5). Durations are strings ("8h"); a request
// carries its approvals and its policy snapshot; `status` is encoded as given (the service
// passes the effective status).
JsonObject EncodeSigningPolicy(const domain::SigningPolicy& p);
JsonValue EncodeSigningScope(const domain::SigningScope& s);  // null when empty
JsonObject EncodeApproval(const domain::Approval& a);
JsonObject EncodeSigningRequest(const domain::SigningRequest& r,
                                const std::vector<domain::Approval>& approvals);
JsonObject EncodeGrant(const domain::Grant& g);
// EncodeGrant plus Infisical's grant fields: projectId, type, granteeUserId or
// granteeMachineIdentityId, revokedAt, revokedByUserId, revocationReason and attributes
// {signerId, signerName, maxSignings, windowStart, scope}.
JsonObject EncodeGrantDetail(const domain::GrantDetail& d);
// EncodeSigningRequest plus Infisical's request fields: policyId, type, requesterName,
// requesterEmail, machineIdentityId, requestData {version, requestData {signerId,
// approvalPolicyId, signerName, justification, requestedWindowDuration, requestedSignings,
// scope}} and steps [{stepNumber, name, requiredApprovals, status, approvers, approvals}].
JsonObject EncodeSigningRequestDetail(const domain::SigningRequest& r,
                                      const std::vector<domain::Approval>& approvals,
                                      const domain::RequestParties& parties);

// Notifications: a webhook {id, projectId, name, url, format, events, enabled, hasSecret,
// createdAt, updatedAt} (never its secret) and one delivery of its log {id, eventId, event,
// channel, webhookId, status, attempts, maxAttempts, nextAttemptAt, lastAttemptAt,
// lastStatusCode, lastError, deliveredAt, createdAt, payload}.
JsonObject EncodeWebhook(const domain::NotificationWebhook& w);
JsonObject EncodeDelivery(const domain::NotificationDelivery& d);

// ---- Infisical's shapes for its routes (SPEC §10; docs/infisical.md) ----

// A signer member as Infisical's users/identities routes show it: membershipId, signerId,
// actorUserId, actorIdentityId, actorGroupId (null), role, createdAt, updatedAt, with
// Signet's id/userId/identityId too.
JsonObject EncodeInfisicalSignerMember(const domain::SignerMember& m);
// GET/PUT …/signers/{id}/approval-policy: {id, signerId, hasSteps, steps:[{stepNumber, name,
// requiredApprovals, approverUserIds, approverGroupIds}], constraints:{maxSignings,
// maxWindowDuration}}; id null when the signer has no policy.
JsonObject EncodeSignerApprovalPolicy(const std::string& signer_id,
                                      const std::optional<domain::SigningPolicy>& policy);
// A policy on /api/v1/approval-policies/cert-code-signing: Signet's policy with
// `constraints` as Infisical nests it ({version:1, constraints:{…}}), plus type, conditions,
// enforcementLevel and bypassers.
JsonObject EncodeApprovalPolicy(const domain::SigningPolicy& p);

}  // namespace signet::api
