#pragma once
// AES-256-GCM authenticated encryption with a random 96-bit nonce per message.
// Sealed format: nonce (12) || ciphertext || tag (16). Thread-safe.
// Random nonces keep the collision chance negligible up to ~2^32 messages per key; keys here
// (per-key data keys, the root key) encrypt far fewer.

#include <cstddef>

#include "common/bytes.h"
#include "common/result.h"
#include "common/secret_bytes.h"

namespace signet::crypto {

inline constexpr std::size_t kAeadKeyLength = 32;
inline constexpr std::size_t kAeadNonceLength = 12;
inline constexpr std::size_t kAeadTagLength = 16;
inline constexpr std::size_t kAeadOverhead = kAeadNonceLength + kAeadTagLength;

// Encrypts `plaintext` and authenticates it together with `aad`.
// InvalidArgument when `key` is not 32 bytes.
[[nodiscard]] Result<Bytes> AeadSeal(ByteView key, ByteView plaintext, ByteView aad);

// Decrypts what AeadSeal returned. A wrong key, wrong `aad`, or any change to `sealed` yields
// InvalidArgument "decryption failed: wrong key or tampered data" and never any plaintext.
[[nodiscard]] Result<SecretBytes> AeadOpen(ByteView key, ByteView sealed, ByteView aad);

}  // namespace signet::crypto
