// Serving the embedded console: pages, assets, caching, gzip and the security headers.
#include "http/console.h"

#include <regex>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "http/console_assets.h"

namespace signet::http {
namespace {

std::string HeaderOf(const Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

Response Get(const Router& router, const std::string& path,
             std::initializer_list<std::pair<std::string, std::string>> headers = {}) {
  auto match = router.Find("GET", path);
  EXPECT_TRUE(match.found()) << path;
  if (!match.found()) return Response{404, "", "", {}};
  Request req;
  req.method = "GET";
  req.path = path;
  for (const auto& [k, v] : headers) req.headers.emplace(k, v);
  return (*match.handler)(req, match.params);
}

const ConsoleAsset* Find(std::string_view path) {
  for (const auto& a : ConsoleAssets()) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

void ExpectSecurityHeaders(const Response& r) {
  const std::string csp = HeaderOf(r, "Content-Security-Policy");
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos) << csp;
  EXPECT_EQ(HeaderOf(r, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(HeaderOf(r, "Referrer-Policy"), "no-referrer");
  EXPECT_EQ(HeaderOf(r, "X-Frame-Options"), "DENY");
}

TEST(Console, AcceptsGzip) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("gzip, deflate, br, zstd"));
  EXPECT_TRUE(AcceptsGzip("br;q=1.0, GZIP;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_TRUE(AcceptsGzip("x-gzip"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip("br, deflate"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0.000, *"));
  EXPECT_FALSE(AcceptsGzip("*;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzipper"));
}

TEST(Console, EmbedsTheBuiltAppWithEveryFileItReferences) {
  const ConsoleAsset* index = Find("/index.html");
  ASSERT_NE(index, nullptr);
  const std::string html(index->body);
  // Vite's output: hashed script and stylesheet files, no inline script.
  const std::regex ref(R"re((?:src|href)="(/[^"]+)")re");
  std::set<std::string> refs;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), ref); it != std::sregex_iterator();
       ++it) {
    refs.insert((*it)[1]);
  }
  ASSERT_FALSE(refs.empty());
  bool script = false;
  for (const auto& r : refs) {
    EXPECT_NE(Find(r), nullptr) << "index.html refers to " << r << ", which is not embedded";
    script = script || (r.rfind("/assets/", 0) == 0 && r.ends_with(".js"));
  }
  EXPECT_TRUE(script);
  EXPECT_EQ(std::regex_search(html, std::regex("<script(?![^>]*\\bsrc=)[^>]*>")), false)
      << "index.html has an inline script";
  for (const auto& a : ConsoleAssets()) {
    EXPECT_FALSE(a.body.empty()) << a.path;
    EXPECT_EQ(a.etag.size(), 34u) << a.path;
    if (!a.gzip_body.empty()) {
      EXPECT_LT(a.gzip_body.size(), a.body.size()) << a.path;
      EXPECT_EQ(a.gzip_body.substr(0, 2), std::string_view("\x1f\x8b", 2)) << a.path;
    }
  }
}

TEST(Console, PagesAnswerTheIndexWithSecurityHeaders) {
  Router router;
  RegisterConsoleRoutes(router);
  const ConsoleAsset* index = Find("/index.html");
  ASSERT_NE(index, nullptr);
  for (const std::string path :
       {"/", "/login", "/signers", "/signers/0190f2c4-1111-7000-8000-000000000001",
        "/signers/0190f2c4-1111-7000-8000-000000000001/members", "/certificates", "/cas",
        "/policies", "/approvals", "/grants", "/audit", "/admin", "/admin/identities"}) {
    Response r = Get(router, path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.body, index->body) << path;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(HeaderOf(r, "Cache-Control"), "no-cache") << path;
    ExpectSecurityHeaders(r);
  }
  // Nothing else: an unknown page or an API path is not the console's.
  EXPECT_FALSE(router.Find("GET", "/nope").found());
  EXPECT_FALSE(router.Find("GET", "/api/v1/pki/signers").found());
  EXPECT_FALSE(router.Find("POST", "/").found());
}

TEST(Console, HashedAssetsAreImmutableAndGzipped) {
  Router router;
  RegisterConsoleRoutes(router);
  int assets = 0;
  for (const auto& a : ConsoleAssets()) {
    if (a.path.rfind("/assets/", 0) != 0) continue;
    ++assets;
    const std::string path(a.path);
    Response plain = Get(router, path);
    EXPECT_EQ(plain.status, 200);
    EXPECT_EQ(plain.body, a.body);
    EXPECT_EQ(plain.content_type, a.content_type);
    EXPECT_EQ(HeaderOf(plain, "Cache-Control"), "public, max-age=31536000, immutable");
    EXPECT_EQ(HeaderOf(plain, "Content-Encoding"), "");
    ExpectSecurityHeaders(plain);
    if (!a.gzip_body.empty()) {
      Response packed = Get(router, path, {{"accept-encoding", "gzip, deflate, br"}});
      EXPECT_EQ(packed.body, a.gzip_body);
      EXPECT_EQ(HeaderOf(packed, "Content-Encoding"), "gzip");
      EXPECT_EQ(HeaderOf(packed, "Vary"), "Accept-Encoding");
    }
    Response not_modified = Get(router, path, {{"if-none-match", std::string(a.etag)}});
    EXPECT_EQ(not_modified.status, 304);
    EXPECT_TRUE(not_modified.body.empty());
  }
  EXPECT_GT(assets, 0);
}

TEST(Console, IndexRevalidates) {
  Router router;
  RegisterConsoleRoutes(router);
  const std::string etag(Find("/index.html")->etag);
  EXPECT_EQ(Get(router, "/signers", {{"if-none-match", etag}}).status, 304);
  EXPECT_EQ(Get(router, "/signers", {{"if-none-match", "W/" + etag + ", \"x\""}}).status, 304);
  EXPECT_EQ(Get(router, "/signers", {{"if-none-match", "\"other\""}}).status, 200);
}

}  // namespace
}  // namespace signet::http
