#!/usr/bin/env python3
"""Infisical compatibility (issue 13): Infisical's Code Signing requests, as its public API
reference documents them, against signetd, and the replies checked for Infisical's shapes.

One server is shared by the module: an org admin, a CA, users lead1, lead2, operator and
member (all members of the default project) and a machine identity. Every signature is
verified with the `openssl` command. Where a request or reply shape comes from Infisical's
documentation, the test says so in a comment (the docs: "Code Signing" pages and the API
reference under /api-reference/endpoints/code-signing/ and /approval-policies/).
"""

import json
import os
import sys
import tempfile
import unittest
import uuid
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from signet_testlib import (  # noqa: E402
    start_module_server,
    SignetTestCase, add_project_member, b64, create_ca, create_identity, create_user,
    default_project_id, issue_certificate, list_all, openssl_verify, run_openssl, sign,
    signer_public_key_pem, unique, unb64, write_file)

CM = "/api/v1/cert-manager/signers"
PKI = "/api/v1/pki/signers"
AP = "/api/v1/approval-policies/cert-code-signing"
ALG = "ECDSA_SHA256"
APPROVAL_REQUIRED = "Signing requires approval. Get approval before signing."


class Fixture:
    server = None
    api = None
    admin = None
    admin_token = None
    project_id = None
    ca = None
    users = {}      # name -> (user, token)
    machine = None  # (identity, clientId, clientSecret, token)


F = Fixture


def setUpModule():
    def set_up():
        F.project_id = default_project_id(F.api, F.admin_token)
        F.ca = create_ca(F.api, F.admin_token, "EC_prime256v1", "Signet Infisical IT root")
        for name in ("lead1", "lead2", "operator", "member"):
            user, token = create_user(F.api, F.admin_token)
            add_project_member(F.api, F.admin_token, F.project_id, user_id=user["id"])
            F.users[name] = (user, token)
        F.machine = create_identity(F.api, F.admin_token)
        add_project_member(F.api, F.admin_token, F.project_id, identity_id=F.machine[0]["id"])

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


def audit_events(event_type):
    items, _ = list_all(admin(), F.admin_token, "/api/v1/audit-logs", "auditLogs",
                        {"eventType": event_type})
    return items


def infisical_signer(**extra):
    """Infisical's newest create form (API reference "Create Signer", POST
    /api/v1/cert-manager/signers): name, description, caId, commonName, keyAlgorithm,
    certificateTtlDays; members [{kind, id, role}]; approvalPolicy {steps:[{stepNumber, name,
    requiredApprovals, approverUserIds, approverGroupIds}], constraints {maxSignings,
    maxWindowDuration}}."""
    body = {"name": unique("inf"), "description": "Infisical form", "caId": F.ca["id"],
            "commonName": unique("Infisical Signer"), "keyAlgorithm": "EC_prime256v1",
            "certificateTtlDays": 30}
    body.update(extra)
    return body


def pem_text(pem):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "c.pem")
        write_file(path, pem)
        code, out = run_openssl(["x509", "-in", path, "-noout", "-text"])
    assert code == 0, out
    return out


class InfisicalTestCase(SignetTestCase):
    def sign_ok(self, signer_id, token, data=None):
        data = data or os.urandom(40)
        resp = self.assertOk(sign(F.api, token, signer_id, data, ALG))
        ok, out = openssl_verify(data, unb64(resp["signature"]), ALG,
                                 public_key_pem=signer_public_key_pem(F.api, F.admin_token,
                                                                      signer_id))
        self.assertTrue(ok, "openssl rejects the signature: " + out)
        return resp

    def assertApprovalRequired(self, response):
        body = self.assertError(response, 403, "ApprovalRequired")
        self.assertEqual(body["message"], APPROVAL_REQUIRED)


class CreateFormTest(InfisicalTestCase):
    def test_create_issues_the_certificate_with_members_and_policy_in_one_call(self):
        body = infisical_signer(
            members=[{"kind": "user", "id": uid("operator"), "role": "operator"},
                     {"kind": "identity", "id": F.machine[0]["id"], "role": "operator"},
                     {"kind": "user", "id": F.admin["id"], "role": "operator"}],
            approvalPolicy={"steps": [{"stepNumber": 1, "name": "leads", "requiredApprovals": 1,
                                       "approverUserIds": [uid("lead1")],
                                       "approverGroupIds": []}],
                            "constraints": {"maxSignings": 2, "maxWindowDuration": "2h"}})
        signer = self.assertOk(admin().call("POST", CM, body))
        # Reply: Infisical's signer fields (PkiSigners + certificate read model).
        self.assertEqual(signer["name"], body["name"])
        self.assertEqual(signer["certificateCommonName"], body["commonName"])
        self.assertEqual(signer["certificateKeyAlgorithm"], "EC_prime256v1")
        self.assertEqual(signer["certificateCaId"], F.ca["id"])
        self.assertEqual(signer["status"], "active")
        self.assertTrue(signer["approvalPolicyId"])
        self.assertEqual(signer["approvalPolicyName"], "signer:" + signer["id"])
        # The certificate is a code-signing certificate from the CA, valid for 30 days.
        pem = admin().ok("GET", "%s/%s/certificate" % (CM, signer["id"]))["certificatePem"]
        text = pem_text(pem)
        self.assertIn("Code Signing", text)
        self.assertIn("Digital Signature", text)
        self.assertIn("Signet Infisical IT root", text)
        # Members: the creator is admin; the others as given.
        members = admin().ok("GET", "%s/%s/members" % (PKI, signer["id"]))["members"]
        roles = {m.get("userId") or m.get("identityId"): m["role"] for m in members}
        self.assertEqual(roles, {F.admin["id"]: "admin", uid("operator"): "operator",
                                 F.machine[0]["id"]: "operator"})
        # The policy applies: the operator needs approval.
        self.assertApprovalRequired(sign(F.api, tok("operator"), signer["id"], b"x", ALG))
        policy = admin().ok("GET", "%s/%s/approval-policy" % (CM, signer["id"]))
        self.assertEqual(policy["constraints"], {"maxSignings": 2, "maxWindowDuration": "2h"})
        self.assertEqual(policy["steps"][0]["approverUserIds"], [uid("lead1")])
        # One audit event per change, all in the call's transaction.
        issued = [e for e in audit_events("certificate.issue")
                  if e["target"]["id"] == signer["certificateId"]]
        self.assertEqual(len(issued), 1)
        self.assertEqual(len([e for e in audit_events("signing-policy.create")
                              if e["target"]["id"] == signer["approvalPolicyId"]]), 1)
        self.assertEqual(len([e for e in audit_events("signer.member.create")
                              if e["target"]["id"] == signer["id"]]), 2)

    def test_zero_steps_means_no_approval_and_defaults_apply(self):
        body = infisical_signer(approvalPolicy={"steps": []})
        del body["commonName"], body["keyAlgorithm"], body["certificateTtlDays"]
        signer = self.assertOk(admin().call("POST", CM, body))
        self.assertIsNone(signer["approvalPolicyId"])
        # Defaults: the signer's name as common name, RSA_2048, 365 days.
        self.assertEqual(signer["certificateCommonName"], body["name"])
        self.assertEqual(signer["certificateKeyAlgorithm"], "RSA_2048")
        data = os.urandom(32)
        resp = self.assertOk(sign(F.api, F.admin_token, signer["id"], data,
                                  "RSASSA_PKCS1_V1_5_SHA256"))
        ok, out = openssl_verify(data, unb64(resp["signature"]), "RSASSA_PKCS1_V1_5_SHA256",
                                 public_key_pem=signer_public_key_pem(F.api, F.admin_token,
                                                                      signer["id"]))
        self.assertTrue(ok, out)

    def test_a_bad_part_changes_nothing(self):
        certs_before = list_all(admin(), F.admin_token, "/api/v1/pki/certificates",
                                "certificates")[1]
        policies_before = list_all(admin(), F.admin_token, "/api/v1/pki/signing-policies",
                                   "policies")[1]
        cases = [
            (infisical_signer(members=[{"kind": "user", "id": str(uuid.uuid4()),
                                        "role": "operator"}]), 404, None),
            (infisical_signer(members=[{"kind": "user", "id": uid("operator"),
                                        "role": "owner"}]), 400, "role"),
            (infisical_signer(members=[{"kind": "group", "id": str(uuid.uuid4()),
                                        "role": "operator"}]), 400, "not supported"),
            (infisical_signer(approvalPolicy={"steps": [
                {"stepNumber": 1, "requiredApprovals": 1, "approverUserIds": [],
                 "approverGroupIds": [str(uuid.uuid4())]}],
                "constraints": {"maxSignings": 1}}), 400, "approverGroupIds"),
            (infisical_signer(approvalPolicy={"steps": [
                {"stepNumber": 2, "requiredApprovals": 1, "approverUserIds": [uid("lead1")]}],
                "constraints": {"maxSignings": 1}}), 400, "stepNumber"),
            (infisical_signer(approvalPolicy={"steps": [
                {"stepNumber": 1, "requiredApprovals": 1, "approverUserIds": [uid("lead1")]}]}),
             400, "constraint"),
            (infisical_signer(approvalPolicyId=str(uuid.uuid4()),
                              approvalPolicy={"steps": []}), 400, "not both"),
            (infisical_signer(certificateId=str(uuid.uuid4())), 400, "not both"),
            ({"name": unique("x"), "commonName": "no CA"}, 400, "caId"),
            (infisical_signer(keyAlgorithm="ECDSA_P256"), 400, "keyAlgorithm"),
            (infisical_signer(caId=str(uuid.uuid4())), 404, "CA"),
        ]
        for body, status, text in cases:
            with self.subTest(body=body):
                self.assertError(admin().call("POST", CM, body), status, message_contains=text)
                self.assertEqual(list_all(admin(), F.admin_token, CM, "signers",
                                          {"search": body["name"]})[0], [])
        self.assertEqual(list_all(admin(), F.admin_token, "/api/v1/pki/certificates",
                                  "certificates")[1], certs_before)
        self.assertEqual(list_all(admin(), F.admin_token, "/api/v1/pki/signing-policies",
                                  "policies")[1], policies_before)

    def test_only_project_admins_create(self):
        self.assertError(as_(tok("member")).call("POST", CM, infisical_signer()), 403)


class SignerRoutesTest(InfisicalTestCase):
    def new_signer(self, **extra):
        return self.assertOk(admin().call("POST", CM, infisical_signer(**extra)))

    def test_status_route(self):
        # API reference "Update Signer Status": PATCH /{signerId}/status {status}.
        signer = self.new_signer()
        path = "%s/%s" % (CM, signer["id"])
        off = self.assertOk(admin().call("PATCH", path + "/status", {"status": "disabled"}))
        self.assertEqual(off["status"], "disabled")
        self.assertError(sign(F.api, F.admin_token, signer["id"], b"x", ALG), 400,
                         message_contains="disabled")
        self.assertError(admin().call("PATCH", path + "/status", {"status": "paused"}), 400)
        on = self.assertOk(admin().call("POST", path + "/enable"))
        self.assertEqual(on["status"], "active")
        self.sign_ok(signer["id"], F.admin_token)
        self.assertError(as_(tok("member")).call("PATCH", path + "/status",
                                                 {"status": "disabled"}), 404)

    def test_approval_policy_get_put_replace_and_detach(self):
        signer = self.new_signer(members=[{"kind": "user", "id": uid("operator"),
                                           "role": "operator"}])
        path = "%s/%s/approval-policy" % (CM, signer["id"])
        empty = admin().ok("GET", path)
        self.assertEqual((empty["id"], empty["hasSteps"], empty["steps"]), (None, False, []))
        self.sign_ok(signer["id"], tok("operator"))
        # PUT: Infisical's ApprovalPolicyBody.
        put = {"steps": [{"stepNumber": 1, "name": "first", "requiredApprovals": 1,
                          "approverUserIds": [uid("lead1")]},
                         {"stepNumber": 2, "requiredApprovals": 1,
                          "approverUserIds": [uid("lead2")]}],
               "constraints": {"maxSignings": 3}}
        got = self.assertOk(admin().call("PUT", path, put))
        self.assertTrue(got["hasSteps"])
        # Audited like any policy change of a signer.
        changes = [e for e in audit_events("signer.policy.update")
                   if e["target"]["id"] == signer["id"]]
        self.assertEqual(changes[0]["details"]["signingPolicyId"], got["id"])
        self.assertEqual(changes[0]["details"]["previousSigningPolicyId"], "")
        self.assertEqual([s["stepNumber"] for s in got["steps"]], [1, 2])
        self.assertEqual(got["constraints"], {"maxSignings": 3, "maxWindowDuration": None})
        self.assertApprovalRequired(sign(F.api, tok("operator"), signer["id"], b"x", ALG))
        # Replacing keeps the same (own) policy.
        again = self.assertOk(admin().call("PUT", path, dict(put, steps=put["steps"][:1])))
        self.assertEqual(again["id"], got["id"])
        self.assertEqual(len(again["steps"]), 1)
        # A request made under it, then no steps: detached and the own policy deleted.
        req = self.assertOk(as_(tok("operator")).call(
            "POST", "%s/%s/requests" % (CM, signer["id"]),
            {"justification": "release", "requestedSignings": 1}))
        self.assertEqual(req["policyId"], got["id"])
        none = self.assertOk(admin().call("PUT", path, {"steps": []}))
        self.assertIsNone(none["id"])
        self.assertError(admin().call("GET", "/api/v1/pki/signing-policies/" + got["id"]), 404)
        self.sign_ok(signer["id"], tok("operator"))
        # Only project admins set policies (a signer admin alone may not).
        self.assertOk(admin().call("POST", "%s/%s/users" % (CM, signer["id"]),
                                   {"userIds": [uid("lead2")], "role": "admin"}))
        self.assertError(as_(tok("lead2")).call("PUT", path, put), 403)
        self.assertOk(as_(tok("lead2")).call("GET", path))

    def test_put_on_a_shared_policy_leaves_it_unchanged(self):
        shared = admin().ok("POST", "/api/v1/pki/signing-policies", {
            "name": unique("shared"), "constraints": {"maxSignings": 5},
            "steps": [{"requiredApprovals": 1,
                       "approvers": [{"type": "user", "id": uid("lead1")}]}]})
        signer = self.new_signer(approvalPolicyId=shared["id"])
        got = self.assertOk(admin().call("PUT", "%s/%s/approval-policy" % (CM, signer["id"]), {
            "steps": [{"stepNumber": 1, "requiredApprovals": 1,
                       "approverUserIds": [uid("lead2")]}],
            "constraints": {"maxWindowDuration": "1h"}}))
        self.assertNotEqual(got["id"], shared["id"])
        self.assertEqual(admin().ok("GET", "/api/v1/pki/signing-policies/" + shared["id"]),
                         shared)
        # An own policy is not for other signers.
        other = self.new_signer()
        self.assertError(admin().call("PATCH", "%s/%s" % (CM, other["id"]),
                                      {"approvalPolicyId": got["id"]}), 400,
                         message_contains="another signer")
        self.assertError(admin().call("POST", "/api/v1/pki/signing-policies", {
            "name": "signer:mine", "constraints": {"maxSignings": 5},
            "steps": [{"requiredApprovals": 1,
                       "approvers": [{"type": "user", "id": uid("lead1")}]}]}), 400)
        # Deleting the signer deletes its own policy.
        admin().ok("DELETE", "%s/%s" % (CM, signer["id"]))
        self.assertError(admin().call("GET", "/api/v1/pki/signing-policies/" + got["id"]), 404)

    def test_requests_list_and_revoke(self):
        signer = self.new_signer(
            members=[{"kind": "user", "id": uid("operator"), "role": "operator"}],
            approvalPolicy={"steps": [{"stepNumber": 1, "requiredApprovals": 1,
                                       "approverUserIds": [uid("lead1")]}],
                            "constraints": {"maxSignings": 5}})
        reqs = "%s/%s/requests" % (CM, signer["id"])
        op = as_(tok("operator"))
        first = self.assertOk(op.call("POST", reqs, {"justification": "a",
                                                     "requestedSignings": 1}))
        second = self.assertOk(op.call("POST", reqs, {"justification": "b",
                                                      "requestedSignings": 2}))
        approved = self.assertOk(as_(tok("lead1")).call(
            "POST", "/api/v1/pki/signing-requests/%s/approve" % second["id"], {}))
        listed = self.assertOk(admin().call("GET", reqs, query={"statuses": "pending,approved"}))
        self.assertEqual({r["id"] for r in listed["requests"]}, {first["id"], second["id"]})
        pending = self.assertOk(admin().call("GET", reqs, query={"statuses": "pending"}))
        self.assertEqual([r["id"] for r in pending["requests"]], [first["id"]])
        self.assertError(admin().call("GET", reqs, query={"statuses": "open"}), 400)
        # Revoke a pending request: withdrawn (Infisical's "revoked" = Signet's cancelled).
        r1 = self.assertOk(admin().call("POST", "%s/%s/revoke" % (reqs, first["id"])))
        self.assertEqual(r1["status"], "cancelled")
        revoked = self.assertOk(admin().call("GET", reqs, query={"statuses": "revoked"}))
        self.assertEqual([r["id"] for r in revoked["requests"]], [first["id"]])
        # Revoke an approved one: its grant is revoked, signing needs approval again.
        self.sign_ok(signer["id"], tok("operator"))
        r2 = self.assertOk(admin().call("POST", "%s/%s/revoke" % (reqs, second["id"]),
                                        {"revocationReason": "done"}))
        grant = admin().ok("GET", "/api/v1/pki/signing-grants/" + approved["grantId"])
        self.assertEqual((grant["status"], grant["revocationReason"]), ("revoked", "done"))
        self.assertEqual(r2["id"], second["id"])
        self.assertApprovalRequired(sign(F.api, tok("operator"), signer["id"], b"x", ALG))
        self.assertError(admin().call("POST", "%s/%s/revoke" % (reqs, first["id"])), 409)
        other = self.new_signer()
        self.assertError(admin().call("POST", "%s/%s/requests/%s/revoke"
                                      % (CM, other["id"], second["id"])), 404)

    def test_users_and_identities(self):
        signer = self.new_signer()
        base = "%s/%s" % (CM, signer["id"])
        lead1_email = F.users["lead1"][0]["email"]
        added = self.assertOk(admin().call("POST", base + "/users", {
            "userIds": [uid("operator")], "emails": [lead1_email, "nobody@signet.test"],
            "role": "operator"}))
        self.assertEqual(sorted(m["actorUserId"] for m in added["memberships"]),
                         sorted([uid("operator"), uid("lead1")]))
        self.assertEqual(added["unresolved"], ["nobody@signet.test"])
        self.assertEqual(added["skipped"], [])
        again = self.assertOk(admin().call("POST", base + "/users",
                                           {"userIds": [uid("operator")]}))
        self.assertEqual((again["memberships"], again["skipped"]), ([], [uid("operator")]))
        listed = self.assertOk(admin().call("GET", base + "/users"))["memberships"]
        self.assertEqual(len(listed), 3)  # the creator too
        for m in listed:
            self.assertEqual(set(m) >= {"membershipId", "signerId", "actorUserId",
                                        "actorIdentityId", "role", "createdAt"}, True)
        self.sign_ok(signer["id"], tok("operator"))
        changed = self.assertOk(admin().call("PATCH", base + "/users/" + uid("operator"),
                                             {"role": "auditor"}))
        self.assertEqual(changed["membership"]["role"], "auditor")
        self.assertError(sign(F.api, tok("operator"), signer["id"], b"x", ALG), 403)
        removed = self.assertOk(admin().call("DELETE", base + "/users/" + uid("operator")))
        self.assertEqual(removed["signerId"], signer["id"])
        self.assertError(sign(F.api, tok("operator"), signer["id"], b"x", ALG), 404)
        self.assertError(admin().call("DELETE", base + "/users/" + uid("operator")), 404)
        # Machine identities.
        identity, _, _, mtoken = F.machine
        m = self.assertOk(admin().call("POST", base + "/identities",
                                       {"identityId": identity["id"], "role": "operator"}))
        self.assertEqual(m["actorIdentityId"], identity["id"])
        self.sign_ok(signer["id"], mtoken)
        self.assertEqual([x["actorIdentityId"] for x in self.assertOk(
            admin().call("GET", base + "/identities"))["memberships"]], [identity["id"]])
        self.assertOk(admin().call("PATCH", base + "/identities/" + identity["id"],
                                   {"role": "auditor"}))
        self.assertOk(admin().call("DELETE", base + "/identities/" + identity["id"]))
        # Only signer admins manage members.
        self.assertError(as_(tok("lead1")).call("POST", base + "/users",
                                                {"userIds": [uid("lead2")]}), 403)
        self.assertError(admin().call("POST", base + "/users", {"userIds": []}), 400)

    def test_permissions(self):
        signer = self.new_signer(members=[{"kind": "user", "id": uid("operator"),
                                           "role": "operator"}])
        base = "%s/%s" % (CM, signer["id"])
        mine = self.assertOk(as_(tok("operator")).call("GET", base + "/permissions"))["data"]
        self.assertEqual(mine["memberships"][0]["actorUserId"], uid("operator"))
        self.assertEqual(mine["memberships"][0]["roles"], [{"role": "operator",
                                                            "customRoleSlug": None}])
        self.assertIn("sign", mine["permissions"][0]["action"])
        self.assertNotIn("edit", mine["permissions"][0]["action"])
        flags = self.assertOk(as_(tok("operator")).call("GET", base + "/my-permissions"))
        self.assertEqual((flags["canSign"], flags["canEdit"]), (True, False))
        self.assertError(as_(tok("member")).call("GET", base + "/permissions"), 404)

    def test_reissue_keeps_the_old_certificate_valid(self):
        signer = self.new_signer()
        old_pub = signer_public_key_pem(F.api, F.admin_token, signer["id"])
        data = os.urandom(32)
        old_sig = unb64(self.assertOk(sign(F.api, F.admin_token, signer["id"], data,
                                           ALG))["signature"])
        other_ca = create_ca(F.api, F.admin_token, "EC_secp384r1", unique("Second CA"))
        # API reference "Reissue Signer Certificate": {caId, commonName?, certificateTtlDays?,
        # keyAlgorithm?}.
        new = self.assertOk(admin().call(
            "POST", "%s/%s/certificate/reissue" % (CM, signer["id"]),
            {"caId": other_ca["id"], "keyAlgorithm": "EC_secp384r1", "certificateTtlDays": 10}))
        self.assertNotEqual(new["certificateId"], signer["certificateId"])
        self.assertEqual(new["certificateCaId"], other_ca["id"])
        self.assertEqual(new["certificateCommonName"], signer["certificateCommonName"])
        self.assertEqual(new["certificateKeyAlgorithm"], "EC_secp384r1")
        old_cert = admin().ok("GET", "/api/v1/pki/certificates/" + signer["certificateId"])
        self.assertEqual(old_cert["status"], "active")
        ok, out = openssl_verify(data, old_sig, ALG, public_key_pem=old_pub)
        self.assertTrue(ok, out)
        self.assertNotEqual(signer_public_key_pem(F.api, F.admin_token, signer["id"]), old_pub)
        self.sign_ok(signer["id"], F.admin_token)
        events = [e for e in audit_events("signer.certificate.reissue")
                  if e["target"]["id"] == signer["id"]]
        self.assertEqual(events[0]["details"]["previousCertificateId"], signer["certificateId"])
        self.assertError(admin().call("POST", "%s/%s/certificate/reissue" % (CM, signer["id"]),
                                      {"caId": other_ca["id"],
                                       "certificate": {"keySource": "hsm"}}), 400,
                         message_contains="keySource 'hsm' needs an HSM")


class ApprovalPolicyRoutesTest(InfisicalTestCase):
    def create_policy(self, **extra):
        # API reference "Create Approval Policy" (cert-code-signing): projectId, name,
        # maxRequestTtl, steps [{name, requiredApprovals, approvers [{type, id}]}],
        # bypassForMachineIdentities, conditions, constraints {maxWindowDuration, maxSignings}.
        body = {"projectId": F.project_id, "name": unique("ap"), "maxRequestTtl": "2d",
                "steps": [{"name": "leads", "requiredApprovals": 1, "notifyApprovers": False,
                           "approvers": [{"type": "user", "id": uid("lead1")}]}],
                "bypassForMachineIdentities": False, "conditions": [],
                "constraints": {"maxSignings": 3, "maxWindowDuration": "4h"}}
        body.update(extra)
        return admin().call("POST", AP, body)

    def test_policy_crud(self):
        created = self.assertOk(self.create_policy())["policy"]
        self.assertEqual(created["constraints"], {"version": 1, "constraints": {
            "maxSignings": 3, "maxWindowDuration": "4h"}})
        self.assertEqual(created["type"], "cert-code-signing")
        # notifyApprovers is kept per step (e-mail to the step's approvers; docs/notifications.md).
        self.assertFalse(created["steps"][0]["notifyApprovers"])
        notified = self.assertOk(self.create_policy(steps=[
            {"requiredApprovals": 1, "notifyApprovers": True,
             "approvers": [{"type": "user", "id": uid("lead1")}]}]))["policy"]
        self.assertTrue(notified["steps"][0]["notifyApprovers"])
        self.assertEqual(created["projectId"], F.project_id)
        listed = self.assertOk(admin().call("GET", AP, query={"scope": "project",
                                                              "id": F.project_id}))
        self.assertIn(created["id"], [p["id"] for p in listed["policies"]])
        got = self.assertOk(admin().call("GET", "%s/%s" % (AP, created["id"])))["policy"]
        self.assertEqual(got, created)
        patched = self.assertOk(admin().call("PATCH", "%s/%s" % (AP, created["id"]),
                                             {"constraints": {"maxSignings": 1}}))["policy"]
        self.assertEqual(patched["constraints"]["constraints"], {"maxSignings": 1})
        deleted = self.assertOk(admin().call("DELETE", "%s/%s" % (AP, created["id"])))
        self.assertEqual(deleted, {"policyId": created["id"]})

    def test_unsupported_policy_fields_say_so(self):
        cases = [({"enforcementLevel": "soft"}, "enforcementLevel"),
                 ({"bypassers": [{"type": "user", "id": uid("lead2")}]}, "bypassers"),
                 ({"steps": [{"requiredApprovals": 1, "approvers": [
                     {"type": "group", "id": str(uuid.uuid4())}]}]}, "group"),
                 ({"conditions": [{"signerIds": []}]}, "conditions[0].signerIds")]
        for extra, text in cases:
            with self.subTest(text=text):
                self.assertError(self.create_policy(**extra), 400, message_contains=text)
        self.assertError(admin().call("GET", AP, query={"scope": "org", "id": F.project_id}),
                         400)

    def test_request_approve_grant_revoke_and_check_policy_match(self):
        policy = self.assertOk(self.create_policy())["policy"]
        signer = self.assertOk(admin().call("POST", CM, infisical_signer(
            approvalPolicyId=policy["id"],
            members=[{"kind": "user", "id": uid("operator"), "role": "operator"}])))
        op = as_(tok("operator"))
        match = {"projectId": F.project_id,
                 "inputs": {"signerId": signer["id"], "approvalPolicyId": policy["id"]}}
        self.assertEqual(self.assertOk(op.call("POST", AP + "/check-policy-match", match)),
                         {"requiresApproval": True, "hasActiveGrant": False})
        # API reference "Create Approval Request": projectId, justification, requestDuration,
        # requestData {signerId, approvalPolicyId, signerName, justification,
        # requestedWindowDuration, requestedSignings, scope}.
        body = {"projectId": F.project_id, "justification": "release 2.4",
                "requestData": {"signerId": signer["id"], "approvalPolicyId": policy["id"],
                                "signerName": signer["name"], "requestedSignings": 2,
                                "requestedWindowDuration": "1h",
                                "scope": {"hostname": "ci-7"}}}
        request = self.assertOk(op.call("POST", AP + "/requests", body))["request"]
        self.assertEqual(request["status"], "pending")
        self.assertEqual(request["requestData"]["requestData"]["signerName"], signer["name"])
        self.assertEqual(request["justification"], "release 2.4")
        self.assertEqual(request["steps"][0]["status"], "in-progress")
        self.assertEqual(request["requesterEmail"], F.users["operator"][0]["email"])
        listed = self.assertOk(admin().call("GET", AP + "/requests",
                                            query={"scope": "project", "id": F.project_id}))
        self.assertIn(request["id"], [r["id"] for r in listed["requests"]])
        self.assertError(as_(tok("lead1")).call(
            "POST", "%s/requests/%s/approve" % (AP, request["id"]),
            {"bypassReason": "urgent hotfix please"}), 400, message_contains="not supported")
        approved = self.assertOk(as_(tok("lead1")).call(
            "POST", "%s/requests/%s/approve" % (AP, request["id"]), {"comment": "ok"}))["request"]
        self.assertEqual(approved["status"], "approved")
        self.assertEqual(self.assertOk(op.call("POST", AP + "/check-policy-match", match)),
                         {"requiresApproval": True, "hasActiveGrant": True})
        self.assertOk(sign(F.api, tok("operator"), signer["id"], b"x", ALG,
                           client_metadata={"hostname": "CI-7"}))
        grants = self.assertOk(admin().call("GET", AP + "/grants",
                                            query={"scope": "project", "id": F.project_id}))
        grant = [g for g in grants["grants"] if g["id"] == approved["grantId"]][0]
        self.assertEqual(grant["granteeUserId"], uid("operator"))
        self.assertEqual(grant["attributes"]["maxSignings"], 2)
        self.assertEqual(grant["attributes"]["scope"], {"hostname": "ci-7"})
        one = self.assertOk(admin().call("GET", "%s/grants/%s" % (AP, grant["id"])))["grant"]
        self.assertEqual(one["usedSignings"], 1)
        revoked = self.assertOk(admin().call("POST", "%s/grants/%s/revoke" % (AP, grant["id"]),
                                             {"revocationReason": "rotated"}))["grant"]
        self.assertEqual((revoked["status"], revoked["revocationReason"],
                          revoked["revokedByUserId"]), ("revoked", "rotated", F.admin["id"]))
        self.assertApprovalRequired(sign(F.api, tok("operator"), signer["id"], b"x", ALG,
                                         client_metadata={"hostname": "ci-7"}))
        # Reject and cancel through the same routes; the audit has each decision.
        r2 = self.assertOk(op.call("POST", AP + "/requests", body))["request"]
        rejected = self.assertOk(as_(tok("lead1")).call(
            "POST", "%s/requests/%s/reject" % (AP, r2["id"]), {"comment": "no"}))["request"]
        self.assertEqual(rejected["status"], "rejected")
        r3 = self.assertOk(op.call("POST", AP + "/requests", body))["request"]
        cancelled = self.assertOk(op.call("POST", "%s/requests/%s/cancel" % (AP, r3["id"])))
        self.assertEqual(cancelled["request"]["status"], "cancelled")
        self.assertTrue([e for e in audit_events("signing-request.reject")
                         if e["target"]["id"] == r2["id"]])
        # The request names the signer's policy; a different one is refused.
        wrong = dict(body, requestData=dict(body["requestData"],
                                            approvalPolicyId=str(uuid.uuid4())))
        self.assertError(op.call("POST", AP + "/requests", wrong), 400,
                         message_contains="approvalPolicyId")
        both = dict(body, requestDuration="2h")
        self.assertError(op.call("POST", AP + "/requests", both), 400,
                         message_contains="requestDuration")


# ---- Infisical's documented reply shapes (API reference, "Code Signing" and "Approval
# Policies"; response schemas as published). Signet's replies are supersets. ----

# PkiSigners: create, update, delete, status (and list items, with four read-model fields).
SIGNER_KEYS = {"id", "projectId", "name", "description", "status", "certificateId",
               "approvalPolicyId", "lastSignedAt", "createdAt", "updatedAt", "caId", "commonName",
               "certificateTtlDays", "certificateRenewBeforeDays", "certificateFailureReason",
               "keyAlgorithm"}
SIGNER_LIST_KEYS = SIGNER_KEYS | {"certificateCommonName", "certificateSerialNumber",
                                  "certificateNotAfter", "approvalPolicyName"}
# GET /signers/{id}: the certificate read model.
SIGNER_GET_KEYS = SIGNER_LIST_KEYS | {"certificateNotBefore", "certificateKeyAlgorithm",
                                      "certificateKeySource", "certificateHsmConnectorId",
                                      "certificateStatus", "certificateCaId"}
SIGN_KEYS = {"signature", "signingAlgorithm", "signerId"}
PUBLIC_KEY_KEYS = {"publicKey", "algorithm"}
CERTIFICATE_KEYS = {"certificatePem", "serialNumber", "signerName"}
OPERATION_KEYS = {"id", "signerId", "projectId", "status", "signingAlgorithm", "dataHash",
                  "actorType", "actorId", "actorName", "approvalGrantId", "clientMetadata",
                  "errorMessage", "createdAt"}
SIGNER_POLICY_KEYS = {"id", "signerId", "hasSteps", "steps", "constraints"}
MEMBER_KEYS = {"membershipId", "signerId", "actorUserId", "actorIdentityId", "actorGroupId",
               "role", "customRoleId", "createdAt", "updatedAt"}
MY_PERMISSIONS_KEYS = {"canRead", "canEdit", "canDelete", "canEnableDisable", "canManageMembers",
                       "canManagePolicy", "canSign", "canRequestSign", "canPreApprove",
                       "canReissueCertificate", "canExportCertificate"}
REQUEST_KEYS = {"id", "projectId", "policyId", "requesterId", "machineIdentityId",
                "requesterName", "requesterEmail", "type", "status", "justification",
                "currentStep", "requestData", "expiresAt", "createdAt", "updatedAt", "steps"}
STEP_KEYS = {"name", "requiredApprovals", "stepNumber", "status", "approvers", "approvals"}
GRANT_KEYS = {"id", "projectId", "requestId", "granteeUserId", "revokedByUserId",
              "revocationReason", "status", "type", "attributes", "createdAt", "expiresAt",
              "revokedAt", "granteeMachineIdentityId"}
POLICY_KEYS = {"id", "projectId", "name", "type", "maxRequestTtl", "steps", "conditions",
               "constraints", "bypassForMachineIdentities", "enforcementLevel", "bypassers"}


class DocumentedShapesTest(InfisicalTestCase):
    """Each request as Infisical's API reference documents it, and the documented reply keys."""

    def assertKeys(self, reply, keys, what):
        self.assertIsInstance(reply, dict, what)
        missing = keys - set(reply)
        self.assertFalse(missing, "%s lacks %s: %r" % (what, sorted(missing), reply))

    def test_signer_endpoints(self):
        # Create Signer — the documented body of the newest form.
        body = {"name": unique("doc"), "description": "Release builds", "caId": F.ca["id"],
                "commonName": "Doc Release", "certificateTtlDays": 90,
                "keyAlgorithm": "EC_prime256v1",
                "members": [{"kind": "user", "id": uid("operator"), "role": "operator"}],
                "approvalPolicy": {"steps": [], "constraints": {}}}
        created = self.assertOk(admin().call("POST", CM, body))
        self.assertKeys(created, SIGNER_KEYS, "create")
        self.assertEqual(created["certificateTtlDays"], 90)
        sid = created["id"]
        # List Signers (?offset&limit&search), Get Signer.
        listed = self.assertOk(admin().call("GET", CM, query={"offset": 0, "limit": 20,
                                                              "search": body["name"]}))
        self.assertEqual(listed["totalCount"], 1)
        self.assertKeys(listed["signers"][0], SIGNER_LIST_KEYS, "list item")
        self.assertKeys(self.assertOk(admin().call("GET", "%s/%s" % (CM, sid))), SIGNER_GET_KEYS,
                        "get")
        # Update Signer {name?, description? (nullable)}; Update Signer Status {status}.
        self.assertKeys(self.assertOk(admin().call("PATCH", "%s/%s" % (CM, sid),
                                                   {"description": None})), SIGNER_KEYS, "update")
        self.assertKeys(self.assertOk(admin().call("PATCH", "%s/%s/status" % (CM, sid),
                                                   {"status": "active"})), SIGNER_KEYS, "status")
        # Sign: {data (base64), signingAlgorithm, isDigest, clientMetadata{tool, hostname, …}}.
        digest = os.urandom(32)
        signed = self.assertOk(admin().call("POST", "%s/%s/sign" % (CM, sid), {
            "data": b64(digest), "signingAlgorithm": "ECDSA_SHA256", "isDigest": True,
            "clientMetadata": {"tool": "jarsigner", "hostname": "ci-7", "command": "jarsigner app.jar",
                               "osUsername": "ci", "signingApplication": "jarsigner",
                               "signingApplicationHash": "a" * 64}}))
        self.assertKeys(signed, SIGN_KEYS, "sign")
        pub = self.assertOk(admin().call("GET", "%s/%s/public-key" % (CM, sid)))
        self.assertKeys(pub, PUBLIC_KEY_KEYS, "public key")
        ok, out = openssl_verify(digest, unb64(signed["signature"]), ALG, is_digest=True,
                                 public_key_pem=signer_public_key_pem(F.api, F.admin_token, sid))
        self.assertTrue(ok, out)
        self.assertKeys(self.assertOk(admin().call("GET", "%s/%s/certificate" % (CM, sid))),
                        CERTIFICATE_KEYS, "certificate")
        ops = self.assertOk(admin().call("GET", "%s/%s/operations" % (CM, sid),
                                         query={"offset": 0, "limit": 20, "status": "success"}))
        self.assertKeys(ops["operations"][0], OPERATION_KEYS, "operation")
        self.assertEqual(ops["operations"][0]["clientMetadata"]["tool"], "jarsigner")
        # Members, permissions, approval policy.
        users = self.assertOk(admin().call("GET", "%s/%s/users" % (CM, sid)))
        for m in users["memberships"]:
            self.assertKeys(m, MEMBER_KEYS, "membership")
        eff = self.assertOk(admin().call("GET", "%s/%s/effective-users" % (CM, sid)))
        self.assertEqual({m["actorUserId"] for m in eff["members"]},
                         {m["actorUserId"] for m in users["memberships"]})
        self.assertKeys(self.assertOk(admin().call("GET", "%s/%s/my-permissions" % (CM, sid))),
                        MY_PERMISSIONS_KEYS, "my-permissions")
        perms = self.assertOk(admin().call("GET", "%s/%s/permissions" % (CM, sid)))
        self.assertKeys(perms["data"], {"permissions", "memberships"}, "permissions")
        self.assertKeys(self.assertOk(admin().call("GET", "%s/%s/approval-policy" % (CM, sid))),
                        SIGNER_POLICY_KEYS, "approval policy")
        self.assertKeys(self.assertOk(admin().call("POST", "%s/%s/issuance/check" % (CM, sid))),
                        SIGNER_KEYS, "issuance check")
        # Reissue: {caId, commonName?, certificateTtlDays?, keyAlgorithm?}.
        self.assertKeys(self.assertOk(admin().call("POST", "%s/%s/certificate/reissue" % (CM, sid),
                                                   {"caId": F.ca["id"], "certificateTtlDays": 30})),
                        SIGNER_KEYS, "reissue")
        self.assertKeys(self.assertOk(admin().call("DELETE", "%s/%s" % (CM, sid))), SIGNER_KEYS,
                        "delete")

    def test_legacy_create_with_approval_policy_id(self):
        # Create Signer, the form with a certificate and approvalPolicyId: the policy applies.
        policy = self.assertOk(admin().call("POST", AP, {
            "projectId": F.project_id, "name": unique("legacy"),
            "steps": [{"requiredApprovals": 1, "approvers": [{"type": "user", "id": uid("lead1")}]}],
            "constraints": {"maxSignings": 1}}))["policy"]
        cert = issue_certificate(F.api, F.admin_token, F.ca["id"])
        signer = self.assertOk(admin().call("POST", CM, {
            "name": unique("legacy"), "certificateId": cert["certificateId"],
            "approvalPolicyId": policy["id"]}))
        self.assertKeys(signer, SIGNER_KEYS, "create")
        self.assertEqual(signer["approvalPolicyId"], policy["id"])
        self.assertOk(admin().call("POST", "%s/%s/users" % (CM, signer["id"]),
                                   {"userIds": [uid("operator")], "role": "operator"}))
        self.assertApprovalRequired(sign(F.api, tok("operator"), signer["id"], b"x", ALG))

    def test_request_and_grant_endpoints(self):
        signer = self.assertOk(admin().call("POST", CM, infisical_signer(
            members=[{"kind": "user", "id": uid("operator"), "role": "operator"},
                     {"kind": "identity", "id": F.machine[0]["id"], "role": "operator"}],
            approvalPolicy={"steps": [{"stepNumber": 1, "requiredApprovals": 1,
                                       "approverUserIds": [uid("lead1")]}],
                            "constraints": {"maxSignings": 5, "maxWindowDuration": "8h"}})))
        sid = signer["id"]
        # Request To Sign: {justification, requestedSignings?, requestedWindowStart?, …End?}.
        start = datetime.now(timezone.utc) + timedelta(seconds=1)
        end = start + timedelta(hours=2)
        request = self.assertOk(as_(tok("operator")).call("POST", "%s/%s/requests" % (CM, sid), {
            "justification": "CI/CD release build", "requestedSignings": 2,
            "requestedWindowStart": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "requestedWindowEnd": end.strftime("%Y-%m-%dT%H:%M:%SZ")}))
        self.assertKeys(request, REQUEST_KEYS, "request")
        self.assertKeys(request["steps"][0], STEP_KEYS, "request step")
        listed = self.assertOk(admin().call("GET", "%s/%s/requests" % (CM, sid),
                                            query={"statuses": "pending", "offset": 0, "limit": 25}))
        self.assertEqual([r["id"] for r in listed["requests"]], [request["id"]])
        # Pre-approve: {granteeUserId|granteeIdentityId, justification, requestedSignings?}.
        pre = self.assertOk(admin().call("POST", "%s/%s/requests/pre-approve" % (CM, sid), {
            "granteeIdentityId": F.machine[0]["id"], "justification": "nightly",
            "requestedSignings": 3}))
        self.assertKeys(pre["request"], REQUEST_KEYS, "pre-approved request")
        self.assertKeys(pre["grant"], GRANT_KEYS, "pre-approved grant")
        # The generic routes see the same request and grant.
        got = self.assertOk(admin().call("GET", "%s/requests/%s" % (AP, request["id"])))["request"]
        self.assertEqual(got["id"], request["id"])
        grant = self.assertOk(admin().call("GET", "%s/grants/%s" % (AP, pre["grant"]["id"])))["grant"]
        self.assertKeys(grant, GRANT_KEYS, "grant")
        self.assertEqual(grant["granteeMachineIdentityId"], F.machine[0]["id"])
        policies = self.assertOk(admin().call("GET", AP, query={"scope": "project",
                                                                "id": F.project_id}))
        for p in policies["policies"]:
            self.assertKeys(p, POLICY_KEYS, "policy")


class ModuleWithInfisicalConfigTest(InfisicalTestCase):
    """The PKCS#11 module started with only an Infisical configuration file."""

    def test_pkcs11_tool_signs_with_an_infisical_config_file(self):
        if os.environ.get("SIGNET_SANITIZE", "").upper() in ("ON", "1", "TRUE"):
            self.skipTest("the tools cannot load an ASan-built module")
        import shutil
        import subprocess
        tool = shutil.which("pkcs11-tool")
        if tool is None:
            raise AssertionError("pkcs11-tool is not installed (scripts/install-deps.sh)")
        module = os.path.join(os.environ.get("SIGNET_BUILD_DIR", "build"), "lib",
                              "libsignet-pkcs11.so")
        signer = self.assertOk(admin().call("POST", CM, infisical_signer(
            members=[{"kind": "identity", "id": F.machine[0]["id"], "role": "operator"}])))
        with tempfile.TemporaryDirectory() as d:
            conf = write_file(os.path.join(d, "pkcs11.conf"), json.dumps({
                "server_url": F.server.base_url,
                "auth": {"client_id": F.machine[1], "client_secret": F.machine[2]}}))
            os.chmod(conf, 0o600)
            env = {k: v for k, v in os.environ.items()
                   if not k.startswith(("SIGNET_", "INFISICAL_"))}
            env["INFISICAL_CONFIG"] = conf
            data = write_file(os.path.join(d, "data"), os.urandom(500))
            sig = os.path.join(d, "sig")
            proc = subprocess.run([tool, "--module", os.path.abspath(module), "--token-label",
                                   signer["name"], "--sign", "-m", "ECDSA-SHA256",
                                   "--signature-format", "openssl", "-i", data, "-o", sig],
                                  env=env, capture_output=True, text=True, timeout=120)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            with open(data, "rb") as f, open(sig, "rb") as g:
                ok, out = openssl_verify(f.read(), g.read(), ALG,
                                         public_key_pem=signer_public_key_pem(F.api, F.admin_token,
                                                                              signer["id"]))
            self.assertTrue(ok, out)


if __name__ == "__main__":
    unittest.main()
