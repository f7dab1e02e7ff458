#include "pkcs11/der.h"

#include <algorithm>
#include <array>
#include <string>

namespace signet::pkcs11 {
namespace {

constexpr std::uint8_t kSequence = 0x30;
constexpr std::uint8_t kInteger = 0x02;
constexpr std::uint8_t kBitString = 0x03;
constexpr std::uint8_t kOid = 0x06;

// One TLV: `tag`, `content`, and `whole` (tag, length and content).
struct Tlv {
  std::uint8_t tag = 0;
  ByteView content;
  ByteView whole;
};

// Reads TLVs from a buffer, front to back.
class Reader {
 public:
  explicit Reader(ByteView data) : data_(data) {}
  bool empty() const { return data_.empty(); }

  Result<Tlv> Next(std::string_view what) {
    if (data_.size() < 2) return InvalidArgument(std::string(what) + ": truncated DER");
    Tlv t;
    t.tag = data_[0];
    std::size_t len = data_[1];
    std::size_t header = 2;
    if (len & 0x80) {
      const std::size_t n = len & 0x7f;
      if (n == 0 || n > 4 || data_.size() < 2 + n) {
        return InvalidArgument(std::string(what) + ": bad DER length");
      }
      len = 0;
      for (std::size_t i = 0; i < n; ++i) len = (len << 8) | data_[2 + i];
      header += n;
    }
    if (data_.size() - header < len) {
      return InvalidArgument(std::string(what) + ": DER length beyond the data");
    }
    t.content = data_.subspan(header, len);
    t.whole = data_.subspan(0, header + len);
    data_ = data_.subspan(header + len);
    return t;
  }

  Result<Tlv> Expect(std::uint8_t tag, std::string_view what) {
    SIGNET_ASSIGN_OR_RETURN(Tlv t, Next(what));
    if (t.tag != tag) return InvalidArgument(std::string(what) + ": unexpected DER tag");
    return t;
  }

 private:
  ByteView data_;
};

Bytes StripLeadingZeros(ByteView v) {
  std::size_t i = 0;
  while (i + 1 < v.size() && v[i] == 0) ++i;
  return Bytes(v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
}

std::size_t BitLength(const Bytes& be) {
  if (be.empty()) return 0;
  std::size_t bits = (be.size() - 1) * 8;
  for (std::uint8_t top = be[0]; top != 0; top >>= 1) ++bits;
  return bits;
}

// DER content of the OIDs involved.
constexpr std::array<std::uint8_t, 9> kRsaEncryption = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                                        0x0d, 0x01, 0x01, 0x01};
constexpr std::array<std::uint8_t, 7> kEcPublicKey = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
constexpr std::array<std::uint8_t, 8> kP256 = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
constexpr std::array<std::uint8_t, 5> kP384 = {0x2b, 0x81, 0x04, 0x00, 0x22};
constexpr std::array<std::uint8_t, 5> kP521 = {0x2b, 0x81, 0x04, 0x00, 0x23};
constexpr std::array<std::uint8_t, 3> kSubjectKeyIdentifier = {0x55, 0x1d, 0x0e};  // 2.5.29.14

template <std::size_t N>
bool Is(ByteView v, const std::array<std::uint8_t, N>& oid) {
  return v.size() == N && std::equal(v.begin(), v.end(), oid.begin());
}

}  // namespace

Result<CertificateFields> ParseCertificateFields(ByteView certificate_der) {
  Reader outer(certificate_der);
  SIGNET_ASSIGN_OR_RETURN(Tlv cert, outer.Expect(kSequence, "certificate"));
  Reader c(cert.content);
  SIGNET_ASSIGN_OR_RETURN(Tlv tbs, c.Expect(kSequence, "tbsCertificate"));
  Reader t(tbs.content);
  SIGNET_ASSIGN_OR_RETURN(Tlv first, t.Next("tbsCertificate"));
  if (first.tag == 0xa0) {  // [0] EXPLICIT version
    SIGNET_ASSIGN_OR_RETURN(first, t.Next("tbsCertificate"));
  }
  if (first.tag != kInteger) return InvalidArgument("certificate: serialNumber is not an INTEGER");
  CertificateFields f;
  f.serial_der.assign(first.whole.begin(), first.whole.end());
  SIGNET_TRY(t.Expect(kSequence, "certificate signature algorithm"));
  SIGNET_ASSIGN_OR_RETURN(Tlv issuer, t.Expect(kSequence, "certificate issuer"));
  SIGNET_TRY(t.Expect(kSequence, "certificate validity"));
  SIGNET_ASSIGN_OR_RETURN(Tlv subject, t.Expect(kSequence, "certificate subject"));
  f.issuer_der.assign(issuer.whole.begin(), issuer.whole.end());
  f.subject_der.assign(subject.whole.begin(), subject.whole.end());
  SIGNET_TRY(t.Expect(kSequence, "certificate subjectPublicKeyInfo"));
  // [1] issuerUniqueID, [2] subjectUniqueID, [3] EXPLICIT extensions.
  while (!t.empty()) {
    SIGNET_ASSIGN_OR_RETURN(Tlv field, t.Next("tbsCertificate"));
    if (field.tag != 0xa3) continue;
    Reader wrapper(field.content);
    SIGNET_ASSIGN_OR_RETURN(Tlv extensions, wrapper.Expect(kSequence, "certificate extensions"));
    Reader e(extensions.content);
    while (!e.empty()) {
      SIGNET_ASSIGN_OR_RETURN(Tlv ext, e.Expect(kSequence, "certificate extension"));
      Reader x(ext.content);
      SIGNET_ASSIGN_OR_RETURN(Tlv oid, x.Expect(kOid, "certificate extension id"));
      SIGNET_ASSIGN_OR_RETURN(Tlv value, x.Next("certificate extension"));
      if (value.tag == 0x01) {  // critical BOOLEAN
        SIGNET_ASSIGN_OR_RETURN(value, x.Next("certificate extension"));
      }
      if (value.tag != 0x04)
        return InvalidArgument("certificate extension: value is not an OCTET STRING");
      if (Is(oid.content, kSubjectKeyIdentifier)) {
        Reader k(value.content);
        SIGNET_ASSIGN_OR_RETURN(Tlv id, k.Expect(0x04, "subjectKeyIdentifier"));
        f.subject_key_id.assign(id.content.begin(), id.content.end());
      }
    }
  }
  return f;
}

Result<PublicKeyValues> ParsePublicKey(ByteView spki_der) {
  Reader outer(spki_der);
  SIGNET_ASSIGN_OR_RETURN(Tlv spki, outer.Expect(kSequence, "SubjectPublicKeyInfo"));
  Reader s(spki.content);
  SIGNET_ASSIGN_OR_RETURN(Tlv alg, s.Expect(kSequence, "SubjectPublicKeyInfo algorithm"));
  SIGNET_ASSIGN_OR_RETURN(Tlv bits, s.Expect(kBitString, "SubjectPublicKeyInfo key"));
  if (bits.content.empty() || bits.content[0] != 0) {
    return InvalidArgument("SubjectPublicKeyInfo: key BIT STRING has unused bits");
  }
  const ByteView key = bits.content.subspan(1);
  Reader a(alg.content);
  SIGNET_ASSIGN_OR_RETURN(Tlv oid, a.Expect(kOid, "SubjectPublicKeyInfo algorithm"));
  PublicKeyValues v;
  if (Is(oid.content, kRsaEncryption)) {
    v.type = domain::KeyType::kRsa;
    Reader k(key);
    SIGNET_ASSIGN_OR_RETURN(Tlv seq, k.Expect(kSequence, "RSAPublicKey"));
    Reader r(seq.content);
    SIGNET_ASSIGN_OR_RETURN(Tlv n, r.Expect(kInteger, "RSAPublicKey modulus"));
    SIGNET_ASSIGN_OR_RETURN(Tlv e, r.Expect(kInteger, "RSAPublicKey exponent"));
    v.modulus = StripLeadingZeros(n.content);
    v.public_exponent = StripLeadingZeros(e.content);
    v.bits = BitLength(v.modulus);
    v.signature_size = (v.bits + 7) / 8;
    return v;
  }
  if (!Is(oid.content, kEcPublicKey)) {
    return InvalidArgument("SubjectPublicKeyInfo: the key is neither RSA nor EC");
  }
  v.type = domain::KeyType::kEc;
  SIGNET_ASSIGN_OR_RETURN(Tlv curve, a.Expect(kOid, "EC parameters"));
  if (Is(curve.content, kP256)) {
    v.bits = 256;
  } else if (Is(curve.content, kP384)) {
    v.bits = 384;
  } else if (Is(curve.content, kP521)) {
    v.bits = 521;
  } else {
    return InvalidArgument("SubjectPublicKeyInfo: the EC curve is not P-256, P-384 or P-521");
  }
  const std::size_t field = (v.bits + 7) / 8;
  if (key.size() != 1 + 2 * field || key[0] != 0x04) {
    return InvalidArgument("SubjectPublicKeyInfo: the EC point is not uncompressed");
  }
  v.signature_size = 2 * field;
  v.ec_params_der.assign(curve.whole.begin(), curve.whole.end());
  // OCTET STRING { point }; the point is at most 133 bytes, so the length fits one or two bytes.
  v.ec_point_der.push_back(0x04);
  if (key.size() >= 0x80) v.ec_point_der.push_back(0x81);
  v.ec_point_der.push_back(static_cast<std::uint8_t>(key.size()));
  v.ec_point_der.insert(v.ec_point_der.end(), key.begin(), key.end());
  return v;
}

}  // namespace signet::pkcs11
