#!/usr/bin/env python3
"""Signing throughput of signetd against the bounds of the machine it runs on.

Starts signetd (release build, fresh data directory, SQLite with synchronous=FULL as
shipped), creates RSA-2048, RSA-3072, P-256 and P-384 signers, and drives each with wrk
(keep-alive, 32 connections) posting digest sign requests. Measures in the same run:
`openssl speed -multi <cores>` for each key (the crypto bound) and nginx answering a fixed
JSON reply of the same size (the HTTP bound), and from both the bound of a signing server on
this machine, B = 1 / (1/S + 1/N) with S the `openssl speed` sign rate and N the nginx rate
(every request costs at least one signature and one minimal HTTP exchange, load generator
included), with each key's ratio to it. Also: batch signing (P-256 digests/s through
sign-batch against S), grant-gated signing, p99 at about half
of the maximum throughput, signetd's CPU time and RSS (idle, under load, with many signers).
Every answered signature is durably recorded by construction (the server replies only after
the group commit of its record); the run checks the operation count against wrk's count.
"""
import argparse
import base64
import datetime
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADMIN = ("bench-admin@signet.test", "bench-password-1")
USER = ("bench-user@signet.test", "bench-password-2")
KEYS = [("RSA-2048", "RSA_2048", "RSASSA_PKCS1_V1_5_SHA256", "rsa2048"),
        ("RSA-3072", "RSA_3072", "RSASSA_PKCS1_V1_5_SHA256", "rsa3072"),
        ("P-256", "EC_prime256v1", "ECDSA_SHA256", "ecdsap256"),
        ("P-384", "EC_secp384r1", "ECDSA_SHA384", "ecdsap384")]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, port, token=None):
        self.port = port
        self.conn = None
        self.token = token

    def call(self, method, path, body=None, token=None):
        headers = {"Content-Type": "application/json"}
        tok = token or self.token
        if tok:
            headers["Authorization"] = "Bearer " + tok
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            try:
                self.conn.request(method, path,
                                  body=json.dumps(body) if body is not None else None,
                                  headers=headers)
                resp = self.conn.getresponse()
                break
            except (ConnectionError, http.client.HTTPException):
                # The server closed an idle keep-alive connection (e.g. during a wrk run).
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        data = json.loads(resp.read() or b"null")
        if resp.status != 200:
            raise RuntimeError("%s %s -> %d %s" % (method, path, resp.status, data))
        return data


def proc_stats(pid):
    with open("/proc/%d/status" % pid) as f:
        status = dict(line.split(":", 1) for line in f if ":" in line)
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    kib = lambda k: int(status[k].split()[0])
    return {"rss_mib": kib("VmRSS") / 1024, "hwm_mib": kib("VmHWM") / 1024, "cpu_s": cpu}


def wrk(url, script, connections, seconds, threads=2):
    out = subprocess.run(["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % seconds,
                          "--latency", "-s", script, url],
                         check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)

    def pct(p):
        m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)\s*$" % p, out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    return {"rps": rps, "requests": total, "p50_ms": pct(50), "p99_ms": pct(99),
            "non2xx": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(1) if errors else ""}


def lua_script(path, body, token):
    with open(path, "w") as f:
        f.write('wrk.method = "POST"\n')
        f.write("wrk.body = %s\n" % json.dumps(body))
        f.write('wrk.headers["Content-Type"] = "application/json"\n')
        if token:
            f.write('wrk.headers["Authorization"] = "Bearer %s"\n' % token)


def openssl_speed(algorithms, seconds):
    cores = os.cpu_count() or 1
    out = subprocess.run(["openssl", "speed", "-multi", str(cores), "-seconds", str(seconds)]
                         + algorithms, capture_output=True, text=True).stdout
    result = {}
    # The summary lines give sign/s summed over the -multi processes:
    #   "rsa 2048 bits 0.000485s 0.000034s   2060.0  29672.4"
    #   " 256 bits ecdsa (nistp256)   0.0000s   0.0001s  24321.4   8326.0"
    for line in out.splitlines():
        m = re.match(r"^rsa\s+(\d+) bits\s+\S+\s+\S+\s+([\d.]+)", line)
        if m:
            result["rsa" + m.group(1)] = float(m.group(2))
        m = re.match(r"^\s*\d+ bits ecdsa \(nistp(\d+)\)\s+\S+\s+\S+\s+([\d.]+)", line)
        if m:
            result["ecdsap" + m.group(1)] = float(m.group(2))
    return result


def start_nginx(body_size, port, workdir):
    reply = json.dumps({"signature": "A" * max(0, body_size - 60), "signingAlgorithm": "ECDSA_SHA256"})
    conf = os.path.join(workdir, "nginx.conf")
    cores = os.cpu_count() or 1
    with open(conf, "w") as f:
        f.write("""worker_processes %d;
daemon off;
pid %s/nginx.pid;
error_log %s/nginx.err warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path %s;
  proxy_temp_path %s; fastcgi_temp_path %s; uwsgi_temp_path %s; scgi_temp_path %s;
  server {
    listen 127.0.0.1:%d;
    keepalive_requests 1000000;
    location / { default_type application/json; return 200 '%s'; }
  }
}
""" % (cores, workdir, workdir, workdir, workdir, workdir, workdir, workdir, port, reply))
    return subprocess.Popen(["nginx", "-c", conf, "-p", workdir], stderr=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default="build")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--many-signers", type=int, default=1000)
    ap.add_argument("--batch-items", type=int, default=256, help="digests per sign-batch request")
    ap.add_argument("--batch-connections", type=int, default=8)
    args = ap.parse_args()
    signetd = os.path.join(ROOT, args.build_dir, "bin", "signetd")
    for tool in ("wrk", "nginx", "openssl"):
        if shutil.which(tool) is None:
            sys.exit("bench: %s is missing (run scripts/install-deps.sh)" % tool)

    work = tempfile.mkdtemp(prefix="signet-bench-")
    port = free_port()
    env = dict(os.environ, SIGNET_ROOT_KEY=base64.b64encode(os.urandom(32)).decode(),
               SIGNET_BOOTSTRAP_ADMIN_EMAIL=ADMIN[0], SIGNET_BOOTSTRAP_ADMIN_PASSWORD=ADMIN[1])
    server = subprocess.Popen([signetd, "--listen", "127.0.0.1:%d" % port, "--data-dir", work,
                               "--log-level", "warn", "--node-id", "bench",
                               # One token drives the whole load: measure the server, not the
                               # per-caller limit (docs/security.md).
                               "--rate-limit", "0"],
                              env=env, stderr=open(os.path.join(work, "signetd.log"), "w"))
    nginx = None
    results = {"machine": {"cores": os.cpu_count(), "cpu": cpu_model(),
                           "kernel": os.uname().release},
               "time": datetime.datetime.utcnow().replace(microsecond=0).isoformat() + "Z",
               "commit": git_commit(), "connections": args.connections,
               "seconds": args.seconds, "keys": {},
               "load_before": open("/proc/loadavg").read().strip()}
    try:
        wait_ready(port)
        time.sleep(0.5)
        idle = proc_stats(server.pid)
        results["signetd_idle_rss_mib"] = idle["rss_mib"]
        admin = Client(port)
        admin.token = admin.call("POST", "/api/v1/auth/login",
                                 {"email": ADMIN[0], "password": ADMIN[1]})["accessToken"]
        ca = admin.call("POST", "/api/v1/pki/ca", {"commonName": "Bench CA",
                                                   "keyAlgorithm": "EC_prime256v1", "ttlDays": 30})
        signers = {}
        for label, key_alg, _, _ in KEYS:
            signers[label] = make_signer(admin, ca["id"], key_alg, label.lower().replace("-", ""))
        url = "http://127.0.0.1:%d" % port
        speed = openssl_speed([k[3] for k in KEYS], 3)
        results["openssl_speed_sign_per_s"] = speed
        for label, _, alg, speed_key in KEYS:
            digest = hashlib.new("sha384" if alg.endswith("384") else "sha256", b"bench").digest()
            body = {"data": base64.b64encode(digest).decode(), "signingAlgorithm": alg,
                    "isDigest": True}
            script = os.path.join(work, "sign-%s.lua" % label)
            lua_script(script, json.dumps(body), admin.token)
            before = proc_stats(server.pid)
            r = wrk("%s/api/v1/pki/signers/%s/sign" % (url, signers[label]), script,
                    args.connections, args.seconds)
            after = proc_stats(server.pid)
            r["openssl_sign_per_s"] = speed.get(speed_key, 0.0)
            r["ratio_to_openssl"] = r["rps"] / r["openssl_sign_per_s"] if r["openssl_sign_per_s"] else None
            r["signetd_cpu_s"] = after["cpu_s"] - before["cpu_s"]
            r["signetd_rss_mib"] = after["rss_mib"]
            results["keys"][label] = r
        results["signetd_load_hwm_mib"] = proc_stats(server.pid)["hwm_mib"]

        # p99 at about half of the maximum: the lowest concurrency reaching half the P-256 rate.
        p256 = results["keys"]["P-256"]
        script = os.path.join(work, "sign-P-256.lua")
        half = None
        p256_runs = [p256]
        for c in (1, 2, 4, 8, 16):
            r = wrk("%s/api/v1/pki/signers/%s/sign" % (url, signers["P-256"]), script, c,
                    max(3, args.seconds // 2), threads=1 if c == 1 else 2)
            p256_runs.append(r)
            if r["rps"] >= p256["rps"] / 2:
                half = dict(r, connections=c)
                break
        results["p256_half_load"] = half

        # RFC 3161 timestamps from a P-256 TSA (issue 17: at least 0.6 of the P-256 sign rate).
        results["timestamps"] = timestamps(admin, url, ca["id"], work, args, p256["rps"])
        # Batch signing: P-256 digests per second through sign-batch, against S alone.
        results["p256_batch"] = batch_run(admin, url, ca["id"], work, args, server.pid,
                                          speed.get("ecdsap256", 0.0))

        # Grant-gated signing: a policy on the P-256 signer's certificate and a large grant.
        results["p256_grant_gated"] = grant_gated(admin, url, ca["id"], work, args)

        # The HTTP ceiling: nginx answering a fixed reply of the same size.
        nginx_port = free_port()
        nginx = start_nginx(len(json.dumps({"signature": "x" * 96})), nginx_port, work)
        time.sleep(0.5)
        ceiling = wrk("http://127.0.0.1:%d/" % nginx_port, script, args.connections, args.seconds)
        results["nginx_fixed_reply"] = ceiling
        results["p256_ratio_to_nginx"] = p256["rps"] / ceiling["rps"]
        # The bound of a signing server here: a signature and a bare HTTP exchange per request.
        for label, k in results["keys"].items():
            s_rate = k["openssl_sign_per_s"]
            k["bound_per_s"] = 1.0 / (1.0 / s_rate + 1.0 / ceiling["rps"]) if s_rate else None
            k["ratio_to_bound"] = k["rps"] / k["bound_per_s"] if k["bound_per_s"] else None

        # Durability check: every answered signature has its operation record.
        ops = admin.call("GET", "/api/v1/pki/signers/%s/operations?limit=1" % signers["P-256"])
        results["p256_operations_recorded"] = ops["totalCount"]
        results["p256_answered"] = sum(r["requests"] - r["non2xx"] for r in p256_runs)

        # Memory with many signers (each with its own key, cached after first use).
        if args.many_signers:
            results["many_signers"] = many_signers(admin, ca["id"], url, work, args, server.pid)
    finally:
        if nginx:
            nginx.send_signal(signal.SIGQUIT)
            nginx.wait(timeout=10)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    shutil.rmtree(work, ignore_errors=True)
    print_table(results)
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    name = os.path.join(ROOT, "bench", "results",
                        "%s-%s.json" % (results["time"].replace(":", ""), results["commit"][:8]))
    with open(name, "w") as f:
        json.dump(results, f, indent=2)
    print("\nresults written to %s" % os.path.relpath(name, ROOT))


def make_signer(admin, ca_id, key_alg, name):
    cert = admin.call("POST", "/api/v1/pki/certificates/issue",
                      {"caId": ca_id, "commonName": name, "keyAlgorithm": key_alg, "ttlDays": 30,
                       "extendedKeyUsages": ["codeSigning"]})
    return admin.call("POST", "/api/v1/pki/signers",
                      {"name": name, "certificateId": cert["certificateId"]})["id"]


def grant_gated(admin, url, ca_id, work, args):
    user = admin.call("POST", "/api/v1/users", {"email": USER[0], "password": USER[1]})
    policy = admin.call("POST", "/api/v1/pki/signing-policies",
                        {"name": "bench-policy", "steps": [{"requiredApprovals": 1,
                                                            "approvers": [{"type": "user", "id": admin_id(admin)}]}],
                         "constraints": {"maxSignings": 1000000, "maxWindowDuration": "1d"}})
    cert = admin.call("POST", "/api/v1/pki/certificates/issue",
                      {"caId": ca_id, "commonName": "gated", "keyAlgorithm": "EC_prime256v1",
                       "ttlDays": 30, "extendedKeyUsages": ["codeSigning"]})
    signer = admin.call("POST", "/api/v1/pki/signers",
                        {"name": "gated", "certificateId": cert["certificateId"],
                         "signingPolicyId": policy["id"]})
    admin.call("POST", "/api/v1/pki/signers/%s/members" % signer["id"],
               {"userId": user["id"], "role": "operator"})
    admin.call("POST", "/api/v1/pki/signers/%s/requests/pre-approve" % signer["id"],
               {"granteeUserId": user["id"], "justification": "benchmark",
                "requestedSignings": 1000000, "requestedWindowDuration": "1d"})
    token = admin.call("POST", "/api/v1/auth/login", {"email": USER[0], "password": USER[1]})["accessToken"]
    body = {"data": base64.b64encode(hashlib.sha256(b"gated").digest()).decode(),
            "signingAlgorithm": "ECDSA_SHA256", "isDigest": True}
    script = os.path.join(work, "gated.lua")
    lua_script(script, json.dumps(body), token)
    return wrk("%s/api/v1/pki/signers/%s/sign" % (url, signer["id"]), script, args.connections,
               args.seconds)


def timestamps(admin, url, ca_id, work, args, p256_rps):
    tsa = admin.call("POST", "/api/v1/pki/tsa", {"name": "bench-tsa", "caId": ca_id,
                                                 "keyAlgorithm": "EC_prime256v1",
                                                 "isDefault": True})
    data = os.path.join(work, "ts-data")
    with open(data, "wb") as f:
        f.write(b"bench")
    query = subprocess.run(["openssl", "ts", "-query", "-data", data, "-sha256", "-cert"],
                           check=True, capture_output=True).stdout
    script = os.path.join(work, "timestamp.lua")
    with open(script, "w") as f:
        f.write('wrk.method = "POST"\n')
        f.write('wrk.body = "%s"\n' % "".join("\\%03d" % b for b in query))
        f.write('wrk.headers["Content-Type"] = "application/timestamp-query"\n')
    r = wrk("%s/tsa" % url, script, args.connections, args.seconds)
    issued = admin.call("GET", "/api/v1/pki/tsa/%s" % tsa["id"])["timestampsIssued"]
    r["issued"] = issued
    r["p256_sign_per_s"] = p256_rps
    r["ratio_to_p256_sign"] = r["rps"] / p256_rps if p256_rps else None
    return r


def batch_run(admin, url, ca_id, work, args, pid, s_rate):
    signer = make_signer(admin, ca_id, "EC_prime256v1", "batch")
    items = [{"data": base64.b64encode(hashlib.sha256(b"b%d" % i).digest()).decode(),
              "isDigest": True} for i in range(args.batch_items)]
    script = os.path.join(work, "batch.lua")
    lua_script(script, json.dumps({"signingAlgorithm": "ECDSA_SHA256", "items": items}),
               admin.token)
    before = proc_stats(pid)
    r = wrk("%s/api/v1/pki/signers/%s/sign-batch" % (url, signer), script,
            args.batch_connections, args.seconds)
    after = proc_stats(pid)
    r["items_per_request"] = args.batch_items
    r["connections"] = args.batch_connections
    r["digests_per_s"] = r["rps"] * args.batch_items
    r["openssl_sign_per_s"] = s_rate
    r["ratio_to_openssl"] = r["digests_per_s"] / s_rate if s_rate else None
    answered = (r["requests"] - r["non2xx"]) * args.batch_items
    r["signetd_cpu_us_per_digest"] = ((after["cpu_s"] - before["cpu_s"]) * 1e6 / answered
                                      if answered else None)
    ops = admin.call("GET", "/api/v1/pki/signers/%s/operations?limit=1" % signer)
    r["operations_recorded"] = ops["totalCount"]
    r["digests_answered"] = answered
    return r


def admin_id(admin):
    users = admin.call("GET", "/api/v1/users?limit=100")["users"]
    return [u for u in users if u["email"] == ADMIN[0]][0]["id"]


def many_signers(admin, ca_id, url, work, args, pid):
    ids = []
    for i in range(args.many_signers):
        ids.append(make_signer(admin, ca_id, "EC_prime256v1", "many-%04d" % i))
    script = os.path.join(work, "many.lua")
    body = json.dumps({"data": base64.b64encode(hashlib.sha256(b"m").digest()).decode(),
                       "signingAlgorithm": "ECDSA_SHA256", "isDigest": True})
    with open(script, "w") as f:
        f.write('local ids = {%s}\nlocal i = 0\n' % ",".join('"%s"' % x for x in ids))
        f.write('request = function()\n  i = i %% #ids + 1\n'
                '  return wrk.format("POST", "/api/v1/pki/signers/" .. ids[i] .. "/sign", '
                '{["Content-Type"]="application/json", ["Authorization"]="Bearer %s"}, %s)\nend\n'
                % (admin.token, json.dumps(body)))
    r = wrk(url, script, args.connections, args.seconds)
    stats = proc_stats(pid)
    return {"signers": len(ids), "rps": r["rps"], "non2xx": r["non2xx"],
            "rss_mib": stats["rss_mib"], "hwm_mib": stats["hwm_mib"]}


def wait_ready(port):
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/readyz")
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit("bench: signetd did not become ready")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def git_commit():
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def print_table(r):
    n = r["nginx_fixed_reply"]
    print("Signet sign throughput — %s, %d cores, %s; wrk %d connections, %ds each; SQLite synchronous=FULL"
          % (r["machine"]["cpu"], r["machine"]["cores"], r["time"], r["connections"], r["seconds"]))
    if r.get("load_before"):
        print("load average before the run: %s" % r["load_before"])
    print("S = openssl speed -multi %d sign/s; N = nginx fixed reply %.0f req/s (p99 %.2f ms); "
          "B = 1/(1/S + 1/N)" % (r["machine"]["cores"], n["rps"], n["p99_ms"]))
    print("%-10s %9s %8s %8s %10s %9s %9s %8s %8s %8s %8s" % (
        "key", "sign/s", "p50 ms", "p99 ms", "S sign/s", "B /s", "/S", "/B", "/N",
        "non-2xx", "CPU µs"))
    for label, k in r["keys"].items():
        answered = k["requests"] - k["non2xx"]
        cpu_us = k["signetd_cpu_s"] * 1e6 / answered if answered else 0
        print("%-10s %9.0f %8.2f %8.2f %10.0f %9.0f %9.2f %8.2f %8.2f %8d %8.0f" % (
            label, k["rps"], k["p50_ms"], k["p99_ms"], k["openssl_sign_per_s"],
            k.get("bound_per_s") or 0, k["ratio_to_openssl"] or 0, k.get("ratio_to_bound") or 0,
            k["rps"] / n["rps"], k["non2xx"], cpu_us))
    g = r.get("p256_grant_gated")
    if g:
        print("%-10s %9.0f %8.2f %8.2f" % ("P-256 gate", g["rps"], g["p50_ms"], g["p99_ms"]))
    t = r.get("timestamps")
    if t:
        print("RFC 3161 timestamps (P-256 TSA): %.0f/s, p50 %.2f ms, p99 %.2f ms = %.2f of the P-256 "
              "sign rate (%d tokens issued, %d non-2xx)"
              % (t["rps"], t["p50_ms"], t["p99_ms"], t["ratio_to_p256_sign"] or 0, t["issued"],
                 t["non2xx"]))
    b = r.get("p256_batch")
    if b:
        print("P-256 sign-batch (%d digests/request, %d connections): %.0f digests/s = %.2f of S "
              "(%.0f requests/s, p99 %.2f ms, %.1f µs signetd CPU per digest; %d on record for %d answered)"
              % (b["items_per_request"], b["connections"], b["digests_per_s"],
                 b["ratio_to_openssl"] or 0, b["rps"], b["p99_ms"],
                 b["signetd_cpu_us_per_digest"] or 0, b["operations_recorded"],
                 b["digests_answered"]))
    h = r.get("p256_half_load")
    if h:
        print("P-256 at about half load (%d connections): %.0f sign/s, p50 %.2f ms, p99 %.2f ms"
              % (h["connections"], h["rps"], h["p50_ms"], h["p99_ms"]))
    print("signetd RSS: idle %.1f MiB, peak under load %.1f MiB" % (r["signetd_idle_rss_mib"],
                                                                    r["signetd_load_hwm_mib"]))
    m = r.get("many_signers")
    if m:
        print("with %d signers (own keys): %.0f sign/s, RSS %.1f MiB, peak %.1f MiB"
              % (m["signers"], m["rps"], m["rss_mib"], m["hwm_mib"]))
    print("P-256 operations on record: %d; answers counted by wrk: %d"
          % (r["p256_operations_recorded"], r["p256_answered"]))


if __name__ == "__main__":
    main()
