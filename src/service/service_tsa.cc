// Time-stamp authorities (RFC 3161). A TSA's key comes from a key source like any other key
// (software or HSM; generated outside the write transaction), or is imported with its
// certificate. Its certificate — issued by an internal CA of its project with timeStamping as
// the only, critical, extended key usage (IssueInMemory/StoreIssued, the path every issued
// certificate takes), or imported (ImportInMemory/StoreImported) — is a row of `certificates`:
// listed with the project's certificates and revocable like them; a TSA whose certificate is
// revoked refuses every query. Timestamps go through the group committer: the serial is
// taken and its audit event appended in one write transaction shared with concurrent sign
// and timestamp records; the token is signed once that transaction has committed.
#include <algorithm>
#include <functional>
#include <future>
#include <tuple>

#include "common/encoding.h"
#include "common/names.h"
#include "crypto/sign.h"
#include "crypto/signing_key.h"
#include "crypto/timestamp.h"
#include "crypto/x509.h"
#include "service/service_internal.h"

namespace signet::service {

struct TsaUseCases::TsaSnapshot {
  domain::TimestampAuthority tsa;
  crypto::Certificate certificate;
  std::vector<crypto::Certificate> chain;
  std::shared_ptr<const crypto::SigningKey> key;
  // Its certificate's row was revoked (the TSA then refuses every query).
  bool certificate_revoked = false;
  std::uint64_t generation = 0;
  TimePoint loaded_at;
};

namespace {

constexpr std::int64_t kMaxAccuracyMs = 60'000;

Status CheckPolicyOid(const std::string& oid) {
  if (!crypto::IsDottedOid(oid)) {
    return InvalidArgument("policyOid '" + oid.substr(0, 64) +
                           "' is not a dotted object identifier such as 1.3.6.1.4.1.99999.1");
  }
  return Ok();
}

Status CheckAccuracy(std::int64_t ms) {
  if (ms < 0 || ms > kMaxAccuracyMs) {
    return InvalidArgument("accuracyMs is " + std::to_string(ms) + "; it must be 0–" +
                           std::to_string(kMaxAccuracyMs));
  }
  return Ok();
}

std::string Details(const domain::TimestampAuthority& t) {
  return JsonWriter()
      .Add("name", t.name)
      .Add("policyOid", t.policy_oid)
      .Add("accuracyMs", t.accuracy_ms)
      .Add("requireAuth", t.require_auth)
      .Add("isDefault", t.is_default)
      .Add("status", domain::CaStatusName(t.status))
      .Finish();
}

// Big-endian bytes of a positive serial, as DER INTEGER content needs them (no leading
// zero byte unless the top bit would be set).
Bytes SerialBytes(std::int64_t serial) {
  Bytes out;
  for (auto v = static_cast<std::uint64_t>(serial); v > 0; v >>= 8) {
    out.insert(out.begin(), static_cast<std::uint8_t>(v & 0xff));
  }
  if (out.empty() || (out[0] & 0x80) != 0) out.insert(out.begin(), 0);
  return out;
}

// Signs through the key's source: in this process, or inside the HSM.
crypto::DigestSigner KeySigner(std::shared_ptr<const crypto::SigningKey> key) {
  return [key = std::move(key)](domain::HashAlgorithm hash, ByteView digest) -> Result<Bytes> {
    const auto scheme = domain::KeyTypeOf(key->algorithm()) == domain::KeyType::kEc
                            ? domain::SignatureScheme::kEcdsa
                            : domain::SignatureScheme::kRsaPkcs1v15;
    return key->Sign({scheme, hash}, digest, /*is_digest=*/true);
  };
}

// The hash of a TSA's SignerInfo: as strong as its key.
domain::HashAlgorithm TokenHash(domain::KeyAlgorithm key) {
  switch (key) {
    case domain::KeyAlgorithm::kEcP384:
      return domain::HashAlgorithm::kSha384;
    case domain::KeyAlgorithm::kEcP521:
      return domain::HashAlgorithm::kSha512;
    default:
      return domain::HashAlgorithm::kSha256;
  }
}

}  // namespace

Result<domain::TimestampAuthority> TsaUseCases::LoadTsa(store::Tx& tx, const domain::Principal& p,
                                                        const std::string& id, bool manage) {
  SIGNET_ASSIGN_OR_RETURN(domain::TimestampAuthority tsa,
                          FindById(id, "time-stamp authority", [&] { return tx.GetTsa(id); }));
  // Outside the caller's projects a TSA does not exist (docs/security.md).
  auto role = ProjectRoleOf(tx, p, tsa.project_id);
  if (!role) return tl::unexpected(role.error());
  if (!policy::IsProjectMember(p, *role)) {
    return NotFound("time-stamp authority '" + id + "' not found");
  }
  if (manage) SIGNET_TRY(RequireProjectAdmin(tx, p, tsa.project_id));
  return tsa;
}

Result<domain::TimestampAuthority> TsaUseCases::CreateTsa(const Caller& c,
                                                          const CreateTsaInput& in) {
  SIGNET_TRY(ValidateSlug(in.name, "name"));
  SIGNET_TRY(CheckPolicyOid(in.policy_oid));
  SIGNET_TRY(CheckAccuracy(in.accuracy_ms));
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
  // The certificate is issued like any other (IssueInMemory/StoreIssued) and is a row of
  // `certificates`: listed with the project's certificates, revocable like them.
  IssueCertificateInput issue;
  issue.ca_id = ca.id;
  issue.common_name = in.name;
  issue.key_algorithm = in.key_algorithm;
  issue.ttl_days = in.ttl_days;
  issue.key_usages = {"digitalSignature"};
  issue.extended_key_usages = {"timeStamping"};  // critical, alone (crypto/x509.h)
  issue.key = in.key;
  SIGNET_ASSIGN_OR_RETURN(IssuedCertificate issued, IssueInMemory(ca, project, issue));

  domain::TimestampAuthority tsa;
  tsa.project_id = project.id;
  tsa.name = in.name;
  tsa.ca_id = ca.id;
  tsa.key_algorithm = in.key_algorithm;
  tsa.policy_oid = in.policy_oid;
  tsa.accuracy_ms = in.accuracy_ms;
  tsa.require_auth = in.require_auth;
  return StoreNewTsa(
      c, issued.key, std::move(tsa), in.is_default,
      [&](store::Tx& tx) -> Status { return check(tx).map([](auto&&) {}); },
      [&](store::Tx& tx) -> Result<domain::Certificate> {
        SIGNET_ASSIGN_OR_RETURN(domain::Certificate cert, StoreIssued(tx, project, issued));
        SIGNET_TRY(AppendAudit(tx, &c.principal,
                               {"certificate.issue", "certificate", cert.id,
                                JsonWriter()
                                    .Add("caId", ca.id)
                                    .Add("commonName", cert.common_name)
                                    .Add("serialNumber", cert.serial_number)
                                    .Add("keySource", domain::KeySourceTypeName(cert.key_source))
                                    .Add("keyId", cert.key_id)
                                    .Finish()}));
        return cert;
      });
}

Result<domain::TimestampAuthority> TsaUseCases::ImportTsa(const Caller& c, ImportTsaInput in) {
  SIGNET_TRY(ValidateSlug(in.name, "name"));
  SIGNET_TRY(CheckPolicyOid(in.policy_oid));
  SIGNET_TRY(CheckAccuracy(in.accuracy_ms));
  // The caller's rights first: parsing a PKCS#12 file is the expensive part.
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
  SIGNET_ASSIGN_OR_RETURN(IssuedCertificate imported, ImportInMemory(project, in.certificate));
  domain::Certificate& row = imported.row;
  // RFC 3161 §2.3: the TSA's certificate has exactly one extended key usage, timeStamping,
  // and the extension is critical; `openssl ts -verify` and Authenticode verifiers insist.
  SIGNET_ASSIGN_OR_RETURN(crypto::Certificate leaf,
                          crypto::Certificate::FromPem(row.certificate_pem));
  SIGNET_ASSIGN_OR_RETURN(crypto::CertificateInfo info, leaf.Info());
  if (info.extended_key_usages != std::vector<std::string>{"timeStamping"} ||
      !info.extended_key_usage_critical) {
    std::string has = "no extended key usage";
    if (!info.extended_key_usages.empty()) {
      has = std::string(info.extended_key_usage_critical ? "critical" : "non-critical") +
            " extended key usage ";
      for (std::size_t i = 0; i < info.extended_key_usages.size(); ++i) {
        has += (i > 0 ? ", " : "") + info.extended_key_usages[i];
      }
    }
    return InvalidArgument(
        "certificatePem: a TSA certificate needs timeStamping as its only extended key usage, "
        "marked critical (RFC 3161 §2.3); this one has " +
        has);
  }
  if (info.is_ca) {
    return InvalidArgument("certificatePem: a TSA certificate must not be a CA certificate");
  }
  const TimePoint now = d_.clock.Now();
  if (now < info.not_before || now >= info.not_after) {
    return InvalidArgument("certificatePem: the certificate is not valid now (valid " +
                           FormatTime(info.not_before) + " to " + FormatTime(info.not_after) + ")");
  }
  // The chain: what the input holds besides the leaf (PEM blocks or PKCS#12 bags in any
  // order; ImportInMemory orders them). Without one, only a self-signed certificate will do:
  // verifiers need the issuers, and an imported key cannot have come from an internal CA
  // (their keys sign only certificates for keys made here).
  if (row.certificate_chain_pem.empty() && info.issuer != info.subject) {
    return InvalidArgument(
        "certificateChainPem: the certificate was issued by '" + info.issuer +
        "'; give that issuer's chain in certificateChainPem (or in the PKCS#12 file)");
  }
  domain::TimestampAuthority tsa;
  tsa.project_id = project.id;
  tsa.name = in.name;
  tsa.key_algorithm = row.key_algorithm;
  tsa.policy_oid = in.policy_oid;
  tsa.accuracy_ms = in.accuracy_ms;
  tsa.require_auth = in.require_auth;
  const char* format = in.certificate.pkcs12 ? "pkcs12" : "pem";
  return StoreNewTsa(
      c, imported.key, std::move(tsa), in.is_default,
      [&](store::Tx& tx) -> Status { return check(tx).map([](auto&&) {}); },
      [&](store::Tx& tx) -> Result<domain::Certificate> {
        SIGNET_ASSIGN_OR_RETURN(domain::Certificate cert, StoreImported(tx, imported));
        SIGNET_TRY(AppendAudit(tx, &c.principal,
                               {"certificate.import", "certificate", cert.id,
                                JsonWriter()
                                    .Add("commonName", cert.common_name)
                                    .Add("serialNumber", cert.serial_number)
                                    .Add("format", format)
                                    .Finish()}));
        return cert;
      });
}

Result<domain::TimestampAuthority> TsaUseCases::StoreNewTsa(
    const Caller& c, const keystore::NewKey& key, domain::TimestampAuthority tsa,
    std::optional<bool> is_default, const std::function<Status(store::Tx&)>& check,
    const std::function<Result<domain::Certificate>(store::Tx&)>& store_certificate) {
  const TimePoint now = d_.clock.Now();
  tsa.id = NewUuid();
  tsa.key_id = key.stored.key_id;
  tsa.key_source = key.source;
  tsa.status = domain::CaStatus::kActive;
  tsa.created_at = tsa.updated_at = now;
  return WriteWithNewKey<domain::TimestampAuthority>(
      &c.principal, key, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::TimestampAuthority> {
        SIGNET_TRY(check(tx));
        SIGNET_ASSIGN_OR_RETURN(domain::Certificate cert, store_certificate(tx));
        tsa.certificate_id = cert.id;
        tsa.certificate_pem = cert.certificate_pem;
        tsa.certificate_chain_pem = cert.certificate_chain_pem;
        tsa.serial_number = cert.serial_number;
        tsa.not_before = cert.not_before.value_or(now);
        tsa.not_after = cert.not_after.value_or(now);
        auto current_default = tx.GetDefaultTsa(tsa.project_id);
        if (!current_default && current_default.error().code != ErrorCode::kNotFound) {
          return tl::unexpected(current_default.error());
        }
        tsa.is_default = is_default.value_or(!current_default.has_value());
        if (tsa.is_default && current_default) {
          current_default->is_default = false;
          current_default->updated_at = now;
          SIGNET_TRY(tx.UpdateTsa(*current_default));
        }
        SIGNET_TRY(tx.InsertTsa(tsa));
        e = {"tsa.create", "tsa", tsa.id,
             JsonWriter()
                 .AddRaw("tsa", Details(tsa))
                 .Add("caId", tsa.ca_id.value_or(""))
                 .Add("certificateId", cert.id)
                 .Add("keyAlgorithm", domain::KeyAlgorithmName(tsa.key_algorithm))
                 .Add("keySource", domain::KeySourceTypeName(tsa.key_source))
                 .Add("certificateSerialNumber", tsa.serial_number)
                 .Finish()};
        return tsa;
      });
}

Result<store::Page<domain::TimestampAuthority>> TsaUseCases::ListTsas(
    const Caller& c, const std::optional<std::string>& project, Paging p) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(domain::Project proj, ResolveProject(*tx, project));
  SIGNET_TRY(RequireProjectMember(*tx, c.principal, proj.id));
  return tx->ListTsas(proj.id, ToPage(p));
}

Result<domain::TimestampAuthority> TsaUseCases::GetTsa(const Caller& c, const std::string& id) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  return LoadTsa(*tx, c.principal, id, /*manage=*/false);
}

Result<CertificateBundle> TsaUseCases::TsaCertificate(const Caller& c, const std::string& id) {
  SIGNET_ASSIGN_OR_RETURN(domain::TimestampAuthority tsa, GetTsa(c, id));
  return CertificateBundle{tsa.certificate_pem, tsa.certificate_chain_pem, tsa.serial_number};
}

Result<domain::TimestampAuthority> TsaUseCases::UpdateTsa(const Caller& c, const std::string& id,
                                                          const UpdateTsaInput& in) {
  if (in.name) SIGNET_TRY(ValidateSlug(*in.name, "name"));
  if (in.policy_oid) SIGNET_TRY(CheckPolicyOid(*in.policy_oid));
  if (in.accuracy_ms) SIGNET_TRY(CheckAccuracy(*in.accuracy_ms));
  return WriteWithAudit<domain::TimestampAuthority>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::TimestampAuthority> {
        SIGNET_ASSIGN_OR_RETURN(domain::TimestampAuthority tsa,
                                LoadTsa(tx, c.principal, id, /*manage=*/true));
        const domain::TimestampAuthority before = tsa;
        const TimePoint now = d_.clock.Now();
        if (in.name) tsa.name = *in.name;
        if (in.policy_oid) tsa.policy_oid = *in.policy_oid;
        if (in.accuracy_ms) tsa.accuracy_ms = *in.accuracy_ms;
        if (in.require_auth) tsa.require_auth = *in.require_auth;
        if (in.status) tsa.status = *in.status;
        if (in.is_default) {
          if (*in.is_default && !before.is_default) {
            auto current = tx.GetDefaultTsa(tsa.project_id);
            if (current) {
              current->is_default = false;
              current->updated_at = now;
              SIGNET_TRY(tx.UpdateTsa(*current));
            } else if (current.error().code != ErrorCode::kNotFound) {
              return tl::unexpected(current.error());
            }
          }
          tsa.is_default = *in.is_default;
        }
        tsa.updated_at = now;
        SIGNET_TRY(tx.UpdateTsa(tsa));
        e = {"tsa.update", "tsa", tsa.id,
             JsonWriter().AddRaw("before", Details(before)).AddRaw("after", Details(tsa)).Finish()};
        return tsa;
      });
}

Result<domain::TimestampAuthority> TsaUseCases::DeleteTsa(const Caller& c, const std::string& id) {
  auto deleted = WriteWithAudit<domain::TimestampAuthority>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::TimestampAuthority> {
        SIGNET_ASSIGN_OR_RETURN(domain::TimestampAuthority tsa,
                                LoadTsa(tx, c.principal, id, /*manage=*/true));
        SIGNET_TRY(tx.DeleteTsa(tsa.id));
        // A software key is destroyed with the TSA; a key in the HSM stays in the token, as
        // the keys of CAs and certificates do (the token's administrator removes objects).
        if (tsa.key_source == domain::KeySourceType::kSoftware) {
          SIGNET_TRY(tx.DeleteWrappedKey(tsa.key_id));
        }
        // Its certificate stays listed, revoked: nothing may sign with it any more.
        if (tsa.certificate_id) {
          auto cert = tx.GetCertificate(*tsa.certificate_id);
          if (!cert && cert.error().code != ErrorCode::kNotFound) {
            return tl::unexpected(cert.error());
          }
          if (cert && cert->status != domain::CertificateStatus::kRevoked) {
            cert->status = domain::CertificateStatus::kRevoked;
            cert->revoked_at = cert->updated_at = d_.clock.Now();
            SIGNET_TRY(tx.UpdateCertificate(*cert));
            SIGNET_TRY(AppendAudit(tx, &c.principal,
                                   {"certificate.revoke", "certificate", cert->id,
                                    JsonWriter()
                                        .Add("serialNumber", cert->serial_number)
                                        .Add("reason", "its time-stamp authority was deleted")
                                        .Finish()}));
          }
        }
        e = {"tsa.delete", "tsa", tsa.id,
             JsonWriter()
                 .AddRaw("tsa", Details(tsa))
                 .Add("lastSerial", tsa.last_serial)
                 .Add("certificateSerialNumber", tsa.serial_number)
                 .Add("certificateId", tsa.certificate_id.value_or(""))
                 .Finish()};
        return tsa;
      });
  if (deleted && deleted->key_source == domain::KeySourceType::kSoftware) {
    d_.keys.Evict(deleted->key_id);
  }
  if (deleted) {
    std::lock_guard lock(tsa_cache_mu_);
    tsa_cache_.clear();
  }
  return deleted;
}

Result<std::shared_ptr<const TsaUseCases::TsaSnapshot>> TsaUseCases::TsaFor(
    const std::string& tsa_id) {
  const std::uint64_t generation = signer_cache_.generation();
  const TimePoint now = d_.clock.Now();
  {
    std::lock_guard lock(tsa_cache_mu_);
    auto it = tsa_cache_.find(tsa_id);
    if (it != tsa_cache_.end() && it->second->generation == generation &&
        now - it->second->loaded_at < d_.cache_ttl) {
      return it->second;
    }
  }
  domain::TimestampAuthority tsa;
  bool certificate_revoked = false;
  {
    SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
    if (tsa_id.empty()) {
      SIGNET_ASSIGN_OR_RETURN(domain::Project project, ResolveProject(*tx, std::nullopt));
      auto found = tx->GetDefaultTsa(project.id);
      if (!found && found.error().code == ErrorCode::kNotFound) {
        return NotFound(
            "this server has no default time-stamp authority; create one with POST "
            "/api/v1/pki/tsa in the default project");
      }
      SIGNET_ASSIGN_OR_RETURN(tsa, std::move(found));
    } else {
      SIGNET_ASSIGN_OR_RETURN(
          tsa, FindById(tsa_id, "time-stamp authority", [&] { return tx->GetTsa(tsa_id); }));
    }
    if (tsa.certificate_id) {
      SIGNET_ASSIGN_OR_RETURN(domain::Certificate cert, tx->GetCertificate(*tsa.certificate_id));
      certificate_revoked = cert.status == domain::CertificateStatus::kRevoked;
    }
  }
  SIGNET_ASSIGN_OR_RETURN(crypto::Certificate certificate,
                          crypto::Certificate::FromPem(tsa.certificate_pem));
  SIGNET_ASSIGN_OR_RETURN(std::vector<crypto::Certificate> chain,
                          crypto::ParseCertificateChainPem(tsa.certificate_chain_pem));
  SIGNET_ASSIGN_OR_RETURN(auto key, key_sources_.Load(tsa.key_source, tsa.key_id));
  auto snapshot = std::make_shared<TsaSnapshot>(TsaSnapshot{std::move(tsa), std::move(certificate),
                                                            std::move(chain), std::move(key),
                                                            certificate_revoked, generation, now});
  std::lock_guard lock(tsa_cache_mu_);
  if (signer_cache_.generation() == generation) tsa_cache_[tsa_id] = snapshot;
  return std::shared_ptr<const TsaSnapshot>(std::move(snapshot));
}

void TsaUseCases::Timestamp(const Caller* caller, const std::string& source_ip,
                            const std::string& tsa_id, ByteView query_der, TimestampDone done) {
  auto count = [this](std::string_view result) {
    if (d_.metrics != nullptr) d_.metrics->timestamps.Inc({std::string(result)});
  };
  auto refuse = [&](crypto::TsaFailure failure, const std::string& text) {
    count(crypto::TsaFailureName(failure));
    done(TimestampResult{crypto::TimestampRejection(failure, text), false, ""});
  };

  auto snapshot = TsaFor(tsa_id);
  if (!snapshot) return done(tl::unexpected(std::move(snapshot).error()));
  std::shared_ptr<const TsaSnapshot> s = std::move(*snapshot);
  const domain::TimestampAuthority& tsa = s->tsa;

  // Who may ask: a TSA with requireAuth answers members of its project (others see no such
  // TSA); a public one answers anyone, callers without a token at a bounded rate per source
  // address (callers with one have their per-caller limit).
  if (tsa.require_auth) {
    if (caller == nullptr) {
      return done(Unauthenticated("time-stamp authority '" + tsa.name +
                                  "' answers only callers with a token (Authorization: Bearer)"));
    }
    auto tx = d_.store.BeginRead();
    if (!tx) return done(tl::unexpected(std::move(tx).error()));
    auto role = ProjectRoleOf(**tx, caller->principal, tsa.project_id);
    if (!role) return done(tl::unexpected(std::move(role).error()));
    if (!policy::IsProjectMember(caller->principal, *role)) {
      return done(NotFound("time-stamp authority '" + tsa.id + "' not found"));
    }
  } else if (caller == nullptr) {
    if (auto wait = anonymous_timestamps_.Allow(source_ip, d_.clock.Now())) {
      const auto seconds = std::max<std::int64_t>(1, (wait->count() + 999) / 1000);
      return done(RateLimited("too many timestamp queries from " + source_ip + "; retry in " +
                                  std::to_string(seconds) + " s",
                              seconds));
    }
  }

  auto parsed = crypto::ParseTimestampQuery(query_der);
  if (!parsed) return refuse(parsed.error().failure, parsed.error().text);
  if (parsed->policy_oid && *parsed->policy_oid != tsa.policy_oid) {
    return refuse(
        crypto::TsaFailure::kUnacceptedPolicy,
        "policy " + *parsed->policy_oid + " is not this TSA's; it issues under " + tsa.policy_oid);
  }
  if (tsa.status != domain::CaStatus::kActive) {
    return refuse(crypto::TsaFailure::kSystemFailure,
                  "time-stamp authority '" + tsa.name + "' is disabled");
  }
  if (s->certificate_revoked) {
    return refuse(crypto::TsaFailure::kSystemFailure, "the certificate of time-stamp authority '" +
                                                          tsa.name +
                                                          "' is revoked; it needs a new one");
  }
  const TimePoint now = d_.clock.Now();
  if (now < tsa.not_before || now >= tsa.not_after) {
    return refuse(crypto::TsaFailure::kSystemFailure, "the certificate of time-stamp authority '" +
                                                          tsa.name +
                                                          "' is not valid now; it needs a new one");
  }
  if (d_.tsa_require_synchronized_clock && d_.clock_state) {
    if (ClockState clock = d_.clock_state(); !clock.synchronized) {
      return refuse(crypto::TsaFailure::kTimeNotAvailable,
                    "the server's clock is not synchronised: " + clock.reason);
    }
  }

  // A timestamp's audit events are written like every other (AuditInput: the caller, and its
  // OIDC claims), except that a caller without a token is "anonymous", not the system.
  auto event_of = [](const std::optional<domain::Principal>& actor, const AuditEntry& entry) {
    audit::AuditEventInput e = AuditInput(actor ? &*actor : nullptr, entry);
    if (!actor) e.actor_type = "anonymous";
    return e;
  };
  // Runs `append` in the group commit and waits for its outcome: the timestamp's events go
  // through the one committer and its audit appender, like the sign records they share it with.
  auto commit = [this](CommitQueue::Work append) {
    std::promise<Status> committed;
    commits_->Submit(std::move(append),
                     [&committed](Status st) { committed.set_value(std::move(st)); });
    return committed.get_future().get();
  };

  struct Work {
    crypto::TimestampQuery query;
    std::optional<domain::Principal> actor;
    std::int64_t serial = 0;
    TimePoint gen_time;
  };
  auto w = std::make_shared<Work>();
  w->query = std::move(*parsed);
  if (caller != nullptr) w->actor = caller->principal;
  // The group commit takes the serial and genTime and appends the audit event (again, alone,
  // if its batch fails), so serial order is commit order; the token is signed after the
  // commit, on this thread, so that nothing is issued that is not on record and the signature
  // and its DER (most of a timestamp's CPU) run on the worker pool, not on the one committer
  // thread every sign record goes through. Should signing then fail (an HSM gone, say), the
  // caller gets the error, the recorded serial stays unused, and a `tsa.timestamp.failed` event
  // says so (best effort: the error stands whether or not it commits). This waits for the commit,
  // so `done` runs here, before Timestamp returns; the routes call it on the worker pool.
  const Status recorded = commit([this, s, w, source_ip, event_of](store::Tx& tx) -> Status {
    const domain::TimestampAuthority& t = s->tsa;
    SIGNET_ASSIGN_OR_RETURN(w->serial, tx.NextTsaSerial(t.id));
    w->gen_time = d_.clock.Now();
    const audit::AuditEventInput e =
        event_of(w->actor, {"tsa.timestamp", "tsa", t.id,
                            JsonWriter()
                                .Add("serial", w->serial)
                                .Add("hashAlgorithm", domain::HashName(w->query.hash))
                                .Add("messageImprint", HexEncode(w->query.imprint))
                                .Add("nonce", crypto::NonceHex(w->query.nonce_der))
                                .Add("certReq", w->query.cert_req)
                                .Add("policyOid", t.policy_oid)
                                .Add("genTime", FormatTime(w->gen_time))
                                .Add("sourceIp", source_ip)
                                .Finish()});
    return commit_audit_.Append(tx, e, w->gen_time);
  });
  if (!recorded) {
    if (d_.metrics != nullptr) d_.metrics->timestamps.Inc({"error"});
    return done(tl::unexpected(recorded.error()));
  }
  const domain::TimestampAuthority& t = s->tsa;
  const Bytes serial = SerialBytes(w->serial);
  crypto::TimestampIssue issue;
  issue.query = &w->query;
  issue.policy_oid = t.policy_oid;
  issue.serial = serial;
  issue.gen_time = w->gen_time;
  if (t.accuracy_ms > 0) issue.accuracy = Millis(t.accuracy_ms);
  issue.tsa_certificate = &s->certificate;
  for (const crypto::Certificate& c : s->chain) issue.chain.push_back(&c);
  issue.hash = TokenHash(t.key_algorithm);
  auto token = crypto::IssueTimestamp(issue, KeySigner(s->key));
  if (!token) {
    if (d_.metrics != nullptr) d_.metrics->timestamps.Inc({"error"});
    const audit::AuditEventInput e = event_of(w->actor, {"tsa.timestamp.failed", "tsa", t.id,
                                                         JsonWriter()
                                                             .Add("serial", w->serial)
                                                             .Add("error", token.error().message)
                                                             .Add("sourceIp", source_ip)
                                                             .Finish()});
    (void)commit([this, &e](store::Tx& tx) { return commit_audit_.Append(tx, e, d_.clock.Now()); });
    return done(tl::unexpected(std::move(token).error()));
  }
  if (d_.metrics != nullptr) d_.metrics->timestamps.Inc({"granted"});
  done(TimestampResult{std::move(*token), true, std::to_string(w->serial)});
}

Status TsaUseCases::RecordClockStep(Millis step) {
  ClockState state;
  if (d_.clock_state) state = d_.clock_state();
  return WriteWithAudit<bool>(nullptr,
                              [&](store::Tx&, AuditEntry& e) -> Result<bool> {
                                e = {"clock.step", "clock", "",
                                     JsonWriter()
                                         .Add("stepMs", static_cast<std::int64_t>(step.count()))
                                         .Add("synchronized", state.synchronized)
                                         .Add("reason", state.reason)
                                         .Finish()};
                                return true;
                              })
      .map([](bool) {});
}

}  // namespace signet::service
