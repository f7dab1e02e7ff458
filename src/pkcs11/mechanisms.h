#pragma once
// The signing mechanisms per key type (SPEC §8) and how each turns PKCS#11 input into the
// digest that travels to the server:
//   RSA  CKM_RSA_PKCS            input: a DigestInfo for SHA-256/384/512
//        CKM_SHA{256,384,512}_RSA_PKCS         input: the data, hashed here
//        CKM_RSA_PKCS_PSS        input: a digest; CK_RSA_PKCS_PSS_PARAMS checked
//        CKM_SHA{256,384,512}_RSA_PKCS_PSS     input: the data; parameters checked
//   EC   CKM_ECDSA               input: a 32-, 48- or 64-byte digest
//        CKM_ECDSA_SHA{256,384,512}            input: the data, hashed here
// Pure functions.

#include <optional>
#include <span>
#include <string_view>

#include "common/bytes.h"
#include "domain/algorithms.h"
#include "pkcs11/cryptoki.h"

namespace signet::pkcs11 {

// What C_Sign* does with its input for one mechanism.
enum class InputKind {
  kHashHere,    // the data: hashed in the module with `hash`
  kDigestInfo,  // a DigestInfo (CKM_RSA_PKCS); the hash comes from it
  kDigest,      // a digest of a fixed length (PSS: from the parameters) or 32/48/64 (ECDSA)
};

struct SignPlan {
  CK_MECHANISM_TYPE mechanism = 0;
  domain::SignatureScheme scheme = domain::SignatureScheme::kRsaPkcs1v15;
  InputKind input = InputKind::kHashHere;
  // kHashHere: the hash; kDigest for PSS: the hash the parameters name. Unset for
  // kDigestInfo and raw ECDSA, where the input decides.
  std::optional<domain::HashAlgorithm> hash;
};

// The mechanisms offered for a key type, in the order C_GetMechanismList returns them.
std::span<const CK_MECHANISM_TYPE> MechanismsFor(domain::KeyType type);

// C_GetMechanismInfo: key sizes in bits and flags; CKR_MECHANISM_INVALID when `type` is not
// offered for the key type.
CkResult<CK_MECHANISM_INFO> MechanismInfo(domain::KeyType type, CK_MECHANISM_TYPE mechanism);

// C_SignInit: CKR_MECHANISM_INVALID for an unknown mechanism, CKR_KEY_TYPE_INCONSISTENT for a
// mechanism of the other key type, CKR_MECHANISM_PARAM_INVALID for parameters that are
// present where none belong, or PSS parameters whose hash, MGF or salt length (must equal the
// hash length) differ from what the server does.
CkResult<SignPlan> PlanSign(const CK_MECHANISM& mechanism, domain::KeyType key_type);

// For kDigest input of raw ECDSA: the hash whose length `digest_len` is (CKR_DATA_LEN_RANGE
// otherwise).
CkResult<domain::HashAlgorithm> HashForDigestLength(std::size_t digest_len);

std::string_view MechanismName(CK_MECHANISM_TYPE mechanism);

}  // namespace signet::pkcs11
