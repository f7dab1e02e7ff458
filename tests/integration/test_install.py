#!/usr/bin/env python3
"""Installing Signet (issue 19): `cmake --install` into a DESTDIR lays out every file, the
installed signetd, signet and PKCS#11 module work from there, the man pages render without
warnings, the bash completion completes, the systemd unit verifies (systemd-analyze),
signetd reports readiness, stopping and watchdog pings with sd_notify and reloads its TLS
certificate and log level on SIGHUP; `make deb`'s packages (scripts/make-deb.sh) signet and
signet-pkcs11 hold those files between them, declare their dependencies and pass lintian without
errors."""
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
        tool = need("pkcs11-tool")
        conf = os.path.join(self.tmp, "pkcs11.json")
        with open(conf, "w") as f:
            json.dump({"serverUrl": url}, f)
        r = run([tool, "--module", self.path("usr/lib/signet/libsignet-pkcs11.so"), "--show-info"],
                env=dict(os.environ, SIGNET_PKCS11_CONFIG=conf))
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


class DebianPackage(SignetTestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="signet-deb-")
        r = run([os.path.join(REPO_DIR, "scripts", "make-deb.sh"), BUILD_DIR, cls.tmp])
        assert r.returncode == 0, r.stdout + r.stderr
        cls.deb, cls.module_deb = r.stdout.strip().splitlines()[-2:]

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
        for dep in ("adduser", "libsystemd0", "libssl3", "libsqlite3-0"):
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

    def test_lintian_finds_no_errors(self):
        need("lintian")
        for deb in (self.deb, self.module_deb):
            r = run(["lintian", "--allow-root", "--no-tag-display-limit", deb], timeout=600)
            errors = [line for line in r.stdout.splitlines() if line.startswith("E:")]
            self.assertEqual(errors, [], r.stdout)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()
