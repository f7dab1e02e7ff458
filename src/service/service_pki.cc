// Certificate authorities and certificates. Private keys are generated or imported into the
// key store; nothing here ever returns one.
#include <algorithm>
#include <tuple>

#include "crypto/x509.h"
#include "service/compliance.h"
#include "service/service_internal.h"

namespace signet::service {
namespace {

constexpr std::int64_t kDay = 24LL * 3600 * 1000;

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

Result<domain::CertificateAuthority> LoadCa(store::Tx& tx, const std::string& id) {
  return FindById(id, "CA", [&] { return tx.GetCa(id); });
}

// Fills the parsed fields of a certificate row from its PEM.
Status FillFromCertificate(domain::Certificate& row, const crypto::Certificate& cert) {
  SIGNET_ASSIGN_OR_RETURN(crypto::CertificateInfo info, cert.Info());
  SIGNET_ASSIGN_OR_RETURN(row.certificate_pem, cert.ToPem());
  row.serial_number = info.serial_hex;
  row.not_before = info.not_before;
  row.not_after = info.not_after;
  row.key_usages = info.key_usages;
  row.extended_key_usages = info.extended_key_usages;
  if (row.common_name.empty()) row.common_name = info.common_name;
  return Ok();
}

Result<std::string> ChainPem(const std::vector<crypto::Certificate>& chain) {
  std::string out;
  for (const auto& c : chain) {
    SIGNET_ASSIGN_OR_RETURN(std::string pem, c.ToPem());
    out += pem;
  }
  return out;
}

Status CheckCommonName(const std::string& cn) {
  if (cn.empty()) return InvalidArgument("commonName must not be empty");
  if (cn.size() > 64) {
    return InvalidArgument("commonName is " + std::to_string(cn.size()) +
                           " characters; the maximum is 64");
  }
  return Ok();
}

}  // namespace

Result<keystore::NewKey> Context::MakeKey(const KeyChoice& choice, domain::KeyAlgorithm algorithm) {
  if (choice.adopts()) {
    if (choice.source && *choice.source != domain::KeySourceType::kHsm) {
      return InvalidArgument(
          "hsmKeyLabel and hsmKeyId name a key already in the HSM; they need keySource 'hsm'");
    }
    SIGNET_ASSIGN_OR_RETURN(keystore::KeySource * hsm,
                            key_sources_.For(domain::KeySourceType::kHsm));
    keystore::ExistingKeyRef ref{choice.hsm_key_label, choice.hsm_key_id};
    SIGNET_ASSIGN_OR_RETURN(keystore::NewKey key, hsm->AdoptExisting(ref));
    if (key.stored.algorithm != algorithm) {
      return InvalidArgument(
          "the HSM key is " + std::string(domain::KeyAlgorithmName(key.stored.algorithm)) +
          ", not keyAlgorithm " + std::string(domain::KeyAlgorithmName(algorithm)));
    }
    return key;
  }
  SIGNET_ASSIGN_OR_RETURN(keystore::KeySource * source,
                          key_sources_.For(choice.source.value_or(key_sources_.default_type())));
  return source->Create(algorithm);
}

// The PKI use cases that make keys run in three steps: the caller's rights and the inputs are
// checked in a read transaction (so a refused call costs no key generation and never waits
// for the write lock); the key is generated and the certificate signed outside any
// transaction (seconds of CPU for RSA-4096); the write transaction checks the rights again
// (they may have changed meanwhile) and stores everything with its audit event.

Result<domain::CertificateAuthority> PkiUseCases::DoCreateCa(const Caller& c,
                                                             const CreateCaInput& in) {
  SIGNET_TRY(CheckCommonName(in.common_name));
  if (in.ttl_days < 1 || in.ttl_days > 36500) {
    return InvalidArgument("ttlDays is " + std::to_string(in.ttl_days) + "; it must be 1–36500");
  }
  // Checks: the caller administers the project; the parent CA is there and usable.
  auto check = [&](store::Tx& tx)
      -> Result<std::pair<domain::Project, std::optional<domain::CertificateAuthority>>> {
    SIGNET_ASSIGN_OR_RETURN(domain::Project project, ResolveProject(tx, in.project));
    SIGNET_TRY(RequireProjectAdmin(tx, c.principal, project.id));
    std::optional<domain::CertificateAuthority> parent;
    if (in.parent_ca_id) {
      SIGNET_ASSIGN_OR_RETURN(parent, LoadCa(tx, *in.parent_ca_id));
      if (parent->project_id != project.id)
        return NotFound("CA '" + *in.parent_ca_id + "' not found");
      if (parent->status != domain::CaStatus::kActive) {
        return InvalidArgument("parent CA '" + parent->id + "' is disabled");
      }
    }
    return std::make_pair(std::move(project), std::move(parent));
  };
  std::optional<domain::CertificateAuthority> parent;
  domain::Project project;
  {
    SIGNET_ASSIGN_OR_RETURN(auto rtx, d_.store.BeginRead());
    SIGNET_ASSIGN_OR_RETURN(auto checked, check(*rtx));
    project = std::move(checked.first);
    parent = std::move(checked.second);
  }

  SIGNET_TRY(CheckProjectKey(project, in.key, in.key_algorithm));

  const TimePoint now = d_.clock.Now();
  crypto::IssueParams params;
  params.subject.common_name = in.common_name;
  params.not_before = now - Millis(60'000);
  params.not_after = now + Millis(in.ttl_days * kDay);
  params.is_ca = true;
  SIGNET_ASSIGN_OR_RETURN(keystore::NewKey key,
                          MakeKey(EffectiveKeyChoice(project, in.key), in.key_algorithm));
  // Until the write commits, a key made in an HSM is destroyed on any early return.
  struct AbandonUnlessStored {
    const keystore::KeySources& sources;
    const keystore::NewKey& key;
    bool stored = false;
    ~AbandonUnlessStored() {
      if (!stored) sources.Abandon(key);
    }
  } guard{key_sources_, key};
  SIGNET_ASSIGN_OR_RETURN(crypto::PublicKey public_key,
                          crypto::PublicKey::FromSpkiDer(key.stored.public_key_spki));
  domain::CertificateAuthority ca;
  ca.id = NewUuid();
  ca.project_id = project.id;
  ca.common_name = in.common_name;
  ca.key_algorithm = in.key_algorithm;
  ca.key_id = key.stored.key_id;
  ca.key_source = key.source;
  std::optional<crypto::Certificate> cert;
  if (parent) {
    if (params.not_after > parent->not_after) params.not_after = parent->not_after;
    SIGNET_ASSIGN_OR_RETURN(auto parent_key, key_sources_.Load(parent->key_source, parent->key_id));
    SIGNET_ASSIGN_OR_RETURN(auto parent_cert,
                            crypto::Certificate::FromPem(parent->certificate_pem));
    params.path_len = 0;
    SIGNET_ASSIGN_OR_RETURN(
        cert, crypto::IssueCertificate(public_key, params, *parent_key, &parent_cert));
    ca.parent_ca_id = parent->id;
    ca.certificate_chain_pem = parent->certificate_pem + parent->certificate_chain_pem;
  } else {
    SIGNET_ASSIGN_OR_RETURN(cert, crypto::IssueCertificate(public_key, params, *key.key, nullptr));
  }
  SIGNET_ASSIGN_OR_RETURN(crypto::CertificateInfo info, cert->Info());
  SIGNET_ASSIGN_OR_RETURN(ca.certificate_pem, cert->ToPem());
  ca.serial_number = info.serial_hex;
  ca.not_before = info.not_before;
  ca.not_after = info.not_after;
  ca.status = domain::CaStatus::kActive;
  ca.created_at = ca.updated_at = now;

  guard.stored = true;  // from here WriteWithNewKey abandons the key on failure
  return WriteWithNewKey<domain::CertificateAuthority>(
      &c.principal, key, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::CertificateAuthority> {
        SIGNET_TRY(check(tx));
        SIGNET_TRY(key_sources_.Persist(tx, key));
        SIGNET_TRY(tx.InsertCa(ca));
        e = {"ca.create", "ca", ca.id,
             JsonWriter()
                 .Add("commonName", ca.common_name)
                 .Add("keyAlgorithm", domain::KeyAlgorithmName(ca.key_algorithm))
                 .Add("keySource", domain::KeySourceTypeName(ca.key_source))
                 .Add("keyId", ca.key_id)
                 .Add("parentCaId", ca.parent_ca_id.value_or(""))
                 .Finish()};
        return ca;
      });
}

Result<store::Page<domain::CertificateAuthority>> PkiUseCases::ListCas(
    const Caller& c, const std::optional<std::string>& project, Paging p) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(domain::Project proj, ResolveProject(*tx, project));
  SIGNET_TRY(RequireProjectMember(*tx, c.principal, proj.id));
  return tx->ListCas(proj.id, ToPage(p));
}

Result<domain::CertificateAuthority> PkiUseCases::GetCa(const Caller& c, const std::string& id) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(domain::CertificateAuthority ca, LoadCa(*tx, id));
  // Outside the caller's projects it answers exactly like a missing one.
  if (!RequireProjectMember(*tx, c.principal, ca.project_id))
    return NotFound("CA '" + id + "' not found");
  return ca;
}

Result<domain::Certificate> Context::StoreNewCertificate(store::Tx& tx, domain::Certificate cert) {
  cert.id = NewUuid();
  cert.created_at = cert.updated_at = d_.clock.Now();
  SIGNET_TRY(tx.InsertCertificate(cert));
  return cert;
}

Result<domain::CertificateAuthority> Context::IssuingCa(store::Tx& tx,
                                                        const domain::Project& project,
                                                        const std::string& ca_id) {
  SIGNET_ASSIGN_OR_RETURN(domain::CertificateAuthority ca, LoadCa(tx, ca_id));
  if (ca.project_id != project.id) return NotFound("CA '" + ca_id + "' not found");
  if (ca.status != domain::CaStatus::kActive)
    return InvalidArgument("CA '" + ca.id + "' is disabled");
  if (d_.clock.Now() >= ca.not_after) return InvalidArgument("CA '" + ca.id + "' has expired");
  return ca;
}

Result<Context::IssuedCertificate> Context::IssueInMemory(const domain::CertificateAuthority& ca,
                                                          const domain::Project& project,
                                                          const IssueCertificateInput& in) {
  SIGNET_TRY(CheckCommonName(in.common_name));
  if (in.ttl_days < 1 || in.ttl_days > 3650) {
    return InvalidArgument("ttlDays is " + std::to_string(in.ttl_days) + "; it must be 1–3650");
  }
  const TimePoint now = d_.clock.Now();
  crypto::IssueParams params;
  params.subject.common_name = in.common_name;
  params.not_before = now - Millis(60'000);
  params.not_after = std::min(now + Millis(in.ttl_days * kDay), ca.not_after);
  params.key_usages =
      in.key_usages.empty() ? std::vector<std::string>{"digitalSignature"} : in.key_usages;
  params.extended_key_usages = in.extended_key_usages;
  if (compliance::IsCsbr(project)) {
    SIGNET_TRY(CheckProjectKey(project, in.key, in.key_algorithm));
    // A code-signing certificate: at most 460 days, with the CA/B Forum's policy identifier.
    if (Contains(in.extended_key_usages, "codeSigning")) {
      if (auto v = compliance::LifetimeViolation(in.ttl_days)) return InvalidArgument(*v);
      params.policy_oids.emplace_back(compliance::kCodeSigningPolicyOid);
    }
  }
  SIGNET_ASSIGN_OR_RETURN(auto ca_key, key_sources_.Load(ca.key_source, ca.key_id));
  SIGNET_ASSIGN_OR_RETURN(auto ca_cert, crypto::Certificate::FromPem(ca.certificate_pem));
  IssuedCertificate out;
  SIGNET_ASSIGN_OR_RETURN(out.key, MakeKey(EffectiveKeyChoice(project, in.key), in.key_algorithm));
  auto issued = [&]() -> Result<crypto::Certificate> {
    SIGNET_ASSIGN_OR_RETURN(crypto::PublicKey public_key,
                            crypto::PublicKey::FromSpkiDer(out.key.stored.public_key_spki));
    return crypto::IssueCertificate(public_key, params, *ca_key, &ca_cert);
  }();
  if (!issued) {
    key_sources_.Abandon(out.key);
    return tl::unexpected(issued.error());
  }
  const crypto::Certificate& cert = *issued;
  domain::Certificate& row = out.row;
  row.project_id = project.id;
  row.ca_id = ca.id;
  row.common_name = in.common_name;
  row.key_algorithm = in.key_algorithm;
  row.key_id = out.key.stored.key_id;
  row.key_source = out.key.source;
  row.status = domain::CertificateStatus::kActive;
  row.certificate_chain_pem = ca.certificate_pem + ca.certificate_chain_pem;
  SIGNET_TRY(FillFromCertificate(row, cert));
  return out;
}

Result<domain::Certificate> Context::StoreIssued(store::Tx& tx, const domain::Project& project,
                                                 const IssuedCertificate& issued) {
  SIGNET_TRY(IssuingCa(tx, project, *issued.row.ca_id));  // still there and usable
  SIGNET_TRY(key_sources_.Persist(tx, issued.key));
  return StoreNewCertificate(tx, issued.row);
}

Result<domain::Certificate> PkiUseCases::DoIssueCertificate(const Caller& c,
                                                            const IssueCertificateInput& in) {
  SIGNET_TRY(CheckCommonName(in.common_name));
  if (in.ttl_days < 1 || in.ttl_days > 3650) {
    return InvalidArgument("ttlDays is " + std::to_string(in.ttl_days) + "; it must be 1–3650");
  }
  auto check =
      [&](store::Tx& tx) -> Result<std::pair<domain::Project, domain::CertificateAuthority>> {
    SIGNET_ASSIGN_OR_RETURN(domain::Project project, ResolveProject(tx, in.project));
    SIGNET_TRY(RequireProjectAdmin(tx, c.principal, project.id));
    SIGNET_ASSIGN_OR_RETURN(domain::CertificateAuthority ca, IssuingCa(tx, project, in.ca_id));
    return std::make_pair(std::move(project), std::move(ca));
  };
  domain::Project project;
  domain::CertificateAuthority ca;
  {
    SIGNET_ASSIGN_OR_RETURN(auto rtx, d_.store.BeginRead());
    SIGNET_ASSIGN_OR_RETURN(std::tie(project, ca), check(*rtx));
  }
  SIGNET_ASSIGN_OR_RETURN(IssuedCertificate issued, IssueInMemory(ca, project, in));
  return WriteWithNewKey<domain::Certificate>(
      &c.principal, issued.key, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::Certificate> {
        SIGNET_TRY(check(tx));
        SIGNET_ASSIGN_OR_RETURN(domain::Certificate stored, StoreIssued(tx, project, issued));
        e = {"certificate.issue", "certificate", stored.id,
             JsonWriter()
                 .Add("caId", ca.id)
                 .Add("commonName", stored.common_name)
                 .Add("serialNumber", stored.serial_number)
                 .Add("keySource", domain::KeySourceTypeName(stored.key_source))
                 .Add("keyId", stored.key_id)
                 .Finish()};
        return stored;
      });
}

Result<domain::Certificate> PkiUseCases::DoImportCertificate(const Caller& c,
                                                             ImportCertificateInput in) {
  // May the caller import into this project at all? Asked before anything is parsed: a
  // PKCS#12 file names its own iteration counts, and parsing is the expensive part.
  auto check = [&](store::Tx& tx) -> Result<domain::Project> {
    SIGNET_ASSIGN_OR_RETURN(domain::Project project, ResolveProject(tx, in.project));
    SIGNET_TRY(RequireProjectAdmin(tx, c.principal, project.id));
    return project;
  };
  domain::Project project;
  {
    SIGNET_ASSIGN_OR_RETURN(auto rtx, d_.store.BeginRead());
    SIGNET_ASSIGN_OR_RETURN(project, check(*rtx));
  }
  if (compliance::IsCsbr(project)) {
    return InvalidArgument(
        std::string(compliance::kCsbrPrefix) +
        "keys must be generated in a hardware security module, and an imported key was not: "
        "imports are refused in this project, also with allowSoftwareKey (make the key with "
        "POST /api/v1/pki/certificates/csr and keySource 'hsm', then import the issued "
        "certificate)");
  }
  SIGNET_ASSIGN_OR_RETURN(IssuedCertificate imported, ImportInMemory(project, in));
  return WriteWithAudit<domain::Certificate>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::Certificate> {
        SIGNET_TRY(check(tx));
        SIGNET_ASSIGN_OR_RETURN(domain::Certificate stored, StoreImported(tx, imported));
        e = {"certificate.import", "certificate", stored.id,
             JsonWriter()
                 .Add("commonName", stored.common_name)
                 .Add("serialNumber", stored.serial_number)
                 .Add("format", in.pkcs12 ? "pkcs12" : "pem")
                 .Finish()};
        return stored;
      });
}

Result<Context::IssuedCertificate> Context::ImportInMemory(const domain::Project& project,
                                                           const ImportCertificateInput& in) {
  if (key_sources_.default_type() == domain::KeySourceType::kHsm && !in.allow_software_key) {
    return InvalidArgument(
        "this server keeps keys in an HSM, and an imported key was not generated in it; set "
        "allowSoftwareKey to import it into the software key store anyway");
  }
  Result<crypto::ImportedKeyPair> imported =
      in.pkcs12 ? crypto::ImportPkcs12(*in.pkcs12, in.pkcs12_password.string_view())
                : crypto::ImportPem(in.certificate_pem, in.private_key_pem.string_view(),
                                    in.certificate_chain_pem);
  if (!imported) return InvalidArgument(imported.error().message);
  SIGNET_ASSIGN_OR_RETURN(domain::KeyAlgorithm algorithm, imported->key.algorithm());
  IssuedCertificate out;
  SIGNET_ASSIGN_OR_RETURN(out.key, key_sources_.software().Adopt(imported->key));
  domain::Certificate& row = out.row;
  row.project_id = project.id;
  row.key_algorithm = algorithm;
  row.key_id = out.key.stored.key_id;
  row.status = domain::CertificateStatus::kActive;
  SIGNET_ASSIGN_OR_RETURN(row.certificate_chain_pem, ChainPem(imported->chain));
  SIGNET_TRY(FillFromCertificate(row, imported->leaf));
  return out;
}

Result<domain::Certificate> Context::StoreImported(store::Tx& tx,
                                                   const IssuedCertificate& imported) {
  SIGNET_TRY(key_sources_.Persist(tx, imported.key));
  return StoreNewCertificate(tx, imported.row);
}

Result<domain::Certificate> PkiUseCases::DoCreateCsr(const Caller& c, const CsrInput& in) {
  SIGNET_TRY(CheckCommonName(in.common_name));
  auto check = [&](store::Tx& tx) -> Result<domain::Project> {
    SIGNET_ASSIGN_OR_RETURN(domain::Project project, ResolveProject(tx, in.project));
    SIGNET_TRY(RequireProjectAdmin(tx, c.principal, project.id));
    return project;
  };
  domain::Project project;
  {
    SIGNET_ASSIGN_OR_RETURN(auto rtx, d_.store.BeginRead());
    SIGNET_ASSIGN_OR_RETURN(project, check(*rtx));
  }
  SIGNET_TRY(CheckProjectKey(project, in.key, in.key_algorithm));
  SIGNET_ASSIGN_OR_RETURN(keystore::NewKey key,
                          MakeKey(EffectiveKeyChoice(project, in.key), in.key_algorithm));
  crypto::SubjectName subject{in.common_name, in.organization, in.organizational_unit,
                              in.country,     in.state,        in.locality};
  auto made = crypto::CreateCsrPem(*key.key, subject);
  if (!made) {
    key_sources_.Abandon(key);
    return tl::unexpected(made.error());
  }
  const std::string& csr = *made;
  domain::Certificate row;
  row.project_id = project.id;
  row.common_name = in.common_name;
  row.key_algorithm = in.key_algorithm;
  row.key_id = key.stored.key_id;
  row.key_source = key.source;
  row.status = domain::CertificateStatus::kPending;
  row.csr_pem = csr;

  return WriteWithNewKey<domain::Certificate>(
      &c.principal, key, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::Certificate> {
        SIGNET_TRY(check(tx));
        SIGNET_TRY(key_sources_.Persist(tx, key));
        SIGNET_ASSIGN_OR_RETURN(domain::Certificate stored, StoreNewCertificate(tx, row));
        e = {"certificate.csr", "certificate", stored.id,
             JsonWriter()
                 .Add("commonName", stored.common_name)
                 .Add("keySource", domain::KeySourceTypeName(stored.key_source))
                 .Add("keyId", stored.key_id)
                 .Finish()};
        return stored;
      });
}

Result<domain::Certificate> PkiUseCases::DoImportIssuedCertificate(
    const Caller& c, const std::string& id, const std::string& certificate_pem,
    const std::string& chain_pem) {
  auto parsed = crypto::Certificate::FromPem(certificate_pem);
  if (!parsed) return InvalidArgument("certificatePem: " + parsed.error().message);
  std::vector<crypto::Certificate> chain;
  if (!chain_pem.empty()) {
    auto c2 = crypto::ParseCertificateChainPem(chain_pem);
    if (!c2) return InvalidArgument("certificateChainPem: " + c2.error().message);
    chain = std::move(*c2);
  }
  return WriteWithAudit<domain::Certificate>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::Certificate> {
        SIGNET_ASSIGN_OR_RETURN(domain::Certificate row, GetCertificate(c, id));
        SIGNET_TRY(RequireProjectAdmin(tx, c.principal, row.project_id));
        if (row.status != domain::CertificateStatus::kPending) {
          return FailedPrecondition("certificate '" + id +
                                    "' is not waiting for an issued certificate");
        }
        SIGNET_ASSIGN_OR_RETURN(auto key, key_sources_.Load(row.key_source, row.key_id));
        const Bytes& key_spki = key->public_key_spki();
        SIGNET_ASSIGN_OR_RETURN(crypto::CertificateInfo info, parsed->Info());
        if (info.spki_der != key_spki) {
          return InvalidArgument("the certificate's public key does not match the key of this CSR");
        }
        SIGNET_ASSIGN_OR_RETURN(domain::Project project, tx.GetProject(row.project_id));
        if (compliance::IsCsbr(project)) {
          const std::string what = "the certificate for '" + id + "'";
          if (auto v = compliance::SignatureHashViolation(info.signature_hash, what)) {
            return InvalidArgument(*v);
          }
          if (Contains(info.extended_key_usages, "codeSigning")) {
            const compliance::CertificateFacts facts{row.key_source,   row.key_algorithm,
                                                     info.not_before,  info.not_after,
                                                     info.policy_oids, info.signature_hash};
            if (auto v = compliance::SignerCertificateViolation(facts, what)) {
              return InvalidArgument(*v);
            }
          }
        }
        row.status = domain::CertificateStatus::kActive;
        SIGNET_ASSIGN_OR_RETURN(row.certificate_chain_pem, ChainPem(chain));
        SIGNET_TRY(FillFromCertificate(row, *parsed));
        row.updated_at = d_.clock.Now();
        SIGNET_TRY(tx.UpdateCertificate(row));
        e = {"certificate.import-certificate", "certificate", row.id,
             JsonWriter().Add("serialNumber", row.serial_number).Finish()};
        return row;
      });
}

Result<store::Page<domain::Certificate>> PkiUseCases::ListCertificates(
    const Caller& c, const std::optional<std::string>& project,
    const std::optional<std::string>& extended_key_usage, Paging p) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(domain::Project proj, ResolveProject(*tx, project));
  SIGNET_TRY(RequireProjectMember(*tx, c.principal, proj.id));
  return tx->ListCertificates(store::CertificateFilter{proj.id, extended_key_usage}, ToPage(p));
}

Result<domain::Certificate> PkiUseCases::GetCertificate(const Caller& c, const std::string& id) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(domain::Certificate cert,
                          FindById(id, "certificate", [&] { return tx->GetCertificate(id); }));
  // Outside the caller's projects it answers exactly like a missing one.
  if (!RequireProjectMember(*tx, c.principal, cert.project_id)) {
    return NotFound("certificate '" + id + "' not found");
  }
  return cert;
}

Result<domain::Certificate> PkiUseCases::RevokeCertificate(const Caller& c, const std::string& id) {
  auto r = WriteWithAudit<domain::Certificate>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::Certificate> {
        SIGNET_ASSIGN_OR_RETURN(domain::Certificate row, GetCertificate(c, id));
        SIGNET_TRY(RequireProjectAdmin(tx, c.principal, row.project_id));
        if (row.status == domain::CertificateStatus::kRevoked) {
          return FailedPrecondition("certificate '" + id + "' is already revoked");
        }
        row.status = domain::CertificateStatus::kRevoked;
        row.revoked_at = row.updated_at = d_.clock.Now();
        SIGNET_TRY(tx.UpdateCertificate(row));
        e = {"certificate.revoke", "certificate", row.id,
             JsonWriter().Add("serialNumber", row.serial_number).Finish()};
        return row;
      });
  return AuditRefusal(c, "certificate.revoke", "certificate", id, std::move(r));
}

Result<domain::Certificate> Context::CheckSigningCertificate(store::Tx& tx,
                                                             const std::string& project_id,
                                                             const std::string& certificate_id) {
  auto bad = [&](const std::string& why) {
    return InvalidArgument("certificate '" + certificate_id + "' " + why);
  };
  if (!IsUuid(certificate_id)) return InvalidArgument("certificateId must be a UUID");
  auto cert = tx.GetCertificate(certificate_id);
  if (!cert || cert->project_id != project_id) return bad("was not found in this project");
  if (const std::string why = CertificateUnusableReason(*cert, d_.clock.Now()); !why.empty()) {
    return bad(why);
  }
  if (!Contains(cert->extended_key_usages, "codeSigning")) {
    return bad("lacks the codeSigning extended key usage");
  }
  SIGNET_ASSIGN_OR_RETURN(domain::Project project, tx.GetProject(project_id));
  if (compliance::IsCsbr(project)) {
    SIGNET_ASSIGN_OR_RETURN(std::optional<std::string> violation, CsbrSignerViolation(*cert));
    if (violation) return InvalidArgument(*violation);
  }
  return cert;
}

// ---- the public use cases: compliance refusals are put on record (AuditRefusal) ----

Result<domain::CertificateAuthority> PkiUseCases::CreateCa(const Caller& c,
                                                           const CreateCaInput& in) {
  return AuditRefusal(c, "ca.create", "project", in.project.value_or(kDefaultProjectSlug),
                      DoCreateCa(c, in));
}

Result<domain::Certificate> PkiUseCases::IssueCertificate(const Caller& c,
                                                          const IssueCertificateInput& in) {
  return AuditRefusal(c, "certificate.issue", "ca", in.ca_id, DoIssueCertificate(c, in));
}

Result<domain::Certificate> PkiUseCases::ImportCertificate(const Caller& c,
                                                           ImportCertificateInput in) {
  const std::string project = in.project.value_or(kDefaultProjectSlug);
  return AuditRefusal(c, "certificate.import", "project", project,
                      DoImportCertificate(c, std::move(in)));
}

Result<domain::Certificate> PkiUseCases::CreateCsr(const Caller& c, const CsrInput& in) {
  return AuditRefusal(c, "certificate.csr", "project", in.project.value_or(kDefaultProjectSlug),
                      DoCreateCsr(c, in));
}

Result<domain::Certificate> PkiUseCases::ImportIssuedCertificate(const Caller& c,
                                                                 const std::string& id,
                                                                 const std::string& certificate_pem,
                                                                 const std::string& chain_pem) {
  return AuditRefusal(c, "certificate.import-certificate", "certificate", id,
                      DoImportIssuedCertificate(c, id, certificate_pem, chain_pem));
}

Result<std::optional<std::string>> Context::CsbrSignerViolation(const domain::Certificate& cert) {
  SIGNET_ASSIGN_OR_RETURN(crypto::Certificate x509,
                          crypto::Certificate::FromPem(cert.certificate_pem));
  SIGNET_ASSIGN_OR_RETURN(crypto::CertificateInfo info, x509.Info());
  const compliance::CertificateFacts facts{cert.key_source,  cert.key_algorithm,
                                           info.not_before,  info.not_after,
                                           info.policy_oids, info.signature_hash};
  return compliance::SignerCertificateViolation(facts, "certificate '" + cert.id + "'");
}

}  // namespace signet::service
