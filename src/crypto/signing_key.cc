#include "crypto/signing_key.h"

#include <string>

#include "crypto/digest.h"
#include "crypto/sign.h"

namespace signet::crypto {

Result<std::shared_ptr<const LocalSigningKey>> LocalSigningKey::Create(PrivateKey key) {
  SIGNET_ASSIGN_OR_RETURN(domain::KeyAlgorithm algorithm, key.algorithm());
  SIGNET_ASSIGN_OR_RETURN(Bytes spki, key.PublicKeySpkiDer());
  return std::shared_ptr<const LocalSigningKey>(
      new LocalSigningKey(std::move(key), algorithm, std::move(spki)));
}

Result<Bytes> LocalSigningKey::Sign(domain::SigningAlgorithm algorithm, ByteView data,
                                    bool is_digest) const {
  return crypto::Sign(key_, algorithm, data, is_digest);
}

Result<Bytes> DigestToSign(domain::KeyAlgorithm key, domain::SigningAlgorithm algorithm,
                           ByteView data, bool is_digest) {
  const domain::KeyType have = domain::KeyTypeOf(key);
  const domain::KeyType need = domain::RequiredKeyType(algorithm);
  if (have != need) {
    return InvalidArgument("signing algorithm " +
                           std::string(domain::SigningAlgorithmName(algorithm)) + " needs an " +
                           std::string(domain::KeyTypeName(need)) + " key; this key is " +
                           std::string(domain::KeyTypeName(have)));
  }
  const std::size_t length = domain::HashLength(algorithm.hash);
  if (!is_digest) return Digest(algorithm.hash, data);
  if (data.size() != length) {
    return InvalidArgument("digest is " + std::to_string(data.size()) + " bytes; " +
                           std::string(domain::HashName(algorithm.hash)) + " needs " +
                           std::to_string(length));
  }
  return Bytes(data.begin(), data.end());
}

domain::SigningAlgorithm CertificateSigningAlgorithm(domain::KeyAlgorithm key) {
  using domain::HashAlgorithm;
  using domain::SignatureScheme;
  switch (key) {
    case domain::KeyAlgorithm::kEcP256:
      return {SignatureScheme::kEcdsa, HashAlgorithm::kSha256};
    case domain::KeyAlgorithm::kEcP384:
      return {SignatureScheme::kEcdsa, HashAlgorithm::kSha384};
    case domain::KeyAlgorithm::kEcP521:
      return {SignatureScheme::kEcdsa, HashAlgorithm::kSha512};
    default:
      return {SignatureScheme::kRsaPkcs1v15, HashAlgorithm::kSha256};
  }
}

}  // namespace signet::crypto
