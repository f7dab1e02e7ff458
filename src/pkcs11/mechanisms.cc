#include "pkcs11/mechanisms.h"

#include <array>

namespace signet::pkcs11 {
namespace {

using domain::HashAlgorithm;
using domain::KeyType;
using domain::SignatureScheme;

constexpr std::array<CK_MECHANISM_TYPE, 8> kRsaMechanisms = {
    CKM_RSA_PKCS,     CKM_SHA256_RSA_PKCS,     CKM_SHA384_RSA_PKCS,     CKM_SHA512_RSA_PKCS,
    CKM_RSA_PKCS_PSS, CKM_SHA256_RSA_PKCS_PSS, CKM_SHA384_RSA_PKCS_PSS, CKM_SHA512_RSA_PKCS_PSS};
constexpr std::array<CK_MECHANISM_TYPE, 4> kEcMechanisms = {CKM_ECDSA, CKM_ECDSA_SHA256,
                                                            CKM_ECDSA_SHA384, CKM_ECDSA_SHA512};

struct Entry {
  CK_MECHANISM_TYPE mechanism;
  KeyType key_type;
  SignatureScheme scheme;
  InputKind input;
  std::optional<HashAlgorithm> hash;
  std::string_view name;
};

constexpr std::array<Entry, 12> kTable = {{
    {CKM_RSA_PKCS, KeyType::kRsa, SignatureScheme::kRsaPkcs1v15, InputKind::kDigestInfo,
     std::nullopt, "CKM_RSA_PKCS"},
    {CKM_SHA256_RSA_PKCS, KeyType::kRsa, SignatureScheme::kRsaPkcs1v15, InputKind::kHashHere,
     HashAlgorithm::kSha256, "CKM_SHA256_RSA_PKCS"},
    {CKM_SHA384_RSA_PKCS, KeyType::kRsa, SignatureScheme::kRsaPkcs1v15, InputKind::kHashHere,
     HashAlgorithm::kSha384, "CKM_SHA384_RSA_PKCS"},
    {CKM_SHA512_RSA_PKCS, KeyType::kRsa, SignatureScheme::kRsaPkcs1v15, InputKind::kHashHere,
     HashAlgorithm::kSha512, "CKM_SHA512_RSA_PKCS"},
    {CKM_RSA_PKCS_PSS, KeyType::kRsa, SignatureScheme::kRsaPss, InputKind::kDigest, std::nullopt,
     "CKM_RSA_PKCS_PSS"},
    {CKM_SHA256_RSA_PKCS_PSS, KeyType::kRsa, SignatureScheme::kRsaPss, InputKind::kHashHere,
     HashAlgorithm::kSha256, "CKM_SHA256_RSA_PKCS_PSS"},
    {CKM_SHA384_RSA_PKCS_PSS, KeyType::kRsa, SignatureScheme::kRsaPss, InputKind::kHashHere,
     HashAlgorithm::kSha384, "CKM_SHA384_RSA_PKCS_PSS"},
    {CKM_SHA512_RSA_PKCS_PSS, KeyType::kRsa, SignatureScheme::kRsaPss, InputKind::kHashHere,
     HashAlgorithm::kSha512, "CKM_SHA512_RSA_PKCS_PSS"},
    {CKM_ECDSA, KeyType::kEc, SignatureScheme::kEcdsa, InputKind::kDigest, std::nullopt,
     "CKM_ECDSA"},
    {CKM_ECDSA_SHA256, KeyType::kEc, SignatureScheme::kEcdsa, InputKind::kHashHere,
     HashAlgorithm::kSha256, "CKM_ECDSA_SHA256"},
    {CKM_ECDSA_SHA384, KeyType::kEc, SignatureScheme::kEcdsa, InputKind::kHashHere,
     HashAlgorithm::kSha384, "CKM_ECDSA_SHA384"},
    {CKM_ECDSA_SHA512, KeyType::kEc, SignatureScheme::kEcdsa, InputKind::kHashHere,
     HashAlgorithm::kSha512, "CKM_ECDSA_SHA512"},
}};

const Entry* Find(CK_MECHANISM_TYPE mechanism) {
  for (const Entry& e : kTable) {
    if (e.mechanism == mechanism) return &e;
  }
  return nullptr;
}

std::optional<HashAlgorithm> HashFromCkm(CK_MECHANISM_TYPE m) {
  switch (m) {
    case CKM_SHA256:
      return HashAlgorithm::kSha256;
    case CKM_SHA384:
      return HashAlgorithm::kSha384;
    case CKM_SHA512:
      return HashAlgorithm::kSha512;
    default:
      return std::nullopt;
  }
}

CK_RSA_PKCS_MGF_TYPE MgfFor(HashAlgorithm h) {
  switch (h) {
    case HashAlgorithm::kSha256:
      return CKG_MGF1_SHA256;
    case HashAlgorithm::kSha384:
      return CKG_MGF1_SHA384;
    case HashAlgorithm::kSha512:
      return CKG_MGF1_SHA512;
  }
  return CKG_MGF1_SHA256;
}

}  // namespace

std::span<const CK_MECHANISM_TYPE> MechanismsFor(KeyType type) {
  if (type == KeyType::kRsa) return kRsaMechanisms;
  return kEcMechanisms;
}

CkResult<CK_MECHANISM_INFO> MechanismInfo(KeyType type, CK_MECHANISM_TYPE mechanism) {
  const Entry* e = Find(mechanism);
  if (e == nullptr || e->key_type != type) return CkError(CKR_MECHANISM_INVALID);
  CK_MECHANISM_INFO info{};
  info.flags = CKF_HW | CKF_SIGN;
  if (type == KeyType::kRsa) {
    info.ulMinKeySize = 2048;
    info.ulMaxKeySize = 4096;
  } else {
    info.ulMinKeySize = 256;
    info.ulMaxKeySize = 521;
    info.flags |= CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS;
  }
  return info;
}

CkResult<SignPlan> PlanSign(const CK_MECHANISM& mechanism, KeyType key_type) {
  const Entry* e = Find(mechanism.mechanism);
  if (e == nullptr) return CkError(CKR_MECHANISM_INVALID);
  if (e->key_type != key_type) return CkError(CKR_KEY_TYPE_INCONSISTENT);
  SignPlan plan{e->mechanism, e->scheme, e->input, e->hash};
  if (e->scheme != SignatureScheme::kRsaPss) {
    if (mechanism.pParameter != nullptr || mechanism.ulParameterLen != 0) {
      return CkError(CKR_MECHANISM_PARAM_INVALID);
    }
    return plan;
  }
  // PSS: the server uses MGF1 with the signature's hash and a salt as long as the hash.
  if (mechanism.pParameter == nullptr ||
      mechanism.ulParameterLen != sizeof(CK_RSA_PKCS_PSS_PARAMS)) {
    return CkError(CKR_MECHANISM_PARAM_INVALID);
  }
  const auto* params = static_cast<const CK_RSA_PKCS_PSS_PARAMS*>(mechanism.pParameter);
  const std::optional<HashAlgorithm> hash = HashFromCkm(params->hashAlg);
  if (!hash || (e->hash && *e->hash != *hash) || params->mgf != MgfFor(*hash) ||
      params->sLen != domain::HashLength(*hash)) {
    return CkError(CKR_MECHANISM_PARAM_INVALID);
  }
  plan.hash = hash;
  return plan;
}

CkResult<HashAlgorithm> HashForDigestLength(std::size_t digest_len) {
  switch (digest_len) {
    case 32:
      return HashAlgorithm::kSha256;
    case 48:
      return HashAlgorithm::kSha384;
    case 64:
      return HashAlgorithm::kSha512;
    default:
      return CkError(CKR_DATA_LEN_RANGE);
  }
}

std::string_view MechanismName(CK_MECHANISM_TYPE mechanism) {
  const Entry* e = Find(mechanism);
  return e == nullptr ? std::string_view("unknown mechanism") : e->name;
}

}  // namespace signet::pkcs11
