#pragma once
// Password hashing with argon2id (RFC 9106), encoded in the PHC string format so parameters
// travel with the hash. Thread-safe.

#include <string>
#include <string_view>

#include "common/result.h"
#include "common/secret_bytes.h"

namespace signet::auth {

struct PasswordParams {
  // OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
  std::uint32_t memory_kib = 19 * 1024;
  std::uint32_t iterations = 2;
  std::uint32_t parallelism = 1;
};

inline constexpr std::size_t kMinPasswordLength = 8;
inline constexpr std::size_t kMaxPasswordLength = 256;

// Checks length bounds; InvalidArgument naming the limit.
[[nodiscard]] Status ValidatePassword(const SecretBytes& password);
[[nodiscard]] Result<std::string> HashPassword(const SecretBytes& password,
                                               const PasswordParams& params = {});
// True when the password matches; false for a mismatch or a malformed hash.
bool VerifyPassword(const SecretBytes& password, const std::string& encoded_hash);

}  // namespace signet::auth
