#include "auth/oidc.h"

#include <algorithm>
#include <cctype>

#include "common/log.h"

namespace signet::auth {
namespace {

constexpr std::string_view kWellKnown = "/.well-known/openid-configuration";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsIpv4(std::string_view host, int* first_octet) {
  int parts = 0;
  std::size_t i = 0;
  while (i <= host.size()) {
    std::size_t j = i;
    while (j < host.size() && std::isdigit(static_cast<unsigned char>(host[j]))) ++j;
    if (j == i || j - i > 3) return false;
    const int value = std::stoi(std::string(host.substr(i, j - i)));
    if (value > 255) return false;
    if (parts == 0 && first_octet != nullptr) *first_octet = value;
    ++parts;
    if (j == host.size()) break;
    if (host[j] != '.') return false;
    i = j + 1;
  }
  return parts == 4;
}

std::string Seconds(Millis d) { return std::to_string((d.count() + 999) / 1000) + " s"; }

// The discovery document's URL for a configured oidcDiscoveryUrl: the issuer URL with
// /.well-known/openid-configuration appended (as Infisical does), or that URL itself.
std::string DiscoveryDocumentUrl(std::string_view configured) {
  std::string url(configured);
  if (url.size() >= kWellKnown.size() &&
      url.compare(url.size() - kWellKnown.size(), kWellKnown.size(), kWellKnown) == 0) {
    return url;
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + std::string(kWellKnown);
}

}  // namespace

bool IsLoopbackHost(std::string_view host) {
  const std::string h = Lower(host);
  if (h == "localhost" || h == "::1" || h == "0:0:0:0:0:0:0:1") return true;
  int first = -1;
  return IsIpv4(h, &first) && first == 127;
}

Result<OidcUrl> ParseOidcUrl(std::string_view text, std::string_view field) {
  const std::string name(field);
  if (text.empty()) return InvalidArgument(name + " must not be empty");
  if (text.size() > 2048) return InvalidArgument(name + " is longer than 2048 characters");
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return InvalidArgument(name + " must not contain spaces or control characters");
    }
  }
  OidcUrl url;
  url.text = std::string(text);
  const std::string lower = Lower(text.substr(0, 8));
  std::string_view rest;
  if (lower.rfind("https://", 0) == 0) {
    url.tls = true;
    url.port = 443;
    rest = text.substr(8);
  } else if (lower.rfind("http://", 0) == 0) {
    url.tls = false;
    url.port = 80;
    rest = text.substr(7);
  } else {
    return InvalidArgument(name + " must be an https:// URL");
  }
  if (rest.find('#') != std::string_view::npos)
    return InvalidArgument(name + " must not have a fragment");
  const std::size_t end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, end);
  url.target = end == std::string_view::npos ? "/" : std::string(rest.substr(end));
  if (!url.target.empty() && url.target.front() == '?') url.target = "/" + url.target;
  if (authority.find('@') != std::string_view::npos) {
    return InvalidArgument(name + " must not contain user information");
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos)
      return InvalidArgument(name + " has an unclosed [IPv6] host");
    url.host = Lower(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return InvalidArgument(name + " has characters after its [IPv6] host");
      port_text = after.substr(1);
      if (port_text.empty()) return InvalidArgument(name + " has an empty port");
    }
    if (url.host.empty() || url.host.find_first_not_of("0123456789abcdef:.") != std::string::npos) {
      return InvalidArgument(name + " has an invalid IPv6 host");
    }
  } else {
    const std::size_t colon = authority.find(':');
    url.host = Lower(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return InvalidArgument(name + " has an empty port");
    }
    if (url.host.empty()) return InvalidArgument(name + " has no host");
    if (url.host.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-.") != std::string::npos) {
      return InvalidArgument(name + " has an invalid host name");
    }
  }
  if (!port_text.empty()) {
    if (port_text.size() > 5 ||
        port_text.find_first_not_of("0123456789") != std::string_view::npos) {
      return InvalidArgument(name + " has an invalid port");
    }
    const int port = std::stoi(std::string(port_text));
    if (port < 1 || port > 65535) return InvalidArgument(name + " has a port outside 1–65535");
    url.port = static_cast<std::uint16_t>(port);
  }
  if (!url.tls && !IsLoopbackHost(url.host)) {
    return InvalidArgument(
        name + " must use https (plain http only to a loopback host such as 127.0.0.1)");
  }
  return url;
}

OidcVerifier::OidcVerifier(OidcFetcher& fetcher, const JoseDecoder& decoder, const Clock& clock,
                           OidcOptions options)
    : fetcher_(fetcher), decoder_(decoder), clock_(clock), options_(options) {}

Result<JwkSet> OidcVerifier::DecodeKeys(std::string_view json) const {
  SIGNET_ASSIGN_OR_RETURN(JwkSet set, decoder_.DecodeJwkSet(json));
  if (set.keys.size() > options_.max_keys) {
    return InvalidArgument("the key set has " + std::to_string(set.keys.size()) +
                           " keys; the maximum is " + std::to_string(options_.max_keys));
  }
  return set;
}

Status OidcVerifier::CheckKeySet(std::string_view jwks_json) const {
  auto set = DecodeKeys(jwks_json);
  if (!set) return InvalidArgument("jwks is not a JSON Web Key Set: " + set.error().message);
  for (const Jwk& key : set->keys) {
    if (CheckVerificationKey(key)) return Ok();
  }
  return InvalidArgument(
      "jwks has no usable key: give at least one RSA key of 2048 bits or more (RS256) or EC "
      "P-256 key (ES256) with \"use\": \"sig\" or no \"use\"");
}

Result<std::string> OidcVerifier::Get(const OidcUrl& url, const OidcConfig& config) {
  fetches_.fetch_add(1);
  return fetcher_.Get(url, config.ca_cert_pem, options_.max_document_bytes);
}

std::shared_ptr<OidcVerifier::Issuer> OidcVerifier::IssuerFor(const OidcConfig& config) {
  const std::string key = config.discovery_url + '\n' + config.ca_cert_pem;
  std::lock_guard lock(mutex_);
  auto it = issuers_.find(key);
  if (it != issuers_.end()) return it->second;
  if (issuers_.size() >= options_.max_cached_issuers) issuers_.erase(issuers_.begin());
  return issuers_.emplace(key, std::make_shared<Issuer>()).first->second;
}

Status OidcVerifier::Fetch(const OidcConfig& config, Issuer& issuer, TimePoint now) {
  issuer.attempted = true;
  issuer.last_attempt = now;
  const std::string discovery_text = DiscoveryDocumentUrl(config.discovery_url);
  auto discovery_url = ParseOidcUrl(discovery_text, "oidcDiscoveryUrl");
  if (!discovery_url) return Unavailable(discovery_url.error().message);
  auto body = Get(*discovery_url, config);
  if (!body) {
    return Unavailable("cannot fetch the OIDC discovery document " + discovery_text + ": " +
                       body.error().message);
  }
  auto discovery = decoder_.DecodeDiscovery(*body);
  if (!discovery) {
    return Unavailable("the OIDC discovery document " + discovery_text +
                       " is not valid: " + discovery.error().message);
  }
  auto jwks_url = ParseOidcUrl(discovery->jwks_uri, "the discovery document's jwks_uri");
  if (!jwks_url) return Unavailable(jwks_url.error().message);
  auto jwks_body = Get(*jwks_url, config);
  if (!jwks_body) {
    return Unavailable("cannot fetch the issuer's key set " + discovery->jwks_uri + ": " +
                       jwks_body.error().message);
  }
  auto keys = DecodeKeys(*jwks_body);
  if (!keys) {
    return Unavailable("the issuer's key set " + discovery->jwks_uri +
                       " is not valid: " + keys.error().message);
  }
  issuer.issuer = std::move(discovery->issuer);
  issuer.jwks_uri = std::move(discovery->jwks_uri);
  issuer.keys = std::move(*keys);
  issuer.fetched_at = now;
  issuer.has_keys = true;
  return Ok();
}

Result<VerifiedToken> OidcVerifier::Verify(const OidcConfig& config, std::string_view text) {
  SIGNET_ASSIGN_OR_RETURN(Jwt jwt, ParseJwt(text, decoder_));
  SIGNET_TRY(CheckJwsHeader(jwt.header));
  // The issuer before any key: a token of another issuer never makes signetd fetch.
  auto iss = jwt.claims.find("iss");
  if (iss == jwt.claims.end() || iss->second.kind != ClaimValue::Kind::kString) {
    return Unauthenticated("the token has no 'iss' claim");
  }
  if (iss->second.text != config.binding.bound_issuer) {
    return Unauthenticated("the token's issuer '" + iss->second.text.substr(0, 128) +
                           "' is not the identity's boundIssuer");
  }

  if (!config.jwks_json.empty()) {
    auto keys = DecodeKeys(config.jwks_json);
    if (!keys)
      return Unavailable("the identity's inline key set is not valid: " + keys.error().message);
    auto status = VerifyJwtSignature(jwt, *keys);
    if (!status) return Unauthenticated(status.error().message);
  } else {
    std::shared_ptr<Issuer> issuer = IssuerFor(config);
    std::unique_lock lock(issuer->mutex);
    const TimePoint now = clock_.Now();
    auto may_fetch = [&] {
      return !issuer->attempted || now - issuer->last_attempt >= options_.min_refresh_interval;
    };
    const bool stale = !issuer->has_keys || now - issuer->fetched_at >= options_.keys_max_age;
    if (stale && may_fetch()) {
      auto fetched = Fetch(config, *issuer, now);
      if (!fetched) {
        if (!issuer->has_keys) return tl::unexpected(fetched.error());
        log::Warn(fetched.error().message + " (the keys fetched at " +
                  FormatTime(issuer->fetched_at) + " stay in use)");
      }
    }
    if (!issuer->has_keys) {
      return Unavailable("the issuer's keys could not be fetched; the next attempt is allowed in " +
                         Seconds(options_.min_refresh_interval - (now - issuer->last_attempt)));
    }
    if (issuer->issuer != config.binding.bound_issuer) {
      return Unauthenticated("the discovery document's issuer '" + issuer->issuer.substr(0, 128) +
                             "' is not the identity's boundIssuer");
    }
    auto status = VerifyJwtSignature(jwt, issuer->keys);
    if (!status && status.error().code == ErrorCode::kNotFound && may_fetch()) {
      // A kid the set does not have: the issuer may have rotated its keys.
      auto fetched = Fetch(config, *issuer, now);
      if (!fetched) log::Warn(fetched.error().message);
      status = VerifyJwtSignature(jwt, issuer->keys);
    }
    if (!status) return Unauthenticated(status.error().message);
  }

  SIGNET_TRY(CheckTokenTimes(jwt.claims, clock_.Now(), options_.times));
  SIGNET_ASSIGN_OR_RETURN(MatchedClaims matched, MatchBinding(jwt.claims, config.binding));
  return VerifiedToken{std::move(matched)};
}

}  // namespace signet::auth
