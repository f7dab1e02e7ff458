#pragma once
// How signetd reads one HTTP/1.1 request, without sockets: the raw-byte check of the header
// block, the RFC 9112 framing rules (no obs-fold, no transfer coding but a final "chunked",
// never both Transfer-Encoding and Content-Length, none in HTTP/1.0), the header and body
// limits, and the Request a handler sees. server.cc applies the same checks while it reads
// from a connection; ReadRequest runs them over bytes already in memory (tests, fuzzing).
// Beast stays in request_framing.cc; this header is plain C++. Pure functions, thread-safe.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "http/router.h"

namespace signet::http {

// RFC 9112 §5.2: a field line starting with whitespace (obs-fold, or whitespace before the
// first field) makes the message invalid. `head` is the header block up to its blank line.
bool HasFoldedLine(std::string_view head);

// RFC 9112 §6: why a request's framing is refused, or empty when it is fine.
// `transfer_encodings` holds the value of each Transfer-Encoding field line.
std::string FramingProblem(const std::vector<std::string_view>& transfer_encodings,
                           bool has_content_length, unsigned version);

// Reads one whole request from `bytes` (the first request; bytes after it are ignored) as the
// server reads it from a connection, and decodes its target (path and query) as the server
// does before routing. InvalidArgument "malformed HTTP request: …" for bad framing or syntax,
// "malformed URL" for a bad target; PayloadTooLarge past a limit; InvalidArgument "incomplete
// HTTP request" when `bytes` ends before the request does.
[[nodiscard]] Result<Request> ReadRequest(std::string_view bytes, std::size_t max_header_bytes,
                                          std::size_t max_body_bytes);

// Splits request.target into the percent-decoded path and query parameters (request.path,
// request.query). InvalidArgument "malformed URL" on a bad escape.
[[nodiscard]] Status DecodeTarget(Request& request);

}  // namespace signet::http
