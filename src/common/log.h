#pragma once
// The operational-log facade. Modules log through these calls; the application installs the
// sink (spdlog in signetd). Without a sink, warnings and errors go to stderr.
// Never log a secret: tokens, passwords, keys and client secrets have types that cannot be
// formatted, and nothing here formats request bodies.
// Thread-safe once the sink is installed (install it before starting threads).

#include <chrono>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace signet::log {

enum class Level { kDebug, kInfo, kWarn, kError };

// A named value of a structured line (the access log's method, status, duration, ...).
// `number` values are written unquoted in JSON.
struct Field {
  std::string_view key;
  std::string value;
  bool number = false;
};

// Receives each line with the request id it belongs to (empty outside a request) and its
// fields (often none).
using Sink = std::function<void(Level, std::string_view request_id, std::string_view message,
                                std::span<const Field> fields)>;

void SetSink(Sink sink);
void SetMinLevel(Level level);
Level MinLevel();

// Whether a line at `level` would be written; lets a caller skip building it.
bool Enabled(Level level);
void Write(Level level, std::string_view request_id, std::string_view message,
           std::span<const Field> fields = {});
inline void Debug(std::string_view message) { Write(Level::kDebug, {}, message); }
inline void Info(std::string_view message) { Write(Level::kInfo, {}, message); }
inline void Warn(std::string_view message) { Write(Level::kWarn, {}, message); }
inline void Error(std::string_view message) { Write(Level::kError, {}, message); }

// "debug", "info", "warn", "error".
std::string_view LevelName(Level level);
// Parses a level name (also "warning"); false when it is none.
bool ParseLevel(std::string_view name, Level& out);

// The two line formats of signetd (--log-format):
// text: `2026-12-03T06:26:11.123Z info req=3f0c… message key=value key="two words"`
// json:
// `{"time":"2026-12-03T06:26:11.123Z","level":"info","requestId":"3f0c…","msg":"message","key":"value"}`
// Both are one line: control characters in the message and values are escaped.
std::string FormatText(std::chrono::system_clock::time_point time, Level level,
                       std::string_view request_id, std::string_view message,
                       std::span<const Field> fields);
std::string FormatJson(std::chrono::system_clock::time_point time, Level level,
                       std::string_view request_id, std::string_view message,
                       std::span<const Field> fields);

}  // namespace signet::log
