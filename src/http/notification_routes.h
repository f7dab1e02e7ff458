#pragma once
// The notification routes (docs/notifications.md):
//   POST|GET /api/v1/notifications/webhooks, GET|PATCH|DELETE …/webhooks/{id},
//   GET …/webhooks/{id}/deliveries, POST …/webhooks/{id}/test,
//   PUT|GET|DELETE /api/v1/notifications/smtp.
// Handlers decode, call the service and encode. `service` must outlive the router.

#include "http/router.h"
#include "service/service.h"

namespace signet::http {

void RegisterNotificationRoutes(Router& router, service::Service& service);

}  // namespace signet::http
