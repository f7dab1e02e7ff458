"""Helpers for Signet's HTTP integration tests (SPEC §2-§4, §6, §7).

Standard library only. A test starts its own `signetd` in a fresh temporary directory on
port 0 (loopback), talks JSON to it through `Api`, and verifies every signature with the
`openssl` command. The server's stderr goes to a file that is printed when a test fails.

Environment:
  SIGNET_BUILD_DIR  build directory holding bin/signetd (default <repo>/build)
  SIGNET_KEEP_DIRS  keep the temporary data directories (for debugging)
  SIGNET_OPENAPI_RECORD  append every reply of Api to this file, one JSON object a line
                    (method, path, status, contentType, body), for the OpenAPI checks
                    (tests/openapi/check.mjs replies)
"""

import base64
import hashlib
import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import uuid

REPO_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Absolute: tools the tests start (jarsigner's PKCS#11 config, for one) run elsewhere.
BUILD_DIR = os.path.abspath(os.environ.get("SIGNET_BUILD_DIR") or os.path.join(REPO_DIR, "build"))
SIGNETD = os.path.join(BUILD_DIR, "bin", "signetd")

ADMIN_EMAIL = "admin@signet.test"
ADMIN_PASSWORD = "correct horse battery staple 1"
USER_PASSWORD = "member password 123456"

ERROR_NAMES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "PermissionDenied",
    404: "NotFound",
    409: "Conflict",
    413: "PayloadTooLarge",
    429: "RateLimited",
    500: "InternalServerError",
}

# SPEC §4: the nine algorithms, their hash and key type.
HASHES = {"SHA256": ("sha256", 32), "SHA384": ("sha384", 48), "SHA512": ("sha512", 64)}
RSA_ALGORITHMS = [
    "RSASSA_PKCS1_V1_5_SHA256", "RSASSA_PKCS1_V1_5_SHA384", "RSASSA_PKCS1_V1_5_SHA512",
    "RSASSA_PSS_SHA256", "RSASSA_PSS_SHA384", "RSASSA_PSS_SHA512",
]
EC_ALGORITHMS = ["ECDSA_SHA256", "ECDSA_SHA384", "ECDSA_SHA512"]
ALL_ALGORITHMS = RSA_ALGORITHMS + EC_ALGORITHMS

# The first line of a sanitizer's report (ASan and LeakSanitizer: "==pid==ERROR: ...";
# UBSan: "file:line:col: runtime error: ...").
SANITIZER_REPORT_RE = re.compile(r"^==\d+==ERROR: (Address|Leak)Sanitizer|: runtime error: ")

# Every server started in this process and not yet cleaned up, and the stderr tails of the
# ones cleaned up (a test's cleanups run before its failure is reported), for failure reports.
_LIVE_SERVERS = []
_CLEANED_LOGS = []
_LIVE_LOCK = threading.Lock()


def unique(prefix="t"):
    """A unique slug-compatible name: lower case, digits and single hyphens."""
    return "%s-%s" % (prefix, uuid.uuid4().hex[:12])


def b64(data):
    return base64.b64encode(data).decode("ascii")


def unb64(text):
    return base64.b64decode(text, validate=True)


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def split_algorithm(algorithm):
    """'RSASSA_PSS_SHA_384' -> ('pss', 'sha384', 48); canonical or underscored spelling."""
    name = algorithm.replace("SHA_", "SHA")
    hash_part = name.rsplit("_", 1)[1]
    hash_name, hash_len = HASHES[hash_part]
    if name.startswith("RSASSA_PSS_"):
        scheme = "pss"
    elif name.startswith("RSASSA_PKCS1_V1_5_"):
        scheme = "pkcs1"
    elif name.startswith("ECDSA_"):
        scheme = "ecdsa"
    else:
        raise ValueError("unknown algorithm " + algorithm)
    return scheme, hash_name, hash_len


def underscored(algorithm):
    """'ECDSA_SHA256' -> 'ECDSA_SHA_256'."""
    return algorithm[:-3] + "_" + algorithm[-3:]


# ---------------------------------------------------------------------------------------
# The server process
# ---------------------------------------------------------------------------------------


class SignetServer:
    """One `signetd` process on a fresh data directory.

    start() waits for the port file and /healthz; stop() sends SIGTERM and waits; kill() sends
    SIGKILL; restart() starts again on the same data directory (a new port). cleanup() stops
    the process if needed and removes the data directory; tests register it with addCleanup.
    """

    def __init__(self, extra_args=None, env=None, node_id=None, bootstrap_env=False,
                 preexec_fn=None):
        if not os.path.exists(SIGNETD):
            if os.environ.get("SIGNET_BUILD_DIR"):
                # Under ctest the binary belongs to the same build: its absence is a failure.
                raise RuntimeError("signetd not built: %s" % SIGNETD)
            raise unittest.SkipTest("signetd not built: %s" % SIGNETD)
        self.root = tempfile.mkdtemp(prefix="signet-it-")
        self.data_dir = os.path.join(self.root, "data")
        os.makedirs(self.data_dir)
        self.port_file = os.path.join(self.data_dir, "port")
        self.stderr_path = os.path.join(self.root, "stderr.log")
        self.stdout_path = os.path.join(self.root, "stdout.log")
        self.extra_args = list(extra_args or [])
        if node_id:
            self.extra_args += ["--node-id", node_id]
        self.env = dict(os.environ)
        self.env.update(env or {})
        if bootstrap_env:
            self.env["SIGNET_BOOTSTRAP_ADMIN_EMAIL"] = ADMIN_EMAIL
            self.env["SIGNET_BOOTSTRAP_ADMIN_PASSWORD"] = ADMIN_PASSWORD
        # Runs in the child before exec (e.g. to set a umask or a resource limit).
        self.preexec_fn = preexec_fn
        self.proc = None
        self.port = None
        self.starts = 0
        with _LIVE_LOCK:
            _LIVE_SERVERS.append(self)

    # -- lifecycle ------------------------------------------------------------------------

    def command(self):
        return [SIGNETD, "--listen", "127.0.0.1:0", "--data-dir", self.data_dir, "--dev",
                "--port-file", self.port_file] + self.extra_args

    def start(self, timeout=30.0):
        assert self.proc is None or self.proc.poll() is not None, "server already running"
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        self.starts += 1
        err = open(self.stderr_path, "ab")
        out = open(self.stdout_path, "ab")
        marker = ("\n===== signetd start #%d: %s =====\n" % (self.starts, " ".join(self.command())))
        err.write(marker.encode())
        err.flush()
        try:
            self.proc = subprocess.Popen(self.command(), stdout=out, stderr=err, env=self.env,
                                         stdin=subprocess.DEVNULL, preexec_fn=self.preexec_fn)
        finally:
            err.close()
            out.close()
        deadline = time.monotonic() + timeout
        self.port = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("signetd exited with %s during start\n%s"
                                   % (self.proc.returncode, self.stderr_tail()))
            try:
                with open(self.port_file) as f:
                    text = f.read().strip()
                if text:
                    self.port = int(text)
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.02)
        if self.port is None:
            self.kill()
            raise RuntimeError("signetd wrote no port file within %.0fs\n%s"
                               % (timeout, self.stderr_tail()))
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("signetd exited with %s during start\n%s"
                                   % (self.proc.returncode, self.stderr_tail()))
            try:
                status, _ = self.api().call("GET", "/healthz")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError("/healthz did not answer 200 within %.0fs\n%s"
                           % (timeout, self.stderr_tail()))

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=30.0):
        """SIGTERM and wait; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("signetd did not stop within %.0fs of SIGTERM" % timeout)
        return self.proc.returncode

    def kill(self):
        """SIGKILL and wait."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        return None if self.proc is None else self.proc.returncode

    def restart(self, timeout=30.0):
        self.stop()
        return self.start(timeout)

    def cleanup(self):
        self.kill()
        with _LIVE_LOCK:
            if self in _LIVE_SERVERS:
                _LIVE_SERVERS.remove(self)
                _CLEANED_LOGS.append((self.root, self.stderr_tail()))
        report = self.sanitizer_report()
        if os.environ.get("SIGNET_KEEP_DIRS"):
            sys.stderr.write("kept signet data in %s\n" % self.root)
        else:
            shutil.rmtree(self.root, ignore_errors=True)
        if report:
            # A sanitized build (the asan preset) aborts on a report; one the test's requests
            # did not notice (after the last reply, in a background thread) fails it here.
            raise AssertionError("signetd printed a sanitizer report:\n" + report)

    def sanitizer_report(self):
        """The lines from the first AddressSanitizer, LeakSanitizer or UBSan report in
        signetd's stderr to its SUMMARY line, or None."""
        try:
            with open(self.stderr_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return None
        for i, line in enumerate(lines):
            if SANITIZER_REPORT_RE.search(line):
                end = next((j for j in range(i, len(lines)) if lines[j].startswith("SUMMARY: ")),
                           min(len(lines) - 1, i + 60))
                return "\n".join(lines[i:end + 1])
        return None

    # -- access ---------------------------------------------------------------------------

    @property
    def base_url(self):
        return "http://127.0.0.1:%d" % self.port

    def api(self):
        return Api("127.0.0.1", self.port)

    def stderr_tail(self, lines=80):
        try:
            with open(self.stderr_path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return "(no stderr)"
        return "\n".join(text.splitlines()[-lines:])

    def audit_verify_cli(self, timeout=60):
        """Runs `signetd audit verify --data-dir DIR`; returns (exit code, output)."""
        proc = subprocess.run([SIGNETD, "audit", "verify", "--data-dir", self.data_dir],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=self.env,
                              timeout=timeout)
        return proc.returncode, proc.stdout.decode("utf-8", "replace")


def print_server_logs(cleaned_since=0, stream=None):
    """Prints the stderr tails of live servers and of those cleaned up since `cleaned_since`."""
    stream = stream or sys.stderr
    with _LIVE_LOCK:
        logs = list(_CLEANED_LOGS[cleaned_since:])
        logs += [(server.root, server.stderr_tail()) for server in _LIVE_SERVERS]
    for root, tail in logs:
        stream.write("\n----- signetd stderr (%s, last lines) -----\n%s\n-----\n" % (root, tail))
    stream.flush()


class SignetTestCase(unittest.TestCase):
    """A TestCase that prints the stderr of its servers (and the shared one) when a test fails."""

    maxDiff = 4000

    def run(self, result=None):
        if result is None:
            return super().run(result)
        before = len(result.failures) + len(result.errors)
        with _LIVE_LOCK:
            cleaned_before = len(_CLEANED_LOGS)
        out = super().run(result)
        if len(result.failures) + len(result.errors) > before:
            print_server_logs(cleaned_before)
        return out

    # -- assertions shared by the suites --------------------------------------------------

    def assertError(self, response, status, name=None, message_contains=None):
        """Asserts an error reply: status code and the JSON body of SPEC §3."""
        got_status, body = response
        self.assertEqual(got_status, status, "expected %d, got %d: %r" % (status, got_status, body))
        self.assertIsInstance(body, dict, "error body is not a JSON object: %r" % (body,))
        for key in ("statusCode", "error", "message", "reqId"):
            self.assertIn(key, body, "error body lacks %r: %r" % (key, body))
        self.assertEqual(body["statusCode"], status, body)
        self.assertIsInstance(body["error"], str)
        self.assertIsInstance(body["message"], str)
        self.assertTrue(body["message"], "empty error message: %r" % body)
        self.assertIsInstance(body["reqId"], str)
        self.assertTrue(body["reqId"], "empty reqId: %r" % body)
        expected_name = name or ERROR_NAMES.get(status)
        if expected_name:
            self.assertEqual(body["error"], expected_name, body)
        if message_contains:
            for part in ([message_contains] if isinstance(message_contains, str)
                         else message_contains):
                self.assertIn(part.lower(), body["message"].lower(),
                              "message does not name %r: %r" % (part, body["message"]))
        return body

    def assertOk(self, response, msg=None):
        status, body = response
        self.assertEqual(status, 200, "%sexpected 200, got %d: %r"
                         % ((msg + ": ") if msg else "", status, body))
        return body

    def assertList(self, response, key):
        body = self.assertOk(response)
        self.assertIsInstance(body, dict)
        self.assertIn(key, body, "list lacks %r: %r" % (key, body))
        self.assertIn("totalCount", body, body)
        self.assertIsInstance(body[key], list)
        self.assertIsInstance(body["totalCount"], int)
        self.assertGreaterEqual(body["totalCount"], len(body[key]))
        return body


# ---------------------------------------------------------------------------------------
# The HTTP client
# ---------------------------------------------------------------------------------------


def raw_request(port, method, path, body=None, headers=None):
    """One plain HTTP request, outside Api (no token, no JSON, headers exactly as given);
    returns (status, headers as a list of (name, value), body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.getheaders(), resp.read()
    finally:
        conn.close()


def header_of(headers, name):
    """The first value of header `name`, whatever its case, in a list of (name, value) pairs;
    None when absent."""
    values = [v for k, v in headers if k.lower() == name.lower()]
    return values[0] if values else None


class Response:
    def __init__(self, status, headers, text):
        self.status = status
        self.headers = headers
        self.text = text
        try:
            self.json = json.loads(text) if text else None
        except ValueError:
            self.json = None


_RECORD_LOCK = threading.Lock()


def _start_record():
    """A suite's run starts its $SIGNET_OPENAPI_RECORD afresh (one file per suite)."""
    target = os.environ.get("SIGNET_OPENAPI_RECORD")
    if target:
        os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
        open(target, "w").close()


_start_record()


def record_reply(method, path, result):
    """Appends one reply to $SIGNET_OPENAPI_RECORD (when set) for the OpenAPI checks."""
    target = os.environ.get("SIGNET_OPENAPI_RECORD")
    if not target:
        return
    line = json.dumps({"method": method, "path": path.split("?", 1)[0], "status": result.status,
                       "contentType": result.headers.get("Content-Type", ""),
                       "body": result.text})
    with _RECORD_LOCK, open(target, "a") as f:
        f.write(line + "\n")


class Api:
    """A small JSON client. call() returns (status, parsed JSON or None)."""

    # Every response text that contained a PEM private key, for the leak test.
    leaks = []
    leaks_lock = threading.Lock()

    def __init__(self, host, port, token=None, timeout=60.0):
        self.host = host
        self.port = port
        self.token = token
        self.timeout = timeout
        self.last = None

    def with_token(self, token):
        return Api(self.host, self.port, token, self.timeout)

    def request(self, method, path, body=None, token=None, raw=None, headers=None,
                query=None):
        """Sends one request; body is JSON-encoded unless raw (bytes/str) is given."""
        if query:
            path = path + ("&" if "?" in path else "?") + urllib.parse.urlencode(query)
        hdrs = {"Accept": "application/json", "Connection": "close"}
        tok = token if token is not None else self.token
        if tok:
            hdrs["Authorization"] = "Bearer " + tok
        payload = None
        if raw is not None:
            payload = raw.encode() if isinstance(raw, str) else raw
            hdrs["Content-Type"] = "application/json"
        elif body is not None:
            payload = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        if headers:
            hdrs.update(headers)
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=payload, headers=hdrs)
            resp = conn.getresponse()
            text = resp.read().decode("utf-8", "replace")
            result = Response(resp.status, dict(resp.getheaders()), text)
        finally:
            conn.close()
        record_reply(method, path, result)
        if "PRIVATE KEY" in result.text:
            with Api.leaks_lock:
                Api.leaks.append("%s %s -> %s" % (method, path, result.text[:300]))
        self.last = result
        return result

    def call(self, method, path, body=None, token=None, **kw):
        r = self.request(method, path, body=body, token=token, **kw)
        return r.status, r.json

    def get(self, path, token=None, **kw):
        return self.call("GET", path, token=token, **kw)

    def post(self, path, body=None, token=None, **kw):
        return self.call("POST", path, body if body is not None else {}, token=token, **kw)

    def patch(self, path, body, token=None, **kw):
        return self.call("PATCH", path, body, token=token, **kw)

    def delete(self, path, token=None, **kw):
        return self.call("DELETE", path, token=token, **kw)

    def ok(self, method, path, body=None, token=None, **kw):
        """call() that raises unless 200; returns the JSON body."""
        status, data = self.call(method, path, body, token=token, **kw)
        if status != 200:
            raise AssertionError("%s %s -> %d %r" % (method, path, status, data))
        return data

    def raw_oversized_post(self, path, size, token=None):
        """POSTs a body of `size` bytes over a raw socket, tolerating an early reply/close.

        A server may answer 413 as soon as it sees Content-Length and close the connection
        while the body is still being sent; this reads whatever reply arrived.
        Returns (status, parsed JSON or None).
        """
        tok = token if token is not None else self.token
        head = ("POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
                "Content-Length: %d\r\nConnection: close\r\n" % (path, self.host, self.port, size))
        if tok:
            head += "Authorization: Bearer %s\r\n" % tok
        head += "\r\n"
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        received = b""
        try:
            sock.sendall(head.encode())
            chunk = b"[" + b"1," * 32767 + b"1"  # 64 KiB of valid JSON-ish bytes
            sent = 0
            while sent < size:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break  # the server already answered
                part = chunk[: min(len(chunk), size - sent)]
                try:
                    sock.sendall(part)
                except (BrokenPipeError, ConnectionResetError):
                    break
                sent += len(part)
            sock.settimeout(self.timeout)
            while True:
                try:
                    data = sock.recv(65536)
                except ConnectionResetError:
                    break
                if not data:
                    break
                received += data
                if b"\r\n\r\n" in received:
                    header, _, rest = received.partition(b"\r\n\r\n")
                    length = None
                    for line in header.split(b"\r\n")[1:]:
                        k, _, v = line.partition(b":")
                        if k.strip().lower() == b"content-length":
                            length = int(v.strip())
                    if length is not None and len(rest) >= length:
                        break
        finally:
            sock.close()
        if not received:
            return None, None
        header, _, rest = received.partition(b"\r\n\r\n")
        status = int(header.split(b" ", 2)[1])
        try:
            body = json.loads(rest.decode("utf-8", "replace"))
        except ValueError:
            body = None
        return status, body


# ---------------------------------------------------------------------------------------
# Setup helpers (each raises AssertionError with the reply when a step fails)
# ---------------------------------------------------------------------------------------


def bootstrap_admin(api, email=ADMIN_EMAIL, password=ADMIN_PASSWORD):
    """POST /api/v1/admin/bootstrap; returns (user, accessToken)."""
    data = api.ok("POST", "/api/v1/admin/bootstrap", {"email": email, "password": password})
    return data["user"], data["accessToken"]


def start_module_server(fixture, setup):
    """The common part of a suite's setUpModule: starts signetd into fixture.server,
    bootstraps the org admin (fixture.admin, fixture.admin_token; fixture.api carries the
    token), then calls setup(). If anything fails, prints the tail of signetd's stderr,
    removes the server and re-raises."""
    fixture.server = SignetServer()
    try:
        fixture.server.start()
        fixture.api = fixture.server.api()
        fixture.admin, fixture.admin_token = bootstrap_admin(fixture.api)
        fixture.api.token = fixture.admin_token
        setup()
    except BaseException:
        sys.stderr.write("setUpModule failed; signetd stderr:\n%s\n" % fixture.server.stderr_tail())
        fixture.server.cleanup()
        raise


def login(api, email, password):
    return api.ok("POST", "/api/v1/auth/login", {"email": email, "password": password})[
        "accessToken"]


def create_user(api, admin_token, email=None, password=USER_PASSWORD, role="member"):
    """Creates a user and logs in; returns (user, token)."""
    email = email or ("%s@signet.test" % unique("user"))
    user = api.ok("POST", "/api/v1/users", {"email": email, "password": password,
                                            "orgRole": role}, token=admin_token)
    return user, login(api, email, password)


def create_identity(api, admin_token, name=None):
    """Creates a machine identity, a client secret, and logs in with universal auth.

    Returns (identity, clientId, clientSecret, token)."""
    identity = api.ok("POST", "/api/v1/identities", {"name": name or unique("mi")},
                      token=admin_token)
    creds = api.ok("POST", "/api/v1/identities/%s/universal-auth/client-secrets" % identity["id"],
                   {}, token=admin_token)
    token = api.ok("POST", "/api/v1/auth/universal-auth/login",
                   {"clientId": creds["clientId"], "clientSecret": creds["clientSecret"]})[
        "accessToken"]
    return identity, creds["clientId"], creds["clientSecret"], token


def default_project_id(api, token):
    data = api.ok("GET", "/api/v1/projects", token=token, query={"limit": 100})
    for p in data["projects"]:
        if p.get("slug") == "default" or p.get("name") == "default":
            return p["id"]
    raise AssertionError("no default project in %r" % data)


def add_project_member(api, admin_token, project_id, user_id=None, identity_id=None,
                       role="member"):
    body = {"role": role}
    if user_id:
        body["userId"] = user_id
    if identity_id:
        body["identityId"] = identity_id
    return api.ok("POST", "/api/v1/projects/%s/memberships" % project_id, body, token=admin_token)


def create_ca(api, token, key_algorithm="EC_prime256v1", common_name=None, ttl_days=365,
              parent_ca_id=None, project_id=None):
    body = {"commonName": common_name or ("CA " + unique("ca")), "keyAlgorithm": key_algorithm,
            "ttlDays": ttl_days}
    if parent_ca_id:
        body["parentCaId"] = parent_ca_id
    if project_id:
        body["projectId"] = project_id
    return api.ok("POST", "/api/v1/pki/ca", body, token=token)


def issue_certificate(api, token, ca_id, key_algorithm="EC_prime256v1", common_name=None,
                      ttl_days=30, ekus=("codeSigning",), project_id=None):
    """Returns {certificateId, certificate, certificateChain, serialNumber}."""
    body = {"caId": ca_id, "commonName": common_name or unique("cs"),
            "keyAlgorithm": key_algorithm, "ttlDays": ttl_days,
            "keyUsages": ["digitalSignature"], "extendedKeyUsages": list(ekus)}
    if project_id:
        body["projectId"] = project_id
    return api.ok("POST", "/api/v1/pki/certificates/issue", body, token=token)


def create_signer(api, token, certificate_id, name=None, description=None, project_id=None,
                  base="/api/v1/pki/signers"):
    body = {"name": name or unique("signer"), "certificateId": certificate_id}
    if description is not None:
        body["description"] = description
    if project_id:
        body["projectId"] = project_id
    return api.ok("POST", base, body, token=token)


def create_code_signer(api, token, ca_id, key_algorithm, name=None):
    """Issues a codeSigning certificate and creates a signer on it; returns the signer."""
    cert = issue_certificate(api, token, ca_id, key_algorithm)
    return create_signer(api, token, cert["certificateId"], name=name)


def sign(api, token, signer_id, data, algorithm, is_digest=False, client_metadata=None,
         base="/api/v1/pki/signers"):
    body = {"data": b64(data), "signingAlgorithm": algorithm, "isDigest": is_digest}
    if client_metadata is not None:
        body["clientMetadata"] = client_metadata
    return api.call("POST", "%s/%s/sign" % (base, signer_id), body, token=token)


def list_all(api, token, path, key, query=None, limit=100):
    """Pages through a list endpoint; returns (items, totalCount)."""
    items = []
    offset = 0
    total = None
    while True:
        q = dict(query or {})
        q.update({"offset": offset, "limit": limit})
        data = api.ok("GET", path, token=token, query=q)
        items.extend(data[key])
        total = data["totalCount"]
        if not data[key] or len(items) >= total:
            break
        offset += len(data[key])
    return items, total


# ---------------------------------------------------------------------------------------
# openssl
# ---------------------------------------------------------------------------------------


def write_file(path, content):
    with open(path, "wb" if isinstance(content, bytes) else "w") as f:
        f.write(content)
    return path


def read_file(path, binary=False):
    with open(path, "rb" if binary else "r") as f:
        return f.read()


def run_openssl(args, input_bytes=None, cwd=None):
    proc = subprocess.run(["openssl"] + args, input=input_bytes, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, cwd=cwd, timeout=60)
    return proc.returncode, proc.stdout.decode("utf-8", "replace") + proc.stderr.decode(
        "utf-8", "replace")


def spki_der_to_pem(der):
    text = base64.encodebytes(der).decode("ascii").replace("\n", "")
    lines = [text[i:i + 64] for i in range(0, len(text), 64)]
    return "-----BEGIN PUBLIC KEY-----\n" + "\n".join(lines) + "\n-----END PUBLIC KEY-----\n"


def signer_public_key_pem(api, token, signer_id, source="public-key"):
    """The signer's public key as PEM, from /public-key (base64 DER SPKI) or /certificate."""
    if source == "public-key":
        data = api.ok("GET", "/api/v1/pki/signers/%s/public-key" % signer_id, token=token)
        return spki_der_to_pem(unb64(data["publicKey"]))
    data = api.ok("GET", "/api/v1/pki/signers/%s/certificate" % signer_id, token=token)
    code, out = run_openssl(["x509", "-pubkey", "-noout"], data["certificatePem"].encode())
    if code != 0:
        raise AssertionError("openssl x509 -pubkey failed: " + out)
    return out[out.index("-----BEGIN PUBLIC KEY-----"):]


def openssl_verify(data, signature, algorithm, is_digest=False, public_key_pem=None,
                   api=None, token=None, signer_id=None, source="public-key"):
    """Verifies `signature` over `data` (message or digest) with the openssl command.

    Either public_key_pem or (api, token, signer_id) must be given. Returns (ok, output).
    """
    if public_key_pem is None:
        public_key_pem = signer_public_key_pem(api, token, signer_id, source)
    scheme, hash_name, _ = split_algorithm(algorithm)
    with tempfile.TemporaryDirectory(prefix="signet-verify-") as d:
        pub = os.path.join(d, "pub.pem")
        sig = os.path.join(d, "sig")
        dat = os.path.join(d, "data")
        with open(pub, "w") as f:
            f.write(public_key_pem)
        with open(sig, "wb") as f:
            f.write(signature)
        with open(dat, "wb") as f:
            f.write(data)
        if is_digest:
            args = ["pkeyutl", "-verify", "-pubin", "-inkey", pub, "-in", dat, "-sigfile", sig,
                    "-pkeyopt", "digest:" + hash_name]
            if scheme == "pss":
                args += ["-pkeyopt", "rsa_padding_mode:pss", "-pkeyopt", "rsa_pss_saltlen:-1"]
        else:
            args = ["dgst", "-" + hash_name, "-verify", pub, "-signature", sig]
            if scheme == "pss":
                args += ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:-1"]
            args.append(dat)
        code, out = run_openssl(args)
        return code == 0 and ("Verified OK" in out or "Signature Verified Successfully" in out), out


def make_local_key_and_cert(directory, ekus="codeSigning", key="ec", days=30, cn=None,
                            key_usage="critical,digitalSignature", ca=False):
    """Creates a self-signed certificate with openssl; returns (key_pem, cert_pem)."""
    keyf = os.path.join(directory, "k-%s.pem" % uuid.uuid4().hex[:8])
    certf = keyf.replace("k-", "c-")
    if key == "ec":
        genkey = ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                  "-out", keyf]
    else:
        genkey = ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", keyf]
    code, out = run_openssl(genkey)
    if code != 0:
        raise AssertionError(out)
    args = ["req", "-new", "-x509", "-key", keyf, "-out", certf, "-days", str(days),
            "-subj", "/CN=%s" % (cn or unique("local")),
            "-addext", "keyUsage=" + key_usage,
            "-addext", "basicConstraints=critical,CA:%s" % ("TRUE" if ca else "FALSE")]
    if ekus:
        args += ["-addext", "extendedKeyUsage=" + ekus]
    code, out = run_openssl(args)
    if code != 0:
        raise AssertionError(out)
    with open(keyf) as f:
        key_pem = f.read()
    with open(certf) as f:
        cert_pem = f.read()
    return key_pem, cert_pem


def make_expired_cert(directory, cn=None):
    """A self-signed code-signing certificate valid only in January 2020 (openssl ca).

    Returns (key_pem, cert_pem)."""
    return make_dated_cert(directory, "20200101000000Z", "20200201000000Z", cn)


def make_short_lived_cert(directory, seconds, cn=None):
    """A self-signed code-signing certificate valid from a minute ago for `seconds` more
    seconds. Returns (key_pem, cert_pem)."""
    now = time.time()
    fmt = "%Y%m%d%H%M%SZ"
    return make_dated_cert(directory, time.strftime(fmt, time.gmtime(now - 60)),
                           time.strftime(fmt, time.gmtime(now + seconds)), cn)


def make_dated_cert(directory, start, end, cn=None):
    """A self-signed code-signing certificate valid from `start` to `end` (openssl ca dates,
    YYYYMMDDHHMMSSZ). Returns (key_pem, cert_pem)."""
    work = tempfile.mkdtemp(prefix="expired-", dir=directory)
    write_file(os.path.join(work, "index.txt"), "")
    write_file(os.path.join(work, "serial"), "1000\n")
    write_file(os.path.join(work, "ca.cnf"),
               "[ca]\ndefault_ca = local\n[local]\ndatabase = index.txt\nnew_certs_dir = .\n"
               "serial = serial\ndefault_md = sha256\npolicy = any\nunique_subject = no\n"
               "[any]\ncommonName = supplied\n[ext]\nkeyUsage = critical,digitalSignature\n"
               "extendedKeyUsage = codeSigning\n")
    key = os.path.join(work, "key.pem")
    steps = [["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key],
             ["req", "-new", "-key", key, "-subj", "/CN=%s" % (cn or unique("expired")),
              "-out", "req.csr"],
             ["ca", "-batch", "-config", "ca.cnf", "-selfsign", "-keyfile", key, "-in", "req.csr",
              "-startdate", start, "-enddate", end, "-extensions", "ext",
              "-out", "cert.pem"]]
    for args in steps:
        code, out = run_openssl(args, cwd=work)
        if code != 0:
            raise AssertionError("openssl %s failed: %s" % (args[0], out))
    code, pem = run_openssl(["x509", "-in", "cert.pem"], cwd=work)
    if code != 0:
        raise AssertionError(pem)
    return read_file(key), pem[pem.index("-----BEGIN CERTIFICATE-----"):]
