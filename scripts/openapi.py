#!/usr/bin/env python3
"""Writes docs/openapi.json, the OpenAPI 3.1 description of signetd's HTTP API.

The document is generated from the tables below so that the many routes that share shapes
(two signer bases, list replies, error replies) stay consistent; signetd embeds the file and
serves it at GET /api/v1/openapi.json.

  python3 scripts/openapi.py           rewrite docs/openapi.json
  python3 scripts/openapi.py --check   exit 1 when docs/openapi.json is not what this writes

Checks (ctest): tests/unit/http/openapi_routes_test.cc compares the routes of the router with
the paths here; tests/openapi/ validates the document (swagger-parser) and every reply that
the API integration suites received against it (ajv).
"""
import json
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "docs", "openapi.json")


def version():
    with open(os.path.join(REPO, "CMakeLists.txt")) as f:
        return re.search(r"project\(signet VERSION ([0-9.]+)", f.read()).group(1)


# ---- schema helpers -------------------------------------------------------------------------

def ref(name):
    return {"$ref": "#/components/schemas/" + name}


def string(max_length=None, **kw):
    s = {"type": "string"}
    if max_length:
        s["maxLength"] = max_length
    s.update(kw)
    return s


def nullable(schema):
    """The schema or null (a field that is null when it has no value)."""
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    s = dict(schema)
    t = s["type"]
    s["type"] = (t if isinstance(t, list) else [t]) + ["null"]
    if "enum" in s:
        s["enum"] = s["enum"] + [None]
    return s


def integer(minimum=None, maximum=None):
    s = {"type": "integer"}
    if minimum is not None:
        s["minimum"] = minimum
    if maximum is not None:
        s["maximum"] = maximum
    return s


BOOL = {"type": "boolean"}
TIME = string(format="date-time")
UUID = string(format="uuid")
ANY_OBJECT = {"type": "object"}
DURATION = string(16, pattern="^[0-9]+[smhd]$", description="a whole number and a unit: 90m, 8h, 7d")
COMPLIANCE_PROFILES = ["none", "csbr"]
KEY_ALGORITHMS = ["RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1",
                  "EC_secp521r1"]
SIGNING_ALGORITHMS = ["RSASSA_PKCS1_V1_5_SHA256", "RSASSA_PKCS1_V1_5_SHA384",
                      "RSASSA_PKCS1_V1_5_SHA512", "RSASSA_PSS_SHA256", "RSASSA_PSS_SHA384",
                      "RSASSA_PSS_SHA512", "ECDSA_SHA256", "ECDSA_SHA384", "ECDSA_SHA512"]


def obj(required, optional=None, additional=False, description=None):
    """An object with `required` properties (dict) and `optional` ones (dict)."""
    props = dict(required)
    props.update(optional or {})
    s = {"type": "object", "properties": props}
    if required:
        s["required"] = list(required)
    if not additional:
        s["additionalProperties"] = False
    if description:
        s["description"] = description
    return s


def body(required, optional=None, description=None):
    """A request body: strict (unknown fields are a 400); optional fields may be null."""
    opt = {k: (v if v.get("type") == "null" else _nullable_body(v))
           for k, v in (optional or {}).items()}
    return obj(required, opt, description=description)


def _nullable_body(v):
    if "$ref" in v or "anyOf" in v:
        return {"anyOf": [v, {"type": "null"}]}
    return nullable(v)


def array(items, max_items=None):
    s = {"type": "array", "items": items}
    if max_items:
        s["maxItems"] = max_items
    return s


def list_of(key, item):
    return obj({key: array(item), "totalCount": integer(0)})


# ---- components -------------------------------------------------------------------------------

ACTOR_ID_PAIR = {"userId": UUID, "identityId": UUID}

KEY_SOURCE = string(enum=["software", "hsm"],
                    description="where the private key is: Signet's key store or the HSM")
KEY_CHOICE = {"keySource": KEY_SOURCE,
              "hsmKeyLabel": string(128, description="adopt this existing HSM key (CKA_LABEL)"),
              "hsmKeyId": string(256, description="adopt this existing HSM key (CKA_ID, hex)")}

# The settings of a TSA made by import (POST /api/v1/pki/tsa/import).
TSA_SETTINGS = {"projectId": string(64), "policyOid": string(200),
                "accuracyMs": integer(0, 60000), "requireAuth": BOOL, "isDefault": BOOL,
                "allowSoftwareKey": BOOL}

SCHEMAS = {
    "Error": obj({
        "statusCode": integer(400, 599),
        "error": string(enum=["BadRequest", "Unauthorized", "PermissionDenied", "ApprovalRequired",
                              "NotFound", "MethodNotAllowed", "Conflict", "PayloadTooLarge",
                              "RateLimited", "InternalServerError", "ServiceUnavailable"]),
        "message": string(minLength=1),
        "reqId": string(minLength=1),
    }, description="Every error reply (SPEC §3). The message names the field and the limit."),
    "Login": obj({"accessToken": string(minLength=1), "expiresIn": integer(1),
                  "tokenType": string(enum=["Bearer"])}),
    "Message": obj({"message": string()}),
    "OidcLogin": obj({"accessToken": string(minLength=1), "expiresIn": integer(1),
                      "accessTokenMaxTTL": integer(1), "tokenType": string(enum=["Bearer"])}),
    "IdentityOidcAuth": obj({"identityOidcAuth": obj({
        "id": UUID, "identityId": UUID, "oidcDiscoveryUrl": string(), "boundIssuer": string(),
        "boundAudiences": string(), "boundClaims": {"type": "object",
                                                    "additionalProperties": string()},
        "boundSubject": string(), "caCert": string(), "jwks": string(),
        "accessTokenTTL": integer(1), "accessTokenMaxTTL": integer(1),
        "accessTokenNumUsesLimit": integer(0, 0), "createdAt": TIME, "updatedAt": TIME})}),
    "User": obj({"id": UUID, "email": string(254), "orgRole": string(enum=["admin", "member"]),
                 "createdAt": TIME, "updatedAt": TIME}),
    "Identity": obj({"id": UUID, "name": string(256), "clientId": string(), "createdAt": TIME,
                     "updatedAt": TIME}),
    "ClientSecret": obj({"clientId": string(), "clientSecret": string(minLength=1),
                         "clientSecretId": UUID},
                        description="The client secret appears only in this reply."),
    "ClientSecretInfo": obj({"id": UUID, "identityId": UUID, "description": string(),
                             "createdAt": TIME, "revoked": {"type": "boolean"}}),
    "Project": obj({"id": UUID, "name": string(64), "slug": string(64), "description": string(),
                    "complianceProfile": string(enum=COMPLIANCE_PROFILES),
                    "createdAt": TIME, "updatedAt": TIME},
                   description="complianceProfile csbr: the CA/Browser Forum Code Signing "
                               "Baseline Requirements apply to the project (docs/hsm.md)."),
    "Membership": obj({"id": UUID, "projectId": UUID, "role": string(enum=["admin", "member"]),
                       "createdAt": TIME}, ACTOR_ID_PAIR,
                      description="A project membership: userId or identityId."),
    "Ca": obj({"id": UUID, "projectId": UUID, "parentCaId": nullable(UUID),
               "type": string(enum=["root", "intermediate"]), "commonName": string(),
               "keyAlgorithm": string(enum=KEY_ALGORITHMS), "serialNumber": string(),
               "notBefore": TIME, "notAfter": TIME, "status": string(enum=["active", "disabled"]),
               "keySource": KEY_SOURCE, "createdAt": TIME, "updatedAt": TIME}),
    "Tsa": obj({"id": UUID, "projectId": UUID, "name": string(), "caId": nullable(UUID),
                "certificateId": nullable(UUID), "keySource": KEY_SOURCE,
                "keyAlgorithm": string(enum=KEY_ALGORITHMS), "policyOid": string(),
                "accuracyMs": integer(0), "requireAuth": BOOL, "isDefault": BOOL,
                "status": string(enum=["active", "disabled"]), "serialNumber": string(),
                "notBefore": TIME, "notAfter": TIME, "timestampsIssued": integer(0),
                "url": string(), "createdAt": TIME, "updatedAt": TIME}),
    "TsaCertificate": obj({"certificatePem": string(), "certificateChainPem": string(),
                           "serialNumber": string()}),
    "PemBundle": obj({"certificate": string(), "certificateChain": string(),
                      "serialNumber": string()}),
    "Certificate": obj({"id": UUID, "projectId": UUID, "caId": nullable(UUID),
                        "commonName": string(), "keyAlgorithm": string(enum=KEY_ALGORITHMS),
                        "status": string(enum=["pending", "active", "revoked"]),
                        "serialNumber": string(), "notBefore": nullable(TIME),
                        "notAfter": nullable(TIME), "keyUsages": array(string()),
                        "extendedKeyUsages": array(string()), "revokedAt": nullable(TIME),
                        "keySource": KEY_SOURCE, "createdAt": TIME, "updatedAt": TIME}),
    "IssuedCertificate": obj({"certificateId": UUID, "certificate": string(),
                              "certificateChain": string(), "serialNumber": string(),
                              "keySource": KEY_SOURCE}),
    "Csr": obj({"certificateId": UUID, "csr": string(), "status": string(enum=["pending"]),
                "keySource": KEY_SOURCE}),
    "KeyEvidence": obj({"signerId": UUID, "certificateId": UUID, "keySource": KEY_SOURCE,
                        "keyAlgorithm": string(enum=KEY_ALGORITHMS),
                        "publicKey": string(contentEncoding="base64"), "adopted": BOOL,
                        "module": nullable(obj({k: string() for k in [
                            "libraryManufacturer", "libraryDescription", "libraryVersion",
                            "cryptokiVersion", "tokenLabel", "manufacturer", "model",
                            "serialNumber", "hardwareVersion", "firmwareVersion"]})),
                        "attributes": nullable(obj(dict({"label": string(), "id": string()},
                                                        **{k: BOOL for k in [
                                                            "token", "private", "sensitive",
                                                            "extractable", "sign", "local",
                                                            "neverExtractable",
                                                            "alwaysSensitive"]}))),
                        "generated": nullable(obj({"at": TIME, "eventType": string(),
                                                   "actorType": string(), "actorId": string(),
                                                   "actorName": string()}))},
                       description="What a CA asks a signing service for about a key (docs/hsm.md)"),
    "Signer": obj({
        "id": UUID, "projectId": UUID, "name": string(64), "description": string(256),
        "status": string(enum=["active", "disabled", "expired"],
                         description="effective: expired when the certificate is expired or revoked"),
        "certificateId": string(), "signingPolicyId": nullable(UUID),
        "approvalPolicyId": nullable(UUID), "approvalPolicyName": nullable(string()),
        "lastSignedAt": nullable(TIME), "createdAt": TIME, "updatedAt": TIME,
        "certificateCommonName": nullable(string()),
        "certificateSerialNumber": nullable(string()),
        "certificateNotBefore": nullable(TIME), "certificateNotAfter": nullable(TIME),
        "certificateKeyAlgorithm": nullable(string(enum=KEY_ALGORITHMS)),
        "certificateStatus": nullable(string()), "certificateCaId": nullable(UUID),
        "certificateKeySource": nullable(string()), "certificateTtlDays": nullable(integer()),
        "certificateRenewBeforeDays": {"type": "null"},
        "certificateFailureReason": {"type": "null"},
        "certificateHsmConnectorId": {"type": "null"},
        "caId": nullable(UUID), "commonName": nullable(string()),
        "keyAlgorithm": nullable(string(enum=KEY_ALGORITHMS)),
    }, description="A signer with its certificate's read model (SPEC §10)."),
    "SignerMember": obj({"id": UUID, "signerId": UUID,
                         "role": string(enum=["admin", "operator", "auditor"]),
                         "createdAt": TIME}, ACTOR_ID_PAIR),
    "InfisicalSignerMember": obj({
        "id": UUID, "membershipId": UUID, "signerId": UUID,
        "role": string(enum=["admin", "operator", "auditor"]),
        "actorUserId": nullable(UUID), "actorIdentityId": nullable(UUID),
        "actorGroupId": {"type": "null"}, "customRoleId": {"type": "null"},
        "createdAt": TIME, "updatedAt": TIME}, ACTOR_ID_PAIR),
    "SignResult": obj({"signature": string(contentEncoding="base64"),
                       "signingAlgorithm": string(), "signerId": UUID}),
    "SignBatchResult": obj({"signerId": UUID, "signedCount": integer(0), "refusedCount": integer(0),
                            "results": array(obj(
                                {"index": integer(0), "status": string(enum=["success", "failed", "denied"]),
                                 "operationId": string(), "signingAlgorithm": string()},
                                {"signature": string(contentEncoding="base64"),
                                 "error": obj({"statusCode": integer(400, 599), "error": string(),
                                               "message": string()})}))},
                           description="per-item results in the order of the items"),
    "PublicKey": obj({"publicKey": string(contentEncoding="base64",
                                          description="DER SubjectPublicKeyInfo"),
                      "algorithm": string(enum=KEY_ALGORITHMS)}),
    "SignerCertificate": obj({"certificatePem": string(), "certificateChainPem": string(),
                              "serialNumber": string(), "signerName": string()}),
    "Operation": obj({
        "id": UUID, "signerId": UUID, "projectId": UUID,
        "status": string(enum=["success", "failed", "denied"]), "signingAlgorithm": string(),
        "dataHash": string(), "actorType": string(enum=["user", "identity"]),
        "actorId": string(), "actorName": string(), "grantId": nullable(UUID),
        "approvalGrantId": nullable(UUID), "clientMetadata": ANY_OBJECT, "sourceIp": string(),
        "errorMessage": nullable(string()), "createdAt": TIME}),
    "AuditEvent": obj({
        "seq": integer(1), "nodeId": string(), "time": TIME, "eventType": string(),
        "actor": obj({"type": string(), "id": string(), "name": string()}),
        "target": obj({"type": string(), "id": string()}),
        "details": ANY_OBJECT, "prevHash": string(pattern="^[0-9a-f]{64}$"),
        "hash": string(pattern="^[0-9a-f]{64}$")}),
    "VerifyReport": obj({"valid": BOOL, "checked": integer(0)}, {
        "firstBadSeq": integer(), "firstBadNodeId": string(), "reason": string(),
        "extendsCheckpoint": BOOL, "checkpointProblem": string()}),
    "ChainHead": obj({"nodeId": string(128), "seq": integer(1),
                      "hash": string(pattern="^[0-9a-f]{64}$")}),
    "Checkpoint": obj({
        "version": integer(1, 1), "time": TIME, "heads": array(ref("ChainHead")),
        "algorithm": string(enum=["Ed25519"]), "keyId": string(),
        "publicKey": string(contentEncoding="base64"), "payload": string(),
        "signature": string(contentEncoding="base64")},
        description="A signed statement of every chain's head; `payload` is the exact text "
                    "signed."),
    "AuditPublicKey": obj({"algorithm": string(enum=["Ed25519"]),
                           "publicKey": string(contentEncoding="base64"),
                           "publicKeyPem": string(), "keyId": string()}),
    "Approver": obj({"type": string(enum=["user"]), "id": UUID}),
    "PolicyStep": obj({"name": string(64), "requiredApprovals": integer(1),
                       "approvers": array(ref("Approver")), "notifyApprovers": BOOL}),
    "SigningPolicy": obj({
        "id": UUID, "projectId": UUID, "name": string(64), "steps": array(ref("PolicyStep")),
        "constraints": obj({"maxWindowDuration": nullable(DURATION),
                            "maxSignings": nullable(integer(1))}),
        "maxRequestTtl": DURATION, "bypassForMachineIdentities": BOOL, "createdAt": TIME,
        "updatedAt": TIME}),
    "ApprovalPolicy": obj({
        "id": UUID, "projectId": UUID, "name": string(64),
        "steps": array(obj({"name": string(64), "requiredApprovals": integer(1),
                            "approvers": array(ref("Approver")),
                            "notifyApprovers": BOOL})),
        "constraints": obj({"version": {"const": 1},
                            "constraints": obj({}, {"maxWindowDuration": DURATION,
                                                    "maxSignings": integer(1)})}),
        "conditions": obj({"version": {"const": 1}, "conditions": array(ANY_OBJECT, 0)}),
        "maxRequestTtl": DURATION, "bypassForMachineIdentities": BOOL,
        "type": {"const": "cert-code-signing"}, "enforcementLevel": {"const": "hard"},
        "bypassers": array(ANY_OBJECT, 0), "createdAt": TIME, "updatedAt": TIME},
        description="A signing policy as Infisical's approval-policies routes show it."),
    "SignerApprovalPolicy": obj({
        "id": nullable(UUID), "signerId": UUID, "name": nullable(string()), "hasSteps": BOOL,
        "steps": array(obj({"stepNumber": integer(1), "name": nullable(string()),
                            "requiredApprovals": integer(1), "approverUserIds": array(UUID),
                            "approverGroupIds": array(string(), 0)})),
        "constraints": obj({"maxSignings": nullable(integer(1)),
                            "maxWindowDuration": nullable(DURATION)})}),
    "Scope": obj({}, {"command": string(), "signingApplication": string(256),
                      "signingApplicationHash": string(64), "hostname": string(256),
                      "osUsername": string(256), "ipAddress": string(45),
                      "dataHash": string(64)},
                 description="Where and how a grant may be used (docs/policies.md)."),
    "Approval": obj({"id": UUID, "requestId": UUID, "step": integer(0),
                     "approverUserId": UUID, "decision": string(enum=["approved", "rejected"]),
                     "comment": string(), "createdAt": TIME}),
    "SigningRequest": obj({
        "id": UUID, "signerId": UUID, "projectId": UUID,
        "requesterType": string(enum=["user", "identity"]), "requesterId": UUID,
        "justification": string(1024), "requestedSignings": nullable(integer(1)),
        "requestedWindowDuration": nullable(DURATION),
        "requestedWindowStart": nullable(TIME), "requestedWindowEnd": nullable(TIME),
        "scope": nullable(ref("Scope")),
        "status": string(enum=["pending", "approved", "rejected", "cancelled", "expired"]),
        "currentStep": integer(0), "signingPolicyId": nullable(UUID),
        "policy": nullable(ref("SigningPolicy")), "approvals": array(ref("Approval")),
        "expiresAt": TIME, "grantId": nullable(UUID), "createdAt": TIME, "updatedAt": TIME,
        "policyId": nullable(UUID), "type": {"const": "cert-code-signing"},
        "requesterName": string(), "requesterEmail": string(),
        "machineIdentityId": nullable(UUID),
        "requestData": obj({"version": {"const": 1}, "requestData": obj(
            {"signerId": UUID, "approvalPolicyId": nullable(UUID), "signerName": string(),
             "justification": string()},
            {"requestedWindowDuration": DURATION, "requestedSignings": integer(1),
             "scope": ref("Scope")})}),
        "steps": array(obj({"stepNumber": integer(1), "name": string(),
                            "requiredApprovals": integer(1),
                            "status": string(enum=["pending", "in-progress", "completed",
                                                   "rejected"]),
                            "approvers": array(ref("Approver")),
                            "approvals": array(ref("Approval"))})),
    }, description="A signing request with its approvals, its policy snapshot and Infisical's "
                   "request fields."),
    "Grant": obj({
        "id": UUID, "signerId": UUID, "requestId": nullable(UUID),
        "granteeType": string(enum=["user", "identity"]), "granteeId": UUID,
        "maxSignings": nullable(integer(1)), "usedSignings": integer(0),
        "remainingSignings": nullable(integer(0)), "windowStart": TIME,
        "expiresAt": nullable(TIME), "scope": nullable(ref("Scope")),
        "status": string(enum=["active", "expired", "revoked"]), "revokedReason": string(),
        "createdAt": TIME, "updatedAt": TIME, "projectId": UUID,
        "type": {"const": "cert-code-signing"}, "granteeUserId": nullable(UUID),
        "granteeMachineIdentityId": nullable(UUID), "revokedAt": nullable(TIME),
        "revokedByUserId": nullable(UUID), "revocationReason": nullable(string()),
        "attributes": obj({"signerId": UUID, "signerName": string(), "windowStart": TIME},
                          {"maxSignings": integer(1), "scope": ref("Scope")})}),
    "Principal": obj({"type": string(enum=["user", "identity"]), "id": UUID, "name": string(),
                      "orgRole": string(enum=["admin", "member"])},
                     {"email": string(), "mfa": BOOL}),
    "MfaChallenge": obj({"mfaRequired": {"const": True}, "mfaToken": string(minLength=1),
                         "expiresIn": integer(1)},
                        description="The password was right and the user has a second factor: "
                                    "POST /api/v1/auth/mfa/verify with mfaToken and a code."),
    "MfaStatus": obj({"enabled": BOOL, "pending": BOOL, "recoveryCodesLeft": integer(0),
                      "sessionVerified": BOOL,
                      "required": string(enum=["none", "privileged", "all"])}),
    "MfaPolicy": obj({"required": string(enum=["none", "privileged", "all"])}),
    "RecoveryCodes": obj({"recoveryCodes": array(string(minLength=1))},
                         description="One-time recovery codes, shown only in this reply."),
    "Permissions": obj({"data": obj({
        "permissions": array(obj({"subject": {"const": "signer"}, "action": array(string())})),
        "memberships": array(obj({"id": UUID, "actorUserId": nullable(UUID),
                                  "actorIdentityId": nullable(UUID),
                                  "actorGroupId": {"type": "null"},
                                  "roles": array(obj({"role": string(),
                                                      "customRoleSlug": {"type": "null"}}))})),
        "effectiveRole": nullable(string(enum=["admin", "operator", "auditor"]))})}),
    "MyPermissions": obj({k: BOOL for k in [
        "canRead", "canEdit", "canDelete", "canEnableDisable", "canManageMembers",
        "canManagePolicy", "canSign", "canRequestSign", "canPreApprove", "canReissueCertificate",
        "canExportCertificate"]}),
    "EffectiveMembers": obj({"members": array(obj({
        "actorUserId": nullable(UUID), "actorIdentityId": nullable(UUID),
        "role": string(enum=["admin", "operator", "auditor"]),
        "viaGroupIds": array(string(), 0), "isDirect": BOOL}))}),
}

NOTIFY_EVENTS = ["request.created", "request.step_advanced", "request.approved",
                 "request.rejected", "request.cancelled", "request.expired", "grant.expiring",
                 "certificate.expiring"]
SCHEMAS["Webhook"] = obj({
    "id": UUID, "projectId": UUID, "name": string(64), "url": string(2048),
    "format": string(enum=["signet", "slack", "teams"]),
    "events": array(string(enum=NOTIFY_EVENTS)), "enabled": BOOL, "hasSecret": BOOL,
    "createdAt": TIME, "updatedAt": TIME})
SCHEMAS["Delivery"] = obj({
    "id": UUID, "eventId": UUID, "event": string(), "channel": string(enum=["webhook", "email"]),
    "webhookId": nullable(UUID), "status": string(enum=["pending", "delivered", "failed"]),
    "attempts": integer(0), "maxAttempts": integer(1), "nextAttemptAt": nullable(TIME),
    "lastAttemptAt": nullable(TIME), "lastStatusCode": nullable(integer()),
    "lastError": nullable(string()), "deliveredAt": nullable(TIME), "createdAt": TIME,
    "payload": string()})
SCHEMAS["Smtp"] = obj({
    "host": string(253), "port": integer(1, 65535),
    "security": string(enum=["none", "starttls", "tls"]), "username": nullable(string(256)),
    "hasPassword": BOOL, "from": string(320), "caCertificate": nullable(string()),
    "updatedAt": TIME})

SCHEMAS["ImportedCertificate"] = dict(
    SCHEMAS["Certificate"],
    properties=dict(SCHEMAS["Certificate"]["properties"], certificateId=UUID),
    required=SCHEMAS["Certificate"]["required"] + ["certificateId"])

# ---- request bodies ------------------------------------------------------------------------------

PROJECT_REF = string(64, description="project id or slug; default: the project `default`")
SCOPE_IN = body({}, {"command": string(32767), "signingApplication": string(256),
                     "signingApplicationHash": string(64), "hostname": string(256),
                     "osUsername": string(256), "ipAddress": string(45),
                     "dataHash": string(64)})
STEP_IN = body({"requiredApprovals": integer(1),
                "approvers": array(body({"type": string(enum=["user"]), "id": UUID}), 100)},
               {"name": string(64), "notifyApprovers": BOOL})
POLICY_FIELDS = {"name": string(64), "steps": array(STEP_IN, 100),
                 "constraints": body({}, {"maxWindowDuration": DURATION,
                                          "maxSignings": integer(1)}),
                 "maxRequestTtl": DURATION, "bypassForMachineIdentities": BOOL}
SIGNER_POLICY_IN = body({"steps": array(body(
    {"stepNumber": integer(1, 100), "requiredApprovals": integer(1)},
    {"name": string(64), "approverUserIds": array(UUID, 100),
     "approverGroupIds": array(string(), 0)}), 100)},
    {"constraints": body({}, {"maxSignings": integer(1), "maxWindowDuration": DURATION})})
REQUEST_FIELDS = {"requestedSignings": integer(1), "requestedWindowDuration": DURATION,
                  "requestedWindowStart": TIME, "requestedWindowEnd": TIME, "scope": SCOPE_IN}
CLIENT_METADATA_IN = body({}, {"tool": string(256), "signingApplication": string(256),
                               "hostname": string(256), "reportedIp": string(45),
                               "command": string(32767), "osUsername": string(256),
                               "signingApplicationHash": string(64)})
MEMBER_IN = body({"role": string(32)}, {"userId": UUID, "identityId": UUID})
CHECKPOINT_IN = body({"version": integer(1, 1), "time": TIME, "signature": string(128),
                      "heads": array(body({"nodeId": string(128), "seq": integer(1),
                                           "hash": string(64)}), 10000)},
                     {"algorithm": string(), "keyId": string(), "publicKey": string(),
                      "payload": string()})
EMPTY = {"description": "no fields: an empty body or {}", "type": "object", "maxProperties": 0}

BODIES = {
    "bootstrap": body({"email": string(254), "password": string(256)}),
    "login": body({"email": string(254), "password": string(256)}),
    "uaLogin": body({"clientId": string(64), "clientSecret": string(256)}),
    "createUser": body({"email": string(254), "password": string(256)},
                       {"orgRole": string(enum=["admin", "member"])}),
    "updateUser": body({}, {"password": string(256), "currentPassword": string(256),
                            "orgRole": string(enum=["admin", "member"])}),
    "createIdentity": body({"name": string(256)}),
    "createSecret": body({}, {"description": string(256)}),
    "createProject": body({"name": string(64)},
                          {"description": string(256),
                           "complianceProfile": string(16, enum=COMPLIANCE_PROFILES)}),
    "updateProject": body({}, {"description": string(256),
                               "complianceProfile": string(16, enum=COMPLIANCE_PROFILES)},
                          description="null for description clears it; switching csbr on is "
                                      "a 409 naming each signer that does not meet it"),
    "member": MEMBER_IN,
    "memberRole": body({"role": string(enum=["admin", "member"])}),
    "oidcAuth": body({}, {"oidcDiscoveryUrl": string(2048), "boundIssuer": string(1024),
                          "boundAudiences": string(2048, description="comma-separated"),
                          "boundClaims": {"type": "object",
                                          "additionalProperties": string(),
                                          "description": "claim name: exact value or glob"},
                          "boundSubject": string(1024), "caCert": string(65536),
                          "jwks": string(65536, description="an inline JSON Web Key Set"),
                          "accessTokenTTL": integer(1, 86400),
                          "accessTokenMaxTTL": integer(1, 86400),
                          "accessTokenNumUsesLimit": integer(0, 0)}),
    "oidcLogin": body({"identityId": string(64), "jwt": string()}),
    "createTsa": body({"name": string(64), "caId": string(64)},
                      dict({"projectId": string(64),
                            "keyAlgorithm": string(32, enum=KEY_ALGORITHMS),
                            "ttlDays": integer(1, 3650), "policyOid": string(200),
                            "accuracyMs": integer(0, 60000), "requireAuth": BOOL,
                            "isDefault": BOOL}, **KEY_CHOICE)),
    "importTsa": {"oneOf": [
        body({"name": string(64), "certificatePem": string(65536),
              "privateKeyPem": string(65536)},
             dict(TSA_SETTINGS, certificateChainPem=string(65536))),
        body({"name": string(64), "pkcs12": string(65536, contentEncoding="base64")},
             dict(TSA_SETTINGS, password=string(256)))]},
    "updateTsa": body({}, {"name": string(64), "policyOid": string(200),
                           "accuracyMs": integer(0, 60000), "requireAuth": BOOL,
                           "isDefault": BOOL, "status": string(16, enum=["active", "disabled"])}),
    "createCa": body({"commonName": string(64), "keyAlgorithm": string(enum=KEY_ALGORITHMS),
                      "ttlDays": integer(1, 36500)},
                     dict({"projectId": PROJECT_REF, "parentCaId": UUID}, **KEY_CHOICE)),
    "issue": body({"caId": UUID, "commonName": string(64),
                   "keyAlgorithm": string(enum=KEY_ALGORITHMS), "ttlDays": integer(1, 3650)},
                  dict({"projectId": PROJECT_REF, "keyUsages": array(string(64), 16),
                        "extendedKeyUsages": array(string(64), 16)}, **KEY_CHOICE)),
    "import": {"oneOf": [
        body({"certificatePem": string(65536), "privateKeyPem": string(65536)},
             {"projectId": PROJECT_REF, "certificateChainPem": string(65536),
              "allowSoftwareKey": BOOL}),
        body({"pkcs12": string(65536, contentEncoding="base64")},
             {"projectId": PROJECT_REF, "password": string(256), "allowSoftwareKey": BOOL})]},
    "csr": body({"commonName": string(64), "keyAlgorithm": string(enum=KEY_ALGORITHMS)},
                dict({"projectId": PROJECT_REF, "subject": body({}, {
                    "organization": string(64), "organizationalUnit": string(64),
                    "country": string(2), "state": string(64), "locality": string(64)})},
                     **KEY_CHOICE)),
    "importIssued": body({"certificatePem": string(65536)},
                         {"certificateChainPem": string(65536)}),
    "createSigner": body({"name": string(64)}, {
        "projectId": PROJECT_REF, "description": string(256), "certificateId": UUID,
        "signingPolicyId": UUID, "approvalPolicyId": UUID,
        "caId": UUID, "commonName": string(64), "keyAlgorithm": string(enum=KEY_ALGORITHMS),
        "certificateTtlDays": integer(1, 3650),
        "members": array(body({"kind": string(enum=["user", "identity"]), "id": UUID,
                               "role": string(32)})),
        "approvalPolicy": SIGNER_POLICY_IN,
        "certificate": body({}, {"keySource": KEY_SOURCE},
                            description="Infisical's key placement of the issued certificate")},
        description="certificateId, or caId (+ commonName, keyAlgorithm, certificateTtlDays) "
                    "to issue the signer's certificate with it; approvalPolicyId is an alias "
                    "of signingPolicyId"),
    "updateSigner": body({}, {"name": string(64), "description": string(256),
                              "status": string(enum=["active", "disabled"]),
                              "certificateId": UUID, "signingPolicyId": UUID,
                              "approvalPolicyId": UUID},
                         description="null for description, signingPolicyId or "
                                     "approvalPolicyId clears it"),
    "sign": body({"data": string(1024, contentEncoding="base64"),
                  "signingAlgorithm": string(64)},
                 {"isDigest": BOOL, "clientMetadata": CLIENT_METADATA_IN}),
    "signBatch": body({"items": array(body({"data": string(1024, contentEncoding="base64")},
                                           {"signingAlgorithm": string(64), "isDigest": BOOL,
                                            "clientMetadata": CLIENT_METADATA_IN}),
                                      max_items=100000)},
                      {"signingAlgorithm": string(64, description="for items without their own")},
                      description="1 to --max-batch-items (default 1,000) items"),
    "role": body({"role": string(32)}),
    "verifyCheckpoint": body({"checkpoint": CHECKPOINT_IN}),
    "createPolicy": body({"name": string(64), "steps": POLICY_FIELDS["steps"],
                          "constraints": POLICY_FIELDS["constraints"]},
                         {"projectId": PROJECT_REF, "maxRequestTtl": DURATION,
                          "bypassForMachineIdentities": BOOL}),
    "updatePolicy": body({}, POLICY_FIELDS),
    "request": body({"justification": string(1024)}, REQUEST_FIELDS),
    "preApprove": body({"justification": string(1024)},
                       dict(REQUEST_FIELDS, granteeUserId=UUID, granteeIdentityId=UUID)),
    "comment": body({}, {"comment": string(1024)}),
    "revokeGrant": body({}, {"reason": string(1024), "revocationReason": string(1024)}),
    "status": body({"status": string(enum=["active", "disabled"])}),
    "signerPolicy": SIGNER_POLICY_IN,
    "addUsers": body({}, {"userIds": array(UUID, 100), "emails": array(string(254), 100),
                          "role": string(enum=["admin", "operator", "auditor"])}),
    "addIdentity": body({"identityId": UUID},
                        {"role": string(enum=["admin", "operator", "auditor"])}),
    "reissue": body({"caId": UUID}, {"commonName": string(64),
                                     "keyAlgorithm": string(enum=KEY_ALGORITHMS),
                                     "certificateTtlDays": integer(1, 3650)}),
    "approvalPolicy": body({}, dict(POLICY_FIELDS, projectId=PROJECT_REF,
                                    conditions=array(body({})),
                                    enforcementLevel=string(enum=["hard"]),
                                    bypassers=array(ANY_OBJECT, 0))),
    "approvalRequest": body({"requestData": body({"signerId": UUID}, {
        "approvalPolicyId": UUID, "signerName": string(64), "justification": string(1024),
        "requestedWindowDuration": DURATION, "requestedSignings": integer(1),
        "scope": SCOPE_IN})},
        {"projectId": PROJECT_REF, "justification": string(1024), "requestDuration": DURATION}),
    "approve": body({}, {"comment": string(1024)}),
    "cancel": body({}),
    "createWebhook": body({"url": string(2048)},
                          {"projectId": PROJECT_REF, "name": string(64), "secret": string(256),
                           "events": array(string(enum=NOTIFY_EVENTS), 32),
                           "format": string(enum=["signet", "slack", "teams"]),
                           "enabled": BOOL}),
    "updateWebhook": body({}, {"name": string(64), "url": string(2048),
                               "secret": string(256, description="null removes it (slack/teams)"),
                               "events": array(string(enum=NOTIFY_EVENTS), 32),
                               "format": string(enum=["signet", "slack", "teams"]),
                               "enabled": BOOL}),
    "putSmtp": body({"host": string(253), "from": string(320)},
                    {"port": integer(1, 65535),
                     "security": string(enum=["none", "starttls", "tls"]),
                     "username": string(256),
                     "password": string(1024, description="absent: keep; null: remove"),
                     "caCertificate": string(65536)}),
    "revokeApprovalGrant": body({}, {"revocationReason": string(1024), "reason": string(1024)}),
    "policyMatch": body({"inputs": body({"signerId": UUID}, {"approvalPolicyId": UUID})},
                        {"projectId": PROJECT_REF}),
    "session": body({"email": string(254), "password": string(256)}),
    "mfaVerify": body({"mfaToken": string(256)}, {"code": string(64), "recoveryCode": string(64)}),
    "mfaProof": body({}, {"code": string(64), "recoveryCode": string(64)}),
    "mfaConfirm": body({"code": string(64)}),
    "mfaPolicy": body({"required": string(16, enum=["none", "privileged", "all"])}),
}

# ---- operations ----------------------------------------------------------------------------------

PAGING = [("offset", integer(0, 1000000000), "items to skip"),
          ("limit", integer(1, 100), "items per page (default 20)")]
OPERATIONS = []  # (method, path, tag, summary, body key | None, reply schema, extra)


def op(method, path, tag, summary, request=None, reply=None, query=(), auth=True, **extra):
    OPERATIONS.append(dict(method=method, path=path, tag=tag, summary=summary, request=request,
                           reply=reply, query=list(query), auth=auth, **extra))


def text_reply(content_type, description):
    return {"content_type": content_type, "description": description}


# Health and operations.
op("GET", "/healthz", "operations", "Liveness: the process is up", reply=obj({"status": {"const": "ok"}}),
   auth=False)
op("GET", "/readyz", "operations", "Readiness: the database answers (503 otherwise)",
   reply=obj({"status": {"const": "ready"}}), auth=False)
op("GET", "/metrics", "operations",
   "Prometheus metrics (bearer token only with --metrics-token-file)",
   reply=text_reply("text/plain; version=0.0.4", "Prometheus text exposition format"),
   auth=False)
op("GET", "/api/v1/openapi.json", "operations", "This document", reply={"type": "object"},
   auth=False)

# Authentication.
op("POST", "/api/v1/admin/bootstrap", "auth", "Create the first org admin (only while no user exists)",
   "bootstrap", obj({"accessToken": string(), "expiresIn": integer(1),
                     "tokenType": {"const": "Bearer"}, "user": ref("User")}), auth=False)
op("POST", "/api/v1/auth/login", "auth",
   "Log in with email and password (a second step follows when the user has MFA)", "login",
   {"anyOf": [ref("Login"), ref("MfaChallenge")]}, auth=False)
op("POST", "/api/v1/auth/universal-auth/login", "auth",
   "Log in a machine identity with its client id and secret", "uaLogin", ref("Login"), auth=False)
op("POST", "/api/v1/auth/logout", "auth", "Revoke the presented token", "cancel", ref("Message"))
SESSION_REPLY = obj({"principal": ref("Principal"), "csrfToken": string(), "expiresIn": integer(1)})
op("POST", "/api/v1/auth/session", "auth",
   "Browser session: log in and set the session cookie (or the MFA challenge)", "session",
   {"anyOf": [SESSION_REPLY, ref("MfaChallenge")]}, auth=False)
op("POST", "/api/v1/auth/session/mfa", "auth",
   "Browser session: the second login step, then the session cookie", "mfaVerify", SESSION_REPLY,
   auth=False)
OIDC_PATH = "/api/v1/auth/oidc-auth/identities/{id}"
op("POST", OIDC_PATH, "auth", "Attach OIDC auth to a machine identity (org admin)", "oidcAuth",
   ref("IdentityOidcAuth"))
op("GET", OIDC_PATH, "auth", "A machine identity's OIDC auth", reply=ref("IdentityOidcAuth"))
op("PATCH", OIDC_PATH, "auth", "Change a machine identity's OIDC auth", "oidcAuth",
   ref("IdentityOidcAuth"))
op("DELETE", OIDC_PATH, "auth", "Remove OIDC auth (ends the identity's OIDC sessions)", "cancel",
   ref("IdentityOidcAuth"))
op("POST", "/api/v1/auth/oidc-auth/login", "auth", "Log in as a machine identity with an OIDC token",
   "oidcLogin", ref("OidcLogin"), auth=False)
op("POST", "/api/v1/auth/mfa/verify", "auth", "The second login step: mfaToken and a code",
   "mfaVerify", ref("Login"), auth=False)
op("GET", "/api/v1/auth/mfa", "auth", "The caller's second factor and the org requirement",
   reply=ref("MfaStatus"))
op("POST", "/api/v1/auth/mfa/totp/enroll", "auth", "Start enrolling a TOTP authenticator", "cancel",
   obj({"secret": string(minLength=1), "otpauthUri": string(minLength=1)}))
op("POST", "/api/v1/auth/mfa/totp/confirm", "auth",
   "Confirm the authenticator with a code; returns recovery codes", "mfaConfirm",
   ref("RecoveryCodes"))
op("POST", "/api/v1/auth/mfa/totp/disable", "auth", "Remove one's authenticator (with a code)",
   "mfaProof", ref("Message"))
op("POST", "/api/v1/auth/mfa/recovery-codes", "auth", "New recovery codes (with a code)",
   "mfaProof", ref("RecoveryCodes"))
op("GET", "/api/v1/admin/mfa-policy", "auth", "Who must use MFA (org admin)", reply=ref("MfaPolicy"))
op("PUT", "/api/v1/admin/mfa-policy", "auth", "Set who must use MFA (org admin)", "mfaPolicy",
   ref("MfaPolicy"))
op("GET", "/api/v1/auth/session", "auth", "Who is calling (and the CSRF token of a cookie session)",
   reply=obj({"principal": ref("Principal"), "csrfToken": nullable(string())}))
op("DELETE", "/api/v1/auth/session", "auth", "End the browser session and clear the cookie",
   "cancel", ref("Message"))

# Users and identities.
op("POST", "/api/v1/users", "users", "Create a user (org admin)", "createUser", ref("User"))
op("GET", "/api/v1/users", "users", "List users (org admin)", reply=list_of("users", ref("User")),
   query=PAGING)
op("GET", "/api/v1/users/{id}", "users", "Get a user (yourself, or anyone as org admin)",
   reply=ref("User"))
op("PATCH", "/api/v1/users/{id}", "users", "Change a user's password or org role", "updateUser",
   ref("User"))
op("DELETE", "/api/v1/users/{id}", "users", "Delete a user (org admin)", "cancel", ref("User"))
op("DELETE", "/api/v1/users/{id}/mfa", "users", "Remove a user's authenticator (org admin)", "cancel",
   ref("Message"))
op("POST", "/api/v1/identities", "users", "Create a machine identity (org admin)",
   "createIdentity", ref("Identity"))
op("GET", "/api/v1/identities", "users", "List machine identities (org admin)",
   reply=list_of("identities", ref("Identity")), query=PAGING)
op("DELETE", "/api/v1/identities/{id}", "users", "Delete a machine identity", "cancel",
   ref("Identity"))
op("POST", "/api/v1/identities/{id}/universal-auth/client-secrets", "users",
   "Create a client secret (shown only in this reply)", "createSecret", ref("ClientSecret"))
op("GET", "/api/v1/identities/{id}/universal-auth/client-secrets", "users",
   "List an identity's client secrets (org admin; never the secrets)",
   reply=list_of("clientSecrets", ref("ClientSecretInfo")))
op("POST", "/api/v1/identities/{id}/universal-auth/client-secrets/{secretId}/revoke", "users",
   "Revoke a client secret: logins with it are refused (org admin)", "cancel",
   ref("ClientSecretInfo"))

# Projects.
op("POST", "/api/v1/projects", "projects", "Create a project (org admin)", "createProject",
   ref("Project"))
op("GET", "/api/v1/projects", "projects", "List the projects you belong to",
   reply=list_of("projects", ref("Project")), query=PAGING)
op("GET", "/api/v1/projects/{id}", "projects", "Get a project (by id or slug)",
   reply=ref("Project"))
op("PATCH", "/api/v1/projects/{id}", "projects",
   "Change a project's description or compliance profile (project admin)", "updateProject",
   ref("Project"))
op("POST", "/api/v1/projects/{id}/memberships", "projects", "Add a project member", "member",
   ref("Membership"))
op("GET", "/api/v1/projects/{id}/memberships", "projects", "List a project's members",
   reply=list_of("memberships", ref("Membership")), query=PAGING)
op("GET", "/api/v1/projects/{id}/memberships/{membershipId}", "projects", "Get a membership",
   reply=ref("Membership"))
op("PATCH", "/api/v1/projects/{id}/memberships/{membershipId}", "projects",
   "Change a member's project role (project admin)", "memberRole", ref("Membership"))
op("DELETE", "/api/v1/projects/{id}/memberships/{membershipId}", "projects",
   "Remove a project member", "cancel", ref("Membership"))

# PKI.
PROJECT_QUERY = ("projectId", string(64), "project id or slug; default: `default`")
op("POST", "/api/v1/pki/tsa", "timestamping", "Create a time-stamp authority (key and certificate made now)",
   "createTsa", ref("Tsa"))
op("POST", "/api/v1/pki/tsa/import", "timestamping",
   "Create a time-stamp authority from an imported certificate (critical timeStamping EKU) "
   "and key", "importTsa", ref("Tsa"))
op("GET", "/api/v1/pki/tsa", "timestamping", "List time-stamp authorities",
   reply=list_of("tsas", ref("Tsa")),
   query=[PROJECT_QUERY] + PAGING)
op("GET", "/api/v1/pki/tsa/{id}", "timestamping", "One time-stamp authority", reply=ref("Tsa"))
op("PATCH", "/api/v1/pki/tsa/{id}", "timestamping", "Change a time-stamp authority", "updateTsa",
   ref("Tsa"))
op("DELETE", "/api/v1/pki/tsa/{id}", "timestamping", "Delete a time-stamp authority", "cancel",
   ref("Tsa"))
op("GET", "/api/v1/pki/tsa/{id}/certificate", "timestamping",
   "The TSA's certificate and chain (PEM)", reply=ref("TsaCertificate"))
TIMESTAMP_QUERY = {"content_type": "application/timestamp-query",
                   "description": "an RFC 3161 TimeStampReq (DER)"}
TIMESTAMP_REPLY = text_reply("application/timestamp-reply",
                             "an RFC 3161 TimeStampResp (DER): granted, or a refusal with its "
                             "PKIFailureInfo")
op("POST", "/api/v1/pki/tsa/{id}/timestamp", "timestamping", "RFC 3161: timestamp a digest",
   TIMESTAMP_QUERY, TIMESTAMP_REPLY)
op("POST", "/tsa", "timestamping", "RFC 3161 at the default project's default TSA",
   TIMESTAMP_QUERY, TIMESTAMP_REPLY)
op("POST", "/api/v1/pki/ca", "pki", "Create a root or intermediate CA", "createCa", ref("Ca"))
op("GET", "/api/v1/pki/ca", "pki", "List CAs", reply=list_of("cas", ref("Ca")),
   query=[PROJECT_QUERY] + PAGING)
op("GET", "/api/v1/pki/ca/{id}", "pki", "Get a CA", reply=ref("Ca"))
op("GET", "/api/v1/pki/ca/{id}/certificate", "pki", "A CA's certificate and chain (PEM)",
   reply=ref("PemBundle"))
op("POST", "/api/v1/pki/certificates/issue", "pki",
   "Issue a certificate (and its key) from an internal CA", "issue", ref("IssuedCertificate"))
op("POST", "/api/v1/pki/certificates/import", "pki",
   "Import a certificate with its key (PEM or PKCS#12)", "import",
   ref("ImportedCertificate"))
op("POST", "/api/v1/pki/certificates/csr", "pki",
   "Generate a key on the server and return its CSR", "csr", ref("Csr"))
op("POST", "/api/v1/pki/certificates/{id}/import-certificate", "pki",
   "Import the certificate an external CA issued for a CSR", "importIssued", ref("Certificate"))
op("GET", "/api/v1/pki/certificates", "pki", "List certificates",
   reply=list_of("certificates", ref("Certificate")),
   query=[PROJECT_QUERY, ("extendedKeyUsage", string(), "e.g. codeSigning")] + PAGING)
op("GET", "/api/v1/pki/certificates/{id}", "pki", "Get a certificate", reply=ref("Certificate"))
op("GET", "/api/v1/pki/certificates/{id}/certificate", "pki",
   "A certificate and its chain (PEM)", reply=ref("PemBundle"))
op("POST", "/api/v1/pki/certificates/{id}/revoke", "pki", "Revoke a certificate", "cancel",
   ref("Certificate"))

# Signers, under both bases.
REQUEST_STATUS = string(enum=["pending", "approved", "rejected", "cancelled", "expired"])
for base, tag in (("/api/v1/pki/signers", "signers"),
                  ("/api/v1/cert-manager/signers", "signers (Infisical paths)")):
    op("POST", base, tag, "Create a signer", "createSigner", ref("Signer"))
    op("GET", base, tag, "List the signers you may read", reply=list_of("signers", ref("Signer")),
       query=[PROJECT_QUERY, ("search", string(), "part of the name")] + PAGING)
    op("GET", base + "/{id}", tag, "Get a signer", reply=ref("Signer"))
    op("PATCH", base + "/{id}", tag, "Change a signer", "updateSigner", ref("Signer"))
    op("DELETE", base + "/{id}", tag, "Delete a signer", "cancel", ref("Signer"))
    op("POST", base + "/{id}/sign", tag, "Sign data or a digest (SPEC §4)", "sign",
       ref("SignResult"))
    op("POST", base + "/{id}/sign-batch", tag,
       "Sign many digests or data items with one decision (docs/batch-signing.md)", "signBatch",
       ref("SignBatchResult"))
    op("GET", base + "/{id}/public-key", tag, "The signer's public key", reply=ref("PublicKey"))
    op("GET", base + "/{id}/key-evidence", tag,
       "Key evidence: the module and the key's attributes read back from it, and its creation",
       reply=ref("KeyEvidence"))
    op("GET", base + "/{id}/certificate", tag, "The signer's certificate and chain",
       reply=ref("SignerCertificate"))
    op("GET", base + "/{id}/operations", tag, "Sign attempts, newest first",
       reply=list_of("operations", ref("Operation")),
       query=[("status", string(enum=["success", "failed", "denied"]), None)] + PAGING)
    op("POST", base + "/{id}/members", tag, "Add a signer member", "member", ref("SignerMember"))
    op("GET", base + "/{id}/members", tag, "List a signer's members",
       reply=list_of("members", ref("SignerMember")), query=PAGING)
    op("PATCH", base + "/{id}/members/{memberId}", tag, "Change a member's role", "role",
       ref("SignerMember"))
    op("DELETE", base + "/{id}/members/{memberId}", tag, "Remove a signer member", "cancel",
       ref("SignerMember"))
    op("POST", base + "/{id}/requests", tag, "Request access to sign", "request",
       ref("SigningRequest"))
    op("POST", base + "/{id}/requests/pre-approve", tag,
       "Hand out a grant directly (signer admin)", "preApprove",
       obj({"request": ref("SigningRequest"), "grant": ref("Grant")}))
    op("PATCH", base + "/{id}/status", tag, "Enable or disable a signer", "status", ref("Signer"))
    op("POST", base + "/{id}/enable", tag, "Enable a signer", "cancel", ref("Signer"))
    op("POST", base + "/{id}/disable", tag, "Disable a signer", "cancel", ref("Signer"))
    op("GET", base + "/{id}/approval-policy", tag, "The signer's approval policy",
       reply=ref("SignerApprovalPolicy"))
    op("PUT", base + "/{id}/approval-policy", tag,
       "Replace the signer's approval policy (project admin)", "signerPolicy",
       ref("SignerApprovalPolicy"))
    op("GET", base + "/{id}/requests", tag, "The signer's signing requests",
       reply=list_of("requests", ref("SigningRequest")),
       query=[("statuses", string(), "comma-separated statuses; revoked = cancelled")] + PAGING)
    op("POST", base + "/{id}/requests/{requestId}/revoke", tag,
       "Cancel a request or revoke its grant", "revokeGrant", ref("SigningRequest"))
    op("GET", base + "/{id}/users", tag, "The signer's user members",
       reply=obj({"memberships": array(ref("InfisicalSignerMember"))}))
    op("POST", base + "/{id}/users", tag, "Add users by id or email", "addUsers",
       obj({"memberships": array(ref("InfisicalSignerMember")), "skipped": array(string()),
            "unresolved": array(string())}))
    op("POST", base + "/{id}/identities", tag, "Add a machine identity", "addIdentity",
       ref("InfisicalSignerMember"))
    op("GET", base + "/{id}/identities", tag, "The signer's machine-identity members",
       reply=obj({"memberships": array(ref("InfisicalSignerMember"))}))
    for segment, param in (("users", "userId"), ("identities", "identityId")):
        op("PATCH", base + "/{id}/%s/{%s}" % (segment, param), tag,
           "Change the role of a member", "role",
           obj({"membership": ref("InfisicalSignerMember")}))
        op("DELETE", base + "/{id}/%s/{%s}" % (segment, param), tag, "Remove a member",
           "cancel", obj({"membershipId": UUID, "signerId": UUID}))
    op("GET", base + "/{id}/effective-users", tag, "Users with a role on the signer",
       reply=ref("EffectiveMembers"))
    op("GET", base + "/{id}/effective-identities", tag,
       "Machine identities with a role on the signer", reply=ref("EffectiveMembers"))
    op("POST", base + "/{id}/issuance/check", tag, "The signer as it stands (no issuance pending)",
       "cancel", ref("Signer"))
    op("GET", base + "/{id}/permissions", tag, "The caller's permissions on the signer",
       reply=ref("Permissions"))
    op("GET", base + "/{id}/my-permissions", tag, "The caller's permissions as flags",
       reply=ref("MyPermissions"))
    op("POST", base + "/{id}/certificate/reissue", tag,
       "Issue the signer a new certificate and key", "reissue", ref("Signer"))

# Policies, requests, grants.
POL = "/api/v1/pki/signing-policies"
op("POST", POL, "policies", "Create a signing policy (project admin)", "createPolicy",
   ref("SigningPolicy"))
op("GET", POL, "policies", "List signing policies",
   reply=list_of("policies", ref("SigningPolicy")), query=[PROJECT_QUERY] + PAGING)
op("GET", POL + "/{id}", "policies", "Get a signing policy", reply=ref("SigningPolicy"))
op("PATCH", POL + "/{id}", "policies", "Change a signing policy (new requests only)",
   "updatePolicy", ref("SigningPolicy"))
op("DELETE", POL + "/{id}", "policies", "Delete a signing policy no signer uses", "cancel",
   ref("SigningPolicy"))
REQ = "/api/v1/pki/signing-requests"
op("GET", REQ, "policies", "List the signing requests you may see",
   reply=list_of("requests", ref("SigningRequest")),
   query=[("status", REQUEST_STATUS, None), ("signerId", UUID, None)] + PAGING)
op("GET", REQ + "/{id}", "policies", "Get a signing request (waitSeconds: long poll)",
   reply=ref("SigningRequest"),
   query=[("waitSeconds", integer(0, 60),
           "answer when the request changes, or after this many seconds")])
op("POST", REQ + "/{id}/approve", "policies", "Approve the current step", "comment",
   ref("SigningRequest"))
op("POST", REQ + "/{id}/reject", "policies", "Reject the request", "comment",
   ref("SigningRequest"))
op("POST", REQ + "/{id}/cancel", "policies", "Cancel the request", "cancel",
   ref("SigningRequest"))
GR = "/api/v1/pki/signing-grants"
op("GET", GR, "policies", "List grants (yours, and those of signers you administer)",
   reply=list_of("grants", ref("Grant")),
   query=[("status", string(enum=["active", "expired", "revoked"]), None),
          ("signerId", UUID, None)] + PAGING)
op("GET", GR + "/{id}", "policies", "Get a grant", reply=ref("Grant"))
op("POST", GR + "/{id}/revoke", "policies", "Revoke a grant (signer admin)", "revokeGrant",
   ref("Grant"))

# Notifications (docs/notifications.md).
NH = "/api/v1/notifications/webhooks"
op("POST", NH, "notifications", "Create a webhook (project admin)", "createWebhook", ref("Webhook"))
op("GET", NH, "notifications", "List a project's webhooks",
   reply=list_of("webhooks", ref("Webhook")), query=[PROJECT_QUERY] + PAGING)
op("GET", NH + "/{id}", "notifications", "Get a webhook", reply=ref("Webhook"))
op("PATCH", NH + "/{id}", "notifications", "Change a webhook", "updateWebhook", ref("Webhook"))
op("DELETE", NH + "/{id}", "notifications", "Delete a webhook", "cancel", ref("Webhook"))
op("GET", NH + "/{id}/deliveries", "notifications", "The webhook's delivery log, newest first",
   reply=list_of("deliveries", ref("Delivery")), query=PAGING)
op("POST", NH + "/{id}/test", "notifications", "Send a webhook.test event now", "cancel",
   ref("Delivery"))
SMTP = "/api/v1/notifications/smtp"
op("PUT", SMTP, "notifications", "Set the e-mail server (org admin)", "putSmtp", ref("Smtp"))
op("GET", SMTP, "notifications", "The e-mail settings (never the password)", reply=ref("Smtp"))
op("DELETE", SMTP, "notifications", "Turn e-mail off", "cancel", ref("Smtp"))

# Infisical's approval routes.
AP = "/api/v1/approval-policies/cert-code-signing"
SCOPE_QUERY = [("scope", string(enum=["project"]), None), ("id", UUID, "project id")]
T = "approvals (Infisical paths)"
op("POST", AP, T, "Create a policy", "approvalPolicy", obj({"policy": ref("ApprovalPolicy")}))
op("GET", AP, T, "List policies", reply=list_of("policies", ref("ApprovalPolicy")),
   query=SCOPE_QUERY)
op("GET", AP + "/{policyId}", T, "Get a policy", reply=obj({"policy": ref("ApprovalPolicy")}))
op("PATCH", AP + "/{policyId}", T, "Change a policy", "approvalPolicy",
   obj({"policy": ref("ApprovalPolicy")}))
op("DELETE", AP + "/{policyId}", T, "Delete a policy", "cancel", obj({"policyId": UUID}))
op("GET", AP + "/requests", T, "List requests", reply=list_of("requests", ref("SigningRequest")),
   query=SCOPE_QUERY)
op("POST", AP + "/requests", T, "Request access to a signer", "approvalRequest",
   obj({"request": ref("SigningRequest")}))
op("GET", AP + "/requests/{requestId}", T, "Get a request",
   reply=obj({"request": ref("SigningRequest")}))
for action, key in (("approve", "approve"), ("reject", "approve"), ("cancel", "cancel")):
    op("POST", AP + "/requests/{requestId}/" + action, T, action.capitalize() + " a request",
       key, obj({"request": ref("SigningRequest")}))
op("GET", AP + "/grants", T, "List grants", reply=list_of("grants", ref("Grant")),
   query=SCOPE_QUERY)
op("GET", AP + "/grants/{grantId}", T, "Get a grant", reply=obj({"grant": ref("Grant")}))
op("POST", AP + "/grants/{grantId}/revoke", T, "Revoke a grant", "revokeApprovalGrant",
   obj({"grant": ref("Grant")}))
op("POST", AP + "/check-policy-match", T, "Does signing with this signer need approval?",
   "policyMatch", obj({"requiresApproval": BOOL, "hasActiveGrant": BOOL}))

# Audit.
op("GET", "/api/v1/audit-logs", "audit", "List audit events",
   reply=list_of("auditLogs", ref("AuditEvent")),
   query=[("eventType", string(), None), ("actorId", string(), None),
          ("since", TIME, None), ("until", TIME, None)] + PAGING)
op("GET", "/api/v1/audit-logs/verify", "audit", "Verify every node's hash chain (org admin)",
   reply=ref("VerifyReport"))
op("POST", "/api/v1/audit-logs/verify", "audit",
   "Verify the chains and that they extend a saved checkpoint (org admin)", "verifyCheckpoint",
   ref("VerifyReport"))
op("GET", "/api/v1/audit-logs/checkpoint", "audit", "A signed checkpoint of the chain heads",
   reply=ref("Checkpoint"))
op("GET", "/api/v1/audit-logs/public-key", "audit", "The checkpoint signing key (public)",
   reply=ref("AuditPublicKey"), auth=False)


# ---- document ------------------------------------------------------------------------------------

ERRORS = {
    "400": "Bad input (the message names the field)",
    "401": "No, expired or revoked token",
    "403": "Permission denied, or ApprovalRequired for a sign call under a policy",
    "404": "No such object, or one the caller may not see",
    "409": "Conflict with the current state",
    "413": "Request headers or body too large",
    "429": "Too many requests or failed logins (Retry-After)",
}


def operation_id(method, path):
    words = [w for w in re.split(r"[/{}\-.]+", path) if w and w not in ("api", "v1")]
    return method.lower() + "".join(w[:1].upper() + w[1:] for w in words)


def build():
    paths = {}
    seen_ids = set()
    for o in OPERATIONS:
        item = paths.setdefault(o["path"], {})
        params = []
        for name in re.findall(r"{([^}]+)}", o["path"]):
            params.append({"name": name, "in": "path", "required": True, "schema": UUID if
                           name != "id" or not o["path"].startswith("/api/v1/projects/")
                           else string(64, description="project id or slug")})
        for name, schema, description in o["query"]:
            p = {"name": name, "in": "query", "required": False, "schema": schema}
            if description:
                p["description"] = description
            params.append(p)
        oid = operation_id(o["method"], o["path"])
        assert oid not in seen_ids, oid
        seen_ids.add(oid)
        operation = {"tags": [o["tag"]], "summary": o["summary"], "operationId": oid}
        if params:
            operation["parameters"] = params
        if isinstance(o["request"], dict):  # a non-JSON body, e.g. a timestamp query
            operation["requestBody"] = {
                "required": True, "description": o["request"]["description"],
                "content": {o["request"]["content_type"]: {"schema": {"type": "string",
                                                                      "contentEncoding": "binary"}}}}
        elif o["request"]:
            schema = EMPTY if o["request"] == "cancel" else BODIES[o["request"]]
            operation["requestBody"] = {
                "required": o["request"] != "cancel",
                "content": {"application/json": {"schema": schema}}}
        reply = o["reply"]
        if isinstance(reply, dict) and "content_type" in reply:
            ok = {"description": reply["description"],
                  "content": {reply["content_type"]: {"schema": {"type": "string"}}}}
        else:
            ok = {"description": "OK", "content": {"application/json": {"schema": reply}}}
        responses = {"200": ok}
        codes = ["400", "413", "429"] if o["request"] else ["400", "429"]
        if o["auth"]:
            codes += ["401", "403", "404"]
        if o["request"] and o["method"] in ("POST", "PATCH", "PUT", "DELETE"):
            codes.append("409")
        for code in sorted(set(codes)):
            responses[code] = {"$ref": "#/components/responses/E" + code}
        responses["default"] = {"$ref": "#/components/responses/Error"}
        operation["responses"] = responses
        if o["auth"]:
            operation["security"] = [{"bearer": []}, {"session": []}]
        elif o["path"] == "/metrics":
            operation["security"] = [{}, {"metricsToken": []}]
        else:
            operation["security"] = []
        item[o["method"].lower()] = operation
    error_content = {"application/json": {"schema": ref("Error")}}
    responses = {"E" + c: {"description": d, "content": error_content} for c, d in ERRORS.items()}
    responses["Error"] = {"description": "Any other error (405, 500, 503, …)",
                          "content": error_content}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Signet",
            "version": version(),
            "summary": "Remote code signing: keys stay on the server",
            "description": (
                "The HTTP API of signetd. It follows Infisical's Code Signing API (paths, field "
                "names, algorithm names, error names). Bodies are strict: an unknown field is a "
                "400 naming it. Lists take offset and limit (1-100, default 20) and answer "
                "{\"<items>\": [...], \"totalCount\": N}. Every reply carries X-Request-Id. The "
                "web console is served at / and is not part of this document."),
        },
        "servers": [{"url": "/"}],
        "tags": [{"name": t} for t in dict.fromkeys(o["tag"] for o in OPERATIONS)],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "responses": responses,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "an access token from a login"},
                "session": {"type": "apiKey", "in": "cookie", "name": "signet_session",
                            "description": "the console's session cookie; calls that change "
                                           "state also need X-CSRF-Token"},
                "metricsToken": {"type": "http", "scheme": "bearer",
                                 "description": "the token of --metrics-token-file"},
            },
        },
    }


def render():
    return json.dumps(build(), indent=1, sort_keys=False) + "\n"


def main():
    text = render()
    if "--check" in sys.argv[1:]:
        with open(OUT) as f:
            if f.read() != text:
                sys.stderr.write("docs/openapi.json is not what scripts/openapi.py writes; run "
                                 "python3 scripts/openapi.py\n")
                return 1
        print("docs/openapi.json is up to date (%d paths)" % len(build()["paths"]))
        return 0
    with open(OUT, "w") as f:
        f.write(text)
    print("wrote %s (%d paths, %d operations)" % (OUT, len(build()["paths"]), len(OPERATIONS)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
