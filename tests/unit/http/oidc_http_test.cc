// The JSON and network halves of OIDC verification (http/oidc_http.h).
#include "http/oidc_http.h"

#include <gtest/gtest.h>

namespace signet::http {
namespace {

using auth::ClaimValue;

TEST(JsonJoseDecoder, HeaderAndClaims) {
  JsonJoseDecoder d;
  auto h = d.DecodeHeader(R"({"alg":"RS256","typ":"JWT","kid":"k1"})");
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_EQ(h->alg, "RS256");
  EXPECT_EQ(h->kid.value_or(""), "k1");
  EXPECT_TRUE(h->crit.empty());
  auto crit = d.DecodeHeader(R"({"alg":"ES256","crit":[]})");
  ASSERT_TRUE(crit);
  EXPECT_FALSE(crit->crit.empty()) << "an empty crit is not allowed by RFC 7515 either";
  EXPECT_FALSE(d.DecodeHeader(R"({"typ":"JWT"})"));
  EXPECT_FALSE(d.DecodeHeader(R"({"alg":1})"));
  EXPECT_FALSE(d.DecodeHeader(R"({"alg":"RS256","kid":7})"));
  EXPECT_FALSE(d.DecodeHeader("[1]"));
  EXPECT_FALSE(d.DecodeHeader("{"));

  auto c = d.DecodeClaims(
      R"({"iss":"https://i","exp":1700000000,"nbf":1.5e9,"ref_protected":true,"aud":["a","b"],)"
      R"("mixed":["a",1],"obj":{"x":1}})");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->at("iss").kind, ClaimValue::Kind::kString);
  EXPECT_EQ(c->at("exp").kind, ClaimValue::Kind::kInteger);
  EXPECT_EQ(c->at("exp").number, 1700000000.0);
  EXPECT_EQ(c->at("exp").text, "1700000000");
  EXPECT_EQ(c->at("nbf").kind, ClaimValue::Kind::kNumber);
  EXPECT_EQ(c->at("ref_protected").text, "true");
  EXPECT_EQ(c->at("aud").strings, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c->at("mixed").kind, ClaimValue::Kind::kOther);
  EXPECT_EQ(c->at("obj").kind, ClaimValue::Kind::kOther);
  EXPECT_FALSE(d.DecodeClaims(std::string(70 * 1024, ' ')));
}

TEST(JsonJoseDecoder, KeySetAndDiscovery) {
  JsonJoseDecoder d;
  auto set = d.DecodeJwkSet(
      R"({"keys":[{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB","use":"sig"},{"kty":"EC","crv":"P-256","x":"a","y":"b"}]})");
  ASSERT_TRUE(set) << set.error().message;
  ASSERT_EQ(set->keys.size(), 2u);
  EXPECT_EQ(set->keys[0].kid, "r");
  EXPECT_EQ(set->keys[1].crv, "P-256");
  EXPECT_TRUE(set->keys[1].kid.empty());
  auto bad = d.DecodeJwkSet(R"({"keys":[{"kty":"RSA"},{"n":"x"}]})");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("keys[1].kty"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(d.DecodeJwkSet(R"({"keys":{}})"));

  auto disc = d.DecodeDiscovery(R"({"issuer":"https://i","jwks_uri":"https://i/keys","x":[1]})");
  ASSERT_TRUE(disc);
  EXPECT_EQ(disc->jwks_uri, "https://i/keys");
  auto missing = d.DecodeDiscovery(R"({"issuer":"https://i"})");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("jwks_uri"), std::string::npos);
}

TEST(BeastOidcFetcher, PlainHttpOnlyToLoopbackAndFailuresAreUnavailable) {
  BeastOidcFetcher fetcher(std::chrono::seconds(2));
  // Nothing listens on port 1 of loopback: a connection failure, reported as Unavailable.
  auto url = auth::ParseOidcUrl("http://127.0.0.1:1/.well-known/openid-configuration", "url");
  ASSERT_TRUE(url);
  auto r = fetcher.Get(*url, "", 1024);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  // A plain-http URL built by hand to a host that is not loopback is refused before connecting.
  auth::OidcUrl outside{false, "192.0.2.1", 80, "/", "http://192.0.2.1/"};
  r = fetcher.Get(outside, "", 1024);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not a loopback address"), std::string::npos)
      << r.error().message;
}

}  // namespace
}  // namespace signet::http
