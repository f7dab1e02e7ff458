#pragma once
// Use cases of multi-factor authentication (TOTP, RFC 6238; service_mfa.cc).

#include "service/context.h"

namespace signet::service {

// Whom the organisation asks for a second factor (setting "mfa.required"): nobody (users who
// enrolled still use theirs), approvers and admins (approving, rejecting, pre-approving,
// org/project/signer administration), or every user (a session without MFA may only use the
// /api/v1/auth/ routes, to enrol). Machine identities are never asked.
enum class MfaRequirement { kNone, kPrivileged, kAll };

std::string_view MfaRequirementName(MfaRequirement r);

[[nodiscard]] Result<MfaRequirement> ParseMfaRequirement(std::string_view text);

// A second factor: a current TOTP code or one unused recovery code (exactly one).
struct MfaProof {
  std::optional<std::string> code;
  std::optional<std::string> recovery_code;
};

struct TotpEnrolment {
  std::string secret_base32;  // for typing into an authenticator app
  std::string otpauth_uri;    // for its QR code
};

struct MfaStatus {
  bool enabled = false;  // an authenticator is confirmed
  bool pending = false;  // enrolled, waiting for its first code
  int recovery_codes_left = 0;
  bool session_verified = false;  // this session passed a second factor
  MfaRequirement requirement = MfaRequirement::kNone;
};

class MfaUseCases : public virtual Context {
 public:
  // ---- multi-factor authentication (TOTP, RFC 6238; service_mfa.cc) ----
  // The second login step: the MFA login token from Login plus a code → a session that passed
  // MFA. Wrong codes are throttled and audited like wrong passwords; a code is good once.
  [[nodiscard]] Result<LoginResult> VerifyMfaLogin(std::string_view mfa_token,
                                                   const MfaProof& proof,
                                                   const std::string& source_ip);
  [[nodiscard]] Result<MfaStatus> GetMfaStatus(const Caller& c);

  // A new secret (replacing an unconfirmed one); 409 when an authenticator is confirmed.
  [[nodiscard]] Result<TotpEnrolment> EnrollTotp(const Caller& c);

  // The first code confirms the enrolment: MFA is on, the calling session (`token`) counts
  // as having passed it, and the 10 recovery codes are returned, once.
  [[nodiscard]] Result<std::vector<SecretBytes>> ConfirmTotp(const Caller& c,
                                                             std::string_view token,
                                                             const std::string& code);
  [[nodiscard]] Status DisableTotp(const Caller& c, const MfaProof& proof);
  [[nodiscard]] Result<std::vector<SecretBytes>> RegenerateRecoveryCodes(const Caller& c,
                                                                         const MfaProof& proof);

  // Org admin: removes a user's authenticator (lost phone) and ends their sessions.
  [[nodiscard]] Status ResetUserMfa(const Caller& c, const std::string& user_id);
  [[nodiscard]] Result<MfaRequirement> GetMfaRequirement(const Caller& c);
  [[nodiscard]] Result<MfaRequirement> SetMfaRequirement(const Caller& c, MfaRequirement r);

  // 403 for a user session that did not pass MFA on a route outside /api/v1/auth/ while MFA
  // is required of every user.
  [[nodiscard]] Status CheckMfaGate(const domain::Principal& p, std::string_view path);

 protected:
  explicit MfaUseCases(const Deps& deps) : Context(deps) {}
};

}  // namespace signet::service
