#include "pkcs11/objects.h"

#include <cstring>

#include "common/encoding.h"
#include "crypto/digest.h"
#include "crypto/x509.h"
#include "pkcs11/mechanisms.h"

namespace signet::pkcs11 {
namespace {

Bytes Ulong(CK_ULONG v) {
  Bytes b(sizeof(v));
  std::memcpy(b.data(), &v, sizeof(v));
  return b;
}
Bytes Bool(bool v) { return Bytes{static_cast<std::uint8_t>(v ? CK_TRUE : CK_FALSE)}; }
Bytes Text(std::string_view s) { return Bytes(s.begin(), s.end()); }

// The signer's UUID as 16 bytes (its text when it is not a UUID).
Bytes IdFromSignerId(const std::string& id) {
  std::string hex;
  for (char c : id) {
    if (c != '-') hex.push_back(c);
  }
  auto bytes = HexDecode(hex);
  if (bytes && bytes->size() == 16) return *bytes;
  return Text(id);
}

// Attributes every object of the token has.
void Common(TokenObject& o, CK_OBJECT_CLASS cls, std::string_view label, const Bytes& id) {
  o.object_class = cls;
  o.attributes[CKA_CLASS] = Ulong(cls);
  o.attributes[CKA_TOKEN] = Bool(true);
  o.attributes[CKA_PRIVATE] = Bool(false);
  o.attributes[CKA_MODIFIABLE] = Bool(false);
  o.attributes[CKA_COPYABLE] = Bool(false);
  o.attributes[CKA_DESTROYABLE] = Bool(false);
  o.attributes[CKA_LABEL] = Text(label);
  o.attributes[CKA_ID] = id;
}

void KeyCommon(TokenObject& o, const PublicKeyValues& key, const Bytes& subject,
               const Bytes& spki) {
  const bool rsa = key.type == domain::KeyType::kRsa;
  o.attributes[CKA_KEY_TYPE] = Ulong(rsa ? CKK_RSA : CKK_EC);
  o.attributes[CKA_SUBJECT] = subject;
  o.attributes[CKA_LOCAL] = Bool(false);
  o.attributes[CKA_KEY_GEN_MECHANISM] = Ulong(CK_UNAVAILABLE_INFORMATION);
  o.attributes[CKA_DERIVE] = Bool(false);
  o.attributes[CKA_START_DATE] = Bytes();
  o.attributes[CKA_END_DATE] = Bytes();
  o.attributes[CKA_PUBLIC_KEY_INFO] = spki;
  const auto mechs = MechanismsFor(key.type);
  Bytes allowed(mechs.size() * sizeof(CK_MECHANISM_TYPE));
  std::memcpy(allowed.data(), mechs.data(), allowed.size());
  o.attributes[CKA_ALLOWED_MECHANISMS] = std::move(allowed);
  if (rsa) {
    o.attributes[CKA_MODULUS] = key.modulus;
    o.attributes[CKA_PUBLIC_EXPONENT] = key.public_exponent;
  } else {
    o.attributes[CKA_EC_PARAMS] = key.ec_params_der;
    o.attributes[CKA_EC_POINT] = key.ec_point_der;
  }
}

// `id`: the signer's id for its certificate; empty for an issuer, which then gets its subject
// key identifier (what a child's authority key identifier names), else a digest of its DER.
Result<TokenObject> CertificateObject(const crypto::Certificate& cert, std::string_view label,
                                      const Bytes& id, bool is_signer) {
  SIGNET_ASSIGN_OR_RETURN(Bytes der, cert.ToDer());
  SIGNET_ASSIGN_OR_RETURN(CertificateFields f, ParseCertificateFields(der));
  Bytes object_id = id;
  if (!is_signer) {
    if (!f.subject_key_id.empty()) {
      object_id = f.subject_key_id;
    } else {
      const Bytes digest = crypto::Digest(domain::HashAlgorithm::kSha256, der);
      object_id.assign(digest.begin(), digest.begin() + 16);
    }
  }
  TokenObject o;
  Common(o, CKO_CERTIFICATE, label, object_id);
  o.attributes[CKA_CERTIFICATE_TYPE] = Ulong(CKC_X_509);
  // The issuers are the chain the server vouches for: trusted, so chain builders that only
  // follow trusted objects (p11tool --export-chain) find them.
  o.attributes[CKA_TRUSTED] = Bool(!is_signer);
  // 1: token user, 2: authority (PKCS#11 2.40 §4.6.2).
  o.attributes[CKA_CERTIFICATE_CATEGORY] = Ulong(is_signer ? 1 : 2);
  // CKA_CHECK_VALUE of a certificate: the first 3 bytes of its SHA-1 in the spec; SHA-1 is not
  // offered by crypto/, and no tool compares it, so it is left out.
  o.attributes[CKA_SUBJECT] = f.subject_der;
  o.attributes[CKA_ISSUER] = f.issuer_der;
  o.attributes[CKA_SERIAL_NUMBER] = f.serial_der;
  o.attributes[CKA_START_DATE] = Bytes();
  o.attributes[CKA_END_DATE] = Bytes();
  o.attributes[CKA_VALUE] = std::move(der);
  return o;
}

}  // namespace

bool TokenObject::Matches(const CK_ATTRIBUTE* templ, CK_ULONG count) const {
  for (CK_ULONG i = 0; i < count; ++i) {
    const CK_ATTRIBUTE& a = templ[i];
    if (sensitive.contains(a.type)) return false;
    auto it = attributes.find(a.type);
    if (it == attributes.end()) return false;
    if (it->second.size() != a.ulValueLen) return false;
    if (a.ulValueLen != 0 && std::memcmp(it->second.data(), a.pValue, a.ulValueLen) != 0) {
      return false;
    }
  }
  return true;
}

CK_RV TokenObject::GetAttributes(CK_ATTRIBUTE* templ, CK_ULONG count) const {
  CK_RV rv = CKR_OK;
  for (CK_ULONG i = 0; i < count; ++i) {
    CK_ATTRIBUTE& a = templ[i];
    if (sensitive.contains(a.type)) {
      a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
      rv = CKR_ATTRIBUTE_SENSITIVE;
      continue;
    }
    auto it = attributes.find(a.type);
    if (it == attributes.end()) {
      a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
      rv = CKR_ATTRIBUTE_TYPE_INVALID;
      continue;
    }
    const Bytes& v = it->second;
    if (a.pValue == nullptr) {
      a.ulValueLen = v.size();
    } else if (a.ulValueLen >= v.size()) {
      if (!v.empty()) std::memcpy(a.pValue, v.data(), v.size());
      a.ulValueLen = v.size();
    } else {
      a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
      rv = CKR_BUFFER_TOO_SMALL;
    }
  }
  return rv;
}

Result<std::shared_ptr<const TokenObjects>> BuildTokenObjects(
    const client::SignerInfo& signer, const client::SignerCertificate& certificate) {
  SIGNET_ASSIGN_OR_RETURN(crypto::Certificate leaf,
                          crypto::Certificate::FromPem(certificate.certificate_pem));
  SIGNET_ASSIGN_OR_RETURN(auto chain,
                          crypto::ParseCertificateChainPem(certificate.certificate_chain_pem));
  SIGNET_ASSIGN_OR_RETURN(crypto::CertificateInfo info, leaf.Info());
  SIGNET_ASSIGN_OR_RETURN(PublicKeyValues key, ParsePublicKey(info.spki_der));
  SIGNET_ASSIGN_OR_RETURN(Bytes leaf_der, leaf.ToDer());
  SIGNET_ASSIGN_OR_RETURN(CertificateFields fields, ParseCertificateFields(leaf_der));

  auto out = std::make_shared<TokenObjects>();
  out->key = key;
  const Bytes id = IdFromSignerId(signer.id);
  const bool rsa = key.type == domain::KeyType::kRsa;

  TokenObject priv;
  Common(priv, CKO_PRIVATE_KEY, signer.name, id);
  KeyCommon(priv, key, fields.subject_der, info.spki_der);
  for (auto [attr, value] : {std::pair{CKA_SENSITIVE, true},
                             {CKA_ALWAYS_SENSITIVE, true},
                             {CKA_EXTRACTABLE, false},
                             {CKA_NEVER_EXTRACTABLE, true},
                             {CKA_SIGN, true},
                             {CKA_SIGN_RECOVER, false},
                             {CKA_DECRYPT, false},
                             {CKA_UNWRAP, false},
                             {CKA_WRAP_WITH_TRUSTED, false},
                             {CKA_ALWAYS_AUTHENTICATE, false}}) {
    priv.attributes[attr] = Bool(value);
  }
  if (rsa) {
    for (CK_ATTRIBUTE_TYPE t : {CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2, CKA_EXPONENT_1,
                                CKA_EXPONENT_2, CKA_COEFFICIENT}) {
      priv.sensitive.insert(t);
    }
  } else {
    priv.sensitive.insert(CKA_VALUE);
  }
  out->objects.push_back(std::move(priv));

  TokenObject pub;
  Common(pub, CKO_PUBLIC_KEY, signer.name, id);
  KeyCommon(pub, key, fields.subject_der, info.spki_der);
  // The public key verifies (tools such as OpenSC's p11test and p11tool check a signature
  // with it); the verification itself happens in the tool or crypto library, not here.
  for (auto [attr, value] : {std::pair{CKA_VERIFY, true},
                             {CKA_VERIFY_RECOVER, false},
                             {CKA_ENCRYPT, false},
                             {CKA_WRAP, false},
                             {CKA_TRUSTED, false}}) {
    pub.attributes[attr] = Bool(value);
  }
  if (rsa) pub.attributes[CKA_MODULUS_BITS] = Ulong(key.bits);
  out->objects.push_back(std::move(pub));

  SIGNET_ASSIGN_OR_RETURN(TokenObject leaf_object,
                          CertificateObject(leaf, signer.name, id, /*is_signer=*/true));
  out->objects.push_back(std::move(leaf_object));
  for (const crypto::Certificate& issuer : chain) {
    if (issuer.Equals(leaf)) continue;
    SIGNET_ASSIGN_OR_RETURN(crypto::CertificateInfo issuer_info, issuer.Info());
    const std::string label =
        issuer_info.common_name.empty() ? issuer_info.subject : issuer_info.common_name;
    SIGNET_ASSIGN_OR_RETURN(TokenObject o,
                            CertificateObject(issuer, label, {}, /*is_signer=*/false));
    out->objects.push_back(std::move(o));
  }
  return std::shared_ptr<const TokenObjects>(std::move(out));
}

}  // namespace signet::pkcs11
