#pragma once
// The routes of SPEC §3 for signing policies, approval requests and grants (SPEC §5):
//   /api/v1/pki/signing-policies[/{id}]
//   /api/v1/pki/signers/{id}/requests, …/requests/pre-approve (also under
//   /api/v1/cert-manager/signers)
//   /api/v1/pki/signing-requests[/{id}[/approve|/reject|/cancel]]
//   /api/v1/pki/signing-grants[/{id}[/revoke]]
// Handlers decode, call the service and encode; the rules live in service/ and policy/.
// `service` must outlive the router.

#include "http/router.h"
#include "service/service.h"

namespace signet::http {

void RegisterPolicyRoutes(Router& router, service::Service& service);

}  // namespace signet::http
