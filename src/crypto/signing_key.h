#pragma once
// A private key that signs, wherever it is held: in this process (LocalSigningKey) or in a
// device the caller reaches through another module (the key store's PKCS#11 key source). The
// X.509 functions of crypto/x509.h issue certificates and CSRs through this interface, so a
// CA key in a hardware module signs certificates without ever leaving it.
//
// Implementations are immutable after construction and thread-safe: Sign may run on many
// threads at once.

#include <memory>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/keys.h"
#include "domain/algorithms.h"

namespace signet::crypto {

class SigningKey {
 public:
  virtual ~SigningKey() = default;

  virtual domain::KeyAlgorithm algorithm() const = 0;
  // DER SubjectPublicKeyInfo of the public half.
  virtual const Bytes& public_key_spki() const = 0;
  // The contract of crypto::Sign (crypto/sign.h): `data` is hashed first unless `is_digest`;
  // RSA signatures are modulus-length, ECDSA signatures DER. Argument errors are
  // InvalidArgument; a device that cannot be reached is Unavailable.
  [[nodiscard]] virtual Result<Bytes> Sign(domain::SigningAlgorithm algorithm, ByteView data,
                                           bool is_digest) const = 0;
};

// A key in this process's memory.
class LocalSigningKey final : public SigningKey {
 public:
  // InvalidArgument for keys other than RSA 2048/3072/4096 and EC P-256/384/521.
  [[nodiscard]] static Result<std::shared_ptr<const LocalSigningKey>> Create(PrivateKey key);

  domain::KeyAlgorithm algorithm() const override { return algorithm_; }
  const Bytes& public_key_spki() const override { return spki_; }
  Result<Bytes> Sign(domain::SigningAlgorithm algorithm, ByteView data,
                     bool is_digest) const override;

  const PrivateKey& private_key() const { return key_; }

 private:
  LocalSigningKey(PrivateKey key, domain::KeyAlgorithm algorithm, Bytes spki)
      : key_(std::move(key)), algorithm_(algorithm), spki_(std::move(spki)) {}

  PrivateKey key_;
  domain::KeyAlgorithm algorithm_;
  Bytes spki_;
};

// For implementations that sign elsewhere: checks the algorithm against the key type and the
// digest length exactly as crypto::Sign does, and returns the digest to sign (`data` itself
// when `is_digest`, else its hash). InvalidArgument with crypto::Sign's messages.
[[nodiscard]] Result<Bytes> DigestToSign(domain::KeyAlgorithm key,
                                         domain::SigningAlgorithm algorithm, ByteView data,
                                         bool is_digest);

// The algorithm that signs certificates and CSRs made with a key of `key`: RSASSA-PKCS1-v1_5
// with SHA-256 for RSA, ECDSA with SHA-256 for P-256, SHA-384 for P-384, SHA-512 for P-521.
domain::SigningAlgorithm CertificateSigningAlgorithm(domain::KeyAlgorithm key);

}  // namespace signet::crypto
