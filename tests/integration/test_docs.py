#!/usr/bin/env python3
"""The docs' shell examples run as written (issue 19). Each example below is taken from the
Markdown at test time — the fenced ```sh block under the named heading — and run with bash
against a signetd the test starts. The test only supplies what the text says the reader has
(a server, tokens, users, files) and replaces the example's server URL with the test's; it
then checks the outcome independently (openssl, the API). An edited example is tested as
edited; a removed or renamed one fails here."""
import base64
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from signet_testlib import (BUILD_DIR, REPO_DIR, SignetServer,  # noqa: E402
                            SignetTestCase, add_project_member, bootstrap_admin, create_ca,
                            create_code_signer, create_identity, create_user, default_project_id,
                            openssl_verify, signer_public_key_pem, unique)


def example(doc, heading, index=0):
    """The index-th ```sh block after `heading` (a Markdown heading line) in doc."""
    with open(os.path.join(REPO_DIR, doc), encoding="utf-8") as f:
        text = f.read()
    at = text.find("\n" + heading + "\n")
    assert at >= 0, "%s has no heading %r" % (doc, heading)
    blocks = re.findall(r"\n```sh\n(.*?)\n```", text[at:], re.S)
    assert len(blocks) > index, "%s: no ```sh block under %r" % (doc, heading)
    return blocks[index] + "\n"


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


if __name__ == "__main__":
    unittest.main()
