#!/usr/bin/env bash
# Writes the seed corpora of tests/fuzz/corpus/<target>/ (committed; run again only to
# refresh them). Needs the openssl command. Crash inputs found later are added by hand under
# corpus/<target>/crash-* and kept.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
c=corpus
mkdir -p $c/{http_request,json_fields,encoding,duration,scope,x509,pkcs12,csr,pkcs11}

# --- http_request: whole requests as a client sends them.
printf 'GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n' >$c/http_request/get
printf 'GET /api/v1/pki/signers/requests?projectId=p%%201&status=pending&x=a+b HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer t\r\n\r\n' >$c/http_request/query
printf 'POST /api/v1/pki/signers/0f1e/sign HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 19\r\n\r\n{"data":"aGVsbG8="}' >$c/http_request/post
printf 'POST /api/v1/auth/login HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"a":\r\n2\r\n1}\r\n0\r\n\r\n' >$c/http_request/chunked
printf 'POST /api/v1/users HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 3\r\n\r\nabc' >$c/http_request/smuggle
printf 'GET /api/v1/users/%%2Fx HTTP/1.0\r\nHost: a\r\n folded\r\n\r\n' >$c/http_request/fold
printf 'DELETE /api/v1/projects/p/memberships/m HTTP/1.1\r\nHost: a\r\n\r\n' >$c/http_request/delete

# --- json_fields: bodies of real routes.
printf '{"name":"release","projectId":"p1","steps":[{"name":"lead","requiredApprovals":1,"approvers":[{"type":"user","id":"u1"}],"notifyApprovers":true}],"constraints":{"maxWindowDuration":"8h","maxSignings":10},"bypassForMachineIdentities":false}' >$c/json_fields/policy
printf '{"data":"aGVsbG8=","dataEncoding":"base64","hashAlgorithm":"SHA256","signingAlgorithm":"RSASSA_PSS_SHA_256","clientMetadata":{"tool":"signtool","hostname":"ci-1"}}' >$c/json_fields/sign
printf '{"description":null,"approvalPolicyId":"a","signingPolicyId":"a","userIds":["u1","u2"],"metadata":{}}' >$c/json_fields/patch
printf '{"justification":"release 1.2","requestedSignings":3,"requestedWindowDuration":"2h","scope":{"command":"signtool  sign","ipAddress":null}}' >$c/json_fields/request
printf '{"Name":"x","name":"\\u00e9\\ud83d\\ude00","steps":[1]}' >$c/json_fields/odd

# --- encoding
printf 'aGVsbG8gd29ybGQ=' >$c/encoding/base64
printf '00ff10Ab' >$c/encoding/hex
printf 'JBSWY3DPEHPK3PXP' >$c/encoding/base32

# --- duration
for d in 30s 90m 8h 7d 0s 9999999999999d; do printf '%s' "$d" >$c/duration/$d; done

# --- scope: 7 declared values then 7 seen ones, NUL-separated; \x01 = absent.
printf 'signtool sign\0signtool\0\x01\0Host-1\0\x01\0127.0.0.1\0\x01\0signtool   sign\0signtool\0abc\0host-1\0me\0127.0.0.1\0ff' >$c/scope/match
printf ' \0\x01\0\x01\0\x01\0alice\0\x01\0\x01\0x\0y\0z\0h\0bob\0::1\0AA' >$c/scope/mismatch

# --- x509, pkcs11, csr, pkcs12 from real keys and certificates.
openssl req -x509 -newkey rsa:2048 -nodes -keyout $tmp/rsa.key -subj /CN=fuzz-rsa -days 30 \
  -addext keyUsage=critical,digitalSignature,keyCertSign -addext extendedKeyUsage=codeSigning \
  -out $tmp/rsa.pem 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $tmp/ec.key \
  -subj "/CN=fuzz-ec/O=Signet/C=DE" -days 30 -out $tmp/ec.pem 2>/dev/null
openssl req -new -key $tmp/ec.key -subj /CN=leaf -out $tmp/leaf.csr 2>/dev/null
openssl x509 -req -in $tmp/leaf.csr -CA $tmp/ec.pem -CAkey $tmp/ec.key -days 10 \
  -set_serial 7 -out $tmp/leaf.pem 2>/dev/null
cp $tmp/rsa.pem $c/x509/rsa.pem
cat $tmp/leaf.pem $tmp/ec.pem >$c/x509/chain.pem
openssl x509 -in $tmp/ec.pem -outform DER -out $c/x509/ec.der

openssl req -new -key $tmp/rsa.key -subj "/CN=csr-rsa/O=Signet" -out $c/csr/rsa.csr 2>/dev/null
cp $tmp/leaf.csr $c/csr/ec.csr
{ cat $tmp/ec.pem; printf '\0'; cat $tmp/ec.key; printf '\0\0'; } >$c/csr/import-pem

# pkcs11: n=0 then the DER (certificate; SPKI); n=3 with a template.
{ printf '\0'; openssl x509 -in $tmp/rsa.pem -outform DER; } >$c/pkcs11/rsa-cert
{ printf '\0'; openssl pkey -in $tmp/ec.key -pubout -outform DER; } >$c/pkcs11/ec-spki
{ printf '\x03\x02\x40\x01\x03\x10\x01\x11\x00\x00'; openssl x509 -in $tmp/ec.pem -outform DER; } >$c/pkcs11/ec-cert-template

openssl pkcs12 -export -in $tmp/leaf.pem -inkey $tmp/ec.key -certfile $tmp/ec.pem \
  -passout pass:fuzz -out $c/pkcs12/ec.p12
openssl pkcs12 -export -in $tmp/rsa.pem -inkey $tmp/rsa.key -passout pass:fuzz \
  -iter 1000 -maciter -out $c/pkcs12/rsa-low-iter.p12
# An iteration count above crypto::kMaxPkcs12Iterations: refused before key derivation.
openssl pkcs12 -export -in $tmp/rsa.pem -inkey $tmp/rsa.key -passout pass:fuzz \
  -iter 2000000 -nomac -out $c/pkcs12/too-many-iter.p12
ls -R $c | head -80
