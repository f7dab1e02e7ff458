#pragma once
// Credentials → Principal. Bearer tokens are looked up by their SHA-256 in a small in-memory
// cache in front of the database; logout and user/identity removal invalidate it at once on
// this node. Entries live 500 ms by default, so that a token revoked on another node that
// shares the database stops working here within a second (docs/deploy.md); the cost is one
// indexed read per active token and node twice a second. Passwords are checked with
// argon2id, client secrets by hash in constant time. Failures never say which part was
// wrong.
//
// Abuse resistance (docs/security.md): credential checks read in a read transaction of their
// own and run argon2id outside any transaction, on a bounded number of threads at once (more
// callers wait in a bounded queue; beyond it they get 429), so password guessing never holds
// the database's write lock nor takes every core; failed logins feed the LoginThrottle; each
// authenticated caller may make `request_rate` requests per second (bursts of
// `request_burst`). Thread-safe.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/login_throttle.h"
#include "common/clock.h"
#include "common/rate_limiter.h"
#include "common/result.h"
#include "common/secret_bytes.h"
#include "domain/principal.h"
#include "store/store.h"

namespace signet::auth {

// What an access token is for (domain::AccessToken::purpose).
inline constexpr std::string_view kSessionPurpose = "session";
inline constexpr std::string_view kMfaLoginPurpose = "mfa";

struct IssuedToken {
  SecretBytes token;  // shown once to the caller
  Millis expires_in;
};

// The principal with that id as role checks see it (users carry their org role); NotFound
// "user '<id>' not found" / "identity '<id>' not found" when it does not exist.
[[nodiscard]] Result<domain::Principal> LoadPrincipal(store::Tx& tx, domain::PrincipalType type,
                                                      std::string_view id);

struct AuthOptions {
  Millis cache_ttl = std::chrono::milliseconds(500);
  LoginThrottleOptions throttle;
  // Requests per second per authenticated caller (user or identity), and the burst; a rate
  // <= 0 turns the limit off.
  double request_rate = 1000;
  double request_burst = 2000;
  // argon2id computations at once (0: half the cores, at least one) and callers that may wait
  // for one.
  int password_threads = 0;
  int password_queue = 64;
};

class Authenticator {
 public:
  Authenticator(store::Store& store, const Clock& clock, AuthOptions options = {});

  // kUnauthenticated for a missing, unknown, expired or revoked token, and for a token that
  // is not a session (an MFA login token waiting for its second factor). The principal's
  // `mfa` says whether the session passed a second factor.
  [[nodiscard]] Result<domain::Principal> Authenticate(std::string_view token);
  // Counts one request of `p` against its rate; kResourceExhausted (429 with the wait) when
  // it has none left.
  [[nodiscard]] Status CheckRequestRate(const domain::Principal& p);

  // Check credentials in a read transaction of their own; kUnauthenticated "invalid
  // credentials" for any mismatch, after the same amount of work; kResourceExhausted when too
  // many password checks are already waiting. Throttling is the caller's (throttle()).
  [[nodiscard]] Result<domain::Principal> CheckPassword(std::string_view email,
                                                        const SecretBytes& password);
  [[nodiscard]] Result<domain::Principal> CheckClientSecret(std::string_view client_id,
                                                            const SecretBytes& secret);
  // Whether `password` matches `encoded_hash`, on the bounded hashing threads.
  [[nodiscard]] Result<bool> VerifyPasswordHash(const SecretBytes& password,
                                                const std::string& encoded_hash);
  // A new argon2id hash, on the bounded hashing threads.
  [[nodiscard]] Result<std::string> HashPassword(const SecretBytes& password);

  LoginThrottle& throttle() { return throttle_; }
  // argon2id computations finished so far (hashes and checks), for tests and metrics.
  std::uint64_t password_operations() const { return password_operations_.load(); }
  // Creates and stores a token for `principal`: a session (`mfa`: it passed a second
  // factor), or with purpose kMfaLoginPurpose a login waiting for its second factor.
  // `auth_claims` (a JSON object text, or empty) is what the login proved, given back as
  // Principal::auth_claims by Authenticate (the claims an OIDC login matched).
  [[nodiscard]] Result<IssuedToken> IssueToken(store::Tx& tx, const domain::Principal& principal,
                                               Millis ttl,
                                               std::string_view purpose = kSessionPurpose,
                                               bool mfa = false, std::string auth_claims = {});

  // Drops cached tokens: one by its hash, or every token (after a role change or removal).
  void Forget(std::string_view token_hash);
  void ForgetAll();

 private:
  struct Entry {
    domain::Principal principal;
    TimePoint expires_at;    // the token's own expiry
    TimePoint cached_until;  // re-check the database after this
  };

  Result<ConcurrencyLimit::Permit> PasswordPermit();

  store::Store& store_;
  const Clock& clock_;
  const Millis cache_ttl_;
  std::string dummy_password_hash_;  // verified against on unknown emails (equal timing)
  ConcurrencyLimit password_work_;
  LoginThrottle throttle_;
  RateLimiter request_rate_;
  std::atomic<std::uint64_t> password_operations_{0};
  std::shared_mutex mutex_;
  std::unordered_map<std::string, Entry> cache_;  // guarded by mutex_
};

}  // namespace signet::auth
