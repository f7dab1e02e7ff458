#include "http/mfa_routes.h"

#include "api/json.h"
#include "http/route_util.h"

namespace signet::http {
namespace {

using api::Fields;
using api::JsonArray;
using api::JsonObject;
using service::Caller;

constexpr std::size_t kMaxCode = 64;

// {code} or {recoveryCode}; the service checks that exactly one is given.
Result<service::MfaProof> ProofOf(Fields& f) {
  service::MfaProof proof;
  SIGNET_ASSIGN_OR_RETURN(proof.code, f.OptString("code", kMaxCode));
  SIGNET_ASSIGN_OR_RETURN(proof.recovery_code, f.OptString("recoveryCode", kMaxCode));
  return proof;
}

Result<Response> RecoveryCodesResponse(const std::vector<SecretBytes>& codes) {
  JsonArray list;
  for (const auto& code : codes) list.emplace_back(std::string(code.string_view()));
  Response r = JsonResponse(JsonObject{{"recoveryCodes", std::move(list)}});
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

// The second login step shared by the bearer and the cookie routes.
Result<service::LoginResult> Verify(service::Service& svc, const Request& req) {
  SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
  Fields f(body);
  SIGNET_ASSIGN_OR_RETURN(std::string token, f.String("mfaToken", 256));
  SIGNET_ASSIGN_OR_RETURN(service::MfaProof proof, ProofOf(f));
  SIGNET_TRY(f.Finish());
  return svc.VerifyMfaLogin(token, proof, req.remote_ip);
}

}  // namespace

void RegisterMfaRoutes(Router& router, service::Service& svc, SessionOptions options) {
  auto authed = [&svc](AuthedFn fn) { return Authed(svc, std::move(fn)); };
  const bool tls = options.tls;

  router.Add("POST", "/api/v1/auth/mfa/verify",
             Open([&svc](const Request& req, const PathParams&) -> Result<Response> {
               SIGNET_ASSIGN_OR_RETURN(auto login, Verify(svc, req));
               Response r = JsonResponse(
                   JsonObject{{"accessToken", std::string(login.access_token.string_view())},
                              {"expiresIn", login.expires_in.count() / 1000},
                              {"tokenType", "Bearer"}});
               return r;
             }));
  router.Add("POST", "/api/v1/auth/session/mfa",
             Open([&svc, tls](const Request& req, const PathParams&) -> Result<Response> {
               if (!IsJsonContentType(req.Header("content-type"))) {
                 return InvalidArgument("Content-Type must be application/json");
               }
               SIGNET_ASSIGN_OR_RETURN(auto login, Verify(svc, req));
               return StartSession(svc, tls, req, login);
             }));

  router.Add("GET", "/api/v1/auth/mfa",
             authed([&svc](const Request&, const PathParams&, const Caller& c) -> Result<Response> {
               SIGNET_ASSIGN_OR_RETURN(auto s, svc.GetMfaStatus(c));
               return JsonResponse(JsonObject{
                   {"enabled", s.enabled},
                   {"pending", s.pending},
                   {"recoveryCodesLeft", static_cast<std::int64_t>(s.recovery_codes_left)},
                   {"sessionVerified", s.session_verified},
                   {"required", std::string(service::MfaRequirementName(s.requirement))}});
             }));
  router.Add(
      "POST", "/api/v1/auth/mfa/totp/enroll",
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_TRY(api::NoFields(req.body));
        SIGNET_ASSIGN_OR_RETURN(auto e, svc.EnrollTotp(c));
        Response r =
            JsonResponse(JsonObject{{"secret", e.secret_base32}, {"otpauthUri", e.otpauth_uri}});
        r.headers.emplace_back("Cache-Control", "no-store");
        return r;
      }));
  router.Add(
      "POST", "/api/v1/auth/mfa/totp/confirm",
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        SIGNET_ASSIGN_OR_RETURN(std::string code, f.String("code", kMaxCode));
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(auto codes, svc.ConfirmTotp(c, PresentedToken(req), code));
        return RecoveryCodesResponse(codes);
      }));
  router.Add(
      "POST", "/api/v1/auth/mfa/totp/disable",
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        SIGNET_ASSIGN_OR_RETURN(service::MfaProof proof, ProofOf(f));
        SIGNET_TRY(f.Finish());
        SIGNET_TRY(svc.DisableTotp(c, proof));
        return JsonResponse(JsonObject{{"message", "authenticator removed"}});
      }));
  router.Add(
      "POST", "/api/v1/auth/mfa/recovery-codes",
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        SIGNET_ASSIGN_OR_RETURN(service::MfaProof proof, ProofOf(f));
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(auto codes, svc.RegenerateRecoveryCodes(c, proof));
        return RecoveryCodesResponse(codes);
      }));
  router.Add(
      "DELETE", "/api/v1/users/{id}/mfa",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_TRY(api::NoFields(req.body));
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "userId"));
        SIGNET_TRY(svc.ResetUserMfa(c, id));
        return JsonResponse(
            JsonObject{{"message", "authenticator removed; the user's sessions ended"}});
      }));
  router.Add(
      "GET", "/api/v1/admin/mfa-policy",
      authed([&svc](const Request&, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(auto r, svc.GetMfaRequirement(c));
        return JsonResponse(JsonObject{{"required", std::string(service::MfaRequirementName(r))}});
      }));
  router.Add(
      "PUT", "/api/v1/admin/mfa-policy",
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        SIGNET_ASSIGN_OR_RETURN(std::string required, f.String("required", 16));
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(auto r, service::ParseMfaRequirement(required));
        SIGNET_ASSIGN_OR_RETURN(auto set, svc.SetMfaRequirement(c, r));
        return JsonResponse(
            JsonObject{{"required", std::string(service::MfaRequirementName(set))}});
      }));
}

}  // namespace signet::http
