#pragma once
// Throttling of credential guesses (docs/security.md). Failed logins are counted per account
// (the e-mail address or client id as submitted, lower-cased — whether or not it exists, so a
// refusal never tells an attacker which accounts exist) and per source IP. After
// `free_failures` failures of an account, each further attempt must wait a delay that
// doubles from `base_delay` up to `max_delay`; after `lockout_failures` the account is locked
// for `lockout`. A source IP that fails `ip_failures` times (across accounts) is locked for
// `lockout`. While delayed or locked, attempts are refused before any password is checked —
// even with the right password. A success clears the account's failures. Failures older
// than `window` are forgotten.
//
// In memory, per node: each node of a cluster counts its own (a cluster of N nodes allows N
// times the attempts). Bounded: at most `max_entries` accounts and IPs each; when full,
// entries that neither delay nor lock anything are dropped first.
// Thread-safe.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"

namespace signet::auth {

struct LoginThrottleOptions {
  int free_failures = 5;
  Millis base_delay = std::chrono::seconds(1);
  Millis max_delay = std::chrono::seconds(60);
  int lockout_failures = 10;  // 0 disables the lockout (delays still apply)
  Millis lockout = std::chrono::minutes(15);
  int ip_failures = 50;  // 0 disables the per-IP lockout
  Millis window = std::chrono::minutes(15);
  std::size_t max_entries = 100'000;
  bool enabled = true;
};

class LoginThrottle {
 public:
  explicit LoginThrottle(LoginThrottleOptions options = {}) : options_(options) {}

  // How long the caller must still wait before an attempt for `account` from `ip` is
  // considered, or nullopt when it may go ahead now.
  std::optional<Millis> Blocked(std::string_view account, std::string_view ip, TimePoint now);

  // What a failure did: whether it locked the account or the IP (worth an audit event).
  struct FailureOutcome {
    bool account_locked = false;
    bool ip_locked = false;
  };
  FailureOutcome Failure(std::string_view account, std::string_view ip, TimePoint now);

  // The account's failures are forgotten (the IP's are not: a sprayer who guesses one account
  // right keeps its count).
  void Success(std::string_view account);

  const LoginThrottleOptions& options() const { return options_; }

 private:
  struct Entry {
    int failures = 0;
    TimePoint last_failure{};
    TimePoint blocked_until{};  // nothing before this time
  };
  using Map = std::unordered_map<std::string, Entry>;
  static std::optional<Millis> Wait(const Map& map, const std::string& key, TimePoint now);
  void MakeRoom(Map& map, TimePoint now);

  const LoginThrottleOptions options_;
  std::mutex mutex_;
  Map accounts_;  // guarded by mutex_
  Map ips_;       // guarded by mutex_
};

// Lower-cased account key, at most 256 bytes.
std::string ThrottleKey(std::string_view account);

}  // namespace signet::auth
