#include "common/log.h"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <string>

#include "common/json_writer.h"

namespace signet::log {
namespace {

Sink& GlobalSink() {
  static Sink sink;
  return sink;
}
std::atomic<Level> g_min_level{Level::kInfo};

std::string Timestamp(std::chrono::system_clock::time_point time) {
  const auto since_epoch = time.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count();
  const std::time_t t = static_cast<std::time_t>(seconds.count());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[80];  // room for any int the fields could hold (gcc's -Wformat-truncation)
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(millis));
  return buf;
}

// Text lines stay one line: control characters become \n, \t or \xNN.
void AppendEscaped(std::string& out, std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out.push_back(c);
    }
  }
}

void AppendValue(std::string& out, std::string_view v) {
  const bool quote = v.empty() || v.find_first_of(" \"\\") != std::string_view::npos;
  if (!quote) return AppendEscaped(out, v);
  out.push_back('"');
  for (const char c : v) {
    if (c == '"' || c == '\\') out.push_back('\\');
    AppendEscaped(out, std::string_view(&c, 1));
  }
  out.push_back('"');
}

}  // namespace

void SetSink(Sink sink) { GlobalSink() = std::move(sink); }
void SetMinLevel(Level level) { g_min_level = level; }
Level MinLevel() { return g_min_level.load(std::memory_order_relaxed); }

bool Enabled(Level level) { return level >= g_min_level.load(std::memory_order_relaxed); }

void Write(Level level, std::string_view request_id, std::string_view message,
           std::span<const Field> fields) {
  if (!Enabled(level)) return;
  if (const Sink& sink = GlobalSink()) {
    sink(level, request_id, message, fields);
    return;
  }
  if (level >= Level::kWarn) {
    std::fprintf(stderr, "signet: %.*s\n", static_cast<int>(message.size()), message.data());
  }
}

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

bool ParseLevel(std::string_view name, Level& out) {
  if (name == "debug")
    out = Level::kDebug;
  else if (name == "info")
    out = Level::kInfo;
  else if (name == "warn" || name == "warning")
    out = Level::kWarn;
  else if (name == "error")
    out = Level::kError;
  else
    return false;
  return true;
}

std::string FormatText(std::chrono::system_clock::time_point time, Level level,
                       std::string_view request_id, std::string_view message,
                       std::span<const Field> fields) {
  std::string out = Timestamp(time);
  out.push_back(' ');
  out += LevelName(level);
  if (!request_id.empty()) {
    out += " req=";
    AppendEscaped(out, request_id);
  }
  out.push_back(' ');
  AppendEscaped(out, message);
  for (const Field& f : fields) {
    out.push_back(' ');
    out += f.key;
    out.push_back('=');
    AppendValue(out, f.value);
  }
  return out;
}

std::string FormatJson(std::chrono::system_clock::time_point time, Level level,
                       std::string_view request_id, std::string_view message,
                       std::span<const Field> fields) {
  JsonWriter w;
  w.Add("time", Timestamp(time));
  w.Add("level", LevelName(level));
  if (!request_id.empty()) w.Add("requestId", request_id);
  w.Add("msg", message);
  for (const Field& f : fields) {
    if (f.number) {
      w.AddRaw(f.key, f.value);
    } else {
      w.Add(f.key, f.value);
    }
  }
  return w.Finish();
}

}  // namespace signet::log
