#include "crypto/ed25519.h"

#include <memory>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "crypto/openssl_util.h"

namespace signet::crypto {
namespace {

using internal::ClearOpenSslErrors;
using internal::OpenSslFailure;

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

Result<PkeyPtr> PrivateFromSeed(ByteView seed) {
  if (seed.size() != kEd25519KeyLength) {
    return InvalidArgument("an Ed25519 seed is 32 bytes, not " + std::to_string(seed.size()));
  }
  PkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()),
              &EVP_PKEY_free);
  if (!key) return OpenSslFailure("Ed25519 private key");
  return key;
}

Result<PkeyPtr> PublicFromRaw(ByteView public_key) {
  if (public_key.size() != kEd25519KeyLength) {
    return InvalidArgument("an Ed25519 public key is 32 bytes, not " +
                           std::to_string(public_key.size()));
  }
  PkeyPtr key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(), public_key.size()),
      &EVP_PKEY_free);
  if (!key) return OpenSslFailure(ErrorCode::kInvalidArgument, "Ed25519 public key");
  return key;
}

}  // namespace

Result<Bytes> Ed25519PublicKey(ByteView seed) {
  SIGNET_ASSIGN_OR_RETURN(PkeyPtr key, PrivateFromSeed(seed));
  Bytes out(kEd25519KeyLength);
  std::size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), out.data(), &len) != 1 || len != out.size()) {
    return OpenSslFailure("Ed25519 public key");
  }
  return out;
}

Result<Bytes> Ed25519Sign(ByteView seed, ByteView message) {
  SIGNET_ASSIGN_OR_RETURN(PkeyPtr key, PrivateFromSeed(seed));
  MdCtxPtr ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    return OpenSslFailure("Ed25519 sign");
  }
  Bytes sig(kEd25519SignatureLength);
  std::size_t len = sig.size();
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1 ||
      len != sig.size()) {
    return OpenSslFailure("Ed25519 sign");
  }
  return sig;
}

Status Ed25519Verify(ByteView public_key, ByteView message, ByteView signature) {
  SIGNET_ASSIGN_OR_RETURN(PkeyPtr key, PublicFromRaw(public_key));
  if (signature.size() != kEd25519SignatureLength) {
    return InvalidArgument("an Ed25519 signature is 64 bytes, not " +
                           std::to_string(signature.size()));
  }
  MdCtxPtr ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    return OpenSslFailure("Ed25519 verify");
  }
  if (EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                       message.size()) != 1) {
    ClearOpenSslErrors();
    return InvalidArgument("signature does not verify");
  }
  return Ok();
}

Result<std::string> Ed25519PublicKeyPem(ByteView public_key) {
  SIGNET_ASSIGN_OR_RETURN(PkeyPtr key, PublicFromRaw(public_key));
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key.get()) != 1)
    return OpenSslFailure("PEM public key");
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace signet::crypto
