#pragma once
// Infisical's OIDC Auth routes for machine identities (docs/ci-identities.md): attach, read,
// update and remove an identity's OIDC auth method (org admin), and the login of a workload
// with its OIDC identity token. `service` must outlive the router.

#include "http/router.h"
#include "service/service.h"

namespace signet::http {

void RegisterOidcRoutes(Router& router, service::Service& service);

}  // namespace signet::http
