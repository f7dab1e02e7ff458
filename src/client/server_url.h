#pragma once
// Parsing of the server URL given to ClientOptions: "http[s]://host[:port][/prefix]".

#include <string>
#include <string_view>

#include "common/result.h"

namespace signet::client {

struct ServerUrl {
  bool tls = false;
  std::string host;         // without brackets for IPv6 literals
  std::string port;         // "80"/"443" when absent
  std::string prefix;       // "" or "/prefix" (no trailing slash)
  std::string host_header;  // what the Host header carries: host[:port]
  std::string canonical;    // scheme://authority/prefix, for messages
};

// InvalidArgument for another scheme, an empty host, a bad port, user info, a query or a
// fragment, each with a message naming the URL.
[[nodiscard]] Result<ServerUrl> ParseServerUrl(std::string_view url);

}  // namespace signet::client
