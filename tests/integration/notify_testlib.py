"""Receivers for notification tests: a webhook endpoint and an SMTP server on loopback.

WebhookReceiver is an HTTP server on 127.0.0.1:<free port> in a thread that records every
POST (headers and raw body) and answers 204, or the statuses given with answer(path, …).
SmtpSink is aiosmtpd (Debian's python3-aiosmtpd) on 127.0.0.1:<free port>, optionally with
AUTH (LOGIN/PLAIN) and STARTTLS, recording every message.
"""

import email
import email.policy
import hashlib
import hmac
import http.server
import json
import socket
import ssl
import threading
import sys
import time

try:
    import aiosmtpd  # noqa: F401
except ImportError:
    # Debian's python3-aiosmtpd, when the python3 running the tests is not Debian's own.
    sys.path.append("/usr/lib/python3/dist-packages")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def verify_signature(secret, header, body, tolerance=300):
    """Checks Signet-Signature the way docs/notifications.md tells receivers to; returns the
    timestamp. Raises AssertionError when the header is malformed, old or does not match."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    t = parts["t"]
    expected = hmac.new(secret.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, parts["v1"]):
        raise AssertionError("Signet-Signature does not match: %r" % header)
    if abs(time.time() - int(t)) > tolerance:
        raise AssertionError("Signet-Signature timestamp too far off: %r" % header)
    return int(t)


class WebhookReceiver:
    def __init__(self, port=None):
        self.requests = []  # (path, headers dict (lower-case), body bytes)
        self.statuses = {}  # path -> the statuses of its next answers (then 204)
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with receiver.lock:
                    receiver.requests.append(
                        (self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                    queue = receiver.statuses.get(self.path) or []
                    status = queue.pop(0) if queue else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port or 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, path, statuses):
        """The next answers on `path` have these statuses."""
        with self.lock:
            self.statuses.setdefault(path, []).extend(statuses)

    def url(self, path="/hook"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def received(self, path=None):
        with self.lock:
            return [r for r in self.requests if path is None or r[0] == path]

    def events(self, path=None):
        """The parsed JSON bodies received on `path`."""
        return [json.loads(body) for _, _, body in self.received(path)]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class SmtpSink:
    def __init__(self, username=None, password=None, tls_cert=None, tls_key=None):
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        self.messages = []  # (mail_from, rcpt_tos, email.message.EmailMessage)
        self.auth_attempts = []
        self.lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                msg = email.message_from_bytes(envelope.original_content or envelope.content,
                                               policy=email.policy.default)
                with sink.lock:
                    sink.messages.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
                return "250 OK"

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword) and
                  auth_data.login.decode() == username and auth_data.password.decode() == password)
            with sink.lock:
                sink.auth_attempts.append(ok)
            return AuthResult(success=ok)

        kwargs = {}
        if username is not None:
            kwargs.update(authenticator=authenticator, auth_require_tls=tls_cert is not None,
                          auth_required=True)
        if tls_cert:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(tls_cert, tls_key)
            kwargs.update(tls_context=context, require_starttls=True)
        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, **kwargs)
        self.controller.start()

    def received(self):
        with self.lock:
            return list(self.messages)

    def to(self, address):
        return [m for m in self.received() if address in m[1]]

    def close(self):
        self.controller.stop()


def text_and_html(msg):
    """The text/plain and text/html parts of a received message."""
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    return (text.get_content() if text else ""), (html.get_content() if html else "")
