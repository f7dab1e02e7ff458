#!/usr/bin/env python3
"""OIDC auth of machine identities (issue 12, docs/ci-identities.md): a CI job logs in with
its identity token and signs with no stored secret.

The suite runs its own OpenID Provider on loopback (plain HTTP, which signetd allows to
loopback only): /.well-known/openid-configuration and a JWKS, with RS256 and ES256 keys made
by the `cryptography` module (Debian's python3-cryptography). Tokens carry the claims GitHub
Actions sends. signetd runs with --oidc-jwks-refresh 1s so that the key-rotation case does
not wait for the default 30 s.

Every refusal must be a 401 that says which check failed, never echoes the token, and leaves
an auth.oidc-auth.failure audit event; every signature is verified with `openssl`.
"""

import base64
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from signet_testlib import (  # noqa: E402
    BUILD_DIR, SignetServer, SignetTestCase, add_project_member, bootstrap_admin, create_ca,
    create_code_signer, default_project_id, list_all, openssl_verify, sign, unb64, unique)

try:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
except ImportError:  # scripts/install-deps.sh installs python3-cryptography
    if os.environ.get("SIGNET_BUILD_DIR"):
        raise
    raise unittest.SkipTest("python3-cryptography is not installed")

SIGNET = os.path.join(BUILD_DIR, "bin", "signet")
SIGNERS = "/api/v1/pki/signers"
OIDC = "/api/v1/auth/oidc-auth"
ALG = "ECDSA_SHA256"
AUDIENCE = "https://signet.example"
REPO = "octo-org/app"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def int_bytes(n, length=None):
    length = length or (n.bit_length() + 7) // 8
    return n.to_bytes(length, "big")


class Key:
    """A signing key of the test issuer, with its JWK."""

    def __init__(self, kid, kind):
        self.kid = kid
        self.kind = kind
        if kind == "RS256":
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            numbers = self.private.public_key().public_numbers()
            self.jwk = {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
                        "n": b64url(int_bytes(numbers.n)), "e": b64url(int_bytes(numbers.e))}
        else:
            self.private = ec.generate_private_key(ec.SECP256R1())
            numbers = self.private.public_key().public_numbers()
            self.jwk = {"kty": "EC", "kid": kid, "use": "sig", "alg": "ES256", "crv": "P-256",
                        "x": b64url(int_bytes(numbers.x, 32)), "y": b64url(int_bytes(numbers.y, 32))}

    def sign(self, signing_input):
        if self.kind == "RS256":
            return self.private.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        r, s = decode_dss_signature(self.private.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        return int_bytes(r, 32) + int_bytes(s, 32)

    def public_pem(self):
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def mint(key, claims, header=None, alg=None):
    """A compact JWS of `claims` signed by `key` (header fields may be overridden)."""
    h = {"alg": alg or key.kind, "typ": "JWT", "kid": key.kid}
    h.update(header or {})
    h = {k: v for k, v in h.items() if v is not None}
    signing_input = (b64url(json.dumps(h).encode()) + "." +
                     b64url(json.dumps(claims).encode())).encode()
    return signing_input.decode() + "." + b64url(key.sign(signing_input))


class Issuer:
    """A minimal OpenID Provider on 127.0.0.1:0 (discovery + JWKS), counting its requests."""

    def __init__(self):
        self.keys = []
        self.requests = {"discovery": 0, "jwks": 0}
        self.lock = threading.Lock()
        issuer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                if self.path == "/.well-known/openid-configuration":
                    name, body = "discovery", {"issuer": issuer.url, "jwks_uri": issuer.url + "/jwks",
                                               "id_token_signing_alg_values_supported": ["RS256", "ES256"]}
                elif self.path == "/jwks":
                    name, body = "jwks", {"keys": [k.jwk for k in issuer.keys]}
                else:
                    self.send_error(404)
                    return
                with issuer.lock:
                    issuer.requests[name] += 1
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def fetches(self):
        with self.lock:
            return dict(self.requests)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def github_claims(issuer_url, **overrides):
    """The claims of a GitHub Actions job token (of a push to main of octo-org/app)."""
    now = int(time.time())
    claims = {
        "jti": unique("jti"), "sub": "repo:%s:ref:refs/heads/main" % REPO, "aud": AUDIENCE,
        "ref": "refs/heads/main", "sha": "a" * 40, "repository": REPO,
        "repository_owner": "octo-org", "repository_visibility": "private",
        "run_id": "6157123456", "run_number": "42", "run_attempt": "1",
        "actor": "octocat", "workflow": "release", "event_name": "push",
        "ref_type": "branch", "job_workflow_ref": "%s/.github/workflows/release.yml@refs/heads/main" % REPO,
        "runner_environment": "github-hosted",
        "iss": issuer_url, "nbf": now - 5, "iat": now - 5, "exp": now + 300,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


class F:
    server = None
    api = None
    admin_token = None
    issuer = None
    rsa = None
    ec = None
    identity = None
    signer = None


def setUpModule():
    F.issuer = Issuer()
    F.rsa = Key("rsa-1", "RS256")
    F.ec = Key("ec-1", "ES256")
    F.issuer.keys = [F.rsa, F.ec]
    # Many refusals in a row from one address: no login delays here (OidcThrottleTest has them).
    F.server = SignetServer(extra_args=["--oidc-jwks-refresh", "1s", "--login-free-failures", "1000",
                                        "--login-lockout-failures", "0", "--login-ip-failures", "0"])
    try:
        F.server.start()
        F.api = F.server.api()
        _, F.admin_token = bootstrap_admin(F.api)
        F.api.token = F.admin_token
        project_id = default_project_id(F.api, F.admin_token)
        ca = create_ca(F.api, F.admin_token)
        F.signer = create_code_signer(F.api, F.admin_token, ca["id"], "EC_prime256v1")
        F.identity = F.api.ok("POST", "/api/v1/identities", {"name": unique("ci")})
        add_project_member(F.api, F.admin_token, project_id, identity_id=F.identity["id"])
        F.api.ok("POST", "%s/%s/members" % (SIGNERS, F.signer["id"]),
                 {"identityId": F.identity["id"], "role": "operator"})
        F.api.ok("POST", "%s/identities/%s" % (OIDC, F.identity["id"]), {
            "oidcDiscoveryUrl": F.issuer.url,
            "boundIssuer": F.issuer.url,
            "boundAudiences": "other-service, " + AUDIENCE,
            "boundClaims": {"repository": REPO, "ref": "refs/heads/main, refs/tags/v*"},
            "boundSubject": "repo:%s:*" % REPO,
            "accessTokenTTL": 600,
        })
    except BaseException:
        sys.stderr.write("setUpModule failed; signetd stderr:\n%s\n" % F.server.stderr_tail())
        F.server.cleanup()
        F.issuer.stop()
        raise


def tearDownModule():
    if F.server:
        F.server.cleanup()
    if F.issuer:
        F.issuer.stop()


def oidc_login(jwt, identity_id=None):
    return F.api.call("POST", OIDC + "/login", {"identityId": identity_id or F.identity["id"],
                                                "jwt": jwt}, token="")


def audit(event_type):
    items, _ = list_all(F.api, F.admin_token, "/api/v1/audit-logs", "auditLogs",
                        {"eventType": event_type})
    return items


class OidcLoginTest(SignetTestCase):

    def sign_and_verify(self, token):
        data = os.urandom(64)
        body = self.assertOk(sign(F.api, token, F.signer["id"], data, ALG))
        ok, out = openssl_verify(data, unb64(body["signature"]), ALG, api=F.api,
                                 token=F.admin_token, signer_id=F.signer["id"])
        self.assertTrue(ok, out)

    def assertRefused(self, jwt, says, identity_id=None):
        """401 naming the failed check, no token in the reply, and a failure audit event."""
        before = len(audit("auth.oidc-auth.failure"))
        r = oidc_login(jwt, identity_id)
        self.assertError(r, 401, message_contains=says)
        signature = jwt.split(".")[-1]
        if len(signature) > 8:
            self.assertNotIn(jwt, json.dumps(r[1]))
            self.assertNotIn(signature, json.dumps(r[1]))
        failures = audit("auth.oidc-auth.failure")
        self.assertEqual(len(failures), before + 1)
        event = max(failures, key=lambda e: e["seq"])
        self.assertIn(says, event["details"]["reason"])
        self.assertEqual(event["details"]["sourceIp"], "127.0.0.1")
        if len(signature) > 8:
            self.assertNotIn(signature, json.dumps(event))
        return r

    def test_rs256_and_es256_tokens_log_in_and_sign(self):
        for key in (F.rsa, F.ec):
            with self.subTest(alg=key.kind):
                body = self.assertOk(oidc_login(mint(key, github_claims(F.issuer.url))))
                self.assertEqual(body["tokenType"], "Bearer")
                self.assertEqual(body["expiresIn"], 600)  # the method's accessTokenTTL
                self.sign_and_verify(body["accessToken"])

        # The login and the signing are audited with the claims that matched.
        login = max(audit("auth.oidc-auth.login"), key=lambda e: e["seq"])
        self.assertEqual(login["actor"]["id"], F.identity["id"])
        claims = login["details"]["claims"]
        self.assertEqual(claims["iss"], F.issuer.url)
        self.assertEqual(claims["sub"], "repo:%s:ref:refs/heads/main" % REPO)
        self.assertEqual(claims["aud"], AUDIENCE)
        self.assertEqual(claims["repository"], REPO)
        self.assertEqual(claims["ref"], "refs/heads/main")
        signed = [e for e in audit("sign.success") if e["actor"]["id"] == F.identity["id"]]
        self.assertTrue(signed, "no signing event of the identity")
        latest = max(signed, key=lambda e: e["seq"])
        self.assertEqual(latest["details"]["actorClaims"]["repository"], REPO)
        self.assertEqual(latest["details"]["actorClaims"]["ref"], "refs/heads/main")
        self.assertEqual(latest["details"]["signerName"], F.signer["name"])

    def test_tag_ref_matches_the_glob(self):
        claims = github_claims(F.issuer.url, ref="refs/tags/v1.2.3",
                               sub="repo:%s:ref:refs/tags/v1.2.3" % REPO)
        self.assertOk(oidc_login(mint(F.ec, claims)))

    def test_expired_token(self):
        now = int(time.time())
        claims = github_claims(F.issuer.url, iat=now - 900, nbf=now - 900, exp=now - 600)
        self.assertRefused(mint(F.rsa, claims), "expired")

    def test_not_yet_valid_token(self):
        now = int(time.time())
        self.assertRefused(mint(F.rsa, github_claims(F.issuer.url, nbf=now + 600, iat=None)),
                           "not valid before")

    def test_wrong_audience(self):
        self.assertRefused(mint(F.rsa, github_claims(F.issuer.url, aud="https://elsewhere")),
                           "audience")

    def test_wrong_issuer(self):
        before = F.issuer.fetches()
        self.assertRefused(mint(F.rsa, github_claims("https://token.actions.githubusercontent.com")),
                           "issuer")
        self.assertEqual(F.issuer.fetches(), before)  # another issuer's token fetches nothing

    def test_unbound_repository(self):
        claims = github_claims(F.issuer.url, repository="mallory/app",
                               sub="repo:%s:ref:refs/heads/main" % REPO)
        self.assertRefused(mint(F.rsa, claims), "'repository' claim does not match")

    def test_unbound_ref(self):
        claims = github_claims(F.issuer.url, ref="refs/heads/feature",
                               sub="repo:%s:ref:refs/heads/feature" % REPO)
        self.assertRefused(mint(F.rsa, claims), "'ref' claim does not match")

    def test_unbound_subject(self):
        claims = github_claims(F.issuer.url, sub="repo:mallory/app:ref:refs/heads/main")
        self.assertRefused(mint(F.rsa, claims), "boundSubject")

    def test_missing_bound_claim(self):
        self.assertRefused(mint(F.rsa, github_claims(F.issuer.url, repository=None)),
                           "no 'repository' claim")

    def test_bad_signature(self):
        good = mint(F.rsa, github_claims(F.issuer.url))
        header, payload, _ = good.split(".")
        other = mint(F.rsa, github_claims(F.issuer.url, repository="x/y")).split(".")[2]
        self.assertRefused("%s.%s.%s" % (header, payload, other), "signature does not verify")
        # A payload changed after signing.
        forged = b64url(json.dumps(github_claims(F.issuer.url, exp=int(time.time()) + 86400)).encode())
        self.assertRefused("%s.%s.%s" % (header, forged, good.split(".")[2]),
                           "signature does not verify")

    def test_alg_none(self):
        claims = github_claims(F.issuer.url)
        h = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
        p = b64url(json.dumps(claims).encode())
        self.assertRefused("%s.%s." % (h, p), "only RS256 and ES256")

    def test_hs256_with_the_public_key_as_secret(self):
        import hmac
        import hashlib
        claims = github_claims(F.issuer.url)
        h = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": F.rsa.kid}).encode())
        p = b64url(json.dumps(claims).encode())
        mac = hmac.new(F.rsa.public_pem(), ("%s.%s" % (h, p)).encode(), hashlib.sha256).digest()
        self.assertRefused("%s.%s.%s" % (h, p, b64url(mac)), "only RS256 and ES256")

    def test_not_a_jwt(self):
        self.assertRefused("not-a-token", "not a JWT")

    def test_unknown_identity_and_identity_without_oidc(self):
        jwt = mint(F.rsa, github_claims(F.issuer.url))
        self.assertRefused(jwt, "does not exist or has no OIDC auth method",
                           identity_id="00000000-0000-4000-8000-000000000000")
        bare = F.api.ok("POST", "/api/v1/identities", {"name": unique("bare")})
        self.assertRefused(jwt, "does not exist or has no OIDC auth method", identity_id=bare["id"])

    def test_unknown_kid_then_key_rotation(self):
        rotated = Key("rsa-2", "RS256")
        # Not yet published: one refetch (after the 1 s refresh interval), still unknown.
        time.sleep(1.2)
        before = F.issuer.fetches()
        self.assertRefused(mint(rotated, github_claims(F.issuer.url)), "no key with kid 'rsa-2'")
        self.assertEqual(F.issuer.fetches()["jwks"], before["jwks"] + 1)
        # A second try right away may not fetch again.
        self.assertRefused(mint(rotated, github_claims(F.issuer.url)), "rsa-2")
        self.assertEqual(F.issuer.fetches()["jwks"], before["jwks"] + 1)
        # The issuer rotates: the old RSA key is gone, the new one published.
        F.issuer.keys = [rotated, F.ec]
        try:
            time.sleep(1.2)
            body = self.assertOk(oidc_login(mint(rotated, github_claims(F.issuer.url))))
            self.sign_and_verify(body["accessToken"])
            self.assertEqual(F.issuer.fetches()["jwks"], before["jwks"] + 2)
            # The retired key's tokens are refused now.
            self.assertRefused(mint(F.rsa, github_claims(F.issuer.url)), "rsa-1")
        finally:
            F.issuer.keys = [F.rsa, rotated, F.ec]
            time.sleep(1.2)

    def test_keys_are_cached(self):
        self.assertOk(oidc_login(mint(F.ec, github_claims(F.issuer.url))))
        before = F.issuer.fetches()
        for _ in range(5):
            self.assertOk(oidc_login(mint(F.ec, github_claims(F.issuer.url))))
        self.assertEqual(F.issuer.fetches(), before)


class OidcConfigTest(SignetTestCase):

    def new_identity(self):
        return F.api.ok("POST", "/api/v1/identities", {"name": unique("mi")})

    def base(self, **overrides):
        body = {"oidcDiscoveryUrl": F.issuer.url, "boundIssuer": F.issuer.url,
                "boundAudiences": AUDIENCE, "boundSubject": "repo:%s:*" % REPO}
        body.update(overrides)
        return {k: v for k, v in body.items() if v is not None}

    def test_attach_get_update_delete(self):
        identity = self.new_identity()
        path = "%s/identities/%s" % (OIDC, identity["id"])
        self.assertError(F.api.call("GET", path), 404, message_contains="no OIDC auth method")
        a = self.assertOk(F.api.call("POST", path, self.base()))["identityOidcAuth"]
        self.assertEqual(a["identityId"], identity["id"])
        self.assertEqual(a["boundAudiences"], AUDIENCE)
        self.assertEqual(a["accessTokenTTL"], 3600)  # the default
        self.assertError(F.api.call("POST", path, self.base()), 409, message_contains="PATCH")
        got = self.assertOk(F.api.call("GET", path))["identityOidcAuth"]
        self.assertEqual(got, a)
        upd = self.assertOk(F.api.call("PATCH", path, {"boundClaims": {"ref": "refs/heads/main"},
                                                       "accessTokenTTL": 120}))
        upd = upd["identityOidcAuth"]
        self.assertEqual(upd["boundClaims"], {"ref": "refs/heads/main"})
        self.assertEqual(upd["accessTokenTTL"], 120)
        self.assertEqual(upd["boundSubject"], a["boundSubject"])

        # A session of the method ends with it.
        add_project_member(F.api, F.admin_token, default_project_id(F.api, F.admin_token),
                           identity_id=identity["id"])
        login = self.assertOk(oidc_login(mint(F.ec, github_claims(F.issuer.url)), identity["id"]))
        self.assertEqual(login["expiresIn"], 120)
        token = login["accessToken"]
        self.assertOk(F.api.call("GET", SIGNERS, token=token))
        self.assertOk(F.api.call("DELETE", path))
        self.assertError(F.api.call("GET", SIGNERS, token=token), 401)
        self.assertError(F.api.call("GET", path), 404)
        events = [e["eventType"] for e in audit("identity.oidc-auth.attach") +
                  audit("identity.oidc-auth.update") + audit("identity.oidc-auth.revoke")
                  if e["target"]["id"] == identity["id"]]
        self.assertEqual(sorted(events), ["identity.oidc-auth.attach", "identity.oidc-auth.revoke",
                                          "identity.oidc-auth.update"])

    def test_bad_configurations_are_refused(self):
        identity = self.new_identity()
        path = "%s/identities/%s" % (OIDC, identity["id"])
        cases = [
            (self.base(oidcDiscoveryUrl="http://issuer.example.com"), "https"),
            (self.base(oidcDiscoveryUrl="ftp://x"), "https"),
            (self.base(boundIssuer=None), "boundIssuer"),
            (self.base(boundAudiences=""), "boundAudiences"),
            (self.base(boundAudiences=" , "), "boundAudiences"),
            (self.base(boundSubject=None), "boundSubject or boundClaims"),
            (self.base(boundClaims={"repository": 3}), "boundClaims.repository"),
            (self.base(boundClaims={"aud": "x"}), "boundAudiences"),
            (self.base(accessTokenTTL=0), "accessTokenTTL"),
            (self.base(accessTokenTTL=2592000), "accessTokenTTL"),
            (self.base(accessTokenTTL=600, accessTokenMaxTTL=60), "accessTokenMaxTTL"),
            (self.base(accessTokenTrustedIps=[{"ipAddress": "0.0.0.0/0"}]), "accessTokenTrustedIps"),
            (self.base(oidcDiscoveryURL=F.issuer.url), "oidcDiscoveryURL"),
            (self.base(jwks='{"keys":[]}'), "not both"),
            (self.base(oidcDiscoveryUrl=None, jwks='{"keys":[]}'), "no usable key"),
            (self.base(oidcDiscoveryUrl=None, jwks="nope"), "jwks"),
            (self.base(caCert="not a certificate"), "caCert"),
        ]
        for body, says in cases:
            with self.subTest(body=body):
                self.assertError(F.api.call("POST", path, body), 400, message_contains=says)
        self.assertError(F.api.call("GET", path), 404)
        self.assertError(F.api.call("POST", "%s/identities/%s" % (OIDC, "00000000-0000-4000-8000-000000000000"),
                                    self.base()), 404)

    def test_only_org_admins_configure(self):
        identity = self.new_identity()
        path = "%s/identities/%s" % (OIDC, identity["id"])
        email = unique("member") + "@signet.test"
        F.api.ok("POST", "/api/v1/users", {"email": email, "password": "correct horse battery"})
        token = F.api.ok("POST", "/api/v1/auth/login",
                         {"email": email, "password": "correct horse battery"})["accessToken"]
        self.assertError(F.api.call("POST", path, self.base(), token=token), 403)
        self.assertError(F.api.call("GET", path, token=token), 403)

    def test_inline_key_set_for_air_gapped_servers(self):
        identity = self.new_identity()
        add_project_member(F.api, F.admin_token, default_project_id(F.api, F.admin_token),
                           identity_id=identity["id"])
        offline = Key("offline-1", "ES256")
        path = "%s/identities/%s" % (OIDC, identity["id"])
        self.assertOk(F.api.call("POST", path, self.base(
            oidcDiscoveryUrl=None, boundIssuer="https://ci.internal.example",
            jwks=json.dumps({"keys": [offline.jwk]}))))
        before = F.issuer.fetches()
        claims = github_claims("https://ci.internal.example")
        self.assertOk(oidc_login(mint(offline, claims), identity["id"]))
        r = oidc_login(mint(F.ec, claims), identity["id"])
        self.assertError(r, 401, message_contains="no key with kid 'ec-1'")
        self.assertEqual(F.issuer.fetches(), before)


class OidcThrottleTest(SignetTestCase):
    """Refused OIDC logins count per identity like wrong passwords (default throttle)."""

    def test_failures_delay_further_logins_of_the_identity(self):
        server = SignetServer(extra_args=["--oidc-jwks-refresh", "1s"])
        self.addCleanup(server.cleanup)
        server.start()
        api = server.api()
        _, admin_token = bootstrap_admin(api)
        api.token = admin_token
        identity = api.ok("POST", "/api/v1/identities", {"name": unique("ci")})
        api.ok("POST", "%s/identities/%s" % (OIDC, identity["id"]), {
            "oidcDiscoveryUrl": F.issuer.url, "boundIssuer": F.issuer.url,
            "boundAudiences": AUDIENCE, "boundSubject": "repo:%s:*" % REPO})
        bad = mint(F.rsa, github_claims(F.issuer.url, aud="https://elsewhere"))
        body = {"identityId": identity["id"], "jwt": bad}
        for _ in range(6):  # the 5 free failures, and the one that starts a delay
            self.assertError(api.call("POST", OIDC + "/login", body, token=""), 401)
        good = {"identityId": identity["id"], "jwt": mint(F.rsa, github_claims(F.issuer.url))}
        r = api.request("POST", OIDC + "/login", good, token="")
        self.assertError((r.status, r.json), 429)
        self.assertGreaterEqual(int(r.headers["Retry-After"]), 1)


class OidcCliTest(SignetTestCase):

    def run_cli(self, args, home, env=None, stdin=None):
        e = dict(os.environ)
        e.update({"HOME": home, "XDG_CONFIG_HOME": os.path.join(home, ".config")})
        for name in ("SIGNET_TOKEN", "SIGNET_SERVER_URL", "SIGNET_OIDC_TOKEN", "SIGNET_IDENTITY_ID"):
            e.pop(name, None)
        e.update(env or {})
        return subprocess.run([SIGNET] + args, env=e, input=stdin, capture_output=True,
                              text=True, timeout=60)

    def test_login_with_a_token_file_then_sign(self):
        with tempfile.TemporaryDirectory(prefix="signet-oidc-cli-") as home:
            token_file = os.path.join(home, "id-token")
            with open(token_file, "w") as f:
                f.write(mint(F.ec, github_claims(F.issuer.url)) + "\n")
            r = self.run_cli(["login", "--server", F.server.base_url, "--identity-id",
                              F.identity["id"], "--oidc-token-file", token_file, "--json"], home)
            self.assertEqual(r.returncode, 0, r.stderr)
            out = json.loads(r.stdout)
            self.assertEqual(out["authMethod"], "oidc-auth")
            self.assertEqual(out["expiresIn"], 600)

            data_file = os.path.join(home, "data.bin")
            with open(data_file, "wb") as f:
                f.write(os.urandom(100))
            sig_file = os.path.join(home, "data.sig")
            r = self.run_cli(["sign", "--signer", F.signer["id"], "--algorithm", ALG,
                              "--in", data_file, "--out", sig_file], home)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(data_file, "rb") as f:
                data = f.read()
            with open(sig_file, "rb") as f:
                signature = f.read()
            ok, out = openssl_verify(data, signature, ALG, api=F.api, token=F.admin_token,
                                     signer_id=F.signer["id"])
            self.assertTrue(ok, out)

    def test_login_from_stdin_and_environment(self):
        with tempfile.TemporaryDirectory(prefix="signet-oidc-cli-") as home:
            jwt = mint(F.rsa, github_claims(F.issuer.url))
            r = self.run_cli(["login", "--server", F.server.base_url, "--identity",
                              F.identity["id"], "--oidc-token-file", "-"], home, stdin=jwt)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("OIDC auth", r.stdout)
            r = self.run_cli(["login", "--server", F.server.base_url], home,
                             env={"SIGNET_OIDC_TOKEN": jwt, "SIGNET_IDENTITY_ID": F.identity["id"]})
            self.assertEqual(r.returncode, 0, r.stderr)

    def test_refusals_are_one_line_and_never_echo_the_token(self):
        with tempfile.TemporaryDirectory(prefix="signet-oidc-cli-") as home:
            jwt = mint(F.rsa, github_claims(F.issuer.url, aud="https://elsewhere"))
            r = self.run_cli(["login", "--server", F.server.base_url, "--identity-id",
                              F.identity["id"], "--oidc-token-file", "-"], home, stdin=jwt)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("audience", r.stderr)
            self.assertNotIn(jwt.split(".")[2], r.stderr + r.stdout)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
            r = self.run_cli(["login", "--server", F.server.base_url, "--oidc-token-file",
                              os.path.join(home, "missing")], home)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("--identity-id", r.stderr)


if __name__ == "__main__":
    unittest.main()
