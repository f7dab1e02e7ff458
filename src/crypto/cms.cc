#include "crypto/cms.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <ctime>
#include <string>

#include <openssl/cms.h>
#include <openssl/ess.h>
#include <openssl/rsa.h>

#include "crypto/der.h"
#include "crypto/digest.h"
#include "crypto/openssl_util.h"

namespace signet::crypto {

using internal::OpenSslFailure;

namespace {

using CmsPtr =
    std::unique_ptr<CMS_ContentInfo, internal::FreeFn<CMS_ContentInfo, CMS_ContentInfo_free>>;
using AttributePtr =
    std::unique_ptr<X509_ATTRIBUTE, internal::FreeFn<X509_ATTRIBUTE, X509_ATTRIBUTE_free>>;
using EssPtr = std::unique_ptr<ESS_SIGNING_CERT_V2,
                               internal::FreeFn<ESS_SIGNING_CERT_V2, ESS_SIGNING_CERT_V2_free>>;
using StorePtr = std::unique_ptr<X509_STORE, internal::FreeFn<X509_STORE, X509_STORE_free>>;
using StoreCtxPtr =
    std::unique_ptr<X509_STORE_CTX, internal::FreeFn<X509_STORE_CTX, X509_STORE_CTX_free>>;
using AsnTimePtr = std::unique_ptr<ASN1_TIME, internal::FreeFn<ASN1_TIME, ASN1_TIME_free>>;

int ContentNid(CmsContentType type) {
  return type == CmsContentType::kTstInfo ? NID_id_smime_ct_TSTInfo : NID_pkcs7_data;
}

// The DER of an OpenSSL object through its i2d function.
template <class T>
Result<Bytes> ToDer(const T* object, int (*i2d)(const T*, unsigned char**), const char* what) {
  const int len = i2d(object, nullptr);
  if (len <= 0) return OpenSslFailure(std::string("encoding ") + what + " failed");
  Bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  if (i2d(object, &p) != len) return OpenSslFailure(std::string("encoding ") + what + " failed");
  return out;
}

int AttributeToDer(const X509_ATTRIBUTE* a, unsigned char** out) {
  return i2d_X509_ATTRIBUTE(const_cast<X509_ATTRIBUTE*>(a), out);
}
int EssToDer(const ESS_SIGNING_CERT_V2* e, unsigned char** out) {
  return i2d_ESS_SIGNING_CERT_V2(e, out);
}
int CmsToDer(const CMS_ContentInfo* c, unsigned char** out) { return i2d_CMS_ContentInfo(c, out); }

// DER's order of SET OF elements: as octet strings, a prefix first (OpenSSL's der_cmp).
bool DerLess(const Bytes& a, const Bytes& b) {
  const int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  return c != 0 ? c < 0 : a.size() < b.size();
}

// Puts the signed attributes of `si` in DER order (so that what the SignerInfo holds, what it
// encodes and what CMS_SignerInfo_verify hashes are the same bytes) and returns their DER
// encoding as the signature input: SET OF Attribute (RFC 5652 §5.4).
Result<Bytes> SortAndEncodeSignedAttributes(CMS_SignerInfo* si) {
  const int count = CMS_signed_get_attr_count(si);
  if (count <= 0) return Internal("the SignerInfo has no signed attributes");
  std::vector<Bytes> encoded;
  for (int i = 0; i < count; ++i) {
    SIGNET_ASSIGN_OR_RETURN(Bytes der, ToDer<X509_ATTRIBUTE>(CMS_signed_get_attr(si, i),
                                                             AttributeToDer, "an attribute"));
    encoded.push_back(std::move(der));
  }
  std::sort(encoded.begin(), encoded.end(), DerLess);
  while (CMS_signed_get_attr_count(si) > 0) X509_ATTRIBUTE_free(CMS_signed_delete_attr(si, 0));
  Bytes content;
  for (const Bytes& der : encoded) {
    const unsigned char* p = der.data();
    AttributePtr attr(d2i_X509_ATTRIBUTE(nullptr, &p, static_cast<long>(der.size())));
    if (!attr || CMS_signed_add1_attr(si, attr.get()) != 1) {
      return OpenSslFailure("re-adding a signed attribute failed");
    }
    content.insert(content.end(), der.begin(), der.end());
  }
  return der::Tlv(der::kSet, content);
}

Status AddSigningCertificateV2(CMS_SignerInfo* si, X509* signer) {
  // SHA-256 (the default of ESSCertIDv2, so its algorithm is left out) and issuerSerial.
  EssPtr ess(OSSL_ESS_signing_cert_v2_new_init(EVP_sha256(), signer, nullptr, 1));
  if (!ess) return OpenSslFailure("building the signing-certificate-v2 attribute failed");
  SIGNET_ASSIGN_OR_RETURN(
      Bytes der, ToDer<ESS_SIGNING_CERT_V2>(ess.get(), EssToDer, "the signing certificate"));
  if (CMS_signed_add1_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2, V_ASN1_SEQUENCE,
                                  der.data(), static_cast<int>(der.size())) != 1) {
    return OpenSslFailure("adding the signing-certificate-v2 attribute failed");
  }
  return Ok();
}

Result<CmsPtr> ParseCms(ByteView der) {
  if (der.empty() || der.size() > static_cast<std::size_t>(LONG_MAX)) {
    return InvalidArgument("not a CMS signature: it is empty");
  }
  const unsigned char* p = der.data();
  CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
  if (!cms) return OpenSslFailure(ErrorCode::kInvalidArgument, "not a CMS signature (DER)");
  if (p != der.data() + der.size()) {
    return InvalidArgument("not a CMS signature: " + std::to_string(der.data() + der.size() - p) +
                           " bytes follow the DER structure");
  }
  if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
    return InvalidArgument("not a CMS signature: the content is not SignedData");
  }
  return cms;
}

Result<CMS_SignerInfo*> OnlySignerInfo(CMS_ContentInfo* cms) {
  STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms);
  const int n = infos == nullptr ? 0 : sk_CMS_SignerInfo_num(infos);
  if (n != 1) {
    return InvalidArgument("not a CMS signature Signet reads: it has " + std::to_string(n) +
                           " SignerInfos; exactly one is supported");
  }
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, 0);
  if (CMS_signed_get_attr_count(si) <= 0) {
    return InvalidArgument("not a CMS signature Signet reads: it has no signed attributes");
  }
  return si;
}

Result<domain::HashAlgorithm> HashOfAlgorithm(const X509_ALGOR* alg, std::string_view what) {
  const ASN1_OBJECT* oid = nullptr;
  X509_ALGOR_get0(&oid, nullptr, nullptr, alg);
  if (auto hash = internal::HashOfNid(OBJ_obj2nid(oid))) return *hash;
  char name[128] = {};
  OBJ_obj2txt(name, sizeof(name), oid, 0);
  return InvalidArgument(std::string(what) + " " + name +
                         " is not supported (SHA-256, SHA-384 or SHA-512)");
}

Result<TimePoint> AsnTimeToTimePoint(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return OpenSslFailure(ErrorCode::kInvalidArgument, "bad time");
  return TimePoint(std::chrono::seconds(timegm(&tm)));
}

// Sets `sig_alg` to id-RSASSA-PSS with explicit parameters for `md`: hashAlgorithm `md`,
// maskGenAlgorithm MGF1(`md`), saltLength = the digest length, trailerField 1 (the default,
// left out). What the Signet server's RSASSA_PSS_* algorithms produce.
Status SetRsaPssAlgorithm(X509_ALGOR* sig_alg, const EVP_MD* md) {
  using PssPtr =
      std::unique_ptr<RSA_PSS_PARAMS, internal::FreeFn<RSA_PSS_PARAMS, RSA_PSS_PARAMS_free>>;
  using AlgPtr = std::unique_ptr<X509_ALGOR, internal::FreeFn<X509_ALGOR, X509_ALGOR_free>>;
  using StrPtr = std::unique_ptr<ASN1_STRING, internal::FreeFn<ASN1_STRING, ASN1_STRING_free>>;
  PssPtr pss(RSA_PSS_PARAMS_new());
  if (!pss) return OpenSslFailure("RSA_PSS_PARAMS_new");
  pss->hashAlgorithm = X509_ALGOR_new();
  pss->maskGenAlgorithm = X509_ALGOR_new();
  pss->saltLength = ASN1_INTEGER_new();
  AlgPtr mgf1_hash(X509_ALGOR_new());
  if (pss->hashAlgorithm == nullptr || pss->maskGenAlgorithm == nullptr ||
      pss->saltLength == nullptr || !mgf1_hash) {
    return OpenSslFailure("allocating the RSASSA-PSS parameters failed");
  }
  X509_ALGOR_set_md(pss->hashAlgorithm, md);
  X509_ALGOR_set_md(mgf1_hash.get(), md);
  StrPtr mgf1_params(ASN1_item_pack(mgf1_hash.get(), ASN1_ITEM_rptr(X509_ALGOR), nullptr));
  if (!mgf1_params || X509_ALGOR_set0(pss->maskGenAlgorithm, OBJ_nid2obj(NID_mgf1), V_ASN1_SEQUENCE,
                                      mgf1_params.get()) != 1) {
    return OpenSslFailure("encoding the MGF1 parameters failed");
  }
  (void)mgf1_params.release();  // owned by maskGenAlgorithm now
  if (ASN1_INTEGER_set(pss->saltLength, EVP_MD_get_size(md)) != 1) {
    return OpenSslFailure("setting the PSS salt length failed");
  }
  StrPtr params(ASN1_item_pack(pss.get(), ASN1_ITEM_rptr(RSA_PSS_PARAMS), nullptr));
  if (!params ||
      X509_ALGOR_set0(sig_alg, OBJ_nid2obj(NID_rsassaPss), V_ASN1_SEQUENCE, params.get()) != 1) {
    return OpenSslFailure("encoding the RSASSA-PSS parameters failed");
  }
  (void)params.release();  // owned by sig_alg now
  return Ok();
}

}  // namespace

Result<Bytes> SignCms(const CmsSignParams& p, const DigestSigner& sign) {
  if (p.signer == nullptr) return InvalidArgument("a CMS signature needs the signer's certificate");
  X509* signer = p.signer->native();
  EVP_PKEY* public_key = X509_get0_pubkey(signer);
  if (public_key == nullptr) return OpenSslFailure("the signer certificate has no public key");
  const EVP_MD* md = internal::Md(p.hash);

  Bytes content_digest;
  if (p.content) {
    content_digest = Digest(p.hash, *p.content);
  } else if (p.content_digest.size() != domain::HashLength(p.hash)) {
    return InvalidArgument("content digest is " + std::to_string(p.content_digest.size()) +
                           " bytes; " + std::string(domain::HashName(p.hash)) + " needs " +
                           std::to_string(domain::HashLength(p.hash)));
  } else {
    content_digest = p.content_digest;
  }

  CmsPtr cms(CMS_ContentInfo_new());
  if (!cms || CMS_SignedData_init(cms.get()) != 1) return OpenSslFailure("CMS_SignedData_init");
  const int content_nid = ContentNid(p.content_type);
  if (content_nid != NID_pkcs7_data &&
      CMS_set1_eContentType(cms.get(), OBJ_nid2obj(content_nid)) != 1) {
    return OpenSslFailure("setting the content type failed");
  }
  // CMS_PARTIAL: the SignerInfo is set up but not signed (the key is elsewhere); the public key
  // stands in for the private one, which CMS_add1_signer only compares with the certificate.
  const unsigned flags = CMS_PARTIAL | CMS_BINARY | CMS_NOSMIMECAP |
                         (p.include_certificates ? 0u : static_cast<unsigned>(CMS_NOCERTS));
  CMS_SignerInfo* si = CMS_add1_signer(cms.get(), signer, public_key, md, flags);
  if (si == nullptr) return OpenSslFailure("adding the signer failed");
  if (p.rsa_pss) {
    if (EVP_PKEY_get_base_id(public_key) != EVP_PKEY_RSA) {
      return InvalidArgument("RSASSA-PSS needs an RSA key; the signer certificate's is not");
    }
    X509_ALGOR* sig_alg = nullptr;
    CMS_SignerInfo_get0_algs(si, nullptr, nullptr, nullptr, &sig_alg);
    if (sig_alg == nullptr) return OpenSslFailure("the SignerInfo has no signature algorithm");
    SIGNET_TRY(SetRsaPssAlgorithm(sig_alg, md));
  }
  if (p.include_certificates) {
    for (const Certificate* c : p.chain) {
      if (c == nullptr || c->Equals(*p.signer)) continue;
      if (CMS_add1_cert(cms.get(), c->native()) != 1) {
        return OpenSslFailure("adding a chain certificate failed");
      }
    }
  }
  internal::ClearOpenSslErrors();

  if (p.content) {
    if (p.content->size() > static_cast<std::size_t>(INT_MAX)) {
      return InvalidArgument("encapsulated content is too large");
    }
    if (CMS_set_detached(cms.get(), 0) != 1) return OpenSslFailure("CMS_set_detached");
    ASN1_OCTET_STRING** pos = CMS_get0_content(cms.get());
    if (pos == nullptr || *pos == nullptr ||
        ASN1_OCTET_STRING_set(*pos, p.content->data(), static_cast<int>(p.content->size())) != 1) {
      return OpenSslFailure("setting the encapsulated content failed");
    }
    (*pos)->flags &= ~ASN1_STRING_FLAG_CONT;  // the content is here, not streamed later
  } else if (CMS_set_detached(cms.get(), 1) != 1) {
    return OpenSslFailure("CMS_set_detached");
  }

  if (CMS_signed_add1_attr_by_NID(si, NID_pkcs9_contentType, V_ASN1_OBJECT,
                                  OBJ_nid2obj(content_nid), -1) != 1) {
    return OpenSslFailure("adding the content-type attribute failed");
  }
  if (p.signing_time) {
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(p.signing_time->time_since_epoch());
    AsnTimePtr t(ASN1_TIME_set(nullptr, static_cast<time_t>(seconds.count())));
    if (!t || CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, ASN1_STRING_type(t.get()),
                                          t.get(), -1) != 1) {
      return OpenSslFailure("adding the signing-time attribute failed");
    }
  }
  if (CMS_signed_add1_attr_by_NID(si, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING,
                                  content_digest.data(),
                                  static_cast<int>(content_digest.size())) != 1) {
    return OpenSslFailure("adding the message-digest attribute failed");
  }
  SIGNET_TRY(AddSigningCertificateV2(si, signer));

  SIGNET_ASSIGN_OR_RETURN(Bytes signed_attributes, SortAndEncodeSignedAttributes(si));
  SIGNET_ASSIGN_OR_RETURN(Bytes signature, sign(p.hash, Digest(p.hash, signed_attributes)));
  if (signature.empty() || signature.size() > static_cast<std::size_t>(INT_MAX) ||
      ASN1_STRING_set(CMS_SignerInfo_get0_signature(si), signature.data(),
                      static_cast<int>(signature.size())) != 1) {
    return OpenSslFailure(ErrorCode::kInvalidArgument, "the signature is empty or unusable");
  }
  if (p.verify && CMS_SignerInfo_verify(si) != 1) {
    internal::ClearOpenSslErrors();
    return InvalidArgument(
        "the signature returned for the signed attributes does not verify "
        "with the signer's certificate");
  }
  // CMS_dataInit settles the version numbers (SignedData v3 for content other than id-data).
  if (BIO* chain = CMS_dataInit(cms.get(), nullptr)) {
    BIO_free_all(chain);
  } else {
    return OpenSslFailure("finishing the SignedData failed");
  }
  return ToDer<CMS_ContentInfo>(cms.get(), CmsToDer, "the CMS signature");
}

Result<CmsSignatureInfo> InspectCms(ByteView der) {
  SIGNET_ASSIGN_OR_RETURN(CmsPtr cms, ParseCms(der));
  SIGNET_ASSIGN_OR_RETURN(CMS_SignerInfo * si, OnlySignerInfo(cms.get()));
  CmsSignatureInfo info;
  X509_ALGOR* digest_alg = nullptr;
  CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &digest_alg, nullptr);
  SIGNET_ASSIGN_OR_RETURN(info.hash, HashOfAlgorithm(digest_alg, "the digest algorithm"));

  if (STACK_OF(X509)* certs = CMS_get1_certs(cms.get())) {
    internal::X509StackPtr owned(certs);
    while (sk_X509_num(certs) > 0)
      info.certificates.push_back(AdoptCertificate(sk_X509_shift(certs)));
  }
  CMS_set1_signers_certs(cms.get(), nullptr, 0);
  X509* signer = nullptr;
  CMS_SignerInfo_get0_algs(si, nullptr, &signer, nullptr, nullptr);
  if (signer != nullptr) {
    X509_up_ref(signer);
    info.signer = AdoptCertificate(signer);
  }
  internal::ClearOpenSslErrors();

  const int time_index = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
  if (time_index >= 0) {
    ASN1_TYPE* t = X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, time_index), 0);
    if (t != nullptr && (t->type == V_ASN1_UTCTIME || t->type == V_ASN1_GENERALIZEDTIME)) {
      SIGNET_ASSIGN_OR_RETURN(info.signing_time, AsnTimeToTimePoint(t->value.utctime));
    }
  }
  const ASN1_OCTET_STRING* sig = CMS_SignerInfo_get0_signature(si);
  info.signature.assign(ASN1_STRING_get0_data(sig),
                        ASN1_STRING_get0_data(sig) + ASN1_STRING_length(sig));
  const int token_index = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1);
  if (token_index >= 0) {
    ASN1_TYPE* t = X509_ATTRIBUTE_get0_type(CMS_unsigned_get_attr(si, token_index), 0);
    if (t == nullptr || t->type != V_ASN1_SEQUENCE) {
      return InvalidArgument("the CMS signature's timestamp attribute is not a token");
    }
    info.timestamp_token =
        Bytes(ASN1_STRING_get0_data(t->value.sequence),
              ASN1_STRING_get0_data(t->value.sequence) + ASN1_STRING_length(t->value.sequence));
  }
  info.detached = CMS_is_detached(cms.get()) == 1;
  internal::ClearOpenSslErrors();
  return info;
}

Status VerifyCms(ByteView der, ByteView content_digest, const Certificate* signer) {
  SIGNET_ASSIGN_OR_RETURN(CmsPtr cms, ParseCms(der));
  SIGNET_ASSIGN_OR_RETURN(CMS_SignerInfo * si, OnlySignerInfo(cms.get()));
  if (signer != nullptr) {
    if (CMS_SignerInfo_cert_cmp(si, signer->native()) != 0) {
      return InvalidArgument("the CMS signature was not made with the given certificate");
    }
    CMS_SignerInfo_set1_signer_cert(si, signer->native());
  } else {
    CMS_set1_signers_certs(cms.get(), nullptr, 0);
    X509* found = nullptr;
    CMS_SignerInfo_get0_algs(si, nullptr, &found, nullptr, nullptr);
    if (found == nullptr) {
      internal::ClearOpenSslErrors();
      return InvalidArgument("the signer's certificate is not in the CMS signature");
    }
  }
  const auto* md = static_cast<const ASN1_OCTET_STRING*>(CMS_signed_get0_data_by_OBJ(
      si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING));
  if (md == nullptr) {
    internal::ClearOpenSslErrors();
    return InvalidArgument("the CMS signature has no message-digest attribute");
  }
  const ByteView stored(ASN1_STRING_get0_data(md),
                        static_cast<std::size_t>(ASN1_STRING_length(md)));
  if (stored.size() != content_digest.size() ||
      std::memcmp(stored.data(), content_digest.data(), stored.size()) != 0) {
    return InvalidArgument("the content does not match the signature (message digest differs)");
  }
  if (CMS_SignerInfo_verify(si) != 1) {
    internal::ClearOpenSslErrors();
    return InvalidArgument("the signature does not verify with the signer's certificate");
  }
  return Ok();
}

Result<Bytes> AddCmsTimestamp(ByteView der, ByteView token) {
  SIGNET_ASSIGN_OR_RETURN(CmsPtr cms, ParseCms(der));
  SIGNET_ASSIGN_OR_RETURN(CMS_SignerInfo * si, OnlySignerInfo(cms.get()));
  if (CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1) >= 0) {
    return InvalidArgument("the CMS signature already carries a timestamp");
  }
  SIGNET_ASSIGN_OR_RETURN(der::Element element, der::ReadElement(token));
  if (element.tag != der::kSequence || element.whole.size() != token.size()) {
    return InvalidArgument("the timestamp token is not one DER SEQUENCE");
  }
  if (CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE,
                                    token.data(), static_cast<int>(token.size())) != 1) {
    return OpenSslFailure("adding the timestamp attribute failed");
  }
  return ToDer<CMS_ContentInfo>(cms.get(), CmsToDer, "the CMS signature");
}

Status VerifyCertificateChain(const Certificate& leaf,
                              const std::vector<Certificate>& intermediates,
                              const std::vector<Certificate>& roots, std::string_view purpose,
                              std::optional<TimePoint> at) {
  int purpose_id = X509_PURPOSE_ANY;
  if (purpose == "timeStamping") {
    purpose_id = X509_PURPOSE_TIMESTAMP_SIGN;
  } else if (purpose == "codeSigning") {
    SIGNET_ASSIGN_OR_RETURN(CertificateInfo info, leaf.Info());
    const auto& ekus = info.extended_key_usages;
    if (!ekus.empty() && std::find(ekus.begin(), ekus.end(), "codeSigning") == ekus.end() &&
        std::find(ekus.begin(), ekus.end(), "anyExtendedKeyUsage") == ekus.end()) {
      return InvalidArgument("certificate " + info.subject + " is not for code signing");
    }
  } else if (purpose != "any") {
    return InvalidArgument("unknown certificate purpose '" + std::string(purpose) + "'");
  }
  if (roots.empty()) return InvalidArgument("no trusted root certificate was given");
  StorePtr store(X509_STORE_new());
  if (!store) return OpenSslFailure("X509_STORE_new");
  for (const Certificate& root : roots) {
    if (X509_STORE_add_cert(store.get(), root.native()) != 1) internal::ClearOpenSslErrors();
  }
  internal::X509StackPtr untrusted(sk_X509_new_null());
  if (!untrusted) return OpenSslFailure("sk_X509_new_null");
  for (const Certificate& c : intermediates) {
    if (sk_X509_push(untrusted.get(), c.native()) <= 0) return OpenSslFailure("sk_X509_push");
    X509_up_ref(c.native());
  }
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), leaf.native(), untrusted.get()) != 1) {
    return OpenSslFailure("X509_STORE_CTX_init");
  }
  if (X509_STORE_CTX_set_purpose(ctx.get(), purpose_id) != 1) {
    return OpenSslFailure("X509_STORE_CTX_set_purpose");
  }
  if (at) {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(at->time_since_epoch());
    X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()),
                               static_cast<time_t>(seconds.count()));
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    const int err = X509_STORE_CTX_get_error(ctx.get());
    X509* bad = X509_STORE_CTX_get_current_cert(ctx.get());
    std::string subject;
    if (bad != nullptr) {
      char buf[256] = {};
      X509_NAME_oneline(X509_get_subject_name(bad), buf, sizeof(buf));
      subject = std::string(" (") + buf + ")";
    }
    internal::ClearOpenSslErrors();
    return InvalidArgument(std::string("certificate chain does not verify: ") +
                           X509_verify_cert_error_string(err) + subject);
  }
  return Ok();
}

}  // namespace signet::crypto
