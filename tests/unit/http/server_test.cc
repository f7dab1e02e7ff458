// The server with sync and async routes, over a real loopback socket.
#include "http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace signet::http {
namespace {

using namespace std::chrono_literals;

// One request over a fresh connection ("Connection: close"); the whole raw reply.
std::string Exchange(std::uint16_t port, const std::string& method, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "connect failed";
  }
  const std::string req = method + " " + path +
                          " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  (void)send(fd, req.data(), req.size(), 0);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  close(fd);
  return out;
}

// Sends `segments` over one fresh connection, pausing between them (so that each arrives on
// its own), then reads until the server closes; the whole raw reply.
std::string SendSegments(std::uint16_t port, const std::vector<std::string>& segments) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "connect failed";
  }
  for (const std::string& segment : segments) {
    (void)send(fd, segment.data(), segment.size(), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  close(fd);
  return out;
}

class ServerTest : public ::testing::Test {
 protected:
  void Start(std::shared_ptr<Router> router) {
    ServerOptions options;
    options.port = 0;
    options.worker_threads = 2;
    options.compute_threads = 1;
    auto server = Server::Create(std::move(options), std::move(router));
    ASSERT_TRUE(server.has_value()) << server.error().message;
    server_ = std::move(*server);
    thread_ = std::thread([this] { server_->Run(); });
  }
  void StopAndDestroy() {
    server_->Stop(50ms);
    thread_.join();
    server_.reset();
  }
  void TearDown() override {
    if (server_) StopAndDestroy();
  }

  std::unique_ptr<Server> server_;
  std::thread thread_;
};

TEST_F(ServerTest, AsyncRoutesReplyFromAnotherThread) {
  auto router = std::make_shared<Router>();
  router->Add("GET", "/sync", [](const Request&, const PathParams&) {
    return Response{200, "{\"a\":1}"};
  });
  router->AddAsync("POST", "/async/{id}", [](const Request& req, const PathParams& p, Reply reply) {
    // Reply later from a thread of our own, as the group committer does; `req` stays valid.
    std::thread([&req, id = p.at("id"), reply = std::move(reply)] {
      std::this_thread::sleep_for(20ms);
      reply(Response{201, "{\"id\":\"" + id + "\",\"method\":\"" + req.method + "\"}"});
    }).detach();
  });
  router->AddAsync("POST", "/throws", [](const Request&, const PathParams&, Reply) {
    throw std::runtime_error("boom");
  });
  Start(router);
  const std::string async = Exchange(server_->port(), "POST", "/async/x1");
  EXPECT_NE(async.find("HTTP/1.1 201"), std::string::npos) << async;
  EXPECT_NE(async.find("{\"id\":\"x1\",\"method\":\"POST\"}"), std::string::npos) << async;
  EXPECT_NE(async.find("X-Request-Id: "), std::string::npos) << async;
  const std::string sync = Exchange(server_->port(), "GET", "/sync");
  EXPECT_NE(sync.find("HTTP/1.1 200"), std::string::npos) << sync;
  const std::string thrown = Exchange(server_->port(), "POST", "/throws");
  EXPECT_NE(thrown.find("HTTP/1.1 500"), std::string::npos) << thrown;
  EXPECT_NE(thrown.find("\"message\":\"internal error\""), std::string::npos) << thrown;
  EXPECT_EQ(thrown.find("boom"), std::string::npos) << thrown;  // internals stay in the log
  const std::string wrong = Exchange(server_->port(), "GET", "/async/x1");
  EXPECT_NE(wrong.find("HTTP/1.1 405"), std::string::npos) << wrong;
}

// Requests whose header and body arrive together are parsed in place; a body that arrives
// later, a chunked body, pipelined requests and an oversized body still come out right.
TEST_F(ServerTest, BodiesArriveWholeSplitChunkedOrPipelined) {
  auto router = std::make_shared<Router>();
  router->Add("POST", "/echo", [](const Request& req, const PathParams&) {
    return Response{200, "[" + req.body + "]"};
  });
  Start(router);
  const std::uint16_t port = server_->port();
  const std::string head = "POST /echo HTTP/1.1\r\nHost: x\r\n";
  const std::string whole =
      SendSegments(port, {head + "Content-Length: 5\r\nConnection: close\r\n\r\nhello"});
  EXPECT_NE(whole.find("HTTP/1.1 200"), std::string::npos) << whole;
  EXPECT_NE(whole.find("[hello]"), std::string::npos) << whole;

  const std::string split =
      SendSegments(port, {head + "Content-Length: 11\r\nConnection: close\r\n\r\nhel", "lo world"});
  EXPECT_NE(split.find("[hello world]"), std::string::npos) << split;

  const std::string chunked = SendSegments(
      port, {head + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n",
             "2\r\nde\r\n0\r\n\r\n"});
  EXPECT_NE(chunked.find("[abcde]"), std::string::npos) << chunked;

  const std::string pipelined =
      SendSegments(port, {head + "Content-Length: 3\r\n\r\none" + head +
                          "Content-Length: 3\r\nConnection: close\r\n\r\ntwo"});
  const std::size_t first = pipelined.find("[one]");
  EXPECT_NE(first, std::string::npos) << pipelined;
  EXPECT_NE(pipelined.find("[two]", first), std::string::npos) << pipelined;

  const std::string header_later =
      SendSegments(port, {"POST /echo HTTP/1.1\r\nHost: x\r\n", "Content-Length: 2\r\n",
                          "Connection: close\r\n\r\nok"});
  EXPECT_NE(header_later.find("[ok]"), std::string::npos) << header_later;

  // Over the body limit (1 MiB by default): refused as the length is read, before the body.
  const std::string too_big =
      SendSegments(port, {head + "Content-Length: 1048577\r\n\r\n" + std::string(100, 'x')});
  EXPECT_NE(too_big.find("HTTP/1.1 413"), std::string::npos) << too_big;
  const std::string too_big_chunk = SendSegments(
      port, {head + "Transfer-Encoding: chunked\r\n\r\n100001\r\n" + std::string(100, 'x')});
  EXPECT_NE(too_big_chunk.find("HTTP/1.1 413"), std::string::npos) << too_big_chunk;
}

TEST_F(ServerTest, DestructionWaitsForARepliesStillHeldByAHandler) {
  auto router = std::make_shared<Router>();
  std::atomic<bool> replied{false};
  std::atomic<bool> entered{false};
  std::thread late;
  router->AddAsync("POST", "/slow", [&](const Request&, const PathParams&, Reply reply) {
    entered = true;
    // Holds the reply past the stop's grace period, like a commit stuck on the database.
    late = std::thread([&replied, reply = std::move(reply)] {
      std::this_thread::sleep_for(300ms);
      replied = true;
      reply(Response{200, "{}"});
    });
  });
  Start(router);
  std::thread client([this] { (void)Exchange(server_->port(), "POST", "/slow"); });
  while (!entered) std::this_thread::sleep_for(1ms);
  StopAndDestroy();  // the grace period (50 ms) ends long before the reply
  EXPECT_TRUE(replied.load()) << "the server was destroyed while a handler still held its reply";
  late.join();
  client.join();
}

}  // namespace
}  // namespace signet::http

namespace signet::http {
namespace {

// The watchdog's probe: it needs the I/O loop and the pools to run, not merely a live process.
TEST(ServerAlive, OnlyWhileTheLoopAndThePoolsServe) {
  std::atomic<bool> entered{false}, release{false};
  auto router = std::make_shared<Router>();
  router->Add("GET", "/block", [&](const Request&, const PathParams&) {
    entered = true;
    while (!release) std::this_thread::sleep_for(1ms);
    return Response{200, "{}"};
  });
  ServerOptions options;
  options.port = 0;
  options.worker_threads = 1;
  auto created = Server::Create(std::move(options), router);
  ASSERT_TRUE(created.has_value()) << created.error().message;
  auto server = std::move(*created);
  EXPECT_FALSE(server->Alive(50ms));  // not running yet
  std::thread runner([&] { server->Run(); });
  EXPECT_TRUE(server->Alive(10s));
  // The only worker is stuck in a handler: not alive, though the I/O loop still runs.
  std::thread client([&] { (void)Exchange(server->port(), "GET", "/block"); });
  while (!entered) std::this_thread::sleep_for(1ms);
  EXPECT_FALSE(server->Alive(100ms));
  release = true;
  EXPECT_TRUE(server->Alive(10s));
  client.join();
  server->Stop(50ms);
  runner.join();
  EXPECT_FALSE(server->Alive(50ms));  // stopped
}

TEST(ServerReloadTls, PlainHttpHasNothingToReload) {
  ServerOptions options;
  options.port = 0;
  auto server = Server::Create(std::move(options), std::make_shared<Router>());
  ASSERT_TRUE(server.has_value()) << server.error().message;
  auto reloaded = (*server)->ReloadTls();
  ASSERT_FALSE(reloaded.has_value());
  EXPECT_EQ(reloaded.error().code, ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace signet::http
