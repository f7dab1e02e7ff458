#pragma once
// Internal to crypto/: unique_ptr handles for OpenSSL types and the error-queue helper.
// Other modules never include this header (they never see OpenSSL).

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/bytes.h"
#include "common/result.h"
#include "domain/algorithms.h"

namespace signet::crypto::internal {

template <class T, void (*Free)(T*)>
struct FreeFn {
  void operator()(T* p) const { Free(p); }
};

using BioPtr = std::unique_ptr<BIO, FreeFn<BIO, BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, FreeFn<BIGNUM, BN_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, FreeFn<ECDSA_SIG, ECDSA_SIG_free>>;
using EvpCipherCtxPtr =
    std::unique_ptr<EVP_CIPHER_CTX, FreeFn<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>>;
using EvpKdfPtr = std::unique_ptr<EVP_KDF, FreeFn<EVP_KDF, EVP_KDF_free>>;
using EvpKdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, FreeFn<EVP_KDF_CTX, EVP_KDF_CTX_free>>;
using EvpMacCtxPtr = std::unique_ptr<EVP_MAC_CTX, FreeFn<EVP_MAC_CTX, EVP_MAC_CTX_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, FreeFn<EVP_MD_CTX, EVP_MD_CTX_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, FreeFn<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, FreeFn<EVP_PKEY, EVP_PKEY_free>>;
using Pkcs12Ptr = std::unique_ptr<PKCS12, FreeFn<PKCS12, PKCS12_free>>;
using Pkcs8Ptr =
    std::unique_ptr<PKCS8_PRIV_KEY_INFO, FreeFn<PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free>>;
using X509ExtensionPtr =
    std::unique_ptr<X509_EXTENSION, FreeFn<X509_EXTENSION, X509_EXTENSION_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, FreeFn<X509_NAME, X509_NAME_free>>;
using X509Ptr = std::unique_ptr<X509, FreeFn<X509, X509_free>>;
using X509ReqPtr = std::unique_ptr<X509_REQ, FreeFn<X509_REQ, X509_REQ_free>>;
using AsnIntegerPtr = std::unique_ptr<ASN1_INTEGER, FreeFn<ASN1_INTEGER, ASN1_INTEGER_free>>;
using AsnObjectPtr = std::unique_ptr<ASN1_OBJECT, FreeFn<ASN1_OBJECT, ASN1_OBJECT_free>>;
using EkuPtr =
    std::unique_ptr<EXTENDED_KEY_USAGE, FreeFn<EXTENDED_KEY_USAGE, EXTENDED_KEY_USAGE_free>>;

// Memory that OpenSSL allocated with OPENSSL_malloc (OPENSSL_free is a macro).
struct OpenSslFree {
  void operator()(void* p) const { OPENSSL_free(p); }
};
template <class T>
using OpenSslPtr = std::unique_ptr<T, OpenSslFree>;

// A STACK_OF(X509) and the certificates in it.
struct X509StackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackFree>;

// Builds an Error from `what` and every entry of this thread's OpenSSL error queue, which it
// empties: "what: error:1E08010C:DECODER routines::unsupported; ...".
Error OpenSslError(ErrorCode code, std::string_view what);
inline Error OpenSslError(std::string_view what) {
  return OpenSslError(ErrorCode::kInternal, what);
}
inline tl::unexpected<Error> OpenSslFailure(ErrorCode code, std::string_view what) {
  return tl::unexpected<Error>(OpenSslError(code, what));
}
inline tl::unexpected<Error> OpenSslFailure(std::string_view what) {
  return tl::unexpected<Error>(OpenSslError(what));
}

// Empties the error queue without reporting (after an expected failure).
void ClearOpenSslErrors();

// The message digest of a hash, fetched once per process. Never null.
const EVP_MD* Md(domain::HashAlgorithm hash);
// OpenSSL's name of a hash: "SHA256", "SHA384", "SHA512".
const char* MdName(domain::HashAlgorithm hash);

// The hash of a digest algorithm's NID, for SHA-256/384/512; nullopt for any other.
std::optional<domain::HashAlgorithm> HashOfNid(int nid);

// A name in RFC 2253 order and escaping, UTF-8 left readable ("CN=Build,O=Example").
std::string NameToString(const X509_NAME* name);

// A memory BIO reading `data` (not copied; `data` must outlive the BIO).
BioPtr ReadBio(std::string_view data);
// The contents of a memory BIO.
std::string BioToString(BIO* bio);

}  // namespace signet::crypto::internal
