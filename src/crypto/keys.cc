#include "crypto/keys.h"

#include <climits>
#include <cstring>
#include <string>

#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "crypto/openssl_util.h"

namespace signet::crypto {

using domain::KeyAlgorithm;
using domain::KeyType;
using internal::OpenSslFailure;

void internal::PkeyFree::operator()(evp_pkey_st* pkey) const { EVP_PKEY_free(pkey); }

namespace {

Result<KeyType> TypeOf(const EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "RSA")) return KeyType::kRsa;
  if (EVP_PKEY_is_a(pkey, "EC")) return KeyType::kEc;
  const char* name = EVP_PKEY_get0_type_name(pkey);
  return InvalidArgument(std::string("key type ") + (name != nullptr ? name : "unknown") +
                         " is not supported; use an RSA or EC key");
}

Result<KeyAlgorithm> AlgorithmOf(const EVP_PKEY* pkey, KeyType type) {
  if (type == KeyType::kRsa) {
    const int bits = EVP_PKEY_get_bits(pkey);
    switch (bits) {
      case 2048:
        return KeyAlgorithm::kRsa2048;
      case 3072:
        return KeyAlgorithm::kRsa3072;
      case 4096:
        return KeyAlgorithm::kRsa4096;
      default:
        return InvalidArgument("RSA key has " + std::to_string(bits) +
                               " bits; supported sizes are 2048, 3072 and 4096");
    }
  }
  char name[80] = {};
  std::size_t len = 0;
  if (EVP_PKEY_get_group_name(pkey, name, sizeof(name), &len) != 1) {
    internal::ClearOpenSslErrors();
    return InvalidArgument(
        "EC key has no named curve; supported curves are prime256v1, "
        "secp384r1 and secp521r1");
  }
  int nid = OBJ_sn2nid(name);
  if (nid == NID_undef) nid = EC_curve_nist2nid(name);
  switch (nid) {
    case NID_X9_62_prime256v1:
      return KeyAlgorithm::kEcP256;
    case NID_secp384r1:
      return KeyAlgorithm::kEcP384;
    case NID_secp521r1:
      return KeyAlgorithm::kEcP521;
    default:
      return InvalidArgument(std::string("EC curve ") + name +
                             " is not supported; supported curves are prime256v1, secp384r1 "
                             "and secp521r1");
  }
}

Result<Bytes> SpkiOf(EVP_PKEY* pkey) {
  const int len = i2d_PUBKEY(pkey, nullptr);
  if (len <= 0) return OpenSslFailure("encoding the public key failed");
  Bytes out(static_cast<std::size_t>(len));
  std::uint8_t* p = out.data();
  if (i2d_PUBKEY(pkey, &p) != len) return OpenSslFailure("encoding the public key failed");
  return out;
}

struct PasswordArg {
  std::string_view password;
  bool asked = false;
};

int PemPassword(char* buf, int size, int /*rwflag*/, void* u) {
  auto* arg = static_cast<PasswordArg*>(u);
  arg->asked = true;
  if (arg->password.empty() || arg->password.size() > static_cast<std::size_t>(size)) return -1;
  std::memcpy(buf, arg->password.data(), arg->password.size());
  return static_cast<int>(arg->password.size());
}

}  // namespace

Result<PrivateKey> AdoptPrivateKey(evp_pkey_st* raw) {
  internal::PkeyHandle pkey(raw);
  if (!pkey) return OpenSslFailure(ErrorCode::kInvalidArgument, "no private key");
  SIGNET_ASSIGN_OR_RETURN(KeyType type, TypeOf(pkey.get()));
  return PrivateKey(std::move(pkey), type);
}

Result<PublicKey> AdoptPublicKey(evp_pkey_st* raw) {
  internal::PkeyHandle pkey(raw);
  if (!pkey) return OpenSslFailure(ErrorCode::kInvalidArgument, "no public key");
  SIGNET_ASSIGN_OR_RETURN(KeyType type, TypeOf(pkey.get()));
  return PublicKey(std::move(pkey), type);
}

Result<PrivateKey> PrivateKey::Generate(KeyAlgorithm algorithm) {
  EVP_PKEY* pkey = nullptr;
  switch (algorithm) {
    case KeyAlgorithm::kRsa2048:
      pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
      break;
    case KeyAlgorithm::kRsa3072:
      pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{3072});
      break;
    case KeyAlgorithm::kRsa4096:
      pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{4096});
      break;
    case KeyAlgorithm::kEcP256:
      pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case KeyAlgorithm::kEcP384:
      pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
      break;
    case KeyAlgorithm::kEcP521:
      pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521");
      break;
  }
  if (pkey == nullptr) {
    return OpenSslFailure(std::string("generating a ") +
                          std::string(domain::KeyAlgorithmName(algorithm)) + " key failed");
  }
  return AdoptPrivateKey(pkey);
}

Result<PrivateKey> PrivateKey::FromPkcs8Der(ByteView der) {
  if (der.empty() || der.size() > static_cast<std::size_t>(LONG_MAX)) {
    return InvalidArgument("PKCS#8 private key is empty");
  }
  const std::uint8_t* p = der.data();
  internal::Pkcs8Ptr p8(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size())));
  if (!p8) return OpenSslFailure(ErrorCode::kInvalidArgument, "not a PKCS#8 private key");
  if (p != der.data() + der.size()) {
    return InvalidArgument("PKCS#8 private key has " + std::to_string(der.data() + der.size() - p) +
                           " trailing bytes");
  }
  EVP_PKEY* pkey = EVP_PKCS82PKEY(p8.get());
  if (pkey == nullptr) {
    return OpenSslFailure(ErrorCode::kInvalidArgument, "PKCS#8 private key could not be decoded");
  }
  return AdoptPrivateKey(pkey);
}

Result<PrivateKey> PrivateKey::FromPem(std::string_view pem, std::string_view password) {
  if (pem.size() > static_cast<std::size_t>(INT_MAX)) return InvalidArgument("PEM is too large");
  internal::BioPtr bio = internal::ReadBio(pem);
  if (!bio) return OpenSslFailure("BIO_new_mem_buf failed");
  PasswordArg arg{password};
  EVP_PKEY* pkey =
      PEM_read_bio_PrivateKey_ex(bio.get(), nullptr, PemPassword, &arg, nullptr, nullptr);
  if (pkey == nullptr) {
    if (arg.asked && password.empty()) {
      internal::ClearOpenSslErrors();
      return InvalidArgument("private key PEM is encrypted and no password was given");
    }
    if (arg.asked) {
      internal::ClearOpenSslErrors();
      return InvalidArgument("private key PEM could not be decrypted: wrong password");
    }
    return OpenSslFailure(ErrorCode::kInvalidArgument, "not a PEM private key");
  }
  return AdoptPrivateKey(pkey);
}

Result<SecretBytes> PrivateKey::ToPkcs8Der() const {
  internal::Pkcs8Ptr p8(EVP_PKEY2PKCS8(pkey_.get()));
  if (!p8) return OpenSslFailure("converting the key to PKCS#8 failed");
  const int len = i2d_PKCS8_PRIV_KEY_INFO(p8.get(), nullptr);
  if (len <= 0) return OpenSslFailure("encoding PKCS#8 failed");
  SecretBytes out(static_cast<std::size_t>(len));
  std::uint8_t* p = out.data();
  if (i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &p) != len) {
    return OpenSslFailure("encoding PKCS#8 failed");
  }
  return out;
}

Result<SecretBytes> PrivateKey::ToPkcs8Pem() const {
  // The secure-memory BIO clears its buffer when freed.
  internal::BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio) return OpenSslFailure("BIO_new failed");
  if (PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr,
                                    nullptr) != 1) {
    return OpenSslFailure("writing the PKCS#8 PEM failed");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  if (len <= 0 || data == nullptr) return Internal("writing the PKCS#8 PEM produced nothing");
  return SecretBytes(
      ByteView(reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(len)));
}

Result<KeyAlgorithm> PrivateKey::algorithm() const { return AlgorithmOf(pkey_.get(), type_); }

Result<Bytes> PrivateKey::PublicKeySpkiDer() const { return SpkiOf(pkey_.get()); }

Result<PublicKey> PrivateKey::GetPublicKey() const {
  SIGNET_ASSIGN_OR_RETURN(Bytes spki, SpkiOf(pkey_.get()));
  return PublicKey::FromSpkiDer(spki);
}

std::size_t PrivateKey::SignatureSize() const {
  const int size = EVP_PKEY_get_size(pkey_.get());
  return size > 0 ? static_cast<std::size_t>(size) : 0;
}

Result<PublicKey> PublicKey::FromSpkiDer(ByteView der) {
  if (der.empty() || der.size() > static_cast<std::size_t>(LONG_MAX)) {
    return InvalidArgument("public key is empty");
  }
  const std::uint8_t* p = der.data();
  EVP_PKEY* pkey = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
  if (pkey == nullptr) {
    return OpenSslFailure(ErrorCode::kInvalidArgument, "not a DER SubjectPublicKeyInfo");
  }
  if (p != der.data() + der.size()) {
    EVP_PKEY_free(pkey);
    return InvalidArgument("SubjectPublicKeyInfo has trailing bytes");
  }
  return AdoptPublicKey(pkey);
}

Result<PublicKey> PublicKey::FromPem(std::string_view pem) {
  if (pem.size() > static_cast<std::size_t>(INT_MAX)) return InvalidArgument("PEM is too large");
  internal::BioPtr bio = internal::ReadBio(pem);
  if (!bio) return OpenSslFailure("BIO_new_mem_buf failed");
  EVP_PKEY* pkey = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (pkey == nullptr) return OpenSslFailure(ErrorCode::kInvalidArgument, "not a PEM public key");
  return AdoptPublicKey(pkey);
}

namespace {

Result<PublicKey> PublicKeyFromData(const char* type, OSSL_PARAM_BLD* bld, std::string_view what) {
  std::unique_ptr<OSSL_PARAM, internal::FreeFn<OSSL_PARAM, OSSL_PARAM_free>> params(
      OSSL_PARAM_BLD_to_param(bld));
  if (!params) return OpenSslFailure(std::string("building the ") + std::string(what) + " failed");
  internal::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* pkey = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return OpenSslFailure(ErrorCode::kInvalidArgument, std::string(what) + " is not valid");
  }
  return AdoptPublicKey(pkey);
}

const char* CurveName(KeyAlgorithm algorithm) {
  switch (algorithm) {
    case KeyAlgorithm::kEcP256:
      return "prime256v1";
    case KeyAlgorithm::kEcP384:
      return "secp384r1";
    case KeyAlgorithm::kEcP521:
      return "secp521r1";
    default:
      return nullptr;
  }
}

}  // namespace

Result<PublicKey> PublicKey::FromRsaComponents(ByteView modulus, ByteView exponent) {
  if (modulus.empty() || exponent.empty() || modulus.size() > 2048 || exponent.size() > 64) {
    return InvalidArgument("RSA modulus of " + std::to_string(modulus.size()) +
                           " bytes and exponent of " + std::to_string(exponent.size()) +
                           " bytes are not a usable public key");
  }
  internal::BignumPtr n(BN_bin2bn(modulus.data(), static_cast<int>(modulus.size()), nullptr));
  internal::BignumPtr e(BN_bin2bn(exponent.data(), static_cast<int>(exponent.size()), nullptr));
  std::unique_ptr<OSSL_PARAM_BLD, internal::FreeFn<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>> bld(
      OSSL_PARAM_BLD_new());
  if (!n || !e || !bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return OpenSslFailure("building the RSA public key failed");
  }
  SIGNET_ASSIGN_OR_RETURN(PublicKey key, PublicKeyFromData("RSA", bld.get(), "RSA public key"));
  SIGNET_TRY(key.algorithm());  // 2048, 3072 or 4096 bits
  return key;
}

Result<PublicKey> PublicKey::FromEcPoint(KeyAlgorithm algorithm, ByteView point) {
  const char* curve = CurveName(algorithm);
  if (curve == nullptr) {
    return InvalidArgument(std::string(domain::KeyAlgorithmName(algorithm)) +
                           " is not an EC algorithm");
  }
  const std::size_t field = EcFieldLength(algorithm);
  const std::size_t raw_len = 1 + 2 * field;
  // CKA_EC_POINT is DER OCTET STRING (04 len point) in PKCS#11 2.40; some modules give the
  // bare point.
  ByteView raw = point;
  if (point.size() != raw_len && point.size() > 2 && point[0] == 0x04) {
    std::size_t header = 2;
    std::size_t len = point[1];
    if (len == 0x81 && point.size() > 3) {
      len = point[2];
      header = 3;
    }
    if (header + len == point.size()) raw = point.subspan(header);
  }
  if (raw.size() != raw_len || raw[0] != 0x04) {
    return InvalidArgument("EC point of " + std::to_string(point.size()) +
                           " bytes is not an uncompressed " +
                           std::string(domain::KeyAlgorithmName(algorithm)) + " point");
  }
  std::unique_ptr<OSSL_PARAM_BLD, internal::FreeFn<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>> bld(
      OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, raw.data(),
                                       raw.size()) != 1) {
    return OpenSslFailure("building the EC public key failed");
  }
  return PublicKeyFromData("EC", bld.get(), "EC public key");
}

Result<KeyAlgorithm> PublicKey::algorithm() const { return AlgorithmOf(pkey_.get(), type_); }

Result<Bytes> PublicKey::SpkiDer() const { return SpkiOf(pkey_.get()); }

Result<std::string> PublicKey::ToPem() const {
  internal::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return OpenSslFailure("BIO_new failed");
  if (PEM_write_bio_PUBKEY(bio.get(), pkey_.get()) != 1) {
    return OpenSslFailure("writing the public key PEM failed");
  }
  return internal::BioToString(bio.get());
}

bool Matches(const PrivateKey& private_key, const PublicKey& public_key) {
  const int eq = EVP_PKEY_eq(private_key.native(), public_key.native());
  internal::ClearOpenSslErrors();  // a type mismatch leaves an entry behind
  return eq == 1;
}

Bytes EcParametersDer(KeyAlgorithm algorithm) {
  const char* curve = CurveName(algorithm);
  if (curve == nullptr) return {};
  internal::AsnObjectPtr oid(OBJ_txt2obj(curve, 0));
  const int len = oid ? i2d_ASN1_OBJECT(oid.get(), nullptr) : 0;
  if (len <= 0) {
    internal::ClearOpenSslErrors();
    return {};
  }
  Bytes out(static_cast<std::size_t>(len));
  std::uint8_t* p = out.data();
  i2d_ASN1_OBJECT(oid.get(), &p);
  return out;
}

Result<KeyAlgorithm> EcAlgorithmFromParameters(ByteView der) {
  for (KeyAlgorithm a : {KeyAlgorithm::kEcP256, KeyAlgorithm::kEcP384, KeyAlgorithm::kEcP521}) {
    if (!der.empty() && EcParametersDer(a) == Bytes(der.begin(), der.end())) return a;
  }
  return InvalidArgument(
      "EC parameters name no supported curve; supported curves are prime256v1, secp384r1 and "
      "secp521r1");
}

std::size_t EcFieldLength(KeyAlgorithm algorithm) {
  switch (algorithm) {
    case KeyAlgorithm::kEcP256:
      return 32;
    case KeyAlgorithm::kEcP384:
      return 48;
    case KeyAlgorithm::kEcP521:
      return 66;
    default:
      return 0;
  }
}

}  // namespace signet::crypto
