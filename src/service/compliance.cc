#include "service/compliance.h"

#include <algorithm>
#include <cctype>

namespace signet::service::compliance {
namespace {

constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;

std::string Csbr(std::string_view rule) { return std::string(kCsbrPrefix) + std::string(rule); }

std::string Upper(std::string_view text) {
  std::string out(text);
  for (char& ch : out) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

}  // namespace

bool IsComplianceRefusal(const Error& e) { return e.message.starts_with(kCsbrPrefix); }

std::optional<std::string> KeyAlgorithmViolation(domain::KeyAlgorithm algorithm) {
  if (algorithm == domain::KeyAlgorithm::kRsa2048) {
    return Csbr(
        "RSA keys must be at least 3072 bits (RSA_3072 or RSA_4096); RSA_2048 is not "
        "allowed");
  }
  return std::nullopt;  // RSA 3072/4096 and P-256/384/521 are all the algorithms there are
}

std::optional<std::string> KeySourceViolation(domain::KeySourceType source) {
  if (source != domain::KeySourceType::kHsm) {
    return Csbr(
        "keys must be generated and used in a hardware security module (keySource "
        "'hsm'); keySource '" +
        std::string(domain::KeySourceTypeName(source)) + "' is not allowed");
  }
  return std::nullopt;
}

std::optional<std::string> LifetimeViolation(std::int64_t ttl_days) {
  if (ttl_days > kMaxCodeSigningDays) {
    return Csbr("code-signing certificates may be valid for at most 460 days; ttlDays is " +
                std::to_string(ttl_days));
  }
  return std::nullopt;
}

std::optional<std::string> SignatureHashViolation(std::string_view hash, std::string_view what) {
  if (Upper(hash) == "SHA1") {
    return Csbr("SHA-1 is never allowed; " + std::string(what) + " is signed with SHA-1");
  }
  return std::nullopt;
}

std::optional<std::string> SignerCertificateViolation(const CertificateFacts& cert,
                                                      std::string_view what) {
  if (cert.key_source != domain::KeySourceType::kHsm) {
    return Csbr("signers must use keys in a hardware security module; the key of " +
                std::string(what) + " is a software key");
  }
  if (auto v = KeyAlgorithmViolation(cert.key_algorithm)) return v;
  if (auto v = SignatureHashViolation(cert.signature_hash, what)) return v;
  // A minute of leeway: issuers back-date notBefore by a little against clock skew.
  const std::int64_t ms = (cert.not_after - cert.not_before).count();
  if (ms > kMaxCodeSigningDays * kDayMs + 60'000) {
    return Csbr("code-signing certificates may be valid for at most 460 days; " +
                std::string(what) + " is valid for " + std::to_string((ms + kDayMs - 1) / kDayMs) +
                " days");
  }
  if (std::find(cert.policy_oids.begin(), cert.policy_oids.end(), kCodeSigningPolicyOid) ==
      cert.policy_oids.end()) {
    return Csbr(std::string(what) + " lacks the CA/B Forum code-signing policy " +
                std::string(kCodeSigningPolicyOid) + " in certificatePolicies");
  }
  return std::nullopt;
}

std::optional<std::string> SigningAlgorithmViolation(std::string_view name) {
  const std::string upper = Upper(name);
  if (upper.find("SHA1") != std::string::npos || upper.find("SHA_1") != std::string::npos ||
      upper.find("SHA-1") != std::string::npos) {
    return Csbr("SHA-1 is never allowed; signingAlgorithm '" + std::string(name) +
                "' uses it (use SHA-256, SHA-384 or SHA-512)");
  }
  return std::nullopt;
}

std::optional<std::string> MfaViolation(const domain::Principal& p, std::string_view what) {
  if (p.type != domain::PrincipalType::kUser || p.mfa) return std::nullopt;
  return Csbr(std::string(what) +
              " needs a session that passed multi-factor authentication: log in with your "
              "authenticator, or enrol one (POST /api/v1/auth/mfa/totp/enroll, then /confirm)");
}

}  // namespace signet::service::compliance
