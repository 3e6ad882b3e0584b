#pragma once
// HttpServer: the node's HTTP/1.1 server (Boost.Beast on Asio), serving a Router.
//
// Contract
// * Threading: `threads` I/O threads, each running its own event loop; an accepted connection
//   stays on one thread for its lifetime, so a handler for one connection never runs
//   concurrently with another handler for the same connection, but handlers for different
//   connections do run concurrently. Handlers are synchronous: a slow handler stalls every
//   connection of its thread.
// * Lifecycle: construct, register routes (router() or the constructor), start() once, stop()
//   (or destroy). Routes must not change after start(). start(), stop(), port() and stats() may
//   be called from any thread except a server I/O thread (stop() joins them); stats() may also be
//   called from handlers.
// * Limits and timeouts (ServerOptions): the whole request header must arrive within
//   header_timeout (slowloris defence), the body within body_timeout, a response must be written
//   within body_timeout, and a keep-alive connection with no new request for idle_timeout is
//   closed. A timed-out connection is closed without a response. Beyond max_connections a new
//   connection gets a canned 503 and is closed at once.
// * Errors are JSON `{"error": code, "reason": text}`: 400 bad_request (then close), 404
//   not_found, 405 method_not_allowed, 413 body_too_large (the body is not read; then close),
//   431 header_too_large (then close), 500 internal (handler threw; logged; the server goes on).
// * Every response carries Content-Length; connections are kept alive per HTTP/1.1 rules
//   (HTTP/1.0 only with "Connection: keep-alive").

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"
#include "net/router.h"

namespace spdlog {
class logger;
}

namespace klyn::net {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;     // 0 = ephemeral; read the bound port with HttpServer::port()
  unsigned threads = 0;  // 0 = std::thread::hardware_concurrency()
  size_t max_body_bytes = 8 * 1024 * 1024;
  size_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds header_timeout{5000};  // whole header must arrive within this
  std::chrono::milliseconds body_timeout{30000};   // whole body (and each response write)
  std::chrono::milliseconds idle_timeout{60000};   // keep-alive idle
  size_t max_connections = 4096;
  // stop(): how long requests already being read/handled/written may take to finish.
  std::chrono::milliseconds shutdown_grace{1000};
  // Access lines at debug level, problems at warn/error. nullptr = log nothing.
  std::shared_ptr<spdlog::logger> logger;
};

// A snapshot of the server's counters (each read atomically; the set is not one atomic view).
struct ServerStats {
  uint64_t requests = 0;  // responses queued for writing, including the server's own errors
  uint64_t responses_1xx = 0;
  uint64_t responses_2xx = 0;
  uint64_t responses_3xx = 0;
  uint64_t responses_4xx = 0;
  uint64_t responses_5xx = 0;
  uint64_t open_connections = 0;
  uint64_t accepted_connections = 0;  // total since start, including refused ones
  uint64_t refused_connections = 0;   // over max_connections
  uint64_t timeouts = 0;              // connections closed by header/body/idle/write timeout
  uint64_t bytes_in = 0;              // request bytes consumed by the parser
  uint64_t bytes_out = 0;             // response bytes written
};

class HttpServer {
 public:
  explicit HttpServer(ServerOptions options, Router router = Router());
  ~HttpServer();  // stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Routes may be added here only before start().
  Router& router();

  // Binds, listens and starts the I/O threads. Errors: "bind_failed" (address in use, permission,
  // address not local), "bad_address" (not an IP address), "already_started".
  Status start();

  // The bound port (after a successful start()), else 0.
  uint16_t port() const;

  // Stops accepting, closes idle connections, gives in-flight requests up to shutdown_grace to
  // finish (their responses carry "Connection: close"), closes the rest and joins the threads.
  // Idempotent. Must not be called from a handler.
  void stop();

  ServerStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace klyn::net
