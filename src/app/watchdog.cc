#include "app/watchdog.h"

#include <systemd/sd-daemon.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "common/log.h"

namespace signet::app {

std::optional<std::chrono::milliseconds> WatchdogInterval() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  // systemd's advice: ping at half the timeout. At least 1 ms, so that a tiny value still waits.
  return std::max(
      std::chrono::milliseconds(1),
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::microseconds(usec / 2)));
}

Watchdog::Watchdog(std::chrono::milliseconds interval,
                   std::function<bool(std::chrono::milliseconds)> alive, std::function<void()> ping)
    : interval_(interval),
      alive_(std::move(alive)),
      ping_(std::move(ping)),
      thread_([this] { Loop(); }) {}

Watchdog::~Watchdog() { Stop(); }

void Watchdog::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Watchdog::Loop() {
  bool failing = false;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    const auto started = std::chrono::steady_clock::now();
    // The probe may take up to one interval; a ping is still due within the timeout (two).
    if (alive_(interval_)) {
      ping_();
      if (failing) log::Info("watchdog: the server answers again");
      failing = false;
    } else if (!failing) {
      failing = true;
      log::Error("watchdog: the server loop did not answer within " +
                 std::to_string(interval_.count()) +
                 " ms; not pinging systemd (it restarts signetd if this lasts)");
    }
    lock.lock();
    cv_.wait_until(lock, started + interval_, [this] { return stopping_; });
  }
}

}  // namespace signet::app
