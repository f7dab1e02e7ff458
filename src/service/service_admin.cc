// Auth, users, machine identities, projects and memberships, the audit log, readiness.
#include "auth/password.h"
#include "auth/tokens.h"
#include "common/duration.h"
#include "common/encoding.h"
#include "common/names.h"
#include "crypto/digest.h"
#include "crypto/ed25519.h"
#include "service/service_internal.h"

namespace signet::service {
namespace {

constexpr std::size_t kMaxEmailLength = 254;
// How long a password login waits for its second factor (service_mfa.cc).
constexpr Millis kMfaLoginTtl = std::chrono::minutes(5);

Status ValidateEmail(const std::string& email) {
  const auto at = email.find('@');
  if (email.empty() || email.size() > kMaxEmailLength || at == std::string::npos || at == 0 ||
      at + 1 >= email.size() || email.find_first_of(" \t\r\n") != std::string::npos) {
    return InvalidArgument("email must be an address such as ana@example.com");
  }
  return Ok();
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Hashes the password (argon2id, on the authenticator's bounded threads): call it before any
// transaction is open.
Result<domain::User> NewUser(auth::Authenticator& authenticator, const std::string& email,
                             const SecretBytes& password, domain::OrgRole role, TimePoint now) {
  SIGNET_TRY(ValidateEmail(email));
  SIGNET_TRY(auth::ValidatePassword(password));
  SIGNET_ASSIGN_OR_RETURN(std::string hash, authenticator.HashPassword(password));
  domain::User u;
  u.id = NewUuid();
  u.email = Lower(email);
  u.password_hash = std::move(hash);
  u.org_role = role;
  u.created_at = u.updated_at = now;
  return u;
}

Result<std::pair<domain::PrincipalType, std::string>> MemberPrincipal(const MembershipInput& in) {
  if (in.user_id.has_value() == in.identity_id.has_value()) {
    return InvalidArgument("give exactly one of userId and identityId");
  }
  if (in.user_id) {
    SIGNET_ASSIGN_OR_RETURN(std::string id, ParseUuid(*in.user_id, "userId"));
    return std::make_pair(domain::PrincipalType::kUser, id);
  }
  SIGNET_ASSIGN_OR_RETURN(std::string id, ParseUuid(*in.identity_id, "identityId"));
  return std::make_pair(domain::PrincipalType::kIdentity, id);
}

}  // namespace

Status AdminUseCases::EnsureDefaultProject() {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginWrite());
  auto existing = tx->GetProjectBySlug(kDefaultProjectSlug);
  if (existing) return Ok();
  if (existing.error().code != ErrorCode::kNotFound) return tl::unexpected(existing.error());
  domain::Project p;
  p.id = NewUuid();
  p.name = kDefaultProjectSlug;
  p.slug = kDefaultProjectSlug;
  p.description = "Created at bootstrap";
  p.created_at = p.updated_at = d_.clock.Now();
  SIGNET_TRY(tx->InsertProject(p));
  SIGNET_TRY(
      AppendAudit(*tx, nullptr,
                  {"project.create", "project", p.id, JsonWriter().Add("name", p.name).Finish()}));
  return tx->Commit();
}

Result<bool> AdminUseCases::BootstrapIfEmpty(const std::string& email,
                                             const SecretBytes& password) {
  auto r = Bootstrap(email, password, "");
  if (r) return true;
  if (r.error().code == ErrorCode::kAlreadyExists) return false;
  return tl::unexpected(r.error());
}

Result<LoginResult> AdminUseCases::Bootstrap(const std::string& email, const SecretBytes& password,
                                             const std::string& source_ip) {
  // Checked first, so that calls after the bootstrap cost one read and no password hashing.
  {
    SIGNET_ASSIGN_OR_RETURN(auto rtx, d_.store.BeginRead());
    SIGNET_ASSIGN_OR_RETURN(std::int64_t users, rtx->CountUsers());
    if (users > 0) return AlreadyExists("Signet is already bootstrapped");
  }
  SIGNET_ASSIGN_OR_RETURN(domain::User user, NewUser(d_.authenticator, email, password,
                                                     domain::OrgRole::kAdmin, d_.clock.Now()));
  const domain::Principal principal{domain::PrincipalType::kUser, user.id, user.email,
                                    domain::OrgRole::kAdmin};
  return WriteWithAudit<LoginResult>(
      &principal, [&](store::Tx& tx, AuditEntry& e) -> Result<LoginResult> {
        // The write transaction serializes bootstraps: only the first sees no user.
        SIGNET_ASSIGN_OR_RETURN(std::int64_t users, tx.CountUsers());
        if (users > 0) return AlreadyExists("Signet is already bootstrapped");
        SIGNET_TRY(tx.InsertUser(user));
        SIGNET_ASSIGN_OR_RETURN(auto token,
                                d_.authenticator.IssueToken(tx, principal, d_.token_ttl));
        e = {"admin.bootstrap", "user", user.id,
             JsonWriter().Add("email", user.email).Add("sourceIp", source_ip).Finish()};
        return LoginResult{std::move(token.token), token.expires_in, user};
      });
}

Status Context::ThrottleLogin(const std::string& account, const std::string& source_ip) {
  auto wait = d_.authenticator.throttle().Blocked(account, source_ip, d_.clock.Now());
  if (!wait) return Ok();
  const std::int64_t seconds = (wait->count() + 999) / 1000;
  return RateLimited("too many failed attempts; try again in " + std::to_string(seconds) + " s",
                     seconds);
}

Status Context::RecordLoginFailure(const std::string& event_type, const std::string& target_type,
                                   const char* account_field, const std::string& account,
                                   const std::string& source_ip) {
  const auto outcome = d_.authenticator.throttle().Failure(account, source_ip, d_.clock.Now());
  const auto& options = d_.authenticator.throttle().options();
  // Failed logins are security events: record them (without the secret, of course). A lockout
  // is recorded with the failure that started it.
  auto written = WriteWithAudit<bool>(nullptr, [&](store::Tx& tx, AuditEntry& e) -> Result<bool> {
    JsonWriter w;
    w.Add(account_field, account.substr(0, 254)).Add("sourceIp", source_ip);
    if (outcome.account_locked) w.Add("accountLockedFor", FormatDuration(options.lockout));
    if (outcome.ip_locked) w.Add("sourceIpLockedFor", FormatDuration(options.lockout));
    e = {event_type, target_type, "", w.Finish()};
    return true;
  });
  if (!written) return tl::unexpected(written.error());
  return Ok();
}

Result<LoginResult> AdminUseCases::Login(const std::string& email, const SecretBytes& password,
                                         const std::string& source_ip) {
  const std::string account = Lower(email);
  SIGNET_TRY(ThrottleLogin(account, source_ip));
  // The password is checked outside any write transaction (argon2id takes tens of ms).
  auto principal = d_.authenticator.CheckPassword(account, password);
  if (!principal) {
    if (principal.error().code != ErrorCode::kUnauthenticated)
      return tl::unexpected(principal.error());
    SIGNET_TRY(RecordLoginFailure("auth.login.failure", "user", "email", email, source_ip));
    return tl::unexpected(principal.error());
  }
  d_.authenticator.throttle().Success(account);
  return WriteWithAudit<LoginResult>(
      &*principal, [&](store::Tx& tx, AuditEntry& e) -> Result<LoginResult> {
        // Still there (not deleted while the password was checked)?
        SIGNET_ASSIGN_OR_RETURN(
            domain::Principal current,
            auth::LoadPrincipal(tx, domain::PrincipalType::kUser, principal->id));
        auto mfa = tx.GetUserMfa(current.id);
        if (!mfa && mfa.error().code != ErrorCode::kNotFound) return tl::unexpected(mfa.error());
        if (mfa && mfa->enabled) {
          // The password was right; the session waits for the second factor (service_mfa.cc).
          SIGNET_ASSIGN_OR_RETURN(auto token, d_.authenticator.IssueToken(tx, current, kMfaLoginTtl,
                                                                          auth::kMfaLoginPurpose));
          e = {"auth.login.mfa-required", "user", current.id,
               JsonWriter().Add("sourceIp", source_ip).Finish()};
          return LoginResult{std::move(token.token), token.expires_in, std::nullopt, true};
        }
        SIGNET_ASSIGN_OR_RETURN(auto token, d_.authenticator.IssueToken(tx, current, d_.token_ttl));
        e = {"auth.login", "user", current.id, JsonWriter().Add("sourceIp", source_ip).Finish()};
        return LoginResult{std::move(token.token), token.expires_in, std::nullopt};
      });
}

Result<LoginResult> AdminUseCases::UniversalAuthLogin(const std::string& client_id,
                                                      const SecretBytes& client_secret,
                                                      const std::string& source_ip) {
  SIGNET_TRY(ThrottleLogin(client_id, source_ip));
  auto principal = d_.authenticator.CheckClientSecret(client_id, client_secret);
  if (!principal) {
    if (principal.error().code != ErrorCode::kUnauthenticated)
      return tl::unexpected(principal.error());
    SIGNET_TRY(RecordLoginFailure("auth.universal-auth.failure", "identity", "clientId", client_id,
                                  source_ip));
    return tl::unexpected(principal.error());
  }
  d_.authenticator.throttle().Success(client_id);
  return WriteWithAudit<LoginResult>(
      &*principal, [&](store::Tx& tx, AuditEntry& e) -> Result<LoginResult> {
        SIGNET_ASSIGN_OR_RETURN(
            domain::Principal current,
            auth::LoadPrincipal(tx, domain::PrincipalType::kIdentity, principal->id));
        SIGNET_ASSIGN_OR_RETURN(auto token, d_.authenticator.IssueToken(tx, current, d_.token_ttl));
        e = {"auth.universal-auth.login", "identity", current.id,
             JsonWriter().Add("sourceIp", source_ip).Finish()};
        return LoginResult{std::move(token.token), token.expires_in, std::nullopt};
      });
}

Result<domain::Principal> AdminUseCases::Authenticate(std::string_view token) {
  SIGNET_ASSIGN_OR_RETURN(domain::Principal p, d_.authenticator.Authenticate(token));
  SIGNET_TRY(d_.authenticator.CheckRequestRate(p));
  return p;
}

Status AdminUseCases::Logout(const Caller& c, std::string_view token) {
  const std::string hash = auth::HashToken(token);
  auto r = WriteWithAudit<bool>(&c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<bool> {
    SIGNET_TRY(tx.RevokeAccessToken(hash));
    e = {"auth.logout", std::string(domain::PrincipalTypeName(c.principal.type)), c.principal.id};
    return true;
  });
  d_.authenticator.Forget(hash);
  if (!r) return tl::unexpected(r.error());
  return Ok();
}

// ---- users ----

Result<domain::User> AdminUseCases::CreateUser(const Caller& c, const CreateUserInput& in) {
  SIGNET_TRY(RequireOrgAdmin(c.principal));
  SIGNET_ASSIGN_OR_RETURN(domain::User user, NewUser(d_.authenticator, in.email, in.password,
                                                     in.org_role, d_.clock.Now()));
  return WriteWithAudit<domain::User>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::User> {
        auto r = tx.InsertUser(user);
        if (!r && r.error().code == ErrorCode::kAlreadyExists) {
          return AlreadyExists("a user with email '" + user.email + "' already exists");
        }
        SIGNET_TRY(r);
        e = {"user.create", "user", user.id,
             JsonWriter()
                 .Add("email", user.email)
                 .Add("orgRole", domain::OrgRoleName(user.org_role))
                 .Finish()};
        return user;
      });
}

Result<store::Page<domain::User>> AdminUseCases::ListUsers(const Caller& c, Paging p) {
  SIGNET_TRY(RequireOrgAdmin(c.principal));
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  return tx->ListUsers(ToPage(p));
}

Result<domain::User> AdminUseCases::GetUser(const Caller& c, const std::string& id) {
  if (c.principal.id != id) SIGNET_TRY(RequireOrgAdmin(c.principal));
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  auto u = tx->GetUser(id);
  if (!u && u.error().code == ErrorCode::kNotFound) return NotFound("user '" + id + "' not found");
  return u;
}

Result<domain::User> AdminUseCases::UpdateUser(const Caller& c, const std::string& id,
                                               UpdateUserInput in) {
  const bool self = c.principal.id == id;
  if (!self || in.org_role) SIGNET_TRY(RequireOrgAdmin(c.principal));
  std::optional<std::string> new_hash;
  if (in.password) {
    SIGNET_TRY(auth::ValidatePassword(*in.password));
    // Changing one's own password takes the current one (a stolen session alone must not be
    // enough to take the account over); an org admin resetting someone else's does not.
    if (self) {
      if (!in.current_password) {
        return InvalidArgument("currentPassword is required to change your own password");
      }
      SIGNET_ASSIGN_OR_RETURN(domain::User me, [&]() -> Result<domain::User> {
        SIGNET_ASSIGN_OR_RETURN(auto rtx, d_.store.BeginRead());
        return rtx->GetUser(id);
      }());
      SIGNET_TRY(ThrottleLogin(me.email, c.source_ip));
      SIGNET_ASSIGN_OR_RETURN(
          bool match, d_.authenticator.VerifyPasswordHash(*in.current_password, me.password_hash));
      if (!match) {
        SIGNET_TRY(
            RecordLoginFailure("user.password.failure", "user", "email", me.email, c.source_ip));
        return PermissionDenied("currentPassword is not your current password");
      }
      d_.authenticator.throttle().Success(me.email);
    }
    SIGNET_ASSIGN_OR_RETURN(new_hash, d_.authenticator.HashPassword(*in.password));
  }
  auto result = WriteWithAudit<domain::User>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::User> {
        auto u = tx.GetUser(id);
        if (!u && u.error().code == ErrorCode::kNotFound)
          return NotFound("user '" + id + "' not found");
        SIGNET_ASSIGN_OR_RETURN(domain::User user, std::move(u));
        JsonWriter details;
        if (new_hash) {
          user.password_hash = *new_hash;
          details.Add("passwordChanged", true);
          SIGNET_TRY(tx.RevokeAccessTokensOf(domain::PrincipalType::kUser, id));
        }
        if (in.org_role) {
          if (self && *in.org_role != domain::OrgRole::kAdmin) {
            return FailedPrecondition("an org admin cannot remove their own admin role");
          }
          user.org_role = *in.org_role;
          details.Add("orgRole", domain::OrgRoleName(user.org_role));
        }
        user.updated_at = d_.clock.Now();
        SIGNET_TRY(tx.UpdateUser(user));
        e = {"user.update", "user", user.id, details.Finish()};
        return user;
      });
  if (result) d_.authenticator.ForgetAll();  // roles and tokens may have changed
  return result;
}

Result<domain::User> AdminUseCases::DeleteUser(const Caller& c, const std::string& id) {
  SIGNET_TRY(RequireOrgAdmin(c.principal));
  if (c.principal.id == id) return FailedPrecondition("you cannot delete yourself");
  auto result = WriteWithAudit<domain::User>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::User> {
        auto u = tx.GetUser(id);
        if (!u && u.error().code == ErrorCode::kNotFound)
          return NotFound("user '" + id + "' not found");
        SIGNET_ASSIGN_OR_RETURN(domain::User user, std::move(u));
        SIGNET_TRY(tx.RevokeAccessTokensOf(domain::PrincipalType::kUser, id));
        SIGNET_TRY(tx.DeleteUser(id));
        e = {"user.delete", "user", id, JsonWriter().Add("email", user.email).Finish()};
        return user;
      });
  if (result) d_.authenticator.ForgetAll();
  return result;
}

// ---- machine identities ----

Result<domain::Identity> AdminUseCases::CreateIdentity(const Caller& c, const std::string& name) {
  SIGNET_TRY(RequireOrgAdmin(c.principal));
  if (name.empty()) return InvalidArgument("name must not be empty");
  return WriteWithAudit<domain::Identity>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::Identity> {
        domain::Identity identity;
        identity.id = NewUuid();
        identity.name = name;
        identity.client_id = NewUuid();
        identity.created_at = identity.updated_at = d_.clock.Now();
        SIGNET_TRY(tx.InsertIdentity(identity));
        e = {"identity.create", "identity", identity.id, JsonWriter().Add("name", name).Finish()};
        return identity;
      });
}

Result<store::Page<domain::Identity>> AdminUseCases::ListIdentities(const Caller& c, Paging p) {
  SIGNET_TRY(RequireOrgAdmin(c.principal));
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  return tx->ListIdentities(ToPage(p));
}

Result<domain::Identity> AdminUseCases::DeleteIdentity(const Caller& c, const std::string& id) {
  SIGNET_TRY(RequireOrgAdmin(c.principal));
  auto result = WriteWithAudit<domain::Identity>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::Identity> {
        auto i = tx.GetIdentity(id);
        if (!i && i.error().code == ErrorCode::kNotFound)
          return NotFound("identity '" + id + "' not found");
        SIGNET_ASSIGN_OR_RETURN(domain::Identity identity, std::move(i));
        SIGNET_TRY(tx.RevokeAccessTokensOf(domain::PrincipalType::kIdentity, id));
        SIGNET_TRY(tx.DeleteIdentity(id));
        e = {"identity.delete", "identity", id, JsonWriter().Add("name", identity.name).Finish()};
        return identity;
      });
  if (result) d_.authenticator.ForgetAll();
  return result;
}

Result<ClientSecretResult> AdminUseCases::CreateClientSecret(const Caller& c,
                                                             const std::string& identity_id,
                                                             const std::string& description) {
  SIGNET_TRY(RequireOrgAdmin(c.principal));
  SIGNET_ASSIGN_OR_RETURN(SecretBytes secret, auth::NewClientSecret());
  return WriteWithAudit<ClientSecretResult>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<ClientSecretResult> {
        auto i = tx.GetIdentity(identity_id);
        if (!i && i.error().code == ErrorCode::kNotFound)
          return NotFound("identity '" + identity_id + "' not found");
        SIGNET_ASSIGN_OR_RETURN(domain::Identity identity, std::move(i));
        domain::ClientSecret row;
        row.id = NewUuid();
        row.identity_id = identity.id;
        row.secret_hash = auth::HashToken(secret.string_view());
        row.description = description;
        row.created_at = d_.clock.Now();
        SIGNET_TRY(tx.InsertClientSecret(row));
        e = {"identity.client-secret.create", "identity", identity.id,
             JsonWriter().Add("clientSecretId", row.id).Finish()};
        return ClientSecretResult{identity.client_id, secret, row};
      });
}

Result<std::vector<domain::ClientSecret>> AdminUseCases::ListClientSecrets(
    const Caller& c, const std::string& identity_id) {
  SIGNET_TRY(RequireOrgAdmin(c.principal));
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  auto i = tx->GetIdentity(identity_id);
  if (!i && i.error().code == ErrorCode::kNotFound)
    return NotFound("identity '" + identity_id + "' not found");
  if (!i) return tl::unexpected(i.error());
  SIGNET_ASSIGN_OR_RETURN(auto secrets, tx->ListClientSecrets(identity_id));
  for (auto& s : secrets) s.secret_hash.clear();
  return secrets;
}

Result<domain::ClientSecret> AdminUseCases::RevokeClientSecret(const Caller& c,
                                                               const std::string& identity_id,
                                                               const std::string& secret_id) {
  SIGNET_TRY(RequireOrgAdmin(c.principal));
  return WriteWithAudit<domain::ClientSecret>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::ClientSecret> {
        auto s = tx.GetClientSecret(secret_id);
        if ((!s && s.error().code == ErrorCode::kNotFound) ||
            (s && s->identity_id != identity_id)) {
          return NotFound("client secret '" + secret_id + "' of identity '" + identity_id +
                          "' not found");
        }
        SIGNET_ASSIGN_OR_RETURN(domain::ClientSecret row, std::move(s));
        if (!row.revoked) {
          SIGNET_TRY(tx.RevokeClientSecret(row.id));
          row.revoked = true;
        }
        e = {"identity.client-secret.revoke", "identity", identity_id,
             JsonWriter().Add("clientSecretId", row.id).Finish()};
        row.secret_hash.clear();
        return row;
      });
}

// ---- projects ----

Result<domain::Project> AdminUseCases::CreateProject(const Caller& c, const std::string& name,
                                                     const std::string& description,
                                                     domain::ComplianceProfile profile) {
  SIGNET_TRY(RequireOrgAdmin(c.principal));
  SIGNET_TRY(ValidateSlug(name, "name"));
  if (description.size() > 256) {
    return InvalidArgument("description is " + std::to_string(description.size()) +
                           " characters; the maximum is 256");
  }
  if (profile == domain::ComplianceProfile::kCsbr) {
    if (auto v = compliance::MfaViolation(c.principal, "creating a csbr project")) {
      return AuditRefusal<domain::Project>(c, "project.create", "project", name,
                                           PermissionDenied(*v));
    }
  }
  return WriteWithAudit<domain::Project>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::Project> {
        domain::Project p;
        p.id = NewUuid();
        p.name = name;
        p.slug = name;
        p.description = description;
        p.compliance_profile = profile;
        p.created_at = p.updated_at = d_.clock.Now();
        auto r = tx.InsertProject(p);
        if (!r && r.error().code == ErrorCode::kAlreadyExists) {
          return AlreadyExists("a project named '" + name + "' already exists");
        }
        SIGNET_TRY(r);
        e = {"project.create", "project", p.id,
             JsonWriter()
                 .Add("name", name)
                 .Add("complianceProfile", domain::ComplianceProfileName(profile))
                 .Finish()};
        return p;
      });
}

Result<domain::Project> AdminUseCases::GetProject(const Caller& c, const std::string& project) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(domain::Project p, ResolveProject(*tx, project));
  SIGNET_TRY(RequireProjectMember(*tx, c.principal, p.id));
  return p;
}

Result<domain::Project> AdminUseCases::UpdateProject(const Caller& c, const std::string& project,
                                                     const UpdateProjectInput& in) {
  return AuditRefusal(c, "project.update", "project", project, DoUpdateProject(c, project, in));
}

Result<domain::Project> AdminUseCases::DoUpdateProject(const Caller& c, const std::string& project,
                                                       const UpdateProjectInput& in) {
  if (in.description && in.description->size() > 256) {
    return InvalidArgument("description is " + std::to_string(in.description->size()) +
                           " characters; the maximum is 256");
  }
  return WriteWithAudit<domain::Project>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::Project> {
        SIGNET_ASSIGN_OR_RETURN(domain::Project p, ResolveProject(tx, project));
        SIGNET_TRY(RequireProjectAdmin(tx, c.principal, p.id));
        JsonWriter details;
        if (in.description) {
          p.description = *in.description;
          details.Add("description", p.description);
        }
        if (in.compliance_profile && *in.compliance_profile != p.compliance_profile) {
          // Off or on, the profile is what stands between people and a public certificate's
          // key: changing it needs a session that passed MFA.
          if (auto v = compliance::MfaViolation(c.principal, "changing the compliance profile")) {
            return PermissionDenied(*v);
          }
          if (*in.compliance_profile == domain::ComplianceProfile::kCsbr) {
            // Switching on is refused while a signer does not meet the profile: the project
            // would claim what it does not do. Each one is named, with its rule.
            SIGNET_ASSIGN_OR_RETURN(
                auto signers,
                tx.ListSigners(store::SignerFilter{p.id, std::nullopt}, store::PageRequest{}));
            std::string offenders;
            std::size_t count = 0;
            for (const domain::Signer& signer : signers.items) {
              auto cert = tx.GetCertificate(signer.certificate_id);
              std::optional<std::string> violation;
              if (!cert) {
                violation = std::string(compliance::kCsbrPrefix) + "its certificate is gone";
              } else {
                SIGNET_ASSIGN_OR_RETURN(violation, CsbrSignerViolation(*cert));
              }
              if (!violation) continue;
              ++count;
              offenders += (offenders.empty() ? "" : "; ") + std::string("signer '") + signer.name +
                           "': " + violation->substr(compliance::kCsbrPrefix.size());
            }
            if (count > 0) {
              return FailedPrecondition(
                  std::string(compliance::kCsbrPrefix) + "project '" + p.slug + "' has " +
                  std::to_string(count) + (count == 1 ? " signer" : " signers") +
                  " that do not meet the profile; rebind or delete them first: " + offenders);
            }
          }
          details.Add("previousComplianceProfile",
                      domain::ComplianceProfileName(p.compliance_profile));
          p.compliance_profile = *in.compliance_profile;
          details.Add("complianceProfile", domain::ComplianceProfileName(p.compliance_profile));
        }
        p.updated_at = d_.clock.Now();
        SIGNET_TRY(tx.UpdateProject(p));
        e = {"project.update", "project", p.id, details.Finish()};
        return p;
      });
}

Result<store::Page<domain::Project>> AdminUseCases::ListProjects(const Caller& c, Paging p) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  if (c.principal.is_org_admin()) return tx->ListProjects(ToPage(p));
  SIGNET_ASSIGN_OR_RETURN(auto memberships,
                          tx->ListMembershipsOf(c.principal.type, c.principal.id));
  const auto mine = Paginate(std::move(memberships), p);
  store::Page<domain::Project> page{{}, mine.total_count};
  for (const auto& m : mine.items) {
    SIGNET_ASSIGN_OR_RETURN(auto project, tx->GetProject(m.project_id));
    page.items.push_back(std::move(project));
  }
  return page;
}

Result<domain::ProjectMembership> AdminUseCases::AddProjectMember(const Caller& c,
                                                                  const std::string& project,
                                                                  const MembershipInput& in) {
  SIGNET_ASSIGN_OR_RETURN(auto principal, MemberPrincipal(in));
  SIGNET_ASSIGN_OR_RETURN(domain::ProjectRole role, domain::ParseProjectRole(in.role));
  auto result = WriteWithAudit<domain::ProjectMembership>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::ProjectMembership> {
        SIGNET_ASSIGN_OR_RETURN(domain::Project p, ResolveProject(tx, project));
        SIGNET_TRY(RequireProjectAdmin(tx, c.principal, p.id));
        SIGNET_TRY(auth::LoadPrincipal(tx, principal.first, principal.second));
        domain::ProjectMembership m;
        m.id = NewUuid();
        m.project_id = p.id;
        m.principal_type = principal.first;
        m.principal_id = principal.second;
        m.role = role;
        m.created_at = d_.clock.Now();
        auto r = tx.InsertMembership(m);
        if (!r && r.error().code == ErrorCode::kAlreadyExists) {
          return AlreadyExists("that principal is already a member of project '" + p.name + "'");
        }
        SIGNET_TRY(r);
        e = {"project.membership.create", "project", p.id,
             JsonWriter()
                 .Add("membershipId", m.id)
                 .Add("principalType", domain::PrincipalTypeName(m.principal_type))
                 .Add("principalId", m.principal_id)
                 .Add("role", domain::ProjectRoleName(role))
                 .Finish()};
        return m;
      });
  return result;
}

Result<store::Page<domain::ProjectMembership>> AdminUseCases::ListProjectMembers(
    const Caller& c, const std::string& project, Paging p) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(domain::Project proj, ResolveProject(*tx, project));
  SIGNET_TRY(RequireProjectMember(*tx, c.principal, proj.id));
  return tx->ListMemberships(proj.id, ToPage(p));
}

Result<domain::ProjectMembership> AdminUseCases::GetProjectMember(
    const Caller& c, const std::string& project, const std::string& membership_id) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(domain::Project proj, ResolveProject(*tx, project));
  SIGNET_TRY(RequireProjectMember(*tx, c.principal, proj.id));
  auto m = tx->GetMembership(membership_id);
  if (!m || m->project_id != proj.id)
    return NotFound("membership '" + membership_id + "' not found");
  return m;
}

Result<domain::ProjectMembership> AdminUseCases::UpdateProjectMember(
    const Caller& c, const std::string& project, const std::string& membership_id,
    const std::string& role_name) {
  SIGNET_ASSIGN_OR_RETURN(domain::ProjectRole role, domain::ParseProjectRole(role_name));
  return WriteWithAudit<domain::ProjectMembership>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::ProjectMembership> {
        SIGNET_ASSIGN_OR_RETURN(domain::Project p, ResolveProject(tx, project));
        SIGNET_TRY(RequireProjectAdmin(tx, c.principal, p.id));
        auto m = tx.GetMembership(membership_id);
        if (!m || m->project_id != p.id)
          return NotFound("membership '" + membership_id + "' not found");
        const domain::ProjectRole before = m->role;
        m->role = role;
        SIGNET_TRY(tx.UpdateMembership(*m));
        e = {"project.membership.update", "project", p.id,
             JsonWriter()
                 .Add("membershipId", m->id)
                 .Add("principalType", domain::PrincipalTypeName(m->principal_type))
                 .Add("principalId", m->principal_id)
                 .Add("role", domain::ProjectRoleName(role))
                 .Add("previousRole", domain::ProjectRoleName(before))
                 .Finish()};
        return *m;
      });
}

Result<domain::ProjectMembership> AdminUseCases::RemoveProjectMember(
    const Caller& c, const std::string& project, const std::string& membership_id) {
  return WriteWithAudit<domain::ProjectMembership>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::ProjectMembership> {
        SIGNET_ASSIGN_OR_RETURN(domain::Project p, ResolveProject(tx, project));
        SIGNET_TRY(RequireProjectAdmin(tx, c.principal, p.id));
        auto m = tx.GetMembership(membership_id);
        if (!m || m->project_id != p.id)
          return NotFound("membership '" + membership_id + "' not found");
        SIGNET_TRY(tx.DeleteMembership(membership_id));
        // Leaving a project ends every role on its signers.
        SIGNET_ASSIGN_OR_RETURN(auto signer_roles,
                                tx.ListSignerMembershipsOf(m->principal_type, m->principal_id));
        std::int64_t ended = 0;
        for (const auto& role : signer_roles) {
          auto signer = tx.GetSigner(role.signer_id);
          if (!signer) {
            if (signer.error().code == ErrorCode::kNotFound) continue;
            return tl::unexpected(signer.error());
          }
          if (signer->project_id != p.id) continue;
          SIGNET_TRY(tx.DeleteSignerMember(role.id));
          SIGNET_TRY(
              AppendAudit(tx, &c.principal,
                          {"signer.member.delete", "signer", signer->id,
                           JsonWriter()
                               .Add("memberId", role.id)
                               .Add("principalType", domain::PrincipalTypeName(role.principal_type))
                               .Add("principalId", role.principal_id)
                               .Add("reason", "left the project")
                               .Finish()}));
          ++ended;
        }
        e = {"project.membership.delete", "project", p.id,
             JsonWriter()
                 .Add("membershipId", membership_id)
                 .Add("principalType", domain::PrincipalTypeName(m->principal_type))
                 .Add("principalId", m->principal_id)
                 .Add("signerRolesEnded", ended)
                 .Finish()};
        return *m;
      });
}

// ---- the audit log and readiness ----

Status AdminUseCases::Ready() {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(auto n, tx->CountUsers());
  (void)n;
  tx.reset();
  SIGNET_TRY(key_sources_.Health());  // an unreachable HSM token: not ready
  if (d_.tsa_require_synchronized_clock && d_.clock_state) {
    if (ClockState clock = d_.clock_state(); !clock.synchronized) {
      return FailedPrecondition("the clock is not synchronised (" + clock.reason +
                                "); time-stamp authorities refuse until it is");
    }
  }
  return Ok();
}

Result<store::Page<domain::AuditEvent>> AdminUseCases::ListAudit(const Caller& c,
                                                                 const AuditQuery& q) {
  SIGNET_TRY(RequireOrgAdmin(c.principal));
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  store::AuditFilter f;
  f.event_type = q.event_type;
  f.actor_id = q.actor_id;
  f.since = q.since;
  f.until = q.until;
  return tx->ListAuditEvents(f, ToPage(q.paging));
}

Result<audit::VerifyReport> AdminUseCases::VerifyAudit(const Caller& c,
                                                       const audit::Checkpoint* checkpoint) {
  SIGNET_TRY(RequireOrgAdmin(c.principal));
  if (checkpoint != nullptr) SIGNET_TRY(d_.audit.CheckCheckpointSignature(*checkpoint));
  return d_.audit.Verify(d_.store, checkpoint);
}

Result<AdminUseCases::PublicKeyInfo> AdminUseCases::AuditPublicKey() const {
  const Bytes& raw = d_.audit.checkpoint_public_key();
  if (raw.empty()) return Unavailable("this server has no audit checkpoint key");
  PublicKeyInfo info;
  info.raw = raw;
  SIGNET_ASSIGN_OR_RETURN(info.pem, crypto::Ed25519PublicKeyPem(raw));
  const Bytes digest = crypto::Sha256(raw);
  info.key_id = HexEncode(ByteView(digest.data(), 8));
  return info;
}

Result<audit::Checkpoint> AdminUseCases::AuditCheckpoint(const Caller& c) {
  SIGNET_TRY(RequireOrgAdmin(c.principal));
  return d_.audit.MakeCheckpoint(d_.store, d_.clock.Now());
}

}  // namespace signet::service
