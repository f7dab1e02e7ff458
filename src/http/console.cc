#include "http/console.h"

#include <array>
#include <string>

#include "http/console_assets.h"

namespace signet::http {
namespace {

// No inline script or style, nothing from another origin, never framed.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kSecurityHeaders{{
    {"Content-Security-Policy", kContentSecurityPolicy},
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "no-referrer"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
    {"Cross-Origin-Resource-Policy", "same-origin"},
    {"Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"},
}};

constexpr std::array<std::string_view, 22> kPagePatterns{
    "/",
    "/login",
    "/signers",
    "/signers/{id}",
    "/signers/{id}/{tab}",
    "/certificates",
    "/certificates/{id}",
    "/cas",
    "/cas/{id}",
    "/timestamping",
    "/timestamping/{id}",
    "/policies",
    "/policies/{id}",
    "/approvals",
    "/approvals/{id}",
    "/grants",
    "/audit",
    "/audit/{seq}",
    "/notifications",
    "/admin",
    "/admin/{tab}",
    "/account",
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// q of one "coding;q=0.5" element: 0 when it is "q=0", "q=0.0", ...; 1 otherwise.
bool QIsZero(std::string_view params) {
  while (!params.empty()) {
    const std::size_t semi = params.find(';');
    const std::string_view param = Trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    if (param.size() < 2 || (param[0] != 'q' && param[0] != 'Q') || param[1] != '=') continue;
    const std::string_view q = Trim(param.substr(2));
    return !q.empty() && q.find_first_not_of("0.") == std::string_view::npos;
  }
  return false;
}

// Whether the index page's validator matches an If-None-Match value ("*" or a list).
bool Matches(std::string_view if_none_match, std::string_view etag) {
  while (!if_none_match.empty()) {
    const std::size_t comma = if_none_match.find(',');
    std::string_view tag = Trim(if_none_match.substr(0, comma));
    if_none_match =
        comma == std::string_view::npos ? std::string_view() : if_none_match.substr(comma + 1);
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
  }
  return false;
}

const ConsoleAsset* FindAsset(std::string_view path) {
  for (const ConsoleAsset& a : ConsoleAssets()) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

Response Serve(const ConsoleAsset& asset, const Request& req, bool immutable) {
  Response r;
  r.content_type = std::string(asset.content_type);
  for (const auto& [name, value] : kSecurityHeaders) r.headers.emplace_back(name, value);
  r.headers.emplace_back("Cache-Control",
                         immutable ? "public, max-age=31536000, immutable" : "no-cache");
  r.headers.emplace_back("ETag", asset.etag);
  if (!asset.gzip_body.empty()) r.headers.emplace_back("Vary", "Accept-Encoding");
  if (Matches(req.Header("if-none-match"), asset.etag)) {
    r.status = 304;
    return r;
  }
  if (!asset.gzip_body.empty() && AcceptsGzip(req.Header("accept-encoding"))) {
    r.headers.emplace_back("Content-Encoding", "gzip");
    r.body = std::string(asset.gzip_body);
  } else {
    r.body = std::string(asset.body);
  }
  return r;
}

}  // namespace

std::span<const std::string_view> ConsolePagePatterns() { return kPagePatterns; }

std::span<const std::pair<std::string_view, std::string_view>> ConsoleSecurityHeaders() {
  return kSecurityHeaders;
}

bool AcceptsGzip(std::string_view accept_encoding) {
  bool star = false;
  while (!accept_encoding.empty()) {
    const std::size_t comma = accept_encoding.find(',');
    const std::string_view element = Trim(accept_encoding.substr(0, comma));
    accept_encoding =
        comma == std::string_view::npos ? std::string_view() : accept_encoding.substr(comma + 1);
    const std::size_t semi = element.find(';');
    const std::string_view coding = Trim(element.substr(0, semi));
    const bool zero = semi != std::string_view::npos && QIsZero(element.substr(semi + 1));
    if (EqualsIgnoreCase(coding, "gzip") || EqualsIgnoreCase(coding, "x-gzip")) return !zero;
    if (coding == "*") star = !zero;
  }
  return star;
}

void RegisterConsoleRoutes(Router& router) {
  const ConsoleAsset* index = FindAsset("/index.html");
  if (index == nullptr) return;  // generated without an app: nothing to serve
  for (std::string_view pattern : kPagePatterns) {
    router.Add("GET", std::string(pattern), [index](const Request& req, const PathParams&) {
      return Serve(*index, req, false);
    });
  }
  for (const ConsoleAsset& asset : ConsoleAssets()) {
    if (&asset == index) continue;
    // Vite names what it builds under /assets/ by content hash: those never change.
    const bool immutable = asset.path.substr(0, 8) == "/assets/";
    router.Add("GET", std::string(asset.path),
               [&asset, immutable](const Request& req, const PathParams&) {
                 return Serve(asset, req, immutable);
               });
  }
}

}  // namespace signet::http
