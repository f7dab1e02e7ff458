#!/usr/bin/env python3
"""Security hardening (issue 12): one test class per finding of the attacker's review.

Most tests share one signetd started by setUpModule (an org admin, the default project and a
CA). Findings that need server flags (login throttling, request rate limits, the connection
cap), a process-level setting (umask, open-file limit) or that damage the server's state (the
audit tail) start a signetd of their own.

Findings 2 (argon2id off the write lock) and 11 (rolled-back keys never cached) have no
outcome visible over HTTP besides timing and memory; the unit tests cover them.

Every signature made here is verified with the `openssl` command; the audit checkpoint's
Ed25519 signature with `openssl pkeyutl -verify -rawin`. Timing: waits are generous timeouts
that separate "answers" from "hangs"; throttling delays are checked with bounds that a slow
machine only meets more easily (the time from sending a failed login to being let in again
is at least the delay), except that an attempt made right after a failure must reach the
server before the delay or lockout it started (2 s at least) is over.
"""

import base64
import copy
import http.client
import json
import os
import re
import resource
import select
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from signet_testlib import (  # noqa: E402
    ADMIN_EMAIL, ADMIN_PASSWORD, BUILD_DIR, USER_PASSWORD, Api, SignetServer, SignetTestCase,
    add_project_member, b64, bootstrap_admin, create_ca, create_identity, create_signer,
    create_user, default_project_id, issue_certificate, list_all, login,
    make_local_key_and_cert, openssl_verify, read_file, run_openssl, sign,
    signer_public_key_pem, start_module_server, unb64, unique, write_file)

SIGNET = os.path.join(BUILD_DIR, "bin", "signet")
SIGNERS = "/api/v1/pki/signers"
POLICIES = "/api/v1/pki/signing-policies"
REQUESTS = "/api/v1/pki/signing-requests"
AUDIT = "/api/v1/audit-logs"
ALG = "ECDSA_SHA256"
MIB = 1024 * 1024


class Fixture:
    server = None
    api = None
    admin = None
    admin_token = None
    project_id = None
    ca = None


F = Fixture


def setUpModule():
    def set_up():
        F.project_id = default_project_id(F.api, F.admin_token)
        F.ca = create_ca(F.api, F.admin_token, "EC_prime256v1", "Signet security IT root")

    start_module_server(F, set_up)


def tearDownModule():
    if F.server is not None:
        F.server.cleanup()


# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------


def as_(token, api=None):
    return (api or F.api).with_token(token)


def header(response, name):
    """A header of an Api Response, whatever its case; None when absent."""
    for key, value in response.headers.items():
        if key.lower() == name.lower():
            return value
    return None


def wait_for(predicate, timeout, interval=0.1):
    """Polls predicate() until it returns a true value or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def audit_events(api, token, **query):
    items, _ = list_all(api, token, AUDIT, "auditLogs", query)
    return items


def new_member(api=None, admin_token=None, project_id=None, role="member"):
    """A new org member who is a member (or admin) of the project; returns (user, token)."""
    api = api or F.api
    admin_token = admin_token or F.admin_token
    user, token = create_user(api, admin_token)
    add_project_member(api, admin_token, project_id or F.project_id, user_id=user["id"],
                       role=role)
    return user, token


def new_signer(policy_id=None, project_id=None, ca_id=None):
    """A fresh EC P-256 signer (made by the org admin)."""
    cert = issue_certificate(F.api, F.admin_token, ca_id or F.ca["id"], "EC_prime256v1",
                             project_id=project_id)
    body = {"name": unique("sec"), "certificateId": cert["certificateId"]}
    if policy_id:
        body["signingPolicyId"] = policy_id
    if project_id:
        body["projectId"] = project_id
    return F.api.ok("POST", SIGNERS, body, token=F.admin_token)


def add_signer_member(signer_id, role, user_id=None, identity_id=None, api=None, token=None):
    body = {"role": role}
    if user_id:
        body["userId"] = user_id
    if identity_id:
        body["identityId"] = identity_id
    return (api or F.api).ok("POST", "%s/%s/members" % (SIGNERS, signer_id), body,
                             token=token or F.admin_token)


def create_policy(steps, name=None):
    """steps: [(requiredApprovals, [user ids])]; made by the org admin in the default project."""
    body = {"name": name or unique("policy"),
            "steps": [{"name": "step%d" % (i + 1), "requiredApprovals": n,
                       "approvers": [{"type": "user", "id": u} for u in ids]}
                      for i, (n, ids) in enumerate(steps)],
            "constraints": {"maxSignings": 5}}
    return F.api.ok("POST", POLICIES, body, token=F.admin_token)


class Verified:
    """Signs with a token and checks the signature with openssl."""

    def __init__(self, test, api=None):
        self.test = test
        self.api = api or F.api
        self.pubkeys = {}

    def pub(self, signer_id, admin_token):
        if signer_id not in self.pubkeys:
            self.pubkeys[signer_id] = signer_public_key_pem(self.api, admin_token, signer_id)
        return self.pubkeys[signer_id]

    def sign_ok(self, signer_id, token, admin_token=None):
        data = os.urandom(40)
        status, body = sign(self.api, token, signer_id, data, ALG)
        self.test.assertEqual(status, 200, "sign failed: %d %r" % (status, body))
        self.check(signer_id, data, body["signature"], admin_token)
        return body

    def check(self, signer_id, data, signature_b64, admin_token=None):
        ok, out = openssl_verify(data, unb64(signature_b64), ALG,
                                 public_key_pem=self.pub(signer_id, admin_token or F.admin_token))
        self.test.assertTrue(ok, "openssl rejects the signature: " + out)


def proc_status_kib(pid, field):
    """A field of /proc/<pid>/status in KiB (VmRSS, VmHWM)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError("no %s in /proc/%d/status" % (field, pid))


# -- raw HTTP ---------------------------------------------------------------------------


def read_until_closed(sock, timeout):
    """Reads until the peer closes or `timeout` seconds pass; returns (bytes, closed)."""
    received = b""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return received, False
        readable, _, _ = select.select([sock], [], [], left)
        if not readable:
            return received, False
        try:
            data = sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            return received, True
        if not data:
            return received, True
        received += data


def raw_exchange(port, data, timeout=10.0):
    """Sends raw bytes on a new connection; returns (everything received, whether the server
    closed the connection within `timeout`)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        sock.sendall(data)
        return read_until_closed(sock, timeout)
    finally:
        sock.close()


def parse_responses(data):
    """Splits received bytes into HTTP responses framed by Content-Length (or chunked).

    Returns [(status, {lower-case header: value}, body bytes)]; trailing bytes that do not
    form a whole response are returned as a last entry with status None."""
    out = []
    rest = data
    while rest:
        head, sep, after = rest.partition(b"\r\n\r\n")
        if not sep:
            out.append((None, {}, rest))
            break
        lines = head.decode("latin-1").split("\r\n")
        try:
            status = int(lines[0].split(" ", 2)[1])
        except (IndexError, ValueError):
            out.append((None, {}, rest))
            break
        headers = {}
        for line in lines[1:]:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        if "content-length" in headers:
            n = int(headers["content-length"])
            body, rest = after[:n], after[n:]
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size_line, _, after = after.partition(b"\r\n")
                size = int(size_line.split(b";")[0], 16)
                body += after[:size]
                after = after[size + 2:]
                if size == 0:
                    break
            rest = after
        else:
            body, rest = after, b""
        out.append((status, headers, body))
    return out


# -- DER (for crafting a PKCS#12 file) --------------------------------------------------


def der_element(buf, off):
    """The element at `off`: (tag byte, content start, content end)."""
    tag = buf[off]
    first = buf[off + 1]
    if first < 0x80:
        return tag, off + 2, off + 2 + first
    n = first & 0x7F
    length = int.from_bytes(buf[off + 2:off + 2 + n], "big")
    start = off + 2 + n
    return tag, start, start + length


def der_children(buf, start, end):
    """The elements inside a constructed element's content: [(tag, element bytes)]."""
    out = []
    off = start
    while off < end:
        tag, cstart, cend = der_element(buf, off)
        out.append((tag, buf[off:cend]))
        off = cend
    return out


def der_encode(tag, content):
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + content


def der_integer(value):
    raw = value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big")  # room for the sign bit
    return der_encode(0x02, raw)


def pkcs12_mac_iterations(der):
    """The MAC iteration count of a PKCS#12 file (PFX ::= SEQUENCE {version, authSafe, macData})."""
    _, start, end = der_element(der, 0)
    mac_data = der_children(der, start, end)[2][1]
    _, mstart, mend = der_element(mac_data, 0)
    iterations = der_children(mac_data, mstart, mend)[2][1]
    _, istart, iend = der_element(iterations, 0)
    return int.from_bytes(iterations[istart:iend], "big")


def set_pkcs12_mac_iterations(der, iterations):
    """The same PKCS#12 file with macData.iterations replaced (RFC 7292 §4: MacData ::=
    SEQUENCE {mac DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1})."""
    tag, start, end = der_element(der, 0)
    assert tag == 0x30 and end == len(der), "not a DER SEQUENCE"
    version, auth_safe, mac_data = [e for _, e in der_children(der, start, end)]
    mtag, mstart, mend = der_element(mac_data, 0)
    digest_info, salt, old = [e for _, e in der_children(mac_data, mstart, mend)]
    assert old[0] == 0x02, "macData.iterations is not an INTEGER"
    new_mac_data = der_encode(mtag, digest_info + salt + der_integer(iterations))
    return der_encode(tag, version + auth_safe + new_mac_data)


# -- servers with flags of their own ----------------------------------------------------


class OwnServerTestCase(SignetTestCase):
    """A class whose tests share a signetd started with `server_args`, with an org admin."""

    server_args = []

    @classmethod
    def setUpClass(cls):
        cls.server = SignetServer(extra_args=cls.server_args)
        try:
            cls.server.start()
            cls.api = cls.server.api()
            cls.admin, cls.admin_token = bootstrap_admin(cls.api)
            cls.project_id = default_project_id(cls.api, cls.admin_token)
            cls.set_up_class()
        except BaseException:
            sys.stderr.write("setUpClass failed; signetd stderr:\n%s\n" % cls.server.stderr_tail())
            cls.server.cleanup()
            raise

    @classmethod
    def set_up_class(cls):
        pass

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    # -- login throttling helpers -------------------------------------------------------

    def login_reply(self, email, password):
        return self.api.request("POST", "/api/v1/auth/login", {"email": email,
                                                                "password": password})

    def ua_reply(self, client_id, secret):
        return self.api.request("POST", "/api/v1/auth/universal-auth/login",
                                {"clientId": client_id, "clientSecret": secret})

    def assertRateLimited(self, reply):
        """A 429 RateLimited with the SPEC §3 body and a Retry-After of whole seconds >= 1;
        returns the Retry-After."""
        self.assertError((reply.status, reply.json), 429, "RateLimited")
        retry = header(reply, "Retry-After")
        self.assertIsNotNone(retry, "429 without Retry-After: %r" % reply.headers)
        self.assertRegex(retry, r"^[0-9]+$")
        self.assertGreaterEqual(int(retry), 1)
        self.assertNotIn("accessToken", reply.json)
        return int(retry)

    def when_allowed(self, attempt, timeout=60.0):
        """Repeats attempt() while it answers 429 (each checked and its Retry-After kept).

        Returns (first reply that is not 429, monotonic time just before it was sent,
        monotonic time just after it arrived, [Retry-After of each 429])."""
        limits = []
        deadline = time.monotonic() + timeout
        while True:
            sent = time.monotonic()
            reply = attempt()
            received = time.monotonic()
            if reply.status != 429:
                return reply, sent, received, limits
            limits.append(self.assertRateLimited(reply))
            self.assertLess(received, deadline, "still refused after %.0f s" % timeout)
            time.sleep(0.2)


# ---------------------------------------------------------------------------------------
# Finding 1: metric labels come from fixed sets
# ---------------------------------------------------------------------------------------


class MetricLabelsTest(SignetTestCase):
    def metrics(self):
        reply = F.api.request("GET", "/metrics", token="")
        self.assertEqual(reply.status, 200)
        return reply.text

    def test_invented_http_methods_share_one_label(self):
        before = self.metrics()
        names = ["XM%s" % uuid.uuid4().hex.upper() for _ in range(300)]
        statuses = set()
        for name in names:
            conn = http.client.HTTPConnection("127.0.0.1", F.server.port, timeout=30)
            try:
                conn.request(name, "/healthz", headers={"Connection": "close"})
                resp = conn.getresponse()
                resp.read()
                statuses.add(resp.status)
            finally:
                conn.close()
        self.assertTrue(all(400 <= s < 500 for s in statuses), statuses)
        after = self.metrics()
        self.assertEqual([n for n in names if n in after], [],
                         "invented methods became metric labels")
        self.assertIn('method="other"', after)
        self.assertIn('method="GET"', after)
        self.assertLess(len(after) - len(before), 4096,
                        "/metrics grew from %d to %d bytes" % (len(before), len(after)))

    def test_invented_signing_algorithms_share_one_label(self):
        user, token = new_member()
        signer = new_signer()
        add_signer_member(signer["id"], "operator", user_id=user["id"])
        verified = Verified(self)
        verified.sign_ok(signer["id"], token)
        before = self.metrics()
        names = ["ALG_%s" % uuid.uuid4().hex[:24].upper() for _ in range(200)]
        for name in names:
            status, body = sign(F.api, token, signer["id"], b"some data", name)
            self.assertError((status, body), 400)
        verified.sign_ok(signer["id"], token)
        after = self.metrics()
        self.assertEqual([n for n in names if n in after], [],
                         "invented algorithm names became metric labels")
        self.assertIn('algorithm="unknown"', after)
        self.assertIn('algorithm="ECDSA_SHA256"', after)
        self.assertLess(len(after) - len(before), 4096,
                        "/metrics grew from %d to %d bytes" % (len(before), len(after)))


# ---------------------------------------------------------------------------------------
# Finding 3: login throttling and the per-caller request rate limit
# ---------------------------------------------------------------------------------------


class LoginDelayTest(OwnServerTestCase):
    """One free failure, then delays of 1 s, 2 s, 4 s...; no lockout, no per-IP limit."""

    server_args = ["--login-free-failures", "1", "--login-lockout-failures", "0",
                   "--login-ip-failures", "0"]

    def failures_audited(self, email):
        return [e for e in audit_events(self.api, self.admin_token, eventType="auth.login.failure")
                if e["details"].get("email", "").lower() == email]

    def test_delays_double_and_a_success_clears_the_failures(self):
        user, _ = create_user(self.api, self.admin_token)
        email = user["email"]
        refused = 0  # 401s: each one is a failure and an audit event
        self.assertEqual(self.login_reply(email, "wrong password 1").status, 401)  # free
        sent = time.monotonic()
        self.assertEqual(self.login_reply(email, "wrong password 2").status, 401)  # 1 s delay
        refused += 2
        previous = 1
        # Each failure after the free one delays the next attempt twice as long as the last.
        for delay, password, expected in ((2, "wrong password 3", 401),
                                          (4, "wrong password 4", 401),
                                          (None, USER_PASSWORD, 200)):
            reply, next_sent, received, limits = self.when_allowed(
                lambda: self.login_reply(email, password))
            self.assertEqual(reply.status, expected, reply.json)
            # The failure `sent` was counted after it was sent, and this attempt was let
            # through after the delay was over: at least `previous` seconds lie between.
            self.assertGreaterEqual(received - sent, previous - 0.05,
                                    "the %d s delay was not kept" % previous)
            self.assertTrue(all(1 <= r <= previous for r in limits), (previous, limits))
            if delay is None:
                self.assertIn("accessToken", reply.json)
                break
            refused += 1
            # Right after the failure even the right password is refused, unchecked.
            self.assertLessEqual(self.assertRateLimited(self.login_reply(email, USER_PASSWORD)),
                                 delay)
            sent, previous = next_sent, delay
        # The success cleared the failures: one free failure again, then the next is
        # answered (not delayed by what came before the success).
        self.assertEqual(self.login_reply(email, "wrong again 1").status, 401)
        self.assertEqual(self.login_reply(email, "wrong again 2").status, 401)
        refused += 2
        # Failures are audited; refusals while delayed cost no audit event.
        self.assertEqual(len(self.failures_audited(email)), refused)


class LoginLockoutTest(OwnServerTestCase):
    """Lockout after 3 failures for 3 s; no delays before; no per-IP limit."""

    server_args = ["--login-free-failures", "100", "--login-lockout-failures", "3",
                   "--login-lockout", "3s", "--login-ip-failures", "0"]

    def failures_audited(self, event_type, field, account):
        return sorted([e for e in audit_events(self.api, self.admin_token, eventType=event_type)
                       if e["details"].get(field, "").lower() == account.lower()],
                      key=lambda e: e["seq"])

    def assertLockoutAudited(self, events):
        """Three failures; the third started the lockout and says so."""
        self.assertEqual(len(events), 3, events)
        self.assertEqual([e["details"].get("accountLockedFor") for e in events],
                         [None, None, "3s"], events)
        for e in events:
            self.assertEqual(e["details"]["sourceIp"], "127.0.0.1")

    def test_lockout_refuses_even_the_right_password_and_hides_which_accounts_exist(self):
        user, _ = create_user(self.api, self.admin_token)
        known = user["email"]
        unknown = "%s@signet.test" % unique("nobody")
        logins_before = len(audit_events(self.api, self.admin_token, eventType="auth.login",
                                         actorId=user["id"]))
        # The account is the address as submitted, lower-cased.
        replies = {known: [self.login_reply(known.upper(), "wrong password 1")],
                   unknown: [self.login_reply(unknown.upper(), "wrong password 1")]}
        sent = {}
        for account in (known, unknown):
            for i in (2, 3):
                sent[account] = time.monotonic()
                replies[account].append(self.login_reply(account, "wrong password %d" % i))
        for account, rs in replies.items():
            for r in rs:
                self.assertError((r.status, r.json), 401)
        blocked_known = self.login_reply(known, USER_PASSWORD)
        blocked_unknown = self.login_reply(unknown, USER_PASSWORD)
        self.assertLessEqual(self.assertRateLimited(blocked_known), 3)
        self.assertLessEqual(self.assertRateLimited(blocked_unknown), 3)
        # The same answers for an account that exists and one that does not.
        for a, b in [(replies[known][i], replies[unknown][i]) for i in range(3)] + [
                (blocked_known, blocked_unknown)]:
            self.assertEqual(a.status, b.status)
            self.assertEqual(set(a.json), set(b.json))
            self.assertEqual(a.json["error"], b.json["error"])
            self.assertEqual(re.sub(r"\d+", "N", a.json["message"]),
                             re.sub(r"\d+", "N", b.json["message"]))
            self.assertEqual(header(a, "Retry-After") is None, header(b, "Retry-After") is None)
        # The right password was not accepted while locked: no login event.
        self.assertEqual(len(audit_events(self.api, self.admin_token, eventType="auth.login",
                                          actorId=user["id"])), logins_before)
        self.assertLockoutAudited(self.failures_audited("auth.login.failure", "email", known))
        self.assertLockoutAudited(self.failures_audited("auth.login.failure", "email", unknown))

        # When the lockout is over the right password works.
        reply, _, received, limits = self.when_allowed(lambda: self.login_reply(known,
                                                                                USER_PASSWORD))
        self.assertEqual(reply.status, 200, reply.json)
        self.assertGreaterEqual(received - sent[known], 3 - 0.05)
        self.assertTrue(all(1 <= r <= 3 for r in limits), limits)
        # The success cleared the account's failures: two more are not a lockout.
        self.assertEqual(self.login_reply(known, "wrong password 4").status, 401)
        self.assertEqual(self.login_reply(known, "wrong password 5").status, 401)
        self.assertEqual(self.login_reply(known, USER_PASSWORD).status, 200)

    def test_universal_auth_is_throttled_the_same_way(self):
        identity, client_id, secret, _ = create_identity(self.api, self.admin_token)
        sent = None
        for i in range(3):
            sent = time.monotonic()
            r = self.ua_reply(client_id, "wrong secret %d" % i)
            self.assertError((r.status, r.json), 401)
        self.assertLessEqual(self.assertRateLimited(self.ua_reply(client_id, secret)), 3)
        self.assertLockoutAudited(self.failures_audited("auth.universal-auth.failure",
                                                        "clientId", client_id))
        reply, _, received, _ = self.when_allowed(lambda: self.ua_reply(client_id, secret))
        self.assertEqual(reply.status, 200, reply.json)
        self.assertGreaterEqual(received - sent, 3 - 0.05)
        token = reply.json["accessToken"]
        self.assertEqual(self.api.call("GET", "/api/v1/projects", token=token)[0], 200)

    def test_a_wrong_current_password_counts_as_a_failed_login(self):
        user, token = create_user(self.api, self.admin_token)
        me = "/api/v1/users/%s" % user["id"]
        new_password = "a brand new password 42"
        for i in range(3):
            self.assertError(self.api.call("PATCH", me, {"password": new_password,
                                                         "currentPassword": "wrong %d" % i},
                                           token=token), 403)
        # Locked: neither the change with the right current password nor a login is tried.
        change = self.api.request("PATCH", me, {"password": new_password,
                                                "currentPassword": USER_PASSWORD}, token=token)
        self.assertRateLimited(change)
        self.assertRateLimited(self.login_reply(user["email"], USER_PASSWORD))
        events = self.failures_audited("user.password.failure", "email", user["email"])
        self.assertLockoutAudited(events)
        # Afterwards the change goes through.
        reply, _, _, _ = self.when_allowed(lambda: self.api.request(
            "PATCH", me, {"password": new_password, "currentPassword": USER_PASSWORD},
            token=token))
        self.assertEqual(reply.status, 200, reply.json)
        self.assertEqual(self.login_reply(user["email"], new_password).status, 200)


class SourceIpLockoutTest(OwnServerTestCase):
    """4 failures from one address, across accounts, lock it for 3 s."""

    server_args = ["--login-free-failures", "100", "--login-lockout-failures", "0",
                   "--login-ip-failures", "4", "--login-lockout", "3s"]

    def test_failures_across_accounts_lock_the_source_ip(self):
        user, _ = create_user(self.api, self.admin_token)
        _, client_id, secret, _ = create_identity(self.api, self.admin_token)
        sprayed = ["%s@signet.test" % unique("spray") for _ in range(4)]
        sent = None
        for email in sprayed:
            sent = time.monotonic()
            r = self.login_reply(email, "password guess 1")
            self.assertError((r.status, r.json), 401)
        # Every account from this address is refused now, even with the right credentials.
        self.assertLessEqual(self.assertRateLimited(self.login_reply(user["email"],
                                                                     USER_PASSWORD)), 3)
        self.assertLessEqual(self.assertRateLimited(self.ua_reply(client_id, secret)), 3)
        events = [e for e in audit_events(self.api, self.admin_token,
                                          eventType="auth.login.failure")
                  if e["details"].get("email") in sprayed]
        events.sort(key=lambda e: e["seq"])
        self.assertEqual([e["details"]["email"] for e in events], sprayed)
        self.assertEqual([e["details"].get("sourceIpLockedFor") for e in events],
                         [None, None, None, "3s"])
        self.assertTrue(all("accountLockedFor" not in e["details"] for e in events))
        reply, _, received, _ = self.when_allowed(lambda: self.login_reply(user["email"],
                                                                           USER_PASSWORD))
        self.assertEqual(reply.status, 200, reply.json)
        self.assertGreaterEqual(received - sent, 3 - 0.05)


class RequestRateLimitTest(OwnServerTestCase):
    """5 requests a second per caller, bursts of 10."""

    server_args = ["--rate-limit", "5", "--rate-limit-burst", "10"]

    @classmethod
    def paced(cls, method, path, body=None):
        """An org-admin call that waits out its own rate limit (setup only)."""
        for _ in range(50):
            reply = cls.api.request(method, path, body, token=cls.admin_token)
            if reply.status != 429:
                if reply.status != 200:
                    raise AssertionError("%s %s -> %d %r" % (method, path, reply.status,
                                                             reply.json))
                return reply.json
            time.sleep(int(header(reply, "Retry-After") or "1"))
        raise AssertionError("%s %s stayed rate-limited" % (method, path))

    @classmethod
    def set_up_class(cls):
        cls.users = []
        for _ in range(2):
            email = "%s@signet.test" % unique("rate")
            user = cls.paced("POST", "/api/v1/users", {"email": email, "password": USER_PASSWORD,
                                                       "orgRole": "member"})
            cls.paced("POST", "/api/v1/projects/%s/memberships" % cls.project_id,
                      {"userId": user["id"], "role": "member"})
            cls.users.append((user, login(cls.api, email, USER_PASSWORD)))
        ca = cls.paced("POST", "/api/v1/pki/ca", {"commonName": "rate CA",
                                                  "keyAlgorithm": "EC_prime256v1",
                                                  "ttlDays": 30})
        cert = cls.paced("POST", "/api/v1/pki/certificates/issue",
                         {"caId": ca["id"], "commonName": unique("rate"),
                          "keyAlgorithm": "EC_prime256v1", "ttlDays": 30,
                          "keyUsages": ["digitalSignature"],
                          "extendedKeyUsages": ["codeSigning"]})
        cls.signer = cls.paced("POST", SIGNERS, {"name": unique("rate"),
                                                 "certificateId": cert["certificateId"]})
        for user, _ in cls.users:
            cls.paced("POST", "%s/%s/members" % (SIGNERS, cls.signer["id"]),
                      {"userId": user["id"], "role": "operator"})
        cls.public_pem = spki_pem(cls.paced("GET", "%s/%s/public-key"
                                            % (SIGNERS, cls.signer["id"]))["publicKey"])

    def until_limited(self, call, limit=400):
        """Calls call() until it answers 429; returns (200 replies before, the 429)."""
        ok = []
        for _ in range(limit):
            reply = call()
            if reply.status == 429:
                return ok, reply
            self.assertEqual(reply.status, 200, reply.json)
            ok.append(reply)
        self.fail("%d calls in a row were not rate-limited" % limit)

    def test_each_caller_has_its_own_request_budget(self):
        (_, token_a), (_, token_b) = self.users
        a = as_(token_a, self.api)
        # A fresh caller gets its whole burst, then 429 with Retry-After.
        ok, limited = self.until_limited(lambda: a.request("GET", "/api/v1/projects"))
        self.assertGreaterEqual(len(ok), 10)
        retry = self.assertRateLimited(limited)
        self.assertEqual(header(limited, "X-Content-Type-Options"), "nosniff")
        self.assertEqual(header(limited, "Cache-Control"), "no-store")
        # Another caller is not affected.
        self.assertEqual(self.api.call("GET", "/api/v1/projects", token=token_b)[0], 200)
        # The sign route counts too.
        signed = []

        def sign_once():
            data = os.urandom(32)
            status, body = sign(self.api, token_a, self.signer["id"], data, ALG)
            reply = self.api.last
            if status == 200:
                signed.append((data, body["signature"]))
            return reply

        _, limited = self.until_limited(sign_once)
        retry = self.assertRateLimited(limited)
        for data, signature in signed:
            ok_sig, out = openssl_verify(data, unb64(signature), ALG,
                                         public_key_pem=self.public_pem)
            self.assertTrue(ok_sig, out)
        # Once Retry-After has passed, the caller may go on.
        time.sleep(retry)
        data = os.urandom(32)
        status, body = sign(self.api, token_a, self.signer["id"], data, ALG)
        self.assertEqual(status, 200, body)
        ok_sig, out = openssl_verify(data, unb64(body["signature"]), ALG,
                                     public_key_pem=self.public_pem)
        self.assertTrue(ok_sig, out)


def spki_pem(public_key_b64):
    der = unb64(public_key_b64)
    text = base64.encodebytes(der).decode("ascii").replace("\n", "")
    lines = [text[i:i + 64] for i in range(0, len(text), 64)]
    return "-----BEGIN PUBLIC KEY-----\n" + "\n".join(lines) + "\n-----END PUBLIC KEY-----\n"


# ---------------------------------------------------------------------------------------
# Finding 4: connection cap and accept errors
# ---------------------------------------------------------------------------------------


class ConnectionCapTest(OwnServerTestCase):
    server_args = ["--max-connections", "3"]

    def test_at_the_cap_new_connections_wait_until_one_closes(self):
        held = []
        try:
            for _ in range(3):
                conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
                conn.request("GET", "/healthz")  # HTTP/1.1: the connection stays open
                resp = conn.getresponse()
                resp.read()
                self.assertEqual(resp.status, 200)
                held.append(conn)
            fourth = socket.create_connection(("127.0.0.1", self.server.port), timeout=30)
            try:
                fourth.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               b"Connection: close\r\n\r\n")
                readable, _, _ = select.select([fourth], [], [], 1.5)
                self.assertEqual(readable, [], "a 4th connection was served at a cap of 3")
                held.pop(0).close()
                data, closed = read_until_closed(fourth, 30)
            finally:
                fourth.close()
            replies = parse_responses(data)
            self.assertEqual([r[0] for r in replies], [200], data)
            self.assertTrue(closed)
            # The held connections still work.
            for conn in held:
                conn.request("GET", "/healthz")
                resp = conn.getresponse()
                resp.read()
                self.assertEqual(resp.status, 200)
        finally:
            for conn in held:
                conn.close()


class FileDescriptorExhaustionTest(SignetTestCase):
    """signetd under an open-file limit of 48, flooded with 100 connections."""

    def flood(self, extra_args):
        """Starts signetd, holds 100 connections for 3 s, closes them; returns how many
        'accept failed' lines signetd logged meanwhile, once /healthz answers again."""
        def low_fd_limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (48, 48))

        server = SignetServer(extra_args=extra_args, preexec_fn=low_fd_limit)
        self.addCleanup(server.cleanup)
        server.start()
        socks = []
        try:
            for _ in range(100):
                socks.append(socket.create_connection(("127.0.0.1", server.port), timeout=30))
            time.sleep(3)
            lines = 0
            with open(server.stderr_path, "rb") as f:
                for line in f:
                    if b"accept failed" in line:
                        lines += 1
            self.assertTrue(server.running(), "signetd died out of file descriptors")
        finally:
            for s in socks:
                s.close()
        api = server.api()
        api.timeout = 10
        self.assertTrue(wait_for(lambda: self._healthy(api), 30),
                        "/healthz did not answer after the connections closed")
        return lines

    @staticmethod
    def _healthy(api):
        try:
            return api.call("GET", "/healthz")[0] == 200
        except OSError:
            return False

    def test_accept_errors_back_off_and_are_logged_rarely(self):
        # A cap above the open-file limit: accepting fails with EMFILE.
        lines = self.flood(["--max-connections", "1000"])
        self.assertGreaterEqual(lines, 1, "the open-file limit was never reached")
        self.assertLessEqual(lines, 3, "%d 'accept failed' lines in 3 s" % lines)

    def test_the_default_cap_follows_the_open_file_limit(self):
        # Without --max-connections the cap comes from the open-file limit (less room for
        # the database and log files): signetd stops accepting before it runs out of
        # descriptors, so accepting never fails.
        lines = self.flood([])
        self.assertEqual(lines, 0, "accept failed %d time(s) under the default cap" % lines)


# ---------------------------------------------------------------------------------------
# Finding 5: PKCS#12 import checks rights first and caps iteration counts
# ---------------------------------------------------------------------------------------


class Pkcs12Test(SignetTestCase):
    def test_a_huge_mac_iteration_count_is_refused_before_any_work(self):
        with tempfile.TemporaryDirectory() as d:
            key_pem, cert_pem = make_local_key_and_cert(d)
            kf, cf, pf = (os.path.join(d, n) for n in ("k.pem", "c.pem", "b.p12"))
            write_file(kf, key_pem)
            write_file(cf, cert_pem)
            code, out = run_openssl(["pkcs12", "-export", "-inkey", kf, "-in", cf, "-out", pf,
                                     "-passout", "pass:p12-secret"])
            self.assertEqual(code, 0, out)
            der = read_file(pf, True)
        # The rewriter changes nothing but the count.
        count = pkcs12_mac_iterations(der)
        self.assertEqual(set_pkcs12_mac_iterations(der, count), der)
        crafted = set_pkcs12_mac_iterations(der, 2 ** 31 - 1)
        self.assertEqual(pkcs12_mac_iterations(crafted), 2 ** 31 - 1)
        body = {"pkcs12": b64(crafted), "password": "p12-secret"}
        path = "/api/v1/pki/certificates/import"
        _, total_before = list_all(F.api, F.admin_token, "/api/v1/pki/certificates",
                                   "certificates")
        # 2^31 iterations would take minutes: an answer within the timeout means none ran.
        _, member_token = new_member()
        member = Api("127.0.0.1", F.server.port, member_token, timeout=30)
        status, reply = member.call("POST", path, body)
        self.assertIn(status, (403, 404), reply)
        self.assertError((status, reply), status)
        admin = Api("127.0.0.1", F.server.port, F.admin_token, timeout=30)
        self.assertError(admin.call("POST", path, body), 400,
                         message_contains=["MAC", "2147483647", "1000000"])
        _, total_after = list_all(F.api, F.admin_token, "/api/v1/pki/certificates",
                                  "certificates")
        self.assertEqual(total_after, total_before)


# ---------------------------------------------------------------------------------------
# Finding 6: leaving a project ends the signer roles in it
# ---------------------------------------------------------------------------------------


class ProjectExitTest(SignetTestCase):
    def members_of(self, signer_id):
        items, _ = list_all(F.api, F.admin_token, "%s/%s/members" % (SIGNERS, signer_id),
                            "members")
        return items

    def test_a_removed_user_loses_every_signer_role_in_that_project(self):
        user, token = create_user(F.api, F.admin_token)
        membership = add_project_member(F.api, F.admin_token, F.project_id, user_id=user["id"])
        operated = new_signer()
        administered = new_signer()
        add_signer_member(operated["id"], "operator", user_id=user["id"])
        add_signer_member(administered["id"], "admin", user_id=user["id"])
        # A signer in another project, where the user stays a member.
        other = F.api.ok("POST", "/api/v1/projects", {"name": unique("exit")},
                         token=F.admin_token)
        add_project_member(F.api, F.admin_token, other["id"], user_id=user["id"])
        other_ca = create_ca(F.api, F.admin_token, "EC_prime256v1", project_id=other["id"])
        elsewhere = new_signer(project_id=other["id"], ca_id=other_ca["id"])
        add_signer_member(elsewhere["id"], "operator", user_id=user["id"])
        verified = Verified(self)
        for signer in (operated, administered, elsewhere):
            verified.sign_ok(signer["id"], token)
        outsider, _ = create_user(F.api, F.admin_token)

        self.assertOk(F.api.call("DELETE", "/api/v1/projects/%s/memberships/%s"
                                 % (F.project_id, membership["id"]), token=F.admin_token))

        for signer in (operated, administered):
            self.assertError(sign(F.api, token, signer["id"], b"after leaving", ALG), 404)
            self.assertNotIn(user["id"], [m.get("userId") for m in self.members_of(signer["id"])])
        # Nor can they hand the signer to someone else, or touch its settings.
        status, body = as_(token).call("POST", "%s/%s/members" % (SIGNERS, administered["id"]),
                                       {"userId": outsider["id"], "role": "admin"})
        self.assertIn(status, (403, 404), body)
        self.assertError((status, body), status)
        status, body = as_(token).call("PATCH", "%s/%s" % (SIGNERS, administered["id"]),
                                       {"description": "mine now"})
        self.assertIn(status, (403, 404), body)
        self.assertNotIn(outsider["id"],
                         [m.get("userId") for m in self.members_of(administered["id"])])
        # Roles in the other project stay.
        verified.sign_ok(elsewhere["id"], token)
        self.assertIn(user["id"], [m.get("userId") for m in self.members_of(elsewhere["id"])])

        ended = [e for e in audit_events(F.api, F.admin_token, eventType="signer.member.delete")
                 if e["details"].get("principalId") == user["id"]]
        self.assertEqual(sorted(e["target"]["id"] for e in ended),
                         sorted([operated["id"], administered["id"]]))
        for e in ended:
            self.assertEqual(e["details"]["reason"], "left the project")
            self.assertEqual(e["details"]["principalType"], "user")
            self.assertEqual(e["actor"]["id"], F.admin["id"])
        left = [e for e in audit_events(F.api, F.admin_token, eventType="project.membership.delete")
                if e["details"].get("membershipId") == membership["id"]]
        self.assertEqual(len(left), 1, left)
        self.assertEqual(left[0]["details"]["signerRolesEnded"], 2)
        self.assertEqual(left[0]["details"]["principalId"], user["id"])

    def test_a_removed_identity_can_no_longer_sign(self):
        identity, _, _, token = create_identity(F.api, F.admin_token)
        membership = add_project_member(F.api, F.admin_token, F.project_id,
                                        identity_id=identity["id"])
        signer = new_signer()
        add_signer_member(signer["id"], "operator", identity_id=identity["id"])
        Verified(self).sign_ok(signer["id"], token)
        self.assertOk(F.api.call("DELETE", "/api/v1/projects/%s/memberships/%s"
                                 % (F.project_id, membership["id"]), token=F.admin_token))
        self.assertError(sign(F.api, token, signer["id"], b"after leaving", ALG), 404)
        self.assertNotIn(identity["id"],
                         [m.get("identityId") for m in self.members_of(signer["id"])])
        left = [e for e in audit_events(F.api, F.admin_token, eventType="project.membership.delete")
                if e["details"].get("membershipId") == membership["id"]]
        self.assertEqual([e["details"]["signerRolesEnded"] for e in left], [1])
        self.assertEqual(left[0]["details"]["principalType"], "identity")


# ---------------------------------------------------------------------------------------
# Finding 7: only project admins attach, change or detach a signer's policy
# ---------------------------------------------------------------------------------------


class SignerPolicyTest(SignetTestCase):
    def test_a_signer_admin_cannot_detach_the_policy_to_skip_approval(self):
        approver, _ = new_member()
        policy = create_policy([(1, [approver["id"]])])
        other_policy = create_policy([(1, [approver["id"]])])
        signer = new_signer(policy_id=policy["id"])
        signer_admin, sa_token = new_member()
        add_signer_member(signer["id"], "admin", user_id=signer_admin["id"])
        project_admin, pa_token = new_member(role="admin")
        path = "%s/%s" % (SIGNERS, signer["id"])

        # The attack: detach, sign unapproved, re-attach. Detaching (or swapping) is refused.
        self.assertError(as_(sa_token).call("PATCH", path, {"signingPolicyId": None}), 403,
                         message_contains="policy")
        self.assertError(as_(sa_token).call("PATCH", path,
                                            {"signingPolicyId": other_policy["id"]}), 403)
        self.assertEqual(F.api.ok("GET", path, token=F.admin_token)["signingPolicyId"],
                         policy["id"])
        status, body = sign(F.api, sa_token, signer["id"], b"unapproved", ALG)
        self.assertError((status, body), 403, "ApprovalRequired")
        # What is not the policy a signer admin may still change.
        self.assertOk(as_(sa_token).call("PATCH", path, {"description": "signer admin edit"}))
        self.assertEqual(
            [e for e in audit_events(F.api, F.admin_token, eventType="signer.policy.update")
             if e["target"]["id"] == signer["id"]], [])

        # A project admin (not an org admin) may change and detach it; each change audited.
        self.assertOk(as_(pa_token).call("PATCH", path, {"signingPolicyId": other_policy["id"]}))
        self.assertOk(as_(pa_token).call("PATCH", path, {"signingPolicyId": None}))
        events = sorted([e for e in audit_events(F.api, F.admin_token,
                                                 eventType="signer.policy.update")
                         if e["target"]["id"] == signer["id"]], key=lambda e: e["seq"])
        self.assertEqual([(e["details"]["previousSigningPolicyId"],
                           e["details"]["signingPolicyId"]) for e in events],
                         [(policy["id"], other_policy["id"]), (other_policy["id"], "")])
        self.assertTrue(all(e["actor"]["id"] == project_admin["id"] for e in events))
        # Without a policy the signer admin signs directly.
        Verified(self).sign_ok(signer["id"], sa_token)
        # Attaching one back is a project admin's call too.
        self.assertError(as_(sa_token).call("PATCH", path, {"signingPolicyId": policy["id"]}),
                         403)
        self.assertOk(as_(pa_token).call("PATCH", path, {"signingPolicyId": policy["id"]}))
        self.assertError(sign(F.api, sa_token, signer["id"], b"again", ALG), 403,
                         "ApprovalRequired")


# ---------------------------------------------------------------------------------------
# Finding 8: bootstrap checks first
# ---------------------------------------------------------------------------------------


class BootstrapTest(OwnServerTestCase):
    def test_bootstrap_after_bootstrap_is_409_without_hashing(self):
        pid = self.server.proc.pid
        rss_before = proc_status_kib(pid, "VmRSS")
        peak_before = proc_status_kib(pid, "VmHWM")
        _, users_before = list_all(self.api, self.admin_token, "/api/v1/users", "users")
        replies = []
        lock = threading.Lock()

        def attempt():
            api = Api("127.0.0.1", self.server.port, timeout=120)
            r = api.call("POST", "/api/v1/admin/bootstrap",
                         {"email": "%s@signet.test" % unique("boot"), "password": "p" * 256})
            with lock:
                replies.append(r)

        threads = [threading.Thread(target=attempt) for _ in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(180)
        self.assertEqual(len(replies), 40)
        for r in replies:
            self.assertError(r, 409, "Conflict", message_contains="bootstrapped")
        rss_after = proc_status_kib(pid, "VmRSS")
        peak_after = proc_status_kib(pid, "VmHWM")
        # 40 argon2id hashes of 19 MiB each (as many at once as worker threads) would raise
        # the peak by hundreds of MiB.
        self.assertLess(peak_after - peak_before, 100 * 1024,
                        "peak RSS grew from %d to %d KiB" % (peak_before, peak_after))
        self.assertLess(rss_after - rss_before, 100 * 1024)
        _, users_after = list_all(self.api, self.admin_token, "/api/v1/users", "users")
        self.assertEqual(users_after, users_before)
        self.assertEqual(self.login_reply(ADMIN_EMAIL, ADMIN_PASSWORD).status, 200)


# ---------------------------------------------------------------------------------------
# Finding 9: owner-only data directory and database files
# ---------------------------------------------------------------------------------------


class DataDirPermissionsTest(SignetTestCase):
    def assertOwnerOnly(self, server):
        self.assertEqual(os.stat(server.data_dir).st_mode & 0o777, 0o700)
        db = os.path.join(server.data_dir, "signet.db")
        self.assertTrue(os.path.exists(db), "no signet.db in %s" % server.data_dir)
        for suffix in ("", "-wal", "-shm"):
            path = db + suffix
            if os.path.exists(path):
                self.assertEqual(os.stat(path).st_mode & 0o777, 0o600,
                                 "%s is %o" % (path, os.stat(path).st_mode & 0o777))

    def test_owner_only_whatever_the_umask(self):
        server = SignetServer(preexec_fn=lambda: os.umask(0o022))
        self.addCleanup(server.cleanup)
        os.chmod(server.data_dir, 0o755)
        server.start()
        api = server.api()
        _, token = bootstrap_admin(api)
        create_user(api, token)  # some writes: the WAL is there while signetd runs
        self.assertTrue(os.path.exists(os.path.join(server.data_dir, "signet.db-wal")))
        self.assertOwnerOnly(server)
        # What an earlier version (or an operator) left is tightened at the next start.
        self.assertEqual(server.stop(), 0)
        os.chmod(server.data_dir, 0o755)
        os.chmod(os.path.join(server.data_dir, "signet.db"), 0o644)
        server.start()
        login(server.api(), ADMIN_EMAIL, ADMIN_PASSWORD)
        self.assertOwnerOnly(server)


# ---------------------------------------------------------------------------------------
# Finding 10: the audit log's tail and signed checkpoints
# ---------------------------------------------------------------------------------------


def pkeyutl_verify(public_key_pem, payload, signature):
    """`openssl pkeyutl -verify -rawin` (Ed25519); returns (ok, output)."""
    with tempfile.TemporaryDirectory(prefix="signet-cp-") as d:
        pub = write_file(os.path.join(d, "pub.pem"), public_key_pem)
        data = write_file(os.path.join(d, "payload"), payload)
        sig = write_file(os.path.join(d, "sig"), signature)
        code, out = run_openssl(["pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin",
                                 "-in", data, "-sigfile", sig])
    return code == 0 and "Signature Verified Successfully" in out, out


class AuditTailTestCase(SignetTestCase):
    def setUp(self):
        self.server = SignetServer()
        self.addCleanup(self.server.cleanup)
        self.server.start()
        self.api = self.server.api()
        _, self.token = bootstrap_admin(self.api)
        self.db_path = os.path.join(self.server.data_dir, "signet.db")

    def db(self):
        db = sqlite3.connect(self.db_path, timeout=30)
        db.execute("PRAGMA busy_timeout = 30000")
        return db

    def seqs(self, node):
        db = self.db()
        try:
            return [r[0] for r in db.execute(
                "SELECT seq FROM audit_events WHERE node_id = ? ORDER BY seq", (node,))]
        finally:
            db.close()

    def remove_tail(self, node, first_seq, with_head=False):
        """Deletes the node's events from `first_seq` on (and its recorded head)."""
        db = self.db()
        try:
            removed = db.execute("DELETE FROM audit_events WHERE node_id = ? AND seq >= ?",
                                 (node, first_seq)).rowcount
            if with_head:
                heads = db.execute("DELETE FROM settings WHERE key = ?",
                                   ("audit.head/" + node,)).rowcount
                self.assertEqual(heads, 1, "no audit.head/%s row in settings" % node)
            db.commit()
        finally:
            db.close()
        self.assertGreater(removed, 0)
        return removed

    def checkpoint(self):
        cp = self.api.ok("GET", AUDIT + "/checkpoint", token=self.token)
        self.assertEqual(set(cp), {"version", "time", "heads", "algorithm", "keyId", "publicKey",
                                   "payload", "signature"}, cp)
        return cp


class AuditTailTest(AuditTailTestCase):
    def test_a_removed_tail_is_detected_and_seq_numbers_are_never_reused(self):
        for _ in range(3):
            create_user(self.api, self.token)
        self.assertIs(self.api.ok("GET", AUDIT + "/verify", token=self.token)["valid"], True)
        node = self.api.ok("GET", AUDIT, token=self.token, query={"limit": 1})[
            "auditLogs"][0]["nodeId"]
        last = self.seqs(node)[-1]
        first_removed = last - 2
        # Remove the newest events while signetd runs.
        self.assertEqual(self.remove_tail(node, first_removed), 3)
        verdict = self.api.ok("GET", AUDIT + "/verify", token=self.token)
        self.assertIs(verdict["valid"], False, verdict)
        self.assertEqual(verdict["firstBadSeq"], first_removed)
        self.assertEqual(verdict["firstBadNodeId"], node)
        self.assertIn("missing", verdict["reason"])
        self.assertIn(str(first_removed), verdict["reason"])
        self.assertIn(str(last), verdict["reason"])

        # New events continue above the removed numbers...
        login(self.api, ADMIN_EMAIL, ADMIN_PASSWORD)
        seqs = self.seqs(node)
        self.assertEqual([s for s in seqs if first_removed <= s <= last], [])
        self.assertEqual([s for s in seqs if s >= first_removed][:1], [last + 1], seqs[-5:])
        newest = seqs[-1]
        # ... `signetd audit verify` reports the gap ...
        self.assertEqual(self.server.stop(), 0)
        code, out = self.server.audit_verify_cli()
        self.assertNotEqual(code, 0, out)
        self.assertIn("INVALID", out)
        self.assertIn("seq %d" % first_removed, out)
        # ... and after a restart the numbers still go on, never reused.
        self.server.start()
        self.api = self.server.api()
        login(self.api, ADMIN_EMAIL, ADMIN_PASSWORD)
        seqs = self.seqs(node)
        self.assertGreater(seqs[-1], newest)
        self.assertEqual([s for s in seqs if first_removed <= s <= last], [])
        self.assertIs(self.api.ok("GET", AUDIT + "/verify", token=self.token)["valid"], False)

    def test_checkpoints_are_signed_and_tell_whether_the_log_extends_them(self):
        for _ in range(2):
            create_user(self.api, self.token)

        # The public key needs no token.
        key = self.api.ok("GET", AUDIT + "/public-key", token="")
        self.assertEqual(set(key), {"algorithm", "publicKey", "publicKeyPem", "keyId"})
        self.assertEqual(key["algorithm"], "Ed25519")
        self.assertEqual(len(unb64(key["publicKey"])), 32)
        self.assertIn("-----BEGIN PUBLIC KEY-----", key["publicKeyPem"])

        cp = self.checkpoint()
        self.assertEqual(cp["version"], 1)
        self.assertEqual(cp["algorithm"], "Ed25519")
        self.assertEqual((cp["keyId"], cp["publicKey"]), (key["keyId"], key["publicKey"]))
        self.assertEqual(len(cp["heads"]), 1, cp)
        head = cp["heads"][0]
        node, head_seq = head["nodeId"], head["seq"]
        self.assertLessEqual(head_seq, self.seqs(node)[-1])
        self.assertRegex(head["hash"], r"^[0-9a-f]{64}$")
        # The payload is what the fields say, and openssl verifies its signature.
        self.assertEqual(cp["payload"], "signet-audit-checkpoint-v1\ntime %s\nhead %s %d %s\n"
                         % (cp["time"], node, head_seq, head["hash"]))
        ok, out = pkeyutl_verify(key["publicKeyPem"], cp["payload"].encode(),
                                 unb64(cp["signature"]))
        self.assertTrue(ok, out)
        ok, out = pkeyutl_verify(key["publicKeyPem"],
                                 cp["payload"].replace(" %d " % head_seq,
                                                       " %d " % (head_seq - 1)).encode(),
                                 unb64(cp["signature"]))
        self.assertFalse(ok, "openssl accepted an altered payload: " + out)

        # Only org admins take checkpoints or verify.
        _, member_token = create_user(self.api, self.token)
        self.assertError(self.api.call("GET", AUDIT + "/checkpoint", token=member_token), 403)
        self.assertError(self.api.call("POST", AUDIT + "/verify", {"checkpoint": cp},
                                       token=member_token), 403)

        verdict = self.api.ok("POST", AUDIT + "/verify", {"checkpoint": cp}, token=self.token)
        self.assertEqual((verdict["valid"], verdict["extendsCheckpoint"]), (True, True), verdict)
        self.assertGreaterEqual(verdict["checked"], head_seq)
        self.assertNotIn("checkpointProblem", verdict)
        # A checkpoint that was altered is refused: it is not what the server signed.
        for field, value in (("seq", head_seq - 1), ("hash", "0" * 64)):
            altered = copy.deepcopy(cp)
            altered["heads"][0][field] = value
            self.assertError(self.api.call("POST", AUDIT + "/verify", {"checkpoint": altered},
                                           token=self.token), 400, message_contains="signature")
        altered = copy.deepcopy(cp)
        altered["time"] = "2020-01-01T00:00:00.000Z"
        self.assertError(self.api.call("POST", AUDIT + "/verify", {"checkpoint": altered},
                                       token=self.token), 400)

        # Later events extend it; removing the events it saw does not.
        create_user(self.api, self.token)
        verdict = self.api.ok("POST", AUDIT + "/verify", {"checkpoint": cp}, token=self.token)
        self.assertEqual((verdict["valid"], verdict["extendsCheckpoint"]), (True, True), verdict)
        self.remove_tail(node, head_seq - 1, with_head=True)
        verdict = self.api.ok("POST", AUDIT + "/verify", {"checkpoint": cp}, token=self.token)
        self.assertIs(verdict["extendsCheckpoint"], False, verdict)
        self.assertIn(str(head_seq), verdict["checkpointProblem"])


class AuditCheckpointCliTest(AuditTailTestCase):
    def signet(self, home, *args, stdin=None):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("SIGNET_") and k != "XDG_CONFIG_HOME"}
        env["HOME"] = home
        proc = subprocess.run([SIGNET] + [str(a) for a in args], input=(stdin or "").encode(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                              timeout=120)
        return (proc.returncode, proc.stdout.decode("utf-8", "replace"),
                proc.stderr.decode("utf-8", "replace"))

    def assertOneLineFailure(self, result, contains):
        code, out, err = result
        self.assertNotEqual(code, 0, (out, err))
        lines = err.strip("\n").split("\n")
        self.assertEqual(len(lines), 1, err)
        self.assertTrue(lines[0].startswith("signet: "), err)
        self.assertIn(contains, lines[0])

    def test_signet_audit_checkpoint_then_verify_against_it(self):
        if not os.path.exists(SIGNET):
            self.fail("signet not built: %s" % SIGNET)
        home = tempfile.mkdtemp(prefix="signet-cp-home-")
        self.addCleanup(shutil.rmtree, home, True)
        code, out, err = self.signet(home, "login", "--server", self.server.base_url, "--email",
                                     ADMIN_EMAIL, "--password-stdin", stdin=ADMIN_PASSWORD + "\n")
        self.assertEqual(code, 0, err)
        create_user(self.api, self.token)
        saved = os.path.join(home, "checkpoint.json")
        code, out, err = self.signet(home, "audit", "checkpoint", "--out", saved)
        self.assertEqual(code, 0, err)
        self.assertIn(saved, out)
        cp = json.loads(read_file(saved))
        key = self.api.ok("GET", AUDIT + "/public-key", token="")
        ok, text = pkeyutl_verify(key["publicKeyPem"], cp["payload"].encode(),
                                  unb64(cp["signature"]))
        self.assertTrue(ok, text)
        code, out, err = self.signet(home, "audit", "verify", "--checkpoint", saved)
        self.assertEqual(code, 0, (out, err))
        self.assertIn("intact", out)
        self.assertIn("extends the checkpoint", out)

        # An altered file is refused before the server is asked.
        forged = dict(cp)
        forged["payload"] = cp["payload"].replace(" %d " % cp["heads"][0]["seq"], " 1 ")
        forged_path = write_file(os.path.join(home, "forged.json"), json.dumps(forged))
        self.assertOneLineFailure(self.signet(home, "audit", "verify", "--checkpoint",
                                              forged_path), "altered")

        # Someone with write access to the database removes the newest events and the
        # recorded chain head: only the checkpoint still tells.
        node, head_seq = cp["heads"][0]["nodeId"], cp["heads"][0]["seq"]
        self.remove_tail(node, head_seq - 1, with_head=True)
        self.assertOneLineFailure(self.signet(home, "audit", "verify", "--checkpoint", saved),
                                  "does not extend the checkpoint")


# ---------------------------------------------------------------------------------------
# Finding 12: strict HTTP/1.1 framing
# ---------------------------------------------------------------------------------------


class FramingTest(SignetTestCase):
    LOGIN_BODY = json.dumps({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}).encode()

    def post(self, extra_headers, body=b"", version="HTTP/1.1", path="/api/v1/auth/login"):
        head = ("POST %s %s\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                % (path, version)).encode()
        return head + b"".join(h + b"\r\n" for h in extra_headers) + b"\r\n" + body

    def chunked(self, data, pieces=3):
        step = max(1, len(data) // pieces)
        out = b""
        for i in range(0, len(data), step):
            part = data[i:i + step]
            out += b"%x\r\n%s\r\n" % (len(part), part)
        return out + b"0\r\n\r\n"

    def assertOne400AndClosed(self, request, what):
        data, closed = raw_exchange(F.server.port, request)
        replies = parse_responses(data)
        self.assertEqual([r[0] for r in replies], [400],
                         "%s: expected exactly one 400, got %r" % (what, data[:2000]))
        status, headers, body = replies[0]
        parsed = json.loads(body)
        self.assertEqual(parsed["statusCode"], 400, parsed)
        self.assertEqual(parsed["error"], "BadRequest", parsed)
        self.assertTrue(parsed["message"])
        self.assertTrue(parsed["reqId"])
        self.assertEqual(headers.get("x-content-type-options"), "nosniff")
        self.assertTrue(closed, "%s: the connection was left open" % what)

    def test_unsupported_framing_gets_one_400_and_the_connection_closed(self):
        body = self.LOGIN_BODY
        cases = {
            "Transfer-Encoding: gzip": self.post([b"Transfer-Encoding: gzip"], body),
            "Transfer-Encoding: chunked, gzip":
                self.post([b"Transfer-Encoding: chunked, gzip"], self.chunked(body)),
            "Transfer-Encoding: chunked then gzip on two lines":
                self.post([b"Transfer-Encoding: chunked", b"Transfer-Encoding: gzip"],
                          self.chunked(body)),
            "Transfer-Encoding: xchunked": self.post([b"Transfer-Encoding: xchunked"],
                                                     self.chunked(body)),
            "Transfer-Encoding with Content-Length":
                self.post([b"Transfer-Encoding: chunked",
                           b"Content-Length: %d" % len(self.chunked(body))], self.chunked(body)),
            "Transfer-Encoding in HTTP/1.0":
                self.post([b"Transfer-Encoding: chunked"], self.chunked(body), "HTTP/1.0"),
            "obs-fold": (b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Folded: first\r\n"
                         b" continued\r\n\r\n"),
            "obs-fold with a tab": self.post([b"X-Folded: first", b"\tcontinued",
                                              b"Content-Length: %d" % len(body)], body),
        }
        for what, request in cases.items():
            with self.subTest(what):
                self.assertOne400AndClosed(request, what)

    def test_a_smuggled_request_gets_no_reply(self):
        smuggled = (b"GET /api/v1/audit-logs/public-key HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        for coding in (b"gzip", b"identity", b"chunked, identity"):
            with self.subTest(coding.decode()):
                request = self.post([b"Transfer-Encoding: " + coding], smuggled)
                self.assertOne400AndClosed(request, coding.decode())

    def test_chunked_requests_still_work(self):
        request = self.post([b"Transfer-Encoding: chunked"], self.chunked(self.LOGIN_BODY))
        request += b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        data, closed = raw_exchange(F.server.port, request, timeout=30)
        replies = parse_responses(data)
        self.assertEqual([r[0] for r in replies], [200, 200], data[:2000])
        self.assertIn("accessToken", json.loads(replies[0][2]))
        self.assertEqual(json.loads(replies[1][2]), {"status": "ok"})
        self.assertTrue(closed)


# ---------------------------------------------------------------------------------------
# Finding 13: each step of a request needs a different approver
# ---------------------------------------------------------------------------------------


class DistinctApproversTest(SignetTestCase):
    def test_one_approver_cannot_approve_two_steps(self):
        (lead1, t1), (lead2, t2) = new_member(), new_member()
        requester, rt = new_member()
        policy = create_policy([(1, [lead1["id"], lead2["id"]]),
                                (1, [lead1["id"], lead2["id"]])])
        signer = new_signer(policy_id=policy["id"])
        add_signer_member(signer["id"], "operator", user_id=requester["id"])
        req = self.assertOk(as_(rt).call("POST", "%s/%s/requests" % (SIGNERS, signer["id"]),
                                         {"justification": "release"}))
        first = self.assertOk(as_(t1).call("POST", "%s/%s/approve" % (REQUESTS, req["id"]), {}))
        self.assertEqual((first["status"], first["currentStep"]), ("pending", 1))
        self.assertError(as_(t1).call("POST", "%s/%s/approve" % (REQUESTS, req["id"]), {}), 403,
                         message_contains="each step needs a different approver")
        self.assertError(sign(F.api, rt, signer["id"], b"not yet", ALG), 403, "ApprovalRequired")
        got = self.assertOk(as_(rt).call("GET", "%s/%s" % (REQUESTS, req["id"])))
        self.assertEqual((got["status"], got["currentStep"], len(got["approvals"])),
                         ("pending", 1, 1))
        done = self.assertOk(as_(t2).call("POST", "%s/%s/approve" % (REQUESTS, req["id"]), {}))
        self.assertEqual(done["status"], "approved")
        self.assertEqual(sorted(a["approverUserId"] for a in done["approvals"]),
                         sorted([lead1["id"], lead2["id"]]))
        Verified(self).sign_ok(signer["id"], rt)

    def test_requests_are_refused_when_the_steps_need_one_person_twice(self):
        (lead1, _), (lead2, _) = new_member(), new_member()
        requester, rt = new_member()
        other_requester, ort = new_member()
        cases = [
            ("the same single approver in two steps", [(1, [lead1["id"]]), (1, [lead1["id"]])]),
            ("three approvals from two people", [(2, [lead1["id"], lead2["id"]]),
                                                 (1, [lead1["id"], lead2["id"]])]),
            # The requester never approves their own request, which leaves lead1 for both.
            ("the requester's own step", [(1, [requester["id"], lead1["id"]]),
                                          (1, [lead1["id"]])]),
        ]
        for what, steps in cases:
            with self.subTest(what):
                signer = new_signer(policy_id=create_policy(steps)["id"])
                add_signer_member(signer["id"], "operator", user_id=requester["id"])
                add_signer_member(signer["id"], "operator", user_id=other_requester["id"])
                path = "%s/%s/requests" % (SIGNERS, signer["id"])
                self.assertError(as_(rt).call("POST", path, {"justification": "release"}), 400,
                                 message_contains="different")
        # For someone who is not an approver, requester and lead1 fill the last policy.
        self.assertOk(as_(ort).call("POST", path, {"justification": "release"}))


# ---------------------------------------------------------------------------------------
# Finding 14: outside the caller's projects everything is "not found"
# ---------------------------------------------------------------------------------------


class CrossProjectTest(SignetTestCase):
    def assertSameNotFound(self, a, b, a_id, b_id):
        self.assertError(a, 404)
        self.assertError(b, 404)
        self.assertEqual(a[1]["message"].replace(a_id, "ID"), b[1]["message"].replace(b_id, "ID"))

    def test_another_projects_objects_look_missing(self):
        other = F.api.ok("POST", "/api/v1/projects", {"name": unique("hidden")},
                         token=F.admin_token)
        pid = other["id"]
        ca = create_ca(F.api, F.admin_token, "EC_prime256v1", project_id=pid)
        _, token = new_member()
        member = as_(token)
        missing = str(uuid.uuid4())
        self.assertSameNotFound(member.call("GET", "/api/v1/pki/ca/%s" % ca["id"]),
                                member.call("GET", "/api/v1/pki/ca/%s" % missing),
                                ca["id"], missing)
        cert = issue_certificate(F.api, F.admin_token, ca["id"], "EC_prime256v1", project_id=pid)
        signer = create_signer(F.api, F.admin_token, cert["certificateId"], project_id=pid)
        policy = F.api.ok("POST", POLICIES, {
            "projectId": pid, "name": unique("hidden"), "constraints": {"maxSignings": 1},
            "steps": [{"requiredApprovals": 1, "approvers": [{"type": "user",
                                                              "id": F.admin["id"]}]}]},
            token=F.admin_token)
        for template, hidden in (("/api/v1/pki/ca/%s/certificate", ca["id"]),
                                 ("/api/v1/pki/certificates/%s", cert["certificateId"]),
                                 ("/api/v1/pki/certificates/%s/certificate",
                                  cert["certificateId"]),
                                 (SIGNERS + "/%s", signer["id"]),
                                 (SIGNERS + "/%s/members", signer["id"]),
                                 (SIGNERS + "/%s/operations", signer["id"]),
                                 (POLICIES + "/%s", policy["id"])):
            with self.subTest(template):
                self.assertSameNotFound(member.call("GET", template % hidden),
                                        member.call("GET", template % missing), hidden, missing)
        missing_project = str(uuid.uuid4())
        # FAILS on 40c783a for the signers list: a project the caller is not in answers
        # 200 {"signers": [], "totalCount": 0}, a missing one 404 (ListSigners checks no
        # project membership), which tells which project ids exist.
        for path in ("/api/v1/pki/ca", "/api/v1/pki/certificates", SIGNERS, POLICIES):
            with self.subTest(path):
                self.assertSameNotFound(member.call("GET", path, query={"projectId": pid}),
                                        member.call("GET", path,
                                                    query={"projectId": missing_project}),
                                        pid, missing_project)
        self.assertSameNotFound(
            member.call("GET", "/api/v1/projects/%s/memberships" % pid),
            member.call("GET", "/api/v1/projects/%s/memberships" % missing_project),
            pid, missing_project)
        self.assertSameNotFound(
            member.call("POST", "/api/v1/pki/ca", {"projectId": pid, "commonName": "x",
                                                    "keyAlgorithm": "EC_prime256v1",
                                                    "ttlDays": 1}),
            member.call("POST", "/api/v1/pki/ca", {"projectId": missing_project,
                                                    "commonName": "x",
                                                    "keyAlgorithm": "EC_prime256v1",
                                                    "ttlDays": 1}),
            pid, missing_project)
        # The org admin sees the CA.
        self.assertOk(F.api.call("GET", "/api/v1/pki/ca/%s" % ca["id"], token=F.admin_token))


# ---------------------------------------------------------------------------------------
# Finding 15: pending requests per requester and signer are capped
# ---------------------------------------------------------------------------------------


class PendingRequestCapTest(SignetTestCase):
    def test_at_most_five_pending_requests_per_requester_and_signer(self):
        lead, lead_token = new_member()
        requester, rt = new_member()
        colleague, ct = new_member()
        policy = create_policy([(1, [lead["id"]])])
        signer = new_signer(policy_id=policy["id"])
        second = new_signer(policy_id=policy["id"])
        for s in (signer, second):
            add_signer_member(s["id"], "operator", user_id=requester["id"])
        add_signer_member(signer["id"], "operator", user_id=colleague["id"])
        path = "%s/%s/requests" % (SIGNERS, signer["id"])
        made = [self.assertOk(as_(rt).call("POST", path, {"justification": "build %d" % i}))
                for i in range(5)]
        self.assertError(as_(rt).call("POST", path, {"justification": "one more"}), 409,
                         "Conflict", message_contains=["5", "pending"])
        # Other requesters and other signers have their own count.
        self.assertOk(as_(ct).call("POST", path, {"justification": "mine"}))
        self.assertOk(as_(rt).call("POST", "%s/%s/requests" % (SIGNERS, second["id"]),
                                   {"justification": "other signer"}))
        # Cancelling one (or a decision on one) makes room again.
        self.assertOk(as_(rt).call("POST", "%s/%s/cancel" % (REQUESTS, made[0]["id"]), {}))
        self.assertOk(as_(rt).call("POST", path, {"justification": "after cancelling"}))
        self.assertError(as_(rt).call("POST", path, {"justification": "full again"}), 409)
        done = self.assertOk(as_(lead_token).call("POST", "%s/%s/approve"
                                                  % (REQUESTS, made[1]["id"]), {}))
        self.assertEqual(done["status"], "approved")
        self.assertOk(as_(rt).call("POST", path, {"justification": "after an approval"}))
        Verified(self).sign_ok(signer["id"], rt)


# ---------------------------------------------------------------------------------------
# Finding 16: changing one's own password needs the current one
# ---------------------------------------------------------------------------------------


class PasswordChangeTest(SignetTestCase):
    def test_own_password_change_needs_the_current_password(self):
        user, token = create_user(F.api, F.admin_token)
        second_token = login(F.api, user["email"], USER_PASSWORD)
        me = "/api/v1/users/%s" % user["id"]
        new_password = "my new password 9876"
        self.assertError(as_(token).call("PATCH", me, {"password": new_password}), 400,
                         message_contains="currentPassword")
        self.assertError(as_(token).call("PATCH", me, {"password": new_password,
                                                       "currentPassword": "not it at all"}),
                         403, message_contains="currentPassword")
        self.assertEqual(F.api.call("POST", "/api/v1/auth/login",
                                    {"email": user["email"], "password": new_password})[0], 401)
        failures = [e for e in audit_events(F.api, F.admin_token,
                                            eventType="user.password.failure")
                    if e["details"].get("email") == user["email"]]
        self.assertEqual(len(failures), 1, failures)
        for t in (token, second_token):
            self.assertEqual(F.api.call("GET", "/api/v1/projects", token=t)[0], 200)
        self.assertOk(as_(token).call("PATCH", me, {"password": new_password,
                                                    "currentPassword": USER_PASSWORD}))
        # Every session of the old password ends.
        for t in (token, second_token):
            self.assertError(F.api.call("GET", "/api/v1/projects", token=t), 401)
        self.assertEqual(F.api.call("POST", "/api/v1/auth/login",
                                    {"email": user["email"], "password": USER_PASSWORD})[0], 401)
        token = login(F.api, user["email"], new_password)

        # An org admin resetting someone else's password needs none.
        reset = "an admin chosen password 55"
        self.assertOk(F.api.call("PATCH", me, {"password": reset}, token=F.admin_token))
        self.assertError(F.api.call("GET", "/api/v1/projects", token=token), 401)
        login(F.api, user["email"], reset)


# ---------------------------------------------------------------------------------------
# Security headers on every API reply
# ---------------------------------------------------------------------------------------


class SecurityHeadersTest(SignetTestCase):
    def test_login_error_and_list_replies_carry_the_headers(self):
        replies = {
            "login": F.api.request("POST", "/api/v1/auth/login",
                                   {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}, token=""),
            "error": F.api.request("GET", "/api/v1/pki/ca/%s" % uuid.uuid4(),
                                   token=F.admin_token),
            "list": F.api.request("GET", "/api/v1/users", token=F.admin_token),
            "unauthenticated": F.api.request("GET", "/api/v1/users", token=""),
        }
        self.assertEqual([replies[k].status for k in ("login", "error", "list",
                                                      "unauthenticated")],
                         [200, 404, 200, 401])
        for what, reply in replies.items():
            with self.subTest(what):
                self.assertEqual(header(reply, "X-Content-Type-Options"), "nosniff")
                self.assertEqual(header(reply, "Cache-Control"), "no-store")


if __name__ == "__main__":
    unittest.main()
