// Read models (SPEC §10): the values replies show around signers, grants and requests, read
// in one read transaction for entities the caller has already been allowed to read.
#include <map>

#include "auth/authenticator.h"
#include "service/service_internal.h"

namespace signet::service {
namespace {

using domain::CertificateStatus;

// Memoizes row lookups within one call (a list shows the same policy or signer many times).
template <class T, class Load>
Result<std::optional<T>> Cached(std::map<std::string, std::optional<T>>& cache,
                                const std::string& id, Load load) {
  if (auto it = cache.find(id); it != cache.end()) return it->second;
  std::optional<T> value;
  auto row = load();
  if (row) {
    value = std::move(*row);
  } else if (row.error().code != ErrorCode::kNotFound) {
    return tl::unexpected(row.error());
  }
  cache.emplace(id, value);
  return value;
}

}  // namespace

Result<std::vector<domain::SignerDetail>> ReadModelUseCases::DescribeSigners(
    std::vector<domain::Signer> signers) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  const TimePoint now = d_.clock.Now();
  std::map<std::string, std::optional<domain::SigningPolicy>> policies;
  std::map<std::string, std::optional<domain::Certificate>> certificates;
  std::vector<domain::SignerDetail> out;
  out.reserve(signers.size());
  for (auto& s : signers) {
    domain::SignerDetail d;
    d.effective_status = std::string(domain::SignerStatusName(s.status));
    SIGNET_ASSIGN_OR_RETURN(auto cert,
                            Cached<domain::Certificate>(certificates, s.certificate_id, [&] {
                              return tx->GetCertificate(s.certificate_id);
                            }));
    if (cert) {
      cert->certificate_pem.clear();
      cert->certificate_chain_pem.clear();
      cert->csr_pem.clear();
      const bool past_end = cert->not_after && now >= *cert->not_after;
      d.certificate_status =
          past_end ? "expired" : std::string(domain::CertificateStatusName(cert->status));
      if (past_end || cert->status == CertificateStatus::kRevoked) d.effective_status = "expired";
      d.certificate = std::move(cert);
    }
    if (s.signing_policy_id) {
      SIGNET_ASSIGN_OR_RETURN(auto policy,
                              Cached<domain::SigningPolicy>(policies, *s.signing_policy_id, [&] {
                                return tx->GetPolicy(*s.signing_policy_id);
                              }));
      if (policy) d.policy_name = policy->name;
    }
    d.signer = std::move(s);
    out.push_back(std::move(d));
  }
  return out;
}

Result<domain::SignerDetail> ReadModelUseCases::DescribeSigner(domain::Signer signer) {
  std::vector<domain::Signer> one;
  one.push_back(std::move(signer));
  SIGNET_ASSIGN_OR_RETURN(auto described, DescribeSigners(std::move(one)));
  return std::move(described.front());
}

Result<std::vector<domain::GrantDetail>> ReadModelUseCases::DescribeGrants(
    std::vector<domain::Grant> grants) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  std::map<std::string, std::optional<domain::Signer>> signers;
  std::vector<domain::GrantDetail> out;
  out.reserve(grants.size());
  for (auto& g : grants) {
    domain::GrantDetail d;
    SIGNET_ASSIGN_OR_RETURN(auto signer, Cached<domain::Signer>(signers, g.signer_id, [&] {
                              return tx->GetSigner(g.signer_id);
                            }));
    if (signer) {
      d.signer_name = signer->name;
      d.project_id = signer->project_id;
    }
    if (g.status == domain::GrantStatus::kRevoked) {
      // Grants are immutable once revoked, so updated_at is the revocation; its audit event
      // names the revoker (appended in the same transaction, at or after updated_at).
      store::AuditFilter filter;
      filter.event_type = "grant.revoke";
      filter.since = g.updated_at;
      filter.until = g.updated_at + std::chrono::minutes(1);
      SIGNET_ASSIGN_OR_RETURN(auto events, tx->ListAuditEvents(filter, store::PageRequest{0, 100}));
      for (const auto& e : events.items) {
        if (e.target_id == g.id && e.actor_type == "user") d.revoked_by_user_id = e.actor_id;
      }
    }
    d.grant = std::move(g);
    out.push_back(std::move(d));
  }
  return out;
}

Result<domain::GrantDetail> ReadModelUseCases::DescribeGrant(domain::Grant grant) {
  std::vector<domain::Grant> one;
  one.push_back(std::move(grant));
  SIGNET_ASSIGN_OR_RETURN(auto described, DescribeGrants(std::move(one)));
  return std::move(described.front());
}

Result<std::vector<domain::RequestParties>> ReadModelUseCases::DescribeRequests(
    const std::vector<SigningRequestView>& views) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  std::map<std::string, std::optional<domain::Signer>> signers;
  std::map<std::string, std::optional<domain::Principal>> principals;
  std::vector<domain::RequestParties> out;
  out.reserve(views.size());
  for (const auto& v : views) {
    const domain::SigningRequest& r = v.request;
    domain::RequestParties p;
    SIGNET_ASSIGN_OR_RETURN(auto signer, Cached<domain::Signer>(signers, r.signer_id, [&] {
                              return tx->GetSigner(r.signer_id);
                            }));
    p.signer_name = signer ? signer->name : std::string();
    const std::string key =
        std::string(domain::PrincipalTypeName(r.requester_type)) + ":" + r.requester_id;
    SIGNET_ASSIGN_OR_RETURN(auto requester, Cached<domain::Principal>(principals, key, [&] {
                              return auth::LoadPrincipal(*tx, r.requester_type, r.requester_id);
                            }));
    if (requester) {
      p.requester_name = requester->name;
      if (r.requester_type == domain::PrincipalType::kUser) p.requester_email = requester->name;
    }
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace signet::service
