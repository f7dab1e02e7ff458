#pragma once
// Time. Everything that reads the time takes a Clock so tests can move it (FakeClock).
// Times travel as RFC 3339 UTC text with millisecond precision ("2026-11-27T13:58:16.123Z").

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>

#include "common/result.h"

namespace signet {

using TimePoint = std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds>;
using Millis = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

// The wall clock. Thread-safe.
class SystemClock final : public Clock {
 public:
  TimePoint Now() const override;
};

// A clock that moves only when told. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start) : now_ms_(start.time_since_epoch().count()) {}
  TimePoint Now() const override { return TimePoint(Millis(now_ms_.load())); }
  void Advance(Millis by) { now_ms_ += by.count(); }
  void Set(TimePoint t) { now_ms_ = t.time_since_epoch().count(); }

 private:
  std::atomic<long long> now_ms_;
};

// "2026-11-27T13:58:16.123Z"
std::string FormatTime(TimePoint t);
// Accepts RFC 3339 with 'Z' or a numeric offset, optional fraction; returns UTC milliseconds.
[[nodiscard]] Result<TimePoint> ParseTime(std::string_view text, std::string_view field);

// Milliseconds since the Unix epoch, as stored in the database.
inline long long ToUnixMillis(TimePoint t) { return t.time_since_epoch().count(); }
inline TimePoint FromUnixMillis(long long ms) { return TimePoint(Millis(ms)); }

}  // namespace signet
