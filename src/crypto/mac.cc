#include "crypto/mac.h"

#include <string>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/log.h"
#include "crypto/openssl_util.h"

namespace signet::crypto {

namespace {

// HMAC-SHA256 through a context fetched and configured once per thread: the one-shot HMAC()
// fetches the HMAC implementation and SHA-256 on every call (OpenSSL 3), which the audit
// chain paid once per record. Null when the provider lacks them (HMAC() is used then).
EVP_MAC_CTX* ThreadHmacSha256() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  thread_local internal::EvpMacCtxPtr ctx = [] {
    internal::EvpMacCtxPtr c(mac != nullptr ? EVP_MAC_CTX_new(mac) : nullptr);
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    if (c && EVP_MAC_CTX_set_params(c.get(), params) != 1) {
      internal::ClearOpenSslErrors();
      c.reset();
    }
    return c;
  }();
  return ctx.get();
}

}  // namespace

Bytes HmacSha256(ByteView key, ByteView data) {
  Bytes out(kHmacSha256Length);
  // HMAC() treats a null key as "reuse the previous key"; an empty key needs a non-null pointer.
  static const std::uint8_t kEmpty = 0;
  const std::uint8_t* key_data = key.empty() ? &kEmpty : key.data();
  const std::uint8_t* data_ptr = data.empty() ? &kEmpty : data.data();
  if (EVP_MAC_CTX* ctx = ThreadHmacSha256(); ctx != nullptr) {
    std::size_t len = 0;
    if (EVP_MAC_init(ctx, key_data, key.size(), nullptr) == 1 &&
        EVP_MAC_update(ctx, data_ptr, data.size()) == 1 &&
        EVP_MAC_final(ctx, out.data(), &len, out.size()) == 1 && len == out.size()) {
      return out;
    }
    log::Error(internal::OpenSslError("HMAC-SHA256 failed").message);
    return {};
  }
  unsigned int len = 0;
  if (HMAC(internal::Md(domain::HashAlgorithm::kSha256), key_data, static_cast<int>(key.size()),
           data_ptr, data.size(), out.data(), &len) == nullptr ||
      len != out.size()) {
    log::Error(internal::OpenSslError("HMAC-SHA256 failed").message);
    return {};
  }
  return out;
}

Bytes HmacSha1(ByteView key, ByteView data) {
  Bytes out(20);
  unsigned int len = 0;
  static const std::uint8_t kEmpty = 0;
  const std::uint8_t* key_data = key.empty() ? &kEmpty : key.data();
  const std::uint8_t* data_ptr = data.empty() ? &kEmpty : data.data();
  if (HMAC(EVP_sha1(), key_data, static_cast<int>(key.size()), data_ptr, data.size(), out.data(),
           &len) == nullptr ||
      len != out.size()) {
    log::Error(internal::OpenSslError("HMAC-SHA1 failed").message);
    return {};
  }
  return out;
}

Result<SecretBytes> HkdfSha256(ByteView ikm, ByteView salt, std::string_view info,
                               std::size_t length) {
  constexpr std::size_t kMax = 255 * 32;
  if (length == 0 || length > kMax) {
    return InvalidArgument("HKDF output length is " + std::to_string(length) + "; it must be 1.." +
                           std::to_string(kMax));
  }
  static EVP_KDF* const kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (kdf == nullptr) return internal::OpenSslFailure("EVP_KDF_fetch(HKDF) failed");
  internal::EvpKdfCtxPtr ctx(EVP_KDF_CTX_new(kdf));
  if (!ctx) return internal::OpenSslFailure("EVP_KDF_CTX_new failed");

  char digest[] = "SHA256";
  static std::uint8_t kEmpty = 0;
  OSSL_PARAM params[5];
  int n = 0;
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[n++] = OSSL_PARAM_construct_octet_string(
      OSSL_KDF_PARAM_KEY, ikm.empty() ? &kEmpty : const_cast<std::uint8_t*>(ikm.data()),
      ikm.size());
  if (!salt.empty()) {
    params[n++] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_SALT, const_cast<std::uint8_t*>(salt.data()), salt.size());
  }
  if (!info.empty()) {
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
                                                    const_cast<char*>(info.data()), info.size());
  }
  params[n] = OSSL_PARAM_construct_end();

  SecretBytes out(length);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    return internal::OpenSslFailure("HKDF-SHA256 failed");
  }
  return out;
}

}  // namespace signet::crypto
