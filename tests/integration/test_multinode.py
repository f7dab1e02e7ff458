#!/usr/bin/env python3
"""Several signetd nodes on one PostgreSQL database (SPEC §7, docs/deploy.md).

A throw-away PostgreSQL cluster is started for this module by scripts/pg-test-cluster.sh (a
temp directory, a loopback port, run as the `postgres` user under root) and stopped at the
end; each test gets its own database and two nodes `a` and `b` with the same root key.
Missing PostgreSQL binaries fail the suite (the script names the package); nothing skips.
"""

import base64
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import uuid

from signet_testlib import (ADMIN_EMAIL, ADMIN_PASSWORD, REPO_DIR, SignetServer, SignetTestCase,
                            add_project_member, create_ca, create_code_signer, create_user,
                            default_project_id, issue_certificate, list_all, login,
                            openssl_verify, sha256_hex, sign, signer_public_key_pem, unique)

CLUSTER_SCRIPT = os.path.join(REPO_DIR, "scripts", "pg-test-cluster.sh")
_CLUSTER = {}


def cluster(*args):
    proc = subprocess.run([CLUSTER_SCRIPT] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError("pg-test-cluster.sh %s failed (%d): %s"
                           % (" ".join(args), proc.returncode, proc.stderr.decode()))
    return proc.stdout.decode().strip()


def setUpModule():
    _CLUSTER["dir"] = tempfile.mkdtemp(prefix="signet-pg-it-")
    os.rmdir(_CLUSTER["dir"])  # the script creates it with the right owner
    cluster("start", _CLUSTER["dir"])


def tearDownModule():
    if "dir" in _CLUSTER:
        cluster("stop", _CLUSTER["dir"])


def wait_for(predicate, timeout, interval=0.05):
    """Polls predicate() until it returns a true value or timeout seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


class MultiNodeTest(SignetTestCase):
    def setUp(self):
        self.db_url = cluster("createdb", _CLUSTER["dir"], "signet_" + uuid.uuid4().hex[:12])
        self.root_key = base64.b64encode(os.urandom(32)).decode()
        self.nodes = {}
        for node_id in ("a", "b"):
            server = SignetServer(extra_args=["--database", self.db_url, "--workers", "4",
                                              "--notify-retry", "1s", "--notify-retry-max", "2s"],
                                  env={"SIGNET_ROOT_KEY": self.root_key}, node_id=node_id,
                                  bootstrap_env=True)
            self.addCleanup(server.cleanup)
            self.nodes[node_id] = server
        # Both nodes start together with the same bootstrap variables.
        errors = []

        def start(server):
            try:
                server.start()
            except Exception as e:  # reported below
                errors.append(e)
        threads = [threading.Thread(target=start, args=(s,)) for s in self.nodes.values()]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        self.a = self.nodes["a"].api()
        self.b = self.nodes["b"].api()
        self.token = login(self.a, ADMIN_EMAIL, ADMIN_PASSWORD)

    # -- helpers ---------------------------------------------------------------------------

    def make_signer(self, key_algorithm="EC_prime256v1"):
        ca = create_ca(self.a, self.token)
        signer = create_code_signer(self.a, self.token, ca["id"], key_algorithm)
        return signer, signer_public_key_pem(self.b, self.token, signer["id"])

    def assert_audit_valid(self, api):
        status, report = api.get("/api/v1/audit-logs/verify", token=self.token)
        self.assertEqual(status, 200, report)
        self.assertTrue(report["valid"], report)
        self.assertGreater(report["checked"], 0)
        return report

    def audit_node_ids(self, api):
        events, _ = list_all(api, self.token, "/api/v1/audit-logs", "auditLogs")
        return {e["nodeId"] for e in events}

    def run_load(self, apis, signer_id, count, threads=8, stop=None):
        """Signs `count` distinct payloads spread over `apis`; returns a list of
        (api index, data, status, body)."""
        results = []
        lock = threading.Lock()
        next_index = [0]

        def worker():
            while stop is None or not stop.is_set():
                with lock:
                    i = next_index[0]
                    next_index[0] += 1
                if i >= count:
                    return
                which = i % len(apis)
                data = uuid.uuid4().bytes + i.to_bytes(4, "big")
                try:
                    status, body = sign(apis[which], self.token, signer_id, data, "ECDSA_SHA256")
                except OSError as e:  # a killed node drops its connections
                    status, body = None, str(e)
                with lock:
                    results.append((which, data, status, body))
        pool = [threading.Thread(target=worker) for _ in range(threads)]
        for t in pool:
            t.start()
        return pool, results

    # -- tests -----------------------------------------------------------------------------

    def test_bootstrap_once_and_concurrent_signing_over_both_nodes(self):
        users, total = list_all(self.b, self.token, "/api/v1/users", "users")
        self.assertEqual(total, 1, users)  # both nodes tried to bootstrap; one did
        projects, _ = list_all(self.b, self.token, "/api/v1/projects", "projects")
        self.assertEqual(len([p for p in projects if p.get("slug") == "default"]), 1)
        self.assertEqual(self.a.post("/api/v1/admin/bootstrap",
                                     {"email": "x@signet.test", "password": ADMIN_PASSWORD})[0],
                         409)

        signer, public_pem = self.make_signer()
        pool, results = self.run_load([self.a, self.b], signer["id"], 120, threads=8)
        for t in pool:
            t.join()
        self.assertEqual(len(results), 120)
        per_node = {0: 0, 1: 0}
        for which, data, status, body in results:
            self.assertEqual(status, 200, body)
            per_node[which] += 1
            ok, out = openssl_verify(data, base64.b64decode(body["signature"]), "ECDSA_SHA256",
                                     public_key_pem=public_pem)
            self.assertTrue(ok, out)
        self.assertEqual(per_node, {0: 60, 1: 60})
        ops, total = list_all(self.a, self.token,
                              "/api/v1/pki/signers/%s/operations" % signer["id"], "operations")
        self.assertEqual(total, 120)
        self.assertEqual({o["dataHash"] for o in ops}, {sha256_hex(r[1]) for r in results})
        self.assertEqual(self.audit_node_ids(self.a) >= {"a", "b"}, True)
        self.assert_audit_valid(self.a)
        self.assert_audit_valid(self.b)

    def test_changes_on_one_node_are_seen_on_the_other_within_a_second(self):
        signer, _ = self.make_signer()
        user, user_token = create_user(self.a, self.token)
        # The token works on b (and is now in b's cache).
        self.assertEqual(self.b.get("/api/v1/pki/signers", token=user_token)[0], 200)
        self.assertEqual(self.a.post("/api/v1/auth/logout", {}, token=user_token)[0], 200)
        started = time.monotonic()
        rejected = wait_for(lambda: self.b.get("/api/v1/pki/signers", token=user_token)[0] == 401,
                            timeout=3.0, interval=0.02)
        took = time.monotonic() - started
        self.assertTrue(rejected, "the revoked token still works on node b")
        self.assertLess(took, 1.0, "node b accepted a revoked token for %.2fs" % took)

        data = b"payload"
        self.assertEqual(sign(self.b, self.token, signer["id"], data, "ECDSA_SHA256")[0], 200)
        self.assertEqual(self.a.patch("/api/v1/pki/signers/%s" % signer["id"],
                                      {"status": "disabled"}, token=self.token)[0], 200)
        started = time.monotonic()
        refused = wait_for(
            lambda: sign(self.b, self.token, signer["id"], data, "ECDSA_SHA256")[0] == 400,
            timeout=3.0, interval=0.02)
        took = time.monotonic() - started
        self.assertTrue(refused, "node b still signs with a disabled signer")
        self.assertLess(took, 1.0, "node b signed with a disabled signer for %.2fs" % took)
        status, got = self.b.get("/api/v1/pki/signers/%s" % signer["id"], token=self.token)
        self.assertEqual((status, got["status"]), (200, "disabled"))
        self.assert_audit_valid(self.b)

    def test_a_node_killed_mid_load_loses_no_acknowledged_signature(self):
        signer, public_pem = self.make_signer()
        stop = threading.Event()
        pool, results = self.run_load([self.a, self.b], signer["id"], 100000, threads=8,
                                      stop=stop)
        wait_for(lambda: sum(1 for r in list(results) if r[0] == 0 and r[2] == 200) >= 40,
                 timeout=60)
        self.nodes["a"].kill()
        killed_at = len(results)
        # b keeps serving: wait for another 40 successes from b after the kill.
        wait_for(lambda: sum(1 for r in list(results)[killed_at:] if r[0] == 1 and r[2] == 200)
                 >= 40, timeout=60)
        stop.set()
        for t in pool:
            t.join()
        acked = [r for r in results if r[2] == 200]
        from_a = [r for r in acked if r[0] == 0]
        from_b_after = [r for r in results[killed_at:] if r[0] == 1 and r[2] == 200]
        self.assertGreaterEqual(len(from_a), 40)
        self.assertGreaterEqual(len(from_b_after), 40)
        for which, data, status, body in results:
            if which == 1:
                self.assertEqual(status, 200, body)  # b never failed
        ops, _ = list_all(self.b, self.token,
                          "/api/v1/pki/signers/%s/operations" % signer["id"], "operations",
                          query={"status": "success"})
        recorded = {o["dataHash"] for o in ops}
        missing = [sha256_hex(r[1]) for r in acked if sha256_hex(r[1]) not in recorded]
        self.assertEqual(missing, [], "signatures answered 200 without an operation record")
        for which, data, status, body in acked[:20] + acked[-20:]:
            ok, out = openssl_verify(data, base64.b64decode(body["signature"]), "ECDSA_SHA256",
                                     public_key_pem=public_pem)
            self.assertTrue(ok, out)
        self.assert_audit_valid(self.b)
        # The killed node's id is free again: it restarts and continues its own chain.
        self.nodes["a"].start()
        self.a = self.nodes["a"].api()
        self.assertEqual(sign(self.a, self.token, signer["id"], b"after restart",
                              "ECDSA_SHA256")[0], 200)
        report = self.assert_audit_valid(self.a)
        self.assertEqual(self.audit_node_ids(self.a) >= {"a", "b"}, True)
        self.assertGreaterEqual(report["checked"], len(acked))

    def test_grant_use_stays_exact_across_nodes(self):
        """40 parallel sign calls over both nodes on a 7-signing grant: exactly 7 succeed."""
        lead, _ = create_user(self.a, self.token)
        requester, requester_token = create_user(self.a, self.token)
        project_id = default_project_id(self.a, self.token)
        for user in (lead, requester):
            add_project_member(self.a, self.token, project_id, user_id=user["id"])
        policy = self.a.ok("POST", "/api/v1/pki/signing-policies", {
            "name": unique("policy"),
            "steps": [{"name": "lead", "requiredApprovals": 1,
                       "approvers": [{"type": "user", "id": lead["id"]}]}],
            "constraints": {"maxSignings": 7}}, token=self.token)
        ca = create_ca(self.a, self.token)
        cert = issue_certificate(self.a, self.token, ca["id"], "EC_prime256v1")
        signer = self.a.ok("POST", "/api/v1/pki/signers",
                           {"name": unique("granted"), "certificateId": cert["certificateId"],
                            "signingPolicyId": policy["id"]}, token=self.token)
        self.a.ok("POST", "/api/v1/pki/signers/%s/members" % signer["id"],
                  {"userId": requester["id"], "role": "operator"}, token=self.token)
        approved = self.b.ok("POST", "/api/v1/pki/signers/%s/requests/pre-approve" % signer["id"],
                             {"granteeUserId": requester["id"], "justification": "release",
                              "requestedSignings": 7}, token=self.token)
        grant_id = approved["grant"]["id"]
        public_pem = signer_public_key_pem(self.a, self.token, signer["id"])

        results = []
        lock = threading.Lock()
        barrier = threading.Barrier(40)

        def worker(i):
            api = self.a if i % 2 == 0 else self.b
            data = uuid.uuid4().bytes
            barrier.wait()
            status, body = sign(api, requester_token, signer["id"], data, "ECDSA_SHA256")
            with lock:
                results.append((data, status, body))
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        successes = [r for r in results if r[1] == 200]
        self.assertEqual(len(successes), 7, [r[1] for r in results])
        for data, status, body in results:
            if status != 200:
                self.assertEqual((status, body["error"]), (403, "ApprovalRequired"), body)
        for data, _, body in successes:
            ok, out = openssl_verify(data, base64.b64decode(body["signature"]), "ECDSA_SHA256",
                                     public_key_pem=public_pem)
            self.assertTrue(ok, out)
        grant = self.b.ok("GET", "/api/v1/pki/signing-grants/%s" % grant_id, token=self.token)
        self.assertEqual(grant["usedSignings"], 7)
        ops, _ = list_all(self.a, self.token, "/api/v1/pki/signers/%s/operations" % signer["id"],
                          "operations", query={"status": "success"})
        self.assertEqual(len(ops), 7)
        self.assert_audit_valid(self.a)

    def test_each_notification_is_sent_once_across_nodes(self):
        from notify_testlib import WebhookReceiver, verify_signature
        receiver = WebhookReceiver()
        self.addCleanup(receiver.close)
        secret = "whsec-multinode-0123456789"
        # The first attempts fail, so both nodes see them due again (retries are leased too).
        receiver.answer("/mn", [503] * 5)
        self.a.ok("POST", "/api/v1/notifications/webhooks",
                  {"url": receiver.url("/mn"), "secret": secret,
                   "events": ["request.created", "request.approved"]}, token=self.token)
        project = default_project_id(self.a, self.token)
        approver, approver_token = create_user(self.a, self.token)
        requester, requester_token = create_user(self.a, self.token)
        for u in (approver, requester):
            add_project_member(self.a, self.token, project, user_id=u["id"])
        policy = self.a.ok("POST", "/api/v1/pki/signing-policies", {
            "name": "mn", "constraints": {"maxSignings": 1},
            "steps": [{"requiredApprovals": 1, "approvers": [{"type": "user", "id": approver["id"]}]}]},
            token=self.token)
        signer, _ = self.make_signer()
        self.a.ok("PATCH", "/api/v1/pki/signers/%s" % signer["id"],
                  {"signingPolicyId": policy["id"]}, token=self.token)
        self.a.ok("POST", "/api/v1/pki/signers/%s/members" % signer["id"],
                  {"userId": requester["id"], "role": "operator"}, token=self.token)
        ids = []
        for i in range(6):
            api = self.a if i % 2 == 0 else self.b
            req = api.ok("POST", "/api/v1/pki/signers/%s/requests" % signer["id"],
                         {"justification": "mn %d" % i}, token=requester_token)
            (self.b if i % 2 == 0 else self.a).ok(
                "POST", "/api/v1/pki/signing-requests/%s/approve" % req["id"], {},
                token=approver_token)
            ids.append(req["id"])

        def delivered():
            ok = [b for _, h, b in receiver.received("/mn")]
            events = {(json.loads(b)["data"]["requestId"], json.loads(b)["event"])
                      for b in ok}
            return len(events) == 12 and events
        self.assertTrue(wait_for(delivered, 60), receiver.received("/mn"))
        time.sleep(3)  # anything sent twice would arrive meanwhile
        received = receiver.received("/mn")
        # 12 events; the five refused attempts were retried, each once more.
        self.assertEqual(len(received), 12 + 5)
        by_id = {}
        for _, headers, body in received:
            verify_signature(secret, headers["signet-signature"], body)
            by_id.setdefault(headers["signet-delivery"], []).append(json.loads(body)["id"])
        self.assertEqual(len(by_id), 12)
        for delivery, attempts in by_id.items():
            self.assertEqual(len(set(attempts)), 1)
        self.assertEqual({json.loads(b)["data"]["requestId"] for _, _, b in received}, set(ids))

    def test_a_second_process_with_a_live_node_id_refuses_to_start(self):
        twin = SignetServer(extra_args=["--database", self.db_url],
                            env={"SIGNET_ROOT_KEY": self.root_key}, node_id="a")
        self.addCleanup(twin.cleanup)
        with self.assertRaises(RuntimeError) as ctx:
            twin.start(timeout=20)
        self.assertIn("node id 'a' is in use", str(ctx.exception))
        self.assertEqual(self.a.get("/readyz")[0], 200)

    def test_database_restart_while_nodes_run(self):
        signer, public_pem = self.make_signer()
        for api in (self.a, self.b):
            self.assertEqual(api.get("/readyz")[0], 200)
        cluster("pause", _CLUSTER["dir"])
        try:
            for api in (self.a, self.b):
                self.assertTrue(wait_for(lambda: api.get("/readyz")[0] == 503, timeout=10),
                                "/readyz did not answer 503 with the database down")
                # Anyone may ask: the reply says "not ready" and nothing of the driver's
                # message (host, port, user, database).
                status, body = api.get("/readyz")
                self.assertEqual(status, 503, body)
                self.assertEqual(set(body), {"statusCode", "error", "message", "reqId"}, body)
                self.assertEqual(body["message"], "not ready", body)
                parsed = urllib.parse.urlparse(self.db_url)
                for detail in (parsed.hostname, ":%d" % parsed.port):
                    self.assertNotIn(detail, body["message"] + body["error"])
                status, body = sign(api, self.token, signer["id"], b"while down", "ECDSA_SHA256")
                self.assertEqual(status, 503, body)
        finally:
            cluster("resume", _CLUSTER["dir"])
        for api in (self.a, self.b):
            self.assertTrue(wait_for(lambda: api.get("/readyz")[0] == 200, timeout=20),
                            "/readyz did not recover after the database came back")
        for api in (self.a, self.b):
            data = uuid.uuid4().bytes
            status, body = sign(api, self.token, signer["id"], data, "ECDSA_SHA256")
            self.assertEqual(status, 200, body)
            ok, out = openssl_verify(data, base64.b64decode(body["signature"]), "ECDSA_SHA256",
                                     public_key_pem=public_pem)
            self.assertTrue(ok, out)
        self.assert_audit_valid(self.a)
        # Each node claimed its node id again: a twin of b is still refused.
        twin = SignetServer(extra_args=["--database", self.db_url],
                            env={"SIGNET_ROOT_KEY": self.root_key}, node_id="b")
        self.addCleanup(twin.cleanup)
        claimed = wait_for(lambda: self._twin_refused(twin), timeout=10, interval=0.5)
        self.assertTrue(claimed, "node id 'b' was not claimed again after the restart")

    def _twin_refused(self, twin):
        try:
            twin.start(timeout=20)
        except RuntimeError as e:
            return "is in use" in str(e)
        twin.stop()
        return False


if __name__ == "__main__":
    unittest.main()
