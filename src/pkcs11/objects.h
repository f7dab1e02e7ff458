#pragma once
// The objects of one signer's token (SPEC §8) and PKCS#11 attribute access over them:
//   0  the private key   (CKA_SENSITIVE, never extractable, CKA_SIGN; public values readable)
//   1  the public key
//   2  the signer's certificate (label = signer name)
//   3… each issuer certificate of the chain, nearest first (label = its common name)
// The two keys and the signer's certificate share CKA_ID (the signer's id, 16 bytes), so a
// tool that pairs a key with "the certificate with the same id" finds the signer's
// certificate. Each issuer certificate is CKA_TRUSTED and has its subject key identifier as
// CKA_ID (the first 16 bytes of SHA-256 of its DER when it has none), so a chain builder that
// looks an issuer up by the child's authority key identifier finds it.
// Immutable once built; safe to share between threads.

#include <cstddef>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "client/client.h"
#include "common/result.h"
#include "pkcs11/cryptoki.h"
#include "pkcs11/der.h"

namespace signet::pkcs11 {

struct TokenObject {
  CK_OBJECT_CLASS object_class = CKO_DATA;
  std::map<CK_ATTRIBUTE_TYPE, Bytes> attributes;
  std::set<CK_ATTRIBUTE_TYPE> sensitive;  // present, but their values never leave

  // True when every attribute of the template is present, not sensitive and equal.
  bool Matches(const CK_ATTRIBUTE* templ, CK_ULONG count) const;
  // C_GetAttributeValue for this object: fills `templ` following the size-query protocol and
  // returns CKR_OK, or the last of CKR_ATTRIBUTE_SENSITIVE / CKR_ATTRIBUTE_TYPE_INVALID /
  // CKR_BUFFER_TOO_SMALL that applied (every entry is processed either way).
  CK_RV GetAttributes(CK_ATTRIBUTE* templ, CK_ULONG count) const;
};

struct TokenObjects {
  PublicKeyValues key;
  std::vector<TokenObject> objects;  // index 0: private key, 1: public key, 2: certificate, …
};

inline constexpr std::size_t kPrivateKeyIndex = 0;
inline constexpr std::size_t kPublicKeyIndex = 1;

// Builds the objects from the signer and its certificate reply. InvalidArgument when the PEM,
// a certificate or its key cannot be parsed.
[[nodiscard]] Result<std::shared_ptr<const TokenObjects>> BuildTokenObjects(
    const client::SignerInfo& signer, const client::SignerCertificate& certificate);

}  // namespace signet::pkcs11
