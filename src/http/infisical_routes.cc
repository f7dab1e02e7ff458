#include "http/infisical_routes.h"

#include <algorithm>

#include "api/encode.h"
#include "api/json.h"
#include "common/uuid.h"
#include "http/policy_decode.h"
#include "http/route_util.h"

namespace signet::http {
namespace {

using api::Fields;
using api::JsonArray;
using api::JsonObject;
using api::JsonValue;
using service::Caller;

constexpr std::size_t kMaxSteps = 100;
constexpr std::int64_t kMaxCount = 1'000'000'000'000LL;
// Lists on Infisical's routes have no paging: everything the caller may see, up to this.
constexpr service::Paging kAll{0, 10'000};
constexpr const char* kNoGroups =
    "groups are not part of Signet; list each user (or add each member) instead";

// ---- decoders ----

// Infisical's inline approval policy: {steps:[{stepNumber, name?, requiredApprovals,
// approverUserIds, approverGroupIds}], constraints?:{maxSignings?, maxWindowDuration?}}.
Result<service::SignerPolicyInput> SignerPolicyOf(const Fields& f) {
  service::SignerPolicyInput in;
  SIGNET_ASSIGN_OR_RETURN(auto steps, f.OptArray("steps"));
  if (!steps) return InvalidArgument(f.Name("steps") + " is required (an empty list: no approval)");
  if (steps->size() > kMaxSteps) {
    return InvalidArgument(f.Name("steps") + " has " + std::to_string(steps->size()) +
                           " steps; the maximum is " + std::to_string(kMaxSteps));
  }
  std::vector<std::pair<std::int64_t, domain::PolicyStep>> numbered;
  for (std::size_t i = 0; i < steps->size(); ++i) {
    const std::string prefix = f.Name("steps[" + std::to_string(i) + "]");
    if (!(*steps)[i].is_object()) return InvalidArgument(prefix + " must be an object");
    Fields s((*steps)[i].as_object(), prefix + ".");
    domain::PolicyStep step;
    SIGNET_ASSIGN_OR_RETURN(std::int64_t number, s.Int("stepNumber", 1, kMaxSteps));
    SIGNET_ASSIGN_OR_RETURN(auto name, s.OptNullableString("name", 64));
    if (name && *name) step.name = **name;
    SIGNET_ASSIGN_OR_RETURN(step.required_approvals, s.Int("requiredApprovals", 1, kMaxCount));
    SIGNET_ASSIGN_OR_RETURN(auto users, s.OptStringArray("approverUserIds", kMaxSteps, 64));
    for (const auto& id : users.value_or(std::vector<std::string>{})) {
      SIGNET_ASSIGN_OR_RETURN(std::string uid, ParseUuid(id, s.Name("approverUserIds")));
      step.approver_user_ids.push_back(std::move(uid));
    }
    SIGNET_ASSIGN_OR_RETURN(auto groups, s.OptStringArray("approverGroupIds", kMaxSteps, 64));
    if (groups && !groups->empty()) {
      return InvalidArgument("'" + s.Name("approverGroupIds") + "' is not supported; " + kNoGroups);
    }
    SIGNET_TRY(s.Finish());
    numbered.emplace_back(number, std::move(step));
  }
  std::stable_sort(numbered.begin(), numbered.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 0; i < numbered.size(); ++i) {
    if (numbered[i].first != static_cast<std::int64_t>(i + 1)) {
      return InvalidArgument(f.Name("steps") +
                             ": stepNumber must number the steps 1, 2, 3, … once each");
    }
    in.steps.push_back(std::move(numbered[i].second));
  }
  SIGNET_ASSIGN_OR_RETURN(auto constraints, f.OptNested("constraints"));
  if (constraints) {
    const Fields& c = *constraints;
    SIGNET_ASSIGN_OR_RETURN(in.max_signings, c.OptInt("maxSignings", 1, kMaxCount));
    SIGNET_ASSIGN_OR_RETURN(in.max_window_duration, OptDuration(c, "maxWindowDuration"));
    SIGNET_TRY(c.Finish());
  }
  return in;
}

Result<domain::SignerRole> RoleOf(const Fields& f, const char* default_role) {
  SIGNET_ASSIGN_OR_RETURN(auto role, f.OptString("role", 32));
  return domain::ParseSignerRole(role.value_or(default_role));
}

// The certificate fields of the create and reissue forms.
Result<service::SignerCertificateInput> CertificateFieldsOf(const Fields& f,
                                                            const std::string& ca_id) {
  service::SignerCertificateInput in;
  SIGNET_ASSIGN_OR_RETURN(in.ca_id, ParseUuid(ca_id, "caId"));
  SIGNET_ASSIGN_OR_RETURN(auto cn, f.OptString("commonName", 64));
  in.common_name = cn.value_or("");
  SIGNET_ASSIGN_OR_RETURN(auto algorithm, f.OptString("keyAlgorithm", 32));
  if (algorithm) {
    SIGNET_ASSIGN_OR_RETURN(in.key_algorithm, domain::ParseKeyAlgorithm(*algorithm));
  }
  SIGNET_ASSIGN_OR_RETURN(auto ttl, f.OptInt("certificateTtlDays", 1, 3650));
  in.ttl_days = ttl.value_or(365);
  // Infisical's certificate: {keySource, hsmConnectorId}; Signet has at most one HSM, the one
  // signetd was started with (--hsm-module), so there is no connector to name.
  SIGNET_ASSIGN_OR_RETURN(auto key, f.OptNested("certificate"));
  if (key) {
    SIGNET_ASSIGN_OR_RETURN(auto source, key->OptString("keySource", 16));
    if (source) {
      SIGNET_ASSIGN_OR_RETURN(in.key.source, domain::ParseKeySourceType(*source));
    }
    SIGNET_TRY(key->Refuse("hsmConnectorId",
                           "Signet uses the one HSM signetd was started with (--hsm-module); "
                           "leave hsmConnectorId out"));
    SIGNET_TRY(key->Finish());
  }
  SIGNET_TRY(f.Refuse("externalConfiguration",
                      "external CAs are not supported; import the certificate "
                      "(POST /api/v1/pki/certificates/import) and pass its certificateId"));
  return in;
}

// Infisical's member kinds: user | identity (group is refused).
Result<service::MembershipInput> InfisicalMemberOf(const JsonValue& value,
                                                   const std::string& prefix) {
  if (!value.is_object()) return InvalidArgument(prefix + " must be an object");
  Fields m(value.as_object(), prefix + ".");
  SIGNET_ASSIGN_OR_RETURN(std::string kind, m.String("kind", 16));
  SIGNET_ASSIGN_OR_RETURN(std::string id, m.String("id", 64));
  SIGNET_ASSIGN_OR_RETURN(std::string role, m.String("role", 32));
  SIGNET_TRY(m.Finish());
  service::MembershipInput in;
  in.role = role;
  if (kind == "user") {
    in.user_id = id;
  } else if (kind == "identity") {
    in.identity_id = id;
  } else if (kind == "group") {
    return InvalidArgument(prefix + ".kind 'group' is not supported; " + kNoGroups);
  } else {
    return InvalidArgument(prefix + ".kind '" + kind + "' is not one of user, identity");
  }
  return in;
}

// ---- replies ----

Result<Response> SignerReply(service::Service& svc, domain::Signer signer) {
  SIGNET_ASSIGN_OR_RETURN(auto detail, svc.DescribeSigner(std::move(signer)));
  return JsonResponse(api::EncodeSignerDetail(detail));
}

JsonArray Members(const std::vector<domain::SignerMember>& members, domain::PrincipalType type) {
  JsonArray out;
  for (const auto& m : members) {
    if (m.principal_type == type) out.emplace_back(api::EncodeInfisicalSignerMember(m));
  }
  return out;
}

// The project an Infisical list is scoped to: ?scope=project&id=<projectId>.
Result<std::optional<std::string>> ProjectScopeOf(const Request& req) {
  if (auto scope = QueryOpt(req, "scope"); scope && *scope != "project") {
    return InvalidArgument("scope '" + *scope + "' is not supported; use scope=project");
  }
  auto id = QueryOpt(req, "id");
  if (!id) return std::optional<std::string>();
  SIGNET_ASSIGN_OR_RETURN(std::string project, ParseUuid(*id, "id"));
  return std::optional<std::string>(project);
}

// The role/membership part of the permissions replies.
JsonObject PermissionsData(const service::SignerPermissions& p) {
  JsonArray actions;
  if (p.can_read) actions.emplace_back("read");
  if (p.can_sign) {
    actions.emplace_back("sign");
    actions.emplace_back("request-access");
  }
  if (p.can_list_operations) actions.emplace_back("read-operations");
  if (p.can_manage) {
    for (const char* a : {"edit", "delete", "manage-members", "manage-policy", "pre-approve"}) {
      actions.emplace_back(a);
    }
  }
  JsonArray memberships;
  if (p.membership) {
    const auto& m = *p.membership;
    const bool user = m.principal_type == domain::PrincipalType::kUser;
    memberships.emplace_back(
        JsonObject{{"id", m.id},
                   {"actorUserId", user ? JsonValue(m.principal_id) : JsonValue(nullptr)},
                   {"actorIdentityId", user ? JsonValue(nullptr) : JsonValue(m.principal_id)},
                   {"actorGroupId", nullptr},
                   {"roles", JsonArray{JsonObject{{"role", domain::SignerRoleName(m.role)},
                                                  {"customRoleSlug", nullptr}}}}});
  }
  return JsonObject{
      {"permissions", JsonArray{JsonObject{{"subject", "signer"}, {"action", std::move(actions)}}}},
      {"memberships", std::move(memberships)},
      {"effectiveRole",
       p.signer_role ? JsonValue(domain::SignerRoleName(*p.signer_role)) : JsonValue(nullptr)}};
}

// Infisical's request statuses on …/signers/{id}/requests?statuses=: Signet's, with
// "revoked" meaning a request withdrawn before approval (Signet's cancelled).
Result<std::vector<domain::RequestStatus>> StatusesOf(const std::string& text) {
  std::vector<domain::RequestStatus> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) {
      if (item == "revoked") {
        out.push_back(domain::RequestStatus::kCancelled);
      } else {
        SIGNET_ASSIGN_OR_RETURN(auto s, domain::ParseRequestStatus(item));
        out.push_back(s);
      }
    }
    start = end + 1;
  }
  return out;
}

void RegisterSignerRoutes(Router& router, service::Service& svc, const std::string& base) {
  auto authed = [&svc](AuthedFn fn) { return Authed(svc, std::move(fn)); };

  auto set_status = [&svc](const Caller& c, const std::string& id,
                           domain::SignerStatus status) -> Result<Response> {
    service::UpdateSignerInput in;
    in.status = status;
    SIGNET_ASSIGN_OR_RETURN(auto signer, svc.UpdateSigner(c, id, in));
    return SignerReply(svc, std::move(signer));
  };
  router.Add("PATCH", base + "/{id}/status",
             authed([set_status](const Request& req, const PathParams& p,
                                 const Caller& c) -> Result<Response> {
               SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
               SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
               Fields f(body);
               SIGNET_ASSIGN_OR_RETURN(std::string status, f.String("status", 16));
               SIGNET_TRY(f.Finish());
               SIGNET_ASSIGN_OR_RETURN(auto parsed, domain::ParseSignerStatus(status));
               return set_status(c, id, parsed);
             }));
  for (const auto& [action, status] : {std::pair{"enable", domain::SignerStatus::kActive},
                                       std::pair{"disable", domain::SignerStatus::kDisabled}}) {
    const domain::SignerStatus target = status;
    router.Add("POST", base + "/{id}/" + action,
               authed([set_status, target](const Request& req, const PathParams& p,
                                           const Caller& c) -> Result<Response> {
                 SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
                 SIGNET_TRY(api::NoFields(req.body));
                 return set_status(c, id, target);
               }));
  }

  // ---- the signer's own approval policy ----
  router.Add(
      "GET", base + "/{id}/approval-policy",
      authed([&svc](const Request&, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
        SIGNET_ASSIGN_OR_RETURN(auto policy, svc.GetSignerPolicy(c, id));
        return JsonResponse(api::EncodeSignerApprovalPolicy(id, policy));
      }));
  router.Add(
      "PUT", base + "/{id}/approval-policy",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        SIGNET_ASSIGN_OR_RETURN(auto in, SignerPolicyOf(f));
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(auto policy, svc.SetSignerPolicy(c, id, in));
        return JsonResponse(api::EncodeSignerApprovalPolicy(id, policy));
      }));

  // ---- requests on the signer ----
  router.Add(
      "GET", base + "/{id}/requests",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
        service::SigningRequestQuery q;
        SIGNET_ASSIGN_OR_RETURN(q.paging, PagingOf(req));
        q.signer_id = id;
        if (auto s = QueryOpt(req, "statuses")) {
          SIGNET_ASSIGN_OR_RETURN(q.statuses, StatusesOf(*s));
        }
        SIGNET_ASSIGN_OR_RETURN(auto page, svc.ListSigningRequests(c, q));
        SIGNET_ASSIGN_OR_RETURN(JsonArray items, RequestList(svc, page.items));
        return JsonResponse(
            JsonObject{{"requests", std::move(items)}, {"totalCount", page.total_count}});
      }));
  router.Add(
      "POST", base + "/{id}/requests/{requestId}/revoke",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
        SIGNET_ASSIGN_OR_RETURN(std::string rid, PathId(p, "requestId", "requestId"));
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        SIGNET_ASSIGN_OR_RETURN(auto reason,
                                f.OptNullableAliased("reason", "revocationReason", 1024));
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(
            auto view, svc.RevokeSignerRequest(c, id, rid, reason ? reason->value_or("") : ""));
        SIGNET_ASSIGN_OR_RETURN(auto out, RequestBody(svc, view));
        return JsonResponse(out);
      }));

  // ---- members by kind: users and machine identities ----
  router.Add(
      "GET", base + "/{id}/users",
      authed([&svc](const Request&, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
        SIGNET_ASSIGN_OR_RETURN(auto page, svc.ListSignerMembers(c, id, kAll));
        return JsonResponse(
            JsonObject{{"memberships", Members(page.items, domain::PrincipalType::kUser)}});
      }));
  router.Add(
      "POST", base + "/{id}/users",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        SIGNET_ASSIGN_OR_RETURN(auto user_ids, f.OptStringArray("userIds", 100, 64));
        SIGNET_ASSIGN_OR_RETURN(auto emails, f.OptStringArray("emails", 100, 254));
        SIGNET_ASSIGN_OR_RETURN(domain::SignerRole role, RoleOf(f, "operator"));
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(
            auto r, svc.AddSignerUsers(c, id, user_ids.value_or(std::vector<std::string>{}),
                                       emails.value_or(std::vector<std::string>{}),
                                       std::string(domain::SignerRoleName(role))));
        JsonArray skipped, unresolved;
        for (const auto& s : r.skipped) skipped.emplace_back(s);
        for (const auto& s : r.unresolved) unresolved.emplace_back(s);
        return JsonResponse(
            JsonObject{{"memberships", Members(r.added, domain::PrincipalType::kUser)},
                       {"skipped", std::move(skipped)},
                       {"unresolved", std::move(unresolved)}});
      }));
  router.Add(
      "POST", base + "/{id}/identities",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        service::MembershipInput in;
        SIGNET_ASSIGN_OR_RETURN(std::string identity, f.String("identityId", 64));
        in.identity_id = identity;
        SIGNET_ASSIGN_OR_RETURN(domain::SignerRole role, RoleOf(f, "operator"));
        in.role = std::string(domain::SignerRoleName(role));
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(auto m, svc.AddSignerMember(c, id, in));
        return JsonResponse(api::EncodeInfisicalSignerMember(m));
      }));
  router.Add(
      "GET", base + "/{id}/identities",
      authed([&svc](const Request&, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
        SIGNET_ASSIGN_OR_RETURN(auto page, svc.ListSignerMembers(c, id, kAll));
        return JsonResponse(
            JsonObject{{"memberships", Members(page.items, domain::PrincipalType::kIdentity)}});
      }));
  for (const auto& [segment, param, type] :
       {std::tuple{"users", "userId", domain::PrincipalType::kUser},
        std::tuple{"identities", "identityId", domain::PrincipalType::kIdentity}}) {
    const std::string path = base + "/{id}/" + segment + "/{" + param + "}";
    const char* param_name = param;
    const domain::PrincipalType kind = type;
    router.Add(
        "PATCH", path,
        authed([&svc, param_name, kind](const Request& req, const PathParams& p,
                                        const Caller& c) -> Result<Response> {
          SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
          SIGNET_ASSIGN_OR_RETURN(std::string principal, PathId(p, param_name, param_name));
          SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
          Fields f(body);
          SIGNET_ASSIGN_OR_RETURN(std::string role, f.String("role", 32));
          SIGNET_TRY(f.Finish());
          SIGNET_ASSIGN_OR_RETURN(auto member, svc.FindSignerMember(c, id, kind, principal));
          SIGNET_ASSIGN_OR_RETURN(auto m, svc.UpdateSignerMember(c, id, member.id, role));
          return JsonResponse(JsonObject{{"membership", api::EncodeInfisicalSignerMember(m)}});
        }));
    router.Add("DELETE", path,
               authed([&svc, param_name, kind](const Request& req, const PathParams& p,
                                               const Caller& c) -> Result<Response> {
                 SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
                 SIGNET_ASSIGN_OR_RETURN(std::string principal, PathId(p, param_name, param_name));
                 SIGNET_TRY(api::NoFields(req.body));
                 SIGNET_ASSIGN_OR_RETURN(auto member, svc.FindSignerMember(c, id, kind, principal));
                 SIGNET_ASSIGN_OR_RETURN(auto m, svc.RemoveSignerMember(c, id, member.id));
                 return JsonResponse(JsonObject{{"membershipId", m.id}, {"signerId", m.signer_id}});
               }));
  }

  // Members through groups do not exist in Signet: the effective members are the members.
  for (const auto& [segment, type] :
       {std::pair{"effective-users", domain::PrincipalType::kUser},
        std::pair{"effective-identities", domain::PrincipalType::kIdentity}}) {
    const domain::PrincipalType kind = type;
    router.Add("GET", base + "/{id}/" + segment,
               authed([&svc, kind](const Request&, const PathParams& p,
                                   const Caller& c) -> Result<Response> {
                 SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
                 SIGNET_ASSIGN_OR_RETURN(auto page, svc.ListSignerMembers(c, id, kAll));
                 JsonArray members;
                 for (const auto& m : page.items) {
                   if (m.principal_type != kind) continue;
                   const bool user = kind == domain::PrincipalType::kUser;
                   members.emplace_back(JsonObject{
                       {"actorUserId", user ? JsonValue(m.principal_id) : JsonValue(nullptr)},
                       {"actorIdentityId", user ? JsonValue(nullptr) : JsonValue(m.principal_id)},
                       {"role", domain::SignerRoleName(m.role)},
                       {"viaGroupIds", JsonArray{}},
                       {"isDirect", true}});
                 }
                 return JsonResponse(JsonObject{{"members", std::move(members)}});
               }));
  }
  // Signet issues a signer's certificate at once; there is never a pending issuance to poll.
  router.Add(
      "POST", base + "/{id}/issuance/check",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
        SIGNET_TRY(api::NoFields(req.body));
        SIGNET_ASSIGN_OR_RETURN(auto signer, svc.GetSigner(c, id));
        return SignerReply(svc, std::move(signer));
      }));

  // ---- the caller's permissions ----
  router.Add(
      "GET", base + "/{id}/permissions",
      authed([&svc](const Request&, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
        SIGNET_ASSIGN_OR_RETURN(auto perms, svc.GetSignerPermissions(c, id));
        return JsonResponse(JsonObject{{"data", PermissionsData(perms)}});
      }));
  router.Add(
      "GET", base + "/{id}/my-permissions",
      authed([&svc](const Request&, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
        SIGNET_ASSIGN_OR_RETURN(auto perms, svc.GetSignerPermissions(c, id));
        return JsonResponse(JsonObject{{"canRead", perms.can_read},
                                       {"canEdit", perms.can_manage},
                                       {"canDelete", perms.can_manage},
                                       {"canEnableDisable", perms.can_manage},
                                       {"canManageMembers", perms.can_manage},
                                       {"canManagePolicy", perms.can_manage},
                                       {"canSign", perms.can_sign},
                                       {"canRequestSign", perms.can_sign},
                                       {"canPreApprove", perms.can_manage},
                                       {"canReissueCertificate", perms.can_manage},
                                       {"canExportCertificate", perms.can_read}});
      }));

  // ---- a new certificate for the signer ----
  router.Add(
      "POST", base + "/{id}/certificate/reissue",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        SIGNET_ASSIGN_OR_RETURN(std::string ca_id, f.String("caId", 64));
        SIGNET_ASSIGN_OR_RETURN(auto in, CertificateFieldsOf(f, ca_id));
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(auto signer, svc.ReissueSignerCertificate(c, id, in));
        return SignerReply(svc, std::move(signer));
      }));
}

// ---- /api/v1/approval-policies/cert-code-signing ----

// The body of a policy on Infisical's generic route: Signet's policy fields plus conditions
// (only []), enforcementLevel (only "hard") and bypassers (only []).
Result<service::PolicyInput> ApprovalPolicyInputOf(const Fields& f, bool create) {
  SIGNET_ASSIGN_OR_RETURN(auto in, PolicyInputOf(f, create));
  SIGNET_ASSIGN_OR_RETURN(auto conditions, f.OptArray("conditions"));
  for (std::size_t i = 0; conditions && i < conditions->size(); ++i) {
    const std::string name = "conditions[" + std::to_string(i) + "]";
    if (!(*conditions)[i].is_object()) return InvalidArgument(name + " must be an object");
    SIGNET_TRY(Fields((*conditions)[i].as_object(), name + ".").Finish());
  }
  SIGNET_ASSIGN_OR_RETURN(auto level, f.OptString("enforcementLevel", 16));
  if (level && *level != "hard") {
    return InvalidArgument("enforcementLevel '" + *level +
                           "' is not supported; Signet's policies "
                           "are always enforced (\"hard\")");
  }
  SIGNET_ASSIGN_OR_RETURN(auto bypassers, f.OptArray("bypassers"));
  if (bypassers && !bypassers->empty()) {
    return InvalidArgument(
        "'bypassers' is not supported; Signet has no break-glass bypass "
        "(pre-approve a grant with POST /api/v1/pki/signers/{id}/requests/pre-approve)");
  }
  return in;
}

void RegisterApprovalRoutes(Router& router, service::Service& svc) {
  auto authed = [&svc](AuthedFn fn) { return Authed(svc, std::move(fn)); };
  const std::string base = "/api/v1/approval-policies/cert-code-signing";

  router.Add(
      "POST", base,
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        SIGNET_ASSIGN_OR_RETURN(auto in, ApprovalPolicyInputOf(f, true));
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(auto policy, svc.CreatePolicy(c, in));
        return JsonResponse(JsonObject{{"policy", api::EncodeApprovalPolicy(policy)}});
      }));
  router.Add(
      "GET", base,
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(auto project, ProjectScopeOf(req));
        SIGNET_ASSIGN_OR_RETURN(auto page, svc.ListPolicies(c, project, kAll));
        JsonArray items;
        for (const auto& p : page.items) items.emplace_back(api::EncodeApprovalPolicy(p));
        return JsonResponse(
            JsonObject{{"policies", std::move(items)}, {"totalCount", page.total_count}});
      }));
  router.Add(
      "GET", base + "/{policyId}",
      authed([&svc](const Request&, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "policyId", "policyId"));
        SIGNET_ASSIGN_OR_RETURN(auto policy, svc.GetPolicy(c, id));
        return JsonResponse(JsonObject{{"policy", api::EncodeApprovalPolicy(policy)}});
      }));
  router.Add(
      "PATCH", base + "/{policyId}",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "policyId", "policyId"));
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        SIGNET_ASSIGN_OR_RETURN(auto in, ApprovalPolicyInputOf(f, false));
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(auto policy, svc.UpdatePolicy(c, id, in));
        return JsonResponse(JsonObject{{"policy", api::EncodeApprovalPolicy(policy)}});
      }));
  router.Add(
      "DELETE", base + "/{policyId}",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "policyId", "policyId"));
        SIGNET_TRY(api::NoFields(req.body));
        SIGNET_ASSIGN_OR_RETURN(auto policy, svc.DeletePolicy(c, id));
        return JsonResponse(JsonObject{{"policyId", policy.id}});
      }));

  // ---- requests ----
  router.Add(
      "GET", base + "/requests",
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(auto project, ProjectScopeOf(req));
        service::SigningRequestQuery q;
        q.paging = kAll;
        SIGNET_ASSIGN_OR_RETURN(auto page, svc.ListSigningRequests(c, q));
        std::vector<service::SigningRequestView> views;
        for (auto& v : page.items) {
          if (!project || v.request.project_id == *project) views.push_back(std::move(v));
        }
        SIGNET_ASSIGN_OR_RETURN(JsonArray items, RequestList(svc, views));
        const auto count = static_cast<std::int64_t>(items.size());
        return JsonResponse(JsonObject{{"requests", std::move(items)}, {"totalCount", count}});
      }));
  router.Add(
      "POST", base + "/requests",
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        SIGNET_ASSIGN_OR_RETURN(auto project, f.OptString("projectId", 64));
        SIGNET_ASSIGN_OR_RETURN(auto justification, f.OptNullableString("justification", 1024));
        SIGNET_ASSIGN_OR_RETURN(auto duration, OptDuration(f, "requestDuration"));
        SIGNET_ASSIGN_OR_RETURN(auto data, f.OptNested("requestData"));
        if (!data) return InvalidArgument("requestData is required");
        const Fields& d = *data;
        SIGNET_ASSIGN_OR_RETURN(std::string signer_id, d.String("signerId", 64));
        SIGNET_ASSIGN_OR_RETURN(signer_id, ParseUuid(signer_id, "requestData.signerId"));
        SIGNET_ASSIGN_OR_RETURN(auto policy_id, d.OptString("approvalPolicyId", 64));
        SIGNET_ASSIGN_OR_RETURN(auto signer_name, d.OptString("signerName", 64));
        SIGNET_ASSIGN_OR_RETURN(auto inner_justification, d.OptString("justification", 1024));
        SIGNET_ASSIGN_OR_RETURN(auto window, OptDuration(d, "requestedWindowDuration"));
        service::SigningRequestInput in;
        SIGNET_ASSIGN_OR_RETURN(in.requested_signings, d.OptInt("requestedSignings", 1, kMaxCount));
        SIGNET_ASSIGN_OR_RETURN(in.scope, ScopeOf(d, &in.scope_ip_address_null));
        SIGNET_TRY(d.Finish());
        SIGNET_TRY(f.Finish());
        // The two places Infisical has for the justification and the window must agree.
        const std::string outer = justification && *justification ? **justification : std::string();
        if (!outer.empty() && inner_justification && *inner_justification != outer) {
          return InvalidArgument("justification and requestData.justification differ; give one");
        }
        in.justification = outer.empty() ? inner_justification.value_or("") : outer;
        if (duration && window && *duration != *window) {
          return InvalidArgument(
              "requestDuration and requestData.requestedWindowDuration differ; give one");
        }
        in.requested_window_duration = window ? window : duration;
        // The request must be for the signer's current policy, and in the project named.
        SIGNET_ASSIGN_OR_RETURN(auto signer, svc.GetSigner(c, signer_id));
        if (project && *project != signer.project_id) {
          return InvalidArgument("signer '" + signer_id + "' is not in project '" + *project + "'");
        }
        if (signer_name && *signer_name != signer.name) {
          return InvalidArgument("requestData.signerName is '" + *signer_name + "'; signer '" +
                                 signer_id + "' is named '" + signer.name + "'");
        }
        if (policy_id && signer.signing_policy_id != policy_id) {
          return InvalidArgument("requestData.approvalPolicyId '" + *policy_id +
                                 "' is not the policy of signer '" + signer.name + "'");
        }
        SIGNET_ASSIGN_OR_RETURN(auto view, svc.CreateSigningRequest(c, signer_id, in));
        SIGNET_ASSIGN_OR_RETURN(auto out, RequestBody(svc, view));
        return JsonResponse(JsonObject{{"request", std::move(out)}});
      }));
  router.Add(
      "GET", base + "/requests/{requestId}",
      authed([&svc](const Request&, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "requestId", "requestId"));
        SIGNET_ASSIGN_OR_RETURN(auto view, svc.GetSigningRequest(c, id));
        SIGNET_ASSIGN_OR_RETURN(auto out, RequestBody(svc, view));
        return JsonResponse(JsonObject{{"request", std::move(out)}});
      }));
  for (const char* action : {"approve", "reject", "cancel"}) {
    const std::string what = action;
    router.Add("POST", base + "/requests/{requestId}/" + what,
               authed([&svc, what](const Request& req, const PathParams& p,
                                   const Caller& c) -> Result<Response> {
                 SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "requestId", "requestId"));
                 SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
                 Fields f(body);
                 std::string comment;
                 if (what != "cancel") {
                   SIGNET_ASSIGN_OR_RETURN(auto text, f.OptString("comment", 1024));
                   comment = text.value_or("");
                 }
                 if (what == "approve") {
                   SIGNET_TRY(f.Refuse("bypassReason",
                                       "Signet has no break-glass approval; every step needs "
                                       "its approvers"));
                 }
                 SIGNET_TRY(f.Finish());
                 Result<service::SigningRequestView> view =
                     what == "approve"  ? svc.ApproveSigningRequest(c, id, comment)
                     : what == "reject" ? svc.RejectSigningRequest(c, id, comment)
                                        : svc.CancelSigningRequest(c, id);
                 if (!view) return tl::unexpected(view.error());
                 SIGNET_ASSIGN_OR_RETURN(auto out, RequestBody(svc, *view));
                 return JsonResponse(JsonObject{{"request", std::move(out)}});
               }));
  }

  // ---- grants ----
  router.Add(
      "GET", base + "/grants",
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(auto project, ProjectScopeOf(req));
        service::GrantQuery q;
        q.paging = kAll;
        SIGNET_ASSIGN_OR_RETURN(auto page, svc.ListGrants(c, q));
        SIGNET_ASSIGN_OR_RETURN(auto details, svc.DescribeGrants(std::move(page.items)));
        JsonArray items;
        for (const auto& d : details) {
          if (!project || d.project_id == *project) items.emplace_back(api::EncodeGrantDetail(d));
        }
        const auto count = static_cast<std::int64_t>(items.size());
        return JsonResponse(JsonObject{{"grants", std::move(items)}, {"totalCount", count}});
      }));
  router.Add(
      "GET", base + "/grants/{grantId}",
      authed([&svc](const Request&, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "grantId", "grantId"));
        SIGNET_ASSIGN_OR_RETURN(auto g, svc.GetGrant(c, id));
        SIGNET_ASSIGN_OR_RETURN(auto out, GrantBody(svc, std::move(g)));
        return JsonResponse(JsonObject{{"grant", std::move(out)}});
      }));
  router.Add(
      "POST", base + "/grants/{grantId}/revoke",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "grantId", "grantId"));
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        SIGNET_ASSIGN_OR_RETURN(auto reason,
                                f.OptNullableAliased("revocationReason", "reason", 1024));
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(auto g, svc.RevokeGrant(c, id, reason ? reason->value_or("") : ""));
        SIGNET_ASSIGN_OR_RETURN(auto out, GrantBody(svc, std::move(g)));
        return JsonResponse(JsonObject{{"grant", std::move(out)}});
      }));

  router.Add(
      "POST", base + "/check-policy-match",
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        SIGNET_ASSIGN_OR_RETURN(auto project, f.OptString("projectId", 64));
        SIGNET_ASSIGN_OR_RETURN(auto inputs, f.OptNested("inputs"));
        if (!inputs) return InvalidArgument("inputs is required");
        SIGNET_ASSIGN_OR_RETURN(std::string signer_id, inputs->String("signerId", 64));
        SIGNET_ASSIGN_OR_RETURN(signer_id, ParseUuid(signer_id, "inputs.signerId"));
        SIGNET_ASSIGN_OR_RETURN(auto policy_id, inputs->OptString("approvalPolicyId", 64));
        SIGNET_TRY(inputs->Finish());
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(auto signer, svc.GetSigner(c, signer_id));
        if (project && *project != signer.project_id) {
          return InvalidArgument("signer '" + signer_id + "' is not in project '" + *project + "'");
        }
        if (policy_id && signer.signing_policy_id != policy_id) {
          return InvalidArgument("inputs.approvalPolicyId '" + *policy_id +
                                 "' is not the policy of signer '" + signer.name + "'");
        }
        SIGNET_ASSIGN_OR_RETURN(auto match, svc.CheckPolicyMatch(c, signer_id));
        return JsonResponse(JsonObject{{"requiresApproval", match.requires_approval},
                                       {"hasActiveGrant", match.has_active_grant}});
      }));
}

}  // namespace

Status DecodeInfisicalSignerFields(const Fields& f, service::CreateSignerInput& in) {
  SIGNET_ASSIGN_OR_RETURN(auto ca_id, f.OptString("caId", 64));
  if (ca_id) {
    SIGNET_ASSIGN_OR_RETURN(in.issue, CertificateFieldsOf(f, *ca_id));
  } else {
    for (const char* name : {"commonName", "keyAlgorithm", "certificateTtlDays"}) {
      if (f.Has(name)) {
        return InvalidArgument(std::string(name) +
                               " describes the certificate issued with the "
                               "signer and needs caId (the internal CA to issue it from)");
      }
    }
    SIGNET_TRY(f.Refuse("certificate",
                        "it describes the certificate issued with the signer and needs caId"));
    SIGNET_TRY(f.Refuse("externalConfiguration",
                        "external CAs are not supported; import the certificate "
                        "(POST /api/v1/pki/certificates/import) and pass its certificateId"));
    // Absent (checked above); read so that a misspelling of them gets a did-you-mean hint.
    SIGNET_TRY(f.OptString("commonName", 64));
    SIGNET_TRY(f.OptString("keyAlgorithm", 32));
    SIGNET_TRY(f.OptInt("certificateTtlDays", 1, 3650));
  }
  for (const char* name : {"renewBeforeDays", "certificateRenewBeforeDays"}) {
    SIGNET_TRY(f.Refuse(name,
                        "Signet does not renew certificates; reissue with POST "
                        "/api/v1/cert-manager/signers/{id}/certificate/reissue"));
  }
  SIGNET_ASSIGN_OR_RETURN(auto members, f.OptArray("members"));
  for (std::size_t i = 0; members && i < members->size(); ++i) {
    SIGNET_ASSIGN_OR_RETURN(auto m,
                            InfisicalMemberOf((*members)[i], "members[" + std::to_string(i) + "]"));
    in.members.push_back(std::move(m));
  }
  SIGNET_ASSIGN_OR_RETURN(auto policy, f.OptNested("approvalPolicy"));
  if (policy) {
    SIGNET_ASSIGN_OR_RETURN(auto p, SignerPolicyOf(*policy));
    SIGNET_TRY(policy->Finish());
    in.approval_policy = std::move(p);
  }
  return Ok();
}

void RegisterInfisicalRoutes(Router& router, service::Service& svc) {
  for (const std::string base : {"/api/v1/pki/signers", "/api/v1/cert-manager/signers"}) {
    RegisterSignerRoutes(router, svc, base);
  }
  RegisterApprovalRoutes(router, svc);
}

}  // namespace signet::http
