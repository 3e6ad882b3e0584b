#pragma once
// One accepted HTTP/1.1 connection (internal to src/net).
//
// A Session lives on one I/O thread (its socket's io_context is run by exactly one thread), so
// its members need no locking; other threads reach it only through asio::post (see
// request_shutdown). It keeps itself alive through shared_from_this() in its pending handlers
// and dies when the last operation completes without starting another one.
//
// Per request: [idle wait: first byte within idle_timeout] -> header within header_timeout ->
// [413 if Content-Length is over the limit] -> [100 Continue] -> body within body_timeout ->
// route -> write within body_timeout -> next request, or a lingering close.
//
// WebSocket upgrade point: in handle_request(), a request for which
// boost::beast::websocket::is_upgrade(msg) holds (and whose path a WS route claims) would hand
// `stream_` (release_socket()) and the parsed request to a websocket session instead of routing
// it; nothing else in the read/write cycle has to change.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "net/http_types.h"

namespace klyn::net::detail {

struct ServerCore;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(ServerCore& core, boost::asio::ip::tcp::socket socket);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Begins reading the first request (posts onto the session's executor).
  void start();
  // Thread-safe: asks the session to finish its current request and close; idle sessions and
  // sessions still receiving a header close at once.
  void request_shutdown();

 private:
  enum class Phase { kIdle, kHeader, kBody, kHandling, kWriting, kClosing, kClosed };
  using Body = boost::beast::http::string_body;

  void wait_for_next_request();
  void on_idle_read(boost::beast::error_code ec, std::size_t n);
  void read_header();
  void on_header(boost::beast::error_code ec, std::size_t n);
  void read_body();
  void on_body(boost::beast::error_code ec, std::size_t n);
  void on_read_error(boost::beast::error_code ec);
  void handle_request();
  void send(Response resp, bool keep_alive, bool head_only);
  void send_error(unsigned status, std::string_view code, std::string_view reason);
  void on_write(boost::beast::error_code ec, std::size_t n);
  void linger_close();
  void on_linger_read(boost::beast::error_code ec, std::size_t n);
  void close();
  void do_shutdown();

  ServerCore& core_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<Body>> parser_;
  boost::beast::http::response<Body> res_;
  boost::beast::http::response<boost::beast::http::empty_body> continue_res_;
  Phase phase_ = Phase::kHeader;
  bool stopping_ = false;
  bool close_after_write_ = false;
  unsigned version_ = 11;
  std::string remote_address_;
  uint16_t remote_port_ = 0;
  std::size_t lingered_bytes_ = 0;
  // Access log bits of the request being served (only filled when debug logging is on).
  std::chrono::steady_clock::time_point request_start_;
  std::string log_line_;
};

}  // namespace klyn::net::detail
