#!/usr/bin/env python3
"""Batch signing: POST /api/v1/pki/signers/{id}/sign-batch and `signet sign` of several files
(docs/batch-signing.md).

One server is shared by the module (default --max-batch-items, 1,000); a second one with
--max-batch-items 4 checks the flag. Every signature is verified with the `openssl` command;
every test checks what was recorded (operations and audit events), including that a refused
batch recorded nothing when it must not.
"""

import concurrent.futures
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from signet_testlib import (  # noqa: E402
    start_module_server,
    ADMIN_EMAIL, ADMIN_PASSWORD, BUILD_DIR, USER_PASSWORD, SignetServer, SignetTestCase, add_project_member,
    bootstrap_admin, create_ca, create_code_signer, create_user, default_project_id,
    issue_certificate, list_all, openssl_verify, sha256_hex, signer_public_key_pem, unb64,
    unique, b64)

SIGNET = os.path.join(BUILD_DIR, "bin", "signet")
SIGNERS = "/api/v1/pki/signers"
POLICIES = "/api/v1/pki/signing-policies"
REQUESTS = "/api/v1/pki/signing-requests"
GRANTS = "/api/v1/pki/signing-grants"
APPROVAL_MESSAGE = "Signing requires approval. Get approval before signing."


class Fixture:
    server = None
    api = None
    admin = None
    admin_token = None
    project_id = None
    ca = None
    users = {}    # name -> (user, token)
    pubkeys = {}  # signer id -> PEM


F = Fixture


def setUpModule():
    def set_up():
        F.project_id = default_project_id(F.api, F.admin_token)
        F.ca = create_ca(F.api, F.admin_token, "EC_prime256v1", "Signet batch IT root")
        for name in ("requester", "approver", "auditor", "outsider"):
            user, token = create_user(F.api, F.admin_token)
            if name != "outsider":
                add_project_member(F.api, F.admin_token, F.project_id, user_id=user["id"])
            F.users[name] = (user, token)

    start_module_server(F, set_up)


def tearDownModule():
    if F.server is not None:
        F.server.cleanup()


def uid(name):
    return F.users[name][0]["id"]


def tok(name):
    return F.users[name][1]


def batch(signer_id, body, token=None, api=None):
    return (api or F.api).call("POST", "%s/%s/sign-batch" % (SIGNERS, signer_id), body,
                               token=token or F.admin_token)


def digest_item(data, hash_name="sha256", **extra):
    item = {"data": b64(hashlib.new(hash_name, data).digest()), "isDigest": True}
    item.update(extra)
    return item


def operations(signer_id, api=None, token=None):
    items, _ = list_all(api or F.api, token or F.admin_token,
                        "%s/%s/operations" % (SIGNERS, signer_id), "operations")
    return items


def sign_events(signer_id):
    """The sign.* audit events of `signer_id`, by operationId."""
    out = {}
    for event_type in ("sign.success", "sign.denied", "sign.failed"):
        items, _ = list_all(F.api, F.admin_token, "/api/v1/audit-logs", "auditLogs",
                            {"eventType": event_type})
        for e in items:
            if e["target"]["id"] == signer_id:
                out[e["details"]["operationId"]] = e
    return out


def ec_signer(key_algorithm="EC_prime256v1", **body):
    cert = issue_certificate(F.api, F.admin_token, F.ca["id"], key_algorithm)
    fields = {"name": unique("batch"), "certificateId": cert["certificateId"]}
    fields.update(body)
    return F.api.ok("POST", SIGNERS, fields)


def add_member(signer_id, name, role):
    F.api.ok("POST", "%s/%s/members" % (SIGNERS, signer_id), {"userId": uid(name), "role": role})


def grant_for(signer_id, signings, requester="requester", approver="approver"):
    """An approved request of `requester` for `signings` signings; returns the grant."""
    req = F.api.ok("POST", "%s/%s/requests" % (SIGNERS, signer_id),
                   {"justification": "release build", "requestedSignings": signings},
                   token=tok(requester))
    done = F.api.ok("POST", "%s/%s/approve" % (REQUESTS, req["id"]), {}, token=tok(approver))
    assert done["status"] == "approved", done
    return F.api.ok("GET", "%s/%s" % (GRANTS, done["grantId"]), token=tok(requester))


def policy_signer(max_signings):
    policy = F.api.ok("POST", POLICIES, {
        "name": unique("bpolicy"),
        "steps": [{"name": "lead", "requiredApprovals": 1,
                   "approvers": [{"type": "user", "id": uid("approver")}]}],
        "constraints": {"maxSignings": max_signings}})
    signer = ec_signer(signingPolicyId=policy["id"])
    add_member(signer["id"], "requester", "operator")
    return signer


class BatchTestCase(SignetTestCase):
    def pub(self, signer_id):
        if signer_id not in F.pubkeys:
            F.pubkeys[signer_id] = signer_public_key_pem(F.api, F.admin_token, signer_id)
        return F.pubkeys[signer_id]

    def assertVerifies(self, signer_id, data, result, algorithm, is_digest):
        self.assertIn("signature", result, result)
        message = data
        ok, out = openssl_verify(message, unb64(result["signature"]), algorithm,
                                 is_digest=is_digest, public_key_pem=self.pub(signer_id))
        self.assertTrue(ok, "openssl rejects item %d: %s" % (result["index"], out))

    def assertBadItem(self, signer_id, body, contains, token=None):
        """400 naming the item, and nothing recorded."""
        before = len(operations(signer_id))
        status, reply = batch(signer_id, body, token)
        self.assertEqual(status, 400, reply)
        self.assertEqual(reply["error"], "BadRequest", reply)
        self.assertIn(contains, reply["message"])
        self.assertEqual(len(operations(signer_id)), before, "a refused batch recorded operations")
        return reply


class BatchApiTest(BatchTestCase):
    def test_every_item_is_signed_recorded_and_answered_in_order(self):
        signer = ec_signer()
        sid = signer["id"]
        messages = [os.urandom(40 + i) for i in range(6)]
        items = [digest_item(messages[0]),
                 digest_item(messages[1], "sha384", signingAlgorithm="ECDSA_SHA384"),
                 {"data": b64(messages[2]), "isDigest": False},  # the data itself, hashed there
                 digest_item(messages[3], clientMetadata={"tool": "release.sh",
                                                          "hostname": "ci-7"}),
                 digest_item(messages[4], "sha512", signingAlgorithm="ECDSA_SHA512"),
                 digest_item(messages[5])]
        reply = F.api.ok("POST", "%s/%s/sign-batch" % (SIGNERS, sid),
                         {"signingAlgorithm": "ECDSA_SHA256", "items": items})
        self.assertEqual(reply["signerId"], sid)
        self.assertEqual(reply["signedCount"], 6)
        self.assertEqual(reply["refusedCount"], 0)
        results = reply["results"]
        self.assertEqual([r["index"] for r in results], list(range(6)))
        expected_algorithms = ["ECDSA_SHA256", "ECDSA_SHA384", "ECDSA_SHA256", "ECDSA_SHA256",
                               "ECDSA_SHA512", "ECDSA_SHA256"]
        for i, r in enumerate(results):
            self.assertEqual(r["status"], "success", r)
            self.assertEqual(r["signingAlgorithm"], expected_algorithms[i])
            self.assertNotIn("error", r)
            hash_name = {"ECDSA_SHA256": "sha256", "ECDSA_SHA384": "sha384",
                         "ECDSA_SHA512": "sha512"}[expected_algorithms[i]]
            if i == 2:
                self.assertVerifies(sid, messages[i], r, expected_algorithms[i], False)
            else:
                self.assertVerifies(sid, hashlib.new(hash_name, messages[i]).digest(), r,
                                    expected_algorithms[i], True)

        # One operation and one audit event per item, committed before the reply.
        ops = {o["id"]: o for o in operations(sid)}
        self.assertEqual(len(ops), 6)
        events = sign_events(sid)
        for i, r in enumerate(results):
            op = ops[r["operationId"]]
            self.assertEqual(op["status"], "success")
            self.assertEqual(op["signingAlgorithm"], expected_algorithms[i])
            data = messages[i] if i == 2 else hashlib.new(
                {"ECDSA_SHA256": "sha256", "ECDSA_SHA384": "sha384",
                 "ECDSA_SHA512": "sha512"}[expected_algorithms[i]], messages[i]).digest()
            self.assertEqual(op["dataHash"], sha256_hex(data))
            self.assertEqual(events[r["operationId"]]["eventType"], "sign.success")
        self.assertEqual(ops[results[3]["operationId"]]["clientMetadata"],
                         {"tool": "release.sh", "hostname": "ci-7"})
        self.assertTrue(F.api.ok("GET", "%s/%s" % (SIGNERS, sid))["lastSignedAt"])

    def test_rsa_items(self):
        signer = create_code_signer(F.api, F.admin_token, F.ca["id"], "RSA_2048", unique("brsa"))
        sid = signer["id"]
        algorithms = ["RSASSA_PKCS1_V1_5_SHA256", "RSASSA_PSS_SHA256", "RSASSA_PSS_SHA512",
                      "RSASSA_PKCS1_V1_5_SHA384"]
        data = [os.urandom(64) for _ in algorithms]
        items = []
        for alg, d in zip(algorithms, data):
            h = "sha" + alg[-3:]
            items.append(digest_item(d, h, signingAlgorithm=alg))
        reply = F.api.ok("POST", "%s/%s/sign-batch" % (SIGNERS, sid), {"items": items})
        self.assertEqual(reply["signedCount"], 4)
        for r, alg, d in zip(reply["results"], algorithms, data):
            self.assertVerifies(sid, hashlib.new("sha" + alg[-3:], d).digest(), r, alg, True)
        self.assertEqual(len(operations(sid)), 4)

    def test_a_thousand_items_and_no_more(self):
        signer = ec_signer()
        sid = signer["id"]
        messages = [os.urandom(32) for _ in range(1000)]
        reply = F.api.ok("POST", "%s/%s/sign-batch" % (SIGNERS, sid),
                         {"signingAlgorithm": "ECDSA_SHA256",
                          "items": [digest_item(m) for m in messages]})
        self.assertEqual(reply["signedCount"], 1000)
        results = reply["results"]
        self.assertEqual([r["index"] for r in results], list(range(1000)))

        def check(i):
            ok, out = openssl_verify(hashlib.sha256(messages[i]).digest(),
                                     unb64(results[i]["signature"]), "ECDSA_SHA256",
                                     is_digest=True, public_key_pem=self.pub(sid))
            return i, ok, out
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            for i, ok, out in pool.map(check, range(1000)):
                self.assertTrue(ok, "openssl rejects item %d: %s" % (i, out))
        ops = operations(sid)
        self.assertEqual(len(ops), 1000)
        self.assertEqual({o["id"] for o in ops}, {r["operationId"] for r in results})
        self.assertEqual({o["dataHash"] for o in ops},
                         {sha256_hex(hashlib.sha256(m).digest()) for m in messages})

        reply = self.assertBadItem(sid, {"signingAlgorithm": "ECDSA_SHA256",
                                         "items": [digest_item(m) for m in messages + [b"x"]]},
                                   "items has 1001 entries; the maximum is 1000")

    def test_bad_input_is_a_400_naming_the_item_and_records_nothing(self):
        signer = ec_signer()
        sid = signer["id"]
        good = digest_item(b"good")
        self.assertBadItem(sid, {"signingAlgorithm": "ECDSA_SHA256", "items": []},
                           "items is empty")
        self.assertBadItem(sid, {"signingAlgorithm": "ECDSA_SHA256"}, "items is required")
        self.assertBadItem(sid, {"signingAlgorithm": "ECDSA_SHA256", "items": {"data": "x"}},
                           "items must be an array")
        self.assertBadItem(sid, {"signingAlgorithm": "ECDSA_SHA256", "items": [good, "x"]},
                           "items[1] must be an object")
        self.assertBadItem(sid, {"signingAlgorithm": "ECDSA_SHA256",
                                 "items": [good, good, {"data": "!!notbase64", "isDigest": True}]},
                           "items[2]: data is not valid base64")
        self.assertBadItem(sid, {"signingAlgorithm": "ECDSA_SHA256",
                                 "items": [good, dict(good, color="red")]},
                           "unknown field 'items[1].color'")
        self.assertBadItem(sid, {"signingAlgorithm": "ECDSA_SHA256",
                                 "items": [dict(good, clientMetadata={"hostName": "x"})]},
                           "items[0].clientMetadata.hostName")
        self.assertBadItem(sid, {"signingAlgorithm": "ECDSA_SHA256", "items": [good],
                                 "isDigest": True}, "unknown field 'isDigest'")
        self.assertBadItem(sid, {"items": [good, dict(good, signingAlgorithm="ECDSA_SHA256")]},
                           "items[0].signingAlgorithm is required")
        self.assertBadItem(sid, {"signingAlgorithm": "ECDSA_SHA256",
                                 "items": [good, digest_item(b"short", "sha1")]},
                           "items[1]: digest is 20 bytes")
        self.assertBadItem(sid, {"signingAlgorithm": "ECDSA_SHA256",
                                 "items": [good, {"isDigest": True}]},
                           "items[1].data is required")
        self.assertBadItem(sid, {"signingAlgorithm": "RSASSA_PSS_SHA256", "items": [good]},
                           "items[0]: RSASSA_PSS_SHA256 needs an RSA key")
        self.assertBadItem(sid, {"signingAlgorithm": "ECDSA_MD5", "items": [good]}, "items[0]: ")
        self.assertBadItem(sid, {"signingAlgorithm": "ECDSA_SHA256",
                                 "items": [{"data": b64(b"x" * 129)}]},
                           "items[0]: data is 129 bytes")
        status, reply = F.api.call("POST", "%s/%s/sign-batch" % (SIGNERS, sid),
                                   raw=b'{"items": [', token=F.admin_token)
        self.assertEqual(status, 400, reply)
        self.assertEqual(operations(sid), [])
        # Another caller's view: someone outside the project does not see the signer.
        status, reply = batch(sid, {"signingAlgorithm": "ECDSA_SHA256", "items": [good]},
                              token=tok("outsider"))
        self.assertEqual(status, 404, reply)
        self.assertEqual(operations(sid), [])

    def test_a_caller_who_may_not_sign_is_refused_and_each_item_recorded(self):
        signer = ec_signer()
        sid = signer["id"]
        add_member(sid, "auditor", "auditor")
        items = [digest_item(os.urandom(8)) for _ in range(3)]
        status, reply = batch(sid, {"signingAlgorithm": "ECDSA_SHA256", "items": items},
                              token=tok("auditor"))
        self.assertEqual(status, 403, reply)
        self.assertIn("you may not sign", reply["message"])
        ops = operations(sid)
        self.assertEqual(len(ops), 3)
        self.assertTrue(all(o["status"] == "denied" and o["actorId"] == uid("auditor")
                            for o in ops), ops)
        self.assertEqual(sorted(o["dataHash"] for o in ops),
                         sorted(sha256_hex(unb64(i["data"])) for i in items))
        self.assertEqual(sorted(e["eventType"] for e in sign_events(sid).values()),
                         ["sign.denied"] * 3)

        # A disabled signer: each item recorded as failed, the batch answered 400.
        F.api.ok("PATCH", "%s/%s" % (SIGNERS, sid), {"status": "disabled"})
        status, reply = batch(sid, {"signingAlgorithm": "ECDSA_SHA256", "items": items[:2]})
        self.assertEqual(status, 400, reply)
        self.assertIn("disabled", reply["message"])
        failed = [o for o in operations(sid) if o["status"] == "failed"]
        self.assertEqual(len(failed), 2)

    def test_a_grant_signs_as_many_items_as_it_has_left(self):
        signer = policy_signer(max_signings=10)
        sid = signer["id"]
        items = [digest_item(os.urandom(16)) for _ in range(5)]
        # No grant yet: every item is refused and recorded; the batch itself is answered.
        reply = F.api.ok("POST", "%s/%s/sign-batch" % (SIGNERS, sid),
                         {"signingAlgorithm": "ECDSA_SHA256", "items": items[:2]},
                         token=tok("requester"))
        self.assertEqual((reply["signedCount"], reply["refusedCount"]), (0, 2))
        for r in reply["results"]:
            self.assertEqual(r["status"], "denied")
            self.assertEqual(r["error"], {"statusCode": 403, "error": "ApprovalRequired",
                                          "message": APPROVAL_MESSAGE})
            self.assertNotIn("signature", r)

        grant = grant_for(sid, 3)
        self.assertEqual(grant["remainingSignings"], 3)
        reply = F.api.ok("POST", "%s/%s/sign-batch" % (SIGNERS, sid),
                         {"signingAlgorithm": "ECDSA_SHA256", "items": items},
                         token=tok("requester"))
        self.assertEqual((reply["signedCount"], reply["refusedCount"]), (3, 2))
        results = reply["results"]
        for r in results[:3]:
            self.assertEqual(r["status"], "success", r)
            self.assertVerifies(sid, unb64(items[r["index"]]["data"]), r, "ECDSA_SHA256", True)
        for r in results[3:]:
            self.assertEqual(r["status"], "denied", r)
            self.assertEqual(r["error"]["error"], "ApprovalRequired")
        grant = F.api.ok("GET", "%s/%s" % (GRANTS, grant["id"]), token=tok("requester"))
        self.assertEqual(grant["usedSignings"], 3)
        self.assertEqual(grant["status"], "expired")
        ops = {o["id"]: o for o in operations(sid)}
        self.assertEqual(len(ops), 7)  # 2 before the grant, then 5
        for r in results:
            op = ops[r["operationId"]]
            self.assertEqual(op["status"], r["status"])
            if r["status"] == "success":
                self.assertEqual(op["grantId"], grant["id"])
        events = sign_events(sid)
        self.assertEqual(sorted(events[r["operationId"]]["eventType"] for r in results),
                         ["sign.denied"] * 2 + ["sign.success"] * 3)

    def test_parallel_batches_use_a_grant_exactly(self):
        signer = policy_signer(max_signings=50)
        sid = signer["id"]
        grant = grant_for(sid, 10)
        replies = []
        errors = []
        lock = threading.Lock()

        def run(_):
            api = F.server.api()
            items = [digest_item(os.urandom(16)) for _ in range(6)]
            status, reply = batch(sid, {"signingAlgorithm": "ECDSA_SHA256", "items": items},
                                  token=tok("requester"), api=api)
            with lock:
                if status != 200:
                    errors.append((status, reply))
                else:
                    replies.append((items, reply))
        threads = [threading.Thread(target=run, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        signed = [(items[r["index"]], r) for items, reply in replies
                  for r in reply["results"] if r["status"] == "success"]
        refused = [r for _, reply in replies for r in reply["results"] if r["status"] != "success"]
        self.assertEqual(len(signed), 10)
        self.assertEqual(len(refused), 26)
        for item, r in signed:
            self.assertVerifies(sid, unb64(item["data"]), r, "ECDSA_SHA256", True)
        for r in refused:
            self.assertEqual(r["status"], "denied")
        grant = F.api.ok("GET", "%s/%s" % (GRANTS, grant["id"]), token=tok("requester"))
        self.assertEqual(grant["usedSignings"], 10)
        ops = operations(sid)
        self.assertEqual(len(ops), 36)
        self.assertEqual(len([o for o in ops if o["status"] == "success"]), 10)


class BatchLimitFlagTest(BatchTestCase):
    def test_max_batch_items_flag(self):
        server = SignetServer(extra_args=["--max-batch-items", "4"])
        self.addCleanup(server.cleanup)
        server.start()
        api = server.api()
        _, token = bootstrap_admin(api)
        api.token = token
        ca = create_ca(api, token, "EC_prime256v1", "limit root")
        signer = create_code_signer(api, token, ca["id"], "EC_prime256v1", unique("lim"))
        items = [digest_item(os.urandom(8)) for _ in range(5)]
        status, reply = batch(signer["id"], {"signingAlgorithm": "ECDSA_SHA256", "items": items},
                              token=token, api=api)
        self.assertEqual(status, 400, reply)
        self.assertIn("items has 5 entries; the maximum is 4", reply["message"])
        self.assertEqual(operations(signer["id"], api, token), [])
        reply = api.ok("POST", "%s/%s/sign-batch" % (SIGNERS, signer["id"]),
                       {"signingAlgorithm": "ECDSA_SHA256", "items": items[:4]})
        self.assertEqual(reply["signedCount"], 4)
        pem = signer_public_key_pem(api, token, signer["id"])
        for r in reply["results"]:
            ok, out = openssl_verify(unb64(items[r["index"]]["data"]), unb64(r["signature"]),
                                     "ECDSA_SHA256", is_digest=True, public_key_pem=pem)
            self.assertTrue(ok, out)
        self.assertEqual(len(operations(signer["id"], api, token)), 4)


class BatchCliTest(BatchTestCase):
    """`signet sign` of several files sends their digests in sign-batch requests."""

    def setUp(self):
        if not os.path.exists(SIGNET):
            raise RuntimeError("signet not built: %s" % SIGNET)
        self.home = tempfile.mkdtemp(prefix="signet-batch-home-")
        self.addCleanup(shutil.rmtree, self.home, True)
        self.work = tempfile.mkdtemp(prefix="signet-batch-files-")
        self.addCleanup(shutil.rmtree, self.work, True)

    def cli(self, *args, stdin=None):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("SIGNET_") and k != "XDG_CONFIG_HOME"}
        env["HOME"] = self.home
        proc = subprocess.run([SIGNET] + [str(a) for a in args], input=(stdin or "").encode(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                              timeout=120)
        return proc.returncode, proc.stdout.decode(), proc.stderr.decode()

    def login(self, email, password):
        code, out, err = self.cli("login", "--server", F.server.base_url, "--email", email,
                                  "--password-stdin", stdin=password + "\n")
        self.assertEqual(code, 0, err)

    def files(self, n):
        paths = []
        for i in range(n):
            path = os.path.join(self.work, "f%d.bin" % i)
            with open(path, "wb") as f:
                f.write(os.urandom(1000 + i))
            paths.append(path)
        out_dir = os.path.join(self.work, "sigs")
        os.makedirs(out_dir)
        return paths, out_dir

    def verify_file(self, signer_id, path, sig_path, algorithm):
        with open(path, "rb") as f:
            data = f.read()
        with open(sig_path, "rb") as f:
            signature = f.read()
        ok, out = openssl_verify(data, signature, algorithm, public_key_pem=self.pub(signer_id))
        self.assertTrue(ok, "openssl rejects %s: %s" % (sig_path, out))

    def test_several_files_in_batches(self):
        signer = ec_signer()
        sid = signer["id"]
        self.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        paths, out_dir = self.files(7)
        code, out, err = self.cli("sign", "--signer", signer["name"], "--algorithm",
                                  "ECDSA_SHA384", "--out-dir", out_dir, "--batch-size", "3",
                                  *paths)
        self.assertEqual(code, 0, err)
        for p in paths:
            self.verify_file(sid, p, os.path.join(out_dir, os.path.basename(p) + ".sig"),
                             "ECDSA_SHA384")
        ops = operations(sid)
        self.assertEqual(len(ops), 7)
        hashes = set()
        for p in paths:
            with open(p, "rb") as f:
                hashes.add(sha256_hex(hashlib.sha384(f.read()).digest()))
        self.assertEqual({o["dataHash"] for o in ops}, hashes)
        self.assertTrue(all(o["status"] == "success" and o["signingAlgorithm"] == "ECDSA_SHA384"
                            for o in ops))
        # The CLI reports its tool in each item's client metadata.
        self.assertTrue(all(o["clientMetadata"].get("tool") for o in ops), ops)

    def test_a_grant_with_fewer_signings_than_files(self):
        signer = policy_signer(max_signings=10)
        sid = signer["id"]
        grant_for(sid, 3)
        self.login(F.users["requester"][0]["email"], USER_PASSWORD)
        paths, out_dir = self.files(5)
        code, out, err = self.cli("sign", "--signer", sid, "--algorithm", "ECDSA_SHA256",
                                  "--out-dir", out_dir, *paths)
        self.assertNotEqual(code, 0, out + err)
        self.assertIn("2 of 5 files were not signed", err)
        self.assertEqual(err.count("Signing requires approval"), 2, err)
        written = sorted(os.listdir(out_dir))
        self.assertEqual(written, sorted(os.path.basename(p) + ".sig" for p in paths[:3]))
        for p in paths[:3]:
            self.verify_file(sid, p, os.path.join(out_dir, os.path.basename(p) + ".sig"),
                             "ECDSA_SHA256")
        ops = operations(sid)
        self.assertEqual(sorted(o["status"] for o in ops), ["denied"] * 2 + ["success"] * 3)


if __name__ == "__main__":
    unittest.main()
