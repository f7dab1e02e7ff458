#include "http/server.h"

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "api/error.h"
#include "common/encoding.h"
#include "common/log.h"
#include "common/random.h"
#include "http/request_framing.h"

namespace signet::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

std::string NewRequestId() {
  std::uint8_t b[8];
  FillRandom(b, sizeof b);
  return HexEncode(ByteView(b, sizeof b));
}

// A request id a proxy in front assigned (nginx's $request_id, say) is kept, so that its log
// and ours name the same request; anything but 1-64 of [A-Za-z0-9._-] is replaced by our own.
bool UsableRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// For errors answered before a request reaches the router (limits, malformed HTTP).
Response ErrorResponse(ErrorCode code, std::string message, const std::string& request_id) {
  Response r;
  r.status = api::HttpStatus(code);
  r.body = api::ErrorBody(Error{code, std::move(message)}, request_id);
  r.headers.emplace_back("X-Request-Id", request_id);
  return r;
}

// The framing checks of request_framing.h over a parsed header.
template <class Fields>
std::string FramingProblemOf(const Fields& fields, unsigned version) {
  std::vector<std::string_view> codings;
  const auto range = fields.equal_range(bhttp::field::transfer_encoding);
  for (auto it = range.first; it != range.second; ++it) codings.push_back(it->value());
  return FramingProblem(codings, fields.count(bhttp::field::content_length) > 0, version);
}

class ServerImpl;

// One connection. Stream is beast::tcp_stream or beast::ssl_stream<beast::tcp_stream>.
// Every handler runs on the connection's strand (the socket's executor); request handling
// runs on the worker pool and posts its response back to the strand.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  // `tls` is the TLS context the stream was made with (null for plain TCP): the session keeps
  // it alive, since a reload may replace the server's.
  Session(ServerImpl& server, Stream stream, std::string remote_ip,
          std::shared_ptr<asio::ssl::context> tls = nullptr);
  // Not bugprone-exception-escape: ConnectionClosed's asio::post throws only std::bad_alloc,
  // and out of memory in a destructor ends the process, as it should.
  ~Session();  // NOLINT(bugprone-exception-escape)

  void Start();

 private:
  void DoRead();
  // Reads until the buffer holds a whole header block and checks its raw bytes (obs-fold),
  // then lets the parser read the header.
  void ReadHeaderBytes();
  void OnHeader(beast::error_code ec);
  void OnRead(beast::error_code ec, std::size_t bytes);
  // A 400 that names the framing problem, then the connection is closed.
  void RejectFraming(const std::string& why);
  // Writes a reply to a request refused before routing and closes; reports it to on_complete.
  void WriteRejected(Response response);
  void Write(Response response, bool keep_alive);
  void OnWrite(bool keep_alive, beast::error_code ec, std::size_t bytes);
  void Close();

  ServerImpl& server_;
  std::shared_ptr<asio::ssl::context> tls_;  // declared before stream_: outlives it
  Stream stream_;
  std::string remote_ip_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> response_;
  bool first_request_ = true;
};

class ServerImpl final : public Server {
 public:
  ServerImpl(ServerOptions options, std::shared_ptr<const Router> router)
      : options_(std::move(options)),
        router_(std::move(router)),
        ioc_(options_.io_threads),
        accept_strand_(asio::make_strand(ioc_)),
        acceptor_(accept_strand_),
        accept_retry_(accept_strand_),
        workers_(static_cast<std::size_t>(std::max(1, options_.worker_threads))),
        compute_(static_cast<std::size_t>(std::max(1, options_.compute_threads))) {}

  ~ServerImpl() override {
    compute_.join();
    workers_.join();
    if (stopper_.joinable()) stopper_.join();
    // An async handler may still hold a reply (a sign call whose record is still being
    // committed after the grace period); it refers to this server, so wait for it.
    std::unique_lock lock(in_flight_mutex_);
    in_flight_cv_.wait(lock, [this] { return open_replies_ == 0; });
  }

  Status Init() {
    try {
      beast::error_code ec;
      const auto address = asio::ip::make_address(options_.address, ec);
      if (ec)
        return InvalidArgument("listen address '" + options_.address + "' is not an IP address");
      if (!options_.tls && !address.is_loopback() && !options_.allow_insecure_http) {
        return InvalidArgument("refusing plain HTTP on non-loopback address " + options_.address +
                               "; give --tls-cert/--tls-key, or --insecure-http if a TLS proxy "
                               "fronts signetd");
      }
      if (options_.tls) {
        SIGNET_ASSIGN_OR_RETURN(ssl_, LoadTls());
      }
      const tcp::endpoint endpoint(address, options_.port);
      acceptor_.open(endpoint.protocol(), ec);
      if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
      if (!ec) acceptor_.bind(endpoint, ec);
      if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
      if (ec) {
        return Unavailable("cannot listen on " + options_.address + ":" +
                           std::to_string(options_.port) + ": " + ec.message());
      }
      port_ = acceptor_.local_endpoint().port();
      return Ok();
    } catch (const std::exception& e) {
      return Internal(std::string("server setup failed: ") + e.what());
    }
  }

  std::uint16_t port() const override { return port_; }

  Status ReloadTls() override {
    if (!options_.tls) return FailedPrecondition("signetd serves plain HTTP: no TLS to reload");
    try {
      SIGNET_ASSIGN_OR_RETURN(auto fresh, LoadTls());
      std::lock_guard lock(tls_mutex_);
      ssl_ = std::move(fresh);
      return Ok();
    } catch (const std::exception& e) {
      return Internal(std::string("reloading TLS failed: ") + e.what());
    }
  }

  bool Alive(std::chrono::milliseconds timeout) override {
    if (stopping_.load()) return false;
    // Shared with the probes, which may run after this call gave up.
    struct Probe {
      std::mutex mu;
      std::condition_variable cv;
      int ran = 0;  // guarded by mu
    };
    auto probe = std::make_shared<Probe>();
    auto mark = [probe] {
      {
        std::lock_guard lock(probe->mu);
        ++probe->ran;
      }
      probe->cv.notify_all();
    };
    asio::post(ioc_, mark);
    asio::post(workers_, mark);
    asio::post(compute_, mark);
    std::unique_lock lock(probe->mu);
    return probe->cv.wait_for(lock, timeout, [&] { return probe->ran == 3; }) && !stopping_.load();
  }

  void Run() override {
    asio::post(accept_strand_, [this] { DoAccept(); });
    std::vector<std::thread> threads;
    for (int i = 1; i < options_.io_threads; ++i) threads.emplace_back([this] { RunIo(); });
    RunIo();
    for (auto& t : threads) t.join();
    if (stopper_.joinable()) stopper_.join();
  }

  void RunUntilSignalled(SignalHooks hooks) override {
    // From here on the three signals are caught (asio queues one that arrives before Run), so
    // a stop signal right after hooks.ready is a graceful stop, never the default death.
    asio::signal_set signals(ioc_, SIGINT, SIGTERM, SIGHUP);
    auto reloads = asio::make_strand(workers_);  // one reload at a time
    // Shared with a reload still running on the pool when this returns (the destructor joins it).
    auto reload = std::make_shared<const std::function<void()>>(std::move(hooks.reload));
    std::function<void()> wait;
    wait = [&] {
      signals.async_wait([&](beast::error_code ec, int sig) {
        if (ec) return;
        if (sig == SIGHUP) {
          if (*reload) {
            asio::post(reloads, [reload] { (*reload)(); });
          } else {
            log::Info("SIGHUP received; nothing to reload");
          }
          return wait();
        }
        log::Info("signal " + std::to_string(sig) + " received; finishing in-flight requests");
        Stop(std::chrono::seconds(10));
      });
    };
    wait();
    if (hooks.ready) hooks.ready();
    Run();
  }

  void Stop(std::chrono::milliseconds grace) override {
    std::lock_guard lock(stop_mutex_);
    if (stopping_.exchange(true)) return;
    asio::post(accept_strand_, [this] {
      beast::error_code ec;
      acceptor_.close(ec);
      accept_retry_.cancel();
    });
    stopper_ = std::thread([this, grace] {
      std::unique_lock in_flight_lock(in_flight_mutex_);
      in_flight_cv_.wait_for(in_flight_lock, grace, [this] { return in_flight_ == 0; });
      ioc_.stop();
    });
  }

  // Called on the I/O thread: routes the request and runs its handler on the compute pool
  // (async handlers) or the worker pool. `send` gets the response exactly once, from
  // whichever thread produced it.
  void Dispatch(const std::shared_ptr<Request>& request, std::function<void(Response)> send) {
    const auto started = std::chrono::steady_clock::now();
    auto match = std::make_shared<Router::Match>();
    std::optional<Response> early;
    try {
      early = Route(*request, *match);
    } catch (const std::exception& e) {
      log::Write(log::Level::kError, request->request_id,
                 std::string("routing threw: ") + e.what());
      early = ErrorResponse(ErrorCode::kInternal, "internal error", request->request_id);
    }
    // `send` lives in the shared state, which drops it before releasing its count: `send`
    // holds the session, whose destructor uses this server.
    auto state = std::make_shared<OpenReply>(*this, std::move(send));
    Reply reply = [this, request, started, match, state](Response response) {
      if (state->replied.exchange(true)) return;  // a handler that threw after replying
      response.headers.emplace_back("X-Request-Id", request->request_id);
      if (options_.on_complete) {
        options_.on_complete(*request, match->pattern, response,
                             std::chrono::steady_clock::now() - started);
      }
      state->send(std::move(response));
    };
    if (early) return reply(std::move(*early));
    auto run = [request, match, reply = std::move(reply)]() mutable {
      try {
        if (match->async_handler != nullptr) {
          (*match->async_handler)(*request, match->params, reply);
        } else {
          reply((*match->handler)(*request, match->params));
        }
      } catch (const std::exception& e) {
        // The per-request catch-all: a handler bug must not take the server down.
        log::Write(log::Level::kError, request->request_id,
                   std::string("handler threw: ") + e.what());
        reply(ErrorResponse(ErrorCode::kInternal, "internal error", request->request_id));
      }
    };
    if (match->async_handler != nullptr) {
      asio::post(compute_, std::move(run));
    } else {
      asio::post(workers_, std::move(run));
    }
  }

  // Shared by the copies of one request's Reply: whether it was called, the session's `send`,
  // and (until the last copy is gone) one count in open_replies_, which the destructor waits
  // for. `send` is dropped before the count: its session may be the last reference, and the
  // session's destructor uses the server, which may be freed as soon as the count reaches 0.
  struct OpenReply {
    OpenReply(ServerImpl& s, std::function<void(Response)> send_response)
        : server(s), send(std::move(send_response)) {
      std::lock_guard lock(server.in_flight_mutex_);
      ++server.open_replies_;
    }
    ~OpenReply() {
      send = nullptr;
      std::lock_guard lock(server.in_flight_mutex_);
      if (--server.open_replies_ == 0) server.in_flight_cv_.notify_all();
    }
    OpenReply(const OpenReply&) = delete;
    OpenReply& operator=(const OpenReply&) = delete;
    ServerImpl& server;
    std::function<void(Response)> send;
    std::atomic<bool> replied{false};
  };

  // Decodes the target and finds the route: the reply for a bad URL or a missing route, or
  // nothing when `match` holds a handler.
  std::optional<Response> Route(Request& request, Router::Match& match) const {
    if (Status decoded = DecodeTarget(request); !decoded) {
      return ErrorResponse(decoded.error().code, decoded.error().message, request.request_id);
    }
    match = router_->Find(request.method, request.path);
    if (match.found()) return std::nullopt;
    if (match.method_not_allowed) {
      Response response;
      response.status = 405;
      response.body = api::ErrorBodyWithStatus(
          405, "MethodNotAllowed",
          "method " + request.method + " is not allowed on " + request.path, request.request_id);
      return response;
    }
    return ErrorResponse(ErrorCode::kNotFound,
                         "no route for " + request.method + " " + request.path, request.request_id);
  }

  // Sessions call these from their constructor and destructor.
  void ConnectionOpened() { connections_.fetch_add(1); }
  void ConnectionClosed() {
    const int now_open = connections_.fetch_sub(1) - 1;
    if (options_.max_connections > 0 && now_open < options_.max_connections &&
        accept_paused_.load() && !stopping_.load()) {
      asio::post(accept_strand_, [this] {
        if (accept_paused_.exchange(false) && acceptor_.is_open()) DoAccept();
      });
    }
  }

  void BeginRequest() {
    std::lock_guard lock(in_flight_mutex_);
    ++in_flight_;
  }
  void EndRequest() {
    std::lock_guard lock(in_flight_mutex_);
    if (--in_flight_ == 0) in_flight_cv_.notify_all();
  }

  const ServerOptions& options() const { return options_; }
  bool stopping() const { return stopping_.load(); }

 private:
  // A TLS context over the configured certificate chain and key.
  Result<std::shared_ptr<asio::ssl::context>> LoadTls() const {
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    beast::error_code ec;
    ctx->use_certificate_chain_file(options_.tls->certificate_chain_path, ec);
    if (ec) {
      return InvalidArgument("cannot load TLS certificate " + options_.tls->certificate_chain_path +
                             ": " + ec.message());
    }
    // OpenSSL refuses a key that does not match the certificate just loaded.
    ctx->use_private_key_file(options_.tls->private_key_path, asio::ssl::context::pem, ec);
    if (ec) {
      return InvalidArgument("cannot load TLS key " + options_.tls->private_key_path + ": " +
                             ec.message());
    }
    return ctx;
  }

  std::shared_ptr<asio::ssl::context> CurrentTls() {
    std::lock_guard lock(tls_mutex_);
    return ssl_;
  }

  void RunIo() {
    for (;;) {
      try {
        ioc_.run();
        return;
      } catch (const std::exception& e) {
        log::Error(std::string("I/O thread caught: ") + e.what());
      }
    }
  }

  // Runs on accept_strand_. At the connection cap it pauses until a session ends
  // (ConnectionClosed resumes it); after an accept error (out of file descriptors, say) it
  // waits before trying again, doubling the wait up to a second, and logs at most one line
  // per ten seconds, so an exhausted process neither spins nor floods its log.
  void DoAccept() {
    if (options_.max_connections > 0 && connections_.load() >= options_.max_connections) {
      accept_paused_.store(true);
      // A session may have closed between the check and the flag: look again.
      if (connections_.load() >= options_.max_connections || !accept_paused_.exchange(false))
        return;
    }
    acceptor_.async_accept(
        asio::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
          if (ec) {
            if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
            ++accept_errors_;
            const auto now = std::chrono::steady_clock::now();
            if (now - last_accept_log_ >= std::chrono::seconds(10)) {
              log::Warn("accept failed: " + ec.message() + " (" + std::to_string(accept_errors_) +
                        " accept errors so far; " + std::to_string(connections_.load()) +
                        " connections open); retrying with backoff");
              last_accept_log_ = now;
            }
            accept_backoff_ = std::min<std::chrono::milliseconds>(
                std::chrono::seconds(1),
                accept_backoff_.count() == 0 ? std::chrono::milliseconds(10) : accept_backoff_ * 2);
            accept_retry_.expires_after(accept_backoff_);
            accept_retry_.async_wait([this](beast::error_code wait_ec) {
              if (!wait_ec && acceptor_.is_open()) DoAccept();
            });
            return;
          }
          accept_backoff_ = std::chrono::milliseconds(0);
          beast::error_code ep_ec;
          const auto remote = socket.remote_endpoint(ep_ec);
          std::string ip = ep_ec ? std::string() : remote.address().to_string();
          socket.set_option(tcp::no_delay(true), ep_ec);
          if (auto tls = CurrentTls()) {
            beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *tls);
            std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
                *this, std::move(stream), std::move(ip), std::move(tls))
                ->Start();
          } else {
            std::make_shared<Session<beast::tcp_stream>>(
                *this, beast::tcp_stream(std::move(socket)), std::move(ip))
                ->Start();
          }
          if (acceptor_.is_open()) DoAccept();
        });
  }

  ServerOptions options_;
  std::shared_ptr<const Router> router_;
  asio::io_context ioc_;
  asio::strand<asio::io_context::executor_type> accept_strand_;
  tcp::acceptor acceptor_;                                 // used on accept_strand_ only
  asio::steady_timer accept_retry_;                        // on accept_strand_
  std::chrono::milliseconds accept_backoff_{0};            // on accept_strand_
  std::chrono::steady_clock::time_point last_accept_log_;  // on accept_strand_
  std::int64_t accept_errors_ = 0;                         // on accept_strand_
  std::atomic<int> connections_{0};
  std::atomic<bool> accept_paused_{false};
  asio::thread_pool workers_;
  asio::thread_pool compute_;
  std::mutex tls_mutex_;
  std::shared_ptr<asio::ssl::context> ssl_;  // guarded by tls_mutex_ (replaced by ReloadTls)
  std::uint16_t port_ = 0;

  std::mutex stop_mutex_;
  std::atomic<bool> stopping_{false};
  std::thread stopper_;  // guarded by stop_mutex_ until Run joins it

  std::mutex in_flight_mutex_;
  std::condition_variable in_flight_cv_;
  int in_flight_ = 0;     // guarded by in_flight_mutex_
  int open_replies_ = 0;  // guarded by in_flight_mutex_
};

template <class Stream>
Session<Stream>::Session(ServerImpl& server, Stream stream, std::string remote_ip,
                         std::shared_ptr<asio::ssl::context> tls)
    : server_(server),
      tls_(std::move(tls)),
      stream_(std::move(stream)),
      remote_ip_(std::move(remote_ip)) {
  server_.ConnectionOpened();
}

template <class Stream>
Session<Stream>::~Session() {  // NOLINT(bugprone-exception-escape): see the declaration
  server_.ConnectionClosed();
}

template <class Stream>
void Session<Stream>::Start() {
  if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
    DoRead();
  } else {
    beast::get_lowest_layer(stream_).expires_after(server_.options().read_timeout);
    stream_.async_handshake(asio::ssl::stream_base::server,
                            [self = this->shared_from_this()](beast::error_code ec) {
                              if (ec) return self->Close();
                              self->DoRead();
                            });
  }
}

template <class Stream>
void Session<Stream>::DoRead() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(server_.options().max_header_bytes));
  parser_->body_limit(server_.options().max_body_bytes);
  beast::get_lowest_layer(stream_).expires_after(first_request_ ? server_.options().read_timeout
                                                                : server_.options().idle_timeout);
  ReadHeaderBytes();
}

template <class Stream>
void Session<Stream>::ReadHeaderBytes() {
  const auto data = buffer_.data();
  const std::string_view bytes(static_cast<const char*>(data.data()), data.size());
  const std::size_t end = bytes.find("\r\n\r\n");
  if (end != std::string_view::npos) {
    if (HasFoldedLine(bytes.substr(0, end + 2))) {
      return RejectFraming("a header field line starts with whitespace (obs-fold is not accepted)");
    }
    // The whole header block is here: parse it in place, without an asynchronous read whose
    // completion would go through the scheduler again.
    beast::error_code ec;
    buffer_.consume(parser_->put(buffer_.data(), ec));
    if (ec != bhttp::error::need_more && (ec || parser_->is_header_done())) return OnHeader(ec);
    // Not a header the parser could finish from these bytes (leading blank lines, say): let
    // the reader take it from here, as for any header.
    return bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code read_ec, std::size_t) {
          self->OnHeader(read_ec);
        });
  }
  if (bytes.size() > server_.options().max_header_bytes) {
    return OnRead(bhttp::error::header_limit, 0);
  }
  stream_.async_read_some(buffer_.prepare(4096),
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                            self->buffer_.commit(n);
                            if (ec) {
                              // Bytes of an unfinished header are not a request.
                              if (self->buffer_.size() > 0 && ec == asio::error::eof) {
                                return self->OnRead(bhttp::error::partial_message, 0);
                              }
                              return self->OnRead(ec, 0);
                            }
                            self->ReadHeaderBytes();
                          });
}

template <class Stream>
void Session<Stream>::OnHeader(beast::error_code ec) {
  if (ec) return OnRead(ec, 0);
  const auto& header = parser_->get();
  if (std::string why = FramingProblemOf(header.base(), header.version()); !why.empty()) {
    return RejectFraming(why);
  }
  // A body already in the buffer (a small request arrives in one segment) is parsed in place
  // too; only what has not arrived yet is read asynchronously.
  parser_->eager(true);
  while (!parser_->is_done() && buffer_.size() > 0) {
    const std::size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec == bhttp::error::need_more) {
      ec = {};
      break;
    }
    if (ec) return OnRead(ec, 0);
    if (used == 0) break;
  }
  if (parser_->is_done()) return OnRead({}, 0);
  bhttp::async_read(stream_, buffer_, *parser_,
                    beast::bind_front_handler(&Session::OnRead, this->shared_from_this()));
}

template <class Stream>
void Session<Stream>::RejectFraming(const std::string& why) {
  first_request_ = false;
  WriteRejected(
      ErrorResponse(ErrorCode::kInvalidArgument, "malformed HTTP request: " + why, NewRequestId()));
}

template <class Stream>
void Session<Stream>::WriteRejected(Response response) {
  // Refused before routing (limits, framing): still one access-log line and one count.
  if (const auto& on_complete = server_.options().on_complete) {
    Request request;
    if (parser_) {  // what the parser got of the start line, if anything
      request.method = std::string(parser_->get().method_string());
      request.target = std::string(parser_->get().target());
    }
    request.remote_ip = remote_ip_;
    for (const auto& [name, value] : response.headers) {
      if (name == "X-Request-Id") request.request_id = value;
    }
    on_complete(request, std::string(), response, std::chrono::steady_clock::duration::zero());
  }
  Write(std::move(response), false);
}

template <class Stream>
void Session<Stream>::OnRead(beast::error_code ec, std::size_t) {
  first_request_ = false;
  if (ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
      ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
    return Close();
  }
  const std::string request_id = NewRequestId();
  if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit) {
    Response r =
        ErrorResponse(ErrorCode::kPayloadTooLarge,
                      ec == bhttp::error::body_limit
                          ? "request body is larger than " +
                                std::to_string(server_.options().max_body_bytes) + " bytes"
                          : "request headers are larger than " +
                                std::to_string(server_.options().max_header_bytes) + " bytes",
                      request_id);
    return WriteRejected(std::move(r));
  }
  if (ec) {
    return WriteRejected(ErrorResponse(ErrorCode::kInvalidArgument,
                                       "malformed HTTP request: " + ec.message(), request_id));
  }
  auto message = parser_->release();
  const bool keep_alive = message.keep_alive() && !server_.stopping();
  auto request = std::make_shared<Request>();
  request->method = std::string(message.method_string());
  request->target = std::string(message.target());
  for (const auto& field : message) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    request->headers.emplace(std::move(name), std::string(field.value()));
  }
  request->body = std::move(message.body());
  request->remote_ip = remote_ip_;
  const std::string_view proxy_id = request->Header("x-request-id");
  request->request_id = UsableRequestId(proxy_id) ? std::string(proxy_id) : request_id;
  server_.BeginRequest();
  server_.Dispatch(request, [self = this->shared_from_this(), keep_alive](Response response) {
    asio::post(self->stream_.get_executor(),
               [self, response = std::move(response), keep_alive]() mutable {
                 self->Write(std::move(response), keep_alive);
                 self->server_.EndRequest();
               });
  });
}

template <class Stream>
void Session<Stream>::Write(Response response, bool keep_alive) {
  response_ = {};
  response_.version(11);
  response_.result(static_cast<unsigned>(response.status));
  response_.set(bhttp::field::server, "signetd");
  response_.set(bhttp::field::content_type, response.content_type);
  response_.set(bhttp::field::cache_control, "no-store");
  response_.set("X-Content-Type-Options", "nosniff");
  for (auto& [name, value] : response.headers) response_.set(name, value);
  response_.body() = std::move(response.body);
  response_.keep_alive(keep_alive);
  response_.prepare_payload();
  beast::get_lowest_layer(stream_).expires_after(server_.options().write_timeout);
  bhttp::async_write(
      stream_, response_,
      beast::bind_front_handler(&Session::OnWrite, this->shared_from_this(), keep_alive));
}

template <class Stream>
void Session<Stream>::OnWrite(bool keep_alive, beast::error_code ec, std::size_t) {
  if (ec || !keep_alive || server_.stopping()) return Close();
  DoRead();
}

template <class Stream>
void Session<Stream>::Close() {
  beast::error_code ec;
  if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  } else {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
    stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
      beast::error_code ignored;
      beast::get_lowest_layer(self->stream_).socket().close(ignored);
    });
  }
}

}  // namespace

Result<std::unique_ptr<Server>> Server::Create(ServerOptions options,
                                               std::shared_ptr<const Router> router) {
  auto server = std::make_unique<ServerImpl>(std::move(options), std::move(router));
  SIGNET_TRY(server->Init());
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace signet::http
