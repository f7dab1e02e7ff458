#pragma once
// X.509 certificates: parsing and inspection, chain ordering, CSR creation, issuance by an
// internal CA, and import of a key with its certificate from PEM or PKCS#12.
//
// Certificate is a move-only owner of one certificate; its const methods are thread-safe.
// Malformed input and inconsistent requests are InvalidArgument with a message naming the
// problem; unexpected library failures are Internal with OpenSSL's error queue in the message.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "crypto/keys.h"
#include "crypto/signing_key.h"

struct x509_st;  // OpenSSL's X509, opaque outside crypto/.

namespace signet::crypto {

// Key usage names (RFC 5280 §4.2.1.3): digitalSignature, nonRepudiation, keyEncipherment,
// dataEncipherment, keyAgreement, keyCertSign, cRLSign, encipherOnly, decipherOnly.
// Extended key usage names: serverAuth, clientAuth, codeSigning, emailProtection,
// timeStamping, ocspSigning (OCSPSigning is accepted too), anyExtendedKeyUsage; Info() reports
// other EKU OIDs in dotted form.
struct CertificateInfo {
  std::string subject;     // RFC 2253 form, "CN=Build,O=Example"
  std::string issuer;      // same form
  std::string serial_hex;  // lower-case hex, without leading zero bytes
  TimePoint not_before;
  TimePoint not_after;
  std::vector<std::string> key_usages;           // empty when the extension is absent
  std::vector<std::string> extended_key_usages;  // empty when the extension is absent
  bool extended_key_usage_critical = false;      // the extension is marked critical
  bool is_ca = false;                            // basicConstraints CA:TRUE
  Bytes spki_der;
  std::string common_name;  // empty when the subject has none
  // certificatePolicies policy identifiers in dotted form; empty when the extension is absent.
  std::vector<std::string> policy_oids;
  std::string signature_algorithm;  // OpenSSL's long name, "sha256WithRSAEncryption"
  std::string signature_hash;       // "SHA1", "SHA256", ...; empty when unknown
};

class Certificate {
 public:
  // The first certificate of `pem` ("-----BEGIN CERTIFICATE-----").
  [[nodiscard]] static Result<Certificate> FromPem(std::string_view pem);
  [[nodiscard]] static Result<Certificate> FromDer(ByteView der);

  Certificate(Certificate&&) noexcept = default;
  Certificate& operator=(Certificate&&) noexcept = default;
  ~Certificate() = default;

  // Another owner of the same (immutable) certificate.
  Certificate Clone() const;

  [[nodiscard]] Result<std::string> ToPem() const;
  [[nodiscard]] Result<Bytes> ToDer() const;
  [[nodiscard]] Result<CertificateInfo> Info() const;
  [[nodiscard]] Result<crypto::PublicKey> PublicKey() const;
  // Same DER encoding.
  bool Equals(const Certificate& other) const;

  x509_st* native() const { return x509_.get(); }

 private:
  struct X509Free {
    void operator()(x509_st* x) const;
  };
  explicit Certificate(std::unique_ptr<x509_st, X509Free> x509) : x509_(std::move(x509)) {}
  friend Certificate AdoptCertificate(x509_st* x509);

  std::unique_ptr<x509_st, X509Free> x509_;
};

// For crypto/ internals: takes ownership of a non-null certificate.
Certificate AdoptCertificate(x509_st* x509);

// Every certificate in `pem`, in order; text between PEM blocks is ignored. No certificate at
// all is an empty vector; a damaged block is InvalidArgument.
[[nodiscard]] Result<std::vector<Certificate>> ParseCertificateChainPem(std::string_view pem);

// Orders `others` into the chain of `leaf`: returns leaf, its issuer, that one's issuer, ...
// Each link must match by name and verify by signature. Copies of `leaf` and duplicates in
// `others` are dropped. InvalidArgument when two candidates could issue the same certificate,
// or when certificates remain that belong nowhere in the chain (a missing link). The chain may
// stop below a root when the root was not given.
[[nodiscard]] Result<std::vector<Certificate>> OrderChain(const Certificate& leaf,
                                                          std::vector<Certificate> others);

// Subject distinguished name. common_name is required; country, when set, is two letters.
// Each attribute is at most 64 characters.
struct SubjectName {
  std::string common_name;
  std::string organization;
  std::string organizational_unit;
  std::string country;
  std::string state;
  std::string locality;
};

// A PKCS#10 request for `key` signed with it (CertificateSigningAlgorithm of
// crypto/signing_key.h: SHA-256 for RSA and P-256, SHA-384 for P-384, SHA-512 for P-521). The
// request is checked against the key's public half before it is returned.
[[nodiscard]] Result<std::string> CreateCsrPem(const SigningKey& key, const SubjectName& subject);
[[nodiscard]] Result<std::string> CreateCsrPem(const PrivateKey& key, const SubjectName& subject);

struct CsrInfo {
  std::string subject;  // RFC 2253 form
  std::string common_name;
  Bytes spki_der;
};
// Parses a PEM CSR and checks its self-signature (InvalidArgument when it does not verify).
[[nodiscard]] Result<CsrInfo> ParseCsrPem(std::string_view pem);

struct IssueParams {
  SubjectName subject;
  TimePoint not_before;
  TimePoint not_after;
  bool is_ca = false;
  std::optional<int> path_len;  // CA only
  // Empty: CA -> keyCertSign, cRLSign, digitalSignature; leaf -> digitalSignature.
  std::vector<std::string> key_usages;
  std::vector<std::string> extended_key_usages;
  // certificatePolicies (non-critical) with these policy identifiers, dotted form, e.g.
  // "2.23.140.1.4.1"; none when empty.
  std::vector<std::string> policy_oids;
};

// Issues an X.509 v3 certificate for `subject_key`, signed by `issuer_key` with
// CertificateSigningAlgorithm of its key (crypto/signing_key.h). `issuer_cert` null means
// self-signed (then `issuer_key` must be the subject's key). Random positive 128-bit serial;
// subject and authority key identifiers; critical basicConstraints and keyUsage; EKU and
// certificatePolicies when given. The signature is checked with the issuer's public key before
// the certificate is returned. InvalidArgument for unknown usage names (named in the message),
// malformed policy identifiers, not_after <= not_before, an issuer that is not a CA, an issuer
// key that does not match the issuer certificate, or path_len on a leaf; `issuer_key`'s own
// errors (an unreachable device: Unavailable) as they are. An extended key usage of
// timeStamping alone is marked critical (RFC 3161 §2.3); others are not.
[[nodiscard]] Result<Certificate> IssueCertificate(const crypto::PublicKey& subject_key,
                                                   const IssueParams& params,
                                                   const SigningKey& issuer_key,
                                                   const Certificate* issuer_cert);
[[nodiscard]] Result<Certificate> IssueCertificate(const crypto::PublicKey& subject_key,
                                                   const IssueParams& params,
                                                   const PrivateKey& issuer_key,
                                                   const Certificate* issuer_cert);

struct ImportedKeyPair {
  PrivateKey key;
  Certificate leaf;
  std::vector<Certificate> chain;  // issuers of leaf, nearest first; leaf not included
};

// `cert_pem` holds the leaf (further certificates in it count as chain); `chain_pem` may be
// empty. The key must match the leaf ("private key does not match the certificate").
[[nodiscard]] Result<ImportedKeyPair> ImportPem(std::string_view cert_pem, std::string_view key_pem,
                                                std::string_view chain_pem,
                                                std::string_view key_password = {});

// The most PBKDF2 / PKCS#12 KDF iterations a PKCS#12 file may ask for (per MAC, encrypted
// content or key bag); OpenSSL 3 writes 2,048, OWASP's 2023 advice is 600,000.
inline constexpr std::int64_t kMaxPkcs12Iterations = 1'000'000;

// A PKCS#12 file as `openssl pkcs12 -export` writes it (OpenSSL 3 defaults: PBES2 with
// AES-256-CBC and PBKDF2, HMAC-SHA256 MAC). A wrong password is InvalidArgument
// "PKCS#12 password is wrong or file is corrupt". Every iteration count in the file is
// checked against kMaxPkcs12Iterations before any key derivation runs.
[[nodiscard]] Result<ImportedKeyPair> ImportPkcs12(ByteView der, std::string_view password);

}  // namespace signet::crypto
