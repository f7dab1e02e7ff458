#pragma once
// Credentials → Principal. Bearer tokens are looked up by their SHA-256 in a small in-memory
// cache in front of the database; logout and user/identity removal invalidate it at once on
// this node. Entries live 500 ms by default, so that a token revoked on another node that
// shares the database stops working here within a second (docs/deploy.md); the cost is one
// indexed read per active token and node twice a second. Passwords are checked with
// argon2id, client secrets by hash in constant time. Failures never say which part was
// wrong. Thread-safe.

#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"
#include "common/result.h"
#include "common/secret_bytes.h"
#include "domain/principal.h"
#include "store/store.h"

namespace signet::auth {

struct IssuedToken {
  SecretBytes token;  // shown once to the caller
  Millis expires_in;
};

// The principal with that id as role checks see it (users carry their org role); NotFound
// "user '<id>' not found" / "identity '<id>' not found" when it does not exist.
[[nodiscard]] Result<domain::Principal> LoadPrincipal(store::Tx& tx, domain::PrincipalType type,
                                                      std::string_view id);

class Authenticator {
 public:
  Authenticator(store::Store& store, const Clock& clock, Millis cache_ttl = std::chrono::milliseconds(500));

  // kUnauthenticated for a missing, unknown, expired or revoked token.
  [[nodiscard]] Result<domain::Principal> Authenticate(std::string_view token);

  // Inside a write transaction: check credentials (kUnauthenticated "invalid credentials"
  // for any mismatch, after the same amount of work).
  [[nodiscard]] Result<domain::Principal> CheckPassword(store::Tx& tx, std::string_view email,
                                                        const SecretBytes& password);
  [[nodiscard]] Result<domain::Principal> CheckClientSecret(store::Tx& tx,
                                                            std::string_view client_id,
                                                            const SecretBytes& secret);
  // Creates and stores a token for `principal`.
  [[nodiscard]] Result<IssuedToken> IssueToken(store::Tx& tx, const domain::Principal& principal,
                                               Millis ttl);

  // Drops cached tokens: one by its hash, or every token (after a role change or removal).
  void Forget(std::string_view token_hash);
  void ForgetAll();

 private:
  struct Entry {
    domain::Principal principal;
    TimePoint expires_at;    // the token's own expiry
    TimePoint cached_until;  // re-check the database after this
  };

  store::Store& store_;
  const Clock& clock_;
  const Millis cache_ttl_;
  std::string dummy_password_hash_;  // verified against on unknown emails (equal timing)
  std::shared_mutex mutex_;
  std::unordered_map<std::string, Entry> cache_;  // guarded by mutex_
};

}  // namespace signet::auth
