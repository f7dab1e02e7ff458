#pragma once
// Use cases of the OIDC auth method of machine identities (docs/ci-identities.md).

#include "service/context.h"

namespace signet::service {

// An identity's OIDC auth method (Infisical's attach/update body; docs/ci-identities.md).
// Attach: absent fields take their defaults; update: absent fields keep their value.
struct OidcAuthInput {
  std::optional<std::string> discovery_url;
  std::optional<std::string> bound_issuer;
  std::optional<std::string> bound_audiences;  // comma-separated
  std::optional<std::map<std::string, std::string>> bound_claims;
  std::optional<std::string> bound_subject;
  std::optional<std::string> ca_cert;
  std::optional<std::string> jwks;  // an inline JSON Web Key Set, for air-gapped servers
  std::optional<Millis> access_token_ttl;
  std::optional<Millis> access_token_max_ttl;
};

// Access tokens from an OIDC login live this long unless the method says otherwise, and
// never longer than the maximum.
inline constexpr Millis kDefaultOidcTokenTtl = std::chrono::hours(1);

inline constexpr Millis kMaxOidcTokenTtl = std::chrono::hours(24);

class OidcUseCases : public virtual Context {
 public:
  // ---- OIDC auth of machine identities (org admin; docs/ci-identities.md) ----
  // AlreadyExists when the identity has one (update it instead).
  [[nodiscard]] Result<domain::OidcAuth> AttachOidcAuth(const Caller& c,
                                                        const std::string& identity_id,
                                                        const OidcAuthInput& in);
  [[nodiscard]] Result<domain::OidcAuth> GetOidcAuth(const Caller& c,
                                                     const std::string& identity_id);
  [[nodiscard]] Result<domain::OidcAuth> UpdateOidcAuth(const Caller& c,
                                                        const std::string& identity_id,
                                                        const OidcAuthInput& in);

  // Removes the method and ends the identity's sessions.
  [[nodiscard]] Result<domain::OidcAuth> RevokeOidcAuth(const Caller& c,
                                                        const std::string& identity_id);

  // A token of the identity's OIDC issuer → an access token of the method's TTL. Every
  // refusal is 401 saying which check failed (never echoing the token) and audited as
  // auth.oidc-auth.failure; 503 when the issuer's keys cannot be had.
  [[nodiscard]] Result<LoginResult> OidcAuthLogin(const std::string& identity_id,
                                                  std::string_view jwt,
                                                  const std::string& source_ip);

 protected:
  explicit OidcUseCases(const Deps& deps) : Context(deps) {}
};

}  // namespace signet::service
