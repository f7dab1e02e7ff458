#include "common/clock_sync.h"

#include <sys/timex.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace signet {
namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

TEST(ClockStepDetectorTest, ReportsStepsOfAtLeastTheThresholdEitherWay) {
  ClockStepDetector d(1000ms);
  const TimePoint wall(Millis(1'700'000'000'000));
  const Steady::time_point mono{};
  EXPECT_FALSE(d.Observe(wall, mono));                     // the base
  EXPECT_FALSE(d.Observe(wall + 1000ms, mono + 1000ms));   // in step
  EXPECT_FALSE(d.Observe(wall + 2999ms, mono + 2000ms));   // 999 ms drift: not a step
  auto forward = d.Observe(wall + 9000ms, mono + 3000ms);  // +5 s (and the 1 ms)
  ASSERT_TRUE(forward);
  EXPECT_EQ(*forward, 5001ms);                              // measured from the last observation
  auto backward = d.Observe(wall + 8000ms, mono + 4000ms);  // -2 s
  ASSERT_TRUE(backward);
  EXPECT_EQ(*backward, -2000ms);
  auto exactly = d.Observe(wall + 10000ms, mono + 5000ms);  // +1 s: a step
  ASSERT_TRUE(exactly);
  EXPECT_EQ(*exactly, 1000ms);
}

TEST(FileClockSyncTest, TheFileSaysWhetherTheClockIsSynchronised) {
  char dir_template[] = "/tmp/signet-clock-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string path = std::string(dir_template) + "/clock";
  FileClockSync source(path);
  ClockSyncReading r = source.Read();
  EXPECT_FALSE(r.synchronized);
  EXPECT_NE(r.reason.find("missing"), std::string::npos);
  std::ofstream(path) << "synchronized\n";
  EXPECT_TRUE(source.Read().synchronized);
  std::ofstream(path) << "unsynchronized drill: NTP server unreachable\n";
  r = source.Read();
  EXPECT_FALSE(r.synchronized);
  EXPECT_EQ(r.reason, "drill: NTP server unreachable");
  std::ofstream(path) << "maybe\n";
  r = source.Read();
  EXPECT_FALSE(r.synchronized);
  EXPECT_NE(r.reason.find("'maybe'"), std::string::npos);
  std::remove(path.c_str());
  std::remove(dir_template);
}

TEST(KernelClockSyncTest, AgreesWithAdjtimex) {
  struct timex tx {};
  const int state = adjtimex(&tx);
  const bool expected = state != -1 && state != TIME_ERROR && (tx.status & STA_UNSYNC) == 0;
  const ClockSyncReading r = KernelClockSync().Read();
  EXPECT_EQ(r.synchronized, expected);
  EXPECT_EQ(r.reason.empty(), expected);
}

}  // namespace
}  // namespace signet
