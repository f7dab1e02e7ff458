#include "http/request_framing.h"

#include <cctype>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>

namespace signet::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

// Feeds `rest` to `parser` until `done()` holds; consumed bytes are removed from `rest`.
// need_more with nothing left to give means the bytes end inside the request.
template <class Parser, class Done>
Status Feed(Parser& parser, std::string_view& rest, Done done, std::size_t max_header_bytes,
            std::size_t max_body_bytes) {
  while (!done()) {
    // Beast's put() takes an empty buffer as "no progress" without an error: without this
    // check a request whose bytes end early (a body shorter than its Content-Length) loops.
    if (rest.empty()) return InvalidArgument("incomplete HTTP request");
    beast::error_code ec;
    const std::size_t n = parser.put(boost::asio::const_buffer(rest.data(), rest.size()), ec);
    rest.remove_prefix(n);
    if (ec == bhttp::error::need_more) {
      if (n == 0) return InvalidArgument("incomplete HTTP request");
      continue;
    }
    if (ec == bhttp::error::body_limit) {
      return MakeError(ErrorCode::kPayloadTooLarge,
                       "request body is larger than " + std::to_string(max_body_bytes) + " bytes");
    }
    if (ec == bhttp::error::header_limit) {
      return MakeError(
          ErrorCode::kPayloadTooLarge,
          "request headers are larger than " + std::to_string(max_header_bytes) + " bytes");
    }
    if (ec) return InvalidArgument("malformed HTTP request: " + ec.message());
  }
  return Ok();
}

}  // namespace

bool HasFoldedLine(std::string_view head) {
  for (std::size_t i = head.find('\n'); i != std::string_view::npos; i = head.find('\n', i + 1)) {
    if (i + 1 < head.size() && (head[i + 1] == ' ' || head[i + 1] == '\t')) return true;
  }
  return false;
}

std::string FramingProblem(const std::vector<std::string_view>& transfer_encodings,
                           bool has_content_length, unsigned version) {
  std::vector<std::string> codings;
  for (std::string_view value : transfer_encodings) {
    const bhttp::token_list list{value};
    for (auto coding : list) codings.emplace_back(coding);
    if (list.begin() == list.end()) codings.emplace_back();  // an empty or malformed list
  }
  if (codings.empty()) return {};
  if (version < 11) return "Transfer-Encoding is not allowed in HTTP/1.0";
  if (has_content_length) {
    return "a request must not have both Transfer-Encoding and Content-Length";
  }
  if (codings.size() != 1 || !beast::iequals(codings.back(), "chunked")) {
    return "unsupported Transfer-Encoding; only a single \"chunked\" is accepted";
  }
  return {};
}

Result<Request> ReadRequest(std::string_view bytes, std::size_t max_header_bytes,
                            std::size_t max_body_bytes) {
  // As the server: the raw header block is checked before the parser sees it.
  const std::size_t end = bytes.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (bytes.size() > max_header_bytes) {
      return MakeError(
          ErrorCode::kPayloadTooLarge,
          "request headers are larger than " + std::to_string(max_header_bytes) + " bytes");
    }
    return InvalidArgument("incomplete HTTP request");
  }
  if (HasFoldedLine(bytes.substr(0, end + 2))) {
    return InvalidArgument(
        "malformed HTTP request: a header field line starts with whitespace (obs-fold is not "
        "accepted)");
  }
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(max_header_bytes));
  parser.body_limit(max_body_bytes);
  parser.eager(true);
  std::string_view rest = bytes;
  SIGNET_TRY(Feed(
      parser, rest, [&] { return parser.is_header_done(); }, max_header_bytes, max_body_bytes));
  {
    const auto& header = parser.get();
    std::vector<std::string_view> codings;
    const auto range = header.base().equal_range(bhttp::field::transfer_encoding);
    for (auto it = range.first; it != range.second; ++it) codings.push_back(it->value());
    const bool has_length = header.base().count(bhttp::field::content_length) > 0;
    if (std::string why = FramingProblem(codings, has_length, header.version()); !why.empty()) {
      return InvalidArgument("malformed HTTP request: " + why);
    }
  }
  SIGNET_TRY(Feed(
      parser, rest, [&] { return parser.is_done(); }, max_header_bytes, max_body_bytes));
  auto message = parser.release();
  Request request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    request.headers.emplace(std::move(name), std::string(field.value()));
  }
  request.body = std::move(message.body());
  SIGNET_TRY(DecodeTarget(request));
  return request;
}

Status DecodeTarget(Request& request) {
  const std::size_t q = request.target.find('?');
  auto path = PercentDecode(std::string_view(request.target).substr(0, q), false);
  auto query = q == std::string::npos ? Result<std::multimap<std::string, std::string>>{}
                                      : ParseQuery(std::string_view(request.target).substr(q + 1));
  if (!path || !query) return InvalidArgument("malformed URL");
  request.path = std::move(*path);
  request.query = std::move(*query);
  return Ok();
}

}  // namespace signet::http
