// Reading browser sessions off requests: cookie parsing, the CSRF check, cookie attributes.
#include "http/browser_session.h"

#include <gtest/gtest.h>

#include "auth/browser_session.h"

namespace signet::http {
namespace {

Request WithHeaders(std::initializer_list<std::pair<std::string, std::string>> headers) {
  Request r;
  r.method = "POST";
  for (const auto& [k, v] : headers) r.headers.emplace(k, v);
  return r;
}

TEST(BrowserSession, CookieValueFindsTheNamedCookie) {
  EXPECT_EQ(CookieValue(WithHeaders({{"cookie", "signet_session=abc"}}), "signet_session"), "abc");
  EXPECT_EQ(
      CookieValue(WithHeaders({{"cookie", "a=1; signet_session=abc; b=2"}}), "signet_session"),
      "abc");
  EXPECT_EQ(
      CookieValue(WithHeaders({{"cookie", "a=1;signet_session = \"abc\" ;b=2"}}), "signet_session"),
      "abc");
  // A cookie whose name merely contains ours, or none at all.
  EXPECT_EQ(CookieValue(WithHeaders({{"cookie", "xsignet_session=abc; signet_sessionx=d"}}),
                        "signet_session"),
            "");
  EXPECT_EQ(CookieValue(WithHeaders({{"cookie", "signet_session"}}), "signet_session"), "");
  EXPECT_EQ(CookieValue(WithHeaders({}), "signet_session"), "");
  EXPECT_EQ(SessionCookie(WithHeaders({{"cookie", "signet_session=sgt_1"}})), "sgt_1");
}

TEST(BrowserSession, OnlySafeMethodsSkipTheCsrfCheck) {
  EXPECT_FALSE(ChangesState("GET"));
  EXPECT_FALSE(ChangesState("HEAD"));
  EXPECT_FALSE(ChangesState("OPTIONS"));
  for (const char* m : {"POST", "PUT", "PATCH", "DELETE", "get", "TRACE", "BREW"}) {
    EXPECT_TRUE(ChangesState(m)) << m;
  }
}

TEST(BrowserSession, CsrfHeaderMustMatchTheSession) {
  const std::string session = "sgt_00112233";
  const std::string good = auth::CsrfTokenFor(session);
  EXPECT_TRUE(CheckCsrf(WithHeaders({{"x-csrf-token", good}}), session));

  auto missing = CheckCsrf(WithHeaders({}), session);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(missing.error().message.find("X-CSRF-Token"), std::string::npos);

  auto other = CheckCsrf(WithHeaders({{"x-csrf-token", auth::CsrfTokenFor("sgt_other")}}), session);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kPermissionDenied);
  // The session token itself is not a CSRF token.
  EXPECT_FALSE(CheckCsrf(WithHeaders({{"x-csrf-token", session}}), session));
}

TEST(BrowserSession, CookieAttributes) {
  EXPECT_EQ(SessionSetCookie("sgt_1", std::chrono::seconds(28800), false),
            "signet_session=sgt_1; Path=/; Max-Age=28800; HttpOnly; SameSite=Strict");
  EXPECT_EQ(SessionSetCookie("sgt_1", std::chrono::seconds(60), true),
            "signet_session=sgt_1; Path=/; Max-Age=60; HttpOnly; SameSite=Strict; Secure");
  EXPECT_EQ(SessionClearCookie(false),
            "signet_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
  EXPECT_EQ(SessionClearCookie(true),
            "signet_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure");
}

TEST(BrowserSession, HttpsFromTlsOrTheProxyHeader) {
  EXPECT_TRUE(OverHttps(WithHeaders({}), true));
  EXPECT_FALSE(OverHttps(WithHeaders({}), false));
  EXPECT_TRUE(OverHttps(WithHeaders({{"x-forwarded-proto", "https"}}), false));
  EXPECT_FALSE(OverHttps(WithHeaders({{"x-forwarded-proto", "http"}}), false));
}

}  // namespace
}  // namespace signet::http
