#pragma once
// Requests, responses and the router: method + path pattern ("/api/v1/pki/signers/{id}/sign")
// → handler. Handlers run on the worker pool and must be thread-safe. A handler either
// returns its response (Handler) or hands it to a Reply later, from any thread (AsyncHandler:
// the sign route answers from the group committer once its record is durable, without
// holding a worker thread while it waits).

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace signet::http {

struct Request {
  std::string method;                             // "GET", "POST", ...
  std::string target;                             // as received, with the query
  std::string path;                               // decoded path without the query
  std::multimap<std::string, std::string> query;  // decoded query parameters
  std::map<std::string, std::string> headers;     // lower-case names
  std::string body;
  std::string remote_ip;
  std::string request_id;

  // The value of a header, or empty.
  std::string_view Header(std::string_view lower_case_name) const;
  // The first value of a query parameter, if present.
  const std::string* Query(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers{};
  // Who made the request ("user:<id>", "identity:<id>"), set once the caller is
  // authenticated; for the access log only, never sent.
  std::string caller{};
};

// Path parameters captured by {name} segments.
using PathParams = std::map<std::string, std::string, std::less<>>;
using Handler = std::function<Response(const Request&, const PathParams&)>;
// Takes the response; call it exactly once, from any thread, and do not block in it.
using Reply = std::function<void(Response)>;
// The request stays valid until `reply` has been called.
using AsyncHandler = std::function<void(const Request&, const PathParams&, Reply reply)>;

class Router {
 public:
  // `pattern` segments are literals or {name}. Later routes do not shadow earlier ones: the
  // most literal match wins ("/signers/requests" before "/signers/{id}").
  void Add(std::string method, std::string pattern, Handler handler);
  void AddAsync(std::string method, std::string pattern, AsyncHandler handler);

  struct Match {
    const Handler* handler = nullptr;             // set for a route added with Add
    const AsyncHandler* async_handler = nullptr;  // set for a route added with AddAsync
    bool found() const { return handler != nullptr || async_handler != nullptr; }
    PathParams params;
    std::string pattern;              // the matched pattern, for metrics
    bool method_not_allowed = false;  // the path exists with another method
  };
  Match Find(std::string_view method, std::string_view path) const;

  // Every route as (method, pattern), in the order added (for the OpenAPI route check).
  std::vector<std::pair<std::string, std::string>> Routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;  // one of the two is set
    AsyncHandler async_handler;
  };
  void AddRoute(Route route);
  std::vector<Route> routes_;
};

// Splits and percent-decodes "a=1&b=x%20y"; returns InvalidArgument on bad escapes.
[[nodiscard]] Result<std::multimap<std::string, std::string>> ParseQuery(std::string_view query);
[[nodiscard]] Result<std::string> PercentDecode(std::string_view text, bool plus_is_space);

}  // namespace signet::http
