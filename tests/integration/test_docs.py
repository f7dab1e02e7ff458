#!/usr/bin/env python3
"""The docs' shell examples run as written (issue 19).

Every fenced block of README.md and docs/*.md names its language; every shell block (```sh,
```bash, ```shell, ```console) is either run here — taken from the Markdown at test time and run
with bash against a signetd the test starts — or carries, on the line right above its fence,
`<!-- not-run: REASON -->` saying why it cannot run in a test (a host's apt or systemctl, a
vendor's HSM library, a CI service's file, a synopsis of options). A new block with neither
fails test_every_shell_block_is_run_or_marked, so no example is forgotten.

A block is named by its document, the heading it sits under and its index among that
section's shell blocks. The test only supplies what the text says the reader has (a server,
tokens, users, files) and replaces the example's server URL with the test's; it then checks
the outcome independently (openssl, the API). A ```console block is a transcript: its `$ `
lines run one by one and the output lines it shows must appear in what they print (`...`
stands for lines left out; ids and serial numbers shown as `Key: value` are mapped to the
ones the run printed, in the later commands and outputs too)."""
import base64
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from signet_testlib import (ADMIN_EMAIL, ADMIN_PASSWORD, BUILD_DIR,  # noqa: E402
                            REPO_DIR, SignetServer,
                            SignetTestCase, add_project_member, bootstrap_admin, create_ca,
                            create_code_signer, create_identity, create_user, default_project_id,
                            openssl_verify, signer_public_key_pem, unique)

SHELL_LANGUAGES = {"sh", "bash", "shell", "console"}
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^`\s]*)\s*$")
MARKER = re.compile(r"^<!-- not-run: (\S.*?) -->$")
HEADING = re.compile(r"^#{1,6} \S")


class Block:
    def __init__(self, doc, line, language, heading, index, text, marker):
        self.doc, self.line, self.language, self.heading = doc, line, language, heading
        self.index, self.text, self.marker = index, text, marker

    @property
    def key(self):
        return (self.doc, self.heading, self.index)

    def __repr__(self):
        return "%s:%d (```%s, block %d under %r)" % (self.doc, self.line, self.language,
                                                    self.index, self.heading)


def documents():
    docs = ["README.md"] + sorted(os.path.relpath(p, REPO_DIR)
                                  for p in glob.glob(os.path.join(REPO_DIR, "docs", "*.md")))
    return docs


def fenced_blocks(doc):
    """Every fenced block of doc: shell blocks are numbered per section (heading)."""
    with open(os.path.join(REPO_DIR, doc), encoding="utf-8") as f:
        lines = f.read().split("\n")
    blocks, heading, counts, i = [], "", {}, 0
    while i < len(lines):
        line = lines[i]
        m = FENCE.match(line)
        if not m:
            if HEADING.match(line):
                heading = line.strip()
            i += 1
            continue
        indent, fence, language = m.groups()
        end = i + 1
        close = re.compile(r"^\s*" + re.escape(fence[0]) + "{%d,}\\s*$" % len(fence))
        while end < len(lines) and not close.match(lines[end]):
            end += 1
        body = [l[len(indent):] if l.startswith(indent) else l.lstrip() for l in lines[i + 1:end]]
        above = lines[i - 1].strip() if i > 0 else ""
        marker = MARKER.match(above)
        index = -1
        if language in SHELL_LANGUAGES:
            index = counts.get(heading, 0)
            counts[heading] = index + 1
        blocks.append(Block(doc, i + 1, language, heading, index, "\n".join(body) + "\n",
                            marker.group(1) if marker else None))
        i = end + 1
    return blocks


def shell_blocks():
    return [b for doc in documents() for b in fenced_blocks(doc) if b.language in SHELL_LANGUAGES]


RUN = {}  # (doc, heading, index) -> the test method that runs that block


def runs(*keys):
    """Declares the blocks a test method runs: (doc, heading) or (doc, heading, index)."""
    def mark(method):
        for key in keys:
            key = key if len(key) == 3 else key + (0,)
            assert key not in RUN, "%r is run by %s already" % (key, RUN[key])
            RUN[key] = method.__name__
        return method
    return mark


def example(doc, heading, index=0):
    """The index-th shell block under `heading` (a Markdown heading line) in doc."""
    for block in fenced_blocks(doc):
        if block.key == (doc, heading, index):
            assert block.marker is None, "%r is marked not-run but the test runs it" % block
            return block.text
    raise AssertionError("%s: no shell block %d under %r" % (doc, index, heading))


def console_commands(text):
    """A ```console transcript as [(command, [output lines])]."""
    steps = []
    lines = text.rstrip("\n").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("$ "):
            command = line[2:]
            while command.endswith("\\") and i + 1 < len(lines):
                i += 1
                command += "\n" + lines[i]
            steps.append((command, []))
        elif steps:
            steps[-1][1].append(line)
        i += 1
    return steps


FIELD = re.compile(r"^([A-Z][A-Za-z ]*):\s+(\S.*)$")


class DocInventory(unittest.TestCase):
    """Every shell block is run by DocExamples or marked not-run, with a reason."""

    maxDiff = None

    def test_every_fence_names_its_language(self):
        bare = [b for doc in documents() for b in fenced_blocks(doc) if not b.language]
        self.assertEqual(bare, [], "fences without a language (```sh for commands, ```text for "
                         "output): a shell example must not hide from this test")

    def test_every_shell_block_is_run_or_marked(self):
        blocks = shell_blocks()
        self.assertGreater(len(blocks), 10)
        neither = [b for b in blocks if b.marker is None and b.key not in RUN]
        both = [(b, RUN[b.key]) for b in blocks if b.marker is not None and b.key in RUN]
        self.assertEqual(neither, [], "shell blocks neither run by test_docs.py nor marked "
                         "<!-- not-run: REASON --> on the line above the fence")
        self.assertEqual(both, [], "shell blocks marked not-run that a test runs")
        known = {b.key for b in blocks}
        self.assertEqual(sorted(k for k in RUN if k not in known), [],
                         "test_docs.py runs blocks that no document has")
        run = sum(1 for b in blocks if b.key in RUN)
        print("\ndoc shell blocks: %d run, %d marked not-run" % (run, len(blocks) - run),
              file=sys.stderr)


class DocExamples(SignetTestCase):
    def setUp(self):
        for tool in ("bash", "curl", "jq", "openssl"):
            if not shutil.which(tool):
                self.fail("%s is needed (scripts/install-deps.sh)" % tool)
        self.server = SignetServer()
        self.addCleanup(self.server.cleanup)
        self.server.start()
        self.api = self.server.api()
        self.work = tempfile.mkdtemp(prefix="signet-docs-")
        self.addCleanup(shutil.rmtree, self.work, True)

    def run_example(self, script, env=None):
        e = {k: v for k, v in os.environ.items() if not k.startswith("SIGNET_")}
        e["HOME"] = self.work
        e["PATH"] = os.path.join(BUILD_DIR, "bin") + os.pathsep + e.get("PATH", "")
        e.update(env or {})
        r = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=self.work, env=e,
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(r.returncode, 0, "the example failed:\n%s\n--- stdout\n%s\n--- stderr\n%s"
                         % (script, r.stdout, r.stderr))
        return r

    def run_console(self, text, replace, env=None):
        """Runs a ```console transcript command by command (see the module's docstring)."""
        ids = {}

        def substitute(line):
            for old, new in list(replace.items()) + list(ids.items()):
                line = line.replace(old, new)
            return line

        for command, expected in console_commands(text):
            r = self.run_example(substitute(command), env)
            got = [" ".join(line.split()) for line in (r.stdout + r.stderr).splitlines()]
            fields = {m.group(1): m.group(2) for m in map(FIELD.match, got) if m}
            for line in expected:
                m = FIELD.match(line)
                if (m and m.group(1) in fields and
                        re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}|[0-9a-f]{16,}",
                                     m.group(2))):
                    ids.setdefault(m.group(2), fields[m.group(1)])
            for line in expected:
                line = " ".join(substitute(line).split())  # columns may be aligned otherwise
                if line in ("", "..."):
                    continue
                self.assertIn(line, got, "the transcript shows a line that `%s` did not print:"
                              "\n%s\n--- printed\n%s" % (command, line, "\n".join(got)))
        return ids

    def signet_login(self, email, password):
        """The reader is logged in with the signet CLI (its config under $HOME)."""
        r = subprocess.run([os.path.join(BUILD_DIR, "bin", "signet"), "login", "--server",
                            self.server.base_url, "--email", email, "--password-stdin"],
                           input=password, env=dict(os.environ, HOME=self.work),
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)

    @runs(("README.md", "## First signature with curl"))
    def test_readme_first_signature_with_curl(self):
        script = example("README.md", "## First signature with curl")
        self.assertIn("S=http://127.0.0.1:8080\n", script)
        bootstrap_admin(self.api, "admin@signet.local", "a-printed-password-1234")
        script = script.replace("S=http://127.0.0.1:8080", "S=" + self.server.base_url)
        script = script.replace("<printed password>", "a-printed-password-1234")
        with open(os.path.join(self.work, "app.bin"), "wb") as f:
            f.write(os.urandom(4096))
        r = self.run_example(script)
        self.assertIn("Verified OK", r.stdout)

    @runs(("docs/policies.md", "## Example with curl"))
    def test_policies_walk_through(self):
        script = example("docs/policies.md", "## Example with curl")
        _, admin_token = bootstrap_admin(self.api)
        project = default_project_id(self.api, admin_token)
        people = {}
        for name in ("alice", "bob", "carol", "dave"):
            email = "%s-%s@example.com" % (name, unique("d"))
            user, token = create_user(self.api, admin_token, email)
            people[name] = (user["id"], token)
        ca = create_ca(self.api, admin_token)
        signer = create_code_signer(self.api, admin_token, ca["id"], "RSA_2048")
        # "Alice (an operator of the signer)": the reader made her one before.
        add_project_member(self.api, admin_token, project, user_id=people["alice"][0])
        self.api.ok("POST", "/api/v1/pki/signers/%s/members" % signer["id"],
                    {"userId": people["alice"][0], "role": "operator"}, token=admin_token)
        script = script.replace("S=http://127.0.0.1:8080", "S=" + self.server.base_url)
        env = {"ADMIN_TOKEN": admin_token, "SIGNER": signer["id"],
               "BOB": people["bob"][0], "CAROL": people["carol"][0], "DAVE": people["dave"][0],
               "ALICE_TOKEN": people["alice"][1], "BOB_TOKEN": people["bob"][1],
               "CAROL_TOKEN": people["carol"][1]}
        r = self.run_example(script, env)
        self.assertIn('"error":"ApprovalRequired"', r.stdout)  # before the approvals
        # Alice's signature went through under the grant, which the admin then revoked.
        grants = self.api.ok("GET", "/api/v1/pki/signing-grants", token=admin_token)["grants"]
        self.assertEqual(len(grants), 1, r.stdout)
        self.assertEqual(grants[0]["usedSignings"], 1)
        self.assertEqual(grants[0]["status"], "revoked")
        ops = self.api.ok("GET", "/api/v1/pki/signers/%s/operations" % signer["id"],
                          token=admin_token)["operations"]
        self.assertEqual(sorted(o["status"] for o in ops).count("success"), 1, ops)
        signatures = re.findall(r'"signature":"([^"]+)"', r.stdout)
        self.assertEqual(len(signatures), 1, r.stdout)
        ok, out = openssl_verify(b"hello", base64.b64decode(signatures[0]), "RSASSA_PSS_SHA256",
                                 api=self.api, token=admin_token, signer_id=signer["id"])
        self.assertTrue(ok, out)

    @runs(("docs/cli.md", "## CI example (machine identity)"))
    def test_cli_ci_example(self):
        script = example("docs/cli.md", "## CI example (machine identity)")
        self.assertIn("export SIGNET_SERVER_URL=https://signet.example.com\n", script)
        _, admin_token = bootstrap_admin(self.api)
        project = default_project_id(self.api, admin_token)
        identity, client_id, client_secret, _ = create_identity(self.api, admin_token)
        add_project_member(self.api, admin_token, project, identity_id=identity["id"])
        ca = create_ca(self.api, admin_token)
        signer = create_code_signer(self.api, admin_token, ca["id"], "EC_secp384r1", name="release")
        self.api.ok("POST", "/api/v1/pki/signers/%s/members" % signer["id"],
                    {"identityId": identity["id"], "role": "operator"}, token=admin_token)
        os.makedirs(os.path.join(self.work, "dist"))
        for name in ("app.tar.gz", "app.deb"):
            with open(os.path.join(self.work, "dist", name), "wb") as f:
                f.write(os.urandom(2048))
        script = script.replace("https://signet.example.com", self.server.base_url)
        self.run_example(script, {"SIGNET_CLIENT_ID": client_id, "SIGNET_CLIENT_SECRET": client_secret})
        public_key = signer_public_key_pem(self.api, admin_token, signer["id"])
        for name in ("app.tar.gz", "app.deb"):
            with open(os.path.join(self.work, "dist", name), "rb") as f:
                data = f.read()
            with open(os.path.join(self.work, "signatures", name + ".sig"), "rb") as f:
                sig = f.read()
            ok, out = openssl_verify(data, sig, "ECDSA_SHA384", public_key_pem=public_key)
            self.assertTrue(ok, out)


    @runs(("docs/cli.md", "## A session: from login to a verified signature", 0),
          ("docs/cli.md", "## A session: from login to a verified signature", 1))
    def test_cli_session(self):
        # The reader has an account that may create CAs and signers (an admin of the project
        # `default`), its password in ~/.signet-password, and the file to sign.
        _, admin_token = bootstrap_admin(self.api)
        project = default_project_id(self.api, admin_token)
        user, _ = create_user(self.api, admin_token, "alice@example.com", "alice password 1234")
        add_project_member(self.api, admin_token, project, user_id=user["id"], role="admin")
        with open(os.path.join(self.work, ".signet-password"), "w") as f:
            f.write("alice password 1234\n")
        with open(os.path.join(self.work, "app-1.2.3.tar.gz"), "wb") as f:
            f.write(os.urandom(10000))
        heading = "## A session: from login to a verified signature"
        replace = {"https://signet.example.com": self.server.base_url}
        ids = self.run_console(example("docs/cli.md", heading, 0), replace)
        self.run_console(example("docs/cli.md", heading, 1), dict(replace, **ids))
        signers = self.api.ok("GET", "/api/v1/pki/signers", token=admin_token)["signers"]
        self.assertEqual([s["name"] for s in signers], ["release"])
        public_key = signer_public_key_pem(self.api, admin_token, signers[0]["id"])
        with open(os.path.join(self.work, "app-1.2.3.tar.gz"), "rb") as f:
            data = f.read()
        with open(os.path.join(self.work, "app-1.2.3.tar.gz.sig"), "rb") as f:
            sig = f.read()
        ok, out = openssl_verify(data, sig, "RSASSA_PSS_SHA256", public_key_pem=public_key)
        self.assertTrue(ok, out)

    @runs(("docs/security.md", "## The audit log's tail, and checkpoints", 0),
          ("docs/security.md", "## The audit log's tail, and checkpoints", 1),
          ("docs/api.md", "## Audit log (org admins)"))
    def test_audit_checkpoint(self):
        # An org admin logged in with the CLI; a log with some events in it.
        _, admin_token = bootstrap_admin(self.api)
        create_user(self.api, admin_token)
        self.signet_login(ADMIN_EMAIL, ADMIN_PASSWORD)
        heading = "## The audit log's tail, and checkpoints"
        self.run_example(example("docs/security.md", heading, 0))
        checkpoint = os.path.join(self.work, "audit-2026-12-03.json")
        with open(checkpoint) as f:
            self.assertTrue(json.load(f)["payload"])
        script = example("docs/security.md", heading, 1)
        script = script.replace("https://signet.example.com", self.server.base_url)
        r = self.run_example(script)
        self.assertIn("Signature Verified Successfully", r.stdout)
        # The API's audit routes, with the admin's token in $H.
        r = self.run_example(example("docs/api.md", "## Audit log (org admins)"),
                             {"S": self.server.base_url, "H": "Authorization: Bearer " + admin_token})
        listing, end = json.JSONDecoder().raw_decode(r.stdout)  # curl adds no newline
        verify = json.loads(r.stdout[end:])
        self.assertEqual(listing["auditLogs"], [])  # nothing was denied
        self.assertTrue(verify["valid"], verify)

    @runs(("docs/timestamping.md", "## Import a TSA", 0))
    def test_import_a_tsa(self):
        # A TSA certificate (timeStamping, critical) and its key from another CA, made here
        # with openssl as that CA would; a token in $TOKEN.
        _, admin_token = bootstrap_admin(self.api)

        def openssl(*args):
            r = subprocess.run(["openssl"] + list(args), cwd=self.work, capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)

        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        openssl("req", "-x509", *ec, "-keyout", "corp-root.key", "-out", "chain.pem", "-days",
                "30", "-subj", "/CN=Corp Root", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        openssl("req", "-new", *ec, "-keyout", "tsa.key", "-out", "tsa.csr", "-subj", "/CN=Corp TSA")
        with open(os.path.join(self.work, "tsa.cnf"), "w") as f:
            f.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                    "extendedKeyUsage=critical,timeStamping\n")
        openssl("x509", "-req", "-in", "tsa.csr", "-CA", "chain.pem", "-CAkey", "corp-root.key",
                "-CAcreateserial", "-days", "30", "-extfile", "tsa.cnf", "-out", "tsa.pem")
        script = example("docs/timestamping.md", "## Import a TSA")
        r = self.run_example(script.replace("https://signet.example.com", self.server.base_url),
                             {"TOKEN": admin_token})
        tsa = json.loads(r.stdout)
        self.assertEqual((tsa["name"], tsa["caId"]), ("corp-tsa", None), tsa)
        # It answers RFC 3161 queries that verify against the other CA's root.
        with open(os.path.join(self.work, "app.tar.gz"), "wb") as f:
            f.write(os.urandom(3000))
        script = ("openssl ts -query -data app.tar.gz -sha256 -cert | curl -sf -H "
                  "'Content-Type: application/timestamp-query' --data-binary @- "
                  "%s/api/v1/pki/tsa/%s/timestamp > app.tsr\n"
                  "openssl ts -verify -data app.tar.gz -in app.tsr -CAfile chain.pem\n"
                  % (self.server.base_url, tsa["id"]))
        self.assertIn("Verification: OK", self.run_example(script).stdout)

    @runs(("docs/timestamping.md", "## Create a TSA", 0),
          ("docs/timestamping.md", "## Each tool", 0),
          ("docs/timestamping.md", "## Each tool", 2))
    def test_timestamping(self):
        # A project admin with a token and the id of a CA; app.tar.gz; for the CMS signature an
        # ECDSA signer `release` under the same CA and the CLI logged in.
        _, admin_token = bootstrap_admin(self.api)
        ca = create_ca(self.api, admin_token, "EC_prime256v1")
        create_code_signer(self.api, admin_token, ca["id"], "EC_prime256v1", name="release")
        with open(os.path.join(self.work, "app.tar.gz"), "wb") as f:
            f.write(os.urandom(5000))
        env = {"TOKEN": admin_token, "CA_ID": ca["id"], "TSA": self.server.base_url + "/tsa"}
        script = example("docs/timestamping.md", "## Create a TSA")
        r = self.run_example(script.replace("https://signet.example.com", self.server.base_url),
                             env)
        tsa = json.loads(r.stdout)
        self.assertTrue(tsa["isDefault"], tsa)
        pem = self.api.ok("GET", "/api/v1/pki/ca/%s/certificate" % ca["id"],
                          token=admin_token)["certificate"]
        with open(os.path.join(self.work, "root.pem"), "w") as f:
            f.write(pem)
        r = self.run_example(example("docs/timestamping.md", "## Each tool", 0), env)
        self.assertIn("Verification: OK", r.stdout)
        self.signet_login(ADMIN_EMAIL, ADMIN_PASSWORD)
        r = self.run_example(example("docs/timestamping.md", "## Each tool", 2), env)
        self.assertTrue(os.path.getsize(os.path.join(self.work, "app.tar.gz.p7s")) > 0)

    @runs(("docs/batch-signing.md", "## Request"))
    def test_batch_signing_request(self):
        _, admin_token = bootstrap_admin(self.api)
        ca = create_ca(self.api, admin_token)
        signer = create_code_signer(self.api, admin_token, ca["id"], "EC_prime256v1")
        files = {"a.bin": os.urandom(3000), "b.bin": os.urandom(3000)}
        for name, data in files.items():
            with open(os.path.join(self.work, name), "wb") as f:
                f.write(data)
        env = {"S": self.server.base_url, "SIGNER": signer["id"],
               "H": "Authorization: Bearer " + admin_token}
        r = self.run_example(example("docs/batch-signing.md", "## Request"), env)
        reply = json.loads(r.stdout)
        self.assertEqual((reply["signedCount"], reply["refusedCount"]), (3, 0), reply)
        public_key = signer_public_key_pem(self.api, admin_token, signer["id"])
        checks = [(files["a.bin"], "ECDSA_SHA256"), (files["b.bin"], "ECDSA_SHA384"),
                  (b"build 2.4.0", "ECDSA_SHA256")]
        for (data, algorithm), result in zip(checks, reply["results"]):
            ok, out = openssl_verify(data, base64.b64decode(result["signature"]), algorithm,
                                     public_key_pem=public_key)
            self.assertTrue(ok, out)

    @runs(("docs/api.md", "## Signing", 0), ("docs/api.md", "## Signing", 1))
    def test_api_signing_and_verifying(self):
        # $S, a token in $H, an RSA signer in $SIGNER and the file app.exe.
        _, admin_token = bootstrap_admin(self.api)
        ca = create_ca(self.api, admin_token)
        signer = create_code_signer(self.api, admin_token, ca["id"], "RSA_3072")
        with open(os.path.join(self.work, "app.exe"), "wb") as f:
            f.write(os.urandom(8192))
        env = {"S": self.server.base_url, "SIGNER": signer["id"],
               "H": "Authorization: Bearer " + admin_token}
        self.run_example(example("docs/api.md", "## Signing", 0), env)
        r = self.run_example(example("docs/api.md", "## Signing", 1), env)
        self.assertIn("Verified OK", r.stdout)
        ops = self.api.ok("GET", "/api/v1/pki/signers/%s/operations" % signer["id"],
                          token=admin_token)["operations"]
        self.assertEqual([(o["status"], o["clientMetadata"]["tool"]) for o in ops],
                         [("success", "release.sh")], ops)

    @runs(("docs/ci-identities.md", "## Configure an identity (org admin)"),
          ("docs/ci-identities.md", "## GitHub Actions"), ("docs/ci-identities.md", "## GitLab CI"),
          ("docs/api.md", "## Users and machine identities (org admins)", 1),
          ("docs/pkcs11.md", "## Set-up", 0))
    def test_machine_identity_set_up(self):
        # An org admin's token, the project and a signer `release`; for the PKCS#11 guide the
        # same admin logged in with the CLI.
        _, admin_token = bootstrap_admin(self.api)
        project = default_project_id(self.api, admin_token)
        ca = create_ca(self.api, admin_token)
        signer = create_code_signer(self.api, admin_token, ca["id"], "EC_prime256v1",
                                    name="release")
        # The identity's set-up and its GitHub binding in one session (the second uses $ID);
        # attaching needs no call to the issuer, which is fetched at the first login.
        script = (example("docs/ci-identities.md", "## Configure an identity (org admin)") +
                  example("docs/ci-identities.md", "## GitHub Actions"))
        script = script.replace("S=https://signet.example.com", "S=" + self.server.base_url)
        r = self.run_example(script, {"ADMIN_TOKEN": admin_token, "PROJECT": project,
                                      "SIGNER": signer["id"]})
        self.assertNotIn('"statusCode"', r.stdout)
        # GitLab's binding, on another identity of the reader's.
        other, _, _, _ = create_identity(self.api, admin_token)
        r = self.run_example(example("docs/ci-identities.md", "## GitLab CI"),
                             {"S": self.server.base_url, "ID": other["id"],
                              "H": "Authorization: Bearer " + admin_token})
        self.assertNotIn('"statusCode"', r.stdout)
        # api.md's example of the same route.
        third, _, _, _ = create_identity(self.api, admin_token)
        r = self.run_example(example("docs/api.md", "## Users and machine identities (org admins)",
                                     1),
                             {"S": self.server.base_url, "IDENTITY": third["id"],
                              "H": "Authorization: Bearer " + admin_token})
        self.assertNotIn('"statusCode"', r.stdout)
        bound = {}
        for identity in self.api.ok("GET", "/api/v1/identities", token=admin_token)["identities"]:
            status, body = self.api.call("GET", "/api/v1/auth/oidc-auth/identities/%s"
                                         % identity["id"], token=admin_token)
            if status == 200:
                bound[identity["name"]] = body["identityOidcAuth"]["boundIssuer"]
        self.assertEqual(bound, {"release-ci": "https://token.actions.githubusercontent.com",
                                 other["name"]: "https://gitlab.com",
                                 third["name"]: "https://token.actions.githubusercontent.com"})
        self.signet_login(ADMIN_EMAIL, ADMIN_PASSWORD)
        r = self.run_example(example("docs/pkcs11.md", "## Set-up", 0))
        secret = re.search(r"sgs_[A-Za-z0-9_-]+", r.stdout)
        self.assertTrue(secret, r.stdout)
        members = self.api.ok("GET", "/api/v1/pki/signers/%s/members" % signer["id"],
                              token=admin_token)["members"]
        identities = {i["id"]: i["name"] for i in
                      self.api.ok("GET", "/api/v1/identities", token=admin_token)["identities"]}
        names = sorted((identities[m["identityId"]], m["role"])
                       for m in members if m.get("identityId"))
        self.assertEqual(names, [("ci-signing", "operator"), ("release-ci", "operator")], members)

    @runs(("docs/notifications.md", "## Webhooks"), ("docs/notifications.md", "## E-mail (SMTP)"),
          ("docs/policies.md", "## Setting up notifications and waiting CI jobs", 0),
          ("docs/policies.md", "## Setting up notifications and waiting CI jobs", 1))
    def test_notification_settings(self):
        # An org admin's token in $H.
        _, admin_token = bootstrap_admin(self.api)
        env = {"S": self.server.base_url, "H": "Authorization: Bearer " + admin_token}
        for doc, heading, index in (("docs/notifications.md", "## Webhooks", 0),
                                    ("docs/notifications.md", "## E-mail (SMTP)", 0),
                                    ("docs/policies.md",
                                     "## Setting up notifications and waiting CI jobs", 0),
                                    ("docs/policies.md",
                                     "## Setting up notifications and waiting CI jobs", 1)):
            r = self.run_example(example(doc, heading, index), env)
            self.assertNotIn('"statusCode"', r.stdout, "%s %s: %s" % (doc, heading, r.stdout))
        hooks = self.api.ok("GET", "/api/v1/notifications/webhooks",
                            token=admin_token)["webhooks"]
        self.assertEqual(sorted(h["format"] for h in hooks), ["signet", "slack"], hooks)
        smtp = self.api.ok("GET", "/api/v1/notifications/smtp", token=admin_token)
        self.assertEqual(smtp["host"], "smtp.example.com", smtp)

if __name__ == "__main__":
    unittest.main()
