#pragma once
// The little DER the module reads itself: the fields of an X.509 certificate that PKCS#11
// attributes expose (issuer, subject, serial number as their DER encodings, the subject key
// identifier) and the public
// values of a SubjectPublicKeyInfo (RSA modulus and exponent; EC curve OID and point).
// Pure functions; malformed input is InvalidArgument naming the structure.

#include <cstddef>

#include "common/bytes.h"
#include "common/result.h"
#include "domain/algorithms.h"

namespace signet::pkcs11 {

struct CertificateFields {
  Bytes issuer_der;      // Name
  Bytes subject_der;     // Name
  Bytes serial_der;      // INTEGER, tag and length included
  Bytes subject_key_id;  // the subjectKeyIdentifier extension's key id; empty without one
};
[[nodiscard]] Result<CertificateFields> ParseCertificateFields(ByteView certificate_der);

struct PublicKeyValues {
  domain::KeyType type = domain::KeyType::kRsa;
  Bytes modulus;                   // RSA: big-endian, no leading zero byte
  Bytes public_exponent;           // RSA: big-endian, no leading zero byte
  Bytes ec_params_der;             // EC: the namedCurve OBJECT IDENTIFIER, DER (CKA_EC_PARAMS)
  Bytes ec_point_der;              // EC: OCTET STRING holding the uncompressed point (CKA_EC_POINT)
  std::size_t bits = 0;            // RSA: modulus bits; EC: field bits (256, 384, 521)
  std::size_t signature_size = 0;  // PKCS#11 signature length: modulus bytes or 2 * field bytes
};
// P-256, P-384 and P-521 are the only curves accepted.
[[nodiscard]] Result<PublicKeyValues> ParsePublicKey(ByteView spki_der);

}  // namespace signet::pkcs11
