#pragma once
// Signatures: RSASSA-PKCS1-v1_5, RSASSA-PSS (MGF1 with the same hash, salt = hash length) and
// ECDSA (DER SEQUENCE{r, s}), over a message or a precomputed digest; ECDSA and DigestInfo
// encodings for PKCS#11. All functions are thread-safe and may share one key across threads.

#include <cstddef>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/keys.h"
#include "domain/algorithms.h"

namespace signet::crypto {

// Signs `data` with `key`. is_digest=false: `data` is hashed with the algorithm's hash first.
// is_digest=true: `data` is that digest and must be HashLength(hash) bytes, else
// InvalidArgument "digest is 20 bytes; SHA384 needs 48". An algorithm for the other key type
// is InvalidArgument. RSA signatures are modulus-length; ECDSA signatures are DER.
[[nodiscard]] Result<Bytes> Sign(const PrivateKey& key, domain::SigningAlgorithm algorithm,
                                 ByteView data, bool is_digest);

// Checks `signature`; InvalidArgument "signature does not verify" when it does not, and the
// same argument errors as Sign.
[[nodiscard]] Status Verify(const PublicKey& key, domain::SigningAlgorithm algorithm, ByteView data,
                            bool is_digest, ByteView signature);

// DER ECDSA-Sig-Value <-> raw r||s (each left-padded to `field_len`; see EcFieldLength).
[[nodiscard]] Result<Bytes> EcdsaDerToRaw(ByteView der, std::size_t field_len);
[[nodiscard]] Result<Bytes> EcdsaRawToDer(ByteView raw);

// The DigestInfo of RFC 8017 §9.2 (AlgorithmIdentifier with NULL parameters) for SHA-256,
// SHA-384 and SHA-512.
struct DigestInfo {
  domain::HashAlgorithm hash;
  Bytes digest;
};
[[nodiscard]] Result<Bytes> EncodeDigestInfo(domain::HashAlgorithm hash, ByteView digest);
// Accepts exactly the encodings EncodeDigestInfo produces; anything else is InvalidArgument.
[[nodiscard]] Result<DigestInfo> ParseDigestInfo(ByteView der);

// CKM_RSA_PKCS: a PKCS#1 v1.5 signature over a DigestInfo for SHA-256/384/512 (what
// RSASSA-PKCS1-v1_5 with that hash in digest mode produces). InvalidArgument for an EC key or
// any other input.
[[nodiscard]] Result<Bytes> SignRsaPkcs1DigestInfo(const PrivateKey& key, ByteView digest_info);

}  // namespace signet::crypto
