#!/usr/bin/env python3
"""Sign throughput on PostgreSQL, one node and two nodes, next to one node on SQLite, in one
run on this machine (issue "PostgreSQL backend": performance). Durable everywhere: SQLite
with synchronous=FULL, PostgreSQL with fsync, synchronous_commit and full_page_writes on.

  python3 bench/multinode.py [--build-dir build] [--seconds 10] [--connections 32]

Each configuration gets a fresh database and fresh signers (P-256 and RSA-2048); wrk posts
digest sign requests over keep-alive connections; with two nodes, two wrk processes share
the connections between the nodes and their rates are added.
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
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

ROOT = bench.ROOT
CLUSTER = os.path.join(ROOT, "scripts", "pg-test-cluster.sh")
KEYS = [("P-256", "EC_prime256v1", "ECDSA_SHA256"), ("RSA-2048", "RSA_2048", "RSASSA_PKCS1_V1_5_SHA256")]


def start_node(signetd, work, env, database, node_id):
    port = bench.free_port()
    args = [signetd, "--listen", "127.0.0.1:%d" % port, "--data-dir", work, "--log-level", "warn",
            "--node-id", node_id, "--rate-limit", "0"]
    if database:
        args += ["--database", database]
    proc = subprocess.Popen(args, env=env, stderr=open(os.path.join(work, node_id + ".log"), "w"))
    bench.wait_ready(port)
    return proc, port


def cpu_by_pid(pids):
    """{pid: user + system CPU seconds} of the live processes among `pids`."""
    ticks = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            out[pid] = (int(fields[11]) + int(fields[12])) / ticks
        except OSError:
            pass
    return out


def cpu_used(before, after):
    """CPU seconds used between two cpu_by_pid() samples; a process that started in between
    counts whole (it lived only during the run)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def postgres_pids():
    """The PostgreSQL server processes (postmaster and backends) running now."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/comm" % entry) as f:
                    if f.read().strip() == "postgres":
                        pids.append(int(entry))
            except OSError:
                pass
    return pids


def run_config(name, signetd, database, nodes, args):
    work = tempfile.mkdtemp(prefix="signet-mn-")
    env = dict(os.environ, SIGNET_ROOT_KEY=base64.b64encode(os.urandom(32)).decode(),
               SIGNET_BOOTSTRAP_ADMIN_EMAIL=bench.ADMIN[0],
               SIGNET_BOOTSTRAP_ADMIN_PASSWORD=bench.ADMIN[1])
    procs = []
    try:
        for i in range(nodes):
            procs.append(start_node(signetd, work, env, database, "node-%d" % (i + 1)))
        admin = bench.Client(procs[0][1])
        admin.token = admin.call("POST", "/api/v1/auth/login",
                                 {"email": bench.ADMIN[0], "password": bench.ADMIN[1]})["accessToken"]
        ca = admin.call("POST", "/api/v1/pki/ca", {"commonName": "Bench CA",
                                                   "keyAlgorithm": "EC_prime256v1", "ttlDays": 30})
        row = {"config": name, "keys": {}}
        for label, key_alg, alg in KEYS:
            signer = bench.make_signer(admin, ca["id"], key_alg, label.lower().replace("-", ""))
            digest = hashlib.sha256(b"bench").digest()
            script = os.path.join(work, "%s.lua" % label)
            bench.lua_script(script, json.dumps({"data": base64.b64encode(digest).decode(),
                                                 "signingAlgorithm": alg, "isDigest": True}),
                             admin.token)
            results = [None] * nodes

            def drive(i):
                results[i] = bench.wrk("http://127.0.0.1:%d/api/v1/pki/signers/%s/sign"
                                       % (procs[i][1], signer), script,
                                       args.connections // nodes, args.seconds,
                                       threads=max(1, 2 // nodes))
            threads = [threading.Thread(target=drive, args=(i,)) for i in range(nodes)]
            node_pids = [proc.pid for proc, _ in procs]
            before = (cpu_by_pid(node_pids), cpu_by_pid(postgres_pids() if database else []))
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            # Pool connections open on demand: backends may start during the run.
            after = (cpu_by_pid(node_pids), cpu_by_pid(postgres_pids() if database else []))
            answered = sum(r["requests"] - r["non2xx"] for r in results)
            ops = admin.call("GET", "/api/v1/pki/signers/%s/operations?limit=1" % signer)
            row["keys"][label] = {"rps": sum(r["rps"] for r in results),
                                  "p99_ms": max(r["p99_ms"] for r in results),
                                  "non2xx": sum(r["non2xx"] for r in results),
                                  "answered": answered, "recorded": ops["totalCount"],
                                  "signetd_cpu_us_per_request": cpu_used(before[0], after[0]) / max(1, answered) * 1e6,
                                  "postgres_cpu_us_per_request": cpu_used(before[1], after[1]) / max(1, answered) * 1e6}
        return row
    finally:
        for proc, _ in procs:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default="build")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    args = ap.parse_args()
    signetd = os.path.join(ROOT, args.build_dir, "bin", "signetd")
    rows = [run_config("SQLite, 1 node", signetd, None, 1, args)]
    cluster = tempfile.mkdtemp(prefix="signet-pgbench-")
    try:
        url = subprocess.run([CLUSTER, "start", cluster], check=True, capture_output=True,
                             text=True).stdout.strip()
        # The test cluster runs without fsync; a benchmark must be durable.
        psql_url = url.rsplit("/", 1)[0] + "/postgres"
        # ALTER SYSTEM refuses to run in a transaction block: one -c each.
        subprocess.run(["psql", psql_url, "-X", "-q", "-c", "ALTER SYSTEM SET fsync = on",
                        "-c", "ALTER SYSTEM SET synchronous_commit = on",
                        "-c", "ALTER SYSTEM SET full_page_writes = on"], check=True,
                       capture_output=True)
        subprocess.run(["psql", psql_url, "-X", "-q", "-c", "SELECT pg_reload_conf()"],
                       check=True, capture_output=True)
        for nodes in (1, 2):
            db = subprocess.run([CLUSTER, "createdb", cluster, "bench%d" % nodes], check=True,
                                capture_output=True, text=True).stdout.strip()
            rows.append(run_config("PostgreSQL, %d node%s" % (nodes, "s" if nodes > 1 else ""),
                                   signetd, db, nodes, args))
    finally:
        subprocess.run([CLUSTER, "stop", cluster], capture_output=True)
        shutil.rmtree(cluster, ignore_errors=True)
    print("Sign throughput by backend — %d cores, wrk %d connections, %ds per run, durable commits"
          % (os.cpu_count(), args.connections, args.seconds))
    print("%-20s %-9s %9s %8s %8s %14s %12s %12s" % ("config", "key", "sign/s", "p99 ms", "non-2xx",
                                                     "recorded", "signetd µs", "postgres µs"))
    for row in rows:
        for label, k in row["keys"].items():
            print("%-20s %-9s %9.0f %8.2f %8d %14s %12.0f %12.0f" % (
                row["config"], label, k["rps"], k["p99_ms"], k["non2xx"],
                "%d/%d" % (k["recorded"], k["answered"]), k["signetd_cpu_us_per_request"],
                k["postgres_cpu_us_per_request"]))
    print("(signetd µs, postgres µs: CPU time of the signetd nodes and of the PostgreSQL "
          "server per answered request)")
    out = os.path.join(ROOT, "bench", "results", "multinode-%s.json" % bench.git_commit()[:8])
    with open(out, "w") as f:
        json.dump(rows, f, indent=2)
    print("results written to %s" % os.path.relpath(out, ROOT))


if __name__ == "__main__":
    main()
