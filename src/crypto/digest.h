#pragma once
// Message digests (SHA-256/384/512). One-shot functions and a streaming Hasher.
// Thread-safe: the free functions may run concurrently; a Hasher is used by one thread at a time.

#include <memory>

#include "common/bytes.h"
#include "common/result.h"
#include "domain/algorithms.h"

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX, opaque outside crypto/.

namespace signet::crypto {

// The digest of `data` (HashLength(hash) bytes). These cannot fail short of the process
// running out of memory; then they log the OpenSSL error and return an empty vector.
Bytes Digest(domain::HashAlgorithm hash, ByteView data);
Bytes Sha256(ByteView data);

// Streaming digest: Create, any number of Update calls, one Finish. Move-only.
class Hasher {
 public:
  [[nodiscard]] static Result<Hasher> Create(domain::HashAlgorithm hash);

  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  ~Hasher();

  // FailedPrecondition after Finish.
  [[nodiscard]] Status Update(ByteView data);
  // The digest of everything passed to Update. FailedPrecondition when called twice.
  [[nodiscard]] Result<Bytes> Finish();

  domain::HashAlgorithm hash() const { return hash_; }

 private:
  struct CtxFree {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  Hasher(domain::HashAlgorithm hash, std::unique_ptr<evp_md_ctx_st, CtxFree> ctx);

  domain::HashAlgorithm hash_;
  std::unique_ptr<evp_md_ctx_st, CtxFree> ctx_;
  bool finished_ = false;
};

}  // namespace signet::crypto
