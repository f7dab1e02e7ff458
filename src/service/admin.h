#pragma once
// Use cases of start-up, login, users, machine identities, projects and the audit log.

#include "service/context.h"

namespace signet::service {

struct CreateUserInput {
  std::string email;
  SecretBytes password;
  domain::OrgRole org_role = domain::OrgRole::kMember;
};

struct UpdateUserInput {
  std::optional<SecretBytes> password;
  std::optional<SecretBytes> current_password;  // required to change one's own password
  std::optional<domain::OrgRole> org_role;
};

struct ClientSecretResult {
  std::string client_id;
  SecretBytes client_secret;  // shown once
  domain::ClientSecret secret;
};

struct UpdateProjectInput {
  std::optional<std::string> description;
  std::optional<domain::ComplianceProfile> compliance_profile;
};

struct AuditQuery {
  std::optional<std::string> event_type;
  std::optional<std::string> actor_id;
  std::optional<TimePoint> since, until;
  Paging paging;
};

class AdminUseCases : public virtual Context {
 public:
  // ---- start-up ----
  // Creates the `default` project when missing. Idempotent.
  [[nodiscard]] Status EnsureDefaultProject();

  // Creates the first org admin when no user exists; returns whether it did.
  [[nodiscard]] Result<bool> BootstrapIfEmpty(const std::string& email,
                                              const SecretBytes& password);

  // ---- auth ----
  [[nodiscard]] Result<LoginResult> Bootstrap(const std::string& email, const SecretBytes& password,
                                              const std::string& source_ip);
  [[nodiscard]] Result<LoginResult> Login(const std::string& email, const SecretBytes& password,
                                          const std::string& source_ip);
  [[nodiscard]] Result<LoginResult> UniversalAuthLogin(const std::string& client_id,
                                                       const SecretBytes& client_secret,
                                                       const std::string& source_ip);
  [[nodiscard]] Status Logout(const Caller& caller, std::string_view token);
  [[nodiscard]] Result<domain::Principal> Authenticate(std::string_view token);

  // ---- users and identities (org admin) ----
  [[nodiscard]] Result<domain::User> CreateUser(const Caller& c, const CreateUserInput& in);
  [[nodiscard]] Result<store::Page<domain::User>> ListUsers(const Caller& c, Paging p);
  [[nodiscard]] Result<domain::User> GetUser(const Caller& c, const std::string& id);
  [[nodiscard]] Result<domain::User> UpdateUser(const Caller& c, const std::string& id,
                                                UpdateUserInput in);
  [[nodiscard]] Result<domain::User> DeleteUser(const Caller& c, const std::string& id);
  [[nodiscard]] Result<domain::Identity> CreateIdentity(const Caller& c, const std::string& name);
  [[nodiscard]] Result<store::Page<domain::Identity>> ListIdentities(const Caller& c, Paging p);
  [[nodiscard]] Result<domain::Identity> DeleteIdentity(const Caller& c, const std::string& id);
  [[nodiscard]] Result<ClientSecretResult> CreateClientSecret(const Caller& c,
                                                              const std::string& identity_id,
                                                              const std::string& description);

  // An identity's client secrets (never the secret: only id, description, time, revoked).
  [[nodiscard]] Result<std::vector<domain::ClientSecret>> ListClientSecrets(
      const Caller& c, const std::string& identity_id);

  // Logins with it are refused from now on; access tokens it got run until they expire.
  [[nodiscard]] Result<domain::ClientSecret> RevokeClientSecret(const Caller& c,
                                                                const std::string& identity_id,
                                                                const std::string& secret_id);

  // ---- projects ----
  [[nodiscard]] Result<domain::Project> CreateProject(
      const Caller& c, const std::string& name, const std::string& description,
      domain::ComplianceProfile profile = domain::ComplianceProfile::kNone);
  [[nodiscard]] Result<store::Page<domain::Project>> ListProjects(const Caller& c, Paging p);

  // By id or slug; 404 outside the caller's projects.
  [[nodiscard]] Result<domain::Project> GetProject(const Caller& c, const std::string& project);

  // Project admin. Switching the csbr profile on (or off) needs a session that passed MFA;
  // switching it on is refused (409, naming each one) while a signer of the project is bound to
  // a certificate that does not meet the profile (docs/hsm.md).
  [[nodiscard]] Result<domain::Project> UpdateProject(const Caller& c, const std::string& project,
                                                      const UpdateProjectInput& in);
  [[nodiscard]] Result<domain::ProjectMembership> AddProjectMember(const Caller& c,
                                                                   const std::string& project,
                                                                   const MembershipInput& in);
  [[nodiscard]] Result<store::Page<domain::ProjectMembership>> ListProjectMembers(
      const Caller& c, const std::string& project, Paging p);
  [[nodiscard]] Result<domain::ProjectMembership> GetProjectMember(
      const Caller& c, const std::string& project, const std::string& membership_id);
  [[nodiscard]] Result<domain::ProjectMembership> RemoveProjectMember(
      const Caller& c, const std::string& project, const std::string& membership_id);

  // A member's project role (project admin); signer roles stay as they are.
  [[nodiscard]] Result<domain::ProjectMembership> UpdateProjectMember(
      const Caller& c, const std::string& project, const std::string& membership_id,
      const std::string& role);

  // ---- audit ----
  [[nodiscard]] Result<store::Page<domain::AuditEvent>> ListAudit(const Caller& c,
                                                                  const AuditQuery& q);

  // With a checkpoint: its signature is checked first (InvalidArgument when this server did
  // not sign it), then the report says whether the log extends it.
  [[nodiscard]] Result<audit::VerifyReport> VerifyAudit(
      const Caller& c, const audit::Checkpoint* checkpoint = nullptr);

  // The heads of every audit chain, signed by this server (org admin).
  [[nodiscard]] Result<audit::Checkpoint> AuditCheckpoint(const Caller& c);

  // The Ed25519 public key that verifies checkpoints (anyone may have it): raw, as PEM, and
  // its id (hex of the first 8 bytes of its SHA-256). Unavailable without a checkpoint key.
  struct PublicKeyInfo {
    Bytes raw;
    std::string pem;
    std::string key_id;
  };
  [[nodiscard]] Result<PublicKeyInfo> AuditPublicKey() const;

  // The database answers, and (with tsa_require_synchronized_clock) the clock is
  // synchronised; Unavailable naming the reason otherwise.
  [[nodiscard]] Status Ready();

 protected:
  explicit AdminUseCases(const Deps& deps) : Context(deps) {}

 private:
  // UpdateProject's body, whose compliance refusals AuditRefusal puts on record.
  Result<domain::Project> DoUpdateProject(const Caller& c, const std::string& project,
                                          const UpdateProjectInput& in);
};

}  // namespace signet::service
