#pragma once
// Use cases of signers and their members, and Infisical's per-signer routes.

#include "service/context.h"
#include "service/pki.h"

namespace signet::service {

// A per-signer approval policy (Infisical's inline `approvalPolicy`): steps of user
// approvers and constraints; no steps means signing needs no approval. Signet keeps it as a
// signing policy named kSignerPolicyPrefix + the signer's id, owned by that signer (deleted
// with it, replaced by PUT …/approval-policy); the request TTL and machine bypass are the
// defaults.
struct SignerPolicyInput {
  std::vector<domain::PolicyStep> steps;
  std::optional<Millis> max_window_duration;
  std::optional<std::int64_t> max_signings;
};

inline constexpr std::string_view kSignerPolicyPrefix = "signer:";

// A certificate issued together with its signer (Infisical's create form): codeSigning EKU,
// digitalSignature, from an internal CA of the signer's project.
struct SignerCertificateInput {
  std::string ca_id;
  std::string common_name;  // default: the signer's name
  domain::KeyAlgorithm key_algorithm = domain::KeyAlgorithm::kRsa2048;
  std::int64_t ttl_days = 365;
  KeyChoice key;
};

struct CreateSignerInput {
  std::optional<std::string> project;
  std::string name;
  std::string description;
  std::string certificate_id;                    // or `issue`
  std::optional<std::string> signing_policy_id;  // or `approval_policy`
  std::optional<SignerCertificateInput> issue{};
  std::optional<SignerPolicyInput> approval_policy{};
  // Members besides the creator (who is the signer's admin); each userId or identityId.
  std::vector<MembershipInput> members{};
};

struct UpdateSignerInput {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<domain::SignerStatus> status;
  std::optional<std::string> certificate_id;
  std::optional<std::optional<std::string>> signing_policy_id;  // set, or clear with nullopt inside
};

// Per-signer view of a caller's capabilities (GET …/signers/{id}/permissions).
struct SignerPermissions {
  std::optional<domain::ProjectRole> project_role;
  std::optional<domain::SignerRole> signer_role;
  std::optional<domain::SignerMember> membership;  // the caller's own, when a member
  bool can_read = false, can_manage = false, can_sign = false, can_list_operations = false;
};

// POST …/signers/{id}/users: several users by id or email with one role.
struct AddSignerUsersResult {
  std::vector<domain::SignerMember> added;
  std::vector<std::string> skipped;     // ids of users who already were members
  std::vector<std::string> unresolved;  // emails with no user
};

// The outcome of Infisical's check-policy-match for the caller and one signer.
struct PolicyMatch {
  bool requires_approval = false;
  bool has_active_grant = false;
};

class SignerUseCases : public virtual Context {
 public:
  // ---- signers ----
  [[nodiscard]] Result<domain::Signer> CreateSigner(const Caller& c, const CreateSignerInput& in);
  [[nodiscard]] Result<store::Page<domain::Signer>> ListSigners(
      const Caller& c, const std::optional<std::string>& project,
      const std::optional<std::string>& search, Paging p);
  [[nodiscard]] Result<domain::Signer> GetSigner(const Caller& c, const std::string& id);
  [[nodiscard]] Result<domain::Signer> UpdateSigner(const Caller& c, const std::string& id,
                                                    const UpdateSignerInput& in);
  [[nodiscard]] Result<domain::Signer> DeleteSigner(const Caller& c, const std::string& id);

  // What a CA asks of a signing service about a signer's key (GET …/key-evidence): where the
  // key is, the module and the key's attributes read back from the token now (HSM keys), and
  // the audit event that made the key. 404 unless the caller may read the signer; Unavailable
  // while the HSM token is unreachable.
  [[nodiscard]] Result<KeyEvidence> SignerKeyEvidence(const Caller& c, const std::string& id);
  [[nodiscard]] Result<Bytes> SignerPublicKey(const Caller& c, const std::string& id,
                                              domain::KeyAlgorithm* algorithm);
  [[nodiscard]] Result<CertificateBundle> SignerCertificate(const Caller& c, const std::string& id,
                                                            std::string* signer_name);
  [[nodiscard]] Result<store::Page<domain::SigningOperation>> ListOperations(
      const Caller& c, const std::string& signer_id, std::optional<domain::OperationStatus> status,
      Paging p);
  [[nodiscard]] Result<domain::SignerMember> AddSignerMember(const Caller& c,
                                                             const std::string& signer_id,
                                                             const MembershipInput& in);
  [[nodiscard]] Result<domain::SignerMember> UpdateSignerMember(const Caller& c,
                                                                const std::string& signer_id,
                                                                const std::string& member_id,
                                                                const std::string& role);
  [[nodiscard]] Result<domain::SignerMember> RemoveSignerMember(const Caller& c,
                                                                const std::string& signer_id,
                                                                const std::string& member_id);
  [[nodiscard]] Result<store::Page<domain::SignerMember>> ListSignerMembers(
      const Caller& c, const std::string& signer_id, Paging p);

  // ---- Infisical's per-signer routes (SPEC §10), written on the rules above ----
  // The signer's policy (absent: none). Anyone who may read the signer.
  [[nodiscard]] Result<std::optional<domain::SigningPolicy>> GetSignerPolicy(
      const Caller& c, const std::string& signer_id);

  // Replaces the signer's approval policy: no steps detaches it; otherwise the signer's own
  // policy is updated, or one is created and attached (a shared project policy it used is
  // left unchanged). Project admin, like creating and attaching a policy.
  [[nodiscard]] Result<std::optional<domain::SigningPolicy>> SetSignerPolicy(
      const Caller& c, const std::string& signer_id, const SignerPolicyInput& in);
  [[nodiscard]] Result<AddSignerUsersResult> AddSignerUsers(
      const Caller& c, const std::string& signer_id, const std::vector<std::string>& user_ids,
      const std::vector<std::string>& emails, const std::string& role);

  // The member row of a principal on a signer (NotFound when not a member).
  [[nodiscard]] Result<domain::SignerMember> FindSignerMember(const Caller& c,
                                                              const std::string& signer_id,
                                                              domain::PrincipalType type,
                                                              const std::string& principal_id);
  [[nodiscard]] Result<SignerPermissions> GetSignerPermissions(const Caller& c,
                                                               const std::string& signer_id);

  // A new key and certificate for the signer from `in.ca_id` (same or another CA of the
  // project); the old certificate stays valid for what it signed. Signer admin who is also a
  // project admin (issuing certificates is a project admin's).
  [[nodiscard]] Result<domain::Signer> ReissueSignerCertificate(const Caller& c,
                                                                const std::string& signer_id,
                                                                const SignerCertificateInput& in);

  // Whether the caller needs approval to sign with the signer now, and has a usable grant.
  [[nodiscard]] Result<PolicyMatch> CheckPolicyMatch(const Caller& c, const std::string& signer_id);

 protected:
  explicit SignerUseCases(const Deps& deps) : Context(deps) {}

 private:
  // The bodies of the use cases whose compliance refusals AuditRefusal puts on record.
  Result<domain::Signer> DoCreateSigner(const Caller& c, const CreateSignerInput& in);
  Result<domain::Signer> DoUpdateSigner(const Caller& c, const std::string& id,
                                        const UpdateSignerInput& in);

  // Adds one member and fills its audit event `e` (AlreadyExists when a member).
  Result<domain::SignerMember> InsertSignerMember(store::Tx& tx, const domain::Signer& signer,
                                                  const MembershipInput& in, AuditEntry& e);

  // `signer`'s certificate (codeSigning) from an internal CA: made in memory (read
  // transaction for the checks, key generation outside any), then stored with its
  // certificate.issue audit event in the caller's write transaction.
  Result<IssuedCertificate> PrepareSignerCertificate(const domain::Project& project,
                                                     const std::string& default_common_name,
                                                     const SignerCertificateInput& in);
  Result<domain::Certificate> StoreSignerCertificate(store::Tx& tx, const Caller& c,
                                                     const domain::Project& project,
                                                     const domain::Signer& signer,
                                                     const IssuedCertificate& issued);
};

}  // namespace signet::service
