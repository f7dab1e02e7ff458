#include "http/browser_session.h"

#include "auth/browser_session.h"

namespace signet::http {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string CookieAttributes(std::chrono::seconds max_age, bool secure) {
  std::string out =
      "; Path=/; Max-Age=" + std::to_string(max_age.count()) + "; HttpOnly; SameSite=Strict";
  if (secure) out += "; Secure";
  return out;
}

}  // namespace

std::string_view CookieValue(const Request& req, std::string_view name) {
  std::string_view header = req.Header("cookie");
  while (!header.empty()) {
    const std::size_t semi = header.find(';');
    const std::string_view pair = Trim(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    const std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos || Trim(pair.substr(0, eq)) != name) continue;
    std::string_view value = Trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return value;
  }
  return {};
}

bool ChangesState(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

Status CheckCsrf(const Request& req, std::string_view session_token) {
  const std::string_view presented = req.Header(kCsrfHeader);
  if (presented.empty()) {
    return PermissionDenied(
        "a call made with the browser session cookie must carry the session's CSRF token in "
        "the X-CSRF-Token header");
  }
  if (!auth::CsrfTokenMatches(session_token, presented)) {
    return PermissionDenied("the X-CSRF-Token header does not match the browser session");
  }
  return Ok();
}

bool OverHttps(const Request& req, bool tls) {
  if (tls) return true;
  const std::string_view proto = req.Header("x-forwarded-proto");
  return proto == "https" || proto == "HTTPS";
}

std::string SessionSetCookie(std::string_view token, std::chrono::seconds max_age, bool secure) {
  return std::string(kSessionCookie) + "=" + std::string(token) + CookieAttributes(max_age, secure);
}

std::string SessionClearCookie(bool secure) {
  return std::string(kSessionCookie) + "=" + CookieAttributes(std::chrono::seconds(0), secure);
}

}  // namespace signet::http
