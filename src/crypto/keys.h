#pragma once
// Asymmetric keys (RSA 2048/3072/4096, EC P-256/P-384/P-521) over OpenSSL EVP_PKEY.
//
// PrivateKey and PublicKey are move-only owners of one key. Their const methods are safe to
// call from many threads at once (concurrent signing with one key is the normal case); moving
// or destroying a key needs exclusive access. Errors: malformed input is InvalidArgument;
// unexpected library failures are Internal, with OpenSSL's error queue in the message.

#include <memory>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"
#include "common/secret_bytes.h"
#include "domain/algorithms.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, opaque outside crypto/.

namespace signet::crypto {

namespace internal {
struct PkeyFree {
  void operator()(evp_pkey_st* pkey) const;
};
using PkeyHandle = std::unique_ptr<evp_pkey_st, PkeyFree>;
}  // namespace internal

class PublicKey;

class PrivateKey {
 public:
  // A new key (RSA exponent 65537).
  [[nodiscard]] static Result<PrivateKey> Generate(domain::KeyAlgorithm algorithm);
  // Unencrypted PKCS#8 PrivateKeyInfo DER. Only RSA and EC keys are accepted.
  [[nodiscard]] static Result<PrivateKey> FromPkcs8Der(ByteView der);
  // PEM: "PRIVATE KEY", "ENCRYPTED PRIVATE KEY" (needs `password`), "RSA PRIVATE KEY",
  // "EC PRIVATE KEY" (also with legacy PEM encryption). The first key in `pem` is used.
  [[nodiscard]] static Result<PrivateKey> FromPem(std::string_view pem,
                                                  std::string_view password = {});

  PrivateKey(PrivateKey&&) noexcept = default;
  PrivateKey& operator=(PrivateKey&&) noexcept = default;
  ~PrivateKey() = default;

  // Unencrypted PKCS#8 PrivateKeyInfo DER.
  [[nodiscard]] Result<SecretBytes> ToPkcs8Der() const;
  // Unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"), for tests and tools.
  [[nodiscard]] Result<SecretBytes> ToPkcs8Pem() const;

  domain::KeyType type() const { return type_; }
  // RSA_2048 ... EC_secp521r1; InvalidArgument for other sizes and curves.
  [[nodiscard]] Result<domain::KeyAlgorithm> algorithm() const;
  // DER SubjectPublicKeyInfo of the public half.
  [[nodiscard]] Result<Bytes> PublicKeySpkiDer() const;
  [[nodiscard]] Result<crypto::PublicKey> GetPublicKey() const;
  // Largest signature: the modulus length for RSA, the largest DER ECDSA-Sig-Value for EC.
  std::size_t SignatureSize() const;

  // The OpenSSL handle, for code inside crypto/ only.
  evp_pkey_st* native() const { return pkey_.get(); }

 private:
  PrivateKey(internal::PkeyHandle pkey, domain::KeyType type)
      : pkey_(std::move(pkey)), type_(type) {}
  friend Result<PrivateKey> AdoptPrivateKey(evp_pkey_st* pkey);

  internal::PkeyHandle pkey_;
  domain::KeyType type_;
};

class PublicKey {
 public:
  // DER SubjectPublicKeyInfo. Only RSA and EC keys are accepted.
  [[nodiscard]] static Result<PublicKey> FromSpkiDer(ByteView der);
  // PEM "PUBLIC KEY" (SubjectPublicKeyInfo).
  [[nodiscard]] static Result<PublicKey> FromPem(std::string_view pem);
  // The public half of a key held in a device, from the parts PKCS#11 reads back: an RSA
  // modulus and public exponent (big-endian unsigned), or an EC point on the curve of
  // `algorithm` (uncompressed 04||x||y, bare or wrapped in a DER OCTET STRING as CKA_EC_POINT
  // holds it). InvalidArgument for anything else.
  [[nodiscard]] static Result<PublicKey> FromRsaComponents(ByteView modulus, ByteView exponent);
  [[nodiscard]] static Result<PublicKey> FromEcPoint(domain::KeyAlgorithm algorithm,
                                                     ByteView point);

  PublicKey(PublicKey&&) noexcept = default;
  PublicKey& operator=(PublicKey&&) noexcept = default;
  ~PublicKey() = default;

  domain::KeyType type() const { return type_; }
  [[nodiscard]] Result<domain::KeyAlgorithm> algorithm() const;
  [[nodiscard]] Result<Bytes> SpkiDer() const;
  [[nodiscard]] Result<std::string> ToPem() const;

  evp_pkey_st* native() const { return pkey_.get(); }

 private:
  PublicKey(internal::PkeyHandle pkey, domain::KeyType type)
      : pkey_(std::move(pkey)), type_(type) {}
  friend Result<PublicKey> AdoptPublicKey(evp_pkey_st* pkey);

  internal::PkeyHandle pkey_;
  domain::KeyType type_;
};

// True when `public_key` is the public half of `private_key`.
bool Matches(const PrivateKey& private_key, const PublicKey& public_key);

// ECDSA field length in bytes for an EC algorithm (32, 48, 66); 0 for RSA.
std::size_t EcFieldLength(domain::KeyAlgorithm algorithm);

// The DER of an EC algorithm's named-curve OID (PKCS#11 CKA_EC_PARAMS); empty for RSA.
Bytes EcParametersDer(domain::KeyAlgorithm algorithm);
// The EC algorithm whose named-curve OID `der` is; InvalidArgument for other curves and for
// explicit parameters.
[[nodiscard]] Result<domain::KeyAlgorithm> EcAlgorithmFromParameters(ByteView der);

// For crypto/ internals: take ownership of `pkey` (already counted for the caller).
// InvalidArgument when it is neither RSA nor EC; `pkey` is freed then too.
Result<PrivateKey> AdoptPrivateKey(evp_pkey_st* pkey);
Result<PublicKey> AdoptPublicKey(evp_pkey_st* pkey);

}  // namespace signet::crypto
