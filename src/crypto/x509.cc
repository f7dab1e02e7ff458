#include "crypto/x509.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <cstring>
#include <ctime>
#include <string>
#include <utility>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "crypto/openssl_util.h"
#include "crypto/random.h"
#include "crypto/sign.h"

namespace signet::crypto {

using internal::OpenSslFailure;

void Certificate::X509Free::operator()(x509_st* x) const { X509_free(x); }

Certificate AdoptCertificate(x509_st* x509) {
  return Certificate(std::unique_ptr<x509_st, Certificate::X509Free>(x509));
}

namespace {

constexpr std::size_t kMaxNameAttribute = 64;

// Name/OpenSSL-config-name pairs of the usages we issue and report.
struct UsageName {
  std::string_view name;
  std::string_view conf;
};
constexpr std::array<UsageName, 9> kKeyUsages{{
    {"digitalSignature", "digitalSignature"},
    {"nonRepudiation", "nonRepudiation"},
    {"keyEncipherment", "keyEncipherment"},
    {"dataEncipherment", "dataEncipherment"},
    {"keyAgreement", "keyAgreement"},
    {"keyCertSign", "keyCertSign"},
    {"cRLSign", "cRLSign"},
    {"encipherOnly", "encipherOnly"},
    {"decipherOnly", "decipherOnly"},
}};
struct EkuName {
  std::string_view name;
  std::string_view conf;
  int nid;
};
constexpr std::array<EkuName, 8> kExtendedKeyUsages{{
    {"serverAuth", "serverAuth", NID_server_auth},
    {"clientAuth", "clientAuth", NID_client_auth},
    {"codeSigning", "codeSigning", NID_code_sign},
    {"emailProtection", "emailProtection", NID_email_protect},
    {"timeStamping", "timeStamping", NID_time_stamp},
    {"ocspSigning", "OCSPSigning", NID_OCSP_sign},
    {"OCSPSigning", "OCSPSigning", NID_OCSP_sign},
    {"anyExtendedKeyUsage", "anyExtendedKeyUsage", NID_anyExtendedKeyUsage},
}};

using internal::NameToString;

std::string CommonNameOf(const X509_NAME* name) {
  const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return {};
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) {
    internal::ClearOpenSslErrors();
    return {};
  }
  internal::OpenSslPtr<unsigned char> owner(utf8);
  return std::string(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(len));
}

Result<TimePoint> ToTimePoint(const ASN1_TIME* t, const char* what) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) {
    return OpenSslFailure(ErrorCode::kInvalidArgument,
                          std::string("certificate ") + what + " is not a valid time");
  }
  const time_t seconds = timegm(&tm);
  return TimePoint(std::chrono::duration_cast<Millis>(std::chrono::seconds(seconds)));
}

Result<Bytes> SpkiDerOf(X509_PUBKEY* pubkey) {
  const int len = i2d_X509_PUBKEY(pubkey, nullptr);
  if (len <= 0) return OpenSslFailure("encoding the public key failed");
  Bytes out(static_cast<std::size_t>(len));
  std::uint8_t* p = out.data();
  if (i2d_X509_PUBKEY(pubkey, &p) != len) return OpenSslFailure("encoding the public key failed");
  return out;
}

Status CheckAttribute(const std::string& value, const char* field) {
  if (value.size() > kMaxNameAttribute) {
    return InvalidArgument(std::string(field) + " is " + std::to_string(value.size()) +
                           " characters; the maximum is 64");
  }
  return Ok();
}

Result<internal::X509NamePtr> BuildName(const SubjectName& s) {
  if (s.common_name.empty()) return InvalidArgument("commonName is required");
  SIGNET_TRY(CheckAttribute(s.common_name, "commonName"));
  SIGNET_TRY(CheckAttribute(s.organization, "organization"));
  SIGNET_TRY(CheckAttribute(s.organizational_unit, "organizationalUnit"));
  SIGNET_TRY(CheckAttribute(s.state, "state"));
  SIGNET_TRY(CheckAttribute(s.locality, "locality"));
  if (!s.country.empty()) {
    const bool letters = s.country.size() == 2 &&
                         std::isalpha(static_cast<unsigned char>(s.country[0])) &&
                         std::isalpha(static_cast<unsigned char>(s.country[1]));
    if (!letters) {
      return InvalidArgument("country '" + s.country + "' is not a two-letter country code");
    }
  }
  internal::X509NamePtr name(X509_NAME_new());
  if (!name) return OpenSslFailure("X509_NAME_new failed");
  const std::pair<int, const std::string*> entries[] = {
      {NID_countryName, &s.country},
      {NID_stateOrProvinceName, &s.state},
      {NID_localityName, &s.locality},
      {NID_organizationName, &s.organization},
      {NID_organizationalUnitName, &s.organizational_unit},
      {NID_commonName, &s.common_name},
  };
  for (const auto& [nid, value] : entries) {
    if (value->empty()) continue;
    if (X509_NAME_add_entry_by_NID(name.get(), nid, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value->data()),
                                   static_cast<int>(value->size()), -1, 0) != 1) {
      return OpenSslFailure(ErrorCode::kInvalidArgument,
                            std::string("subject attribute ") + OBJ_nid2sn(nid) + " is not valid");
    }
  }
  return name;
}

// The signatureAlgorithm of certificates and CSRs signed with `algorithm`.
int SignatureNid(domain::SigningAlgorithm algorithm) {
  using domain::HashAlgorithm;
  if (algorithm.scheme == domain::SignatureScheme::kEcdsa) {
    switch (algorithm.hash) {
      case HashAlgorithm::kSha384:
        return NID_ecdsa_with_SHA384;
      case HashAlgorithm::kSha512:
        return NID_ecdsa_with_SHA512;
      default:
        return NID_ecdsa_with_SHA256;
    }
  }
  switch (algorithm.hash) {
    case HashAlgorithm::kSha384:
      return NID_sha384WithRSAEncryption;
    case HashAlgorithm::kSha512:
      return NID_sha512WithRSAEncryption;
    default:
      return NID_sha256WithRSAEncryption;
  }
}

// Fills `alg` with the AlgorithmIdentifier of `algorithm`: NULL parameters for RSA (RFC 4055
// §5), none for ECDSA (RFC 5758 §3.2).
Status SetSignatureAlgorithm(X509_ALGOR* alg, domain::SigningAlgorithm algorithm) {
  const bool rsa = algorithm.scheme != domain::SignatureScheme::kEcdsa;
  if (X509_ALGOR_set0(alg, OBJ_nid2obj(SignatureNid(algorithm)), rsa ? V_ASN1_NULL : V_ASN1_UNDEF,
                      nullptr) != 1) {
    return OpenSslFailure("setting the signature algorithm failed");
  }
  return Ok();
}

void AppendDerLength(Bytes& out, std::size_t length) {
  if (length < 0x80) {
    out.push_back(static_cast<std::uint8_t>(length));
    return;
  }
  std::uint8_t bytes[sizeof(std::size_t)];
  int n = 0;
  for (std::size_t v = length; v != 0; v >>= 8) bytes[n++] = static_cast<std::uint8_t>(v & 0xff);
  out.push_back(static_cast<std::uint8_t>(0x80 | n));
  while (n > 0) out.push_back(bytes[--n]);
}

// SIGNED{ToBeSigned} of RFC 5280 §4.1 and RFC 2986 §4.2: SEQUENCE { tbs, signatureAlgorithm,
// BIT STRING signature }, with the signature made by `key` over the hash of `tbs`.
Result<Bytes> SignStructure(ByteView tbs, const X509_ALGOR* alg, domain::SigningAlgorithm algorithm,
                            const SigningKey& key) {
  SIGNET_ASSIGN_OR_RETURN(Bytes signature, key.Sign(algorithm, tbs, false));
  const int alg_len = i2d_X509_ALGOR(alg, nullptr);
  if (alg_len <= 0) return OpenSslFailure("encoding the signature algorithm failed");
  Bytes alg_der(static_cast<std::size_t>(alg_len));
  std::uint8_t* p = alg_der.data();
  if (i2d_X509_ALGOR(alg, &p) != alg_len) {
    return OpenSslFailure("encoding the signature algorithm failed");
  }
  Bytes bits;
  bits.push_back(0x03);
  AppendDerLength(bits, signature.size() + 1);
  bits.push_back(0x00);  // no unused bits
  bits.insert(bits.end(), signature.begin(), signature.end());
  Bytes out;
  out.push_back(0x30);
  AppendDerLength(out, tbs.size() + alg_der.size() + bits.size());
  out.insert(out.end(), tbs.begin(), tbs.end());
  out.insert(out.end(), alg_der.begin(), alg_der.end());
  out.insert(out.end(), bits.begin(), bits.end());
  return out;
}

bool SameKey(EVP_PKEY* a, EVP_PKEY* b) {
  const int eq = EVP_PKEY_eq(a, b);
  internal::ClearOpenSslErrors();  // a type mismatch leaves an entry behind
  return eq == 1;
}

// A PrivateKey the caller owns, as a SigningKey, for the PrivateKey overloads.
class BorrowedKey final : public SigningKey {
 public:
  static Result<BorrowedKey> Of(const PrivateKey& key) {
    SIGNET_ASSIGN_OR_RETURN(domain::KeyAlgorithm algorithm, key.algorithm());
    SIGNET_ASSIGN_OR_RETURN(Bytes spki, key.PublicKeySpkiDer());
    return BorrowedKey(key, algorithm, std::move(spki));
  }
  domain::KeyAlgorithm algorithm() const override { return algorithm_; }
  const Bytes& public_key_spki() const override { return spki_; }
  Result<Bytes> Sign(domain::SigningAlgorithm algorithm, ByteView data,
                     bool is_digest) const override {
    return crypto::Sign(key_, algorithm, data, is_digest);
  }

 private:
  BorrowedKey(const PrivateKey& key, domain::KeyAlgorithm algorithm, Bytes spki)
      : key_(key), algorithm_(algorithm), spki_(std::move(spki)) {}
  const PrivateKey& key_;
  domain::KeyAlgorithm algorithm_;
  Bytes spki_;
};

using X509AlgorPtr = std::unique_ptr<X509_ALGOR, internal::FreeFn<X509_ALGOR, X509_ALGOR_free>>;

bool IsSelfIssuedBy(X509* subject, X509* issuer) {
  if (X509_NAME_cmp(X509_get_issuer_name(subject), X509_get_subject_name(issuer)) != 0) {
    return false;
  }
  EVP_PKEY* key = X509_get0_pubkey(issuer);
  const bool ok = key != nullptr && X509_verify(subject, key) == 1;
  internal::ClearOpenSslErrors();
  return ok;
}

Status AddExtension(X509* x, X509V3_CTX* ctx, int nid, const std::string& value) {
  internal::X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()));
  if (!ext) {
    return OpenSslFailure(std::string("building the ") + OBJ_nid2ln(nid) + " extension failed");
  }
  if (X509_add_ext(x, ext.get(), -1) != 1) {
    return OpenSslFailure(std::string("adding the ") + OBJ_nid2ln(nid) + " extension failed");
  }
  return Ok();
}

Result<std::string> KeyUsageConf(const IssueParams& params) {
  std::vector<std::string> names = params.key_usages;
  if (names.empty()) {
    names = params.is_ca ? std::vector<std::string>{"keyCertSign", "cRLSign", "digitalSignature"}
                         : std::vector<std::string>{"digitalSignature"};
  }
  std::string conf = "critical";
  bool cert_sign = false;
  std::vector<std::string_view> seen;
  for (const std::string& name : names) {
    const UsageName* found = nullptr;
    for (const auto& entry : kKeyUsages) {
      if (entry.name == name) found = &entry;
    }
    if (found == nullptr) {
      return InvalidArgument("key usage '" + name +
                             "' is not one of digitalSignature, nonRepudiation, "
                             "keyEncipherment, dataEncipherment, keyAgreement, keyCertSign, "
                             "cRLSign, encipherOnly, decipherOnly");
    }
    if (std::find(seen.begin(), seen.end(), found->conf) != seen.end()) continue;
    seen.push_back(found->conf);
    cert_sign = cert_sign || found->conf == "keyCertSign";
    conf += ",";
    conf += found->conf;
  }
  if (params.is_ca && !cert_sign) {
    return InvalidArgument("a CA certificate needs the key usage keyCertSign");
  }
  return conf;
}

Result<std::string> ExtendedKeyUsageConf(const std::vector<std::string>& names) {
  std::string conf;
  std::vector<std::string_view> seen;
  for (const std::string& name : names) {
    const EkuName* found = nullptr;
    for (const auto& entry : kExtendedKeyUsages) {
      if (entry.name == name) found = &entry;
    }
    if (found == nullptr) {
      return InvalidArgument("extended key usage '" + name +
                             "' is not one of serverAuth, clientAuth, codeSigning, "
                             "emailProtection, timeStamping, ocspSigning, anyExtendedKeyUsage");
    }
    if (std::find(seen.begin(), seen.end(), found->conf) != seen.end()) continue;
    seen.push_back(found->conf);
    if (!conf.empty()) conf += ",";
    conf += found->conf;
  }
  // RFC 3161 §2.3: a time-stamping certificate has timeStamping as its only extended key
  // usage, in a critical extension; verifiers (openssl ts, Java, Authenticode) insist on it.
  if (seen.size() == 1 && seen.front() == "timeStamping") conf = "critical," + conf;
  return conf;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Certificate

Result<Certificate> Certificate::FromPem(std::string_view pem) {
  if (pem.size() > static_cast<std::size_t>(INT_MAX)) return InvalidArgument("PEM is too large");
  internal::BioPtr bio = internal::ReadBio(pem);
  if (!bio) return OpenSslFailure("BIO_new_mem_buf failed");
  X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
  if (x == nullptr) return OpenSslFailure(ErrorCode::kInvalidArgument, "not a PEM certificate");
  return AdoptCertificate(x);
}

Result<Certificate> Certificate::FromDer(ByteView der) {
  if (der.empty() || der.size() > static_cast<std::size_t>(LONG_MAX)) {
    return InvalidArgument("certificate is empty");
  }
  const std::uint8_t* p = der.data();
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (x == nullptr) return OpenSslFailure(ErrorCode::kInvalidArgument, "not a DER certificate");
  Certificate cert = AdoptCertificate(x);
  if (p != der.data() + der.size()) return InvalidArgument("certificate has trailing bytes");
  return cert;
}

Certificate Certificate::Clone() const {
  X509_up_ref(x509_.get());
  return AdoptCertificate(x509_.get());
}

Result<std::string> Certificate::ToPem() const {
  internal::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return OpenSslFailure("BIO_new failed");
  if (PEM_write_bio_X509(bio.get(), x509_.get()) != 1) {
    return OpenSslFailure("writing the certificate PEM failed");
  }
  return internal::BioToString(bio.get());
}

Result<Bytes> Certificate::ToDer() const {
  const int len = i2d_X509(x509_.get(), nullptr);
  if (len <= 0) return OpenSslFailure("encoding the certificate failed");
  Bytes out(static_cast<std::size_t>(len));
  std::uint8_t* p = out.data();
  if (i2d_X509(x509_.get(), &p) != len) return OpenSslFailure("encoding the certificate failed");
  return out;
}

bool Certificate::Equals(const Certificate& other) const {
  return X509_cmp(x509_.get(), other.x509_.get()) == 0;
}

Result<crypto::PublicKey> Certificate::PublicKey() const {
  EVP_PKEY* pkey = X509_get_pubkey(x509_.get());
  if (pkey == nullptr) {
    return OpenSslFailure(ErrorCode::kInvalidArgument, "certificate public key is not readable");
  }
  return AdoptPublicKey(pkey);
}

Result<CertificateInfo> Certificate::Info() const {
  X509* x = x509_.get();
  CertificateInfo info;
  info.subject = NameToString(X509_get_subject_name(x));
  info.issuer = NameToString(X509_get_issuer_name(x));
  info.common_name = CommonNameOf(X509_get_subject_name(x));

  internal::BignumPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), nullptr));
  if (!serial) return OpenSslFailure("reading the serial number failed");
  internal::OpenSslPtr<char> hex(BN_bn2hex(serial.get()));
  if (!hex) return OpenSslFailure("formatting the serial number failed");
  info.serial_hex = hex.get();
  for (char& c : info.serial_hex)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));

  SIGNET_ASSIGN_OR_RETURN(info.not_before, ToTimePoint(X509_get0_notBefore(x), "notBefore"));
  SIGNET_ASSIGN_OR_RETURN(info.not_after, ToTimePoint(X509_get0_notAfter(x), "notAfter"));

  int crit = 0;
  if (auto* ku =
          static_cast<ASN1_BIT_STRING*>(X509_get_ext_d2i(x, NID_key_usage, &crit, nullptr))) {
    for (std::size_t bit = 0; bit < kKeyUsages.size(); ++bit) {
      if (ASN1_BIT_STRING_get_bit(ku, static_cast<int>(bit))) {
        info.key_usages.emplace_back(kKeyUsages[bit].name);
      }
    }
    ASN1_BIT_STRING_free(ku);
  }
  if (internal::EkuPtr eku{static_cast<EXTENDED_KEY_USAGE*>(
          X509_get_ext_d2i(x, NID_ext_key_usage, &crit, nullptr))}) {
    info.extended_key_usage_critical = crit == 1;
    for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
      const ASN1_OBJECT* obj = sk_ASN1_OBJECT_value(eku.get(), i);
      const int nid = OBJ_obj2nid(obj);
      std::string name;
      for (const auto& entry : kExtendedKeyUsages) {
        if (entry.nid == nid) {
          name = std::string(entry.name);
          break;
        }
      }
      if (name.empty()) {
        char buf[128] = {};
        OBJ_obj2txt(buf, sizeof(buf), obj, 1);
        name = buf;
      }
      info.extended_key_usages.push_back(std::move(name));
    }
  }
  if (auto* policies = static_cast<CERTIFICATEPOLICIES*>(
          X509_get_ext_d2i(x, NID_certificate_policies, &crit, nullptr))) {
    for (int i = 0; i < sk_POLICYINFO_num(policies); ++i) {
      char buf[128] = {};
      OBJ_obj2txt(buf, sizeof(buf), sk_POLICYINFO_value(policies, i)->policyid, 1);
      info.policy_oids.emplace_back(buf);
    }
    CERTIFICATEPOLICIES_free(policies);
  }
  internal::ClearOpenSslErrors();  // X509_get_ext_d2i leaves nothing useful on absence
  info.is_ca = (X509_get_extension_flags(x) & EXFLAG_CA) != 0;
  if (const char* name = OBJ_nid2ln(X509_get_signature_nid(x))) info.signature_algorithm = name;
  int md_nid = NID_undef;
  if (X509_get_signature_info(x, &md_nid, nullptr, nullptr, nullptr) == 1 && md_nid != NID_undef) {
    if (const char* name = OBJ_nid2sn(md_nid)) info.signature_hash = name;
  }
  internal::ClearOpenSslErrors();
  SIGNET_ASSIGN_OR_RETURN(info.spki_der, SpkiDerOf(X509_get_X509_PUBKEY(x)));
  return info;
}

// ---------------------------------------------------------------------------------------------
// Chains

Result<std::vector<Certificate>> ParseCertificateChainPem(std::string_view pem) {
  if (pem.size() > static_cast<std::size_t>(INT_MAX)) return InvalidArgument("PEM is too large");
  std::vector<Certificate> certs;
  internal::BioPtr bio = internal::ReadBio(pem);
  if (!bio) return OpenSslFailure("BIO_new_mem_buf failed");
  while (true) {
    X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (x == nullptr) {
      const unsigned long e = ERR_peek_last_error();
      if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
        internal::ClearOpenSslErrors();  // the normal end of the input
        break;
      }
      return OpenSslFailure(
          ErrorCode::kInvalidArgument,
          "certificate " + std::to_string(certs.size() + 1) + " of the PEM chain is damaged");
    }
    certs.push_back(AdoptCertificate(x));
  }
  return certs;
}

Result<std::vector<Certificate>> OrderChain(const Certificate& leaf,
                                            std::vector<Certificate> others) {
  // Drop copies of the leaf and duplicates.
  std::vector<Certificate> pool;
  for (Certificate& c : others) {
    if (c.Equals(leaf)) continue;
    bool dup = false;
    for (const Certificate& p : pool) dup = dup || p.Equals(c);
    if (!dup) pool.push_back(std::move(c));
  }

  std::vector<Certificate> chain;
  chain.push_back(leaf.Clone());
  while (true) {
    X509* current = chain.back().native();
    if (IsSelfIssuedBy(current, current)) break;  // reached a root
    std::size_t found = pool.size();
    for (std::size_t i = 0; i < pool.size(); ++i) {
      if (!IsSelfIssuedBy(current, pool[i].native())) continue;
      if (found != pool.size()) {
        return InvalidArgument("certificate chain is ambiguous: two certificates can issue '" +
                               NameToString(X509_get_subject_name(current)) + "'");
      }
      found = i;
    }
    if (found == pool.size()) break;
    chain.push_back(std::move(pool[found]));
    pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(found));
  }
  if (!pool.empty()) {
    const std::string stuck = NameToString(X509_get_subject_name(chain.back().native()));
    return InvalidArgument("certificate chain is incomplete: no issuer of '" + stuck +
                           "' among the given " + "certificates, and " +
                           std::to_string(pool.size()) +
                           " certificate(s) do not belong to the chain (first: '" +
                           NameToString(X509_get_subject_name(pool.front().native())) + "')");
  }
  return chain;
}

// ---------------------------------------------------------------------------------------------
// CSR

Result<std::string> CreateCsrPem(const SigningKey& key, const SubjectName& subject) {
  SIGNET_ASSIGN_OR_RETURN(internal::X509NamePtr name, BuildName(subject));
  SIGNET_ASSIGN_OR_RETURN(crypto::PublicKey public_key,
                          PublicKey::FromSpkiDer(key.public_key_spki()));
  internal::X509ReqPtr req(X509_REQ_new());
  if (!req) return OpenSslFailure("X509_REQ_new failed");
  if (X509_REQ_set_version(req.get(), 0) != 1 ||
      X509_REQ_set_subject_name(req.get(), name.get()) != 1 ||
      X509_REQ_set_pubkey(req.get(), public_key.native()) != 1) {
    return OpenSslFailure("building the CSR failed");
  }
  const domain::SigningAlgorithm algorithm = CertificateSigningAlgorithm(key.algorithm());
  X509AlgorPtr alg(X509_ALGOR_new());
  if (!alg) return OpenSslFailure("X509_ALGOR_new failed");
  SIGNET_TRY(SetSignatureAlgorithm(alg.get(), algorithm));
  const int info_len = i2d_re_X509_REQ_tbs(req.get(), nullptr);
  if (info_len <= 0) return OpenSslFailure("encoding the CSR failed");
  Bytes info(static_cast<std::size_t>(info_len));
  std::uint8_t* p = info.data();
  if (i2d_re_X509_REQ_tbs(req.get(), &p) != info_len)
    return OpenSslFailure("encoding the CSR failed");
  SIGNET_ASSIGN_OR_RETURN(Bytes der, SignStructure(info, alg.get(), algorithm, key));
  const std::uint8_t* in = der.data();
  internal::X509ReqPtr signed_req(d2i_X509_REQ(nullptr, &in, static_cast<long>(der.size())));
  if (!signed_req) return OpenSslFailure("decoding the signed CSR failed");
  if (X509_REQ_verify(signed_req.get(), public_key.native()) != 1) {
    return OpenSslFailure("the CSR signature made by the key does not verify with its public key");
  }
  internal::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return OpenSslFailure("BIO_new failed");
  if (PEM_write_bio_X509_REQ(bio.get(), signed_req.get()) != 1) {
    return OpenSslFailure("writing the CSR PEM failed");
  }
  return internal::BioToString(bio.get());
}

Result<std::string> CreateCsrPem(const PrivateKey& key, const SubjectName& subject) {
  SIGNET_ASSIGN_OR_RETURN(BorrowedKey borrowed, BorrowedKey::Of(key));
  return CreateCsrPem(static_cast<const SigningKey&>(borrowed), subject);
}

Result<CsrInfo> ParseCsrPem(std::string_view pem) {
  if (pem.size() > static_cast<std::size_t>(INT_MAX)) return InvalidArgument("PEM is too large");
  internal::BioPtr bio = internal::ReadBio(pem);
  if (!bio) return OpenSslFailure("BIO_new_mem_buf failed");
  internal::X509ReqPtr req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  if (!req) return OpenSslFailure(ErrorCode::kInvalidArgument, "not a PEM certificate request");
  EVP_PKEY* pkey = X509_REQ_get0_pubkey(req.get());
  if (pkey == nullptr || X509_REQ_verify(req.get(), pkey) != 1) {
    return OpenSslFailure(ErrorCode::kInvalidArgument,
                          "certificate request signature does not verify");
  }
  CsrInfo info;
  info.subject = NameToString(X509_REQ_get_subject_name(req.get()));
  info.common_name = CommonNameOf(X509_REQ_get_subject_name(req.get()));
  SIGNET_ASSIGN_OR_RETURN(info.spki_der, SpkiDerOf(X509_REQ_get_X509_PUBKEY(req.get())));
  return info;
}

// ---------------------------------------------------------------------------------------------
// Issuance

Result<Certificate> IssueCertificate(const crypto::PublicKey& subject_key,
                                     const IssueParams& params, const SigningKey& issuer_key,
                                     const Certificate* issuer_cert) {
  if (params.not_after <= params.not_before) {
    return InvalidArgument("notAfter " + FormatTime(params.not_after) + " is not after notBefore " +
                           FormatTime(params.not_before));
  }
  if (params.path_len && !params.is_ca) {
    return InvalidArgument("a path length applies only to CA certificates");
  }
  if (params.path_len && *params.path_len < 0) {
    return InvalidArgument("path length is " + std::to_string(*params.path_len) +
                           "; the minimum is 0");
  }
  SIGNET_ASSIGN_OR_RETURN(std::string ku_conf, KeyUsageConf(params));
  SIGNET_ASSIGN_OR_RETURN(std::string eku_conf, ExtendedKeyUsageConf(params.extended_key_usages));
  SIGNET_ASSIGN_OR_RETURN(internal::X509NamePtr subject, BuildName(params.subject));
  std::unique_ptr<CERTIFICATEPOLICIES,
                  internal::FreeFn<CERTIFICATEPOLICIES, CERTIFICATEPOLICIES_free>>
      policies(sk_POLICYINFO_new_null());
  if (!policies) return OpenSslFailure("allocating the certificate policies failed");
  for (const std::string& oid : params.policy_oids) {
    ASN1_OBJECT* obj = OBJ_txt2obj(oid.c_str(), 1);
    if (obj == nullptr) {
      internal::ClearOpenSslErrors();
      return InvalidArgument("certificate policy '" + oid + "' is not a dotted object identifier");
    }
    POLICYINFO* info = POLICYINFO_new();
    if (info == nullptr) {
      ASN1_OBJECT_free(obj);
      return OpenSslFailure("allocating a certificate policy failed");
    }
    ASN1_OBJECT_free(info->policyid);
    info->policyid = obj;
    if (sk_POLICYINFO_push(policies.get(), info) <= 0) {
      POLICYINFO_free(info);
      return OpenSslFailure("adding a certificate policy failed");
    }
  }
  SIGNET_ASSIGN_OR_RETURN(crypto::PublicKey issuer_public,
                          PublicKey::FromSpkiDer(issuer_key.public_key_spki()));
  if (issuer_cert == nullptr) {
    if (!SameKey(issuer_public.native(), subject_key.native())) {
      return InvalidArgument("a self-signed certificate must be signed with the subject's key");
    }
  } else {
    if ((X509_get_extension_flags(issuer_cert->native()) & EXFLAG_CA) == 0) {
      return InvalidArgument("issuer certificate is not a CA certificate");
    }
    EVP_PKEY* cert_key = X509_get0_pubkey(issuer_cert->native());
    if (cert_key == nullptr || !SameKey(cert_key, issuer_public.native())) {
      internal::ClearOpenSslErrors();
      return InvalidArgument("issuer key does not match the issuer certificate");
    }
  }

  internal::X509Ptr x(X509_new());
  if (!x) return OpenSslFailure("X509_new failed");
  if (X509_set_version(x.get(), X509_VERSION_3) != 1) return OpenSslFailure("X509_set_version");

  // Random positive 128-bit serial (RFC 5280 §4.1.2.2: positive, at most 20 octets).
  SIGNET_ASSIGN_OR_RETURN(Bytes serial_bytes, RandomBytes(16));
  serial_bytes[0] &= 0x7f;
  if (serial_bytes[0] == 0) serial_bytes[0] = 0x01;
  internal::BignumPtr serial(BN_bin2bn(serial_bytes.data(), 16, nullptr));
  if (!serial || BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(x.get())) == nullptr) {
    return OpenSslFailure("setting the serial number failed");
  }

  const X509_NAME* issuer_name =
      issuer_cert != nullptr ? X509_get_subject_name(issuer_cert->native()) : subject.get();
  const auto to_time_t = [](TimePoint t) {
    return static_cast<time_t>(
        std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
  };
  if (X509_set_subject_name(x.get(), subject.get()) != 1 ||
      X509_set_issuer_name(x.get(), issuer_name) != 1 ||
      ASN1_TIME_set(X509_getm_notBefore(x.get()), to_time_t(params.not_before)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(x.get()), to_time_t(params.not_after)) == nullptr ||
      X509_set_pubkey(x.get(), subject_key.native()) != 1) {
    return OpenSslFailure("building the certificate failed");
  }

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer_cert != nullptr ? issuer_cert->native() : x.get(), x.get(), nullptr,
                 nullptr, 0);
  if (X509V3_set_issuer_pkey(&ctx, issuer_public.native()) != 1) {
    return OpenSslFailure("X509V3_set_issuer_pkey failed");
  }
  std::string bc = params.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE";
  if (params.path_len) bc += ",pathlen:" + std::to_string(*params.path_len);
  SIGNET_TRY(AddExtension(x.get(), &ctx, NID_basic_constraints, bc));
  SIGNET_TRY(AddExtension(x.get(), &ctx, NID_key_usage, ku_conf));
  if (!eku_conf.empty()) SIGNET_TRY(AddExtension(x.get(), &ctx, NID_ext_key_usage, eku_conf));
  SIGNET_TRY(AddExtension(x.get(), &ctx, NID_subject_key_identifier, "hash"));
  SIGNET_TRY(AddExtension(x.get(), &ctx, NID_authority_key_identifier, "keyid:always"));

  if (sk_POLICYINFO_num(policies.get()) > 0 &&
      X509_add1_ext_i2d(x.get(), NID_certificate_policies, policies.get(), 0, X509V3_ADD_DEFAULT) !=
          1) {
    return OpenSslFailure("adding the certificate policies extension failed");
  }

  // The issuer key may be held elsewhere (a hardware module), so the certificate is signed
  // here rather than by X509_sign: the to-be-signed part names the algorithm, is encoded, and
  // the key signs its hash. OpenSSL offers no setter for the TBS signature field; the pointer
  // it returns is into `x`, which this function owns.
  const domain::SigningAlgorithm algorithm = CertificateSigningAlgorithm(issuer_key.algorithm());
  SIGNET_TRY(
      SetSignatureAlgorithm(const_cast<X509_ALGOR*>(X509_get0_tbs_sigalg(x.get())), algorithm));
  const int tbs_len = i2d_re_X509_tbs(x.get(), nullptr);
  if (tbs_len <= 0) return OpenSslFailure("encoding the certificate failed");
  Bytes tbs(static_cast<std::size_t>(tbs_len));
  std::uint8_t* p = tbs.data();
  if (i2d_re_X509_tbs(x.get(), &p) != tbs_len)
    return OpenSslFailure("encoding the certificate failed");
  SIGNET_ASSIGN_OR_RETURN(Bytes der,
                          SignStructure(tbs, X509_get0_tbs_sigalg(x.get()), algorithm, issuer_key));
  SIGNET_ASSIGN_OR_RETURN(Certificate cert, Certificate::FromDer(der));
  if (X509_verify(cert.native(), issuer_public.native()) != 1) {
    return OpenSslFailure("the certificate signature made by the issuer key does not verify");
  }
  return cert;
}

Result<Certificate> IssueCertificate(const crypto::PublicKey& subject_key,
                                     const IssueParams& params, const PrivateKey& issuer_key,
                                     const Certificate* issuer_cert) {
  SIGNET_ASSIGN_OR_RETURN(BorrowedKey borrowed, BorrowedKey::Of(issuer_key));
  return IssueCertificate(subject_key, params, static_cast<const SigningKey&>(borrowed),
                          issuer_cert);
}

// ---------------------------------------------------------------------------------------------
// Import

namespace {

Result<ImportedKeyPair> Assemble(PrivateKey key, Certificate leaf,
                                 std::vector<Certificate> others) {
  // DER parsing leaves the fields' contents unchecked (a validity time that is not a time, say):
  // a certificate that cannot be read is refused here, not once it is stored.
  if (auto info = leaf.Info(); !info) {
    return InvalidArgument("the certificate cannot be read: " + info.error().message);
  }
  SIGNET_ASSIGN_OR_RETURN(crypto::PublicKey leaf_key, leaf.PublicKey());
  if (!Matches(key, leaf_key)) {
    return InvalidArgument("private key does not match the certificate");
  }
  SIGNET_ASSIGN_OR_RETURN(std::vector<Certificate> ordered, OrderChain(leaf, std::move(others)));
  std::vector<Certificate> chain;
  for (std::size_t i = 1; i < ordered.size(); ++i) chain.push_back(std::move(ordered[i]));
  return ImportedKeyPair{std::move(key), std::move(leaf), std::move(chain)};
}

}  // namespace

Result<ImportedKeyPair> ImportPem(std::string_view cert_pem, std::string_view key_pem,
                                  std::string_view chain_pem, std::string_view key_password) {
  SIGNET_ASSIGN_OR_RETURN(std::vector<Certificate> certs, ParseCertificateChainPem(cert_pem));
  if (certs.empty()) return InvalidArgument("certificatePem holds no certificate");
  SIGNET_ASSIGN_OR_RETURN(std::vector<Certificate> chain, ParseCertificateChainPem(chain_pem));
  auto key = PrivateKey::FromPem(key_pem, key_password);
  if (!key) return tl::unexpected(key.error().Wrap("privateKeyPem"));
  Certificate leaf = std::move(certs.front());
  for (std::size_t i = 1; i < certs.size(); ++i) chain.push_back(std::move(certs[i]));
  return Assemble(std::move(*key), std::move(leaf), std::move(chain));
}

namespace {

// An iteration count read from the file; more than the maximum (or unreadable) is refused.
Status CheckIterations(const ASN1_INTEGER* iter, std::string_view what) {
  std::int64_t n = 1;  // absent means 1 (RFC 7292)
  if (iter != nullptr && ASN1_INTEGER_get_int64(&n, iter) != 1) {
    internal::ClearOpenSslErrors();
    return InvalidArgument("PKCS#12 file: the " + std::string(what) +
                           " iteration count is unreadable");
  }
  if (n < 1 || n > kMaxPkcs12Iterations) {
    return InvalidArgument("PKCS#12 file: the " + std::string(what) + " iteration count is " +
                           std::to_string(n) + "; the maximum is " +
                           std::to_string(kMaxPkcs12Iterations) +
                           " (export it again, e.g. with openssl pkcs12 -export -iter 100000)");
  }
  return Ok();
}

// The iteration count of a password-based encryption algorithm (PKCS#12 PBE or PBES2 with
// PBKDF2); other key derivations are refused.
Status CheckPbeIterations(const X509_ALGOR* alg, std::string_view what) {
  const ASN1_OBJECT* oid = nullptr;
  int ptype = 0;
  const void* pval = nullptr;
  X509_ALGOR_get0(&oid, &ptype, &pval, alg);
  if (ptype != V_ASN1_SEQUENCE || pval == nullptr) {
    return InvalidArgument("PKCS#12 file: the " + std::string(what) +
                           " encryption has no parameters");
  }
  const ASN1_TYPE* params = alg->parameter;
  if (OBJ_obj2nid(oid) == NID_pbes2) {
    std::unique_ptr<PBE2PARAM, decltype(&PBE2PARAM_free)> pbe2(
        static_cast<PBE2PARAM*>(ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), params)),
        &PBE2PARAM_free);
    if (!pbe2 || pbe2->keyfunc == nullptr ||
        OBJ_obj2nid(pbe2->keyfunc->algorithm) != NID_id_pbkdf2 ||
        pbe2->keyfunc->parameter == nullptr) {
      internal::ClearOpenSslErrors();
      return InvalidArgument("PKCS#12 file: the " + std::string(what) +
                             " encryption uses a key derivation other than PBKDF2");
    }
    std::unique_ptr<PBKDF2PARAM, decltype(&PBKDF2PARAM_free)> kdf(
        static_cast<PBKDF2PARAM*>(
            ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter)),
        &PBKDF2PARAM_free);
    if (!kdf) {
      internal::ClearOpenSslErrors();
      return InvalidArgument("PKCS#12 file: the " + std::string(what) +
                             " PBKDF2 parameters are malformed");
    }
    return CheckIterations(kdf->iter, what);
  }
  std::unique_ptr<PBEPARAM, decltype(&PBEPARAM_free)> pbe(
      static_cast<PBEPARAM*>(ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBEPARAM), params)),
      &PBEPARAM_free);
  if (!pbe) {
    internal::ClearOpenSslErrors();
    return InvalidArgument("PKCS#12 file: the " + std::string(what) +
                           " encryption parameters are malformed");
  }
  return CheckIterations(pbe->iter, what);
}

// Every iteration count the file asks the reader to run — the MAC's, each encrypted content's
// and each shrouded key bag's — is checked before any is run: the uploader chooses them, and
// 2^31 iterations would keep a core busy for minutes.
Status CheckPkcs12Work(const PKCS12* p12) {
  if (PKCS12_mac_present(p12)) {
    const ASN1_INTEGER* iter = nullptr;
    PKCS12_get0_mac(nullptr, nullptr, nullptr, &iter, p12);
    SIGNET_TRY(CheckIterations(iter, "MAC"));
  }
  std::unique_ptr<STACK_OF(PKCS7), void (*)(STACK_OF(PKCS7)*)> safes(
      PKCS12_unpack_authsafes(p12), [](STACK_OF(PKCS7) * s) { sk_PKCS7_pop_free(s, PKCS7_free); });
  if (!safes) {
    internal::ClearOpenSslErrors();
    return InvalidArgument("PKCS#12 file: its contents are malformed");
  }
  for (int i = 0; i < sk_PKCS7_num(safes.get()); ++i) {
    PKCS7* p7 = sk_PKCS7_value(safes.get(), i);
    const int type = OBJ_obj2nid(p7->type);
    if (type == NID_pkcs7_encrypted) {
      if (p7->d.encrypted == nullptr || p7->d.encrypted->enc_data == nullptr ||
          p7->d.encrypted->enc_data->algorithm == nullptr) {
        return InvalidArgument("PKCS#12 file: an encrypted content is malformed");
      }
      SIGNET_TRY(CheckPbeIterations(p7->d.encrypted->enc_data->algorithm, "content"));
    } else if (type == NID_pkcs7_data) {
      std::unique_ptr<STACK_OF(PKCS12_SAFEBAG), void (*)(STACK_OF(PKCS12_SAFEBAG)*)> bags(
          PKCS12_unpack_p7data(p7),
          [](STACK_OF(PKCS12_SAFEBAG) * b) { sk_PKCS12_SAFEBAG_pop_free(b, PKCS12_SAFEBAG_free); });
      if (!bags) {
        internal::ClearOpenSslErrors();
        return InvalidArgument("PKCS#12 file: a content is malformed");
      }
      for (int j = 0; j < sk_PKCS12_SAFEBAG_num(bags.get()); ++j) {
        const PKCS12_SAFEBAG* bag = sk_PKCS12_SAFEBAG_value(bags.get(), j);
        if (PKCS12_SAFEBAG_get_nid(bag) != NID_pkcs8ShroudedKeyBag) continue;
        const X509_ALGOR* alg = nullptr;
        X509_SIG_get0(PKCS12_SAFEBAG_get0_pkcs8(bag), &alg, nullptr);
        if (alg == nullptr) return InvalidArgument("PKCS#12 file: a key bag is malformed");
        SIGNET_TRY(CheckPbeIterations(alg, "key"));
      }
    }
  }
  return Ok();
}

}  // namespace

Result<ImportedKeyPair> ImportPkcs12(ByteView der, std::string_view password) {
  if (der.empty() || der.size() > static_cast<std::size_t>(LONG_MAX)) {
    return InvalidArgument("PKCS#12 file is empty");
  }
  const std::uint8_t* p = der.data();
  internal::Pkcs12Ptr p12(d2i_PKCS12(nullptr, &p, static_cast<long>(der.size())));
  if (!p12) return OpenSslFailure(ErrorCode::kInvalidArgument, "not a PKCS#12 file");
  SIGNET_TRY(CheckPkcs12Work(p12.get()));

  // NUL-terminated copy of the password, wiped on return.
  SecretBytes pass(password.size() + 1);
  if (!password.empty()) std::memcpy(pass.data(), password.data(), password.size());
  const char* pass_arg = reinterpret_cast<const char*>(pass.data());
  if (PKCS12_mac_present(p12.get())) {
    bool ok = PKCS12_verify_mac(p12.get(), pass_arg, static_cast<int>(password.size())) == 1;
    if (!ok && password.empty()) {
      // An empty password may have been encoded as absent (as PKCS12_parse also tries).
      ok = PKCS12_verify_mac(p12.get(), nullptr, 0) == 1;
      if (ok) pass_arg = nullptr;
    }
    if (!ok) {
      internal::ClearOpenSslErrors();
      return InvalidArgument("PKCS#12 password is wrong or file is corrupt");
    }
  }
  EVP_PKEY* pkey = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* ca = nullptr;
  if (PKCS12_parse(p12.get(), pass_arg, &pkey, &cert, &ca) != 1) {
    return OpenSslFailure(ErrorCode::kInvalidArgument,
                          "PKCS#12 file could not be read (legacy encryption such as RC2 is "
                          "not supported; export it again with OpenSSL 3 defaults)");
  }
  internal::X509StackPtr ca_owner(ca);
  std::optional<Certificate> leaf;
  if (cert != nullptr) leaf = AdoptCertificate(cert);
  if (pkey == nullptr) return InvalidArgument("PKCS#12 file holds no private key");
  SIGNET_ASSIGN_OR_RETURN(PrivateKey key, AdoptPrivateKey(pkey));
  if (!leaf) return InvalidArgument("PKCS#12 file holds no certificate for its private key");
  std::vector<Certificate> others;
  while (ca_owner && sk_X509_num(ca_owner.get()) > 0) {
    others.push_back(AdoptCertificate(sk_X509_shift(ca_owner.get())));
  }
  return Assemble(std::move(key), std::move(*leaf), std::move(others));
}

}  // namespace signet::crypto
