#pragma once
// Cryptographic randomness from OpenSSL's DRBG (RAND_bytes), for key material, nonces and
// serial numbers. Thread-safe. Fails only when the DRBG cannot be seeded (kInternal).

#include <cstddef>

#include "common/bytes.h"
#include "common/result.h"
#include "common/secret_bytes.h"

namespace signet::crypto {

// `n` random bytes held as a secret (wiped on free).
[[nodiscard]] Result<SecretBytes> RandomSecret(std::size_t n);
// `n` random bytes that are not secret (nonces, serial numbers).
[[nodiscard]] Result<Bytes> RandomBytes(std::size_t n);
// Fills `out` with random bytes.
[[nodiscard]] Status FillRandom(std::uint8_t* out, std::size_t n);

}  // namespace signet::crypto
