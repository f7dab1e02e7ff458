#include "http/policy_routes.h"

#include "http/policy_decode.h"

#include "http/route_util.h"

#include "api/client_metadata.h"
#include "api/encode.h"
#include "api/error.h"
#include "api/json.h"
#include "common/duration.h"
#include "common/uuid.h"

namespace signet::http {
namespace {

using api::Fields;
using api::JsonArray;
using api::JsonObject;
using api::JsonValue;
using service::Caller;

constexpr std::size_t kMaxText = 1024;
// Durations are parsed here only for their form; service/ and policy/ check them against the
// limits and name the limit in the message.
constexpr Millis kAnyDurationMin{1};
constexpr Millis kAnyDurationMax{3650LL * 24 * 3600 * 1000};
// Bounds on what is parsed at all; the service applies the real limits (policy/signing_policy.h).
constexpr std::size_t kParseMaxItems = 100;
constexpr std::int64_t kParseMaxCount = 1'000'000'000'000LL;

}  // namespace

Result<std::optional<Millis>> OptDuration(const Fields& f, const char* name) {
  SIGNET_ASSIGN_OR_RETURN(auto text, f.OptString(name, 16));
  if (!text) return std::optional<Millis>();
  SIGNET_ASSIGN_OR_RETURN(Millis d,
                          ParseDuration(*text, f.Name(name), kAnyDurationMin, kAnyDurationMax));
  return std::optional<Millis>(d);
}

Result<std::optional<TimePoint>> OptTime(const Fields& f, const char* name) {
  SIGNET_ASSIGN_OR_RETURN(auto text, f.OptString(name, 64));
  if (!text) return std::optional<TimePoint>();
  SIGNET_ASSIGN_OR_RETURN(TimePoint t, ParseTime(*text, f.Name(name)));
  return std::optional<TimePoint>(t);
}

// steps: [{name?, requiredApprovals, approvers: [{type: "user", id}]}]
Result<std::vector<domain::PolicyStep>> StepsOf(const JsonArray& array) {
  if (array.size() > kParseMaxItems) {
    return InvalidArgument("steps has " + std::to_string(array.size()) + " steps; the maximum is " +
                           std::to_string(kParseMaxItems));
  }
  std::vector<domain::PolicyStep> steps;
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string prefix = "steps[" + std::to_string(i) + "].";
    if (!array[i].is_object())
      return InvalidArgument("steps[" + std::to_string(i) + "] must be an object");
    Fields s(array[i].as_object(), prefix);
    SIGNET_TRY(s.Refuse("approverGroupIds",
                        "groups are not part of Signet; list each approver as "
                        "{\"type\":\"user\",\"id\":…}"));
    domain::PolicyStep step;
    SIGNET_ASSIGN_OR_RETURN(auto name, s.OptString("name", 64));
    step.name = name.value_or("");
    // Whether the step's approvers are told (e-mail) when a request reaches the step;
    // webhooks get every event regardless (docs/notifications.md).
    SIGNET_ASSIGN_OR_RETURN(auto notify, s.OptBool("notifyApprovers"));
    step.notify_approvers = notify.value_or(true);
    SIGNET_ASSIGN_OR_RETURN(step.required_approvals, s.Int("requiredApprovals", 1, kParseMaxCount));
    SIGNET_ASSIGN_OR_RETURN(auto approvers, s.OptArray("approvers"));
    if (!approvers) return InvalidArgument(prefix + "approvers is required");
    if (approvers->size() > kParseMaxItems) {
      return InvalidArgument(prefix + "approvers has " + std::to_string(approvers->size()) +
                             " users; the maximum is " + std::to_string(kParseMaxItems));
    }
    for (std::size_t j = 0; j < approvers->size(); ++j) {
      const std::string field = prefix + "approvers[" + std::to_string(j) + "]";
      if (!(*approvers)[j].is_object()) return InvalidArgument(field + " must be an object");
      Fields a((*approvers)[j].as_object(), field + ".");
      SIGNET_ASSIGN_OR_RETURN(std::string type, a.String("type", 16));
      if (type == "group") {
        return InvalidArgument(field +
                               ".type is 'group'; groups are not part of Signet: list each "
                               "approver as {\"type\":\"user\",\"id\":…}");
      }
      if (type != "user") {
        return InvalidArgument(field + ".type is '" + type + "'; approvers must be of type user");
      }
      SIGNET_ASSIGN_OR_RETURN(std::string id, a.String("id", 64));
      SIGNET_ASSIGN_OR_RETURN(id, ParseUuid(id, field + ".id"));
      SIGNET_TRY(a.Finish());
      step.approver_user_ids.push_back(std::move(id));
    }
    SIGNET_TRY(s.Finish());
    steps.push_back(std::move(step));
  }
  return steps;
}

Result<service::PolicyInput> PolicyInputOf(const Fields& f, bool create) {
  service::PolicyInput in;
  if (create) {
    SIGNET_ASSIGN_OR_RETURN(in.project, f.OptString("projectId", 64));
  }
  SIGNET_ASSIGN_OR_RETURN(in.name, f.OptString("name", 64));
  SIGNET_ASSIGN_OR_RETURN(auto steps, f.OptArray("steps"));
  if (steps) {
    SIGNET_ASSIGN_OR_RETURN(in.steps, StepsOf(*steps));
  }
  SIGNET_ASSIGN_OR_RETURN(auto constraints, f.OptNested("constraints"));
  if (constraints) {
    const Fields& c = *constraints;
    service::PolicyConstraintsInput ci;
    SIGNET_ASSIGN_OR_RETURN(ci.max_window_duration, OptDuration(c, "maxWindowDuration"));
    SIGNET_ASSIGN_OR_RETURN(ci.max_signings, c.OptInt("maxSignings", 1, kParseMaxCount));
    SIGNET_TRY(c.Finish());
    in.constraints = ci;
  }
  SIGNET_ASSIGN_OR_RETURN(in.max_request_ttl, OptDuration(f, "maxRequestTtl"));
  SIGNET_ASSIGN_OR_RETURN(in.bypass_for_machine_identities,
                          f.OptBool("bypassForMachineIdentities"));
  return in;
}

// scope: the fields of SPEC §5 with Infisical's limits; the service trims and checks them.
// `ip_address_null` tells an explicit "ipAddress": null (no address restriction) from an
// absent one.
Result<domain::SigningScope> ScopeOf(const Fields& f, bool* ip_address_null) {
  domain::SigningScope scope;
  SIGNET_ASSIGN_OR_RETURN(auto object, f.OptNested("scope"));
  if (!object) return scope;
  const Fields& s = *object;
  SIGNET_ASSIGN_OR_RETURN(scope.command, s.OptString("command", api::kMaxMetadataCommand));
  SIGNET_ASSIGN_OR_RETURN(scope.signing_application, s.OptString("signingApplication", 256));
  SIGNET_ASSIGN_OR_RETURN(scope.signing_application_hash,
                          s.OptString("signingApplicationHash", 64));
  SIGNET_ASSIGN_OR_RETURN(scope.hostname, s.OptString("hostname", 256));
  SIGNET_ASSIGN_OR_RETURN(scope.os_username, s.OptString("osUsername", 256));
  *ip_address_null = s.IsNull("ipAddress");
  SIGNET_ASSIGN_OR_RETURN(scope.ip_address, s.OptString("ipAddress", 45));
  SIGNET_ASSIGN_OR_RETURN(scope.data_hash, s.OptString("dataHash", 64));
  SIGNET_TRY(s.Finish());
  return scope;
}

Result<service::SigningRequestInput> RequestInputOf(const Fields& f) {
  service::SigningRequestInput in;
  SIGNET_ASSIGN_OR_RETURN(in.justification, f.String("justification", kMaxText));
  SIGNET_ASSIGN_OR_RETURN(in.requested_signings, f.OptInt("requestedSignings", 1, kParseMaxCount));
  SIGNET_ASSIGN_OR_RETURN(in.requested_window_duration, OptDuration(f, "requestedWindowDuration"));
  SIGNET_ASSIGN_OR_RETURN(in.requested_window_start, OptTime(f, "requestedWindowStart"));
  SIGNET_ASSIGN_OR_RETURN(in.requested_window_end, OptTime(f, "requestedWindowEnd"));
  SIGNET_ASSIGN_OR_RETURN(in.scope, ScopeOf(f, &in.scope_ip_address_null));
  return in;
}

// Request and grant replies carry the read model (SPEC §10).
Result<JsonObject> RequestBody(service::Service& svc, const service::SigningRequestView& v) {
  SIGNET_ASSIGN_OR_RETURN(auto parties, svc.DescribeRequests({v}));
  return api::EncodeSigningRequestDetail(v.request, v.approvals, parties.front());
}

Result<JsonArray> RequestList(service::Service& svc,
                              const std::vector<service::SigningRequestView>& views) {
  SIGNET_ASSIGN_OR_RETURN(auto parties, svc.DescribeRequests(views));
  JsonArray items;
  for (std::size_t i = 0; i < views.size(); ++i) {
    items.emplace_back(
        api::EncodeSigningRequestDetail(views[i].request, views[i].approvals, parties[i]));
  }
  return items;
}

Result<JsonObject> GrantBody(service::Service& svc, domain::Grant g) {
  SIGNET_ASSIGN_OR_RETURN(auto detail, svc.DescribeGrant(std::move(g)));
  return api::EncodeGrantDetail(detail);
}

namespace {

// waitSeconds: absent or 0 (answer at once) to 60.
Result<std::int64_t> WaitSecondsOf(const Request& req) {
  const std::string* v = req.Query("waitSeconds");
  if (v == nullptr || v->empty()) return 0;
  if (v->size() > 4 || v->find_first_not_of("0123456789") != std::string::npos) {
    return InvalidArgument("waitSeconds must be a whole number of seconds (0-60)");
  }
  const std::int64_t n = std::stoll(*v);
  if (n > 60) return InvalidArgument("waitSeconds is " + *v + "; the maximum is 60");
  return n;
}

// The one optional text field of a body (approve/reject comment, revoke reason).
Result<std::string> CommentOf(const Request& req, const char* name) {
  SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
  Fields f(body);
  SIGNET_ASSIGN_OR_RETURN(auto text, f.OptString(name, kMaxText));
  SIGNET_TRY(f.Finish());
  return text.value_or("");
}

}  // namespace

void RegisterPolicyRoutes(Router& router, service::Service& svc) {
  auto authed = [&svc](AuthedFn fn) { return Authed(svc, std::move(fn)); };

  // ---- signing policies ----
  const std::string policies = "/api/v1/pki/signing-policies";
  router.Add(
      "POST", policies,
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        SIGNET_ASSIGN_OR_RETURN(auto in, PolicyInputOf(f, true));
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(auto p, svc.CreatePolicy(c, in));
        return JsonResponse(api::EncodeSigningPolicy(p));
      }));
  router.Add(
      "GET", policies,
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(auto paging, PagingOf(req));
        SIGNET_ASSIGN_OR_RETURN(auto page, svc.ListPolicies(c, QueryOpt(req, "projectId"), paging));
        JsonArray items;
        for (const auto& p : page.items) items.emplace_back(api::EncodeSigningPolicy(p));
        return JsonResponse(
            JsonObject{{"policies", std::move(items)}, {"totalCount", page.total_count}});
      }));
  router.Add(
      "GET", policies + "/{id}",
      authed([&svc](const Request&, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "policyId"));
        SIGNET_ASSIGN_OR_RETURN(auto policy, svc.GetPolicy(c, id));
        return JsonResponse(api::EncodeSigningPolicy(policy));
      }));
  router.Add(
      "PATCH", policies + "/{id}",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "policyId"));
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        SIGNET_ASSIGN_OR_RETURN(auto in, PolicyInputOf(f, false));
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(auto policy, svc.UpdatePolicy(c, id, in));
        return JsonResponse(api::EncodeSigningPolicy(policy));
      }));
  router.Add(
      "DELETE", policies + "/{id}",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "policyId"));
        SIGNET_TRY(api::NoFields(req.body));
        SIGNET_ASSIGN_OR_RETURN(auto policy, svc.DeletePolicy(c, id));
        return JsonResponse(api::EncodeSigningPolicy(policy));
      }));

  // ---- access requests on a signer ----
  for (const std::string base : {"/api/v1/pki/signers", "/api/v1/cert-manager/signers"}) {
    router.Add("POST", base + "/{id}/requests",
               authed([&svc](const Request& req, const PathParams& p,
                             const Caller& c) -> Result<Response> {
                 SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
                 SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
                 Fields f(body);
                 SIGNET_ASSIGN_OR_RETURN(auto in, RequestInputOf(f));
                 SIGNET_TRY(f.Finish());
                 SIGNET_ASSIGN_OR_RETURN(auto view, svc.CreateSigningRequest(c, id, in));
                 SIGNET_ASSIGN_OR_RETURN(auto out, RequestBody(svc, view));
                 return JsonResponse(out);
               }));
    router.Add(
        "POST", base + "/{id}/requests/pre-approve",
        authed(
            [&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
              SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
              SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
              Fields f(body);
              service::PreApproveInput in;
              SIGNET_ASSIGN_OR_RETURN(in.grantee_user_id, f.OptString("granteeUserId", 64));
              SIGNET_ASSIGN_OR_RETURN(in.grantee_identity_id, f.OptString("granteeIdentityId", 64));
              SIGNET_ASSIGN_OR_RETURN(in.request, RequestInputOf(f));
              SIGNET_TRY(f.Finish());
              SIGNET_ASSIGN_OR_RETURN(auto r, svc.PreApprove(c, id, in));
              SIGNET_ASSIGN_OR_RETURN(auto request, RequestBody(svc, r.request));
              SIGNET_ASSIGN_OR_RETURN(auto grant, GrantBody(svc, r.grant));
              return JsonResponse(
                  JsonObject{{"request", std::move(request)}, {"grant", std::move(grant)}});
            }));
  }

  // ---- signing requests ----
  const std::string requests = "/api/v1/pki/signing-requests";
  router.Add(
      "GET", requests,
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        service::SigningRequestQuery q;
        SIGNET_ASSIGN_OR_RETURN(q.paging, PagingOf(req));
        if (auto s = QueryOpt(req, "status")) {
          SIGNET_ASSIGN_OR_RETURN(q.status, domain::ParseRequestStatus(*s));
        }
        if (auto s = QueryOpt(req, "signerId")) {
          SIGNET_ASSIGN_OR_RETURN(q.signer_id, ParseUuid(*s, "signerId"));
        }
        SIGNET_ASSIGN_OR_RETURN(auto page, svc.ListSigningRequests(c, q));
        SIGNET_ASSIGN_OR_RETURN(JsonArray items, RequestList(svc, page.items));
        return JsonResponse(
            JsonObject{{"requests", std::move(items)}, {"totalCount", page.total_count}});
      }));
  // ?waitSeconds=N (0-60): a pending request is answered once its status or approvals change
  // (here or on another node) or after N seconds, whichever comes first; no worker thread
  // waits meanwhile (service/request_watcher.h).
  router.AddAsync("GET", requests + "/{id}",
                  AuthedAsync(svc, [&svc](const Request& req, const PathParams& p, const Caller& c,
                                          Reply reply) {
                    auto answer = [&svc, c](const std::string& id) -> Result<Response> {
                      SIGNET_ASSIGN_OR_RETURN(auto view, svc.GetSigningRequest(c, id));
                      SIGNET_ASSIGN_OR_RETURN(auto out, RequestBody(svc, view));
                      return JsonResponse(out);
                    };
                    auto id = PathId(p, "id", "requestId");
                    if (!id) return reply(ErrorResponse(id.error(), req));
                    auto wait = WaitSecondsOf(req);
                    if (!wait) return reply(ErrorResponse(wait.error(), req));
                    auto view = svc.GetSigningRequest(c, *id);
                    if (!view) return reply(ErrorResponse(view.error(), req));
                    const auto version = service::Service::VersionOf(view->request, svc.Now());
                    if (*wait == 0 || version.first != domain::RequestStatus::kPending) {
                      auto out = RequestBody(svc, *view);
                      return reply(out ? JsonResponse(*out) : ErrorResponse(out.error(), req));
                    }
                    // `req` stays valid until reply is called (router.h).
                    svc.WatchRequest(*id, version,
                                     std::chrono::steady_clock::now() + std::chrono::seconds(*wait),
                                     [answer, id = *id, &req, reply = std::move(reply)] {
                                       auto r = answer(id);
                                       reply(r ? std::move(*r) : ErrorResponse(r.error(), req));
                                     });
                  }));
  router.Add(
      "POST", requests + "/{id}/approve",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "requestId"));
        SIGNET_ASSIGN_OR_RETURN(std::string comment, CommentOf(req, "comment"));
        SIGNET_ASSIGN_OR_RETURN(auto view, svc.ApproveSigningRequest(c, id, comment));
        SIGNET_ASSIGN_OR_RETURN(auto out, RequestBody(svc, view));
        return JsonResponse(out);
      }));
  router.Add(
      "POST", requests + "/{id}/reject",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "requestId"));
        SIGNET_ASSIGN_OR_RETURN(std::string comment, CommentOf(req, "comment"));
        SIGNET_ASSIGN_OR_RETURN(auto view, svc.RejectSigningRequest(c, id, comment));
        SIGNET_ASSIGN_OR_RETURN(auto out, RequestBody(svc, view));
        return JsonResponse(out);
      }));
  router.Add(
      "POST", requests + "/{id}/cancel",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "requestId"));
        SIGNET_TRY(api::NoFields(req.body));
        SIGNET_ASSIGN_OR_RETURN(auto view, svc.CancelSigningRequest(c, id));
        SIGNET_ASSIGN_OR_RETURN(auto out, RequestBody(svc, view));
        return JsonResponse(out);
      }));

  // ---- grants ----
  const std::string grants = "/api/v1/pki/signing-grants";
  router.Add(
      "GET", grants,
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        service::GrantQuery q;
        SIGNET_ASSIGN_OR_RETURN(q.paging, PagingOf(req));
        if (auto s = QueryOpt(req, "status")) {
          SIGNET_ASSIGN_OR_RETURN(q.status, domain::ParseGrantStatus(*s));
        }
        if (auto s = QueryOpt(req, "signerId")) {
          SIGNET_ASSIGN_OR_RETURN(q.signer_id, ParseUuid(*s, "signerId"));
        }
        SIGNET_ASSIGN_OR_RETURN(auto page, svc.ListGrants(c, q));
        SIGNET_ASSIGN_OR_RETURN(auto details, svc.DescribeGrants(std::move(page.items)));
        JsonArray items;
        for (const auto& d : details) items.emplace_back(api::EncodeGrantDetail(d));
        return JsonResponse(
            JsonObject{{"grants", std::move(items)}, {"totalCount", page.total_count}});
      }));
  router.Add(
      "GET", grants + "/{id}",
      authed([&svc](const Request&, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "grantId"));
        SIGNET_ASSIGN_OR_RETURN(auto g, svc.GetGrant(c, id));
        SIGNET_ASSIGN_OR_RETURN(auto out, GrantBody(svc, std::move(g)));
        return JsonResponse(out);
      }));
  router.Add(
      "POST", grants + "/{id}/revoke",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "grantId"));
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        // revocationReason is Infisical's name of reason.
        SIGNET_ASSIGN_OR_RETURN(auto reason,
                                f.OptNullableAliased("reason", "revocationReason", kMaxText));
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(auto g, svc.RevokeGrant(c, id, reason ? reason->value_or("") : ""));
        SIGNET_ASSIGN_OR_RETURN(auto out, GrantBody(svc, std::move(g)));
        return JsonResponse(out);
      }));
}

}  // namespace signet::http
