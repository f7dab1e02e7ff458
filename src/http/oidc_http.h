#pragma once
// The network and JSON halves of OIDC verification (auth/oidc.h), which auth may not hold
// itself: a JoseDecoder over Boost.JSON and an OidcFetcher over Beast (HTTPS with hostname
// verification; plain HTTP to loopback addresses only). signetd's composition root (app)
// wires both into the auth::OidcVerifier that service uses.

#include <chrono>
#include <memory>

#include "auth/jwt.h"
#include "auth/oidc.h"

namespace signet::http {

// JSON texts of JWT headers and claims, key sets and discovery documents → auth's structs.
// Strict about types; unknown members are ignored (issuers add claims freely). Thread-safe.
class JsonJoseDecoder final : public auth::JoseDecoder {
 public:
  Result<auth::JoseHeader> DecodeHeader(std::string_view json) const override;
  Result<auth::Claims> DecodeClaims(std::string_view json) const override;
  Result<auth::JwkSet> DecodeJwkSet(std::string_view json) const override;
  Result<auth::OidcDiscovery> DecodeDiscovery(std::string_view json) const override;
};

// GET over HTTP/1.1, one connection per call, every step bounded by `timeout`. Redirects are
// not followed. A plain-http URL must resolve to loopback addresses only. Thread-safe.
class BeastOidcFetcher final : public auth::OidcFetcher {
 public:
  explicit BeastOidcFetcher(std::chrono::milliseconds timeout = std::chrono::seconds(10))
      : timeout_(timeout) {}
  Result<std::string> Get(const auth::OidcUrl& url, const std::string& ca_cert_pem,
                          std::size_t max_bytes) override;

 private:
  const std::chrono::milliseconds timeout_;
};

}  // namespace signet::http
