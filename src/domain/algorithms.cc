#include "domain/algorithms.h"

#include <array>
#include <string>

namespace signet::domain {
namespace {

struct KeyAlgorithmEntry {
  KeyAlgorithm algorithm;
  std::string_view name;
};
constexpr std::array<KeyAlgorithmEntry, 6> kKeyAlgorithms{{
    {KeyAlgorithm::kRsa2048, "RSA_2048"},
    {KeyAlgorithm::kRsa3072, "RSA_3072"},
    {KeyAlgorithm::kRsa4096, "RSA_4096"},
    {KeyAlgorithm::kEcP256, "EC_prime256v1"},
    {KeyAlgorithm::kEcP384, "EC_secp384r1"},
    {KeyAlgorithm::kEcP521, "EC_secp521r1"},
}};

struct SigningAlgorithmEntry {
  SigningAlgorithm algorithm;
  std::string_view name;
  std::string_view alt_name;
};
constexpr std::array<SigningAlgorithmEntry, 9> kSigningAlgorithms{{
    {{SignatureScheme::kRsaPkcs1v15, HashAlgorithm::kSha256},
     "RSASSA_PKCS1_V1_5_SHA256",
     "RSASSA_PKCS1_V1_5_SHA_256"},
    {{SignatureScheme::kRsaPkcs1v15, HashAlgorithm::kSha384},
     "RSASSA_PKCS1_V1_5_SHA384",
     "RSASSA_PKCS1_V1_5_SHA_384"},
    {{SignatureScheme::kRsaPkcs1v15, HashAlgorithm::kSha512},
     "RSASSA_PKCS1_V1_5_SHA512",
     "RSASSA_PKCS1_V1_5_SHA_512"},
    {{SignatureScheme::kRsaPss, HashAlgorithm::kSha256}, "RSASSA_PSS_SHA256", "RSASSA_PSS_SHA_256"},
    {{SignatureScheme::kRsaPss, HashAlgorithm::kSha384}, "RSASSA_PSS_SHA384", "RSASSA_PSS_SHA_384"},
    {{SignatureScheme::kRsaPss, HashAlgorithm::kSha512}, "RSASSA_PSS_SHA512", "RSASSA_PSS_SHA_512"},
    {{SignatureScheme::kEcdsa, HashAlgorithm::kSha256}, "ECDSA_SHA256", "ECDSA_SHA_256"},
    {{SignatureScheme::kEcdsa, HashAlgorithm::kSha384}, "ECDSA_SHA384", "ECDSA_SHA_384"},
    {{SignatureScheme::kEcdsa, HashAlgorithm::kSha512}, "ECDSA_SHA512", "ECDSA_SHA_512"},
}};

}  // namespace

std::string_view KeyAlgorithmName(KeyAlgorithm a) {
  for (const auto& e : kKeyAlgorithms) {
    if (e.algorithm == a) return e.name;
  }
  return "unknown";
}

Result<KeyAlgorithm> ParseKeyAlgorithm(std::string_view name) {
  for (const auto& e : kKeyAlgorithms) {
    if (e.name == name) return e.algorithm;
  }
  return InvalidArgument("keyAlgorithm '" + std::string(name) +
                         "' is not one of RSA_2048, RSA_3072, RSA_4096, EC_prime256v1, "
                         "EC_secp384r1, EC_secp521r1");
}

KeyType KeyTypeOf(KeyAlgorithm a) {
  switch (a) {
    case KeyAlgorithm::kRsa2048:
    case KeyAlgorithm::kRsa3072:
    case KeyAlgorithm::kRsa4096:
      return KeyType::kRsa;
    default:
      return KeyType::kEc;
  }
}

std::string_view KeyTypeName(KeyType t) { return t == KeyType::kRsa ? "RSA" : "EC"; }

std::string_view SigningAlgorithmName(SigningAlgorithm a) {
  for (const auto& e : kSigningAlgorithms) {
    if (e.algorithm == a) return e.name;
  }
  return "unknown";
}

Result<SigningAlgorithm> ParseSigningAlgorithm(std::string_view name) {
  for (const auto& e : kSigningAlgorithms) {
    if (e.name == name || e.alt_name == name) return e.algorithm;
  }
  return InvalidArgument("signingAlgorithm '" + std::string(name.substr(0, 64)) +
                         "' is not one of RSASSA_PKCS1_V1_5_SHA256|384|512, "
                         "RSASSA_PSS_SHA256|384|512, ECDSA_SHA256|384|512");
}

KeyType RequiredKeyType(SigningAlgorithm a) {
  return a.scheme == SignatureScheme::kEcdsa ? KeyType::kEc : KeyType::kRsa;
}

std::size_t HashLength(HashAlgorithm h) {
  switch (h) {
    case HashAlgorithm::kSha256:
      return 32;
    case HashAlgorithm::kSha384:
      return 48;
    case HashAlgorithm::kSha512:
      return 64;
  }
  return 0;
}

std::string_view HashName(HashAlgorithm h) {
  switch (h) {
    case HashAlgorithm::kSha256:
      return "SHA256";
    case HashAlgorithm::kSha384:
      return "SHA384";
    case HashAlgorithm::kSha512:
      return "SHA512";
  }
  return "unknown";
}

}  // namespace signet::domain
