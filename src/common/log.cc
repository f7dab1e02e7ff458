#include "common/log.h"

#include <atomic>
#include <cstdio>
#include <string>

namespace signet::log {
namespace {

Sink& GlobalSink() {
  static Sink sink;
  return sink;
}
std::atomic<Level> g_min_level{Level::kInfo};

}  // namespace

void SetSink(Sink sink) { GlobalSink() = std::move(sink); }
void SetMinLevel(Level level) { g_min_level = level; }

bool Enabled(Level level) { return level >= g_min_level.load(std::memory_order_relaxed); }

void Write(Level level, std::string_view request_id, std::string_view message) {
  if (!Enabled(level)) return;
  if (const Sink& sink = GlobalSink()) {
    sink(level, request_id, message);
    return;
  }
  if (level >= Level::kWarn) {
    std::fprintf(stderr, "signet: %.*s\n", static_cast<int>(message.size()), message.data());
  }
}

}  // namespace signet::log
