#!/usr/bin/env python3
"""Notifications (docs/notifications.md): webhooks signed with Signet-Signature, Slack's and
Teams' formats, retries with backoff, the delivery log and test-send, a durable outbox that
survives a restart without sending twice, and e-mail over SMTP to an aiosmtpd server this
suite starts on loopback.

One signetd is shared by the module (fast retries and scans through its flags); tests that
restart a server start their own.
"""

import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from notify_testlib import (SmtpSink, WebhookReceiver, free_port, text_and_html,  # noqa: E402
                            verify_signature, wait_for)
from signet_testlib import (  # noqa: E402
    SignetServer, SignetTestCase, add_project_member, bootstrap_admin, create_ca, create_user,
    default_project_id, issue_certificate, list_all, start_module_server, unique)

HOOKS = "/api/v1/notifications/webhooks"
SMTP = "/api/v1/notifications/smtp"
SIGNERS = "/api/v1/pki/signers"
POLICIES = "/api/v1/pki/signing-policies"
REQUESTS = "/api/v1/pki/signing-requests"
SECRET = "whsec-test-0123456789abcdef"
CONSOLE = "https://console.signet.test"
FAST = ["--notify-retry", "1s", "--notify-retry-max", "2s", "--notify-scan", "1s",
        "--public-url", CONSOLE]


class Fixture:
    server = None
    api = None
    admin = None
    admin_token = None
    project_id = None
    ca = None
    users = {}
    receiver = None
    smtp = None
    expiry = {}


F = Fixture


def setUpModule():
    def set_up():
        F.project_id = default_project_id(F.api, F.admin_token)
        F.ca = create_ca(F.api, F.admin_token, "EC_prime256v1", "Signet notify IT root")
        for name in ("alice", "bob", "carol", "dave", "member"):
            user, token = create_user(F.api, F.admin_token,
                                      email="%s-%s@signet.test" % (name, unique("u")))
            add_project_member(F.api, F.admin_token, F.project_id, user_id=user["id"])
            F.users[name] = (user, token)
        F.receiver = WebhookReceiver()
        F.smtp = SmtpSink(username="signet", password="smtp password 1")
        F.api.ok("PUT", SMTP, {"host": "127.0.0.1", "port": F.smtp.port, "security": "none",
                               "username": "signet", "password": "smtp password 1",
                               "from": "Signet <signet@signet.test>"})
        # A request whose one-minute TTL runs out while the other tests run (checked last).
        hook = create_hook("/expiry", events=["request.expired"])
        policy = create_policy([(1, ["bob"])], ttl="1m")
        signer = signer_with_policy(policy["id"])
        F.expiry = {"hook": hook, "request": request_access(signer["id"], "alice")}

    F.server = SignetServer(extra_args=FAST)
    orig = F.server
    # start_module_server makes its own server; use ours (with the notification flags).
    try:
        F.server.start()
        F.api = F.server.api()
        F.admin, F.admin_token = bootstrap_admin(F.api)
        F.api.token = F.admin_token
        set_up()
    except BaseException:
        sys.stderr.write("setUpModule failed; signetd stderr:\n%s\n" % orig.stderr_tail())
        orig.cleanup()
        raise


def tearDownModule():
    if F.server is not None:
        F.server.cleanup()
    if F.receiver is not None:
        F.receiver.close()
    if F.smtp is not None:
        F.smtp.close()


def uid(name):
    return F.users[name][0]["id"]


def email_of(name):
    return F.users[name][0]["email"]


def as_(name):
    return F.api.with_token(F.users[name][1])


def create_hook(path, api=None, **fields):
    body = {"url": F.receiver.url(path), "secret": SECRET}
    body.update(fields)
    return (api or F.api).ok("POST", HOOKS, body)


def create_policy(steps, ttl=None, notify=None):
    """steps: [(requiredApprovals, [user names])]; notify: per-step notifyApprovers."""
    body = {"name": unique("policy"), "constraints": {"maxSignings": 5},
            "steps": [{"name": "step%d" % (i + 1), "requiredApprovals": n,
                       "approvers": [{"type": "user", "id": uid(u)} for u in names]}
                      for i, (n, names) in enumerate(steps)]}
    if notify is not None:
        for step, value in zip(body["steps"], notify):
            step["notifyApprovers"] = value
    if ttl:
        body["maxRequestTtl"] = ttl
    return F.api.ok("POST", POLICIES, body)


def signer_with_policy(policy_id, operators=("alice",)):
    cert = issue_certificate(F.api, F.admin_token, F.ca["id"], "EC_prime256v1")
    signer = F.api.ok("POST", SIGNERS, {"name": unique("ns"), "certificateId": cert["certificateId"],
                                        "signingPolicyId": policy_id})
    for name in operators:
        F.api.ok("POST", "%s/%s/members" % (SIGNERS, signer["id"]),
                 {"userId": uid(name), "role": "operator"})
    return signer


def request_access(signer_id, name, justification="release 2.4"):
    return as_(name).ok("POST", "%s/%s/requests" % (SIGNERS, signer_id),
                        {"justification": justification, "requestedSignings": 1})


def events_for(path, request_id, count, timeout=20):
    """Waits for `count` webhook events about `request_id` on `path`; returns them in order."""
    def got():
        found = [(h, b) for p, h, b in F.receiver.received(path)
                 if json.loads(b).get("data", {}).get("requestId") == request_id]
        return found if len(found) >= count else None
    found = wait_for(got, timeout)
    if not found:
        raise AssertionError("expected %d events for %s on %s, got %r"
                             % (count, request_id, path, F.receiver.received(path)))
    return found


def mails_to(name, subject_contains, request_id, count=1, timeout=20):
    """The mails to user `name` about `request_id` whose subject contains the text."""
    def got():
        found = [m for m in F.smtp.to(email_of(name)) if subject_contains in m[2]["Subject"] and
                 request_id in text_and_html(m[2])[0]]
        return found if len(found) >= count else None
    found = wait_for(got, timeout)
    if not found:
        raise AssertionError("no mail to %s with %r; got %r" % (
            name, subject_contains, [(m[1], m[2]["Subject"]) for m in F.smtp.received()]))
    return found


def about(request_id, name):
    """The mails to user `name` that mention `request_id`."""
    return [m for m in F.smtp.to(email_of(name)) if request_id in text_and_html(m[2])[0]]


class WebhookApiTest(SignetTestCase):
    def test_create_list_get_patch_delete_never_returns_the_secret(self):
        hook = create_hook("/crud", name=unique("crud"), events=["request.created"])
        self.assertEqual(hook["format"], "signet")
        self.assertEqual(hook["events"], ["request.created"])
        self.assertTrue(hook["hasSecret"])
        self.assertTrue(hook["enabled"])
        self.assertEqual(hook["projectId"], F.project_id)
        self.assertNotIn("secret", hook)
        got = F.api.ok("GET", "%s/%s" % (HOOKS, hook["id"]))
        self.assertEqual(got, hook)
        listed = F.api.ok("GET", HOOKS, query={"limit": 100})
        self.assertIn(hook["id"], [h["id"] for h in listed["webhooks"]])
        self.assertNotIn(SECRET, json.dumps(listed))
        patched = F.api.ok("PATCH", "%s/%s" % (HOOKS, hook["id"]),
                           {"events": [], "enabled": False, "secret": "another-secret-12345"})
        self.assertEqual(patched["events"], [])
        self.assertFalse(patched["enabled"])
        self.assertNotIn("another-secret", json.dumps(patched))
        # The audit log records the change without the secret or the URL's path.
        events, _ = list_all(F.api, F.admin_token, "/api/v1/audit-logs", "auditLogs",
                             {"eventType": "notification-webhook.update"})
        mine = [e for e in events if e["target"]["id"] == hook["id"]]
        self.assertEqual(len(mine), 1)
        self.assertNotIn("another-secret", json.dumps(mine))
        self.assertTrue(mine[0]["details"]["hasSecret"])
        deleted = F.api.ok("DELETE", "%s/%s" % (HOOKS, hook["id"]))
        self.assertEqual(deleted["id"], hook["id"])
        self.assertError(F.api.call("GET", "%s/%s" % (HOOKS, hook["id"])), 404, "NotFound")

    def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(self):
        before = F.api.ok("GET", HOOKS, query={"limit": 100})["totalCount"]
        cases = [
            ({"url": F.receiver.url()}, "secret"),
            ({"url": "http://example.com/hook", "secret": SECRET}, "https"),
            ({"url": "ftp://example.com/hook", "secret": SECRET}, "url"),
            ({"url": F.receiver.url(), "secret": "short"}, "secret"),
            ({"url": F.receiver.url(), "secret": SECRET, "events": ["request.approve"]},
             "events[0]"),
            ({"url": F.receiver.url(), "secret": SECRET, "format": "discord"}, "format"),
            ({"url": F.receiver.url(), "secret": SECRET, "colour": "red"}, "colour"),
            ({"url": 7, "secret": SECRET}, "url"),
        ]
        for body, text in cases:
            with self.subTest(body=body):
                self.assertError(F.api.call("POST", HOOKS, body), 400, "BadRequest",
                                 message_contains=text)
        self.assertEqual(F.api.ok("GET", HOOKS, query={"limit": 100})["totalCount"], before)

    def test_only_project_admins_manage_webhooks(self):
        hook = create_hook("/perm")
        member = as_("member")
        self.assertError(member.call("POST", HOOKS, {"url": F.receiver.url(), "secret": SECRET}),
                         403, "PermissionDenied")
        self.assertError(member.call("GET", "%s/%s" % (HOOKS, hook["id"])), 403)
        self.assertError(member.call("POST", "%s/%s/test" % (HOOKS, hook["id"]), {}), 403)
        self.assertError(member.call("GET", HOOKS), 403)
        self.assertError(F.api.call("GET", HOOKS, token="nope"), 401)

    def test_test_send_is_signed_and_logged(self):
        hook = create_hook("/test-send")
        delivery = F.api.ok("POST", "%s/%s/test" % (HOOKS, hook["id"]), {})
        self.assertEqual(delivery["status"], "delivered")
        self.assertEqual(delivery["event"], "webhook.test")
        self.assertEqual(delivery["attempts"], 1)
        self.assertEqual(delivery["lastStatusCode"], 204)
        [(path, headers, body)] = F.receiver.received("/test-send")
        verify_signature(SECRET, headers["signet-signature"], body)
        payload = json.loads(body)
        self.assertEqual(payload["event"], "webhook.test")
        self.assertEqual(headers["signet-event-id"], payload["id"])
        log = F.api.ok("GET", "%s/%s/deliveries" % (HOOKS, hook["id"]))
        self.assertEqual(log["totalCount"], 1)
        self.assertEqual(log["deliveries"][0]["id"], delivery["id"])
        self.assertError(F.api.call("POST", "%s/%s/test" % (HOOKS, hook["id"]), {"x": 1}), 400,
                         message_contains="x")

    def test_a_wrong_secret_does_not_verify(self):
        hook = create_hook("/wrong-secret")
        F.api.ok("POST", "%s/%s/test" % (HOOKS, hook["id"]), {})
        [(_, headers, body)] = F.receiver.received("/wrong-secret")
        with self.assertRaises(AssertionError):
            verify_signature("not-the-secret-0000", headers["signet-signature"], body)
        with self.assertRaises(AssertionError):
            verify_signature(SECRET, headers["signet-signature"], body + b" ")


class ApprovalNotificationTest(SignetTestCase):
    def test_two_step_approval_sends_emails_and_signed_webhooks(self):
        hook = create_hook("/two-step")
        policy = create_policy([(1, ["bob"]), (1, ["carol", "dave"])], notify=[True, True])
        signer = signer_with_policy(policy["id"])
        req = request_access(signer["id"], "alice", justification="release <2.4>")
        # request.created: step 1's approver hears about it, by mail and by webhook.
        [mail] = mails_to("bob", "asks to sign", req["id"])
        self.assertEqual(mail[0], "signet@signet.test")
        text, html = text_and_html(mail[2])
        link = "%s/approvals/%s" % (CONSOLE, req["id"])
        self.assertIn(link, text)
        self.assertIn('href="%s"' % link, html)
        self.assertIn("release &lt;2.4&gt;", html)
        self.assertIn("step 1 of 2", text)
        self.assertEqual(about(req["id"], "carol"), [])
        self.assertEqual(about(req["id"], "alice"), [], "the requester did it themselves")
        as_("bob").ok("POST", "%s/%s/approve" % (REQUESTS, req["id"]), {"comment": "ok"})
        # request.step_advanced: step 2's approvers.
        for name in ("carol", "dave"):
            [mail] = mails_to(name, "moved on", req["id"])
            self.assertIn("step 2 of 2", text_and_html(mail[2])[0])
        as_("carol").ok("POST", "%s/%s/approve" % (REQUESTS, req["id"]), {})
        [mail] = mails_to("alice", "may now sign", req["id"])
        self.assertIn(link, text_and_html(mail[2])[0])
        events = events_for("/two-step", req["id"], 3)
        kinds = []
        for headers, body in events:
            verify_signature(SECRET, headers["signet-signature"], body)
            payload = json.loads(body)
            kinds.append(payload["event"])
            self.assertEqual(payload["data"]["signerName"], signer["name"])
            self.assertEqual(payload["data"]["requester"]["name"], email_of("alice"))
            self.assertEqual(payload["data"]["link"], link)
            self.assertEqual(headers["signet-event"], payload["event"])
        self.assertEqual(kinds, ["request.created", "request.step_advanced", "request.approved"])
        self.assertEqual(len({json.loads(b)["id"] for _, b in events}), 3)
        step2 = json.loads(events[1][1])["data"]
        self.assertEqual((step2["step"], step2["steps"], step2["actor"]), (2, 2, email_of("bob")))
        log = F.api.ok("GET", "%s/%s/deliveries" % (HOOKS, hook["id"]))
        mine = [d for d in log["deliveries"] if req["id"] in d["payload"]]
        self.assertEqual([d["status"] for d in mine], ["delivered"] * 3)
        self.assertEqual([d["event"] for d in mine],
                         ["request.approved", "request.step_advanced", "request.created"])

    def test_notify_approvers_off_sends_no_mail_but_webhooks_still_fire(self):
        create_hook("/quiet")
        policy = create_policy([(1, ["dave"])], notify=[False])
        self.assertFalse(policy["steps"][0]["notifyApprovers"])
        signer = signer_with_policy(policy["id"])
        req = request_access(signer["id"], "alice")
        events_for("/quiet", req["id"], 1)
        as_("dave").ok("POST", "%s/%s/reject" % (REQUESTS, req["id"]), {"comment": "not now"})
        [mail] = mails_to("alice", "was rejected", req["id"])
        self.assertIn("not now", text_and_html(mail[2])[0])
        [created, rejected] = events_for("/quiet", req["id"], 2)
        self.assertEqual(json.loads(rejected[1])["event"], "request.rejected")
        self.assertEqual(about(req["id"], "dave"), [])

    def test_cancel_tells_the_waiting_approvers(self):
        create_hook("/cancel", events=["request.cancelled"])
        policy = create_policy([(1, ["carol"])])
        signer = signer_with_policy(policy["id"])
        req = request_access(signer["id"], "alice")
        mails_to("carol", "asks to sign", req["id"])
        as_("alice").ok("POST", "%s/%s/cancel" % (REQUESTS, req["id"]), {})
        mails_to("carol", "was cancelled", req["id"])
        [(headers, body)] = events_for("/cancel", req["id"], 1)
        self.assertEqual(json.loads(body)["event"], "request.cancelled")

    def test_slack_and_teams_formats(self):
        slack = create_hook("/slack", format="slack", events=["request.created"])
        create_hook("/teams", format="teams", events=["request.created"])
        self.assertFalse(F.api.ok("POST", HOOKS, {"url": F.receiver.url("/slack2"),
                                                  "format": "slack"})["hasSecret"])
        policy = create_policy([(1, ["bob"])])
        signer = signer_with_policy(policy["id"])
        req = request_access(signer["id"], "alice", justification="fix & <ship>")
        link = "%s/approvals/%s" % (CONSOLE, req["id"])
        [(_, headers, body)] = wait_for(lambda: F.receiver.received("/slack"), 20)
        payload = json.loads(body)
        # Slack's incoming webhooks: "text" (the notification's fallback) and "blocks" of
        # Block Kit; mrkdwn escapes &, < and >, links are <url|label>.
        self.assertEqual(set(payload), {"text", "blocks"})
        self.assertIn(signer["name"], payload["text"])
        section = payload["blocks"][0]
        self.assertEqual(section["type"], "section")
        self.assertEqual(section["text"]["type"], "mrkdwn")
        self.assertIn("fix &amp; &lt;ship&gt;", section["text"]["text"])
        self.assertIn("<%s|Review the request>" % link, section["text"]["text"])
        self.assertEqual(headers["content-type"], "application/json")
        [(_, _, body)] = wait_for(lambda: F.receiver.received("/teams"), 20)
        teams = json.loads(body)
        self.assertEqual(teams["type"], "message")
        card = teams["attachments"][0]
        self.assertEqual(card["contentType"], "application/vnd.microsoft.card.adaptive")
        self.assertEqual(card["content"]["type"], "AdaptiveCard")
        self.assertEqual(card["content"]["actions"][0]["url"], link)
        self.assertEqual(F.api.ok("GET", "%s/%s/deliveries" % (HOOKS, slack["id"]))["totalCount"], 1)


class RetryTest(SignetTestCase):
    def test_failures_are_retried_with_backoff_and_the_same_event_id(self):
        hook = create_hook("/flaky", events=["request.created"])
        F.receiver.answer("/flaky", [500, 503])
        policy = create_policy([(1, ["bob"])])
        signer = signer_with_policy(policy["id"])
        req = request_access(signer["id"], "alice")
        attempts = events_for("/flaky", req["id"], 3, timeout=30)
        ids = {json.loads(b)["id"] for _, b in attempts}
        self.assertEqual(len(ids), 1, "retries carry the same event id")
        stamps = [verify_signature(SECRET, h["signet-signature"], b) for h, b in attempts]
        self.assertLessEqual(stamps[0], stamps[2])
        # The receiver has answered the third attempt; signetd records it right after.
        def delivered():
            d = F.api.ok("GET", "%s/%s/deliveries" % (HOOKS, hook["id"]))["deliveries"][0]
            return d if d["status"] == "delivered" else None
        delivery = wait_for(delivered, 10)
        self.assertIsNotNone(delivery, "the third attempt is not recorded as delivered")
        self.assertEqual(delivery["attempts"], 3)
        self.assertEqual(delivery["lastStatusCode"], 204)

    def test_an_unreachable_receiver_never_blocks_or_fails_the_request(self):
        port = free_port()  # nothing listens there
        hook = F.api.ok("POST", HOOKS, {"url": "http://127.0.0.1:%d/down" % port,
                                        "secret": SECRET, "events": ["request.created"]})
        policy = create_policy([(1, ["bob"])])
        signer = signer_with_policy(policy["id"])
        started = time.monotonic()
        request_access(signer["id"], "alice")
        self.assertLess(time.monotonic() - started, 5)
        def failed_once():
            d = F.api.ok("GET", "%s/%s/deliveries" % (HOOKS, hook["id"]))["deliveries"]
            return d and d[0]["attempts"] >= 1 and d[0]
        d = wait_for(failed_once, 20)
        self.assertTrue(d)
        self.assertEqual(d["status"], "pending")
        self.assertIsNotNone(d["lastError"])
        self.assertIsNotNone(d["nextAttemptAt"])
        F.api.ok("DELETE", "%s/%s" % (HOOKS, hook["id"]))


class RestartTest(SignetTestCase):
    """A server of its own: what was queued survives a restart and nothing is sent twice."""

    def test_queued_events_survive_a_restart_and_are_sent_once(self):
        server = SignetServer(extra_args=FAST)
        self.addCleanup(server.cleanup)
        server.start()
        api = server.api()
        _, token = bootstrap_admin(api)
        api.token = token
        project = default_project_id(api, token)
        bob, _ = create_user(api, token)
        alice, alice_token = create_user(api, token)
        for u in (bob, alice):
            add_project_member(api, token, project, user_id=u["id"])
        port = free_port()
        hook = api.ok("POST", HOOKS, {"url": "http://127.0.0.1:%d/r" % port, "secret": SECRET,
                                      "events": ["request.created", "request.cancelled"]})
        ca = create_ca(api, token, "EC_prime256v1")
        cert = issue_certificate(api, token, ca["id"], "EC_prime256v1")
        policy = api.ok("POST", POLICIES, {"name": "p", "constraints": {"maxSignings": 1},
                                           "steps": [{"requiredApprovals": 1, "approvers": [
                                               {"type": "user", "id": bob["id"]}]}]})
        signer = api.ok("POST", SIGNERS, {"name": "restart", "certificateId": cert["certificateId"],
                                          "signingPolicyId": policy["id"]})
        api.ok("POST", "%s/%s/members" % (SIGNERS, signer["id"]),
               {"userId": alice["id"], "role": "operator"})
        alice_api = api.with_token(alice_token)
        first = alice_api.ok("POST", "%s/%s/requests" % (SIGNERS, signer["id"]),
                             {"justification": "one"})
        # Nobody listens yet: the delivery fails and waits for its retry.
        wait_for(lambda: api.ok("GET", "%s/%s/deliveries" % (HOOKS, hook["id"]))["deliveries"]
                 [0]["attempts"] >= 1, 20)
        self.assertEqual(server.stop(), 0)
        receiver = WebhookReceiver(port=port)
        self.addCleanup(receiver.close)
        server.start()
        api = server.api()
        api.token = token
        got = wait_for(lambda: receiver.received("/r"), 20)
        self.assertTrue(got, server.stderr_tail())
        second = api.with_token(alice_token).ok("POST", "%s/%s/cancel" % (REQUESTS, first["id"]), {})
        self.assertEqual(second["status"], "cancelled")
        wait_for(lambda: len(receiver.received("/r")) >= 2, 20)
        # Another restart: nothing delivered is sent again.
        self.assertEqual(server.stop(), 0)
        server.start()
        time.sleep(4)
        bodies = [json.loads(b) for _, _, b in receiver.received("/r")]
        self.assertEqual([b["event"] for b in bodies], ["request.created", "request.cancelled"])
        self.assertEqual(len({b["id"] for b in bodies}), 2)
        for _, headers, body in receiver.received("/r"):
            verify_signature(SECRET, headers["signet-signature"], body)
        log = server.api().ok("GET", "%s/%s/deliveries" % (HOOKS, hook["id"]), token=token)
        self.assertEqual(sorted(d["status"] for d in log["deliveries"]), ["delivered", "delivered"])


class SmtpSettingsTest(SignetTestCase):
    def test_get_hides_the_password_and_bad_input_is_refused(self):
        got = F.api.ok("GET", SMTP)
        self.assertEqual(got["host"], "127.0.0.1")
        self.assertEqual(got["security"], "none")
        self.assertTrue(got["hasPassword"])
        self.assertNotIn("password", got)
        self.assertNotIn("smtp password 1", json.dumps(got))
        cases = [({"host": "127.0.0.1", "from": "x@y.z", "security": "ssl"}, "security"),
                 ({"host": "127.0.0.1", "from": "not an address"}, "from"),
                 ({"host": "127.0.0.1", "from": "x@y.z", "port": 70000}, "port"),
                 ({"from": "x@y.z"}, "host"),
                 ({"host": "127.0.0.1", "from": "x@y.z", "tls": True}, "tls")]
        for body, text in cases:
            with self.subTest(body=body):
                self.assertError(F.api.call("PUT", SMTP, body), 400, message_contains=text)
        self.assertEqual(F.api.ok("GET", SMTP)["updatedAt"], got["updatedAt"])
        self.assertError(as_("member").call("PUT", SMTP, {"host": "h", "from": "x@y.z"}), 403)
        self.assertError(as_("member").call("GET", SMTP), 403)

    def test_a_wrong_password_fails_delivery_until_the_settings_are_fixed(self):
        good = {"host": "127.0.0.1", "port": F.smtp.port, "security": "none",
                "username": "signet", "password": "smtp password 1",
                "from": "Signet <signet@signet.test>"}
        bad = dict(good, password="wrong password")
        F.api.ok("PUT", SMTP, bad)
        try:
            policy = create_policy([(1, ["carol"])])
            signer = signer_with_policy(policy["id"])
            refused = len([a for a in F.smtp.auth_attempts if not a])
            req = request_access(signer["id"], "alice", justification=unique("pw"))
            self.assertTrue(wait_for(lambda: len([a for a in F.smtp.auth_attempts if not a]) > refused, 20))
            self.assertEqual([m for m in F.smtp.to(email_of("carol")) if req["id"] in str(m[2])], [])
        finally:
            # A PUT without a password keeps the stored one; send the right one back.
            F.api.ok("PUT", SMTP, good)
        # The retry uses the settings as they are now.
        def delivered():
            return [m for m in F.smtp.to(email_of("carol"))
                    if req["id"] in text_and_html(m[2])[0]]
        self.assertTrue(wait_for(delivered, 20))

    def test_put_without_password_keeps_it(self):
        got = F.api.ok("PUT", SMTP, {"host": "127.0.0.1", "port": F.smtp.port, "security": "none",
                                     "username": "signet", "from": "Signet <signet@signet.test>"})
        self.assertTrue(got["hasPassword"])


class ZzExpiryTest(SignetTestCase):
    def test_an_expired_request_is_announced_once(self):
        req = F.expiry["request"]
        def expired():
            return [b for b in F.receiver.events("/expiry") if b["data"]["requestId"] == req["id"]]
        got = wait_for(expired, 90, interval=0.5)
        self.assertTrue(got, "no request.expired event within 90 s")
        time.sleep(2.5)
        got = expired()
        self.assertEqual(len(got), 1)
        self.assertEqual(got[0]["event"], "request.expired")
        self.assertEqual(F.api.ok("GET", "%s/%s" % (REQUESTS, req["id"]))["status"], "expired")
        mails_to("alice", "expired without a decision", req["id"])
        events, _ = list_all(F.api, F.admin_token, "/api/v1/audit-logs", "auditLogs",
                             {"eventType": "signing-request.expire"})
        self.assertEqual(len([e for e in events if e["target"]["id"] == req["id"]]), 1)


if __name__ == "__main__":
    unittest.main()
