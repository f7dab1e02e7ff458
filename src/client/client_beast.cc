// The Beast implementation of Client: synchronous calls over a pool of keep-alive connections.
// Each connection owns a private io_context; an operation is started asynchronously and the
// calling thread runs that io_context until it completes, so Beast's stream timeouts
// (tcp_stream::expires_after) bound connect, handshake, write and read without extra threads.

#include <atomic>
#include <mutex>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "api/error.h"
#include "client/client.h"
#include "client/server_url.h"

namespace signet::client {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

std::string Seconds(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
  return std::to_string(d.count()) + "ms";
}

// A failed exchange: what went wrong and whether the server can have seen the request.
struct ExchangeError {
  std::string message;
  bool nothing_received = false;  // no byte of a reply arrived
};

class Connection {
 public:
  Connection(const ServerUrl& url, ssl::context* tls) : url_(url), tls_context_(tls) {}

  // Resolves, connects and (for https) handshakes with hostname verification.
  Status Open(std::chrono::milliseconds timeout) {
    tcp::resolver resolver(ioc_);
    beast::error_code ec = net::error::would_block;
    tcp::resolver::results_type endpoints;
    bool resolved = false;
    resolver.async_resolve(url_.host, url_.port,
                           [&](beast::error_code e, tcp::resolver::results_type r) {
                             ec = e;
                             endpoints = std::move(r);
                             resolved = true;
                           });
    ioc_.restart();
    ioc_.run_for(timeout);
    if (!resolved) {
      resolver.cancel();
      ioc_.restart();
      ioc_.run();
      return Unavailable("cannot resolve " + url_.host + ": timed out after " + Seconds(timeout));
    }
    if (ec) return Unavailable("cannot resolve " + url_.host + ": " + ec.message());

    if (tls_context_ != nullptr) {
      try {
        tls_.emplace(ioc_, *tls_context_);
      } catch (const std::exception& e) {
        return Internal(std::string("cannot create a TLS stream: ") + e.what());
      }
    } else {
      plain_.emplace(ioc_);
    }
    beast::tcp_stream& stream = Lowest();
    stream.expires_after(timeout);
    ec = Run([&](auto handler) { stream.async_connect(endpoints, std::move(handler)); });
    if (ec)
      return Unavailable("cannot connect to " + url_.canonical + ": " + Describe(ec, timeout));

    if (tls_) {
      beast::error_code addr_ec;
      net::ip::make_address(url_.host, addr_ec);
      // SNI carries DNS names only, never address literals (RFC 6066 §3).
      if (addr_ec && !SSL_set_tlsext_host_name(tls_->native_handle(), url_.host.c_str())) {
        return Unavailable("cannot set TLS server name " + url_.host);
      }
      tls_->set_verify_mode(ssl::verify_peer);
      tls_->set_verify_callback(ssl::host_name_verification(url_.host));
      stream.expires_after(timeout);
      ec = Run([&](auto handler) {
        tls_->async_handshake(ssl::stream_base::client, std::move(handler));
      });
      if (ec) {
        return Unavailable("TLS handshake with " + url_.canonical +
                           " failed: " + Describe(ec, timeout));
      }
    }
    return Ok();
  }

  // Writes `request` and reads one reply of at most `max_body` bytes.
  tl::expected<bhttp::response<bhttp::string_body>, ExchangeError> Exchange(
      const bhttp::request<bhttp::string_body>& request, std::chrono::milliseconds timeout,
      std::size_t max_body) {
    beast::tcp_stream& stream = Lowest();
    stream.expires_after(timeout);
    beast::error_code ec = Run([&](auto handler) {
      if (tls_) {
        bhttp::async_write(*tls_, request, std::move(handler));
      } else {
        bhttp::async_write(*plain_, request, std::move(handler));
      }
    });
    if (ec) {
      reusable_ = false;
      return tl::unexpected(
          ExchangeError{"sending the request failed: " + Describe(ec, timeout), true});
    }
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(max_body);
    parser.header_limit(kMaxHeaderBytes);
    buffer_.clear();
    stream.expires_after(timeout);
    ec = Run([&](auto handler) {
      if (tls_) {
        bhttp::async_read(*tls_, buffer_, parser, std::move(handler));
      } else {
        bhttp::async_read(*plain_, buffer_, parser, std::move(handler));
      }
    });
    stream.expires_never();
    if (ec) {
      reusable_ = false;
      const bool nothing = !parser.got_some() && ec != beast::error::timeout;
      if (ec == bhttp::error::body_limit) {
        return tl::unexpected(ExchangeError{
            "the reply is larger than " + std::to_string(max_body) + " bytes", false});
      }
      return tl::unexpected(
          ExchangeError{"reading the reply failed: " + Describe(ec, timeout), nothing});
    }
    reusable_ = parser.get().keep_alive();
    return parser.release();
  }

  bool reusable() const { return reusable_; }

 private:
  beast::tcp_stream& Lowest() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

  static std::string Describe(const beast::error_code& ec, std::chrono::milliseconds timeout) {
    if (ec == beast::error::timeout) return "timed out after " + Seconds(timeout);
    return ec.message();
  }

  // Starts one asynchronous operation and runs the private io_context until it completes.
  template <class Start>
  beast::error_code Run(Start&& start) {
    beast::error_code result = net::error::would_block;
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc_.restart();
    ioc_.run();
    return result;
  }

  const ServerUrl& url_;
  ssl::context* tls_context_;
  net::io_context ioc_{1};
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  beast::flat_buffer buffer_;
  bool reusable_ = false;
};

bhttp::verb Verb(HttpMethod method) {
  switch (method) {
    case HttpMethod::kGet:
      return bhttp::verb::get;
    case HttpMethod::kPost:
      return bhttp::verb::post;
    case HttpMethod::kPatch:
      return bhttp::verb::patch;
    case HttpMethod::kDelete:
      return bhttp::verb::delete_;
  }
  return bhttp::verb::get;
}

class BeastClient final : public Client {
 public:
  BeastClient(ClientOptions options, ServerUrl url, std::unique_ptr<ssl::context> tls)
      : options_(std::move(options)),
        url_(std::move(url)),
        server_url_(url_.canonical),
        tls_(std::move(tls)) {
    token_ = std::move(options_.token);
  }

  Result<api::JsonValue> Call(HttpMethod method, std::string_view path,
                              const std::optional<api::JsonValue>& body) override {
    if (path.empty() || path.front() != '/') {
      return InvalidArgument("request path '" + std::string(path) + "' must start with /");
    }
    bhttp::request<bhttp::string_body> request{Verb(method), url_.prefix + std::string(path), 11};
    request.set(bhttp::field::host, url_.host_header);
    request.set(bhttp::field::user_agent, options_.user_agent);
    request.set(bhttp::field::accept, "application/json");
    request.keep_alive(true);
    {
      std::lock_guard lock(token_mu_);
      if (!token_.empty()) {
        std::string header = "Bearer " + std::string(token_.string_view());
        request.set(bhttp::field::authorization, header);
        SecureWipe(header.data(), header.size());
      }
    }
    if (body) {
      request.set(bhttp::field::content_type, "application/json");
      request.body() = api::Serialize(*body);
    }
    request.prepare_payload();
    auto result = Send(request);
    // The body may hold a password or client secret.
    SecureWipe(request.body().data(), request.body().size());
    if (!result) return tl::unexpected(result.error());
    return Interpret(*result);
  }

  void SetToken(SecretBytes token) override {
    std::lock_guard lock(token_mu_);
    token_ = std::move(token);
  }

  bool HasToken() const override {
    std::lock_guard lock(token_mu_);
    return !token_.empty();
  }

  ClientStats stats() const override {
    return ClientStats{requests_.load(), connections_opened_.load(), retries_.load()};
  }

  const std::string& server_url() const override { return server_url_; }

 private:
  Result<bhttp::response<bhttp::string_body>> Send(const bhttp::request<bhttp::string_body>& req) {
    ++requests_;
    for (int attempt = 0;; ++attempt) {
      std::unique_ptr<Connection> conn = TakeIdle();
      const bool reused = conn != nullptr;
      if (!reused) {
        conn = std::make_unique<Connection>(url_, tls_.get());
        SIGNET_TRY(conn->Open(options_.timeout));
        ++connections_opened_;
      }
      auto reply = conn->Exchange(req, options_.timeout, options_.max_response_bytes);
      if (!reply) {
        // A kept-alive connection the server has closed in the meantime fails before any
        // reply byte; the server never saw the request, so it is safe to send it once more
        // on a fresh connection.
        if (reused && reply.error().nothing_received && attempt == 0) {
          ++retries_;
          continue;
        }
        return Unavailable(url_.canonical + ": " + reply.error().message);
      }
      if (conn->reusable()) PutIdle(std::move(conn));
      return std::move(*reply);
    }
  }

  Result<api::JsonValue> Interpret(const bhttp::response<bhttp::string_body>& reply) {
    const int status = static_cast<int>(reply.result_int());
    const std::string& text = reply.body();
    if (status >= 200 && status < 300) {
      if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
        return api::JsonValue(api::JsonObject{});
      }
      auto parsed = api::ParseJson(text);
      if (!parsed) {
        return Internal(url_.canonical + " sent a reply that is not JSON (HTTP " +
                        std::to_string(status) + ")");
      }
      return std::move(*parsed);
    }
    auto parsed = api::ParseJson(text);
    if (parsed && parsed->is_object()) {
      const auto& o = parsed->as_object();
      const api::JsonValue* name = o.if_contains("error");
      const api::JsonValue* message = o.if_contains("message");
      if (name != nullptr && name->is_string() && message != nullptr && message->is_string()) {
        return MakeError(api::CodeFromHttp(status, std::string_view(name->as_string())),
                         std::string(message->as_string()));
      }
    }
    std::string reason(reply.reason());
    return MakeError(api::CodeFromHttp(status, ""), url_.canonical + " answered HTTP " +
                                                        std::to_string(status) +
                                                        (reason.empty() ? "" : " " + reason));
  }

  std::unique_ptr<Connection> TakeIdle() {
    std::lock_guard lock(pool_mu_);
    if (idle_.empty()) return nullptr;
    std::unique_ptr<Connection> c = std::move(idle_.back());
    idle_.pop_back();
    return c;
  }

  void PutIdle(std::unique_ptr<Connection> conn) {
    std::lock_guard lock(pool_mu_);
    if (idle_.size() < options_.max_idle_connections) idle_.push_back(std::move(conn));
  }

  ClientOptions options_;  // read-only after construction; its token is moved into token_
  const ServerUrl url_;
  const std::string server_url_;
  const std::unique_ptr<ssl::context> tls_;  // null for http; shared read-only by connections

  mutable std::mutex token_mu_;
  SecretBytes token_;  // guarded by token_mu_

  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by pool_mu_

  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> connections_opened_{0};
  std::atomic<std::uint64_t> retries_{0};
};

}  // namespace

namespace {

// The TLS context for `url` (null for http): `ca_cert_path`, else the system's roots.
Result<std::unique_ptr<ssl::context>> TlsContext(const ServerUrl& url,
                                                 const std::string& ca_cert_path) {
  std::unique_ptr<ssl::context> tls;
  if (!url.tls) return tls;
  try {
    tls = std::make_unique<ssl::context>(ssl::context::tls_client);
    tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  } catch (const std::exception& e) {
    return Internal(std::string("cannot create a TLS context: ") + e.what());
  }
  beast::error_code ec;
  if (!ca_cert_path.empty()) {
    tls->load_verify_file(ca_cert_path, ec);
    if (ec) {
      return InvalidArgument("cannot load CA certificates from " + ca_cert_path + ": " +
                             ec.message());
    }
  } else {
    tls->set_default_verify_paths(ec);
    if (ec) return Internal("cannot load the system's CA certificates: " + ec.message());
  }
  return tls;
}

}  // namespace

Result<std::unique_ptr<Client>> Client::Create(ClientOptions options) {
  SIGNET_ASSIGN_OR_RETURN(ServerUrl url, ParseServerUrl(options.server_url));
  if (options.timeout.count() <= 0) return InvalidArgument("client timeout must be positive");
  SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<ssl::context> tls, TlsContext(url, options.ca_cert_path));
  return std::unique_ptr<Client>(
      std::make_unique<BeastClient>(std::move(options), std::move(url), std::move(tls)));
}

Result<Bytes> PostTimestampQuery(const ClientOptions& options, ByteView query) {
  SIGNET_ASSIGN_OR_RETURN(ServerUrl url, ParseServerUrl(options.server_url));
  if (options.timeout.count() <= 0) return InvalidArgument("client timeout must be positive");
  SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<ssl::context> tls, TlsContext(url, options.ca_cert_path));
  bhttp::request<bhttp::string_body> request{bhttp::verb::post,
                                             url.prefix.empty() ? "/" : url.prefix, 11};
  request.set(bhttp::field::host, url.host_header);
  request.set(bhttp::field::user_agent, options.user_agent);
  request.set(bhttp::field::accept, "application/timestamp-reply");
  request.set(bhttp::field::content_type, "application/timestamp-query");
  if (!options.token.empty()) {
    std::string header = "Bearer " + std::string(options.token.string_view());
    request.set(bhttp::field::authorization, header);
    SecureWipe(header.data(), header.size());
  }
  request.keep_alive(false);
  request.body().assign(reinterpret_cast<const char*>(query.data()), query.size());
  request.prepare_payload();
  Connection conn(url, tls.get());
  SIGNET_TRY(conn.Open(options.timeout));
  auto reply = conn.Exchange(request, options.timeout, options.max_response_bytes);
  if (!reply) return Unavailable(url.canonical + ": " + reply.error().message);
  const int status = static_cast<int>(reply->result_int());
  const std::string& text = reply->body();
  if (status == 200) return Bytes(text.begin(), text.end());
  auto parsed = api::ParseJson(text);
  if (parsed && parsed->is_object()) {
    const auto& o = parsed->as_object();
    const api::JsonValue* name = o.if_contains("error");
    const api::JsonValue* message = o.if_contains("message");
    if (name != nullptr && name->is_string() && message != nullptr && message->is_string()) {
      return MakeError(api::CodeFromHttp(status, std::string_view(name->as_string())),
                       url.canonical + ": " + std::string(message->as_string()));
    }
  }
  return MakeError(api::CodeFromHttp(status, ""),
                   url.canonical + " answered HTTP " + std::to_string(status));
}

}  // namespace signet::client
