#pragma once
// HMAC-SHA256 and HKDF-SHA256 (RFC 5869). Thread-safe.

#include <cstddef>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"
#include "common/secret_bytes.h"

namespace signet::crypto {

inline constexpr std::size_t kHmacSha256Length = 32;

// HMAC-SHA256(key, data), 32 bytes. Cannot fail short of running out of memory; then it logs
// the OpenSSL error and returns an empty vector.
Bytes HmacSha256(ByteView key, ByteView data);

// HMAC-SHA1(key, data), 20 bytes — only for TOTP (RFC 6238), whose authenticator apps expect
// it; never for anything Signet signs or chains. Empty on an OpenSSL failure (logged).
Bytes HmacSha1(ByteView key, ByteView data);

// HKDF-SHA256 extract-and-expand. `length` must be 1..8160 (255 * 32), else InvalidArgument.
// An empty salt means the RFC's default (32 zero bytes).
[[nodiscard]] Result<SecretBytes> HkdfSha256(ByteView ikm, ByteView salt, std::string_view info,
                                             std::size_t length);

}  // namespace signet::crypto
