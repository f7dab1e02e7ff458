#!/usr/bin/env python3
"""Durability tests for signetd (SPEC §4, §6, §7): restarts keep signers, keys and the audit
chain; a SIGKILL under concurrent signing loses no operation record of an answered signature.
Each test runs its own server in a fresh temporary directory.
"""

import os
import sqlite3
import stat
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from signet_testlib import (  # noqa: E402
    ADMIN_EMAIL, ADMIN_PASSWORD, SignetServer, SignetTestCase, bootstrap_admin, create_ca,
    create_code_signer, list_all, login, openssl_verify, read_file, sha256_hex, sign,
    signer_public_key_pem, unb64, unique)

SIGNERS = "/api/v1/pki/signers"


class DurabilityTest(SignetTestCase):
    def start_server(self, **kw):
        server = SignetServer(**kw)
        self.addCleanup(server.cleanup)
        server.start()
        return server

    def sign_and_verify(self, api, token, signer_id, algorithm, pub):
        data = os.urandom(64)
        status, body = sign(api, token, signer_id, data, algorithm)
        self.assertEqual(status, 200, body)
        ok, out = openssl_verify(data, unb64(body["signature"]), algorithm, public_key_pem=pub)
        self.assertTrue(ok, out)
        return data, unb64(body["signature"])

    def test_restart_keeps_signers_keys_and_audit_chain(self):
        server = self.start_server(node_id="it-node-1")
        root_key = os.path.join(server.data_dir, "root.key")
        self.assertTrue(os.path.exists(root_key), "--dev did not create root.key")
        self.assertEqual(stat.S_IMODE(os.stat(root_key).st_mode), 0o600)
        api = server.api()
        _, token = bootstrap_admin(api)
        ca = create_ca(api, token, "EC_prime256v1")
        rsa = create_code_signer(api, token, ca["id"], "RSA_2048", unique("rsa"))
        ec = create_code_signer(api, token, ca["id"], "EC_secp384r1", unique("ec"))
        pubs = {s["id"]: signer_public_key_pem(api, token, s["id"]) for s in (rsa, ec)}
        before = []
        for s, alg in ((rsa, "RSASSA_PSS_SHA256"), (rsa, "RSASSA_PKCS1_V1_5_SHA512"),
                       (ec, "ECDSA_SHA384")):
            before.append((s["id"], alg) + self.sign_and_verify(api, token, s["id"], alg,
                                                                pubs[s["id"]]))
        verify1 = api.ok("GET", "/api/v1/audit-logs/verify", token=token)
        self.assertIs(verify1["valid"], True, verify1)
        root_key_bytes = read_file(root_key, True)

        self.assertEqual(server.stop(), 0, "SIGTERM must stop signetd with exit code 0")
        cli_between = server.audit_verify_cli()  # asserted at the end
        server.start()
        self.assertEqual(read_file(root_key, True), root_key_bytes, "root.key was replaced")
        api = server.api()
        token = login(api, ADMIN_EMAIL, ADMIN_PASSWORD)
        # Same signers, same keys.
        for s in (rsa, ec):
            got = api.ok("GET", "%s/%s" % (SIGNERS, s["id"]), token=token)
            self.assertEqual(got["name"], s["name"])
            self.assertEqual(got["certificateId"], s["certificateId"])
            self.assertEqual(signer_public_key_pem(api, token, s["id"]).strip(),
                             pubs[s["id"]].strip())
        # The old signatures still verify with the keys served now, and new ones too.
        for sid, alg, data, sig in before:
            ok, out = openssl_verify(data, sig, alg, api=api, token=token, signer_id=sid)
            self.assertTrue(ok, out)
        for s, alg in ((rsa, "RSASSA_PSS_SHA256"), (rsa, "RSASSA_PKCS1_V1_5_SHA512"),
                       (ec, "ECDSA_SHA384"), (ec, "ECDSA_SHA_256")):
            self.sign_and_verify(api, token, s["id"], alg, pubs[s["id"]])
        # Operations of both lives are there.
        ops, total = list_all(api, token, "%s/%s/operations" % (SIGNERS, rsa["id"]), "operations")
        self.assertEqual(total, 4)
        hashes = {o["dataHash"] for o in ops}
        for sid, _, data, _ in before:
            if sid == rsa["id"]:
                self.assertIn(sha256_hex(data), hashes)
        # The audit chain continues across the restart and stays valid.
        verify2 = api.ok("GET", "/api/v1/audit-logs/verify", token=token)
        self.assertIs(verify2["valid"], True, verify2)
        self.assertGreater(verify2["checked"], verify1["checked"])
        events, _ = list_all(api, token, "/api/v1/audit-logs", "auditLogs")
        self.assertTrue(events)
        self.assertTrue(all(e["nodeId"] == "it-node-1" for e in events),
                        {e["nodeId"] for e in events})
        seqs = sorted(e["seq"] for e in events)
        self.assertEqual(seqs, list(range(seqs[0], seqs[0] + len(seqs))), "gaps in the chain")
        self.assertEqual(server.stop(), 0)
        # `signetd audit verify --data-dir DIR` (root key in DIR) exits 0 on a valid chain.
        code, out = cli_between
        self.assertEqual(code, 0, "audit verify after the first life: " + out)
        code, out = server.audit_verify_cli()
        self.assertEqual(code, 0, out)
        self.assertIn("valid", out.lower())

    def test_audit_tampering_is_detected(self):
        server = self.start_server()
        api = server.api()
        _, token = bootstrap_admin(api)
        ca = create_ca(api, token, "EC_prime256v1")
        signer = create_code_signer(api, token, ca["id"], "EC_prime256v1", unique("t"))
        for _ in range(3):
            self.assertEqual(sign(api, token, signer["id"], os.urandom(16), "ECDSA_SHA256")[0],
                             200)
        self.assertIs(api.ok("GET", "/api/v1/audit-logs/verify", token=token)["valid"], True)
        self.assertEqual(server.stop(), 0)
        cli_before = server.audit_verify_cli()  # asserted at the end
        db_path = os.path.join(server.data_dir, "signet.db")
        self.assertTrue(os.path.exists(db_path), "no signet.db in the data directory")
        # Rewrite one event's details without the root key (the attack §6 must detect).
        db = sqlite3.connect(db_path)
        try:
            tables = [r[0] for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE '%audit%'")]
            target = None
            for table in tables:
                cols = [r[1] for r in db.execute("PRAGMA table_info(%s)" % table)]
                detail_col = next((c for c in cols if "detail" in c.lower()), None)
                seq_col = next((c for c in cols if c.lower() == "seq"), None)
                if detail_col and seq_col:
                    target = (table, detail_col, seq_col)
                    break
            self.assertIsNotNone(target, "audit table layout unknown: %r" % tables)
            table, detail_col, seq_col = target
            # An attacker with the database file can drop guard triggers first.
            for (trigger,) in db.execute("SELECT name FROM sqlite_master WHERE type='trigger' "
                                         "AND tbl_name=?", (table,)).fetchall():
                db.execute("DROP TRIGGER %s" % trigger)
            changed = db.execute("UPDATE %s SET %s = '{\"tampered\":true}' WHERE %s = 3"
                                 % (table, detail_col, seq_col)).rowcount
            db.commit()
        finally:
            db.close()
        self.assertEqual(changed, 1)
        cli_after = server.audit_verify_cli()
        server.start()
        api = server.api()
        token = login(api, ADMIN_EMAIL, ADMIN_PASSWORD)
        body = api.ok("GET", "/api/v1/audit-logs/verify", token=token)
        self.assertIs(body["valid"], False, body)
        self.assertEqual(body.get("firstBadSeq"), 3, body)
        # The command: exit 0 on the intact chain, non-zero naming seq 3 after the rewrite.
        self.assertEqual(cli_before[0], 0, "audit verify on the intact chain: " + cli_before[1])
        self.assertNotEqual(cli_after[0], 0, "audit verify accepted a rewritten event:\n"
                            + cli_after[1])
        self.assertIn("3", cli_after[1])

    def test_sigkill_under_concurrent_signing_keeps_every_answered_operation(self):
        server = self.start_server()
        api = server.api()
        _, token = bootstrap_admin(api)
        ca = create_ca(api, token, "EC_prime256v1")
        signer = create_code_signer(api, token, ca["id"], "EC_prime256v1", unique("load"))
        sid = signer["id"]
        pub = signer_public_key_pem(api, token, sid)
        # Eight threads sign unique data; each remembers what was answered 200.
        answered = []  # (data, signature)
        lock = threading.Lock()
        stop = threading.Event()
        errors = []

        def worker(n):
            client = server.api()
            client.timeout = 10.0
            i = 0
            while not stop.is_set():
                data = ("worker-%d-%d-" % (n, i)).encode() + os.urandom(16)
                i += 1
                try:
                    status, body = sign(client, token, sid, data, "ECDSA_SHA256",
                                        client_metadata={"tool": "durability-test"})
                except (OSError, ValueError) as e:  # connection refused/reset after SIGKILL
                    errors.append(repr(e))
                    if not server.running():
                        return
                    continue
                if status == 200:
                    with lock:
                        answered.append((data, unb64(body["signature"])))
                elif not server.running():
                    return

        threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(8)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with lock:
                if len(answered) >= 150:
                    break
            time.sleep(0.05)
        server.kill()  # SIGKILL mid-load
        stop.set()
        for t in threads:
            t.join(30)
        self.assertFalse(any(t.is_alive() for t in threads))
        self.assertGreater(len(answered), 0, "no signature answered before the kill: %r"
                           % errors[:3])

        server.start()
        api = server.api()
        token = login(api, ADMIN_EMAIL, ADMIN_PASSWORD)
        ops, total = list_all(api, token, "%s/%s/operations" % (SIGNERS, sid), "operations",
                              {"status": "success"})
        self.assertEqual(total, len(ops))
        self.assertTrue(all(o["status"] == "success" for o in ops))
        sys.stderr.write("[crash test: %d signatures answered before SIGKILL, %d success "
                         "operations recorded] " % (len(answered), len(ops)))
        self.assertGreaterEqual(len(ops), len(answered))
        hashes = {o["dataHash"] for o in ops}
        missing = [sha256_hex(d) for d, _ in answered if sha256_hex(d) not in hashes]
        self.assertEqual(missing, [], "%d answered signatures have no operation record"
                         % len(missing))
        # Every answered signature is valid.
        for data, sig in answered[:40]:
            ok, out = openssl_verify(data, sig, "ECDSA_SHA256", public_key_pem=pub)
            self.assertTrue(ok, out)
        # The audit chain survived the crash, holds a sign event per answered signature,
        # and the server still signs.
        body = api.ok("GET", "/api/v1/audit-logs/verify", token=token)
        self.assertIs(body["valid"], True, body)
        events, _ = list_all(api, token, "/api/v1/audit-logs", "auditLogs")
        sign_events = [e for e in events if sid in str(e) and "sign" in e["eventType"].lower()
                       and "signer" not in e["eventType"].lower()]
        self.assertGreaterEqual(len(sign_events), len(answered))
        self.sign_and_verify(api, token, sid, "ECDSA_SHA256", pub)
        self.assertEqual(server.stop(), 0)
        code, out = server.audit_verify_cli()
        self.assertEqual(code, 0, out)

    def test_sigterm_during_load_finishes_in_flight_requests(self):
        server = self.start_server()
        api = server.api()
        _, token = bootstrap_admin(api)
        ca = create_ca(api, token, "EC_prime256v1")
        signer = create_code_signer(api, token, ca["id"], "EC_prime256v1", unique("term"))
        sid = signer["id"]
        answered = []
        lock = threading.Lock()

        def worker(n):
            client = server.api()
            client.timeout = 10.0
            for i in range(1000):
                data = ("term-%d-%d" % (n, i)).encode()
                try:
                    status, _ = sign(client, token, sid, data, "ECDSA_SHA256")
                except (OSError, ValueError):
                    return
                if status == 200:
                    with lock:
                        answered.append(data)
                elif status >= 500 or not server.running():
                    return

        threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(4)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        self.assertEqual(server.stop(), 0, "SIGTERM under load must exit 0")
        for t in threads:
            t.join(30)
        server.start()
        api = server.api()
        token = login(api, ADMIN_EMAIL, ADMIN_PASSWORD)
        ops, _ = list_all(api, token, "%s/%s/operations" % (SIGNERS, sid), "operations",
                          {"status": "success"})
        hashes = {o["dataHash"] for o in ops}
        self.assertEqual([d for d in answered if sha256_hex(d) not in hashes], [])
        self.assertIs(api.ok("GET", "/api/v1/audit-logs/verify", token=token)["valid"], True)


if __name__ == "__main__":
    unittest.main()
