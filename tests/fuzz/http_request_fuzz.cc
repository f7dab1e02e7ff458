// The HTTP request path without sockets: request framing and parsing as the server reads a
// connection (http::ReadRequest: raw header checks, Beast's parser with the server's limits,
// RFC 9112 framing rules), target decoding (path percent-decoding, query parsing), and routing
// over signetd's route patterns.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_util.h"
#include "http/request_framing.h"
#include "http/router.h"

using signet::fuzz::Check;
namespace http = signet::http;

namespace {

// A copy of the shapes of signetd's routes (src/http/*_routes.cc): literal and {param}
// segments, several methods on one path, literals that shadow a parameter.
const http::Router& Routes() {
  static const http::Router* router = [] {
    auto* r = new http::Router();
    const char* const kRoutes[][2] = {
        {"GET", "/healthz"},
        {"GET", "/readyz"},
        {"GET", "/metrics"},
        {"POST", "/api/v1/admin/bootstrap"},
        {"POST", "/api/v1/auth/login"},
        {"POST", "/api/v1/auth/universal-auth/login"},
        {"GET", "/api/v1/users"},
        {"POST", "/api/v1/users"},
        {"GET", "/api/v1/users/{id}"},
        {"PATCH", "/api/v1/users/{id}"},
        {"DELETE", "/api/v1/users/{id}"},
        {"DELETE", "/api/v1/users/{id}/mfa"},
        {"POST", "/api/v1/identities/{id}/universal-auth/client-secrets"},
        {"GET", "/api/v1/projects/{id}/memberships/{membershipId}"},
        {"DELETE", "/api/v1/projects/{id}/memberships/{membershipId}"},
        {"GET", "/api/v1/pki/ca/{id}/certificate"},
        {"POST", "/api/v1/pki/certificates/csr"},
        {"POST", "/api/v1/pki/certificates/import"},
        {"POST", "/api/v1/pki/certificates/{id}/import-certificate"},
        {"GET", "/api/v1/pki/signers"},
        {"GET", "/api/v1/pki/signers/requests"},
        {"GET", "/api/v1/pki/signers/{id}"},
        {"POST", "/api/v1/pki/signers/{id}/sign"},
        {"GET", "/api/v1/pki/signers/{id}/public-key"},
        {"GET", "/api/v1/audit-logs"},
        {"GET", "/api/v1/audit-logs/verify"},
        {"POST", "/api/v1/audit-logs/verify"},
    };
    for (const auto& route : kRoutes) {
      const std::string pattern = route[1];
      r->Add(route[0], pattern,
             [](const http::Request&, const http::PathParams&) { return http::Response{}; });
    }
    return r;
  }();
  return *router;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // The server's default limits, and small ones so the limit paths are reached too.
  auto request = http::ReadRequest(bytes, 16 * 1024, 1024 * 1024);
  (void)http::ReadRequest(bytes, 64, 16);
  if (request) {
    Check(!request->method.empty(), "a parsed request has a method");
    const auto match = Routes().Find(request->method, request->path);
    if (match.found()) {
      Check(!match.pattern.empty(), "a match names its pattern");
      Check(!match.method_not_allowed, "a match is not a 405");
      for (const auto& [name, value] : match.params) {
        Check(!value.empty() && value.find('/') == std::string::npos,
              "a path parameter is one non-empty segment");
      }
    }
  }
  // The decoders straight on the input too (as a query string and as a path).
  if (auto decoded = http::PercentDecode(bytes, true)) {
    Check(decoded->size() <= bytes.size(), "percent-decoding never grows");
  }
  (void)http::ParseQuery(bytes);
  (void)Routes().Find("GET", bytes);
  return 0;
}
