#pragma once
// The systemd watchdog (WatchdogSec= in the unit): signetd sends WATCHDOG=1 only while its
// server answers a liveness probe, so a wedged server loop gets restarted by systemd rather
// than pinged forever by a timer that knows nothing about it.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace signet::app {

// How often to ping: half the WATCHDOG_USEC systemd set for this process (sd_watchdog_enabled,
// which also checks WATCHDOG_PID), or nothing when no watchdog is asked for.
std::optional<std::chrono::milliseconds> WatchdogInterval();

// Every `interval`, a thread calls `alive(interval)` and, when it says the server serves,
// `ping()`. A failed probe is logged (once, until the server answers again) and not pinged.
// Stop (or the destructor) ends the thread; the callbacks must stay valid until then.
class Watchdog {
 public:
  Watchdog(std::chrono::milliseconds interval, std::function<bool(std::chrono::milliseconds)> alive,
           std::function<void()> ping);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void Stop();

 private:
  void Loop();

  const std::chrono::milliseconds interval_;
  const std::function<bool(std::chrono::milliseconds)> alive_;
  const std::function<void()> ping_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace signet::app
