#pragma once
// Decoders and reply builders shared by the policy routes (policy_routes.cc) and Infisical's
// approval routes (infisical_routes.cc). Decoders read their fields strictly but leave
// Finish() to the caller, which may read more fields of the same object.

#include <optional>
#include <vector>

#include "api/json.h"
#include "common/clock.h"
#include "common/result.h"
#include "service/service.h"

namespace signet::http {

// A duration string ("8h") or a time (RFC 3339), parsed for their form only.
[[nodiscard]] Result<std::optional<Millis>> OptDuration(const api::Fields& f, const char* name);
[[nodiscard]] Result<std::optional<TimePoint>> OptTime(const api::Fields& f, const char* name);
// steps: [{name?, requiredApprovals, approvers:[{type:"user", id}], notifyApprovers?}]
[[nodiscard]] Result<std::vector<domain::PolicyStep>> StepsOf(const api::JsonArray& array);
// A policy body (create: with projectId): name, steps, constraints, maxRequestTtl,
// bypassForMachineIdentities.
[[nodiscard]] Result<service::PolicyInput> PolicyInputOf(const api::Fields& f, bool create);
// A request body: justification, requestedSignings, requestedWindowDuration|Start|End, scope.
[[nodiscard]] Result<service::SigningRequestInput> RequestInputOf(const api::Fields& f);
[[nodiscard]] Result<domain::SigningScope> ScopeOf(const api::Fields& f, bool* ip_address_null);

// Request and grant replies with their read model (SPEC §10).
[[nodiscard]] Result<api::JsonObject> RequestBody(service::Service& svc,
                                                  const service::SigningRequestView& v);
[[nodiscard]] Result<api::JsonArray> RequestList(
    service::Service& svc, const std::vector<service::SigningRequestView>& views);
[[nodiscard]] Result<api::JsonObject> GrantBody(service::Service& svc, domain::Grant g);

}  // namespace signet::http
