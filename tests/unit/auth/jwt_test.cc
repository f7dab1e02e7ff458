// JWT verification (auth/jwt.h): RFC 7515's example tokens as known answers, every refused
// algorithm, key selection, times, glob and claim binding.
#include <gtest/gtest.h>

#include "auth/jwt.h"
#include "common/encoding.h"
#include "crypto/keys.h"
#include "crypto/mac.h"
#include "crypto/raw_public_key.h"
#include "crypto/sign.h"
#include "jwt_test_util.h"

namespace signet::auth {
namespace {

using test::EcJwk;
using test::EcKey;
using test::SignEs256;
using test::TableDecoder;

// RFC 7515 Appendix A.2 (RS256) and A.3 (ES256): the example tokens and public keys.
constexpr std::string_view kRfcPayload =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlf"
    "Q";
constexpr std::string_view kRfcRs256Signature =
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_"
    "O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_"
    "nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-"
    "eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igc"
    "N_IoypGlUPQGe77Rw";
constexpr std::string_view kRfcRsaN =
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-"
    "4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_"
    "7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-"
    "UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_"
    "h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
constexpr std::string_view kRfcEs256Signature =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
constexpr std::string_view kRfcEcX = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
constexpr std::string_view kRfcEcY = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";

Jwt RfcJwt(std::string_view alg, std::string_view header_b64, std::string_view signature_b64) {
  Jwt jwt;
  jwt.header.alg = std::string(alg);
  jwt.signing_input = std::string(header_b64) + "." + std::string(kRfcPayload);
  jwt.signature = *Base64UrlDecode(signature_b64);
  return jwt;
}
Jwt RfcRs256() { return RfcJwt("RS256", "eyJhbGciOiJSUzI1NiJ9", kRfcRs256Signature); }
Jwt RfcEs256() { return RfcJwt("ES256", "eyJhbGciOiJFUzI1NiJ9", kRfcEs256Signature); }
JwkSet RfcRsaKeys() {
  Jwk k;
  k.kty = "RSA";
  k.n = std::string(kRfcRsaN);
  k.e = "AQAB";
  return JwkSet{{k}};
}
JwkSet RfcEcKeys() {
  Jwk k;
  k.kty = "EC";
  k.crv = "P-256";
  k.x = std::string(kRfcEcX);
  k.y = std::string(kRfcEcY);
  return JwkSet{{k}};
}

TEST(Base64Url, KnownAnswers) {
  // RFC 4648 §10 in the URL alphabet, without padding.
  const std::pair<std::string, std::string> cases[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : cases) {
    EXPECT_EQ(Base64UrlEncode(AsBytes(plain)), encoded);
    auto decoded = Base64UrlDecode(encoded);
    ASSERT_TRUE(decoded) << encoded;
    EXPECT_EQ(AsString(*decoded), plain);
  }
  EXPECT_EQ(Base64UrlEncode(Bytes{0xfb, 0xff}), "-_8");
  EXPECT_EQ(*Base64UrlDecode("-_8"), (Bytes{0xfb, 0xff}));
}

TEST(Base64Url, StrictDecoding) {
  for (const char* bad : {"Zg==", "Zm9v+", "Zm9v/", "Zm 9v", "Z", "Zh", "Zm9"}) {
    // "Zh": 'h' leaves non-zero trailing bits; "Zm9" would too ("Zm8" is "fo").
    EXPECT_FALSE(Base64UrlDecode(bad)) << bad;
  }
}

TEST(JwtSignature, Rfc7515Rs256Verifies) {
  EXPECT_TRUE(VerifyJwtSignature(RfcRs256(), RfcRsaKeys()));
  Jwt tampered = RfcRs256();
  tampered.signing_input.back() ^= 0x01;
  auto bad = VerifyJwtSignature(tampered, RfcRsaKeys());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(bad.error().message, "the token's signature does not verify");
  Jwt bad_signature = RfcRs256();
  bad_signature.signature[10] ^= 0x80;
  EXPECT_FALSE(VerifyJwtSignature(bad_signature, RfcRsaKeys()));
}

TEST(JwtSignature, Rfc7515Es256Verifies) {
  EXPECT_TRUE(VerifyJwtSignature(RfcEs256(), RfcEcKeys()));
  Jwt tampered = RfcEs256();
  tampered.signature[63] ^= 0x01;
  EXPECT_FALSE(VerifyJwtSignature(tampered, RfcEcKeys()));
  Jwt short_sig = RfcEs256();
  short_sig.signature.pop_back();
  EXPECT_FALSE(VerifyJwtSignature(short_sig, RfcEcKeys()));
  // The same signature as DER (what some libraries wrongly send) is refused: JWS is r||s.
  Jwt der = RfcEs256();
  der.signature = *crypto::EcdsaRawToDer(der.signature);
  EXPECT_FALSE(VerifyJwtSignature(der, RfcEcKeys()));
}

TEST(JwtSignature, KeyTypeMustFitTheAlgorithm) {
  // An RS256 token against the EC key set and the other way round.
  auto rs = VerifyJwtSignature(RfcRs256(), RfcEcKeys());
  ASSERT_FALSE(rs);
  EXPECT_NE(rs.error().message.find("RS256 needs RSA"), std::string::npos) << rs.error().message;
  auto es = VerifyJwtSignature(RfcEs256(), RfcRsaKeys());
  ASSERT_FALSE(es);
  EXPECT_NE(es.error().message.find("P-256"), std::string::npos) << es.error().message;
  // A P-384 key cannot verify ES256.
  JwkSet p384 = RfcEcKeys();
  p384.keys[0].crv = "P-384";
  EXPECT_FALSE(VerifyJwtSignature(RfcEs256(), p384));
  // use "enc" and an alg of another family are refused; use "sig" and the right alg are fine.
  JwkSet enc = RfcRsaKeys();
  enc.keys[0].use = "enc";
  EXPECT_FALSE(VerifyJwtSignature(RfcRs256(), enc));
  JwkSet other_alg = RfcRsaKeys();
  other_alg.keys[0].alg = "PS256";
  EXPECT_FALSE(VerifyJwtSignature(RfcRs256(), other_alg));
  JwkSet fine = RfcRsaKeys();
  fine.keys[0].use = "sig";
  fine.keys[0].alg = "RS256";
  EXPECT_TRUE(VerifyJwtSignature(RfcRs256(), fine));
}

TEST(JwtSignature, OnlyRs256AndEs256) {
  for (const char* alg : {"none", "None", "HS256", "HS512", "RS384", "RS512", "PS256", "ES384",
                          "ES512", "EdDSA", ""}) {
    Jwt jwt = RfcRs256();
    jwt.header.alg = alg;
    auto r = VerifyJwtSignature(jwt, RfcRsaKeys());
    ASSERT_FALSE(r) << alg;
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
    EXPECT_NE(r.error().message.find("only RS256 and ES256 are accepted"), std::string::npos)
        << r.error().message;
  }
  // alg "none" with an empty signature.
  Jwt none = RfcRs256();
  none.header.alg = "none";
  none.signature.clear();
  EXPECT_FALSE(VerifyJwtSignature(none, RfcRsaKeys()));
}

TEST(JwtSignature, Hs256WithThePublicKeyAsSecretIsRefused) {
  // The classic confusion attack: HMAC over the signing input keyed with the issuer's public
  // key (as PEM and as the raw modulus), the header claiming HS256 and naming the RSA key.
  const Bytes n = *Base64UrlDecode(kRfcRsaN);
  auto rsa_key = crypto::RsaPublicKeyFromComponents(n, *Base64UrlDecode("AQAB"));
  ASSERT_TRUE(rsa_key);
  const std::string pem = *rsa_key->ToPem();
  Jwk rsa = RfcRsaKeys().keys[0];
  rsa.kid = "rsa-1";
  for (const Bytes& secret : {n, ToBytes(pem)}) {
    Jwt jwt;
    jwt.header.alg = "HS256";
    jwt.header.kid = "rsa-1";
    jwt.signing_input = Base64UrlEncode(AsBytes(std::string(R"({"alg":"HS256","kid":"rsa-1"})"))) +
                        "." + std::string(kRfcPayload);
    jwt.signature = crypto::HmacSha256(secret, AsBytes(jwt.signing_input));
    auto r = VerifyJwtSignature(jwt, JwkSet{{rsa}});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
  }
}

TEST(JwtSignature, CriticalHeadersAreRefused) {
  Jwt jwt = RfcRs256();
  jwt.header.crit = {"b64"};
  auto r = VerifyJwtSignature(jwt, RfcRsaKeys());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("critical"), std::string::npos);
}

TEST(JwtSignature, KeySelectionByKid) {
  const EcKey a = EcKey::Make("key-a");
  const EcKey b = EcKey::Make("key-b");
  const JwkSet both{{EcJwk(a), EcJwk(b)}};
  Jwt jwt;
  jwt.header.alg = "ES256";
  jwt.header.kid = "key-b";
  jwt.signing_input = "e30.e30";
  jwt.signature = SignEs256(b, jwt.signing_input);
  EXPECT_TRUE(VerifyJwtSignature(jwt, both));
  // Signed by b but naming a: a's key does not verify it.
  jwt.header.kid = "key-a";
  auto wrong = VerifyJwtSignature(jwt, both);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kUnauthenticated);
  // An unknown kid is NotFound (the caller may fetch the set again).
  jwt.header.kid = "key-c";
  auto unknown = VerifyJwtSignature(jwt, both);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_NE(unknown.error().message.find("'key-c'"), std::string::npos);
  // Without kid, every suitable key is tried.
  jwt.header.kid.reset();
  EXPECT_TRUE(VerifyJwtSignature(jwt, both));
  // … at most kMaxKeysWithoutKid of them.
  JwkSet many;
  for (std::size_t i = 0; i < kMaxKeysWithoutKid; ++i) many.keys.push_back(EcJwk(a));
  many.keys.push_back(EcJwk(b));
  auto too_many = VerifyJwtSignature(jwt, many);
  ASSERT_FALSE(too_many);
  EXPECT_NE(too_many.error().message.find("no kid"), std::string::npos);
}

TEST(JwtSignature, UnusableKeysAreSkipped) {
  const EcKey a = EcKey::Make("k");
  Jwk broken = EcJwk(a);
  broken.y[3] = broken.y[3] == 'A' ? 'B' : 'A';  // off the curve
  Jwt jwt;
  jwt.header.alg = "ES256";
  jwt.header.kid = "k";
  jwt.signing_input = "e30.e30";
  jwt.signature = SignEs256(a, jwt.signing_input);
  auto r = VerifyJwtSignature(jwt, JwkSet{{broken}});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not usable"), std::string::npos) << r.error().message;
  EXPECT_TRUE(VerifyJwtSignature(jwt, JwkSet{{broken, EcJwk(a)}}));
  EXPECT_FALSE(CheckVerificationKey(broken));
  EXPECT_TRUE(CheckVerificationKey(EcJwk(a)));
  EXPECT_TRUE(CheckVerificationKey(RfcRsaKeys().keys[0]));
  Jwk oct;
  oct.kty = "oct";
  EXPECT_FALSE(CheckVerificationKey(oct));
}

TEST(ParseJwt, SplitsAndDecodes) {
  TableDecoder decoder;
  JoseHeader header;
  header.alg = "ES256";
  header.kid = "k1";
  decoder.headers["H"] = header;
  Claims claims;
  claims["iss"] = test::Str("https://issuer.example");
  decoder.claims["C"] = claims;
  const std::string token = Base64UrlEncode(AsBytes(std::string("H"))) + "." +
                            Base64UrlEncode(AsBytes(std::string("C"))) + "." +
                            Base64UrlEncode(Bytes{1, 2, 3});
  auto jwt = ParseJwt(token, decoder);
  ASSERT_TRUE(jwt) << jwt.error().message;
  EXPECT_EQ(jwt->header.alg, "ES256");
  EXPECT_EQ(*jwt->header.kid, "k1");
  EXPECT_EQ(jwt->claims.at("iss").text, "https://issuer.example");
  EXPECT_EQ(jwt->signing_input, token.substr(0, token.rfind('.')));
  EXPECT_EQ(jwt->signature, (Bytes{1, 2, 3}));
}

TEST(ParseJwt, RefusesWhatIsNotACompactJws) {
  TableDecoder decoder;
  decoder.headers["H"] = JoseHeader{"ES256", std::nullopt, {}};
  decoder.claims["C"] = Claims{};
  const std::string h = Base64UrlEncode(AsBytes(std::string("H")));
  const std::string c = Base64UrlEncode(AsBytes(std::string("C")));
  const std::string bad_json = Base64UrlEncode(AsBytes(std::string("not json")));
  const std::pair<std::string, std::string> cases[] = {
      {"", "empty"},
      {h + "." + c, "2 parts"},
      {h + "." + c + ".AQ.AQ", "4 parts"},
      {"." + c + ".AQ", "header is not base64url"},
      {h + ".." + "AQ", "payload is not base64url"},
      {h + "=." + c + ".AQ", "header is not base64url"},
      {h + "." + c + ".A+", "signature is not base64url"},
      {bad_json + "." + c + ".AQ", "header is not valid"},
      {h + "." + bad_json + ".AQ", "claims are not valid"},
      {std::string(kMaxJwtLength + 1, 'a'), "the maximum is"},
  };
  for (const auto& [token, reason] : cases) {
    auto r = ParseJwt(token, decoder);
    ASSERT_FALSE(r) << token;
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
    EXPECT_NE(r.error().message.find(reason), std::string::npos) << r.error().message;
  }
}

Claims TimeClaims(std::optional<double> exp, std::optional<double> nbf, std::optional<double> iat) {
  Claims c;
  if (exp) c["exp"] = test::Num(*exp);
  if (nbf) c["nbf"] = test::Num(*nbf);
  if (iat) c["iat"] = test::Num(*iat);
  return c;
}

TEST(TokenTimes, ExpNbfIatWithLeeway) {
  const double now_s = 1'800'000'000;
  const TimePoint now = FromUnixMillis(static_cast<long long>(now_s * 1000));
  const TokenTimeRules rules{std::chrono::seconds(60), std::chrono::hours(1)};
  auto check = [&](std::optional<double> exp, std::optional<double> nbf,
                   std::optional<double> iat) {
    return CheckTokenTimes(TimeClaims(exp, nbf, iat), now, rules);
  };
  EXPECT_TRUE(check(now_s + 300, now_s - 5, now_s - 5));
  // exp: within the leeway still valid, beyond it expired.
  EXPECT_TRUE(check(now_s - 59, std::nullopt, now_s - 300));
  auto expired = check(now_s - 61, std::nullopt, now_s - 300);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, ErrorCode::kUnauthenticated);
  EXPECT_NE(expired.error().message.find("expired at"), std::string::npos);
  // nbf: a little in the future is fine (clock skew), more is not.
  EXPECT_TRUE(check(now_s + 300, now_s + 59, std::nullopt));
  auto early = check(now_s + 300, now_s + 61, std::nullopt);
  ASSERT_FALSE(early);
  EXPECT_NE(early.error().message.find("not valid before"), std::string::npos);
  // iat in the future, and too old.
  auto future = check(now_s + 300, std::nullopt, now_s + 120);
  ASSERT_FALSE(future);
  EXPECT_NE(future.error().message.find("in the future"), std::string::npos);
  auto old = check(now_s + 300, std::nullopt, now_s - 3600 - 61);
  ASSERT_FALSE(old);
  EXPECT_NE(old.error().message.find("longer ago"), std::string::npos);
  EXPECT_TRUE(check(now_s + 300, std::nullopt, now_s - 3600 + 1));
  // No exp at all; no iat and a long validity.
  auto no_exp = check(std::nullopt, std::nullopt, now_s);
  ASSERT_FALSE(no_exp);
  EXPECT_NE(no_exp.error().message.find("no 'exp'"), std::string::npos);
  EXPECT_FALSE(check(now_s + 2 * 3600, std::nullopt, std::nullopt));
  EXPECT_TRUE(check(now_s + 1800, std::nullopt, std::nullopt));
  // Times that are not numbers, or absurd.
  Claims text = TimeClaims(std::nullopt, std::nullopt, std::nullopt);
  text["exp"] = test::Str("1800000300");
  EXPECT_FALSE(CheckTokenTimes(text, now, rules));
  EXPECT_FALSE(check(1e300, std::nullopt, now_s));
  EXPECT_FALSE(check(-1, std::nullopt, now_s));
}

TEST(Glob, Matches) {
  // Outlives `cases` (a temporary's c_str() there would dangle once the array is built).
  const std::string many_a(200, 'a');
  struct Case {
    const char* pattern;
    const char* value;
    bool match;
  };
  const Case cases[] = {
      {"main", "main", true},
      {"main", "mainx", false},
      {"", "", true},
      {"", "a", false},
      {"*", "", true},
      {"*", "anything/at all", true},
      {"repo:org/*", "repo:org/app:ref:refs/heads/main", true},
      {"repo:org/*:ref:refs/heads/main", "repo:org/app:ref:refs/heads/main", true},
      {"repo:org/*:ref:refs/heads/main", "repo:org/app:ref:refs/heads/dev", false},
      {"repo:org/*:ref:refs/heads/main", "repo:evil/org/app:ref:refs/heads/main", false},
      {"refs/tags/v*", "refs/tags/v1.2.3", true},
      {"refs/tags/v*", "refs/heads/v1", false},
      {"*/release.yml@*", "org/app/.github/workflows/release.yml@refs/heads/main", true},
      {"a*b*c", "abc", true},
      {"a*b*c", "aXbYc", true},
      {"a*b*c", "aXbY", false},
      {"a**b", "ab", true},
      {"?", "a", false},  // only '*' is special
      {"[ab]", "a", false},
      {"a*a*a*a*a*b", many_a.c_str(), false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(GlobMatch(c.pattern, c.value), c.match) << c.pattern << " ~ " << c.value;
  }
}

TEST(SplitCommaList, TrimsAndDrops) {
  EXPECT_EQ(SplitCommaList("a, b ,c"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(SplitCommaList(" only "), (std::vector<std::string>{"only"}));
  EXPECT_EQ(SplitCommaList(",, ,"), (std::vector<std::string>{}));
}

Claims GithubClaims() {
  Claims c;
  c["iss"] = test::Str("https://token.actions.githubusercontent.com");
  c["aud"] = test::Str("https://github.com/octo-org");
  c["sub"] = test::Str("repo:octo-org/app:ref:refs/heads/main");
  c["repository"] = test::Str("octo-org/app");
  c["ref"] = test::Str("refs/heads/main");
  c["job_workflow_ref"] = test::Str("octo-org/app/.github/workflows/release.yml@refs/heads/main");
  c["run_id"] = test::Str("9000000001");
  c["run_attempt"] = test::Int(1);
  c["ref_protected"] = test::Bool(true);
  c["groups"] = test::Strings({"devs", "release-managers"});
  c["nested"] = ClaimValue{ClaimValue::Kind::kOther, "", 0, {}};
  return c;
}

OidcBinding GithubBinding() {
  OidcBinding b;
  b.bound_issuer = "https://token.actions.githubusercontent.com";
  b.bound_audiences = {"https://signet.example", "https://github.com/octo-org"};
  b.bound_subject = "repo:octo-org/app:*";
  b.bound_claims = {{"repository", "octo-org/app"}, {"ref", "refs/heads/main, refs/tags/v*"}};
  return b;
}

TEST(MatchBinding, RecordsWhatMatched) {
  auto m = MatchBinding(GithubClaims(), GithubBinding());
  ASSERT_TRUE(m) << m.error().message;
  const MatchedClaims expected = {{"iss", "https://token.actions.githubusercontent.com"},
                                  {"sub", "repo:octo-org/app:ref:refs/heads/main"},
                                  {"aud", "https://github.com/octo-org"},
                                  {"ref", "refs/heads/main"},
                                  {"repository", "octo-org/app"}};
  EXPECT_EQ(*m, expected);
}

TEST(MatchBinding, EachMismatchIsNamed) {
  auto refused = [](Claims c, OidcBinding b, const std::string& reason) {
    auto m = MatchBinding(c, b);
    ASSERT_FALSE(m) << reason;
    EXPECT_EQ(m.error().code, ErrorCode::kUnauthenticated);
    EXPECT_NE(m.error().message.find(reason), std::string::npos) << m.error().message;
  };
  Claims c = GithubClaims();
  c["iss"] = test::Str("https://evil.example");
  refused(c, GithubBinding(), "issuer");
  c = GithubClaims();
  c.erase("iss");
  refused(c, GithubBinding(), "no 'iss'");
  c = GithubClaims();
  c["aud"] = test::Str("sts.amazonaws.com");
  refused(c, GithubBinding(), "boundAudiences");
  c = GithubClaims();
  c.erase("aud");
  refused(c, GithubBinding(), "no 'aud'");
  c = GithubClaims();
  c["sub"] = test::Str("repo:other-org/app:ref:refs/heads/main");
  refused(c, GithubBinding(), "boundSubject");
  c = GithubClaims();
  c["repository"] = test::Str("octo-org/app-fork");
  refused(c, GithubBinding(), "'repository' claim does not match");
  c = GithubClaims();
  c["ref"] = test::Str("refs/heads/feature");
  refused(c, GithubBinding(), "'ref' claim does not match");
  c = GithubClaims();
  c.erase("repository");
  refused(c, GithubBinding(), "no 'repository' claim");
  OidcBinding b = GithubBinding();
  b.bound_claims["nested"] = "*";
  refused(GithubClaims(), b, "'nested' claim does not match");  // objects never match
}

TEST(MatchBinding, AudienceArraysNumbersBooleansAndArrays) {
  Claims c = GithubClaims();
  c["aud"] = test::Strings({"other", "https://signet.example"});
  OidcBinding b = GithubBinding();
  b.bound_claims = {
      {"run_attempt", "1"}, {"ref_protected", "true"}, {"groups", "release-*"}, {"run_id", "*"}};
  auto m = MatchBinding(c, b);
  ASSERT_TRUE(m) << m.error().message;
  const MatchedClaims expected = {{"iss", "https://token.actions.githubusercontent.com"},
                                  {"sub", "repo:octo-org/app:ref:refs/heads/main"},
                                  {"aud", "https://signet.example"},
                                  {"groups", "release-managers"},
                                  {"ref_protected", "true"},
                                  {"run_attempt", "1"},
                                  {"run_id", "9000000001"}};
  EXPECT_EQ(*m, expected);
  b.bound_claims = {{"run_attempt", "2"}};
  EXPECT_FALSE(MatchBinding(c, b));
  // Audiences are exact, not globs.
  b = GithubBinding();
  b.bound_audiences = {"https://github.com/*"};
  EXPECT_FALSE(MatchBinding(GithubClaims(), b));
  // No boundSubject: any subject, still recorded.
  b = GithubBinding();
  b.bound_subject.clear();
  c = GithubClaims();
  c["sub"] = test::Str("anything");
  auto any = MatchBinding(c, b);
  ASSERT_TRUE(any);
  EXPECT_EQ((*any)[1], (std::pair<std::string, std::string>{"sub", "anything"}));
}

}  // namespace
}  // namespace signet::auth
