#!/usr/bin/env python3
"""RFC 3161 time-stamp authorities (issue 17): management API, the timestamp routes driven by
`openssl ts -query` and checked by `openssl ts -verify`, refusals, audit events, serials.

One server is shared by the module (an org admin, a CA, a public default TSA and a TSA that
needs a token); tests that need their own server start one.
"""

import base64
import hashlib
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from signet_testlib import (  # noqa: E402
    BUILD_DIR, SignetServer, SignetTestCase, add_project_member, bootstrap_admin, create_ca,
    create_code_signer, create_user,
    default_project_id, list_all, make_local_key_and_cert, run_openssl, start_module_server,
    unique, write_file)

TSA = "/api/v1/pki/tsa"
SIGNET = os.path.join(BUILD_DIR, "bin", "signet")
EXIT_USAGE, EXIT_AUTH = 1, 2  # src/cli/exit_codes.h
POLICY = "1.3.6.1.4.1.59327.3161.1"


class Fixture:
    server = None
    api = None
    admin = None
    admin_token = None
    project_id = None
    ca = None
    public = None   # the default TSA, no token needed
    private = None  # requireAuth
    tmp = None


F = Fixture


def setUpModule():
    def set_up():
        F.project_id = default_project_id(F.api, F.admin_token)
        F.ca = create_ca(F.api, F.admin_token, "EC_secp384r1", "Signet TSA IT Root")
        F.public = F.api.ok("POST", TSA, {"name": "public", "caId": F.ca["id"]})
        F.private = F.api.ok("POST", TSA, {"name": "private", "caId": F.ca["id"],
                                           "keyAlgorithm": "RSA_2048", "requireAuth": True,
                                           "accuracyMs": 250})
        F.tmp = tempfile.mkdtemp(prefix="signet-tsa-it-")
        write_file(os.path.join(F.tmp, "data.bin"), b"what the timestamp is about\n" * 100)
        write_file(os.path.join(F.tmp, "root.pem"), F.ca_root_pem())

    F.ca_root_pem = lambda: F.api.ok("GET", "/api/v1/pki/ca/%s/certificate" % F.ca["id"])[
        "certificate"].encode()
    start_module_server(F, set_up)


def tearDownModule():
    if F.server is not None:
        F.server.cleanup()


def path(name):
    return os.path.join(F.tmp, name)


def post_query(url, body, token=None, content_type="application/timestamp-query", port=None):
    """POSTs a DER query; returns (status, content type, body bytes, headers)."""
    conn = http.client.HTTPConnection("127.0.0.1", port or F.server.port, timeout=60)
    headers = {"Content-Type": content_type, "Connection": "close"}
    if token:
        headers["Authorization"] = "Bearer " + token
    try:
        conn.request("POST", url, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, resp.getheader("Content-Type"), data, dict(resp.getheaders())
    finally:
        conn.close()


def make_query(name, *args):
    code, out = run_openssl(["ts", "-query", "-data", path("data.bin")] + list(args) +
                            ["-out", path(name)])
    assert code == 0, out
    with open(path(name), "rb") as f:
        return f.read()


def reply_text(reply_path):
    code, out = run_openssl(["ts", "-reply", "-in", reply_path, "-text"])
    return code, out


def audit_events(event_type, target_id=None):
    events, _ = list_all(F.api, F.admin_token, "/api/v1/audit-logs", "auditLogs",
                         {"eventType": event_type})
    # Oldest first.
    return sorted((e for e in events if target_id is None or e["target"]["id"] == target_id),
                  key=lambda e: (e["time"], e["seq"]))


class TimestampsVerifyWithOpenssl(SignetTestCase):
    def chain_file(self, tsa):
        cert = F.api.ok("GET", "%s/%s/certificate" % (TSA, tsa["id"]))
        self.assertIn("BEGIN CERTIFICATE", cert["certificatePem"])
        self.assertIn("BEGIN CERTIFICATE", cert["certificateChainPem"])
        name = path("tsa-%s.pem" % tsa["id"])
        write_file(name, cert["certificatePem"].encode())
        return name

    def test_each_imprint_with_and_without_nonce_and_cert_req_verifies(self):
        tsa_pem = self.chain_file(F.public)
        before = len(audit_events("tsa.timestamp", F.public["id"]))
        issued = 0
        for digest in ("-sha256", "-sha384", "-sha512"):
            for extra in ([], ["-cert"], ["-no_nonce"], ["-no_nonce", "-cert"]):
                with self.subTest(digest=digest, extra=extra):
                    query = make_query("q.tsq", digest, *extra)
                    for url in ("/api/v1/pki/tsa/%s/timestamp" % F.public["id"], "/tsa"):
                        status, ctype, body, headers = post_query(url, query)
                        self.assertEqual(status, 200, body[:300])
                        self.assertEqual(ctype, "application/timestamp-reply")
                        write_file(path("r.tsr"), body)
                        issued += 1
                        untrusted = [] if "-cert" in extra else ["-untrusted", tsa_pem]
                        code, out = run_openssl(["ts", "-verify", "-queryfile", path("q.tsq"),
                                                 "-in", path("r.tsr"), "-CAfile",
                                                 path("root.pem")] + untrusted)
                        self.assertEqual(code, 0, out)
                        self.assertIn("Verification: OK", out)
                        code, out = run_openssl(["ts", "-verify", "-data", path("data.bin"),
                                                 "-in", path("r.tsr"), "-CAfile",
                                                 path("root.pem")] + untrusted)
                        self.assertEqual(code, 0, out)
                        code, text = reply_text(path("r.tsr"))
                        self.assertEqual(code, 0, text)
                        self.assertIn("Status: Granted.", text)
                        self.assertIn("Policy OID: " + POLICY, text)
                        self.assertIn("Hash Algorithm: " + digest[1:], text)
                        self.assertIn("Nonce: unspecified" if "-no_nonce" in extra else "Nonce: 0x",
                                      text)
                        self.assertIn("TSA: DirName:/CN=public", text)
                        self.assertEqual(headers.get("Signet-Timestamp-Serial") is not None, True)
        # Every token is an audit event naming its imprint.
        events = audit_events("tsa.timestamp", F.public["id"])
        self.assertEqual(len(events) - before, issued)
        details = events[-1]["details"]
        self.assertEqual(details["hashAlgorithm"], "SHA512")
        self.assertEqual(len(details["messageImprint"]), 128)
        self.assertTrue(details["certReq"])
        self.assertEqual(events[-1]["actor"]["type"], "anonymous")

    def test_curl_pipeline_from_the_issue(self):
        self.chain_file(F.public)
        cmd = ("openssl ts -query -data %s -sha256 -cert | curl -sS --fail -H "
               "'Content-Type: application/timestamp-query' --data-binary @- "
               "http://127.0.0.1:%d/tsa -o %s && openssl ts -verify -data %s -in %s -CAfile %s"
               % (path("data.bin"), F.server.port, path("curl.tsr"), path("data.bin"),
                  path("curl.tsr"), path("root.pem")))
        proc = subprocess.run(["sh", "-c", cmd], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=60)
        out = proc.stdout.decode()
        self.assertEqual(proc.returncode, 0, out)
        self.assertIn("Verification: OK", out)

    def test_rsa_tsa_needs_a_member_token_and_claims_its_accuracy(self):
        url = "/api/v1/pki/tsa/%s/timestamp" % F.private["id"]
        query = make_query("p.tsq", "-sha384", "-cert")
        status, ctype, body, _ = post_query(url, query)
        self.assertEqual(status, 401, body)
        self.assertEqual(json.loads(body)["error"], "Unauthorized")
        status, _, body, _ = post_query(url, query, token="not-a-token")
        self.assertEqual(status, 401, body)
        # An org member outside the project does not see the TSA.
        _, outsider = create_user(F.api, F.admin_token)
        status, _, body, _ = post_query(url, query, token=outsider)
        self.assertEqual(status, 404, body)
        user, member = create_user(F.api, F.admin_token)
        add_project_member(F.api, F.admin_token, F.project_id, user_id=user["id"], role="member")
        status, ctype, body, _ = post_query(url, query, token=member)
        self.assertEqual(status, 200, body[:300])
        write_file(path("p.tsr"), body)
        code, out = run_openssl(["ts", "-verify", "-queryfile", path("p.tsq"), "-in",
                                 path("p.tsr"), "-CAfile", path("root.pem")])
        self.assertEqual(code, 0, out)
        code, text = reply_text(path("p.tsr"))
        self.assertIn("Accuracy: unspecified seconds, 0xFA millis", text)
        events = audit_events("tsa.timestamp", F.private["id"])
        self.assertEqual(events[-1]["actor"]["id"], user["id"])

    def test_public_tsa_answers_any_token_and_records_the_caller(self):
        outsider_user, outsider = create_user(F.api, F.admin_token)  # in no project
        status, _, body, headers = post_query("/tsa", make_query("o.tsq", "-cert"),
                                              token=outsider)
        self.assertEqual(status, 200, body[:300])
        self.assertIn("Signet-Timestamp-Serial", headers)
        events = audit_events("tsa.timestamp", F.public["id"])
        self.assertEqual(events[-1]["actor"]["id"], outsider_user["id"])
        status, _, body, _ = post_query("/tsa", make_query("o.tsq"), token="not-a-token")
        self.assertEqual(status, 401, body)

    def test_serials_are_unique_and_increasing_under_concurrency(self):
        query = make_query("c.tsq", "-sha256")
        serials = []
        lock = threading.Lock()

        def worker():
            for _ in range(15):
                status, _, body, headers = post_query("/tsa", query)
                self.assertEqual(status, 200)
                with lock:
                    serials.append(int(headers["Signet-Timestamp-Serial"]))

        threads = [threading.Thread(target=worker) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(serials), 90)
        self.assertEqual(len(set(serials)), 90)
        self.assertEqual(max(serials) - min(serials), 89)
        # Sequential queries get increasing serials, and the reply's token says so.
        last = max(serials)
        for _ in range(3):
            status, _, body, headers = post_query("/tsa", query)
            serial = int(headers["Signet-Timestamp-Serial"])
            self.assertGreater(serial, last)
            last = serial
            write_file(path("s.tsr"), body)
            _, text = reply_text(path("s.tsr"))
            self.assertIn("Serial number: 0x%02X" % serial if serial < 256
                          else "Serial number: 0x%04X" % serial, text)
        got = F.api.ok("GET", "%s/%s" % (TSA, F.public["id"]))
        self.assertGreaterEqual(got["timestampsIssued"], last)


class BadQueriesAreRefused(SignetTestCase):
    def refusal(self, body, failure_text, url="/tsa"):
        before = len(audit_events("tsa.timestamp"))
        status, ctype, reply, headers = post_query(url, body)
        self.assertEqual(status, 200, reply[:300])
        self.assertEqual(ctype, "application/timestamp-reply")
        self.assertNotIn("Signet-Timestamp-Serial", headers)
        write_file(path("bad.tsr"), reply)
        code, text = reply_text(path("bad.tsr"))
        self.assertEqual(code, 0, text)
        self.assertIn("Status: Rejected.", text)
        self.assertIn(failure_text, text)
        self.assertIn("TST info:\nNot included.", text)
        self.assertEqual(len(audit_events("tsa.timestamp")), before, "nothing recorded")
        return text

    def test_not_der_truncated_and_empty(self):
        self.refusal(b"hello, is this a timestamp query?",
                     "the data submitted has the wrong format")
        good = make_query("t.tsq", "-sha256")
        self.refusal(good[:-5], "the data submitted has the wrong format")
        self.refusal(b"", "the data submitted has the wrong format")
        self.refusal(good + b"\x00", "the data submitted has the wrong format")

    def test_sha1_and_md5_are_refused_as_bad_algorithms(self):
        text = self.refusal(make_query("sha1.tsq", "-sha1"), "unrecognized or unsupported algorithm")
        self.assertIn("SHA-1", text)
        code, _ = run_openssl(["ts", "-query", "-data", path("data.bin"), "-md5", "-out",
                               path("md5.tsq")])
        if code == 0:
            with open(path("md5.tsq"), "rb") as f:
                self.refusal(f.read(), "unrecognized or unsupported algorithm")

    def test_unknown_policy_is_refused(self):
        query = make_query("pol.tsq", "-sha256", "-tspolicy", "1.2.3.4.5")
        text = self.refusal(query, "the requested TSA policy is not supported")
        self.assertIn(POLICY, text)
        # The TSA's own policy, asked for by name, is granted.
        query = make_query("ok.tsq", "-sha256", "-tspolicy", POLICY)
        status, _, _, headers = post_query("/tsa", query)
        self.assertEqual(status, 200)
        self.assertIn("Signet-Timestamp-Serial", headers)

    def test_ten_megabyte_body_is_413(self):
        status, data = F.api.raw_oversized_post("/tsa", 10 * 1024 * 1024)
        self.assertEqual(status, 413, data)

    def test_disabled_tsa_refuses_and_unknown_tsa_is_404(self):
        tsa = F.api.ok("POST", TSA, {"name": unique("off"), "caId": F.ca["id"]})
        self.assertFalse(tsa["isDefault"])
        url = "/api/v1/pki/tsa/%s/timestamp" % tsa["id"]
        F.api.ok("PATCH", "%s/%s" % (TSA, tsa["id"]), {"status": "disabled"})
        self.refusal(make_query("d.tsq", "-sha256"), "Status description: time-stamp authority",
                     url=url)
        status, _, body, _ = post_query(
            "/api/v1/pki/tsa/00000000-0000-4000-8000-000000000000/timestamp", make_query("n.tsq"))
        self.assertEqual(status, 404, body)
        status, _, body, _ = post_query("/api/v1/pki/tsa/nope/timestamp", make_query("n.tsq"))
        self.assertEqual(status, 400, body)


class Management(SignetTestCase):
    def test_create_read_update_delete_with_audit(self):
        name = unique("tsa")
        tsa = F.api.ok("POST", TSA, {"name": name, "caId": F.ca["id"], "ttlDays": 30,
                                     "policyOid": "1.2.3.4.99", "accuracyMs": 10,
                                     "keyAlgorithm": "EC_secp384r1"})
        self.assertEqual(tsa["name"], name)
        self.assertEqual(tsa["policyOid"], "1.2.3.4.99")
        self.assertEqual(tsa["accuracyMs"], 10)
        self.assertEqual(tsa["keyAlgorithm"], "EC_secp384r1")
        self.assertFalse(tsa["requireAuth"])
        self.assertFalse(tsa["isDefault"])  # the module's first TSA is the default
        self.assertEqual(tsa["status"], "active")
        self.assertEqual(tsa["timestampsIssued"], 0)
        self.assertEqual(tsa["url"], "/api/v1/pki/tsa/%s/timestamp" % tsa["id"])
        self.assertEqual(audit_events("tsa.create", tsa["id"])[0]["details"]["tsa"]["name"], name)

        # The certificate: timeStamping only, critical; chain to the CA.
        cert = F.api.ok("GET", "%s/%s/certificate" % (TSA, tsa["id"]))
        write_file(path("m.pem"), cert["certificatePem"].encode())
        code, text = run_openssl(["x509", "-in", path("m.pem"), "-noout", "-text"])
        self.assertEqual(code, 0, text)
        self.assertIn("X509v3 Extended Key Usage: critical\n                Time Stamping", text)
        code, out = run_openssl(["verify", "-CAfile", path("root.pem"), "-purpose",
                                 "timestampsign", path("m.pem")])
        self.assertEqual(code, 0, out)

        listed, _ = list_all(F.api, F.admin_token, TSA, "tsas")
        self.assertIn(tsa["id"], [t["id"] for t in listed])
        self.assertEqual(F.api.ok("GET", "%s/%s" % (TSA, tsa["id"]))["name"], name)

        updated = F.api.ok("PATCH", "%s/%s" % (TSA, tsa["id"]),
                           {"requireAuth": True, "accuracyMs": 500, "name": name + "-x"})
        self.assertTrue(updated["requireAuth"])
        self.assertEqual(updated["accuracyMs"], 500)
        self.assertEqual(audit_events("tsa.update", tsa["id"])[-1]["details"]["after"]["name"],
                         name + "-x")

        deleted = F.api.ok("DELETE", "%s/%s" % (TSA, tsa["id"]))
        self.assertEqual(deleted["id"], tsa["id"])
        self.assertEqual(len(audit_events("tsa.delete", tsa["id"])), 1)
        self.assertError(F.api.call("GET", "%s/%s" % (TSA, tsa["id"])), 404, "NotFound")
        status, _, _, _ = post_query("/api/v1/pki/tsa/%s/timestamp" % tsa["id"],
                                     make_query("x.tsq"))
        self.assertEqual(status, 404)

    def test_default_moves_with_is_default(self):
        other = F.api.ok("POST", TSA, {"name": unique("def"), "caId": F.ca["id"],
                                       "isDefault": True})
        try:
            self.assertTrue(other["isDefault"])
            self.assertFalse(F.api.ok("GET", "%s/%s" % (TSA, F.public["id"]))["isDefault"])
            status, _, body, _ = post_query("/tsa", make_query("dm.tsq", "-cert"))
            self.assertEqual(status, 200)
            write_file(path("dm.tsr"), body)
            _, text = reply_text(path("dm.tsr"))
            self.assertIn("TSA: DirName:/CN=%s" % other["name"], text)
        finally:
            F.api.ok("PATCH", "%s/%s" % (TSA, F.public["id"]), {"isDefault": True})
        self.assertFalse(F.api.ok("GET", "%s/%s" % (TSA, other["id"]))["isDefault"])
        F.api.ok("DELETE", "%s/%s" % (TSA, other["id"]))

    def test_bad_input_is_400_naming_the_field_and_changes_nothing(self):
        before = list_all(F.api, F.admin_token, TSA, "tsas")[1]
        cases = [
            ({"name": "x", "caId": F.ca["id"], "colour": "red"}, "colour"),
            ({"name": "Bad Name", "caId": F.ca["id"]}, "name"),
            ({"name": unique("t"), "caId": F.ca["id"], "policyOid": "sha256"}, "policyOid"),
            ({"name": unique("t"), "caId": F.ca["id"], "accuracyMs": 60001}, "accuracyMs"),
            ({"name": unique("t"), "caId": "nope"}, "caId"),
            ({"name": unique("t"), "caId": F.ca["id"], "keyAlgorithm": "DSA"}, "keyAlgorithm"),
            ({"name": unique("t"), "caId": F.ca["id"], "ttlDays": 0}, "ttlDays"),
            ({"name": unique("t")}, "caId"),
        ]
        for body, field in cases:
            with self.subTest(body=body):
                self.assertError(F.api.call("POST", TSA, body=body), 400, "BadRequest",
                                 message_contains=field)
        self.assertError(F.api.call("POST", TSA, body={"name": "public", "caId": F.ca["id"]}),
                         409)
        self.assertError(F.api.call("PATCH", "%s/%s" % (TSA, F.public["id"]),
                                       body={"status": "sleeping"}), 400, "BadRequest")
        self.assertError(F.api.call("PATCH", "%s/%s" % (TSA, F.public["id"]),
                                       body={"requireAuth": True, "extra": 1}), 400,
                         message_contains="extra")
        self.assertFalse(F.api.ok("GET", "%s/%s" % (TSA, F.public["id"]))["requireAuth"])
        self.assertEqual(list_all(F.api, F.admin_token, TSA, "tsas")[1], before)

    def test_members_read_admins_manage(self):
        user, member = create_user(F.api, F.admin_token)
        add_project_member(F.api, F.admin_token, F.project_id, user_id=user["id"], role="member")
        got = F.api.request("GET", "%s/%s" % (TSA, F.public["id"]), token=member)
        self.assertEqual(got.status, 200)
        self.assertError(F.api.call("PATCH", "%s/%s" % (TSA, F.public["id"]),
                                       body={"requireAuth": True}, token=member), 403)
        self.assertError(F.api.call("POST", TSA, body={"name": unique("m"),
                                                          "caId": F.ca["id"]}, token=member), 403)
        _, outsider = create_user(F.api, F.admin_token)
        self.assertError(F.api.call("GET", "%s/%s" % (TSA, F.public["id"]), token=outsider),
                         404)
        self.assertError(F.api.call("GET", TSA, token="wrong"), 401)


def timestamp_verifies(tsa_id, ca_file, name, *verify_args):
    """A query with certReq to TSA `tsa_id`; whether `openssl ts -verify` accepts the reply
    against `ca_file`: (ok, output, reply headers)."""
    query = make_query(name + ".tsq", "-sha256", "-cert")
    status, _, body, headers = post_query("/api/v1/pki/tsa/%s/timestamp" % tsa_id, query)
    assert status == 200, body[:300]
    write_file(path(name + ".tsr"), body)
    code, out = run_openssl(["ts", "-verify", "-queryfile", path(name + ".tsq"), "-in",
                             path(name + ".tsr"), "-CAfile", ca_file] + list(verify_args))
    return code == 0 and "Verification: OK" in out, out, headers


def external_ca(tag):
    """A root CA made with openssl, outside Signet: (key file, certificate file)."""
    key, cert = path("ext-%s.key" % tag), path("ext-%s.pem" % tag)
    code, out = run_openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt",
                             "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
                             "-days", "30", "-subj", "/CN=External Root %s" % tag,
                             "-addext", "basicConstraints=critical,CA:TRUE",
                             "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    assert code == 0, out
    return key, cert


def external_leaf(ca, tag, eku="critical,timeStamping", key_type="ec"):
    """A leaf certificate issued by `ca` (from external_ca) with extendedKeyUsage `eku` (None:
    no such extension): (key PEM, certificate PEM)."""
    ca_key, ca_cert = ca
    key, csr, cert, ext = (path("leaf-%s.%s" % (tag, x)) for x in ("key", "csr", "pem", "cnf"))
    newkey = (["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"] if key_type == "ec"
              else ["-newkey", "rsa:2048"])
    code, out = run_openssl(["req", "-new"] + newkey + ["-nodes", "-keyout", key, "-out", csr,
                                                         "-subj", "/CN=External TSA %s" % tag])
    assert code == 0, out
    lines = ["basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature"]
    if eku:
        lines.append("extendedKeyUsage=" + eku)
    write_file(ext, ("\n".join(lines) + "\n").encode())
    code, out = run_openssl(["x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key,
                             "-set_serial", str(int.from_bytes(os.urandom(8), "big")),
                             "-days", "20", "-extfile", ext, "-out", cert])
    assert code == 0, out
    with open(key) as kf, open(cert) as cf:
        return kf.read(), cf.read()


def read_text(name):
    with open(name) as f:
        return f.read()


class ImportedTsa(SignetTestCase):
    """POST /api/v1/pki/tsa/import: a TSA from a certificate and key made elsewhere."""

    def test_pem_pair_with_chain_timestamps_verify_with_openssl(self):
        ca = external_ca("pem")
        key_pem, cert_pem = external_leaf(ca, "pem")
        name = unique("imp")
        tsa = F.api.ok("POST", TSA + "/import",
                       {"name": name, "certificatePem": cert_pem, "privateKeyPem": key_pem,
                        "certificateChainPem": read_text(ca[1]), "policyOid": "1.2.3.4.77"})
        self.assertEqual(tsa["name"], name)
        self.assertIsNone(tsa["caId"])
        self.assertEqual(tsa["keySource"], "software")
        self.assertEqual(tsa["keyAlgorithm"], "EC_prime256v1")
        self.assertEqual(tsa["policyOid"], "1.2.3.4.77")
        self.assertFalse(tsa["isDefault"])
        bundle = F.api.ok("GET", "%s/%s/certificate" % (TSA, tsa["id"]))
        self.assertEqual(bundle["certificatePem"].strip(), cert_pem.strip())
        self.assertEqual(bundle["certificateChainPem"].strip(), read_text(ca[1]).strip())
        ok, out, headers = timestamp_verifies(tsa["id"], ca[1], "imp-pem")
        self.assertTrue(ok, out)
        self.assertEqual(headers["Signet-Timestamp-Serial"], "1")
        # Its certificate is a certificate of the project like any other.
        cert = F.api.ok("GET", "/api/v1/pki/certificates/%s" % tsa["certificateId"])
        self.assertEqual(cert["status"], "active")
        self.assertEqual(cert["extendedKeyUsages"], ["timeStamping"])
        self.assertEqual(cert["serialNumber"], tsa["serialNumber"])
        imported = audit_events("certificate.import", tsa["certificateId"])
        self.assertEqual(len(imported), 1)
        self.assertEqual(imported[0]["details"]["format"], "pem")
        created = audit_events("tsa.create", tsa["id"])
        self.assertEqual(created[0]["details"]["certificateId"], tsa["certificateId"])
        # The key never comes back.
        self.assertNotIn("PRIVATE KEY", json.dumps(tsa) + json.dumps(bundle) + json.dumps(cert))
        F.api.ok("DELETE", "%s/%s" % (TSA, tsa["id"]))

    def test_pkcs12_with_chain_and_a_self_signed_certificate_without_one(self):
        ca = external_ca("p12")
        _, cert_pem = external_leaf(ca, "p12", key_type="rsa")
        p12 = path("tsa.p12")
        code, out = run_openssl(["pkcs12", "-export", "-in", path("leaf-p12.pem"), "-inkey",
                                 path("leaf-p12.key"), "-certfile", ca[1], "-passout",
                                 "pass:s3cret", "-out", p12])
        self.assertEqual(code, 0, out)
        with open(p12, "rb") as f:
            blob = base64.b64encode(f.read()).decode()
        tsa = F.api.ok("POST", TSA + "/import", {"name": unique("p12"), "pkcs12": blob,
                                                "password": "s3cret", "requireAuth": True})
        self.assertEqual(tsa["keyAlgorithm"], "RSA_2048")
        self.assertTrue(tsa["requireAuth"])
        self.assertEqual(audit_events("certificate.import", tsa["certificateId"])[0]["details"]
                         ["format"], "pkcs12")
        query = make_query("p12.tsq", "-sha512", "-cert")
        status, _, body, _ = post_query("/api/v1/pki/tsa/%s/timestamp" % tsa["id"], query)
        self.assertEqual(status, 401, body[:200])
        status, _, body, _ = post_query("/api/v1/pki/tsa/%s/timestamp" % tsa["id"], query,
                                        token=F.admin_token)
        self.assertEqual(status, 200, body[:200])
        write_file(path("p12.tsr"), body)
        code, out = run_openssl(["ts", "-verify", "-queryfile", path("p12.tsq"), "-in",
                                 path("p12.tsr"), "-CAfile", ca[1]])
        self.assertEqual(code, 0, out)
        self.assertIn("Verification: OK", out)
        self.assertIn("External TSA p12", cert_pem_subject(cert_pem))

        # Self-signed: no chain needed; the certificate is its own trust anchor (a leaf, so
        # openssl takes it as one with -partial_chain).
        key_pem, self_signed = make_local_key_and_cert(F.tmp, ekus="critical,timeStamping")
        own = F.api.ok("POST", TSA + "/import", {"name": unique("self"),
                                                "certificatePem": self_signed,
                                                "privateKeyPem": key_pem})
        self.assertEqual(F.api.ok("GET", "%s/%s/certificate" % (TSA, own["id"]))
                         ["certificateChainPem"], "")
        write_file(path("self.pem"), self_signed.encode())
        ok, out, _ = timestamp_verifies(own["id"], path("self.pem"), "self", "-partial_chain")
        self.assertTrue(ok, out)
        for t in (tsa, own):
            F.api.ok("DELETE", "%s/%s" % (TSA, t["id"]))

    def test_certificates_unfit_for_a_tsa_are_400_and_change_nothing(self):
        ca = external_ca("bad")
        chain = read_text(ca[1])
        tsas_before = list_all(F.api, F.admin_token, TSA, "tsas")[1]
        certs_before = list_all(F.api, F.admin_token, "/api/v1/pki/certificates",
                                "certificates")[1]
        imports_before = len(audit_events("certificate.import"))
        good_key, good_cert = external_leaf(ca, "good")
        other_key, _ = external_leaf(ca, "other")
        cases = [
            ("no EKU", external_leaf(ca, "none", eku=None), chain,
             "this one has no extended key usage"),
            ("non-critical", external_leaf(ca, "noncrit", eku="timeStamping"), chain,
             "this one has non-critical extended key usage timeStamping"),
            ("two usages", external_leaf(ca, "two", eku="critical,timeStamping,codeSigning"),
             chain, "timeStamping as its only extended key usage"),
            ("code signing", external_leaf(ca, "cs", eku="codeSigning"), chain,
             "this one has non-critical extended key usage codeSigning"),
            ("wrong key", (other_key, good_cert), chain,
             "private key does not match the certificate"),
            ("no chain", (good_key, good_cert), "", "certificateChainPem"),
            ("not PEM", (good_key, "hello"), chain, "certificatePem"),
        ]
        for label, (key_pem, cert_pem), chain_pem, message in cases:
            with self.subTest(case=label):
                body = {"name": unique("bad"), "certificatePem": cert_pem,
                        "privateKeyPem": key_pem}
                if chain_pem:
                    body["certificateChainPem"] = chain_pem
                self.assertError(F.api.call("POST", TSA + "/import", body=body), 400,
                                 "BadRequest", message_contains=message)
        for body, message in [
                ({"name": unique("x"), "pkcs12": "AAAA", "certificatePem": good_cert},
                 "not both"),
                ({"name": unique("x"), "certificatePem": good_cert, "privateKeyPem": good_key,
                  "certificateChainPem": chain, "caId": F.ca["id"]}, "caId"),
                ({"name": "Bad Name", "certificatePem": good_cert, "privateKeyPem": good_key,
                  "certificateChainPem": chain}, "name"),
                ({"name": unique("x"), "privateKeyPem": good_key}, "certificatePem")]:
            with self.subTest(body=sorted(body)):
                self.assertError(F.api.call("POST", TSA + "/import", body=body), 400,
                                 "BadRequest", message_contains=message)
        self.assertEqual(list_all(F.api, F.admin_token, TSA, "tsas")[1], tsas_before)
        self.assertEqual(list_all(F.api, F.admin_token, "/api/v1/pki/certificates",
                                  "certificates")[1], certs_before)
        self.assertEqual(len(audit_events("certificate.import")), imports_before)

    def test_members_may_not_import(self):
        ca = external_ca("member")
        key_pem, cert_pem = external_leaf(ca, "member")
        user, member = create_user(F.api, F.admin_token)
        add_project_member(F.api, F.admin_token, F.project_id, user_id=user["id"], role="member")
        self.assertError(F.api.call("POST", TSA + "/import", token=member, body={
            "name": unique("m"), "certificatePem": cert_pem, "privateKeyPem": key_pem,
            "certificateChainPem": read_text(ca[1])}), 403)


def cert_pem_subject(cert_pem):
    write_file(path("subject.pem"), cert_pem.encode())
    code, out = run_openssl(["x509", "-in", path("subject.pem"), "-noout", "-subject"])
    assert code == 0, out
    return out


class TsaCertificateIsACertificate(SignetTestCase):
    """The TSA's certificate is a row of the certificates table: listed, revocable."""

    def test_issued_certificate_is_listed_and_revoking_it_stops_the_tsa(self):
        tsa = F.api.ok("POST", TSA, {"name": unique("rev"), "caId": F.ca["id"]})
        self.assertEqual(tsa["keySource"], "software")
        cert_id = tsa["certificateId"]
        cert = F.api.ok("GET", "/api/v1/pki/certificates/%s" % cert_id)
        self.assertEqual(cert["caId"], F.ca["id"])
        self.assertEqual(cert["commonName"], tsa["name"])
        self.assertEqual(cert["serialNumber"], tsa["serialNumber"])
        self.assertEqual(cert["extendedKeyUsages"], ["timeStamping"])
        self.assertEqual(cert["status"], "active")
        listed, _ = list_all(F.api, F.admin_token, "/api/v1/pki/certificates", "certificates")
        self.assertIn(cert_id, [c["id"] for c in listed])
        issued = audit_events("certificate.issue", cert_id)
        self.assertEqual(len(issued), 1)
        self.assertEqual(issued[0]["details"]["caId"], F.ca["id"])
        ok, out, _ = timestamp_verifies(tsa["id"], path("root.pem"), "rev-ok")
        self.assertTrue(ok, out)

        F.api.ok("POST", "/api/v1/pki/certificates/%s/revoke" % cert_id)
        before = len(audit_events("tsa.timestamp", tsa["id"]))
        status, _, body, headers = post_query("/api/v1/pki/tsa/%s/timestamp" % tsa["id"],
                                              make_query("rev.tsq", "-sha256"))
        self.assertEqual(status, 200, body[:300])
        self.assertNotIn("Signet-Timestamp-Serial", headers)
        write_file(path("rev.tsr"), body)
        code, text = reply_text(path("rev.tsr"))
        self.assertEqual(code, 0, text)
        self.assertIn("Status: Rejected.", text)
        self.assertIn("is revoked", text)
        self.assertEqual(len(audit_events("tsa.timestamp", tsa["id"])), before)
        self.assertEqual(F.api.ok("GET", "%s/%s" % (TSA, tsa["id"]))["timestampsIssued"], 1)
        F.api.ok("DELETE", "%s/%s" % (TSA, tsa["id"]))
        self.assertEqual(audit_events("certificate.revoke", cert_id)[-1]["details"].get("reason"),
                         None, "revoked once, by the caller")

    def test_deleting_a_tsa_revokes_its_certificate(self):
        tsa = F.api.ok("POST", TSA, {"name": unique("del"), "caId": F.ca["id"]})
        F.api.ok("DELETE", "%s/%s" % (TSA, tsa["id"]))
        cert = F.api.ok("GET", "/api/v1/pki/certificates/%s" % tsa["certificateId"])
        self.assertEqual(cert["status"], "revoked")
        revoked = audit_events("certificate.revoke", tsa["certificateId"])
        self.assertEqual(len(revoked), 1)
        self.assertEqual(revoked[0]["details"]["reason"], "its time-stamp authority was deleted")
        self.assertEqual(audit_events("tsa.delete", tsa["id"])[0]["details"]["certificateId"],
                         tsa["certificateId"])

    def test_hsm_key_source_needs_an_hsm(self):
        before = list_all(F.api, F.admin_token, TSA, "tsas")[1]
        self.assertError(F.api.call("POST", TSA, body={"name": unique("h"), "caId": F.ca["id"],
                                                       "keySource": "hsm"}),
                         400, "BadRequest", message_contains="HSM")
        self.assertError(F.api.call("POST", TSA, body={"name": unique("h"), "caId": F.ca["id"],
                                                       "keySource": "tpm"}),
                         400, "BadRequest", message_contains="keySource")
        self.assertEqual(list_all(F.api, F.admin_token, TSA, "tsas")[1], before)


class ClockDiscipline(SignetTestCase):
    """--tsa-require-synced-clock with the kernel's state simulated by --clock-sync-file."""

    def test_unsynchronised_clock_refuses_and_readyz_says_why(self):
        state = os.path.join(tempfile.mkdtemp(prefix="signet-clock-"), "clock")
        write_file(state, b"unsynchronized drill: the NTP servers are unreachable\n")
        server = SignetServer(extra_args=["--tsa-require-synced-clock", "--clock-sync-file",
                                          state])
        self.addCleanup(server.cleanup)
        server.start()
        api = server.api()
        _, token = bootstrap_admin(api)
        api.token = token
        ca = create_ca(api, token, "EC_prime256v1", "Clock Root")
        api.ok("POST", TSA, {"name": "clocked", "caId": ca["id"]})

        ready = api.request("GET", "/readyz")
        self.assertEqual(ready.status, 503, ready.text)
        self.assertIn("the NTP servers are unreachable", ready.json["message"])
        status, _, body, headers = post_query("/tsa", make_query("clk.tsq"), port=server.port)
        self.assertEqual(status, 200)
        self.assertNotIn("Signet-Timestamp-Serial", headers)
        write_file(path("clk.tsr"), body)
        _, text = reply_text(path("clk.tsr"))
        self.assertIn("Status: Rejected.", text)
        self.assertIn("the TSA's time source is not available", text)
        self.assertIn("the NTP servers are unreachable", text)
        events, _ = list_all(api, token, "/api/v1/audit-logs", "auditLogs",
                             {"eventType": "tsa.timestamp"})
        self.assertEqual(events, [])

        write_file(state, b"synchronized\n")
        ready = api.request("GET", "/readyz")
        self.assertEqual(ready.status, 200, ready.text)
        status, _, body, headers = post_query("/tsa", make_query("clk.tsq"), port=server.port)
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("Signet-Timestamp-Serial"), "1")

    def test_without_the_setting_an_unsynchronised_clock_does_not_refuse(self):
        state = os.path.join(tempfile.mkdtemp(prefix="signet-clock-"), "clock")
        write_file(state, b"unsynchronized\n")
        server = SignetServer(extra_args=["--clock-sync-file", state])
        self.addCleanup(server.cleanup)
        server.start()
        api = server.api()
        _, token = bootstrap_admin(api)
        ca = create_ca(api, token, "EC_prime256v1", "Clock Root")
        api.ok("POST", TSA, {"name": "lenient", "caId": ca["id"]}, token=token)
        self.assertEqual(api.request("GET", "/readyz").status, 200)
        status, _, _, headers = post_query("/tsa", make_query("clk2.tsq"), port=server.port)
        self.assertEqual(status, 200)
        self.assertIn("Signet-Timestamp-Serial", headers)


def der_elements(data):
    """The DER elements of `data` as (tag, content, whole) triples."""
    out, i = [], 0
    while i < len(data):
        tag, length, j = data[i], data[i + 1], i + 2
        if length & 0x80:
            n = length & 0x7F
            length, j = int.from_bytes(data[j:j + n], "big"), j + n
        out.append((tag, data[j:j + length], data[i:j + length]))
        i = j + length
    return out


def cms_signature_and_token(der):
    """The SignerInfo's signature value and its id-aa-timeStampToken (whole DER), if any."""
    (_, content_info, _), = der_elements(der)
    _, (_, explicit, _) = der_elements(content_info)
    (_, signed_data, _), = der_elements(explicit)
    (_, signer_infos, _) = der_elements(signed_data)[-1]
    (_, signer_info, _), = der_elements(signer_infos)
    fields = der_elements(signer_info)
    signature = [c for t, c, _ in fields if t == 0x04][0]
    token = None
    for tag, content, _ in fields:
        if tag == 0xA1:
            for _, attr, _ in der_elements(content):
                (_, oid, _), (_, values, _) = der_elements(attr)
                if oid == bytes.fromhex("2a864886f70d010910020e"):
                    token = der_elements(values)[0][2]
    return signature, token


class CliSignsCmsAndTimestamps(SignetTestCase):
    def cli(self, *args, expect=0):
        env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNET_")}
        env.update({"SIGNET_SERVER_URL": F.server.base_url, "SIGNET_TOKEN": F.admin_token,
                    "HOME": F.tmp})
        proc = subprocess.run([SIGNET] + list(args), env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=120)
        out = proc.stdout.decode() + proc.stderr.decode()
        self.assertEqual(proc.returncode, expect, out)
        return out

    def test_sign_cms_with_timestamp_verifies_with_openssl_cms_and_ts(self):
        for algorithm, key in (("ECDSA_SHA256", "EC_prime256v1"), ("RSASSA_PKCS1_V1_5_SHA384",
                                                                     "RSA_2048")):
            with self.subTest(algorithm=algorithm):
                signer = create_code_signer(F.api, F.admin_token, F.ca["id"], key)
                before = F.api.ok("GET", "%s/%s" % (TSA, F.public["id"]))["timestampsIssued"]
                out = self.cli("sign", "--signer", signer["name"], "--algorithm", algorithm,
                               "--in", path("data.bin"), "--format", "cms", "--timestamp",
                               F.server.base_url + "/tsa", "--out", path("data.p7s"))
                self.assertIn("timestamped", out)
                self.assertEqual(
                    F.api.ok("GET", "%s/%s" % (TSA, F.public["id"]))["timestampsIssued"],
                    before + 1)
                code, out = run_openssl(["cms", "-verify", "-binary", "-inform", "DER", "-in",
                                         path("data.p7s"), "-content", path("data.bin"),
                                         "-CAfile", path("root.pem"), "-purpose", "any",
                                         "-out", "/dev/null"])
                self.assertEqual(code, 0, out)
                self.assertIn("Verification successful", out)
                with open(path("data.p7s"), "rb") as f:
                    signature, token = cms_signature_and_token(f.read())
                self.assertIsNotNone(token)
                write_file(path("token.der"), token)
                code, out = run_openssl(["ts", "-verify", "-token_in", "-in", path("token.der"),
                                         "-digest", hashlib.sha256(signature).hexdigest(),
                                         "-CAfile", path("root.pem")])
                self.assertEqual(code, 0, out)
                self.assertIn("Verification: OK", out)

                out = self.cli("verify", "--in", path("data.bin"), "--sig", path("data.p7s"))
                self.assertIn("Verified OK", out)
                self.assertIn("timestamped", out)
                write_file(path("changed.bin"), b"something else")
                out = self.cli("verify", "--in", path("changed.bin"), "--sig", path("data.p7s"),
                               expect=self.verify_failure_code())
                self.assertIn("does not verify", out)

    def verify_failure_code(self):
        return EXIT_USAGE

    def test_cms_without_timestamp_and_a_refused_timestamp(self):
        signer = create_code_signer(F.api, F.admin_token, F.ca["id"], "EC_prime256v1")
        self.cli("sign", "--signer", signer["name"], "--algorithm", "ECDSA_SHA512", "--in",
                 path("data.bin"), "--format", "cms", "--out", path("plain.p7s"))
        code, out = run_openssl(["cms", "-verify", "-binary", "-inform", "DER", "-in",
                                 path("plain.p7s"), "-content", path("data.bin"), "-CAfile",
                                 path("root.pem"), "-purpose", "any", "-out", "/dev/null"])
        self.assertEqual(code, 0, out)
        with open(path("plain.p7s"), "rb") as f:
            self.assertIsNone(cms_signature_and_token(f.read())[1])
        # A TSA that needs a token refuses without --timestamp-auth: nothing is written.
        out = self.cli("sign", "--signer", signer["name"], "--algorithm", "ECDSA_SHA256", "--in",
                       path("data.bin"), "--format", "cms", "--timestamp",
                       F.server.base_url + "/api/v1/pki/tsa/%s/timestamp" % F.private["id"],
                       "--out", path("refused.p7s"), expect=self.cli_code_for_401())
        self.assertFalse(os.path.exists(path("refused.p7s")))
        self.cli("sign", "--signer", signer["name"], "--algorithm", "ECDSA_SHA256", "--in",
                 path("data.bin"), "--format", "cms", "--timestamp",
                 F.server.base_url + "/api/v1/pki/tsa/%s/timestamp" % F.private["id"],
                 "--timestamp-auth", "--out", path("authed.p7s"))
        self.assertTrue(os.path.exists(path("authed.p7s")))
        # RSASSA-PSS needs an RSA key: refused before anything is signed or written.
        out = self.cli("sign", "--signer", signer["name"], "--algorithm", "RSASSA_PSS_SHA256",
                       "--in", path("data.bin"), "--format", "cms", "--out", path("pss-ec.p7s"),
                       expect=EXIT_USAGE)
        self.assertIn("RSASSA-PSS needs an RSA key", out)
        self.assertFalse(os.path.exists(path("pss-ec.p7s")))

    def cli_code_for_401(self):
        return EXIT_AUTH

    def test_rsa_pss_cms_carries_pss_parameters_openssl_accepts(self):
        signer = create_code_signer(F.api, F.admin_token, F.ca["id"], "RSA_3072")
        for algorithm, digest in (("RSASSA_PSS_SHA256", "sha256"), ("RSASSA_PSS_SHA512",
                                                                     "sha512")):
            with self.subTest(algorithm=algorithm):
                out_file = path("pss-%s.p7s" % digest)
                self.cli("sign", "--signer", signer["name"], "--algorithm", algorithm, "--in",
                         path("data.bin"), "--format", "cms", "--timestamp",
                         F.server.base_url + "/tsa", "--out", out_file)
                code, out = run_openssl(["cms", "-verify", "-binary", "-inform", "DER", "-in",
                                         out_file, "-content", path("data.bin"), "-CAfile",
                                         path("root.pem"), "-purpose", "any", "-out",
                                         "/dev/null"])
                self.assertEqual(code, 0, out)
                self.assertIn("Verification successful", out)
                # The SignerInfo names RSASSA-PSS with explicit parameters: the digest, MGF1
                # with the same digest, a salt as long as the digest.
                code, text = run_openssl(["cms", "-cmsout", "-print", "-inform", "DER", "-in",
                                          out_file])
                self.assertEqual(code, 0, text)
                start = text.index("signatureAlgorithm:")
                sig_alg = text[start:text.index("signature: ", start)]
                self.assertIn("algorithm: rsassaPss", sig_alg)
                params = re.sub(r"\s+", " ", sig_alg)
                # [0] hashAlgorithm, [1] MGF1 with the same digest, [2] salt length in hex.
                self.assertRegex(params, r"cont \[ 0 \] .* OBJECT :%s .*cont \[ 1 \] .* "
                                         r"OBJECT :mgf1 .* OBJECT :%s .*cont \[ 2 \] .* "
                                         r"INTEGER :%X" % (digest, digest,
                                                           32 if digest == "sha256" else 64))
                # Changed content fails openssl too.
                write_file(path("pss-changed.bin"), b"not the signed content")
                code, out = run_openssl(["cms", "-verify", "-binary", "-inform", "DER", "-in",
                                         out_file, "-content", path("pss-changed.bin"),
                                         "-CAfile", path("root.pem"), "-purpose", "any",
                                         "-out", "/dev/null"])
                self.assertNotEqual(code, 0, out)
                out = self.cli("verify", "--in", path("data.bin"), "--sig", out_file,
                               "--ca-file", path("root.pem"))
                self.assertIn("Verified OK", out)

    def test_verify_checks_the_chain_to_a_trusted_root(self):
        signer = create_code_signer(F.api, F.admin_token, F.ca["id"], "EC_prime256v1")
        sig = path("chain.p7s")
        self.cli("sign", "--signer", signer["name"], "--algorithm", "ECDSA_SHA256", "--in",
                 path("data.bin"), "--format", "cms", "--timestamp", F.server.base_url + "/tsa",
                 "--out", sig)
        out = self.cli("verify", "--in", path("data.bin"), "--sig", sig, "--ca-file",
                       path("root.pem"), "--json")
        result = json.loads(out)
        self.assertTrue(result["verified"])
        self.assertTrue(result["chainVerified"])
        self.assertEqual(result["chainCheckedAt"], "timestamp")
        self.assertTrue(result["timestampChainVerified"])
        self.assertEqual(result["timestampPolicy"], POLICY)
        self.assertEqual(result["timestampAuthority"], "CN=public")
        out = self.cli("verify", "--in", path("data.bin"), "--sig", sig, "--ca-file",
                       path("root.pem"))
        self.assertIn("TSA trusted", out)
        self.assertIn("verified at the timestamp", out)

        # Another root: neither the signer nor the TSA chains to it.
        other = create_ca(F.api, F.admin_token, "EC_prime256v1", unique("Other Root"))
        write_file(path("other.pem"), F.api.ok("GET", "/api/v1/pki/ca/%s/certificate"
                                               % other["id"])["certificate"].encode())
        out = self.cli("verify", "--in", path("data.bin"), "--sig", sig, "--ca-file",
                       path("other.pem"), expect=EXIT_USAGE)
        self.assertIn("timestamp does not verify", out)
        # The TSA trusted separately; the signer still does not chain to the other root.
        out = self.cli("verify", "--in", path("data.bin"), "--sig", sig, "--ca-file",
                       path("other.pem"), "--tsa-ca-file", path("root.pem"), expect=EXIT_USAGE)
        self.assertIn("does not chain to a root of %s" % path("other.pem"), out)

        # With --signer, the server's chain of the signer is the trust anchor.
        result = json.loads(self.cli("verify", "--in", path("data.bin"), "--sig", sig,
                                     "--signer", signer["name"], "--json"))
        self.assertTrue(result["chainVerified"])
        self.assertFalse(result["timestampChainVerified"])
        # Neither: verified, but the output says the chain was not checked.
        out = self.cli("verify", "--in", path("data.bin"), "--sig", sig)
        self.assertIn("chain not checked", out)
        result = json.loads(self.cli("verify", "--in", path("data.bin"), "--sig", sig,
                                     "--json"))
        self.assertFalse(result["chainVerified"])

        # Without a timestamp the chain is checked now; bad trust files are one-line errors.
        self.cli("sign", "--signer", signer["name"], "--algorithm", "ECDSA_SHA256", "--in",
                 path("data.bin"), "--format", "cms", "--out", path("plain-chain.p7s"))
        result = json.loads(self.cli("verify", "--in", path("data.bin"), "--sig",
                                     path("plain-chain.p7s"), "--ca-file", path("root.pem"),
                                     "--json"))
        self.assertEqual(result["chainCheckedAt"], "now")
        write_file(path("empty.pem"), b"no certificates here\n")
        out = self.cli("verify", "--in", path("data.bin"), "--sig", path("plain-chain.p7s"),
                       "--ca-file", path("empty.pem"), expect=EXIT_USAGE)
        self.assertIn("holds no PEM certificate", out)
        out = self.cli("verify", "--in", path("data.bin"), "--sig", path("plain-chain.p7s"),
                       "--tsa-ca-file", path("root.pem"), expect=EXIT_USAGE)
        self.assertIn("carries no timestamp", out)

    def test_signet_timestamp_writes_a_reply_openssl_verifies(self):
        out = self.cli("timestamp", path("data.bin"), "--tsa", F.server.base_url + "/tsa",
                       "--hash", "SHA384", "--out", path("cli.tsr"))
        self.assertIn("Timestamped", out)
        code, out = run_openssl(["ts", "-verify", "-data", path("data.bin"), "-in",
                                 path("cli.tsr"), "-CAfile", path("root.pem")])
        self.assertEqual(code, 0, out)
        out = self.cli("timestamp", path("data.bin"), "--tsa", F.server.base_url + "/tsa",
                       "--policy", "1.2.3.4", "--out", path("refused.tsr"), expect=EXIT_USAGE)
        self.assertIn("unacceptedPolicy", out)
        self.assertFalse(os.path.exists(path("refused.tsr")))


class NoDefaultTsa(SignetTestCase):
    def test_a_server_without_a_tsa_answers_404_at_tsa(self):
        server = SignetServer()
        self.addCleanup(server.cleanup)
        server.start()
        status, _, body, _ = post_query("/tsa", make_query("nd.tsq"), port=server.port)
        self.assertEqual(status, 404, body)
        self.assertIn("no default time-stamp authority", json.loads(body)["message"])


if __name__ == "__main__":
    unittest.main()
