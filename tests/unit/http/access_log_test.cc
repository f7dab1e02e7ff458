#include "http/access_log.h"

#include <gtest/gtest.h>

namespace signet::http {
namespace {

TEST(AccessLog, QueryValuesThatMayBeSecretAreRedacted) {
  EXPECT_EQ(RedactedTarget("/api/v1/users"), "/api/v1/users");
  EXPECT_EQ(RedactedTarget("/a?limit=5&offset=10"), "/a?limit=5&offset=10");
  EXPECT_EQ(
      RedactedTarget("/a?token=abc&access_token=x&clientSecret=y&password=p&code=1&apiKey=k&x=2"),
      "/a?token=***&access_token=***&clientSecret=***&password=***&code=***&apiKey=***&x=2");
  EXPECT_EQ(RedactedTarget("/a?&&flag&Session=z"), "/a?flag&Session=***");
}

TEST(AccessLog, BytesOutsidePrintableAsciiAreEscaped) {
  EXPECT_EQ(RedactedTarget("/a b\"\\\x01\xff"), "/a%20b%22%5C%01%FF");
  EXPECT_EQ(RedactedTarget("/x?q=\n"), "/x?q=%0A");
}

TEST(AccessLog, FieldsNameMethodPathStatusDurationCallerSourceAndRoute) {
  Request req;
  req.method = "PATCH";
  req.target = "/api/v1/users/42?password=hunter2";
  req.remote_ip = "127.0.0.1";
  Response resp;
  resp.status = 404;
  resp.caller = "user:42";
  const auto fields =
      AccessLogFields(req, "/api/v1/users/{id}", resp, std::chrono::microseconds(1500));
  ASSERT_EQ(fields.size(), 7u);
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& f : fields) got.emplace_back(std::string(f.key), f.value);
  EXPECT_EQ(got, (std::vector<std::pair<std::string, std::string>>{
                     {"method", "PATCH"},
                     {"path", "/api/v1/users/42?password=***"},
                     {"status", "404"},
                     {"durationMs", "1.500"},
                     {"caller", "user:42"},
                     {"remoteIp", "127.0.0.1"},
                     {"route", "/api/v1/users/{id}"}}));
  EXPECT_TRUE(fields[2].number);
  EXPECT_TRUE(fields[3].number);
  EXPECT_FALSE(fields[1].number);

  Request bare;
  const auto none = AccessLogFields(bare, "", Response{}, std::chrono::nanoseconds(0));
  EXPECT_EQ(none[0].value, "-");
  EXPECT_EQ(none[1].value, "-");
  EXPECT_EQ(none[4].value, "-");
  EXPECT_EQ(none[6].value, "-");
}

}  // namespace
}  // namespace signet::http
