#include "app/watchdog.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include <gtest/gtest.h>

namespace signet::app {
namespace {

using std::chrono::milliseconds;

// Waits (up to 10 s) until `done` holds.
template <class F>
bool Eventually(F done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(2));
  }
  return true;
}

TEST(Watchdog, PingsWhileTheServerAnswers) {
  std::atomic<int> probes{0}, pings{0};
  milliseconds probe_timeout{0};
  Watchdog dog(
      milliseconds(5),
      [&](milliseconds timeout) {
        probe_timeout = timeout;
        ++probes;
        return true;
      },
      [&] { ++pings; });
  ASSERT_TRUE(Eventually([&] { return pings >= 3; }));
  dog.Stop();
  EXPECT_EQ(probe_timeout, milliseconds(5));  // a probe waits at most one interval
  EXPECT_EQ(pings.load(), probes.load());
}

TEST(Watchdog, NeverPingsWhileTheServerDoesNotAnswer) {
  std::atomic<bool> answering{false};
  std::atomic<int> probes{0}, pings{0};
  Watchdog dog(
      milliseconds(5),
      [&](milliseconds) {
        ++probes;
        return answering.load();
      },
      [&] { ++pings; });
  ASSERT_TRUE(Eventually([&] { return probes >= 5; }));
  EXPECT_EQ(pings.load(), 0);
  answering = true;  // the server recovers: the pings resume
  ASSERT_TRUE(Eventually([&] { return pings >= 1; }));
}

TEST(Watchdog, StopEndsThePings) {
  std::atomic<int> pings{0};
  Watchdog dog(
      milliseconds(1), [](milliseconds) { return true; }, [&] { ++pings; });
  ASSERT_TRUE(Eventually([&] { return pings >= 1; }));
  dog.Stop();
  const int after_stop = pings.load();
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(pings.load(), after_stop);
}

TEST(WatchdogInterval, HalfOfWatchdogUsecAndOnlyWhenSet) {
  ::unsetenv("WATCHDOG_PID");
  ::unsetenv("WATCHDOG_USEC");
  EXPECT_FALSE(WatchdogInterval().has_value());
  ::setenv("WATCHDOG_USEC", "30000000", 1);
  ASSERT_TRUE(WatchdogInterval().has_value());
  EXPECT_EQ(*WatchdogInterval(), milliseconds(15000));
  // Meant for another process (WATCHDOG_PID names someone else): no watchdog here.
  ::setenv("WATCHDOG_PID", "1", 1);
  EXPECT_FALSE(WatchdogInterval().has_value());
  ::setenv("WATCHDOG_USEC", "not a number", 1);
  ::unsetenv("WATCHDOG_PID");
  EXPECT_FALSE(WatchdogInterval().has_value());
  ::unsetenv("WATCHDOG_USEC");
}

}  // namespace
}  // namespace signet::app
