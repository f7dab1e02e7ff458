#pragma once
// Bearer tokens and client secrets: 256-bit random values shown once and stored only as their
// SHA-256 (hex). A high-entropy secret needs no slow hash; lookups stay one index probe.

#include <string>
#include <string_view>

#include "common/result.h"
#include "common/secret_bytes.h"

namespace signet::auth {

// "sgt_" + 64 hex characters for access tokens; "sgs_" + 64 hex for client secrets.
[[nodiscard]] Result<SecretBytes> NewAccessToken();
[[nodiscard]] Result<SecretBytes> NewClientSecret();

// Lower-case hex SHA-256 of the token text: the database key.
std::string HashToken(std::string_view token);

}  // namespace signet::auth
