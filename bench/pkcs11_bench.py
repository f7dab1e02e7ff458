#!/usr/bin/env python3
"""Signing through libsignet-pkcs11.so vs through the HTTP API, on one machine.

Starts a fresh signetd (port 0, temporary directory) with an EC P-256 and an RSA 2048
signer and a machine identity, then for each signer measures, one after the other in the
same run:

  api     POST /api/v1/pki/signers/{id}/sign with isDigest:true over one keep-alive
          connection (the SHA-256 is computed by the caller, as the module does)
  pkcs11  C_SignInit + C_Sign (CKM_ECDSA_SHA256 / CKM_SHA256_RSA_PKCS) through the module,
          loaded with ctypes; the module hashes, sends the digest and returns the signature

Both loops are sequential (one signature in flight), so the figures are latencies. Prints a
table and the difference of the medians.

  python3 bench/pkcs11_bench.py [--build-dir build] [--count 2000]
"""

import argparse
import base64
import ctypes
import hashlib
import http.client
import json
import os
import statistics
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))

CKF_SERIAL_SESSION = 0x4
CKF_OS_LOCKING_OK = 0x2
CKO_PRIVATE_KEY = 3
CKA_CLASS = 0
CKM_SHA256_RSA_PKCS = 0x40
CKM_ECDSA_SHA256 = 0x1044
ULONG = ctypes.c_ulong


class Attribute(ctypes.Structure):
    _fields_ = [("type", ULONG), ("pValue", ctypes.c_void_p), ("ulValueLen", ULONG)]


class Mechanism(ctypes.Structure):
    _fields_ = [("mechanism", ULONG), ("pParameter", ctypes.c_void_p),
                ("ulParameterLen", ULONG)]


class InitArgs(ctypes.Structure):
    _fields_ = [("CreateMutex", ctypes.c_void_p), ("DestroyMutex", ctypes.c_void_p),
                ("LockMutex", ctypes.c_void_p), ("UnlockMutex", ctypes.c_void_p),
                ("flags", ULONG), ("pReserved", ctypes.c_void_p)]


def check(rv, what):
    if rv != 0:
        raise RuntimeError("%s returned CKR 0x%x" % (what, rv))


class Module:
    def __init__(self, path):
        self.lib = ctypes.CDLL(path)
        args = InitArgs(flags=CKF_OS_LOCKING_OK)
        check(self.lib.C_Initialize(ctypes.byref(args)), "C_Initialize")

    def slots(self):
        n = ULONG(0)
        check(self.lib.C_GetSlotList(1, None, ctypes.byref(n)), "C_GetSlotList")
        arr = (ULONG * n.value)()
        check(self.lib.C_GetSlotList(1, arr, ctypes.byref(n)), "C_GetSlotList")
        return list(arr)[:n.value]

    def token_label(self, slot):
        info = ctypes.create_string_buffer(512)  # CK_TOKEN_INFO is smaller
        check(self.lib.C_GetTokenInfo(ULONG(slot), info), "C_GetTokenInfo")
        return info.raw[:32].decode().rstrip()

    def open_with_key(self, slot):
        h = ULONG(0)
        check(self.lib.C_OpenSession(ULONG(slot), ULONG(CKF_SERIAL_SESSION), None, None,
                                     ctypes.byref(h)), "C_OpenSession")
        cls = ULONG(CKO_PRIVATE_KEY)
        templ = Attribute(CKA_CLASS, ctypes.cast(ctypes.byref(cls), ctypes.c_void_p),
                          ctypes.sizeof(cls))
        check(self.lib.C_FindObjectsInit(h, ctypes.byref(templ), ULONG(1)), "C_FindObjectsInit")
        key = ULONG(0)
        n = ULONG(0)
        check(self.lib.C_FindObjects(h, ctypes.byref(key), ULONG(1), ctypes.byref(n)),
              "C_FindObjects")
        check(self.lib.C_FindObjectsFinal(h), "C_FindObjectsFinal")
        return h, key

    def sign(self, h, key, mech, data, out):
        m = Mechanism(mech, None, 0)
        check(self.lib.C_SignInit(h, ctypes.byref(m), key), "C_SignInit")
        n = ULONG(len(out))
        check(self.lib.C_Sign(h, data, ULONG(len(data)), out, ctypes.byref(n)), "C_Sign")
        return n.value


def summarize(samples):
    samples = sorted(samples)
    return {"median_ms": statistics.median(samples) * 1000,
            "p90_ms": samples[int(len(samples) * 0.9)] * 1000,
            "mean_ms": statistics.fmean(samples) * 1000,
            "per_second": len(samples) / sum(samples)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", default=os.path.join(REPO, "build"))
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args()
    os.environ["SIGNET_BUILD_DIR"] = os.path.abspath(args.build_dir)
    import signet_testlib as t  # after SIGNET_BUILD_DIR is set

    server = t.SignetServer(extra_args=["--rate-limit", "0"])  # measure the server, not the limit
    server.start()
    try:
        api = server.api()
        _, admin = t.bootstrap_admin(api)
        api.token = admin
        ca = t.create_ca(api, admin, "EC_prime256v1", "Bench root")
        identity, client_id, client_secret, token = t.create_identity(api, admin)
        signers = {}
        for key, algorithm in (("ec-p256", "EC_prime256v1"), ("rsa-2048", "RSA_2048")):
            signer = t.create_code_signer(api, admin, ca["id"], algorithm, name=t.unique(key))
            api.ok("POST", "/api/v1/pki/signers/%s/members" % signer["id"],
                   {"identityId": identity["id"], "role": "operator"}, token=admin)
            signers[key] = signer

        work = tempfile.mkdtemp(prefix="signet-p11-bench-")
        config = os.path.join(work, "pkcs11.json")
        with open(config, "w") as f:
            json.dump({"serverUrl": server.base_url, "clientId": client_id,
                       "clientSecret": client_secret}, f)
        os.environ["SIGNET_PKCS11_CONFIG"] = config
        module = Module(os.path.join(args.build_dir, "lib", "libsignet-pkcs11.so"))
        slot_of = {module.token_label(s): s for s in module.slots()}

        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
        data = os.urandom(4096)
        rows = []
        for key, signer in signers.items():
            algorithm = "ECDSA_SHA256" if key.startswith("ec") else "RSASSA_PKCS1_V1_5_SHA256"
            mech = CKM_ECDSA_SHA256 if key.startswith("ec") else CKM_SHA256_RSA_PKCS

            def api_sign():
                body = json.dumps({"data": base64.b64encode(hashlib.sha256(data).digest()).decode(),
                                   "signingAlgorithm": algorithm, "isDigest": True})
                conn.request("POST", "/api/v1/pki/signers/%s/sign" % signer["id"], body, headers)
                resp = conn.getresponse()
                payload = resp.read()
                if resp.status != 200:
                    raise RuntimeError("sign answered %d: %s" % (resp.status, payload[:200]))

            h, k = module.open_with_key(slot_of[signer["name"]])
            out = ctypes.create_string_buffer(512)
            buf = ctypes.create_string_buffer(data, len(data))

            def module_sign():
                module.sign(h, k, mech, buf, out)

            for fn in (api_sign, module_sign):  # warm-up: connections, caches
                for _ in range(50):
                    fn()
            timings = {"api": [], "pkcs11": []}
            # Interleave in blocks so drift on the machine affects both alike.
            for _ in range(args.count // 100):
                for name, fn in (("api", api_sign), ("pkcs11", module_sign)):
                    for _ in range(100):
                        start = time.perf_counter()
                        fn()
                        timings[name].append(time.perf_counter() - start)
            a, p = summarize(timings["api"]), summarize(timings["pkcs11"])
            rows.append((key, a, p))

        print("Signing latency, %d sequential signatures each, same signetd, same machine"
              % args.count)
        print("%-9s %-7s %10s %10s %10s %10s" % ("key", "path", "median ms", "p90 ms", "mean ms",
                                                  "sig/s"))
        for key, a, p in rows:
            for name, s in (("api", a), ("pkcs11", p)):
                print("%-9s %-7s %10.3f %10.3f %10.3f %10.0f" % (key, name, s["median_ms"],
                                                                 s["p90_ms"], s["mean_ms"],
                                                                 s["per_second"]))
            print("%-9s module - api (median): %+.3f ms" % (key, p["median_ms"] - a["median_ms"]))
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
