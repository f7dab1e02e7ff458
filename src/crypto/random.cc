#include "crypto/random.h"

#include <climits>

#include <openssl/rand.h>

#include "crypto/openssl_util.h"

namespace signet::crypto {

Status FillRandom(std::uint8_t* out, std::size_t n) {
  while (n > 0) {
    // RAND_bytes takes an int length; large requests go in chunks.
    const int chunk = n > static_cast<std::size_t>(INT_MAX) ? INT_MAX : static_cast<int>(n);
    if (RAND_bytes(out, chunk) != 1) return internal::OpenSslFailure("RAND_bytes failed");
    out += chunk;
    n -= static_cast<std::size_t>(chunk);
  }
  return Ok();
}

Result<SecretBytes> RandomSecret(std::size_t n) {
  SecretBytes out(n);
  SIGNET_TRY(FillRandom(out.data(), n));
  return out;
}

Result<Bytes> RandomBytes(std::size_t n) {
  Bytes out(n);
  SIGNET_TRY(FillRandom(out.data(), n));
  return out;
}

}  // namespace signet::crypto
