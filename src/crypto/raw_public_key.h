#pragma once
// Public keys from their raw components, as JSON Web Keys carry them (RFC 7518 §6): an RSA key
// from its modulus and public exponent, an EC P-256 key from its affine coordinates. Both are
// checked before they are returned (an EC point must lie on the curve), so a key that comes
// back is safe to verify with. Thread-safe (no shared state).

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/keys.h"

namespace signet::crypto {

// Limits on RSA moduli accepted from outside: smaller keys are too weak, larger ones make
// each verification expensive (an attacker chooses how many keys a key set holds).
inline constexpr int kMinRsaPublicBits = 2048;
inline constexpr int kMaxRsaPublicBits = 8192;

// `n` and `e` big-endian unsigned (leading zero bytes allowed). InvalidArgument when the
// modulus is not between kMinRsaPublicBits and kMaxRsaPublicBits bits, or the exponent is
// even, below 3 or longer than 8 bytes.
[[nodiscard]] Result<PublicKey> RsaPublicKeyFromComponents(ByteView n, ByteView e);

// `x` and `y` big-endian, exactly 32 bytes each. InvalidArgument when the point is not on the
// curve.
[[nodiscard]] Result<PublicKey> EcP256PublicKeyFromCoordinates(ByteView x, ByteView y);

}  // namespace signet::crypto
