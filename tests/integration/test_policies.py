#!/usr/bin/env python3
"""Signing policies, approval requests and grants over HTTP (SPEC §3, §5).

One server is shared by the module: an org admin, a CA, several real users (all members of
the default project) and a machine identity. Each test makes its own policy and signer so
the order of tests does not matter. The expiry of a pending request after its policy's
maxRequestTtl is tested with a fake clock in tests/unit/service/approval_expiry_test.cc.

Every signature is verified with the `openssl` command.
"""

import os
import sys
import threading
import time
import unittest
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from signet_testlib import (  # noqa: E402
    start_module_server,
    SignetServer, SignetTestCase, add_project_member, bootstrap_admin, create_ca,
    create_identity, create_user, default_project_id, issue_certificate, list_all,
    openssl_verify, sha256_hex, sign, signer_public_key_pem, unique, unb64)

SIGNERS = "/api/v1/pki/signers"
POLICIES = "/api/v1/pki/signing-policies"
REQUESTS = "/api/v1/pki/signing-requests"
GRANTS = "/api/v1/pki/signing-grants"
ALG = "ECDSA_SHA256"
APPROVAL_REQUIRED = {"error": "ApprovalRequired",
                     "message": "Signing requires approval. Get approval before signing."}


class Fixture:
    server = None
    api = None
    admin = None
    admin_token = None
    project_id = None
    ca = None
    users = {}       # name -> (user, token)
    machine = None   # (identity, token)


F = Fixture


def setUpModule():
    def set_up():
        F.project_id = default_project_id(F.api, F.admin_token)
        F.ca = create_ca(F.api, F.admin_token, "EC_prime256v1", "Signet policy IT root")
        for name in ("requester", "lead1", "lead2", "security", "operator2", "auditor",
                     "signeradmin", "outsider"):
            user, token = create_user(F.api, F.admin_token)
            if name != "outsider":
                add_project_member(F.api, F.admin_token, F.project_id, user_id=user["id"])
            F.users[name] = (user, token)
        identity, _, _, token = create_identity(F.api, F.admin_token)
        F.machine = (identity, token)

    start_module_server(F, set_up)


def tearDownModule():
    if F.server is not None:
        F.server.cleanup()


def uid(name):
    return F.users[name][0]["id"]


def tok(name):
    return F.users[name][1]


def admin():
    return F.api


def as_(token):
    return F.api.with_token(token)


def policy_body(steps, max_signings=None, max_window=None, ttl=None, bypass=None, name=None):
    """steps: [(requiredApprovals, [user names])]."""
    body = {"name": name or unique("policy"),
            "steps": [{"name": "step%d" % (i + 1), "requiredApprovals": n,
                       "approvers": [{"type": "user", "id": uid(u)} for u in names]}
                      for i, (n, names) in enumerate(steps)],
            "constraints": {}}
    if max_signings is not None:
        body["constraints"]["maxSignings"] = max_signings
    if max_window is not None:
        body["constraints"]["maxWindowDuration"] = max_window
    if ttl is not None:
        body["maxRequestTtl"] = ttl
    if bypass is not None:
        body["bypassForMachineIdentities"] = bypass
    return body


def create_policy(**kw):
    return admin().ok("POST", POLICIES, policy_body(**kw))


def signer_with_policy(policy_id, operators=("requester",), machine=False):
    """A fresh EC P-256 signer using the policy, with operators (users, and the identity)."""
    cert = issue_certificate(F.api, F.admin_token, F.ca["id"], "EC_prime256v1")
    body = {"name": unique("ps"), "certificateId": cert["certificateId"]}
    if policy_id:
        body["signingPolicyId"] = policy_id
    signer = admin().ok("POST", SIGNERS, body)
    for name in operators:
        admin().ok("POST", "%s/%s/members" % (SIGNERS, signer["id"]),
                   {"userId": uid(name), "role": "operator"})
    if machine:
        admin().ok("POST", "%s/%s/members" % (SIGNERS, signer["id"]),
                   {"identityId": F.machine[0]["id"], "role": "operator"})
    return signer


def add_member(signer_id, role, name=None, identity_id=None):
    body = {"role": role}
    if name:
        body["userId"] = uid(name)
    if identity_id:
        body["identityId"] = identity_id
    return admin().ok("POST", "%s/%s/members" % (SIGNERS, signer_id), body)


def request_access(signer_id, token, **fields):
    body = {"justification": "release build"}
    body.update(fields)
    return as_(token).call("POST", "%s/%s/requests" % (SIGNERS, signer_id), body)


def act(request_id, action, token, body=None):
    return as_(token).call("POST", "%s/%s/%s" % (REQUESTS, request_id, action), body or {})


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def operations(signer_id, status=None):
    query = {"status": status} if status else None
    items, _ = list_all(admin(), F.admin_token, "%s/%s/operations" % (SIGNERS, signer_id),
                        "operations", query)
    return items


def audit_events(**query):
    items, _ = list_all(admin(), F.admin_token, "/api/v1/audit-logs", "auditLogs", query)
    return items


class PolicyTestCase(SignetTestCase):
    pubkeys = {}

    def pub(self, signer_id):
        if signer_id not in self.pubkeys:
            self.pubkeys[signer_id] = signer_public_key_pem(F.api, F.admin_token, signer_id)
        return self.pubkeys[signer_id]

    def sign_ok(self, signer_id, token, data=None, client_metadata=None):
        data = data or os.urandom(48)
        resp = self.assertOk(sign(F.api, token, signer_id, data, ALG,
                                  client_metadata=client_metadata))
        ok, out = openssl_verify(data, unb64(resp["signature"]), ALG,
                                 public_key_pem=self.pub(signer_id))
        self.assertTrue(ok, "openssl rejects the signature: " + out)
        return resp

    def assertApprovalRequired(self, response):
        status, body = response
        self.assertEqual(status, 403, body)
        self.assertEqual(set(body), {"statusCode", "error", "message", "reqId"}, body)
        self.assertEqual(body["statusCode"], 403)
        self.assertEqual(body["error"], APPROVAL_REQUIRED["error"])
        self.assertEqual(body["message"], APPROVAL_REQUIRED["message"])
        self.assertTrue(body["reqId"])

    def approved_grant(self, signer_id, requester="requester", approver="lead1", **fields):
        """Request + approval on a one-step, one-approval policy; returns the grant."""
        req = self.assertOk(request_access(signer_id, tok(requester), **fields))
        done = self.assertOk(act(req["id"], "approve", tok(approver)))
        self.assertEqual(done["status"], "approved", done)
        return self.assertOk(as_(tok(requester)).call("GET", "%s/%s" % (GRANTS, done["grantId"])))


# ---------------------------------------------------------------------------------------


class FlowTest(PolicyTestCase):
    def test_whole_flow_two_approvers_then_exact_signings(self):
        policy = create_policy(steps=[(2, ["requester", "lead1", "lead2"]), (1, ["security"])],
                               max_signings=3, max_window="8h")
        signer = signer_with_policy(policy["id"], operators=("requester", "lead1", "operator2"))
        sid = signer["id"]

        # Approval required before any grant.
        self.assertApprovalRequired(sign(F.api, tok("requester"), sid, b"early", ALG))

        req = self.assertOk(request_access(sid, tok("requester"), requestedSignings=3,
                                           requestedWindowDuration="1h"))
        rid = req["id"]
        self.assertEqual(req["status"], "pending")
        self.assertEqual(req["currentStep"], 0)
        self.assertEqual(req["requestedSignings"], 3)
        self.assertEqual(req["requestedWindowDuration"], "1h")
        self.assertEqual(req["requesterId"], uid("requester"))
        self.assertEqual(req["requesterType"], "user")
        self.assertEqual(req["signingPolicyId"], policy["id"])
        self.assertEqual(req["approvals"], [])
        self.assertIsNone(req["grantId"])

        # The requester, although an approver of step 1, never approves their own request.
        self.assertError(act(rid, "approve", tok("requester")), 403,
                         message_contains="your own")
        # Step 2's approver cannot act before step 1 completes.
        self.assertError(act(rid, "approve", tok("security")), 403)
        # An operator of the signer who is no approver cannot act either.
        self.assertError(act(rid, "approve", tok("operator2")), 403)
        # Someone without any role on the signer does not even see it.
        self.assertError(act(rid, "approve", tok("outsider")), 404)

        first = self.assertOk(act(rid, "approve", tok("lead1"), {"comment": "ok by me"}))
        self.assertEqual(first["status"], "pending")
        self.assertEqual(first["currentStep"], 0)
        self.assertEqual(len(first["approvals"]), 1)
        self.assertEqual(first["approvals"][0]["approverUserId"], uid("lead1"))
        self.assertEqual(first["approvals"][0]["decision"], "approved")
        self.assertEqual(first["approvals"][0]["comment"], "ok by me")
        # Distinct approvers: the same approver twice does not complete the step.
        self.assertError(act(rid, "approve", tok("lead1")), 409)
        self.assertApprovalRequired(sign(F.api, tok("requester"), sid, b"still no", ALG))

        second = self.assertOk(act(rid, "approve", tok("lead2")))
        self.assertEqual(second["status"], "pending")
        self.assertEqual(second["currentStep"], 1)
        self.assertApprovalRequired(sign(F.api, tok("requester"), sid, b"not yet", ALG))

        last = self.assertOk(act(rid, "approve", tok("security")))
        self.assertEqual(last["status"], "approved")
        self.assertTrue(last["grantId"])
        self.assertEqual(len(last["approvals"]), 3)

        grant = self.assertOk(as_(tok("requester")).call("GET", "%s/%s" % (GRANTS, last["grantId"])))
        self.assertEqual(grant["status"], "active")
        self.assertEqual(grant["maxSignings"], 3)
        self.assertEqual(grant["usedSignings"], 0)
        self.assertEqual(grant["remainingSignings"], 3)
        self.assertEqual(grant["granteeId"], uid("requester"))
        self.assertEqual(grant["granteeType"], "user")
        self.assertEqual(grant["signerId"], sid)
        self.assertEqual(grant["requestId"], rid)
        self.assertTrue(grant["expiresAt"])

        # Exactly three signatures, each verified with openssl.
        for _ in range(3):
            self.sign_ok(sid, tok("requester"))
        # Another operator has no grant of their own.
        self.assertApprovalRequired(sign(F.api, tok("lead1"), sid, b"not mine", ALG))
        denied_data = b"one too many"
        self.assertApprovalRequired(sign(F.api, tok("requester"), sid, denied_data, ALG))

        grant = self.assertOk(as_(tok("requester")).call("GET", "%s/%s" % (GRANTS, grant["id"])))
        self.assertEqual(grant["usedSignings"], 3)
        self.assertEqual(grant["remainingSignings"], 0)
        self.assertEqual(grant["status"], "expired")

        # The operations: three successes on the grant, the refusals recorded as denied.
        ops = operations(sid)
        succeeded = [o for o in ops if o["status"] == "success"]
        self.assertEqual(len(succeeded), 3)
        self.assertTrue(all(o["grantId"] == grant["id"] for o in succeeded))
        denied = [o for o in ops if o["status"] == "denied" and o["actorId"] == uid("requester")]
        self.assertEqual(len(denied), 4)  # early, still no, not yet, one too many
        last_denied = [o for o in denied if o["dataHash"] == sha256_hex(denied_data)]
        self.assertEqual(len(last_denied), 1)
        self.assertIn("approval", last_denied[0]["errorMessage"].lower())

        # The audit log: request, approvals, grant, and the denied attempt.
        events = audit_events(actorId=uid("requester"))
        self.assertTrue(any(e["eventType"] == "signing-request.create"
                            and e["target"]["id"] == rid for e in events))
        denied_events = [e for e in events if e["eventType"] == "sign.denied"
                         and e["details"].get("dataHash") == sha256_hex(denied_data)]
        self.assertEqual(len(denied_events), 1)
        approvals = [e for e in audit_events(eventType="signing-request.approve")
                     if e["target"]["id"] == rid]
        self.assertEqual(sorted(e["actor"]["id"] for e in approvals),
                         sorted([uid("lead1"), uid("lead2"), uid("security")]))
        grants = [e for e in audit_events(eventType="grant.create")
                  if e["target"]["id"] == grant["id"]]
        self.assertEqual(len(grants), 1)
        self.assertEqual(grants[0]["actor"]["id"], uid("security"))
        # The last signing used the grant up: it was stored as expired, with its event, in
        # the transaction of that signing.
        expired = [e for e in audit_events(eventType="grant.expire")
                   if e["target"]["id"] == grant["id"]]
        self.assertEqual(len(expired), 1, expired)
        self.assertEqual(expired[0]["details"]["usedSignings"], 3)

    def test_rejection_ends_the_request(self):
        policy = create_policy(steps=[(2, ["lead1", "lead2", "security"])], max_signings=2)
        signer = signer_with_policy(policy["id"])
        req = self.assertOk(request_access(signer["id"], tok("requester")))
        self.assertOk(act(req["id"], "approve", tok("lead1")))
        rejected = self.assertOk(act(req["id"], "reject", tok("lead2"), {"comment": "no"}))
        self.assertEqual(rejected["status"], "rejected")
        self.assertIsNone(rejected["grantId"])
        self.assertEqual(rejected["approvals"][-1]["decision"], "rejected")
        # Nothing more can happen to it.
        self.assertError(act(req["id"], "approve", tok("security")), 409)
        self.assertError(act(req["id"], "cancel", tok("requester")), 409)
        self.assertApprovalRequired(sign(F.api, tok("requester"), signer["id"], b"x", ALG))
        events = [e for e in audit_events(eventType="signing-request.reject")
                  if e["target"]["id"] == req["id"]]
        self.assertEqual(len(events), 1)
        self.assertEqual(events[0]["actor"]["id"], uid("lead2"))
        # The requester cannot reject their own request either.
        policy2 = create_policy(steps=[(1, ["requester", "lead1"])], max_signings=1)
        signer2 = signer_with_policy(policy2["id"])
        req2 = self.assertOk(request_access(signer2["id"], tok("requester")))
        self.assertError(act(req2["id"], "reject", tok("requester")), 403)

    def test_cancellation(self):
        policy = create_policy(steps=[(1, ["lead1"])], max_signings=2)
        signer = signer_with_policy(policy["id"], operators=("requester", "operator2"))
        req = self.assertOk(request_access(signer["id"], tok("requester")))
        # Another operator can see it but not cancel it; the approver cannot cancel it.
        self.assertError(act(req["id"], "cancel", tok("operator2")), 403)
        self.assertError(act(req["id"], "cancel", tok("lead1")), 403)
        cancelled = self.assertOk(act(req["id"], "cancel", tok("requester")))
        self.assertEqual(cancelled["status"], "cancelled")
        self.assertError(act(req["id"], "approve", tok("lead1")), 409)
        self.assertError(act(req["id"], "cancel", tok("requester")), 409)
        got = self.assertOk(as_(tok("requester")).call("GET", "%s/%s" % (REQUESTS, req["id"])))
        self.assertEqual(got["status"], "cancelled")
        self.assertTrue([e for e in audit_events(eventType="signing-request.cancel")
                         if e["target"]["id"] == req["id"]])
        # A signer admin may cancel someone's request.
        req2 = self.assertOk(request_access(signer["id"], tok("requester")))
        self.assertEqual(self.assertOk(act(req2["id"], "cancel", F.admin_token))["status"],
                         "cancelled")

    def test_grant_window_expiry(self):
        policy = create_policy(steps=[(1, ["lead1"])], max_window="1h")
        signer = signer_with_policy(policy["id"])
        end = datetime.now(timezone.utc) + timedelta(seconds=4)
        grant = self.approved_grant(signer["id"], requestedWindowEnd=iso(end))
        self.assertIsNone(grant["maxSignings"])
        self.sign_ok(signer["id"], tok("requester"))
        self.sign_ok(signer["id"], tok("requester"))
        time.sleep(max(0.0, (end - datetime.now(timezone.utc)).total_seconds()) + 0.5)
        self.assertApprovalRequired(sign(F.api, tok("requester"), signer["id"], b"late", ALG))
        grant = self.assertOk(as_(tok("requester")).call("GET", "%s/%s" % (GRANTS, grant["id"])))
        self.assertEqual(grant["status"], "expired")
        self.assertEqual(grant["usedSignings"], 2)
        self.assertEqual(self.assertList(as_(tok("requester")).call(
            "GET", GRANTS, query={"signerId": signer["id"], "status": "expired"}),
            "grants")["totalCount"], 1)
        self.assertEqual(self.assertList(as_(tok("requester")).call(
            "GET", GRANTS, query={"signerId": signer["id"], "status": "active"}),
            "grants")["totalCount"], 0)

    def test_revocation_is_effective_at_once(self):
        policy = create_policy(steps=[(1, ["lead1"])], max_signings=5)
        signer = signer_with_policy(policy["id"])
        add_member(signer["id"], "admin", "signeradmin")
        grant = self.approved_grant(signer["id"])
        self.sign_ok(signer["id"], tok("requester"))
        # The grantee cannot revoke; a stranger does not see it.
        self.assertError(as_(tok("requester")).call(
            "POST", "%s/%s/revoke" % (GRANTS, grant["id"]), {}), 403)
        self.assertError(as_(tok("outsider")).call(
            "POST", "%s/%s/revoke" % (GRANTS, grant["id"]), {}), 404)
        revoked = self.assertOk(as_(tok("signeradmin")).call(
            "POST", "%s/%s/revoke" % (GRANTS, grant["id"]), {"reason": "laptop stolen"}))
        self.assertEqual(revoked["status"], "revoked")
        self.assertEqual(revoked["revokedReason"], "laptop stolen")
        self.assertEqual(revoked["usedSignings"], 1)
        self.assertApprovalRequired(sign(F.api, tok("requester"), signer["id"], b"after", ALG))
        self.assertError(as_(tok("signeradmin")).call(
            "POST", "%s/%s/revoke" % (GRANTS, grant["id"]), {}), 409)
        events = [e for e in audit_events(eventType="grant.revoke")
                  if e["target"]["id"] == grant["id"]]
        self.assertEqual(len(events), 1)
        self.assertEqual(events[0]["details"]["reason"], "laptop stolen")
        self.assertEqual(events[0]["actor"]["id"], uid("signeradmin"))


class BypassTest(PolicyTestCase):
    def test_machine_identity_bypass_on_and_off(self):
        identity, mtoken = F.machine
        policy = create_policy(steps=[(1, ["lead1"])], max_signings=1, bypass=True)
        signer = signer_with_policy(policy["id"], machine=True)
        sid = signer["id"]
        # On: the identity signs at once, without a grant; users still need one.
        for _ in range(3):
            resp = self.sign_ok(sid, mtoken)
            self.assertEqual(resp["signerId"], sid)
        self.assertApprovalRequired(sign(F.api, tok("requester"), sid, b"user", ALG))
        ops = [o for o in operations(sid, "success") if o["actorId"] == identity["id"]]
        self.assertEqual(len(ops), 3)
        self.assertTrue(all(o["grantId"] is None for o in ops))
        self.assertTrue(all(o["actorType"] == "identity" for o in ops))

        # Off: the identity needs approval like anyone else; it may request it.
        self.assertOk(admin().call("PATCH", "%s/%s" % (POLICIES, policy["id"]),
                                   {"bypassForMachineIdentities": False}))
        self.assertApprovalRequired(sign(F.api, mtoken, sid, b"machine", ALG))
        req = self.assertOk(request_access(sid, mtoken, requestedSignings=1))
        self.assertEqual(req["requesterType"], "identity")
        # An identity never approves.
        self.assertError(act(req["id"], "approve", mtoken), 403)
        done = self.assertOk(act(req["id"], "approve", tok("lead1")))
        self.assertEqual(done["status"], "approved")
        self.sign_ok(sid, mtoken)
        self.assertApprovalRequired(sign(F.api, mtoken, sid, b"again", ALG))
        denied = [o for o in operations(sid, "denied") if o["actorId"] == identity["id"]]
        self.assertEqual(len(denied), 2)

    def test_signer_without_policy_signs_at_once_and_refuses_requests(self):
        signer = signer_with_policy(None)
        self.sign_ok(signer["id"], tok("requester"))
        self.assertError(request_access(signer["id"], tok("requester")), 400,
                         message_contains="no signing policy")


class ScopeTest(PolicyTestCase):
    def test_scope_match_and_mismatch(self):
        policy = create_policy(steps=[(1, ["lead1"])], max_signings=10)
        signer = signer_with_policy(policy["id"])
        sid = signer["id"]
        scope = {"hostname": "build-01", "signingApplication": "osslsigncode",
                 "ipAddress": "127.0.0.1"}
        grant = self.approved_grant(sid, scope=scope)
        self.assertEqual(grant["scope"], scope)
        good = {"hostname": "build-01", "tool": "osslsigncode"}
        self.sign_ok(sid, tok("requester"), client_metadata=good)
        # A different host, a missing tool: denied and recorded, the use not counted.
        for meta, field in (({"hostname": "build-02", "tool": "osslsigncode"}, "hostname"),
                            ({"hostname": "build-01"}, "signingApplication")):
            with self.subTest(field=field):
                self.assertError(sign(F.api, tok("requester"), sid, b"scoped", ALG,
                                      client_metadata=meta), 403, message_contains=field)
        denied = operations(sid, "denied")
        self.assertEqual(len(denied), 2)
        self.assertTrue(all("scope" in o["errorMessage"] for o in denied))
        grant = self.assertOk(as_(tok("requester")).call("GET", "%s/%s" % (GRANTS, grant["id"])))
        self.assertEqual(grant["usedSignings"], 1)

    def test_ip_address_matches_the_source_address(self):
        policy = create_policy(steps=[(1, ["lead1"])], max_signings=10)
        signer = signer_with_policy(policy["id"])
        # A reported address does not count: the server matches the source IP it saw.
        self.approved_grant(signer["id"], scope={"ipAddress": "10.1.2.3"})
        self.assertError(sign(F.api, tok("requester"), signer["id"], b"ip", ALG,
                              client_metadata={"reportedIp": "10.1.2.3"}), 403,
                         message_contains="ipAddress")
        self.assertEqual(operations(signer["id"], "denied")[0]["sourceIp"], "127.0.0.1")

    def test_data_hash_scope(self):
        policy = create_policy(steps=[(1, ["lead1"])], max_signings=10)
        signer = signer_with_policy(policy["id"])
        data = b"exactly this artifact"
        self.approved_grant(signer["id"], scope={"dataHash": sha256_hex(data).upper()})
        self.assertError(sign(F.api, tok("requester"), signer["id"], b"other", ALG), 403,
                         message_contains="dataHash")
        self.sign_ok(signer["id"], tok("requester"), data=data)
        self.assertError(request_access(signer["id"], tok("requester"),
                                        scope={"dataHash": "abc"}), 400,
                         message_contains="scope.dataHash")


class InfisicalScopeTest(PolicyTestCase):
    """Issue 13: scope values are normalized and matched as Infisical does."""

    def test_case_whitespace_and_the_signing_application_alias(self):
        policy = create_policy(steps=[(1, ["lead1"])], max_signings=10)
        signer = signer_with_policy(policy["id"])
        sid = signer["id"]
        scope = {"hostname": " Build-01.Example.com ", "command": "jarsigner  -keystore NONE  app.jar",
                 "signingApplication": "jarsigner", "osUsername": "   "}
        grant = self.approved_grant(sid, scope=scope)
        # Trimmed, blank fields dropped (they declare nothing).
        self.assertEqual(grant["scope"], {"hostname": "Build-01.Example.com",
                                          "command": "jarsigner  -keystore NONE  app.jar",
                                          "signingApplication": "jarsigner"})
        meta = {"hostname": "build-01.example.COM", "command": "jarsigner -keystore\tNONE app.jar",
                "signingApplication": "jarsigner"}
        self.sign_ok(sid, tok("requester"), client_metadata=meta)
        for field, value in (("command", "jarsigner app.jar -keystore NONE"),
                             ("signingApplication", "JARSIGNER")):
            with self.subTest(field=field):
                self.assertError(sign(F.api, tok("requester"), sid, b"scoped", ALG,
                                      client_metadata=dict(meta, **{field: value})),
                                 403, message_contains=field)

    def test_scope_values_are_checked(self):
        policy = create_policy(steps=[(1, ["lead1"])], max_signings=10)
        signer = signer_with_policy(policy["id"])
        for scope, field in (({"ipAddress": "300.1.2.3"}, "scope.ipAddress"),
                             ({"signingApplicationHash": "abc"}, "scope.signingApplicationHash"),
                             ({"hostname": "h" * 257}, "scope.hostname")):
            with self.subTest(field=field):
                self.assertError(request_access(signer["id"], tok("requester"), scope=scope),
                                 400, message_contains=field)

    def test_machine_identity_scope_is_bound_to_its_address_unless_null(self):
        identity, mtoken = F.machine
        policy = create_policy(steps=[(1, ["lead1"])], max_signings=10)
        signer = signer_with_policy(policy["id"], operators=(), machine=True)
        bound = self.assertOk(request_access(signer["id"], mtoken, requestedSignings=1,
                                             scope={"hostname": "ci-7"}))
        self.assertEqual(bound["scope"], {"hostname": "ci-7", "ipAddress": "127.0.0.1"})
        free = self.assertOk(request_access(signer["id"], mtoken, requestedSignings=1,
                                            scope={"hostname": "ci-7", "ipAddress": None}))
        self.assertEqual(free["scope"], {"hostname": "ci-7"})
        unscoped = self.assertOk(request_access(signer["id"], mtoken, requestedSignings=1))
        self.assertIsNone(unscoped["scope"])
        # A user's scope is not bound to an address.
        user_signer = signer_with_policy(policy["id"])
        mine = self.assertOk(request_access(user_signer["id"], tok("requester"),
                                            requestedSignings=1, scope={"hostname": "ci-7"}))
        self.assertEqual(mine["scope"], {"hostname": "ci-7"})
        for r in (bound, free, unscoped, mine):
            act(r["id"], "cancel", mtoken if r is not mine else tok("requester"))


class RequestValidationTest(PolicyTestCase):
    def test_defaults_are_the_policy_ceilings(self):
        policy = create_policy(steps=[(1, ["lead1"])], max_signings=7, max_window="8h")
        signer = signer_with_policy(policy["id"])
        req = self.assertOk(request_access(signer["id"], tok("requester")))
        self.assertEqual(req["requestedSignings"], 7)
        self.assertEqual(req["requestedWindowDuration"], "8h")
        self.assertEqual(req["policy"]["constraints"], {"maxWindowDuration": "8h",
                                                        "maxSignings": 7})
        expires = datetime.strptime(req["expiresAt"], "%Y-%m-%dT%H:%M:%S.%fZ")
        created = datetime.strptime(req["createdAt"], "%Y-%m-%dT%H:%M:%S.%fZ")
        self.assertEqual(expires - created, timedelta(days=7))  # default maxRequestTtl

    def test_over_limit_requests_name_the_limit(self):
        policy = create_policy(steps=[(1, ["lead1"])], max_signings=7, max_window="8h")
        sid = signer_with_policy(policy["id"])["id"]
        t = tok("requester")
        cases = [
            ({"requestedSignings": 8}, ["requestedSignings", "7"]),
            ({"requestedSignings": 0}, ["requestedSignings", "minimum is 1"]),
            ({"requestedSignings": "3"}, ["requestedSignings"]),
            ({"requestedWindowDuration": "9h"}, ["requestedWindowDuration", "8h"]),
            ({"requestedWindowDuration": "40d"}, ["requestedWindowDuration", "8h"]),
            ({"requestedWindowDuration": "30s"}, ["requestedWindowDuration", "1m"]),
            ({"requestedWindowDuration": "soon"}, ["requestedWindowDuration"]),
            ({"requestedWindowEnd": iso(datetime.now(timezone.utc) + timedelta(hours=9))},
             ["window", "8h"]),
            ({"requestedWindowEnd": iso(datetime.now(timezone.utc) - timedelta(hours=1))},
             ["past"]),
            ({"justification": ""}, ["justification"]),
            ({"justification": "x" * 1025}, ["justification", "1024"]),
            ({"scope": "everything"}, ["scope"]),
        ]
        for fields, parts in cases:
            with self.subTest(fields=fields):
                self.assertError(request_access(sid, t, **fields), 400, message_contains=parts)
        self.assertError(as_(t).call("POST", "%s/%s/requests" % (SIGNERS, sid), {}), 400,
                         message_contains="justification")
        self.assertError(as_(t).call("POST", "%s/%s/requests" % (SIGNERS, sid), raw="{"), 400)
        # At the limit is fine.
        req = self.assertOk(request_access(sid, t, requestedSignings=7,
                                           requestedWindowDuration="8h"))
        self.assertEqual(req["status"], "pending")

    def test_step_that_could_never_complete_is_refused(self):
        # lead1 is the only approver; lead1 cannot approve their own request.
        policy = create_policy(steps=[(1, ["lead1"])], max_signings=1)
        signer = signer_with_policy(policy["id"], operators=("lead1",))
        self.assertError(request_access(signer["id"], tok("lead1")), 400,
                         message_contains="other than you")

    def test_policy_edits_apply_to_new_requests_only(self):
        policy = create_policy(steps=[(1, ["lead1"])], max_signings=7)
        signer = signer_with_policy(policy["id"])
        old = self.assertOk(request_access(signer["id"], tok("requester")))
        self.assertEqual(old["requestedSignings"], 7)
        patched = self.assertOk(admin().call(
            "PATCH", "%s/%s" % (POLICIES, policy["id"]),
            {"constraints": {"maxSignings": 2},
             "steps": [{"requiredApprovals": 1,
                        "approvers": [{"type": "user", "id": uid("lead2")}]}]}))
        self.assertEqual(patched["constraints"]["maxSignings"], 2)
        # The old request keeps its snapshot: lead1 still approves it, for 7 signings.
        old_now = self.assertOk(as_(tok("requester")).call("GET", "%s/%s" % (REQUESTS, old["id"])))
        self.assertEqual(old_now["policy"]["constraints"]["maxSignings"], 7)
        self.assertError(act(old["id"], "approve", tok("lead2")), 404)
        done = self.assertOk(act(old["id"], "approve", tok("lead1")))
        grant = self.assertOk(as_(tok("requester")).call("GET", "%s/%s" % (GRANTS, done["grantId"])))
        self.assertEqual(grant["maxSignings"], 7)
        # New requests follow the edit.
        self.assertError(request_access(signer["id"], tok("requester"), requestedSignings=5), 400,
                         message_contains="at most 2")
        new = self.assertOk(request_access(signer["id"], tok("requester")))
        self.assertEqual(new["requestedSignings"], 2)
        self.assertError(act(new["id"], "approve", tok("lead1")), 404)
        self.assertOk(act(new["id"], "approve", tok("lead2")))


class PolicyCrudTest(PolicyTestCase):
    def test_lifecycle(self):
        body = policy_body(steps=[(1, ["lead1", "lead2"]), (1, ["security"])], max_signings=5,
                           max_window="2h")
        created = self.assertOk(admin().call("POST", POLICIES, body))
        pid = created["id"]
        self.assertEqual(created["name"], body["name"])
        self.assertEqual(created["projectId"], F.project_id)
        self.assertEqual(created["maxRequestTtl"], "7d")
        self.assertFalse(created["bypassForMachineIdentities"])
        self.assertEqual(created["constraints"], {"maxWindowDuration": "2h", "maxSignings": 5})
        self.assertEqual(created["steps"][0]["requiredApprovals"], 1)
        self.assertEqual(created["steps"][0]["approvers"],
                         [{"type": "user", "id": uid("lead1")}, {"type": "user", "id": uid("lead2")}])
        self.assertEqual(created["steps"][1]["name"], "step2")
        got = self.assertOk(admin().call("GET", "%s/%s" % (POLICIES, pid)))
        self.assertEqual(got, created)
        listed = self.assertList(admin().call("GET", POLICIES, query={"limit": 100}), "policies")
        self.assertIn(pid, [p["id"] for p in listed["policies"]])
        # A project member reads policies.
        self.assertOk(as_(tok("requester")).call("GET", "%s/%s" % (POLICIES, pid)))
        self.assertList(as_(tok("requester")).call("GET", POLICIES), "policies")

        patched = self.assertOk(admin().call("PATCH", "%s/%s" % (POLICIES, pid),
                                             {"maxRequestTtl": "2d", "name": body["name"] + "-x",
                                              "bypassForMachineIdentities": True}))
        self.assertEqual(patched["maxRequestTtl"], "2d")
        self.assertTrue(patched["bypassForMachineIdentities"])
        self.assertEqual(patched["constraints"], created["constraints"])
        self.assertEqual(patched["steps"], created["steps"])

        # Attached to a signer: 409 on delete; detached: deleted, then 404.
        signer = signer_with_policy(pid)
        self.assertError(admin().call("DELETE", "%s/%s" % (POLICIES, pid)), 409,
                         message_contains="signer")
        self.assertOk(admin().call("PATCH", "%s/%s" % (SIGNERS, signer["id"]),
                                   {"signingPolicyId": None}))
        deleted = self.assertOk(admin().call("DELETE", "%s/%s" % (POLICIES, pid)))
        self.assertEqual(deleted["id"], pid)
        self.assertError(admin().call("GET", "%s/%s" % (POLICIES, pid)), 404)
        for event_type in ("signing-policy.create", "signing-policy.update",
                           "signing-policy.delete"):
            with self.subTest(eventType=event_type):
                self.assertTrue([e for e in audit_events(eventType=event_type)
                                 if e["target"]["id"] == pid])

    def test_validation(self):
        def bad(mutate, parts, status=400):
            body = policy_body(steps=[(1, ["lead1"])], max_signings=3)
            mutate(body)
            self.assertError(admin().call("POST", POLICIES, body), status, message_contains=parts)

        bad(lambda b: b.update(constraints={}), ["maxWindowDuration", "maxSignings"])
        bad(lambda b: b.pop("constraints"), ["constraints"])
        bad(lambda b: b.update(constraints={"maxWindowDuration": "30s"}),
            ["maxWindowDuration", "1m"])
        bad(lambda b: b.update(constraints={"maxWindowDuration": "31d"}),
            ["maxWindowDuration", "30d"])
        bad(lambda b: b.update(constraints={"maxWindowDuration": "8 hours"}), ["maxWindowDuration"])
        bad(lambda b: b.update(constraints={"maxSignings": 0}), ["maxSignings", "1"])
        bad(lambda b: b.update(maxRequestTtl="10s"), ["maxRequestTtl", "1m"])
        bad(lambda b: b.update(bypassForMachineIdentities="yes"), ["bypassForMachineIdentities"])
        bad(lambda b: b.update(steps=[]), ["steps"])
        bad(lambda b: b.pop("steps"), ["steps"])
        bad(lambda b: b.pop("name"), ["name"])
        bad(lambda b: b["steps"][0].update(requiredApprovals=2), ["requiredApprovals", "1 approver"])
        bad(lambda b: b["steps"][0].update(requiredApprovals=0), ["requiredApprovals"])
        bad(lambda b: b["steps"][0]["approvers"].append(dict(b["steps"][0]["approvers"][0])),
            ["twice"])
        bad(lambda b: b["steps"][0]["approvers"][0].update(type="group"), ["type", "user"])
        bad(lambda b: b["steps"][0]["approvers"][0].update(id="not-a-uuid"), ["id"])
        bad(lambda b: b["steps"][0]["approvers"][0].update(id=F.machine[0]["id"]),
            ["does not exist"])
        # Approvers must be project members.
        bad(lambda b: b["steps"][0]["approvers"][0].update(id=uid("outsider")), ["member"])
        # Names are unique per project.
        body = policy_body(steps=[(1, ["lead1"])], max_signings=3)
        self.assertOk(admin().call("POST", POLICIES, body))
        self.assertError(admin().call("POST", POLICIES, body), 409)
        # PATCH validates the result too.
        p = create_policy(steps=[(1, ["lead1"])], max_signings=3)
        self.assertError(admin().call("PATCH", "%s/%s" % (POLICIES, p["id"]),
                                      {"constraints": {}}), 400,
                         message_contains="maxSignings")

    def test_role_checks(self):
        body = policy_body(steps=[(1, ["lead1"])], max_signings=3)
        member = as_(tok("requester"))
        self.assertError(member.call("POST", POLICIES, body), 403)
        p = create_policy(steps=[(1, ["lead1"])], max_signings=3)
        path = "%s/%s" % (POLICIES, p["id"])
        self.assertError(member.call("PATCH", path, {"name": unique("n")}), 403)
        self.assertError(member.call("DELETE", path), 403)
        # Outside the project: no policies to see.
        outsider = as_(tok("outsider"))
        self.assertError(outsider.call("GET", path), 404)
        self.assertError(outsider.call("GET", POLICIES), 404)  # outside its projects: not found
        self.assertError(outsider.call("PATCH", path, {"name": "x"}), 404)
        self.assertError(outsider.call("DELETE", path), 404)
        # A machine identity outside the project: it does not exist for them.
        self.assertError(as_(F.machine[1]).call("POST", POLICIES, body), 404)
        # Without a token.
        for method, url in (("POST", POLICIES), ("GET", POLICIES), ("GET", path),
                            ("PATCH", path), ("DELETE", path)):
            with self.subTest(method=method, url=url):
                self.assertError(F.api.call(method, url, {}, token=""), 401)
        # A project admin (not org admin) manages policies.
        user, token = create_user(F.api, F.admin_token)
        add_project_member(F.api, F.admin_token, F.project_id, user_id=user["id"], role="admin")
        created = self.assertOk(as_(token).call("POST", POLICIES, body | {"name": unique("pa")}))
        self.assertOk(as_(token).call("DELETE", "%s/%s" % (POLICIES, created["id"])))
        self.assertError(admin().call("GET", "%s/%s" % (POLICIES, "nope")), 400)


class RequestRoleTest(PolicyTestCase):
    def test_who_may_request(self):
        policy = create_policy(steps=[(1, ["lead1"])], max_signings=3)
        signer = signer_with_policy(policy["id"])
        add_member(signer["id"], "auditor", "auditor")
        self.assertError(request_access(signer["id"], tok("auditor")), 403)
        self.assertError(request_access(signer["id"], tok("operator2")), 404)
        self.assertError(request_access(signer["id"], ""), 401)
        # Admins may sign, so they may request too.
        self.assertOk(request_access(signer["id"], F.admin_token))

    def test_visibility_of_requests(self):
        policy = create_policy(steps=[(1, ["lead1"])], max_signings=3)
        signer = signer_with_policy(policy["id"])
        add_member(signer["id"], "auditor", "auditor")
        req = self.assertOk(request_access(signer["id"], tok("requester")))
        path = "%s/%s" % (REQUESTS, req["id"])
        for name in ("requester", "lead1", "auditor"):
            with self.subTest(who=name):
                self.assertOk(as_(tok(name)).call("GET", path))
                listed = self.assertList(as_(tok(name)).call(
                    "GET", REQUESTS, query={"signerId": signer["id"]}), "requests")
                self.assertEqual([r["id"] for r in listed["requests"]], [req["id"]])
        for name in ("operator2", "outsider"):
            with self.subTest(who=name):
                self.assertError(as_(tok(name)).call("GET", path), 404)
                listed = self.assertList(as_(tok(name)).call(
                    "GET", REQUESTS, query={"signerId": signer["id"]}), "requests")
                self.assertEqual(listed["totalCount"], 0)
        # The auditor sees it but is no approver.
        self.assertError(act(req["id"], "approve", tok("auditor")), 403)
        self.assertError(act(req["id"], "reject", tok("auditor")), 403)
        self.assertError(act(req["id"], "cancel", tok("auditor")), 403)
        # Status filter and validation of the query.
        listed = self.assertList(as_(tok("lead1")).call(
            "GET", REQUESTS, query={"status": "pending", "signerId": signer["id"]}), "requests")
        self.assertEqual(listed["totalCount"], 1)
        listed = self.assertList(as_(tok("lead1")).call(
            "GET", REQUESTS, query={"status": "approved", "signerId": signer["id"]}), "requests")
        self.assertEqual(listed["totalCount"], 0)
        self.assertError(as_(tok("lead1")).call("GET", REQUESTS, query={"status": "done"}), 400,
                         message_contains="status")
        self.assertError(as_(tok("lead1")).call("GET", REQUESTS, query={"signerId": "x"}), 400)
        self.assertError(as_(tok("lead1")).call("GET", REQUESTS, query={"limit": 0}), 400)
        for method, url in (("GET", REQUESTS), ("GET", path), ("POST", path + "/approve"),
                            ("POST", path + "/reject"), ("POST", path + "/cancel")):
            with self.subTest(method=method, url=url):
                self.assertError(F.api.call(method, url, {}, token=""), 401)
        self.assertError(as_(tok("lead1")).call("GET", "%s/%s" % (REQUESTS, unique("x"))), 400)

    def test_pre_approval(self):
        policy = create_policy(steps=[(2, ["lead1", "lead2"])], max_signings=4)
        signer = signer_with_policy(policy["id"], operators=("requester", "operator2"),
                                    machine=True)
        sid = signer["id"]
        add_member(sid, "admin", "signeradmin")
        url = "%s/%s/requests/pre-approve" % (SIGNERS, sid)
        body = {"granteeUserId": uid("requester"), "justification": "hotfix",
                "requestedSignings": 2}
        # Only signer admins; never for oneself; the grantee must be able to sign.
        self.assertError(as_(tok("operator2")).call("POST", url, body), 403)
        self.assertError(as_(tok("signeradmin")).call(
            "POST", url, dict(body, granteeUserId=uid("signeradmin"))), 403,
            message_contains="yourself")
        self.assertError(as_(tok("signeradmin")).call(
            "POST", url, dict(body, granteeUserId=uid("auditor"))), 400,
            message_contains="may not sign")
        self.assertError(as_(tok("signeradmin")).call(
            "POST", url, dict(body, requestedSignings=5)), 400, message_contains="at most 4")
        self.assertError(as_(tok("signeradmin")).call(
            "POST", url, {"justification": "x"}), 400, message_contains="granteeUserId")
        self.assertError(F.api.call("POST", url, body, token=""), 401)

        out = self.assertOk(as_(tok("signeradmin")).call("POST", url, body))
        self.assertEqual(set(out), {"request", "grant"})
        self.assertEqual(out["request"]["status"], "approved")
        self.assertEqual(out["request"]["grantId"], out["grant"]["id"])
        self.assertEqual(out["request"]["requesterId"], uid("requester"))
        self.assertEqual(out["grant"]["granteeId"], uid("requester"))
        self.assertEqual(out["grant"]["maxSignings"], 2)
        self.sign_ok(sid, tok("requester"))
        self.sign_ok(sid, tok("requester"))
        self.assertApprovalRequired(sign(F.api, tok("requester"), sid, b"3rd", ALG))
        # For a machine identity.
        out = self.assertOk(as_(tok("signeradmin")).call("POST", url, {
            "granteeIdentityId": F.machine[0]["id"], "justification": "ci"}))
        self.assertEqual(out["grant"]["granteeType"], "identity")
        self.assertEqual(out["grant"]["maxSignings"], 4)
        self.sign_ok(sid, F.machine[1])
        events = [e for e in audit_events(eventType="signing-request.pre-approve")
                  if e["details"].get("signerId") == sid]
        self.assertEqual(len(events), 2)
        self.assertTrue(all(e["actor"]["id"] == uid("signeradmin") for e in events))

    def test_grant_visibility(self):
        policy = create_policy(steps=[(1, ["lead1"])], max_signings=3)
        signer = signer_with_policy(policy["id"], operators=("requester", "operator2"))
        add_member(signer["id"], "admin", "signeradmin")
        grant = self.approved_grant(signer["id"])
        path = "%s/%s" % (GRANTS, grant["id"])
        q = {"signerId": signer["id"]}
        for name in ("requester", "signeradmin"):
            with self.subTest(who=name):
                self.assertOk(as_(tok(name)).call("GET", path))
                listed = self.assertList(as_(tok(name)).call("GET", GRANTS, query=q), "grants")
                self.assertEqual([g["id"] for g in listed["grants"]], [grant["id"]])
        self.assertOk(admin().call("GET", path))
        for name in ("operator2", "lead1", "outsider"):
            with self.subTest(who=name):
                self.assertError(as_(tok(name)).call("GET", path), 404)
                listed = self.assertList(as_(tok(name)).call("GET", GRANTS, query=q), "grants")
                self.assertEqual(listed["totalCount"], 0)
        mine = self.assertList(as_(tok("requester")).call("GET", GRANTS, query={"limit": 100}),
                               "grants")
        self.assertTrue(all(g["granteeId"] == uid("requester") for g in mine["grants"]))
        self.assertError(as_(tok("requester")).call("GET", GRANTS, query={"status": "used"}), 400)
        for method, url in (("GET", GRANTS), ("GET", path), ("POST", path + "/revoke")):
            with self.subTest(method=method, url=url):
                self.assertError(F.api.call(method, url, {}, token=""), 401)


class ConcurrencyTest(PolicyTestCase):
    ROUNDS = 3
    CALLS = 50
    GRANTED = 7

    def test_parallel_sign_calls_never_exceed_the_grant(self):
        policy = create_policy(steps=[(1, ["lead1"])], max_signings=self.GRANTED)
        for round_no in range(self.ROUNDS):
            with self.subTest(round=round_no):
                signer = signer_with_policy(policy["id"])
                sid = signer["id"]
                grant = self.approved_grant(sid, requestedSignings=self.GRANTED)
                pub = self.pub(sid)
                barrier = threading.Barrier(self.CALLS)
                results = [None] * self.CALLS
                payloads = [os.urandom(32) for _ in range(self.CALLS)]

                def worker(i):
                    barrier.wait()
                    try:
                        results[i] = sign(F.api.with_token(tok("requester")), tok("requester"),
                                          sid, payloads[i], ALG)
                    except Exception as exc:  # reported below
                        results[i] = (None, repr(exc))

                threads = [threading.Thread(target=worker, args=(i,)) for i in range(self.CALLS)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(120)
                ok = [i for i, r in enumerate(results) if r and r[0] == 200]
                denied = [i for i, r in enumerate(results) if r and r[0] == 403]
                self.assertEqual(len(ok), self.GRANTED,
                                 [r for r in results if not r or r[0] not in (200, 403)])
                self.assertEqual(len(denied), self.CALLS - self.GRANTED)
                for i in denied:
                    self.assertEqual(results[i][1]["error"], "ApprovalRequired", results[i])
                for i in ok:
                    good, out = openssl_verify(payloads[i], unb64(results[i][1]["signature"]), ALG,
                                               public_key_pem=pub)
                    self.assertTrue(good, out)
                self.assertEqual(len(operations(sid, "success")), self.GRANTED)
                self.assertEqual(len(operations(sid, "denied")), self.CALLS - self.GRANTED)
                denied_events = [e for e in audit_events(eventType="sign.denied")
                                 if e["target"]["id"] == sid]
                self.assertEqual(len(denied_events), self.CALLS - self.GRANTED)
                success_events = [e for e in audit_events(eventType="sign.success")
                                  if e["target"]["id"] == sid]
                self.assertEqual(len(success_events), self.GRANTED)
                grant = self.assertOk(admin().call("GET", "%s/%s" % (GRANTS, grant["id"])))
                self.assertEqual(grant["usedSignings"], self.GRANTED)
                self.assertEqual(grant["status"], "expired")


class InfisicalPolicyFieldTest(PolicyTestCase):
    """Issue 13: Infisical's name for the policy field must never be dropped silently."""

    def test_approval_policy_id_on_create_never_leaves_the_signer_without_its_policy(self):
        # Infisical's create body (POST /api/v1/cert-manager/signers) names the policy
        # `approvalPolicyId`. A 200 without the policy let every operator sign at once; the
        # field is Signet's signingPolicyId under its Infisical name.
        policy = create_policy(steps=[(1, ["lead1"])], max_signings=1)
        cert = issue_certificate(F.api, F.admin_token, F.ca["id"], "EC_prime256v1")
        signer = self.assertOk(admin().call(
            "POST", "/api/v1/cert-manager/signers",
            {"name": unique("ip"), "certificateId": cert["certificateId"],
             "approvalPolicyId": policy["id"]}))
        self.assertEqual(signer["signingPolicyId"], policy["id"])
        self.assertEqual(signer["approvalPolicyId"], policy["id"])
        add_member(signer["id"], "operator", name="requester")
        self.assertApprovalRequired(sign(F.api, tok("requester"), signer["id"], b"x", ALG))
        got = self.assertOk(admin().call("GET", "%s/%s" % (SIGNERS, signer["id"])))
        self.assertEqual(got["approvalPolicyId"], policy["id"])

    def test_both_names_must_agree(self):
        one = create_policy(steps=[(1, ["lead1"])], max_signings=1)
        two = create_policy(steps=[(1, ["lead2"])], max_signings=1)
        cert = issue_certificate(F.api, F.admin_token, F.ca["id"], "EC_prime256v1")
        name = unique("ip")
        body = {"name": name, "certificateId": cert["certificateId"],
                "signingPolicyId": one["id"], "approvalPolicyId": two["id"]}
        err = self.assertError(admin().call("POST", SIGNERS, body), 400)
        self.assertIn("signingPolicyId and approvalPolicyId", err["message"])
        self.assertEqual(list_all(F.api, F.admin_token, SIGNERS, "signers",
                                  query={"search": name})[0], [])
        body["approvalPolicyId"] = one["id"]
        signer = self.assertOk(admin().call("POST", SIGNERS, body))
        self.assertEqual(signer["approvalPolicyId"], one["id"])
        path = "%s/%s" % (SIGNERS, signer["id"])
        self.assertError(admin().call("PATCH", path, {"signingPolicyId": two["id"],
                                                      "approvalPolicyId": None}), 400)
        self.assertEqual(admin().ok("GET", path)["signingPolicyId"], one["id"])

    def test_patch_with_approval_policy_id_attaches_and_null_detaches(self):
        policy = create_policy(steps=[(1, ["lead1"])], max_signings=1)
        signer = signer_with_policy(None)
        self.assertIsNone(signer["approvalPolicyId"])
        path = "/api/v1/cert-manager/signers/%s" % signer["id"]
        got = self.assertOk(admin().call("PATCH", path, {"approvalPolicyId": policy["id"]}))
        self.assertEqual((got["signingPolicyId"], got["approvalPolicyId"]),
                         (policy["id"], policy["id"]))
        self.assertApprovalRequired(sign(F.api, tok("requester"), signer["id"], b"x", ALG))
        events = [e for e in audit_events(eventType="signer.update")
                  if e["target"]["id"] == signer["id"]]
        self.assertEqual(events[0]["details"].get("signingPolicyId"), policy["id"])
        got = self.assertOk(admin().call("PATCH", path, {"approvalPolicyId": None}))
        self.assertIsNone(got["signingPolicyId"])
        self.assertIsNone(got["approvalPolicyId"])
        self.assertOk(sign(F.api, tok("requester"), signer["id"], b"x", ALG))

    def test_description_null_clears_it(self):
        cert = issue_certificate(F.api, F.admin_token, F.ca["id"], "EC_prime256v1")
        signer = admin().ok("POST", SIGNERS, {"name": unique("d"), "description": "release",
                                              "certificateId": cert["certificateId"]})
        path = "%s/%s" % (SIGNERS, signer["id"])
        got = self.assertOk(admin().call("PATCH", path, {"name": signer["name"]}))
        self.assertEqual(got["description"], "release")
        got = self.assertOk(admin().call("PATCH", path, {"description": None}))
        self.assertEqual(got["description"], "")
        self.assertEqual(admin().ok("GET", path)["description"], "")

    def test_revocation_reason_is_infisicals_name_of_reason(self):
        policy = create_policy(steps=[(1, ["lead1"])], max_signings=5)
        signer = signer_with_policy(policy["id"])
        grants = []
        for _ in range(2):
            req = self.assertOk(request_access(signer["id"], tok("requester"),
                                               requestedSignings=1))
            grants.append(self.assertOk(act(req["id"], "approve", tok("lead1")))["grantId"])
        err = self.assertError(admin().call("POST", "%s/%s/revoke" % (GRANTS, grants[0]),
                                            {"reason": "a", "revocationReason": "b"}), 400)
        self.assertIn("reason and revocationReason", err["message"])
        revoked = self.assertOk(admin().call("POST", "%s/%s/revoke" % (GRANTS, grants[0]),
                                             {"revocationReason": "leaked runner"}))
        self.assertEqual((revoked["status"], revoked["revokedReason"]),
                         ("revoked", "leaked runner"))
        revoked = self.assertOk(admin().call("POST", "%s/%s/revoke" % (GRANTS, grants[1]),
                                             {"reason": "done", "revocationReason": "done"}))
        self.assertEqual(revoked["revokedReason"], "done")


class RequestAndGrantReadModelTest(PolicyTestCase):
    """Issue 13: requests and grants carry Infisical's fields next to Signet's own."""

    def test_request_steps_request_data_and_requester(self):
        policy = create_policy(steps=[(1, ["lead1"]), (1, ["lead2"])], max_signings=2)
        signer = signer_with_policy(policy["id"])
        req = self.assertOk(request_access(signer["id"], tok("requester"), requestedSignings=2,
                                           scope={"hostname": "ci-7"}))
        email = F.users["requester"][0]["email"]
        self.assertEqual((req["requesterName"], req["requesterEmail"]), (email, email))
        self.assertIsNone(req["machineIdentityId"])
        self.assertEqual((req["policyId"], req["type"]), (policy["id"], "cert-code-signing"))
        self.assertEqual(req["requestData"], {"version": 1, "requestData": {
            "signerId": signer["id"], "approvalPolicyId": policy["id"],
            "signerName": signer["name"], "justification": "release build",
            "requestedSignings": 2, "scope": {"hostname": "ci-7"}}})
        self.assertEqual([(st["stepNumber"], st["status"], st["requiredApprovals"])
                          for st in req["steps"]], [(1, "in-progress", 1), (2, "pending", 1)])
        self.assertEqual(req["steps"][0]["approvers"], [{"type": "user", "id": uid("lead1")}])
        one = self.assertOk(act(req["id"], "approve", tok("lead1"), {"comment": "fine"}))
        self.assertEqual([st["status"] for st in one["steps"]], ["completed", "in-progress"])
        self.assertEqual([a["comment"] for a in one["steps"][0]["approvals"]], ["fine"])
        rejected = self.assertOk(act(req["id"], "reject", tok("lead2")))
        self.assertEqual([st["status"] for st in rejected["steps"]], ["completed", "rejected"])
        listed = self.assertOk(as_(tok("requester")).call(
            "GET", REQUESTS, query={"signerId": signer["id"]}))["requests"]
        self.assertEqual(listed[0]["requesterEmail"], email)
        self.assertEqual(listed[0]["steps"], rejected["steps"])

    def test_identity_requests_name_the_machine_identity(self):
        identity, mtoken = F.machine
        policy = create_policy(steps=[(1, ["lead1"])], max_signings=1)
        signer = signer_with_policy(policy["id"], operators=(), machine=True)
        req = self.assertOk(request_access(signer["id"], mtoken, requestedSignings=1))
        self.assertEqual(req["machineIdentityId"], identity["id"])
        self.assertEqual((req["requesterName"], req["requesterEmail"]), (identity["name"], ""))
        approved = self.assertOk(act(req["id"], "approve", tok("lead1")))
        grant = admin().ok("GET", "%s/%s" % (GRANTS, approved["grantId"]))
        self.assertEqual(grant["granteeMachineIdentityId"], identity["id"])
        self.assertIsNone(grant["granteeUserId"])

    def test_grant_attributes_revocation_and_operation_grant_id(self):
        policy = create_policy(steps=[(1, ["lead1"])], max_signings=3)
        signer = signer_with_policy(policy["id"])
        req = self.assertOk(request_access(signer["id"], tok("requester"), requestedSignings=2))
        grant_id = self.assertOk(act(req["id"], "approve", tok("lead1")))["grantId"]
        path = "%s/%s" % (GRANTS, grant_id)
        grant = admin().ok("GET", path)
        self.assertEqual((grant["granteeUserId"], grant["granteeMachineIdentityId"]),
                         (uid("requester"), None))
        self.assertEqual((grant["projectId"], grant["type"]), (F.project_id, "cert-code-signing"))
        self.assertEqual(grant["attributes"], {"signerId": signer["id"],
                                               "signerName": signer["name"], "maxSignings": 2,
                                               "windowStart": grant["windowStart"]})
        self.assertIsNone(grant["revokedAt"])
        self.assertIsNone(grant["revokedByUserId"])
        self.assertIsNone(grant["revocationReason"])
        self.sign_ok(signer["id"], tok("requester"))
        op = operations(signer["id"], "success")[0]
        self.assertEqual((op["grantId"], op["approvalGrantId"]), (grant_id, grant_id))
        revoked = self.assertOk(admin().call("POST", path + "/revoke",
                                             {"revocationReason": "rotation"}))
        for g in (revoked, admin().ok("GET", path),
                  admin().ok("GET", GRANTS, query={"signerId": signer["id"]})["grants"][0]):
            self.assertEqual(g["status"], "revoked")
            self.assertEqual(g["revokedByUserId"], F.admin["id"])
            self.assertEqual(g["revocationReason"], "rotation")
            self.assertRegex(g["revokedAt"], r"^\d{4}-\d\d-\d\dT")


class StrictPolicyInputTest(PolicyTestCase):
    """Issue 13: policy, request and grant bodies are read strictly, nested objects too."""

    def assertUnknown(self, response, field):
        body = self.assertError(response, 400, "BadRequest")
        self.assertTrue(body["message"].startswith("unknown field '%s'" % field), body)

    def test_policy_bodies(self):
        name = unique("strict")
        good = policy_body([(1, ["lead1"])], max_signings=2, name=name)
        self.assertUnknown(admin().call("POST", POLICIES, dict(good, approvers=[])), "approvers")
        bad = policy_body([(1, ["lead1"])], max_signings=2, name=name)
        bad["constraints"]["maxSigning"] = 3
        self.assertUnknown(admin().call("POST", POLICIES, bad), "constraints.maxSigning")
        bad = policy_body([(1, ["lead1"])], max_signings=2, name=name)
        bad["steps"][0]["approvers"][0]["name"] = "lead"
        self.assertUnknown(admin().call("POST", POLICIES, bad), "steps[0].approvers[0].name")
        bad = policy_body([(1, ["lead1"])], max_signings=2, name=name)
        bad["steps"][0]["approverGroupIds"] = [uid("lead1")]
        body = self.assertError(admin().call("POST", POLICIES, bad), 400)
        self.assertIn("'steps[0].approverGroupIds' is not supported", body["message"])
        bad = policy_body([(1, ["lead1"])], max_signings=2, name=name)
        bad["steps"][0]["approvers"][0]["type"] = "group"
        body = self.assertError(admin().call("POST", POLICIES, bad), 400)
        self.assertIn("groups are not part of Signet", body["message"])
        body = self.assertError(admin().call("POST", POLICIES,
                                             dict(good, bypassForMachineIdentities="yes")), 400)
        self.assertIn("bypassForMachineIdentities must be true or false", body["message"])
        listed = list_all(F.api, F.admin_token, POLICIES, "policies")[0]
        self.assertNotIn(name, [p["name"] for p in listed])
        policy = create_policy(steps=[(1, ["lead1"])], max_signings=2)
        path = "%s/%s" % (POLICIES, policy["id"])
        self.assertUnknown(admin().call("PATCH", path, {"name": "x", "description": "y"}),
                           "description")
        self.assertEqual(admin().ok("GET", path)["name"], policy["name"])
        self.assertUnknown(admin().call("DELETE", path, {"force": True}), "force")
        self.assertOk(admin().call("GET", path))

    def test_request_and_grant_bodies(self):
        policy = create_policy(steps=[(1, ["lead1"])], max_signings=2)
        signer = signer_with_policy(policy["id"])
        self.assertUnknown(request_access(signer["id"], tok("requester"), requestedSigning=1),
                           "requestedSigning")
        self.assertUnknown(request_access(signer["id"], tok("requester"),
                                          scope={"hostName": "ci-7"}), "scope.hostName")
        body = self.assertError(request_access(signer["id"], tok("requester"),
                                               requestedSignings="2"), 400)
        self.assertIn("requestedSignings must be an integer", body["message"])
        listed = as_(tok("requester")).call("GET", REQUESTS, query={"signerId": signer["id"]})
        self.assertEqual(self.assertOk(listed)["totalCount"], 0)
        req = self.assertOk(request_access(signer["id"], tok("requester"), requestedSignings=1))
        self.assertUnknown(act(req["id"], "approve", tok("lead1"),
                               {"comment": "ok", "decision": "approve"}), "decision")
        self.assertUnknown(act(req["id"], "cancel", tok("requester"), {"reason": "x"}), "reason")
        self.assertEqual(self.assertOk(as_(tok("requester")).call(
            "GET", "%s/%s" % (REQUESTS, req["id"])))["status"], "pending")
        approved = self.assertOk(act(req["id"], "approve", tok("lead1"), {"comment": "ok"}))
        grant_path = "%s/%s" % (GRANTS, approved["grantId"])
        self.assertUnknown(admin().call("POST", grant_path + "/revoke",
                                        {"reason": "x", "notify": True}), "notify")
        body = self.assertError(admin().call("POST", grant_path + "/revoke", {"reason": 1}), 400)
        self.assertIn("reason must be a string", body["message"])
        self.assertEqual(admin().ok("GET", grant_path)["status"], "active")
        pre = "%s/%s/requests/pre-approve" % (SIGNERS, signer["id"])
        self.assertUnknown(admin().call("POST", pre, {"granteeUserId": uid("requester"),
                                                      "justification": "x", "requestedSignings": 1,
                                                      "granteeGroupId": uid("lead1")}),
                           "granteeGroupId")


if __name__ == "__main__":
    unittest.main()
