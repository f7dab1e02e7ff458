#include "crypto/sign.h"

#include <array>
#include <climits>
#include <cstring>
#include <string>

#include <openssl/core_names.h>

#include "crypto/openssl_util.h"

namespace signet::crypto {

using domain::HashAlgorithm;
using domain::KeyType;
using domain::SignatureScheme;
using domain::SigningAlgorithm;
using internal::OpenSslFailure;

namespace {

constexpr std::size_t kMaxDigest = 64;

Status CheckKeyType(KeyType have, SigningAlgorithm algorithm) {
  const KeyType need = domain::RequiredKeyType(algorithm);
  if (have != need) {
    return InvalidArgument("signing algorithm " +
                           std::string(domain::SigningAlgorithmName(algorithm)) + " needs an " +
                           std::string(domain::KeyTypeName(need)) + " key; this key is " +
                           std::string(domain::KeyTypeName(have)));
  }
  return Ok();
}

// Writes the digest to sign into `buf` (hashing a message) or checks a given digest; returns
// a view of the digest.
Result<ByteView> DigestToSign(HashAlgorithm hash, ByteView data, bool is_digest,
                              std::array<std::uint8_t, kMaxDigest>& buf) {
  const std::size_t need = domain::HashLength(hash);
  if (is_digest) {
    if (data.size() != need) {
      return InvalidArgument("digest is " + std::to_string(data.size()) + " bytes; " +
                             std::string(domain::HashName(hash)) + " needs " +
                             std::to_string(need));
    }
    return data;
  }
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), buf.data(), &len, internal::Md(hash), nullptr) != 1 ||
      len != need) {
    return OpenSslFailure("hashing the message failed");
  }
  return ByteView(buf.data(), need);
}

// Parameters of one signature operation: the hash and, for RSA, padding and PSS settings.
// The strings must outlive the OSSL_PARAM array that points into them.
struct SignParams {
  explicit SignParams(SigningAlgorithm algorithm) {
    std::strncpy(digest, internal::MdName(algorithm.hash), sizeof(digest) - 1);
    int n = 0;
    params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, digest, 0);
    if (algorithm.scheme == SignatureScheme::kRsaPkcs1v15) {
      params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE, pkcs1, 0);
    } else if (algorithm.scheme == SignatureScheme::kRsaPss) {
      params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE, pss, 0);
      params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_DIGEST, digest, 0);
      params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, saltlen, 0);
    }
    params[n] = OSSL_PARAM_construct_end();
  }
  char digest[16] = {};
  char pkcs1[8] = OSSL_PKEY_RSA_PAD_MODE_PKCSV15;
  char pss[8] = OSSL_PKEY_RSA_PAD_MODE_PSS;
  char saltlen[8] = OSSL_PKEY_RSA_PSS_SALT_LEN_DIGEST;
  OSSL_PARAM params[5];
};

// Signing contexts initialised for one key and algorithm, kept per thread and reused: a new
// context fetches the signature implementation and parses its parameters on every call
// (OpenSSL 3), which costs a sign call more than the signature itself for P-256. A context
// holds a reference to its key, so a key's address cannot be reused while it is cached; the
// few entries bound what a thread keeps (the least recently added goes first).
class ThreadSignContexts {
 public:
  EVP_PKEY_CTX* Get(EVP_PKEY* key, SigningAlgorithm algorithm) {
    for (Entry& e : entries_) {
      if (e.ctx && e.key == key && e.algorithm == algorithm) return e.ctx.get();
    }
    internal::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    if (!ctx) return nullptr;
    SignParams params(algorithm);
    if (EVP_PKEY_sign_init_ex(ctx.get(), params.params) != 1) return nullptr;
    Entry& slot = entries_[next_];
    next_ = (next_ + 1) % entries_.size();
    slot = Entry{key, algorithm, std::move(ctx)};
    return slot.ctx.get();
  }
  // Drops a context after a failure, so that the next call starts from a fresh one.
  void Forget(EVP_PKEY_CTX* ctx) {
    for (Entry& e : entries_) {
      if (e.ctx.get() == ctx) e = Entry{};
    }
  }

 private:
  struct Entry {
    EVP_PKEY* key = nullptr;
    SigningAlgorithm algorithm{};
    internal::EvpPkeyCtxPtr ctx;
  };
  std::array<Entry, 4> entries_;
  std::size_t next_ = 0;
};

Result<Bytes> SignDigest(const PrivateKey& key, SigningAlgorithm algorithm, ByteView digest) {
  thread_local ThreadSignContexts contexts;
  EVP_PKEY_CTX* ctx = contexts.Get(key.native(), algorithm);
  if (ctx == nullptr) return OpenSslFailure("initialising the signature failed");
  std::size_t len = key.SignatureSize();
  Bytes signature(len);
  if (EVP_PKEY_sign(ctx, signature.data(), &len, digest.data(), digest.size()) != 1) {
    contexts.Forget(ctx);
    return OpenSslFailure("signing failed");
  }
  signature.resize(len);
  return signature;
}

}  // namespace

Result<Bytes> Sign(const PrivateKey& key, SigningAlgorithm algorithm, ByteView data,
                   bool is_digest) {
  SIGNET_TRY(CheckKeyType(key.type(), algorithm));
  std::array<std::uint8_t, kMaxDigest> buf;
  SIGNET_ASSIGN_OR_RETURN(ByteView digest, DigestToSign(algorithm.hash, data, is_digest, buf));
  return SignDigest(key, algorithm, digest);
}

Status Verify(const PublicKey& key, SigningAlgorithm algorithm, ByteView data, bool is_digest,
              ByteView signature) {
  SIGNET_TRY(CheckKeyType(key.type(), algorithm));
  std::array<std::uint8_t, kMaxDigest> buf;
  SIGNET_ASSIGN_OR_RETURN(ByteView digest, DigestToSign(algorithm.hash, data, is_digest, buf));
  internal::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.native(), nullptr));
  if (!ctx) return OpenSslFailure("EVP_PKEY_CTX_new_from_pkey failed");
  SignParams params(algorithm);
  if (EVP_PKEY_verify_init_ex(ctx.get(), params.params) != 1) {
    return OpenSslFailure("initialising the verification failed");
  }
  if (EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), digest.data(),
                      digest.size()) != 1) {
    internal::ClearOpenSslErrors();
    return InvalidArgument("signature does not verify");
  }
  return Ok();
}

Result<Bytes> EcdsaDerToRaw(ByteView der, std::size_t field_len) {
  if (field_len == 0 || field_len > 66) {
    return InvalidArgument("ECDSA field length is " + std::to_string(field_len) +
                           "; it must be 1..66");
  }
  if (der.empty() || der.size() > static_cast<std::size_t>(LONG_MAX)) {
    return InvalidArgument("ECDSA signature is empty");
  }
  const std::uint8_t* p = der.data();
  internal::EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return OpenSslFailure(ErrorCode::kInvalidArgument, "not a DER ECDSA signature");
  if (p != der.data() + der.size()) return InvalidArgument("ECDSA signature has trailing bytes");
  const BIGNUM* r = ECDSA_SIG_get0_r(sig.get());
  const BIGNUM* s = ECDSA_SIG_get0_s(sig.get());
  Bytes raw(2 * field_len);
  if (BN_bn2binpad(r, raw.data(), static_cast<int>(field_len)) < 0 ||
      BN_bn2binpad(s, raw.data() + field_len, static_cast<int>(field_len)) < 0) {
    internal::ClearOpenSslErrors();
    return InvalidArgument("ECDSA signature value does not fit in " + std::to_string(field_len) +
                           " bytes");
  }
  return raw;
}

Result<Bytes> EcdsaRawToDer(ByteView raw) {
  if (raw.empty() || raw.size() % 2 != 0 || raw.size() > 2 * 66) {
    return InvalidArgument("raw ECDSA signature is " + std::to_string(raw.size()) +
                           " bytes; it must be r||s of equal halves, at most 132 bytes");
  }
  const int half = static_cast<int>(raw.size() / 2);
  internal::BignumPtr r(BN_bin2bn(raw.data(), half, nullptr));
  internal::BignumPtr s(BN_bin2bn(raw.data() + half, half, nullptr));
  internal::EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!r || !s || !sig) return OpenSslFailure("allocating the ECDSA signature failed");
  if (ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    return OpenSslFailure("ECDSA_SIG_set0 failed");
  }
  (void)r.release();  // now owned by sig
  (void)s.release();
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return OpenSslFailure("encoding the ECDSA signature failed");
  Bytes der(static_cast<std::size_t>(len));
  std::uint8_t* p = der.data();
  if (i2d_ECDSA_SIG(sig.get(), &p) != len) {
    return OpenSslFailure("encoding the ECDSA signature failed");
  }
  return der;
}

namespace {

// RFC 8017 §9.2 note 1: DER of DigestInfo up to the digest octets.
constexpr std::array<std::uint8_t, 19> kSha256Prefix = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                                        0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                                        0x01, 0x05, 0x00, 0x04, 0x20};
constexpr std::array<std::uint8_t, 19> kSha384Prefix = {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                                        0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                                        0x02, 0x05, 0x00, 0x04, 0x30};
constexpr std::array<std::uint8_t, 19> kSha512Prefix = {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                                        0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                                        0x03, 0x05, 0x00, 0x04, 0x40};

const std::array<std::uint8_t, 19>& PrefixOf(HashAlgorithm hash) {
  switch (hash) {
    case HashAlgorithm::kSha256:
      return kSha256Prefix;
    case HashAlgorithm::kSha384:
      return kSha384Prefix;
    case HashAlgorithm::kSha512:
      return kSha512Prefix;
  }
  return kSha256Prefix;
}

}  // namespace

Result<Bytes> EncodeDigestInfo(HashAlgorithm hash, ByteView digest) {
  const std::size_t need = domain::HashLength(hash);
  if (digest.size() != need) {
    return InvalidArgument("digest is " + std::to_string(digest.size()) + " bytes; " +
                           std::string(domain::HashName(hash)) + " needs " + std::to_string(need));
  }
  const auto& prefix = PrefixOf(hash);
  Bytes out(prefix.begin(), prefix.end());
  out.insert(out.end(), digest.begin(), digest.end());
  return out;
}

Result<DigestInfo> ParseDigestInfo(ByteView der) {
  for (HashAlgorithm hash :
       {HashAlgorithm::kSha256, HashAlgorithm::kSha384, HashAlgorithm::kSha512}) {
    const auto& prefix = PrefixOf(hash);
    if (der.size() == prefix.size() + domain::HashLength(hash) &&
        std::memcmp(der.data(), prefix.data(), prefix.size()) == 0) {
      const ByteView digest = der.subspan(prefix.size());
      return DigestInfo{hash, Bytes(digest.begin(), digest.end())};
    }
  }
  return InvalidArgument("input is " + std::to_string(der.size()) +
                         " bytes and not a DigestInfo for SHA-256, SHA-384 or SHA-512");
}

Result<Bytes> SignRsaPkcs1DigestInfo(const PrivateKey& key, ByteView digest_info) {
  SIGNET_ASSIGN_OR_RETURN(DigestInfo info, ParseDigestInfo(digest_info));
  return Sign(key, SigningAlgorithm{SignatureScheme::kRsaPkcs1v15, info.hash}, info.digest, true);
}

}  // namespace signet::crypto
