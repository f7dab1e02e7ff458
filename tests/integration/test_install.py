#!/usr/bin/env python3
"""Installing Signet (issue 19): `cmake --install` into a DESTDIR lays out every file, the
installed signetd, signet and PKCS#11 module work from there, the man pages render without
warnings, the bash completion completes, the systemd unit verifies (systemd-analyze),
signetd reports readiness, stopping and watchdog pings with sd_notify and reloads its TLS
certificate and log level on SIGHUP; `make deb`'s packages (scripts/make-deb.sh) signet and
signet-pkcs11 hold those files between them, declare their dependencies and pass lintian without
errors or warnings; as root, both are installed with dpkg, run, and removed and purged
(InstalledPackage)."""
import base64
import gzip
import json
import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from signet_testlib import (ADMIN_EMAIL, ADMIN_PASSWORD, BUILD_DIR, REPO_DIR, SIGNETD,  # noqa: E402
                            SignetTestCase)

# Under the sanitizers (the asan preset's ctest) the packages are not built or installed: their
# checks are of packaging (file lists, lintian, dpkg), which the release build's ctest runs on
# the binaries that ship, and the C++ they start (signetd, signet) runs in Installed, Notify,
# Reload and every other suite; building them from the instrumented binaries takes minutes
# (stripping, compressing and lintian over binaries several times the size). pkcs11-tool is
# not instrumented and cannot load an ASan-built module; the module's code runs in
# pkcs11_module_test (tests/unit/pkcs11) then.
SANITIZED = os.environ.get("SIGNET_SANITIZE", "").upper() in ("ON", "1", "TRUE")
MULTIARCH = subprocess.run(["gcc", "-print-multiarch"], capture_output=True, text=True).stdout.strip()
MODULE = "usr/lib/%s/pkcs11/libsignet-pkcs11.so" % MULTIARCH
FILES = [
    "usr/bin/signetd", "usr/bin/signet", MODULE, "usr/lib/signet/libsignet-pkcs11.so",
    "usr/share/man/man8/signetd.8.gz", "usr/share/man/man1/signet.1.gz",
    "usr/share/bash-completion/completions/signet", "usr/share/zsh/vendor-completions/_signet",
    "lib/systemd/system/signetd.service", "etc/signet/signetd.conf",
    "usr/share/doc/signet/README.md", "usr/share/doc/signet/operations.md",
    "usr/share/doc/signet/openapi.json", "usr/share/doc/signet/examples/pkcs11.json",
]


def run(cmd, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 300)
    return subprocess.run(cmd, **kw)


def need(tool):
    path = shutil.which(tool)
    if not path:
        raise unittest.SkipTest("%s is not installed (scripts/install-deps.sh)" % tool)
    return path


class Installed(SignetTestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="signet-install-")
        cls.root = os.path.join(cls.tmp, "root")
        r = run(["cmake", "--install", BUILD_DIR, "--prefix", "/usr"],
                env=dict(os.environ, DESTDIR=cls.root))
        assert r.returncode == 0, r.stdout + r.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def path(self, rel):
        return os.path.join(self.root, rel)

    def test_every_file_is_laid_out(self):
        for rel in FILES:
            self.assertTrue(os.path.isfile(self.path(rel)), rel)
        for rel in ("usr/bin/signetd", "usr/bin/signet"):
            self.assertTrue(os.access(self.path(rel), os.X_OK), rel)
        link = self.path("usr/lib/signet/libsignet-pkcs11.so")
        self.assertTrue(os.path.islink(link))
        self.assertFalse(os.path.isabs(os.readlink(link)))  # works in any DESTDIR
        self.assertEqual(os.path.realpath(link), os.path.realpath(self.path(MODULE)))
        with open(self.path("etc/signet/signetd.conf")) as a, \
                open(os.path.join(REPO_DIR, "packaging", "signetd.conf")) as b:
            self.assertEqual(a.read(), b.read())

    def test_another_prefix_moves_everything_under_it(self):
        root = os.path.join(self.tmp, "local")
        r = run(["cmake", "--install", BUILD_DIR, "--prefix", "/opt/signet"],
                env=dict(os.environ, DESTDIR=root))
        self.assertEqual(r.returncode, 0, r.stderr)
        for rel in ("opt/signet/bin/signetd", "opt/signet/etc/signet/signetd.conf",
                    "opt/signet/lib/systemd/system/signetd.service",
                    "opt/signet/lib/signet/libsignet-pkcs11.so"):
            self.assertTrue(os.path.exists(os.path.join(root, rel)), rel)
        with open(os.path.join(root, "opt/signet/lib/systemd/system/signetd.service")) as f:
            unit = f.read()
        self.assertIn("ExecStart=/opt/signet/bin/signetd --config /opt/signet/etc/signet/signetd.conf", unit)
        self.assertFalse(os.path.exists(os.path.join(root, "etc")))
        self.assertFalse(os.path.exists(os.path.join(root, "usr")))

    def test_the_installed_programs_work(self):
        signetd = self.path("usr/bin/signetd")
        signet = self.path("usr/bin/signet")
        self.assertIn("signetd ", run([signetd, "--version"]).stdout)
        self.assertIn("signet ", run([signet, "--version"]).stdout)
        data = os.path.join(self.tmp, "data")
        home = os.path.join(self.tmp, "home")
        os.makedirs(data)
        os.makedirs(home)
        port_file = os.path.join(self.tmp, "port")
        env = dict(os.environ, SIGNET_BOOTSTRAP_ADMIN_EMAIL=ADMIN_EMAIL,
                   SIGNET_BOOTSTRAP_ADMIN_PASSWORD=ADMIN_PASSWORD)
        env.pop("SIGNET_ROOT_KEY", None)
        # The shipped configuration, with the flags that make it a test.
        log_path = os.path.join(self.tmp, "signetd.log")
        with open(log_path, "w") as log:
            server = subprocess.Popen(
                [signetd, "--config", self.path("etc/signet/signetd.conf"), "--data-dir", data,
                 "--listen", "127.0.0.1:0", "--port-file", port_file, "--dev"],
                env=env, stdout=subprocess.DEVNULL, stderr=log)
        self.addCleanup(server.kill)
        deadline = time.monotonic() + 30
        while not os.path.exists(port_file) and server.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        with open(log_path) as f:
            self.assertTrue(os.path.exists(port_file), f.read())
        with open(port_file) as f:
            url = "http://127.0.0.1:%d" % int(f.read())
        cli_env = dict(os.environ, XDG_CONFIG_HOME=home, HOME=home)
        for k in ("SIGNET_SERVER_URL", "SIGNET_TOKEN", "SIGNET_CA_CERT"):
            cli_env.pop(k, None)
        r = run([signet, "login", "--server", url, "--email", ADMIN_EMAIL, "--password-stdin"],
                input=ADMIN_PASSWORD + "\n", env=cli_env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = run([signet, "whoami", "--json"], env=cli_env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(ADMIN_EMAIL, r.stdout)
        # The module by the path the docs use.
        if not SANITIZED:
            tool = need("pkcs11-tool")
            conf = os.path.join(self.tmp, "pkcs11.json")
            with open(conf, "w") as f:
                json.dump({"serverUrl": url}, f)
            r = run([tool, "--module", self.path("usr/lib/signet/libsignet-pkcs11.so"),
                     "--show-info"], env=dict(os.environ, SIGNET_PKCS11_CONFIG=conf))
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("Signet", r.stdout)
        server.send_signal(signal.SIGTERM)
        self.assertEqual(server.wait(timeout=30), 0)

    def test_man_pages_render_without_warnings(self):
        need("groff")
        for rel, name in (("usr/share/man/man8/signetd.8.gz", "signetd"),
                          ("usr/share/man/man1/signet.1.gz", "signet")):
            with gzip.open(self.path(rel), "rt") as f:
                source = f.read()
            self.assertNotIn("@SIGNET_VERSION@", source)
            r = run(["groff", "-man", "-ww", "-Tutf8"], input=source)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stderr, "", rel)
            text = re.sub(".\b", "", r.stdout)  # no bold and underline overstrikes
            self.assertIn(name, text)
            self.assertIn("SYNOPSIS", text)

    def test_bash_completion_completes_commands_and_subcommands(self):
        script = self.path("usr/share/bash-completion/completions/signet")

        def complete(*words):
            line = " ".join(words)
            r = run(["bash", "-c", 'source "$0"; COMP_WORDS=(%s); COMP_CWORD=%d; _signet; '
                     'printf "%%s\\n" "${COMPREPLY[@]}"' % (line, len(words) - 1), script])
            self.assertEqual(r.returncode, 0, r.stderr)
            return set(r.stdout.split())

        self.assertEqual(complete("signet", "sig"), {"signers", "sign"})
        self.assertEqual(complete("signet", "requests", "a"), {"approve"})
        self.assertIn("--out-dir", complete("signet", "sign", "--out"))
        self.assertIn("ECDSA_SHA256", complete("signet", "sign", "--algorithm", "ECDSA"))

    def test_the_unit_verifies_and_is_hardened(self):
        need("systemd-analyze")
        with open(self.path("lib/systemd/system/signetd.service")) as f:
            unit = f.read()
        for line in ("Type=notify", "User=signet", "StateDirectory=signet", "NoNewPrivileges=yes",
                     "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
                     "CapabilityBoundingSet=\n", "SystemCallFilter=@system-service",
                     "MemoryDenyWriteExecute=yes",
                     "LoadCredential=root-key:/etc/signet/root.key",
                     "ExecStart=/usr/bin/signetd --config /etc/signet/signetd.conf --root-key-file %d/root-key"):
            self.assertIn(line, unit)
        self.assertNotIn("SIGNET_ROOT_KEY", unit)  # never the key in the environment
        # verify checks that ExecStart's program exists: point it into the DESTDIR.
        d = os.path.join(self.tmp, "unit")
        os.makedirs(d, exist_ok=True)
        copy = os.path.join(d, "signetd.service")
        with open(copy, "w") as f:
            f.write(unit.replace("ExecStart=/usr/bin/signetd", "ExecStart=" + self.path("usr/bin/signetd")))
        r = run(["systemd-analyze", "verify", "--man=no", copy])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr.strip(), "")  # unknown keys are only warnings: none at all
        r = run(["systemd-analyze", "security", "--offline=yes", copy])
        level = re.search(r"Overall exposure level for signetd.service: ([0-9.]+)", r.stdout)
        self.assertIsNotNone(level, r.stdout + r.stderr)
        self.assertLessEqual(float(level.group(1)), 2.0, r.stdout)


# The number of sendmsg(2) in /proc/PID/syscall, by machine.
SENDMSG = {"x86_64": 46, "aarch64": 211, "riscv64": 211, "ppc64le": 341, "s390x": 370}


class Notify(SignetTestCase):
    """signetd under a fake systemd: NOTIFY_SOCKET is a datagram socket of the test."""

    def notify_socket(self):
        d = tempfile.mkdtemp(prefix="signet-notify-")
        self.addCleanup(shutil.rmtree, d, True)
        sock_path = os.path.join(d, "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(sock.close)
        sock.bind(sock_path)
        sock.settimeout(30)
        return d, sock_path, sock

    def spawn(self, d, sock_path, **env_extra):
        env = dict(os.environ, NOTIFY_SOCKET=sock_path, **env_extra)
        env.pop("SIGNET_ROOT_KEY", None)
        for name in ("WATCHDOG_USEC", "WATCHDOG_PID"):
            if name not in env_extra:
                env.pop(name, None)
        log = open(os.path.join(d, "stderr.log"), "w+")
        self.addCleanup(log.close)
        proc = subprocess.Popen([SIGNETD, "--listen", "127.0.0.1:0", "--data-dir", d, "--dev"],
                                env=env, stdout=subprocess.DEVNULL, stderr=log)
        self.addCleanup(proc.wait)
        self.addCleanup(proc.kill)
        return proc, log

    def answer_one_request(self, message):
        port = re.search(r"STATUS=listening on http://127.0.0.1:(\d+)", message)
        self.assertIsNotNone(port, message)
        # Ready means listening, and an answered request means the server loop runs.
        conn = http.client.HTTPConnection("127.0.0.1", int(port.group(1)), timeout=30)
        conn.request("GET", "/healthz")
        self.assertEqual(conn.getresponse().status, 200)
        conn.close()

    def test_readiness_and_stopping_are_reported_to_systemd(self):
        d, sock_path, sock = self.notify_socket()
        proc, _ = self.spawn(d, sock_path)
        message = sock.recv(4096).decode()
        self.assertIn("READY=1", message.splitlines())
        self.answer_one_request(message)
        proc.send_signal(signal.SIGTERM)
        self.assertIn("STOPPING=1", sock.recv(4096).decode().splitlines())
        self.assertEqual(proc.wait(timeout=30), 0)

    def test_a_sigterm_right_after_ready_is_a_graceful_stop(self):
        """SIGTERM while signetd is still sending READY=1: it must already be handled. The
        test fills the socket's queue, so that signetd blocks in sendmsg(READY=1) until the
        test reads; the SIGTERM lands exactly there, without depending on timing."""
        number = SENDMSG.get(os.uname().machine)
        if number is None:
            raise unittest.SkipTest("sendmsg's number on %s is not known" % os.uname().machine)
        d, sock_path, sock = self.notify_socket()
        filler = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(filler.close)
        filler.connect(sock_path)
        filler.setblocking(False)
        queued = 0
        try:
            while queued < 10000:
                filler.send(b"FILLER=1")
                queued += 1
        except BlockingIOError:
            pass
        self.assertGreater(queued, 0)
        proc, log = self.spawn(d, sock_path)
        # Wait until the main thread sits in sendmsg (READY=1, signetd's first notification).
        deadline = time.monotonic() + 60
        while True:
            self.assertIsNone(proc.poll(), "signetd exited early")
            with open("/proc/%d/syscall" % proc.pid) as f:
                if f.read().split(" ")[0] == str(number):
                    break
            self.assertLess(time.monotonic(), deadline, "signetd never blocked in sendmsg")
            time.sleep(0.01)
        proc.send_signal(signal.SIGTERM)
        messages = []
        deadline = time.monotonic() + 60
        sock.settimeout(0.2)
        while proc.poll() is None or messages[-1:] != ["STOPPING=1"]:
            try:
                messages += sock.recv(4096).decode().splitlines()
            except socket.timeout:
                if proc.poll() is not None:
                    break
            self.assertLess(time.monotonic(), deadline, messages)
        log.seek(0)
        self.assertEqual(proc.wait(timeout=30), 0, log.read())  # not killed by the signal
        self.assertIn("STOPPING=1", messages)

    def test_the_watchdog_is_pinged_while_the_server_answers(self):
        d, sock_path, sock = self.notify_socket()
        proc, log = self.spawn(d, sock_path, WATCHDOG_USEC="200000")  # pings every 100 ms
        message = sock.recv(4096).decode()
        while "READY=1" not in message.splitlines():
            message = sock.recv(4096).decode()
        self.answer_one_request(message)
        pings = 0
        while pings < 5:
            if sock.recv(4096).decode().splitlines() == ["WATCHDOG=1"]:
                pings += 1
        proc.send_signal(signal.SIGTERM)
        while "STOPPING=1" not in sock.recv(4096).decode().splitlines():
            pass
        self.assertEqual(proc.wait(timeout=30), 0)
        log.seek(0)
        self.assertIn("systemd watchdog: pinging every 100 ms", log.read())

    def test_no_watchdog_pings_unless_systemd_asks(self):
        for env in ({}, {"WATCHDOG_USEC": "200000", "WATCHDOG_PID": "1"}):  # PID 1 is not signetd
            d, sock_path, sock = self.notify_socket()
            proc, _ = self.spawn(d, sock_path, **env)
            messages = sock.recv(4096).decode().splitlines()
            self.assertIn("READY=1", messages)
            self.answer_one_request("\n".join(messages))
            time.sleep(1)  # ten watchdog periods
            proc.send_signal(signal.SIGTERM)
            while "STOPPING=1" not in messages:
                messages += sock.recv(4096).decode().splitlines()
            self.assertNotIn("WATCHDOG=1", messages, env)
            self.assertEqual(proc.wait(timeout=30), 0)


def make_cert(directory, name):
    """A self-signed P-256 certificate for 127.0.0.1 with CN=name: (cert path, key path)."""
    cert, key = os.path.join(directory, name + ".pem"), os.path.join(directory, name + ".key")
    r = run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=" + name,
             "-addext", "subjectAltName=IP:127.0.0.1"])
    assert r.returncode == 0, r.stderr
    return cert, key


class Reload(SignetTestCase):
    """SIGHUP (systemctl reload): the TLS certificate and key and the config file's log level."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="signet-reload-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        d = self.dir
        self.a = make_cert(d, "signet-a")
        self.b = make_cert(d, "signet-b")
        self.cert, self.key = os.path.join(d, "live.pem"), os.path.join(d, "live.key")
        self.install(*self.a)
        self.conf = os.path.join(d, "signetd.conf")
        self.write_conf("info")
        self.log_path = os.path.join(d, "stderr.log")
        log = open(self.log_path, "w")
        env = dict(os.environ)
        env.pop("SIGNET_ROOT_KEY", None)
        self.proc = subprocess.Popen([SIGNETD, "--config", self.conf], env=env, stderr=log,
                                     stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        log.close()
        self.addCleanup(self.proc.wait)
        self.addCleanup(self.proc.kill)
        port_file = os.path.join(d, "port")
        deadline = time.monotonic() + 60
        while not os.path.exists(port_file):
            self.assertIsNone(self.proc.poll(), self.log())
            self.assertLess(time.monotonic(), deadline, self.log())
            time.sleep(0.02)
        with open(port_file) as f:
            self.port = int(f.read())  # written to a temporary file, then renamed

    def write_conf(self, level):
        with open(self.conf, "w") as f:
            f.write('listen = "127.0.0.1:0"\ndata-dir = "%s"\nport-file = "%s"\ndev = true\n'
                    'tls-cert = "%s"\ntls-key = "%s"\nlog-level = "%s"\n'
                    % (self.dir, os.path.join(self.dir, "port"), self.cert, self.key, level))

    def install(self, cert, key):
        shutil.copyfile(cert, self.cert)
        shutil.copyfile(key, self.key)

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def hup(self, expect):
        """SIGHUP, then wait for the reload's log line containing `expect`; returns what the
        reload logged."""
        before = len(self.log())
        self.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 60
        while expect not in self.log()[before:]:
            self.assertIsNone(self.proc.poll(), self.log())
            self.assertLess(time.monotonic(), deadline, self.log()[before:])
            time.sleep(0.02)
        return self.log()[before:]

    def served_subject(self):
        """The subject of the certificate a new connection gets, as openssl s_client sees it."""
        r = run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % self.port], input="")
        self.assertIn("-----BEGIN CERTIFICATE-----", r.stdout, r.stderr)
        return self.subject(r.stdout)

    def subject(self, pem):
        x = run(["openssl", "x509", "-noout", "-subject", "-nameopt", "RFC2253"], input=pem)
        self.assertEqual(x.returncode, 0, x.stderr)
        return x.stdout.strip()

    def connection(self):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return http.client.HTTPSConnection("127.0.0.1", self.port, context=ctx, timeout=30)

    def get(self, conn, request_id):
        conn.request("GET", "/healthz", headers={"X-Request-Id": request_id})
        resp = conn.getresponse()
        resp.read()
        self.assertEqual(resp.status, 200)

    def test_the_certificate_is_reloaded_and_a_bad_one_keeps_the_old(self):
        self.assertEqual(self.served_subject(), "subject=CN=signet-a")
        kept = self.connection()  # opened before the reload: keeps working
        self.get(kept, "before-reload")
        self.install(*self.b)
        said = self.hup("new connections use them")
        self.assertIn("TLS certificate %s and key loaded" % self.cert, said)
        self.assertEqual(self.served_subject(), "subject=CN=signet-b")
        self.get(kept, "on-the-old-connection")
        self.assertEqual(self.subject(ssl.DER_cert_to_PEM_cert(kept.sock.getpeercert(True))),
                         "subject=CN=signet-a")
        kept.close()
        # Not a certificate: an error naming the file, and signet-b stays.
        with open(self.cert, "w") as f:
            f.write("not a certificate\n")
        said = self.hup("keep the previous certificate")
        self.assertRegex(said, r"error .*reload: cannot load TLS certificate %s: .*; new connections "
                               r"keep the previous certificate" % re.escape(self.cert))
        self.assertEqual(self.served_subject(), "subject=CN=signet-b")
        # A key that is not the certificate's: refused too.
        shutil.copyfile(self.a[0], self.cert)
        said = self.hup("keep the previous certificate")
        self.assertIn("cannot load TLS key %s" % self.key, said)
        self.assertEqual(self.served_subject(), "subject=CN=signet-b")
        # Fixed files: the next reload takes them.
        self.install(*self.a)
        self.hup("new connections use them")
        self.assertEqual(self.served_subject(), "subject=CN=signet-a")
        self.assertIsNone(self.proc.poll())

    def test_the_log_level_is_reloaded_from_the_config_file(self):
        conn = self.connection()
        self.get(conn, "logged-at-info")
        self.write_conf("warn")
        self.assertIn("reload: log level info -> warn", self.hup("log level info -> warn"))
        self.get(conn, "not-logged-at-warn")
        self.write_conf("loud")  # not a level: an error, and warn stays
        said = self.hup("is not one of debug, info, warn, error")
        self.assertIn("log-level 'loud' is not one of debug, info, warn, error; the log level "
                      "stays warn", said)
        self.get(conn, "still-not-logged")
        with open(self.conf, "a") as f:
            f.write("no-such-key = 1\n")  # a broken file: an error, and warn stays
        self.assertIn("unknown key 'no-such-key'", self.hup("the log level stays warn"))
        self.write_conf("info")
        self.hup("log level warn -> info")
        self.get(conn, "logged-again")
        deadline = time.monotonic() + 30
        while "req=logged-again" not in self.log():
            self.assertLess(time.monotonic(), deadline, self.log())
            time.sleep(0.02)
        conn.close()
        log = self.log()
        self.assertIn("req=logged-at-info", log)
        self.assertNotIn("req=not-logged-at-warn", log)
        self.assertNotIn("req=still-not-logged", log)
        self.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.proc.wait(timeout=30), 0)


# What the signet-pkcs11 package holds instead of signet.
MODULE_FILES = [MODULE, "usr/lib/signet/libsignet-pkcs11.so",
                "usr/share/doc/signet-pkcs11/pkcs11.md",
                "usr/share/doc/signet-pkcs11/examples/pkcs11.json",
                "usr/share/doc/signet-pkcs11/copyright", "usr/share/doc/signet-pkcs11/changelog.gz"]

# What `make install` puts under signet's docs and the package puts under signet-pkcs11's.
MOVED = ["usr/share/doc/signet/examples/pkcs11.json", "usr/share/doc/signet/pkcs11.md"]


_PACKAGES = []  # [folder, signet .deb, signet-pkcs11 .deb] once built


def built_packages():
    """make-deb.sh's two packages, built once for the classes that need them."""
    if not _PACKAGES:
        out = tempfile.mkdtemp(prefix="signet-deb-")
        os.chmod(out, 0o755)
        r = run([os.path.join(REPO_DIR, "scripts", "make-deb.sh"), BUILD_DIR, out])
        assert r.returncode == 0, r.stdout + r.stderr
        _PACKAGES.extend([out] + r.stdout.strip().splitlines()[-2:])
    return _PACKAGES[1], _PACKAGES[2]


def tearDownModule():
    if _PACKAGES:
        shutil.rmtree(_PACKAGES[0], ignore_errors=True)


class DebianPackage(SignetTestCase):
    @classmethod
    def setUpClass(cls):
        if SANITIZED:
            raise unittest.SkipTest("packaging is checked on the release build (see SANITIZED)")
        cls.tmp = tempfile.mkdtemp(prefix="signet-deb-")
        cls.deb, cls.module_deb = built_packages()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def names(self, deb):
        listing = run(["dpkg-deb", "-c", deb]).stdout
        for line in listing.splitlines():
            self.assertIn(" root/root ", line)  # owned by root, whoever built it
        return {line.split()[5].lstrip(".").lstrip("/") for line in listing.splitlines()}

    def test_the_package_holds_every_file_and_its_scripts(self):
        self.assertRegex(os.path.basename(self.deb), r"^signet_[0-9.]+_[a-z0-9]+\.deb$")
        names = self.names(self.deb)
        for rel in FILES + ["usr/share/doc/signet/copyright", "usr/share/doc/signet/changelog.gz"]:
            if rel not in MODULE_FILES + MOVED:
                self.assertIn(rel, names)
        for rel in MODULE_FILES + MOVED:
            self.assertNotIn(rel, names)  # in signet-pkcs11 only
        fields = run(["dpkg-deb", "-f", self.deb, "Package", "Depends", "Architecture",
                      "Suggests"]).stdout
        self.assertIn("Package: signet\n", fields)
        self.assertIn("Suggests: signet-pkcs11", fields)
        # libpq5 and libcurl4 are loaded at run time (common/shared_library.h): named by hand.
        for dep in ("adduser", "libsystemd0", "libssl3", "libsqlite3-0", "libpq5", "libcurl4"):
            self.assertIn(dep, fields)
        ctrl = os.path.join(self.tmp, "control")
        self.assertEqual(run(["dpkg-deb", "-e", self.deb, ctrl]).returncode, 0)
        with open(os.path.join(ctrl, "conffiles")) as f:
            self.assertEqual(f.read().split(), ["/etc/signet/signetd.conf"])
        with open(os.path.join(ctrl, "postinst")) as f:
            postinst = f.read()
        self.assertIn("adduser --system --group --home /var/lib/signet", postinst)
        self.assertIn("/etc/signet/root.key", postinst)
        for script in ("postinst", "prerm", "postrm"):
            self.assertEqual(run(["sh", "-n", os.path.join(ctrl, script)]).returncode, 0, script)
        # The binaries are stripped.
        data = os.path.join(self.tmp, "data")
        self.assertEqual(run(["dpkg-deb", "-x", self.deb, data]).returncode, 0)
        r = run(["file", "-L", os.path.join(data, "usr/bin/signetd")])
        if r.returncode == 0:
            self.assertIn("stripped", r.stdout)
            self.assertNotIn("not stripped", r.stdout)

    def test_the_module_package_holds_the_module_and_its_example(self):
        self.assertRegex(os.path.basename(self.module_deb),
                         r"^signet-pkcs11_[0-9.]+_[a-z0-9]+\.deb$")
        names = self.names(self.module_deb)
        for rel in MODULE_FILES:
            self.assertIn(rel, names)
        self.assertFalse([n for n in names if n.startswith(("usr/bin/", "etc/", "lib/systemd"))],
                         names)
        fields = run(["dpkg-deb", "-f", self.module_deb, "Package", "Depends", "Section"]).stdout
        self.assertIn("Package: signet-pkcs11\n", fields)
        self.assertIn("libssl3", fields)
        for dep in ("adduser", "libsystemd0", "libsqlite3"):  # nothing of the server
            self.assertNotIn(dep, fields)
        ctrl = os.path.join(self.tmp, "module-control")
        self.assertEqual(run(["dpkg-deb", "-e", self.module_deb, ctrl]).returncode, 0)
        self.assertEqual(sorted(os.listdir(ctrl)), ["control", "md5sums"])  # no scripts
        data = os.path.join(self.tmp, "module-data")
        self.assertEqual(run(["dpkg-deb", "-x", self.module_deb, data]).returncode, 0)
        self.assertEqual(os.readlink(os.path.join(data, "usr/lib/signet/libsignet-pkcs11.so")),
                         "../%s/pkcs11/libsignet-pkcs11.so" % MULTIARCH)
        # The example is valid JSON with the keys docs/pkcs11.md describes.
        with open(os.path.join(data, "usr/share/doc/signet-pkcs11/examples/pkcs11.json")) as f:
            example = json.load(f)
        self.assertEqual(sorted(example), sorted(["serverUrl", "clientId", "clientSecret",
                                                  "caCertPath", "cacheTtlSeconds",
                                                  "timeoutSeconds"]))
        # The packaged module loads through the link and initializes (the server it names is
        # not there: listing its tokens then fails, which is not what this checks).
        if shutil.which("pkcs11-tool"):
            config = os.path.join(self.tmp, "pkcs11.json")
            with open(config, "w") as f:
                json.dump({"serverUrl": "http://127.0.0.1:9", "token": "unused"}, f)
            r = run(["pkcs11-tool", "--module",
                     os.path.join(data, "usr/lib/signet/libsignet-pkcs11.so"), "--show-info"],
                    env=dict(os.environ, SIGNET_PKCS11_CONFIG=config))
            self.assertIn("Cryptoki version 2.40", r.stdout + r.stderr)
            self.assertIn("Manufacturer     Signet", r.stdout + r.stderr)

    def test_the_licence_is_apache_2(self):
        with open(os.path.join(REPO_DIR, "LICENSE")) as f:
            licence = f.read()
        self.assertTrue(licence.startswith("Copyright 2026 The Signet authors\n\n"))
        common = "/usr/share/common-licenses/Apache-2.0"
        if os.path.exists(common):
            with open(common) as f:
                self.assertTrue(licence.endswith(f.read()))
        data = os.path.join(self.tmp, "licence")
        self.assertEqual(run(["dpkg-deb", "-x", self.deb, data]).returncode, 0)
        with open(os.path.join(data, "usr/share/doc/signet/copyright")) as f:
            copyright = f.read()
        self.assertTrue(copyright.startswith(
            "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"))
        self.assertIn("Files: *\nCopyright: 2026 The Signet authors\nLicense: Apache-2.0\n",
                      copyright)
        self.assertNotIn("All rights reserved", copyright)

    def test_lintian_finds_no_errors_or_warnings(self):
        need("lintian")
        for deb in (self.deb, self.module_deb):
            r = run(["lintian", "--allow-root", "--tag-display-limit", "0", deb], timeout=600)
            found = [line for line in r.stdout.splitlines() if line.startswith(("E:", "W:"))]
            self.assertEqual(found, [], r.stdout)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


def dpkg(args, timeout=300):
    """dpkg (or apt-get) with the lock awaited: other jobs on the machine may hold it."""
    deadline = time.monotonic() + 180
    while True:
        r = run(args, timeout=timeout, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        if r.returncode == 0 or "lock" not in r.stderr or time.monotonic() > deadline:
            return r
        time.sleep(2)


def installed(package):
    r = run(["dpkg-query", "-W", "-f", "${Status}", package])
    return r.returncode == 0 and "installed" in r.stdout.split()


class InstalledPackage(SignetTestCase):
    """`dpkg -i` of both packages on this machine, the installed server run as the `signet`
    user with the installed settings and the root key the package made, signatures from the
    installed CLI and module checked with openssl, then `dpkg --remove` and `--purge`: the
    programs and (on purge) the settings go, /var/lib/signet and /etc/signet/root.key stay
    (together they are every signing key; operations.md says to delete them yourself), and so
    does the system user (Debian leaves system users in place). Root only (CI runs as root);
    the machine is left as it was: what the package keeps is removed at the end."""

    @classmethod
    def setUpClass(cls):
        if SANITIZED:
            raise unittest.SkipTest("packaging is checked on the release build (see SANITIZED)")
        if os.geteuid() != 0:
            raise unittest.SkipTest("installs the packages with dpkg: runs as root only (CI does)")
        for tool in ("dpkg", "dpkg-deb", "dpkg-shlibdeps", "pkcs11-tool", "openssl", "curl"):
            need(tool)
        for package in ("signet", "signet-pkcs11"):
            if installed(package):
                raise unittest.SkipTest("%s is installed on this machine already; this test "
                                        "installs onto a machine without it" % package)
        for path in ("/etc/signet", "/var/lib/signet"):
            if os.path.exists(path):
                raise unittest.SkipTest("%s exists on this machine; this test would change it"
                                        % path)
        if run(["getent", "passwd", "signet"]).returncode == 0:
            raise unittest.SkipTest("a user `signet` exists on this machine; this test would "
                                    "change it")
        cls.deb, cls.module_deb = built_packages()
        cls.tmp = tempfile.mkdtemp(prefix="signet-dpkg-")
        os.chmod(cls.tmp, 0o755)  # the signet user reaches its run folder in here

    @classmethod
    def tearDownClass(cls):
        # Leave the machine as it was: what dpkg keeps on purge, and the user it made.
        for package in ("signet-pkcs11", "signet"):
            if installed(package) or run(["dpkg-query", "-W", package]).returncode == 0:
                dpkg(["dpkg", "--purge", package])
        shutil.rmtree("/var/lib/signet", ignore_errors=True)
        shutil.rmtree("/etc/signet", ignore_errors=True)
        if run(["getent", "passwd", "signet"]).returncode == 0:
            run(["userdel", "signet"])
        if run(["getent", "group", "signet"]).returncode == 0:
            run(["groupdel", "signet"])
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def start_installed_signetd(self):
        """signetd as the unit starts it: user signet, /etc/signet/signetd.conf, the root key
        as a credential (a copy only the service user reads, as LoadCredential= makes it),
        working directory /var/lib/signet, umask 077; a loopback port picked at runtime."""
        run_dir = tempfile.mkdtemp(prefix="signetd-run-", dir=self.tmp)
        credentials = os.path.join(run_dir, "credentials")
        os.makedirs(credentials)
        shutil.copyfile("/etc/signet/root.key", os.path.join(credentials, "root-key"))
        os.chmod(os.path.join(credentials, "root-key"), 0o400)
        for path in (run_dir, credentials, os.path.join(credentials, "root-key")):
            shutil.chown(path, "signet", "signet")
        os.chmod(credentials, 0o500)
        port_file = os.path.join(run_dir, "port")
        log_path = os.path.join(self.tmp, "signetd.log")
        env = {"PATH": "/usr/bin:/bin", "CREDENTIALS_DIRECTORY": credentials}
        with open(log_path, "ab") as log:
            server = subprocess.Popen(
                ["/usr/bin/signetd", "--config", "/etc/signet/signetd.conf",
                 "--root-key-file", os.path.join(credentials, "root-key"),
                 "--listen", "127.0.0.1:0", "--port-file", port_file],
                user="signet", group="signet", extra_groups=[], umask=0o077,
                cwd="/var/lib/signet", env=env, stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 30
        while not os.path.exists(port_file) and server.poll() is None and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        with open(log_path) as f:
            self.assertTrue(os.path.exists(port_file), f.read())
        with open(port_file) as f:
            return server, "http://127.0.0.1:%d" % int(f.read()), log_path

    def test_install_run_sign_remove_purge(self):
        r = dpkg(["dpkg", "-i", self.deb, self.module_deb])
        if r.returncode != 0:  # dependencies: from what apt has already, never the network
            r = dpkg(["apt-get", "install", "-f", "-y", "--no-download",
                      "-o", "DPkg::Lock::Timeout=120"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(installed("signet") and installed("signet-pkcs11"))
        self.assertIn("created the root key /etc/signet/root.key", r.stdout)

        # What postinst made: a system user, its state folder, the root key (root only).
        user = run(["getent", "passwd", "signet"]).stdout.strip().split(":")
        self.assertEqual(user[5], "/var/lib/signet", user)
        self.assertLess(int(user[2]), 1000, user)  # a system user
        self.assertIn("nologin", user[6], user)
        st = os.stat("/var/lib/signet")
        self.assertEqual((st.st_uid, st.st_mode & 0o777), (int(user[2]), 0o700))
        st = os.stat("/etc/signet/root.key")
        self.assertEqual((st.st_uid, st.st_mode & 0o777), (0, 0o600))
        with open("/etc/signet/root.key") as f:
            self.assertEqual(len(base64.b64decode(f.read().strip())), 32)
        for path in ("/etc/signet/signetd.conf", "/lib/systemd/system/signetd.service",
                     "/usr/share/doc/signet/operations.md", "/usr/share/doc/signet/copyright",
                     "/usr/share/doc/signet-pkcs11/examples/pkcs11.json"):
            self.assertTrue(os.path.isfile(path), path)
        for package in ("signet", "signet-pkcs11"):
            with open("/usr/share/doc/%s/copyright" % package) as f:
                copyright = f.read()
            self.assertIn("\nLicense: Apache-2.0\n", copyright)
            self.assertIn("/usr/share/common-licenses/Apache-2.0", copyright)
        self.assertIn("signetd ", run(["/usr/bin/signetd", "--version"]).stdout)
        self.assertIn("signet ", run(["/usr/bin/signet", "--version"]).stdout)
        module = "/usr/lib/signet/libsignet-pkcs11.so"
        self.assertEqual(os.path.realpath(module), "/" + MODULE)

        server, url, log_path = self.start_installed_signetd()
        try:
            self.sign_with_the_installed_tools(url)
            self.assertEqual(os.stat("/var/lib/signet/signet.db").st_uid, int(user[2]))
        finally:
            server.send_signal(signal.SIGTERM)
            rc = server.wait(timeout=30)
        with open(log_path) as f:
            self.assertEqual(rc, 0, f.read())

        # Remove: the programs go; the settings, the state and the root key stay.
        r = dpkg(["dpkg", "--remove", "signet-pkcs11", "signet"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        for path in ("/usr/bin/signetd", "/usr/bin/signet", module, "/" + MODULE,
                     "/lib/systemd/system/signetd.service"):
            self.assertFalse(os.path.lexists(path), path)
        for path in ("/etc/signet/signetd.conf", "/etc/signet/root.key",
                     "/var/lib/signet/signet.db"):
            self.assertTrue(os.path.exists(path), path)
        # Purge: the settings go too; the database and the root key stay (postrm,
        # operations.md), as does the system user.
        r = dpkg(["dpkg", "--purge", "signet-pkcs11", "signet"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertFalse(os.path.exists("/etc/signet/signetd.conf"))
        self.assertNotEqual(run(["dpkg-query", "-W", "signet"]).returncode, 0)
        self.assertFalse(os.path.lexists(
            "/etc/systemd/system/multi-user.target.wants/signetd.service"))
        for path in ("/etc/signet/root.key", "/var/lib/signet/signet.db"):
            self.assertTrue(os.path.exists(path), path)
        self.assertEqual(run(["getent", "passwd", "signet"]).returncode, 0)

    def sign_with_the_installed_tools(self, url):
        home = os.path.join(self.tmp, "home")
        os.makedirs(home, exist_ok=True)
        env = {"PATH": "/usr/bin:/bin", "HOME": home}
        admin = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        r = run(["curl", "-sf", url + "/api/v1/admin/bootstrap", "-H",
                 "Content-Type: application/json", "-d", json.dumps(admin)])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        def signet(*args, **kw):
            r = run(["/usr/bin/signet"] + list(args), env=env, **kw)
            self.assertEqual(r.returncode, 0, "signet %s: %s%s" % (args, r.stdout, r.stderr))
            return r.stdout

        signet("login", "--server", url, "--email", ADMIN_EMAIL, "--password-stdin",
               input=ADMIN_PASSWORD + "\n")
        signet("ca", "create", "--common-name", "Installed Root", "--key-algorithm", "EC_prime256v1")
        issued = signet("certificates", "issue", "--ca", "Installed Root", "--common-name",
                        "Installed Release", "--key-algorithm", "EC_prime256v1")
        certificate = re.search(r"Certificate ID:\s+(\S+)", issued).group(1)
        signet("signers", "create", "--name", "release", "--certificate", certificate)
        payload = os.path.join(home, "app.bin")
        with open(payload, "wb") as f:
            f.write(os.urandom(20000))
        signet("sign", "--signer", "release", "--algorithm", "ECDSA_SHA256", "--in", payload)
        public_key = os.path.join(home, "release.pub.pem")
        with open(public_key, "w") as f:
            f.write(signet("signers", "public-key", "release"))
        r = run(["openssl", "dgst", "-sha256", "-verify", public_key, "-signature",
                 payload + ".sig", payload])
        self.assertIn("Verified OK", r.stdout, r.stderr)

        # The installed module, with a machine identity's secret, by the path the docs use.
        signet("identities", "create", "--name", "build-machine")
        secret = signet("identities", "create-secret", "build-machine")
        client_id = re.search(r"[Cc]lient ?[Ii][Dd]:?\s+(\S+)", secret).group(1)
        client_secret = re.search(r"sgs_\S+", secret).group(0)
        signet("signers", "members", "add", "release", "--identity", "build-machine",
               "--role", "operator")
        conf = os.path.join(home, "pkcs11.json")
        with open(conf, "w") as f:
            json.dump({"serverUrl": url, "clientId": client_id, "clientSecret": client_secret}, f)
        r = run(["pkcs11-tool", "--module", "/usr/lib/signet/libsignet-pkcs11.so",
                 "--token-label", "release", "--sign", "-m", "ECDSA-SHA256",
                 "--signature-format", "openssl", "-i", payload, "-o", payload + ".p11.sig"],
                env=dict(env, SIGNET_PKCS11_CONFIG=conf))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = run(["openssl", "dgst", "-sha256", "-verify", public_key, "-signature",
                 payload + ".p11.sig", payload])
        self.assertIn("Verified OK", r.stdout, r.stderr)


if __name__ == "__main__":
    unittest.main()
