#include "auth/login_throttle.h"

#include <algorithm>
#include <cctype>

namespace signet::auth {

std::string ThrottleKey(std::string_view account) {
  std::string key(account.substr(0, 256));
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

std::optional<Millis> LoginThrottle::Wait(const Map& map, const std::string& key, TimePoint now) {
  auto it = map.find(key);
  if (it == map.end() || now >= it->second.blocked_until) return std::nullopt;
  return std::chrono::duration_cast<Millis>(it->second.blocked_until - now);
}

std::optional<Millis> LoginThrottle::Blocked(std::string_view account, std::string_view ip,
                                             TimePoint now) {
  if (!options_.enabled) return std::nullopt;
  const std::string key = ThrottleKey(account);
  std::lock_guard lock(mutex_);
  auto a = Wait(accounts_, key, now);
  auto i = Wait(ips_, std::string(ip), now);
  if (a && i) return std::max(*a, *i);
  return a ? a : i;
}

void LoginThrottle::MakeRoom(Map& map, TimePoint now) {
  if (map.size() < options_.max_entries) return;
  // First what no longer matters (forgotten failures, nothing blocked), then whatever blocks
  // nothing right now; locked entries go last.
  std::erase_if(map, [&](const auto& kv) {
    return now >= kv.second.blocked_until && now - kv.second.last_failure >= options_.window;
  });
  if (map.size() < options_.max_entries) return;
  std::erase_if(map, [&](const auto& kv) { return now >= kv.second.blocked_until; });
  if (map.size() >= options_.max_entries) map.clear();
}

LoginThrottle::FailureOutcome LoginThrottle::Failure(std::string_view account, std::string_view ip,
                                                     TimePoint now) {
  FailureOutcome out;
  if (!options_.enabled) return out;
  const std::string key = ThrottleKey(account);
  std::lock_guard lock(mutex_);
  auto count = [&](Map& map, const std::string& k) -> Entry& {
    auto it = map.find(k);
    if (it == map.end()) {
      MakeRoom(map, now);
      it = map.emplace(k, Entry{}).first;
    }
    Entry& e = it->second;
    if (e.failures > 0 && now - e.last_failure >= options_.window && now >= e.blocked_until) {
      e.failures = 0;  // forgotten
    }
    ++e.failures;
    e.last_failure = now;
    return e;
  };

  Entry& a = count(accounts_, key);
  if (options_.lockout_failures > 0 && a.failures >= options_.lockout_failures) {
    out.account_locked = a.failures == options_.lockout_failures;
    a.blocked_until = std::max(a.blocked_until, now + options_.lockout);
  } else if (a.failures > options_.free_failures) {
    const int doublings = std::min(a.failures - options_.free_failures - 1, 30);
    Millis delay = options_.base_delay * (std::int64_t{1} << doublings);
    delay = std::min(delay, options_.max_delay);
    a.blocked_until = std::max(a.blocked_until, now + delay);
  }
  if (!ip.empty()) {
    Entry& i = count(ips_, std::string(ip));
    if (options_.ip_failures > 0 && i.failures >= options_.ip_failures) {
      out.ip_locked = i.failures == options_.ip_failures;
      i.blocked_until = std::max(i.blocked_until, now + options_.lockout);
    }
  }
  return out;
}

void LoginThrottle::Success(std::string_view account) {
  if (!options_.enabled) return;
  const std::string key = ThrottleKey(account);
  std::lock_guard lock(mutex_);
  accounts_.erase(key);
}

}  // namespace signet::auth
