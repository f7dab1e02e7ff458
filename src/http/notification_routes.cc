#include "http/notification_routes.h"

#include "api/encode.h"
#include "api/json.h"
#include "common/clock.h"
#include "http/route_util.h"

namespace signet::http {
namespace {

using api::Fields;
using api::JsonArray;
using api::JsonObject;
using api::JsonValue;
using service::Caller;

constexpr std::size_t kMaxUrl = 2048;
constexpr std::size_t kMaxSecret = 256;

// {projectId?, name?, url, secret, events?, format?, enabled?}; on PATCH every field is
// optional and "secret": null removes the secret (slack/teams webhooks only).
Result<service::WebhookInput> WebhookInputOf(const Fields& f, bool create) {
  service::WebhookInput in;
  if (create) {
    SIGNET_ASSIGN_OR_RETURN(in.project, f.OptString("projectId", 64));
  }
  SIGNET_ASSIGN_OR_RETURN(in.name, f.OptString("name", 64));
  SIGNET_ASSIGN_OR_RETURN(in.url, f.OptString("url", kMaxUrl));
  if (!create && f.IsNull("secret")) {
    in.clear_secret = true;
  } else {
    SIGNET_ASSIGN_OR_RETURN(auto secret, f.OptString("secret", kMaxSecret));
    if (secret) in.secret = SecretBytes::FromString(*secret);
  }
  SIGNET_ASSIGN_OR_RETURN(in.events, f.OptStringArray("events", 32, 64));
  SIGNET_ASSIGN_OR_RETURN(in.format, f.OptString("format", 16));
  SIGNET_ASSIGN_OR_RETURN(in.enabled, f.OptBool("enabled"));
  SIGNET_TRY(f.Finish());
  return in;
}

// The SMTP settings as read back: never the password, only whether one is set.
JsonObject EncodeSmtp(const notify::SmtpSettings& s) {
  return {{"host", s.host},
          {"port", s.port},
          {"security", s.security},
          {"username", s.username.empty() ? JsonValue(nullptr) : JsonValue(s.username)},
          {"hasPassword", !s.password_sealed.empty()},
          {"from", s.from},
          {"caCertificate",
           s.ca_certificate_pem.empty() ? JsonValue(nullptr) : JsonValue(s.ca_certificate_pem)},
          {"updatedAt", FormatTime(s.updated_at)}};
}

// {host, port?, security?, username?, password?, from, caCertificate?}
Result<service::SmtpInput> SmtpInputOf(const Fields& f) {
  service::SmtpInput in;
  SIGNET_ASSIGN_OR_RETURN(in.host, f.String("host", 253));
  SIGNET_ASSIGN_OR_RETURN(auto security, f.OptString("security", 16));
  in.security = security.value_or("starttls");
  SIGNET_ASSIGN_OR_RETURN(auto port, f.OptInt("port", 1, 65535));
  in.port = port.value_or(in.security == "tls" ? 465 : in.security == "none" ? 25 : 587);
  SIGNET_ASSIGN_OR_RETURN(auto username, f.OptString("username", 256));
  in.username = username.value_or("");
  if (f.IsNull("password")) {
    in.clear_password = true;
  } else {
    SIGNET_ASSIGN_OR_RETURN(auto password, f.OptString("password", 1024));
    if (password) in.password = SecretBytes::FromString(*password);
  }
  SIGNET_ASSIGN_OR_RETURN(in.from, f.String("from", 320));
  SIGNET_ASSIGN_OR_RETURN(auto ca, f.OptString("caCertificate", 65536));
  in.ca_certificate_pem = ca.value_or("");
  SIGNET_TRY(f.Finish());
  return in;
}

}  // namespace

void RegisterNotificationRoutes(Router& router, service::Service& svc) {
  auto authed = [&svc](AuthedFn fn) { return Authed(svc, std::move(fn)); };
  const std::string hooks = "/api/v1/notifications/webhooks";

  router.Add(
      "POST", hooks,
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        SIGNET_ASSIGN_OR_RETURN(auto in, WebhookInputOf(Fields(body), true));
        SIGNET_ASSIGN_OR_RETURN(auto w, svc.CreateWebhook(c, in));
        return JsonResponse(api::EncodeWebhook(w));
      }));
  router.Add(
      "GET", hooks,
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(auto paging, PagingOf(req));
        SIGNET_ASSIGN_OR_RETURN(auto page, svc.ListWebhooks(c, QueryOpt(req, "projectId"), paging));
        return ListResponse("webhooks", page, api::EncodeWebhook);
      }));
  router.Add(
      "GET", hooks + "/{id}",
      authed([&svc](const Request&, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "webhookId"));
        SIGNET_ASSIGN_OR_RETURN(auto w, svc.GetWebhook(c, id));
        return JsonResponse(api::EncodeWebhook(w));
      }));
  router.Add(
      "PATCH", hooks + "/{id}",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "webhookId"));
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        SIGNET_ASSIGN_OR_RETURN(auto in, WebhookInputOf(Fields(body), false));
        SIGNET_ASSIGN_OR_RETURN(auto w, svc.UpdateWebhook(c, id, in));
        return JsonResponse(api::EncodeWebhook(w));
      }));
  router.Add(
      "DELETE", hooks + "/{id}",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "webhookId"));
        SIGNET_TRY(api::NoFields(req.body));
        SIGNET_ASSIGN_OR_RETURN(auto w, svc.DeleteWebhook(c, id));
        return JsonResponse(api::EncodeWebhook(w));
      }));
  router.Add(
      "GET", hooks + "/{id}/deliveries",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "webhookId"));
        SIGNET_ASSIGN_OR_RETURN(auto paging, PagingOf(req));
        SIGNET_ASSIGN_OR_RETURN(auto page, svc.ListWebhookDeliveries(c, id, paging));
        return ListResponse("deliveries", page, api::EncodeDelivery);
      }));
  router.Add(
      "POST", hooks + "/{id}/test",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "webhookId"));
        SIGNET_TRY(api::NoFields(req.body));
        SIGNET_ASSIGN_OR_RETURN(auto d, svc.TestWebhook(c, id));
        return JsonResponse(api::EncodeDelivery(d));
      }));

  const std::string smtp = "/api/v1/notifications/smtp";
  router.Add(
      "PUT", smtp,
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        SIGNET_ASSIGN_OR_RETURN(auto in, SmtpInputOf(Fields(body)));
        SIGNET_ASSIGN_OR_RETURN(auto s, svc.PutSmtp(c, in));
        return JsonResponse(EncodeSmtp(s));
      }));
  router.Add("GET", smtp,
             authed([&svc](const Request&, const PathParams&, const Caller& c) -> Result<Response> {
               SIGNET_ASSIGN_OR_RETURN(auto s, svc.GetSmtp(c));
               return JsonResponse(EncodeSmtp(s));
             }));
  router.Add(
      "DELETE", smtp,
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_TRY(api::NoFields(req.body));
        SIGNET_ASSIGN_OR_RETURN(auto s, svc.DeleteSmtp(c));
        return JsonResponse(EncodeSmtp(s));
      }));
}

}  // namespace signet::http
