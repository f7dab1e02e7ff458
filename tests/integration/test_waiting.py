#!/usr/bin/env python3
"""Waiting for an approval decision: GET /api/v1/pki/signing-requests/{id}?waitSeconds=N
(long poll), `signet sign --request --justification T --wait D` (a CI job that asks, waits
and signs once approved) and `signet requests watch`. Signatures are checked with openssl.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from signet_testlib import (  # noqa: E402
    BUILD_DIR, SignetTestCase, add_project_member, create_ca, create_user, default_project_id,
    issue_certificate, openssl_verify, signer_public_key_pem, start_module_server, unique)

SIGNET = os.path.join(BUILD_DIR, "bin", "signet")
SIGNERS = "/api/v1/pki/signers"
REQUESTS = "/api/v1/pki/signing-requests"


class Fixture:
    server = None
    api = None
    admin = None
    admin_token = None
    project_id = None
    ca = None
    users = {}


F = Fixture


def setUpModule():
    def set_up():
        F.project_id = default_project_id(F.api, F.admin_token)
        F.ca = create_ca(F.api, F.admin_token, "EC_prime256v1", "Signet waiting IT root")
        for name in ("alice", "bob", "carol"):
            user, token = create_user(F.api, F.admin_token)
            add_project_member(F.api, F.admin_token, F.project_id, user_id=user["id"])
            F.users[name] = (user, token)

    start_module_server(F, set_up)


def tearDownModule():
    if F.server is not None:
        F.server.cleanup()


def as_(name):
    return F.api.with_token(F.users[name][1])


def signer_needing_bob():
    policy = F.api.ok("POST", "/api/v1/pki/signing-policies", {
        "name": unique("wait"), "constraints": {"maxSignings": 2},
        "steps": [{"requiredApprovals": 1,
                   "approvers": [{"type": "user", "id": F.users["bob"][0]["id"]}]}]})
    cert = issue_certificate(F.api, F.admin_token, F.ca["id"], "EC_prime256v1")
    signer = F.api.ok("POST", SIGNERS, {"name": unique("wait"), "certificateId": cert["certificateId"],
                                        "signingPolicyId": policy["id"]})
    F.api.ok("POST", "%s/%s/members" % (SIGNERS, signer["id"]),
             {"userId": F.users["alice"][0]["id"], "role": "operator"})
    return signer


def pending_requests(signer_id):
    reply = as_("bob").ok("GET", REQUESTS, query={"status": "pending", "signerId": signer_id})
    return reply["requests"]


class LongPollTest(SignetTestCase):
    def test_answers_as_soon_as_the_request_is_decided(self):
        signer = signer_needing_bob()
        req = as_("alice").ok("POST", "%s/%s/requests" % (SIGNERS, signer["id"]),
                              {"justification": "poll"})
        result = {}

        def poll():
            started = time.monotonic()
            result["reply"] = as_("alice").call("GET", "%s/%s" % (REQUESTS, req["id"]),
                                                query={"waitSeconds": "30"})
            result["took"] = time.monotonic() - started
        t = threading.Thread(target=poll)
        t.start()
        time.sleep(1.0)
        self.assertTrue(t.is_alive(), "the poll answered before anything changed")
        as_("bob").ok("POST", "%s/%s/approve" % (REQUESTS, req["id"]), {})
        t.join(20)
        status, body = result["reply"]
        self.assertEqual(status, 200, body)
        self.assertEqual(body["status"], "approved")
        self.assertIsNotNone(body["grantId"])
        self.assertLess(result["took"], 10)
        self.assertGreaterEqual(result["took"], 0.9)

    def test_times_out_with_the_unchanged_state(self):
        signer = signer_needing_bob()
        req = as_("alice").ok("POST", "%s/%s/requests" % (SIGNERS, signer["id"]),
                              {"justification": "poll"})
        started = time.monotonic()
        body = as_("alice").ok("GET", "%s/%s" % (REQUESTS, req["id"]), query={"waitSeconds": "2"})
        took = time.monotonic() - started
        self.assertEqual(body["status"], "pending")
        self.assertGreaterEqual(took, 1.9)
        self.assertLess(took, 8)
        # A decided request answers at once.
        as_("alice").ok("POST", "%s/%s/cancel" % (REQUESTS, req["id"]), {})
        started = time.monotonic()
        body = as_("alice").ok("GET", "%s/%s" % (REQUESTS, req["id"]), query={"waitSeconds": "30"})
        self.assertEqual(body["status"], "cancelled")
        self.assertLess(time.monotonic() - started, 5)

    def test_bad_wait_seconds_and_invisible_requests(self):
        signer = signer_needing_bob()
        req = as_("alice").ok("POST", "%s/%s/requests" % (SIGNERS, signer["id"]),
                              {"justification": "poll"})
        for bad in ("61", "-1", "abc", "1.5"):
            with self.subTest(bad=bad):
                self.assertError(as_("alice").call("GET", "%s/%s" % (REQUESTS, req["id"]),
                                                   query={"waitSeconds": bad}),
                                 400, "BadRequest", message_contains="waitSeconds")
        outsider, token = create_user(F.api, F.admin_token)
        self.assertError(F.api.call("GET", "%s/%s" % (REQUESTS, req["id"]), token=token,
                                    query={"waitSeconds": "5"}), 404, "NotFound")


class CliWaitTest(SignetTestCase):
    def setUp(self):
        if not os.path.exists(SIGNET):
            raise RuntimeError("signet not built: %s" % SIGNET)
        self.work = tempfile.mkdtemp(prefix="signet-wait-")
        self.addCleanup(shutil.rmtree, self.work, True)

    def env(self, name):
        env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNET_")}
        env.update({"HOME": self.work, "SIGNET_SERVER_URL": F.server.base_url,
                    "SIGNET_TOKEN": F.users[name][1]})
        return env

    def start(self, *args):
        proc = subprocess.Popen([SIGNET] + list(args), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=self.env("alice"))
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        return proc

    def wait_for_request(self, signer_id):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            pending = pending_requests(signer_id)
            if pending:
                return pending[0]
            time.sleep(0.2)
        raise AssertionError("no request was made for signer %s" % signer_id)

    def test_sign_waits_for_approval_then_signs(self):
        signer = signer_needing_bob()
        data = os.urandom(5000)
        path = os.path.join(self.work, "app.bin")
        with open(path, "wb") as f:
            f.write(data)
        proc = self.start("sign", "--signer", signer["name"], "--algorithm", "ECDSA_SHA256",
                          "--in", path, "--request", "--justification", "CI build 42",
                          "--wait", "2m")
        req = self.wait_for_request(signer["id"])
        self.assertEqual(req["justification"], "CI build 42")
        time.sleep(1)
        self.assertIsNone(proc.poll(), "signet did not wait")
        as_("bob").ok("POST", "%s/%s/approve" % (REQUESTS, req["id"]), {})
        out, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 0, err.decode())
        self.assertIn(req["id"], err.decode())
        self.assertIn("/approvals/" + req["id"], err.decode())
        with open(path + ".sig", "rb") as f:
            signature = f.read()
        ok, output = openssl_verify(data, signature, "ECDSA_SHA256",
                                    public_key_pem=signer_public_key_pem(F.api, F.admin_token,
                                                                         signer["id"]))
        self.assertTrue(ok, output)

    def test_sign_reports_the_next_step_counted_from_one(self):
        policy = F.api.ok("POST", "/api/v1/pki/signing-policies", {
            "name": unique("wait2"), "constraints": {"maxSignings": 1},
            "steps": [{"requiredApprovals": 1,
                       "approvers": [{"type": "user", "id": F.users["bob"][0]["id"]}]},
                      {"requiredApprovals": 1,
                       "approvers": [{"type": "user", "id": F.users["carol"][0]["id"]}]}]})
        cert = issue_certificate(F.api, F.admin_token, F.ca["id"], "EC_prime256v1")
        signer = F.api.ok("POST", SIGNERS, {"name": unique("wait2"),
                                            "certificateId": cert["certificateId"],
                                            "signingPolicyId": policy["id"]})
        F.api.ok("POST", "%s/%s/members" % (SIGNERS, signer["id"]),
                 {"userId": F.users["alice"][0]["id"], "role": "operator"})
        path = os.path.join(self.work, "two.bin")
        with open(path, "wb") as f:
            f.write(b"two steps")
        proc = self.start("sign", "--signer", signer["name"], "--algorithm", "ECDSA_SHA256",
                          "--in", path, "--request", "--justification", "two steps",
                          "--wait", "2m")
        req = self.wait_for_request(signer["id"])
        as_("bob").ok("POST", "%s/%s/approve" % (REQUESTS, req["id"]), {})
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            got = as_("bob").ok("GET", "%s/%s" % (REQUESTS, req["id"]))
            if got["currentStep"] == 1:
                break
            time.sleep(0.2)
        time.sleep(2)  # the waiting CLI sees the change within its long poll
        as_("carol").ok("POST", "%s/%s/approve" % (REQUESTS, req["id"]), {})
        _, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 0, err.decode())
        self.assertIn("request %s moved on to step 2\n" % req["id"], err.decode())
        self.assertNotIn("step 1\n", err.decode())
        self.assertTrue(os.path.exists(path + ".sig"))

    def test_sign_exits_6_on_rejection_and_signs_nothing(self):
        signer = signer_needing_bob()
        path = os.path.join(self.work, "app.bin")
        with open(path, "wb") as f:
            f.write(b"payload")
        proc = self.start("sign", "--signer", signer["name"], "--algorithm", "ECDSA_SHA256",
                          "--in", path, "--request", "--justification", "CI", "--wait", "2m")
        req = self.wait_for_request(signer["id"])
        as_("bob").ok("POST", "%s/%s/reject" % (REQUESTS, req["id"]), {"comment": "no"})
        _, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 6, err.decode())
        self.assertIn("rejected", err.decode())
        self.assertFalse(os.path.exists(path + ".sig"))

    def test_sign_without_wait_requests_and_exits_7(self):
        signer = signer_needing_bob()
        path = os.path.join(self.work, "app.bin")
        with open(path, "wb") as f:
            f.write(b"payload")
        proc = self.start("sign", "--signer", signer["name"], "--algorithm", "ECDSA_SHA256",
                          "--in", path, "--request", "--justification", "CI")
        _, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 7, err.decode())
        self.assertEqual(len(pending_requests(signer["id"])), 1)
        # --wait needs --request; --request needs --justification.
        for args, text in ((["--wait", "1m"], "--request"), (["--request"], "--justification")):
            proc = self.start("sign", "--signer", signer["name"], "--algorithm", "ECDSA_SHA256",
                              "--in", path, *args)
            _, err = proc.communicate(timeout=60)
            self.assertEqual(proc.returncode, 1, err.decode())
            self.assertIn(text, err.decode())

    def test_requests_watch_follows_one_request(self):
        signer = signer_needing_bob()
        req = as_("alice").ok("POST", "%s/%s/requests" % (SIGNERS, signer["id"]),
                              {"justification": "watch"})
        proc = self.start("requests", "watch", req["id"], "--for", "1m")
        time.sleep(1)
        self.assertIsNone(proc.poll())
        as_("bob").ok("POST", "%s/%s/approve" % (REQUESTS, req["id"]), {})
        out, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 0, err.decode())
        lines = out.decode().splitlines()
        self.assertIn("pending", lines[0])
        self.assertIn("approved", lines[-1])
        self.assertIn(signer["name"], lines[-1])


if __name__ == "__main__":
    unittest.main()
