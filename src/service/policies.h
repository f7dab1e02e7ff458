#pragma once
// Use cases of signing policies, requests and grants (SPEC §5).

#include "service/context.h"

namespace signet::service {

// A policy to create (every field but the optional ones required) or a patch (absent fields
// keep their value; `constraints`, when given, replaces both constraints).
struct PolicyConstraintsInput {
  std::optional<Millis> max_window_duration;
  std::optional<std::int64_t> max_signings;
};

struct PolicyInput {
  std::optional<std::string> project;  // create only; id or slug, default project when absent
  std::optional<std::string> name;
  std::optional<std::vector<domain::PolicyStep>> steps;
  std::optional<PolicyConstraintsInput> constraints;
  std::optional<Millis> max_request_ttl;
  std::optional<bool> bypass_for_machine_identities;
};

// Access asked for on one signer (SPEC §3 request body).
struct SigningRequestInput {
  std::string justification;
  std::optional<std::int64_t> requested_signings;
  std::optional<Millis> requested_window_duration;
  std::optional<TimePoint> requested_window_start;
  std::optional<TimePoint> requested_window_end;
  domain::SigningScope scope;
  // "ipAddress": null was sent: a machine identity's scope is then not bound to the address
  // it asks from (which it is when ipAddress is left out; SPEC §10, as Infisical).
  bool scope_ip_address_null = false;
};

struct PreApproveInput {
  std::optional<std::string> grantee_user_id;  // exactly one of the two
  std::optional<std::string> grantee_identity_id;
  SigningRequestInput request;
};

// A request with its decisions; `request.status` is the effective one (a pending request past
// its expiry reads as expired).
struct SigningRequestView {
  domain::SigningRequest request;
  std::vector<domain::Approval> approvals;
};

struct PreApproveResult {
  SigningRequestView request;
  domain::Grant grant;
};

struct SigningRequestQuery {
  std::optional<domain::RequestStatus> status;
  std::vector<domain::RequestStatus> statuses;  // any of these (empty: no filter)
  std::optional<std::string> signer_id;
  Paging paging;
};

struct GrantQuery {
  std::optional<std::string> signer_id;
  std::optional<domain::GrantStatus> status;
  Paging paging;
};

class PolicyUseCases : public virtual Context {
 public:
  // ---- signing policies (project admin writes; project members read) ----
  [[nodiscard]] Result<domain::SigningPolicy> CreatePolicy(const Caller& c, const PolicyInput& in);
  [[nodiscard]] Result<store::Page<domain::SigningPolicy>> ListPolicies(
      const Caller& c, const std::optional<std::string>& project, Paging p);
  [[nodiscard]] Result<domain::SigningPolicy> GetPolicy(const Caller& c, const std::string& id);

  // Applies to requests made afterwards; existing requests keep their snapshot.
  [[nodiscard]] Result<domain::SigningPolicy> UpdatePolicy(const Caller& c, const std::string& id,
                                                           const PolicyInput& in);

  // FailedPrecondition (409) while a signer uses the policy.
  [[nodiscard]] Result<domain::SigningPolicy> DeletePolicy(const Caller& c, const std::string& id);

  // ---- signing requests (SPEC §5) ----
  // By anyone who may sign with the signer; the signer must have a policy.
  [[nodiscard]] Result<SigningRequestView> CreateSigningRequest(const Caller& c,
                                                                const std::string& signer_id,
                                                                const SigningRequestInput& in);

  // Signer admin grants access to another principal directly: an approved request + grant.
  [[nodiscard]] Result<PreApproveResult> PreApprove(const Caller& c, const std::string& signer_id,
                                                    const PreApproveInput& in);

  // The caller's own requests, those the caller is an approver of, and those of signers the
  // caller administers.
  [[nodiscard]] Result<store::Page<SigningRequestView>> ListSigningRequests(
      const Caller& c, const SigningRequestQuery& q);
  [[nodiscard]] Result<SigningRequestView> GetSigningRequest(const Caller& c,
                                                             const std::string& id);

  // The last approval of the last step creates the grant in the same transaction.
  [[nodiscard]] Result<SigningRequestView> ApproveSigningRequest(const Caller& c,
                                                                 const std::string& id,
                                                                 const std::string& comment);
  [[nodiscard]] Result<SigningRequestView> RejectSigningRequest(const Caller& c,
                                                                const std::string& id,
                                                                const std::string& comment);

  // The requester or a signer admin.
  [[nodiscard]] Result<SigningRequestView> CancelSigningRequest(const Caller& c,
                                                                const std::string& id);

  // ---- grants; statuses are effective (an active grant past its end or used up is expired) ----
  // The caller's own grants and those of signers the caller administers.
  [[nodiscard]] Result<store::Page<domain::Grant>> ListGrants(const Caller& c, const GrantQuery& q);
  [[nodiscard]] Result<domain::Grant> GetGrant(const Caller& c, const std::string& id);

  // Signer admin; effective for the next sign call.
  [[nodiscard]] Result<domain::Grant> RevokeGrant(const Caller& c, const std::string& id,
                                                  const std::string& reason);

  // Infisical's revoke of a request: a pending one is cancelled, an approved one's active grant
  // is revoked. Returns the request.
  [[nodiscard]] Result<SigningRequestView> RevokeSignerRequest(const Caller& c,
                                                               const std::string& signer_id,
                                                               const std::string& request_id,
                                                               const std::string& reason);

 protected:
  explicit PolicyUseCases(const Deps& deps) : Context(deps) {}

 private:
  enum class RequestAction { kApprove, kReject, kCancel };

  // Approve, reject or cancel in one write transaction; a pending request found past its
  // expiry is marked expired (with its audit event) and the action fails with 409.
  Result<SigningRequestView> ActOnSigningRequest(const Caller& c, const std::string& id,
                                                 RequestAction action, const std::string& comment);
};

}  // namespace signet::service
