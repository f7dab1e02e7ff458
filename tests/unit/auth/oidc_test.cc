// The OIDC verifier (auth/oidc.h) with a fake network and a fake clock: discovery, the key
// cache, refetching on an unknown kid (rate-limited), key rotation, inline key sets, and the
// URL rules.
#include <gtest/gtest.h>

#include "auth/oidc.h"
#include "jwt_test_util.h"

namespace signet::auth {
namespace {

using test::EcJwk;
using test::EcKey;
using test::SignEs256;
using test::TableDecoder;

constexpr const char* kIssuer = "https://token.actions.githubusercontent.com";

// Serves bodies by URL text; counts requests.
class FakeFetcher final : public OidcFetcher {
 public:
  Result<std::string> Get(const OidcUrl& url, const std::string& ca_cert_pem,
                          std::size_t max_bytes) override {
    ++requests[url.text];
    last_ca = ca_cert_pem;
    last_max = max_bytes;
    if (down) return Unavailable("connection refused");
    auto it = bodies.find(url.text);
    if (it == bodies.end()) return Unavailable("HTTP 404");
    return it->second;
  }
  int Count(const std::string& url) const {
    auto it = requests.find(url);
    return it == requests.end() ? 0 : it->second;
  }
  std::map<std::string, std::string> bodies;
  std::map<std::string, int> requests;
  std::string last_ca;
  std::size_t last_max = 0;
  bool down = false;
};

class OidcVerifierTest : public ::testing::Test {
 protected:
  static constexpr const char* kDiscovery =
      "https://token.actions.githubusercontent.com/.well-known/openid-configuration";
  static constexpr const char* kJwks =
      "https://token.actions.githubusercontent.com/.well-known/jwks";

  OidcVerifierTest() : clock_(FromUnixMillis(1'800'000'000'000LL)), key1_(EcKey::Make("k1")) {
    fetcher_.bodies[kDiscovery] = "discovery";
    fetcher_.bodies[kJwks] = "jwks-1";
    decoder_.discoveries["discovery"] = OidcDiscovery{kIssuer, kJwks};
    decoder_.key_sets["jwks-1"] = JwkSet{{EcJwk(key1_)}};
    config_.discovery_url = kIssuer;
    config_.binding.bound_issuer = kIssuer;
    config_.binding.bound_audiences = {"https://signet.example"};
    config_.binding.bound_subject = "repo:octo-org/app:*";
    config_.binding.bound_claims = {{"repository", "octo-org/app"}};
    options_.min_refresh_interval = std::chrono::seconds(30);
    options_.keys_max_age = std::chrono::hours(1);
    verifier_ = std::make_unique<OidcVerifier>(fetcher_, decoder_, clock_, options_);
  }

  Claims GoodClaims() const {
    const double now = static_cast<double>(ToUnixMillis(clock_.Now())) / 1000;
    Claims c;
    c["iss"] = test::Str(kIssuer);
    c["aud"] = test::Str("https://signet.example");
    c["sub"] = test::Str("repo:octo-org/app:ref:refs/heads/main");
    c["repository"] = test::Str("octo-org/app");
    c["iat"] = test::Num(now - 10);
    c["exp"] = test::Num(now + 300);
    return c;
  }

  // A token signed by `key` with `kid` (no kid when empty) and `claims`.
  std::string Token(const EcKey& key, const std::string& kid, const Claims& claims,
                    const std::string& alg = "ES256") {
    const std::string header_label = "header-" + alg + "-" + kid;
    decoder_.headers[header_label] =
        JoseHeader{alg, kid.empty() ? std::nullopt : std::optional<std::string>(kid), {}};
    const std::string claims_label = "claims-" + std::to_string(++claims_count_);
    decoder_.claims[claims_label] = claims;
    const std::string input =
        Base64UrlEncode(AsBytes(header_label)) + "." + Base64UrlEncode(AsBytes(claims_label));
    return input + "." + Base64UrlEncode(SignEs256(key, input));
  }

  FakeClock clock_;
  FakeFetcher fetcher_;
  TableDecoder decoder_;
  OidcOptions options_;
  OidcConfig config_;
  EcKey key1_;
  std::unique_ptr<OidcVerifier> verifier_;
  int claims_count_ = 0;
};

TEST_F(OidcVerifierTest, GoodTokenVerifiesAndKeysAreCached) {
  auto v = verifier_->Verify(config_, Token(key1_, "k1", GoodClaims()));
  ASSERT_TRUE(v) << v.error().message;
  const MatchedClaims expected = {{"iss", kIssuer},
                                  {"sub", "repo:octo-org/app:ref:refs/heads/main"},
                                  {"aud", "https://signet.example"},
                                  {"repository", "octo-org/app"}};
  EXPECT_EQ(v->matched, expected);
  EXPECT_EQ(fetcher_.Count(kDiscovery), 1);
  EXPECT_EQ(fetcher_.Count(kJwks), 1);
  EXPECT_EQ(fetcher_.last_max, options_.max_document_bytes);
  // A second login uses the cached keys.
  clock_.Advance(std::chrono::minutes(10));
  ASSERT_TRUE(verifier_->Verify(config_, Token(key1_, "k1", GoodClaims())));
  EXPECT_EQ(fetcher_.Count(kJwks), 1);
  EXPECT_EQ(verifier_->fetches(), 2u);
  // Past keys_max_age the keys are fetched again.
  clock_.Advance(std::chrono::hours(1));
  ASSERT_TRUE(verifier_->Verify(config_, Token(key1_, "k1", GoodClaims())));
  EXPECT_EQ(fetcher_.Count(kJwks), 2);
}

TEST_F(OidcVerifierTest, DiscoveryUrlMayBeTheDocumentItselfAndCaCertIsPassed) {
  config_.discovery_url = kDiscovery;
  config_.ca_cert_pem = "-----BEGIN CERTIFICATE-----…";
  ASSERT_TRUE(verifier_->Verify(config_, Token(key1_, "k1", GoodClaims())));
  EXPECT_EQ(fetcher_.Count(kDiscovery), 1);
  EXPECT_EQ(fetcher_.last_ca, config_.ca_cert_pem);
  config_.discovery_url = std::string(kIssuer) + "/";
  config_.ca_cert_pem.clear();
  ASSERT_TRUE(verifier_->Verify(config_, Token(key1_, "k1", GoodClaims())));
  EXPECT_EQ(fetcher_.Count(kDiscovery), 2);  // another cache entry (another CA)
}

TEST_F(OidcVerifierTest, UnknownKidRefetchesOnceThenKeyRotation) {
  ASSERT_TRUE(verifier_->Verify(config_, Token(key1_, "k1", GoodClaims())));
  ASSERT_EQ(fetcher_.Count(kJwks), 1);
  // The issuer rotates to k2; a token with k2 makes the verifier fetch the set again — but
  // not before min_refresh_interval has passed since the last fetch.
  const EcKey key2 = EcKey::Make("k2");
  decoder_.key_sets["jwks-2"] = JwkSet{{EcJwk(key2)}};
  fetcher_.bodies[kJwks] = "jwks-2";
  auto early = verifier_->Verify(config_, Token(key2, "k2", GoodClaims()));
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, ErrorCode::kUnauthenticated);
  EXPECT_NE(early.error().message.find("no key with kid 'k2'"), std::string::npos);
  EXPECT_EQ(fetcher_.Count(kJwks), 1);
  clock_.Advance(std::chrono::seconds(31));
  auto rotated = verifier_->Verify(config_, Token(key2, "k2", GoodClaims()));
  ASSERT_TRUE(rotated) << rotated.error().message;
  EXPECT_EQ(fetcher_.Count(kJwks), 2);
  // The old key is gone from the set: its tokens no longer verify (and do not refetch yet).
  auto old = verifier_->Verify(config_, Token(key1_, "k1", GoodClaims()));
  ASSERT_FALSE(old);
  EXPECT_EQ(fetcher_.Count(kJwks), 2);
}

TEST_F(OidcVerifierTest, MadeUpKidsCannotMakeItFetchInALoop) {
  ASSERT_TRUE(verifier_->Verify(config_, Token(key1_, "k1", GoodClaims())));
  clock_.Advance(std::chrono::seconds(31));
  for (int i = 0; i < 50; ++i) {
    auto r = verifier_->Verify(config_, Token(key1_, "random-" + std::to_string(i), GoodClaims()));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
    clock_.Advance(std::chrono::milliseconds(200));
  }
  // One refetch for the first unknown kid; the other 49 came within the interval.
  EXPECT_EQ(fetcher_.Count(kJwks), 2);
  EXPECT_EQ(fetcher_.Count(kDiscovery), 2);
  // Valid tokens still verify meanwhile.
  EXPECT_TRUE(verifier_->Verify(config_, Token(key1_, "k1", GoodClaims())));
}

TEST_F(OidcVerifierTest, RefusedTokensNeverFetch) {
  // alg none, HS256, another issuer, malformed: refused before any key is looked for.
  Claims other = GoodClaims();
  other["iss"] = test::Str("https://gitlab.example");
  EXPECT_FALSE(verifier_->Verify(config_, Token(key1_, "k1", other)));
  EXPECT_FALSE(verifier_->Verify(config_, Token(key1_, "k1", GoodClaims(), "none")));
  EXPECT_FALSE(verifier_->Verify(config_, Token(key1_, "k1", GoodClaims(), "HS256")));
  EXPECT_FALSE(verifier_->Verify(config_, "not.a.jwt"));
  EXPECT_FALSE(verifier_->Verify(config_, ""));
  EXPECT_EQ(verifier_->fetches(), 0u);
}

TEST_F(OidcVerifierTest, EachRefusalSaysWhy) {
  auto refused = [&](const std::string& token, const std::string& reason) {
    auto r = verifier_->Verify(config_, token);
    ASSERT_FALSE(r) << reason;
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated) << r.error().message;
    EXPECT_NE(r.error().message.find(reason), std::string::npos) << r.error().message;
  };
  Claims c = GoodClaims();
  c["exp"] = test::Num(static_cast<double>(ToUnixMillis(clock_.Now())) / 1000 - 120);
  refused(Token(key1_, "k1", c), "expired");
  c = GoodClaims();
  c["nbf"] = test::Num(static_cast<double>(ToUnixMillis(clock_.Now())) / 1000 + 600);
  refused(Token(key1_, "k1", c), "not valid before");
  c = GoodClaims();
  c["aud"] = test::Str("https://github.com/octo-org");
  refused(Token(key1_, "k1", c), "boundAudiences");
  c = GoodClaims();
  c["sub"] = test::Str("repo:evil/app:ref:refs/heads/main");
  refused(Token(key1_, "k1", c), "boundSubject");
  c = GoodClaims();
  c["repository"] = test::Str("octo-org/other");
  refused(Token(key1_, "k1", c), "'repository' claim does not match");
  c = GoodClaims();
  c["iss"] = test::Str("https://evil.example");
  refused(Token(key1_, "k1", c), "boundIssuer");
  // Signed by a key the issuer does not have, naming the issuer's kid.
  refused(Token(EcKey::Make("k1"), "k1", GoodClaims()), "signature does not verify");
  refused(Token(key1_, "k1", GoodClaims(), "RS384"), "only RS256 and ES256");
}

TEST_F(OidcVerifierTest, DiscoveryIssuerMustBeTheBoundIssuer) {
  decoder_.discoveries["discovery"] = OidcDiscovery{"https://evil.example", kJwks};
  auto r = verifier_->Verify(config_, Token(key1_, "k1", GoodClaims()));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
  EXPECT_NE(r.error().message.find("discovery document's issuer"), std::string::npos);
}

TEST_F(OidcVerifierTest, JwksUriMustBeHttpsOrLoopback) {
  decoder_.discoveries["discovery"] = OidcDiscovery{kIssuer, "http://keys.example/jwks"};
  auto r = verifier_->Verify(config_, Token(key1_, "k1", GoodClaims()));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("https"), std::string::npos) << r.error().message;
  EXPECT_EQ(fetcher_.requests.count("http://keys.example/jwks"), 0u);
}

TEST_F(OidcVerifierTest, FetchFailures) {
  // Nothing cached and the issuer is down: Unavailable, and no new attempt for a while.
  fetcher_.down = true;
  auto r = verifier_->Verify(config_, Token(key1_, "k1", GoodClaims()));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("connection refused"), std::string::npos);
  auto again = verifier_->Verify(config_, Token(key1_, "k1", GoodClaims()));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(fetcher_.Count(kDiscovery), 1);
  // Up again after the interval.
  fetcher_.down = false;
  clock_.Advance(std::chrono::seconds(30));
  ASSERT_TRUE(verifier_->Verify(config_, Token(key1_, "k1", GoodClaims())));
  // Keys past their age while the issuer is down: the cached keys stay in use.
  clock_.Advance(std::chrono::hours(2));
  fetcher_.down = true;
  auto stale = verifier_->Verify(config_, Token(key1_, "k1", GoodClaims()));
  EXPECT_TRUE(stale) << stale.error().message;
  // A key set that does not decode counts as a failure too.
  fetcher_.down = false;
  fetcher_.bodies[kJwks] = "garbage";
  clock_.Advance(std::chrono::hours(2));
  EXPECT_TRUE(verifier_->Verify(config_, Token(key1_, "k1", GoodClaims())));
}

TEST_F(OidcVerifierTest, InlineKeySetNeverFetches) {
  config_.discovery_url.clear();
  config_.jwks_json = "inline";
  const EcKey offline = EcKey::Make("offline-1");
  decoder_.key_sets["inline"] = JwkSet{{EcJwk(offline)}};
  auto ok = verifier_->Verify(config_, Token(offline, "offline-1", GoodClaims()));
  ASSERT_TRUE(ok) << ok.error().message;
  auto unknown = verifier_->Verify(config_, Token(offline, "other", GoodClaims()));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(verifier_->fetches(), 0u);
  EXPECT_TRUE(verifier_->CheckKeySet("inline"));
  decoder_.key_sets["useless"] = JwkSet{{Jwk{"oct", "h", "", "", "", "", "", "", ""}}};
  auto useless = verifier_->CheckKeySet("useless");
  ASSERT_FALSE(useless);
  EXPECT_EQ(useless.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(verifier_->CheckKeySet("not json"));
}

TEST(OidcUrl, Rules) {
  auto url = ParseOidcUrl("https://token.actions.githubusercontent.com", "oidcDiscoveryUrl");
  ASSERT_TRUE(url);
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->host, "token.actions.githubusercontent.com");
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->target, "/");
  url = ParseOidcUrl("HTTPS://GitLab.Example:8443/oauth/discovery/keys?x=1", "f");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "gitlab.example");
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->target, "/oauth/discovery/keys?x=1");
  url = ParseOidcUrl("http://127.0.0.1:5556/dex", "f");
  ASSERT_TRUE(url);
  EXPECT_FALSE(url->tls);
  EXPECT_EQ(url->port, 5556);
  EXPECT_TRUE(ParseOidcUrl("http://localhost/x", "f"));
  EXPECT_TRUE(ParseOidcUrl("http://[::1]:8080/x", "f"));
  EXPECT_TRUE(ParseOidcUrl("http://127.8.9.10/", "f"));
  EXPECT_TRUE(ParseOidcUrl("https://[2001:db8::1]/", "f"));

  for (const char* bad :
       {"", "token.actions.githubusercontent.com", "ftp://x.example/", "http://issuer.example/",
        "http://10.0.0.1/", "http://128.0.0.1/", "http://localhost.evil.example/",
        "https://user:pw@issuer.example/", "https://issuer.example/#frag",
        "https://issuer.example:0/", "https://issuer.example:65536/", "https://issuer.example:/",
        "https:///path", "https://iss uer.example/", "https://[::1/", "https://exa_mple.com/"}) {
    auto r = ParseOidcUrl(bad, "oidcDiscoveryUrl");
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().message.rfind("oidcDiscoveryUrl", 0), 0u) << r.error().message;
  }
  auto plain = ParseOidcUrl("http://issuer.example/", "oidcDiscoveryUrl");
  EXPECT_NE(plain.error().message.find("loopback"), std::string::npos);
  EXPECT_TRUE(IsLoopbackHost("LOCALHOST"));
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_FALSE(IsLoopbackHost("127.0.0.1.evil.example"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
}

}  // namespace
}  // namespace signet::auth
