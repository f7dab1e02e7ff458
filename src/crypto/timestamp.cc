#include "crypto/timestamp.h"

#include <climits>
#include <cstdio>
#include <cstring>
#include <ctime>

#include <openssl/cms.h>
#include <openssl/ess.h>
#include <openssl/ts.h>

#include "crypto/der.h"
#include "crypto/digest.h"
#include "crypto/openssl_util.h"
#include "crypto/random.h"

namespace signet::crypto {

using internal::OpenSslFailure;

namespace {

using TsReqPtr = std::unique_ptr<TS_REQ, internal::FreeFn<TS_REQ, TS_REQ_free>>;
using TsRespPtr = std::unique_ptr<TS_RESP, internal::FreeFn<TS_RESP, TS_RESP_free>>;
using TstInfoPtr = std::unique_ptr<TS_TST_INFO, internal::FreeFn<TS_TST_INFO, TS_TST_INFO_free>>;
using MsgImprintPtr =
    std::unique_ptr<TS_MSG_IMPRINT, internal::FreeFn<TS_MSG_IMPRINT, TS_MSG_IMPRINT_free>>;
using AccuracyPtr = std::unique_ptr<TS_ACCURACY, internal::FreeFn<TS_ACCURACY, TS_ACCURACY_free>>;
using ObjectPtr = std::unique_ptr<ASN1_OBJECT, internal::FreeFn<ASN1_OBJECT, ASN1_OBJECT_free>>;
using AlgorPtr = std::unique_ptr<X509_ALGOR, internal::FreeFn<X509_ALGOR, X509_ALGOR_free>>;
using GenTimePtr =
    std::unique_ptr<ASN1_GENERALIZEDTIME,
                    internal::FreeFn<ASN1_GENERALIZEDTIME, ASN1_GENERALIZEDTIME_free>>;
using GeneralNamePtr =
    std::unique_ptr<GENERAL_NAME, internal::FreeFn<GENERAL_NAME, GENERAL_NAME_free>>;
using CmsPtr =
    std::unique_ptr<CMS_ContentInfo, internal::FreeFn<CMS_ContentInfo, CMS_ContentInfo_free>>;
using EssV1Ptr =
    std::unique_ptr<ESS_SIGNING_CERT, internal::FreeFn<ESS_SIGNING_CERT, ESS_SIGNING_CERT_free>>;
using EssV2Ptr = std::unique_ptr<ESS_SIGNING_CERT_V2,
                                 internal::FreeFn<ESS_SIGNING_CERT_V2, ESS_SIGNING_CERT_V2_free>>;

tl::unexpected<TsaRefusal> Refuse(TsaFailure failure, std::string text) {
  internal::ClearOpenSslErrors();
  return tl::unexpected<TsaRefusal>(TsaRefusal{failure, std::move(text)});
}

template <class T>
Result<Bytes> ToDer(T* object, int (*i2d)(T*, unsigned char**), const char* what) {
  const int len = i2d(object, nullptr);
  if (len <= 0) return OpenSslFailure(std::string("encoding ") + what + " failed");
  Bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  if (i2d(object, &p) != len) return OpenSslFailure(std::string("encoding ") + what + " failed");
  return out;
}
int IntegerToDer(ASN1_INTEGER* i, unsigned char** out) { return i2d_ASN1_INTEGER(i, out); }
int ImprintToDer(TS_MSG_IMPRINT* m, unsigned char** out) { return i2d_TS_MSG_IMPRINT(m, out); }
int TstInfoToDer(TS_TST_INFO* t, unsigned char** out) { return i2d_TS_TST_INFO(t, out); }
int RequestToDer(TS_REQ* r, unsigned char** out) { return i2d_TS_REQ(r, out); }

std::string ObjectText(const ASN1_OBJECT* obj) {
  char buf[256] = {};
  OBJ_obj2txt(buf, sizeof(buf), obj, 1);
  return buf;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "20261127135816.123Z": GeneralizedTime in UTC with milliseconds; DER drops trailing zeros of
// the fraction and a fraction of zero altogether (X.690 §11.7).
std::string GeneralizedTime(TimePoint t) {
  const auto ms = t.time_since_epoch().count();
  const std::time_t seconds = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  int frac = static_cast<int>(ms - static_cast<long long>(seconds) * 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d%02d%02d%02d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  std::string out = buf;
  if (frac > 0) {
    char f[16];
    std::snprintf(f, sizeof(f), "%03d", frac % 1000);
    std::string digits = f;
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    out += "." + digits;
  }
  return out + "Z";
}

// Reads GeneralizedTime "YYYYMMDDhhmmss[.f+]Z" (what RFC 3161 allows) to milliseconds.
Result<TimePoint> ParseGeneralizedTime(const ASN1_GENERALIZEDTIME* t) {
  const std::string s(reinterpret_cast<const char*>(ASN1_STRING_get0_data(t)),
                      static_cast<std::size_t>(ASN1_STRING_length(t)));
  if (s.size() < 15 || s.back() != 'Z') return InvalidArgument("genTime '" + s + "' is not UTC");
  std::tm tm{};
  if (std::sscanf(s.c_str(), "%4d%2d%2d%2d%2d%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
    return InvalidArgument("genTime '" + s + "' is malformed");
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  long long ms = static_cast<long long>(timegm(&tm)) * 1000;
  if (s.size() > 15 && s[14] == '.') {
    int scale = 100;
    for (std::size_t i = 15; i + 1 < s.size() && scale > 0; ++i, scale /= 10) {
      if (s[i] < '0' || s[i] > '9') return InvalidArgument("genTime '" + s + "' is malformed");
      ms += (s[i] - '0') * scale;
    }
  }
  return TimePoint(Millis(ms));
}

Result<internal::AsnIntegerPtr> IntegerFromDer(ByteView der) {
  const unsigned char* p = der.data();
  ASN1_INTEGER* i = d2i_ASN1_INTEGER(nullptr, &p, static_cast<long>(der.size()));
  if (i == nullptr || p != der.data() + der.size()) {
    ASN1_INTEGER_free(i);
    return OpenSslFailure(ErrorCode::kInvalidArgument, "not a DER INTEGER");
  }
  return internal::AsnIntegerPtr(i);
}

Result<Bytes> HashImprintDer(domain::HashAlgorithm hash, ByteView imprint) {
  MsgImprintPtr mi(TS_MSG_IMPRINT_new());
  AlgorPtr alg(X509_ALGOR_new());
  if (!mi || !alg) return OpenSslFailure("allocating the message imprint failed");
  X509_ALGOR_set_md(alg.get(), internal::Md(hash));
  if (TS_MSG_IMPRINT_set_algo(mi.get(), alg.get()) != 1 ||
      TS_MSG_IMPRINT_set_msg(mi.get(), const_cast<unsigned char*>(imprint.data()),
                             static_cast<int>(imprint.size())) != 1) {
    return OpenSslFailure("building the message imprint failed");
  }
  return ToDer<TS_MSG_IMPRINT>(mi.get(), ImprintToDer, "the message imprint");
}

Result<TstInfo> ReadTstInfo(TS_TST_INFO* tst) {
  TstInfo info;
  if (TS_TST_INFO_get_version(tst) != 1) return InvalidArgument("the TSTInfo is not version 1");
  info.policy_oid = ObjectText(TS_TST_INFO_get_policy_id(tst));
  const ASN1_INTEGER* serial = TS_TST_INFO_get_serial(tst);
  internal::BignumPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
  if (!bn) return OpenSslFailure(ErrorCode::kInvalidArgument, "the serial number is unreadable");
  info.serial.resize(static_cast<std::size_t>(BN_num_bytes(bn.get())));
  BN_bn2bin(bn.get(), info.serial.data());
  internal::OpenSslPtr<char> hex(BN_bn2hex(bn.get()));
  info.serial_hex = hex ? Lower(hex.get()) : "";
  if (info.serial_hex.size() > 1 && info.serial_hex.front() == '0') {
    info.serial_hex.erase(0, info.serial_hex.find_first_not_of('0'));
  }
  SIGNET_ASSIGN_OR_RETURN(info.gen_time, ParseGeneralizedTime(TS_TST_INFO_get_time(tst)));
  TS_MSG_IMPRINT* mi = TS_TST_INFO_get_msg_imprint(tst);
  const ASN1_OBJECT* alg = nullptr;
  X509_ALGOR_get0(&alg, nullptr, nullptr, TS_MSG_IMPRINT_get_algo(mi));
  auto hash = internal::HashOfNid(OBJ_obj2nid(alg));
  if (!hash)
    return InvalidArgument("the token's imprint algorithm " + ObjectText(alg) +
                           " is not supported");
  info.hash = *hash;
  const ASN1_OCTET_STRING* msg = TS_MSG_IMPRINT_get_msg(mi);
  info.imprint.assign(ASN1_STRING_get0_data(msg),
                      ASN1_STRING_get0_data(msg) + ASN1_STRING_length(msg));
  if (const ASN1_INTEGER* nonce = TS_TST_INFO_get_nonce(tst)) {
    SIGNET_ASSIGN_OR_RETURN(info.nonce_der, ToDer<ASN1_INTEGER>(const_cast<ASN1_INTEGER*>(nonce),
                                                                IntegerToDer, "the nonce"));
  }
  if (TS_ACCURACY* acc = TS_TST_INFO_get_accuracy(tst)) {
    long long ms = 0;
    if (const ASN1_INTEGER* s = TS_ACCURACY_get_seconds(acc)) ms += ASN1_INTEGER_get(s) * 1000;
    if (const ASN1_INTEGER* m = TS_ACCURACY_get_millis(acc)) ms += ASN1_INTEGER_get(m);
    if (const ASN1_INTEGER* u = TS_ACCURACY_get_micros(acc)) ms += ASN1_INTEGER_get(u) > 0 ? 1 : 0;
    info.accuracy = Millis(ms);
  }
  if (GENERAL_NAME* tsa = TS_TST_INFO_get_tsa(tst); tsa != nullptr && tsa->type == GEN_DIRNAME) {
    info.tsa_name = internal::NameToString(tsa->d.directoryName);
  }
  internal::ClearOpenSslErrors();
  return info;
}

Result<CmsPtr> ParseToken(ByteView token) {
  if (token.empty() || token.size() > static_cast<std::size_t>(LONG_MAX)) {
    return InvalidArgument("the timestamp token is empty");
  }
  const unsigned char* p = token.data();
  CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(token.size())));
  if (!cms || p != token.data() + token.size()) {
    return OpenSslFailure(ErrorCode::kInvalidArgument,
                          "the timestamp token is not a DER CMS structure");
  }
  if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed ||
      OBJ_obj2nid(CMS_get0_eContentType(cms.get())) != NID_id_smime_ct_TSTInfo) {
    return InvalidArgument("the timestamp token is not a SignedData of a TSTInfo");
  }
  return cms;
}

Result<TstInfo> TstInfoOfContent(ByteView content) {
  const unsigned char* p = content.data();
  TstInfoPtr tst(d2i_TS_TST_INFO(nullptr, &p, static_cast<long>(content.size())));
  if (!tst || p != content.data() + content.size()) {
    return OpenSslFailure(ErrorCode::kInvalidArgument, "the token's TSTInfo is malformed");
  }
  return ReadTstInfo(tst.get());
}

Result<TstInfo> TstInfoOfToken(CMS_ContentInfo* cms) {
  ASN1_OCTET_STRING** content = CMS_get0_content(cms);
  if (content == nullptr || *content == nullptr) {
    return InvalidArgument("the timestamp token has no TSTInfo");
  }
  return TstInfoOfContent(ByteView(ASN1_STRING_get0_data(*content),
                                   static_cast<std::size_t>(ASN1_STRING_length(*content))));
}

}  // namespace

std::string_view TsaFailureName(TsaFailure failure) {
  switch (failure) {
    case TsaFailure::kBadAlg:
      return "badAlg";
    case TsaFailure::kBadRequest:
      return "badRequest";
    case TsaFailure::kBadDataFormat:
      return "badDataFormat";
    case TsaFailure::kTimeNotAvailable:
      return "timeNotAvailable";
    case TsaFailure::kUnacceptedPolicy:
      return "unacceptedPolicy";
    case TsaFailure::kUnacceptedExtension:
      return "unacceptedExtension";
    case TsaFailure::kAddInfoNotAvailable:
      return "addInfoNotAvailable";
    case TsaFailure::kSystemFailure:
      return "systemFailure";
  }
  return "systemFailure";
}

std::string NonceHex(ByteView nonce_der) {
  if (nonce_der.empty()) return "";
  auto element = der::ReadElement(nonce_der);
  if (!element) return "";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t b : element->content) {
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  return out;
}

bool IsDottedOid(std::string_view oid) {
  if (oid.empty() || oid.size() > 200) return false;
  // Digits and single dots only, at least two arcs: OBJ_txt2obj alone also takes names.
  bool digit = false;
  int dots = 0;
  for (char c : oid) {
    if (c >= '0' && c <= '9') {
      digit = true;
    } else if (c == '.' && digit) {
      digit = false;
      ++dots;
    } else {
      return false;
    }
  }
  if (!digit || dots < 1 || oid[0] > '2') return false;
  ObjectPtr obj(OBJ_txt2obj(std::string(oid).c_str(), 1));
  internal::ClearOpenSslErrors();
  return obj != nullptr;
}

tl::expected<TimestampQuery, TsaRefusal> ParseTimestampQuery(ByteView der) {
  if (der.empty()) {
    return Refuse(TsaFailure::kBadDataFormat,
                  "the request body is empty; send a DER TimeStampReq (RFC 3161)");
  }
  auto element = der::ReadElement(der);
  if (!element || element->tag != der::kSequence) {
    return Refuse(TsaFailure::kBadDataFormat,
                  std::string("the request is not a DER TimeStampReq (RFC 3161)") +
                      (element ? "" : ": " + element.error().message));
  }
  if (element->whole.size() != der.size()) {
    return Refuse(TsaFailure::kBadDataFormat, std::to_string(der.size() - element->whole.size()) +
                                                  " bytes follow the TimeStampReq");
  }
  const unsigned char* p = der.data();
  TsReqPtr req(d2i_TS_REQ(nullptr, &p, static_cast<long>(der.size())));
  if (!req || p != der.data() + der.size()) {
    return Refuse(TsaFailure::kBadDataFormat, "the request is not a valid TimeStampReq (RFC 3161)");
  }
  TimestampQuery q;
  if (const long version = TS_REQ_get_version(req.get()); version != 1) {
    return Refuse(TsaFailure::kBadRequest, "TimeStampReq version " + std::to_string(version) +
                                               " is not supported; the version is 1");
  }
  TS_MSG_IMPRINT* mi = TS_REQ_get_msg_imprint(req.get());
  const ASN1_OBJECT* alg = nullptr;
  int param_type = V_ASN1_UNDEF;
  X509_ALGOR_get0(&alg, &param_type, nullptr, TS_MSG_IMPRINT_get_algo(mi));
  const int nid = OBJ_obj2nid(alg);
  if (nid == NID_sha1) {
    return Refuse(TsaFailure::kBadAlg,
                  "SHA-1 message imprints are refused; use SHA-256, SHA-384 or SHA-512");
  }
  const auto hash = internal::HashOfNid(nid);
  if (!hash) {
    const char* name = OBJ_nid2sn(nid);
    return Refuse(TsaFailure::kBadAlg,
                  "message imprint algorithm " +
                      (nid != NID_undef && name ? std::string(name) : ObjectText(alg)) +
                      " is not supported; use SHA-256, SHA-384 or SHA-512");
  }
  if (param_type != V_ASN1_UNDEF && param_type != V_ASN1_NULL) {
    return Refuse(TsaFailure::kBadAlg, "the hash algorithm's parameters must be absent or NULL");
  }
  q.hash = *hash;
  const ASN1_OCTET_STRING* msg = TS_MSG_IMPRINT_get_msg(mi);
  q.imprint.assign(ASN1_STRING_get0_data(msg),
                   ASN1_STRING_get0_data(msg) + ASN1_STRING_length(msg));
  if (q.imprint.size() != domain::HashLength(q.hash)) {
    return Refuse(TsaFailure::kBadDataFormat,
                  "the message imprint is " + std::to_string(q.imprint.size()) + " bytes; " +
                      std::string(domain::HashName(q.hash)) + " needs " +
                      std::to_string(domain::HashLength(q.hash)));
  }
  if (const ASN1_OBJECT* policy = TS_REQ_get_policy_id(req.get())) {
    q.policy_oid = ObjectText(policy);
  }
  if (const ASN1_INTEGER* nonce = TS_REQ_get_nonce(req.get())) {
    auto der_nonce =
        ToDer<ASN1_INTEGER>(const_cast<ASN1_INTEGER*>(nonce), IntegerToDer, "the nonce");
    if (!der_nonce) return Refuse(TsaFailure::kBadDataFormat, "the nonce is unreadable");
    auto nonce_element = der::ReadElement(*der_nonce);
    if (!nonce_element || nonce_element->content.size() > kMaxNonceBytes) {
      return Refuse(TsaFailure::kBadRequest,
                    "the nonce is longer than " + std::to_string(kMaxNonceBytes) + " bytes");
    }
    q.nonce_der = std::move(*der_nonce);
  }
  q.cert_req = TS_REQ_get_cert_req(req.get()) != 0;
  for (int i = 0; i < TS_REQ_get_ext_count(req.get()); ++i) {
    X509_EXTENSION* ext = TS_REQ_get_ext(req.get(), i);
    if (X509_EXTENSION_get_critical(ext)) {
      return Refuse(TsaFailure::kUnacceptedExtension,
                    "the critical extension " + ObjectText(X509_EXTENSION_get_object(ext)) +
                        " is not supported");
    }
  }
  auto imprint_der = ToDer<TS_MSG_IMPRINT>(mi, ImprintToDer, "the message imprint");
  if (!imprint_der) return Refuse(TsaFailure::kBadDataFormat, "the message imprint is unreadable");
  q.message_imprint_der = std::move(*imprint_der);
  internal::ClearOpenSslErrors();
  return q;
}

Result<Bytes> RandomNonce() {
  SIGNET_ASSIGN_OR_RETURN(Bytes bytes, RandomBytes(8));
  bytes[0] &= 0x7f;  // positive
  if (bytes[0] == 0) bytes[0] = 0x01;
  return der::Tlv(der::kInteger, bytes);
}

Result<Bytes> EncodeTimestampQuery(const TimestampQuery& query) {
  if (query.imprint.size() != domain::HashLength(query.hash)) {
    return InvalidArgument("the message imprint is " + std::to_string(query.imprint.size()) +
                           " bytes; " + std::string(domain::HashName(query.hash)) + " needs " +
                           std::to_string(domain::HashLength(query.hash)));
  }
  TsReqPtr req(TS_REQ_new());
  if (!req || TS_REQ_set_version(req.get(), 1) != 1) return OpenSslFailure("TS_REQ_new");
  SIGNET_ASSIGN_OR_RETURN(Bytes imprint_der, HashImprintDer(query.hash, query.imprint));
  const unsigned char* p = imprint_der.data();
  MsgImprintPtr mi(d2i_TS_MSG_IMPRINT(nullptr, &p, static_cast<long>(imprint_der.size())));
  if (!mi || TS_REQ_set_msg_imprint(req.get(), mi.get()) != 1) {
    return OpenSslFailure("setting the message imprint failed");
  }
  if (query.policy_oid) {
    if (!IsDottedOid(*query.policy_oid)) {
      return InvalidArgument("policy '" + *query.policy_oid + "' is not a dotted OID");
    }
    ObjectPtr policy(OBJ_txt2obj(query.policy_oid->c_str(), 1));
    if (!policy || TS_REQ_set_policy_id(req.get(), policy.get()) != 1) {
      return OpenSslFailure("setting the policy failed");
    }
  }
  if (!query.nonce_der.empty()) {
    SIGNET_ASSIGN_OR_RETURN(auto nonce, IntegerFromDer(query.nonce_der));
    if (TS_REQ_set_nonce(req.get(), nonce.get()) != 1)
      return OpenSslFailure("setting the nonce failed");
  }
  if (TS_REQ_set_cert_req(req.get(), query.cert_req ? 1 : 0) != 1) {
    return OpenSslFailure("setting certReq failed");
  }
  return ToDer<TS_REQ>(req.get(), RequestToDer, "the TimeStampReq");
}

Result<Bytes> IssueTimestamp(const TimestampIssue& in, const DigestSigner& sign) {
  if (in.query == nullptr || in.tsa_certificate == nullptr) {
    return InvalidArgument("a timestamp needs the query and the TSA certificate");
  }
  const TimestampQuery& q = *in.query;
  if (in.serial.empty() || in.serial.size() > 20 || (in.serial[0] & 0x80) != 0) {
    return InvalidArgument("the serial number must be 1 to 20 bytes and positive");
  }
  if (!IsDottedOid(in.policy_oid)) {
    return InvalidArgument("policy '" + in.policy_oid + "' is not a dotted OID");
  }
  TstInfoPtr tst(TS_TST_INFO_new());
  if (!tst || TS_TST_INFO_set_version(tst.get(), 1) != 1) return OpenSslFailure("TS_TST_INFO_new");

  ObjectPtr policy(OBJ_txt2obj(in.policy_oid.c_str(), 1));
  if (!policy || TS_TST_INFO_set_policy_id(tst.get(), policy.get()) != 1) {
    return OpenSslFailure("setting the policy failed");
  }

  Bytes imprint_der = q.message_imprint_der;
  if (imprint_der.empty()) {
    SIGNET_ASSIGN_OR_RETURN(imprint_der, HashImprintDer(q.hash, q.imprint));
  }
  const unsigned char* p = imprint_der.data();
  MsgImprintPtr mi(d2i_TS_MSG_IMPRINT(nullptr, &p, static_cast<long>(imprint_der.size())));
  if (!mi || TS_TST_INFO_set_msg_imprint(tst.get(), mi.get()) != 1) {
    return OpenSslFailure("setting the message imprint failed");
  }

  internal::BignumPtr serial_bn(
      BN_bin2bn(in.serial.data(), static_cast<int>(in.serial.size()), nullptr));
  internal::AsnIntegerPtr serial(serial_bn ? BN_to_ASN1_INTEGER(serial_bn.get(), nullptr)
                                           : nullptr);
  if (!serial || TS_TST_INFO_set_serial(tst.get(), serial.get()) != 1) {
    return OpenSslFailure("setting the serial number failed");
  }

  GenTimePtr gen_time(ASN1_GENERALIZEDTIME_new());
  if (!gen_time ||
      ASN1_GENERALIZEDTIME_set_string(gen_time.get(), GeneralizedTime(in.gen_time).c_str()) != 1 ||
      TS_TST_INFO_set_time(tst.get(), gen_time.get()) != 1) {
    return OpenSslFailure("setting genTime failed");
  }

  if (in.accuracy && in.accuracy->count() > 0) {
    AccuracyPtr accuracy(TS_ACCURACY_new());
    if (!accuracy) return OpenSslFailure("TS_ACCURACY_new");
    const long long ms = in.accuracy->count();
    if (ms / 1000 > 0) {
      internal::AsnIntegerPtr s(ASN1_INTEGER_new());
      if (!s || ASN1_INTEGER_set_int64(s.get(), ms / 1000) != 1 ||
          TS_ACCURACY_set_seconds(accuracy.get(), s.get()) != 1) {
        return OpenSslFailure("setting the accuracy failed");
      }
    }
    if (ms % 1000 > 0) {
      internal::AsnIntegerPtr m(ASN1_INTEGER_new());
      if (!m || ASN1_INTEGER_set_int64(m.get(), ms % 1000) != 1 ||
          TS_ACCURACY_set_millis(accuracy.get(), m.get()) != 1) {
        return OpenSslFailure("setting the accuracy failed");
      }
    }
    if (TS_TST_INFO_set_accuracy(tst.get(), accuracy.get()) != 1) {
      return OpenSslFailure("setting the accuracy failed");
    }
  }

  if (!q.nonce_der.empty()) {
    SIGNET_ASSIGN_OR_RETURN(auto nonce, IntegerFromDer(q.nonce_der));
    if (TS_TST_INFO_set_nonce(tst.get(), nonce.get()) != 1)
      return OpenSslFailure("setting the nonce failed");
  }

  // The tsa field names the TSA as its certificate's subject (verifiers compare the two).
  GeneralNamePtr tsa_name(GENERAL_NAME_new());
  X509_NAME* subject = X509_NAME_dup(X509_get_subject_name(in.tsa_certificate->native()));
  if (!tsa_name || subject == nullptr) {
    X509_NAME_free(subject);
    return OpenSslFailure("naming the TSA failed");
  }
  GENERAL_NAME_set0_value(tsa_name.get(), GEN_DIRNAME, subject);
  if (TS_TST_INFO_set_tsa(tst.get(), tsa_name.get()) != 1)
    return OpenSslFailure("naming the TSA failed");

  SIGNET_ASSIGN_OR_RETURN(Bytes tst_der,
                          ToDer<TS_TST_INFO>(tst.get(), TstInfoToDer, "the TSTInfo"));

  CmsSignParams params;
  params.signer = in.tsa_certificate;
  params.chain = in.chain;
  params.include_certificates = q.cert_req;
  params.hash = in.hash;
  params.content_type = CmsContentType::kTstInfo;
  params.content = std::move(tst_der);
  params.verify = false;
  SIGNET_ASSIGN_OR_RETURN(Bytes token, SignCms(params, sign));

  // SEQUENCE { PKIStatusInfo, token }. OpenSSL builds PKIStatusInfo only inside
  // TS_RESP_create_response (TS_STATUS_INFO is opaque and has no text/failInfo setters), and
  // that needs the private key in-process; so the two small wrappers are written here, and the
  // token goes in as the exact bytes that were signed.
  Bytes body =
      der::Tlv(der::kSequence, der::SmallInteger(static_cast<unsigned>(TsaStatus::kGranted)));
  body.insert(body.end(), token.begin(), token.end());
  return der::Tlv(der::kSequence, body);
}

Bytes TimestampRejection(TsaFailure failure, std::string_view text) {
  Bytes status_info = der::SmallInteger(static_cast<unsigned>(TsaStatus::kRejection));
  if (!text.empty()) {
    const Bytes utf8 = der::Tlv(der::kUtf8String, AsBytes(text));
    der::AppendTlv(status_info, der::kSequence, utf8);
  }
  const Bytes bit = der::NamedBit(static_cast<unsigned>(failure));
  status_info.insert(status_info.end(), bit.begin(), bit.end());
  return der::Tlv(der::kSequence, der::Tlv(der::kSequence, status_info));
}

Result<TimestampResponse> ParseTimestampResponse(ByteView der) {
  auto outer = der::ReadElement(der);
  if (!outer || outer->tag != der::kSequence || outer->whole.size() != der.size()) {
    return InvalidArgument("not a timestamp reply: the answer is not one DER TimeStampResp");
  }
  const unsigned char* p = der.data();
  TsRespPtr resp(d2i_TS_RESP(nullptr, &p, static_cast<long>(der.size())));
  if (!resp) {
    return OpenSslFailure(ErrorCode::kInvalidArgument, "not a timestamp reply (TimeStampResp)");
  }
  TimestampResponse out;
  TS_STATUS_INFO* status = TS_RESP_get_status_info(resp.get());
  const long code = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(status));
  if (code < 0 || code > 5) return InvalidArgument("the timestamp reply has an unknown status");
  out.status = static_cast<TsaStatus>(code);
  if (const ASN1_BIT_STRING* bits = TS_STATUS_INFO_get0_failure_info(status)) {
    for (TsaFailure f : {TsaFailure::kBadAlg, TsaFailure::kBadRequest, TsaFailure::kBadDataFormat,
                         TsaFailure::kTimeNotAvailable, TsaFailure::kUnacceptedPolicy,
                         TsaFailure::kUnacceptedExtension, TsaFailure::kAddInfoNotAvailable,
                         TsaFailure::kSystemFailure}) {
      if (ASN1_BIT_STRING_get_bit(bits, static_cast<int>(f))) out.failures.push_back(f);
    }
  }
  if (const STACK_OF(ASN1_UTF8STRING)* texts = TS_STATUS_INFO_get0_text(status)) {
    for (int i = 0; i < sk_ASN1_UTF8STRING_num(texts); ++i) {
      const ASN1_UTF8STRING* t = sk_ASN1_UTF8STRING_value(texts, i);
      if (!out.status_text.empty()) out.status_text += "; ";
      out.status_text.append(reinterpret_cast<const char*>(ASN1_STRING_get0_data(t)),
                             static_cast<std::size_t>(ASN1_STRING_length(t)));
    }
  }
  // The token's exact bytes: the element after the PKIStatusInfo.
  SIGNET_ASSIGN_OR_RETURN(der::Element status_element, der::ReadElement(outer->content));
  const ByteView rest = outer->content.subspan(status_element.whole.size());
  if (!rest.empty()) {
    SIGNET_ASSIGN_OR_RETURN(der::Element token, der::ReadElement(rest));
    out.token.assign(token.whole.begin(), token.whole.end());
    SIGNET_ASSIGN_OR_RETURN(CmsPtr cms, ParseToken(out.token));
    SIGNET_ASSIGN_OR_RETURN(out.info, TstInfoOfToken(cms.get()));
  }
  internal::ClearOpenSslErrors();
  return out;
}

Result<VerifiedTimestamp> VerifyTimestampToken(ByteView token, ByteView data,
                                               const std::vector<Certificate>* roots,
                                               const std::vector<Certificate>& extra_certs) {
  SIGNET_ASSIGN_OR_RETURN(CmsPtr cms, ParseToken(token));
  internal::X509StackPtr extra(sk_X509_new_null());
  if (!extra) return OpenSslFailure("sk_X509_new_null");
  for (const Certificate& c : extra_certs) {
    if (sk_X509_push(extra.get(), c.native()) <= 0) return OpenSslFailure("sk_X509_push");
    X509_up_ref(c.native());
  }
  // Signature and message digest over the TSTInfo; the chain is checked below.
  internal::BioPtr out(BIO_new(BIO_s_mem()));
  if (!out) return OpenSslFailure("BIO_new");
  if (CMS_verify(cms.get(), extra.get(), nullptr, nullptr, out.get(),
                 CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) != 1) {
    return OpenSslFailure(ErrorCode::kInvalidArgument,
                          "the timestamp token's signature does not verify");
  }
  const std::string content = internal::BioToString(out.get());
  SIGNET_ASSIGN_OR_RETURN(TstInfo info, TstInfoOfContent(AsBytes(content)));
  if (Digest(info.hash, data) != info.imprint) {
    return InvalidArgument("the timestamp token is for other data (message imprint differs)");
  }

  STACK_OF(X509)* signers = CMS_get0_signers(cms.get());
  if (signers == nullptr || sk_X509_num(signers) != 1) {
    sk_X509_free(signers);
    return InvalidArgument("the timestamp token has no single signer");
  }
  X509* tsa = sk_X509_value(signers, 0);
  sk_X509_free(signers);
  X509_up_ref(tsa);
  VerifiedTimestamp v{std::move(info), AdoptCertificate(tsa), {}, false};
  if (X509_check_purpose(tsa, X509_PURPOSE_TIMESTAMP_SIGN, 0) != 1) {
    internal::ClearOpenSslErrors();
    return InvalidArgument(
        "the TSA certificate lacks timeStamping as its only, critical, extended key usage");
  }

  // ESS signing-certificate(-v2): the signed attribute names the signer's certificate.
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms.get()), 0);
  EssV1Ptr ess_v1;
  EssV2Ptr ess_v2;
  if (auto* s = static_cast<ASN1_STRING*>(CMS_signed_get0_data_by_OBJ(
          si, OBJ_nid2obj(NID_id_smime_aa_signingCertificateV2), -3, V_ASN1_SEQUENCE))) {
    const unsigned char* q = ASN1_STRING_get0_data(s);
    ess_v2.reset(d2i_ESS_SIGNING_CERT_V2(nullptr, &q, ASN1_STRING_length(s)));
  }
  if (auto* s = static_cast<ASN1_STRING*>(CMS_signed_get0_data_by_OBJ(
          si, OBJ_nid2obj(NID_id_smime_aa_signingCertificate), -3, V_ASN1_SEQUENCE))) {
    const unsigned char* q = ASN1_STRING_get0_data(s);
    ess_v1.reset(d2i_ESS_SIGNING_CERT(nullptr, &q, ASN1_STRING_length(s)));
  }
  internal::ClearOpenSslErrors();
  internal::X509StackPtr chain(sk_X509_new_null());
  if (!chain || sk_X509_push(chain.get(), tsa) <= 0) return OpenSslFailure("sk_X509_push");
  X509_up_ref(tsa);
  if (OSSL_ESS_check_signing_certs(ess_v1.get(), ess_v2.get(), chain.get(), 1) != 1) {
    internal::ClearOpenSslErrors();
    return InvalidArgument(
        "the timestamp token's signing-certificate attribute does not name its signer");
  }

  if (STACK_OF(X509)* certs = CMS_get1_certs(cms.get())) {
    internal::X509StackPtr owned(certs);
    while (sk_X509_num(certs) > 0) v.certificates.push_back(AdoptCertificate(sk_X509_shift(certs)));
  }
  if (roots != nullptr) {
    std::vector<Certificate> intermediates;
    for (const Certificate& c : v.certificates) intermediates.push_back(c.Clone());
    for (const Certificate& c : extra_certs) intermediates.push_back(c.Clone());
    SIGNET_TRY(VerifyCertificateChain(v.tsa_certificate, intermediates, *roots, "timeStamping"));
    v.chain_verified = true;
  }
  internal::ClearOpenSslErrors();
  return v;
}

}  // namespace signet::crypto
