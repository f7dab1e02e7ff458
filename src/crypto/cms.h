#pragma once
// CMS SignedData (RFC 5652) with signed attributes, signed by someone else: the private key
// never has to be here. SignCms builds the SignerInfo (content type, message digest, optional
// signing time, the ESS signing-certificate-v2 attribute of RFC 5035 with a SHA-256 hash of the
// signer's certificate), DER-encodes the signed attributes, and hands only their digest to a
// DigestSigner — the Signet server for `signet sign --format cms`, the key store for the TSA's
// tokens. The same code makes detached signatures of files (content type id-data) and the
// time-stamp tokens of RFC 3161 (content type id-ct-TSTInfo, encapsulated).
//
// Signature algorithms: ECDSA (ecdsa-with-SHA256/384/512, DER ECDSA-Sig-Value) for EC keys,
// RSASSA-PKCS1-v1_5 (rsaEncryption) for RSA keys, or with CmsSignParams::rsa_pss RSASSA-PSS
// (id-RSASSA-PSS with explicit parameters: the SignerInfo's digest, MGF1 with the same digest,
// a salt as long as the digest, trailer 1 — RFC 4056), always with the SignerInfo's digest.
// All functions are thread-safe; errors name what was wrong (InvalidArgument for bad input,
// Internal with OpenSSL's error queue for library failures).

#include <functional>
#include <optional>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "crypto/x509.h"
#include "domain/algorithms.h"

namespace signet::crypto {

// Signs `digest` (the hash of the DER signed attributes, HashLength(hash) bytes) with the
// signer's key: a DER ECDSA signature for EC keys, a PKCS#1 v1.5 signature (over a DigestInfo
// of `hash`) for RSA keys, or with rsa_pss an RSASSA-PSS signature (MGF1 with `hash`, salt
// length = the digest's). May block (a network call); called at most once per SignCms.
using DigestSigner = std::function<Result<Bytes>(domain::HashAlgorithm hash, ByteView digest)>;

enum class CmsContentType { kData, kTstInfo };

struct CmsSignParams {
  const Certificate* signer = nullptr;  // required
  // Certificates to include besides the signer's (its issuers, nearest first).
  std::vector<const Certificate*> chain;
  // false: no certificate at all (a TSA answering a query without certReq).
  bool include_certificates = true;
  domain::HashAlgorithm hash = domain::HashAlgorithm::kSha256;
  // RSA keys: sign with RSASSA-PSS instead of PKCS#1 v1.5 (InvalidArgument for other keys).
  bool rsa_pss = false;
  CmsContentType content_type = CmsContentType::kData;
  // Encapsulated content (a TSTInfo); absent: a detached signature of content whose digest
  // (with `hash`) is `content_digest`.
  std::optional<Bytes> content;
  Bytes content_digest;
  std::optional<TimePoint> signing_time;  // the signingTime attribute, when set
  // Check the signature against the signer's certificate before returning (one verification;
  // off on the TSA's hot path, where the key store's own signature is trusted).
  bool verify = true;
};

// The DER ContentInfo of a SignedData with one SignerInfo. InvalidArgument when the signer
// certificate is missing, the digest has the wrong length, or (verify) the returned signature
// does not verify with the signer's certificate; errors of `sign` are passed on as they are.
[[nodiscard]] Result<Bytes> SignCms(const CmsSignParams& params, const DigestSigner& sign);

// What a CMS SignedData with one SignerInfo says.
struct CmsSignatureInfo {
  domain::HashAlgorithm hash = domain::HashAlgorithm::kSha256;  // the SignerInfo's digest
  std::optional<Certificate> signer;      // from the CMS's certificates; absent when not there
  std::vector<Certificate> certificates;  // every certificate the CMS carries
  std::optional<TimePoint> signing_time;
  Bytes signature;  // the SignerInfo's signature value (what an RFC 3161 timestamp covers)
  std::optional<Bytes> timestamp_token;  // the unsigned id-aa-timeStampToken attribute
  bool detached = true;
};

// Parses a DER ContentInfo holding a SignedData with exactly one SignerInfo that has signed
// attributes. InvalidArgument "not a CMS signature: …" for anything else.
[[nodiscard]] Result<CmsSignatureInfo> InspectCms(ByteView der);

// Checks a detached signature: the messageDigest attribute equals `content_digest` (the
// content hashed with InspectCms(der).hash) and the signature over the signed attributes
// verifies with `signer` (default: the signer certificate the CMS carries). InvalidArgument
// naming which check failed.
[[nodiscard]] Status VerifyCms(ByteView der, ByteView content_digest,
                               const Certificate* signer = nullptr);

// Adds `token` (a DER time-stamp token, itself a ContentInfo) as the id-aa-timeStampToken
// unsigned attribute of the only SignerInfo (RFC 3161 appendix A). InvalidArgument when `der`
// already carries one or is not a CMS signature.
[[nodiscard]] Result<Bytes> AddCmsTimestamp(ByteView der, ByteView token);

// Verifies that `leaf` chains to one of `roots` through `intermediates` (any order; extra
// ones ignored), at `at` (default: now). `purpose`: "any", "codeSigning" or "timeStamping"
// (the latter requires timeStamping as the only, critical, extended key usage).
// InvalidArgument with OpenSSL's verification error ("certificate has expired", ...).
[[nodiscard]] Status VerifyCertificateChain(const Certificate& leaf,
                                            const std::vector<Certificate>& intermediates,
                                            const std::vector<Certificate>& roots,
                                            std::string_view purpose,
                                            std::optional<TimePoint> at = std::nullopt);

}  // namespace signet::crypto
