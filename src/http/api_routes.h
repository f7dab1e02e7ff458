#pragma once
// The routes of SPEC §3 wired to the service: decode the request, call the use case, encode
// the reply. No business rules live here.

#include "common/metrics.h"
#include "http/router.h"
#include "service/service.h"

namespace signet::http {

struct RouteOptions {
  std::string node_id;
};

void RegisterApiRoutes(Router& router, service::Service& service, Metrics& metrics,
                       const RouteOptions& options);

}  // namespace signet::http
