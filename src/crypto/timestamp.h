#pragma once
// RFC 3161 time-stamping (with RFC 5816's ESSCertIDv2): queries, tokens and replies.
//
// The server side parses a TimeStampReq (ParseTimestampQuery; a bad query becomes a refusal
// with the PKIFailureInfo to answer, never an exception or an HTTP error), issues a token over
// its TSTInfo through a DigestSigner (crypto/cms.h: the key stays in the key store) and
// answers a TimeStampResp (IssueTimestamp), or refuses (TimestampRejection).
// The client side builds queries (EncodeTimestampQuery), reads replies
// (ParseTimestampResponse) and verifies tokens (VerifyTimestampToken).
//
// Message imprints: SHA-256, SHA-384 and SHA-512. SHA-1 and anything else is refused (badAlg).
// All functions are thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "crypto/cms.h"
#include "crypto/x509.h"
#include "domain/algorithms.h"

namespace signet::crypto {

// PKIFailureInfo (RFC 3161 §2.4.2): the bit number of each reason.
enum class TsaFailure {
  kBadAlg = 0,                // unrecognized or unsupported algorithm identifier
  kBadRequest = 2,            // transaction not permitted or supported
  kBadDataFormat = 5,         // the data submitted has the wrong format
  kTimeNotAvailable = 14,     // the TSA's time source is not available
  kUnacceptedPolicy = 15,     // the requested TSA policy is not supported
  kUnacceptedExtension = 16,  // the requested extension is not supported
  kAddInfoNotAvailable = 17,  // the additional information requested is not available
  kSystemFailure = 25,        // the request cannot be handled due to system failure
};
// "badAlg", "badRequest", ... (the names of RFC 3161, for logs, audit rows and metrics).
std::string_view TsaFailureName(TsaFailure failure);

// Why a query is refused: the failure bit and a statusString for the reply.
struct TsaRefusal {
  TsaFailure failure = TsaFailure::kBadRequest;
  std::string text;
};

// The most a nonce may hold; longer ones are refused (badRequest).
inline constexpr std::size_t kMaxNonceBytes = 64;

struct TimestampQuery {
  domain::HashAlgorithm hash = domain::HashAlgorithm::kSha256;
  Bytes imprint;                          // HashLength(hash) bytes
  std::optional<std::string> policy_oid;  // reqPolicy, dotted
  Bytes nonce_der;                        // the nonce's DER INTEGER; empty: no nonce
  bool cert_req = false;
  // ParseTimestampQuery: the MessageImprint as the client encoded it (echoed in the token).
  Bytes message_imprint_der;
};

// The nonce of a query or token as lower-case hex of its two's complement content ("" when
// absent), for audit rows and comparisons.
std::string NonceHex(ByteView nonce_der);

// Parses a DER TimeStampReq. Refusals: badDataFormat (not DER, truncated, trailing bytes, an
// imprint of the wrong length), badAlg (SHA-1 or another hash than SHA-256/384/512), badRequest
// (a version other than 1, a nonce longer than kMaxNonceBytes), unacceptedExtension (a critical
// extension; others are ignored).
[[nodiscard]] tl::expected<TimestampQuery, TsaRefusal> ParseTimestampQuery(ByteView der);

// A DER TimeStampReq (version 1) for `query` (message_imprint_der is ignored). `nonce_der`,
// when set, must be a DER INTEGER.
[[nodiscard]] Result<Bytes> EncodeTimestampQuery(const TimestampQuery& query);
// A random positive 64-bit nonce as a DER INTEGER.
[[nodiscard]] Result<Bytes> RandomNonce();

// What the TSA puts in a token.
struct TimestampIssue {
  const TimestampQuery* query = nullptr;         // required: imprint, nonce and certReq are echoed
  std::string policy_oid;                        // dotted
  Bytes serial;                                  // big-endian, positive, at most 20 bytes
  TimePoint gen_time;                            // encoded with millisecond precision
  std::optional<Millis> accuracy;                // encoded as seconds and millis
  const Certificate* tsa_certificate = nullptr;  // required; also named in the tsa field
  std::vector<const Certificate*> chain;         // its issuers, included with certReq
  domain::HashAlgorithm hash = domain::HashAlgorithm::kSha256;  // of the SignerInfo
};

// A TimeStampResp with status granted and the signed token. InvalidArgument for an unusable
// policy OID or serial; errors of `sign` pass through.
[[nodiscard]] Result<Bytes> IssueTimestamp(const TimestampIssue& issue, const DigestSigner& sign);

// A TimeStampResp with status rejection, the failure bit and `text` as statusString.
Bytes TimestampRejection(TsaFailure failure, std::string_view text);

// A TSTInfo as read from a token.
struct TstInfo {
  std::string policy_oid;
  Bytes serial;            // big-endian magnitude
  std::string serial_hex;  // lower-case, without leading zeros
  TimePoint gen_time;
  domain::HashAlgorithm hash = domain::HashAlgorithm::kSha256;
  Bytes imprint;
  Bytes nonce_der;  // empty when absent
  std::optional<Millis> accuracy;
  std::string tsa_name;  // the tsa field (a directory name, RFC 2253), when present
};

// The PKIStatus values of RFC 3161 §2.4.2.
enum class TsaStatus {
  kGranted = 0,
  kGrantedWithMods = 1,
  kRejection = 2,
  kWaiting = 3,
  kRevocationWarning = 4,
  kRevocationNotification = 5
};

struct TimestampResponse {
  TsaStatus status = TsaStatus::kRejection;
  std::vector<TsaFailure> failures;  // the failInfo bits that are set
  std::string status_text;           // the statusString texts, joined with "; "
  Bytes token;                       // exact DER of the token; empty unless granted
  std::optional<TstInfo> info;       // the token's TSTInfo, when there is a token
};

// Parses a DER TimeStampResp. InvalidArgument "not a timestamp reply: …" when it is not one
// (an HTML error page, say).
[[nodiscard]] Result<TimestampResponse> ParseTimestampResponse(ByteView der);

struct VerifiedTimestamp {
  TstInfo info;
  Certificate tsa_certificate;
  std::vector<Certificate> certificates;  // every certificate the token carries
  bool chain_verified = false;            // the TSA's chain was checked against `roots`
};

// Verifies a token (a ContentInfo as carried in replies and CMS unsigned attributes): its
// signature and message digest, that it time-stamps `data` (the imprint is data's hash with
// the token's algorithm), that the signer has timeStamping as its only, critical, extended
// key usage and matches the token's ESS signing-certificate(-v2) attribute, and — when
// `roots` is not null — that its chain leads to one of them (with `extra_certs` as
// intermediates, the token's own certificates too). Without `roots` the TSA is identified but
// not trusted (chain_verified false). The TSA's certificate must be in the token or in
// `extra_certs`. InvalidArgument naming the failed check.
[[nodiscard]] Result<VerifiedTimestamp> VerifyTimestampToken(
    ByteView token, ByteView data, const std::vector<Certificate>* roots,
    const std::vector<Certificate>& extra_certs = {});

// Whether `oid` is a dotted object identifier OpenSSL accepts ("1.2.3.4"); names such as
// "sha256" are not accepted.
bool IsDottedOid(std::string_view oid);

}  // namespace signet::crypto
