#include "common/clock_sync.h"

#include <sys/timex.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace signet {

ClockSyncReading KernelClockSync::Read() const {
  struct timex tx {};
  tx.modes = 0;  // read only
  const int state = adjtimex(&tx);
  if (state == -1) {
    return {false, std::string("adjtimex failed: ") + std::strerror(errno)};
  }
  if (state == TIME_ERROR || (tx.status & STA_UNSYNC) != 0) {
    return {false,
            "the kernel reports the clock unsynchronised (no NTP client disciplines it; "
            "run chrony or systemd-timesyncd)"};
  }
  return {true, ""};
}

ClockSyncReading FileClockSync::Read() const {
  std::ifstream in(path_);
  if (!in) return {false, "clock state file " + path_ + " is missing"};
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  const std::string word = line.substr(0, line.find(' '));
  if (word == "synchronized") return {true, ""};
  std::string reason = line.find(' ') == std::string::npos ? "" : line.substr(line.find(' ') + 1);
  if (reason.empty()) reason = "clock state file " + path_ + " says '" + word + "'";
  return {false, reason};
}

std::optional<Millis> ClockStepDetector::Observe(TimePoint wall,
                                                 std::chrono::steady_clock::time_point monotonic) {
  std::lock_guard lock(mu_);
  std::optional<Millis> step;
  if (last_) {
    const auto wall_gain = wall - last_->first;
    const auto mono_gain = std::chrono::duration_cast<Millis>(monotonic - last_->second);
    const Millis diff = std::chrono::duration_cast<Millis>(wall_gain) - mono_gain;
    if (diff >= threshold_ || -diff >= threshold_) step = diff;
  }
  last_ = std::make_pair(wall, monotonic);
  return step;
}

}  // namespace signet
