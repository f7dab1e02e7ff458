#include "auth/password.h"

#include <argon2.h>

#include <vector>

#include "crypto/random.h"

namespace signet::auth {

Status ValidatePassword(const SecretBytes& password) {
  if (password.size() < kMinPasswordLength) {
    return InvalidArgument("password is " + std::to_string(password.size()) +
                           " characters; the minimum is " + std::to_string(kMinPasswordLength));
  }
  if (password.size() > kMaxPasswordLength) {
    return InvalidArgument("password is " + std::to_string(password.size()) +
                           " characters; the maximum is " + std::to_string(kMaxPasswordLength));
  }
  return Ok();
}

Result<std::string> HashPassword(const SecretBytes& password, const PasswordParams& params) {
  constexpr std::size_t kSaltLength = 16;
  constexpr std::size_t kHashLength = 32;
  SIGNET_ASSIGN_OR_RETURN(const Bytes salt, crypto::RandomBytes(kSaltLength));
  const std::size_t encoded_length =
      argon2_encodedlen(params.iterations, params.memory_kib, params.parallelism, kSaltLength,
                        kHashLength, Argon2_id);
  std::vector<char> encoded(encoded_length);
  const int rc = argon2id_hash_encoded(params.iterations, params.memory_kib, params.parallelism,
                                       password.data(), password.size(), salt.data(), salt.size(),
                                       kHashLength, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) return Internal(std::string("argon2id failed: ") + argon2_error_message(rc));
  return std::string(encoded.data());
}

bool VerifyPassword(const SecretBytes& password, const std::string& encoded_hash) {
  return argon2id_verify(encoded_hash.c_str(), password.data(), password.size()) == ARGON2_OK;
}

}  // namespace signet::auth
