#pragma once
// Ed25519 (RFC 8032) over raw keys: a 32-byte seed is the private key, 32 bytes the public
// key, 64 bytes a signature. Used where Signet signs its own statements (audit checkpoints),
// not for code signing. Thread-safe.

#include <string>

#include "common/bytes.h"
#include "common/result.h"

namespace signet::crypto {

inline constexpr std::size_t kEd25519KeyLength = 32;
inline constexpr std::size_t kEd25519SignatureLength = 64;

// The public key of a 32-byte seed; InvalidArgument for another length.
[[nodiscard]] Result<Bytes> Ed25519PublicKey(ByteView seed);
[[nodiscard]] Result<Bytes> Ed25519Sign(ByteView seed, ByteView message);
// InvalidArgument "signature does not verify" (or for malformed input).
[[nodiscard]] Status Ed25519Verify(ByteView public_key, ByteView message, ByteView signature);
// "-----BEGIN PUBLIC KEY-----" (SubjectPublicKeyInfo), for `openssl pkeyutl -verify -rawin`.
[[nodiscard]] Result<std::string> Ed25519PublicKeyPem(ByteView public_key);

}  // namespace signet::crypto
