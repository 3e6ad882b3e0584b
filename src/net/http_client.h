#pragma once
// HttpClient: a small synchronous HTTP/1.1 client for the CLI, tests, benchmarks and peer calls.
//
// Contract
// * One object = one server (host, port) and at most one open TCP connection, kept alive across
//   requests. Not thread-safe: use one client per thread.
// * Every phase (resolve, connect, write, read) is bounded by `timeout`; nothing blocks longer.
// * If a reused keep-alive connection turns out to be closed by the server (EOF or reset before
//   any response byte), the request is retried once on a fresh connection. Note that this can
//   send a non-idempotent request twice only if the server closed the connection after reading
//   it without answering.
// * Errors are values with codes: "resolve_failed", "connect_failed", "timeout",
//   "connection_closed", "io_error", "bad_response", "body_too_large". An HTTP error status
//   (4xx/5xx) is not an Error: it is a Response with that status.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "net/http_types.h"

namespace klyn::net {

class HttpClient {
 public:
  HttpClient(std::string host, uint16_t port,
             std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request and waits for the whole response. `target` is the request-target
  // ("/path?query"); `content_type` is sent only with a non-empty body. `headers` are extra
  // request headers.
  Result<Response> request(Method method, std::string_view target, std::string body = "",
                           std::string_view content_type = "application/json",
                           const HeaderList& headers = {});
  // Same, with the method as text ("GET", or any token).
  Result<Response> request(std::string_view method, std::string_view target, std::string body = "",
                           std::string_view content_type = "application/json",
                           const HeaderList& headers = {});

  Result<Response> get(std::string_view target) { return request(Method::kGet, target); }
  Result<Response> post(std::string_view target, std::string body,
                        std::string_view content_type = "application/json") {
    return request(Method::kPost, target, std::move(body), content_type);
  }

  // Closes the connection (the next request reconnects).
  void close();
  bool connected() const;
  // Number of TCP connections opened so far.
  uint64_t connections_opened() const;
  // Largest response body accepted (default 64 MiB).
  void set_max_body_bytes(size_t n);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace klyn::net
