#!/usr/bin/env python3
"""signetd as a process: TLS, refusal of plain HTTP off loopback, root key handling,
command-line basics, header limits. Complements test_api.py (endpoints) and
test_durability.py (restarts and crashes)."""
import base64
import http.client
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from signet_testlib import SIGNETD, SignetServer, SignetTestCase  # noqa: E402


def run_signetd(args, env=None, timeout=20):
    e = dict(os.environ)
    e.pop("SIGNET_ROOT_KEY", None)
    e.update(env or {})
    return subprocess.run([SIGNETD] + args, capture_output=True, text=True, env=e,
                          timeout=timeout, stdin=subprocess.DEVNULL)


class Spawned:
    """A signetd started by hand (for TLS, where the test library's HTTP probe cannot work)."""

    def __init__(self, args, env):
        self.dir = tempfile.mkdtemp(prefix="signet-srv-")
        self.port_file = os.path.join(self.dir, "port")
        e = dict(os.environ)
        e.update(env)
        self.log = open(os.path.join(self.dir, "stderr.log"), "w+")
        self.proc = subprocess.Popen([SIGNETD, "--listen", "127.0.0.1:0", "--port-file",
                                      self.port_file, "--data-dir", self.dir] + args,
                                     env=e, stderr=self.log, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if os.path.exists(self.port_file):
                with open(self.port_file) as f:
                    text = f.read().strip()
                if text:
                    self.port = int(text)
                    return
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(self.log.read())
            time.sleep(0.02)
        raise RuntimeError("no port file")

    def stop(self):
        self.proc.terminate()
        code = self.proc.wait(timeout=30)
        self.log.close()
        return code

    def cleanup(self):
        if self.proc.poll() is None:
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class TlsTest(SignetTestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="signet-tls-")
        d = cls.dir
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", d + "/key.pem",
                        "-out", d + "/cert.pem", "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True)
        cls.server = Spawned(["--tls-cert", d + "/cert.pem", "--tls-key", d + "/key.pem"],
                             {"SIGNET_ROOT_KEY": base64.b64encode(os.urandom(32)).decode()})

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def context(self, **kw):
        ctx = ssl.create_default_context(cafile=self.dir + "/cert.pem")
        for k, v in kw.items():
            setattr(ctx, k, v)
        return ctx

    def test_https_answers_with_a_verified_certificate(self):
        conn = http.client.HTTPSConnection("127.0.0.1", self.server.port, context=self.context(),
                                           timeout=10)
        conn.request("GET", "/healthz")
        resp = conn.getresponse()
        resp.read()
        self.assertEqual(resp.status, 200)
        self.assertIn(conn.sock.version(), ("TLSv1.2", "TLSv1.3"))
        conn.request("POST", "/api/v1/auth/login", body='{"email":"x@y.z","password":"nopenope1"}',
                     headers={"Content-Type": "application/json"})
        self.assertEqual(conn.getresponse().status, 401)

    def test_tls_below_1_2_is_refused(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx = self.context(minimum_version=ssl.TLSVersion.TLSv1,
                               maximum_version=ssl.TLSVersion.TLSv1_1)
        try:
            ctx.set_ciphers("ALL:@SECLEVEL=0")
        except ssl.SSLError:
            pass
        with self.assertRaises((ssl.SSLError, ConnectionError, OSError)):
            with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as raw:
                with ctx.wrap_socket(raw, server_hostname="127.0.0.1"):
                    pass

    def test_plain_http_to_the_tls_port_gets_no_answer(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        with self.assertRaises((http.client.HTTPException, ConnectionError, OSError)):
            conn.request("GET", "/healthz")
            resp = conn.getresponse()
            if resp.status == 200:
                self.fail("plain HTTP was answered on the TLS port")
            raise ConnectionError("refused as expected")


class StartupTest(SignetTestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="signet-start-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def test_plain_http_off_loopback_is_refused(self):
        r = run_signetd(["--listen", "0.0.0.0:0", "--dev", "--data-dir", self.dir])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("refusing plain HTTP on non-loopback address 0.0.0.0", r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)

    def test_no_root_key_is_refused_with_one_line(self):
        r = run_signetd(["--listen", "127.0.0.1:0", "--data-dir", self.dir])
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.strip().splitlines(),
                         ["signetd: no root key: set SIGNET_ROOT_KEY (base64 of 32 bytes), give "
                          "--root-key-file, or run with --dev"])

    def test_malformed_root_key_is_refused(self):
        r = run_signetd(["--listen", "127.0.0.1:0", "--data-dir", self.dir],
                        env={"SIGNET_ROOT_KEY": base64.b64encode(b"short").decode()})
        self.assertEqual(r.returncode, 1)
        self.assertIn("32", r.stderr)

    def test_a_different_root_key_is_refused_for_an_existing_database(self):
        first = Spawned([], {"SIGNET_ROOT_KEY": base64.b64encode(os.urandom(32)).decode()})
        self.addCleanup(first.cleanup)
        data_dir = first.dir
        self.assertEqual(first.stop(), 0)
        r = run_signetd(["--listen", "127.0.0.1:0", "--data-dir", data_dir],
                        env={"SIGNET_ROOT_KEY": base64.b64encode(os.urandom(32)).decode()})
        self.assertEqual(r.returncode, 1)
        self.assertIn("root key does not match this database", r.stderr)

    def test_root_key_file_readable_by_others_is_refused(self):
        path = os.path.join(self.dir, "root.key")
        with open(path, "w") as f:
            f.write(base64.b64encode(os.urandom(32)).decode())
        os.chmod(path, 0o644)
        r = run_signetd(["--listen", "127.0.0.1:0", "--data-dir", self.dir, "--root-key-file", path])
        self.assertEqual(r.returncode, 1)
        self.assertIn("chmod 600", r.stderr)

    def test_version_and_help(self):
        r = run_signetd(["--version"])
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^signetd \d+\.\d+\.\d+")
        r = run_signetd(["--help"])
        self.assertEqual(r.returncode, 0)
        for flag in ("--listen", "--data-dir", "--database", "--node-id", "--root-key-file",
                     "--dev", "--tls-cert", "--tls-key", "--insecure-http"):
            self.assertIn(flag, r.stdout)
        r = run_signetd(["--no-such-flag"])
        self.assertNotEqual(r.returncode, 0)

    def test_dev_root_key_is_private(self):
        server = SignetServer()
        self.addCleanup(server.cleanup)
        server.start()
        mode = os.stat(os.path.join(server.data_dir, "root.key")).st_mode & 0o777
        self.assertEqual(mode, 0o600)


class LimitsTest(SignetTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = SignetServer()
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def test_oversized_headers_get_413_with_the_error_body(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        conn.request("GET", "/healthz", headers={"X-Big": "a" * 20000})
        resp = conn.getresponse()
        self.assertEqual(resp.status, 413)
        body = resp.read().decode()
        self.assertIn('"error":"PayloadTooLarge"', body)

    def test_malformed_http_gets_400(self):
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as s:
            s.sendall(b"GARBAGE / HTTP/9.9\r\n\r\n")
            reply = s.recv(4096).decode(errors="replace")
        self.assertTrue(reply.startswith("HTTP/1.1 400"), reply)
        self.assertIn('"statusCode":400', reply)

    def test_keep_alive_serves_several_requests_on_one_connection(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        for _ in range(5):
            conn.request("GET", "/healthz")
            resp = conn.getresponse()
            resp.read()
            self.assertEqual(resp.status, 200)
            self.assertEqual(resp.getheader("Cache-Control"), "no-store")
            self.assertRegex(resp.getheader("X-Request-Id") or "", r"^[0-9a-f]{16}$")


if __name__ == "__main__":
    unittest.main()
