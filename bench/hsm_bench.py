#!/usr/bin/env python3
"""HSM-backed signing next to the token's own signing speed, measured in the same run.

Makes a SoftHSM2 token in a temporary directory, starts signetd with --hsm-module on it,
creates P-256 and RSA-3072 signers whose keys are in the token, and drives each with wrk
(digest sign requests, keep-alive). In the same run `signet_csign_loop` (bench/micro) calls
C_SignInit + C_Sign on the same kind of key in as many threads as signetd has sign threads:
the module's own bound. Prints both and the ratio; writes bench/results/<time>-hsm.json.
"""
import argparse
import base64
import datetime
import glob
import hashlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (free_port, Client, wrk, lua_script, wait_ready, git_commit)

PIN = "11223344"
TOKEN = "signet-bench"
CASES = [("P-256", "EC_prime256v1", "ECDSA_SHA256", "p256"),
         ("RSA-3072", "RSA_3072", "RSASSA_PKCS1_V1_5_SHA256", "rsa3072")]


def softhsm_module():
    for candidate in ["/usr/lib/softhsm/libsofthsm2.so"] + glob.glob(
            "/usr/lib/*/softhsm/libsofthsm2.so"):
        if os.path.exists(candidate):
            return candidate
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default="build")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    args, _ = ap.parse_known_args()  # bench.py's other options are for bench.py
    module = softhsm_module()
    if module is None or shutil.which("softhsm2-util") is None:
        sys.exit("hsm bench: SoftHSM2 is missing (run scripts/install-deps.sh)")
    signetd = os.path.join(bench.ROOT, args.build_dir, "bin", "signetd")
    loop = os.path.join(bench.ROOT, args.build_dir, "bin", "signet_csign_loop")

    work = tempfile.mkdtemp(prefix="signet-hsm-bench-")
    tokens = os.path.join(work, "tokens")
    os.makedirs(tokens)
    conf = os.path.join(work, "softhsm2.conf")
    with open(conf, "w") as f:
        f.write("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n"
                % tokens)
    env = dict(os.environ, SOFTHSM2_CONF=conf)
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", TOKEN, "--so-pin",
                    "55667788", "--pin", PIN], env=env, check=True, capture_output=True)
    cores = os.cpu_count() or 1
    sign_threads = cores  # signetd's default with SQLite (docs/performance.md)
    port = bench.free_port()
    server_env = dict(env, SIGNET_ROOT_KEY=base64.b64encode(os.urandom(32)).decode(),
                      SIGNET_HSM_PIN=PIN,
                      SIGNET_BOOTSTRAP_ADMIN_EMAIL=bench.ADMIN[0],
                      SIGNET_BOOTSTRAP_ADMIN_PASSWORD=bench.ADMIN[1])
    data = os.path.join(work, "data")
    server = subprocess.Popen([signetd, "--listen", "127.0.0.1:%d" % port, "--data-dir", data,
                               "--log-level", "warn", "--node-id", "hsm-bench",
                               "--rate-limit", "0", "--hsm-module", module,
                               "--hsm-token-label", TOKEN,
                               "--hsm-max-sessions", str(max(8, 2 * sign_threads))],
                              env=server_env, stderr=open(os.path.join(work, "signetd.log"), "w"))
    results = {"time": datetime.datetime.utcnow().replace(microsecond=0).isoformat() + "Z",
               "commit": bench.git_commit(), "module": module, "cores": cores,
               "connections": args.connections, "seconds": args.seconds, "keys": {}}
    try:
        bench.wait_ready(port)
        admin = bench.Client(port)
        admin.token = admin.call("POST", "/api/v1/auth/login",
                                 {"email": bench.ADMIN[0], "password": bench.ADMIN[1]})["accessToken"]
        ca = admin.call("POST", "/api/v1/pki/ca", {"commonName": "HSM Bench CA",
                                                   "keyAlgorithm": "EC_prime256v1",
                                                   "ttlDays": 30, "keySource": "hsm"})
        url = "http://127.0.0.1:%d" % port
        for label, key_alg, alg, loop_key in CASES:
            cert = admin.call("POST", "/api/v1/pki/certificates/issue",
                              {"caId": ca["id"], "commonName": "hsm " + label,
                               "keyAlgorithm": key_alg, "ttlDays": 30, "keySource": "hsm",
                               "extendedKeyUsages": ["codeSigning"]})
            signer = admin.call("POST", "/api/v1/pki/signers",
                                {"name": "hsm-" + loop_key,
                                 "certificateId": cert["certificateId"]})["id"]
            body = {"data": base64.b64encode(hashlib.sha256(b"bench").digest()).decode(),
                    "signingAlgorithm": alg, "isDigest": True}
            script = os.path.join(work, "hsm-%s.lua" % loop_key)
            bench.lua_script(script, json.dumps(body), admin.token)
            before = bench.proc_stats(server.pid)
            r = bench.wrk("%s/api/v1/pki/signers/%s/sign" % (url, signer), script,
                          args.connections, args.seconds)
            after = bench.proc_stats(server.pid)
            # signetd's CPU per answered request, SoftHSM's work included (it runs in-process).
            r["signetd_cpu_us_per_request"] = ((after["cpu_s"] - before["cpu_s"]) * 1e6
                                               / r["requests"] if r["requests"] else None)
            children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            out = subprocess.run([loop, module, TOKEN, PIN, loop_key, str(sign_threads),
                                  str(max(3, args.seconds // 2))], env=env, check=True,
                                 capture_output=True, text=True).stdout
            children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
            token_speed = json.loads(out.strip().splitlines()[-1])
            loop_cpu_s = ((children_after.ru_utime + children_after.ru_stime)
                          - (children_before.ru_utime + children_before.ru_stime))
            # The token's own CPU per signature (C_SignInit + C_Sign in the bare loop).
            token_speed["cpu_us_per_sign"] = (loop_cpu_s * 1e6 / token_speed["signs"]
                                              if token_speed["signs"] else None)
            r["csign_loop"] = token_speed
            r["ratio_to_token"] = r["rps"] / token_speed["per_s"] if token_speed["per_s"] else None
            results["keys"][label] = r
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    shutil.rmtree(work, ignore_errors=True)

    print("HSM-backed signing (SoftHSM2, %d cores, %d connections, %ds):"
          % (cores, args.connections, args.seconds))
    print("%-9s %10s %10s %7s %8s %7s %14s %13s" % ("key", "signet/s", "C_Sign/s", "ratio",
                                                    "p99 ms", "non2xx", "signetd CPU µs",
                                                    "token CPU µs"))
    for label, r in results["keys"].items():
        print("%-9s %10.0f %10.0f %7.2f %8.1f %7d %14.0f %13.0f"
              % (label, r["rps"], r["csign_loop"]["per_s"], r["ratio_to_token"] or 0,
                 r["p99_ms"], r["non2xx"], r["signetd_cpu_us_per_request"] or 0,
                 r["csign_loop"]["cpu_us_per_sign"] or 0))
    print("(SoftHSM2 runs inside signetd on the same cores: signetd CPU µs per request is the "
          "token's CPU per signature plus Signet's own; docs/hsm.md §8)")
    os.makedirs(os.path.join(bench.ROOT, "bench", "results"), exist_ok=True)
    name = os.path.join(bench.ROOT, "bench", "results", "%s-%s-hsm.json"
                        % (results["time"].replace(":", ""), results["commit"][:8]))
    with open(name, "w") as f:
        json.dump(results, f, indent=2)
    print("\nresults written to %s" % os.path.relpath(name, bench.ROOT))


if __name__ == "__main__":
    main()
