#pragma once
// Infisical's newest Code Signing routes where they differ from Signet's own (SPEC §10;
// docs/infisical.md has the table):
//   /api/v1/cert-manager/signers/{id}/status, …/approval-policy, …/requests (GET),
//   …/requests/{requestId}/revoke, …/users[/{userId}], …/identities[/{identityId}],
//   …/permissions, …/my-permissions, …/enable, …/disable, …/certificate/reissue,
//   …/effective-users, …/effective-identities, …/issuance/check
//   (all also under /api/v1/pki/signers)
//   /api/v1/approval-policies/cert-code-signing[/{policyId}], …/requests[/{id}[/approve|
//   /reject|/cancel]], …/grants[/{id}[/revoke]], …/check-policy-match
// Handlers decode, call the same service use cases as Signet's own routes (same rules, same
// audit events) and encode in Infisical's shapes. `service` must outlive the router.

#include "api/json.h"
#include "common/result.h"
#include "http/router.h"
#include "service/service.h"

namespace signet::http {

void RegisterInfisicalRoutes(Router& router, service::Service& service);

// The fields of Infisical's create-signer form beyond Signet's (caId, commonName,
// keyAlgorithm, certificateTtlDays, members, approvalPolicy) into `in`; refuses those Signet
// does not take (certificate, externalConfiguration, certificateRenewBeforeDays) and group
// members, saying what to do instead.
[[nodiscard]] Status DecodeInfisicalSignerFields(const api::Fields& f,
                                                 service::CreateSignerInput& in);

}  // namespace signet::http
