#include <gtest/gtest.h>

#include "http/router.h"

namespace signet::http {
namespace {

Response Named(const char* name) { return Response{200, name, "text/plain", {}}; }

TEST(Router, MatchesPatternsAndCapturesParams) {
  Router r;
  r.Add("GET", "/api/v1/pki/signers/{id}",
        [](const Request&, const PathParams&) { return Named("get"); });
  r.Add("POST", "/api/v1/pki/signers/{id}/sign",
        [](const Request&, const PathParams&) { return Named("sign"); });
  r.Add("POST", "/api/v1/pki/signing-requests/{id}/approve",
        [](const Request&, const PathParams&) { return Named("approve"); });
  auto m = r.Find("POST", "/api/v1/pki/signers/abc/sign");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.params.at("id"), "abc");
  EXPECT_EQ(m.pattern, "/api/v1/pki/signers/{id}/sign");
  EXPECT_EQ((*m.handler)(Request{}, m.params).body, "sign");
}

TEST(Router, MethodNotAllowedVersusNotFound) {
  Router r;
  r.Add("GET", "/healthz", [](const Request&, const PathParams&) { return Named("ok"); });
  auto wrong_method = r.Find("POST", "/healthz");
  EXPECT_EQ(wrong_method.handler, nullptr);
  EXPECT_TRUE(wrong_method.method_not_allowed);
  auto missing = r.Find("GET", "/nothing");
  EXPECT_EQ(missing.handler, nullptr);
  EXPECT_FALSE(missing.method_not_allowed);
}

TEST(Router, LiteralBeatsParameter) {
  Router r;
  r.Add("POST", "/signers/{id}/requests",
        [](const Request&, const PathParams&) { return Named("param"); });
  r.Add("POST", "/signers/{id}/requests/pre-approve",
        [](const Request&, const PathParams&) { return Named("pre"); });
  r.Add("GET", "/a/{x}", [](const Request&, const PathParams&) { return Named("param"); });
  r.Add("GET", "/a/verify", [](const Request&, const PathParams&) { return Named("literal"); });
  auto m = r.Find("GET", "/a/verify");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ((*m.handler)(Request{}, m.params).body, "literal");
  EXPECT_EQ((*r.Find("POST", "/signers/1/requests/pre-approve").handler)(Request{}, {}).body,
            "pre");
}

TEST(Router, AsyncRoutesMatchLikeOthers) {
  Router r;
  r.Add("GET", "/signers/{id}", [](const Request&, const PathParams&) { return Named("get"); });
  r.AddAsync("POST", "/signers/{id}/sign", [](const Request&, const PathParams& p, Reply reply) {
    reply(Named(p.at("id").c_str()));
  });
  auto m = r.Find("POST", "/signers/s1/sign");
  ASSERT_TRUE(m.found());
  EXPECT_EQ(m.handler, nullptr);
  ASSERT_NE(m.async_handler, nullptr);
  std::string body;
  (*m.async_handler)(Request{}, m.params, [&body](Response resp) { body = resp.body; });
  EXPECT_EQ(body, "s1");
  auto sync = r.Find("GET", "/signers/s1");
  EXPECT_NE(sync.handler, nullptr);
  EXPECT_EQ(sync.async_handler, nullptr);
  auto wrong_method = r.Find("GET", "/signers/s1/sign");
  EXPECT_FALSE(wrong_method.found());
  EXPECT_TRUE(wrong_method.method_not_allowed);
}

TEST(Query, DecodesAndRejectsBadEscapes) {
  auto q = ParseQuery("a=1&b=x%20y&c=p+q&flag");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->find("b")->second, "x y");
  EXPECT_EQ(q->find("c")->second, "p q");
  EXPECT_EQ(q->count("flag"), 1u);
  EXPECT_FALSE(ParseQuery("a=%zz"));
  EXPECT_FALSE(ParseQuery("a=%2"));
}

}  // namespace
}  // namespace signet::http
