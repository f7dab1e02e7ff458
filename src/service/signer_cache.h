#pragma once
// What the sign path reads on every call — the signer, the caller's roles on it and the
// signer's certificate — kept per (signer, caller) so that a sign call needs no database
// read when nothing changed (ARCHITECTURE "the sign path", step 3).
//
// Invalidation: every write this node commits outside the sign path bumps the generation
// (Context::WriteWithAudit), which drops every entry at once, so a change made through this
// node applies to its next sign call. Entries also expire `ttl` after they were read, so a
// change made through another node sharing the database applies here within `ttl` (the same
// bound as the token cache, docs/deploy.md). A zero ttl disables the cache.
// Grants and policies are not cached: grant use is counted in the record's transaction.
//
// Lost updates are impossible by construction: a loader takes the generation before its read
// transaction and Put() drops the entry if the generation moved meanwhile.
// Thread-safe.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"
#include "domain/entities.h"
#include "domain/principal.h"

namespace signet::service {

struct SignerSnapshot {
  domain::Signer signer;
  std::optional<domain::ProjectRole> project_role;  // the caller's
  std::optional<domain::SignerRole> signer_role;    // the caller's
  // The signer's certificate without its PEM texts (the sign path needs status, validity,
  // key id and key algorithm); absent when the certificate row is gone.
  std::optional<domain::Certificate> certificate;
  // The signer's project's compliance profile (the csbr rules checked at sign time).
  domain::ComplianceProfile compliance_profile = domain::ComplianceProfile::kNone;
};

class SignerCache {
 public:
  SignerCache(const Clock& clock, Millis ttl, std::size_t max_entries = 20'000)
      : clock_(clock), ttl_(ttl), max_entries_(max_entries) {}

  // Take before reading what you will Put.
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  // The snapshot for this signer and caller, or null when absent, stale or invalidated.
  std::shared_ptr<const SignerSnapshot> Get(std::string_view signer_id,
                                            const domain::Principal& caller) const;

  // Keeps `snapshot` unless the generation moved since `generation` was taken. When full,
  // drops everything first (entries are cheap to reload; the bound keeps memory flat).
  void Put(std::uint64_t generation, const domain::Principal& caller,
           std::shared_ptr<const SignerSnapshot> snapshot);

  // Drops every entry; loads that started before this call are not kept.
  void Invalidate();

  std::size_t size() const;

 private:
  struct Entry {
    std::shared_ptr<const SignerSnapshot> snapshot;
    TimePoint loaded_at;
  };
  static std::string Key(std::string_view signer_id, const domain::Principal& caller);

  const Clock& clock_;
  const Millis ttl_;
  const std::size_t max_entries_;
  std::atomic<std::uint64_t> generation_{0};
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;  // guarded by mutex_
};

}  // namespace signet::service
