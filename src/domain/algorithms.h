#pragma once
// The key and signing algorithms of SPEC §3–§4, their wire names and properties.

#include <cstddef>
#include <string_view>

#include "common/result.h"

namespace signet::domain {

enum class KeyAlgorithm { kRsa2048, kRsa3072, kRsa4096, kEcP256, kEcP384, kEcP521 };
enum class KeyType { kRsa, kEc };

enum class HashAlgorithm { kSha256, kSha384, kSha512 };
enum class SignatureScheme { kRsaPkcs1v15, kRsaPss, kEcdsa };

struct SigningAlgorithm {
  SignatureScheme scheme;
  HashAlgorithm hash;
  bool operator==(const SigningAlgorithm&) const = default;
};

// "RSA_2048", "EC_prime256v1", ...
std::string_view KeyAlgorithmName(KeyAlgorithm a);
[[nodiscard]] Result<KeyAlgorithm> ParseKeyAlgorithm(std::string_view name);
KeyType KeyTypeOf(KeyAlgorithm a);
std::string_view KeyTypeName(KeyType t);  // "RSA", "EC"

// Canonical name "RSASSA_PSS_SHA256"; Parse also takes "RSASSA_PSS_SHA_256".
std::string_view SigningAlgorithmName(SigningAlgorithm a);
[[nodiscard]] Result<SigningAlgorithm> ParseSigningAlgorithm(std::string_view name);
KeyType RequiredKeyType(SigningAlgorithm a);

std::size_t HashLength(HashAlgorithm h);     // 32, 48, 64
std::string_view HashName(HashAlgorithm h);  // "SHA256", ...

}  // namespace signet::domain
