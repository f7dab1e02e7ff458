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
  if (p.type == domain::PrincipalType::kUser) o["email"] = p.name;
  return o;
}

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

Status OnlyFields(const JsonObject& body, std::initializer_list<std::string_view> known) {
  for (const auto& field : body) {
    bool ok = false;
    for (std::string_view k : known) ok = ok || field.key() == k;
    if (!ok) return InvalidArgument("unknown field '" + std::string(field.key()) + "'");
  }
  return Ok();
}

}  // namespace

void RegisterSessionRoutes(Router& router, service::Service& svc, SessionOptions options) {
  const bool tls = options.tls;
  const std::string path = "/api/v1/auth/session";

  router.Add(
      "POST", path, Open([&svc, tls](const Request& req, const PathParams&) -> Result<Response> {
        if (!IsJsonContentType(req.Header("content-type"))) {
          return InvalidArgument("Content-Type must be application/json");
        }
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        SIGNET_TRY(OnlyFields(body, {"email", "password"}));
        Fields f(body);
        SIGNET_ASSIGN_OR_RETURN(std::string email, f.String("email", 254));
        SIGNET_ASSIGN_OR_RETURN(std::string password, f.String("password", 256));
        SIGNET_ASSIGN_OR_RETURN(auto login,
                                svc.Login(email, SecretBytes::FromString(password), req.remote_ip));
        const std::string_view token = login.access_token.string_view();
        SIGNET_ASSIGN_OR_RETURN(auto principal, svc.Authenticate(token));
        const auto max_age = std::chrono::duration_cast<std::chrono::seconds>(login.expires_in);
        Response response = JsonResponse(JsonObject{{"principal", PrincipalJson(principal)},
                                                    {"csrfToken", auth::CsrfTokenFor(token)},
                                                    {"expiresIn", max_age.count()}});
        response.headers.emplace_back("Set-Cookie",
                                      SessionSetCookie(token, max_age, OverHttps(req, tls)));
        return response;
      }));

  router.Add(
      "GET", path,
      Authed(
          svc,
          [](const Request& req, const PathParams&, const service::Caller& c) -> Result<Response> {
            // The CSRF token only for a cookie session: a bearer client needs none.
            const bool by_cookie = BearerToken(req).empty();
            return JsonResponse(JsonObject{
                {"principal", PrincipalJson(c.principal)},
                {"csrfToken", by_cookie ? api::JsonValue(auth::CsrfTokenFor(SessionCookie(req)))
                                        : api::JsonValue(nullptr)}});
          }));

  router.Add("DELETE", path,
             Authed(svc,
                    [&svc, tls](const Request& req, const PathParams&,
                                const service::Caller& c) -> Result<Response> {
                      SIGNET_TRY(svc.Logout(c, PresentedToken(req)));
                      Response response = JsonResponse(JsonObject{{"message", "logged out"}});
                      response.headers.emplace_back("Set-Cookie",
                                                    SessionClearCookie(OverHttps(req, tls)));
                      return response;
                    }));
}

}  // namespace signet::http
