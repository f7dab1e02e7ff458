#pragma once
// The routes of SPEC §3 wired to the service: decode the request, call the use case, encode
// the reply. No business rules live here. Also registers the browser session routes
// (session_routes.h).

#include <memory>
#include <string_view>

#include "common/metrics.h"
#include "common/secret_bytes.h"
#include "http/router.h"
#include "service/service.h"

namespace signet::http {

struct RouteOptions {
  std::string node_id;
  bool tls = false;  // signetd serves HTTPS itself (browser session cookies are Secure)
  // When set and not empty, GET /metrics answers only "Authorization: Bearer <this>" (401
  // otherwise); compared in constant time.
  std::shared_ptr<const SecretBytes> metrics_token;
};

// The OpenAPI 3.1 document of these routes (docs/openapi.json, embedded at build time).
std::string_view OpenApiDocument();

void RegisterApiRoutes(Router& router, service::Service& service, Metrics& metrics,
                       const RouteOptions& options);

}  // namespace signet::http
