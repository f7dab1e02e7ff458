#!/usr/bin/env python3
"""Interleaved A/B runs of two (or more) signetd binaries on the same databases, for a
shared, loaded machine where one run of each is not a comparison: every round runs each
binary once, back to back, on each backend and workload, and the load average is recorded
next to every run.

  python3 bench/ab_store.py --signetd old=/tmp/signetd-old --signetd new=build/bin/signetd \\
      [--rounds 3] [--seconds 6] [--backends postgres,sqlite] [--workloads sign,batch]

Workloads (P-256, digests): `sign` posts single sign requests (wrk, 32 connections);
`batch` posts sign-batch requests of --batch-items digests (8 connections). Durable
everywhere: SQLite synchronous=FULL; PostgreSQL (a throw-away cluster, one node) with fsync,
synchronous_commit and full_page_writes on. Each run gets a fresh database and signer.
Reports, per run: items/s, p99, CPU µs per item of signetd and of the PostgreSQL server,
operations recorded against items answered (never fewer), and the 1-minute load average
before and after. Results: bench/results/ab-store-<time>.json.
"""
import argparse
import base64
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402
import multinode  # noqa: E402


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def one_run(signetd, database, workload, args):
    work = tempfile.mkdtemp(prefix="signet-ab-")
    env = dict(os.environ, SIGNET_ROOT_KEY=base64.b64encode(os.urandom(32)).decode(),
               SIGNET_BOOTSTRAP_ADMIN_EMAIL=bench.ADMIN[0],
               SIGNET_BOOTSTRAP_ADMIN_PASSWORD=bench.ADMIN[1])
    proc, port = multinode.start_node(signetd, work, env, database, "node-1")
    try:
        admin = bench.Client(port)
        admin.token = admin.call("POST", "/api/v1/auth/login",
                                 {"email": bench.ADMIN[0], "password": bench.ADMIN[1]})["accessToken"]
        ca = admin.call("POST", "/api/v1/pki/ca", {"commonName": "Bench CA",
                                                   "keyAlgorithm": "EC_prime256v1", "ttlDays": 30})
        signer = bench.make_signer(admin, ca["id"], "EC_prime256v1", "ab")
        script = os.path.join(work, "ab.lua")
        if workload == "sign":
            body = {"data": base64.b64encode(hashlib.sha256(b"ab").digest()).decode(),
                    "signingAlgorithm": "ECDSA_SHA256", "isDigest": True}
            path, connections, items = "sign", 32, 1
        else:
            body = {"signingAlgorithm": "ECDSA_SHA256",
                    "items": [{"data": base64.b64encode(hashlib.sha256(b"b%d" % i).digest()).decode(),
                               "isDigest": True} for i in range(args.batch_items)]}
            path, connections, items = "sign-batch", 8, args.batch_items
        bench.lua_script(script, json.dumps(body), admin.token)
        load_before = loadavg()
        before = (multinode.cpu_by_pid([proc.pid]),
                  multinode.cpu_by_pid(multinode.postgres_pids() if database else []))
        r = bench.wrk("http://127.0.0.1:%d/api/v1/pki/signers/%s/%s" % (port, signer, path),
                      script, connections, args.seconds)
        after = (multinode.cpu_by_pid([proc.pid]),
                 multinode.cpu_by_pid(multinode.postgres_pids() if database else []))
        answered = (r["requests"] - r["non2xx"]) * items
        ops = admin.call("GET", "/api/v1/pki/signers/%s/operations?limit=1" % signer)
        return {"items_per_s": r["rps"] * items, "p99_ms": r["p99_ms"], "non2xx": r["non2xx"],
                "answered": answered, "recorded": ops["totalCount"],
                "signetd_cpu_us_per_item": multinode.cpu_used(before[0], after[0]) / max(1, answered) * 1e6,
                "postgres_cpu_us_per_item": multinode.cpu_used(before[1], after[1]) / max(1, answered) * 1e6,
                "load_before": load_before, "load_after": loadavg()}
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--signetd", action="append", required=True, help="name=path, two or more")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=6)
    ap.add_argument("--backends", default="postgres,sqlite")
    ap.add_argument("--workloads", default="sign,batch")
    ap.add_argument("--batch-items", type=int, default=256)
    args = ap.parse_args()
    binaries = [tuple(s.split("=", 1)) for s in args.signetd]
    backends = args.backends.split(",")
    workloads = args.workloads.split(",")
    cluster = tempfile.mkdtemp(prefix="signet-abpg-")
    runs = []
    try:
        pg_url = None
        if "postgres" in backends:
            url = subprocess.run([multinode.CLUSTER, "start", cluster], check=True,
                                 capture_output=True, text=True).stdout.strip()
            psql_url = url.rsplit("/", 1)[0] + "/postgres"
            subprocess.run(["psql", psql_url, "-X", "-q", "-c", "ALTER SYSTEM SET fsync = on",
                            "-c", "ALTER SYSTEM SET synchronous_commit = on",
                            "-c", "ALTER SYSTEM SET full_page_writes = on"], check=True,
                           capture_output=True)
            subprocess.run(["psql", psql_url, "-X", "-q", "-c", "SELECT pg_reload_conf()"],
                           check=True, capture_output=True)
            pg_url = url
        n = 0
        for rnd in range(args.rounds):
            for backend in backends:
                for workload in workloads:
                    for name, path in binaries:
                        database = None
                        if backend == "postgres":
                            n += 1
                            database = subprocess.run(
                                [multinode.CLUSTER, "createdb", cluster, "ab%d" % n], check=True,
                                capture_output=True, text=True).stdout.strip()
                        r = one_run(path, database, workload, args)
                        r.update({"round": rnd + 1, "backend": backend, "workload": workload,
                                  "binary": name})
                        runs.append(r)
                        print("round %d %-8s %-5s %-6s %8.0f items/s  p99 %7.1f ms  signetd %5.0f µs"
                              "  postgres %5.0f µs  recorded %d/%d  load %.1f→%.1f" % (
                                  rnd + 1, backend, workload, name, r["items_per_s"], r["p99_ms"],
                                  r["signetd_cpu_us_per_item"], r["postgres_cpu_us_per_item"],
                                  r["recorded"], r["answered"], r["load_before"], r["load_after"]),
                              flush=True)
    finally:
        if pg_url is not None or os.path.exists(os.path.join(cluster, "data")):
            subprocess.run([multinode.CLUSTER, "stop", cluster], capture_output=True)
        shutil.rmtree(cluster, ignore_errors=True)
    out = os.path.join(bench.ROOT, "bench", "results",
                       "ab-store-%s.json" % time.strftime("%Y-%m-%dT%H%M%SZ", time.gmtime()))
    with open(out, "w") as f:
        json.dump({"binaries": dict(binaries), "seconds": args.seconds, "cpus": os.cpu_count(),
                   "runs": runs}, f, indent=2)
    print("results written to %s" % os.path.relpath(out, bench.ROOT))


if __name__ == "__main__":
    main()
