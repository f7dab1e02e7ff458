#!/usr/bin/env python3
"""Browser sessions (docs/api.md "Browser sessions") over plain HTTP requests: the session
cookie's flags (HttpOnly, SameSite=Strict, Secure under TLS or behind a TLS proxy), the CSRF
token that every state-changing call made with the cookie must carry, a forged cross-site
form post refused without changing anything, logout ending the session on the server, login
refusing what a form could send, and the bearer-token path left as it was. The same in a real
browser: web/e2e/security.e2e.mjs."""
import base64
import http.client
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from signet_testlib import (ADMIN_EMAIL, ADMIN_PASSWORD, SignetTestCase,  # noqa: E402
                            create_user, header_of, raw_request, start_module_server, unique,
                            USER_PASSWORD)
from test_server import Spawned  # noqa: E402

SESSION = "/api/v1/auth/session"
SIGNER_ID = "0190f2c4-1111-7000-8000-000000000001"


class Fixture:
    pass


F = Fixture()


def setUpModule():
    start_module_server(F, lambda: None)


def tearDownModule():
    F.server.cleanup()


def raw(method, path, body=None, headers=None, port=None):
    return raw_request(port or F.server.port, method, path, body, headers)


def cookie_of(set_cookie):
    """'signet_session=sgt_…; Path=/; …' → 'sgt_…'."""
    return set_cookie.split(";", 1)[0].split("=", 1)[1]


def session_login(email=ADMIN_EMAIL, password=ADMIN_PASSWORD, extra_headers=None):
    """Logs in for a browser session; returns (cookie value, csrf token, Set-Cookie, body)."""
    import json
    hdrs = {"Content-Type": "application/json"}
    hdrs.update(extra_headers or {})
    status, headers, body = raw("POST", SESSION, json.dumps({"email": email, "password": password}),
                                hdrs)
    if status != 200:
        raise AssertionError("session login: %d %r" % (status, body))
    data = json.loads(body)
    set_cookie = header_of(headers, "Set-Cookie")
    return cookie_of(set_cookie), data["csrfToken"], set_cookie, data


def with_cookie(cookie, csrf=None, extra=None):
    h = {"Cookie": "signet_session=" + cookie, "Content-Type": "application/json"}
    if csrf is not None:
        h["X-CSRF-Token"] = csrf
    h.update(extra or {})
    return h


def jcall(method, path, headers, body=None):
    import json
    status, _, data = raw(method, path, None if body is None else json.dumps(body), headers)
    return status, (json.loads(data) if data else None)


class BrowserSessions(SignetTestCase):
    def test_login_sets_an_http_only_strict_cookie_and_no_token_in_the_body(self):
        cookie, csrf, set_cookie, data = session_login()
        attrs = [a.strip() for a in set_cookie.split(";")]
        self.assertEqual(attrs[0].split("=")[0], "signet_session")
        self.assertIn("HttpOnly", attrs)
        self.assertIn("SameSite=Strict", attrs)
        self.assertIn("Path=/", attrs)
        self.assertIn("Max-Age=%d" % data["expiresIn"], attrs)
        self.assertNotIn("Secure", attrs)  # plain HTTP on loopback: a Secure cookie would be lost
        self.assertRegex(csrf, r"^[0-9a-f]{64}$")
        self.assertNotIn(cookie, str(data))  # the session token is only in the cookie
        self.assertNotIn("accessToken", data)
        self.assertEqual(data["principal"]["email"], ADMIN_EMAIL)
        self.assertEqual(data["principal"]["orgRole"], "admin")
        self.assertEqual(data["principal"]["type"], "user")

    def test_secure_behind_a_tls_proxy(self):
        _, _, set_cookie, _ = session_login(extra_headers={"X-Forwarded-Proto": "https"})
        self.assertIn("Secure", [a.strip() for a in set_cookie.split(";")])

    def test_the_cookie_authenticates_reads_and_session_tells_the_csrf_token(self):
        cookie, csrf, _, login = session_login()
        status, me = jcall("GET", SESSION, with_cookie(cookie))
        self.assertEqual(status, 200, me)
        self.assertEqual(me["csrfToken"], csrf)
        self.assertEqual(me["principal"]["id"], login["principal"]["id"])
        status, signers = jcall("GET", "/api/v1/pki/signers", with_cookie(cookie))
        self.assertEqual(status, 200, signers)
        self.assertIn("signers", signers)
        # A bearer client asking who it is gets no CSRF token: it needs none.
        status, me = F.api.get(SESSION)
        self.assertEqual(status, 200)
        self.assertIsNone(me["csrfToken"])
        self.assertEqual(me["principal"]["email"], ADMIN_EMAIL)

    def test_state_changes_with_the_cookie_need_the_sessions_csrf_token(self):
        cookie, csrf, _, _ = session_login()
        other_cookie, other_csrf, _, _ = session_login()
        before = F.api.ok("GET", "/api/v1/pki/ca", query={"limit": 100})["totalCount"]
        body = {"commonName": "CSRF " + unique(), "keyAlgorithm": "EC_prime256v1", "ttlDays": 30}
        for csrf_header, why in ((None, "missing"), ("", "empty"), ("0" * 64, "wrong"),
                                 (other_csrf, "another session's"), (cookie, "the session token")):
            status, err = jcall("POST", "/api/v1/pki/ca", with_cookie(cookie, csrf_header), body)
            self.assertError((status, err), 403, "PermissionDenied", "X-CSRF-Token")
        for method, path in (("PATCH", "/api/v1/pki/signers/" + SIGNER_ID),
                             ("DELETE", "/api/v1/pki/signers/" + SIGNER_ID),
                             ("POST", "/api/v1/auth/logout"), ("DELETE", SESSION)):
            status, err = jcall(method, path, with_cookie(cookie), {})
            self.assertError((status, err), 403, "PermissionDenied", "X-CSRF-Token")
        self.assertEqual(F.api.ok("GET", "/api/v1/pki/ca", query={"limit": 100})["totalCount"],
                         before, "a refused call changed something")
        # The session survived the refused logout attempts.
        self.assertEqual(jcall("GET", SESSION, with_cookie(cookie))[0], 200)
        status, ca = jcall("POST", "/api/v1/pki/ca", with_cookie(cookie, csrf), body)
        self.assertEqual(status, 200, ca)
        status, ca2 = jcall("POST", "/api/v1/pki/ca", with_cookie(other_cookie, other_csrf),
                            dict(body, commonName="CSRF " + unique()))
        self.assertEqual(status, 200, ca2)

    def test_a_cross_site_form_post_with_the_cookie_changes_nothing(self):
        # What a page elsewhere can make a browser send: a form post, text/plain body shaped as
        # JSON, the cookie attached (same site: another port of 127.0.0.1), no custom header.
        cookie, _, _, _ = session_login()
        before = F.api.ok("GET", "/api/v1/pki/ca", query={"limit": 100})["totalCount"]
        forged = '{"commonName":"forged","keyAlgorithm":"EC_prime256v1","ttlDays":30,"x":"="}'
        for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
            status, _, body = raw("POST", "/api/v1/pki/ca", forged, {
                "Cookie": "signet_session=" + cookie, "Content-Type": ctype,
                "Origin": "http://127.0.0.1:1", "Sec-Fetch-Site": "same-site"})
            self.assertEqual(status, 403, body)
            self.assertIn(b"X-CSRF-Token", body)
        self.assertEqual(F.api.ok("GET", "/api/v1/pki/ca", query={"limit": 100})["totalCount"],
                         before)

    def test_the_bearer_path_is_unchanged(self):
        # No CSRF header needed, and a stray or stale cookie does not get in the way.
        for extra in ({}, {"Cookie": "signet_session=sgt_stale"}):
            r = F.api.request("POST", "/api/v1/pki/ca", {"commonName": "Bearer " + unique(),
                                                         "keyAlgorithm": "EC_prime256v1",
                                                         "ttlDays": 30}, headers=extra)
            self.assertEqual(r.status, 200, r.text)
            self.assertIsNone(r.headers.get("Set-Cookie"))
        # Without any credential: 401 as before.
        self.assertError(F.api.call("GET", "/api/v1/pki/signers", token=""), 401)

    def test_logout_ends_the_session_on_the_server(self):
        cookie, csrf, _, _ = session_login()
        status, headers, body = raw("DELETE", SESSION, headers=with_cookie(cookie, csrf))
        self.assertEqual(status, 200, body)
        cleared = [a.strip() for a in header_of(headers, "Set-Cookie").split(";")]
        self.assertEqual(cleared[0], "signet_session=")
        self.assertIn("Max-Age=0", cleared)
        # The browser would drop the cookie; someone who kept a copy gets nowhere.
        for method, path in (("GET", SESSION), ("GET", "/api/v1/pki/signers")):
            self.assertError(jcall(method, path, with_cookie(cookie)), 401)
        self.assertError(jcall("POST", "/api/v1/pki/ca", with_cookie(cookie, csrf),
                               {"commonName": "x", "keyAlgorithm": "EC_prime256v1",
                                "ttlDays": 1}), 401)
        # POST /api/v1/auth/logout works with a session too.
        cookie, csrf, _, _ = session_login()
        self.assertEqual(jcall("POST", "/api/v1/auth/logout", with_cookie(cookie, csrf), {})[0], 200)
        self.assertError(jcall("GET", SESSION, with_cookie(cookie)), 401)
        # Both are audited.
        events = F.api.ok("GET", "/api/v1/audit-logs", query={"eventType": "auth.logout",
                                                               "limit": 100})["auditLogs"]
        self.assertGreaterEqual(len(events), 2)

    def test_login_refuses_what_a_form_could_send(self):
        import json
        body = json.dumps({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        for ctype in (None, "text/plain", "application/x-www-form-urlencoded",
                      "application/jsonx"):
            hdrs = {} if ctype is None else {"Content-Type": ctype}
            status, headers, data = raw("POST", SESSION, body, hdrs)
            self.assertEqual(status, 400, (ctype, data))
            self.assertIn(b"Content-Type must be application/json", data)
            self.assertIsNone(header_of(headers, "Set-Cookie"))
        status, headers, _ = raw("POST", SESSION, body,
                                 {"Content-Type": "application/json; charset=utf-8"})
        self.assertEqual(status, 200)

    def test_login_errors(self):
        self.assertError(jcall("POST", SESSION, {"Content-Type": "application/json"},
                               {"email": ADMIN_EMAIL, "password": "wrong password"}), 401,
                         message_contains="invalid credentials")
        self.assertError(jcall("POST", SESSION, {"Content-Type": "application/json"},
                               {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "mfa": "1"}),
                         400, message_contains="unknown field 'mfa'")
        self.assertError(jcall("POST", SESSION, {"Content-Type": "application/json"},
                               {"email": ADMIN_EMAIL}), 400, message_contains="password")
        status, headers, _ = raw("POST", SESSION, '{"email":"%s","password":"nope"}' % ADMIN_EMAIL,
                                 {"Content-Type": "application/json"})
        self.assertIsNone(header_of(headers, "Set-Cookie"))
        failures = F.api.ok("GET", "/api/v1/audit-logs",
                            query={"eventType": "auth.login.failure", "limit": 100})["auditLogs"]
        self.assertTrue(failures)

    def test_failed_session_logins_are_throttled_like_bearer_logins(self):
        user, _ = create_user(F.api, F.admin_token)
        hdrs = {"Content-Type": "application/json"}
        for _ in range(6):  # the first five are free; the sixth starts a delay
            self.assertError(jcall("POST", SESSION, hdrs, {"email": user["email"],
                                                           "password": "wrong password"}), 401)
        status, headers, body = raw("POST", SESSION, '{"email":"%s","password":"%s"}'
                                    % (user["email"], USER_PASSWORD), hdrs)
        self.assertEqual(status, 429, body)
        self.assertIn(b"RateLimited", body)
        self.assertGreaterEqual(int(header_of(headers, "Retry-After")), 1)
        self.assertIsNone(header_of(headers, "Set-Cookie"))

    def test_a_member_gets_a_session_with_their_own_rights(self):
        user, _ = create_user(F.api, F.admin_token)
        cookie, csrf, _, data = session_login(user["email"], USER_PASSWORD)
        self.assertEqual(data["principal"]["orgRole"], "member")
        self.assertError(jcall("GET", "/api/v1/users", with_cookie(cookie)), 403)
        self.assertError(jcall("POST", "/api/v1/users", with_cookie(cookie, csrf),
                               {"email": unique() + "@x.test", "password": "long enough pw"}),
                         403)


class SessionOverTls(SignetTestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="signet-console-tls-")
        d = cls.dir
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", d + "/key.pem",
                        "-out", d + "/cert.pem", "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True)
        cls.server = Spawned(["--tls-cert", d + "/cert.pem", "--tls-key", d + "/key.pem"],
                             {"SIGNET_ROOT_KEY": base64.b64encode(os.urandom(32)).decode(),
                              "SIGNET_BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL,
                              "SIGNET_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD})

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_cookie_is_secure(self):
        import json
        ctx = ssl.create_default_context(cafile=self.dir + "/cert.pem")
        conn = http.client.HTTPSConnection("127.0.0.1", self.server.port, context=ctx, timeout=30)
        try:
            conn.request("POST", SESSION, json.dumps({"email": ADMIN_EMAIL,
                                                      "password": ADMIN_PASSWORD}),
                         {"Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            self.assertEqual(resp.status, 200)
            attrs = [a.strip() for a in resp.getheader("Set-Cookie").split(";")]
            self.assertIn("Secure", attrs)
            self.assertIn("HttpOnly", attrs)
            self.assertIn("SameSite=Strict", attrs)
            # The Secure cookie authenticates over HTTPS.
            cookie = attrs[0].split("=", 1)[1]
            conn.request("GET", SESSION, headers={"Cookie": "signet_session=" + cookie})
            resp = conn.getresponse()
            body = json.loads(resp.read())
            self.assertEqual(resp.status, 200)
            self.assertEqual(body["principal"]["email"], ADMIN_EMAIL)
        finally:
            conn.close()


if __name__ == "__main__":
    unittest.main()
