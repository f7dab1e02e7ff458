#!/usr/bin/env python3
"""Multi-factor authentication for people (issue 12): TOTP enrolment, the two-step login,
wrong and replayed codes, recovery codes, the org's requirement (approvers and admins, or
everyone), an admin's reset, and the console's cookie login.

The test computes TOTP codes itself (RFC 6238: HMAC-SHA1, 6 digits, 30 s) from the secret
the enrolment returns, as an authenticator app would. A code is accepted once and the server
accepts the codes of the current step and one step either side, so a test that needs several
codes uses the next step's code, or a recovery code, or a fresh user; nothing waits for the
clock.

Each class starts a signetd of its own: the org requirement changes what every caller may do.
"""

import base64
import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tempfile
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from signet_testlib import (  # noqa: E402
    BUILD_DIR, USER_PASSWORD, SignetServer, SignetTestCase, add_project_member, bootstrap_admin,
    create_ca, create_identity, create_user, default_project_id, issue_certificate, login,
    openssl_verify, sign, signer_public_key_pem, unique)

SIGNERS = "/api/v1/pki/signers"
POLICIES = "/api/v1/pki/signing-policies"
REQUESTS = "/api/v1/pki/signing-requests"
MFA = "/api/v1/auth/mfa"
ALG = "ECDSA_SHA256"
SIGNET = os.path.join(BUILD_DIR, "bin", "signet")


def totp(secret_b32, step_offset=0, at=None):
    """The code an authenticator app shows for `secret_b32` at time `at` (+ steps)."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int((at if at is not None else time.time()) // 30) + step_offset
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return "%06d" % (value % 1_000_000)


class MfaServer:
    """A signetd with an org admin and a CA, for one test class."""

    def __init__(self, extra_args=None):
        self.server = SignetServer(extra_args=extra_args or [])
        self.server.start()
        self.api = self.server.api()
        self.admin, self.admin_token = bootstrap_admin(self.api)
        self.project_id = default_project_id(self.api, self.admin_token)
        self.ca = create_ca(self.api, self.admin_token, "EC_prime256v1", unique("mfa-ca"))

    def as_(self, token):
        return self.api.with_token(token)

    def new_user(self, role="member", project_role="member"):
        user, token = create_user(self.api, self.admin_token, role=role)
        add_project_member(self.api, self.admin_token, self.project_id, user_id=user["id"],
                           role=project_role)
        return user, token

    def enrol(self, token):
        """Enrols and confirms an authenticator for the token's user; returns (secret,
        recovery codes). The confirming code is the current step's."""
        e = self.as_(token).ok("POST", MFA + "/totp/enroll", {})
        codes = self.as_(token).ok("POST", MFA + "/totp/confirm", {"code": totp(e["secret"])})
        return e["secret"], codes["recoveryCodes"]

    def audit_events(self, event_type):
        data = self.api.ok("GET", "/api/v1/audit-logs", token=self.admin_token,
                           query={"eventType": event_type, "limit": 100})
        return data["auditLogs"]

    def cleanup(self):
        self.server.cleanup()


class MfaTestCase(SignetTestCase):
    """A test class over one MfaServer, started with the class's `server_args`."""

    server_args = None

    @classmethod
    def setUpClass(cls):
        cls.s = MfaServer(cls.server_args)

    @classmethod
    def tearDownClass(cls):
        cls.s.cleanup()


class EnrolmentAndLoginTest(MfaTestCase):
    def test_enrol_confirm_and_log_in_with_a_code(self):
        s = self.s
        user, token = s.new_user()
        api = s.as_(token)
        status = self.assertOk(api.call("GET", MFA))
        self.assertEqual((status["enabled"], status["pending"], status["required"]),
                         (False, False, "none"))

        e = self.assertOk(api.call("POST", MFA + "/totp/enroll", {}))
        self.assertRegex(e["secret"], r"^[A-Z2-7]{32}$")  # 160 bits in base32
        uri = urllib.parse.urlparse(e["otpauthUri"])
        self.assertEqual((uri.scheme, uri.netloc), ("otpauth", "totp"))
        q = urllib.parse.parse_qs(uri.query)
        self.assertEqual(q["secret"], [e["secret"]])
        self.assertEqual((q["issuer"], q["digits"], q["period"], q["algorithm"]),
                         (["Signet"], ["6"], ["30"], ["SHA1"]))
        self.assertIn(user["email"], urllib.parse.unquote(uri.path))
        self.assertTrue(self.assertOk(api.call("GET", MFA))["pending"])

        # Not yet confirmed: logging in still takes the password alone.
        self.assertTrue(login(s.api, user["email"], USER_PASSWORD))
        # A wrong first code does not enable it.
        wrong = "%06d" % ((int(totp(e["secret"])) + 1) % 1_000_000)
        self.assertError(api.call("POST", MFA + "/totp/confirm", {"code": wrong}), 400,
                         message_contains="not the current code")
        self.assertFalse(self.assertOk(api.call("GET", MFA))["enabled"])

        # Kept: a 30-second step may begin before the replay below (a slow, sanitized build).
        confirm_code = totp(e["secret"])
        codes = self.assertOk(api.call("POST", MFA + "/totp/confirm",
                                       {"code": confirm_code}))["recoveryCodes"]
        self.assertEqual(len(codes), 10)
        self.assertEqual(len(set(codes)), 10)
        for code in codes:
            self.assertRegex(code, r"^[a-z2-7]{5}-[a-z2-7]{5}$")
        status = self.assertOk(api.call("GET", MFA))
        self.assertEqual((status["enabled"], status["recoveryCodesLeft"], status["sessionVerified"]),
                         (True, 10, True))
        self.assertEqual(len([a for a in s.audit_events("user.mfa.enable")
                              if a["actor"]["id"] == user["id"]]), 1)

        # Now the password alone gives an MFA login token, not a session.
        first = self.assertOk(s.api.call("POST", "/api/v1/auth/login",
                                         {"email": user["email"], "password": USER_PASSWORD}))
        self.assertTrue(first["mfaRequired"])
        self.assertNotIn("accessToken", first)
        self.assertLessEqual(first["expiresIn"], 300)
        self.assertError(s.as_(first["mfaToken"]).call("GET", "/api/v1/projects"), 401)
        self.assertError(s.as_(first["mfaToken"]).call("GET", MFA), 401)

        # The code that confirmed the enrolment is spent: a replay is refused and audited.
        self.assertError(s.api.call("POST", MFA + "/verify",
                                    {"mfaToken": first["mfaToken"], "code": confirm_code}),
                         401, message_contains="invalid or already used code")
        failures = s.audit_events("auth.mfa.failure")
        self.assertTrue(any(f["details"].get("email") == user["email"] for f in failures))
        # The next step's code (within the accepted window) works once.
        done = self.assertOk(s.api.call("POST", MFA + "/verify",
                                        {"mfaToken": first["mfaToken"],
                                         "code": totp(e["secret"], 1)}))
        self.assertEqual(done["tokenType"], "Bearer")
        session = s.as_(done["accessToken"])
        self.assertTrue(self.assertOk(session.call("GET", MFA))["sessionVerified"])
        self.assertOk(session.call("GET", "/api/v1/projects"))
        logins = [a for a in s.audit_events("auth.login") if a["actor"]["id"] == user["id"]]
        self.assertEqual(logins[0]["details"]["factor"], "totp")
        # The MFA login token is spent.
        self.assertError(s.api.call("POST", MFA + "/verify",
                                    {"mfaToken": first["mfaToken"],
                                     "code": totp(e["secret"], 1)}), 401,
                         message_contains="log in again")

        # A recovery code works once; dashes and case do not matter.
        second = s.api.ok("POST", "/api/v1/auth/login",
                          {"email": user["email"], "password": USER_PASSWORD})
        done = self.assertOk(s.api.call("POST", MFA + "/verify",
                                        {"mfaToken": second["mfaToken"],
                                         "recoveryCode": codes[0].upper()}))
        self.assertEqual(self.assertOk(s.as_(done["accessToken"]).call("GET", MFA))
                         ["recoveryCodesLeft"], 9)
        third = s.api.ok("POST", "/api/v1/auth/login",
                         {"email": user["email"], "password": USER_PASSWORD})
        self.assertError(s.api.call("POST", MFA + "/verify",
                                    {"mfaToken": third["mfaToken"], "recoveryCode": codes[0]}),
                         401)
        self.assertOk(s.api.call("POST", MFA + "/verify",
                                 {"mfaToken": third["mfaToken"],
                                  "recoveryCode": codes[1].replace("-", "")}))

    def test_bad_second_step_requests(self):
        s = self.s
        user, token = s.new_user()
        secret, _ = s.enrol(token)
        step = s.api.ok("POST", "/api/v1/auth/login",
                        {"email": user["email"], "password": USER_PASSWORD})
        cases = [
            ({"mfaToken": step["mfaToken"]}, 400, "exactly one of code and recoveryCode"),
            ({"mfaToken": step["mfaToken"], "code": "1", "recoveryCode": "x"}, 400, "exactly one"),
            ({"mfaToken": step["mfaToken"], "code": "123456", "extra": 1}, 400, "unknown field"),
            ({"code": "123456"}, 400, "mfaToken"),
            ({"mfaToken": "not-a-token", "code": totp(secret, 1)}, 401, "log in again"),
        ]
        for body, status, text in cases:
            with self.subTest(body=body):
                self.assertError(s.api.call("POST", MFA + "/verify", body), status,
                                 message_contains=text)
        # A session token is not an MFA login token.
        self.assertError(s.api.call("POST", MFA + "/verify",
                                    {"mfaToken": token, "code": totp(secret, 1)}), 401)
        # Nothing above spent the MFA login token.
        self.assertOk(s.api.call("POST", MFA + "/verify",
                                 {"mfaToken": step["mfaToken"], "code": totp(secret, 1)}))

    def test_enrolment_errors(self):
        s = self.s
        user, token = s.new_user()
        api = s.as_(token)
        self.assertError(api.call("POST", MFA + "/totp/confirm", {"code": "123456"}), 409,
                         message_contains="enrol first")
        self.assertError(api.call("POST", MFA + "/totp/enroll", {"x": 1}), 400,
                         message_contains="unknown field")
        s.enrol(token)
        self.assertError(api.call("POST", MFA + "/totp/enroll", {}), 409,
                         message_contains="already have an authenticator")
        _, _, _, mi_token = create_identity(s.api, s.admin_token)
        self.assertError(s.as_(mi_token).call("POST", MFA + "/totp/enroll", {}), 403,
                         message_contains="machine identities")

    def test_secrets_are_not_stored_in_the_clear(self):
        s = self.s
        user, token = s.new_user()
        secret, codes = s.enrol(token)
        raw_secret = base64.b32decode(secret)
        db = sqlite3.connect(os.path.join(s.server.data_dir, "signet.db"))
        try:
            stored_secret, stored_codes = db.execute(
                "SELECT totp_secret, recovery_codes FROM user_mfa WHERE user_id = ?",
                (user["id"],)).fetchone()
        finally:
            db.close()
        self.assertNotIn(raw_secret, stored_secret)
        self.assertNotIn(secret.encode(), stored_secret)
        for code in codes:
            self.assertNotIn(code.replace("-", ""), stored_codes)
            self.assertNotIn(code, stored_codes)

    def test_disable_and_new_recovery_codes(self):
        s = self.s
        user, token = s.new_user()
        secret, codes = s.enrol(token)
        api = s.as_(token)
        self.assertError(api.call("POST", MFA + "/recovery-codes", {"code": "000000"}), 403,
                         message_contains="not valid")
        fresh = self.assertOk(api.call("POST", MFA + "/recovery-codes",
                                       {"recoveryCode": codes[0]}))["recoveryCodes"]
        self.assertEqual(len(fresh), 10)
        self.assertFalse(set(fresh) & set(codes))
        # The old codes are gone.
        self.assertError(api.call("POST", MFA + "/totp/disable", {"recoveryCode": codes[1]}),
                         403, message_contains="not valid")
        self.assertTrue(self.assertOk(api.call("GET", MFA))["enabled"])
        self.assertOk(api.call("POST", MFA + "/totp/disable", {"code": totp(secret, 1)}))
        self.assertFalse(self.assertOk(api.call("GET", MFA))["enabled"])
        self.assertEqual(len([a for a in s.audit_events("user.mfa.disable")
                              if a["actor"]["id"] == user["id"]]), 1)
        # The password alone logs in again.
        self.assertTrue(login(s.api, user["email"], USER_PASSWORD))

    def test_admin_reset_ends_the_users_sessions(self):
        s = self.s
        user, token = s.new_user()
        s.enrol(token)
        # Any member may not reset someone's authenticator.
        _, other = s.new_user()
        self.assertError(s.as_(other).call("DELETE", "/api/v1/users/%s/mfa" % user["id"]), 403)
        self.assertOk(s.api.call("DELETE", "/api/v1/users/%s/mfa" % user["id"],
                                 token=s.admin_token))
        self.assertError(s.as_(token).call("GET", MFA), 401)
        self.assertTrue(login(s.api, user["email"], USER_PASSWORD))
        reset = s.audit_events("user.mfa.reset")
        self.assertEqual(reset[0]["target"]["id"], user["id"])
        self.assertError(s.api.call("DELETE", "/api/v1/users/%s/mfa" % user["id"],
                                    token=s.admin_token), 404,
                         message_contains="no authenticator")

    def test_console_login_takes_the_second_factor_before_the_cookie(self):
        s = self.s
        user, token = s.new_user()
        secret, _ = s.enrol(token)
        r = s.api.request("POST", "/api/v1/auth/session",
                          {"email": user["email"], "password": USER_PASSWORD})
        self.assertEqual(r.status, 200, r.text)
        self.assertTrue(r.json["mfaRequired"])
        self.assertFalse(any(k.lower() == "set-cookie" for k in r.headers))
        r2 = s.api.request("POST", "/api/v1/auth/session/mfa",
                           {"mfaToken": r.json["mfaToken"], "code": totp(secret, 1)})
        self.assertEqual(r2.status, 200, r2.text)
        cookie = [v for k, v in r2.headers.items() if k.lower() == "set-cookie"]
        self.assertTrue(cookie and "HttpOnly" in cookie[0], r2.headers)
        self.assertTrue(r2.json["principal"]["mfa"])
        self.assertTrue(r2.json["csrfToken"])


class ThrottleTest(MfaTestCase):
    """Wrong codes count like wrong passwords: the account locks."""

    server_args = ["--login-free-failures", "3", "--login-lockout-failures", "3",
                   "--login-lockout", "1h", "--login-ip-failures", "1000"]

    def test_guessing_codes_locks_the_account(self):
        s = self.s
        user, token = s.new_user()
        secret, _ = s.enrol(token)
        step = s.api.ok("POST", "/api/v1/auth/login",
                        {"email": user["email"], "password": USER_PASSWORD})
        statuses = []
        for guess in ["000000", "111111", "222222", "333333"]:
            if guess in (totp(secret, -1), totp(secret), totp(secret, 1)):
                continue
            statuses.append(s.api.request("POST", MFA + "/verify",
                                       {"mfaToken": step["mfaToken"], "code": guess}))
        self.assertEqual([r.status for r in statuses[:-1]], [401] * (len(statuses) - 1))
        self.assertEqual(statuses[-1].status, 429, statuses[-1].text)
        self.assertTrue(any(k.lower() == "retry-after" for k in statuses[-1].headers))
        # Locked: even the right code is refused now.
        self.assertError(s.api.call("POST", MFA + "/verify",
                                    {"mfaToken": step["mfaToken"], "code": totp(secret, 1)}),
                         429)
        locked = [a for a in s.audit_events("auth.mfa.failure")
                  if a["details"].get("accountLockedFor")]
        self.assertTrue(locked)


class RequirementTest(MfaTestCase):
    """The org's requirement: approvers and admins, then everyone."""

    _admin_mfa = None

    def setUp(self):
        if type(self)._admin_mfa is not None:  # each test starts from "none"
            self.s.api.ok("PUT", "/api/v1/admin/mfa-policy", {"required": "none"},
                          token=type(self)._admin_mfa)

    def admin_with_mfa(self):
        """The org admin's session after enrolling (once per class)."""
        cls = type(self)
        if cls._admin_mfa is None:
            s = self.s
            secret, _ = s.enrol(s.admin_token)  # the confirming session passed MFA
            cls._admin_mfa = s.admin_token
        return cls._admin_mfa

    def make_signer_with_policy(self, approver_id):
        s = self.s
        admin = self.admin_with_mfa()
        policy = s.api.ok("POST", POLICIES, {
            "name": unique("policy"),
            "steps": [{"name": "lead", "requiredApprovals": 1,
                       "approvers": [{"type": "user", "id": approver_id}]}],
            "constraints": {"maxSignings": 2}}, token=admin)
        cert = issue_certificate(s.api, admin, s.ca["id"], "EC_prime256v1")
        return s.api.ok("POST", SIGNERS, {"name": unique("mfa"),
                                          "certificateId": cert["certificateId"],
                                          "signingPolicyId": policy["id"]}, token=admin)

    def test_setting_the_requirement(self):
        s = self.s
        _, member = s.new_user()
        self.assertEqual(s.as_(member).ok("GET", "/api/v1/admin/mfa-policy")["required"], "none")
        self.assertError(s.as_(member).call("PUT", "/api/v1/admin/mfa-policy",
                                            {"required": "all"}), 403)
        # An admin without MFA cannot require it of others.
        other_admin, other_token = s.new_user(role="admin")
        self.assertError(s.as_(other_token).call("PUT", "/api/v1/admin/mfa-policy",
                                                 {"required": "privileged"}), 403,
                         message_contains="enrol an authenticator first")
        admin = self.admin_with_mfa()
        self.assertError(s.api.call("PUT", "/api/v1/admin/mfa-policy", {"required": "some"},
                                    token=admin), 400, message_contains="none, privileged, all")
        self.assertOk(s.api.call("PUT", "/api/v1/admin/mfa-policy", {"required": "privileged"},
                                 token=admin))
        self.assertEqual(s.as_(member).ok("GET", MFA)["required"], "privileged")
        # Now the other admin's session without MFA is refused admin actions.
        self.assertError(s.as_(other_token).call("GET", "/api/v1/users"), 403,
                         message_contains="multi-factor")
        events = s.audit_events("org.mfa-requirement.update")
        self.assertEqual(events[0]["details"]["required"], "privileged")

    def test_privileged_approvals_need_mfa(self):
        s = self.s
        approver, approver_token = s.new_user()
        requester, requester_token = s.new_user()
        signer = self.make_signer_with_policy(approver["id"])
        s.api.ok("POST", "%s/%s/members" % (SIGNERS, signer["id"]),
                 {"role": "operator", "userId": requester["id"]}, token=self.admin_with_mfa())
        s.api.ok("PUT", "/api/v1/admin/mfa-policy", {"required": "privileged"},
                 token=self.admin_with_mfa())
        req = s.as_(requester_token).ok("POST", "%s/%s/requests" % (SIGNERS, signer["id"]),
                                        {"justification": "release 1.0"})
        # The approver's session did not pass MFA: the approval is refused, nothing recorded.
        self.assertError(s.as_(approver_token).call("POST", "%s/%s/approve" % (REQUESTS, req["id"]),
                                                    {}), 403, message_contains="multi-factor")
        self.assertError(s.as_(approver_token).call("POST", "%s/%s/reject" % (REQUESTS, req["id"]),
                                                    {}), 403, message_contains="multi-factor")
        got = s.as_(requester_token).ok("GET", "%s/%s" % (REQUESTS, req["id"]))
        self.assertEqual((got["status"], got["approvals"]), ("pending", []))
        self.assertError(sign(s.api, requester_token, signer["id"], b"early", ALG), 403,
                         "ApprovalRequired")
        # Members without privileges keep working without MFA (requesting, reading).
        self.assertOk(s.as_(requester_token).call("GET", "%s/%s" % (SIGNERS, signer["id"])))
        # After enrolling, the approver's session passed MFA and the approval goes through.
        s.enrol(approver_token)
        done = self.assertOk(s.as_(approver_token).call(
            "POST", "%s/%s/approve" % (REQUESTS, req["id"]), {}))
        self.assertEqual(done["status"], "approved")
        status, body = sign(s.api, requester_token, signer["id"], b"release 1.0", ALG)
        self.assertEqual(status, 200, body)
        pub = signer_public_key_pem(s.api, self.admin_with_mfa(), signer["id"])
        ok, out = openssl_verify(b"release 1.0", base64.b64decode(body["signature"]), ALG,
                                 public_key_pem=pub)
        self.assertTrue(ok, out)

    def test_everyone_needs_mfa_and_machines_are_exempt(self):
        s = self.s
        user, token = s.new_user()
        identity, _, _, mi_token = create_identity(s.api, s.admin_token)
        cert = issue_certificate(s.api, self.admin_with_mfa(), s.ca["id"], "EC_prime256v1")
        signer = s.api.ok("POST", SIGNERS, {"name": unique("ci"),
                                            "certificateId": cert["certificateId"]},
                          token=self.admin_with_mfa())
        add_project_member(s.api, self.admin_with_mfa(), s.project_id,
                           identity_id=identity["id"])
        s.api.ok("POST", "%s/%s/members" % (SIGNERS, signer["id"]),
                 {"role": "operator", "identityId": identity["id"]}, token=self.admin_with_mfa())
        s.api.ok("PUT", "/api/v1/admin/mfa-policy", {"required": "all"},
                 token=self.admin_with_mfa())
        try:
            # A user without MFA may only reach the auth routes, to enrol.
            self.assertError(s.as_(token).call("GET", "/api/v1/projects"), 403,
                             message_contains="every user")
            self.assertEqual(self.assertOk(s.as_(token).call("GET", MFA))["required"], "all")
            s.enrol(token)
            self.assertOk(s.as_(token).call("GET", "/api/v1/projects"))
            # A machine identity signs without a second factor.
            status, body = sign(s.api, mi_token, signer["id"], b"ci build", ALG)
            self.assertEqual(status, 200, body)
            pub = signer_public_key_pem(s.api, self.admin_with_mfa(), signer["id"])
            ok, out = openssl_verify(b"ci build", base64.b64decode(body["signature"]), ALG,
                                     public_key_pem=pub)
            self.assertTrue(ok, out)
        finally:
            s.api.ok("PUT", "/api/v1/admin/mfa-policy", {"required": "none"},
                     token=self.admin_with_mfa())


class CliLoginTest(MfaTestCase):
    """`signet login` takes the second factor."""

    def signet(self, *args, stdin=""):
        home = tempfile.mkdtemp(prefix="signet-mfa-home-")
        self.addCleanup(shutil.rmtree, home, True)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("SIGNET_") and k != "XDG_CONFIG_HOME"}
        env["HOME"] = home
        proc = subprocess.run([SIGNET] + list(args), input=stdin.encode(), env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        return proc.returncode, proc.stdout.decode(), proc.stderr.decode(), home

    def test_login_with_a_code_or_a_recovery_code(self):
        s = self.s
        user, token = s.new_user()
        secret, codes = s.enrol(token)
        base = ["login", "--server", s.server.base_url, "--email", user["email"],
                "--password-stdin"]
        # Without a code (and no terminal to ask on): one clear line, nothing saved.
        code, out, err, home = self.signet(*base, stdin=USER_PASSWORD + "\n")
        self.assertEqual(code, 1, (out, err))
        self.assertEqual(err.strip().count("\n"), 0, err)
        self.assertIn("--mfa-code", err)
        self.assertFalse(os.path.exists(os.path.join(home, ".config", "signet")))
        # A wrong code: exit 2 (authentication), nothing saved.
        code, out, err, _ = self.signet(*base, "--mfa-code", "000000", stdin=USER_PASSWORD + "\n")
        self.assertEqual(code, 2, (out, err))
        self.assertIn("invalid or already used code", err)
        # The right code: a session that passed MFA.
        code, out, err, home = self.signet(*base, "--mfa-code", totp(secret, 1),
                                           stdin=USER_PASSWORD + "\n")
        self.assertEqual(code, 0, (out, err))
        with open(os.path.join(home, ".config", "signet", "config.json")) as f:
            saved = json.load(f)["token"]
        self.assertTrue(self.assertOk(s.as_(saved).call("GET", MFA))["sessionVerified"])
        code, out, err, _ = self.signet(*base, "--recovery-code", codes[3],
                                        stdin=USER_PASSWORD + "\n")
        self.assertEqual(code, 0, (out, err))
        code, out, err, _ = self.signet(*base, "--recovery-code", codes[3], "--mfa-code", "1",
                                        stdin=USER_PASSWORD + "\n")
        self.assertEqual(code, 1, (out, err))


if __name__ == "__main__":
    unittest.main()
