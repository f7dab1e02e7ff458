#pragma once
// OpenID Connect workload identity (docs/ci.md): verifies a JWT that a CI job's identity
// provider issued (GitHub Actions, GitLab CI, any OIDC issuer) against one machine identity's
// OIDC auth configuration, fetching the issuer's keys through its discovery document.
//
// Keys: from the configuration's inline key set (air-gapped servers), else from the
// `jwks_uri` of `<oidcDiscoveryUrl>/.well-known/openid-configuration`, whose `issuer` must be
// the configuration's boundIssuer. Fetched key sets are cached per discovery URL and CA
// certificate, in memory (per node), and fetched again when older than `keys_max_age`, or
// when a token names a `kid` the set does not have — at most once per
// `min_refresh_interval` per issuer, so tokens with made-up kids cannot make signetd fetch in
// a loop. A fetch that fails keeps the keys already held.
//
// Network access goes through OidcFetcher and JSON through JoseDecoder (auth/jwt.h), both
// implemented outside auth (http/oidc_http.h) and wired by app. URLs are https, or plain
// http to a loopback host only.
//
// Thread-safe: Verify may be called from many threads; fetches for one issuer are serialized
// (others wait for the one in progress instead of fetching too).

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "auth/jwt.h"
#include "common/clock.h"
#include "common/result.h"

namespace signet::auth {

// An absolute http(s) URL as OIDC needs it.
struct OidcUrl {
  bool tls = true;   // https
  std::string host;  // a DNS name, an IPv4 literal, or an IPv6 literal without []
  std::uint16_t port = 443;
  std::string target = "/";  // path and query
  std::string text;          // as given
};

// `text` as an https URL, or an http URL whose host is loopback (localhost, 127.0.0.0/8,
// ::1). InvalidArgument naming `field` otherwise ("oidcDiscoveryUrl must use https (plain
// http only to a loopback host)"). No user info, no fragment.
[[nodiscard]] Result<OidcUrl> ParseOidcUrl(std::string_view text, std::string_view field);
bool IsLoopbackHost(std::string_view host);

class OidcFetcher {
 public:
  virtual ~OidcFetcher() = default;
  // The body of a 200 reply to GET `url`, trusting `ca_cert_pem` (PEM certificates; empty:
  // the system's trust store) for https. kUnavailable, saying why, for a failure to connect,
  // a TLS failure, any other status, a body over `max_bytes`, or a timeout. Redirects are
  // not followed. Must re-check that a plain-http URL's host resolves to loopback only.
  [[nodiscard]] virtual Result<std::string> Get(const OidcUrl& url, const std::string& ca_cert_pem,
                                                std::size_t max_bytes) = 0;
};

struct OidcOptions {
  TokenTimeRules times;                                    // leeway and maximum token age
  Millis keys_max_age = std::chrono::hours(1);             // fetch the keys again after this
  Millis min_refresh_interval = std::chrono::seconds(30);  // at most one fetch per issuer per …
  std::size_t max_document_bytes = 512 * 1024;             // discovery document, key set
  std::size_t max_keys = 100;                              // keys in a set
  std::size_t max_cached_issuers = 1000;
};

// One identity's OIDC auth configuration, as verification needs it.
struct OidcConfig {
  std::string discovery_url;  // empty when `jwks_json` is set
  std::string ca_cert_pem;    // empty: the system's trust store
  std::string jwks_json;      // inline key set; empty: from the discovery document
  OidcBinding binding;
};

struct VerifiedToken {
  MatchedClaims matched;  // iss, sub, aud, the bound claims (auth/jwt.h)
};

class OidcVerifier {
 public:
  // `fetcher` and `decoder` must outlive the verifier.
  OidcVerifier(OidcFetcher& fetcher, const JoseDecoder& decoder, const Clock& clock,
               OidcOptions options = {});

  // Verifies `jwt` for `config`: header (RS256/ES256), issuer, signature, times, audience,
  // subject, bound claims — in that order, so that a token for another issuer never causes a
  // fetch. kUnauthenticated with the reason for any token that fails; kUnavailable when the
  // issuer's keys cannot be had (nothing cached and the fetch failed, or a refetch is not yet
  // allowed); the message never holds the token.
  [[nodiscard]] Result<VerifiedToken> Verify(const OidcConfig& config, std::string_view jwt);

  // An inline key set as a configuration may hold it: InvalidArgument unless it decodes and
  // has at least one RS256 or ES256 key that Signet can use.
  [[nodiscard]] Status CheckKeySet(std::string_view jwks_json) const;

  // Fetches made so far (discovery documents and key sets), for tests and metrics.
  std::uint64_t fetches() const { return fetches_.load(); }
  const OidcOptions& options() const { return options_; }

 private:
  struct Issuer {
    std::mutex mutex;  // serializes fetches; guards the fields below
    bool has_keys = false;
    std::string issuer;    // from the discovery document
    std::string jwks_uri;  // from the discovery document
    JwkSet keys;
    TimePoint fetched_at{};    // when `keys` arrived
    TimePoint last_attempt{};  // the last fetch started then (successful or not)
    bool attempted = false;
  };

  std::shared_ptr<Issuer> IssuerFor(const OidcConfig& config);
  // Fetches the discovery document (when needed) and the key set into `issuer` (locked).
  Status Fetch(const OidcConfig& config, Issuer& issuer, TimePoint now);
  Result<std::string> Get(const OidcUrl& url, const OidcConfig& config);
  Result<JwkSet> DecodeKeys(std::string_view json) const;

  OidcFetcher& fetcher_;
  const JoseDecoder& decoder_;
  const Clock& clock_;
  const OidcOptions options_;
  std::atomic<std::uint64_t> fetches_{0};
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Issuer>> issuers_;  // guarded by mutex_
};

}  // namespace signet::auth
