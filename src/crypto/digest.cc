#include "crypto/digest.h"

#include <string>

#include "common/log.h"
#include "crypto/openssl_util.h"

namespace signet::crypto {

Bytes Digest(domain::HashAlgorithm hash, ByteView data) {
  Bytes out(domain::HashLength(hash));
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, internal::Md(hash), nullptr) != 1 ||
      len != out.size()) {
    log::Error(internal::OpenSslError("EVP_Digest failed").message);
    return {};
  }
  return out;
}

Bytes Sha256(ByteView data) { return Digest(domain::HashAlgorithm::kSha256, data); }

void Hasher::CtxFree::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

Hasher::Hasher(domain::HashAlgorithm hash, std::unique_ptr<evp_md_ctx_st, CtxFree> ctx)
    : hash_(hash), ctx_(std::move(ctx)) {}
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;
Hasher::~Hasher() = default;

Result<Hasher> Hasher::Create(domain::HashAlgorithm hash) {
  std::unique_ptr<evp_md_ctx_st, CtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx) return internal::OpenSslFailure("EVP_MD_CTX_new failed");
  if (EVP_DigestInit_ex2(ctx.get(), internal::Md(hash), nullptr) != 1) {
    return internal::OpenSslFailure("EVP_DigestInit_ex2 failed");
  }
  return Hasher(hash, std::move(ctx));
}

Status Hasher::Update(ByteView data) {
  if (finished_ || !ctx_) return FailedPrecondition("hasher already finished");
  if (data.empty()) return Ok();
  if (EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1) {
    return internal::OpenSslFailure("EVP_DigestUpdate failed");
  }
  return Ok();
}

Result<Bytes> Hasher::Finish() {
  if (finished_ || !ctx_) return FailedPrecondition("hasher already finished");
  finished_ = true;
  Bytes out(domain::HashLength(hash_));
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), out.data(), &len) != 1 || len != out.size()) {
    return internal::OpenSslFailure("EVP_DigestFinal_ex failed");
  }
  return out;
}

}  // namespace signet::crypto
