#!/usr/bin/env python3
"""HTTP API integration tests for signetd (SPEC §2-§4, §6; policies/requests/grants excluded).

One server is shared by the module (started in setUpModule, with an org admin, a CA and three
signers: RSA_2048, EC_prime256v1, EC_secp384r1); tests that need a pristine server start their
own. Every test uses unique names so the order of tests does not matter.
"""

import base64
import hashlib
import http.client
import json
import os
import re
import sys
import tempfile
import threading
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from signet_testlib import (  # noqa: E402
    start_module_server,
    ADMIN_EMAIL, ADMIN_PASSWORD, EC_ALGORITHMS, RSA_ALGORITHMS, USER_PASSWORD,
    Api, SignetServer, SignetTestCase, add_project_member, b64, bootstrap_admin, create_ca,
    create_code_signer, create_identity, create_signer, create_user, default_project_id,
    issue_certificate, list_all, login, make_expired_cert, make_local_key_and_cert,
    make_short_lived_cert,
    openssl_verify, read_file,
    run_openssl,
    sha256_hex, sign, signer_public_key_pem, split_algorithm, underscored, unique, unb64,
    write_file)

SIGNERS = "/api/v1/pki/signers"
ALIAS = "/api/v1/cert-manager/signers"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


class Fixture:
    """The shared server and the objects created once for the whole module."""
    server = None
    api = None
    admin = None
    admin_token = None
    project_id = None
    ca = None
    rsa = None      # RSA_2048 signer
    ec256 = None    # EC_prime256v1 signer
    ec384 = None    # EC_secp384r1 signer
    pubkeys = {}    # signer id -> PEM


F = Fixture


def setUpModule():
    def set_up():
        F.project_id = default_project_id(F.api, F.admin_token)
        F.ca = create_ca(F.api, F.admin_token, "EC_prime256v1", "Signet IT Root")
        F.rsa = create_code_signer(F.api, F.admin_token, F.ca["id"], "RSA_2048", unique("rsa"))
        F.ec256 = create_code_signer(F.api, F.admin_token, F.ca["id"], "EC_prime256v1",
                                     unique("ec256"))
        F.ec384 = create_code_signer(F.api, F.admin_token, F.ca["id"], "EC_secp384r1",
                                     unique("ec384"))
        for s in (F.rsa, F.ec256, F.ec384):
            F.pubkeys[s["id"]] = signer_public_key_pem(F.api, F.admin_token, s["id"])

    start_module_server(F, set_up)


def tearDownModule():
    if F.server is not None:
        F.server.cleanup()


def api():
    return F.api


def admin():
    """The admin's client; one shared object, so admin().last is the admin's last response."""
    return F.api


def new_member(role="member", project_member=True):
    """A fresh org member (optionally a member of the default project); returns (user, token)."""
    user, token = create_user(F.api, F.admin_token, role=role)
    if project_member:
        add_project_member(F.api, F.admin_token, F.project_id, user_id=user["id"], role="member")
    return user, token


def add_signer_member(signer_id, role, user_id=None, identity_id=None):
    body = {"role": role}
    if user_id:
        body["userId"] = user_id
    if identity_id:
        body["identityId"] = identity_id
    return admin().ok("POST", "%s/%s/members" % (SIGNERS, signer_id), body)


def fresh_ec_signer(name=None):
    return create_code_signer(F.api, F.admin_token, F.ca["id"], "EC_prime256v1",
                              name or unique("s"))


# ---------------------------------------------------------------------------------------


class HealthTest(SignetTestCase):
    def test_healthz(self):
        status, _ = api().call("GET", "/healthz", token="")
        self.assertEqual(status, 200)

    def test_readyz(self):
        status, _ = api().call("GET", "/readyz", token="")
        self.assertEqual(status, 200)

    def test_metrics_prometheus_text(self):
        a = admin()
        self.assertOk(sign(a, F.admin_token, F.ec256["id"], b"metrics", "ECDSA_SHA256"))
        r = a.request("GET", "/metrics", token="")
        if r.status == 401:  # metrics may sit behind auth; then a token must open it
            r = a.request("GET", "/metrics")
        self.assertEqual(r.status, 200, r.text[:500])
        self.assertIn("signet_sign_operations_total", r.text)
        self.assertRegex(r.text, r"(?m)^# (TYPE|HELP) signet_sign_operations_total")
        self.assertRegex(r.text, r"(?m)^signet_sign_operations_total(\{[^}]*\})? [0-9.e+]+$")
        # Group commits carried at least this call's record; the signer cache was asked.
        commits = re.search(r"(?m)^signet_group_commits_total (\d+)$", r.text)
        records = re.search(r"(?m)^signet_group_commit_records_total (\d+)$", r.text)
        self.assertTrue(commits and records, r.text[-800:])
        self.assertGreaterEqual(int(records.group(1)), int(commits.group(1)))
        self.assertGreaterEqual(int(commits.group(1)), 1)
        self.assertRegex(r.text, r'(?m)^signet_signer_cache_lookups_total\{result="(hit|miss)"\} \d+$')


class BootstrapTest(SignetTestCase):
    def _server(self, **kw):
        server = SignetServer(**kw)
        self.addCleanup(server.cleanup)
        server.start()
        return server

    def test_bootstrap_endpoint_once(self):
        server = self._server()
        a = server.api()
        # Before any user exists: login cannot succeed and bad bodies are refused.
        self.assertError(a.call("POST", "/api/v1/auth/login",
                                {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}), 401)
        self.assertError(a.call("POST", "/api/v1/admin/bootstrap", {"email": ADMIN_EMAIL}), 400,
                         message_contains="password")
        self.assertError(a.call("POST", "/api/v1/admin/bootstrap",
                                {"email": ADMIN_EMAIL, "password": 12345678}), 400,
                         message_contains="password")
        status, body = a.call("POST", "/api/v1/admin/bootstrap",
                              {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        self.assertEqual(status, 200, body)
        self.assertEqual(set(["user", "accessToken", "expiresIn"]) - set(body), set())
        self.assertEqual(body["user"]["email"], ADMIN_EMAIL)
        self.assertRegex(body["user"]["id"], UUID_RE)
        self.assertNotIn("password", body["user"])
        self.assertNotIn("$argon2", a.last.text)
        self.assertIsInstance(body["expiresIn"], int)
        self.assertGreater(body["expiresIn"], 0)
        token = body["accessToken"]
        self.assertOk(a.call("GET", "/api/v1/users", token=token))
        # Only once.
        self.assertError(a.call("POST", "/api/v1/admin/bootstrap",
                                {"email": "other@signet.test", "password": ADMIN_PASSWORD}), 409)
        # The admin can log in and is an org admin; a default project exists.
        token2 = login(a, ADMIN_EMAIL, ADMIN_PASSWORD)
        users = self.assertList(a.call("GET", "/api/v1/users", token=token2), "users")
        self.assertEqual(users["totalCount"], 1)
        self.assertEqual(users["users"][0].get("orgRole"), "admin", users)
        default_project_id(a, token2)

    def test_bootstrap_from_environment(self):
        server = self._server(bootstrap_env=True)
        a = server.api()
        token = login(a, ADMIN_EMAIL, ADMIN_PASSWORD)
        users = self.assertList(a.call("GET", "/api/v1/users", token=token), "users")
        self.assertEqual([u["email"] for u in users["users"]], [ADMIN_EMAIL])
        self.assertError(a.call("POST", "/api/v1/admin/bootstrap",
                                {"email": "x@signet.test", "password": ADMIN_PASSWORD}), 409)
        # Restarting with the variables still set does not create a second admin.
        server.restart()
        a = server.api()
        token = login(a, ADMIN_EMAIL, ADMIN_PASSWORD)
        users = self.assertList(a.call("GET", "/api/v1/users", token=token), "users")
        self.assertEqual(users["totalCount"], 1)


class AuthTest(SignetTestCase):
    def test_login_success_shape(self):
        user, _ = create_user(api(), F.admin_token)
        status, body = api().call("POST", "/api/v1/auth/login",
                                  {"email": user["email"], "password": USER_PASSWORD}, token="")
        self.assertEqual(status, 200, body)
        self.assertEqual(body.get("tokenType"), "Bearer")
        self.assertIsInstance(body.get("accessToken"), str)
        self.assertGreater(len(body["accessToken"]), 16)
        self.assertIsInstance(body.get("expiresIn"), int)
        self.assertGreater(body["expiresIn"], 0)

    def test_login_failure_does_not_reveal_which_part(self):
        user, _ = create_user(api(), F.admin_token)
        wrong_password = self.assertError(api().call(
            "POST", "/api/v1/auth/login", {"email": user["email"], "password": "wrong password 1"},
            token=""), 401)
        unknown_email = self.assertError(api().call(
            "POST", "/api/v1/auth/login",
            {"email": "%s@signet.test" % unique("nobody"), "password": USER_PASSWORD},
            token=""), 401)
        self.assertEqual(wrong_password["message"], unknown_email["message"])

    def test_login_bad_body(self):
        self.assertError(api().call("POST", "/api/v1/auth/login", {"email": ADMIN_EMAIL},
                                    token=""), 400, message_contains="password")
        self.assertError(api().call("POST", "/api/v1/auth/login",
                                    {"email": 42, "password": "x"}, token=""), 400,
                         message_contains="email")

    def test_missing_or_bad_token_is_401(self):
        a = api()
        self.assertError(a.call("GET", "/api/v1/users", token=""), 401)
        self.assertError(a.call("GET", "/api/v1/users", token="not-a-real-token"), 401)
        self.assertError(a.call("GET", "/api/v1/users", token="",
                                headers={"Authorization": "Basic YWRtaW46eA=="}), 401)
        self.assertError(a.call("GET", SIGNERS, token=""), 401)

    def test_logout_revokes_token(self):
        user, token = create_user(api(), F.admin_token)
        other = login(api(), user["email"], USER_PASSWORD)
        self.assertOk(api().call("GET", SIGNERS, token=token))
        self.assertOk(api().call("POST", "/api/v1/auth/logout", {}, token=token))
        self.assertError(api().call("GET", SIGNERS, token=token), 401)
        self.assertError(api().call("POST", "/api/v1/auth/logout", {}, token=token), 401)
        # Only the presented token is revoked.
        self.assertOk(api().call("GET", SIGNERS, token=other))

    def test_logout_without_token_is_401(self):
        self.assertError(api().call("POST", "/api/v1/auth/logout", {}, token=""), 401)

    def test_universal_auth_login(self):
        identity, client_id, client_secret, token = create_identity(api(), F.admin_token)
        status, body = api().call("POST", "/api/v1/auth/universal-auth/login",
                                  {"clientId": client_id, "clientSecret": client_secret},
                                  token="")
        self.assertEqual(status, 200, body)
        self.assertEqual(body.get("tokenType"), "Bearer")
        self.assertIsInstance(body.get("expiresIn"), int)
        self.assertOk(api().call("GET", SIGNERS, token=body["accessToken"]))
        bad = self.assertError(api().call("POST", "/api/v1/auth/universal-auth/login",
                                          {"clientId": client_id, "clientSecret": "wrong"},
                                          token=""), 401)
        unknown = self.assertError(api().call("POST", "/api/v1/auth/universal-auth/login",
                                              {"clientId": str(uuid.uuid4()),
                                               "clientSecret": client_secret}, token=""), 401)
        self.assertEqual(bad["message"], unknown["message"])
        self.assertError(api().call("POST", "/api/v1/auth/universal-auth/login",
                                    {"clientId": client_id}, token=""), 400,
                         message_contains="clientSecret")


class UsersTest(SignetTestCase):
    def test_user_lifecycle(self):
        email = "%s@signet.test" % unique("life")
        status, user = admin().call("POST", "/api/v1/users",
                                    {"email": email, "password": USER_PASSWORD,
                                     "orgRole": "member"})
        self.assertEqual(status, 200, user)
        self.assertRegex(user["id"], UUID_RE)
        self.assertEqual(user["email"], email)
        self.assertEqual(user["orgRole"], "member")
        self.assertFalse({"password", "passwordHash"} & set(user), user)
        self.assertNotIn("$argon2", admin().last.text)
        got = self.assertOk(admin().call("GET", "/api/v1/users/%s" % user["id"]))
        self.assertEqual(got["id"], user["id"])
        self.assertEqual(got["email"], email)
        patched = self.assertOk(admin().call("PATCH", "/api/v1/users/%s" % user["id"],
                                             {"orgRole": "admin"}))
        self.assertEqual(patched["orgRole"], "admin")
        self.assertEqual(self.assertOk(admin().call("GET", "/api/v1/users/%s" % user["id"]))[
            "orgRole"], "admin")
        items, _ = list_all(admin(), F.admin_token, "/api/v1/users", "users")
        self.assertIn(user["id"], [u["id"] for u in items])
        token = login(api(), email, USER_PASSWORD)
        deleted = self.assertOk(admin().call("DELETE", "/api/v1/users/%s" % user["id"]))
        self.assertEqual(deleted["id"], user["id"])
        self.assertEqual(deleted["email"], email)
        self.assertError(admin().call("GET", "/api/v1/users/%s" % user["id"]), 404)
        self.assertError(api().call("POST", "/api/v1/auth/login",
                                    {"email": email, "password": USER_PASSWORD}, token=""), 401)
        # A deleted user's outstanding token no longer works.
        self.assertError(api().call("GET", SIGNERS, token=token), 401)

    def test_duplicate_email_is_409(self):
        email = "%s@signet.test" % unique("dup")
        self.assertOk(admin().call("POST", "/api/v1/users",
                                   {"email": email, "password": USER_PASSWORD,
                                    "orgRole": "member"}))
        self.assertError(admin().call("POST", "/api/v1/users",
                                      {"email": email, "password": USER_PASSWORD,
                                       "orgRole": "member"}), 409)

    def test_invalid_user_fields(self):
        email = "%s@signet.test" % unique("bad")
        self.assertError(admin().call("POST", "/api/v1/users",
                                      {"email": email, "password": USER_PASSWORD,
                                       "orgRole": "owner"}), 400, message_contains="role")
        self.assertError(admin().call("POST", "/api/v1/users",
                                      {"password": USER_PASSWORD, "orgRole": "member"}), 400,
                         message_contains="email")
        self.assertError(admin().call("POST", "/api/v1/users",
                                      {"email": email, "password": ["x"], "orgRole": "member"}),
                         400, message_contains="password")
        self.assertError(admin().call("PATCH", "/api/v1/users/%s" % F.admin["id"],
                                      {"orgRole": 7}), 400, message_contains="orgRole")

    def test_demotion_applies_to_existing_tokens(self):
        user, token = create_user(api(), F.admin_token, role="admin")
        self.assertList(api().call("GET", "/api/v1/users", token=token), "users")
        self.assertOk(admin().call("PATCH", "/api/v1/users/%s" % user["id"],
                                   {"orgRole": "member"}))
        self.assertError(api().call("GET", "/api/v1/users", token=token), 403)

    def test_unknown_user_is_404(self):
        missing = str(uuid.uuid4())
        self.assertError(admin().call("GET", "/api/v1/users/%s" % missing), 404)
        self.assertError(admin().call("PATCH", "/api/v1/users/%s" % missing,
                                      {"orgRole": "admin"}), 404)
        self.assertError(admin().call("DELETE", "/api/v1/users/%s" % missing), 404)

    def test_member_cannot_administer_users(self):
        user, token = create_user(api(), F.admin_token)
        a = api().with_token(token)
        self.assertError(a.call("POST", "/api/v1/users",
                                {"email": "%s@signet.test" % unique("x"),
                                 "password": USER_PASSWORD, "orgRole": "admin"}), 403)
        self.assertError(a.call("GET", "/api/v1/users"), 403)
        self.assertError(a.call("PATCH", "/api/v1/users/%s" % user["id"], {"orgRole": "admin"}),
                         403)
        self.assertError(a.call("DELETE", "/api/v1/users/%s" % F.admin["id"]), 403)
        # Nothing changed.
        self.assertEqual(self.assertOk(admin().call("GET", "/api/v1/users/%s" % user["id"]))[
            "orgRole"], "member")

    def test_users_paging(self):
        for _ in range(3):
            create_user(api(), F.admin_token)
        full = self.assertList(admin().call("GET", "/api/v1/users", query={"limit": 100}),
                               "users")
        total = full["totalCount"]
        self.assertGreaterEqual(total, 4)
        default = self.assertList(admin().call("GET", "/api/v1/users"), "users")
        self.assertEqual(len(default["users"]), min(20, total))
        seen = []
        for offset in range(0, min(total, 6)):
            page = self.assertList(admin().call("GET", "/api/v1/users",
                                                query={"offset": offset, "limit": 1}), "users")
            self.assertEqual(len(page["users"]), 1)
            self.assertEqual(page["totalCount"], total)
            seen.append(page["users"][0]["id"])
        self.assertEqual(len(set(seen)), len(seen), "pages overlap: %r" % seen)
        page = self.assertList(admin().call("GET", "/api/v1/users",
                                            query={"offset": total, "limit": 5}), "users")
        self.assertEqual(page["users"], [])
        self.assertEqual(page["totalCount"], total)
        page = self.assertList(admin().call("GET", "/api/v1/users",
                                            query={"offset": 1, "limit": 2}), "users")
        self.assertEqual([u["id"] for u in page["users"]], seen[1:3])

    def test_bad_paging_values_are_400(self):
        for q, field in (({"limit": 0}, "limit"), ({"limit": 101}, "limit"),
                         ({"limit": -1}, "limit"), ({"limit": "abc"}, "limit"),
                         ({"offset": -1}, "offset"), ({"offset": "x"}, "offset")):
            for path in ("/api/v1/users", SIGNERS, "/api/v1/audit-logs", "/api/v1/pki/ca",
                         "/api/v1/pki/certificates"):
                with self.subTest(path=path, query=q):
                    self.assertError(admin().call("GET", path, query=q), 400,
                                     message_contains=field)
        self.assertList(admin().call("GET", "/api/v1/users", query={"limit": 100}), "users")
        self.assertList(admin().call("GET", "/api/v1/users", query={"limit": 1, "offset": 0}),
                        "users")


class IdentitiesTest(SignetTestCase):
    def test_identity_lifecycle(self):
        name = unique("mi")
        identity = self.assertOk(admin().call("POST", "/api/v1/identities", {"name": name}))
        self.assertRegex(identity["id"], UUID_RE)
        self.assertEqual(identity["name"], name)
        items, _ = list_all(admin(), F.admin_token, "/api/v1/identities", "identities")
        self.assertIn(identity["id"], [i["id"] for i in items])
        creds = self.assertOk(admin().call(
            "POST", "/api/v1/identities/%s/universal-auth/client-secrets" % identity["id"], {}))
        self.assertIsInstance(creds.get("clientId"), str)
        self.assertIsInstance(creds.get("clientSecret"), str)
        self.assertGreaterEqual(len(creds["clientSecret"]), 16)
        # The secret is shown once: no later reply carries it.
        admin().call("GET", "/api/v1/identities", query={"limit": 100})
        self.assertNotIn(creds["clientSecret"], admin().last.text)
        token = self.assertOk(api().call("POST", "/api/v1/auth/universal-auth/login",
                                         {"clientId": creds["clientId"],
                                          "clientSecret": creds["clientSecret"]},
                                         token=""))["accessToken"]
        self.assertOk(api().call("GET", SIGNERS, token=token))
        # A second secret works alongside the first.
        creds2 = self.assertOk(admin().call(
            "POST", "/api/v1/identities/%s/universal-auth/client-secrets" % identity["id"], {}))
        self.assertNotEqual(creds2["clientSecret"], creds["clientSecret"])
        self.assertOk(api().call("POST", "/api/v1/auth/universal-auth/login",
                                 {"clientId": creds2["clientId"],
                                  "clientSecret": creds2["clientSecret"]}, token=""))
        deleted = self.assertOk(admin().call("DELETE", "/api/v1/identities/%s" % identity["id"]))
        self.assertEqual(deleted["id"], identity["id"])
        self.assertError(api().call("POST", "/api/v1/auth/universal-auth/login",
                                    {"clientId": creds["clientId"],
                                     "clientSecret": creds["clientSecret"]}, token=""), 401)
        self.assertError(api().call("GET", SIGNERS, token=token), 401)
        items, _ = list_all(admin(), F.admin_token, "/api/v1/identities", "identities")
        self.assertNotIn(identity["id"], [i["id"] for i in items])

    def test_identity_errors(self):
        self.assertError(admin().call("POST", "/api/v1/identities", {}), 400,
                         message_contains="name")
        self.assertError(admin().call("POST", "/api/v1/identities", {"name": 3}), 400,
                         message_contains="name")
        missing = str(uuid.uuid4())
        self.assertError(admin().call(
            "POST", "/api/v1/identities/%s/universal-auth/client-secrets" % missing, {}), 404)
        self.assertError(admin().call("DELETE", "/api/v1/identities/%s" % missing), 404)

    def test_member_cannot_manage_identities(self):
        _, token = create_user(api(), F.admin_token)
        identity = self.assertOk(admin().call("POST", "/api/v1/identities", {"name": unique("mi")}))
        a = api().with_token(token)
        self.assertError(a.call("POST", "/api/v1/identities", {"name": unique("mi")}), 403)
        self.assertError(a.call(
            "POST", "/api/v1/identities/%s/universal-auth/client-secrets" % identity["id"], {}),
            403)
        self.assertError(a.call("DELETE", "/api/v1/identities/%s" % identity["id"]), 403)

    def test_client_secrets_listed_and_revoked(self):
        identity, client_id, first, _ = create_identity(api(), F.admin_token)
        base = "/api/v1/identities/%s/universal-auth/client-secrets" % identity["id"]
        second = self.assertOk(admin().call("POST", base, {"description": "deploy"}))
        listed = self.assertList(admin().call("GET", base), "clientSecrets")
        self.assertEqual(listed["totalCount"], 2)
        for secret in (first, second["clientSecret"]):
            self.assertNotIn(secret, admin().last.text)
        by_id = {s["id"]: s for s in listed["clientSecrets"]}
        self.assertEqual(by_id[second["clientSecretId"]]["description"], "deploy")
        self.assertEqual({s["identityId"] for s in by_id.values()}, {identity["id"]})
        self.assertEqual([s["revoked"] for s in by_id.values()], [False, False])
        first_id = next(i for i in by_id if i != second["clientSecretId"])

        revoked = self.assertOk(admin().call("POST", "%s/%s/revoke" % (base, first_id), {}))
        self.assertEqual((revoked["id"], revoked["revoked"]), (first_id, True))
        login = "/api/v1/auth/universal-auth/login"
        self.assertError(api().call("POST", login, {"clientId": client_id, "clientSecret": first},
                                    token=""), 401)
        self.assertOk(api().call("POST", login, {"clientId": client_id,
                                                 "clientSecret": second["clientSecret"]},
                                 token=""))
        # Revoking again answers the same row; the list shows the state.
        self.assertTrue(self.assertOk(admin().call("POST", "%s/%s/revoke" % (base, first_id)))[
            "revoked"])
        listed = self.assertList(admin().call("GET", base), "clientSecrets")["clientSecrets"]
        self.assertEqual({s["id"]: s["revoked"] for s in listed},
                         {first_id: True, second["clientSecretId"]: False})

        # Errors: another identity's secret, unknown ids, a body, not an org admin.
        other, _, _, _ = create_identity(api(), F.admin_token)
        other_base = "/api/v1/identities/%s/universal-auth/client-secrets" % other["id"]
        self.assertError(admin().call("POST", "%s/%s/revoke" % (other_base,
                                                                second["clientSecretId"])), 404)
        self.assertError(admin().call("POST", "%s/%s/revoke" % (base, uuid.uuid4())), 404)
        self.assertError(admin().call("POST", "%s/nope/revoke" % base), 400,
                         message_contains="clientSecretId")
        self.assertError(admin().call("POST", "%s/%s/revoke" % (base, second["clientSecretId"]),
                                      {"reason": "x"}), 400)
        missing = "/api/v1/identities/%s/universal-auth/client-secrets" % uuid.uuid4()
        self.assertError(admin().call("GET", missing), 404)
        _, token = create_user(api(), F.admin_token)
        member = api().with_token(token)
        self.assertError(member.call("GET", base), 403)
        self.assertError(member.call("POST", "%s/%s/revoke" % (base, second["clientSecretId"])),
                         403)
        self.assertOk(api().call("POST", login, {"clientId": client_id,
                                                 "clientSecret": second["clientSecret"]},
                                 token=""))


class ProjectsTest(SignetTestCase):
    def test_default_project_listed(self):
        body = self.assertList(admin().call("GET", "/api/v1/projects", query={"limit": 100}),
                               "projects")
        self.assertGreaterEqual(body["totalCount"], 1)
        self.assertRegex(F.project_id, UUID_RE)

    def test_project_and_memberships(self):
        name = unique("proj")
        project = self.assertOk(admin().call("POST", "/api/v1/projects", {"name": name}))
        self.assertRegex(project["id"], UUID_RE)
        self.assertEqual(project["name"], name)
        items, _ = list_all(admin(), F.admin_token, "/api/v1/projects", "projects")
        self.assertIn(project["id"], [p["id"] for p in items])
        user, _ = create_user(api(), F.admin_token)
        identity, _, _, _ = create_identity(api(), F.admin_token)
        base = "/api/v1/projects/%s/memberships" % project["id"]
        m_user = self.assertOk(admin().call("POST", base,
                                            {"userId": user["id"], "role": "member"}))
        self.assertRegex(m_user["id"], UUID_RE)
        self.assertEqual(m_user["role"], "member")
        m_ident = self.assertOk(admin().call("POST", base,
                                             {"identityId": identity["id"], "role": "admin"}))
        self.assertEqual(m_ident["role"], "admin")
        listed = self.assertList(admin().call("GET", base), "memberships")
        ids = [m["id"] for m in listed["memberships"]]
        self.assertIn(m_user["id"], ids)
        self.assertIn(m_ident["id"], ids)
        got = self.assertOk(admin().call("GET", "%s/%s" % (base, m_ident["id"])))
        self.assertEqual(got["identityId"], identity["id"])
        self.assertEqual(got["role"], "admin")
        self.assertError(admin().call("GET", "%s/%s" % (base, uuid.uuid4())), 404)
        self.assertError(admin().call("GET", "%s/not-a-uuid" % base), 400,
                         message_contains="membershipId")
        deleted = self.assertOk(admin().call("DELETE", "%s/%s" % (base, m_user["id"])))
        self.assertEqual(deleted["id"], m_user["id"])
        listed = self.assertList(admin().call("GET", base), "memberships")
        self.assertNotIn(m_user["id"], [m["id"] for m in listed["memberships"]])
        self.assertError(admin().call("DELETE", "%s/%s" % (base, m_user["id"])), 404)

    def test_membership_errors(self):
        user, token = create_user(api(), F.admin_token)
        base = "/api/v1/projects/%s/memberships" % F.project_id
        self.assertError(admin().call("POST", base, {"userId": user["id"], "role": "owner"}), 400,
                         message_contains="role")
        self.assertError(admin().call("POST", base, {"role": "member"}), 400)
        self.assertError(admin().call("POST", "/api/v1/projects/%s/memberships" % uuid.uuid4(),
                                      {"userId": user["id"], "role": "member"}), 404)
        self.assertError(admin().call("POST", "/api/v1/projects", {"name": 5}), 400,
                         message_contains="name")
        # A plain member cannot add members to the project.
        other, _ = create_user(api(), F.admin_token)
        add_project_member(api(), F.admin_token, F.project_id, user_id=user["id"])
        self.assertError(api().call("POST", base, {"userId": other["id"], "role": "admin"},
                                    token=token), 403)

    def test_membership_role_change(self):
        user, token = create_user(api(), F.admin_token)
        other, _ = create_user(api(), F.admin_token)
        base = "/api/v1/projects/%s/memberships" % F.project_id
        m = self.assertOk(admin().call("POST", base, {"userId": user["id"], "role": "member"}))
        m_other = self.assertOk(admin().call("POST", base,
                                             {"userId": other["id"], "role": "member"}))
        member = api().with_token(token)
        # A member cannot change roles; once a project admin, they can.
        self.assertError(member.call("PATCH", "%s/%s" % (base, m_other["id"]),
                                     {"role": "admin"}), 403)
        changed = self.assertOk(admin().call("PATCH", "%s/%s" % (base, m["id"]),
                                             {"role": "admin"}))
        self.assertEqual((changed["id"], changed["userId"], changed["role"]),
                         (m["id"], user["id"], "admin"))
        self.assertEqual(self.assertOk(admin().call("GET", "%s/%s" % (base, m["id"])))["role"],
                         "admin")
        self.assertEqual(self.assertOk(member.call("PATCH", "%s/%s" % (base, m_other["id"]),
                                                   {"role": "admin"}))["role"], "admin")
        self.assertOk(admin().call("PATCH", "%s/%s" % (base, m_other["id"]), {"role": "member"}))
        # Errors change nothing.
        for body in ({"role": "owner"}, {}, {"role": "admin", "userId": other["id"]},
                     {"role": 1}):
            self.assertError(admin().call("PATCH", "%s/%s" % (base, m_other["id"]), body), 400)
        self.assertError(admin().call("PATCH", "%s/%s" % (base, uuid.uuid4()),
                                      {"role": "admin"}), 404)
        self.assertError(admin().call("PATCH", "%s/not-a-uuid" % base, {"role": "admin"}), 400,
                         message_contains="membershipId")
        # A membership of another project is not found through this one.
        project = self.assertOk(admin().call("POST", "/api/v1/projects", {"name": unique("pr")}))
        self.assertError(admin().call("PATCH", "/api/v1/projects/%s/memberships/%s"
                                      % (project["id"], m["id"]), {"role": "member"}), 404)
        self.assertEqual(self.assertOk(admin().call("GET", "%s/%s" % (base, m_other["id"])))[
            "role"], "member")


class CaTest(SignetTestCase):
    def test_root_and_intermediate(self):
        root = create_ca(admin(), F.admin_token, "EC_prime256v1", unique("Root CA"))
        self.assertRegex(root["id"], UUID_RE)
        inter = create_ca(admin(), F.admin_token, "EC_secp384r1", unique("Intermediate CA"),
                          parent_ca_id=root["id"])
        got = self.assertOk(admin().call("GET", "/api/v1/pki/ca/%s" % inter["id"]))
        self.assertEqual(got["id"], inter["id"])
        items, _ = list_all(admin(), F.admin_token, "/api/v1/pki/ca", "cas")
        ids = [c["id"] for c in items]
        self.assertIn(root["id"], ids)
        self.assertIn(inter["id"], ids)
        root_pem = self.assertOk(admin().call("GET", "/api/v1/pki/ca/%s/certificate" % root["id"]))
        inter_pem = self.assertOk(admin().call("GET",
                                               "/api/v1/pki/ca/%s/certificate" % inter["id"]))
        for body in (root_pem, inter_pem):
            self.assertIn("-----BEGIN CERTIFICATE-----", body["certificate"])
            self.assertIn("certificateChain", body)
        self.assertIn("-----BEGIN CERTIFICATE-----", inter_pem["certificateChain"])
        with tempfile.TemporaryDirectory() as d:
            rp, ip = os.path.join(d, "root.pem"), os.path.join(d, "inter.pem")
            write_file(rp, root_pem["certificate"])
            write_file(ip, inter_pem["certificate"])
            code, out = run_openssl(["verify", "-CAfile", rp, ip])
            self.assertEqual(code, 0, out)
            code, out = run_openssl(["x509", "-in", rp, "-noout", "-text"])
            self.assertIn("CA:TRUE", out)
            # A certificate issued by the intermediate chains to the root.
            cert = issue_certificate(admin(), F.admin_token, inter["id"], "EC_prime256v1")
            lp = os.path.join(d, "leaf.pem")
            write_file(lp, cert["certificate"])
            code, out = run_openssl(["verify", "-CAfile", rp, "-untrusted", ip, lp])
            self.assertEqual(code, 0, out)

    def test_ca_errors(self):
        a = admin()
        self.assertError(a.call("POST", "/api/v1/pki/ca",
                                {"commonName": "x", "keyAlgorithm": "DSA_1024", "ttlDays": 10}),
                         400, message_contains="keyAlgorithm")
        self.assertError(a.call("POST", "/api/v1/pki/ca",
                                {"commonName": "x", "keyAlgorithm": "EC_prime256v1",
                                 "ttlDays": 0}), 400, message_contains="ttlDays")
        self.assertError(a.call("POST", "/api/v1/pki/ca",
                                {"commonName": "x", "keyAlgorithm": "EC_prime256v1",
                                 "ttlDays": "ten"}), 400, message_contains="ttlDays")
        self.assertError(a.call("POST", "/api/v1/pki/ca",
                                {"keyAlgorithm": "EC_prime256v1", "ttlDays": 10}), 400,
                         message_contains="commonName")
        self.assertError(a.call("GET", "/api/v1/pki/ca/%s" % uuid.uuid4()), 404)
        self.assertError(a.call("GET", "/api/v1/pki/ca/%s/certificate" % uuid.uuid4()), 404)
        status, body = a.call("POST", "/api/v1/pki/ca",
                              {"commonName": "x", "keyAlgorithm": "EC_prime256v1", "ttlDays": 10,
                               "parentCaId": str(uuid.uuid4())})
        self.assertIn(status, (400, 404), body)
        self.assertError((status, body), status)

    def test_member_cannot_create_ca(self):
        _, token = new_member()
        self.assertError(api().call("POST", "/api/v1/pki/ca",
                                    {"commonName": "x", "keyAlgorithm": "EC_prime256v1",
                                     "ttlDays": 10}, token=token), 403)
        self.assertError(api().call("POST", "/api/v1/pki/certificates/issue",
                                    {"caId": F.ca["id"], "commonName": "x",
                                     "keyAlgorithm": "EC_prime256v1", "ttlDays": 10,
                                     "extendedKeyUsages": ["codeSigning"]}, token=token), 403)


class CertificatesTest(SignetTestCase):
    def test_issue_get_list(self):
        cn = unique("issued")
        cert = issue_certificate(admin(), F.admin_token, F.ca["id"], "EC_prime256v1",
                                 common_name=cn)
        for k in ("certificateId", "certificate", "certificateChain", "serialNumber"):
            self.assertIn(k, cert)
        self.assertRegex(cert["certificateId"], UUID_RE)
        self.assertIn("-----BEGIN CERTIFICATE-----", cert["certificate"])
        code, text = run_openssl(["x509", "-noout", "-text", "-serial"],
                                 cert["certificate"].encode())
        self.assertEqual(code, 0, text)
        self.assertIn("Code Signing", text)
        self.assertIn(cn, text)
        serial = re.search(r"serial=([0-9A-Fa-f]+)", text).group(1)
        self.assertEqual(serial.lower().lstrip("0"),
                         cert["serialNumber"].lower().replace(":", "").lstrip("0"))
        got = self.assertOk(admin().call("GET",
                                         "/api/v1/pki/certificates/%s" % cert["certificateId"]))
        self.assertEqual(got["id"], cert["certificateId"])
        self.assertEqual(got.get("status"), "active")
        pem = self.assertOk(admin().call(
            "GET", "/api/v1/pki/certificates/%s/certificate" % cert["certificateId"]))
        self.assertIn("-----BEGIN CERTIFICATE-----", str(pem))
        # The extendedKeyUsage filter keeps code-signing certificates only.
        other = issue_certificate(admin(), F.admin_token, F.ca["id"], "EC_prime256v1",
                                  ekus=("serverAuth",))
        items, _ = list_all(admin(), F.admin_token, "/api/v1/pki/certificates", "certificates",
                            {"extendedKeyUsage": "codeSigning"})
        ids = [c["id"] for c in items]
        self.assertIn(cert["certificateId"], ids)
        self.assertNotIn(other["certificateId"], ids)
        items, _ = list_all(admin(), F.admin_token, "/api/v1/pki/certificates", "certificates",
                            {"projectId": F.project_id})
        ids = [c["id"] for c in items]
        self.assertIn(cert["certificateId"], ids)
        self.assertIn(other["certificateId"], ids)

    def test_issue_errors(self):
        a = admin()
        base = {"caId": F.ca["id"], "commonName": "x", "keyAlgorithm": "EC_prime256v1",
                "ttlDays": 10, "extendedKeyUsages": ["codeSigning"]}
        self.assertError(a.call("POST", "/api/v1/pki/certificates/issue",
                                dict(base, keyAlgorithm="RSA_1024")), 400,
                         message_contains="keyAlgorithm")
        self.assertError(a.call("POST", "/api/v1/pki/certificates/issue",
                                dict(base, extendedKeyUsages=["bogusUsage"])), 400,
                         message_contains="extendedKeyUsage")
        self.assertError(a.call("POST", "/api/v1/pki/certificates/issue",
                                dict(base, ttlDays=-5)), 400, message_contains="ttlDays")
        status, body = a.call("POST", "/api/v1/pki/certificates/issue",
                              dict(base, caId=str(uuid.uuid4())))
        self.assertIn(status, (400, 404), body)
        self.assertError((status, body), status)
        self.assertError(a.call("GET", "/api/v1/pki/certificates/%s" % uuid.uuid4()), 404)
        self.assertError(a.call("POST", "/api/v1/pki/certificates/%s/revoke" % uuid.uuid4(), {}),
                         404)

    def test_revoke(self):
        cert = issue_certificate(admin(), F.admin_token, F.ca["id"], "EC_prime256v1")
        revoked = self.assertOk(admin().call(
            "POST", "/api/v1/pki/certificates/%s/revoke" % cert["certificateId"], {}))
        self.assertEqual(revoked.get("status"), "revoked", revoked)
        got = self.assertOk(admin().call("GET",
                                         "/api/v1/pki/certificates/%s" % cert["certificateId"]))
        self.assertEqual(got["status"], "revoked")
        # A revoked certificate cannot back a new signer.
        self.assertError(admin().call("POST", SIGNERS, {"name": unique("rv"),
                                                        "certificateId": cert["certificateId"]}),
                         400, message_contains="revoked")

    def _import_and_sign(self, body, key_pem):
        imported = self.assertOk(admin().call("POST", "/api/v1/pki/certificates/import", body))
        cert_id = imported.get("certificateId") or imported.get("id")
        self.assertRegex(cert_id or "", UUID_RE, imported)
        self.assertNotIn("PRIVATE KEY", admin().last.text)
        signer = create_signer(admin(), F.admin_token, cert_id)
        data = os.urandom(64)
        sig = self.assertOk(sign(admin(), F.admin_token, signer["id"], data, "ECDSA_SHA256"))
        with tempfile.NamedTemporaryFile("w", suffix=".pem") as f:
            f.write(key_pem)
            f.flush()
            code, pub = run_openssl(["pkey", "-in", f.name, "-pubout"])
        self.assertEqual(code, 0, pub)
        ok, out = openssl_verify(data, unb64(sig["signature"]), "ECDSA_SHA256",
                                 public_key_pem=pub)
        self.assertTrue(ok, out)
        # The server's public key is the imported one.
        self.assertEqual(signer_public_key_pem(admin(), F.admin_token, signer["id"]).strip(),
                         pub.strip())
        return cert_id

    def test_import_pem(self):
        with tempfile.TemporaryDirectory() as d:
            key_pem, cert_pem = make_local_key_and_cert(d)
            self._import_and_sign({"certificatePem": cert_pem, "privateKeyPem": key_pem}, key_pem)
            other_key, _ = make_local_key_and_cert(d)
            self.assertError(admin().call("POST", "/api/v1/pki/certificates/import",
                                          {"certificatePem": cert_pem,
                                           "privateKeyPem": other_key}), 400)
            self.assertError(admin().call("POST", "/api/v1/pki/certificates/import",
                                          {"certificatePem": "-----BEGIN CERTIFICATE-----\nAAAA"
                                                             "\n-----END CERTIFICATE-----\n",
                                           "privateKeyPem": key_pem}), 400)
            self.assertError(admin().call("POST", "/api/v1/pki/certificates/import",
                                          {"certificatePem": cert_pem}), 400)

    def test_import_pkcs12(self):
        with tempfile.TemporaryDirectory() as d:
            key_pem, cert_pem = make_local_key_and_cert(d)
            kf, cf, pf = (os.path.join(d, n) for n in ("k.pem", "c.pem", "b.p12"))
            write_file(kf, key_pem)
            write_file(cf, cert_pem)
            code, out = run_openssl(["pkcs12", "-export", "-inkey", kf, "-in", cf, "-out", pf,
                                     "-passout", "pass:p12-secret"])
            self.assertEqual(code, 0, out)
            p12 = base64.b64encode(read_file(pf, True)).decode()
            self.assertError(admin().call("POST", "/api/v1/pki/certificates/import",
                                          {"pkcs12": p12, "password": "wrong"}), 400)
            self._import_and_sign({"pkcs12": p12, "password": "p12-secret"}, key_pem)

    def test_csr_flow(self):
        cn = unique("csr")
        status, body = admin().call("POST", "/api/v1/pki/certificates/csr",
                                    {"commonName": cn, "keyAlgorithm": "EC_prime256v1"})
        self.assertEqual(status, 200, body)
        cert_id = body["certificateId"]
        self.assertIn("-----BEGIN CERTIFICATE REQUEST-----", body["csr"])
        self.assertNotIn("PRIVATE KEY", admin().last.text)
        got = self.assertOk(admin().call("GET", "/api/v1/pki/certificates/%s" % cert_id))
        self.assertEqual(got["status"], "pending")
        # A pending certificate cannot back a signer.
        self.assertError(admin().call("POST", SIGNERS, {"name": unique("p"),
                                                        "certificateId": cert_id}), 400)
        with tempfile.TemporaryDirectory() as d:
            csr_f = os.path.join(d, "req.csr")
            write_file(csr_f, body["csr"])
            code, out = run_openssl(["req", "-in", csr_f, "-noout", "-verify", "-subject"])
            self.assertEqual(code, 0, out)
            self.assertIn(cn, out)
            ca_key, ca_cert = make_local_key_and_cert(
                d, ekus=None, cn="External CA", ca=True,
                key_usage="critical,keyCertSign,cRLSign,digitalSignature")
            ck, cc = os.path.join(d, "ca.key"), os.path.join(d, "ca.pem")
            write_file(ck, ca_key)
            write_file(cc, ca_cert)
            ext = os.path.join(d, "ext.cnf")
            write_file(ext, "keyUsage=critical,digitalSignature\n"
                                 "extendedKeyUsage=codeSigning\n")
            leaf = os.path.join(d, "leaf.pem")
            code, out = run_openssl(["x509", "-req", "-in", csr_f, "-CA", cc, "-CAkey", ck,
                                     "-CAcreateserial", "-days", "30", "-extfile", ext,
                                     "-out", leaf])
            self.assertEqual(code, 0, out)
            # A certificate for another key is refused.
            _, wrong_cert = make_local_key_and_cert(d)
            self.assertError(admin().call(
                "POST", "/api/v1/pki/certificates/%s/import-certificate" % cert_id,
                {"certificatePem": wrong_cert}), 400)
            leaf_pem = read_file(leaf)
            self.assertOk(admin().call(
                "POST", "/api/v1/pki/certificates/%s/import-certificate" % cert_id,
                {"certificatePem": leaf_pem, "certificateChainPem": ca_cert}))
            got = self.assertOk(admin().call("GET", "/api/v1/pki/certificates/%s" % cert_id))
            self.assertEqual(got["status"], "active")
            signer = create_signer(admin(), F.admin_token, cert_id)
            data = os.urandom(40)
            sig = self.assertOk(sign(admin(), F.admin_token, signer["id"], data, "ECDSA_SHA256"))
            code, pub = run_openssl(["x509", "-pubkey", "-noout", "-in", leaf])
            ok, out = openssl_verify(data, unb64(sig["signature"]), "ECDSA_SHA256",
                                     public_key_pem=pub[pub.index("-----BEGIN"):])
            self.assertTrue(ok, out)


class SignersTest(SignetTestCase):
    def test_signer_lifecycle(self):
        cert = issue_certificate(admin(), F.admin_token, F.ca["id"], "EC_prime256v1")
        name = unique("life")
        status, signer = admin().call("POST", SIGNERS, {"name": name, "description": "first",
                                                        "certificateId": cert["certificateId"]})
        self.assertEqual(status, 200, signer)
        self.assertRegex(signer["id"], UUID_RE)
        self.assertEqual(signer["name"], name)
        self.assertEqual(signer["description"], "first")
        self.assertEqual(signer["status"], "active")
        self.assertEqual(signer["certificateId"], cert["certificateId"])
        self.assertEqual(signer["projectId"], F.project_id)
        for k in ("createdAt", "updatedAt"):
            self.assertRegex(signer[k], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
        got = self.assertOk(admin().call("GET", "%s/%s" % (SIGNERS, signer["id"])))
        self.assertEqual(got["id"], signer["id"])
        found = self.assertList(admin().call("GET", SIGNERS, query={"search": name}), "signers")
        self.assertEqual([s["id"] for s in found["signers"]], [signer["id"]])
        self.assertEqual(found["totalCount"], 1)
        patched = self.assertOk(admin().call("PATCH", "%s/%s" % (SIGNERS, signer["id"]),
                                             {"description": "second"}))
        self.assertEqual(patched["description"], "second")
        self.assertEqual(patched["name"], name)
        new_name = unique("renamed")
        patched = self.assertOk(admin().call("PATCH", "%s/%s" % (SIGNERS, signer["id"]),
                                             {"name": new_name}))
        self.assertEqual(patched["name"], new_name)
        self.assertEqual(self.assertOk(admin().call("GET", "%s/%s" % (SIGNERS, signer["id"])))[
            "name"], new_name)
        # Switch to another certificate: the public key follows.
        cert2 = issue_certificate(admin(), F.admin_token, F.ca["id"], "EC_prime256v1")
        before = signer_public_key_pem(admin(), F.admin_token, signer["id"])
        patched = self.assertOk(admin().call("PATCH", "%s/%s" % (SIGNERS, signer["id"]),
                                             {"certificateId": cert2["certificateId"]}))
        self.assertEqual(patched["certificateId"], cert2["certificateId"])
        self.assertNotEqual(signer_public_key_pem(admin(), F.admin_token, signer["id"]), before)
        deleted = self.assertOk(admin().call("DELETE", "%s/%s" % (SIGNERS, signer["id"])))
        self.assertEqual(deleted["id"], signer["id"])
        self.assertError(admin().call("GET", "%s/%s" % (SIGNERS, signer["id"])), 404)
        self.assertError(sign(admin(), F.admin_token, signer["id"], b"x", "ECDSA_SHA256"), 404)
        self.assertError(admin().call("DELETE", "%s/%s" % (SIGNERS, signer["id"])), 404)
        self.assertError(admin().call("PATCH", "%s/%s" % (SIGNERS, signer["id"]),
                                      {"description": "x"}), 404)

    def test_name_and_description_validation(self):
        cert = issue_certificate(admin(), F.admin_token, F.ca["id"], "EC_prime256v1")
        cid = cert["certificateId"]
        for bad in ("", "Upper", "under_score", "-lead", "trail-", "dou--ble", "sp ace",
                    "a" * 65, "dot.ted"):
            with self.subTest(name=bad):
                self.assertError(admin().call("POST", SIGNERS, {"name": bad,
                                                                "certificateId": cid}),
                                 400, message_contains="name")
        ok_name = "a" * 64
        self.assertOk(admin().call("POST", SIGNERS, {"name": ok_name, "certificateId": cid}))
        self.assertOk(admin().call("POST", SIGNERS, {"name": unique("x"), "certificateId": cid,
                                                     "description": "d" * 256}))
        self.assertError(admin().call("POST", SIGNERS, {"name": unique("x"), "certificateId": cid,
                                                        "description": "d" * 257}), 400,
                         message_contains="description")
        self.assertError(admin().call("POST", SIGNERS, {"name": unique("x")}), 400,
                         message_contains="certificateId")
        self.assertError(admin().call("POST", SIGNERS, {"name": 12, "certificateId": cid}), 400,
                         message_contains="name")
        self.assertError(admin().call("PATCH", "%s/%s" % (SIGNERS, F.ec256["id"]),
                                      {"name": "Bad_Name"}), 400, message_contains="name")
        self.assertError(admin().call("PATCH", "%s/%s" % (SIGNERS, F.ec256["id"]),
                                      {"status": "paused"}), 400, message_contains="status")

    def test_duplicate_name_is_409(self):
        name = unique("dup")
        signer = fresh_ec_signer(name)
        cert = issue_certificate(admin(), F.admin_token, F.ca["id"], "EC_prime256v1")
        self.assertError(admin().call("POST", SIGNERS, {"name": name,
                                                        "certificateId": cert["certificateId"]}),
                         409)
        other = fresh_ec_signer()
        self.assertError(admin().call("PATCH", "%s/%s" % (SIGNERS, other["id"]), {"name": name}),
                         409)
        # Several signers may share one certificate (under different names).
        self.assertOk(admin().call("POST", SIGNERS, {"name": unique("share"),
                                                     "certificateId": signer["certificateId"]}))

    def test_certificate_without_code_signing_is_400(self):
        cert = issue_certificate(admin(), F.admin_token, F.ca["id"], "EC_prime256v1",
                                 ekus=("serverAuth",))
        self.assertError(admin().call("POST", SIGNERS, {"name": unique("nocs"),
                                                        "certificateId": cert["certificateId"]}),
                         400, message_contains="codeSigning")
        signer = fresh_ec_signer()
        self.assertError(admin().call("PATCH", "%s/%s" % (SIGNERS, signer["id"]),
                                      {"certificateId": cert["certificateId"]}), 400,
                         message_contains="codeSigning")

    def test_expired_certificate_is_400(self):
        with tempfile.TemporaryDirectory() as d:
            key_pem, cert_pem = make_expired_cert(d)
        status, body = admin().call("POST", "/api/v1/pki/certificates/import",
                                    {"certificatePem": cert_pem, "privateKeyPem": key_pem})
        if status == 400:  # refusing an expired certificate at import is fine too
            self.assertError((status, body), 400, message_contains="expired")
            return
        self.assertEqual(status, 200, body)
        cert_id = body.get("certificateId") or body.get("id")
        self.assertError(admin().call("POST", SIGNERS, {"name": unique("exp"),
                                                        "certificateId": cert_id}),
                         400, message_contains="expired")

    def test_project_admin_manages_any_signer_of_the_project(self):
        other_signer = fresh_ec_signer()  # created by the org admin
        user, token = create_user(api(), F.admin_token)
        a = api().with_token(token)
        # Not yet in the project: the signer is invisible.
        self.assertError(a.call("GET", "%s/%s" % (SIGNERS, other_signer["id"])), 404)
        add_project_member(api(), F.admin_token, F.project_id, user_id=user["id"], role="admin")
        self.assertOk(a.call("GET", "%s/%s" % (SIGNERS, other_signer["id"])))
        self.assertOk(a.call("PATCH", "%s/%s" % (SIGNERS, other_signer["id"]),
                             {"description": "edited by a project admin"}))
        data = os.urandom(20)
        resp = self.assertOk(sign(a, token, other_signer["id"], data, "ECDSA_SHA256"))
        ok, out = openssl_verify(data, unb64(resp["signature"]), "ECDSA_SHA256",
                                 public_key_pem=signer_public_key_pem(a, token,
                                                                      other_signer["id"]))
        self.assertTrue(ok, out)
        # A project admin creates CAs, certificates and signers, and becomes the signer's admin.
        ca = create_ca(a, token, "EC_prime256v1")
        mine = create_code_signer(a, token, ca["id"], "EC_prime256v1", unique("padm"))
        members = self.assertList(a.call("GET", "%s/%s/members" % (SIGNERS, mine["id"])),
                                  "members")
        self.assertIn((user["id"], "admin"),
                      [(m.get("userId"), m["role"]) for m in members["members"]])

    def test_signers_in_another_project(self):
        project = self.assertOk(admin().call("POST", "/api/v1/projects", {"name": unique("p2")}))
        pid = project["id"]
        ca = create_ca(admin(), F.admin_token, "EC_prime256v1", project_id=pid)
        cert = issue_certificate(admin(), F.admin_token, ca["id"], "EC_prime256v1",
                                 project_id=pid)
        signer = create_signer(admin(), F.admin_token, cert["certificateId"], project_id=pid)
        self.assertEqual(signer["projectId"], pid)
        in_p2, _ = list_all(admin(), F.admin_token, SIGNERS, "signers", {"projectId": pid})
        self.assertEqual([s["id"] for s in in_p2], [signer["id"]])
        in_default, _ = list_all(admin(), F.admin_token, SIGNERS, "signers",
                                 {"projectId": F.project_id})
        self.assertNotIn(signer["id"], [s["id"] for s in in_default])
        # A certificate of another project cannot back a signer here.
        status, body = admin().call("POST", SIGNERS, {"name": unique("cross"),
                                                      "certificateId": cert["certificateId"]})
        self.assertIn(status, (400, 404), body)
        self.assertError((status, body), status)
        # A default-project member sees nothing of the other project.
        _, token = new_member()
        self.assertError(api().call("GET", "%s/%s" % (SIGNERS, signer["id"]), token=token), 404)

    def test_concurrent_creates_with_one_name(self):
        cert = issue_certificate(admin(), F.admin_token, F.ca["id"], "EC_prime256v1")
        name = unique("race")
        results = []
        lock = threading.Lock()

        def create():
            r = admin().call("POST", SIGNERS, {"name": name,
                                               "certificateId": cert["certificateId"]})
            with lock:
                results.append(r)

        threads = [threading.Thread(target=create) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        statuses = sorted(r[0] for r in results)
        self.assertEqual(statuses, [200] + [409] * 5, results)
        found = self.assertList(admin().call("GET", SIGNERS, query={"search": name}), "signers")
        self.assertEqual(found["totalCount"], 1)

    def test_patch_to_revoked_certificate_is_400(self):
        signer = fresh_ec_signer()
        cert = issue_certificate(admin(), F.admin_token, F.ca["id"], "EC_prime256v1")
        self.assertOk(admin().call("POST", "/api/v1/pki/certificates/%s/revoke"
                                   % cert["certificateId"], {}))
        self.assertError(admin().call("PATCH", "%s/%s" % (SIGNERS, signer["id"]),
                                      {"certificateId": cert["certificateId"]}), 400,
                         message_contains="revoked")
        got = self.assertOk(admin().call("GET", "%s/%s" % (SIGNERS, signer["id"])))
        self.assertEqual(got["certificateId"], signer["certificateId"])

    def test_unknown_certificate(self):
        status, body = admin().call("POST", SIGNERS, {"name": unique("unk"),
                                                      "certificateId": str(uuid.uuid4())})
        self.assertIn(status, (400, 404), body)
        self.assertError((status, body), status)

    def test_cert_manager_alias(self):
        cert = issue_certificate(admin(), F.admin_token, F.ca["id"], "EC_prime256v1")
        signer = create_signer(admin(), F.admin_token, cert["certificateId"], base=ALIAS)
        self.assertOk(admin().call("GET", "%s/%s" % (SIGNERS, signer["id"])))
        self.assertOk(admin().call("GET", "%s/%s" % (ALIAS, signer["id"])))
        listed = self.assertList(admin().call("GET", ALIAS, query={"search": signer["name"]}),
                                 "signers")
        self.assertEqual([s["id"] for s in listed["signers"]], [signer["id"]])
        data = os.urandom(77)
        for alg in ("ECDSA_SHA256", "ECDSA_SHA_384"):
            resp = self.assertOk(sign(admin(), F.admin_token, signer["id"], data, alg, base=ALIAS))
            self.assertEqual(resp["signingAlgorithm"], alg)
            ok, out = openssl_verify(data, unb64(resp["signature"]), alg, api=admin(),
                                     token=F.admin_token, signer_id=signer["id"])
            self.assertTrue(ok, out)
        pk = self.assertOk(admin().call("GET", "%s/%s/public-key" % (ALIAS, signer["id"])))
        self.assertIn("publicKey", pk)
        ops = self.assertList(admin().call("GET", "%s/%s/operations" % (ALIAS, signer["id"])),
                              "operations")
        self.assertEqual(ops["totalCount"], 2)
        self.assertOk(admin().call("PATCH", "%s/%s" % (ALIAS, signer["id"]),
                                   {"description": "via alias"}))
        self.assertOk(admin().call("DELETE", "%s/%s" % (ALIAS, signer["id"])))
        self.assertError(admin().call("GET", "%s/%s" % (SIGNERS, signer["id"])), 404)

    def test_public_key_and_certificate(self):
        cert = issue_certificate(admin(), F.admin_token, F.ca["id"], "EC_secp384r1")
        signer = create_signer(admin(), F.admin_token, cert["certificateId"])
        pk = self.assertOk(admin().call("GET", "%s/%s/public-key" % (SIGNERS, signer["id"])))
        self.assertIsInstance(pk.get("algorithm"), str)
        self.assertTrue(pk["algorithm"])
        der = unb64(pk["publicKey"])
        self.assertEqual(der[0], 0x30)
        c = self.assertOk(admin().call("GET", "%s/%s/certificate" % (SIGNERS, signer["id"])))
        for k in ("certificatePem", "certificateChainPem", "serialNumber", "signerName"):
            self.assertIn(k, c)
        self.assertEqual(c["signerName"], signer["name"])
        self.assertEqual(c["serialNumber"].lower().replace(":", "").lstrip("0"),
                         cert["serialNumber"].lower().replace(":", "").lstrip("0"))
        self.assertIn("-----BEGIN CERTIFICATE-----", c["certificateChainPem"])
        from_cert = signer_public_key_pem(admin(), F.admin_token, signer["id"], "certificate")
        from_pk = signer_public_key_pem(admin(), F.admin_token, signer["id"], "public-key")
        self.assertEqual(from_cert.strip(), from_pk.strip())
        code, text = run_openssl(["pkey", "-pubin", "-noout", "-text"], from_pk.encode())
        self.assertEqual(code, 0, text)
        self.assertIn("384", text)
        self.assertError(admin().call("GET", "%s/%s/public-key" % (SIGNERS, uuid.uuid4())), 404)
        self.assertError(admin().call("GET", "%s/%s/certificate" % (SIGNERS, uuid.uuid4())), 404)

    def test_signers_paging(self):
        prefix = unique("page")
        ids = [fresh_ec_signer("%s-%d" % (prefix, i))["id"] for i in range(3)]
        body = self.assertList(admin().call("GET", SIGNERS, query={"search": prefix}), "signers")
        self.assertEqual(body["totalCount"], 3)
        self.assertEqual(sorted(s["id"] for s in body["signers"]), sorted(ids))
        seen = []
        for offset in range(3):
            page = self.assertList(admin().call("GET", SIGNERS, query={"search": prefix,
                                                                       "offset": offset,
                                                                       "limit": 1}), "signers")
            self.assertEqual(page["totalCount"], 3)
            self.assertEqual(len(page["signers"]), 1)
            seen.append(page["signers"][0]["id"])
        self.assertEqual(sorted(seen), sorted(ids))
        page = self.assertList(admin().call("GET", SIGNERS, query={"search": prefix,
                                                                   "offset": 3}), "signers")
        self.assertEqual(page["signers"], [])
        self.assertEqual(page["totalCount"], 3)

    def test_signer_members(self):
        signer = fresh_ec_signer()
        user, token = new_member()
        base = "%s/%s/members" % (SIGNERS, signer["id"])
        member = self.assertOk(admin().call("POST", base, {"userId": user["id"],
                                                           "role": "operator"}))
        self.assertRegex(member["id"], UUID_RE)
        self.assertEqual(member["role"], "operator")
        listed = self.assertList(admin().call("GET", base), "members")
        self.assertIn(member["id"], [m["id"] for m in listed["members"]])
        # The creator is the signer's admin member.
        roles = {(m.get("userId") or m.get("principalId") or m.get("identityId")): m["role"]
                 for m in listed["members"]}
        self.assertEqual(roles.get(F.admin["id"]), "admin", listed)
        self.assertEqual(roles.get(user["id"]), "operator", listed)
        patched = self.assertOk(admin().call("PATCH", "%s/%s" % (base, member["id"]),
                                             {"role": "auditor"}))
        self.assertEqual(patched["role"], "auditor")
        self.assertError(admin().call("PATCH", "%s/%s" % (base, member["id"]),
                                      {"role": "boss"}), 400, message_contains="role")
        self.assertError(admin().call("POST", base, {"userId": user["id"], "role": "chief"}), 400,
                         message_contains="role")
        # Members cannot manage membership unless signer admin.
        self.assertError(api().call("POST", base, {"userId": user["id"], "role": "admin"},
                                    token=token), 403)
        deleted = self.assertOk(admin().call("DELETE", "%s/%s" % (base, member["id"])))
        self.assertEqual(deleted["id"], member["id"])
        listed = self.assertList(admin().call("GET", base), "members")
        self.assertNotIn(member["id"], [m["id"] for m in listed["members"]])
        self.assertError(admin().call("DELETE", "%s/%s" % (base, member["id"])), 404)
        self.assertError(admin().call("PATCH", "%s/%s" % (base, uuid.uuid4()),
                                      {"role": "auditor"}), 404)
        # Without a role the user cannot see the signer any more.
        self.assertError(api().call("GET", "%s/%s" % (SIGNERS, signer["id"]), token=token), 404)


class SignTest(SignetTestCase):
    def _check_all(self, signer, algorithms):
        pub = F.pubkeys[signer["id"]]
        message = os.urandom(100)
        for alg in algorithms:
            scheme, hash_name, hash_len = split_algorithm(alg)
            digest = hashlib.new(hash_name, message).digest()
            for spelling in (alg, underscored(alg)):
                for is_digest in (False, True):
                    with self.subTest(algorithm=spelling, isDigest=is_digest):
                        data = digest if is_digest else message
                        resp = self.assertOk(sign(admin(), F.admin_token, signer["id"], data,
                                                  spelling, is_digest))
                        self.assertEqual(resp["signingAlgorithm"], spelling)
                        self.assertEqual(resp["signerId"], signer["id"])
                        sig = unb64(resp["signature"])
                        if scheme == "ecdsa":
                            self.assertEqual(sig[0], 0x30, "ECDSA signature is not DER")
                            if sig[1] < 0x80:
                                self.assertEqual(sig[1] + 2, len(sig), "bad DER length")
                        else:
                            self.assertEqual(len(sig), 256)
                        ok, out = openssl_verify(data, sig, spelling, is_digest,
                                                 public_key_pem=pub)
                        self.assertTrue(ok, "openssl rejects %s (digest=%s): %s"
                                        % (spelling, is_digest, out))
                        if is_digest:
                            # The digest-mode signature also verifies over the message.
                            ok, out = openssl_verify(message, sig, spelling, False,
                                                     public_key_pem=pub)
                            self.assertTrue(ok, out)

    def test_rsa_2048_all_algorithms(self):
        self._check_all(F.rsa, RSA_ALGORITHMS)

    def test_ec_prime256v1_all_algorithms(self):
        self._check_all(F.ec256, EC_ALGORITHMS)

    def test_ec_secp384r1_all_algorithms(self):
        self._check_all(F.ec384, EC_ALGORITHMS)

    def test_verify_with_certificate_key(self):
        data = os.urandom(33)
        for signer, alg in ((F.rsa, "RSASSA_PSS_SHA256"), (F.ec256, "ECDSA_SHA256")):
            resp = self.assertOk(sign(admin(), F.admin_token, signer["id"], data, alg))
            ok, out = openssl_verify(data, unb64(resp["signature"]), alg, api=admin(),
                                     token=F.admin_token, signer_id=signer["id"],
                                     source="certificate")
            self.assertTrue(ok, out)
            # A different message does not verify (the check is real).
            ok, _ = openssl_verify(data + b"!", unb64(resp["signature"]), alg,
                                   public_key_pem=F.pubkeys[signer["id"]])
            self.assertFalse(ok)

    def test_data_size_bounds(self):
        sid = F.ec256["id"]
        self.assertError(sign(admin(), F.admin_token, sid, b"", "ECDSA_SHA256"), 400,
                         message_contains="data")
        body = self.assertError(sign(admin(), F.admin_token, sid, os.urandom(129),
                                     "ECDSA_SHA256"), 400, message_contains="data")
        self.assertIn("128", body["message"])
        for n in (1, 128):
            resp = self.assertOk(sign(admin(), F.admin_token, sid, b"\x01" * n, "ECDSA_SHA256"))
            ok, out = openssl_verify(b"\x01" * n, unb64(resp["signature"]), "ECDSA_SHA256",
                                     public_key_pem=F.pubkeys[sid])
            self.assertTrue(ok, out)

    def test_digest_of_wrong_length(self):
        for signer, alg, n, want in ((F.ec256, "ECDSA_SHA256", 31, 32),
                                     (F.ec256, "ECDSA_SHA384", 32, 48),
                                     (F.rsa, "RSASSA_PSS_SHA512", 48, 64),
                                     (F.rsa, "RSASSA_PKCS1_V1_5_SHA256", 33, 32)):
            with self.subTest(algorithm=alg, length=n):
                body = self.assertError(sign(admin(), F.admin_token, signer["id"],
                                             os.urandom(n), alg, True), 400)
                self.assertIn(str(n), body["message"])
                self.assertIn(str(want), body["message"])

    def test_key_type_mismatch(self):
        self.assertError(sign(admin(), F.admin_token, F.ec256["id"], b"abc",
                              "RSASSA_PKCS1_V1_5_SHA256"), 400)
        self.assertError(sign(admin(), F.admin_token, F.ec384["id"], b"abc",
                              "RSASSA_PSS_SHA_384"), 400)
        self.assertError(sign(admin(), F.admin_token, F.rsa["id"], b"abc", "ECDSA_SHA256"), 400)

    def test_bad_inputs(self):
        url = "%s/%s/sign" % (SIGNERS, F.ec256["id"])
        a = admin()
        self.assertError(a.call("POST", url, {"data": "!!!not base64!!!",
                                              "signingAlgorithm": "ECDSA_SHA256"}), 400,
                         message_contains="data")
        self.assertError(a.call("POST", url, {"data": b64(b"x"),
                                              "signingAlgorithm": "ECDSA_SHA1"}), 400,
                         message_contains="signingAlgorithm")
        self.assertError(a.call("POST", url, {"data": b64(b"x"),
                                              "signingAlgorithm": "ecdsa_sha256"}), 400,
                         message_contains="signingAlgorithm")
        self.assertError(a.call("POST", url, {"signingAlgorithm": "ECDSA_SHA256"}), 400,
                         message_contains="data")
        self.assertError(a.call("POST", url, {"data": b64(b"x")}), 400,
                         message_contains="signingAlgorithm")
        self.assertError(a.call("POST", url, {"data": b64(b"x"), "signingAlgorithm": "ECDSA_SHA256",
                                              "isDigest": "yes"}), 400,
                         message_contains="isDigest")
        self.assertError(a.call("POST", url, {"data": 12, "signingAlgorithm": "ECDSA_SHA256"}), 400,
                         message_contains="data")
        self.assertError(a.call("POST", url, {"data": b64(b"x"), "signingAlgorithm": "ECDSA_SHA256",
                                              "clientMetadata": "nope"}), 400,
                         message_contains="clientMetadata")
        self.assertError(a.call("POST", url, {"data": b64(b"x"), "signingAlgorithm": "ECDSA_SHA256",
                                              "clientMetadata": {"hostname": "h" * 5000}}), 400,
                         message_contains="hostname")
        self.assertError(a.call("POST", url, raw="{\"data\": "), 400)

    def test_auth_and_existence(self):
        self.assertError(sign(api(), "", F.ec256["id"], b"abc", "ECDSA_SHA256"), 401)
        self.assertError(sign(api(), "bogus-token", F.ec256["id"], b"abc", "ECDSA_SHA256"), 401)
        self.assertError(sign(admin(), F.admin_token, str(uuid.uuid4()), b"abc", "ECDSA_SHA256"),
                         404)
        # Token is checked before existence.
        self.assertError(sign(api(), "", str(uuid.uuid4()), b"abc", "ECDSA_SHA256"), 401)

    def test_member_roles(self):
        signer = fresh_ec_signer()
        sid = signer["id"]
        user, token = new_member()
        a = api().with_token(token)
        # No signer role: the signer does not exist for this user.
        self.assertError(a.call("GET", "%s/%s" % (SIGNERS, sid)), 404)
        self.assertError(sign(a, token, sid, b"abc", "ECDSA_SHA256"), 404)
        self.assertError(a.call("GET", "%s/%s/operations" % (SIGNERS, sid)), 404)
        listed, _ = list_all(a, token, SIGNERS, "signers")
        self.assertNotIn(sid, [s["id"] for s in listed])
        # Auditor: read and list operations, but not sign (403), nor manage.
        member = add_signer_member(sid, "auditor", user_id=user["id"])
        self.assertOk(a.call("GET", "%s/%s" % (SIGNERS, sid)))
        listed, _ = list_all(a, token, SIGNERS, "signers")
        self.assertIn(sid, [s["id"] for s in listed])
        self.assertList(a.call("GET", "%s/%s/operations" % (SIGNERS, sid)), "operations")
        self.assertError(sign(a, token, sid, b"abc", "ECDSA_SHA256"), 403, "PermissionDenied")
        self.assertError(a.call("PATCH", "%s/%s" % (SIGNERS, sid), {"description": "x"}), 403)
        self.assertError(a.call("DELETE", "%s/%s" % (SIGNERS, sid)), 403)
        # Operator: may sign.
        self.assertOk(admin().call("PATCH", "%s/%s/members/%s" % (SIGNERS, sid, member["id"]),
                                   {"role": "operator"}))
        data = os.urandom(50)
        resp = self.assertOk(sign(a, token, sid, data, "ECDSA_SHA512"))
        ok, out = openssl_verify(data, unb64(resp["signature"]), "ECDSA_SHA512", api=a,
                                 token=token, signer_id=sid)
        self.assertTrue(ok, out)
        self.assertError(a.call("DELETE", "%s/%s" % (SIGNERS, sid)), 403)
        # A machine identity operator signs too.
        identity, _, _, itoken = create_identity(api(), F.admin_token)
        add_project_member(api(), F.admin_token, F.project_id, identity_id=identity["id"])
        self.assertError(sign(api(), itoken, sid, data, "ECDSA_SHA256"), 404)
        add_signer_member(sid, "operator", identity_id=identity["id"])
        resp = self.assertOk(sign(api(), itoken, sid, data, "ECDSA_SHA256"))
        ok, out = openssl_verify(data, unb64(resp["signature"]), "ECDSA_SHA256",
                                 public_key_pem=signer_public_key_pem(admin(), F.admin_token,
                                                                      sid))
        self.assertTrue(ok, out)
        ops = self.assertList(admin().call("GET", "%s/%s/operations" % (SIGNERS, sid),
                                           query={"status": "success"}), "operations")
        actors = {json_actor(o) for o in ops["operations"]}
        self.assertIn(user["id"], actors)
        self.assertIn(identity["id"], actors)

    def test_membership_changes_apply_to_the_next_sign_call(self):
        # The node caches what a sign call reads about the signer and the caller; every change
        # made through the node drops that cache, so nothing stale is used even once.
        signer = fresh_ec_signer()
        sid = signer["id"]
        user, token = new_member()
        a = api().with_token(token)
        member = add_signer_member(sid, "operator", user_id=user["id"])
        for _ in range(3):
            self.assertOk(sign(a, token, sid, b"abc", "ECDSA_SHA256"))
        self.assertOk(admin().call("PATCH", "%s/%s/members/%s" % (SIGNERS, sid, member["id"]),
                                   {"role": "auditor"}))
        self.assertError(sign(a, token, sid, b"abc", "ECDSA_SHA256"), 403, "PermissionDenied")
        self.assertOk(admin().call("PATCH", "%s/%s/members/%s" % (SIGNERS, sid, member["id"]),
                                   {"role": "operator"}))
        self.assertOk(sign(a, token, sid, b"abc", "ECDSA_SHA256"))
        self.assertOk(admin().call("DELETE", "%s/%s/members/%s" % (SIGNERS, sid, member["id"])))
        self.assertError(sign(a, token, sid, b"abc", "ECDSA_SHA256"), 404)
        ops = self.assertList(admin().call("GET", "%s/%s/operations" % (SIGNERS, sid)),
                              "operations")
        # 4 successes and the 403 denial are on record; the 404 (no access) is not.
        by_status = {}
        for o in ops["operations"]:
            by_status[o["status"]] = by_status.get(o["status"], 0) + 1
        self.assertEqual(by_status, {"success": 4, "denied": 1})

    def test_disabled_signer_is_400(self):
        signer = fresh_ec_signer()
        sid = signer["id"]
        self.assertOk(sign(admin(), F.admin_token, sid, b"abc", "ECDSA_SHA256"))
        patched = self.assertOk(admin().call("PATCH", "%s/%s" % (SIGNERS, sid),
                                             {"status": "disabled"}))
        self.assertEqual(patched["status"], "disabled")
        self.assertError(sign(admin(), F.admin_token, sid, b"abc", "ECDSA_SHA256"), 400,
                         message_contains="disabled")
        self.assertOk(admin().call("PATCH", "%s/%s" % (SIGNERS, sid), {"status": "active"}))
        self.assertOk(sign(admin(), F.admin_token, sid, b"abc", "ECDSA_SHA256"))

    def test_revoked_certificate_is_400(self):
        signer = fresh_ec_signer()
        sid = signer["id"]
        self.assertOk(sign(admin(), F.admin_token, sid, b"abc", "ECDSA_SHA256"))
        self.assertOk(admin().call("POST", "/api/v1/pki/certificates/%s/revoke"
                                   % signer["certificateId"], {}))
        self.assertError(sign(admin(), F.admin_token, sid, b"abc", "ECDSA_SHA256"), 400,
                         message_contains="revoked")
        ops = self.assertList(admin().call("GET", "%s/%s/operations" % (SIGNERS, sid),
                                           query={"status": "failed"}), "operations")
        self.assertEqual(ops["totalCount"], 1)

    def test_last_signed_at_updates(self):
        signer = fresh_ec_signer()
        self.assertIn(signer.get("lastSignedAt"), (None,))
        self.assertOk(sign(admin(), F.admin_token, signer["id"], b"abc", "ECDSA_SHA256"))
        got = self.assertOk(admin().call("GET", "%s/%s" % (SIGNERS, signer["id"])))
        self.assertRegex(got.get("lastSignedAt") or "", r"^\d{4}-\d\d-\d\dT")


def json_actor(op):
    """The actor id of an operation, whether flat (actorId) or nested (actor.id)."""
    if isinstance(op.get("actor"), dict):
        return op["actor"].get("id")
    return op.get("actorId")


class OperationsTest(SignetTestCase):
    def test_success_failed_denied_rows(self):
        signer = fresh_ec_signer()
        sid = signer["id"]
        user, token = new_member()
        add_signer_member(sid, "auditor", user_id=user["id"])
        ok_data = os.urandom(60)
        meta = {"tool": "signet-it", "hostname": "it-host", "command": "sign file",
                "osUsername": "tester"}
        self.assertOk(sign(admin(), F.admin_token, sid, ok_data, "ECDSA_SHA_256",
                           client_metadata=meta))
        bad_digest = os.urandom(20)
        self.assertError(sign(admin(), F.admin_token, sid, bad_digest, "ECDSA_SHA256", True), 400)
        denied_data = os.urandom(30)
        self.assertError(sign(api(), token, sid, denied_data, "ECDSA_SHA384"), 403)
        ops = self.assertList(admin().call("GET", "%s/%s/operations" % (SIGNERS, sid)),
                              "operations")
        self.assertEqual(ops["totalCount"], 3, ops)
        by_status = {o["status"]: o for o in ops["operations"]}
        self.assertEqual(set(by_status), {"success", "failed", "denied"})
        # Newest first.
        self.assertEqual([o["status"] for o in ops["operations"]],
                         ["denied", "failed", "success"])
        success = by_status["success"]
        self.assertEqual(success["dataHash"], sha256_hex(ok_data))
        self.assertEqual(success["signingAlgorithm"], "ECDSA_SHA_256")
        self.assertEqual(json_actor(success), F.admin["id"])
        self.assertEqual(success.get("sourceIp"), "127.0.0.1")
        self.assertEqual(success.get("clientMetadata", {}).get("tool"), "signet-it")
        self.assertEqual(success.get("clientMetadata", {}).get("hostname"), "it-host")
        self.assertRegex(success.get("createdAt", ""), r"^\d{4}-\d\d-\d\dT.*Z$")
        failed = by_status["failed"]
        self.assertEqual(failed["dataHash"], sha256_hex(bad_digest))
        self.assertTrue(failed.get("errorMessage"), failed)
        denied = by_status["denied"]
        self.assertEqual(denied["dataHash"], sha256_hex(denied_data))
        self.assertEqual(json_actor(denied), user["id"])
        # The status filter and paging.
        only = self.assertList(admin().call("GET", "%s/%s/operations" % (SIGNERS, sid),
                                            query={"status": "success"}), "operations")
        self.assertEqual([o["id"] for o in only["operations"]], [success["id"]])
        self.assertEqual(only["totalCount"], 1)
        page = self.assertList(admin().call("GET", "%s/%s/operations" % (SIGNERS, sid),
                                            query={"offset": 1, "limit": 1}), "operations")
        self.assertEqual([o["id"] for o in page["operations"]], [failed["id"]])
        self.assertEqual(page["totalCount"], 3)
        self.assertError(admin().call("GET", "%s/%s/operations" % (SIGNERS, sid),
                                      query={"status": "great"}), 400, message_contains="status")
        self.assertError(admin().call("GET", "%s/%s/operations" % (SIGNERS, sid),
                                      query={"limit": 500}), 400, message_contains="limit")
        self.assertError(admin().call("GET", "%s/%s/operations" % (SIGNERS, uuid.uuid4())), 404)
        # The auditor sees the same operations.
        seen = self.assertList(api().call("GET", "%s/%s/operations" % (SIGNERS, sid),
                                          token=token), "operations")
        self.assertEqual(seen["totalCount"], 3)


    def test_default_limit_is_20(self):
        signer = fresh_ec_signer()
        for i in range(21):
            self.assertOk(sign(admin(), F.admin_token, signer["id"], b"n%d" % i, "ECDSA_SHA256"))
        page = self.assertList(admin().call("GET", "%s/%s/operations" % (SIGNERS, signer["id"])),
                               "operations")
        self.assertEqual(len(page["operations"]), 20)
        self.assertEqual(page["totalCount"], 21)
        # Newest first: the first row is the last signature.
        self.assertEqual(page["operations"][0]["dataHash"], sha256_hex(b"n20"))
        rest = self.assertList(admin().call("GET", "%s/%s/operations" % (SIGNERS, signer["id"]),
                                            query={"offset": 20}), "operations")
        self.assertEqual([o["dataHash"] for o in rest["operations"]], [sha256_hex(b"n0")])


class AuditTest(SignetTestCase):
    def _events(self, token=None, **query):
        items, total = list_all(admin() if token is None else api().with_token(token),
                                token or F.admin_token, "/api/v1/audit-logs", "auditLogs", query)
        return items

    def test_events_for_state_changes_and_sign_attempts(self):
        signer = fresh_ec_signer()
        sid = signer["id"]
        self.assertOk(sign(admin(), F.admin_token, sid, b"audited", "ECDSA_SHA256"))
        self.assertError(sign(admin(), F.admin_token, sid, b"", "ECDSA_SHA256"), 400)
        self.assertOk(admin().call("PATCH", "%s/%s" % (SIGNERS, sid), {"description": "audit"}))
        events = self._events()
        self.assertTrue(events)
        for k in ("seq", "nodeId", "time", "eventType", "prevHash", "hash"):
            self.assertIn(k, events[0], events[0])
        mine = [e for e in events if sid in str(e)]
        types = [e["eventType"] for e in mine]
        self.assertGreaterEqual(len(mine), 4, types)
        sign_events = [t for t in types if "sign" in t.lower() and "signer" not in t.lower()]
        self.assertGreaterEqual(len(sign_events), 2, "no sign events among %r" % types)
        state_events = [t for t in types if t not in sign_events]
        self.assertGreaterEqual(len(state_events), 2, "no create/update events among %r" % types)
        # No secret in audit rows.
        self.assertNotIn("PRIVATE KEY", str(events))
        # The eventType filter.
        t = state_events[0]
        filtered = self._events(eventType=t)
        self.assertTrue(filtered)
        self.assertTrue(all(e["eventType"] == t for e in filtered))
        # Sequence numbers of one node are unique.
        seqs = [(e["nodeId"], e["seq"]) for e in events]
        self.assertEqual(len(seqs), len(set(seqs)))

    def test_actor_and_time_filters(self):
        user, token = create_user(api(), F.admin_token)
        login(api(), user["email"], USER_PASSWORD)
        by_actor = self._events(actorId=user["id"])
        self.assertTrue(by_actor, "no events for the new user's login")
        self.assertTrue(any("login" in e["eventType"].lower() for e in by_actor),
                        [e["eventType"] for e in by_actor])
        self.assertTrue(all(user["id"] in str(e) for e in by_actor))
        future = self.assertList(admin().call("GET", "/api/v1/audit-logs",
                                              query={"since": "2999-01-01T00:00:00Z"}),
                                 "auditLogs")
        self.assertEqual(future["totalCount"], 0)
        past = self.assertList(admin().call("GET", "/api/v1/audit-logs",
                                            query={"until": "2000-01-01T00:00:00Z"}),
                               "auditLogs")
        self.assertEqual(past["totalCount"], 0)
        self.assertError(admin().call("GET", "/api/v1/audit-logs", query={"since": "yesterday"}),
                         400, message_contains="since")

    def test_verify_endpoint(self):
        body = self.assertOk(admin().call("GET", "/api/v1/audit-logs/verify"))
        self.assertIs(body.get("valid"), True, body)
        self.assertIsInstance(body.get("checked"), int)
        self.assertGreater(body["checked"], 0)
        self.assertNotIn("firstBadSeq", {k for k, v in body.items() if v is not None})
        _, token = create_user(api(), F.admin_token)
        self.assertError(api().call("GET", "/api/v1/audit-logs/verify", token=token), 403)
        self.assertError(api().call("GET", "/api/v1/audit-logs/verify", token=""), 401)


class ProtocolErrorsTest(SignetTestCase):
    def test_malformed_json(self):
        for raw in ("{not json", "", "[1,2,3]", "\"string\"", "{\"name\": \"a\",}"):
            with self.subTest(body=raw):
                self.assertError(admin().call("POST", SIGNERS, raw=raw), 400)

    def test_wrong_types_name_the_field(self):
        self.assertError(admin().call("POST", SIGNERS, {"name": ["x"],
                                                        "certificateId": F.ec256["certificateId"]}),
                         400, message_contains="name")
        self.assertError(admin().call("POST", SIGNERS, {"name": unique("t"),
                                                        "certificateId": 17}),
                         400, message_contains="certificateId")
        self.assertError(admin().call("POST", "/api/v1/pki/ca",
                                      {"commonName": "x", "keyAlgorithm": "EC_prime256v1",
                                       "ttlDays": 1.5}), 400, message_contains="ttlDays")

    def test_huge_body_is_413(self):
        status, body = admin().raw_oversized_post(SIGNERS, 2 * 1024 * 1024, token=F.admin_token)
        self.assertError((status, body), 413, "PayloadTooLarge")
        # The server is fine afterwards.
        self.assertOk(admin().call("GET", SIGNERS))

    def test_unknown_route_is_404(self):
        self.assertError(admin().call("GET", "/api/v1/does-not-exist"), 404, "NotFound")
        self.assertError(admin().call("GET", "/nothing/here"), 404, "NotFound")
        self.assertError(admin().call("POST", "%s/%s/frobnicate" % (SIGNERS, F.ec256["id"]), {}),
                         404, "NotFound")

    def test_wrong_method_is_405(self):
        for method, path in (("DELETE", "/api/v1/auth/login"), ("PUT", SIGNERS),
                             ("GET", "%s/%s/sign" % (SIGNERS, F.ec256["id"])),
                             ("POST", "/healthz")):
            with self.subTest(method=method, path=path):
                status, body = admin().call(method, path)
                self.assertError((status, body), 405, name=body.get("error") if body else None)

    def test_chunked_request_body(self):
        user, _ = create_user(api(), F.admin_token)
        conn = http.client.HTTPConnection("127.0.0.1", F.server.port, timeout=30)
        try:
            body = json.dumps({"email": user["email"], "password": USER_PASSWORD}).encode()
            conn.request("POST", "/api/v1/auth/login", body=iter([body[:10], body[10:]]),
                         headers={"Content-Type": "application/json"}, encode_chunked=True)
            resp = conn.getresponse()
            data = json.loads(resp.read())
        finally:
            conn.close()
        self.assertEqual(resp.status, 200, data)
        self.assertIn("accessToken", data)

    def test_json_content_type(self):
        r = admin().request("GET", SIGNERS)
        self.assertTrue(r.headers.get("Content-Type", "").startswith("application/json"),
                        r.headers)
        r = admin().request("GET", "/api/v1/does-not-exist")
        self.assertTrue(r.headers.get("Content-Type", "").startswith("application/json"),
                        r.headers)


class StrictInputTest(SignetTestCase):
    """Issue 13: every JSON body is read strictly. An unknown field is a 400 naming it, a field
    of the wrong type a 400 naming field and type, an Infisical field Signet does not take a
    400 saying what to do instead; none of them changes anything."""

    def assertUnknown(self, response, field):
        body = self.assertError(response, 400, "BadRequest")
        self.assertTrue(body["message"].startswith("unknown field '%s'" % field), body)
        return body

    def assertWrongType(self, response, field, kind):
        body = self.assertError(response, 400, "BadRequest")
        self.assertIn("%s must be %s" % (field, kind), body["message"])
        return body

    def audit_count(self):
        return admin().ok("GET", "/api/v1/audit-logs", query={"limit": 1})["totalCount"]

    def test_auth_bodies(self):
        # A misspelt field on login is named, not answered with "invalid credentials".
        self.assertUnknown(api().call("POST", "/api/v1/auth/login",
                                      {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD,
                                       "mfaCode": "123456"}, token=""), "mfaCode")
        self.assertWrongType(api().call("POST", "/api/v1/auth/login",
                                        {"email": ["a"], "password": "x"}, token=""),
                             "email", "a string")
        self.assertUnknown(api().call("POST", "/api/v1/auth/universal-auth/login",
                                      {"clientId": "a", "clientSecret": "b", "organizationSlug": "x"},
                                      token=""), "organizationSlug")
        # Logout takes no fields; the token stays valid after a refused logout.
        user, token = new_member()
        self.assertUnknown(api().call("POST", "/api/v1/auth/logout", {"all": True}, token=token),
                           "all")
        self.assertOk(api().call("GET", "/api/v1/users/%s" % user["id"], token=token))

    def test_user_and_identity_bodies(self):
        email = "%s@signet.test" % unique("strict")
        self.assertUnknown(admin().call("POST", "/api/v1/users",
                                        {"email": email, "password": USER_PASSWORD,
                                         "role": "admin"}), "role")
        self.assertWrongType(admin().call("POST", "/api/v1/users",
                                          {"email": email, "password": USER_PASSWORD,
                                           "orgRole": 1}), "orgRole", "a string")
        users = list_all(admin(), F.admin_token, "/api/v1/users", "users")[0]
        self.assertNotIn(email, [u["email"] for u in users])
        user, _ = new_member()
        before = self.audit_count()
        self.assertUnknown(admin().call("PATCH", "/api/v1/users/%s" % user["id"],
                                        {"orgRole": "admin", "firstName": "Ana"}), "firstName")
        self.assertEqual(admin().ok("GET", "/api/v1/users/%s" % user["id"])["orgRole"], "member")
        self.assertUnknown(admin().call("POST", "/api/v1/identities",
                                        {"name": unique("mi"), "role": "member"}), "role")
        self.assertWrongType(admin().call("POST", "/api/v1/identities", {"name": 5}),
                             "name", "a string")
        identity = admin().ok("POST", "/api/v1/identities", {"name": unique("mi")})
        before = self.audit_count()
        self.assertUnknown(admin().call(
            "POST", "/api/v1/identities/%s/universal-auth/client-secrets" % identity["id"],
            {"description": "ci", "ttl": 3600}), "ttl")
        self.assertUnknown(admin().call("DELETE", "/api/v1/identities/%s" % identity["id"],
                                        {"force": True}), "force")
        self.assertEqual(self.audit_count(), before, "refused calls must not write audit events")

    def test_project_bodies(self):
        self.assertUnknown(admin().call("POST", "/api/v1/projects",
                                        {"name": unique("p"), "type": "cert-manager"}), "type")
        self.assertWrongType(admin().call("POST", "/api/v1/projects",
                                          {"name": unique("p"), "description": ["x"]}),
                             "description", "a string")
        user, _ = new_member(project_member=False)
        path = "/api/v1/projects/%s/memberships" % F.project_id
        self.assertUnknown(admin().call("POST", path, {"userId": user["id"], "role": "member",
                                                       "roles": ["member"]}), "roles")
        body = self.assertError(admin().call("POST", path, {"groupId": str(uuid.uuid4()),
                                                            "role": "member"}), 400)
        self.assertIn("'groupId' is not supported", body["message"])
        members = list_all(admin(), F.admin_token, path, "memberships")[0]
        self.assertNotIn(user["id"], [m.get("userId") for m in members])

    def test_pki_bodies(self):
        self.assertUnknown(admin().call("POST", "/api/v1/pki/ca",
                                        {"commonName": "x", "keyAlgorithm": "EC_prime256v1",
                                         "ttlDays": 30, "maxPathLength": 1}), "maxPathLength")
        self.assertWrongType(admin().call("POST", "/api/v1/pki/ca",
                                          {"commonName": "x", "keyAlgorithm": "EC_prime256v1",
                                           "ttlDays": "30"}), "ttlDays", "an integer")
        issue = {"caId": F.ca["id"], "commonName": unique("cs"), "keyAlgorithm": "EC_prime256v1",
                 "ttlDays": 30, "extendedKeyUsages": ["codeSigning"]}
        self.assertUnknown(admin().call("POST", "/api/v1/pki/certificates/issue",
                                        dict(issue, altNames="a.example")), "altNames")
        self.assertWrongType(admin().call("POST", "/api/v1/pki/certificates/issue",
                                          dict(issue, keyUsages="digitalSignature")),
                             "keyUsages", "an array of strings")
        certs = list_all(admin(), F.admin_token, "/api/v1/pki/certificates", "certificates")[0]
        self.assertNotIn(issue["commonName"], [c["commonName"] for c in certs])
        body = self.assertError(admin().call("POST", "/api/v1/pki/certificates/import",
                                             {"pkcs12": "AAAA", "password": "x",
                                              "certificatePem": "x"}), 400)
        self.assertIn("not both", body["message"])
        self.assertUnknown(admin().call("POST", "/api/v1/pki/certificates/csr",
                                        {"commonName": "x", "keyAlgorithm": "EC_prime256v1",
                                         "subject": {"organization": "o", "email": "a@b"}}),
                           "subject.email")
        cert = issue_certificate(F.api, F.admin_token, F.ca["id"])
        self.assertUnknown(admin().call(
            "POST", "/api/v1/pki/certificates/%s/revoke" % cert["certificateId"],
            {"revocationReason": "keyCompromise"}), "revocationReason")
        got = admin().ok("GET", "/api/v1/pki/certificates/%s" % cert["certificateId"])
        self.assertEqual(got["status"], "active")

    def test_signer_bodies(self):
        cert = issue_certificate(F.api, F.admin_token, F.ca["id"])
        name = unique("strict")
        base = {"name": name, "certificateId": cert["certificateId"]}
        before = self.audit_count()
        for path in (SIGNERS, ALIAS):
            body = self.assertUnknown(admin().call("POST", path,
                                                   dict(base, approvalPolicyID=str(uuid.uuid4()))),
                                      "approvalPolicyID")
            self.assertIn("did you mean", body["message"])
            self.assertWrongType(admin().call("POST", path, dict(base, description=5)),
                                 "description", "a string")
        # Fields of Infisical's create form that Signet does not take say what to do.
        refused = {"certificate": {"keySource": "hsm"},
                   "externalConfiguration": {"caType": "digicert"},
                   "certificateRenewBeforeDays": 7}
        for field, value in refused.items():
            body = self.assertError(admin().call("POST", ALIAS, dict(base, **{field: value})), 400)
            self.assertIn("'%s' is not supported; " % field, body["message"])
        body = self.assertError(admin().call("POST", ALIAS, dict(base, members=[
            {"kind": "group", "id": str(uuid.uuid4()), "role": "operator"}])), 400)
        self.assertIn("'group' is not supported", body["message"])
        self.assertEqual(self.audit_count(), before)
        listed = list_all(admin(), F.admin_token, SIGNERS, "signers", query={"search": name})[0]
        self.assertEqual(listed, [])

        signer = fresh_ec_signer()
        path = "%s/%s" % (SIGNERS, signer["id"])
        self.assertUnknown(admin().call("PATCH", path, {"status": "disabled", "enabled": False}),
                           "enabled")
        self.assertWrongType(admin().call("PATCH", path, {"status": False}), "status", "a string")
        self.assertEqual(admin().ok("GET", path)["status"], "active")
        self.assertUnknown(admin().call("DELETE", path, {"force": True}), "force")
        self.assertOk(admin().call("GET", path))
        user, _ = new_member()
        self.assertUnknown(admin().call("POST", path + "/members",
                                        {"userId": user["id"], "role": "operator",
                                         "kind": "user"}), "kind")
        self.assertWrongType(admin().call("POST", path + "/members",
                                          {"userId": user["id"], "role": ["operator"]}),
                             "role", "a string")
        members = admin().ok("GET", path + "/members")["members"]
        self.assertNotIn(user["id"], [m.get("userId") for m in members])

    def test_sign_bodies_are_refused_before_anything_is_recorded(self):
        signer = F.ec256
        ops = "%s/%s/operations" % (SIGNERS, signer["id"])
        before = admin().ok("GET", ops)["totalCount"]
        digest = hashlib.sha256(b"strict").digest()
        body = {"data": b64(digest), "signingAlgorithm": "ECDSA_SHA256", "isDigest": True}
        self.assertUnknown(admin().call("POST", "%s/%s/sign" % (SIGNERS, signer["id"]),
                                        dict(body, digest=True)), "digest")
        self.assertWrongType(admin().call("POST", "%s/%s/sign" % (SIGNERS, signer["id"]),
                                          dict(body, isDigest="true")),
                             "isDigest", "true or false")
        # clientMetadata keeps its documented keys: a misspelt scope field fails loudly.
        self.assertUnknown(sign(admin(), F.admin_token, signer["id"], digest, "ECDSA_SHA256",
                                is_digest=True, client_metadata={"hostName": "ci-7"}),
                           "clientMetadata.hostName")
        self.assertWrongType(sign(admin(), F.admin_token, signer["id"], digest, "ECDSA_SHA256",
                                  is_digest=True, client_metadata={"tool": 7}),
                             "clientMetadata.tool", "a string")
        self.assertEqual(admin().ok("GET", ops)["totalCount"], before)

    def test_audit_checkpoint_bodies(self):
        cp = admin().ok("GET", "/api/v1/audit-logs/checkpoint")
        # The checkpoint comes back as GET returned it; anything else is named.
        self.assertOk(admin().call("POST", "/api/v1/audit-logs/verify", {"checkpoint": cp}))
        self.assertUnknown(admin().call("POST", "/api/v1/audit-logs/verify",
                                        {"checkpoint": cp, "strict": True}), "strict")
        self.assertUnknown(admin().call("POST", "/api/v1/audit-logs/verify",
                                        {"checkpoint": dict(cp, signedBy="me")}),
                           "checkpoint.signedBy")
        heads = [dict(h, extra=1) for h in cp["heads"]]
        self.assertUnknown(admin().call("POST", "/api/v1/audit-logs/verify",
                                        {"checkpoint": dict(cp, heads=heads)}),
                           "checkpoint.heads[0].extra")

    def test_client_metadata_limits_are_infisicals(self):
        signer = F.ec256
        digest = hashlib.sha256(b"limits").digest()
        limits = {"tool": 128, "signingApplication": 128, "hostname": 256, "osUsername": 256,
                  "signingApplicationHash": 64, "command": 32767}
        for key, limit in limits.items():
            self.assertOk(sign(admin(), F.admin_token, signer["id"], digest, "ECDSA_SHA256",
                               is_digest=True, client_metadata={key: "a" * limit}), key)
            body = self.assertError(sign(admin(), F.admin_token, signer["id"], digest,
                                         "ECDSA_SHA256", is_digest=True,
                                         client_metadata={key: "a" * (limit + 1)}), 400)
            self.assertIn("clientMetadata.%s is %d characters; the maximum is %d"
                          % (key, limit + 1, limit), body["message"])
        # signingApplication is Infisical's name for tool: recorded as tool; both must agree.
        self.assertOk(sign(admin(), F.admin_token, signer["id"], digest, "ECDSA_SHA256",
                           is_digest=True, client_metadata={"signingApplication": "jsign"}))
        op = admin().ok("GET", "%s/%s/operations" % (SIGNERS, signer["id"]),
                        query={"limit": 1})["operations"][0]
        self.assertEqual(op["clientMetadata"], {"tool": "jsign"})
        self.assertError(sign(admin(), F.admin_token, signer["id"], digest, "ECDSA_SHA256",
                              is_digest=True,
                              client_metadata={"tool": "a", "signingApplication": "b"}), 400)


SIGNER_READ_MODEL = ("certificateCommonName", "certificateSerialNumber", "certificateNotBefore",
                     "certificateNotAfter", "certificateKeyAlgorithm", "certificateStatus",
                     "certificateCaId", "certificateKeySource", "approvalPolicyId",
                     "approvalPolicyName")


class SignerReadModelTest(SignetTestCase):
    """Issue 13: signer reads carry Infisical's certificate read model and the effective
    status, in every reply that carries a signer."""

    def openssl_field(self, pem, flag):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "c.pem")
            write_file(path, pem)
            code, out = run_openssl(["x509", "-in", path, "-noout", flag])
        self.assertEqual(code, 0, out)
        return out.strip().split("=", 1)[1]

    def test_signer_replies_carry_the_certificate_read_model(self):
        cn = unique("Read Model")
        cert = issue_certificate(F.api, F.admin_token, F.ca["id"], "RSA_3072", common_name=cn)
        name = unique("rm")
        created = admin().ok("POST", ALIAS, {"name": name, "certificateId": cert["certificateId"]})
        path = "%s/%s" % (SIGNERS, created["id"])
        got = admin().ok("GET", path)
        listed = [s for s in admin().ok("GET", SIGNERS, query={"search": name})["signers"]]
        patched = admin().ok("PATCH", path, {"description": "read model"})
        self.assertEqual(len(listed), 1)
        pem = admin().ok("GET", path + "/certificate")["certificatePem"]
        serial = self.openssl_field(pem, "-serial").lower()
        for reply in (created, got, listed[0], patched):
            for key in SIGNER_READ_MODEL:
                self.assertIn(key, reply)
            self.assertEqual(reply["status"], "active")
            self.assertEqual(reply["certificateCommonName"], cn)
            self.assertEqual(reply["commonName"], cn)
            self.assertRegex(reply["certificateSerialNumber"], r"^[0-9a-f]+$")
            self.assertEqual(reply["certificateSerialNumber"].lstrip("0"), serial.lstrip("0"))
            self.assertEqual(reply["certificateKeyAlgorithm"], "RSA_3072")
            self.assertEqual(reply["keyAlgorithm"], "RSA_3072")
            self.assertEqual(reply["certificateStatus"], "active")
            self.assertEqual(reply["certificateCaId"], F.ca["id"])
            self.assertEqual(reply["caId"], F.ca["id"])
            self.assertEqual(reply["certificateKeySource"], "software")
            self.assertIsNone(reply["approvalPolicyId"])
            self.assertIsNone(reply["approvalPolicyName"])
            self.assertRegex(reply["certificateNotBefore"], r"^\d{4}-\d\d-\d\dT.*Z$")
        # The validity period is the certificate's (openssl prints it to the second).
        import email.utils
        not_after = email.utils.parsedate_to_datetime(
            self.openssl_field(pem, "-enddate").replace(" GMT", " +0000").replace("  ", " "))
        self.assertTrue(got["certificateNotAfter"].startswith(
            not_after.strftime("%Y-%m-%dT%H:%M:%S")), (got["certificateNotAfter"], not_after))
        deleted = admin().ok("DELETE", path)
        self.assertEqual(deleted["certificateCommonName"], cn)

    def test_imported_certificates_have_no_ca(self):
        with tempfile.TemporaryDirectory() as d:
            key_pem, cert_pem = make_local_key_and_cert(d)
        cert = admin().ok("POST", "/api/v1/pki/certificates/import",
                          {"certificatePem": cert_pem, "privateKeyPem": key_pem})
        signer = admin().ok("POST", SIGNERS, {"name": unique("imp"), "certificateId": cert["id"]})
        self.assertIsNone(signer["certificateCaId"])
        self.assertEqual(signer["certificateKeySource"], "software")
        self.assertEqual(signer["certificateKeyAlgorithm"], "EC_prime256v1")

    def test_revoked_certificate_makes_the_signer_expired_everywhere(self):
        signer = fresh_ec_signer()
        path = "%s/%s" % (SIGNERS, signer["id"])
        admin().ok("POST", "/api/v1/pki/certificates/%s/revoke" % signer["certificateId"])
        got = admin().ok("GET", path)
        self.assertEqual((got["status"], got["certificateStatus"]), ("expired", "revoked"))
        listed = admin().ok("GET", SIGNERS, query={"search": signer["name"]})["signers"]
        self.assertEqual([s["status"] for s in listed], ["expired"])
        body = self.assertError(sign(admin(), F.admin_token, signer["id"], b"x", "ECDSA_SHA256"),
                                400)
        self.assertIn("revoked", body["message"])

    def test_expiry_in_time_makes_the_signer_expired(self):
        with tempfile.TemporaryDirectory() as d:
            key_pem, cert_pem = make_short_lived_cert(d, 4)
        cert = admin().ok("POST", "/api/v1/pki/certificates/import",
                          {"certificatePem": cert_pem, "privateKeyPem": key_pem})
        signer = admin().ok("POST", SIGNERS, {"name": unique("short"),
                                              "certificateId": cert["id"]})
        self.assertEqual((signer["status"], signer["certificateStatus"]), ("active", "active"))
        deadline = time.time() + 30
        path = "%s/%s" % (SIGNERS, signer["id"])
        while time.time() < deadline:
            got = admin().ok("GET", path)
            if got["status"] == "expired":
                break
            time.sleep(0.5)
        self.assertEqual((got["status"], got["certificateStatus"]), ("expired", "expired"))
        # A disabled signer whose certificate expired reads as expired too.
        self.assertEqual(admin().ok("PATCH", path, {"status": "disabled"})["status"], "expired")

    def test_policy_name_is_shown(self):
        policy = admin().ok("POST", "/api/v1/pki/signing-policies", {
            "name": unique("rm-policy"),
            "steps": [{"requiredApprovals": 1, "approvers": [{"type": "user", "id": F.admin["id"]}]}],
            "constraints": {"maxSignings": 1}})
        signer = fresh_ec_signer()
        path = "%s/%s" % (SIGNERS, signer["id"])
        patched = admin().ok("PATCH", path, {"approvalPolicyId": policy["id"]})
        self.assertEqual((patched["approvalPolicyId"], patched["approvalPolicyName"]),
                         (policy["id"], policy["name"]))
        listed = admin().ok("GET", SIGNERS, query={"search": signer["name"]})["signers"]
        self.assertEqual(listed[0]["approvalPolicyName"], policy["name"])
        admin().ok("PATCH", path, {"signingPolicyId": None})

    def test_operations_carry_approval_grant_id(self):
        self.assertOk(sign(admin(), F.admin_token, F.ec384["id"], b"op", "ECDSA_SHA384"))
        op = admin().ok("GET", "%s/%s/operations" % (SIGNERS, F.ec384["id"]),
                        query={"limit": 1})["operations"][0]
        self.assertIn("approvalGrantId", op)
        self.assertEqual(op["approvalGrantId"], op["grantId"])


class ZzPrivateKeyLeakTest(SignetTestCase):
    """Runs last (alphabetical order): nothing ever answered a PEM private key."""

    def test_no_private_key_in_any_response(self):
        a = admin()
        cert = issue_certificate(a, F.admin_token, F.ca["id"], "EC_prime256v1")
        self.assertNotIn("PRIVATE KEY", a.last.text)
        paths = ["/api/v1/pki/ca", "/api/v1/pki/ca/%s" % F.ca["id"],
                 "/api/v1/pki/ca/%s/certificate" % F.ca["id"],
                 "/api/v1/pki/certificates", "/api/v1/pki/certificates/%s" % cert["certificateId"],
                 "/api/v1/pki/certificates/%s/certificate" % cert["certificateId"],
                 SIGNERS, "/api/v1/audit-logs"]
        for s in (F.rsa, F.ec256, F.ec384):
            paths += ["%s/%s" % (SIGNERS, s["id"]), "%s/%s/certificate" % (SIGNERS, s["id"]),
                      "%s/%s/public-key" % (SIGNERS, s["id"]),
                      "%s/%s/operations" % (SIGNERS, s["id"])]
        lists = {"/api/v1/pki/ca", "/api/v1/pki/certificates", SIGNERS, "/api/v1/audit-logs"}
        lists |= {p for p in paths if p.endswith("/operations")}
        for p in paths:
            with self.subTest(path=p):
                r = a.request("GET", p, query={"limit": 100} if p in lists else None)
                self.assertEqual(r.status, 200, r.text[:300])
                self.assertNotIn("PRIVATE KEY", r.text)
                self.assertNotIn("BEGIN EC PARAMETERS", r.text)
        self.assertEqual(Api.leaks, [], "responses carried a private key")


if __name__ == "__main__":
    unittest.main()
