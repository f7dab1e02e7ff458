// The PKCS#11 module's own DER reading and attribute handling (src/pkcs11): the certificate
// fields and public key values it extracts (ParseCertificateFields, ParsePublicKey), the token
// objects built from a certificate (BuildTokenObjects), and C_GetAttributeValue /
// C_FindObjects template handling over them (TokenObject::GetAttributes, Matches), plus the
// mechanism parameters of C_SignInit (PlanSign).
// Input: byte 0 = n (template entries, mod 12), then 3 bytes per entry (attribute index,
// length, flags), then the DER (a certificate or a SubjectPublicKeyInfo).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "client/client.h"
#include "crypto/x509.h"
#include "fuzz_util.h"
#include "pkcs11/der.h"
#include "pkcs11/mechanisms.h"
#include "pkcs11/objects.h"

using signet::fuzz::Check;
namespace pkcs11 = signet::pkcs11;

namespace {

constexpr CK_ATTRIBUTE_TYPE kTypes[] = {CKA_CLASS,
                                        CKA_TOKEN,
                                        CKA_LABEL,
                                        CKA_ID,
                                        CKA_KEY_TYPE,
                                        CKA_SUBJECT,
                                        CKA_ISSUER,
                                        CKA_SERIAL_NUMBER,
                                        CKA_VALUE,
                                        CKA_MODULUS,
                                        CKA_PUBLIC_EXPONENT,
                                        CKA_EC_PARAMS,
                                        CKA_EC_POINT,
                                        CKA_SIGN,
                                        CKA_SENSITIVE,
                                        CKA_PRIVATE_EXPONENT,
                                        CKA_ALLOWED_MECHANISMS,
                                        CKA_PUBLIC_KEY_INFO,
                                        CKA_TRUSTED,
                                        CKA_CERTIFICATE_TYPE,
                                        CKA_MODULUS_BITS,
                                        0x7fffffffUL};
constexpr CK_MECHANISM_TYPE kMechanisms[] = {CKM_RSA_PKCS,
                                             CKM_SHA256_RSA_PKCS,
                                             CKM_RSA_PKCS_PSS,
                                             CKM_SHA256_RSA_PKCS_PSS,
                                             CKM_SHA512_RSA_PKCS_PSS,
                                             CKM_ECDSA,
                                             CKM_ECDSA_SHA256,
                                             CKM_ECDSA_SHA384,
                                             CKM_SHA_1};

struct Entry {
  CK_ATTRIBUTE_TYPE type;
  std::size_t len;
  bool with_buffer;
};

void Templates(const pkcs11::TokenObject& object, const std::vector<Entry>& entries) {
  // C_GetAttributeValue: buffers of the asked sizes (or none: the size query).
  std::vector<std::vector<std::uint8_t>> buffers(entries.size());
  std::vector<CK_ATTRIBUTE> templ(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    buffers[i].resize(entries[i].len);
    templ[i].type = entries[i].type;
    templ[i].pValue = entries[i].with_buffer ? buffers[i].data() : nullptr;
    templ[i].ulValueLen = entries[i].len;
  }
  const CK_RV rv = object.GetAttributes(templ.data(), templ.size());
  for (std::size_t i = 0; i < templ.size(); ++i) {
    if (templ[i].ulValueLen != CK_UNAVAILABLE_INFORMATION && templ[i].pValue != nullptr) {
      Check(templ[i].ulValueLen <= entries[i].len, "GetAttributes writes within the buffer");
    }
  }
  if (rv == CKR_OK && !templ.empty()) {
    // What it returned is what a search with the same values finds.
    bool all_filled = true;
    for (const auto& t : templ) all_filled = all_filled && t.pValue != nullptr;
    if (all_filled)
      Check(object.Matches(templ.data(), templ.size()), "an object matches its own values");
  }
  // C_FindObjectsInit refuses a null pValue with a length (CKR_ARGUMENTS_BAD) before Matches
  // runs, so such templates are not Matches' input.
  bool valid = true;
  for (const auto& t : templ) valid = valid && (t.pValue != nullptr || t.ulValueLen == 0);
  if (valid) (void)object.Matches(templ.data(), templ.size());
  (void)object.Matches(nullptr, 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t n = data[0] % 12;
  if (size < 1 + 3 * n) return 0;
  std::vector<Entry> entries;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t* e = data + 1 + 3 * i;
    entries.push_back({kTypes[e[0] % std::size(kTypes)], e[1], (e[2] & 1) != 0});
  }
  const signet::ByteView der(data + 1 + 3 * n, size - 1 - 3 * n);

  (void)pkcs11::ParseCertificateFields(der);
  if (auto key = pkcs11::ParsePublicKey(der)) {
    Check(key->signature_size > 0, "a parsed key has a signature size");
  }

  // Mechanism parameters as C_SignInit would pass them (the DER bytes as the parameter).
  if (n > 0) {
    std::vector<std::uint8_t> param(der.begin(), der.end());
    CK_MECHANISM mechanism{kMechanisms[data[1] % std::size(kMechanisms)],
                           param.empty() ? nullptr : param.data(), param.size()};
    (void)pkcs11::PlanSign(mechanism, signet::domain::KeyType::kRsa);
    (void)pkcs11::PlanSign(mechanism, signet::domain::KeyType::kEc);
  }

  auto cert = signet::crypto::Certificate::FromDer(der);
  if (!cert) return 0;
  auto pem = cert->ToPem();
  if (!pem) return 0;
  signet::client::SignerInfo signer;
  signer.id = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
  signer.name = "fuzz-signer";
  signet::client::SignerCertificate certificate;
  certificate.certificate_pem = *pem;
  certificate.certificate_chain_pem = *pem;  // the certificate as its own issuer: a loop
  certificate.signer_name = signer.name;
  auto objects = pkcs11::BuildTokenObjects(signer, certificate);
  if (!objects) return 0;
  for (const auto& object : (*objects)->objects) Templates(object, entries);
  return 0;
}
