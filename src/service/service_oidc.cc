// OIDC auth of machine identities (Infisical's "OIDC Auth"; docs/ci-identities.md): the
// method's configuration (org admin) and the login of a CI job with its identity token.
#include <algorithm>

#include "auth/tokens.h"
#include "common/duration.h"
#include "service/service_internal.h"

namespace signet::service {
namespace {

constexpr std::size_t kMaxUrl = 2048;
constexpr std::size_t kMaxIssuer = 1024;
constexpr std::size_t kMaxAudiences = 2048;
constexpr std::size_t kMaxSubject = 1024;
constexpr std::size_t kMaxBoundClaims = 32;
constexpr std::size_t kMaxClaimName = 128;
constexpr std::size_t kMaxClaimValue = 1024;
constexpr std::size_t kMaxCaCert = 64 * 1024;
constexpr std::size_t kMaxJwks = 64 * 1024;

Status MaxLength(const std::string& value, std::size_t max, std::string_view field) {
  if (value.size() > max) {
    return InvalidArgument(std::string(field) + " is " + std::to_string(value.size()) +
                           " characters; the maximum is " + std::to_string(max));
  }
  return Ok();
}

std::string Seconds(Millis d) { return std::to_string(d.count() / 1000) + " s"; }

// Checks a configuration as it would be stored; InvalidArgument naming the field.
Status Validate(const domain::OidcAuth& a, const auth::OidcVerifier* verifier) {
  SIGNET_TRY(MaxLength(a.discovery_url, kMaxUrl, "oidcDiscoveryUrl"));
  SIGNET_TRY(MaxLength(a.bound_issuer, kMaxIssuer, "boundIssuer"));
  SIGNET_TRY(MaxLength(a.bound_audiences, kMaxAudiences, "boundAudiences"));
  SIGNET_TRY(MaxLength(a.bound_subject, kMaxSubject, "boundSubject"));
  SIGNET_TRY(MaxLength(a.ca_cert, kMaxCaCert, "caCert"));
  SIGNET_TRY(MaxLength(a.jwks, kMaxJwks, "jwks"));
  if (a.discovery_url.empty() == a.jwks.empty()) {
    return InvalidArgument(
        "give oidcDiscoveryUrl (keys from the issuer's discovery document) or jwks (an inline "
        "key set, for air-gapped servers), not both");
  }
  if (!a.discovery_url.empty()) {
    SIGNET_TRY(auth::ParseOidcUrl(a.discovery_url, "oidcDiscoveryUrl"));
  }
  if (!a.ca_cert.empty() && a.ca_cert.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return InvalidArgument("caCert must hold PEM certificates (-----BEGIN CERTIFICATE-----)");
  }
  if (!a.jwks.empty()) {
    if (verifier == nullptr) return Unavailable("OIDC auth is not available on this server");
    SIGNET_TRY(verifier->CheckKeySet(a.jwks));
  }
  if (a.bound_issuer.empty()) return InvalidArgument("boundIssuer must not be empty");
  if (auth::SplitCommaList(a.bound_audiences).empty()) {
    return InvalidArgument(
        "boundAudiences must name at least one audience, so that tokens meant for other "
        "services cannot log in here");
  }
  if (a.bound_subject.empty() && a.bound_claims.empty()) {
    return InvalidArgument(
        "give boundSubject or boundClaims: without either, every workload the issuer serves "
        "(every repository on GitHub, say) could log in as this identity");
  }
  if (a.bound_claims.size() > kMaxBoundClaims) {
    return InvalidArgument("boundClaims has " + std::to_string(a.bound_claims.size()) +
                           " claims; the maximum is " + std::to_string(kMaxBoundClaims));
  }
  for (const auto& [name, value] : a.bound_claims) {
    if (name.empty() || name.size() > kMaxClaimName) {
      return InvalidArgument("boundClaims names must have 1 to " + std::to_string(kMaxClaimName) +
                             " characters");
    }
    if (name == "iss" || name == "aud" || name == "exp" || name == "nbf" || name == "iat") {
      return InvalidArgument("boundClaims." + name + ": bind '" + name +
                             "' with its own field (boundIssuer, boundAudiences) or not at all");
    }
    SIGNET_TRY(MaxLength(value, kMaxClaimValue, "boundClaims." + name));
    if (auth::SplitCommaList(value).empty()) {
      return InvalidArgument("boundClaims." + name + " must name at least one value or glob");
    }
  }
  auto ttl_ok = [](Millis ttl, std::string_view field) -> Status {
    if (ttl < std::chrono::seconds(1) || ttl > kMaxOidcTokenTtl) {
      return InvalidArgument(std::string(field) + " is " + Seconds(ttl) + "; it must be 1 to " +
                             Seconds(kMaxOidcTokenTtl));
    }
    return Ok();
  };
  SIGNET_TRY(ttl_ok(a.access_token_ttl, "accessTokenTTL"));
  SIGNET_TRY(ttl_ok(a.access_token_max_ttl, "accessTokenMaxTTL"));
  if (a.access_token_ttl > a.access_token_max_ttl) {
    return InvalidArgument("accessTokenTTL (" + Seconds(a.access_token_ttl) +
                           ") must not exceed accessTokenMaxTTL (" +
                           Seconds(a.access_token_max_ttl) + ")");
  }
  return Ok();
}

void Apply(const OidcAuthInput& in, domain::OidcAuth& a) {
  if (in.discovery_url) a.discovery_url = *in.discovery_url;
  if (in.bound_issuer) a.bound_issuer = *in.bound_issuer;
  if (in.bound_audiences) a.bound_audiences = *in.bound_audiences;
  if (in.bound_claims) a.bound_claims = *in.bound_claims;
  if (in.bound_subject) a.bound_subject = *in.bound_subject;
  if (in.ca_cert) a.ca_cert = *in.ca_cert;
  if (in.jwks) a.jwks = *in.jwks;
  if (in.access_token_ttl) a.access_token_ttl = *in.access_token_ttl;
  if (in.access_token_max_ttl) a.access_token_max_ttl = *in.access_token_max_ttl;
}

// What the audit log keeps of a configuration (everything but the CA and key texts, which
// are only noted as present).
std::string Details(const domain::OidcAuth& a) {
  JsonWriter claims;
  for (const auto& [name, value] : a.bound_claims) claims.Add(name, value);
  return JsonWriter()
      .Add("oidcDiscoveryUrl", a.discovery_url)
      .Add("boundIssuer", a.bound_issuer)
      .Add("boundAudiences", a.bound_audiences)
      .AddRaw("boundClaims", claims.Finish())
      .Add("boundSubject", a.bound_subject)
      .Add("caCert", !a.ca_cert.empty())
      .Add("jwks", !a.jwks.empty())
      .Add("accessTokenTTL", std::int64_t{a.access_token_ttl.count() / 1000})
      .Add("accessTokenMaxTTL", std::int64_t{a.access_token_max_ttl.count() / 1000})
      .Finish();
}

auth::OidcConfig ConfigOf(const domain::OidcAuth& a) {
  auth::OidcConfig config;
  config.discovery_url = a.discovery_url;
  config.ca_cert_pem = a.ca_cert;
  config.jwks_json = a.jwks;
  config.binding.bound_issuer = a.bound_issuer;
  config.binding.bound_audiences = auth::SplitCommaList(a.bound_audiences);
  config.binding.bound_claims = a.bound_claims;
  config.binding.bound_subject = a.bound_subject;
  return config;
}

std::string ClaimsJson(const auth::MatchedClaims& matched) {
  JsonWriter w;
  for (const auto& [name, value] : matched) w.Add(name, value.substr(0, 512));
  return w.Finish();
}

Result<domain::Identity> IdentityOf(store::Tx& tx, const std::string& identity_id) {
  return FindById(identity_id, "identity", [&] { return tx.GetIdentity(identity_id); });
}

Result<domain::OidcAuth> OidcAuthOf(store::Tx& tx, const std::string& identity_id) {
  auto a = tx.GetOidcAuth(identity_id);
  if (!a && a.error().code == ErrorCode::kNotFound) {
    return NotFound("identity '" + identity_id + "' has no OIDC auth method");
  }
  return a;
}

}  // namespace

Result<domain::OidcAuth> OidcUseCases::AttachOidcAuth(const Caller& c,
                                                      const std::string& identity_id,
                                                      const OidcAuthInput& in) {
  SIGNET_TRY(RequireOrgAdmin(c.principal));
  domain::OidcAuth a;
  a.identity_id = identity_id;
  a.access_token_ttl = kDefaultOidcTokenTtl;
  Apply(in, a);
  if (!in.access_token_max_ttl)
    a.access_token_max_ttl = std::max(a.access_token_ttl, kDefaultOidcTokenTtl);
  SIGNET_TRY(Validate(a, d_.oidc));
  return WriteWithAudit<domain::OidcAuth>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::OidcAuth> {
        SIGNET_TRY(IdentityOf(tx, identity_id));
        auto existing = tx.GetOidcAuth(identity_id);
        if (existing) {
          return AlreadyExists("identity '" + identity_id +
                               "' already has an OIDC auth method; update it with PATCH");
        }
        if (existing.error().code != ErrorCode::kNotFound) return tl::unexpected(existing.error());
        a.created_at = a.updated_at = d_.clock.Now();
        SIGNET_TRY(tx.InsertOidcAuth(a));
        e = {"identity.oidc-auth.attach", "identity", identity_id, Details(a)};
        return a;
      });
}

Result<domain::OidcAuth> OidcUseCases::GetOidcAuth(const Caller& c,
                                                   const std::string& identity_id) {
  SIGNET_TRY(RequireOrgAdmin(c.principal));
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_TRY(IdentityOf(*tx, identity_id));
  return OidcAuthOf(*tx, identity_id);
}

Result<domain::OidcAuth> OidcUseCases::UpdateOidcAuth(const Caller& c,
                                                      const std::string& identity_id,
                                                      const OidcAuthInput& in) {
  SIGNET_TRY(RequireOrgAdmin(c.principal));
  return WriteWithAudit<domain::OidcAuth>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::OidcAuth> {
        SIGNET_TRY(IdentityOf(tx, identity_id));
        SIGNET_ASSIGN_OR_RETURN(domain::OidcAuth a, OidcAuthOf(tx, identity_id));
        // Switching between discovery and an inline key set: the other one is dropped.
        if (in.jwks && !in.jwks->empty() && !in.discovery_url) a.discovery_url.clear();
        if (in.discovery_url && !in.discovery_url->empty() && !in.jwks) a.jwks.clear();
        Apply(in, a);
        SIGNET_TRY(Validate(a, d_.oidc));
        a.updated_at = d_.clock.Now();
        SIGNET_TRY(tx.UpdateOidcAuth(a));
        e = {"identity.oidc-auth.update", "identity", identity_id, Details(a)};
        return a;
      });
}

Result<domain::OidcAuth> OidcUseCases::RevokeOidcAuth(const Caller& c,
                                                      const std::string& identity_id) {
  SIGNET_TRY(RequireOrgAdmin(c.principal));
  auto result = WriteWithAudit<domain::OidcAuth>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::OidcAuth> {
        SIGNET_TRY(IdentityOf(tx, identity_id));
        SIGNET_ASSIGN_OR_RETURN(domain::OidcAuth a, OidcAuthOf(tx, identity_id));
        SIGNET_TRY(tx.DeleteOidcAuth(identity_id));
        SIGNET_ASSIGN_OR_RETURN(
            std::int64_t ended,
            tx.RevokeAccessTokensOf(domain::PrincipalType::kIdentity, identity_id));
        e = {"identity.oidc-auth.revoke", "identity", identity_id,
             JsonWriter().Add("sessionsEnded", ended).Finish()};
        return a;
      });
  if (result) d_.authenticator.ForgetAll();
  return result;
}

Result<LoginResult> OidcUseCases::OidcAuthLogin(const std::string& identity_id,
                                                std::string_view jwt,
                                                const std::string& source_ip) {
  // The throttle counts per identity (and per address, inside the throttle).
  const std::string account = "oidc:" + identity_id.substr(0, 64);
  SIGNET_TRY(ThrottleLogin(account, source_ip));
  auto fail = [&](const Error& why, bool count) -> Result<LoginResult> {
    std::optional<auth::LoginThrottle::FailureOutcome> outcome;
    if (count) outcome = d_.authenticator.throttle().Failure(account, source_ip, d_.clock.Now());
    const auto& options = d_.authenticator.throttle().options();
    auto written = WriteWithAudit<bool>(nullptr, [&](store::Tx&, AuditEntry& e) -> Result<bool> {
      JsonWriter w;
      w.Add("identityId", identity_id.substr(0, 64))
          .Add("sourceIp", source_ip)
          .Add("reason", why.message);
      if (outcome && outcome->account_locked)
        w.Add("accountLockedFor", FormatDuration(options.lockout));
      if (outcome && outcome->ip_locked)
        w.Add("sourceIpLockedFor", FormatDuration(options.lockout));
      e = {"auth.oidc-auth.failure", "identity", IsUuid(identity_id) ? identity_id : "",
           w.Finish()};
      return true;
    });
    if (!written) return tl::unexpected(written.error());
    return tl::unexpected(why);
  };

  if (d_.oidc == nullptr) return Unavailable("OIDC auth is not available on this server");
  // The identity and its method, read in a transaction of its own: verification may fetch
  // the issuer's keys over the network, which never happens inside a transaction.
  domain::Principal principal;
  Result<domain::OidcAuth> config = [&]() -> Result<domain::OidcAuth> {
    if (!IsUuid(identity_id)) return NotFound("");
    SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
    SIGNET_ASSIGN_OR_RETURN(
        principal, auth::LoadPrincipal(*tx, domain::PrincipalType::kIdentity, identity_id));
    return tx->GetOidcAuth(identity_id);
  }();
  if (!config) {
    if (config.error().code != ErrorCode::kNotFound) return tl::unexpected(config.error());
    // One answer for "no such identity" and "no OIDC method": ids are not probed this way.
    return fail(Error{ErrorCode::kUnauthenticated,
                      "OIDC login refused: identity '" + identity_id.substr(0, 64) +
                          "' does not exist or has no OIDC auth method"},
                true);
  }
  auto verified = d_.oidc->Verify(ConfigOf(*config), jwt);
  if (!verified) {
    const bool unavailable = verified.error().code == ErrorCode::kUnavailable;
    Error why = verified.error();
    if (!unavailable) why.code = ErrorCode::kUnauthenticated;
    why.message =
        (unavailable ? "OIDC login is unavailable: " : "OIDC login refused: ") + why.message;
    return fail(why, !unavailable);
  }
  d_.authenticator.throttle().Success(account);
  const std::string claims = ClaimsJson(verified->matched);
  return WriteWithAudit<LoginResult>(
      &principal, [&](store::Tx& tx, AuditEntry& e) -> Result<LoginResult> {
        // Still there, with the same method (not removed or changed while the token was checked)?
        SIGNET_ASSIGN_OR_RETURN(
            domain::Principal current,
            auth::LoadPrincipal(tx, domain::PrincipalType::kIdentity, identity_id));
        auto now_config = tx.GetOidcAuth(identity_id);
        if (!now_config || now_config->updated_at != config->updated_at) {
          return Unauthenticated(
              "OIDC login refused: the identity's OIDC auth method changed during the login; try "
              "again");
        }
        SIGNET_ASSIGN_OR_RETURN(auto token,
                                d_.authenticator.IssueToken(tx, current, config->access_token_ttl,
                                                            auth::kSessionPurpose, false, claims));
        e = {"auth.oidc-auth.login", "identity", current.id,
             JsonWriter().Add("sourceIp", source_ip).AddRaw("claims", claims).Finish()};
        return LoginResult{std::move(token.token), token.expires_in, std::nullopt};
      });
}

}  // namespace signet::service
