#!/usr/bin/env python3
"""Operating signetd (issue 19): the configuration file, the access log and its JSON format,
request ids, the metrics bearer token, the served OpenAPI document, backup -> restore ->
verify -> sign, admin reset-password and the first start's hint."""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from signet_testlib import (ADMIN_EMAIL, ADMIN_PASSWORD, SIGNETD, SignetServer,  # noqa: E402
                            SignetTestCase, bootstrap_admin, create_ca, create_code_signer,
                            list_all, login, openssl_verify, sign, unb64, write_file)


def run_signetd(args, env=None, timeout=60, input_text=None):
    e = dict(os.environ)
    e.pop("SIGNET_ROOT_KEY", None)
    e.update(env or {})
    if input_text is None:
        return subprocess.run([SIGNETD] + args, capture_output=True, text=True, env=e,
                              timeout=timeout, stdin=subprocess.DEVNULL)
    return subprocess.run([SIGNETD] + args, capture_output=True, text=True, env=e,
                          timeout=timeout, input=input_text)


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    return predicate()


class ConfigFile(SignetTestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="signet-conf-")
        self.addCleanup(subprocess.run, ["rm", "-rf", self.dir])

    def test_settings_come_from_the_file_and_flags_win(self):
        conf = write_file(os.path.join(self.dir, "signetd.conf"),
                          '# signetd settings\n'
                          'log-format = "json"\n'
                          'log-level = "info"\n'
                          'rate-limit = 0\n'
                          'node-id = "from-file"\n')
        server = SignetServer(extra_args=["--config", conf, "--node-id", "from-flag"])
        self.addCleanup(server.cleanup)
        server.start()
        api = server.api()
        bootstrap_admin(api)
        stopped = server.stop()
        self.assertEqual(stopped, 0)
        lines = [l for l in server.stderr_tail(200).splitlines() if l.startswith("{")]
        self.assertTrue(lines, server.stderr_tail())
        records = [json.loads(l) for l in lines]  # every line is JSON: the file's log-format
        started = [r for r in records if "listening on" in r["msg"]]
        self.assertEqual(len(started), 1, records)
        self.assertIn("node from-flag ", started[0]["msg"])  # the flag beat the file

    def test_unknown_key_stops_the_start_with_file_line_and_key(self):
        conf = write_file(os.path.join(self.dir, "signetd.conf"),
                          'listen = "127.0.0.1:0"\nlog-levle = "debug"\n')
        proc = run_signetd(["--config", conf, "--dev", "--data-dir", self.dir])
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("%s:2: unknown key 'log-levle'" % conf, proc.stderr)
        self.assertEqual(proc.stderr.count("\n"), 1, proc.stderr)  # one line
        self.assertFalse(os.path.exists(os.path.join(self.dir, "signet.db")))

    def test_bad_value_and_bad_syntax_stop_the_start(self):
        conf = write_file(os.path.join(self.dir, "a.conf"), 'workers = "lots"\n')
        proc = run_signetd(["--config", conf, "--dev", "--data-dir", self.dir])
        self.assertEqual(proc.returncode, 1)
        self.assertIn("workers", proc.stderr)
        conf = write_file(os.path.join(self.dir, "b.conf"), 'listen = "127.0.0.1:0\n')
        proc = run_signetd(["--config", conf, "--dev", "--data-dir", self.dir])
        self.assertEqual(proc.returncode, 1)
        self.assertIn("config file %s:1:" % conf, proc.stderr)
        proc = run_signetd(["--config", os.path.join(self.dir, "missing.conf"), "--dev"])
        self.assertEqual(proc.returncode, 1)
        self.assertIn("missing.conf", proc.stderr)

    def test_the_shipped_example_file_is_valid(self):
        example = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__)))), "packaging", "signetd.conf")
        with open(example) as f:
            text = f.read()
        # The example names the packaged data directory; point it at a temporary one.
        text = text.replace("/var/lib/signet", os.path.join(self.dir, "data"))
        conf = write_file(os.path.join(self.dir, "signetd.conf"), text)
        key = os.path.join(self.dir, "root.key")
        with open(key, "wb") as f:
            f.write(os.urandom(32))
        os.chmod(key, 0o600)
        port_file = os.path.join(self.dir, "port")
        # As the unit starts it: the config file plus --root-key-file.
        proc = subprocess.Popen([SIGNETD, "--config", conf, "--root-key-file", key,
                                 "--listen", "127.0.0.1:0", "--port-file", port_file],
                                stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, text=True)
        try:
            self.assertTrue(wait_for(lambda: os.path.exists(port_file) or proc.poll() is not None),
                            "signetd neither started nor exited")
            self.assertIsNone(proc.poll(), proc.stderr.read() if proc.poll() is not None else "")
        finally:
            proc.terminate()
            proc.wait(30)
            proc.stderr.close()


class AccessLog(SignetTestCase):
    def lines(self, server):
        with open(server.stderr_path) as f:
            return f.read().splitlines()

    def test_one_text_line_per_request_with_its_request_id_and_caller(self):
        server = SignetServer(extra_args=["--log-level", "info"])
        self.addCleanup(server.cleanup)
        server.start()
        api = server.api()
        user, token = bootstrap_admin(api)
        r = api.request("GET", "/api/v1/users?limit=5&token=sgt_secret_value", token=token)
        self.assertEqual(r.status, 200)
        req_id = r.headers["X-Request-Id"]
        self.assertRegex(req_id, r"^[0-9a-f]{16}$")
        r404 = api.request("GET", "/api/v1/pki/signers/00000000-0000-4000-8000-000000000000",
                           token=token)
        self.assertEqual(r404.status, 404)
        self.assertEqual(r404.json["reqId"], r404.headers["X-Request-Id"])

        line = wait_for(lambda: [l for l in self.lines(server) if "req=%s " % req_id in l])
        self.assertEqual(len(line), 1, self.lines(server))
        self.assertRegex(
            line[0],
            r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info req=%s request method=GET "
            r"path=/api/v1/users\?limit=5&token=\*\*\* status=200 durationMs=\d+\.\d{3} "
            r"caller=user:%s remoteIp=127\.0\.0\.1 route=/api/v1/users$" % (req_id, user["id"]))
        self.assertNotIn("sgt_secret_value", "\n".join(self.lines(server)))
        self.assertNotIn(token, "\n".join(self.lines(server)))
        miss = wait_for(lambda: [l for l in self.lines(server)
                                 if "req=%s " % r404.headers["X-Request-Id"] in l])
        self.assertIn(" status=404 ", miss[0])
        self.assertIn(" route=/api/v1/pki/signers/{id}", miss[0])
        # Every request is one line: bootstrap, the two calls and the start's health probes.
        requests = [l for l in self.lines(server) if " request method=" in l]
        self.assertEqual(len([l for l in requests if "path=/api/v1/" in l]), 3, requests)

    def test_json_format_and_a_proxy_request_id(self):
        server = SignetServer(extra_args=["--log-format", "json"])
        self.addCleanup(server.cleanup)
        server.start()
        api = server.api()
        r = api.request("POST", "/api/v1/auth/login", body={"email": "nobody@x.test",
                                                            "password": "wrong password"},
                        headers={"X-Request-Id": "edge-7f3a.1"})
        self.assertEqual(r.status, 401)
        self.assertEqual(r.headers["X-Request-Id"], "edge-7f3a.1")
        self.assertEqual(r.json["reqId"], "edge-7f3a.1")
        # An id a client could use to forge log lines is replaced.
        r2 = api.request("GET", "/healthz", headers={"X-Request-Id": "a b\" x"})
        self.assertRegex(r2.headers["X-Request-Id"], r"^[0-9a-f]{16}$")

        def records():
            out = []
            for l in self.lines(server):
                if l.startswith("{"):
                    out.append(json.loads(l))
            return out
        rec = wait_for(lambda: [x for x in records() if x.get("requestId") == "edge-7f3a.1"])
        self.assertEqual(len(rec), 1, records())
        rec = rec[0]
        self.assertEqual(rec["level"], "info")
        self.assertEqual(rec["msg"], "request")
        self.assertEqual(rec["method"], "POST")
        self.assertEqual(rec["path"], "/api/v1/auth/login")
        self.assertEqual(rec["status"], 401)
        self.assertIsInstance(rec["durationMs"], float)
        self.assertEqual(rec["caller"], "-")
        self.assertEqual(rec["route"], "/api/v1/auth/login")
        self.assertRegex(rec["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertNotIn("wrong password", open(server.stderr_path).read())

    def test_requests_refused_before_routing_are_logged_too(self):
        server = SignetServer()
        self.addCleanup(server.cleanup)
        server.start()
        status, _ = server.api().raw_oversized_post("/api/v1/auth/login", 2 * 1024 * 1024)
        self.assertEqual(status, 413)
        line = wait_for(lambda: [l for l in self.lines(server) if " status=413 " in l])
        self.assertEqual(len(line), 1, self.lines(server))
        self.assertIn("method=POST path=/api/v1/auth/login", line[0])
        self.assertIn("route=-", line[0])

    def test_warn_level_drops_the_access_log(self):
        server = SignetServer(extra_args=["--log-level", "warn"])
        self.addCleanup(server.cleanup)
        server.start()
        server.api().call("GET", "/healthz")
        server.stop()
        self.assertFalse([l for l in self.lines(server) if " request method=" in l])


class MetricsToken(SignetTestCase):
    def test_metrics_need_the_token_when_one_is_set(self):
        d = tempfile.mkdtemp(prefix="signet-mt-")
        self.addCleanup(subprocess.run, ["rm", "-rf", d])
        token_file = write_file(os.path.join(d, "metrics.token"), "m3tr1cs-t0ken-abcdef\n")
        os.chmod(token_file, 0o640)
        server = SignetServer(extra_args=["--metrics-token-file", token_file])
        self.addCleanup(server.cleanup)
        server.start()
        api = server.api()
        self.assertError(api.call("GET", "/metrics"), 401)
        self.assertError(api.call("GET", "/metrics", token="m3tr1cs-t0ken-abcdeX"), 401)
        r = api.request("GET", "/metrics", token="m3tr1cs-t0ken-abcdef")
        self.assertEqual(r.status, 200)
        self.assertIn("signet_http_requests_total", r.text)
        self.assertEqual(api.call("GET", "/healthz")[0], 200)  # only /metrics is guarded

    def test_build_info_process_metrics_and_latency_by_route_and_status(self):
        server = SignetServer()
        self.addCleanup(server.cleanup)
        server.start()
        api = server.api()
        self.assertEqual(api.call("GET", "/healthz")[0], 200)
        self.assertEqual(api.call("GET", "/api/v1/users")[0], 401)
        text = api.request("GET", "/metrics").text
        values = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                values[name] = float(value)
        version = run_signetd(["--version"]).stdout.split()[-1]
        self.assertEqual(values.get('signet_build_info{version="%s"}' % version), 1.0, text)
        self.assertGreater(values["process_resident_memory_bytes"], 1 << 20)
        self.assertGreater(values["process_virtual_memory_bytes"], values["process_resident_memory_bytes"])
        self.assertGreater(values["process_cpu_seconds_total"], 0)
        self.assertGreaterEqual(values["process_open_fds"], 4)  # stdio and the listening socket at least
        self.assertGreaterEqual(values["process_max_fds"], values["process_open_fds"])
        self.assertLess(abs(values["process_start_time_seconds"] - time.time()), 120)
        healthz = '{method="GET",route="/healthz",status="200"}'
        self.assertGreaterEqual(values["signet_http_requests_total" + healthz], 2)  # start() polls it too
        self.assertEqual(values["signet_http_request_duration_seconds_count" + healthz],
                         values["signet_http_requests_total" + healthz])
        self.assertEqual(values['signet_http_request_duration_seconds_count{method="GET",route="/api/v1/users",status="401"}'], 1)
        self.assertEqual(values['signet_http_request_duration_seconds_bucket{method="GET",route="/healthz",status="200",le="+Inf"}'],
                         values["signet_http_requests_total" + healthz])
        self.assertEqual(values['signet_http_requests_total{method="GET",route="/api/v1/users",status="401"}'], 1)

    def test_a_token_file_readable_by_others_is_refused(self):
        d = tempfile.mkdtemp(prefix="signet-mt-")
        self.addCleanup(subprocess.run, ["rm", "-rf", d])
        token_file = write_file(os.path.join(d, "metrics.token"), "m3tr1cs-t0ken-abcdef\n")
        os.chmod(token_file, 0o644)
        proc = run_signetd(["--dev", "--data-dir", d, "--listen", "127.0.0.1:0",
                            "--metrics-token-file", token_file])
        self.assertEqual(proc.returncode, 1)
        self.assertIn("readable by others", proc.stderr)
        os.chmod(token_file, 0o600)
        write_file(token_file, "short\n")
        proc = run_signetd(["--dev", "--data-dir", d, "--listen", "127.0.0.1:0",
                            "--metrics-token-file", token_file])
        self.assertEqual(proc.returncode, 1)
        self.assertIn("at least 16 characters", proc.stderr)


class OpenApiDocument(SignetTestCase):
    def test_the_served_document_is_docs_openapi_json(self):
        server = SignetServer()
        self.addCleanup(server.cleanup)
        server.start()
        r = server.api().request("GET", "/api/v1/openapi.json")  # no login needed
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers.get("Content-Type", "").startswith("application/json"), r.headers)
        repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        with open(os.path.join(repo, "docs", "openapi.json"), encoding="utf-8") as f:
            self.assertEqual(r.text, f.read())
        doc = json.loads(r.text)
        self.assertEqual(doc["openapi"], "3.1.0")
        self.assertIn("/api/v1/openapi.json", doc["paths"])
        self.assertIn("post", doc["paths"]["/api/v1/pki/signers/{id}/sign"])


def file_bytes(path):
    with open(path, "rb") as f:
        return f.read()


class BackupRestore(SignetTestCase):
    """signetd backup while serving; restore refused while serving, then done with the server
    stopped; the audit chain verified; the restored server signs with the same keys."""

    def setUp(self):
        self.server = SignetServer()
        self.addCleanup(self.server.cleanup)
        self.server.start()
        self.api = self.server.api()
        _, self.token = bootstrap_admin(self.api)
        ca = create_ca(self.api, self.token)
        self.signer = create_code_signer(self.api, self.token, ca["id"], "EC_prime256v1")
        self.db = os.path.join(self.server.data_dir, "signet.db")
        self.key_args = ["--data-dir", self.server.data_dir,
                         "--root-key-file", os.path.join(self.server.data_dir, "root.key")]
        self.out = tempfile.mkdtemp(prefix="signet-backup-")
        self.addCleanup(subprocess.run, ["rm", "-rf", self.out])

    def signed(self, data):
        status, body = sign(self.api, self.token, self.signer["id"], data, "ECDSA_SHA256")
        self.assertEqual(status, 200, body)
        ok, out = openssl_verify(data, unb64(body["signature"]), "ECDSA_SHA256", api=self.api,
                                 token=self.token, signer_id=self.signer["id"])
        self.assertTrue(ok, out)
        return body

    def operations(self):
        items, _ = list_all(self.api, self.token,
                            "/api/v1/pki/signers/%s/operations" % self.signer["id"], "operations")
        return items

    def test_backup_restore_verify_sign(self):
        self.signed(b"before the backup")
        backup = os.path.join(self.out, "signet-backup.db")
        # Online: the server keeps serving meanwhile; no root key needed.
        r = run_signetd(["backup", "--to", backup, "--data-dir", self.server.data_dir])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"backup of .*signet.db written to .*signet-backup.db: \d+ bytes, "
                                   r"schema version \d+, \d+ audit events")
        self.assertEqual(os.stat(backup).st_mode & 0o777, 0o600)
        self.assertEqual(sorted(os.listdir(self.out)), ["signet-backup.db"])  # no -wal, no .tmp
        check = subprocess.run(["sqlite3", backup, "PRAGMA integrity_check; SELECT COUNT(*) FROM signers;"],
                               capture_output=True, text=True)
        self.assertEqual(check.stdout.split(), ["ok", "1"], check.stderr)
        # Never over an existing file.
        r = run_signetd(["backup", "--to", backup, "--data-dir", self.server.data_dir])
        self.assertEqual(r.returncode, 1)
        self.assertIn("already exists", r.stderr)

        self.signed(b"after the backup")  # only in the live database
        self.assertEqual(len(self.operations()), 2)

        # A live database is never overwritten.
        before = file_bytes(self.db)
        r = run_signetd(["restore", "--from", backup] + self.key_args)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("a signetd is serving it", r.stderr)
        self.assertTrue(self.server.running())
        self.assertEqual(len(self.operations()), 2)

        self.assertEqual(self.server.stop(), 0)
        del before
        r = run_signetd(["restore", "--from", backup] + self.key_args)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"restored .* audit log valid: \d+ events checked")
        kept = [f for f in os.listdir(self.server.data_dir) if f.startswith("signet.db.pre-restore-")]
        self.assertEqual(len(kept), 1, os.listdir(self.server.data_dir))
        self.assertIn(kept[0], r.stdout)
        code, out = self.server.audit_verify_cli()
        self.assertEqual(code, 0, out)

        self.server.start()
        self.api = self.server.api()
        self.token = login(self.api, ADMIN_EMAIL, ADMIN_PASSWORD)
        self.assertEqual(len(self.operations()), 1)  # the state of the backup
        self.signed(b"after the restore")  # the same key, under the same root key
        events, _ = list_all(self.api, self.token, "/api/v1/audit-logs", "auditLogs",
                             query={"eventType": "sign.success"})
        self.assertEqual(len(events), 2)
        verify = self.api.ok("GET", "/api/v1/audit-logs/verify", token=self.token)
        self.assertTrue(verify["valid"], verify)

    def test_a_restore_that_cannot_be_verified_changes_nothing(self):
        backup = os.path.join(self.out, "b.db")
        self.assertEqual(run_signetd(["backup", "--to", backup, "--data-dir", self.server.data_dir]).returncode, 0)
        self.assertEqual(self.server.stop(), 0)
        before = file_bytes(self.db)

        # Another root key: refused, the database is back in place.
        other_key = write_file(os.path.join(self.out, "other.key"), base64_key(b"\x01" * 32))
        os.chmod(other_key, 0o600)
        r = run_signetd(["restore", "--from", backup, "--data-dir", self.server.data_dir,
                         "--root-key-file", other_key])
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("root key does not match", r.stderr)
        self.assertIn("previous database is back in place", r.stderr)
        self.assertEqual(file_bytes(self.db), before)
        self.assertFalse([f for f in os.listdir(self.server.data_dir) if "restore" in f])

        # A backup whose audit chain was altered: exit 2, nothing changed.
        tampered = os.path.join(self.out, "tampered.db")
        subprocess.run(["cp", backup, tampered], check=True)
        r = subprocess.run(["sqlite3", tampered,
                            "UPDATE audit_events SET details = '{\"x\":1}' WHERE seq = "
                            "(SELECT MIN(seq) FROM audit_events)"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run_signetd(["restore", "--from", tampered] + self.key_args)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("INVALID", r.stdout)
        self.assertEqual(file_bytes(self.db), before)

        # Not a database at all; a missing file; PostgreSQL.
        r = run_signetd(["restore", "--from", other_key] + self.key_args)
        self.assertEqual(r.returncode, 1)
        self.assertIn("is not a Signet database", r.stderr)
        r = run_signetd(["restore", "--from", os.path.join(self.out, "missing.db")] + self.key_args)
        self.assertEqual(r.returncode, 1)
        self.assertIn("does not exist", r.stderr)
        r = run_signetd(["backup", "--to", os.path.join(self.out, "pg.db"),
                         "--database", "postgresql://signet@127.0.0.1:1/signet"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("pg_dump", r.stderr)
        self.assertEqual(file_bytes(self.db), before)


def base64_key(raw):
    import base64
    return base64.b64encode(raw).decode() + "\n"


class AdminResetPassword(SignetTestCase):
    def test_reset_password_locally_revokes_tokens_and_is_audited(self):
        server = SignetServer()
        self.addCleanup(server.cleanup)
        server.start()
        api = server.api()
        _, old_token = bootstrap_admin(api)
        self.assertEqual(server.stop(), 0)
        key_args = ["--data-dir", server.data_dir,
                    "--root-key-file", os.path.join(server.data_dir, "root.key")]
        r = run_signetd(["admin", "reset-password", ADMIN_EMAIL, "--password-stdin"] + key_args,
                        input_text="a-new-long-password-42\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("password of %s reset" % ADMIN_EMAIL, r.stdout)
        self.assertNotIn("a-new-long-password-42", r.stdout + r.stderr)
        # Generated: printed once.
        r = run_signetd(["admin", "reset-password", ADMIN_EMAIL] + key_args)
        self.assertEqual(r.returncode, 0, r.stderr)
        generated = re.search(r"new password: (\S+)", r.stdout).group(1)
        self.assertGreaterEqual(len(generated), 20)
        # Errors change nothing.
        r = run_signetd(["admin", "reset-password", "nobody@example.com"] + key_args)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no user with the email nobody@example.com", r.stderr)
        r = run_signetd(["admin", "reset-password", ADMIN_EMAIL, "--password-stdin"] + key_args,
                        input_text="short\n")
        self.assertEqual(r.returncode, 1)
        self.assertIn("password", r.stderr)
        empty = tempfile.mkdtemp(prefix="signet-nokey-")
        self.addCleanup(subprocess.run, ["rm", "-rf", empty])
        r = run_signetd(["admin", "reset-password", ADMIN_EMAIL, "--data-dir", empty])
        self.assertEqual(r.returncode, 1)
        self.assertIn("no root key", r.stderr)

        server.start()
        api = server.api()
        self.assertEqual(api.call("GET", "/api/v1/users", token=old_token)[0], 401)
        self.assertEqual(api.call("POST", "/api/v1/auth/login",
                                  {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})[0], 401)
        self.assertEqual(api.call("POST", "/api/v1/auth/login",
                                  {"email": ADMIN_EMAIL, "password": "a-new-long-password-42"})[0], 401)
        token = login(api, ADMIN_EMAIL, generated)
        events, _ = list_all(api, token, "/api/v1/audit-logs", "auditLogs",
                             query={"eventType": "user.update"})
        self.assertEqual(len(events), 2, events)
        for e in events:
            self.assertEqual(e["actor"]["name"], "signetd admin reset-password", e)
            self.assertEqual(e["details"].get("passwordChanged"), True, e)
        self.assertTrue(api.ok("GET", "/api/v1/audit-logs/verify", token=token)["valid"])


class FirstStart(SignetTestCase):
    def test_without_bootstrap_variables_it_says_how_to_create_the_first_admin(self):
        server = SignetServer()
        self.addCleanup(server.cleanup)
        server.start()
        self.assertIn("no user exists yet: create the first org admin with POST /api/v1/admin/bootstrap",
                      server.stderr_tail())
        bootstrap_admin(server.api())
        server.restart()
        self.assertEqual(server.stderr_tail().count("no user exists yet"), 1)


if __name__ == "__main__":
    unittest.main()
