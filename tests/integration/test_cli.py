#!/usr/bin/env python3
"""Integration tests of the `signet` command-line client (SPEC §9) against a real signetd.

One server is shared by the module (an org admin, a CA and three signers: RSA_2048,
EC_prime256v1, EC_secp384r1). Every CLI run gets its own HOME (so its own config file) and an
environment without SIGNET_* variables unless the test sets them. Signatures made by
`signet sign` are checked with the `openssl` command.
"""

import json
import os
import pty
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from signet_testlib import (  # noqa: E402
    start_module_server,
    ADMIN_EMAIL, ADMIN_PASSWORD, BUILD_DIR, EC_ALGORITHMS, RSA_ALGORITHMS, USER_PASSWORD,
    SignetServer, SignetTestCase, add_project_member, bootstrap_admin, create_ca,
    create_code_signer, create_identity, create_user, default_project_id, make_local_key_and_cert,
    openssl_verify, read_file, run_openssl, signer_public_key_pem, unique, write_file)

SIGNET = os.path.join(BUILD_DIR, "bin", "signet")
SIGNERS = "/api/v1/pki/signers"
RSS_LIMIT_KIB = 32 * 1024
if os.environ.get("SIGNET_SANITIZE", "").upper() in ("ON", "1", "TRUE"):
    # AddressSanitizer's shadow memory and quarantine cost tens of MiB by themselves; the
    # bound then only shows that the 1 GiB file is streamed, not read into memory.
    RSS_LIMIT_KIB = 256 * 1024
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class Fixture:
    server = None
    api = None
    admin_token = None
    project_id = None
    ca = None
    signers = {}   # key algorithm -> signer
    pubkeys = {}   # signer id -> PEM


F = Fixture


def setUpModule():
    if not os.path.exists(SIGNET):
        if os.environ.get("SIGNET_BUILD_DIR"):
            raise RuntimeError("signet not built: %s" % SIGNET)
        raise unittest.SkipTest("signet not built: %s" % SIGNET)

    def set_up():
        F.project_id = default_project_id(F.api, F.admin_token)
        F.ca = create_ca(F.api, F.admin_token, "EC_prime256v1", "Signet CLI IT Root")
        for alg in ("RSA_2048", "EC_prime256v1", "EC_secp384r1"):
            s = create_code_signer(F.api, F.admin_token, F.ca["id"], alg, unique("cli"))
            F.signers[alg] = s
            F.pubkeys[s["id"]] = signer_public_key_pem(F.api, F.admin_token, s["id"])

    start_module_server(F, set_up)


def tearDownModule():
    if F.server is not None:
        F.server.cleanup()


class Result:
    def __init__(self, code, out, err):
        self.code = code
        self.out = out
        self.err = err

    def json(self):
        return json.loads(self.out)

    def __repr__(self):
        return "exit %d\n--- stdout\n%s\n--- stderr\n%s" % (self.code, self.out, self.err)


class CliTestCase(SignetTestCase):
    """Runs `signet` with a private HOME; self.home is logged out until login_admin()."""

    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="signet-cli-home-")
        self.addCleanup(shutil.rmtree, self.home, True)
        self.work = tempfile.mkdtemp(prefix="signet-cli-files-")
        self.addCleanup(shutil.rmtree, self.work, True)

    def env(self, home=None, extra=None):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("SIGNET_") and k != "XDG_CONFIG_HOME"}
        env["HOME"] = home or self.home
        env.update(extra or {})
        return env

    def cli(self, *args, stdin=None, home=None, env=None, timeout=120, prefix=None, cwd=None):
        cmd = (prefix or []) + [SIGNET] + [str(a) for a in args]
        proc = subprocess.run(cmd, input=(stdin or "").encode(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=self.env(home, env), timeout=timeout,
                              cwd=cwd)
        return Result(proc.returncode, proc.stdout.decode("utf-8", "replace"),
                      proc.stderr.decode("utf-8", "replace"))

    def ok(self, *args, **kw):
        r = self.cli(*args, **kw)
        self.assertEqual(r.code, 0, "signet %s failed: %r" % (" ".join(map(str, args)), r))
        return r

    def fails(self, code, *args, contains=None, **kw):
        """Asserts exit `code` and one line "signet: ..." on stderr."""
        r = self.cli(*args, **kw)
        self.assertEqual(r.code, code, "signet %s: expected exit %d: %r"
                         % (" ".join(map(str, args)), code, r))
        lines = r.err.strip("\n").split("\n")
        self.assertEqual(len(lines), 1, "expected one error line: %r" % r)
        self.assertTrue(lines[0].startswith("signet: "), r)
        if contains:
            self.assertIn(contains.lower(), r.err.lower(), r)
        return r

    def login(self, email, password, home=None):
        return self.ok("login", "--server", F.server.base_url, "--email", email,
                       "--password-stdin", stdin=password + "\n", home=home)

    def login_admin(self, home=None):
        return self.login(ADMIN_EMAIL, ADMIN_PASSWORD, home)

    def config_path(self, home=None):
        return os.path.join(home or self.home, ".config", "signet", "config.json")

    def new_user(self, role="member"):
        user, token = create_user(F.api, F.admin_token, role=role)
        add_project_member(F.api, F.admin_token, F.project_id, user_id=user["id"])
        home = tempfile.mkdtemp(prefix="signet-cli-home-")
        self.addCleanup(shutil.rmtree, home, True)
        self.login(user["email"], USER_PASSWORD, home=home)
        return user, home

    def write(self, name, content):
        return write_file(os.path.join(self.work, name), content)


class UnknownCommandTest(CliTestCase):
    def test_unknown_commands_are_named_with_the_closest_one(self):
        self.fails(1, "reqests", "list",
                   contains="unknown command 'reqests'; did you mean 'requests'?")
        self.fails(1, "--json", "requests", "aprove", "x",
                   contains="unknown command 'aprove' for 'signet requests'; did you mean 'approve'?")
        self.fails(1, "--timeout", "5", "signers", "lst", contains="did you mean 'list'?")
        r = self.fails(1, "frobnicate", contains="unknown command 'frobnicate'")
        self.assertNotIn("did you mean", r.err)


class LoginTest(CliTestCase):

    def test_user_login_writes_config_0600_and_whoami(self):
        r = self.login_admin()
        self.assertIn(ADMIN_EMAIL, r.out)
        path = self.config_path()
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode), 0o700)
        config = json.loads(read_file(path))
        self.assertEqual(config["serverUrl"], F.server.base_url)
        self.assertTrue(config["token"])
        self.assertEqual(config["principal"], {"type": "user", "name": ADMIN_EMAIL})
        # The password never lands in the config file or on stdout.
        self.assertNotIn(ADMIN_PASSWORD, read_file(path))
        self.assertNotIn(ADMIN_PASSWORD, r.out + r.err)
        who = self.ok("whoami")
        self.assertIn(ADMIN_EMAIL, who.out)
        self.assertIn(F.server.base_url, who.out)
        data = self.ok("whoami", "--json").json()
        self.assertEqual(data["principal"], {"type": "user", "name": ADMIN_EMAIL})
        self.assertTrue(data["authenticated"])
        # The token in the file is a working API token.
        self.assertOk(F.api.call("GET", SIGNERS, token=config["token"]))

    def test_a_relative_ca_cert_is_kept_as_an_absolute_path(self):
        # Issue 19: `signet login --ca-cert ca.pem` stored "ca.pem", and every later command
        # run from another folder failed to read it.
        _, ca_pem = make_local_key_and_cert(self.work, ekus=None, ca=True,
                                            key_usage="critical,keyCertSign")
        self.write("ca.pem", ca_pem)
        self.ok("login", "--server", F.server.base_url, "--ca-cert", "ca.pem", "--email",
                ADMIN_EMAIL, "--password-stdin", stdin=ADMIN_PASSWORD + "\n", cwd=self.work)
        config = json.loads(read_file(self.config_path()))
        self.assertEqual(config["caCertPath"], os.path.join(self.work, "ca.pem"))
        elsewhere = tempfile.mkdtemp(prefix="signet-cli-elsewhere-")
        self.addCleanup(shutil.rmtree, elsewhere, True)
        who = self.ok("whoami", "--json", cwd=elsewhere)
        self.assertTrue(who.json()["authenticated"])

    def test_wrong_password_and_missing_stdin_flag(self):
        self.fails(2, "login", "--server", F.server.base_url, "--email", ADMIN_EMAIL,
                   "--password-stdin", stdin="wrong password\n")
        self.assertFalse(os.path.exists(self.config_path()))
        self.fails(1, "login", "--server", F.server.base_url, "--email", ADMIN_EMAIL,
                   contains="--password-stdin")
        self.fails(1, "login", "--server", F.server.base_url, "--email", ADMIN_EMAIL,
                   "--password-stdin", stdin="", contains="empty")
        self.fails(1, "login", "--server", F.server.base_url, contains="--email")

    def test_machine_identity_login(self):
        self.login_admin()
        name = unique("ci")
        ident = self.ok("identities", "create", "--name", name, "--json").json()
        self.assertEqual(ident["name"], name)
        secret = self.ok("identities", "create-secret", name, "--json").json()
        self.assertTrue(secret["clientSecret"])
        machine_home = tempfile.mkdtemp(prefix="signet-cli-home-")
        self.addCleanup(shutil.rmtree, machine_home, True)
        self.ok("login", "--server", F.server.base_url, "--client-id", secret["clientId"],
                "--client-secret-stdin", stdin=secret["clientSecret"], home=machine_home)
        config = json.loads(read_file(self.config_path(machine_home)))
        self.assertEqual(config["principal"], {"type": "identity", "name": secret["clientId"]})
        self.assertEqual(stat.S_IMODE(os.stat(self.config_path(machine_home)).st_mode), 0o600)
        who = self.ok("whoami", home=machine_home)
        self.assertIn("Machine identity", who.out)
        self.fails(2, "login", "--server", F.server.base_url, "--client-id",
                   secret["clientId"], "--client-secret-stdin", stdin="not-the-secret",
                   home=machine_home)
        self.fails(1, "login", "--server", F.server.base_url, "--client-id", secret["clientId"],
                   home=machine_home, contains="--client-secret-stdin")
        self.ok("identities", "delete", name)
        self.fails(4, "identities", "delete", name)

    def test_environment_token_and_server(self):
        env = {"SIGNET_SERVER_URL": F.server.base_url, "SIGNET_TOKEN": F.admin_token}
        listed = self.ok("signers", "list", "--json", env=env).json()
        self.assertIn(F.signers["RSA_2048"]["id"], [s["id"] for s in listed["signers"]])
        self.assertFalse(os.path.exists(self.config_path()))
        who = self.ok("whoami", env=env)
        self.assertIn("environment", who.out)
        # `login` keeps a working environment token in the config file.
        self.ok("login", env=env)
        self.assertEqual(json.loads(read_file(self.config_path()))["token"], F.admin_token)
        self.fails(2, "signers", "list", env={"SIGNET_SERVER_URL": F.server.base_url,
                                              "SIGNET_TOKEN": "sgt_bogus"})
        # Flags win over the environment.
        self.fails(5, "signers", "list", "--server", "http://127.0.0.1:1", env=env)

    def test_xdg_config_home(self):
        xdg = os.path.join(self.work, "xdg")
        self.ok("login", "--server", F.server.base_url, "--email", ADMIN_EMAIL,
                "--password-stdin", stdin=ADMIN_PASSWORD, env={"XDG_CONFIG_HOME": xdg})
        path = os.path.join(xdg, "signet", "config.json")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        self.assertFalse(os.path.exists(self.config_path()))
        self.ok("whoami", env={"XDG_CONFIG_HOME": xdg})

    def test_logout_revokes_and_forgets_the_token(self):
        self.login_admin()
        token = json.loads(read_file(self.config_path()))["token"]
        self.ok("logout")
        config = json.loads(read_file(self.config_path()))
        self.assertNotIn("token", config)
        self.assertEqual(config["serverUrl"], F.server.base_url)
        self.assertEqual(F.api.call("GET", SIGNERS, token=token)[0], 401)
        self.fails(2, "signers", "list", contains="not logged in")
        self.fails(2, "logout")

    def test_usage_and_network_errors(self):
        self.fails(1, "frobnicate")
        self.fails(1, "signers")
        self.fails(1, "signers", "create", "--name", "x", contains="--certificate")
        self.fails(1, "signers", "list", contains="no server")
        self.fails(5, "signers", "list", env={"SIGNET_SERVER_URL": "http://127.0.0.1:1",
                                              "SIGNET_TOKEN": "t"})
        help_ = self.ok("--help")
        for command in ("login", "logout", "whoami", "signers", "certificates", "ca", "policies",
                        "request", "requests", "grants", "sign", "verify", "operations",
                        "audit", "users", "identities"):
            self.assertIn(command, help_.out)
        self.assertIn("--json", self.ok("signers", "list", "--help").out + help_.out)


class ManagementTest(CliTestCase):

    def setUp(self):
        super().setUp()
        self.login_admin()

    def issue(self, key_algorithm="EC_prime256v1"):
        return self.ok("certificates", "issue", "--ca", F.ca["id"], "--common-name",
                       unique("cn"), "--key-algorithm", key_algorithm, "--json").json()

    def test_ca_commands(self):
        cn = "CLI CA " + unique("x")
        ca = self.ok("ca", "create", "--common-name", cn, "--key-algorithm", "EC_secp384r1",
                     "--ttl-days", "100", "--json").json()
        self.assertEqual(ca["commonName"], cn)
        self.assertEqual(ca["keyAlgorithm"], "EC_secp384r1")
        sub = self.ok("ca", "create", "--common-name", cn + " sub", "--parent", cn,
                      "--json").json()
        self.assertEqual(sub["parentCaId"], ca["id"])
        table = self.ok("ca", "list", "--limit", "100").out
        self.assertIn(cn, table)
        self.assertTrue(table.startswith("COMMON NAME"))
        shown = self.ok("ca", "show", cn).out
        self.assertIn(ca["id"], shown)
        pem = self.ok("ca", "show", ca["id"], "--pem").out
        self.assertIn("-----BEGIN CERTIFICATE-----", pem)
        self.fails(4, "ca", "show", "no such ca " + unique("x"))
        self.fails(1, "ca", "create", "--common-name", "x", "--key-algorithm", "DSA_1024")

    def test_certificate_commands(self):
        out = os.path.join(self.work, "cert.pem")
        issued = self.ok("certificates", "issue", "--ca", "Signet CLI IT Root", "--common-name",
                         unique("cn"), "--out", out, "--json").json()
        cid = issued["certificateId"]
        self.assertIn("-----BEGIN CERTIFICATE-----", read_file(out))
        code, text = run_openssl(["x509", "-in", out, "-noout", "-ext", "extendedKeyUsage"])
        self.assertEqual(code, 0, text)
        self.assertIn("Code Signing", text)
        listed = self.ok("certificates", "list", "--code-signing", "--limit", "100",
                         "--json").json()
        self.assertIn(cid, [c["id"] for c in listed["certificates"]])
        self.assertIn(cid, self.ok("certificates", "show", cid).out)
        self.assertIn("-----BEGIN CERTIFICATE-----",
                      self.ok("certificates", "show", cid, "--pem").out)
        revoked = self.ok("certificates", "revoke", cid, "--json").json()
        self.assertEqual(revoked["status"], "revoked")
        self.fails(4, "certificates", "show", "00000000-0000-4000-8000-000000000000")

        # Import PEM, then PKCS#12 with the password on stdin.
        key_pem, cert_pem = make_local_key_and_cert(self.work)
        imported = self.ok("certificates", "import", "--cert", self.write("c.pem", cert_pem),
                           "--key", self.write("k.pem", key_pem), "--json").json()
        self.assertEqual(imported["status"], "active")
        key_pem2, cert_pem2 = make_local_key_and_cert(self.work, key="rsa")
        p12 = os.path.join(self.work, "x.p12")
        code, text = run_openssl(["pkcs12", "-export", "-inkey", self.write("k2.pem", key_pem2),
                                  "-in", self.write("c2.pem", cert_pem2), "-out", p12,
                                  "-passout", "pass:p12 secret"])
        self.assertEqual(code, 0, text)
        self.fails(1, "certificates", "import", "--pkcs12", p12, "--password-stdin",
                   stdin="wrong", contains="password")
        imported2 = self.ok("certificates", "import", "--pkcs12", p12, "--password-stdin",
                            "--json", stdin="p12 secret").json()
        self.assertEqual(imported2["keyAlgorithm"], "RSA_2048")
        self.fails(1, "certificates", "import", "--cert", self.write("c3.pem", cert_pem))

        # CSR, signed by a local openssl CA, imported back.
        csr_file = os.path.join(self.work, "req.csr")
        pending = self.ok("certificates", "csr", "--common-name", unique("csr"),
                          "--organization", "Example", "--out", csr_file, "--json").json()
        self.assertIn("BEGIN CERTIFICATE REQUEST", read_file(csr_file))
        ca_key, ca_cert = make_local_key_and_cert(self.work, ekus=None, ca=True,
                                                  key_usage="critical,keyCertSign,cRLSign")
        ext = self.write("ext.cnf", "keyUsage=critical,digitalSignature\n"
                                    "extendedKeyUsage=codeSigning\n")
        signed = os.path.join(self.work, "signed.pem")
        code, text = run_openssl(["x509", "-req", "-in", csr_file, "-CA",
                                  self.write("ca.pem", ca_cert), "-CAkey",
                                  self.write("cakey.pem", ca_key), "-CAcreateserial", "-days",
                                  "30", "-extfile", ext, "-out", signed])
        self.assertEqual(code, 0, text)
        done = self.ok("certificates", "import", "--certificate-id", pending["certificateId"],
                       "--cert", signed, "--chain", os.path.join(self.work, "ca.pem"),
                       "--json").json()
        self.assertEqual(done["status"], "active")
        signer = self.ok("signers", "create", "--name", unique("csr"), "--certificate",
                         pending["certificateId"], "--json").json()
        self.assertEqual(signer["certificateId"], pending["certificateId"])

    def test_signer_commands(self):
        cert = self.issue()
        name = unique("mgmt")
        created = self.ok("signers", "create", "--name", name, "--certificate",
                          cert["certificateId"], "--description", "CLI test", "--json").json()
        sid = created["id"]
        self.assertEqual(created["name"], name)
        # The JSON is the API's object.
        self.assertEqual(self.ok("signers", "show", name, "--json").json(),
                         self.assertOk(F.api.call("GET", "%s/%s" % (SIGNERS, sid))))
        table = self.ok("signers", "list", "--search", name).out.splitlines()
        self.assertEqual(table[0].split()[:3], ["NAME", "ID", "STATUS"])
        self.assertEqual(table[1].split()[:3], [name, sid, "active"])
        self.assertIn("CLI test", self.ok("signers", "show", sid).out)
        updated = self.ok("signers", "update", name, "--description", "changed", "--status",
                          "disabled", "--json").json()
        self.assertEqual((updated["description"], updated["status"]), ("changed", "disabled"))
        data = self.write("d.bin", b"payload")
        self.fails(1, "sign", "--signer", name, "--algorithm", "ECDSA_SHA256", "--in", data,
                   contains="disabled")
        self.ok("signers", "update", sid, "--status", "active")
        self.ok("sign", "--signer", name, "--algorithm", "ECDSA_SHA256", "--in", data)
        self.assertIn("-----BEGIN CERTIFICATE-----",
                      self.ok("signers", "certificate", name, "--chain").out)
        self.assertEqual(self.ok("signers", "public-key", name).out.strip(),
                         signer_public_key_pem(F.api, F.admin_token, sid).strip())
        self.fails(1, "signers", "create", "--name", "Bad Name", "--certificate",
                   cert["certificateId"])
        self.fails(1, "signers", "create", "--name", name, "--certificate", cert["certificateId"],
                   contains="")
        self.fails(1, "signers", "update", name)
        self.fails(4, "signers", "show", unique("missing"), contains="no signer named")
        deleted = self.ok("signers", "delete", name, "--json").json()
        self.assertEqual(deleted["id"], sid)
        self.fails(4, "signers", "show", sid)

    def test_signer_read_model_and_expired_status(self):
        cert = self.issue()
        name = unique("rm")
        self.ok("signers", "create", "--name", name, "--certificate", cert["certificateId"])
        got = self.assertOk(F.api.call("GET", SIGNERS, query={"search": name}))["signers"][0]
        table = self.ok("signers", "list", "--search", name).out.splitlines()
        self.assertEqual(table[0].split(), ["NAME", "ID", "STATUS", "CERTIFICATE", "EXPIRES",
                                            "POLICY", "LAST", "SIGNED"])
        self.assertIn(got["certificateCommonName"], table[1])
        self.assertIn(got["certificateNotAfter"], table[1])
        shown = self.ok("signers", "show", name).out
        for label, key in (("Common name", "certificateCommonName"),
                           ("Serial number", "certificateSerialNumber"),
                           ("Key algorithm", "certificateKeyAlgorithm"),
                           ("Key source", "certificateKeySource")):
            self.assertRegex(shown, r"(?m)^%s:\s+%s$" % (label, re.escape(got[key])))
        self.assertOk(F.api.call("POST", "/api/v1/pki/certificates/%s/revoke"
                                 % cert["certificateId"], {}))
        table = self.ok("signers", "list", "--search", name).out.splitlines()
        self.assertEqual(table[1].split()[2], "expired")
        self.assertRegex(self.ok("signers", "show", name).out, r"(?m)^Status:\s+expired$")
        self.assertEqual(self.ok("signers", "show", name, "--json").json()["status"], "expired")

    def test_members_and_permission_exit_codes(self):
        signer = create_code_signer(F.api, F.admin_token, F.ca["id"], "EC_prime256v1",
                                    unique("perm"))
        user, home = self.new_user()
        data = self.write("p.bin", b"permission data")
        # Not a member: the signer does not exist for this user.
        self.fails(4, "signers", "show", signer["name"], home=home)
        self.fails(4, "sign", "--signer", signer["id"], "--algorithm", "ECDSA_SHA256", "--in",
                   data, home=home)
        # Auditor: may read, may not sign (3).
        member = self.ok("signers", "members", "add", signer["name"], "--user", user["email"],
                         "--role", "auditor", "--json").json()
        self.assertEqual(member["role"], "auditor")
        self.ok("signers", "show", signer["name"], home=home)
        self.fails(3, "sign", "--signer", signer["name"], "--algorithm", "ECDSA_SHA256", "--in",
                   data, home=home)
        self.fails(3, "signers", "delete", signer["name"], home=home)
        self.fails(3, "audit", "verify", home=home)
        listed = self.ok("signers", "members", "list", signer["name"], "--json").json()
        self.assertIn(member["id"], [m["id"] for m in listed["members"]])
        self.ok("signers", "members", "remove", signer["name"], member["id"])
        self.ok("signers", "members", "add", signer["name"], "--user", user["id"], "--role",
                "operator")
        self.ok("sign", "--signer", signer["name"], "--algorithm", "ECDSA_SHA256", "--in",
                data, home=home)

    def test_users_and_identities(self):
        email = "%s@signet.test" % unique("cliuser")
        user = self.ok("users", "create", "--email", email, "--password-stdin", "--json",
                       stdin="a long enough password 1").json()
        self.assertEqual(user["email"], email)
        self.assertIn(email, self.ok("users", "list", "--limit", "100").out)
        self.assertIn(user["id"], self.ok("users", "show", email).out)
        self.assertEqual(self.ok("users", "update", email, "--role", "admin", "--json").json()[
            "orgRole"], "admin")
        home = tempfile.mkdtemp(prefix="signet-cli-home-")
        self.addCleanup(shutil.rmtree, home, True)
        self.login(email, "a long enough password 1", home=home)
        self.ok("users", "update", email, "--password-stdin", stdin="another password 22")
        self.fails(2, "login", "--server", F.server.base_url, "--email", email,
                   "--password-stdin", stdin="a long enough password 1", home=home)
        self.ok("users", "delete", email)
        self.fails(4, "users", "show", email)
        self.fails(1, "users", "create", "--email", email)
        name = unique("mi")
        self.ok("identities", "create", "--name", name)
        self.assertIn(name, self.ok("identities", "list", "--limit", "100").out)

    def test_operations_and_audit(self):
        signer = F.signers["EC_prime256v1"]
        data = self.write("ops.bin", os.urandom(1000))
        self.ok("sign", "--signer", signer["name"], "--algorithm", "ECDSA_SHA256", "--in", data,
                "--token", F.admin_token)
        ops = self.ok("operations", "--signer", signer["name"], "--status", "success",
                      "--limit", "1", "--json").json()
        op = ops["operations"][0]
        meta = op["clientMetadata"]
        self.assertEqual(meta["tool"], "signet")
        self.assertTrue(meta["hostname"])
        self.assertTrue(meta["osUsername"])
        self.assertIn("sign --signer", meta["command"])
        # The token given on the command line is redacted from the recorded command.
        self.assertNotIn(F.admin_token, meta["command"])
        self.assertIn("***", meta["command"])
        self.assertIn("success", self.ok("operations", "--signer", signer["id"]).out)
        events = self.ok("audit", "list", "--limit", "100", "--json").json()["auditLogs"]
        self.assertTrue(any(e["eventType"].startswith("sign") for e in events), events[:3])
        self.assertTrue(self.ok("audit", "list", "--limit", "5").out.startswith("SEQ"))
        self.assertIn("intact", self.ok("audit", "verify").out)
        self.assertTrue(self.ok("audit", "verify", "--json").json()["valid"])


class SignTest(CliTestCase):

    def setUp(self):
        super().setUp()
        self.login_admin()

    def openssl_check(self, path, sig_path, algorithm, signer_id):
        ok, out = openssl_verify(read_file(path, binary=True), read_file(sig_path, binary=True),
                                 algorithm, public_key_pem=F.pubkeys[signer_id])
        self.assertTrue(ok, "%s: %s" % (algorithm, out))

    def test_every_algorithm_verifies_with_openssl(self):
        data = self.write("in.bin", os.urandom(300000))
        cases = [("RSA_2048", a) for a in RSA_ALGORITHMS] + \
                [("EC_prime256v1", a) for a in EC_ALGORITHMS] + \
                [("EC_secp384r1", "ECDSA_SHA384")]
        for key, algorithm in cases:
            with self.subTest(key=key, algorithm=algorithm):
                signer = F.signers[key]
                sig = os.path.join(self.work, "%s-%s.sig" % (key, algorithm))
                r = self.ok("sign", "--signer", signer["name"], "--algorithm", algorithm, "--in",
                            data, "--out", sig)
                self.assertIn(sig, r.out)
                self.openssl_check(data, sig, algorithm, signer["id"])
                v = self.ok("verify", "--signer", signer["name"], "--in", data, "--sig", sig)
                self.assertIn("Verified OK", v.out)
                self.assertIn(algorithm, v.out)
        # The underscored spelling is accepted too.
        sig = os.path.join(self.work, "u.sig")
        self.ok("sign", "--signer", F.signers["EC_prime256v1"]["id"], "--algorithm",
                "ECDSA_SHA_256", "--in", data, "--out", sig)
        self.openssl_check(data, sig, "ECDSA_SHA256", F.signers["EC_prime256v1"]["id"])

    def test_sign_json_default_output_and_only_the_digest_travels(self):
        signer = F.signers["EC_prime256v1"]
        content = os.urandom(5000)
        data = self.write("j.bin", content)
        reply = self.ok("sign", "--signer", signer["name"], "--algorithm", "ECDSA_SHA256",
                        "--in", data, "--json").json()
        self.assertEqual(reply["signerId"], signer["id"])
        self.assertEqual(reply["signingAlgorithm"], "ECDSA_SHA256")
        self.assertEqual(reply["out"], data + ".sig")
        self.openssl_check(data, data + ".sig", "ECDSA_SHA256", signer["id"])
        # The server recorded the hash of what it received: the 32-byte digest, not the file.
        import hashlib
        digest = hashlib.sha256(content).digest()
        ops = self.assertOk(F.api.call("GET", "%s/%s/operations" % (SIGNERS, signer["id"]),
                                       query={"limit": 1}))
        self.assertEqual(ops["operations"][0]["dataHash"], hashlib.sha256(digest).hexdigest())

    def test_verify_rejects_a_changed_file_and_wrong_algorithm(self):
        signer = F.signers["RSA_2048"]
        data = self.write("v.bin", os.urandom(10000))
        sig = data + ".sig"
        self.ok("sign", "--signer", signer["name"], "--algorithm", "RSASSA_PSS_SHA384", "--in",
                data)
        self.ok("verify", "--signer", signer["name"], "--in", data, "--sig", sig, "--algorithm",
                "RSASSA_PSS_SHA384")
        self.fails(1, "verify", "--signer", signer["name"], "--in", data, "--sig", sig,
                   "--algorithm", "RSASSA_PKCS1_V1_5_SHA384", contains="does not verify")
        with open(data, "ab") as f:
            f.write(b"!")
        self.fails(1, "verify", "--signer", signer["name"], "--in", data, "--sig", sig,
                   contains="does not verify")
        self.fails(1, "verify", "--signer", signer["name"], "--in", data, "--sig", sig,
                   "--algorithm", "ECDSA_SHA256", contains="EC key")
        # Another signer's key does not verify it either.
        self.fails(1, "verify", "--signer", F.signers["EC_prime256v1"]["name"], "--in", data,
                   "--sig", sig)

    def test_verify_offline_with_a_certificate_file(self):
        signer = F.signers["EC_secp384r1"]
        data = self.write("o.bin", b"offline" * 1000)
        self.ok("sign", "--signer", signer["name"], "--algorithm", "ECDSA_SHA512", "--in", data)
        cert = self.write("signer.pem", self.ok("signers", "certificate", signer["name"]).out)
        # No server, no token: the certificate is enough.
        other_home = tempfile.mkdtemp(prefix="signet-cli-home-")
        self.addCleanup(shutil.rmtree, other_home, True)
        r = self.ok("verify", "--certificate", cert, "--in", data, "--sig", data + ".sig",
                    "--json", home=other_home)
        self.assertTrue(r.json()["verified"])
        self.assertEqual(r.json()["signingAlgorithm"], "ECDSA_SHA512")

    def test_multi_file_sign_with_out_dir(self):
        signer = F.signers["RSA_2048"]
        files = [self.write("m%d.bin" % i, os.urandom(1000 * (i + 1))) for i in range(6)]
        out_dir = os.path.join(self.work, "sigs")
        os.makedirs(out_dir)
        r = self.ok("sign", "--signer", signer["name"], "--algorithm",
                    "RSASSA_PKCS1_V1_5_SHA512", "--out-dir", out_dir, "--concurrency", "3",
                    "--json", *files)
        results = r.json()
        self.assertEqual(sorted(x["file"] for x in results), sorted(files))
        for f in files:
            sig = os.path.join(out_dir, os.path.basename(f) + ".sig")
            self.openssl_check(f, sig, "RSASSA_PKCS1_V1_5_SHA512", signer["id"])
        # Several files need --out-dir; a missing input fails before anything is signed.
        self.fails(1, "sign", "--signer", signer["name"], "--algorithm", "RSASSA_PSS_SHA256",
                   "--in", files[0], "--in", files[1], contains="--out-dir")
        empty_dir = os.path.join(self.work, "none")
        os.makedirs(empty_dir)
        self.fails(1, "sign", "--signer", signer["name"], "--algorithm", "RSASSA_PSS_SHA256",
                   "--out-dir", empty_dir, files[0], os.path.join(self.work, "absent.bin"),
                   contains="absent.bin")
        self.assertEqual(os.listdir(empty_dir), [])

    def test_out_dir_is_created_and_joined_without_a_double_slash(self):
        # Issue 19: the CI example's `--out-dir signatures/` failed when the folder did not
        # exist, and reported paths like signatures//a.bin.sig.
        signer = F.signers["EC_prime256v1"]
        self.login_admin()
        os.makedirs(os.path.join(self.work, "dist"))
        for name in ("a.bin", "b.bin"):
            self.write(os.path.join("dist", name), os.urandom(300))
        r = self.ok("sign", "--signer", signer["name"], "--algorithm", "ECDSA_SHA256",
                    "--out-dir", "signatures/", "--json", "dist/a.bin", "dist/b.bin", cwd=self.work)
        self.assertNotIn("//", r.out)
        self.assertEqual(sorted(os.listdir(os.path.join(self.work, "signatures"))),
                         ["a.bin.sig", "b.bin.sig"])
        for name in ("a.bin", "b.bin"):
            self.openssl_check(os.path.join(self.work, "dist", name),
                               os.path.join(self.work, "signatures", name + ".sig"),
                               "ECDSA_SHA256", signer["id"])
        # Nested folders too; a file in the way is an error that signs nothing.
        self.ok("sign", "--signer", signer["name"], "--algorithm", "ECDSA_SHA256",
                "--out-dir", "out/nested/", "dist/a.bin", "dist/b.bin", cwd=self.work)
        self.assertTrue(os.path.isfile(os.path.join(self.work, "out", "nested", "b.bin.sig")))
        self.write("blocker", "x")
        self.fails(1, "sign", "--signer", signer["name"], "--algorithm", "ECDSA_SHA256",
                   "--out-dir", os.path.join(self.work, "blocker"), os.path.join(self.work, "dist", "a.bin"),
                   os.path.join(self.work, "dist", "b.bin"), contains="not a directory")

    def test_sign_errors(self):
        signer = F.signers["EC_prime256v1"]
        data = self.write("e.bin", b"x")
        self.fails(1, "sign", "--signer", signer["name"], "--algorithm", "RSASSA_PSS_SHA256",
                   "--in", data)  # RSA algorithm on an EC key: 400
        self.fails(1, "sign", "--signer", signer["name"], "--algorithm", "SHA1", "--in", data)
        self.fails(4, "sign", "--signer", unique("nobody"), "--algorithm", "ECDSA_SHA256",
                   "--in", data)
        self.fails(1, "sign", "--signer", signer["name"], "--algorithm", "ECDSA_SHA256",
                   "--in", os.path.join(self.work, "missing"))

    def test_progress_bar_only_on_a_terminal(self):
        signer = F.signers["EC_prime256v1"]
        data = os.path.join(self.work, "p.bin")
        with open(data, "wb") as f:
            f.truncate(64 << 20)
        plain = self.ok("sign", "--signer", signer["name"], "--algorithm", "ECDSA_SHA256",
                        "--in", data)
        self.assertNotIn("\r", plain.err)
        self.assertEqual(plain.err, "")
        # stderr on a pseudo-terminal: the bar appears there, stdout stays clean. The master
        # side is read while the CLI runs so it can never block on a full terminal buffer.
        master, slave = pty.openpty()
        chunks = []
        try:
            proc = subprocess.Popen([SIGNET, "sign", "--signer", signer["name"], "--algorithm",
                                     "ECDSA_SHA256", "--in", data], stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=slave, env=self.env())
            os.close(slave)
            slave = None
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: every slave descriptor is closed
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            stdout = proc.stdout.read()
            proc.stdout.close()
            proc.wait(120)
        finally:
            if slave is not None:
                os.close(slave)
            os.close(master)
        tty_err = b"".join(chunks).decode("utf-8", "replace")
        self.assertEqual(proc.returncode, 0, tty_err)
        self.assertIn("100%", tty_err)
        self.assertIn("[####", tty_err)
        self.assertNotIn("%", stdout.decode())

    def test_streaming_1gib_sparse_file_in_constant_memory(self):
        signer = F.signers["EC_prime256v1"]
        big = os.path.join(self.work, "big.bin")
        with open(big, "wb") as f:
            f.truncate(1 << 30)
        sig = big + ".sig"
        prefix = []
        time_file = os.path.join(self.work, "time.txt")
        if os.access("/usr/bin/time", os.X_OK):
            prefix = ["/usr/bin/time", "-v", "-o", time_file]
        r = self.ok("--print-peak-rss", "sign", "--signer", signer["name"], "--algorithm",
                    "ECDSA_SHA256", "--in", big, "--out", sig, prefix=prefix, timeout=600)
        # The process's own VmHWM at exit, printed by the hidden flag ...
        m = re.search(r"peak RSS (\d+) KiB", r.err)
        self.assertIsNotNone(m, r)
        self.assertGreater(int(m.group(1)), 0)
        self.assertLess(int(m.group(1)), RSS_LIMIT_KIB, r)
        # ... agrees with the kernel's accounting seen by the parent (getrusage via time -v).
        if prefix:
            text = read_file(time_file)
            m2 = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
            self.assertIsNotNone(m2, text)
            self.assertLess(int(m2.group(1)), RSS_LIMIT_KIB, text)
        pub = self.write("pub.pem", F.pubkeys[signer["id"]])
        code, out = run_openssl(["dgst", "-sha256", "-verify", pub, "-signature", sig, big])
        self.assertEqual(code, 0, out)
        self.assertIn("Verified OK", out)


class PolicyTest(CliTestCase):
    """policies, request, requests, grants (SPEC §5) through the CLI."""

    def setUp(self):
        super().setUp()
        self.login_admin()

    def test_policy_request_approve_sign_revoke(self):
        approver, approver_home = self.new_user()
        requester, requester_home = self.new_user()
        name = unique("pol")
        policy = self.ok("policies", "create", "--name", name, "--step", approver["email"],
                         "--max-signings", "2", "--max-window", "1h", "--json").json()
        self.assertEqual(policy["name"], name)
        self.assertEqual(policy["constraints"]["maxSignings"], 2)
        self.assertIn(name, self.ok("policies", "list", "--limit", "100").out)
        shown = self.ok("policies", "show", name).out
        self.assertIn("Step 1", shown)
        updated = self.ok("policies", "update", name, "--max-request-ttl", "2d", "--json").json()
        self.assertEqual(updated["maxRequestTtl"], "2d")
        self.fails(1, "policies", "create", "--name", unique("p"), "--step", approver["email"],
                   contains="--max-signings")

        cert = self.ok("certificates", "issue", "--ca", F.ca["id"], "--common-name",
                       unique("pcn"), "--json").json()
        signer_name = unique("guarded")
        guarded = self.ok("signers", "create", "--name", signer_name, "--certificate",
                          cert["certificateId"], "--policy", name, "--json").json()
        self.assertEqual(guarded["signingPolicyId"], policy["id"])
        self.ok("signers", "members", "add", signer_name, "--user", requester["email"],
                "--role", "operator")
        data = self.write("g.bin", b"guarded payload")
        denied = self.fails(3, "sign", "--signer", signer_name, "--algorithm", "ECDSA_SHA256",
                            "--in", data, home=requester_home, contains="approval")
        self.assertIn("signet request", denied.err)

        self.fails(1, "request", "--signer", signer_name, "--signings", "5", "--justification",
                   "too many", home=requester_home)
        req = self.ok("request", "--signer", signer_name, "--signings", "1", "--duration", "30m",
                      "--justification", "release 1.2.3", "--json", home=requester_home).json()
        req = req.get("request", req)
        self.assertEqual(req["status"], "pending")
        # The approver is no member of the signer: the signer is given by id.
        pending = self.ok("requests", "list", "--status", "pending", "--signer", guarded["id"],
                          "--json", home=approver_home).json()
        self.assertIn(req["id"], [x["id"] for x in pending["requests"]])
        self.fails(3, "requests", "approve", req["id"], home=requester_home)
        approved = self.ok("requests", "approve", req["id"], "--comment", "ok",
                           "--json", home=approver_home).json()
        self.assertEqual(approved["status"], "approved")
        self.assertIn(req["id"], self.ok("requests", "show", req["id"], home=requester_home).out)

        self.ok("sign", "--signer", signer_name, "--algorithm", "ECDSA_SHA256", "--in", data,
                home=requester_home)
        grants = self.ok("grants", "list", "--signer", signer_name, "--json").json()["grants"]
        grant = [g for g in grants if g["id"] == approved["grantId"]][0]
        self.assertEqual(grant["usedSignings"], 1)
        self.assertIn(grant["id"], self.ok("grants", "show", grant["id"]).out)
        # One signing was granted: the next attempt needs approval again.
        self.fails(3, "sign", "--signer", signer_name, "--algorithm", "ECDSA_SHA256", "--in",
                   data, home=requester_home)

        # A second request: rejected; a third: cancelled; a fourth: approved, then revoked.
        r2 = self.ok("request", "--signer", signer_name, "--justification", "again", "--json",
                     home=requester_home).json()
        r2 = r2.get("request", r2)
        self.assertEqual(self.ok("requests", "reject", r2["id"], "--comment", "no", "--json",
                                 home=approver_home).json()["status"], "rejected")
        r3 = self.ok("request", "--signer", signer_name, "--justification", "third", "--json",
                     home=requester_home).json()
        r3 = r3.get("request", r3)
        self.assertEqual(self.ok("requests", "cancel", r3["id"], "--json",
                                 home=requester_home).json()["status"], "cancelled")
        r4 = self.ok("request", "--signer", signer_name, "--justification", "fourth", "--json",
                     home=requester_home).json()
        r4 = r4.get("request", r4)
        g4 = self.ok("requests", "approve", r4["id"], "--json",
                     home=approver_home).json()["grantId"]
        revoked = self.ok("grants", "revoke", g4, "--reason", "done", "--json").json()
        self.assertEqual(revoked["status"], "revoked")
        self.fails(3, "sign", "--signer", signer_name, "--algorithm", "ECDSA_SHA256", "--in",
                   data, home=requester_home)
        self.fails(4, "requests", "show", "00000000-0000-4000-8000-000000000000")

        self.ok("signers", "update", signer_name, "--no-policy")
        self.ok("sign", "--signer", signer_name, "--algorithm", "ECDSA_SHA256", "--in", data,
                home=requester_home)
        self.ok("signers", "delete", signer_name)
        self.ok("policies", "delete", name)
        self.fails(4, "policies", "show", name)

    def test_steps_from_one_names_and_pre_approve(self):
        first, first_home = self.new_user()
        second, second_home = self.new_user()
        requester, requester_home = self.new_user()
        name = unique("pol2")
        self.ok("policies", "create", "--name", name, "--step", first["email"], "--step",
                second["email"], "--max-signings", "3")
        cert = self.ok("certificates", "issue", "--ca", F.ca["id"], "--common-name",
                       unique("scn"), "--json").json()
        signer_name = unique("steps")
        self.ok("signers", "create", "--name", signer_name, "--certificate",
                cert["certificateId"], "--policy", name)
        self.ok("signers", "members", "add", signer_name, "--user", requester["email"],
                "--role", "operator")
        req = self.ok("request", "--signer", signer_name, "--justification", "two steps",
                      "--json", home=requester_home).json()
        req = req.get("request", req)
        self.assertEqual(req["currentStep"], 0)  # the API counts from 0; the CLI from 1

        shown = self.ok("requests", "show", req["id"]).out
        self.assertRegex(shown, r"(?m)^Step:\s+1 of 2$")
        self.assertRegex(shown, r"(?m)^Step 1:\s+in-progress, 1 approval\(s\) needed; still to "
                                r"approve: one of %s$" % re.escape(first["email"]))
        self.assertRegex(shown, r"(?m)^Step 2:\s+pending, 1 approval\(s\) needed$")
        self.ok("requests", "approve", req["id"], "--comment", "fine", home=first_home)
        shown = self.ok("requests", "show", req["id"]).out
        self.assertRegex(shown, r"(?m)^Step:\s+2 of 2$")
        self.assertRegex(shown, r"(?m)^Step 1:\s+completed, 1 approval\(s\) needed; approved "
                                r"by %s$" % re.escape(first["email"]))
        self.assertRegex(shown, r"(?m)^Step 2:\s+in-progress, .*still to approve: one of %s$"
                         % re.escape(second["email"]))
        table = self.ok("requests", "list", "--signer", signer_name).out
        row = [line for line in table.splitlines() if req["id"] in line][0]
        self.assertIn("2 of 2", row)
        approved = self.ok("requests", "approve", req["id"], "--json", home=second_home).json()
        self.assertEqual(approved["status"], "approved")
        # Without org admin rights the approvers' e-mails are not readable: ids are shown.
        self.assertIn(first["id"], self.ok("requests", "show", req["id"],
                                           home=requester_home).out)

        # Grant tables: the grantee by name; --ids and --json keep the id.
        grants = self.ok("grants", "list", "--signer", signer_name).out
        self.assertIn(requester["email"], grants)
        self.assertNotIn(requester["id"], grants)
        self.assertIn(requester["id"], self.ok("grants", "list", "--signer", signer_name,
                                               "--ids").out)

        # pre-approve: a signer admin grants without a request to approve.
        other, other_home = self.new_user()
        self.ok("signers", "members", "add", signer_name, "--user", other["email"],
                "--role", "operator")
        data = self.write("pre.bin", b"pre-approved payload")
        self.fails(3, "sign", "--signer", signer_name, "--algorithm", "ECDSA_SHA256", "--in",
                   data, home=other_home)
        pre = self.ok("pre-approve", "--signer", signer_name, "--user", other["email"],
                      "--justification", "hotfix", "--signings", "1", "--json").json()
        self.assertEqual(pre["grant"]["granteeId"], other["id"])
        self.assertEqual(pre["grant"]["maxSignings"], 1)
        self.assertEqual(pre["request"]["status"], "approved")
        self.ok("sign", "--signer", signer_name, "--algorithm", "ECDSA_SHA256", "--in", data,
                home=other_home)
        text = self.ok("pre-approve", "--signer", signer_name, "--user", other["email"],
                       "--justification", "again", "--duration", "1h").out
        self.assertIn("Pre-approved %s on signer %s" % (other["email"], signer_name), text)
        self.fails(1, "pre-approve", "--signer", signer_name, "--justification", "x",
                   contains="--user")
        self.fails(1, "pre-approve", "--signer", signer_name, "--user", other["email"],
                   "--identity", "x", "--justification", "x", contains="exactly one")
        # Only a signer admin pre-approves.
        self.fails(3, "pre-approve", "--signer", signer_name, "--user", requester["email"],
                   "--justification", "x", home=other_home)
        self.fails(4, "pre-approve", "--signer", unique("nosigner"), "--user", other["email"],
                   "--justification", "x")

    def test_project_member_removal(self):
        user, home = self.new_user()
        project = self.ok("projects", "list", "--json").json()["projects"][0]["slug"]
        removed = self.ok("projects", "members", "remove", project, "--user", user["email"],
                          "--json").json()
        self.assertEqual(removed["userId"], user["id"])
        members = self.ok("projects", "members", "list", project, "--limit", "100",
                          "--json").json()["memberships"]
        self.assertNotIn(user["id"], [m.get("userId") for m in members])
        self.fails(4, "projects", "members", "remove", project, "--user", user["email"],
                   contains="not a member")
        self.fails(1, "projects", "members", "remove", project, contains="exactly one")

    def audit_events(self, event_type, target_id):
        events = F.api.ok("GET", "/api/v1/audit-logs", token=F.admin_token,
                          query={"eventType": event_type, "limit": 100})["auditLogs"]
        return [e for e in events if e["target"]["id"] == target_id]

    def test_project_member_role_change(self):
        user, home = self.new_user()
        other, other_home = self.new_user()
        project = "default"
        # A project member cannot manage policies; once a project admin, they can.
        policy = unique("rolepol")
        # (The approver by id: only org admins look users up by e-mail.)
        policy_args = ("policies", "create", "--name", policy, "--step", other["id"],
                       "--max-signings", "1")
        self.fails(3, *policy_args, home=home)
        text = self.ok("projects", "members", "set-role", project, "--user", user["email"],
                       "--role", "admin").out
        self.assertIn("Changed project role:", text)
        self.assertRegex(text, r"(?m)^Role:\s+admin$")
        members = self.ok("projects", "members", "list", project, "--limit", "100",
                          "--json").json()["memberships"]
        mine = [m for m in members if m.get("userId") == user["id"]]
        self.assertEqual([m["role"] for m in mine], ["admin"])
        self.ok(*policy_args, home=home)
        events = self.audit_events("project.membership.update", F.project_id)
        details = [e["details"] for e in events if e["details"]["principalId"] == user["id"]]
        self.assertEqual(details, [{"membershipId": mine[0]["id"], "principalType": "user",
                                    "principalId": user["id"], "role": "admin",
                                    "previousRole": "member"}])
        # Back to member with --json; the new admin may promote and demote (users by id: only
        # org admins look them up by e-mail), a member may not.
        back = self.ok("projects", "members", "set-role", project, "--user", other["id"],
                       "--role", "admin", "--json", home=home).json()
        self.assertEqual(back["role"], "admin")
        back = self.ok("projects", "members", "set-role", project, "--user", user["id"],
                       "--role", "member", "--json", home=other_home).json()
        self.assertEqual((back["userId"], back["role"]), (user["id"], "member"))
        self.fails(3, "projects", "members", "set-role", project, "--user", other["id"],
                   "--role", "member", home=home, contains="admin role in the project")
        # Errors change nothing.
        stranger, _ = create_user(F.api, F.admin_token)
        self.fails(4, "projects", "members", "set-role", project, "--user", stranger["email"],
                   "--role", "admin", contains="not a member")
        self.fails(1, "projects", "members", "set-role", project, "--role", "admin",
                   contains="exactly one")
        r = self.cli("projects", "members", "set-role", project, "--user", user["email"],
                     "--role", "owner")
        self.assertNotEqual(r.code, 0, r)
        self.assertIn("owner", r.err)
        members = self.ok("projects", "members", "list", project, "--limit", "100",
                          "--json").json()["memberships"]
        roles = {m.get("userId"): m["role"] for m in members}
        self.assertEqual((roles[user["id"]], roles[other["id"]]), ("member", "admin"))
        self.assertNotIn(stranger["id"], roles)

    def test_client_secret_listing_and_revocation(self):
        identity, client_id, first_secret, _ = create_identity(F.api, F.admin_token)
        name = identity["name"]
        second = self.ok("identities", "create-secret", name, "--description", "second one",
                         "--json").json()
        listed = self.ok("identities", "secrets", name, "--json").json()
        self.assertEqual(listed["totalCount"], 2)
        by_id = {s["id"]: s for s in listed["clientSecrets"]}
        self.assertIn(second["clientSecretId"], by_id)
        self.assertEqual(by_id[second["clientSecretId"]]["description"], "second one")
        self.assertEqual([s["revoked"] for s in listed["clientSecrets"]], [False, False])
        for s in listed["clientSecrets"]:
            self.assertEqual(set(s), {"id", "identityId", "description", "createdAt",
                                      "revoked"})
        first_id = next(i for i in by_id if i != second["clientSecretId"])
        table = self.ok("identities", "secrets", identity["id"]).out
        self.assertTrue(table.startswith("SECRET ID"), table)
        self.assertIn(first_id, table)
        self.assertIn("second one", table)
        for secret in (first_secret, second["clientSecret"]):
            self.assertNotIn(secret, table)

        text = self.ok("identities", "revoke-secret", name, first_id).out
        self.assertIn("Revoked client secret", text)
        self.assertRegex(text, r"(?m)^Revoked:\s+true$")
        login = "/api/v1/auth/universal-auth/login"
        status, body = F.api.call("POST", login, {"clientId": client_id,
                                                  "clientSecret": first_secret})
        self.assertEqual(status, 401, body)
        F.api.ok("POST", login, {"clientId": client_id, "clientSecret": second["clientSecret"]})
        listed = self.ok("identities", "secrets", name, "--json").json()["clientSecrets"]
        self.assertEqual({s["id"]: s["revoked"] for s in listed},
                         {first_id: True, second["clientSecretId"]: False})
        events = self.audit_events("identity.client-secret.revoke", identity["id"])
        self.assertEqual([e["details"] for e in events], [{"clientSecretId": first_id}])

        # Errors: an unknown id, another identity's secret, not an id, not an org admin.
        other, _, _, _ = create_identity(F.api, F.admin_token)
        self.fails(4, "identities", "revoke-secret", other["name"], second["clientSecretId"],
                   contains="not found")
        self.fails(4, "identities", "revoke-secret", name, "00000000-0000-4000-8000-000000000000",
                   contains="not found")
        self.fails(1, "identities", "revoke-secret", name, "abc", contains="not a client secret id")
        self.fails(4, "identities", "secrets", unique("nomi"))
        _, member_home = self.new_user()
        self.fails(3, "identities", "secrets", identity["id"], home=member_home)
        self.fails(3, "identities", "revoke-secret", identity["id"], second["clientSecretId"],
                   home=member_home)
        F.api.ok("POST", login, {"clientId": client_id, "clientSecret": second["clientSecret"]})


if __name__ == "__main__":
    unittest.main()
