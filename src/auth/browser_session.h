#pragma once
// Browser sessions of the web console (docs/api.md "Browser sessions"). A session is an
// ordinary access token — the same table, expiry and revocation as a bearer token — that the
// browser keeps in an HttpOnly cookie, so page scripts never see it. Every state-changing
// call made with the cookie must also carry the session's CSRF token, which the console reads
// from the login reply or from GET /api/v1/auth/session. The CSRF token is
// HMAC-SHA256(key = session token, "signet console csrf v1") in hex: computable only by whoever
// holds the session token, and nothing to store on the server (any node of a cluster checks
// it). Thread-safe (pure functions).

#include <string>
#include <string_view>

namespace signet::auth {

// The CSRF token of a session token (64 lower-case hex characters).
std::string CsrfTokenFor(std::string_view session_token);

// Whether `presented` is the CSRF token of `session_token`; compared in constant time.
bool CsrfTokenMatches(std::string_view session_token, std::string_view presented);

}  // namespace signet::auth
