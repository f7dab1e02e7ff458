#pragma once
// Serves the web console (docs/console.md) from the files embedded at build time
// (console_assets.h): the app's pages ("/", "/signers/<id>", ...) answer its index.html, the
// hashed files under /assets/ are immutable, and every console reply carries a strict
// Content-Security-Policy and the other browser security headers. Gzip variants are
// precompressed at build time and served to clients that accept gzip. Only GET routes; the API
// and the sign path are untouched. Thread-safe: handlers read constant data.

#include <span>
#include <string_view>
#include <utility>

#include "http/router.h"

namespace signet::http {

// The app's page patterns (web/src/routes.ts lists the same): each answers index.html.
std::span<const std::string_view> ConsolePagePatterns();

// The headers of every console reply, as (name, value).
std::span<const std::pair<std::string_view, std::string_view>> ConsoleSecurityHeaders();

// Whether an Accept-Encoding value accepts gzip (a "gzip" or "*" coding whose q is not 0).
bool AcceptsGzip(std::string_view accept_encoding);

void RegisterConsoleRoutes(Router& router);

}  // namespace signet::http
