#!/usr/bin/env python3
"""Operating signetd (issue 19): the configuration file, the access log and its JSON format,
request ids, the metrics bearer token, the served OpenAPI document."""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from signet_testlib import (SIGNETD, SignetServer, SignetTestCase,  # noqa: E402
                            bootstrap_admin, write_file)


def run_signetd(args, env=None, timeout=60):
    e = dict(os.environ)
    e.pop("SIGNET_ROOT_KEY", None)
    e.update(env or {})
    return subprocess.run([SIGNETD] + args, capture_output=True, text=True, env=e,
                          timeout=timeout, stdin=subprocess.DEVNULL)


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


if __name__ == "__main__":
    unittest.main()
