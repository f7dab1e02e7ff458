#!/usr/bin/env python3
"""The web console as signetd serves it (docs/console.md), over plain HTTP requests: pages and
deep links answer the app, embedded assets are immutable and gzip-precompressed, every console
reply carries the Content-Security-Policy and the other security headers, nothing refers to
another origin, and paths that are not the console's stay the API's JSON 404. Browser
sessions: test_sessions.py; the same in a real browser: web/e2e."""
import gzip
import http.client
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from signet_testlib import (SignetTestCase, header_of, raw_request,  # noqa: E402
                            start_module_server)

SIGNER_ID = "0190f2c4-1111-7000-8000-000000000001"
PAGES = ["/", "/login", "/signers", "/signers/" + SIGNER_ID, "/signers/%s/members" % SIGNER_ID,
         "/certificates", "/cas", "/policies", "/approvals", "/grants", "/audit", "/notifications",
         "/admin", "/admin/identities"]


class Fixture:
    pass


F = Fixture()


def setUpModule():
    start_module_server(F, lambda: None)


def tearDownModule():
    F.server.cleanup()


def raw(method, path, body=None, headers=None, port=None):
    return raw_request(port or F.server.port, method, path, body, headers)


class ConsoleServing(SignetTestCase):
    def assertSecurityHeaders(self, headers, where):
        csp = header_of(headers, "Content-Security-Policy")
        self.assertIsNotNone(csp, where)
        directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in csp.split(";"))
        self.assertEqual(directives.get("script-src"), "'self'", where)
        self.assertEqual(directives.get("frame-ancestors"), "'none'", where)
        self.assertEqual(directives.get("default-src"), "'none'", where)
        self.assertNotIn("unsafe", csp, where)
        self.assertEqual(header_of(headers, "X-Content-Type-Options"), "nosniff", where)
        self.assertEqual(header_of(headers, "Referrer-Policy"), "no-referrer", where)

    def test_pages_and_deep_links_answer_the_app(self):
        _, _, index = raw("GET", "/")
        self.assertIn(b'<div id="app">', index)
        for path in PAGES:
            status, headers, body = raw("GET", path)
            self.assertEqual(status, 200, path)
            self.assertEqual(body, index, path)
            self.assertEqual(header_of(headers, "Content-Type"), "text/html; charset=utf-8", path)
            self.assertEqual(header_of(headers, "Cache-Control"), "no-cache", path)
            self.assertSecurityHeaders(headers, path)
        # Only scripts from files: no inline script, no other origin.
        self.assertIsNone(re.search(rb"<script(?![^>]*\bsrc=)[^>]*>", index))
        self.assertNotIn(b"http://", index)
        self.assertNotIn(b"https://", index)

    def test_assets_are_immutable_gzipped_and_hardened(self):
        _, _, index = raw("GET", "/")
        refs = re.findall(rb'(?:src|href)="(/assets/[^"]+)"', index)
        self.assertTrue(any(r.endswith(b".js") for r in refs), index)
        self.assertTrue(any(r.endswith(b".css") for r in refs), index)
        for ref in refs:
            path = ref.decode()
            status, headers, plain = raw("GET", path)
            self.assertEqual(status, 200, path)
            self.assertEqual(header_of(headers, "Cache-Control"), "public, max-age=31536000, immutable")
            self.assertIsNone(header_of(headers, "Content-Encoding"), path)
            self.assertSecurityHeaders(headers, path)
            ctype = header_of(headers, "Content-Type")
            self.assertEqual(ctype, "text/javascript; charset=utf-8" if path.endswith(".js")
                             else "text/css; charset=utf-8", path)
            status, headers, packed = raw("GET", path, headers={"Accept-Encoding": "gzip, br"})
            self.assertEqual(status, 200)
            self.assertEqual(header_of(headers, "Content-Encoding"), "gzip", path)
            self.assertEqual(header_of(headers, "Vary"), "Accept-Encoding")
            self.assertEqual(gzip.decompress(packed), plain, path)
            self.assertLess(len(packed), len(plain))
            # Revalidation answers 304 without a body.
            status, _, body = raw("GET", path, headers={"If-None-Match": header_of(headers, "ETag")})
            self.assertEqual(status, 304)
            self.assertEqual(body, b"")
            if path.endswith(".css"):
                self.assertNotIn(b"@import", plain)
                self.assertIsNone(re.search(rb"url\(\s*['\"]?(https?:)?//", plain), path)

    def test_first_load_fits_the_budget(self):
        # JS + CSS of the first load, gzip: ≤ 250 KB (bench/console_bench.mjs reports it).
        _, _, index = raw("GET", "/")
        total = 0
        for ref in re.findall(rb'(?:src|href)="(/assets/[^"]+)"', index):
            _, _, packed = raw("GET", ref.decode(), headers={"Accept-Encoding": "gzip"})
            total += len(packed)
        self.assertGreater(total, 0)
        self.assertLessEqual(total, 250 * 1024)

    def test_other_paths_stay_the_api_json_404(self):
        for path in ("/nope", "/signers/a/b/c", "/api/v1/nope", "/index.html/x"):
            status, headers, body = raw("GET", path)
            self.assertEqual(status, 404, path)
            self.assertEqual(header_of(headers, "Content-Type"), "application/json", path)
        status, _, _ = raw("POST", "/signers")
        self.assertEqual(status, 405)


if __name__ == "__main__":
    unittest.main()
