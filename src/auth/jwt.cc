#include "auth/jwt.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "crypto/raw_public_key.h"
#include "crypto/sign.h"

namespace signet::auth {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int Sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

std::string Quoted(std::string_view s, std::size_t max = 64) {
  std::string out;
  for (char c : s.substr(0, max)) {
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  }
  if (s.size() > max) out += "…";
  return "'" + out + "'";
}

// NumericDate (RFC 7519 §2) as a time; nullopt when out of any sane range.
std::optional<TimePoint> NumericDate(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 1e11) return std::nullopt;
  return TimePoint(Millis(static_cast<long long>(seconds * 1000.0)));
}

// The claim `name` as a time: absent → nullopt; present but not a number → error.
Result<std::optional<TimePoint>> TimeClaim(const Claims& claims, std::string_view name) {
  auto it = claims.find(name);
  if (it == claims.end()) return std::optional<TimePoint>();
  const ClaimValue& v = it->second;
  if (v.kind != ClaimValue::Kind::kInteger && v.kind != ClaimValue::Kind::kNumber) {
    return Unauthenticated("the token's '" + std::string(name) + "' claim is not a number");
  }
  auto t = NumericDate(v.number);
  if (!t) return Unauthenticated("the token's '" + std::string(name) + "' claim is out of range");
  return t;
}

const std::string* StringClaim(const Claims& claims, std::string_view name) {
  auto it = claims.find(name);
  if (it == claims.end() || it->second.kind != ClaimValue::Kind::kString) return nullptr;
  return &it->second.text;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The value of `v` that matches one of `patterns`, if any.
std::optional<std::string> MatchValue(const ClaimValue& v,
                                      const std::vector<std::string>& patterns) {
  auto first_match = [&](const std::string& text) {
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const std::string& p) { return GlobMatch(p, text); });
  };
  switch (v.kind) {
    case ClaimValue::Kind::kString:
    case ClaimValue::Kind::kInteger:
    case ClaimValue::Kind::kNumber:
    case ClaimValue::Kind::kBool:
      if (first_match(v.text)) return v.text;
      return std::nullopt;
    case ClaimValue::Kind::kStringArray:
      for (const std::string& s : v.strings) {
        if (first_match(s)) return s;
      }
      return std::nullopt;
    case ClaimValue::Kind::kOther:
      return std::nullopt;
  }
  return std::nullopt;
}

enum class KeyKind { kRsa, kEcP256 };

// Why `key` cannot verify a token signed with `alg` (empty when it can).
std::string Unsuitable(const Jwk& key, std::string_view alg, KeyKind kind) {
  if (kind == KeyKind::kRsa && key.kty != "RSA") return "is a " + key.kty + " key; RS256 needs RSA";
  if (kind == KeyKind::kEcP256 && (key.kty != "EC" || key.crv != "P-256")) {
    return "is not an EC P-256 key; ES256 needs one";
  }
  if (!key.use.empty() && key.use != "sig") return "is for use '" + key.use + "', not 'sig'";
  if (!key.alg.empty() && key.alg != alg) return "is for alg '" + key.alg + "'";
  return {};
}

Result<crypto::PublicKey> PublicKeyOf(const Jwk& key, KeyKind kind) {
  if (kind == KeyKind::kRsa) {
    auto n = Base64UrlDecode(key.n);
    auto e = Base64UrlDecode(key.e);
    if (!n || !e) return Unauthenticated("its n or e is not base64url");
    auto pub = crypto::RsaPublicKeyFromComponents(*n, *e);
    if (!pub) return Unauthenticated(pub.error().message);
    return pub;
  }
  auto x = Base64UrlDecode(key.x);
  auto y = Base64UrlDecode(key.y);
  if (!x || !y) return Unauthenticated("its x or y is not base64url");
  auto pub = crypto::EcP256PublicKeyFromCoordinates(*x, *y);
  if (!pub) return Unauthenticated(pub.error().message);
  return pub;
}

Status VerifyWith(const crypto::PublicKey& key, KeyKind kind, const Jwt& jwt) {
  const ByteView input = AsBytes(jwt.signing_input);
  if (kind == KeyKind::kRsa) {
    return crypto::Verify(key,
                          {domain::SignatureScheme::kRsaPkcs1v15, domain::HashAlgorithm::kSha256},
                          input, false, jwt.signature);
  }
  // JWS carries ECDSA signatures as r||s, 32 bytes each for P-256 (RFC 7518 §3.4).
  if (jwt.signature.size() != 64) {
    return InvalidArgument("an ES256 signature is 64 bytes; this one is " +
                           std::to_string(jwt.signature.size()));
  }
  SIGNET_ASSIGN_OR_RETURN(Bytes der, crypto::EcdsaRawToDer(jwt.signature));
  return crypto::Verify(key, {domain::SignatureScheme::kEcdsa, domain::HashAlgorithm::kSha256},
                        input, false, der);
}

}  // namespace

std::string Base64UrlEncode(ByteView data) {
  std::string out;
  out.reserve((data.size() * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t v =
        (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 0x3f];
  }
  if (i + 1 == data.size()) {
    const std::uint32_t v = std::uint32_t{data[i]} << 16;
    out += kAlphabet[(v >> 18) & 0x3f];
    out += kAlphabet[(v >> 12) & 0x3f];
  } else if (i + 2 == data.size()) {
    const std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8);
    out += kAlphabet[(v >> 18) & 0x3f];
    out += kAlphabet[(v >> 12) & 0x3f];
    out += kAlphabet[(v >> 6) & 0x3f];
  }
  return out;
}

Result<Bytes> Base64UrlDecode(std::string_view text) {
  if (text.size() % 4 == 1) return InvalidArgument("base64url text has an impossible length");
  Bytes out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = Sextet(c);
    if (v < 0) return InvalidArgument("base64url text has a character outside its alphabet");
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xff));
    }
  }
  // The unused low bits of the last character must be zero (one encoding per value).
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
    return InvalidArgument("base64url text has non-zero trailing bits");
  }
  return out;
}

Result<Jwt> ParseJwt(std::string_view compact, const JoseDecoder& decoder) {
  if (compact.empty()) return Unauthenticated("the token is empty");
  if (compact.size() > kMaxJwtLength) {
    return Unauthenticated("the token is " + std::to_string(compact.size()) +
                           " bytes; the maximum is " + std::to_string(kMaxJwtLength));
  }
  const std::size_t dots =
      static_cast<std::size_t>(std::count(compact.begin(), compact.end(), '.'));
  if (dots != 2) {
    return Unauthenticated("the token is not a JWT: it has " + std::to_string(dots + 1) +
                           " parts; a signed JWT has 3");
  }
  const std::size_t first = compact.find('.');
  const std::size_t second = compact.find('.', first + 1);
  const std::string_view header_b64 = compact.substr(0, first);
  const std::string_view payload_b64 = compact.substr(first + 1, second - first - 1);
  const std::string_view signature_b64 = compact.substr(second + 1);
  auto header_json = Base64UrlDecode(header_b64);
  if (!header_json || header_b64.empty())
    return Unauthenticated("the token's header is not base64url");
  auto payload_json = Base64UrlDecode(payload_b64);
  if (!payload_json || payload_b64.empty())
    return Unauthenticated("the token's payload is not base64url");
  auto signature = Base64UrlDecode(signature_b64);
  if (!signature) return Unauthenticated("the token's signature is not base64url");

  Jwt jwt;
  auto header = decoder.DecodeHeader(AsString(*header_json));
  if (!header) return Unauthenticated("the token's header is not valid: " + header.error().message);
  jwt.header = std::move(*header);
  auto claims = decoder.DecodeClaims(AsString(*payload_json));
  if (!claims)
    return Unauthenticated("the token's claims are not valid: " + claims.error().message);
  jwt.claims = std::move(*claims);
  jwt.signing_input = std::string(compact.substr(0, second));
  jwt.signature = std::move(*signature);
  return jwt;
}

Status CheckJwsHeader(const JoseHeader& header) {
  if (header.alg != "RS256" && header.alg != "ES256") {
    return Unauthenticated("the token is signed with alg " + Quoted(header.alg) +
                           "; only RS256 and ES256 are accepted");
  }
  if (!header.crit.empty()) {
    return Unauthenticated("the token has critical header extensions (" +
                           Quoted(header.crit.front()) + ") that Signet does not understand");
  }
  return Ok();
}

Status VerifyJwtSignature(const Jwt& jwt, const JwkSet& keys) {
  SIGNET_TRY(CheckJwsHeader(jwt.header));
  const KeyKind kind = jwt.header.alg == "RS256" ? KeyKind::kRsa : KeyKind::kEcP256;
  std::vector<const Jwk*> candidates;
  std::string why_not;  // why the last key that was considered was unsuitable
  bool kid_seen = false;
  for (const Jwk& key : keys.keys) {
    if (jwt.header.kid) {
      if (key.kid != *jwt.header.kid) continue;
      kid_seen = true;
    }
    std::string unsuitable = Unsuitable(key, jwt.header.alg, kind);
    if (unsuitable.empty()) {
      candidates.push_back(&key);
    } else {
      why_not = "key " + Quoted(key.kid) + " " + unsuitable;
    }
  }
  if (jwt.header.kid && !kid_seen) {
    return NotFound("no key with kid " + Quoted(*jwt.header.kid) + " in the issuer's key set");
  }
  if (candidates.empty()) {
    if (!why_not.empty()) return Unauthenticated("no key can verify the token: " + why_not);
    return Unauthenticated("the issuer's key set has no " + jwt.header.alg + " key");
  }
  if (!jwt.header.kid && candidates.size() > kMaxKeysWithoutKid) {
    return Unauthenticated("the token has no kid and the issuer's key set has " +
                           std::to_string(candidates.size()) + " keys it could be; at most " +
                           std::to_string(kMaxKeysWithoutKid) + " are tried");
  }
  std::string last_error;
  for (const Jwk* key : candidates) {
    auto pub = PublicKeyOf(*key, kind);
    if (!pub) {
      last_error = "key " + Quoted(key->kid) + " is not usable: " + pub.error().message;
      continue;
    }
    if (VerifyWith(*pub, kind, jwt)) return Ok();
    last_error = "the token's signature does not verify";
  }
  return Unauthenticated(last_error);
}

Status CheckVerificationKey(const Jwk& key) {
  const bool rsa = key.kty == "RSA";
  const KeyKind kind = rsa ? KeyKind::kRsa : KeyKind::kEcP256;
  const std::string unsuitable = Unsuitable(key, rsa ? "RS256" : "ES256", kind);
  if (!unsuitable.empty()) return InvalidArgument("key " + Quoted(key.kid) + " " + unsuitable);
  auto pub = PublicKeyOf(key, kind);
  if (!pub)
    return InvalidArgument("key " + Quoted(key.kid) + " is not usable: " + pub.error().message);
  return Ok();
}

Status CheckTokenTimes(const Claims& claims, TimePoint now, const TokenTimeRules& rules) {
  SIGNET_ASSIGN_OR_RETURN(auto exp, TimeClaim(claims, "exp"));
  SIGNET_ASSIGN_OR_RETURN(auto nbf, TimeClaim(claims, "nbf"));
  SIGNET_ASSIGN_OR_RETURN(auto iat, TimeClaim(claims, "iat"));
  if (!exp)
    return Unauthenticated("the token has no 'exp' claim; Signet takes only tokens that expire");
  if (now >= *exp + rules.leeway)
    return Unauthenticated("the token expired at " + FormatTime(*exp));
  if (nbf && now + rules.leeway < *nbf) {
    return Unauthenticated("the token is not valid before " + FormatTime(*nbf));
  }
  if (iat) {
    if (*iat > now + rules.leeway) {
      return Unauthenticated("the token says it was issued in the future, at " + FormatTime(*iat));
    }
    if (now - *iat > rules.max_age + rules.leeway) {
      return Unauthenticated(
          "the token was issued at " + FormatTime(*iat) + ", longer ago than the " +
          std::to_string(rules.max_age.count() / 1000) + " s a token may be old");
    }
  } else if (*exp - now > rules.max_age + rules.leeway) {
    return Unauthenticated("the token has no 'iat' and is valid until " + FormatTime(*exp) +
                           ", longer than the " + std::to_string(rules.max_age.count() / 1000) +
                           " s a token may live");
  }
  return Ok();
}

bool GlobMatch(std::string_view pattern, std::string_view value) {
  // Greedy with one backtrack point (the last '*'): a later '*' supersedes an earlier one, so
  // the work is bounded by pattern × value.
  std::size_t p = 0, v = 0;
  std::size_t star = std::string_view::npos, star_v = 0;
  while (v < value.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_v = v;
    } else if (p < pattern.size() && pattern[p] == value[v]) {
      ++p;
      ++v;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      v = ++star_v;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::vector<std::string> SplitCommaList(std::string_view text) {
  std::vector<std::string> out;
  while (true) {
    const std::size_t comma = text.find(',');
    const std::string_view item = Trim(text.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

Result<MatchedClaims> MatchBinding(const Claims& claims, const OidcBinding& binding) {
  MatchedClaims matched;
  const std::string* iss = StringClaim(claims, "iss");
  if (iss == nullptr) return Unauthenticated("the token has no 'iss' claim");
  if (*iss != binding.bound_issuer) {
    return Unauthenticated("the token's issuer " + Quoted(*iss, 128) +
                           " is not the identity's boundIssuer");
  }
  matched.emplace_back("iss", *iss);

  const std::string* sub = StringClaim(claims, "sub");
  if (!binding.bound_subject.empty()) {
    if (sub == nullptr) return Unauthenticated("the token has no 'sub' claim");
    if (!GlobMatch(binding.bound_subject, *sub)) {
      return Unauthenticated("the token's subject " + Quoted(*sub, 128) +
                             " does not match the identity's boundSubject");
    }
  }
  if (sub != nullptr) matched.emplace_back("sub", *sub);

  auto aud = claims.find("aud");
  if (aud == claims.end()) return Unauthenticated("the token has no 'aud' claim");
  std::vector<std::string> audiences;
  if (aud->second.kind == ClaimValue::Kind::kString) {
    audiences.push_back(aud->second.text);
  } else if (aud->second.kind == ClaimValue::Kind::kStringArray) {
    audiences = aud->second.strings;
  } else {
    return Unauthenticated("the token's 'aud' claim is neither a string nor an array of strings");
  }
  std::optional<std::string> matched_audience;
  for (const std::string& a : audiences) {
    if (std::find(binding.bound_audiences.begin(), binding.bound_audiences.end(), a) !=
        binding.bound_audiences.end()) {
      matched_audience = a;
      break;
    }
  }
  if (!matched_audience) {
    return Unauthenticated(
        "the token's audience " +
        (audiences.empty() ? std::string("(none)") : Quoted(audiences.front(), 128)) +
        " is not one of the identity's boundAudiences");
  }
  matched.emplace_back("aud", *matched_audience);

  for (const auto& [name, alternatives] : binding.bound_claims) {
    auto it = claims.find(name);
    if (it == claims.end()) return Unauthenticated("the token has no " + Quoted(name) + " claim");
    auto value = MatchValue(it->second, SplitCommaList(alternatives));
    if (!value) {
      return Unauthenticated("the token's " + Quoted(name) +
                             " claim does not match the identity's boundClaims");
    }
    if (name != "iss" && name != "sub" && name != "aud") matched.emplace_back(name, *value);
  }
  return matched;
}

}  // namespace signet::auth
