#pragma once
// The access log: one line per request (method, path, status, duration, caller, source IP,
// matched route), written at info with the request's id. Query values that may carry a
// secret are replaced by "***"; request and reply bodies are never logged.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.h"
#include "http/router.h"

namespace signet::http {

// The request target as logged: the raw path (bytes outside printable ASCII percent-encoded),
// then the query with the value of every parameter whose name suggests a secret (token,
// secret, password, key, code, jwt, signature, session, credential, otp) replaced by "***".
std::string RedactedTarget(std::string_view target);

// The fields of one access-log line, in this order: method, path, status, durationMs,
// caller ("user:<id>", "identity:<id>" or "-"), remoteIp, route (the matched pattern or "-").
std::vector<log::Field> AccessLogFields(const Request& request, const std::string& pattern,
                                        const Response& response,
                                        std::chrono::steady_clock::duration took);

// Writes the access-log line of a request: info, or warn for a 5xx reply.
void WriteAccessLog(const Request& request, const std::string& pattern, const Response& response,
                    std::chrono::steady_clock::duration took);

}  // namespace signet::http
