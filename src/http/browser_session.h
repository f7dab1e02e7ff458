#pragma once
// The HTTP side of browser sessions (auth/browser_session.h, docs/api.md "Browser sessions"):
// reading the session cookie, checking the CSRF header of calls that change state, and the
// Set-Cookie values of login and logout. Plain C++; thread-safe (pure functions).

#include <chrono>
#include <string>
#include <string_view>

#include "common/result.h"
#include "http/router.h"

namespace signet::http {

inline constexpr std::string_view kSessionCookie = "signet_session";
inline constexpr std::string_view kCsrfHeader = "x-csrf-token";  // lower case, as in Request

// The value of cookie `name` in the request's Cookie header, or empty.
std::string_view CookieValue(const Request& req, std::string_view name);

// The browser session token of a request, or empty.
inline std::string_view SessionCookie(const Request& req) {
  return CookieValue(req, kSessionCookie);
}

// True for every method but GET, HEAD and OPTIONS (which must not change state).
bool ChangesState(std::string_view method);

// PermissionDenied naming the header unless the request's X-CSRF-Token is the CSRF token of
// `session_token` (checked in constant time).
[[nodiscard]] Status CheckCsrf(const Request& req, std::string_view session_token);

// Whether the browser reached signetd over HTTPS: signetd serves TLS itself (`tls`), or a TLS
// proxy in front says so with X-Forwarded-Proto (which, if forged, only makes the cookie
// stricter).
bool OverHttps(const Request& req, bool tls);

// Set-Cookie values: the session (HttpOnly, SameSite=Strict, Path=/, Max-Age; Secure when
// `secure`), and the one that removes it.
std::string SessionSetCookie(std::string_view token, std::chrono::seconds max_age, bool secure);
std::string SessionClearCookie(bool secure);

}  // namespace signet::http
