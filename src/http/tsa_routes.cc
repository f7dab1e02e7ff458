#include "http/tsa_routes.h"

#include "api/encode.h"
#include "api/json.h"
#include "common/uuid.h"
#include "http/route_util.h"

namespace signet::http {
namespace {

using api::Fields;
using api::JsonObject;
using service::Caller;

constexpr const char* kReplyType = "application/timestamp-reply";

// A TSA answers everything it can judge with a TimeStampResp (refusals included); HTTP errors
// are left for what is not the TSA's to judge: no such TSA, a token missing or wrong, a rate
// limit, a body over the server's limit.
Handler TimestampHandler(service::Service& svc, bool default_tsa) {
  // On the worker pool: Service::Timestamp waits for the group commit of the serial, then
  // signs the token on this thread.
  return [&svc, default_tsa](const Request& req, const PathParams& p) -> Response {
    std::string tsa_id;
    if (!default_tsa) {
      auto id = PathId(p, "id", "tsaId");
      if (!id) return ErrorResponse(id.error(), req);
      tsa_id = *id;
    }
    std::optional<Caller> caller;
    if (std::string_view token = BearerToken(req); !token.empty()) {
      auto principal = svc.Authenticate(token);
      if (!principal) return ErrorResponse(principal.error(), req);
      caller = Caller{std::move(*principal), req.remote_ip, req.request_id};
    }
    Response out;
    svc.Timestamp(caller ? &*caller : nullptr, req.remote_ip, tsa_id, AsBytes(req.body),
                  [&req, &out](Result<service::TimestampResult> r) {
                    if (!r) {
                      out = ErrorResponse(r.error(), req);
                      return;
                    }
                    out = Response{200, std::string(AsString(r->reply)), kReplyType, {}};
                    if (r->granted) out.headers.emplace_back("Signet-Timestamp-Serial", r->serial);
                  });
    return out;
  };
}

}  // namespace

void RegisterTsaRoutes(Router& router, service::Service& svc) {
  auto authed = [&svc](AuthedFn fn) { return Authed(svc, std::move(fn)); };
  const std::string base = "/api/v1/pki/tsa";

  router.Add(
      "POST", base,
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        service::CreateTsaInput in;
        SIGNET_ASSIGN_OR_RETURN(in.project, f.OptString("projectId", 64));
        SIGNET_ASSIGN_OR_RETURN(in.name, f.String("name", 64));
        SIGNET_ASSIGN_OR_RETURN(std::string ca_id, f.String("caId", 64));
        SIGNET_ASSIGN_OR_RETURN(in.ca_id, ParseUuid(ca_id, "caId"));
        SIGNET_ASSIGN_OR_RETURN(auto algorithm, f.OptString("keyAlgorithm", 32));
        if (algorithm) {
          SIGNET_ASSIGN_OR_RETURN(in.key_algorithm, domain::ParseKeyAlgorithm(*algorithm));
        }
        SIGNET_ASSIGN_OR_RETURN(auto ttl, f.OptInt("ttlDays", 1, 3650));
        if (ttl) in.ttl_days = *ttl;
        SIGNET_ASSIGN_OR_RETURN(auto policy, f.OptString("policyOid", 200));
        if (policy) in.policy_oid = *policy;
        SIGNET_ASSIGN_OR_RETURN(auto accuracy, f.OptInt("accuracyMs", 0, 60'000));
        if (accuracy) in.accuracy_ms = *accuracy;
        SIGNET_ASSIGN_OR_RETURN(auto require_auth, f.OptBool("requireAuth"));
        in.require_auth = require_auth.value_or(false);
        SIGNET_ASSIGN_OR_RETURN(in.is_default, f.OptBool("isDefault"));
        SIGNET_ASSIGN_OR_RETURN(in.key, KeyChoiceOf(f));
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(auto tsa, svc.CreateTsa(c, in));
        return JsonResponse(api::EncodeTsa(tsa));
      }));
  // A TSA from a certificate and key made elsewhere (PEM pair or PKCS#12).
  router.Add(
      "POST", base + "/import",
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        service::ImportTsaInput in;
        SIGNET_ASSIGN_OR_RETURN(in.project, f.OptString("projectId", 64));
        SIGNET_ASSIGN_OR_RETURN(in.name, f.String("name", 64));
        SIGNET_ASSIGN_OR_RETURN(in.certificate, ImportedKeyPairOf(f));
        SIGNET_ASSIGN_OR_RETURN(auto policy, f.OptString("policyOid", 200));
        if (policy) in.policy_oid = *policy;
        SIGNET_ASSIGN_OR_RETURN(auto accuracy, f.OptInt("accuracyMs", 0, 60'000));
        if (accuracy) in.accuracy_ms = *accuracy;
        SIGNET_ASSIGN_OR_RETURN(auto require_auth, f.OptBool("requireAuth"));
        in.require_auth = require_auth.value_or(false);
        SIGNET_ASSIGN_OR_RETURN(in.is_default, f.OptBool("isDefault"));
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(auto tsa, svc.ImportTsa(c, std::move(in)));
        return JsonResponse(api::EncodeTsa(tsa));
      }));
  router.Add(
      "GET", base,
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(auto paging, PagingOf(req));
        SIGNET_ASSIGN_OR_RETURN(auto page, svc.ListTsas(c, QueryOpt(req, "projectId"), paging));
        return ListResponse("tsas", page, api::EncodeTsa);
      }));
  router.Add(
      "GET", base + "/{id}",
      authed([&svc](const Request&, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "tsaId"));
        SIGNET_ASSIGN_OR_RETURN(auto tsa, svc.GetTsa(c, id));
        return JsonResponse(api::EncodeTsa(tsa));
      }));
  router.Add(
      "PATCH", base + "/{id}",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "tsaId"));
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        service::UpdateTsaInput in;
        SIGNET_ASSIGN_OR_RETURN(in.name, f.OptString("name", 64));
        SIGNET_ASSIGN_OR_RETURN(in.policy_oid, f.OptString("policyOid", 200));
        SIGNET_ASSIGN_OR_RETURN(in.accuracy_ms, f.OptInt("accuracyMs", 0, 60'000));
        SIGNET_ASSIGN_OR_RETURN(in.require_auth, f.OptBool("requireAuth"));
        SIGNET_ASSIGN_OR_RETURN(in.is_default, f.OptBool("isDefault"));
        SIGNET_ASSIGN_OR_RETURN(auto status, f.OptString("status", 16));
        if (status) {
          SIGNET_ASSIGN_OR_RETURN(in.status, domain::ParseCaStatus(*status));
        }
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(auto tsa, svc.UpdateTsa(c, id, in));
        return JsonResponse(api::EncodeTsa(tsa));
      }));
  router.Add(
      "DELETE", base + "/{id}",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "tsaId"));
        SIGNET_TRY(api::NoFields(req.body));
        SIGNET_ASSIGN_OR_RETURN(auto tsa, svc.DeleteTsa(c, id));
        return JsonResponse(api::EncodeTsa(tsa));
      }));
  router.Add(
      "GET", base + "/{id}/certificate",
      authed([&svc](const Request&, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "tsaId"));
        SIGNET_ASSIGN_OR_RETURN(auto bundle, svc.TsaCertificate(c, id));
        return JsonResponse(JsonObject{{"certificatePem", bundle.certificate_pem},
                                       {"certificateChainPem", bundle.certificate_chain_pem},
                                       {"serialNumber", bundle.serial_number}});
      }));
  router.Add("POST", base + "/{id}/timestamp", TimestampHandler(svc, false));
  router.Add("POST", "/tsa", TimestampHandler(svc, true));
}

}  // namespace signet::http
