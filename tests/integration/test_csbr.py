#!/usr/bin/env python3
"""The per-project compliance profile `csbr` (issue 16): the CA/Browser Forum's Code Signing
Baseline Requirements, on SoftHSM2.

The suite makes its own SoftHSM2 token in a temporary directory and starts signetd with it;
the server's default key source stays `software`, so every HSM key below is one the profile
asked for. One test per rule — signers only on HSM keys; RSA ≥ 3072 (P-256/384/521 allowed);
code-signing certificates ≤ 460 days with the reserved policy 2.23.140.1.4.1; SHA-1 never;
MFA for people (machine identities exempt); imports refused; switching the profile on with
non-conforming signers refused — each refusal a SPEC §3 error naming the rule, on record as a
compliance.refusal audit event, changing nothing. Then signing under csbr end to end through
the API, the CLI (one file and a batch) and the PKCS#11 module, every signature verified with
openssl.
"""

import base64
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from signet_testlib import (  # noqa: E402
    BUILD_DIR, SignetServer, SignetTestCase, add_project_member, bootstrap_admin,
    create_identity, create_user, openssl_verify, run_openssl, sign, signer_public_key_pem,
    unb64, unique, write_file)
from test_hsm import softhsm_module  # noqa: E402
from test_mfa import totp  # noqa: E402

PIN = "112358"
SO_PIN = "31415"
TOKEN = "signet-csbr"
SIGNET = os.path.join(BUILD_DIR, "bin", "signet")
MODULE = os.path.join(BUILD_DIR, "lib", "libsignet-pkcs11.so")
POLICY_OID = "2.23.140.1.4.1"
SIGNERS = "/api/v1/pki/signers"


class F:
    work = None
    module = None
    server = None
    api = None
    admin_token = None  # the org admin's session, which passed MFA
    project = None      # a csbr project
    ca = None           # its CA, key in the HSM


def softhsm_env():
    env = dict(os.environ)
    env["SOFTHSM2_CONF"] = os.path.join(F.work, "softhsm2.conf")
    return env


def setUpModule():
    F.module = softhsm_module()
    F.work = tempfile.mkdtemp(prefix="signet-csbr-it-")
    tokens = os.path.join(F.work, "tokens")
    os.makedirs(tokens)
    write_file(os.path.join(F.work, "softhsm2.conf"),
               "directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n"
               % tokens)
    proc = subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", TOKEN,
                           "--so-pin", SO_PIN, "--pin", PIN], env=softhsm_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    if proc.returncode != 0:
        shutil.rmtree(F.work, ignore_errors=True)
        raise AssertionError("softhsm2-util --init-token failed:\n%s" % proc.stdout.decode())
    env = softhsm_env()
    env["SIGNET_HSM_PIN"] = PIN
    F.server = SignetServer(extra_args=["--hsm-module", F.module, "--hsm-token-label", TOKEN,
                                        "--default-key-source", "software"], env=env)
    try:
        F.server.start()
        F.api = F.server.api()
        _, token = bootstrap_admin(F.api)
        # Enrolling and confirming an authenticator makes this session one that passed MFA.
        enrolled = F.api.ok("POST", "/api/v1/auth/mfa/totp/enroll", {}, token=token)
        F.api.ok("POST", "/api/v1/auth/mfa/totp/confirm", {"code": totp(enrolled["secret"])},
                 token=token)
        F.admin_token = token
        F.api.token = token
        F.project = F.api.ok("POST", "/api/v1/projects",
                             {"name": unique("csbr"), "complianceProfile": "csbr"})
        F.ca = F.api.ok("POST", "/api/v1/pki/ca", {
            "projectId": F.project["id"], "commonName": "csbr CA " + unique("ca"),
            "keyAlgorithm": "RSA_3072", "ttlDays": 3650})
    except BaseException:
        sys.stderr.write("setUpModule failed; signetd stderr:\n%s\n" % F.server.stderr_tail())
        F.server.cleanup()
        raise


def tearDownModule():
    if F.server is not None:
        F.server.cleanup()
    if F.work and not os.environ.get("SIGNET_KEEP_DIRS"):
        shutil.rmtree(F.work, ignore_errors=True)


def db_count(sql, *args):
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(F.server.data_dir, "signet.db"),
                         uri=True)
    try:
        return db.execute(sql, args).fetchone()[0]
    finally:
        db.close()


def counts():
    """What a refused call must leave alone."""
    return tuple(db_count("SELECT COUNT(*) FROM " + t) for t in (
        "certificate_authorities", "certificates", "signers", "key_blobs", "hsm_keys",
        "projects"))


def refusals():
    data = F.api.ok("GET", "/api/v1/audit-logs", query={"eventType": "compliance.refusal",
                                                        "limit": 100})
    return data["auditLogs"]


def new_project(profile=None):
    body = {"name": unique("p")}
    if profile:
        body["complianceProfile"] = profile
    return F.api.ok("POST", "/api/v1/projects", body)


def issue(project_id, key_algorithm="RSA_3072", ttl_days=365, ca_id=None, **extra):
    body = {"projectId": project_id, "caId": ca_id or F.ca["id"], "commonName": unique("cs"),
            "keyAlgorithm": key_algorithm, "ttlDays": ttl_days,
            "keyUsages": ["digitalSignature"], "extendedKeyUsages": ["codeSigning"]}
    body.update(extra)
    return F.api.call("POST", "/api/v1/pki/certificates/issue", body)


def x509_text(pem):
    path = write_file(os.path.join(F.work, unique("cert") + ".pem"), pem)
    code, out = run_openssl(["x509", "-in", path, "-noout", "-text"])
    assert code == 0, out
    return out


def local_ca(directory):
    """A CA outside Signet (a public CA's stand-in): key and self-signed certificate."""
    key = os.path.join(directory, "ca.key")
    crt = os.path.join(directory, "ca.pem")
    for args in (["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                  "-out", key],
                 ["req", "-new", "-x509", "-key", key, "-out", crt, "-days", "3650",
                  "-subj", "/CN=Public CA stand-in"]):
        code, out = run_openssl(args)
        assert code == 0, out
    return key, crt


def sign_csr(directory, csr_pem, ca, digest="sha256", days=400, policy=True):
    """Has the stand-in CA sign a CSR as a public CA would; returns the certificate PEM."""
    csr = write_file(os.path.join(directory, unique("req") + ".csr"), csr_pem)
    ext = os.path.join(directory, unique("ext") + ".cnf")
    lines = ["keyUsage=critical,digitalSignature", "extendedKeyUsage=codeSigning"]
    if policy:
        lines.append("certificatePolicies=" + POLICY_OID)
    write_file(ext, "\n".join(lines) + "\n")
    out_pem = os.path.join(directory, unique("issued") + ".pem")
    code, out = run_openssl(["x509", "-req", "-in", csr, "-CA", ca[1], "-CAkey", ca[0],
                             "-CAcreateserial", "-days", str(days), "-" + digest,
                             "-extfile", ext, "-out", out_pem])
    assert code == 0, out
    with open(out_pem) as f:
        return f.read()


class ProfileSettingTest(SignetTestCase):
    def test_profile_is_a_project_setting_off_by_default(self):
        plain = new_project()
        self.assertEqual(plain["complianceProfile"], "none")
        self.assertEqual(F.project["complianceProfile"], "csbr")
        got = F.api.ok("GET", "/api/v1/projects/%s" % F.project["id"])
        self.assertEqual(got["complianceProfile"], "csbr")
        by_slug = F.api.ok("GET", "/api/v1/projects/%s" % F.project["slug"])
        self.assertEqual(by_slug["id"], F.project["id"])
        listed = {p["id"]: p for p in F.api.ok("GET", "/api/v1/projects",
                                              query={"limit": 100})["projects"]}
        self.assertEqual(listed[plain["id"]]["complianceProfile"], "none")
        self.assertEqual(listed[F.project["id"]]["complianceProfile"], "csbr")
        default = F.api.ok("GET", "/api/v1/projects/default")
        self.assertEqual(default["complianceProfile"], "none")

        # Switching on and off, each change audited.
        on = F.api.ok("PATCH", "/api/v1/projects/%s" % plain["id"], {"complianceProfile": "csbr"})
        self.assertEqual(on["complianceProfile"], "csbr")
        events = F.api.ok("GET", "/api/v1/audit-logs", query={"eventType": "project.update",
                                                              "limit": 100})["auditLogs"]
        mine = [e for e in events if e["target"]["id"] == plain["id"]]
        self.assertTrue(mine)
        details = mine[0]["details"]
        if isinstance(details, str):
            details = json.loads(details)
        self.assertEqual(details["complianceProfile"], "csbr")
        self.assertEqual(details["previousComplianceProfile"], "none")
        off = F.api.ok("PATCH", "/api/v1/projects/%s" % plain["id"],
                       {"complianceProfile": "none", "description": "back to normal"})
        self.assertEqual(off["complianceProfile"], "none")
        self.assertEqual(off["description"], "back to normal")

        # Strict input: unknown values and fields are 400s naming them, and change nothing.
        before = counts()
        self.assertError(F.api.call("POST", "/api/v1/projects", {
            "name": unique("bad"), "complianceProfile": "fips"}), 400,
            message_contains="complianceProfile 'fips' is not one of none, csbr")
        self.assertError(F.api.call("PATCH", "/api/v1/projects/%s" % plain["id"],
                                    {"complianceProfile": "pci"}), 400,
                         message_contains="complianceProfile")
        self.assertError(F.api.call("PATCH", "/api/v1/projects/%s" % plain["id"],
                                    {"complianceProfile": "csbr", "strict": True}), 400,
                         message_contains="strict")
        self.assertError(F.api.call("PATCH", "/api/v1/projects/%s" % plain["id"],
                                    {"complianceProfile": 1}), 400,
                         message_contains="complianceProfile")
        self.assertEqual(counts(), before)
        self.assertEqual(F.api.ok("GET", "/api/v1/projects/%s" % plain["id"])[
            "complianceProfile"], "none")
        # Outside one's projects a project is not found; members may read, not change it.
        user, user_token = create_user(F.api, F.admin_token)
        self.assertError(F.api.call("GET", "/api/v1/projects/%s" % plain["id"],
                                    token=user_token), 404)
        add_project_member(F.api, F.admin_token, plain["id"], user_id=user["id"], role="member")
        self.assertEqual(F.api.ok("GET", "/api/v1/projects/%s" % plain["id"],
                                  token=user_token)["complianceProfile"], "none")
        self.assertError(F.api.call("PATCH", "/api/v1/projects/%s" % plain["id"],
                                    {"complianceProfile": "csbr"}, token=user_token), 403)


class RulesTest(SignetTestCase):
    def assertRefused(self, response, status, rule, action):
        """A SPEC §3 error naming the rule, on record as a compliance.refusal event."""
        body = self.assertError(response, status, message_contains=["csbr: ", rule])
        self.assertTrue(body["message"].startswith("csbr: "), body)
        recorded = [e for e in refusals() if body["message"] in json.dumps(e["details"])]
        self.assertTrue(recorded, "no compliance.refusal event for %r" % body["message"])
        details = recorded[0]["details"]
        if isinstance(details, str):
            details = json.loads(details)
        self.assertEqual(details["action"], action)
        self.assertEqual(details["profile"], "csbr")
        return body

    def test_signers_only_on_hsm_keys(self):
        before = counts()
        # A software key cannot be made in a csbr project ...
        self.assertRefused(issue(F.project["id"], keySource="software"), 400,
                           "hardware security module", "certificate.issue")
        self.assertRefused(F.api.call("POST", "/api/v1/pki/certificates/csr", {
            "projectId": F.project["id"], "commonName": "x", "keyAlgorithm": "EC_prime256v1",
            "keySource": "software"}), 400, "hardware security module", "certificate.csr")
        self.assertRefused(F.api.call("POST", "/api/v1/pki/ca", {
            "projectId": F.project["id"], "commonName": "x", "keyAlgorithm": "EC_prime256v1",
            "ttlDays": 30, "keySource": "software"}), 400, "hardware security module",
            "ca.create")
        self.assertEqual(counts(), before)
        # ... and a certificate made while the profile was off cannot carry a signer once it is
        # on: creating a signer on it, or rebinding one to it, is refused.
        project = new_project()
        ca = F.api.ok("POST", "/api/v1/pki/ca", {"projectId": project["id"], "commonName": "sw",
                                                  "keyAlgorithm": "EC_prime256v1",
                                                  "ttlDays": 30})
        soft = self.assertOk(issue(project["id"], "EC_prime256v1", 30, ca_id=ca["id"]))
        self.assertEqual(soft["keySource"], "software")
        F.api.ok("PATCH", "/api/v1/projects/%s" % project["id"], {"complianceProfile": "csbr"})
        before = counts()
        self.assertRefused(F.api.call("POST", SIGNERS, {
            "projectId": project["id"], "name": unique("soft"),
            "certificateId": soft["certificateId"]}), 400, "is a software key", "signer.create")
        self.assertEqual(counts(), before)
        # An HSM key conforms: the key source defaults to the HSM in a csbr project (this
        # server's own default is software).
        hsm_ca = F.api.ok("POST", "/api/v1/pki/ca", {"projectId": project["id"],
                                                      "commonName": "hsm",
                                                      "keyAlgorithm": "EC_secp384r1",
                                                      "ttlDays": 365})
        self.assertEqual(hsm_ca["keySource"], "hsm")
        good = self.assertOk(issue(project["id"], "EC_prime256v1", 300, ca_id=hsm_ca["id"]))
        self.assertEqual(good["keySource"], "hsm")
        signer = F.api.ok("POST", SIGNERS, {"projectId": project["id"], "name": unique("hsm"),
                                            "certificateId": good["certificateId"]})
        self.assertEqual(signer["certificateKeySource"], "hsm")
        self.assertRefused(F.api.call("PATCH", "%s/%s" % (SIGNERS, signer["id"]),
                                      {"certificateId": soft["certificateId"]}), 400,
                           "is a software key", "signer.update")
        self.assertEqual(F.api.ok("GET", "%s/%s" % (SIGNERS, signer["id"]))["certificateId"],
                         good["certificateId"])

    def test_rsa_at_least_3072_and_named_curves(self):
        before = counts()
        rule = "RSA keys must be at least 3072 bits"
        self.assertRefused(F.api.call("POST", "/api/v1/pki/ca", {
            "projectId": F.project["id"], "commonName": "x", "keyAlgorithm": "RSA_2048",
            "ttlDays": 30}), 400, rule, "ca.create")
        self.assertRefused(issue(F.project["id"], "RSA_2048"), 400, rule, "certificate.issue")
        self.assertRefused(F.api.call("POST", "/api/v1/pki/certificates/csr", {
            "projectId": F.project["id"], "commonName": "x", "keyAlgorithm": "RSA_2048"}), 400,
            rule, "certificate.csr")
        # Infisical's signer form issues the certificate with the signer.
        self.assertRefused(F.api.call("POST", SIGNERS, {
            "projectId": F.project["id"], "name": unique("inf"), "caId": F.ca["id"],
            "keyAlgorithm": "RSA_2048"}), 400, rule, "signer.create")
        self.assertEqual(counts(), before)
        # RSA-3072/4096 and P-256/384/521 are allowed (RSA-4096 is slow to make: not here).
        for algorithm in ("RSA_3072", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"):
            with self.subTest(algorithm=algorithm):
                self.assertEqual(self.assertOk(issue(F.project["id"], algorithm))["keySource"],
                                 "hsm")
        # Outside csbr, RSA-2048 stays allowed.
        plain = new_project()
        self.assertOk(F.api.call("POST", "/api/v1/pki/ca", {
            "projectId": plain["id"], "commonName": "x", "keyAlgorithm": "RSA_2048",
            "ttlDays": 30}))

    def test_code_signing_certificates_460_days_with_the_reserved_policy(self):
        before = counts()
        self.assertRefused(issue(F.project["id"], "EC_prime256v1", 461), 400,
                           "at most 460 days", "certificate.issue")
        self.assertEqual(counts(), before)
        cert = self.assertOk(issue(F.project["id"], "EC_prime256v1", 460))
        text = x509_text(cert["certificate"])
        self.assertIn("X509v3 Certificate Policies", text)
        self.assertIn("Policy: " + POLICY_OID, text)
        self.assertIn("Code Signing", text)
        # Outside csbr nothing is added (and longer lifetimes stay allowed).
        plain = new_project()
        ca = F.api.ok("POST", "/api/v1/pki/ca", {"projectId": plain["id"], "commonName": "p",
                                                  "keyAlgorithm": "EC_prime256v1",
                                                  "ttlDays": 3650})
        other = self.assertOk(issue(plain["id"], "EC_prime256v1", 700, ca_id=ca["id"]))
        self.assertNotIn(POLICY_OID, x509_text(other["certificate"]))
        # A CA is not a code-signing certificate: its lifetime is not capped.
        self.assertEqual(F.ca["keySource"], "hsm")
        # A certificate from a public CA (key + CSR here, certificate imported) must carry the
        # policy and fit the lifetime too.
        d = tempfile.mkdtemp(dir=F.work)
        stand_in = local_ca(d)
        for days, policy, rule in ((500, True, "at most 460 days"),
                                   (400, False, POLICY_OID)):
            with self.subTest(days=days, policy=policy):
                csr = F.api.ok("POST", "/api/v1/pki/certificates/csr", {
                    "projectId": F.project["id"], "commonName": unique("pub"),
                    "keyAlgorithm": "EC_prime256v1"})
                self.assertEqual(csr["keySource"], "hsm")
                pem = sign_csr(d, csr["csr"], stand_in, days=days, policy=policy)
                self.assertRefused(F.api.call(
                    "POST", "/api/v1/pki/certificates/%s/import-certificate"
                    % csr["certificateId"], {"certificatePem": pem}), 400, rule,
                    "certificate.import-certificate")
                self.assertEqual(F.api.ok("GET", "/api/v1/pki/certificates/%s"
                                          % csr["certificateId"])["status"], "pending")

    def test_sha1_never(self):
        cert = self.assertOk(issue(F.project["id"], "RSA_3072"))
        signer = F.api.ok("POST", SIGNERS, {"projectId": F.project["id"], "name": unique("s1"),
                                            "certificateId": cert["certificateId"]})
        status, body = sign(F.api, F.admin_token, signer["id"], b"x" * 20,
                            "RSASSA_PKCS1_V1_5_SHA1", is_digest=True)
        self.assertEqual(status, 400, body)
        self.assertTrue(body["message"].startswith("csbr: SHA-1 is never allowed"), body)
        ops = F.api.ok("GET", "%s/%s/operations" % (SIGNERS, signer["id"]))["operations"]
        self.assertEqual(ops[0]["status"], "failed")
        self.assertIn("SHA-1", ops[0]["errorMessage"])
        # A certificate signed with SHA-1 is not imported for a key made here.
        d = tempfile.mkdtemp(dir=F.work)
        csr = F.api.ok("POST", "/api/v1/pki/certificates/csr", {
            "projectId": F.project["id"], "commonName": unique("sha1"),
            "keyAlgorithm": "EC_prime256v1"})
        pem = sign_csr(d, csr["csr"], local_ca(d), digest="sha1", days=300)
        self.assertIn("sha1", x509_text(pem).lower())
        self.assertRefused(F.api.call(
            "POST", "/api/v1/pki/certificates/%s/import-certificate" % csr["certificateId"],
            {"certificatePem": pem}), 400, "SHA-1 is never allowed",
            "certificate.import-certificate")
        self.assertEqual(F.api.ok("GET", "/api/v1/pki/certificates/%s"
                                  % csr["certificateId"])["status"], "pending")
        # Issued here: SHA-256 or stronger, whatever the key.
        self.assertIn("sha256WithRSAEncryption", x509_text(cert["certificate"]))

    def test_mfa_required_for_people_not_for_machines(self):
        cert = self.assertOk(issue(F.project["id"], "EC_prime256v1"))
        signer = F.api.ok("POST", SIGNERS, {"projectId": F.project["id"], "name": unique("mfa"),
                                            "certificateId": cert["certificateId"]})
        user, user_token = create_user(F.api, F.admin_token)
        add_project_member(F.api, F.admin_token, F.project["id"], user_id=user["id"],
                           role="admin")
        identity, _, _, mi_token = create_identity(F.api, F.admin_token)
        for principal in ({"userId": user["id"]}, {"identityId": identity["id"]}):
            F.api.ok("POST", "%s/%s/members" % (SIGNERS, signer["id"]),
                     dict(principal, role="operator"))
        before = counts()
        rule = "multi-factor authentication"
        status, body = sign(F.api, user_token, signer["id"], b"people", "ECDSA_SHA256")
        self.assertEqual(status, 403, body)
        self.assertTrue(body["message"].startswith("csbr: signing needs a session that passed "
                                                   "multi-factor authentication"), body)
        ops = F.api.ok("GET", "%s/%s/operations" % (SIGNERS, signer["id"]))["operations"]
        self.assertEqual((ops[0]["status"], ops[0]["actorId"]), ("denied", user["id"]))
        # Key and certificate management in the project, too.
        as_user = F.api.with_token(user_token)
        self.assertRefused(as_user.call("POST", "/api/v1/pki/ca", {
            "projectId": F.project["id"], "commonName": "x", "keyAlgorithm": "EC_prime256v1",
            "ttlDays": 30}), 403, rule, "ca.create")
        self.assertRefused(as_user.call("POST", "/api/v1/pki/certificates/issue", {
            "projectId": F.project["id"], "caId": F.ca["id"], "commonName": "x",
            "keyAlgorithm": "EC_prime256v1", "ttlDays": 30,
            "extendedKeyUsages": ["codeSigning"]}), 403, rule, "certificate.issue")
        self.assertRefused(as_user.call("POST", "/api/v1/pki/certificates/csr", {
            "projectId": F.project["id"], "commonName": "x", "keyAlgorithm": "EC_prime256v1"}),
            403, rule, "certificate.csr")
        self.assertRefused(as_user.call("PATCH", "%s/%s" % (SIGNERS, signer["id"]),
                                        {"status": "disabled"}), 403, rule, "signer.update")
        self.assertRefused(as_user.call("PATCH", "/api/v1/projects/%s" % F.project["id"],
                                        {"complianceProfile": "none"}), 403, rule,
                           "project.update")
        self.assertEqual(counts(), before)
        self.assertEqual(F.api.ok("GET", "%s/%s" % (SIGNERS, signer["id"]))["status"], "active")
        # A machine identity authenticates server to server: it signs.
        status, body = sign(F.api, mi_token, signer["id"], b"machines", "ECDSA_SHA256")
        self.assertEqual(status, 200, body)
        ok, out = openssl_verify(b"machines", unb64(body["signature"]), "ECDSA_SHA256",
                                 api=F.api, token=F.admin_token, signer_id=signer["id"])
        self.assertTrue(ok, out)
        # The same user without MFA may work in a project without the profile.
        plain = new_project()
        add_project_member(F.api, F.admin_token, plain["id"], user_id=user["id"], role="admin")
        self.assertOk(as_user.call("POST", "/api/v1/pki/ca", {
            "projectId": plain["id"], "commonName": "x", "keyAlgorithm": "EC_prime256v1",
            "ttlDays": 30}))
        # Turning the profile on needs MFA as well.
        self.assertRefused(as_user.call("PATCH", "/api/v1/projects/%s" % plain["id"],
                                        {"complianceProfile": "csbr"}), 403, rule,
                           "project.update")
        self.assertEqual(F.api.ok("GET", "/api/v1/projects/%s" % plain["id"])[
            "complianceProfile"], "none")

    def test_imports_refused_even_when_allowed(self):
        d = tempfile.mkdtemp(dir=F.work)
        key = os.path.join(d, "k.pem")
        crt = os.path.join(d, "c.pem")
        p12 = os.path.join(d, "c.p12")
        for args in (["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                      "-out", key],
                     ["req", "-new", "-x509", "-key", key, "-out", crt, "-days", "30",
                      "-subj", "/CN=imported", "-addext", "extendedKeyUsage=codeSigning",
                      "-addext", "certificatePolicies=" + POLICY_OID],
                     ["pkcs12", "-export", "-inkey", key, "-in", crt, "-out", p12,
                      "-passout", "pass:pw"]):
            code, out = run_openssl(args)
            self.assertEqual(code, 0, out)
        with open(p12, "rb") as f:
            p12_b64 = base64.b64encode(f.read()).decode()
        with open(key) as f:
            key_pem = f.read()
        with open(crt) as f:
            crt_pem = f.read()
        before = counts()
        for extra in ({}, {"allowSoftwareKey": True}):
            with self.subTest(**extra):
                self.assertRefused(F.api.call("POST", "/api/v1/pki/certificates/import", dict(
                    {"projectId": F.project["id"], "pkcs12": p12_b64, "password": "pw"},
                    **extra)), 400, "imported key was not", "certificate.import")
                self.assertRefused(F.api.call("POST", "/api/v1/pki/certificates/import", dict(
                    {"projectId": F.project["id"], "certificatePem": crt_pem,
                     "privateKeyPem": key_pem}, **extra)), 400, "imported key was not",
                    "certificate.import")
        self.assertEqual(counts(), before)
        # Outside csbr, on this server (default key source software), the import works.
        plain = new_project()
        imported = F.api.ok("POST", "/api/v1/pki/certificates/import", {
            "projectId": plain["id"], "pkcs12": p12_b64, "password": "pw"})
        self.assertEqual(imported["keySource"], "software")

    def test_switching_on_with_nonconforming_signers_is_refused_with_a_list(self):
        project = new_project()
        ca = F.api.ok("POST", "/api/v1/pki/ca", {"projectId": project["id"], "commonName": "x",
                                                  "keyAlgorithm": "RSA_2048", "ttlDays": 3650})
        names = []
        for algorithm, ttl in (("RSA_2048", 30), ("EC_prime256v1", 700)):
            cert = self.assertOk(issue(project["id"], algorithm, ttl, ca_id=ca["id"]))
            names.append(F.api.ok("POST", SIGNERS, {
                "projectId": project["id"], "name": unique("old"),
                "certificateId": cert["certificateId"]})["name"])
        body = self.assertRefused(F.api.call("PATCH", "/api/v1/projects/%s" % project["id"],
                                             {"complianceProfile": "csbr"}), 409,
                                  "2 signers that do not meet the profile", "project.update")
        for name in names:
            self.assertIn("signer '%s'" % name, body["message"])
        self.assertIn("software key", body["message"])
        self.assertEqual(F.api.ok("GET", "/api/v1/projects/%s" % project["id"])[
            "complianceProfile"], "none")
        # Once they are gone, the profile goes on.
        signers = F.api.ok("GET", SIGNERS, query={"projectId": project["id"]})["signers"]
        for s in signers:
            F.api.ok("DELETE", "%s/%s" % (SIGNERS, s["id"]))
        self.assertEqual(F.api.ok("PATCH", "/api/v1/projects/%s" % project["id"],
                                  {"complianceProfile": "csbr"})["complianceProfile"], "csbr")


class SigningUnderCsbrTest(SignetTestCase):
    """Signing goes on as before with an HSM key under csbr: API, CLI, PKCS#11 module."""

    @classmethod
    def setUpClass(cls):
        cert = F.api.ok("POST", "/api/v1/pki/certificates/issue", {
            "projectId": F.project["id"], "caId": F.ca["id"], "commonName": unique("rel"),
            "keyAlgorithm": "RSA_3072", "ttlDays": 365, "keyUsages": ["digitalSignature"],
            "extendedKeyUsages": ["codeSigning"]})
        cls.signer = F.api.ok("POST", SIGNERS, {"projectId": F.project["id"],
                                                "name": unique("release"),
                                                "certificateId": cert["certificateId"]})
        cls.pub = signer_public_key_pem(F.api, F.admin_token, cls.signer["id"])

    def test_api(self):
        self.assertEqual(self.signer["certificateKeySource"], "hsm")
        for algorithm in ("RSASSA_PKCS1_V1_5_SHA256", "RSASSA_PSS_SHA384",
                          "RSASSA_PKCS1_V1_5_SHA512"):
            with self.subTest(algorithm=algorithm):
                data = os.urandom(64)
                status, body = sign(F.api, F.admin_token, self.signer["id"], data, algorithm)
                self.assertEqual(status, 200, body)
                ok, out = openssl_verify(data, unb64(body["signature"]), algorithm,
                                         public_key_pem=self.pub)
                self.assertTrue(ok, out)
        evidence = F.api.ok("GET", "%s/%s/key-evidence" % (SIGNERS, self.signer["id"]))
        self.assertEqual(evidence["keySource"], "hsm")
        self.assertIs(evidence["attributes"]["neverExtractable"], True)

    def test_cli_one_file_and_a_batch(self):
        home = tempfile.mkdtemp(dir=F.work)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNET_")}
        env["HOME"] = home
        env["SIGNET_TOKEN"] = F.admin_token  # a session that passed MFA
        env["SIGNET_SERVER_URL"] = F.server.base_url
        files = [write_file(os.path.join(home, "f%d.bin" % i), os.urandom(2000 + i))
                 for i in range(3)]
        one = os.path.join(home, "one.sig")
        project = ["--project", F.project["id"]]
        runs = [[SIGNET] + project + ["sign", "--signer", self.signer["name"], "--algorithm",
                 "RSASSA_PSS_SHA256", "--in", files[0], "--out", one, "--no-progress"],
                # Several files: one sign-batch request with every digest.
                [SIGNET] + project + ["sign", "--signer", self.signer["name"], "--algorithm",
                 "RSASSA_PKCS1_V1_5_SHA256", "--out-dir", home, "--no-progress"] + files]
        for args in runs:
            proc = subprocess.run(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  timeout=120)
            self.assertEqual(proc.returncode, 0, proc.stderr.decode())
        checks = [(files[0], one, "RSASSA_PSS_SHA256")] + [
            (f, f + ".sig", "RSASSA_PKCS1_V1_5_SHA256") for f in files]
        for data_path, sig_path, algorithm in checks:
            with self.subTest(file=sig_path):
                with open(data_path, "rb") as f, open(sig_path, "rb") as s:
                    ok, out = openssl_verify(f.read(), s.read(), algorithm,
                                             public_key_pem=self.pub)
                self.assertTrue(ok, out)

    def test_pkcs11_module(self):
        if os.environ.get("SIGNET_SANITIZE", "").upper() in ("ON", "1", "TRUE"):
            # pkcs11-tool is not instrumented and cannot load an ASan-built module; under the
            # sanitizers the module's code runs in pkcs11_module_test (tests/unit/pkcs11).
            self.skipTest("the tools cannot load an ASan-built module")
        tool = shutil.which("pkcs11-tool")
        if tool is None:
            raise AssertionError("pkcs11-tool is not installed (Debian: opensc)")
        identity, client_id, client_secret, _ = create_identity(F.api, F.admin_token)
        F.api.ok("POST", "%s/%s/members" % (SIGNERS, self.signer["id"]),
                 {"identityId": identity["id"], "role": "operator"})
        work = tempfile.mkdtemp(dir=F.work)
        config = write_file(os.path.join(work, "pkcs11.json"), json.dumps({
            "serverUrl": F.server.base_url, "clientId": client_id,
            "clientSecret": client_secret, "projectId": F.project["id"]}))
        os.chmod(config, 0o600)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("SIGNET_") and not k.startswith("INFISICAL_")}
        env["SIGNET_PKCS11_CONFIG"] = config
        data = write_file(os.path.join(work, "in.bin"), os.urandom(5000))
        sig = os.path.join(work, "out.sig")
        proc = subprocess.run([tool, "--module", MODULE, "--token-label", self.signer["name"],
                               "--sign", "-m", "SHA256-RSA-PKCS", "-i", data, "-o", sig],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr.decode())
        with open(data, "rb") as f, open(sig, "rb") as s:
            ok, out = openssl_verify(f.read(), s.read(), "RSASSA_PKCS1_V1_5_SHA256",
                                     public_key_pem=self.pub)
        self.assertTrue(ok, out)
        ops = F.api.ok("GET", "%s/%s/operations" % (SIGNERS, self.signer["id"]))["operations"]
        self.assertEqual((ops[0]["status"], ops[0]["actorId"]), ("success", identity["id"]))


if __name__ == "__main__":
    unittest.main()
