// Client against an in-test HTTP(S) server (http::Server with a small router on 127.0.0.1:0).

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "api/client_metadata.h"
#include "api/error.h"
#include "api/json.h"
#include "client/client.h"
#include "client/server_url.h"
#include "common/encoding.h"
#include "crypto/keys.h"
#include "crypto/x509.h"
#include "http/router.h"
#include "http/server.h"

namespace signet::client {
namespace {

using api::JsonObject;
using api::JsonValue;

constexpr char kSignerId[] = "0b7f5d7e-3c1a-4f55-9d7e-6a1b2c3d4e5f";

http::Response Json(const JsonValue& v, int status = 200) {
  return http::Response{status, api::Serialize(v), "application/json", {}};
}

// A running http::Server with routes for the tests; stopped on destruction.
class TestServer {
 public:
  explicit TestServer(std::optional<http::TlsFiles> tls = std::nullopt, int idle_seconds = 60) {
    auto router = std::make_shared<http::Router>();
    router->Add("GET", "/echo", [this](const http::Request& r, const http::PathParams&) {
      ++hits_;
      return Json(JsonObject{{"method", r.method},
                             {"target", r.target},
                             {"authorization", std::string(r.Header("authorization"))},
                             {"host", std::string(r.Header("host"))}});
    });
    router->Add("POST", "/echo", [](const http::Request& r, const http::PathParams&) {
      auto body = api::ParseJson(r.body);
      return Json(JsonObject{{"method", r.method},
                             {"contentType", std::string(r.Header("content-type"))},
                             {"body", body ? *body : JsonValue(nullptr)}});
    });
    router->Add("PATCH", "/echo", [](const http::Request& r, const http::PathParams&) {
      return Json(JsonObject{{"method", r.method}});
    });
    router->Add("DELETE", "/echo", [](const http::Request& r, const http::PathParams&) {
      return Json(JsonObject{{"method", r.method}});
    });
    router->Add("GET", "/empty", [](const http::Request&, const http::PathParams&) {
      return http::Response{200, "", "application/json", {}};
    });
    router->Add("GET", "/text", [](const http::Request&, const http::PathParams&) {
      return http::Response{200, "not json", "text/plain", {}};
    });
    router->Add("GET", "/approval", [](const http::Request&, const http::PathParams&) {
      return http::Response{403,
                            api::ErrorBody(Error{ErrorCode::kApprovalRequired,
                                                 "Signing requires approval. Get approval "
                                                 "before signing."},
                                           "r1"),
                            "application/json",
                            {}};
    });
    router->Add("GET", "/forbidden", [](const http::Request&, const http::PathParams&) {
      return http::Response{403,
                            api::ErrorBody(Error{ErrorCode::kPermissionDenied, "no"}, "r2"),
                            "application/json",
                            {}};
    });
    router->Add("GET", "/bare502", [](const http::Request&, const http::PathParams&) {
      return http::Response{502, "<html>bad gateway</html>", "text/html", {}};
    });
    router->Add("GET", "/slow", [](const http::Request&, const http::PathParams&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      return Json(JsonObject{});
    });
    router->Add("GET", "/big", [](const http::Request&, const http::PathParams&) {
      return Json(JsonObject{{"x", std::string(64 * 1024, 'a')}});
    });
    router->Add("POST", "/api/v1/auth/login", [](const http::Request& r, const http::PathParams&) {
      auto body = api::ParseObject(r.body);
      if (!body || (*body)["password"] != "pw") {
        return http::Response{
            401,
            api::ErrorBody(Error{ErrorCode::kUnauthenticated, "email or password is wrong"}, "r"),
            "application/json",
            {}};
      }
      return Json(
          JsonObject{{"accessToken", "tok-user"}, {"expiresIn", 3600}, {"tokenType", "Bearer"}});
    });
    router->Add(
        "POST", "/api/v1/auth/universal-auth/login",
        [](const http::Request& r, const http::PathParams&) {
          auto body = api::ParseObject(r.body);
          if (!body || (*body)["clientId"] != "cid" || (*body)["clientSecret"] != "csecret") {
            return http::Response{401,
                                  api::ErrorBody(Error{ErrorCode::kUnauthenticated, "bad"}, "r"),
                                  "application/json",
                                  {}};
          }
          return Json(JsonObject{{"accessToken", "tok-machine"}, {"expiresIn", 60}});
        });
    router->Add("POST", "/api/v1/auth/logout", [](const http::Request& r, const http::PathParams&) {
      return Json(
          JsonObject{{"message", "logged out"}, {"auth", std::string(r.Header("authorization"))}});
    });
    router->Add("GET", "/api/v1/pki/signers", [](const http::Request& r, const http::PathParams&) {
      // Three signers, two named "twin"; pages of `limit`.
      std::vector<JsonObject> all = {
          {{"id", kSignerId}, {"name", "release"}, {"status", "active"}},
          {{"id", "11111111-1111-4111-8111-111111111111"}, {"name", "twin"}},
          {{"id", "22222222-2222-4222-8222-222222222222"}, {"name", "twin"}}};
      std::size_t offset = r.Query("offset") ? std::stoul(*r.Query("offset")) : 0;
      std::size_t limit = r.Query("limit") ? std::stoul(*r.Query("limit")) : 20;
      api::JsonArray items;
      for (std::size_t i = offset; i < all.size() && items.size() < limit; ++i) {
        items.emplace_back(all[i]);
      }
      return Json(JsonObject{{"signers", items}, {"totalCount", all.size()}});
    });
    router->Add("GET", "/api/v1/pki/signers/{id}",
                [](const http::Request&, const http::PathParams& p) {
                  if (p.at("id") != kSignerId) {
                    return http::Response{
                        404,
                        api::ErrorBody(Error{ErrorCode::kNotFound, "signer not found"}, "r"),
                        "application/json",
                        {}};
                  }
                  return Json(JsonObject{{"id", kSignerId},
                                         {"name", "release"},
                                         {"projectId", "p"},
                                         {"status", "active"},
                                         {"certificateId", "c"},
                                         {"signingPolicyId", nullptr}});
                });
    router->Add("POST", "/api/v1/pki/signers/{id}/sign",
                [this](const http::Request& r, const http::PathParams& p) {
                  auto body = api::ParseObject(r.body);
                  last_sign_body_ = body ? *body : JsonObject{};
                  return Json(JsonObject{{"signature", Base64Encode(ToBytes("sig"))},
                                         {"signingAlgorithm", (*body)["signingAlgorithm"]},
                                         {"signerId", p.at("id")}});
                });
    router->Add("GET", "/api/v1/pki/signers/{id}/public-key",
                [](const http::Request&, const http::PathParams&) {
                  return Json(JsonObject{{"publicKey", Base64Encode(ToBytes("spki"))},
                                         {"algorithm", "EC_prime256v1"}});
                });
    router->Add("GET", "/api/v1/pki/signers/{id}/certificate",
                [](const http::Request&, const http::PathParams&) {
                  return Json(JsonObject{{"certificatePem", "PEM"},
                                         {"certificateChainPem", "CHAIN"},
                                         {"serialNumber", "01"},
                                         {"signerName", "release"}});
                });

    http::ServerOptions options;
    options.address = "127.0.0.1";
    options.port = 0;
    options.worker_threads = 4;
    options.idle_timeout = std::chrono::seconds(idle_seconds);
    options.tls = std::move(tls);
    auto server = http::Server::Create(std::move(options), router);
    if (!server) {
      ADD_FAILURE() << server.error().message;
      return;
    }
    server_ = std::move(*server);
    thread_ = std::thread([this] { server_->Run(); });
  }

  ~TestServer() {
    if (server_) {
      server_->Stop(std::chrono::milliseconds(100));
      thread_.join();
    }
  }

  std::uint16_t port() const { return server_ ? server_->port() : 0; }
  std::string Url(const std::string& host = "127.0.0.1") const {
    return "http://" + host + ":" + std::to_string(port());
  }
  int hits() const { return hits_; }
  const JsonObject& last_sign_body() const { return last_sign_body_; }

 private:
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  std::atomic<int> hits_{0};
  JsonObject last_sign_body_;
};

std::unique_ptr<Client> MakeClient(const std::string& url, std::string token = {},
                                   std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  ClientOptions o;
  o.server_url = url;
  o.token = SecretBytes::FromString(token);
  o.timeout = timeout;
  auto c = Client::Create(std::move(o));
  EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().message);
  return c ? std::move(*c) : nullptr;
}

// ---- URL and query ----

TEST(ServerUrlTest, ParsesSchemesPortsAndPrefixes) {
  auto a = ParseServerUrl("http://127.0.0.1:8080");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_FALSE(a->tls);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, "8080");
  EXPECT_EQ(a->prefix, "");
  EXPECT_EQ(a->host_header, "127.0.0.1:8080");

  auto b = ParseServerUrl("HTTPS://Signet.Example.com/base/");
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_TRUE(b->tls);
  EXPECT_EQ(b->host, "signet.example.com");
  EXPECT_EQ(b->port, "443");
  EXPECT_EQ(b->prefix, "/base");
  EXPECT_EQ(b->host_header, "signet.example.com");
  EXPECT_EQ(b->canonical, "https://signet.example.com/base");

  auto c = ParseServerUrl("http://[::1]:9000");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->host_header, "[::1]:9000");
}

TEST(ServerUrlTest, RejectsBadUrls) {
  for (const char* bad :
       {"ftp://x", "127.0.0.1:8080", "http://", "http://:80", "http://h:0", "http://h:70000",
        "http://h:8x", "http://user:pw@h", "http://h/?a=1", "http://[::1", "http://h:"}) {
    auto r = ParseServerUrl(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
    }
  }
  auto r = ParseServerUrl("http://alice:secret@h");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("user info"), std::string::npos);
}

TEST(QueryTest, EncodesAndSkipsEmptyValues) {
  EXPECT_EQ(Query({}), "");
  EXPECT_EQ(Query({{"a", ""}}), "");
  EXPECT_EQ(Query({{"limit", "20"}, {"skip", ""}, {"search", "a b/c&d"}}),
            "?limit=20&search=a%20b%2Fc%26d");
  EXPECT_EQ(PercentEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(PercentEncode("\xff"), "%FF");
}

TEST(ClientMetadataTest, ValuesAreFittedToTheServersLimits) {
  ClientMetadata m;
  m.tool = std::string(300, 't');
  m.hostname = "ci\x01-7\xff";
  m.command = std::string(40000, 'c');
  m.os_username = "ana";
  api::JsonObject o = EncodeClientMetadata(m);
  EXPECT_EQ(o.at("tool").as_string().size(), api::kMaxMetadataTool);
  EXPECT_EQ(o.at("hostname").as_string(), "ci?-7?");
  EXPECT_EQ(o.at("command").as_string().size(), api::kMaxMetadataCommand);
  EXPECT_EQ(o.at("osUsername").as_string(), "ana");
  EXPECT_FALSE(o.contains("reportedIp"));
  // Every value passes the server's check of its field.
  for (const auto& [key, value] : o) {
    const auto& s = value.as_string();
    EXPECT_TRUE(
        api::CheckText(std::string_view(s.data(), s.size()), key, api::kMaxMetadataCommand));
  }
  // Characters, not bytes: a cut never splits a multi-byte character.
  EXPECT_EQ(api::FitText("\xc3\xa9\xc3\xa9\xc3\xa9", 2), "\xc3\xa9\xc3\xa9");
  EXPECT_EQ(api::FitText("a\tb\nc", 10), "a\tb\nc");
}

TEST(ClientCreateTest, RejectsBadOptions) {
  ClientOptions o;
  o.server_url = "gopher://x";
  auto a = Client::Create(o);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, ErrorCode::kInvalidArgument);

  ClientOptions t;
  t.server_url = "https://localhost:1";
  t.ca_cert_path = "/nonexistent/ca.pem";
  auto b = Client::Create(t);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(b.error().message.find("/nonexistent/ca.pem"), std::string::npos);
}

// ---- calls ----

TEST(ClientTest, SendsMethodsBodiesAndToken) {
  TestServer server;
  auto client = MakeClient(server.Url(), "tok-1");
  ASSERT_TRUE(client);
  auto get = client->Call(HttpMethod::kGet, "/echo?x=1");
  ASSERT_TRUE(get) << get.error().message;
  EXPECT_EQ(get->at("method"), "GET");
  EXPECT_EQ(get->at("target"), "/echo?x=1");
  EXPECT_EQ(get->at("authorization"), "Bearer tok-1");
  EXPECT_EQ(get->at("host"), JsonValue("127.0.0.1:" + std::to_string(server.port())));

  auto post = client->Call(HttpMethod::kPost, "/echo", JsonValue(JsonObject{{"a", 1}}));
  ASSERT_TRUE(post) << post.error().message;
  EXPECT_EQ(post->at("contentType"), "application/json");
  EXPECT_EQ(post->at("body").at("a"), 1);

  EXPECT_EQ(client->Call(HttpMethod::kPatch, "/echo")->at("method"), "PATCH");
  EXPECT_EQ(client->Call(HttpMethod::kDelete, "/echo")->at("method"), "DELETE");

  client->SetToken(SecretBytes());
  EXPECT_FALSE(client->HasToken());
  EXPECT_EQ(client->Call(HttpMethod::kGet, "/echo")->at("authorization"), "");

  auto empty = client->Call(HttpMethod::kGet, "/empty");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->is_object() && empty->as_object().empty());

  auto bad_path = client->Call(HttpMethod::kGet, "echo");
  ASSERT_FALSE(bad_path);
  EXPECT_EQ(bad_path.error().code, ErrorCode::kInvalidArgument);
}

TEST(ClientTest, MapsErrorBodiesToCodes) {
  TestServer server;
  auto client = MakeClient(server.Url());
  ASSERT_TRUE(client);
  auto approval = client->Call(HttpMethod::kGet, "/approval");
  ASSERT_FALSE(approval);
  EXPECT_EQ(approval.error().code, ErrorCode::kApprovalRequired);
  EXPECT_EQ(approval.error().message, "Signing requires approval. Get approval before signing.");

  auto forbidden = client->Call(HttpMethod::kGet, "/forbidden");
  ASSERT_FALSE(forbidden);
  EXPECT_EQ(forbidden.error().code, ErrorCode::kPermissionDenied);

  auto missing = client->Call(HttpMethod::kGet, "/no-such-route");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);

  auto bare = client->Call(HttpMethod::kGet, "/bare502");
  ASSERT_FALSE(bare);
  EXPECT_EQ(bare.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(bare.error().message.find("HTTP 502"), std::string::npos) << bare.error().message;

  auto text = client->Call(HttpMethod::kGet, "/text");
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().code, ErrorCode::kInternal);
}

TEST(ClientTest, NetworkFailuresAreUnavailable) {
  std::uint16_t closed_port = 0;
  {
    TestServer server;
    closed_port = server.port();
  }
  auto client = MakeClient("http://127.0.0.1:" + std::to_string(closed_port));
  ASSERT_TRUE(client);
  auto r = client->Call(HttpMethod::kGet, "/echo");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("cannot connect"), std::string::npos) << r.error().message;

  auto unresolvable = MakeClient("http://no-such-host.invalid:80");
  ASSERT_TRUE(unresolvable);
  auto u = unresolvable->Call(HttpMethod::kGet, "/echo");
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().code, ErrorCode::kUnavailable);
}

TEST(ClientTest, ReadTimeoutIsUnavailable) {
  TestServer server;
  auto client = MakeClient(server.Url(), "", std::chrono::milliseconds(200));
  ASSERT_TRUE(client);
  const auto start = std::chrono::steady_clock::now();
  auto r = client->Call(HttpMethod::kGet, "/slow");
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("timed out after 200ms"), std::string::npos)
      << r.error().message;
  EXPECT_LT(took, std::chrono::milliseconds(1200));
  // The client recovers on a fresh connection.
  EXPECT_TRUE(client->Call(HttpMethod::kGet, "/echo"));
}

TEST(ClientTest, RefusesRepliesAboveTheLimit) {
  TestServer server;
  ClientOptions o;
  o.server_url = server.Url();
  o.max_response_bytes = 1024;
  auto client = Client::Create(std::move(o));
  ASSERT_TRUE(client);
  auto r = (*client)->Call(HttpMethod::kGet, "/big");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("larger than 1024 bytes"), std::string::npos);
}

TEST(ClientTest, ReusesKeepAliveConnections) {
  TestServer server;
  auto client = MakeClient(server.Url());
  ASSERT_TRUE(client);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(client->Call(HttpMethod::kGet, "/echo"));
  EXPECT_EQ(client->stats().requests, 10u);
  EXPECT_EQ(client->stats().connections_opened, 1u);
}

TEST(ClientTest, RetriesOnceWhenTheServerClosedAnIdleConnection) {
  TestServer server(std::nullopt, /*idle_seconds=*/1);
  auto client = MakeClient(server.Url());
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->Call(HttpMethod::kGet, "/echo"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1600));
  auto r = client->Call(HttpMethod::kGet, "/echo");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(client->stats().connections_opened, 2u);
  EXPECT_EQ(server.hits(), 2);
}

TEST(ClientTest, IsSafeToShareBetweenThreads) {
  TestServer server;
  auto client = MakeClient(server.Url(), "shared");
  ASSERT_TRUE(client);
  constexpr int kThreads = 8;
  constexpr int kCalls = 25;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kCalls; ++i) {
        auto r = client->Call(HttpMethod::kGet, "/echo");
        if (r && r->at("authorization") == "Bearer shared") ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, kThreads * kCalls);
  EXPECT_LE(client->stats().connections_opened, static_cast<std::uint64_t>(kThreads));
}

// ---- typed helpers ----

TEST(ClientHelpersTest, LoginBothWaysInstallsTheToken) {
  TestServer server;
  auto client = MakeClient(server.Url());
  ASSERT_TRUE(client);
  auto bad = client->LoginWithPassword("a@b.c", SecretBytes::FromString("wrong"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kUnauthenticated);
  EXPECT_FALSE(client->HasToken());

  auto user = client->LoginWithPassword("a@b.c", SecretBytes::FromString("pw"));
  ASSERT_TRUE(user) << user.error().message;
  EXPECT_EQ(user->access_token.string_view(), "tok-user");
  EXPECT_EQ(user->expires_in, std::chrono::seconds(3600));
  EXPECT_EQ(client->Call(HttpMethod::kGet, "/echo")->at("authorization"), "Bearer tok-user");

  auto machine = client->LoginWithClientSecret("cid", SecretBytes::FromString("csecret"));
  ASSERT_TRUE(machine) << machine.error().message;
  EXPECT_EQ(client->Call(HttpMethod::kGet, "/echo")->at("authorization"), "Bearer tok-machine");

  ASSERT_TRUE(client->Logout());
  EXPECT_FALSE(client->HasToken());
}

TEST(ClientHelpersTest, ResolvesSignersByNameOrId) {
  TestServer server;
  auto client = MakeClient(server.Url(), "t");
  ASSERT_TRUE(client);
  auto all = client->ListSigners();
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(all->size(), 3u);

  auto by_name = client->ResolveSigner("release");
  ASSERT_TRUE(by_name) << by_name.error().message;
  EXPECT_EQ(by_name->id, kSignerId);

  auto by_id = client->ResolveSigner(kSignerId);
  ASSERT_TRUE(by_id) << by_id.error().message;
  EXPECT_EQ(by_id->name, "release");
  EXPECT_EQ(by_id->certificate_id, "c");
  EXPECT_FALSE(by_id->signing_policy_id.has_value());

  auto missing = client->ResolveSigner("nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message, "no signer named 'nope'");

  auto twin = client->ResolveSigner("twin");
  ASSERT_FALSE(twin);
  EXPECT_EQ(twin.error().code, ErrorCode::kInvalidArgument);

  auto missing_id = client->ResolveSigner("33333333-3333-4333-8333-333333333333");
  ASSERT_FALSE(missing_id);
  EXPECT_EQ(missing_id.error().code, ErrorCode::kNotFound);
}

TEST(ClientHelpersTest, SignDigestSendsDigestAndMetadata) {
  TestServer server;
  auto client = MakeClient(server.Url(), "t");
  ASSERT_TRUE(client);
  ClientMetadata meta;
  meta.tool = "signet";
  meta.hostname = "build-1";
  Bytes digest(32, 0xab);
  auto r = client->SignDigest(kSignerId, "ECDSA_SHA256", digest, meta);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(AsString(r->signature), "sig");
  EXPECT_EQ(r->signing_algorithm, "ECDSA_SHA256");
  EXPECT_EQ(r->signer_id, kSignerId);
  const JsonObject& sent = server.last_sign_body();
  EXPECT_EQ(sent.at("isDigest"), true);
  EXPECT_EQ(sent.at("data"), JsonValue(Base64Encode(digest)));
  EXPECT_EQ(sent.at("clientMetadata").at("tool"), "signet");
  EXPECT_EQ(sent.at("clientMetadata").at("hostname"), "build-1");
  EXPECT_FALSE(sent.at("clientMetadata").as_object().contains("command"));

  auto key = client->GetSignerPublicKey(kSignerId);
  ASSERT_TRUE(key);
  EXPECT_EQ(AsString(key->spki_der), "spki");
  EXPECT_EQ(key->algorithm, "EC_prime256v1");
  auto cert = client->GetSignerCertificate(kSignerId);
  ASSERT_TRUE(cert);
  EXPECT_EQ(cert->certificate_pem, "PEM");
  EXPECT_EQ(cert->certificate_chain_pem, "CHAIN");
  EXPECT_EQ(cert->signer_name, "release");
}

// ---- TLS ----

class TlsFiles {
 public:
  TlsFiles() {
    char pattern[] = "/tmp/signet-client-test-XXXXXX";
    dir_ = mkdtemp(pattern);
    auto ca_key = crypto::PrivateKey::Generate(domain::KeyAlgorithm::kEcP256);
    auto ca_pub = ca_key->GetPublicKey();
    crypto::IssueParams ca_params;
    ca_params.subject.common_name = "Client Test CA";
    ca_params.not_before = std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now()) -
                           std::chrono::hours(1);
    ca_params.not_after = ca_params.not_before + std::chrono::hours(48);
    ca_params.is_ca = true;
    auto ca = crypto::IssueCertificate(*ca_pub, ca_params, *ca_key, nullptr);
    auto key = crypto::PrivateKey::Generate(domain::KeyAlgorithm::kEcP256);
    auto pub = key->GetPublicKey();
    crypto::IssueParams leaf = ca_params;
    leaf.is_ca = false;
    leaf.subject.common_name = "localhost";
    leaf.extended_key_usages = {"serverAuth"};
    auto cert = crypto::IssueCertificate(*pub, leaf, *ca_key, &*ca);
    Write("ca.pem", *ca->ToPem());
    Write("cert.pem", *cert->ToPem() + *ca->ToPem());
    Write("key.pem", std::string(key->ToPkcs8Pem()->string_view()));
  }
  ~TlsFiles() { std::filesystem::remove_all(dir_); }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

 private:
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(Path(name)) << text;
  }
  std::string dir_;
};

TEST(ClientTlsTest, VerifiesTheServerCertificateAndHostname) {
  TlsFiles files;
  TestServer server(http::TlsFiles{files.Path("cert.pem"), files.Path("key.pem")});
  const std::string port = std::to_string(server.port());

  ClientOptions good;
  good.server_url = "https://localhost:" + port;
  good.ca_cert_path = files.Path("ca.pem");
  auto client = Client::Create(good);
  ASSERT_TRUE(client) << client.error().message;
  auto r = (*client)->Call(HttpMethod::kGet, "/echo");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->at("method"), "GET");
  ASSERT_TRUE((*client)->Call(HttpMethod::kGet, "/echo"));
  EXPECT_EQ((*client)->stats().connections_opened, 1u);

  // The certificate names "localhost", not the address.
  ClientOptions wrong_name = good;
  wrong_name.server_url = "https://127.0.0.1:" + port;
  auto by_ip = Client::Create(wrong_name);
  ASSERT_TRUE(by_ip);
  auto r2 = (*by_ip)->Call(HttpMethod::kGet, "/echo");
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r2.error().message.find("TLS handshake"), std::string::npos) << r2.error().message;

  // Not signed by a system root.
  ClientOptions system_roots = good;
  system_roots.ca_cert_path.clear();
  auto untrusted = Client::Create(system_roots);
  ASSERT_TRUE(untrusted);
  auto r3 = (*untrusted)->Call(HttpMethod::kGet, "/echo");
  ASSERT_FALSE(r3);
  EXPECT_EQ(r3.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace signet::client
