#pragma once
// A project's compliance profile (domain::ComplianceProfile): the rules of the CA/Browser
// Forum's Code Signing Baseline Requirements ("csbr") that a project can switch on. Pure
// decisions, no I/O: each check answers the refusal's message, or nothing when the rule holds.
// Every message starts with kCsbrPrefix and names the rule, so that callers, the audit log
// (event compliance.refusal) and tests can tell a compliance refusal from any other error.
// Thread-safe (stateless).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "domain/algorithms.h"
#include "domain/entities.h"
#include "domain/principal.h"

namespace signet::service::compliance {

inline constexpr std::string_view kCsbrPrefix = "csbr: ";
// The CA/B Forum's reserved policy identifier for code-signing certificates (CSBR §7.1.6.1).
inline constexpr std::string_view kCodeSigningPolicyOid = "2.23.140.1.4.1";
// The longest validity of a code-signing certificate (CSBR §6.3.2, from 2026-03-01).
inline constexpr std::int64_t kMaxCodeSigningDays = 460;

inline bool IsCsbr(const domain::Project& p) {
  return p.compliance_profile == domain::ComplianceProfile::kCsbr;
}
// Whether `e` is a compliance refusal (its message starts with kCsbrPrefix).
bool IsComplianceRefusal(const Error& e);

// Key algorithms: RSA of at least 3072 bits, or P-256/384/521.
std::optional<std::string> KeyAlgorithmViolation(domain::KeyAlgorithm algorithm);
// Where a new key comes from: only from the HSM (generated or adopted there).
std::optional<std::string> KeySourceViolation(domain::KeySourceType source);
// A code-signing certificate's requested lifetime in days.
std::optional<std::string> LifetimeViolation(std::int64_t ttl_days);

// What a certificate (its row and what its PEM says) must be to carry a signer: key in the
// HSM, an allowed key algorithm, not signed with SHA-1, valid at most 460 days (with a minute
// of leeway for back-dating), and carrying kCodeSigningPolicyOid. `what` names it in the
// message ("certificate '…'").
struct CertificateFacts {
  domain::KeySourceType key_source = domain::KeySourceType::kSoftware;
  domain::KeyAlgorithm key_algorithm = domain::KeyAlgorithm::kEcP256;
  TimePoint not_before;
  TimePoint not_after;
  std::vector<std::string> policy_oids;
  std::string signature_hash;  // "SHA1", "SHA256", ...
};
std::optional<std::string> SignerCertificateViolation(const CertificateFacts& cert,
                                                      std::string_view what);
// A certificate's signature hash ("SHA1" is refused).
std::optional<std::string> SignatureHashViolation(std::string_view hash, std::string_view what);

// A signing algorithm name as sent; SHA-1 ones are refused with the rule's message (they are
// not supported anyway; this names the rule instead of listing the supported names).
std::optional<std::string> SigningAlgorithmViolation(std::string_view name);

// People (users) must have passed multi-factor authentication for `what`; machine identities
// authenticate server to server and are allowed.
std::optional<std::string> MfaViolation(const domain::Principal& p, std::string_view what);

}  // namespace signet::service::compliance
