#pragma once
// Use cases of the PKI: certificate authorities, certificates, CSRs and imports.

#include "service/context.h"

namespace signet::service {

// Where a new private key comes from: `source` (the server's default when absent), or an
// existing HSM object adopted by CKA_LABEL / CKA_ID (then the source is the HSM).
struct KeyChoice {
  std::optional<domain::KeySourceType> source;
  std::optional<std::string> hsm_key_label;
  std::optional<Bytes> hsm_key_id;
  bool adopts() const { return hsm_key_label.has_value() || hsm_key_id.has_value(); }
};

struct KeyEvidence {
  std::string signer_id;
  domain::Certificate certificate;
  keystore::KeyDescription key;
  std::optional<domain::AuditEvent> generated;  // the event that created the key, if kept
};

struct CreateCaInput {
  std::optional<std::string> project;  // id or slug; default project when absent
  std::string common_name;
  domain::KeyAlgorithm key_algorithm = domain::KeyAlgorithm::kEcP256;
  std::int64_t ttl_days = 3650;
  std::optional<std::string> parent_ca_id{};
  KeyChoice key{};
};

struct IssueCertificateInput {
  std::optional<std::string> project;
  std::string ca_id;
  std::string common_name;
  domain::KeyAlgorithm key_algorithm = domain::KeyAlgorithm::kEcP256;
  std::int64_t ttl_days = 365;
  std::vector<std::string> key_usages;           // default digitalSignature
  std::vector<std::string> extended_key_usages;  // e.g. codeSigning
  KeyChoice key{};
};

struct ImportCertificateInput {
  std::optional<std::string> project;
  std::string certificate_pem;
  SecretBytes private_key_pem;
  std::string certificate_chain_pem;
  std::optional<Bytes> pkcs12;  // instead of the PEM pair
  SecretBytes pkcs12_password;
  // An imported key was not generated in a hardware module; when the server's default key
  // source is the HSM, imports are refused unless this is set.
  bool allow_software_key = false;
};

struct CsrInput {
  std::optional<std::string> project;
  std::string common_name;
  domain::KeyAlgorithm key_algorithm = domain::KeyAlgorithm::kEcP256;
  std::string organization, organizational_unit, country, state, locality;
  KeyChoice key{};
};

struct CertificateBundle {
  std::string certificate_pem;
  std::string certificate_chain_pem;
  std::string serial_number;
};

class PkiUseCases : public virtual Context {
 public:
  // ---- PKI ----
  [[nodiscard]] Result<domain::CertificateAuthority> CreateCa(const Caller& c,
                                                              const CreateCaInput& in);
  [[nodiscard]] Result<store::Page<domain::CertificateAuthority>> ListCas(
      const Caller& c, const std::optional<std::string>& project, Paging p);
  [[nodiscard]] Result<domain::CertificateAuthority> GetCa(const Caller& c, const std::string& id);
  [[nodiscard]] Result<domain::Certificate> IssueCertificate(const Caller& c,
                                                             const IssueCertificateInput& in);
  [[nodiscard]] Result<domain::Certificate> ImportCertificate(const Caller& c,
                                                              ImportCertificateInput in);
  [[nodiscard]] Result<domain::Certificate> CreateCsr(const Caller& c, const CsrInput& in);
  [[nodiscard]] Result<domain::Certificate> ImportIssuedCertificate(
      const Caller& c, const std::string& id, const std::string& certificate_pem,
      const std::string& chain_pem);
  [[nodiscard]] Result<store::Page<domain::Certificate>> ListCertificates(
      const Caller& c, const std::optional<std::string>& project,
      const std::optional<std::string>& extended_key_usage, Paging p);
  [[nodiscard]] Result<domain::Certificate> GetCertificate(const Caller& c, const std::string& id);
  [[nodiscard]] Result<domain::Certificate> RevokeCertificate(const Caller& c,
                                                              const std::string& id);

 protected:
  explicit PkiUseCases(const Deps& deps) : Context(deps) {}

 private:
  // The bodies of the use cases whose compliance refusals AuditRefusal puts on record.
  Result<domain::CertificateAuthority> DoCreateCa(const Caller& c, const CreateCaInput& in);
  Result<domain::Certificate> DoIssueCertificate(const Caller& c, const IssueCertificateInput& in);
  Result<domain::Certificate> DoImportCertificate(const Caller& c, ImportCertificateInput in);
  Result<domain::Certificate> DoCreateCsr(const Caller& c, const CsrInput& in);
  Result<domain::Certificate> DoImportIssuedCertificate(const Caller& c, const std::string& id,
                                                        const std::string& certificate_pem,
                                                        const std::string& chain_pem);
};

}  // namespace signet::service
