#include "client/server_url.h"

#include <algorithm>
#include <cctype>

namespace signet::client {
namespace {

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

}  // namespace

Result<ServerUrl> ParseServerUrl(std::string_view url) {
  const std::string quoted = "'" + std::string(url) + "'";
  ServerUrl out;
  std::string_view rest;
  if (StartsWithNoCase(url, "https://")) {
    out.tls = true;
    rest = url.substr(8);
  } else if (StartsWithNoCase(url, "http://")) {
    rest = url.substr(7);
  } else {
    return InvalidArgument("server URL " + quoted + " must start with http:// or https://");
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return InvalidArgument("server URL " + quoted + " must not have a query or fragment");
  }
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return InvalidArgument("server URL " + quoted +
                           " must not contain user info; log in with `signet login`");
  }
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return InvalidArgument("server URL " + quoted + " has an unclosed IPv6 address");
    }
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return InvalidArgument("server URL " + quoted + " is malformed");
      port = after.substr(1);
      if (port.empty()) return InvalidArgument("server URL " + quoted + " has an empty port");
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return InvalidArgument("server URL " + quoted + " has an empty port");
    }
  }
  if (out.host.empty()) return InvalidArgument("server URL " + quoted + " has no host");
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos ||
        std::stoi(std::string(port)) < 1 || std::stoi(std::string(port)) > 65535) {
      return InvalidArgument("server URL " + quoted + ": port '" + std::string(port) +
                             "' must be 1 to 65535");
    }
  }
  out.port = port.empty() ? (out.tls ? "443" : "80") : std::string(port);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  out.prefix = std::string(path);
  std::transform(out.host.begin(), out.host.end(), out.host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const bool ipv6 = out.host.find(':') != std::string::npos;
  const std::string host_part = ipv6 ? "[" + out.host + "]" : out.host;
  out.host_header = port.empty() ? host_part : host_part + ":" + out.port;
  out.canonical = std::string(out.tls ? "https://" : "http://") + out.host_header + out.prefix;
  return out;
}

}  // namespace signet::client
