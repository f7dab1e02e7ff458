#pragma once
// JSON Web Tokens as OpenID Connect providers issue them for workloads (GitHub Actions,
// GitLab CI, …): a compact JWS (RFC 7515) signed with RS256 or ES256 (RFC 7518 §3.3, §3.4),
// carrying the claims of RFC 7519. Everything here is pure (no I/O, no clock of its own) and
// thread-safe.
//
// JSON is not parsed in this module (auth must not depend on the JSON library): a JoseDecoder
// turns the JSON texts into the plain structs below. signetd's decoder is
// http/oidc_http.h (Boost.JSON); tests may use it or build the structs by hand.
//
// What is refused, always: any `alg` but RS256 and ES256 (so `none`, HS256 — also with a
// public key as the HMAC secret — and every other algorithm), a `crit` header, RSA keys
// under 2048 bits, EC keys off the P-256 curve. Keys only ever come from the key set the
// caller trusts; the token's own `jwk`, `jku`, `x5u` and `x5c` headers are ignored.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"

namespace signet::auth {

// base64url without padding (RFC 7515 §2). Decoding is strict: '=' padding, '+', '/',
// white space and non-zero trailing bits are InvalidArgument.
std::string Base64UrlEncode(ByteView data);
[[nodiscard]] Result<Bytes> Base64UrlDecode(std::string_view text);

// One claim's value as the token's JSON gave it.
struct ClaimValue {
  enum class Kind { kString, kInteger, kNumber, kBool, kStringArray, kOther };
  Kind kind = Kind::kOther;
  // kString: the string; kInteger, kNumber, kBool: the JSON text ("42", "1.5", "true").
  std::string text;
  double number = 0;                 // kInteger, kNumber
  std::vector<std::string> strings;  // kStringArray
};
using Claims = std::map<std::string, ClaimValue, std::less<>>;

struct JoseHeader {
  std::string alg;
  std::optional<std::string> kid;
  std::vector<std::string> crit;  // critical extensions; Signet understands none
};

// One JSON Web Key (RFC 7517 §4, RFC 7518 §6). Key material stays base64url as in the set.
struct Jwk {
  std::string kty;   // "RSA", "EC", ...
  std::string kid;   // empty when absent
  std::string use;   // empty when absent
  std::string alg;   // empty when absent
  std::string crv;   // EC
  std::string n, e;  // RSA
  std::string x, y;  // EC
};
struct JwkSet {
  std::vector<Jwk> keys;
};

// The two fields of an OpenID Provider's discovery document Signet uses.
struct OidcDiscovery {
  std::string issuer;
  std::string jwks_uri;
};

// JSON text → the structs above. Implementations return InvalidArgument naming what is wrong
// ("the JWT header is not a JSON object", "keys[2].kty must be a string"), enforce their own
// size limits, and are thread-safe.
class JoseDecoder {
 public:
  virtual ~JoseDecoder() = default;
  [[nodiscard]] virtual Result<JoseHeader> DecodeHeader(std::string_view json) const = 0;
  [[nodiscard]] virtual Result<Claims> DecodeClaims(std::string_view json) const = 0;
  [[nodiscard]] virtual Result<JwkSet> DecodeJwkSet(std::string_view json) const = 0;
  [[nodiscard]] virtual Result<OidcDiscovery> DecodeDiscovery(std::string_view json) const = 0;
};

inline constexpr std::size_t kMaxJwtLength = 16 * 1024;

struct Jwt {
  JoseHeader header;
  Claims claims;
  std::string signing_input;  // "<header>.<payload>" exactly as sent
  Bytes signature;
};

// Splits and decodes a compact JWS. Unauthenticated, saying what is wrong, for anything that
// is not one ("the token is not a JWT: it has 2 parts; a JWS has 3").
[[nodiscard]] Result<Jwt> ParseJwt(std::string_view compact, const JoseDecoder& decoder);

// Unauthenticated unless `alg` is RS256 or ES256 and no `crit` header is present: checked
// before any key is looked for.
[[nodiscard]] Status CheckJwsHeader(const JoseHeader& header);

// Checks the signature with a key of `keys`: the key whose `kid` is the token's (a token
// without `kid` tries each suitable key, at most kMaxKeysWithoutKid), whose type fits `alg`
// (RSA for RS256, EC P-256 for ES256) and whose `use`/`alg`, when present, are "sig" and the
// token's. Errors: kNotFound "no key with kid 'k' …" when the set has no key of that kid (the
// caller may fetch the set again); kUnauthenticated for every other failure.
inline constexpr std::size_t kMaxKeysWithoutKid = 10;
[[nodiscard]] Status VerifyJwtSignature(const Jwt& jwt, const JwkSet& keys);

// Ok when `key` could verify an RS256 or ES256 token: an RSA key of 2048–8192 bits or an EC
// P-256 key on the curve, for use "sig" (or no use) and alg RS256/ES256 (or no alg).
[[nodiscard]] Status CheckVerificationKey(const Jwk& key);

// exp (required), nbf and iat (optional) against `now`, each with `leeway`: expired, not yet
// valid, issued in the future, or issued more than `max_age` ago (without iat: valid for
// more than `max_age` from now) are Unauthenticated with the time in the message.
struct TokenTimeRules {
  Millis leeway = std::chrono::seconds(60);
  Millis max_age = std::chrono::hours(6);
};
[[nodiscard]] Status CheckTokenTimes(const Claims& claims, TimePoint now,
                                     const TokenTimeRules& rules);

// Glob matching for bound claims and subjects: '*' matches any run of characters (also none
// and also '/'); every other character matches itself. Linear in practice, bounded
// (O(pattern × value)) in the worst case.
bool GlobMatch(std::string_view pattern, std::string_view value);

// What a token must say to log in as an identity (its OIDC auth configuration).
struct OidcBinding {
  std::string bound_issuer;                  // `iss` must equal it
  std::vector<std::string> bound_audiences;  // `aud` must contain one of them (exactly)
  // claim name → comma-separated alternatives, each exact or a glob; every claim listed must
  // be present and match one alternative (a string, a number or boolean by its JSON text, or
  // an array of strings one element of which matches).
  std::map<std::string, std::string> bound_claims;
  std::string bound_subject;  // a glob `sub` must match; empty: any subject
};

// The claims that matched, in order: iss, sub, aud (the audience that matched), then each
// bound claim by name with the value that matched. Recorded with the session.
using MatchedClaims = std::vector<std::pair<std::string, std::string>>;

// Unauthenticated naming the first claim that does not match (never the bound value).
[[nodiscard]] Result<MatchedClaims> MatchBinding(const Claims& claims, const OidcBinding& binding);

// "a, b ,c" → {"a", "b", "c"} (trimmed; empty items dropped).
std::vector<std::string> SplitCommaList(std::string_view text);

}  // namespace signet::auth
