#!/usr/bin/env python3
"""Keys in a hardware security module (issue 16), on SoftHSM2.

The suite makes its own SoftHSM2 token in a temporary directory (SOFTHSM2_CONF names a
configuration there), starts signetd with --hsm-module on it, and checks: keys are generated
in the token as private, sensitive, never extractable objects (pkcs11-tool reads them back);
nothing of a private key reaches the database or the data directory; all 9 signing
algorithms on RSA-2048/3072/4096 and P-256/384/521 verify with openssl; a restart keeps the
keys working; a wrong PIN is a clear start-up error; the token made unreachable answers 503
and /readyz is not ready, and everything recovers by itself; 32 parallel signs; existing token
keys adopted by label and by id; PKCS#12 imports refused unless allowed; the CLI signs with
HSM keys as with any other.
"""

import base64
import concurrent.futures
import glob
import hashlib
import http.client
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from signet_testlib import (  # noqa: E402
    BUILD_DIR, SignetServer, SignetTestCase, b64, bootstrap_admin, create_signer, openssl_verify,
    run_openssl, sign, signer_public_key_pem, spki_der_to_pem, unb64, unique, write_file)

PIN = "246810"
SO_PIN = "13579"
TOKEN = "signet-it"
SIGNET = os.path.join(BUILD_DIR, "bin", "signet")

RSA_ALGORITHMS = ["RSASSA_PKCS1_V1_5_SHA256", "RSASSA_PKCS1_V1_5_SHA384",
                  "RSASSA_PKCS1_V1_5_SHA512", "RSASSA_PSS_SHA256", "RSASSA_PSS_SHA384",
                  "RSASSA_PSS_SHA512"]
EC_ALGORITHMS = ["ECDSA_SHA256", "ECDSA_SHA384", "ECDSA_SHA512"]


def softhsm_module():
    for candidate in ("/usr/lib/softhsm/libsofthsm2.so",
                      "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
                      *glob.glob("/usr/lib/*/softhsm/libsofthsm2.so")):
        if os.path.exists(candidate):
            return candidate
    if os.environ.get("SIGNET_BUILD_DIR"):
        raise AssertionError("SoftHSM2 is not installed (Debian: softhsm2)")
    raise unittest.SkipTest("SoftHSM2 is not installed")


class F:
    work = None
    tokens = None
    env = None
    module = None
    server = None
    api = None
    token = None


def softhsm_env():
    env = dict(os.environ)
    env["SOFTHSM2_CONF"] = os.path.join(F.work, "softhsm2.conf")
    return env


def run(cmd, env=None, timeout=120):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=env or softhsm_env(), timeout=timeout)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), \
        proc.stderr.decode("utf-8", "replace")


def p11tool(*args):
    code, out, err = run(["pkcs11-tool", "--module", F.module, "--token-label", TOKEN,
                          "--login", "--pin", PIN] + list(args))
    if code != 0:
        raise AssertionError("pkcs11-tool %s failed:\n%s\n%s" % (" ".join(args), out, err))
    return out


def hsm_server(pin=PIN, extra=None):
    env = softhsm_env()
    env["SIGNET_HSM_PIN"] = pin
    return SignetServer(extra_args=["--hsm-module", F.module, "--hsm-token-label", TOKEN,
                                    "--hsm-max-sessions", "4"] + list(extra or []), env=env)


def setUpModule():
    F.module = softhsm_module()
    F.work = tempfile.mkdtemp(prefix="signet-hsm-it-")
    F.tokens = os.path.join(F.work, "tokens")
    os.makedirs(F.tokens)
    write_file(os.path.join(F.work, "softhsm2.conf"),
               "directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n"
               % F.tokens)
    code, out, err = run(["softhsm2-util", "--init-token", "--free", "--label", TOKEN,
                          "--so-pin", SO_PIN, "--pin", PIN])
    if code != 0:
        shutil.rmtree(F.work, ignore_errors=True)
        raise AssertionError("softhsm2-util --init-token failed:\n%s\n%s" % (out, err))
    F.server = hsm_server()
    try:
        F.server.start()
        F.api = F.server.api()
        _, F.token = bootstrap_admin(F.api)
        F.api.token = F.token
    except BaseException:
        sys.stderr.write("setUpModule failed; signetd stderr:\n%s\n" % F.server.stderr_tail())
        F.server.cleanup()
        raise


def tearDownModule():
    if F.server is not None:
        F.server.cleanup()
    if F.work and not os.environ.get("SIGNET_KEEP_DIRS"):
        shutil.rmtree(F.work, ignore_errors=True)


def hsm_ca(key_algorithm="EC_prime256v1", **extra):
    body = {"commonName": "HSM CA " + unique("ca"), "keyAlgorithm": key_algorithm,
            "ttlDays": 3650, "keySource": "hsm"}
    body.update(extra)
    return F.api.ok("POST", "/api/v1/pki/ca", body)


def hsm_signer(ca_id, key_algorithm, **extra):
    body = {"caId": ca_id, "commonName": unique("hsm-cs"), "keyAlgorithm": key_algorithm,
            "ttlDays": 300, "keyUsages": ["digitalSignature"],
            "extendedKeyUsages": ["codeSigning"], "keySource": "hsm"}
    body.update(extra)
    cert = F.api.ok("POST", "/api/v1/pki/certificates/issue", body)
    return create_signer(F.api, F.token, cert["certificateId"]), cert


def db_rows(sql, *args):
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(F.server.data_dir, "signet.db"),
                         uri=True)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def private_key_objects():
    """pkcs11-tool's private key objects: {label: text block}."""
    out = p11tool("--list-objects", "--type", "privkey")
    blocks = {}
    current = None
    for line in out.splitlines():
        if line.startswith("Private Key Object"):
            current = [line]
            continue
        if current is not None:
            current.append(line)
            if line.strip().startswith("label:"):
                blocks[line.split(":", 1)[1].strip()] = current
    return {k: "\n".join(v) for k, v in blocks.items()}


class HsmKeysTest(SignetTestCase):
    def test_keys_are_made_in_the_token_and_never_leave_it(self):
        blobs_before = db_rows("SELECT COUNT(*) FROM key_blobs")[0][0]
        ca = hsm_ca("EC_secp384r1")
        self.assertEqual(ca["keySource"], "hsm")
        signer, cert = hsm_signer(ca["id"], "RSA_3072")
        self.assertEqual(cert["keySource"], "hsm")
        detail = F.api.ok("GET", "/api/v1/pki/signers/%s" % signer["id"])
        self.assertEqual(detail["certificateKeySource"], "hsm")
        listed = F.api.ok("GET", "/api/v1/pki/certificates/%s" % cert["certificateId"])
        self.assertEqual(listed["keySource"], "hsm")

        # No wrapped key in the database: only references with the public key.
        self.assertEqual(db_rows("SELECT COUNT(*) FROM key_blobs")[0][0], blobs_before)
        rows = db_rows("SELECT key_id, object_label, public_key_spki, adopted FROM hsm_keys")
        by_label = {r[1]: r for r in rows}
        objects = private_key_objects()
        for label in by_label:
            self.assertIn(label, objects)
        ca_key = db_rows("SELECT key_id, key_source FROM certificate_authorities WHERE id = ?",
                         ca["id"])[0]
        self.assertEqual(ca_key[1], "hsm")
        self.assertIn("signet-" + ca_key[0], objects)
        for label, block in objects.items():
            if label not in by_label:
                continue
            with self.subTest(label=label):
                self.assertIn("sensitive", block)
                self.assertIn("always sensitive", block)
                self.assertIn("never extract", block)
                self.assertIn("local", block)
                self.assertNotIn("extractable", block.replace("never extract", ""))
        # CKA_PRIVATE: without logging in, the token shows none of them.
        code, out, err = run(["pkcs11-tool", "--module", F.module, "--token-label", TOKEN,
                              "--list-objects", "--type", "privkey"])
        self.assertNotIn("signet-", out + err)
        # What the token reports for the CA's key, read back through key evidence.
        evidence = F.api.ok("GET", "/api/v1/pki/signers/%s/key-evidence" % signer["id"])
        self.assertEqual(evidence["keySource"], "hsm")
        self.assertEqual(evidence["keyAlgorithm"], "RSA_3072")
        attributes = evidence["attributes"]
        for flag in ("token", "private", "sensitive", "sign", "local", "neverExtractable",
                     "alwaysSensitive"):
            self.assertIs(attributes[flag], True, flag)
        self.assertIs(attributes["extractable"], False)
        self.assertEqual(evidence["module"]["tokenLabel"], TOKEN)
        self.assertEqual(evidence["module"]["manufacturer"], "SoftHSM project")
        self.assertTrue(evidence["module"]["serialNumber"])
        self.assertIn("firmwareVersion", evidence["module"])
        self.assertFalse(evidence["adopted"])
        self.assertEqual(evidence["generated"]["eventType"], "certificate.issue")
        self.assertEqual(evidence["generated"]["actorName"], "admin@signet.test")
        self.assertEqual(signer_public_key_pem(F.api, F.token, signer["id"]),
                         spki_der_to_pem(unb64(evidence["publicKey"])))
        label = "signet-" + ca_key[0]
        # Nothing in the data directory holds the private key: the SoftHSM token files are
        # elsewhere, and no file of the data directory names more than public parts.
        spki = bytes(by_label[label][2])
        code, out = run_openssl(["x509", "-pubkey", "-noout"], F.api.ok(
            "GET", "/api/v1/pki/ca/%s/certificate" % ca["id"])["certificate"].encode())
        self.assertEqual(code, 0, out)
        self.assertEqual(out[out.index("-----BEGIN PUBLIC KEY-----"):], spki_der_to_pem(spki))
        for root, _, files in os.walk(F.server.data_dir):
            for name in files:
                with open(os.path.join(root, name), "rb") as f:
                    self.assertNotIn(b"PRIVATE KEY", f.read(), name)

        # The certificate chains to the CA whose key is in the token (openssl verifies).
        ca_pem = write_file(os.path.join(F.work, unique("ca") + ".pem"), F.api.ok(
            "GET", "/api/v1/pki/ca/%s/certificate" % ca["id"])["certificate"])
        leaf_pem = write_file(os.path.join(F.work, unique("leaf") + ".pem"), cert["certificate"])
        code, out = run_openssl(["verify", "-CAfile", ca_pem, leaf_pem])
        self.assertEqual(code, 0, out)

    def test_all_algorithms_on_all_key_sizes_verify_with_openssl(self):
        ca = hsm_ca("RSA_3072")
        data = os.urandom(100)  # the API signs raw data up to 128 bytes
        for key in ("RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1",
                    "EC_secp521r1"):
            signer, _ = hsm_signer(ca["id"], key)
            pub = signer_public_key_pem(F.api, F.token, signer["id"])
            for algorithm in (RSA_ALGORITHMS if key.startswith("RSA") else EC_ALGORITHMS):
                for is_digest in (False, True):
                    with self.subTest(key=key, algorithm=algorithm, is_digest=is_digest):
                        payload = data
                        if is_digest:
                            payload = hashlib.new("sha" + algorithm[-3:], data).digest()
                        status, body = sign(F.api, F.token, signer["id"], payload, algorithm,
                                            is_digest=is_digest)
                        self.assertEqual(status, 200, body)
                        ok, out = openssl_verify(payload, unb64(body["signature"]), algorithm,
                                                 is_digest=is_digest, public_key_pem=pub)
                        self.assertTrue(ok, out)
        # A wrong algorithm for the key is still a 400, and changes nothing.
        signer, _ = hsm_signer(ca["id"], "EC_prime256v1")
        status, body = sign(F.api, F.token, signer["id"], b"x", "RSASSA_PSS_SHA256")
        self.assertEqual(status, 400, body)

    def test_csr_with_hsm_key(self):
        reply = F.api.ok("POST", "/api/v1/pki/certificates/csr", {
            "commonName": unique("hsm-csr"), "keyAlgorithm": "EC_prime256v1",
            "keySource": "hsm"})
        self.assertEqual(reply["keySource"], "hsm")
        csr = write_file(os.path.join(F.work, unique("csr") + ".pem"), reply["csr"])
        code, out = run_openssl(["req", "-verify", "-noout", "-in", csr])
        self.assertEqual(code, 0, out)

    def test_parallel_signs(self):
        ca = hsm_ca()
        signer, _ = hsm_signer(ca["id"], "EC_prime256v1")
        pub = signer_public_key_pem(F.api, F.token, signer["id"])
        messages = [os.urandom(64) for _ in range(32)]

        def one(message):
            api = F.server.api()
            return sign(api, F.token, signer["id"], message, "ECDSA_SHA256")

        with concurrent.futures.ThreadPoolExecutor(32) as pool:
            results = list(pool.map(one, messages))
        for message, (status, body) in zip(messages, results):
            self.assertEqual(status, 200, body)
            ok, out = openssl_verify(message, unb64(body["signature"]), "ECDSA_SHA256",
                                     public_key_pem=pub)
            self.assertTrue(ok, out)

    def test_adopt_existing_token_keys(self):
        label = unique("adopted")
        p11tool("--keypairgen", "--key-type", "EC:prime256v1", "--label", label, "--id", "a1b2c3",
                "--usage-sign")
        ca = hsm_ca("EC_prime256v1", hsmKeyLabel=label)
        self.assertEqual(ca["keySource"], "hsm")
        signer, cert = hsm_signer(ca["id"], "RSA_2048")
        status, body = sign(F.api, F.token, signer["id"], b"adopted", "RSASSA_PSS_SHA256")
        self.assertEqual(status, 200, body)
        rows = db_rows("SELECT adopted, object_label FROM hsm_keys WHERE object_label = ?", label)
        self.assertEqual(rows, [(1, label)])
        # By id, as a certificate's key.
        p11tool("--keypairgen", "--key-type", "rsa:2048", "--label", unique("by-id"), "--id",
                "0d0e0f", "--usage-sign")
        signer2, _ = hsm_signer(ca["id"], "RSA_2048", hsmKeyId="0d0e0f")
        status, body = sign(F.api, F.token, signer2["id"], b"by id", "RSASSA_PKCS1_V1_5_SHA256")
        self.assertEqual(status, 200, body)
        pub = signer_public_key_pem(F.api, F.token, signer2["id"])
        ok, out = openssl_verify(b"by id", unb64(body["signature"]), "RSASSA_PKCS1_V1_5_SHA256",
                                 public_key_pem=pub)
        self.assertTrue(ok, out)
        # Errors name what is wrong and create nothing.
        cas_before = db_rows("SELECT COUNT(*) FROM certificate_authorities")[0][0]
        self.assertError(F.api.call("POST", "/api/v1/pki/ca", {
            "commonName": "x", "keyAlgorithm": "EC_prime256v1", "ttlDays": 10,
            "hsmKeyLabel": "no such key"}), 400, message_contains="no private key with label")
        self.assertError(F.api.call("POST", "/api/v1/pki/ca", {
            "commonName": "x", "keyAlgorithm": "EC_secp384r1", "ttlDays": 10,
            "hsmKeyLabel": label}), 400, message_contains="EC_prime256v1")
        self.assertError(F.api.call("POST", "/api/v1/pki/ca", {
            "commonName": "x", "keyAlgorithm": "EC_prime256v1", "ttlDays": 10,
            "keySource": "software", "hsmKeyLabel": label}), 400,
            message_contains="need keySource 'hsm'")
        self.assertError(F.api.call("POST", "/api/v1/pki/ca", {
            "commonName": "x", "keyAlgorithm": "EC_prime256v1", "ttlDays": 10,
            "hsmKeyId": "zz"}), 400, message_contains="hsmKeyId")
        self.assertEqual(db_rows("SELECT COUNT(*) FROM certificate_authorities")[0][0], cas_before)

    def test_software_keys_still_work_next_to_the_hsm(self):
        ca = F.api.ok("POST", "/api/v1/pki/ca", {"commonName": unique("sw"),
                                                  "keyAlgorithm": "EC_prime256v1",
                                                  "ttlDays": 30, "keySource": "software"})
        self.assertEqual(ca["keySource"], "software")
        signer, cert = hsm_signer(ca["id"], "EC_prime256v1", keySource="software")
        self.assertEqual(cert["keySource"], "software")
        status, body = sign(F.api, F.token, signer["id"], b"soft", "ECDSA_SHA256")
        self.assertEqual(status, 200, body)
        # The server's default is the HSM: a request without keySource gets an HSM key.
        plain = F.api.ok("POST", "/api/v1/pki/ca", {"commonName": unique("default"),
                                                     "keyAlgorithm": "EC_prime256v1",
                                                     "ttlDays": 30})
        self.assertEqual(plain["keySource"], "hsm")
        self.assertError(F.api.call("POST", "/api/v1/pki/ca", {
            "commonName": "x", "keyAlgorithm": "EC_prime256v1", "ttlDays": 10,
            "keySource": "tpm"}), 400, message_contains="keySource 'tpm' is not one of")

    def test_pkcs12_import_refused_unless_allowed(self):
        d = tempfile.mkdtemp(dir=F.work)
        key = os.path.join(d, "k.pem")
        crt = os.path.join(d, "c.pem")
        p12 = os.path.join(d, "c.p12")
        for args in (["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                      "-out", key],
                     ["req", "-new", "-x509", "-key", key, "-out", crt, "-days", "30",
                      "-subj", "/CN=imported", "-addext", "extendedKeyUsage=codeSigning"],
                     ["pkcs12", "-export", "-inkey", key, "-in", crt, "-out", p12,
                      "-passout", "pass:pw"]):
            code, out = run_openssl(args)
            self.assertEqual(code, 0, out)
        with open(p12, "rb") as f:
            body = {"pkcs12": base64.b64encode(f.read()).decode(), "password": "pw"}
        before = db_rows("SELECT COUNT(*) FROM certificates")[0][0]
        self.assertError(F.api.call("POST", "/api/v1/pki/certificates/import", body), 400,
                         message_contains="allowSoftwareKey")
        self.assertEqual(db_rows("SELECT COUNT(*) FROM certificates")[0][0], before)
        body["allowSoftwareKey"] = True
        imported = F.api.ok("POST", "/api/v1/pki/certificates/import", body)
        self.assertEqual(imported["keySource"], "software")

    def test_cli_signs_with_an_hsm_key(self):
        ca = hsm_ca()
        signer, _ = hsm_signer(ca["id"], "EC_prime256v1")
        home = tempfile.mkdtemp(dir=F.work)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNET_")}
        env["HOME"] = home
        env["SIGNET_TOKEN"] = F.token
        env["SIGNET_SERVER_URL"] = F.server.base_url
        data = write_file(os.path.join(home, "in.bin"), os.urandom(1000))
        sig = os.path.join(home, "out.sig")
        proc = subprocess.run([SIGNET, "sign", "--signer",
                               signer["id"], "--algorithm", "ECDSA_SHA384", "--in", data,
                               "--out", sig], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr.decode())
        with open(data, "rb") as f, open(sig, "rb") as s:
            ok, out = openssl_verify(f.read(), s.read(), "ECDSA_SHA384", api=F.api,
                                     token=F.token, signer_id=signer["id"])
        self.assertTrue(ok, out)


def post_timestamp_query(port, tsa_id, tag, digest="-sha256"):
    """Asks TSA `tsa_id` of the signetd on `port` for a timestamp with certReq (openssl ts
    -query); returns the query file name, the HTTP status and the reply body."""
    data = write_file(os.path.join(F.work, tag + ".bin"), os.urandom(300))
    query = os.path.join(F.work, tag + ".tsq")
    code, out = run_openssl(["ts", "-query", "-data", data, digest, "-cert", "-out", query])
    if code != 0:
        raise AssertionError(out)
    with open(query, "rb") as f:
        body = f.read()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", "/api/v1/pki/tsa/%s/timestamp" % tsa_id, body=body,
                     headers={"Content-Type": "application/timestamp-query"})
        resp = conn.getresponse()
        return query, resp.status, resp.read()
    finally:
        conn.close()


def timestamp_query(tsa_id, tag, digest="-sha256"):
    """Asks the module's signetd for a timestamp; returns the query and reply file names."""
    query, status, reply = post_timestamp_query(F.server.port, tsa_id, tag, digest)
    if status != 200:
        raise AssertionError("timestamp query: HTTP %d %r" % (status, reply[:300]))
    return query, write_file(os.path.join(F.work, tag + ".tsr"), reply)


class HsmTsaTest(SignetTestCase):
    """keySource "hsm" on a time-stamp authority: its key is made in the token, and its
    timestamps verify with openssl ts -verify."""

    def test_tsa_keys_in_the_token_sign_timestamps_openssl_verifies(self):
        ca = hsm_ca("EC_secp384r1")
        ca_pem = write_file(os.path.join(F.work, unique("tsa-ca") + ".pem"), F.api.ok(
            "GET", "/api/v1/pki/ca/%s/certificate" % ca["id"])["certificate"])
        for key_algorithm, digest in (("EC_prime256v1", "-sha256"), ("RSA_2048", "-sha384"),
                                      ("EC_secp384r1", "-sha512")):
            with self.subTest(key_algorithm=key_algorithm):
                blobs_before = db_rows("SELECT COUNT(*) FROM key_blobs")[0][0]
                tsa = F.api.ok("POST", "/api/v1/pki/tsa",
                               {"name": unique("hsm-tsa"), "caId": ca["id"],
                                "keyAlgorithm": key_algorithm, "keySource": "hsm"})
                self.assertEqual(tsa["keySource"], "hsm")
                self.assertEqual(tsa["keyAlgorithm"], key_algorithm)
                key_id, source = db_rows(
                    "SELECT key_id, key_source FROM timestamp_authorities WHERE id = ?",
                    tsa["id"])[0]
                self.assertEqual(source, "hsm")
                self.assertIn("signet-" + key_id, private_key_objects())
                self.assertEqual(db_rows("SELECT COUNT(*) FROM key_blobs")[0][0], blobs_before)
                cert = F.api.ok("GET", "/api/v1/pki/certificates/%s" % tsa["certificateId"])
                self.assertEqual(cert["keySource"], "hsm")
                self.assertEqual(cert["extendedKeyUsages"], ["timeStamping"])
                query, reply = timestamp_query(tsa["id"], unique("q"), digest)
                code, out = run_openssl(["ts", "-verify", "-queryfile", query, "-in", reply,
                                         "-CAfile", ca_pem])
                self.assertEqual(code, 0, out)
                self.assertIn("Verification: OK", out)
                # The token's key signed it: the certificate in the reply carries its public key.
                tsa_pem = write_file(os.path.join(F.work, unique("tsa") + ".pem"), F.api.ok(
                    "GET", "/api/v1/pki/tsa/%s/certificate" % tsa["id"])["certificatePem"])
                code, out = run_openssl(["x509", "-in", tsa_pem, "-pubkey", "-noout"])
                self.assertEqual(code, 0, out)
                spki = db_rows("SELECT public_key_spki FROM hsm_keys WHERE key_id = ?",
                               key_id)[0][0]
                self.assertEqual(out[out.index("-----BEGIN PUBLIC KEY-----"):],
                                 spki_der_to_pem(bytes(spki)))
                # Deleting the TSA leaves the token object (as for CAs and certificates) and
                # revokes the certificate.
                F.api.ok("DELETE", "/api/v1/pki/tsa/%s" % tsa["id"])
                self.assertIn("signet-" + key_id, private_key_objects())
                self.assertEqual(F.api.ok("GET", "/api/v1/pki/certificates/%s"
                                          % tsa["certificateId"])["status"], "revoked")

    def test_software_tsa_next_to_the_hsm(self):
        ca = hsm_ca()
        ca_pem = write_file(os.path.join(F.work, unique("tsa-ca") + ".pem"), F.api.ok(
            "GET", "/api/v1/pki/ca/%s/certificate" % ca["id"])["certificate"])
        tsa = F.api.ok("POST", "/api/v1/pki/tsa", {"name": unique("sw-tsa"), "caId": ca["id"],
                                                   "keySource": "software"})
        self.assertEqual(tsa["keySource"], "software")
        query, reply = timestamp_query(tsa["id"], unique("sw"))
        code, out = run_openssl(["ts", "-verify", "-queryfile", query, "-in", reply,
                                 "-CAfile", ca_pem])
        self.assertEqual(code, 0, out)


class HsmLifecycleTest(SignetTestCase):
    """Restart, wrong PIN and an unreachable token; each on its own signetd."""

    def test_restart_keeps_keys(self):
        server = hsm_server()
        self.addCleanup(server.cleanup)
        server.start()
        api = server.api()
        _, token = bootstrap_admin(api)
        api.token = token
        ca = api.ok("POST", "/api/v1/pki/ca", {"commonName": unique("r"), "keyAlgorithm":
                                                "RSA_2048", "ttlDays": 30, "keySource": "hsm"})
        cert = api.ok("POST", "/api/v1/pki/certificates/issue", {
            "caId": ca["id"], "commonName": unique("r"), "keyAlgorithm": "EC_prime256v1",
            "ttlDays": 30, "extendedKeyUsages": ["codeSigning"]})
        signer = create_signer(api, token, cert["certificateId"])
        server.restart()
        api = server.api()
        api.token = token
        pub = signer_public_key_pem(api, token, signer["id"])
        status, body = sign(api, token, signer["id"], b"after restart", "ECDSA_SHA256")
        self.assertEqual(status, 200, body)
        ok, out = openssl_verify(b"after restart", unb64(body["signature"]), "ECDSA_SHA256",
                                 public_key_pem=pub)
        self.assertTrue(ok, out)
        # The CA key in the token still issues.
        api.ok("POST", "/api/v1/pki/certificates/issue", {
            "caId": ca["id"], "commonName": unique("r2"), "keyAlgorithm": "EC_prime256v1",
            "ttlDays": 30})

    def test_wrong_pin_is_a_clear_startup_error(self):
        server = hsm_server(pin="000000")
        self.addCleanup(server.cleanup)
        with self.assertRaises(RuntimeError) as raised:
            server.start(timeout=20)
        message = str(raised.exception)
        self.assertIn("refused the PIN (CKR_PIN_INCORRECT)", message)
        self.assertNotIn("000000", server.stderr_tail(400).replace("000000 =====", ""))

    def test_pin_file_must_be_private(self):
        pin_file = write_file(os.path.join(F.work, unique("pin")), PIN + "\n")
        os.chmod(pin_file, 0o644)
        env = softhsm_env()
        env.pop("SIGNET_HSM_PIN", None)
        server = SignetServer(extra_args=["--hsm-module", F.module, "--hsm-token-label", TOKEN,
                                          "--hsm-pin-file", pin_file], env=env)
        self.addCleanup(server.cleanup)
        with self.assertRaises(RuntimeError) as raised:
            server.start(timeout=20)
        self.assertIn("chmod 600", str(raised.exception))
        os.chmod(pin_file, 0o600)
        server.start()
        self.assertEqual(server.api().call("GET", "/readyz")[0], 200)

    def test_root_key_in_the_hsm(self):
        server = hsm_server(extra=["--hsm-root-key"])
        self.addCleanup(server.cleanup)
        server.start()
        api = server.api()
        _, token = bootstrap_admin(api)
        api.token = token
        # A software key: wrapped under the root key, which itself is sealed by the token.
        ca = api.ok("POST", "/api/v1/pki/ca", {"commonName": unique("rk"), "keyAlgorithm":
                                                "EC_prime256v1", "ttlDays": 30,
                                                "keySource": "software"})
        cert = api.ok("POST", "/api/v1/pki/certificates/issue", {
            "caId": ca["id"], "commonName": unique("rk"), "keyAlgorithm": "EC_prime256v1",
            "ttlDays": 30, "extendedKeyUsages": ["codeSigning"], "keySource": "software"})
        signer = create_signer(api, token, cert["certificateId"])
        self.assertFalse(os.path.exists(os.path.join(server.data_dir, "root.key")))
        db = sqlite3.connect(os.path.join(server.data_dir, "signet.db"))
        sealed = db.execute("SELECT value FROM settings WHERE key = 'root_key_hsm_sealed'").fetchall()
        db.close()
        self.assertEqual(len(sealed), 1)
        self.assertIn("signet-root-key", p11tool("--list-objects", "--type", "secrkey"))
        server.restart()
        api = server.api()
        status, body = sign(api, token, signer["id"], b"root in hsm", "ECDSA_SHA256")
        self.assertEqual(status, 200, body)
        ok, out = openssl_verify(b"root in hsm", unb64(body["signature"]), "ECDSA_SHA256",
                                 public_key_pem=signer_public_key_pem(api, token, signer["id"]))
        self.assertTrue(ok, out)
        # Another label cannot open it: a clear start-up error, nothing served.
        server.stop()
        server.extra_args += ["--hsm-root-key-label", "another-key"]
        with self.assertRaises(RuntimeError) as raised:
            server.start(timeout=20)
        self.assertIn("has no AES key labelled 'another-key'", str(raised.exception))
        # A database whose root key came from elsewhere is not taken over.
        other = hsm_server(extra=[])
        self.addCleanup(other.cleanup)
        other.start()
        other.stop()
        other.extra_args += ["--hsm-root-key"]
        with self.assertRaises(RuntimeError) as raised:
            other.start(timeout=20)
        self.assertIn("root key is not in the HSM", str(raised.exception))

    def own_server_with_a_ca(self):
        """A signetd of its own on the token, its admin logged in and a software P-256 CA:
        (server, api, token, ca)."""
        server = hsm_server()
        self.addCleanup(server.cleanup)
        server.start()
        api = server.api()
        _, token = bootstrap_admin(api)
        api.token = token
        ca = api.ok("POST", "/api/v1/pki/ca", {"commonName": unique("ca"), "keyAlgorithm":
                                                "EC_prime256v1", "ttlDays": 30})
        return server, api, token, ca

    def test_unreachable_token_is_503_then_recovers(self):
        server, api, token, ca = self.own_server_with_a_ca()
        cert = api.ok("POST", "/api/v1/pki/certificates/issue", {
            "caId": ca["id"], "commonName": unique("u"), "keyAlgorithm": "EC_prime256v1",
            "ttlDays": 30, "extendedKeyUsages": ["codeSigning"]})
        signer = create_signer(api, token, cert["certificateId"])
        status, body = sign(api, token, signer["id"], b"before", "ECDSA_SHA256")
        self.assertEqual(status, 200, body)
        self.assertEqual(api.call("GET", "/readyz")[0], 200)

        moved = F.tokens + ".away"
        os.rename(F.tokens, moved)
        try:
            status, body = sign(api, token, signer["id"], b"while away", "ECDSA_SHA256")
            self.assertEqual(status, 503, body)
            self.assertIn("HSM token '%s' is unreachable" % TOKEN, body["message"])
            status, _ = api.call("GET", "/readyz")
            self.assertEqual(status, 503)
            self.assertEqual(api.call("GET", "/healthz")[0], 200)  # alive, not ready
        finally:
            os.rename(moved, F.tokens)
        deadline = time.monotonic() + 15
        status = None
        while time.monotonic() < deadline:
            status, body = sign(api, token, signer["id"], b"back", "ECDSA_SHA256")
            if status == 200:
                break
            time.sleep(0.3)
        self.assertEqual(status, 200, body)
        self.assertEqual(api.call("GET", "/readyz")[0], 200)
        pub = signer_public_key_pem(api, token, signer["id"])
        ok, out = openssl_verify(b"back", unb64(body["signature"]), "ECDSA_SHA256",
                                 public_key_pem=pub)
        self.assertTrue(ok, out)

    def test_a_timestamp_whose_token_cannot_be_signed_is_recorded_as_failed(self):
        # The serial is taken and recorded before the token is signed (so that nothing is
        # issued off the record); when the token then cannot be signed, a second event says
        # that no token exists under that serial.
        server, api, _, ca = self.own_server_with_a_ca()
        tsa = api.ok("POST", "/api/v1/pki/tsa", {"name": unique("hsm-tsa"), "caId": ca["id"],
                                                 "keySource": "hsm"})
        _, status, _ = post_timestamp_query(server.port, tsa["id"], unique("ok"))
        self.assertEqual(status, 200)

        def events(event_type):
            found = api.ok("GET", "/api/v1/audit-logs",
                           query={"eventType": event_type, "limit": 100})["auditLogs"]
            return [e for e in found if e["target"]["id"] == tsa["id"]]

        moved = F.tokens + ".away"
        os.rename(F.tokens, moved)
        try:
            _, status, reply = post_timestamp_query(server.port, tsa["id"], unique("away"))
        finally:
            os.rename(moved, F.tokens)
        self.assertEqual(status, 503, reply[:300])
        self.assertIn(b"unreachable", reply)
        serials = sorted(e["details"]["serial"] for e in events("tsa.timestamp"))
        self.assertEqual(len(serials), 2, serials)
        failed = events("tsa.timestamp.failed")
        self.assertEqual(len(failed), 1, failed)
        details = failed[0]["details"]
        self.assertEqual(details["serial"], serials[-1])  # the serial taken, not issued
        self.assertIn("unreachable", details["error"])
        self.assertEqual(failed[0]["actor"]["type"], "anonymous")


if __name__ == "__main__":
    unittest.main()
