#include "http/session_routes.h"

#include <chrono>

#include "api/json.h"
#include "auth/browser_session.h"
#include "http/browser_session.h"
#include "http/route_util.h"

namespace signet::http {
namespace {

using api::Fields;
using api::JsonObject;

api::JsonValue PrincipalJson(const domain::Principal& p) {
  JsonObject o{{"type", domain::PrincipalTypeName(p.type)},
               {"id", p.id},
               {"name", p.name},
               {"orgRole", domain::OrgRoleName(p.org_role)}};
  if (p.type == domain::PrincipalType::kUser) {
    o["email"] = p.name;
    o["mfa"] = p.mfa;
  }
  return o;
}

}  // namespace

// A form on another site can post only form encodings or text/plain; insisting on JSON keeps
// a cross-site page from logging the browser into an account of its choosing.
bool IsJsonContentType(std::string_view value) {
  const std::string_view kJson = "application/json";
  if (value.size() < kJson.size()) return false;
  for (std::size_t i = 0; i < kJson.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != kJson[i]) return false;
  }
  return value.size() == kJson.size() || value[kJson.size()] == ';' || value[kJson.size()] == ' ';
}

namespace {

// POST: checks the password like /auth/login (throttled, audited), then sets the cookie.
Result<Response> LogIn(service::Service& svc, bool tls, const Request& req) {
  if (!IsJsonContentType(req.Header("content-type"))) {
    return InvalidArgument("Content-Type must be application/json");
  }
  SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
  Fields f(body);
  SIGNET_ASSIGN_OR_RETURN(std::string email, f.String("email", 254));
  SIGNET_ASSIGN_OR_RETURN(std::string password, f.String("password", 256));
  SIGNET_TRY(f.Finish());
  SIGNET_ASSIGN_OR_RETURN(auto login,
                          svc.Login(email, SecretBytes::FromString(password), req.remote_ip));
  if (login.mfa_required) {
    // No cookie yet: the console asks for the code, then POST /api/v1/auth/session/mfa.
    return JsonResponse(JsonObject{{"mfaRequired", true},
                                   {"mfaToken", std::string(login.access_token.string_view())},
                                   {"expiresIn", login.expires_in.count() / 1000}});
  }
  return StartSession(svc, tls, req, login);
}

}  // namespace

Result<Response> StartSession(service::Service& svc, bool tls, const Request& req,
                              const service::LoginResult& login) {
  const std::string_view token = login.access_token.string_view();
  SIGNET_ASSIGN_OR_RETURN(auto principal, svc.Authenticate(token));
  const auto max_age = std::chrono::duration_cast<std::chrono::seconds>(login.expires_in);
  Response response = JsonResponse(JsonObject{{"principal", PrincipalJson(principal)},
                                              {"csrfToken", auth::CsrfTokenFor(token)},
                                              {"expiresIn", max_age.count()}});
  response.headers.emplace_back("Set-Cookie",
                                SessionSetCookie(token, max_age, OverHttps(req, tls)));
  return response;
}

namespace {

// GET: who is calling; the CSRF token only for a cookie session (a bearer client needs none).
Result<Response> WhoAmI(const Request& req, const service::Caller& c) {
  const bool by_cookie = BearerToken(req).empty();
  return JsonResponse(
      JsonObject{{"principal", PrincipalJson(c.principal)},
                 {"csrfToken", by_cookie ? api::JsonValue(auth::CsrfTokenFor(SessionCookie(req)))
                                         : api::JsonValue(nullptr)}});
}

// DELETE: revokes the token the request came with and clears the cookie.
Result<Response> LogOut(service::Service& svc, bool tls, const Request& req,
                        const service::Caller& c) {
  SIGNET_TRY(api::NoFields(req.body));
  SIGNET_TRY(svc.Logout(c, PresentedToken(req)));
  Response response = JsonResponse(JsonObject{{"message", "logged out"}});
  response.headers.emplace_back("Set-Cookie", SessionClearCookie(OverHttps(req, tls)));
  return response;
}

}  // namespace

void RegisterSessionRoutes(Router& router, service::Service& svc, SessionOptions options) {
  const bool tls = options.tls;
  const std::string path = "/api/v1/auth/session";
  router.Add("POST", path, Open([&svc, tls](const Request& req, const PathParams&) {
               return LogIn(svc, tls, req);
             }));
  router.Add("GET", path,
             Authed(svc, [](const Request& req, const PathParams&, const service::Caller& c) {
               return WhoAmI(req, c);
             }));
  router.Add(
      "DELETE", path,
      Authed(svc, [&svc, tls](const Request& req, const PathParams&, const service::Caller& c) {
        return LogOut(svc, tls, req, c);
      }));
}

}  // namespace signet::http
