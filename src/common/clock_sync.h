#pragma once
// Clock discipline for the time-stamp authority: is the system clock synchronised (the
// kernel's NTP state, read with adjtimex(2)), and did it step?
//
// - KernelClockSync asks the kernel: unsynchronised while adjtimex reports TIME_ERROR or the
//   STA_UNSYNC status bit (no NTP client has disciplined the clock).
// - FileClockSync reads the state from a file instead, for tests and drills that must
//   simulate an unsynchronised clock: a first word "synchronized" means synchronised; any
//   other content (or no file) means not, with the rest of the first line as the reason.
// - ClockStepDetector compares the wall clock with the monotonic clock between observations:
//   a difference of `threshold` or more is a step (someone set the clock, or NTP stepped it).
// All classes are thread-safe.

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "common/clock.h"

namespace signet {

struct ClockSyncReading {
  bool synchronized = false;
  std::string reason;  // why not; empty when synchronised
};

class ClockSyncSource {
 public:
  virtual ~ClockSyncSource() = default;
  virtual ClockSyncReading Read() const = 0;
  virtual std::string Describe() const = 0;  // "kernel (adjtimex)", "file /path"
};

class KernelClockSync final : public ClockSyncSource {
 public:
  ClockSyncReading Read() const override;
  std::string Describe() const override { return "kernel (adjtimex)"; }
};

class FileClockSync final : public ClockSyncSource {
 public:
  explicit FileClockSync(std::string path) : path_(std::move(path)) {}
  ClockSyncReading Read() const override;
  std::string Describe() const override { return "file " + path_; }

 private:
  const std::string path_;
};

class ClockStepDetector {
 public:
  explicit ClockStepDetector(Millis threshold) : threshold_(threshold) {}
  // The step since the previous observation (wall time gained minus monotonic time gained),
  // when its magnitude is at least the threshold; the first observation only sets the base.
  std::optional<Millis> Observe(TimePoint wall, std::chrono::steady_clock::time_point monotonic);

 private:
  const Millis threshold_;
  std::mutex mu_;
  // guarded by mu_
  std::optional<std::pair<TimePoint, std::chrono::steady_clock::time_point>> last_;
};

}  // namespace signet
