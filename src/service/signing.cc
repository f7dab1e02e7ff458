// The sign path (service/signing.h), top to bottom: Sign → checks → grant → sign → record;
// then the same for a batch.
#include "service/signing.h"

#include <chrono>
#include <map>

#include "common/encoding.h"
#include "crypto/digest.h"
#include "policy/signing_policy.h"
#include "service/compliance.h"
#include "service/service_internal.h"

namespace signet::service {

namespace {

constexpr char kApprovalRequired[] = "Signing requires approval. Get approval before signing.";

// The signer's policy as it applies to the caller, read once: whether a grant is needed and
// the caller's active grants on the signer.
struct PolicyGrants {
  bool grant_required = false;
  std::vector<domain::Grant> grants;
};
Result<PolicyGrants> LoadPolicyGrants(store::Store& store, const domain::Principal& p,
                                      const domain::Signer& signer);

}  // namespace

// One sign attempt between its checks and its committed record.
struct SigningUseCases::SignAttempt {
  domain::Principal actor;
  std::shared_ptr<const SignerSnapshot> view;  // the signer, the caller's roles, the certificate
  domain::SigningOperation op;                 // what to record
  domain::SigningOperation recorded;           // what was recorded (a grant may run out meanwhile)
  std::optional<Error> refusal;                // recorded, then answered
  Bytes signature;
  // The metric label: the canonical name of a known algorithm, else "unknown" (never the
  // name as sent, which would let callers grow the label set without bound).
  std::string algorithm_label = "unknown";

  // A refused attempt is recorded like any other, then answered with its error.
  Status Refuse(domain::OperationStatus status, Error error) {
    op.status = status;
    op.error_message = error.message;
    refusal = std::move(error);
    return Ok();
  }
};

// ---- Sign: one attempt ----

void SigningUseCases::Sign(const Caller& c, const std::string& signer_id, const SignInput& in,
                           SignDone done) {
  const auto started = std::chrono::steady_clock::now();
  auto a = std::make_shared<SignAttempt>();
  if (Status prepared = PrepareSign(c, signer_id, in, *a); !prepared) {
    return done(tl::unexpected(std::move(prepared).error()));
  }
  // The work starts from `a->op` each time it runs, because a failed batch re-runs it alone;
  // with a grant, the use is counted in the same transaction as the record.
  commits_->Submit(
      [this, a](store::Tx& tx) -> Status {
        a->recorded = a->op;
        return RecordOperation(tx, a->actor, a->view->signer, a->recorded);
      },
      [this, a, started, done = std::move(done)](Status committed) {
        if (!committed) return done(tl::unexpected(std::move(committed).error()));
        const domain::SigningOperation& op = a->recorded;
        if (d_.metrics != nullptr) {
          d_.metrics->sign_operations.Inc(
              {a->algorithm_label, std::string(domain::OperationStatusName(op.status))});
          d_.metrics->sign_latency.Observe(
              {},
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        }
        if (a->refusal) return done(tl::unexpected(std::move(*a->refusal)));
        if (op.status != domain::OperationStatus::kSuccess) {
          // The grant ran out between the check and the commit; the attempt is on record.
          return done(MakeError(ErrorCode::kApprovalRequired, kApprovalRequired));
        }
        // A signature means the algorithm parsed, so the recorded name is the one sent.
        done(SignResult{std::move(a->signature), op.signing_algorithm, a->view->signer.id});
      });
}

Status SigningUseCases::PrepareSign(const Caller& c, const std::string& signer_id,
                                    const SignInput& in, SignAttempt& a) {
  SIGNET_ASSIGN_OR_RETURN(a.view, SignerFor(c.principal, signer_id));
  a.actor = c.principal;
  const SignerSnapshot& v = *a.view;
  const domain::Signer& signer = v.signer;
  const auto data = Base64Decode(in.data_base64);  // dataHash names it, for refusals too
  const auto algorithm = domain::ParseSigningAlgorithm(in.signing_algorithm);
  a.op = NewOperation(c, signer, in, data);
  if (algorithm) a.algorithm_label = std::string(domain::SigningAlgorithmName(*algorithm));
  const TimePoint now = d_.clock.Now();

  // The checks: the caller and the signer, then the input.
  if (auto refused = SignerRefusal(c.principal, v, now)) {
    return a.Refuse(refused->status, std::move(refused->error));
  }
  if (Status checked = CheckSignInput(v, in, data, algorithm); !checked) {
    return a.Refuse(domain::OperationStatus::kFailed, std::move(checked).error());
  }

  // The grant: the policy is read on every call, like the grants (SPEC §5).
  SIGNET_ASSIGN_OR_RETURN(PolicyGrants pg, LoadPolicyGrants(d_.store, c.principal, signer));
  if (pg.grant_required) {
    auto grant = ChooseGrant(pg.grants, SeenScope(c, in, a.op.data_hash), now, nullptr);
    if (!grant) return a.Refuse(domain::OperationStatus::kDenied, std::move(grant).error());
    a.op.grant_id = std::move(*grant);
  }

  // The signature; it leaves only after the record has committed (Sign above).
  const domain::Certificate& cert = *v.certificate;
  auto key = key_sources_.Load(cert.key_source, cert.key_id);
  if (!key) {
    return a.Refuse(
        domain::OperationStatus::kFailed,
        Error{ErrorCode::kInternal, "the key of signer '" + signer.name + "' is not usable"});
  }
  // A key in an unreachable HSM fails with Unavailable (503) and the module's reason.
  auto signature = (*key)->Sign(*algorithm, *data, in.is_digest);
  if (!signature) return a.Refuse(domain::OperationStatus::kFailed, signature.error());
  a.op.status = domain::OperationStatus::kSuccess;
  a.signature = std::move(*signature);
  return Ok();
}

// ---- the signer, as the sign path reads it ----

Result<std::shared_ptr<const SignerSnapshot>> SigningUseCases::SignerFor(
    const domain::Principal& p, const std::string& signer_id) {
  auto cached = signer_cache_.Get(signer_id, p);
  if (d_.metrics != nullptr) d_.metrics->signer_cache_lookups.Inc({cached ? "hit" : "miss"});
  if (cached) return cached;
  const std::uint64_t generation = signer_cache_.generation();
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(SignerView v, LoadSigner(*tx, p, signer_id));
  auto snapshot = std::make_shared<SignerSnapshot>();
  auto cert = tx->GetCertificate(v.signer.certificate_id);
  if (cert) {
    cert->certificate_pem.clear();
    cert->certificate_chain_pem.clear();
    cert->csr_pem.clear();
    snapshot->certificate = std::move(*cert);
  } else if (cert.error().code != ErrorCode::kNotFound) {
    return tl::unexpected(cert.error());
  }
  SIGNET_ASSIGN_OR_RETURN(domain::Project project, tx->GetProject(v.signer.project_id));
  snapshot->compliance_profile = project.compliance_profile;
  snapshot->signer = std::move(v.signer);
  snapshot->project_role = v.project_role;
  snapshot->signer_role = v.signer_role;
  signer_cache_.Put(generation, p, snapshot);
  return std::shared_ptr<const SignerSnapshot>(std::move(snapshot));
}

// ---- the checks ----

std::optional<SignRefusal> SignerRefusal(const domain::Principal& p, const SignerSnapshot& v,
                                         TimePoint now) {
  const domain::Signer& signer = v.signer;
  if (!policy::CanSign({p, v.project_role, v.signer_role})) {
    return SignRefusal{
        domain::OperationStatus::kDenied,
        Error{ErrorCode::kPermissionDenied, "you may not sign with signer '" + signer.name + "'"}};
  }
  if (v.compliance_profile == domain::ComplianceProfile::kCsbr) {
    if (auto violation = compliance::MfaViolation(p, "signing")) {
      return SignRefusal{domain::OperationStatus::kDenied,
                         Error{ErrorCode::kPermissionDenied, std::move(*violation)}};
    }
    // Bindings are checked when made and when the profile is switched on; this catches a
    // certificate that changed meanwhile on another node.
    if (v.certificate) {
      auto violation = compliance::KeyAlgorithmViolation(v.certificate->key_algorithm);
      if (v.certificate->key_source != domain::KeySourceType::kHsm) {
        violation = std::string(compliance::kCsbrPrefix) +
                    "signers must use keys in a hardware security module; the key of signer '" +
                    signer.name + "' is a software key";
      }
      if (violation) {
        return SignRefusal{domain::OperationStatus::kFailed,
                           Error{ErrorCode::kInvalidArgument, std::move(*violation)}};
      }
    }
  }
  if (signer.status != domain::SignerStatus::kActive) {
    return SignRefusal{
        domain::OperationStatus::kFailed,
        Error{ErrorCode::kInvalidArgument, "signer '" + signer.name + "' is disabled"}};
  }
  if (!v.certificate) {
    return SignRefusal{domain::OperationStatus::kFailed,
                       Error{ErrorCode::kInvalidArgument,
                             "the certificate of signer '" + signer.name + "' is not usable"}};
  }
  if (const std::string why = CertificateUnusableReason(*v.certificate, now); !why.empty()) {
    return SignRefusal{domain::OperationStatus::kFailed,
                       Error{ErrorCode::kInvalidArgument,
                             "the certificate of signer '" + signer.name + "' " + why}};
  }
  return std::nullopt;
}

Status CheckSignInput(const SignerSnapshot& v, const SignInput& in, const Result<Bytes>& data,
                      const Result<domain::SigningAlgorithm>& algorithm) {
  if (v.compliance_profile == domain::ComplianceProfile::kCsbr) {
    if (auto violation = compliance::SigningAlgorithmViolation(in.signing_algorithm)) {
      return InvalidArgument(*violation);
    }
  }
  if (!data) return InvalidArgument("data is not valid base64: " + data.error().message);
  if (data->empty() || data->size() > kMaxSignData) {
    return InvalidArgument("data is " + std::to_string(data->size()) +
                           " bytes; it must be 1 to 128 bytes");
  }
  if (!algorithm) return tl::unexpected(algorithm.error());
  const std::optional<domain::Certificate>& cert = v.certificate;
  if (cert && domain::RequiredKeyType(*algorithm) != domain::KeyTypeOf(cert->key_algorithm)) {
    return InvalidArgument(
        std::string(domain::SigningAlgorithmName(*algorithm)) + " needs an " +
        std::string(domain::KeyTypeName(domain::RequiredKeyType(*algorithm))) + " key; signer '" +
        v.signer.name + "' has an " +
        std::string(domain::KeyTypeName(domain::KeyTypeOf(cert->key_algorithm))) + " key");
  }
  if (in.is_digest && data->size() != domain::HashLength(algorithm->hash)) {
    return InvalidArgument("digest is " + std::to_string(data->size()) + " bytes; " +
                           std::string(domain::HashName(algorithm->hash)) + " needs " +
                           std::to_string(domain::HashLength(algorithm->hash)));
  }
  return Ok();
}

domain::SigningOperation NewOperation(const Caller& c, const domain::Signer& signer,
                                      const SignInput& in, const Result<Bytes>& data) {
  domain::SigningOperation op;
  op.id = NewTimeOrderedUuid();  // appended in time order: index inserts stay on the last pages
  op.signer_id = signer.id;
  op.project_id = signer.project_id;
  op.signing_algorithm = in.signing_algorithm.substr(0, 64);
  op.actor_type = c.principal.type;
  op.actor_id = c.principal.id;
  op.actor_name = c.principal.name;
  op.client_metadata_json = in.client_metadata_json;
  op.source_ip = c.source_ip;
  if (data) op.data_hash = HexEncode(crypto::Sha256(*data));
  return op;
}

// ---- the grant ----

namespace {

Result<PolicyGrants> LoadPolicyGrants(store::Store& store, const domain::Principal& p,
                                      const domain::Signer& signer) {
  PolicyGrants out;
  if (!signer.signing_policy_id) return out;
  SIGNET_ASSIGN_OR_RETURN(auto rtx, store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(domain::SigningPolicy policy, rtx->GetPolicy(*signer.signing_policy_id));
  if (p.is_machine() && policy.bypass_for_machine_identities) return out;
  out.grant_required = true;
  SIGNET_ASSIGN_OR_RETURN(
      auto grants,
      rtx->ListGrants(store::GrantFilter{signer.id, p.type, p.id, domain::GrantStatus::kActive},
                      store::PageRequest{}));
  out.grants = std::move(grants.items);
  return out;
}

}  // namespace

domain::SigningScope SeenScope(const Caller& c, const SignInput& in, const std::string& data_hash) {
  domain::SigningScope seen = in.reported;
  seen.ip_address = c.source_ip;
  seen.data_hash = data_hash;
  return seen;
}

Result<std::string> ChooseGrant(const std::vector<domain::Grant>& grants,
                                const domain::SigningScope& seen, TimePoint now,
                                const std::map<std::string, std::int64_t>* remaining) {
  std::string mismatch;
  bool used_up = false;
  for (const auto& g : grants) {
    if (!policy::GrantUsableAt(g, now)) continue;
    const std::string m = policy::ScopeMismatch(g.scope, seen);
    if (!m.empty()) {
      mismatch = m;
      continue;
    }
    if (remaining != nullptr) {
      auto left = remaining->find(g.id);
      if (left != remaining->end() && left->second <= 0) {
        used_up = true;
        continue;
      }
    }
    return g.id;
  }
  if (!mismatch.empty() && !used_up) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "the signing grant's scope does not match this attempt (" + mismatch + ")");
  }
  return MakeError(ErrorCode::kApprovalRequired, kApprovalRequired);
}

// ---- the record ----

Status SigningUseCases::RecordOperation(store::Tx& tx, const domain::Principal& actor,
                                        const domain::Signer& signer,
                                        domain::SigningOperation& op) {
  if (op.status == domain::OperationStatus::kSuccess && op.grant_id) {
    const TimePoint now = d_.clock.Now();
    SIGNET_ASSIGN_OR_RETURN(bool used, tx.TryUseGrant(*op.grant_id, now));
    if (!used) {
      op.status = domain::OperationStatus::kDenied;
      op.error_message = kApprovalRequired;
    }
    // A grant that has run out (this use may have been its last) or timed out is stored as
    // expired, with its audit event, in the same transaction.
    SIGNET_ASSIGN_OR_RETURN(domain::Grant grant, tx.GetGrant(*op.grant_id));
    if (grant.status == domain::GrantStatus::kActive &&
        policy::EffectiveGrantStatus(grant, now) == domain::GrantStatus::kExpired) {
      grant.status = domain::GrantStatus::kExpired;
      grant.updated_at = now;
      SIGNET_TRY(tx.UpdateGrant(grant));
      SIGNET_TRY(AppendCommitAudit(tx, nullptr,
                                   {"grant.expire", "grant", grant.id,
                                    JsonWriter()
                                        .Add("signerId", grant.signer_id)
                                        .Add("usedSignings", grant.used_signings)
                                        .Finish()}));
    }
  }
  op.created_at = d_.clock.Now();
  SIGNET_TRY(tx.InsertOperation(op));
  if (op.status == domain::OperationStatus::kSuccess) {
    auto [it, inserted] = last_signed_.try_emplace(signer.id, op.created_at);
    if (!inserted && it->second < op.created_at) it->second = op.created_at;
  }
  JsonWriter details;
  details.Add("operationId", op.id)
      .Add("signerName", signer.name)
      .Add("signingAlgorithm", op.signing_algorithm)
      .Add("dataHash", op.data_hash)
      .Add("sourceIp", op.source_ip);
  if (op.grant_id) details.Add("grantId", *op.grant_id);
  if (op.error_message) details.Add("error", *op.error_message);
  return AppendCommitAudit(tx, &actor,
                           {"sign." + std::string(domain::OperationStatusName(op.status)), "signer",
                            signer.id, details.Finish()});
}

Status Context::TouchLastSigned(store::Tx& tx) {
  for (const auto& [signer_id, at] : last_signed_)
    SIGNET_TRY(tx.TouchSignerLastSignedAt(signer_id, at));
  last_signed_.clear();
  return Ok();
}

// ---- batch signing ----

// A batch between its checks and its committed records; one entry per item in each vector.
struct SigningUseCases::BatchAttempt {
  domain::Principal actor;
  std::shared_ptr<const SignerSnapshot> view;
  std::vector<domain::SigningOperation> ops;       // what to record
  std::vector<domain::SigningOperation> recorded;  // what was recorded
  std::vector<std::optional<Error>> refusals;      // recorded, then answered per item
  std::vector<Bytes> signatures;
  std::vector<std::string> labels;     // metric labels (canonical algorithm names)
  std::optional<Error> batch_refusal;  // recorded for every item, then answered as the reply
};

void SigningUseCases::SignBatch(const Caller& c, const std::string& signer_id,
                                std::vector<SignInput> items, SignBatchDone done) {
  const std::size_t n = items.size();
  if (n == 0) {
    return done(InvalidArgument("items is empty; give 1 to " + std::to_string(d_.max_batch_items) +
                                " items to sign"));
  }
  if (n > d_.max_batch_items) {
    return done(InvalidArgument("items has " + std::to_string(n) + " entries; the maximum is " +
                                std::to_string(d_.max_batch_items) +
                                " (signetd --max-batch-items)"));
  }
  auto view = SignerFor(c.principal, signer_id);
  if (!view) return done(tl::unexpected(view.error()));
  auto a = std::make_shared<BatchAttempt>();
  a->actor = c.principal;
  a->view = std::move(*view);
  const SignerSnapshot& v = *a->view;
  const domain::Signer& signer = v.signer;
  const domain::Certificate* cert = v.certificate ? &*v.certificate : nullptr;

  // Every item's input first: a bad item fails the batch before anything is recorded.
  std::vector<Bytes> data(n);
  std::vector<domain::SigningAlgorithm> algorithms(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto decoded = Base64Decode(items[i].data_base64);
    auto algorithm = domain::ParseSigningAlgorithm(items[i].signing_algorithm);
    if (Status checked = CheckSignInput(v, items[i], decoded, algorithm); !checked) {
      return done(InvalidArgument("items[" + std::to_string(i) + "]: " + checked.error().message));
    }
    data[i] = std::move(*decoded);
    algorithms[i] = *algorithm;
  }

  a->ops.resize(n);
  a->refusals.resize(n);
  a->signatures.resize(n);
  a->labels.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    a->ops[i] = NewOperation(c, signer, items[i], data[i]);
    a->labels[i] = std::string(domain::SigningAlgorithmName(algorithms[i]));
  }
  auto refuse = [&a](std::size_t i, domain::OperationStatus status, Error error) {
    a->ops[i].status = status;
    a->ops[i].error_message = error.message;
    a->refusals[i] = std::move(error);
  };

  // One decision for the whole batch: the caller's right, the signer, its certificate ...
  const TimePoint now = d_.clock.Now();
  if (auto refusal = SignerRefusal(c.principal, v, now)) {
    for (std::size_t i = 0; i < n; ++i) refuse(i, refusal->status, refusal->error);
    a->batch_refusal = std::move(refusal->error);
  } else {
    // ... and the policy with the caller's grants, read once. Each item takes the first
    // grant that matches its scope and, by what was read, still has signings left; the
    // commit then counts each use and refuses the items of a grant that ran out meanwhile.
    auto pg = LoadPolicyGrants(d_.store, c.principal, signer);
    if (!pg) return done(tl::unexpected(pg.error()));
    if (pg->grant_required) {
      std::map<std::string, std::int64_t> remaining;
      for (const auto& g : pg->grants) {
        if (g.max_signings) remaining[g.id] = *g.max_signings - g.used_signings;
      }
      for (std::size_t i = 0; i < n; ++i) {
        auto grant =
            ChooseGrant(pg->grants, SeenScope(c, items[i], a->ops[i].data_hash), now, &remaining);
        if (!grant) {
          refuse(i, domain::OperationStatus::kDenied, std::move(grant).error());
          continue;
        }
        if (auto left = remaining.find(*grant); left != remaining.end()) --left->second;
        a->ops[i].grant_id = std::move(*grant);
      }
    }
    // Through the certificate's key source, like a single sign: an HSM key signs in the token.
    auto key = key_sources_.Load(cert->key_source, cert->key_id);
    for (std::size_t i = 0; i < n; ++i) {
      if (a->refusals[i]) continue;
      if (!key) {
        refuse(
            i, domain::OperationStatus::kFailed,
            Error{ErrorCode::kInternal, "the key of signer '" + signer.name + "' is not usable"});
        continue;
      }
      auto signature = (*key)->Sign(algorithms[i], data[i], items[i].is_digest);
      if (!signature) {
        refuse(i, domain::OperationStatus::kFailed, signature.error());
        continue;
      }
      a->ops[i].status = domain::OperationStatus::kSuccess;
      a->signatures[i] = std::move(*signature);
    }
  }

  // One unit of work: every record of the batch commits together, before the reply.
  commits_->Submit(
      [this, a](store::Tx& tx) -> Status {
        a->recorded = a->ops;
        for (domain::SigningOperation& op : a->recorded) {
          SIGNET_TRY(RecordOperation(tx, a->actor, a->view->signer, op));
        }
        return Ok();
      },
      [this, a, done = std::move(done)](Status committed) {
        if (!committed) return done(tl::unexpected(std::move(committed).error()));
        if (d_.metrics != nullptr) {
          for (std::size_t i = 0; i < a->recorded.size(); ++i) {
            d_.metrics->sign_operations.Inc(
                {a->labels[i], std::string(domain::OperationStatusName(a->recorded[i].status))});
          }
        }
        if (a->batch_refusal) return done(tl::unexpected(std::move(*a->batch_refusal)));
        SignBatchResult result;
        result.signer_id = a->view->signer.id;
        result.items.resize(a->recorded.size());
        for (std::size_t i = 0; i < a->recorded.size(); ++i) {
          const domain::SigningOperation& op = a->recorded[i];
          SignBatchItemResult& r = result.items[i];
          r.operation_id = op.id;
          r.status = op.status;
          r.signing_algorithm = op.signing_algorithm;
          if (a->refusals[i]) {
            r.error = std::move(a->refusals[i]);
          } else if (op.status != domain::OperationStatus::kSuccess) {
            // The grant ran out between the decision and the commit; the refusal is on record.
            r.error = Error{ErrorCode::kApprovalRequired, kApprovalRequired};
          } else {
            r.signature = std::move(a->signatures[i]);
          }
        }
        done(std::move(result));
      });
}

}  // namespace signet::service
