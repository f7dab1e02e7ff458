#!/usr/bin/env python3
"""Signing latency and memory of signetd under the abuse cases of issue 12.

Starts a fresh signetd (release build, SQLite, defaults as shipped) and measures the latency
of sequential P-256 sign calls (one keep-alive connection) while idle, then while each load
runs next to it:
  logins     16 parallel loops of wrong-password logins (one account, one source IP)
  methods    5,000 requests with distinct 10 KB method names, 20,000 invented
             signingAlgorithm names (from a signer operator)
  bootstrap  40 parallel loops calling POST /api/v1/admin/bootstrap with 256-char passwords
  keygen     two loops issuing RSA-4096 certificates (key generation)
  conns      as many idle connections as the load generator can open (up to 4,000)
Then finding 15: with 3,000 signing requests on record (written straight into the SQLite
file, as many callers would have made them), the latency of listing requests and grants for
a member who sees none of them; lists are filtered and paged in SQL, so this stays near the
cost of an empty list.
For each case: median and p99 sign latency, the ratio to idle, signetd's RSS before and
after, and the size of /metrics. The targets (docs/security.md): median latency within 2×
of idle, RSS flat (a few MiB), /metrics bounded.

Usage: python3 bench/abuse.py [--build-dir build] [--seconds 8]
Writes bench/results/abuse-<commit>.json.
"""
import argparse
import base64
import hashlib
import http.client
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (Client, proc_stats, free_port, wait_ready, git_commit)

ROOT = bench.ROOT
ADMIN = bench.ADMIN


def sign_latencies(port, token, signer_id, seconds):
    """Sequential sign calls on one keep-alive connection for `seconds`; latencies in ms."""
    body = json.dumps({"data": base64.b64encode(hashlib.sha256(b"abuse").digest()).decode(),
                       "signingAlgorithm": "ECDSA_SHA256", "isDigest": True})
    headers = {"Content-Type": "application/json", "Authorization": "Bearer " + token}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    out = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        t0 = time.perf_counter()
        conn.request("POST", "/api/v1/pki/signers/%s/sign" % signer_id, body=body, headers=headers)
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            raise RuntimeError("sign answered %d" % resp.status)
        out.append((time.perf_counter() - t0) * 1000)
        time.sleep(0.002)  # a steady trickle, not a saturating loop
    conn.close()
    return out


def summary(ms):
    ms = sorted(ms)
    return {"count": len(ms), "p50_ms": round(statistics.median(ms), 3),
            "p99_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 3)}


def raw_request(port, data, read=True):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(data)
            if read:
                s.recv(65536)
    except OSError:
        pass


class Load:
    """Runs `worker(stop)` on `threads` threads until stop() is called."""

    def __init__(self, worker, threads):
        self.stop_event = threading.Event()
        self.threads = [threading.Thread(target=worker, args=(self.stop_event,), daemon=True)
                        for _ in range(threads)]
        self.count = 0
        self.lock = threading.Lock()

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.stop_event.set()
        for t in self.threads:
            t.join(timeout=30)


def json_post(port, path, body, token=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    try:
        conn.request("POST", path, body=json.dumps(body), headers=headers)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    except OSError:
        return 0
    finally:
        conn.close()


def list_latencies(port, admin, signer_id, db_path, rows=3000, calls=200):
    """Median latency of GET signing-requests and grants for a member who sees none, before
    and after `rows` requests exist."""
    import sqlite3
    import uuid
    email, password = "outsider@signet.test", "outsider password 1"
    admin.call("POST", "/api/v1/users", {"email": email, "password": password})
    outsider = bench.Client(port)
    outsider.token = outsider.call("POST", "/api/v1/auth/login",
                                   {"email": email, "password": password})["accessToken"]

    def median_ms(path):
        lat = []
        for _ in range(calls):
            t0 = time.perf_counter()
            outsider.call("GET", path)
            lat.append((time.perf_counter() - t0) * 1000)
        return round(statistics.median(lat), 3)

    paths = {"requests": "/api/v1/pki/signing-requests?limit=20",
             "grants": "/api/v1/pki/signing-grants?limit=20"}
    out = {"rows": rows, "empty": {k: median_ms(v) for k, v in paths.items()}}
    project_id = admin.call("GET", "/api/v1/pki/signers/%s" % signer_id)["projectId"]
    now_ms = int(time.time() * 1000)
    db = sqlite3.connect(db_path, timeout=30)
    with db:
        db.executemany(
            "INSERT INTO signing_requests (id, signer_id, project_id, requester_type, "
            "requester_id, justification, status, current_step, expires_at, created_at, "
            "updated_at) VALUES (?, ?, ?, 'user', ?, 'bench', 'pending', 0, ?, ?, ?)",
            [(str(uuid.uuid4()), signer_id, project_id, str(uuid.uuid4()),
              now_ms + 86_400_000, now_ms + i, now_ms + i) for i in range(rows)])
    db.close()
    out["filled"] = {k: median_ms(v) for k, v in paths.items()}
    print("\nLists for a member who sees none (median of %d calls):" % calls)
    for k in paths:
        print("  %-9s %7.3f ms empty, %7.3f ms with %d requests on record"
              % (k, out["empty"][k], out["filled"][k], rows))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default="build")
    ap.add_argument("--seconds", type=float, default=8)
    args = ap.parse_args()
    signetd = os.path.join(ROOT, args.build_dir, "bin", "signetd")
    work = tempfile.mkdtemp(prefix="signet-abuse-")
    port = bench.free_port()
    env = dict(os.environ, SIGNET_ROOT_KEY=base64.b64encode(os.urandom(32)).decode(),
               SIGNET_BOOTSTRAP_ADMIN_EMAIL=ADMIN[0], SIGNET_BOOTSTRAP_ADMIN_PASSWORD=ADMIN[1])
    server = subprocess.Popen([signetd, "--listen", "127.0.0.1:%d" % port, "--data-dir", work,
                               "--log-level", "warn", "--node-id", "abuse"],
                              env=env, stderr=open(os.path.join(work, "signetd.log"), "w"))
    results = {"commit": bench.git_commit(), "cores": os.cpu_count(), "seconds": args.seconds,
               "cases": {}}
    try:
        bench.wait_ready(port)
        admin = bench.Client(port)
        admin.token = admin.call("POST", "/api/v1/auth/login",
                                 {"email": ADMIN[0], "password": ADMIN[1]})["accessToken"]
        ca = admin.call("POST", "/api/v1/pki/ca", {"commonName": "Abuse CA",
                                                   "keyAlgorithm": "EC_prime256v1", "ttlDays": 30})
        signer = bench.make_signer(admin, ca["id"], "EC_prime256v1", "abuse")
        token = admin.token
        victim = ("victim@signet.test", "victim password 1")
        admin.call("POST", "/api/v1/users", {"email": victim[0], "password": victim[1]})

        def metrics_size():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/metrics")
            n = len(conn.getresponse().read())
            conn.close()
            return n

        def measure(name, load_factory):
            before = bench.proc_stats(server.pid)
            load = load_factory() if load_factory else None
            time.sleep(0.5 if load else 0)
            lat = sign_latencies(port, token, signer, args.seconds)
            if load:
                load.stop()
            time.sleep(1.0)
            after = bench.proc_stats(server.pid)
            row = summary(lat)
            row.update({"rss_before_mib": round(before["rss_mib"], 1),
                        "rss_after_mib": round(after["rss_mib"], 1),
                        "metrics_bytes": metrics_size()})
            results["cases"][name] = row
            print("  %-10s p50 %7.3f ms  p99 %7.3f ms  RSS %6.1f -> %6.1f MiB  /metrics %d B"
                  % (name, row["p50_ms"], row["p99_ms"], row["rss_before_mib"],
                     row["rss_after_mib"], row["metrics_bytes"]), flush=True)

        def logins():
            def worker(stop):
                while not stop.is_set():
                    json_post(port, "/api/v1/auth/login", {"email": victim[0], "password": "wrong guess"})
            return Load(worker, 16).start()

        def methods():
            def worker(stop):
                i = 0
                while not stop.is_set() and i < 5000 // 4:
                    name = ("X%d" % (i * 4 + threading.get_ident() % 4)).ljust(10_000, "M")
                    raw_request(port, ("%s / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                                       % name).encode())
                    i += 1
                j = 0
                while not stop.is_set() and j < 20000 // 4:
                    json_post(port, "/api/v1/pki/signers/%s/sign" % signer,
                              {"data": base64.b64encode(b"x" * 32).decode(),
                               "signingAlgorithm": "INVENTED_%d_%d" % (threading.get_ident(), j),
                               "isDigest": True}, token)
                    j += 1
            return Load(worker, 4).start()

        def bootstrap():
            def worker(stop):
                while not stop.is_set():
                    json_post(port, "/api/v1/admin/bootstrap",
                              {"email": "x@signet.test", "password": "p" * 256})
            return Load(worker, 40).start()

        def keygen():
            def worker(stop):
                while not stop.is_set():
                    json_post(port, "/api/v1/pki/certificates/issue",
                              {"caId": ca["id"], "commonName": "big", "keyAlgorithm": "RSA_4096",
                               "ttlDays": 1, "extendedKeyUsages": ["codeSigning"]}, token)
            return Load(worker, 2).start()

        def conns():
            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            except (ValueError, OSError):
                pass
            held = []
            for _ in range(4000):
                try:
                    held.append(socket.create_connection(("127.0.0.1", port), timeout=2))
                except OSError:
                    break

            class Held:
                def stop(self):
                    for s in held:
                        s.close()
            print("  (conns: %d idle connections held)" % len(held), flush=True)
            return Held()

        print("Sign latency (P-256, sequential, one connection) under each load:")
        measure("idle", None)
        for name, factory in (("logins", logins), ("methods", methods),
                              ("bootstrap", bootstrap), ("keygen", keygen), ("conns", conns)):
            measure(name, factory)
        results["lists"] = list_latencies(port, admin, signer, os.path.join(work, "signet.db"))
        idle = results["cases"]["idle"]["p50_ms"]
        print("\nRatio of median latency to idle (target <= 2):")
        for name, row in results["cases"].items():
            row["p50_ratio"] = round(row["p50_ms"] / idle, 2)
            print("  %-10s %.2f" % (name, row["p50_ratio"]))
    finally:
        server.terminate()
        server.wait(30)
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    path = os.path.join(ROOT, "bench", "results", "abuse-%s.json" % results["commit"])
    with open(path, "w") as f:
        json.dump(results, f, indent=2)
    print("results: %s" % os.path.relpath(path, ROOT))


if __name__ == "__main__":
    main()
