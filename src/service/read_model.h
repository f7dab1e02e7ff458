#pragma once
// What replies show around entities already read (SPEC §10).

#include "service/context.h"
#include "service/policies.h"

namespace signet::service {

class ReadModelUseCases : public virtual Context {
 public:
  // ---- read models (SPEC §10) ----
  // What replies show around entities the caller has already read through the calls above
  // (no access check here): a signer's certificate, policy name and effective status; a
  // grant's signer name and revoker; a request's requester and signer names. One read
  // transaction per call; entities whose related rows are gone get empty values.
  [[nodiscard]] Result<std::vector<domain::SignerDetail>> DescribeSigners(
      std::vector<domain::Signer> signers);
  [[nodiscard]] Result<domain::SignerDetail> DescribeSigner(domain::Signer signer);
  [[nodiscard]] Result<std::vector<domain::GrantDetail>> DescribeGrants(
      std::vector<domain::Grant> grants);
  [[nodiscard]] Result<domain::GrantDetail> DescribeGrant(domain::Grant grant);

  // One RequestParties per view, in order.
  [[nodiscard]] Result<std::vector<domain::RequestParties>> DescribeRequests(
      const std::vector<SigningRequestView>& views);

 protected:
  explicit ReadModelUseCases(const Deps& deps) : Context(deps) {}
};

}  // namespace signet::service
