#pragma once
// Multi-factor authentication (docs/api.md "Multi-factor authentication"):
//   POST   /api/v1/auth/mfa/verify          {mfaToken, code | recoveryCode} → a session token
//   POST   /api/v1/auth/session/mfa         the same for the console: sets the session cookie
//   GET    /api/v1/auth/mfa                 the caller's MFA state and the org's requirement
//   POST   /api/v1/auth/mfa/totp/enroll     → {secret, otpauthUri} (an unconfirmed authenticator)
//   POST   /api/v1/auth/mfa/totp/confirm    {code} → {recoveryCodes} (shown once)
//   POST   /api/v1/auth/mfa/totp/disable    {code | recoveryCode}
//   POST   /api/v1/auth/mfa/recovery-codes  {code | recoveryCode} → {recoveryCodes}
//   DELETE /api/v1/users/{id}/mfa           org admin: remove a user's authenticator
//   GET|PUT /api/v1/admin/mfa-policy        {required: "none" | "privileged" | "all"}

#include "http/router.h"
#include "http/session_routes.h"
#include "service/service.h"

namespace signet::http {

void RegisterMfaRoutes(Router& router, service::Service& svc, SessionOptions options);

}  // namespace signet::http
