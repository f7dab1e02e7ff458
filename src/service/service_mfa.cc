// Multi-factor authentication for people: TOTP authenticators (RFC 6238), recovery codes,
// the second login step, and the org's requirement (docs/security.md, "Multi-factor
// authentication").
//
// The TOTP secret is sealed (AES-256-GCM) under a key derived from the root key and bound to
// the user id, so a copy of the database alone yields no codes; recovery codes are stored as
// SHA-256 hashes and each works once. A code is accepted once: the step it matched is kept
// and only later steps are accepted next time, which the write transaction serializes across
// threads and nodes.
#include <algorithm>

#include "auth/tokens.h"
#include "auth/totp.h"
#include "common/encoding.h"
#include "crypto/aead.h"
#include "crypto/random.h"
#include "service/service_internal.h"

namespace signet::service {
namespace {

constexpr std::string_view kRequirementSetting = "mfa.required";
constexpr std::string_view kIssuer = "Signet";
constexpr int kRecoveryCodes = 10;
constexpr Millis kRequirementCacheTtl = std::chrono::seconds(1);
constexpr std::size_t kMaxCodeLength = 64;

std::string SecretAad(std::string_view user_id) { return "signet-totp:v1:" + std::string(user_id); }

Status RequireUser(const domain::Principal& p) {
  if (p.type != domain::PrincipalType::kUser) {
    return PermissionDenied(
        "multi-factor authentication is for users; machine identities "
        "authenticate with their own credentials");
  }
  return Ok();
}

Status ValidateProof(const MfaProof& proof) {
  if (proof.code.has_value() == proof.recovery_code.has_value()) {
    return InvalidArgument("give exactly one of code and recoveryCode");
  }
  const std::string& text = proof.code ? *proof.code : *proof.recovery_code;
  if (text.empty() || text.size() > kMaxCodeLength) {
    return InvalidArgument(std::string(proof.code ? "code" : "recoveryCode") +
                           " must be 1 to 64 characters");
  }
  return Ok();
}

Error InvalidCode() { return Error{ErrorCode::kUnauthenticated, "invalid or already used code"}; }

}  // namespace

std::string_view MfaRequirementName(MfaRequirement r) {
  switch (r) {
    case MfaRequirement::kNone:
      return "none";
    case MfaRequirement::kPrivileged:
      return "privileged";
    case MfaRequirement::kAll:
      return "all";
  }
  return "none";
}

Result<MfaRequirement> ParseMfaRequirement(std::string_view text) {
  for (auto r : {MfaRequirement::kNone, MfaRequirement::kPrivileged, MfaRequirement::kAll}) {
    if (text == MfaRequirementName(r)) return r;
  }
  return InvalidArgument("required must be one of none, privileged, all");
}

// ---- the org's requirement ----

Result<MfaRequirement> Context::CurrentMfaRequirement(store::Tx* tx) {
  const TimePoint now = d_.clock.Now();
  {
    std::lock_guard lock(mfa_requirement_mutex_);
    if (mfa_requirement_ && now < mfa_requirement_->second + kRequirementCacheTtl) {
      return mfa_requirement_->first;
    }
  }
  Result<std::optional<std::string>> stored = [&]() -> Result<std::optional<std::string>> {
    if (tx != nullptr) return tx->GetSetting(kRequirementSetting);
    SIGNET_ASSIGN_OR_RETURN(auto rtx, d_.store.BeginRead());
    return rtx->GetSetting(kRequirementSetting);
  }();
  if (!stored) return tl::unexpected(stored.error());
  MfaRequirement r = MfaRequirement::kNone;
  if (*stored) {
    auto parsed = ParseMfaRequirement(**stored);
    // A value this version does not know asks for more, not less.
    r = parsed ? *parsed : MfaRequirement::kAll;
  }
  std::lock_guard lock(mfa_requirement_mutex_);
  mfa_requirement_ = std::make_pair(r, now);
  return r;
}

Status Context::RequireMfa(const domain::Principal& p, std::string_view what, store::Tx* tx) {
  if (p.type != domain::PrincipalType::kUser || p.mfa) return Ok();
  SIGNET_ASSIGN_OR_RETURN(MfaRequirement r, CurrentMfaRequirement(tx));
  if (r == MfaRequirement::kNone) return Ok();
  return PermissionDenied(std::string(what) +
                          " needs a session that passed multi-factor authentication: log in "
                          "with your authenticator, or enrol one (POST "
                          "/api/v1/auth/mfa/totp/enroll, then /confirm)");
}

Status MfaUseCases::CheckMfaGate(const domain::Principal& p, std::string_view path) {
  if (p.type != domain::PrincipalType::kUser || p.mfa) return Ok();
  if (path.starts_with("/api/v1/auth/")) return Ok();
  SIGNET_ASSIGN_OR_RETURN(MfaRequirement r, CurrentMfaRequirement());
  if (r != MfaRequirement::kAll) return Ok();
  return PermissionDenied(
      "the organisation requires multi-factor authentication for every user: log in with your "
      "authenticator, or enrol one (POST /api/v1/auth/mfa/totp/enroll, then /confirm)");
}

Result<MfaRequirement> MfaUseCases::GetMfaRequirement(const Caller& c) {
  (void)c;  // every authenticated caller may know what is asked of them
  return CurrentMfaRequirement();
}

Result<MfaRequirement> MfaUseCases::SetMfaRequirement(const Caller& c, MfaRequirement r) {
  SIGNET_TRY(RequireOrgAdmin(c.principal));
  if (r != MfaRequirement::kNone && !c.principal.mfa) {
    return PermissionDenied(
        "requiring multi-factor authentication needs a session that passed "
        "it: enrol an authenticator first");
  }
  auto written =
      WriteWithAudit<bool>(&c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<bool> {
        SIGNET_TRY(tx.PutSetting(kRequirementSetting, MfaRequirementName(r)));
        e = {"org.mfa-requirement.update", "org", "",
             JsonWriter().Add("required", std::string(MfaRequirementName(r))).Finish()};
        return true;
      });
  if (!written) return tl::unexpected(written.error());
  std::lock_guard lock(mfa_requirement_mutex_);
  mfa_requirement_ = std::make_pair(r, d_.clock.Now());
  return r;
}

// ---- sealing and checking ----

namespace {

Result<SecretBytes> SealingKey(const keystore::KeyStore& keys) {
  return keys.root_key().DeriveKey("totp-secret-sealing", crypto::kAeadKeyLength);
}

// Whether `proof` is a good second factor for `m` at `now`; on a match `m` records it (the
// step, or the recovery code removed). The caller writes `m` back.
Result<bool> Consume(const keystore::KeyStore& keys, domain::UserMfa& m, const MfaProof& proof,
                     TimePoint now) {
  if (proof.recovery_code) {
    const std::string hash = auth::RecoveryCodeHash(*proof.recovery_code);
    auto found = m.recovery_codes.end();
    for (auto it = m.recovery_codes.begin(); it != m.recovery_codes.end(); ++it) {
      // Every stored hash is compared, so timing does not tell which one matched.
      if (ConstantTimeEquals(AsBytes(*it), AsBytes(hash)) && found == m.recovery_codes.end()) {
        found = it;
      }
    }
    if (found == m.recovery_codes.end()) return false;
    m.recovery_codes.erase(found);
    m.updated_at = now;
    return true;
  }
  SIGNET_ASSIGN_OR_RETURN(SecretBytes key, SealingKey(keys));
  SIGNET_ASSIGN_OR_RETURN(SecretBytes secret, crypto::AeadOpen(key.view(), m.totp_secret,
                                                               AsBytes(SecretAad(m.user_id))));
  const auto step = auth::MatchTotp(secret.view(), *proof.code, now, m.last_used_step);
  if (!step) return false;
  m.last_used_step = *step;
  m.updated_at = now;
  return true;
}

Result<std::vector<SecretBytes>> NewCodes(domain::UserMfa& m) {
  SIGNET_ASSIGN_OR_RETURN(std::vector<SecretBytes> codes, auth::NewRecoveryCodes(kRecoveryCodes));
  m.recovery_codes.clear();
  for (const auto& code : codes)
    m.recovery_codes.push_back(auth::RecoveryCodeHash(code.string_view()));
  return codes;
}

Result<std::optional<domain::UserMfa>> FindMfa(store::Tx& tx, std::string_view user_id) {
  auto m = tx.GetUserMfa(user_id);
  if (!m) {
    if (m.error().code == ErrorCode::kNotFound) return std::optional<domain::UserMfa>();
    return tl::unexpected(m.error());
  }
  return std::optional<domain::UserMfa>(std::move(*m));
}

}  // namespace

// ---- login, second step ----

Result<LoginResult> MfaUseCases::VerifyMfaLogin(std::string_view mfa_token, const MfaProof& proof,
                                                const std::string& source_ip) {
  SIGNET_TRY(ValidateProof(proof));
  auto expired = [] {
    return Unauthenticated("the MFA login token is invalid or expired; log in again");
  };
  if (mfa_token.empty() || mfa_token.size() > 256) return expired();
  const std::string token_hash = auth::HashToken(mfa_token);
  // Who is logging in, for throttling before any code is checked.
  SIGNET_ASSIGN_OR_RETURN(domain::User user, [&]() -> Result<domain::User> {
    SIGNET_ASSIGN_OR_RETURN(auto rtx, d_.store.BeginRead());
    auto row = rtx->GetAccessToken(token_hash);
    if (!row) {
      if (row.error().code == ErrorCode::kNotFound) return expired();
      return tl::unexpected(row.error());
    }
    if (row->purpose != auth::kMfaLoginPurpose || row->revoked ||
        d_.clock.Now() >= row->expires_at || row->principal_type != domain::PrincipalType::kUser) {
      return expired();
    }
    auto u = rtx->GetUser(row->principal_id);
    if (!u && u.error().code == ErrorCode::kNotFound) return expired();
    return u;
  }());
  SIGNET_TRY(ThrottleLogin(user.email, source_ip));
  const domain::Principal actor{domain::PrincipalType::kUser, user.id, user.email, user.org_role};
  auto result =
      WriteWithAudit<LoginResult>(&actor, [&](store::Tx& tx, AuditEntry& e) -> Result<LoginResult> {
        // Again inside the write transaction: the token must still be unused.
        auto row = tx.GetAccessToken(token_hash);
        if (!row || row->revoked || row->purpose != auth::kMfaLoginPurpose) return expired();
        SIGNET_ASSIGN_OR_RETURN(auto m, FindMfa(tx, user.id));
        if (!m || !m->enabled) return expired();  // reset by an admin meanwhile
        const TimePoint now = d_.clock.Now();
        SIGNET_ASSIGN_OR_RETURN(bool ok, Consume(d_.keys, *m, proof, now));
        if (!ok) return tl::unexpected(InvalidCode());
        SIGNET_TRY(tx.UpdateUserMfa(*m));
        SIGNET_TRY(tx.RevokeAccessToken(token_hash));
        SIGNET_ASSIGN_OR_RETURN(domain::Principal current,
                                auth::LoadPrincipal(tx, domain::PrincipalType::kUser, user.id));
        SIGNET_ASSIGN_OR_RETURN(
            auto token,
            d_.authenticator.IssueToken(tx, current, d_.token_ttl, auth::kSessionPurpose, true));
        JsonWriter details;
        details.Add("sourceIp", source_ip).Add("factor", proof.code ? "totp" : "recovery-code");
        if (proof.recovery_code)
          details.Add("recoveryCodesLeft", static_cast<std::int64_t>(m->recovery_codes.size()));
        e = {"auth.login", "user", current.id, details.Finish()};
        return LoginResult{std::move(token.token), token.expires_in, std::nullopt, false};
      });
  d_.authenticator.Forget(token_hash);
  if (!result && result.error().code == ErrorCode::kUnauthenticated &&
      result.error().message == InvalidCode().message) {
    SIGNET_TRY(RecordLoginFailure("auth.mfa.failure", "user", "email", user.email, source_ip));
    return result;
  }
  if (result) d_.authenticator.throttle().Success(user.email);
  return result;
}

// ---- enrolment ----

Result<MfaStatus> MfaUseCases::GetMfaStatus(const Caller& c) {
  SIGNET_TRY(RequireUser(c.principal));
  MfaStatus s;
  SIGNET_ASSIGN_OR_RETURN(s.requirement, CurrentMfaRequirement());
  s.session_verified = c.principal.mfa;
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(auto m, FindMfa(*tx, c.principal.id));
  if (m) {
    s.enabled = m->enabled;
    s.pending = !m->enabled;
    s.recovery_codes_left = m->enabled ? static_cast<int>(m->recovery_codes.size()) : 0;
  }
  return s;
}

Result<TotpEnrolment> MfaUseCases::EnrollTotp(const Caller& c) {
  SIGNET_TRY(RequireUser(c.principal));
  SIGNET_ASSIGN_OR_RETURN(SecretBytes secret, crypto::RandomSecret(auth::kTotpSecretLength));
  SIGNET_ASSIGN_OR_RETURN(SecretBytes key, SealingKey(d_.keys));
  SIGNET_ASSIGN_OR_RETURN(Bytes sealed, crypto::AeadSeal(key.view(), secret.view(),
                                                         AsBytes(SecretAad(c.principal.id))));
  auto written = WriteWithAudit<
      bool>(&c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<bool> {
    SIGNET_ASSIGN_OR_RETURN(auto existing, FindMfa(tx, c.principal.id));
    if (existing && existing->enabled) {
      return AlreadyExists("you already have an authenticator; disable it first to enrol another");
    }
    domain::UserMfa m;
    m.user_id = c.principal.id;
    m.totp_secret = sealed;
    m.created_at = m.updated_at = d_.clock.Now();
    SIGNET_TRY(existing ? tx.UpdateUserMfa(m) : tx.InsertUserMfa(m));
    e = {"user.mfa.enroll", "user", c.principal.id, JsonWriter().Add("factor", "totp").Finish()};
    return true;
  });
  if (!written) return tl::unexpected(written.error());
  return TotpEnrolment{Base32Encode(secret.view()),
                       auth::OtpauthUri(kIssuer, c.principal.name, secret.view())};
}

Result<std::vector<SecretBytes>> MfaUseCases::ConfirmTotp(const Caller& c, std::string_view token,
                                                          const std::string& code) {
  SIGNET_TRY(RequireUser(c.principal));
  SIGNET_TRY(ValidateProof(MfaProof{code, std::nullopt}));
  SIGNET_TRY(ThrottleLogin(c.principal.name, c.source_ip));
  const std::string token_hash = auth::HashToken(token);
  std::vector<SecretBytes> codes;
  auto written = WriteWithAudit<
      bool>(&c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<bool> {
    SIGNET_ASSIGN_OR_RETURN(auto m, FindMfa(tx, c.principal.id));
    if (!m)
      return FailedPrecondition(
          "no authenticator to confirm: enrol first (POST /api/v1/auth/mfa/totp/enroll)");
    if (m->enabled) return AlreadyExists("your authenticator is already confirmed");
    SIGNET_ASSIGN_OR_RETURN(bool ok,
                            Consume(d_.keys, *m, MfaProof{code, std::nullopt}, d_.clock.Now()));
    if (!ok) return tl::unexpected(InvalidCode());
    m->enabled = true;
    SIGNET_ASSIGN_OR_RETURN(codes, NewCodes(*m));
    SIGNET_TRY(tx.UpdateUserMfa(*m));
    // The caller just proved the factor: this session counts as having passed it.
    SIGNET_TRY(tx.SetAccessTokenMfa(token_hash));
    e = {"user.mfa.enable", "user", c.principal.id, JsonWriter().Add("factor", "totp").Finish()};
    return true;
  });
  d_.authenticator.Forget(token_hash);
  if (!written) {
    if (written.error().message == InvalidCode().message) {
      SIGNET_TRY(
          RecordLoginFailure("user.mfa.failure", "user", "email", c.principal.name, c.source_ip));
      return InvalidArgument(
          "code is not the current code of the authenticator; check the "
          "device's clock and try the next code");
    }
    return tl::unexpected(written.error());
  }
  return codes;
}

Status MfaUseCases::DisableTotp(const Caller& c, const MfaProof& proof) {
  SIGNET_TRY(RequireUser(c.principal));
  SIGNET_TRY(ValidateProof(proof));
  SIGNET_TRY(ThrottleLogin(c.principal.name, c.source_ip));
  auto written =
      WriteWithAudit<bool>(&c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<bool> {
        SIGNET_ASSIGN_OR_RETURN(auto m, FindMfa(tx, c.principal.id));
        if (!m) return NotFound("you have no authenticator");
        if (m->enabled) {
          SIGNET_ASSIGN_OR_RETURN(bool ok, Consume(d_.keys, *m, proof, d_.clock.Now()));
          if (!ok) return tl::unexpected(InvalidCode());
        }
        SIGNET_TRY(tx.DeleteUserMfa(c.principal.id));
        e = {"user.mfa.disable", "user", c.principal.id, "{}"};
        return true;
      });
  if (!written) {
    if (written.error().message == InvalidCode().message) {
      SIGNET_TRY(
          RecordLoginFailure("user.mfa.failure", "user", "email", c.principal.name, c.source_ip));
      return PermissionDenied(
          "the code is not valid; disabling the authenticator needs a current code or a recovery "
          "code");
    }
    return tl::unexpected(written.error());
  }
  return Ok();
}

Result<std::vector<SecretBytes>> MfaUseCases::RegenerateRecoveryCodes(const Caller& c,
                                                                      const MfaProof& proof) {
  SIGNET_TRY(RequireUser(c.principal));
  SIGNET_TRY(ValidateProof(proof));
  SIGNET_TRY(ThrottleLogin(c.principal.name, c.source_ip));
  std::vector<SecretBytes> codes;
  auto written =
      WriteWithAudit<bool>(&c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<bool> {
        SIGNET_ASSIGN_OR_RETURN(auto m, FindMfa(tx, c.principal.id));
        if (!m || !m->enabled) return FailedPrecondition("you have no confirmed authenticator");
        SIGNET_ASSIGN_OR_RETURN(bool ok, Consume(d_.keys, *m, proof, d_.clock.Now()));
        if (!ok) return tl::unexpected(InvalidCode());
        SIGNET_ASSIGN_OR_RETURN(codes, NewCodes(*m));
        SIGNET_TRY(tx.UpdateUserMfa(*m));
        e = {"user.mfa.recovery-codes", "user", c.principal.id, "{}"};
        return true;
      });
  if (!written) {
    if (written.error().message == InvalidCode().message) {
      SIGNET_TRY(
          RecordLoginFailure("user.mfa.failure", "user", "email", c.principal.name, c.source_ip));
      return PermissionDenied(
          "the code is not valid; new recovery codes need a current code or a recovery code");
    }
    return tl::unexpected(written.error());
  }
  return codes;
}

Status MfaUseCases::ResetUserMfa(const Caller& c, const std::string& user_id) {
  SIGNET_TRY(RequireOrgAdmin(c.principal));
  auto written =
      WriteWithAudit<bool>(&c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<bool> {
        SIGNET_ASSIGN_OR_RETURN(domain::User user,
                                FindById(user_id, "user", [&] { return tx.GetUser(user_id); }));
        SIGNET_ASSIGN_OR_RETURN(auto m, FindMfa(tx, user.id));
        if (!m) return NotFound("user '" + user.email + "' has no authenticator");
        SIGNET_TRY(tx.DeleteUserMfa(user.id));
        SIGNET_TRY(tx.RevokeAccessTokensOf(domain::PrincipalType::kUser, user.id));
        e = {"user.mfa.reset", "user", user.id, JsonWriter().Add("email", user.email).Finish()};
        return true;
      });
  d_.authenticator.ForgetAll();
  if (!written) return tl::unexpected(written.error());
  return Ok();
}

}  // namespace signet::service
