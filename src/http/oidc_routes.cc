// Infisical's OIDC Auth routes for machine identities (docs/ci-identities.md):
//   POST|GET|PATCH|DELETE /api/v1/auth/oidc-auth/identities/{identityId}  (org admin)
//   POST /api/v1/auth/oidc-auth/login {identityId, jwt} → the Universal Auth login reply
#include "http/oidc_routes.h"

#include "http/route_util.h"

namespace signet::http {
namespace {

using api::Fields;
using api::JsonObject;

constexpr std::int64_t kMaxTtlSeconds = service::kMaxOidcTokenTtl.count() / 1000;

// The body of attach (`create`) or update into `in`; Infisical fields Signet does not
// implement are refused, saying so.
Status DecodeOidcAuth(const JsonObject& body, service::OidcAuthInput& in) {
  Fields f(body);
  SIGNET_ASSIGN_OR_RETURN(in.discovery_url, f.OptString("oidcDiscoveryUrl", 2048));
  SIGNET_ASSIGN_OR_RETURN(in.bound_issuer, f.OptString("boundIssuer", 1024));
  SIGNET_ASSIGN_OR_RETURN(in.bound_audiences, f.OptString("boundAudiences", 2048));
  SIGNET_ASSIGN_OR_RETURN(in.bound_subject, f.OptString("boundSubject", 1024));
  SIGNET_ASSIGN_OR_RETURN(in.ca_cert, f.OptString("caCert", 64 * 1024));
  SIGNET_ASSIGN_OR_RETURN(in.jwks, f.OptString("jwks", 64 * 1024));
  SIGNET_ASSIGN_OR_RETURN(auto claims, f.OptObject("boundClaims"));
  if (claims) {
    std::map<std::string, std::string> bound;
    for (const auto& [name, value] : *claims) {
      if (!value.is_string()) {
        return InvalidArgument("boundClaims." + std::string(name) +
                               " must be a string (comma-separated exact values or globs)");
      }
      bound[std::string(name)] = std::string(value.as_string());
    }
    in.bound_claims = std::move(bound);
  }
  SIGNET_ASSIGN_OR_RETURN(auto ttl, f.OptInt("accessTokenTTL", 1, kMaxTtlSeconds));
  if (ttl) in.access_token_ttl = std::chrono::seconds(*ttl);
  SIGNET_ASSIGN_OR_RETURN(auto max_ttl, f.OptInt("accessTokenMaxTTL", 1, kMaxTtlSeconds));
  if (max_ttl) in.access_token_max_ttl = std::chrono::seconds(*max_ttl);
  SIGNET_ASSIGN_OR_RETURN(auto uses, f.OptInt("accessTokenNumUsesLimit", 0, 0));
  (void)uses;  // 0 (no limit) is what Signet's tokens are; any other value is refused above
  SIGNET_TRY(f.Refuse("accessTokenTrustedIps",
                      "Signet does not bind tokens to addresses; bind the identity to its "
                      "workload with boundSubject and boundClaims"));
  SIGNET_TRY(f.Refuse("claimMetadataMapping",
                      "Signet records the claims that matched with every audit event instead"));
  return f.Finish();
}

JsonObject EncodeOidcAuth(const domain::OidcAuth& a) {
  JsonObject claims;
  for (const auto& [name, value] : a.bound_claims) claims[name] = value;
  return JsonObject{
      {"id", a.identity_id},
      {"identityId", a.identity_id},
      {"oidcDiscoveryUrl", a.discovery_url},
      {"boundIssuer", a.bound_issuer},
      {"boundAudiences", a.bound_audiences},
      {"boundClaims", std::move(claims)},
      {"boundSubject", a.bound_subject},
      {"caCert", a.ca_cert},
      {"jwks", a.jwks},
      {"accessTokenTTL", a.access_token_ttl.count() / 1000},
      {"accessTokenMaxTTL", a.access_token_max_ttl.count() / 1000},
      {"accessTokenNumUsesLimit", 0},
      {"createdAt", FormatTime(a.created_at)},
      {"updatedAt", FormatTime(a.updated_at)},
  };
}

Response OidcAuthResponse(const domain::OidcAuth& a) {
  return JsonResponse(JsonObject{{"identityOidcAuth", EncodeOidcAuth(a)}});
}

}  // namespace

void RegisterOidcRoutes(Router& router, service::Service& svc) {
  auto authed = [&svc](AuthedFn fn) { return Authed(svc, std::move(fn)); };
  const std::string path = "/api/v1/auth/oidc-auth/identities/{id}";

  router.Add("POST", path,
             authed([&svc](const Request& req, const PathParams& p,
                           const service::Caller& c) -> Result<Response> {
               SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "identityId"));
               SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
               service::OidcAuthInput in;
               SIGNET_TRY(DecodeOidcAuth(body, in));
               SIGNET_ASSIGN_OR_RETURN(auto a, svc.AttachOidcAuth(c, id, in));
               return OidcAuthResponse(a);
             }));
  router.Add("GET", path,
             authed([&svc](const Request&, const PathParams& p,
                           const service::Caller& c) -> Result<Response> {
               SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "identityId"));
               SIGNET_ASSIGN_OR_RETURN(auto a, svc.GetOidcAuth(c, id));
               return OidcAuthResponse(a);
             }));
  router.Add("PATCH", path,
             authed([&svc](const Request& req, const PathParams& p,
                           const service::Caller& c) -> Result<Response> {
               SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "identityId"));
               SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
               service::OidcAuthInput in;
               SIGNET_TRY(DecodeOidcAuth(body, in));
               SIGNET_ASSIGN_OR_RETURN(auto a, svc.UpdateOidcAuth(c, id, in));
               return OidcAuthResponse(a);
             }));
  router.Add("DELETE", path,
             authed([&svc](const Request& req, const PathParams& p,
                           const service::Caller& c) -> Result<Response> {
               SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "identityId"));
               SIGNET_TRY(api::NoFields(req.body));
               SIGNET_ASSIGN_OR_RETURN(auto a, svc.RevokeOidcAuth(c, id));
               return OidcAuthResponse(a);
             }));

  router.Add(
      "POST", "/api/v1/auth/oidc-auth/login",
      Open([&svc](const Request& req, const PathParams&) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        SIGNET_ASSIGN_OR_RETURN(std::string identity_id, f.String("identityId", 64));
        SIGNET_ASSIGN_OR_RETURN(std::string jwt, f.String("jwt", auth::kMaxJwtLength));
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(auto r, svc.OidcAuthLogin(identity_id, jwt, req.remote_ip));
        return JsonResponse(JsonObject{{"accessToken", std::string(r.access_token.string_view())},
                                       {"expiresIn", r.expires_in.count() / 1000},
                                       {"accessTokenMaxTTL", r.expires_in.count() / 1000},
                                       {"tokenType", "Bearer"}});
      }));
}

}  // namespace signet::http
