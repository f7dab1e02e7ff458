#pragma once
// Browser sessions for the web console (docs/api.md "Browser sessions"):
//   POST   /api/v1/auth/session  {email,password} → sets the HttpOnly session cookie and
//                                 answers who logged in and the session's CSRF token
//   GET    /api/v1/auth/session  who is calling, and the CSRF token when by cookie
//   DELETE /api/v1/auth/session  ends the session on the server and clears the cookie
// The cookie is accepted by every API route in place of the bearer token (route_util.h).

#include "http/router.h"
#include "service/service.h"

namespace signet::http {

struct SessionOptions {
  bool tls = false;  // signetd serves HTTPS itself: the cookie is Secure
};

void RegisterSessionRoutes(Router& router, service::Service& svc, SessionOptions options);

// Sets the session cookie for a finished login and answers {principal, csrfToken, expiresIn}.
[[nodiscard]] Result<Response> StartSession(service::Service& svc, bool tls, const Request& req,
                                            const service::LoginResult& login);
// True for an application/json Content-Type (a cross-site form cannot send one).
bool IsJsonContentType(std::string_view value);

}  // namespace signet::http
