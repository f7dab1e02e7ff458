#!/usr/bin/env python3
"""Standard signing tools sign through libsignet-pkcs11.so (SPEC §8).

One signetd on port 0 serves the module: a root CA, an issuing CA under it, and signers on
RSA 2048, EC P-256 and EC P-384 keys issued by the issuing CA, plus an EC signer whose policy
requires approval. A machine identity with Universal Auth credentials (an operator of every
signer) is what the module logs in as, from a configuration file named by
SIGNET_PKCS11_CONFIG. Every signature a tool makes is verified independently with `openssl`
(or the tool's own verifier against the root CA only: osslsigncode verify -CAfile,
jarsigner -verify -strict with a truststore).

Tools: pkcs11-tool (opensc), OpenSSL through the libp11 engine, osslsigncode, jarsigner
(SunPKCS11). A tool that is not installed fails the test under ctest (scripts/install-deps.sh
installs them) and skips it otherwise.
"""

import glob
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from signet_testlib import (  # noqa: E402
    start_module_server,
    BUILD_DIR, SignetServer, SignetTestCase, add_project_member, bootstrap_admin, create_ca,
    create_identity, create_user, default_project_id, issue_certificate, list_all, run_openssl,
    unique, write_file)

MODULE = os.path.join(BUILD_DIR, "lib", "libsignet-pkcs11.so")
SIGNERS = "/api/v1/pki/signers"


class F:
    server = None
    api = None
    admin_token = None
    work = None
    env = None
    signers = {}  # key -> {"id", "name", "pub" (PEM path)}
    root_pem = None
    chain_pem = None
    tsa = None      # a time-stamp authority under the issuing CA (issue 17)
    tsa_url = None
    client_id = None
    client_secret = None
    lead_token = None
    identity = None


def need_tool(name):
    path = shutil.which(name)
    if path is None:
        if os.environ.get("SIGNET_BUILD_DIR"):
            raise AssertionError("%s is not installed (scripts/install-deps.sh)" % name)
        raise unittest.SkipTest("%s is not installed" % name)
    return path


def libp11_engine():
    for pattern in ("/usr/lib/*/engines-3/pkcs11.so", "/usr/lib/engines-3/pkcs11.so",
                    "/usr/lib64/engines-3/pkcs11.so"):
        found = glob.glob(pattern)
        if found:
            return found[0]
    if os.environ.get("SIGNET_BUILD_DIR"):
        raise AssertionError("the libp11 engine is not installed (libengine-pkcs11-openssl)")
    raise unittest.SkipTest("the libp11 engine is not installed")


def setUpModule():
    if not os.path.exists(MODULE):
        raise AssertionError("the module is not built: %s" % MODULE)

    def set_up():
        F.work = tempfile.mkdtemp(prefix="signet-p11-it-")
        root = create_ca(F.api, F.admin_token, "RSA_2048", "Signet P11 IT Root", ttl_days=3650)
        issuing = create_ca(F.api, F.admin_token, "EC_prime256v1", "Signet P11 IT Issuing",
                            ttl_days=3000, parent_ca_id=root["id"])
        F.root_pem = write_file(os.path.join(F.work, "root.pem"), F.api.ok(
            "GET", "/api/v1/pki/ca/%s/certificate" % root["id"])["certificate"])
        # The signer's chain for verifiers of signatures made without -ac (root + issuing).
        F.chain_pem = write_file(os.path.join(F.work, "chain.pem"), F.api.ok(
            "GET", "/api/v1/pki/ca/%s/certificate" % issuing["id"])["certificate"] + open(
                F.root_pem).read())
        F.tsa = F.api.ok("POST", "/api/v1/pki/tsa", {"name": unique("p11-tsa"),
                                                     "caId": issuing["id"]})
        F.tsa_url = "%s/api/v1/pki/tsa/%s/timestamp" % (F.server.base_url, F.tsa["id"])
        identity, F.client_id, F.client_secret, _ = create_identity(F.api, F.admin_token)
        F.identity = identity

        # A policy that needs one approval by a project member; machine identities not exempt.
        project_id = default_project_id(F.api, F.admin_token)
        lead, F.lead_token = create_user(F.api, F.admin_token)
        add_project_member(F.api, F.admin_token, project_id, user_id=lead["id"])
        policy = F.api.ok("POST", "/api/v1/pki/signing-policies", {
            "name": unique("p11-policy"),
            "steps": [{"requiredApprovals": 1, "approvers": [{"type": "user", "id": lead["id"]}]}],
            "constraints": {"maxSignings": 20}, "bypassForMachineIdentities": False})

        for key, algorithm, with_policy in (("rsa", "RSA_2048", False),
                                            ("ec", "EC_prime256v1", False),
                                            ("ec384", "EC_secp384r1", False),
                                            ("policy", "EC_prime256v1", True)):
            name = unique("p11-" + key)
            cert = F.api.ok("POST", "/api/v1/pki/certificates/issue", {
                "caId": issuing["id"], "commonName": name + " code signing",
                "keyAlgorithm": algorithm, "ttlDays": 400, "keyUsages": ["digitalSignature"],
                "extendedKeyUsages": ["codeSigning"]})
            body = {"name": name, "certificateId": cert["certificateId"]}
            if with_policy:
                body["signingPolicyId"] = policy["id"]
            signer = F.api.ok("POST", SIGNERS, body)
            F.api.ok("POST", "%s/%s/members" % (SIGNERS, signer["id"]),
                     {"identityId": identity["id"], "role": "operator"})
            cert_pem = write_file(os.path.join(F.work, key + "-cert.pem"), cert["certificate"])
            code, out = run_openssl(["x509", "-in", cert_pem, "-pubkey", "-noout"])
            assert code == 0, out
            pub = write_file(os.path.join(F.work, key + "-pub.pem"),
                             out[out.index("-----BEGIN PUBLIC KEY-----"):])
            F.signers[key] = {"id": signer["id"], "name": name, "pub": pub, "cert": cert_pem}

        config = write_file(os.path.join(F.work, "pkcs11.json"), json.dumps({
            "serverUrl": F.server.base_url, "clientId": F.client_id,
            "clientSecret": F.client_secret, "cacheTtlSeconds": 30}))
        os.chmod(config, 0o600)
        F.env = {k: v for k, v in os.environ.items()
                 if not k.startswith("SIGNET_") and not k.startswith("INFISICAL_")}
        F.env["SIGNET_PKCS11_CONFIG"] = config

    start_module_server(F, set_up)


def tearDownModule():
    if F.server is not None:
        F.server.cleanup()
    if F.work and not os.environ.get("SIGNET_KEEP_DIRS"):
        shutil.rmtree(F.work, ignore_errors=True)


def run(args, env=None, cwd=None, input_bytes=None, timeout=120):
    proc = subprocess.run(args, env=env or F.env, cwd=cwd, input=input_bytes,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return (proc.returncode, proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"))


def path(name):
    return os.path.join(F.work, name)


def operations(signer_id):
    items, _ = list_all(F.api, F.admin_token, "%s/%s/operations" % (SIGNERS, signer_id),
                        "operations")
    return items


def minimal_pe(path_out):
    """A minimal valid PE32 console executable: headers and one .text section with `ret`."""
    dos = bytearray(0x80)
    dos[0:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, 0x80)
    coff = struct.pack("<4sHHIIIHH", b"PE\0\0", 0x14C, 1, 0, 0, 0, 0xE0, 0x0102)
    optional = struct.pack(
        "<HBBIIIIIIIIIHHHHHHIIIIHHIIIIII",
        0x10B, 14, 0, 0x200, 0, 0, 0x1000, 0x1000, 0x1000,  # magic .. BaseOfData
        0x400000, 0x1000, 0x200,                            # ImageBase, alignments
        6, 0, 0, 0, 6, 0,                                   # OS, image, subsystem versions
        0, 0x2000, 0x200, 0, 3, 0x8140,                     # Win32Version .. DllCharacteristics
        0x100000, 0x1000, 0x100000, 0x1000, 0, 16)          # stack/heap, loader, #dirs
    optional += bytes(16 * 8)
    section = struct.pack("<8sIIIIIIHHI", b".text\0\0\0", 1, 0x1000, 0x200, 0x200, 0, 0, 0, 0,
                          0x60000020)
    headers = bytes(dos) + coff + optional + section
    assert len(optional) == 0xE0
    image = headers + bytes(0x200 - len(headers)) + b"\xC3" + bytes(0x1FF)
    with open(path_out, "wb") as f:
        f.write(image)
    return path_out


class Pkcs11ToolTest(SignetTestCase):
    def setUp(self):
        self.tool = need_tool("pkcs11-tool")

    def p11(self, *args, env=None):
        return run([self.tool, "--module", MODULE] + list(args), env=env)

    def sign(self, key, mechanism, data, *extra):
        data_file = write_file(path(unique("in")), data)
        sig_file = path(unique("sig"))
        code, out, err = self.p11("--token-label", F.signers[key]["name"], "--sign", "-m",
                                  mechanism, "-i", data_file, "-o", sig_file, *extra)
        self.assertEqual(code, 0, "pkcs11-tool failed:\n%s\n%s" % (out, err))
        with open(sig_file, "rb") as f:
            return data_file, sig_file, f.read()

    def test_lists_slots_objects_and_mechanisms(self):
        code, out, err = self.p11("--list-slots")
        self.assertEqual(code, 0, err)
        for key in ("rsa", "ec", "ec384", "policy"):
            self.assertIn(F.signers[key]["name"], out)
        code, out, err = self.p11("--token-label", F.signers["rsa"]["name"], "--list-objects")
        self.assertEqual(code, 0, err)
        self.assertIn("Private Key Object; RSA", out)
        self.assertIn("Public Key Object; RSA 2048 bits", out)
        self.assertIn("Certificate Object; type = X.509 cert", out)
        self.assertIn("label:      %s" % F.signers["rsa"]["name"], out)
        self.assertIn("Signet P11 IT Issuing", out)
        self.assertIn("Signet P11 IT Root", out)
        code, out, err = self.p11("--token-label", F.signers["rsa"]["name"], "--list-mechanisms")
        self.assertEqual(code, 0, err)
        for mech in ("RSA-PKCS,", "SHA256-RSA-PKCS", "SHA384-RSA-PKCS", "SHA512-RSA-PKCS",
                     "RSA-PKCS-PSS", "SHA256-RSA-PKCS-PSS", "SHA384-RSA-PKCS-PSS",
                     "SHA512-RSA-PKCS-PSS"):
            self.assertIn(mech, out)
        code, out, err = self.p11("--token-label", F.signers["ec"]["name"], "--list-mechanisms")
        self.assertEqual(code, 0, err)
        for mech in ("ECDSA,", "ECDSA-SHA256", "ECDSA-SHA384", "ECDSA-SHA512"):
            self.assertIn(mech, out)
        self.assertNotIn("RSA-PKCS", out)

    def test_sha256_rsa_pkcs(self):
        data_file, sig_file, sig = self.sign("rsa", "SHA256-RSA-PKCS", os.urandom(3000))
        self.assertEqual(len(sig), 256)
        code, out = run_openssl(["dgst", "-sha256", "-verify", F.signers["rsa"]["pub"],
                                 "-signature", sig_file, data_file])
        self.assertEqual(code, 0, out)
        self.assertIn("Verified OK", out)

    def test_sha384_rsa_pkcs_pss(self):
        data_file, sig_file, _ = self.sign("rsa", "SHA384-RSA-PKCS-PSS", b"pss " * 500,
                                           "--mgf", "MGF1-SHA384", "--salt-len", "-1")
        code, out = run_openssl(["dgst", "-sha384", "-verify", F.signers["rsa"]["pub"],
                                 "-sigopt", "rsa_padding_mode:pss", "-sigopt",
                                 "rsa_pss_saltlen:48", "-signature", sig_file, data_file])
        self.assertEqual(code, 0, out)
        self.assertIn("Verified OK", out)

    def test_ecdsa_sha256(self):
        data_file, sig_file, _ = self.sign("ec", "ECDSA-SHA256", b"ecdsa data\n" * 100,
                                           "--signature-format", "openssl")
        code, out = run_openssl(["dgst", "-sha256", "-verify", F.signers["ec"]["pub"],
                                 "-signature", sig_file, data_file])
        self.assertEqual(code, 0, out)
        self.assertIn("Verified OK", out)

    def test_raw_ecdsa_over_sha384_digest(self):
        message = b"raw ecdsa over a digest"
        digest = hashlib.sha384(message).digest()
        digest_file, sig_file, raw = self.sign("ec384", "ECDSA", digest)
        self.assertEqual(len(raw), 96)  # r || s for P-384
        # Re-encode r||s as DER and verify the digest with pkeyutl.
        der_file = path(unique("der"))
        write_file(der_file, ecdsa_raw_to_der(raw))
        code, out = run_openssl(["pkeyutl", "-verify", "-pubin", "-inkey",
                                 F.signers["ec384"]["pub"], "-in", digest_file, "-sigfile",
                                 der_file])
        self.assertEqual(code, 0, out)
        self.assertIn("Signature Verified Successfully", out)

    def test_client_metadata_names_the_tool_and_hides_the_pin(self):
        self.sign("ec", "ECDSA-SHA256", b"metadata", "--login", "--pin", "top-secret-pin")
        ops = operations(F.signers["ec"]["id"])
        latest = ops[0]
        self.assertEqual(latest["status"], "success", latest)
        meta = latest["clientMetadata"]
        self.assertEqual(meta["tool"], "pkcs11-tool")
        self.assertIn("--pin ***", meta["command"])
        self.assertNotIn("top-secret-pin", json.dumps(latest))
        self.assertTrue(meta.get("hostname"))
        self.assertTrue(meta.get("osUsername"))

    def test_pin_with_client_credentials_logs_in(self):
        # No credentials in the configuration: the PIN clientId:clientSecret logs in.
        config = write_file(path(unique("nocreds") + ".json"),
                            json.dumps({"serverUrl": F.server.base_url}))
        env = dict(F.env)
        env["SIGNET_PKCS11_CONFIG"] = config
        code, out, err = self.p11("--list-slots", env=env)
        self.assertEqual(code, 0, err)
        self.assertIn("Signet (log in)", out)
        code, out, err = self.p11("--login", "--pin", "%s:%s" % (F.client_id, F.client_secret),
                                  "--list-objects", env=env)
        self.assertEqual(code, 0, err)
        code, out, err = self.p11("--login", "--pin", "%s:wrong" % F.client_id,
                                  "--list-objects", env=env)
        self.assertNotEqual(code, 0, out)
        self.assertIn("login as client id", err)

    def test_approval_required_fails_cleanly_and_is_audited(self):
        data_file = write_file(path(unique("in")), b"needs approval")
        code, out, err = self.p11("--token-label", F.signers["policy"]["name"], "--sign", "-m",
                                  "ECDSA-SHA256", "-i", data_file, "-o", path(unique("sig")))
        self.assertNotEqual(code, 0, out)
        self.assertIn("signet-pkcs11: approval required for signer %s"
                      % F.signers["policy"]["name"], err)
        # CKR_FUNCTION_REJECTED; pkcs11-tool prints its number (and retries once in parts).
        self.assertIn("(0x200)", err)
        self.assertNotIn("Segmentation", err)
        events, _ = list_all(F.api, F.admin_token, "/api/v1/audit-logs", "auditLogs",
                             {"eventType": "sign.denied"})
        self.assertTrue([e for e in events if F.signers["policy"]["id"] in json.dumps(e)],
                        events)
        ops = operations(F.signers["policy"]["id"])
        self.assertEqual(ops[0]["status"], "denied")
        self.assertEqual(ops[0]["clientMetadata"]["tool"], "pkcs11-tool")


def ecdsa_raw_to_der(raw):
    half = len(raw) // 2

    def integer(b):
        b = b.lstrip(b"\0") or b"\0"
        if b[0] & 0x80:
            b = b"\0" + b
        return b"\x02" + der_len(len(b)) + b

    body = integer(raw[:half]) + integer(raw[half:])
    return b"\x30" + der_len(len(body)) + body


def der_len(n):
    return bytes([n]) if n < 0x80 else bytes([0x81, n])


class OpenSslEngineTest(SignetTestCase):
    def setUp(self):
        engine = libp11_engine()
        self.conf = write_file(path(unique("openssl") + ".cnf"), (
            "openssl_conf = openssl_init\n[openssl_init]\nengines = engine_section\n"
            "[engine_section]\npkcs11 = pkcs11_section\n[pkcs11_section]\nengine_id = pkcs11\n"
            "dynamic_path = %s\nMODULE_PATH = %s\ninit = 0\n") % (engine, MODULE))
        self.env = dict(F.env)
        self.env["OPENSSL_CONF"] = self.conf

    def dgst_sign(self, key, digest, extra=()):
        data_file = write_file(path(unique("in")), os.urandom(5000))
        sig_file = path(unique("sig"))
        name = F.signers[key]["name"]
        uri = "pkcs11:token=%s;object=%s;type=private" % (name, name)
        code, out, err = run(["openssl", "dgst", "-" + digest, "-engine", "pkcs11", "-keyform",
                              "engine", "-sign", uri] + list(extra) +
                             ["-out", sig_file, data_file], env=self.env)
        self.assertEqual(code, 0, "openssl dgst -sign failed:\n%s\n%s" % (out, err))
        return data_file, sig_file

    def test_rsa_sha256(self):
        data_file, sig_file = self.dgst_sign("rsa", "sha256")
        code, out = run_openssl(["dgst", "-sha256", "-verify", F.signers["rsa"]["pub"],
                                 "-signature", sig_file, data_file])
        self.assertEqual(code, 0, out)
        self.assertIn("Verified OK", out)

    def test_ec_sha384(self):
        data_file, sig_file = self.dgst_sign("ec384", "sha384")
        code, out = run_openssl(["dgst", "-sha384", "-verify", F.signers["ec384"]["pub"],
                                 "-signature", sig_file, data_file])
        self.assertEqual(code, 0, out)
        self.assertIn("Verified OK", out)


class OsslsigncodeTest(SignetTestCase):
    def test_signs_a_pe_that_verifies_against_the_root(self):
        tool = need_tool("osslsigncode")
        engine = libp11_engine()
        p11tool = need_tool("pkcs11-tool")
        exe = minimal_pe(path(unique("app") + ".exe"))
        signed = path(unique("signed") + ".exe")
        name = F.signers["rsa"]["name"]
        # osslsigncode takes one certificate from the token; the issuing CA, also read from
        # the token, goes in as an additional certificate so the signature carries the chain.
        issuing_der = path(unique("issuing") + ".der")
        code, out, err = run([p11tool, "--module", MODULE, "--token-label", name,
                              "--read-object", "--type", "cert", "--label",
                              "Signet P11 IT Issuing", "-o", issuing_der])
        self.assertEqual(code, 0, "pkcs11-tool --read-object failed:\n%s\n%s" % (out, err))
        issuing_pem = path(unique("issuing") + ".pem")
        code, out = run_openssl(["x509", "-inform", "DER", "-in", issuing_der, "-out",
                                 issuing_pem])
        self.assertEqual(code, 0, out)
        code, out, err = run([tool, "sign", "-pkcs11engine", engine, "-pkcs11module", MODULE,
                              "-pkcs11cert", "pkcs11:token=%s;object=%s;type=cert" % (name, name),
                              "-key", "pkcs11:token=%s;object=%s;type=private" % (name, name),
                              "-ac", issuing_pem, "-h", "sha256", "-n", "Signet IT",
                              "-in", exe, "-out", signed])
        self.assertEqual(code, 0, "osslsigncode sign failed:\n%s\n%s" % (out, err))
        code, out, err = run([tool, "verify", "-CAfile", F.root_pem, "-in", signed])
        self.assertEqual(code, 0, "osslsigncode verify failed:\n%s\n%s" % (out, err))
        self.assertIn("Signature verification: ok", out)
        ops = operations(F.signers["rsa"]["id"])
        self.assertEqual(ops[0]["clientMetadata"]["tool"], "osslsigncode")


    def test_timestamp_from_signets_tsa_verifies(self):
        tool = need_tool("osslsigncode")
        engine = libp11_engine()
        exe = minimal_pe(path(unique("app") + ".exe"))
        signed = path(unique("signed-ts") + ".exe")
        name = F.signers["ec"]["name"]
        before = tsa_issued()
        code, out, err = run([tool, "sign", "-pkcs11engine", engine, "-pkcs11module", MODULE,
                              "-pkcs11cert", "pkcs11:token=%s;object=%s;type=cert" % (name, name),
                              "-key", "pkcs11:token=%s;object=%s;type=private" % (name, name),
                              "-h", "sha256", "-n", "Signet IT", "-ts", F.tsa_url,
                              "-in", exe, "-out", signed])
        self.assertEqual(code, 0, "osslsigncode sign -ts failed:\n%s\n%s" % (out, err))
        self.assertEqual(tsa_issued(), before + 1)
        code, out, err = run([tool, "verify", "-CAfile", F.chain_pem, "-TSA-CAfile", F.root_pem,
                              "-in", signed])
        self.assertEqual(code, 0, "osslsigncode verify failed:\n%s\n%s" % (out, err))
        self.assertIn("Signature verification: ok", out)
        self.assertIn("Timestamp Server Signature verification: ok", out)
        self.assertIn("CN=%s" % F.tsa["name"], out)


def tsa_issued():
    return F.api.ok("GET", "/api/v1/pki/tsa/%s" % F.tsa["id"])["timestampsIssued"]


class JarsignerTest(SignetTestCase):
    def test_signs_a_jar_with_the_chain(self):
        jarsigner = need_tool("jarsigner")
        jar = need_tool("jar")
        keytool = need_tool("keytool")
        for key in ("rsa", "ec"):
            with self.subTest(key=key):
                self.sign_and_verify(jarsigner, jar, keytool, key)

    def test_tsa_timestamps_the_jar(self):
        jarsigner = need_tool("jarsigner")
        self.sign_and_verify(jarsigner, need_tool("jar"), need_tool("keytool"), "ec",
                             tsa=True)

    def sign_and_verify(self, jarsigner, jar, keytool, key, tsa=False):
        d = tempfile.mkdtemp(prefix="jar-", dir=F.work)
        write_file(os.path.join(d, "hello.txt"), "hello from Signet\n")
        code, out, err = run([jar, "cf", "app.jar", "hello.txt"], cwd=d)
        self.assertEqual(code, 0, err)
        # The slot of the signer: its index in the slot list (tokens are sorted by name).
        names = sorted(s["name"] for s in F.signers.values())
        cfg = write_file(os.path.join(d, "pkcs11.cfg"),
                         "name = Signet\nlibrary = %s\nslotListIndex = %d\n"
                         % (MODULE, names.index(F.signers[key]["name"])))
        name = F.signers[key]["name"]
        code, out, err = run([jarsigner, "-keystore", "NONE", "-storetype", "PKCS11",
                              "-providerClass", "sun.security.pkcs11.SunPKCS11",
                              "-providerArg", cfg, "-storepass", "ignored-store-pass",
                              "-sigalg", "SHA256withRSA" if key == "rsa" else "SHA256withECDSA"]
                             + (["-tsa", F.tsa_url] if tsa else [])
                             + [os.path.join(d, "app.jar"), name], cwd=d)
        self.assertEqual(code, 0, "jarsigner failed:\n%s\n%s" % (out, err))
        trust = os.path.join(d, "trust.p12")
        code, out, err = run([keytool, "-importcert", "-noprompt", "-alias", "root", "-file",
                              F.root_pem, "-keystore", trust, "-storetype", "PKCS12",
                              "-storepass", "changeit"])
        self.assertEqual(code, 0, err)
        code, out, err = run([jarsigner, "-verify", "-strict", "-keystore", trust,
                              "-storetype", "PKCS12", "-storepass", "changeit",
                              os.path.join(d, "app.jar")])
        self.assertEqual(code, 0, "jarsigner -verify failed:\n%s\n%s" % (out, err))
        self.assertIn("jar verified", out)
        if tsa:
            self.assertNotIn("no -tsa or -tsacert is provided", out + err)
            code, out, err = run([jarsigner, "-verify", "-verbose", "-certs", "-strict",
                                  "-keystore", trust, "-storetype", "PKCS12", "-storepass",
                                  "changeit", os.path.join(d, "app.jar")])
            self.assertEqual(code, 0, "jarsigner -verify failed:\n%s\n%s" % (out, err))
            self.assertRegex(out, r"(?i)timestamped by \"?CN=%s" % re.escape(F.tsa["name"]))
            return
        # The signature block embeds the whole chain: signer, issuing CA and root.
        with zipfile.ZipFile(os.path.join(d, "app.jar")) as z:
            blocks = [n for n in z.namelist()
                      if n.startswith("META-INF/") and n.endswith((".RSA", ".EC"))]
            self.assertEqual(len(blocks), 1, z.namelist())
            block = write_file(os.path.join(d, "block.p7"), z.read(blocks[0]))
        code, out = run_openssl(["pkcs7", "-inform", "DER", "-in", block, "-print_certs",
                                 "-noout"])
        self.assertEqual(code, 0, out)
        self.assertIn("Signet P11 IT Root", out)
        self.assertIn("Signet P11 IT Issuing", out)
        self.assertIn(name + " code signing", out)
        ops = operations(F.signers[key]["id"])
        self.assertEqual(ops[0]["clientMetadata"]["tool"], "jarsigner")
        self.assertIn("-storepass ***", ops[0]["clientMetadata"]["command"])


class InfisicalSetupTest(SignetTestCase):
    """Issue 13: the module takes an Infisical set-up as it is (its PKCS#11 module README:
    /etc/infisical/pkcs11.conf or INFISICAL_CONFIG, server_url, auth{…}, cache{…},
    approval{…}, log_level, log_file; INFISICAL_UNIVERSAL_AUTH_CLIENT_ID/SECRET,
    INFISICAL_TOKEN, INFISICAL_SERVER_URL)."""

    def setUp(self):
        self.tool = need_tool("pkcs11-tool")

    def env_with(self, config=None, **variables):
        env = {k: v for k, v in F.env.items() if k != "SIGNET_PKCS11_CONFIG"}
        if config is not None:
            conf = write_file(path(unique("infisical") + ".conf"), json.dumps(config))
            os.chmod(conf, 0o600)
            env["INFISICAL_CONFIG"] = conf
        env.update(variables)
        return env

    def p11(self, env, *args):
        return run([self.tool, "--module", MODULE] + list(args), env=env)

    def sign_file(self, env, key, data, *extra):
        data_file = write_file(path(unique("in")), data)
        sig_file = path(unique("sig"))
        code, out, err = self.p11(env, "--token-label", F.signers[key]["name"], "--sign", "-m",
                                  "ECDSA-SHA256", "--signature-format", "openssl", "-i",
                                  data_file, "-o", sig_file, *extra)
        return code, out, err, data_file, sig_file

    def assertVerifies(self, key, data_file, sig_file):
        code, out = run_openssl(["dgst", "-sha256", "-verify", F.signers[key]["pub"],
                                 "-signature", sig_file, data_file])
        self.assertEqual(code, 0, out)
        self.assertIn("Verified OK", out)

    def test_infisical_config_file_and_environment(self):
        # The README's full example (paths adjusted), credentials in the file.
        env = self.env_with({
            "server_url": F.server.base_url,
            "auth": {"client_id": F.client_id, "client_secret": F.client_secret},
            "tls": {"skip_verify": False},
            "cache": {"token_ttl_seconds": 300, "cert_ttl_seconds": 3600,
                      "signer_ttl_seconds": 300},
            "log_level": "info", "log_file": path(unique("module") + ".log")})
        code, out, err = self.p11(env, "--list-slots")
        self.assertEqual(code, 0, err)
        self.assertIn(F.signers["ec"]["name"], out)
        code, out, err, data_file, sig_file = self.sign_file(env, "ec", b"infisical config")
        self.assertEqual(code, 0, err)
        self.assertVerifies("ec", data_file, sig_file)
        # Only server_url in the file; the credentials from Infisical's variables; the file
        # named by INFISICAL_PKCS11_CONFIG.
        env = self.env_with(None, INFISICAL_UNIVERSAL_AUTH_CLIENT_ID=F.client_id,
                            INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET=F.client_secret)
        env["INFISICAL_PKCS11_CONFIG"] = write_file(path(unique("p") + ".conf"), json.dumps(
            {"server_url": "http://127.0.0.1:1"}))
        env["INFISICAL_PKCS11_SERVER_URL"] = F.server.base_url
        code, out, err, data_file, sig_file = self.sign_file(env, "ec", b"infisical env")
        self.assertEqual(code, 0, err)
        self.assertVerifies("ec", data_file, sig_file)

    def test_unknown_keys_are_a_startup_error(self):
        for config, key in (({"server_url": F.server.base_url, "serverURL": "x"}, "serverURL"),
                            ({"server_url": F.server.base_url,
                              "auth": {"clientId": F.client_id}}, "auth.clientId"),
                            ({"server_url": F.server.base_url,
                              "approval": {"exclude_scope_fields": ["dataHash2"]}}, "dataHash2")):
            with self.subTest(key=key):
                code, out, err = self.p11(self.env_with(config), "--list-slots")
                self.assertNotEqual(code, 0, out)
                self.assertIn(key, err)
                self.assertIn("CKR_FUNCTION_FAILED", err)

    def test_wrong_credentials_fail_with_one_line(self):
        env = self.env_with({"server_url": F.server.base_url,
                             "auth": {"client_id": F.client_id, "client_secret": "wrong"}})
        code, out, err = self.p11(env, "--list-slots")
        self.assertNotEqual(code, 0, out)
        self.assertNotIn("Signet (log in)", out)
        lines = [l for l in err.splitlines() if l.startswith("signet-pkcs11:")]
        self.assertEqual(len(lines), 1, err)
        self.assertIn("login as client id %s failed" % F.client_id, lines[0])
        # A token the server refuses: the slot list fails, no login slot.
        env = self.env_with({"server_url": F.server.base_url, "auth": {"token": "sgt_bogus"}})
        code, out, err = self.p11(env, "--list-slots")
        self.assertNotEqual(code, 0, out)
        self.assertNotIn("Signet (log in)", out)
        self.assertIn("refused", err)

    def test_unresponsive_server_fails_once_within_the_timeout(self):
        import socket
        import time
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # accepts connections, never answers
        try:
            url = "http://127.0.0.1:%d" % silent.getsockname()[1]
            for config in ({"serverUrl": url, "clientId": "a", "clientSecret": "b",
                            "timeoutSeconds": 2},
                           {"serverUrl": url, "token": "t", "timeoutSeconds": 2}):
                with self.subTest(config=sorted(config)):
                    conf = write_file(path(unique("silent") + ".json"), json.dumps(config))
                    env = dict(F.env)
                    env["SIGNET_PKCS11_CONFIG"] = conf
                    started = time.monotonic()
                    code, out, err = run([self.tool, "--module", MODULE, "--list-slots"], env=env)
                    elapsed = time.monotonic() - started
                    self.assertNotEqual(code, 0, out)
                    self.assertIn("timed out after 2s", err)
                    self.assertEqual(err.count("timed out"), 1, err)
                    self.assertLess(elapsed, 3.9, "waited %.1fs: more than one timeout" % elapsed)
        finally:
            silent.close()

    def test_pin_login_reaches_the_signers_in_the_same_process(self):
        env = self.env_with({"server_url": F.server.base_url})
        pin = "%s:%s" % (F.client_id, F.client_secret)
        data_file = write_file(path(unique("in")), b"pin login")
        sig_file = path(unique("sig"))
        # The first slot is the login token; after C_Login it holds every signer's key.
        code, out, err = self.p11(env, "--login", "--pin", pin, "--label", F.signers["ec"]["name"],
                                  "--sign", "-m", "ECDSA-SHA256", "--signature-format", "openssl",
                                  "-i", data_file, "-o", sig_file)
        self.assertEqual(code, 0, err)
        self.assertVerifies("ec", data_file, sig_file)
        code, out, err = self.p11(env, "--login", "--pin", pin, "--list-objects")
        self.assertEqual(code, 0, err)
        for key in ("rsa", "ec", "ec384"):
            self.assertIn("label:      %s" % F.signers[key]["name"], out)

    def test_p11tool_pin_login_test_sign_and_export_chain(self):
        p11tool = need_tool("p11tool")
        # Configured credentials: --test-sign signs and verifies with the token's public key;
        # --export-chain follows the issuers (CKA_TRUSTED, CKA_ID = subject key id) to the root.
        name = F.signers["rsa"]["name"]
        code, out, err = run([p11tool, "--provider", MODULE, "--test-sign",
                              "pkcs11:token=%s;object=%s" % (name, name)])
        self.assertEqual(code, 0, out + err)
        self.assertIn("Verifying against public key in the token... ok", out + err)
        code, out, err = run([p11tool, "--provider", MODULE, "--export-chain",
                              "pkcs11:token=%s;object=%s;type=cert" % (name, name)])
        self.assertEqual(code, 0, err)
        self.assertEqual(out.count("-----BEGIN CERTIFICATE-----"), 3, out)
        chain = write_file(path(unique("chain") + ".pem"), out)
        leaf_end = out.index("-----END CERTIFICATE-----") + len("-----END CERTIFICATE-----")
        leaf = write_file(path(unique("leaf") + ".pem"), out[:leaf_end] + "\n")
        code, vout = run_openssl(["verify", "-CAfile", F.root_pem, "-untrusted", chain, leaf])
        self.assertEqual(code, 0, vout)
        # The PIN clientId:clientSecret logs in on the login token, where p11tool finds the key.
        env = self.env_with({"server_url": F.server.base_url})
        code, out, err = run([p11tool, "--provider", MODULE, "--login",
                              "--set-pin=%s:%s" % (F.client_id, F.client_secret), "--test-sign",
                              "pkcs11:token=Signet%%20%%28log%%20in%%29;object=%s" % name], env=env)
        self.assertEqual(code, 0, out + err)
        self.assertIn("Verifying against public key in the token... ok", out + err)

    def test_jarsigner_logs_in_with_the_pin_on_the_first_slot(self):
        jarsigner = need_tool("jarsigner")
        jar = need_tool("jar")
        d = tempfile.mkdtemp(dir=F.work)
        write_file(os.path.join(d, "a.txt"), "pin login\n")
        code, out, err = run([jar, "cf", "app.jar", "a.txt"], cwd=d)
        self.assertEqual(code, 0, err)
        cfg = write_file(os.path.join(d, "p.cfg"),
                         "name = SignetPin\nlibrary = %s\nslotListIndex = 0\n" % MODULE)
        env = self.env_with({"server_url": F.server.base_url})
        name = F.signers["ec"]["name"]
        code, out, err = run([jarsigner, "-keystore", "NONE", "-storetype", "PKCS11",
                              "-providerClass", "sun.security.pkcs11.SunPKCS11",
                              "-providerArg", cfg,
                              "-storepass", "%s:%s" % (F.client_id, F.client_secret),
                              "-sigalg", "SHA256withECDSA", os.path.join(d, "app.jar"), name],
                             env=env, cwd=d)
        self.assertEqual(code, 0, "jarsigner failed:\n%s\n%s" % (out, err))
        code, out, err = run([jarsigner, "-verify", os.path.join(d, "app.jar")])
        self.assertEqual(code, 0, out + err)
        self.assertIn("jar verified", out)

    def test_automatic_access_request_then_signing_after_approval(self):
        env = self.env_with({
            "server_url": F.server.base_url,
            "auth": {"client_id": F.client_id, "client_secret": F.client_secret},
            "approval": {"signing_duration": "1h", "signing_count": 2}})
        data = b"needs an approval " + os.urandom(8)
        data_file = write_file(path(unique("in")), data)
        sig_file = path(unique("sig"))
        args = ["--token-label", F.signers["policy"]["name"], "--sign", "-m", "ECDSA-SHA256",
                "--signature-format", "openssl", "-i", data_file, "-o", sig_file]
        code, out, err = self.p11(env, *args)
        self.assertNotEqual(code, 0, out)
        opened = [l for l in err.splitlines() if "opened access request" in l]
        self.assertEqual(len(opened), 1, err)
        request_id = opened[0].split("opened access request ")[1].split()[0]
        request = F.api.ok("GET", "/api/v1/pki/signing-requests/" + request_id)
        self.assertEqual(request["status"], "pending")
        self.assertEqual(request["requesterId"], F.identity["id"])
        self.assertEqual(request["requestedSignings"], 2)
        self.assertEqual(request["requestedWindowDuration"], "1h")
        scope = request["scope"]
        self.assertEqual(scope["signingApplication"], "pkcs11-tool")
        with open(os.path.realpath(self.tool), "rb") as f:
            self.assertEqual(scope["signingApplicationHash"], hashlib.sha256(f.read()).hexdigest())
        self.assertIn("--token-label", scope["command"])
        self.assertTrue(scope["hostname"])
        self.assertTrue(scope["osUsername"])
        self.assertEqual(scope["ipAddress"], "127.0.0.1")  # filled in by the server
        self.assertRegex(scope["dataHash"], "^[0-9a-f]{64}$")
        # A rerun before approval finds the same request.
        code, out, err = self.p11(env, *args)
        self.assertNotEqual(code, 0, out)
        self.assertIn("access request %s" % request_id, err)
        self.assertNotIn("opened access request", err)
        pending, _ = list_all(F.api, F.admin_token, "/api/v1/pki/signing-requests", "requests",
                              {"signerId": F.signers["policy"]["id"], "status": "pending"})
        self.assertEqual([r["id"] for r in pending if r["requesterId"] == F.identity["id"]],
                         [request_id])
        F.api.ok("POST", "/api/v1/pki/signing-requests/%s/approve" % request_id, {},
                 token=F.lead_token)
        code, out, err = self.p11(env, *args)
        self.assertEqual(code, 0, err)
        self.assertVerifies("policy", data_file, sig_file)
        # Excluded fields stay out; ip_address pins the address. (Other data: the grant above
        # still has a signing left for this data and command.)
        data_file = write_file(path(unique("in")), b"another artifact " + os.urandom(8))
        args[args.index("-i") + 1] = data_file
        env = self.env_with({
            "server_url": F.server.base_url,
            "auth": {"client_id": F.client_id, "client_secret": F.client_secret},
            "approval": {"signing_count": 1, "ip_address": "10.9.8.7",
                         "exclude_scope_fields": ["command", "data_hash", "os_username"]}})
        code, out, err = self.p11(env, *args)
        self.assertNotEqual(code, 0, out)
        self.assertIn("opened access request", err)
        request_id = [l for l in err.splitlines()
                      if "opened access request" in l][0].split("request ")[1].split()[0]
        scope = F.api.ok("GET", "/api/v1/pki/signing-requests/" + request_id)["scope"]
        self.assertEqual(sorted(scope), ["hostname", "ipAddress", "signingApplication",
                                         "signingApplicationHash"])
        self.assertEqual(scope["ipAddress"], "10.9.8.7")
        # Leave the policy signer without grant or pending request for the other tests.
        F.api.ok("POST", "/api/v1/pki/signing-requests/%s/cancel" % request_id, {})
        grants, _ = list_all(F.api, F.admin_token, "/api/v1/pki/signing-grants", "grants",
                             {"signerId": F.signers["policy"]["id"], "status": "active"})
        for g in grants:
            F.api.ok("POST", "/api/v1/pki/signing-grants/%s/revoke" % g["id"], {})


if __name__ == "__main__":
    unittest.main()
