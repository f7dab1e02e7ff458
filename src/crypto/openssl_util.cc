#include "crypto/openssl_util.h"

#include <array>
#include <string>

#include <openssl/err.h>

namespace signet::crypto::internal {

Error OpenSslError(ErrorCode code, std::string_view what) {
  std::string message(what);
  bool first = true;
  while (unsigned long e = ERR_get_error()) {
    std::array<char, 256> buf{};
    ERR_error_string_n(e, buf.data(), buf.size());
    message += first ? ": " : "; ";
    message += buf.data();
    first = false;
  }
  return Error{code, std::move(message)};
}

void ClearOpenSslErrors() { ERR_clear_error(); }

const char* MdName(domain::HashAlgorithm hash) {
  switch (hash) {
    case domain::HashAlgorithm::kSha256:
      return "SHA256";
    case domain::HashAlgorithm::kSha384:
      return "SHA384";
    case domain::HashAlgorithm::kSha512:
      return "SHA512";
  }
  return "SHA256";
}

namespace {

struct FetchedMds {
  // Fetching once avoids the method-store lookup on every call; the objects live for the
  // whole process, like the default provider that owns their implementation.
  FetchedMds()
      : sha256(EVP_MD_fetch(nullptr, "SHA256", nullptr)),
        sha384(EVP_MD_fetch(nullptr, "SHA384", nullptr)),
        sha512(EVP_MD_fetch(nullptr, "SHA512", nullptr)) {}
  const EVP_MD* sha256;
  const EVP_MD* sha384;
  const EVP_MD* sha512;
};

}  // namespace

const EVP_MD* Md(domain::HashAlgorithm hash) {
  static const FetchedMds mds;
  switch (hash) {
    case domain::HashAlgorithm::kSha256:
      return mds.sha256 ? mds.sha256 : EVP_sha256();
    case domain::HashAlgorithm::kSha384:
      return mds.sha384 ? mds.sha384 : EVP_sha384();
    case domain::HashAlgorithm::kSha512:
      return mds.sha512 ? mds.sha512 : EVP_sha512();
  }
  return EVP_sha256();
}

std::optional<domain::HashAlgorithm> HashOfNid(int nid) {
  switch (nid) {
    case NID_sha256:
      return domain::HashAlgorithm::kSha256;
    case NID_sha384:
      return domain::HashAlgorithm::kSha384;
    case NID_sha512:
      return domain::HashAlgorithm::kSha512;
    default:
      return std::nullopt;
  }
}

std::string NameToString(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return {};
  // RFC 2253 order and escaping, but UTF-8 left readable.
  if (X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
    ClearOpenSslErrors();
    return {};
  }
  return BioToString(bio.get());
}

BioPtr ReadBio(std::string_view data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  if (len <= 0 || data == nullptr) return {};
  return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace signet::crypto::internal
