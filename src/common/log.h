#pragma once
// The operational-log facade. Modules log through these calls; the application installs the
// sink (spdlog in signetd). Without a sink, warnings and errors go to stderr.
// Never log a secret: tokens, passwords, keys and client secrets have types that cannot be
// formatted, and nothing here formats request bodies.
// Thread-safe once the sink is installed (install it before starting threads).

#include <functional>
#include <string_view>

namespace signet::log {

enum class Level { kDebug, kInfo, kWarn, kError };

// Receives each line with the request id it belongs to (empty outside a request).
using Sink = std::function<void(Level, std::string_view request_id, std::string_view message)>;

void SetSink(Sink sink);
void SetMinLevel(Level level);

// Whether a line at `level` would be written; lets a caller skip building it.
bool Enabled(Level level);
void Write(Level level, std::string_view request_id, std::string_view message);
inline void Debug(std::string_view message) { Write(Level::kDebug, {}, message); }
inline void Info(std::string_view message) { Write(Level::kInfo, {}, message); }
inline void Warn(std::string_view message) { Write(Level::kWarn, {}, message); }
inline void Error(std::string_view message) { Write(Level::kError, {}, message); }

}  // namespace signet::log
