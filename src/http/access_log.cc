#include "http/access_log.h"

#include <cstdio>

namespace signet::http {
namespace {

void AppendSafe(std::string& out, std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '"' || c == '\\') {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", u);
      out += buf;
    } else {
      out.push_back(c);
    }
  }
}

bool SecretName(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* word : {"token", "secret", "password", "passwd", "key", "code", "jwt",
                           "signature", "session", "credential", "otp", "auth"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

std::string RedactedTarget(std::string_view target) {
  const std::size_t q = target.find('?');
  std::string out;
  AppendSafe(out, target.substr(0, q));
  if (q == std::string_view::npos) return out;
  out.push_back('?');
  std::string_view query = target.substr(q + 1);
  bool first = true;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    if (!first) out.push_back('&');
    first = false;
    const std::size_t eq = pair.find('=');
    const std::string_view name = pair.substr(0, eq);
    AppendSafe(out, name);
    if (eq == std::string_view::npos) continue;
    out.push_back('=');
    if (SecretName(name)) {
      out += "***";
    } else {
      AppendSafe(out, pair.substr(eq + 1));
    }
  }
  return out;
}

std::vector<log::Field> AccessLogFields(const Request& request, const std::string& pattern,
                                        const Response& response,
                                        std::chrono::steady_clock::duration took) {
  char ms[32];
  std::snprintf(ms, sizeof ms, "%.3f", std::chrono::duration<double, std::milli>(took).count());
  std::string method;
  AppendSafe(method, std::string_view(request.method).substr(0, 16));
  std::vector<log::Field> fields;
  fields.reserve(7);
  fields.push_back({"method", method.empty() ? "-" : method});
  fields.push_back({"path", request.target.empty() ? "-" : RedactedTarget(request.target)});
  fields.push_back({"status", std::to_string(response.status), true});
  fields.push_back({"durationMs", ms, true});
  fields.push_back({"caller", response.caller.empty() ? "-" : response.caller});
  fields.push_back({"remoteIp", request.remote_ip.empty() ? "-" : request.remote_ip});
  fields.push_back({"route", pattern.empty() ? "-" : pattern});
  return fields;
}

void WriteAccessLog(const Request& request, const std::string& pattern, const Response& response,
                    std::chrono::steady_clock::duration took) {
  const log::Level level = response.status >= 500 ? log::Level::kWarn : log::Level::kInfo;
  if (!log::Enabled(level)) return;  // build no line when the level is off
  const auto fields = AccessLogFields(request, pattern, response, took);
  log::Write(level, request.request_id, "request", fields);
}

}  // namespace signet::http
