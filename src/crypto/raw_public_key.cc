#include "crypto/raw_public_key.h"

#include <bit>

#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include "crypto/openssl_util.h"

namespace signet::crypto {
namespace {

using internal::OpenSslFailure;

struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};

ByteView StripLeadingZeros(ByteView v) {
  std::size_t i = 0;
  while (i < v.size() && v[i] == 0) ++i;
  return v.subspan(i);
}

// A public key of `type` ("RSA", "EC") from `params`, checked.
Result<PublicKey> FromParams(const char* type, OSSL_PARAM* params) {
  internal::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx) return OpenSslFailure("EVP_PKEY_CTX_new_from_name failed");
  if (EVP_PKEY_fromdata_init(ctx.get()) != 1)
    return OpenSslFailure("EVP_PKEY_fromdata_init failed");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    return OpenSslFailure(ErrorCode::kInvalidArgument,
                          std::string("not a valid ") + type + " public key");
  }
  internal::EvpPkeyPtr pkey(raw);
  internal::EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (!check) return OpenSslFailure("EVP_PKEY_CTX_new_from_pkey failed");
  if (EVP_PKEY_public_check(check.get()) != 1) {
    return OpenSslFailure(ErrorCode::kInvalidArgument,
                          std::string("not a valid ") + type + " public key");
  }
  return AdoptPublicKey(pkey.release());
}

}  // namespace

Result<PublicKey> RsaPublicKeyFromComponents(ByteView n_in, ByteView e_in) {
  const ByteView n = StripLeadingZeros(n_in);
  const ByteView e = StripLeadingZeros(e_in);
  const std::size_t bits =
      n.empty() ? 0 : (n.size() - 1) * 8 + static_cast<std::size_t>(std::bit_width(unsigned{n[0]}));
  if (bits < static_cast<std::size_t>(kMinRsaPublicBits) ||
      bits > static_cast<std::size_t>(kMaxRsaPublicBits)) {
    return InvalidArgument("RSA modulus has " + std::to_string(bits) + " bits; it must have " +
                           std::to_string(kMinRsaPublicBits) + " to " +
                           std::to_string(kMaxRsaPublicBits));
  }
  if (e.empty() || e.size() > 8 || (e.back() & 1) == 0 || (e.size() == 1 && e[0] < 3)) {
    return InvalidArgument("RSA public exponent must be odd, at least 3 and at most 8 bytes");
  }
  internal::BignumPtr bn_n(BN_bin2bn(n.data(), static_cast<int>(n.size()), nullptr));
  internal::BignumPtr bn_e(BN_bin2bn(e.data(), static_cast<int>(e.size()), nullptr));
  if (!bn_n || !bn_e) return OpenSslFailure("BN_bin2bn failed");
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return OpenSslFailure("building the RSA key parameters failed");
  }
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) return OpenSslFailure("building the RSA key parameters failed");
  return FromParams("RSA", params.get());
}

Result<PublicKey> EcP256PublicKeyFromCoordinates(ByteView x, ByteView y) {
  if (x.size() != 32 || y.size() != 32) {
    return InvalidArgument("P-256 coordinates must be 32 bytes each; got " +
                           std::to_string(x.size()) + " and " + std::to_string(y.size()));
  }
  Bytes point;
  point.reserve(65);
  point.push_back(0x04);  // uncompressed (SEC 1 §2.3.3)
  point.insert(point.end(), x.begin(), x.end());
  point.insert(point.end(), y.begin(), y.end());
  char group[] = "prime256v1";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
      OSSL_PARAM_construct_end(),
  };
  return FromParams("EC", params);
}

}  // namespace signet::crypto
