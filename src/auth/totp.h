#pragma once
// Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP) as authenticator apps compute
// them: HMAC-SHA1, 6 digits, 30-second steps; and one-time recovery codes. Pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "common/secret_bytes.h"

namespace signet::auth {

inline constexpr std::int64_t kTotpStepSeconds = 30;
inline constexpr int kTotpDigits = 6;
inline constexpr std::size_t kTotpSecretLength = 20;  // 160 bits, as RFC 4226 recommends

// The time step of `now` (Unix seconds / 30).
std::int64_t TotpStep(TimePoint now);
// The `digits`-digit code of `secret` for step `step`, zero-padded.
std::string TotpCode(ByteView secret, std::int64_t step, int digits = kTotpDigits);

// The step whose code `code` is, among `now`'s step and `window` steps either side, that is
// later than `last_used_step` (a code is accepted once: a replay is refused); nullopt when
// none matches. Compares in constant time per candidate.
std::optional<std::int64_t> MatchTotp(ByteView secret, std::string_view code, TimePoint now,
                                      std::int64_t last_used_step, int window = 1);

// otpauth://totp/<issuer>:<account>?secret=<base32>&issuer=<issuer>&algorithm=SHA1&digits=6&period=30
std::string OtpauthUri(std::string_view issuer, std::string_view account, ByteView secret);

// `count` new recovery codes, each "xxxxx-xxxxx" of base32 characters (50 bits), and how
// they are stored: the SHA-256 hex of the code normalized by NormalizeRecoveryCode.
[[nodiscard]] Result<std::vector<SecretBytes>> NewRecoveryCodes(int count);
std::string NormalizeRecoveryCode(std::string_view code);  // lower case, no '-' or spaces
std::string RecoveryCodeHash(std::string_view code);

}  // namespace signet::auth
