#pragma once
// The routes of the RFC 3161 time-stamp authorities (SPEC §10, docs/timestamping.md):
//   POST|GET /api/v1/pki/tsa, GET|PATCH|DELETE /api/v1/pki/tsa/{tsaId},
//   GET /api/v1/pki/tsa/{tsaId}/certificate  (JSON, bearer token)
//   POST /api/v1/pki/tsa/{tsaId}/timestamp, POST /tsa  (application/timestamp-query in,
//   application/timestamp-reply out; a token only when the TSA requires one)
// `service` must outlive the router.

#include "http/router.h"
#include "service/service.h"

namespace signet::http {

void RegisterTsaRoutes(Router& router, service::Service& service);

}  // namespace signet::http
