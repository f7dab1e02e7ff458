#include "http/oidc_http.h"

#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>

#include "api/json.h"

namespace signet::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace json = boost::json;
using tcp = net::ip::tcp;

constexpr std::size_t kMaxJoseJson = 64 * 1024;  // a JWT's header or claims

Result<json::object> ObjectOf(std::string_view text, std::string_view what, std::size_t max) {
  if (text.size() > max) {
    return InvalidArgument(std::string(what) + " is " + std::to_string(text.size()) +
                           " bytes; the maximum is " + std::to_string(max));
  }
  auto value = api::ParseJson(text);
  if (!value || !value->is_object())
    return InvalidArgument(std::string(what) + " is not a JSON object");
  return value->as_object();
}

// The string member `name`: absent → "" (or an error when `required`); not a string → error.
Result<std::string> StringMember(const json::object& o, std::string_view name,
                                 std::string_view where, bool required = false) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) {
    if (required) return InvalidArgument(std::string(where) + std::string(name) + " is missing");
    return std::string();
  }
  if (!v->is_string())
    return InvalidArgument(std::string(where) + std::string(name) + " must be a string");
  return std::string(v->as_string());
}

auth::ClaimValue ClaimOf(const json::value& v) {
  auth::ClaimValue c;
  switch (v.kind()) {
    case json::kind::string:
      c.kind = auth::ClaimValue::Kind::kString;
      c.text = std::string(v.as_string());
      break;
    case json::kind::int64:
      c.kind = auth::ClaimValue::Kind::kInteger;
      c.number = static_cast<double>(v.as_int64());
      c.text = std::to_string(v.as_int64());
      break;
    case json::kind::uint64:
      c.kind = auth::ClaimValue::Kind::kInteger;
      c.number = static_cast<double>(v.as_uint64());
      c.text = std::to_string(v.as_uint64());
      break;
    case json::kind::double_:
      c.kind = auth::ClaimValue::Kind::kNumber;
      c.number = v.as_double();
      c.text = json::serialize(v);
      break;
    case json::kind::bool_:
      c.kind = auth::ClaimValue::Kind::kBool;
      c.text = v.as_bool() ? "true" : "false";
      break;
    case json::kind::array: {
      c.kind = auth::ClaimValue::Kind::kStringArray;
      for (const json::value& item : v.as_array()) {
        if (!item.is_string()) {
          c.kind = auth::ClaimValue::Kind::kOther;
          c.strings.clear();
          break;
        }
        c.strings.emplace_back(item.as_string());
      }
      break;
    }
    default:
      c.kind = auth::ClaimValue::Kind::kOther;
  }
  return c;
}

std::string Seconds(std::chrono::milliseconds d) { return std::to_string(d.count() / 1000) + " s"; }

bool IsLoopback(const tcp::endpoint& e) { return e.address().is_loopback(); }

// One GET on a private io_context: each asynchronous step is run until it completes or the
// stream's deadline passes.
class Fetch {
 public:
  Fetch(const auth::OidcUrl& url, std::chrono::milliseconds timeout)
      : url_(url), timeout_(timeout) {}

  Result<std::string> Run(const std::string& ca_cert_pem, std::size_t max_bytes) {
    tcp::resolver resolver(ioc_);
    beast::error_code ec = net::error::would_block;
    tcp::resolver::results_type endpoints;
    bool resolved = false;
    resolver.async_resolve(url_.host, std::to_string(url_.port),
                           [&](beast::error_code e, tcp::resolver::results_type r) {
                             ec = e;
                             endpoints = std::move(r);
                             resolved = true;
                           });
    ioc_.run_for(timeout_);
    if (!resolved) {
      resolver.cancel();
      ioc_.restart();
      ioc_.run();
      return Unavailable("cannot resolve " + url_.host + ": timed out after " + Seconds(timeout_));
    }
    if (ec) return Unavailable("cannot resolve " + url_.host + ": " + ec.message());
    if (!url_.tls) {
      // Plain http only to loopback: every address the name resolves to must be one.
      for (const auto& entry : endpoints) {
        if (!IsLoopback(entry.endpoint())) {
          return Unavailable(
              url_.host + " resolves to " + entry.endpoint().address().to_string() +
              ", which is not a loopback address; plain http is allowed to loopback only");
        }
      }
    }

    std::optional<ssl::context> tls_context;
    if (url_.tls) {
      tls_context.emplace(ssl::context::tls_client);
      tls_context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                               ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                               ssl::context::no_tlsv1_1);
      beast::error_code ca_ec;
      if (ca_cert_pem.empty()) {
        tls_context->set_default_verify_paths(ca_ec);
      } else {
        tls_context->add_certificate_authority(net::buffer(ca_cert_pem), ca_ec);
      }
      if (ca_ec) return Unavailable("cannot load the CA certificates: " + ca_ec.message());
      tls_.emplace(ioc_, *tls_context);
    } else {
      plain_.emplace(ioc_);
    }
    beast::tcp_stream& stream = tls_ ? beast::get_lowest_layer(*tls_) : *plain_;
    stream.expires_after(timeout_);
    ec = Step([&](auto handler) { stream.async_connect(endpoints, std::move(handler)); });
    if (ec) return Unavailable("cannot connect to " + url_.host + ": " + Describe(ec));
    if (tls_) {
      beast::error_code addr_ec;
      net::ip::make_address(url_.host, addr_ec);
      if (addr_ec && !SSL_set_tlsext_host_name(tls_->native_handle(), url_.host.c_str())) {
        return Unavailable("cannot set the TLS server name " + url_.host);
      }
      tls_->set_verify_mode(ssl::verify_peer);
      tls_->set_verify_callback(ssl::host_name_verification(url_.host));
      stream.expires_after(timeout_);
      ec = Step([&](auto handler) {
        tls_->async_handshake(ssl::stream_base::client, std::move(handler));
      });
      if (ec) return Unavailable("TLS handshake with " + url_.host + " failed: " + Describe(ec));
    }

    bhttp::request<bhttp::empty_body> request{bhttp::verb::get, url_.target, 11};
    const bool default_port = url_.port == (url_.tls ? 443 : 80);
    const std::string host =
        url_.host.find(':') != std::string::npos ? "[" + url_.host + "]" : url_.host;
    request.set(bhttp::field::host, default_port ? host : host + ":" + std::to_string(url_.port));
    request.set(bhttp::field::user_agent, "signetd");
    request.set(bhttp::field::accept, "application/json");
    request.keep_alive(false);
    stream.expires_after(timeout_);
    ec = Step([&](auto handler) {
      if (tls_) {
        bhttp::async_write(*tls_, request, std::move(handler));
      } else {
        bhttp::async_write(*plain_, request, std::move(handler));
      }
    });
    if (ec) return Unavailable("sending the request to " + url_.host + " failed: " + Describe(ec));

    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(max_bytes);
    parser.header_limit(16 * 1024);
    beast::flat_buffer buffer;
    stream.expires_after(timeout_);
    ec = Step([&](auto handler) {
      if (tls_) {
        bhttp::async_read(*tls_, buffer, parser, std::move(handler));
      } else {
        bhttp::async_read(*plain_, buffer, parser, std::move(handler));
      }
    });
    if (ec == bhttp::error::body_limit) {
      return Unavailable("the reply is larger than " + std::to_string(max_bytes) + " bytes");
    }
    if (ec) return Unavailable("reading the reply from " + url_.host + " failed: " + Describe(ec));
    const auto& response = parser.get();
    if (response.result() != bhttp::status::ok) {
      return Unavailable("the server answered HTTP " + std::to_string(response.result_int()) +
                         " (redirects are not followed)");
    }
    return response.body();
  }

 private:
  std::string Describe(const beast::error_code& ec) const {
    if (ec == beast::error::timeout) return "timed out after " + Seconds(timeout_);
    return ec.message();
  }

  template <class Start>
  beast::error_code Step(Start&& start) {
    beast::error_code result = net::error::would_block;
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc_.restart();
    ioc_.run();
    return result;
  }

  const auth::OidcUrl& url_;
  const std::chrono::milliseconds timeout_;
  net::io_context ioc_{1};
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
};

}  // namespace

Result<auth::JoseHeader> JsonJoseDecoder::DecodeHeader(std::string_view text) const {
  SIGNET_ASSIGN_OR_RETURN(json::object o, ObjectOf(text, "the header", kMaxJoseJson));
  auth::JoseHeader h;
  SIGNET_ASSIGN_OR_RETURN(h.alg, StringMember(o, "alg", "", true));
  if (const json::value* kid = o.if_contains("kid"); kid != nullptr) {
    if (!kid->is_string()) return InvalidArgument("kid must be a string");
    h.kid = std::string(kid->as_string());
  }
  if (const json::value* crit = o.if_contains("crit"); crit != nullptr) {
    if (!crit->is_array()) return InvalidArgument("crit must be an array");
    for (const json::value& item : crit->as_array()) {
      h.crit.push_back(item.is_string() ? std::string(item.as_string()) : json::serialize(item));
    }
    if (h.crit.empty()) h.crit.push_back("(empty)");  // RFC 7515 §4.1.11: must not be empty
  }
  return h;
}

Result<auth::Claims> JsonJoseDecoder::DecodeClaims(std::string_view text) const {
  SIGNET_ASSIGN_OR_RETURN(json::object o, ObjectOf(text, "the claims", kMaxJoseJson));
  auth::Claims claims;
  for (const auto& [key, value] : o) claims.emplace(std::string(key), ClaimOf(value));
  return claims;
}

Result<auth::JwkSet> JsonJoseDecoder::DecodeJwkSet(std::string_view text) const {
  SIGNET_ASSIGN_OR_RETURN(json::object o, ObjectOf(text, "the key set", 1024 * 1024));
  const json::value* keys = o.if_contains("keys");
  if (keys == nullptr || !keys->is_array()) return InvalidArgument("keys must be an array");
  auth::JwkSet set;
  std::size_t i = 0;
  for (const json::value& k : keys->as_array()) {
    const std::string where = "keys[" + std::to_string(i++) + "].";
    if (!k.is_object())
      return InvalidArgument(where.substr(0, where.size() - 1) + " must be an object");
    const json::object& ko = k.as_object();
    auth::Jwk jwk;
    SIGNET_ASSIGN_OR_RETURN(jwk.kty, StringMember(ko, "kty", where, true));
    SIGNET_ASSIGN_OR_RETURN(jwk.kid, StringMember(ko, "kid", where));
    SIGNET_ASSIGN_OR_RETURN(jwk.use, StringMember(ko, "use", where));
    SIGNET_ASSIGN_OR_RETURN(jwk.alg, StringMember(ko, "alg", where));
    SIGNET_ASSIGN_OR_RETURN(jwk.crv, StringMember(ko, "crv", where));
    SIGNET_ASSIGN_OR_RETURN(jwk.n, StringMember(ko, "n", where));
    SIGNET_ASSIGN_OR_RETURN(jwk.e, StringMember(ko, "e", where));
    SIGNET_ASSIGN_OR_RETURN(jwk.x, StringMember(ko, "x", where));
    SIGNET_ASSIGN_OR_RETURN(jwk.y, StringMember(ko, "y", where));
    set.keys.push_back(std::move(jwk));
  }
  return set;
}

Result<auth::OidcDiscovery> JsonJoseDecoder::DecodeDiscovery(std::string_view text) const {
  SIGNET_ASSIGN_OR_RETURN(json::object o, ObjectOf(text, "the discovery document", 1024 * 1024));
  auth::OidcDiscovery d;
  SIGNET_ASSIGN_OR_RETURN(d.issuer, StringMember(o, "issuer", "", true));
  SIGNET_ASSIGN_OR_RETURN(d.jwks_uri, StringMember(o, "jwks_uri", "", true));
  return d;
}

Result<std::string> BeastOidcFetcher::Get(const auth::OidcUrl& url, const std::string& ca_cert_pem,
                                          std::size_t max_bytes) {
  try {
    Fetch fetch(url, timeout_);
    return fetch.Run(ca_cert_pem, max_bytes);
  } catch (const std::exception& e) {
    return Unavailable(std::string("fetching ") + url.text + " failed: " + e.what());
  }
}

}  // namespace signet::http
