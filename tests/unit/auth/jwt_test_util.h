#pragma once
// Helpers for the JWT and OIDC tests: claim values, EC P-256 keys as JWKs, ES256 signatures,
// and a JoseDecoder that looks its answers up in tables (auth has no JSON library; the texts
// the tests feed it are labels).

#include <cstdlib>
#include <map>
#include <string>

#include "auth/jwt.h"
#include "crypto/keys.h"
#include "crypto/sign.h"

namespace signet::auth::test {

inline ClaimValue Str(std::string s) {
  return ClaimValue{ClaimValue::Kind::kString, std::move(s), 0, {}};
}
inline ClaimValue Num(double v) {
  return ClaimValue{ClaimValue::Kind::kNumber, std::to_string(v), v, {}};
}
inline ClaimValue Int(long long v) {
  return ClaimValue{ClaimValue::Kind::kInteger, std::to_string(v), static_cast<double>(v), {}};
}
inline ClaimValue Bool(bool v) {
  return ClaimValue{ClaimValue::Kind::kBool, v ? "true" : "false", 0, {}};
}
inline ClaimValue Strings(std::vector<std::string> v) {
  return ClaimValue{ClaimValue::Kind::kStringArray, "", 0, std::move(v)};
}

// An EC P-256 key pair with a kid.
struct EcKey {
  std::string kid;
  std::shared_ptr<crypto::PrivateKey> key;
  static EcKey Make(std::string kid) {
    auto k = crypto::PrivateKey::Generate(domain::KeyAlgorithm::kEcP256);
    if (!k) std::abort();
    return EcKey{std::move(kid), std::make_shared<crypto::PrivateKey>(std::move(*k))};
  }
};

// The key as a JWK: x and y are the last 64 bytes of the P-256 SubjectPublicKeyInfo.
inline Jwk EcJwk(const EcKey& k) {
  const Bytes spki = *k.key->PublicKeySpkiDer();
  Jwk j;
  j.kty = "EC";
  j.crv = "P-256";
  j.kid = k.kid;
  j.use = "sig";
  j.x = Base64UrlEncode(ByteView(spki).subspan(spki.size() - 64, 32));
  j.y = Base64UrlEncode(ByteView(spki).subspan(spki.size() - 32, 32));
  return j;
}

// An ES256 JWS signature (r||s) over `signing_input`.
inline Bytes SignEs256(const EcKey& k, std::string_view signing_input) {
  auto der = crypto::Sign(*k.key, {domain::SignatureScheme::kEcdsa, domain::HashAlgorithm::kSha256},
                          AsBytes(signing_input), false);
  if (!der) std::abort();
  return *crypto::EcdsaDerToRaw(*der, 32);
}

// Answers from tables keyed by the JSON text; unknown texts are InvalidArgument.
class TableDecoder final : public JoseDecoder {
 public:
  Result<JoseHeader> DecodeHeader(std::string_view json) const override {
    return Find(headers, json);
  }
  Result<Claims> DecodeClaims(std::string_view json) const override { return Find(claims, json); }
  Result<JwkSet> DecodeJwkSet(std::string_view json) const override { return Find(key_sets, json); }
  Result<OidcDiscovery> DecodeDiscovery(std::string_view json) const override {
    return Find(discoveries, json);
  }

  std::map<std::string, JoseHeader, std::less<>> headers;
  std::map<std::string, Claims, std::less<>> claims;
  std::map<std::string, JwkSet, std::less<>> key_sets;
  std::map<std::string, OidcDiscovery, std::less<>> discoveries;

 private:
  template <class T>
  static Result<T> Find(const std::map<std::string, T, std::less<>>& table, std::string_view json) {
    auto it = table.find(json);
    if (it == table.end()) return InvalidArgument("not JSON the test knows: " + std::string(json));
    return it->second;
  }
};

}  // namespace signet::auth::test
