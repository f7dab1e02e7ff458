#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <thread>

#include "common/metrics.h"
#include "common/rate_limiter.h"

#include "common/clock.h"
#include "common/duration.h"
#include "common/encoding.h"
#include "common/log.h"
#include "common/names.h"
#include "common/result.h"
#include "common/secret_bytes.h"
#include "common/uuid.h"

namespace signet {
namespace {

using namespace std::chrono_literals;

TEST(Base64, RoundTripsAllLengths) {
  Bytes data;
  for (int n = 0; n < 70; ++n) {
    auto decoded = Base64Decode(Base64Encode(data));
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, data);
    data.push_back(static_cast<std::uint8_t>(n * 37 + 11));
  }
}

TEST(Base64, KnownAnswers) {  // RFC 4648 §10
  EXPECT_EQ(Base64Encode(AsBytes("")), "");
  EXPECT_EQ(Base64Encode(AsBytes("f")), "Zg==");
  EXPECT_EQ(Base64Encode(AsBytes("fo")), "Zm8=");
  EXPECT_EQ(Base64Encode(AsBytes("foo")), "Zm9v");
  EXPECT_EQ(Base64Encode(AsBytes("foobar")), "Zm9vYmFy");
  EXPECT_EQ(AsString(*Base64Decode("Zm9vYg==")), "foob");
}

TEST(Base64, RejectsMalformedInput) {
  for (const char* bad :
       {"Zg=", "Zg", "Z===", "Zm9v!A==", "Zg==Zg==", "Zh==", "Zm9=", "Zm 9v", "=Zg=", "Zg=a"}) {
    auto r = Base64Decode(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    }
  }
}

TEST(Hex, RoundTripAndErrors) {
  const Bytes data{0x00, 0x7f, 0x80, 0xff};
  EXPECT_EQ(HexEncode(data), "007f80ff");
  EXPECT_EQ(*HexDecode("007F80ff"), data);
  EXPECT_FALSE(HexDecode("abc"));
  EXPECT_FALSE(HexDecode("zz"));
}

TEST(SecretBytes, ComparesAndMoves) {
  SecretBytes a = SecretBytes::FromString("secret");
  SecretBytes b = SecretBytes::FromString("secret");
  SecretBytes c = SecretBytes::FromString("secreT");
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(a == c);
  EXPECT_FALSE(a.Equals(AsBytes("secre")));
  SecretBytes moved = std::move(a);
  EXPECT_EQ(moved.string_view(), "secret");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  SecretBytes copy = moved;
  EXPECT_TRUE(copy == moved);
}

TEST(ConstantTimeEquals, Basics) {
  EXPECT_TRUE(ConstantTimeEquals(AsBytes(""), AsBytes("")));
  EXPECT_TRUE(ConstantTimeEquals(AsBytes("abc"), AsBytes("abc")));
  EXPECT_FALSE(ConstantTimeEquals(AsBytes("abc"), AsBytes("abd")));
  EXPECT_FALSE(ConstantTimeEquals(AsBytes("abc"), AsBytes("abcd")));
}

TEST(Uuid, NewIsVersion4AndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = NewUuid();
    ASSERT_TRUE(IsUuid(id)) << id;
    EXPECT_EQ(id[14], '4');
    EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b');
    EXPECT_TRUE(seen.insert(id).second);
  }
}

TEST(Uuid, TimeOrderedIsVersion7AndSortsByTime) {
  // RFC 9562 appendix A.6's example: 2022-02-22T19:22:22Z = 0x017F22E279B0 ms.
  const std::string id = NewTimeOrderedUuid(0x017F22E279B0);
  ASSERT_TRUE(IsUuid(id)) << id;
  EXPECT_EQ(id.substr(0, 13), "017f22e2-79b0");
  EXPECT_EQ(id[14], '7');
  EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b');
  std::string previous;
  std::set<std::string> seen;
  for (std::int64_t ms = 1'700'000'000'000; ms < 1'700'000'000'000 + 300; ++ms) {
    const std::string next = NewTimeOrderedUuid(ms);
    EXPECT_LT(previous, next);  // a later millisecond sorts later, as text too
    EXPECT_TRUE(seen.insert(next).second);
    previous = next;
  }
  EXPECT_EQ(NewTimeOrderedUuid()[14], '7');
}

TEST(Uuid, Parse) {
  EXPECT_EQ(*ParseUuid("0F8FAD5B-D9CB-469F-A165-70867728950E", "id"),
            "0f8fad5b-d9cb-469f-a165-70867728950e");
  auto bad = ParseUuid("not-a-uuid", "signerId");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "signerId must be a UUID");
  EXPECT_FALSE(IsUuid("0f8fad5b-d9cb-469f-a165-70867728950"));
  EXPECT_FALSE(IsUuid("0f8fad5bxd9cb-469f-a165-70867728950e"));
}

TEST(Duration, ParsesUnitsAndBounds) {
  EXPECT_EQ(*ParseDuration("30s", "d", 1s, 30 * 24h), 30s);
  EXPECT_EQ(*ParseDuration("30m", "d", 1s, 30 * 24h), 30min);
  EXPECT_EQ(*ParseDuration("8h", "d", 1s, 30 * 24h), 8h);
  EXPECT_EQ(*ParseDuration("7d", "d", 1s, 30 * 24h), 7 * 24h);
  auto too_long = ParseDuration("40d", "maxWindowDuration", 1min, 30 * 24h);
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().message, "maxWindowDuration is 40d; the maximum is 30d");
  auto too_short = ParseDuration("30s", "maxWindowDuration", 1min, 30 * 24h);
  ASSERT_FALSE(too_short);
  EXPECT_EQ(too_short.error().message, "maxWindowDuration is 30s; the minimum is 1m");
  for (const char* bad : {"", "s", "10", "10x", "-5m", "1.5h", "h10", "99999999999999d"}) {
    EXPECT_FALSE(ParseDuration(bad, "d", 0s, 365 * 24h)) << bad;
  }
}

TEST(Duration, Formats) {
  EXPECT_EQ(FormatDuration(90min), "90m");
  EXPECT_EQ(FormatDuration(120min), "2h");
  EXPECT_EQ(FormatDuration(48h), "2d");
  EXPECT_EQ(FormatDuration(45s), "45s");
}

TEST(Slug, Rules) {
  EXPECT_TRUE(ValidateSlug("release-signer", "name"));
  EXPECT_TRUE(ValidateSlug("a", "name"));
  EXPECT_TRUE(ValidateSlug(std::string(64, 'a'), "name"));
  EXPECT_FALSE(ValidateSlug(std::string(65, 'a'), "name"));
  for (const char* bad : {"", "-a", "a-", "a--b", "Release", "a_b", "a b", "é"}) {
    EXPECT_FALSE(ValidateSlug(bad, "name")) << bad;
  }
  EXPECT_EQ(ValidateSlug("a--b", "name").error().message,
            "name must not contain two hyphens in a row");
}

TEST(Time, FormatAndParse) {
  const TimePoint t = FromUnixMillis(1795787896123LL);
  const std::string text = FormatTime(t);
  EXPECT_EQ(text, "2026-11-27T13:58:16.123Z");
  EXPECT_EQ(*ParseTime(text, "t"), t);
  EXPECT_EQ(*ParseTime("2026-11-27T14:58:16.123+01:00", "t"), t);
  EXPECT_EQ(ToUnixMillis(*ParseTime("1970-01-01T00:00:00Z", "t")), 0);
  for (const char* bad : {"2026-11-27", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                          "2026-11-27T10:18:16", "2026-11-27T10:18:16.Z", "yesterday"}) {
    EXPECT_FALSE(ParseTime(bad, "t")) << bad;
  }
}

TEST(FakeClock, Advances) {
  FakeClock clock(FromUnixMillis(1000));
  clock.Advance(5s);
  EXPECT_EQ(ToUnixMillis(clock.Now()), 6000);
}

TEST(Result, MacrosPropagate) {
  auto inner = [](bool fail) -> Result<int> {
    if (fail) return NotFound("nothing");
    return 7;
  };
  auto outer = [&](bool fail) -> Result<int> {
    SIGNET_ASSIGN_OR_RETURN(int v, inner(fail));
    return v + 1;
  };
  EXPECT_EQ(*outer(false), 8);
  EXPECT_EQ(outer(true).error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace signet

namespace signet {
namespace {

TEST(Log, MinLevelFiltersLinesBeforeTheSink) {
  std::vector<std::string> lines;
  log::SetSink([&lines](log::Level, std::string_view, std::string_view m,
                        std::span<const log::Field>) { lines.emplace_back(m); });
  log::SetMinLevel(log::Level::kWarn);
  EXPECT_FALSE(log::Enabled(log::Level::kDebug));
  EXPECT_FALSE(log::Enabled(log::Level::kInfo));
  EXPECT_TRUE(log::Enabled(log::Level::kWarn));
  EXPECT_TRUE(log::Enabled(log::Level::kError));
  log::Info("dropped");
  log::Warn("kept");
  log::SetMinLevel(log::Level::kDebug);
  EXPECT_TRUE(log::Enabled(log::Level::kDebug));
  log::Debug("kept too");
  log::SetSink(nullptr);
  log::SetMinLevel(log::Level::kInfo);
  EXPECT_EQ(lines, (std::vector<std::string>{"kept", "kept too"}));
}

TEST(Log, TextLinesCarryRequestIdAndFieldsOnOneLine) {
  const auto t =
      std::chrono::system_clock::time_point(std::chrono::milliseconds(1'764'743'171'123));
  const std::vector<log::Field> fields = {
      {"method", "GET"}, {"path", "/a b"}, {"status", "200", true}};
  EXPECT_EQ(log::FormatText(t, log::Level::kInfo, "abc", "request", fields),
            "2025-12-03T06:26:11.123Z info req=abc request method=GET path=\"/a b\" status=200");
  EXPECT_EQ(log::FormatText(t, log::Level::kWarn, "", "two\nlines\x01", {}),
            "2025-12-03T06:26:11.123Z warn two\\nlines\\x01");
  EXPECT_EQ(log::FormatText(t, log::Level::kInfo, "", "m",
                            std::vector<log::Field>{{"k", ""}, {"q", "a\"b"}}),
            "2025-12-03T06:26:11.123Z info m k=\"\" q=\"a\\\"b\"");
}

TEST(Log, JsonLinesAreOneObjectWithTypedFields) {
  const auto t =
      std::chrono::system_clock::time_point(std::chrono::milliseconds(1'764'743'171'005));
  const std::vector<log::Field> fields = {
      {"path", "/x\"y"}, {"status", "404", true}, {"durationMs", "1.250", true}};
  EXPECT_EQ(log::FormatJson(t, log::Level::kError, "r1", "line\nbreak", fields),
            "{\"time\":\"2025-12-03T06:26:11.005Z\",\"level\":\"error\",\"requestId\":\"r1\","
            "\"msg\":\"line\\nbreak\",\"path\":\"/x\\\"y\",\"status\":404,\"durationMs\":1.250}");
  EXPECT_EQ(log::FormatJson(t, log::Level::kDebug, "", "m", {}),
            "{\"time\":\"2025-12-03T06:26:11.005Z\",\"level\":\"debug\",\"msg\":\"m\"}");
}

TEST(Log, LevelNamesParse) {
  log::Level l = log::Level::kInfo;
  EXPECT_TRUE(log::ParseLevel("warning", l));
  EXPECT_EQ(l, log::Level::kWarn);
  EXPECT_TRUE(log::ParseLevel("debug", l));
  EXPECT_EQ(log::LevelName(l), "debug");
  EXPECT_FALSE(log::ParseLevel("verbose", l));
  EXPECT_EQ(l, log::Level::kDebug);
}

// ---- abuse limits (issue 12) ----

TEST(HttpMethodLabel, OnlyStandardMethodsBecomeLabels) {
  EXPECT_EQ(HttpMethodLabel("GET"), "GET");
  EXPECT_EQ(HttpMethodLabel("PATCH"), "PATCH");
  EXPECT_EQ(HttpMethodLabel("get"), "other");
  EXPECT_EQ(HttpMethodLabel(std::string(10'000, 'X')), "other");
}

TEST(Metrics, InventedMethodsAndAlgorithmsDoNotGrowTheOutput) {
  Metrics m;
  for (int i = 0; i < 1000; ++i) {
    m.http_requests.Inc(
        {std::string(HttpMethodLabel("M" + std::to_string(i))), "unmatched", "404"});
  }
  const std::string out = m.Render();
  EXPECT_EQ(out.find("M17"), std::string::npos);
  EXPECT_NE(out.find("method=\"other\""), std::string::npos);
  EXPECT_LT(out.size(), 4096u);
}

TEST(RateLimiter, AllowsTheBurstThenTheRate) {
  RateLimiter limiter(10, 5);  // 10 per second, bursts of 5
  const TimePoint t0 = FromUnixMillis(1'000'000);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(limiter.Allow("alice", t0).has_value()) << i;
  auto wait = limiter.Allow("alice", t0);
  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(wait->count(), 100);  // one token every 100 ms
  // Another caller has its own bucket.
  EXPECT_FALSE(limiter.Allow("bob", t0).has_value());
  // After 100 ms one more request, then none.
  EXPECT_FALSE(limiter.Allow("alice", t0 + Millis(100)).has_value());
  EXPECT_TRUE(limiter.Allow("alice", t0 + Millis(100)).has_value());
  // An idle second refills only up to the burst.
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(limiter.Allow("alice", t0 + Millis(10'000)).has_value());
  EXPECT_TRUE(limiter.Allow("alice", t0 + Millis(10'000)).has_value());
}

TEST(RateLimiter, ZeroRateIsOffAndMemoryIsBounded) {
  RateLimiter off(0, 0);
  EXPECT_FALSE(off.enabled());
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(off.Allow("x", FromUnixMillis(0)).has_value());
  RateLimiter small(1, 1, /*max_keys=*/32);
  const TimePoint t0 = FromUnixMillis(5'000);
  for (int i = 0; i < 10'000; ++i) (void)small.Allow("caller-" + std::to_string(i), t0);
  // Still limits a caller it keeps.
  EXPECT_FALSE(small.Allow("steady", t0 + Millis(60'000)).has_value());
  EXPECT_TRUE(small.Allow("steady", t0 + Millis(60'000)).has_value());
}

TEST(ConcurrencyLimit, RunsAtMostNAndTurnsAwayBeyondTheQueue) {
  ConcurrencyLimit limit(/*max_running=*/1, /*max_waiting=*/1);
  auto first = limit.Acquire();
  ASSERT_TRUE(first.has_value());
  std::atomic<bool> second_got{false};
  std::thread waiter([&] {
    auto p = limit.Acquire();
    second_got = p.has_value();
  });
  // Once the waiter is queued, a third caller is turned away at once.
  for (int i = 0; i < 30'000 && limit.waiting() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(limit.waiting(), 1);
  EXPECT_FALSE(limit.Acquire().has_value());
  first.reset();
  waiter.join();
  EXPECT_TRUE(second_got.load());
}

}  // namespace
}  // namespace signet
