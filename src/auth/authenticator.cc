#include "auth/authenticator.h"

#include "auth/password.h"
#include "auth/tokens.h"

#include <algorithm>
#include <thread>

namespace signet::auth {
namespace {

constexpr std::size_t kMaxCacheEntries = 100'000;
constexpr std::size_t kMaxTokenLength = 256;

Error InvalidCredentials() { return Error{ErrorCode::kUnauthenticated, "invalid credentials"}; }

int DefaultPasswordThreads() {
  const unsigned cores = std::thread::hardware_concurrency();
  return std::max(1, static_cast<int>(cores / 2));
}

}  // namespace

Authenticator::Authenticator(store::Store& store, const Clock& clock, AuthOptions options)
    : store_(store),
      clock_(clock),
      cache_ttl_(options.cache_ttl),
      password_work_(
          options.password_threads > 0 ? options.password_threads : DefaultPasswordThreads(),
          options.password_queue),
      throttle_(options.throttle),
      request_rate_(options.request_rate, options.request_burst) {
  auto dummy = auth::HashPassword(SecretBytes::FromString("signet-dummy-password"));
  if (dummy) dummy_password_hash_ = std::move(*dummy);
}

Status Authenticator::CheckRequestRate(const domain::Principal& p) {
  if (!request_rate_.enabled()) return Ok();
  const std::string key = std::string(domain::PrincipalTypeName(p.type)) + ":" + p.id;
  if (auto wait = request_rate_.Allow(key, clock_.Now())) {
    return RateLimited("too many requests; slow down and retry", (wait->count() + 999) / 1000);
  }
  return Ok();
}

Result<ConcurrencyLimit::Permit> Authenticator::PasswordPermit() {
  auto permit = password_work_.Acquire();
  if (!permit) return RateLimited("too many password checks in progress; retry in a moment", 1);
  return std::move(*permit);
}

Result<bool> Authenticator::VerifyPasswordHash(const SecretBytes& password,
                                               const std::string& encoded_hash) {
  SIGNET_ASSIGN_OR_RETURN(auto permit, PasswordPermit());
  const bool match = VerifyPassword(password, encoded_hash);
  password_operations_.fetch_add(1);
  return match;
}

Result<std::string> Authenticator::HashPassword(const SecretBytes& password) {
  SIGNET_ASSIGN_OR_RETURN(auto permit, PasswordPermit());
  auto hash = auth::HashPassword(password);
  password_operations_.fetch_add(1);
  return hash;
}

Result<domain::Principal> Authenticator::Authenticate(std::string_view token) {
  if (token.empty()) return Unauthenticated("missing bearer token");
  if (token.size() > kMaxTokenLength) return Unauthenticated("invalid or expired token");
  const std::string hash = HashToken(token);
  const TimePoint now = clock_.Now();
  {
    std::shared_lock lock(mutex_);
    auto it = cache_.find(hash);
    if (it != cache_.end() && now < it->second.cached_until && now < it->second.expires_at) {
      return it->second.principal;
    }
  }
  SIGNET_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
  auto row = tx->GetAccessToken(hash);
  if (!row) {
    if (row.error().code == ErrorCode::kNotFound)
      return Unauthenticated("invalid or expired token");
    return tl::unexpected(row.error());
  }
  if (row->revoked || now >= row->expires_at || row->purpose != kSessionPurpose) {
    Forget(hash);
    return Unauthenticated("invalid or expired token");
  }
  auto principal = LoadPrincipal(*tx, row->principal_type, row->principal_id);
  if (!principal) {
    if (principal.error().code == ErrorCode::kNotFound)
      return Unauthenticated("invalid or expired token");
    return tl::unexpected(principal.error());
  }
  principal->mfa = row->mfa;
  principal->auth_claims = row->auth_claims;
  std::unique_lock lock(mutex_);
  if (cache_.size() >= kMaxCacheEntries) cache_.clear();
  cache_[hash] = Entry{*principal, row->expires_at, now + cache_ttl_};
  return *principal;
}

Result<domain::Principal> LoadPrincipal(store::Tx& tx, domain::PrincipalType type,
                                        std::string_view id) {
  const std::string key(id);
  if (type == domain::PrincipalType::kUser) {
    auto user = tx.GetUser(id);
    if (!user && user.error().code == ErrorCode::kNotFound)
      return NotFound("user '" + key + "' not found");
    if (!user) return tl::unexpected(user.error());
    return domain::Principal{type, user->id, user->email, user->org_role};
  }
  auto identity = tx.GetIdentity(id);
  if (!identity && identity.error().code == ErrorCode::kNotFound) {
    return NotFound("identity '" + key + "' not found");
  }
  if (!identity) return tl::unexpected(identity.error());
  return domain::Principal{type, identity->id, identity->name, domain::OrgRole::kMember};
}

Result<domain::Principal> Authenticator::CheckPassword(std::string_view email,
                                                       const SecretBytes& password) {
  Result<domain::User> user = [&]() -> Result<domain::User> {
    SIGNET_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
    return tx->GetUserByEmail(email);
  }();  // the read transaction ends here, before argon2id
  if (!user) {
    if (user.error().code != ErrorCode::kNotFound) return tl::unexpected(user.error());
    // Same cost as a real check, so timing does not tell which accounts exist.
    SIGNET_TRY(VerifyPasswordHash(password, dummy_password_hash_));
    return tl::unexpected(InvalidCredentials());
  }
  SIGNET_ASSIGN_OR_RETURN(bool match, VerifyPasswordHash(password, user->password_hash));
  if (!match) return tl::unexpected(InvalidCredentials());
  return domain::Principal{domain::PrincipalType::kUser, user->id, user->email, user->org_role};
}

Result<domain::Principal> Authenticator::CheckClientSecret(std::string_view client_id,
                                                           const SecretBytes& secret) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
  auto identity = tx->GetIdentityByClientId(client_id);
  if (!identity) {
    if (identity.error().code != ErrorCode::kNotFound) return tl::unexpected(identity.error());
    return tl::unexpected(InvalidCredentials());
  }
  SIGNET_ASSIGN_OR_RETURN(auto secrets, tx->ListClientSecrets(identity->id));
  const std::string hash = HashToken(secret.string_view());
  bool match = false;
  for (const auto& s : secrets) {
    // Every secret is compared (constant time each), so timing does not tell which matched.
    const bool equal = ConstantTimeEquals(AsBytes(s.secret_hash), AsBytes(hash));
    match = match || (equal && !s.revoked);
  }
  if (!match) return tl::unexpected(InvalidCredentials());
  return domain::Principal{domain::PrincipalType::kIdentity, identity->id, identity->name,
                           domain::OrgRole::kMember};
}

Result<IssuedToken> Authenticator::IssueToken(store::Tx& tx, const domain::Principal& principal,
                                              Millis ttl, std::string_view purpose, bool mfa,
                                              std::string auth_claims) {
  SIGNET_ASSIGN_OR_RETURN(SecretBytes token, NewAccessToken());
  const TimePoint now = clock_.Now();
  domain::AccessToken row;
  row.token_hash = HashToken(token.string_view());
  row.principal_type = principal.type;
  row.principal_id = principal.id;
  row.created_at = now;
  row.expires_at = now + ttl;
  row.purpose = std::string(purpose);
  row.mfa = mfa;
  row.auth_claims = std::move(auth_claims);
  SIGNET_TRY(tx.InsertAccessToken(row));
  return IssuedToken{std::move(token), ttl};
}

void Authenticator::Forget(std::string_view token_hash) {
  std::unique_lock lock(mutex_);
  cache_.erase(std::string(token_hash));
}

void Authenticator::ForgetAll() {
  std::unique_lock lock(mutex_);
  cache_.clear();
}

}  // namespace signet::auth
