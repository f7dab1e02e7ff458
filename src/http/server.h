#pragma once
// The HTTP/1.1 server of signetd: Boost.Beast on one io_context run by N threads, a strand per
// connection, handlers on separate pools (never on I/O threads): async handlers — the sign
// route, CPU-bound crypto that never waits for a commit — on a compute pool sized to the
// cores, the others (which may wait for the database) on the worker pool. Timeouts on every
// read and write, header and body limits, a connection cap, backoff when accepting fails
// (out of file descriptors), strict RFC 9112 message framing (no obs-fold, no transfer coding
// but a final "chunked", never both Transfer-Encoding and Content-Length: such requests get a
// 400 and the connection is closed, so nothing can be smuggled behind a proxy), optional TLS
// (>= 1.2), graceful stop.
// Beast and Asio stay in server.cc; this header is plain C++.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "http/router.h"

namespace signet::http {

struct TlsFiles {
  std::string certificate_chain_path;  // PEM: leaf first, then intermediates
  std::string private_key_path;        // PEM
};

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 picks a free port; see Server::port()
  int io_threads = 1;
  int worker_threads = 2;   // run Handler routes
  int compute_threads = 1;  // run AsyncHandler routes
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  std::chrono::seconds read_timeout{30};  // whole request, headers and body
  std::chrono::seconds write_timeout{30};
  std::chrono::seconds idle_timeout{60};  // keep-alive between requests
  // Connections served at once (0: no cap). At the cap the server stops accepting until one
  // closes; new clients wait in the kernel's listen queue.
  int max_connections = 0;
  std::optional<TlsFiles> tls;
  bool allow_insecure_http = false;  // plain HTTP on a non-loopback address
  // Called after each request, with the matched route pattern (empty when none matched), on
  // whichever thread produced the response; for metrics and access logs. Must be
  // thread-safe and quick.
  std::function<void(const Request&, const std::string& pattern, const Response&,
                     std::chrono::steady_clock::duration)>
      on_complete;
};

class Server {
 public:
  // Binds the listening socket (so port() is known before Run) and loads TLS material.
  // Refuses plain HTTP on a non-loopback address unless allow_insecure_http.
  static Result<std::unique_ptr<Server>> Create(ServerOptions options,
                                                std::shared_ptr<const Router> router);
  virtual ~Server() = default;

  virtual std::uint16_t port() const = 0;
  // Serves until Stop(); blocks the calling thread (which becomes one of the I/O threads).
  virtual void Run() = 0;
  // Thread-safe and async-signal-unsafe: call from a normal thread (e.g. an asio signal_set
  // handler). Stops accepting, lets in-flight requests finish (up to `grace`), then makes Run
  // return.
  virtual void Stop(std::chrono::milliseconds grace = std::chrono::seconds(10)) = 0;
  // Loads the certificate chain and key again from the files given at Create (TLS only).
  // New connections use the new pair, open ones keep theirs. On any error (unreadable file,
  // not PEM, a key that does not match the certificate) the pair in use stays and the error
  // names the file. Thread-safe.
  [[nodiscard]] virtual Status ReloadTls() = 0;
  // True when, within `timeout`, a probe posted to the I/O loop and one posted to the worker
  // pool both ran: the server serves. False before Run and once stopped. Thread-safe; for the
  // systemd watchdog.
  [[nodiscard]] virtual bool Alive(std::chrono::milliseconds timeout) = 0;

  struct SignalHooks {
    // Called once the signal handling is in place, before serving: announce readiness here,
    // so that a SIGTERM right after the announcement is handled (a graceful stop).
    std::function<void()> ready;
    // SIGHUP, called on the worker pool (one at a time): reload what can be reloaded.
    std::function<void()> reload;
  };
  // Sets up the handling of SIGINT and SIGTERM (graceful stop) and SIGHUP (hooks.reload; ignored
  // without one), calls hooks.ready, then serves until a stop signal or Stop(). Returns when
  // stopped.
  virtual void RunUntilSignalled(SignalHooks hooks) = 0;
};

}  // namespace signet::http
