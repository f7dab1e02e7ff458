#include "crypto/aead.h"

#include <climits>
#include <string>

#include "crypto/openssl_util.h"
#include "crypto/random.h"

namespace signet::crypto {
namespace {

const EVP_CIPHER* Aes256Gcm() {
  static const EVP_CIPHER* const cipher = [] {
    const EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
    return c != nullptr ? c : EVP_aes_256_gcm();
  }();
  return cipher;
}

Status CheckKey(ByteView key) {
  if (key.size() != kAeadKeyLength) {
    return InvalidArgument("AEAD key is " + std::to_string(key.size()) +
                           " bytes; AES-256-GCM needs 32");
  }
  return Ok();
}

Status CheckLength(std::size_t n, const char* what) {
  if (n > static_cast<std::size_t>(INT_MAX) - kAeadOverhead) {
    return InvalidArgument(std::string(what) + " is " + std::to_string(n) + " bytes; too large");
  }
  return Ok();
}

}  // namespace

Result<Bytes> AeadSeal(ByteView key, ByteView plaintext, ByteView aad) {
  SIGNET_TRY(CheckKey(key));
  SIGNET_TRY(CheckLength(plaintext.size(), "plaintext"));
  SIGNET_TRY(CheckLength(aad.size(), "associated data"));
  Bytes out(kAeadNonceLength + plaintext.size() + kAeadTagLength);
  SIGNET_TRY(FillRandom(out.data(), kAeadNonceLength));

  internal::EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return internal::OpenSslFailure("EVP_CIPHER_CTX_new failed");
  if (EVP_EncryptInit_ex2(ctx.get(), Aes256Gcm(), key.data(), out.data(), nullptr) != 1) {
    return internal::OpenSslFailure("AES-256-GCM init failed");
  }
  int len = 0;
  if (!aad.empty() &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) {
    return internal::OpenSslFailure("AES-256-GCM aad failed");
  }
  std::uint8_t* ct = out.data() + kAeadNonceLength;
  int written = 0;
  if (!plaintext.empty()) {
    if (EVP_EncryptUpdate(ctx.get(), ct, &len, plaintext.data(),
                          static_cast<int>(plaintext.size())) != 1) {
      return internal::OpenSslFailure("AES-256-GCM encrypt failed");
    }
    written = len;
  }
  if (EVP_EncryptFinal_ex(ctx.get(), ct + written, &len) != 1) {
    return internal::OpenSslFailure("AES-256-GCM final failed");
  }
  written += len;
  if (static_cast<std::size_t>(written) != plaintext.size()) {
    return Internal("AES-256-GCM wrote an unexpected length");
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kAeadTagLength),
                          ct + written) != 1) {
    return internal::OpenSslFailure("AES-256-GCM tag failed");
  }
  return out;
}

Result<SecretBytes> AeadOpen(ByteView key, ByteView sealed, ByteView aad) {
  SIGNET_TRY(CheckKey(key));
  if (sealed.size() < kAeadOverhead) {
    return InvalidArgument("sealed data is " + std::to_string(sealed.size()) +
                           " bytes; the minimum is " + std::to_string(kAeadOverhead));
  }
  SIGNET_TRY(CheckLength(sealed.size(), "sealed data"));
  SIGNET_TRY(CheckLength(aad.size(), "associated data"));
  const std::uint8_t* nonce = sealed.data();
  const std::size_t ct_len = sealed.size() - kAeadOverhead;
  const std::uint8_t* ct = nonce + kAeadNonceLength;
  const std::uint8_t* tag = ct + ct_len;

  internal::EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return internal::OpenSslFailure("EVP_CIPHER_CTX_new failed");
  if (EVP_DecryptInit_ex2(ctx.get(), Aes256Gcm(), key.data(), nonce, nullptr) != 1) {
    return internal::OpenSslFailure("AES-256-GCM init failed");
  }
  int len = 0;
  if (!aad.empty() &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) {
    return internal::OpenSslFailure("AES-256-GCM aad failed");
  }
  SecretBytes out(ct_len);
  int written = 0;
  if (ct_len > 0) {
    if (EVP_DecryptUpdate(ctx.get(), out.data(), &len, ct, static_cast<int>(ct_len)) != 1) {
      return internal::OpenSslFailure("AES-256-GCM decrypt failed");
    }
    written = len;
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kAeadTagLength),
                          const_cast<std::uint8_t*>(tag)) != 1) {
    return internal::OpenSslFailure("AES-256-GCM set tag failed");
  }
  // `out` is wiped by its destructor when the tag does not verify.
  if (EVP_DecryptFinal_ex(ctx.get(), out.data() + written, &len) != 1) {
    internal::ClearOpenSslErrors();
    return InvalidArgument("decryption failed: wrong key or tampered data");
  }
  return out;
}

}  // namespace signet::crypto
