// GET /api/v1/openapi.json describes exactly the routes signetd serves: every route the router
// knows (but the web console's pages and files) is a path and method of the document, and every
// path and method of the document is routed.
#include <set>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "api/json.h"
#include "common/clock.h"
#include "http/api_routes.h"
#include "support/service_stack.h"
#include "support/temp_dir.h"

namespace signet::http {
namespace {

using Route = std::pair<std::string, std::string>;

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

class OpenApiRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto stack = testutil::BuildServiceStack(dir_.File("signet.db"), clock_);
    ASSERT_TRUE(stack.has_value()) << stack.error().message;
    stack_ = std::move(*stack);
    RegisterApiRoutes(router_, *stack_.service, metrics_, RouteOptions{});
  }

  std::set<Route> Documented() {
    auto doc = api::ParseJson(OpenApiDocument());
    EXPECT_TRUE(doc.has_value());
    std::set<Route> out;
    if (!doc || !doc->is_object()) return out;
    for (const auto& [path, item] : doc->as_object().at("paths").as_object()) {
      for (const auto& [method, operation] : item.as_object()) {
        out.emplace(Upper(std::string(method)), std::string(path));
      }
    }
    return out;
  }

  testutil::TempDir dir_;
  FakeClock clock_{FromUnixMillis(1'767'225'600'000LL)};
  testutil::ServiceStack stack_;
  Metrics metrics_;
  Router router_;
};

TEST_F(OpenApiRoutesTest, EveryRouteIsDocumented) {
  const std::set<Route> documented = Documented();
  ASSERT_GT(documented.size(), 100u);
  std::set<Route> routed;
  for (const auto& route : router_.Routes()) {
    EXPECT_TRUE(routed.insert(route).second)
        << "registered twice: " << route.first << " " << route.second;
  }
  for (const auto& [method, pattern] : routed) {
    EXPECT_TRUE(documented.count({method, pattern}))
        << method << " " << pattern
        << " is routed but not in docs/openapi.json (scripts/openapi.py)";
  }
}

TEST_F(OpenApiRoutesTest, EveryDocumentedPathIsRouted) {
  std::set<Route> routed;
  for (const auto& route : router_.Routes()) routed.insert(route);
  const std::set<Route> documented = Documented();
  for (const auto& [method, path] : documented) {
    EXPECT_TRUE(routed.count({method, path}))
        << method << " " << path << " is in docs/openapi.json but no route serves it";
    // And the router finds it by that pattern.
    const auto match = router_.Find(method, path);
    EXPECT_TRUE(match.found()) << method << " " << path;
    EXPECT_EQ(match.pattern, path);
  }
}

TEST_F(OpenApiRoutesTest, TheServedDocumentIsOpenApi31) {
  auto doc = api::ParseJson(OpenApiDocument());
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ(doc->as_object().at("openapi").as_string(), "3.1.0");
  EXPECT_EQ(doc->as_object().at("info").as_object().at("version").as_string(), SIGNET_VERSION);
}

}  // namespace
}  // namespace signet::http
