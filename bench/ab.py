#!/usr/bin/env python3
"""Interleaved A/B runs of signetd binaries: the same workloads, one binary after the other.

    python3 bench/ab.py OLD_SIGNETD NEW_SIGNETD [--rounds 3] [--seconds 6] [--cases p256,rsa2048,tsa,batch]

For each round and each binary: a fresh signetd (fresh data directory, as `make bench` starts
it), its idle RSS, then each case driven by wrk (bench.py's settings: 32 connections for single
signs and timestamps, 8 connections of 256 digests for sign-batch), with the rate and
signetd's CPU time per answered request (per digest for the batch) from /proc. The binaries
alternate within each round, so both see the same minute of a shared machine's load; the
load average is printed with every line. On a busy machine compare the CPU per request,
which the load inflates much less than the rates.
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


def start(binary, work):
    port = bench.free_port()
    env = dict(os.environ, SIGNET_ROOT_KEY=base64.b64encode(os.urandom(32)).decode(),
               SIGNET_BOOTSTRAP_ADMIN_EMAIL=bench.ADMIN[0],
               SIGNET_BOOTSTRAP_ADMIN_PASSWORD=bench.ADMIN[1])
    server = subprocess.Popen([binary, "--listen", "127.0.0.1:%d" % port, "--data-dir", work,
                               "--log-level", "warn", "--node-id", "bench", "--rate-limit", "0"],
                              env=env, stderr=open(os.path.join(work, "signetd.log"), "w"))
    bench.wait_ready(port)
    return server, port


def run_case(case, admin, url, ca_id, work, args, pid):
    if case == "batch":
        r = bench.batch_run(admin, url, ca_id, work, args, pid, 0.0)
        return r["digests_per_s"], r["signetd_cpu_us_per_digest"], r["p99_ms"]
    if case == "tsa":
        before = bench.proc_stats(pid)
        r = bench.timestamps(admin, url, ca_id, work, args, 0.0)
        after = bench.proc_stats(pid)
    else:
        key_alg, alg = {"p256": ("EC_prime256v1", "ECDSA_SHA256"),
                        "rsa2048": ("RSA_2048", "RSASSA_PKCS1_V1_5_SHA256")}[case]
        signer = bench.make_signer(admin, ca_id, key_alg, case)
        body = {"data": base64.b64encode(hashlib.sha256(b"bench").digest()).decode(),
                "signingAlgorithm": alg, "isDigest": True}
        script = os.path.join(work, "%s.lua" % case)
        bench.lua_script(script, json.dumps(body), admin.token)
        before = bench.proc_stats(pid)
        r = bench.wrk("%s/api/v1/pki/signers/%s/sign" % (url, signer), script, args.connections,
                      args.seconds)
        after = bench.proc_stats(pid)
    answered = r["requests"] - r["non2xx"]
    cpu = (after["cpu_s"] - before["cpu_s"]) * 1e6 / answered if answered else 0.0
    return r["rps"], cpu, r["p99_ms"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binaries", nargs="+")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=6)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--batch-items", type=int, default=256)
    ap.add_argument("--batch-connections", type=int, default=8)
    ap.add_argument("--cases", default="p256,rsa2048,tsa,batch")
    args = ap.parse_args()
    cases = args.cases.split(",")
    for rnd in range(args.rounds):
        for binary in args.binaries:
            work = tempfile.mkdtemp(prefix="signet-ab-")
            server, port = start(binary, work)
            try:
                time.sleep(0.5)
                idle = bench.proc_stats(server.pid)["rss_mib"]
                admin = bench.Client(port)
                admin.token = admin.call("POST", "/api/v1/auth/login",
                                         {"email": bench.ADMIN[0],
                                          "password": bench.ADMIN[1]})["accessToken"]
                ca = admin.call("POST", "/api/v1/pki/ca",
                                {"commonName": "AB CA", "keyAlgorithm": "EC_prime256v1",
                                 "ttlDays": 30})
                url = "http://127.0.0.1:%d" % port
                line = ["round %d %-28s idle %.1f MiB" % (rnd + 1, os.path.basename(binary), idle)]
                for case in cases:
                    rate, cpu, p99 = run_case(case, admin, url, ca["id"], work, args, server.pid)
                    line.append("%s %.0f/s %.1f µs p99 %.1f ms" % (case, rate, cpu, p99))
                line.append("load %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
                print(" | ".join(line), flush=True)
            finally:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=30)
                shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
