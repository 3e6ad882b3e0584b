#include "net/detail/http_session.h"

#include <algorithm>

#include <spdlog/logger.h>
#include <boost/asio/post.hpp>

#include "net/detail/ascii.h"
#include "net/detail/server_core.h"
#include "net/url.h"

namespace klyn::net::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kIdleReadSize = 8192;
constexpr std::size_t kLingerMaxBytes = 1 << 20;
constexpr std::chrono::milliseconds kLingerTime{500};

Method from_verb(http::verb v) {
  switch (v) {
    case http::verb::get:
      return Method::kGet;
    case http::verb::head:
      return Method::kHead;
    case http::verb::post:
      return Method::kPost;
    case http::verb::put:
      return Method::kPut;
    case http::verb::delete_:
      return Method::kDelete;
    case http::verb::patch:
      return Method::kPatch;
    case http::verb::options:
      return Method::kOptions;
    default:
      return Method::kOther;
  }
}

bool is_http_error(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category();
}

bool header_safe(std::string_view s) {
  return s.find_first_of("\r\n") == std::string_view::npos;
}

}  // namespace

Session::Session(ServerCore& core, tcp::socket socket) : core_(core), stream_(std::move(socket)) {
  beast::error_code ec;
  stream_.socket().set_option(tcp::no_delay(true), ec);
  auto ep = stream_.socket().remote_endpoint(ec);
  if (!ec) {
    remote_address_ = ep.address().to_string();
    remote_port_ = ep.port();
  }
}

Session::~Session() {
  core_.unregister_session(this);
  core_.counters.open_connections.fetch_sub(1, std::memory_order_relaxed);
}

void Session::start() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    if (self->core_.stopping.load()) return self->close();
    self->read_header();  // the first request gets header_timeout from the accept on
  });
}

void Session::request_shutdown() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] { self->do_shutdown(); });
}

void Session::do_shutdown() {
  stopping_ = true;
  if (phase_ == Phase::kIdle || phase_ == Phase::kHeader) close();
  // kBody / kWriting: the response will carry "Connection: close"; kClosing ends by itself.
}

void Session::wait_for_next_request() {
  if (stopping_) return close();
  if (buffer_.size() > 0) return read_header();  // pipelined request already buffered
  phase_ = Phase::kIdle;
  stream_.expires_after(core_.options.idle_timeout);
  stream_.async_read_some(buffer_.prepare(kIdleReadSize),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            self->on_idle_read(ec, n);
                          });
}

void Session::on_idle_read(beast::error_code ec, std::size_t n) {
  if (ec) return on_read_error(ec);
  buffer_.commit(n);
  read_header();
}

void Session::read_header() {
  phase_ = Phase::kHeader;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(core_.options.max_header_bytes, UINT32_MAX)));
  parser_->body_limit(core_.options.max_body_bytes);
  stream_.expires_after(core_.options.header_timeout);
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_header(ec, n); });
}

void Session::on_header(beast::error_code ec, std::size_t n) {
  core_.counters.bytes_in.fetch_add(n, std::memory_order_relaxed);
  if (ec) return on_read_error(ec);
  if (core_.log->should_log(spdlog::level::debug))
    request_start_ = std::chrono::steady_clock::now();
  const auto& msg = parser_->get();
  version_ = msg.version() == 10 ? 10 : 11;
  if (auto len = parser_->content_length(); len && *len > core_.options.max_body_bytes) {
    return send_error(413, "body_too_large",
                      "request body of " + std::to_string(*len) + " bytes exceeds the limit of " +
                          std::to_string(core_.options.max_body_bytes));
  }
  if (parser_->is_done()) return handle_request();
  auto expect = msg.find(http::field::expect);
  if (expect != msg.end() && iequals(expect->value(), "100-continue")) {
    phase_ = Phase::kWriting;
    continue_res_ = {};
    continue_res_.version(11);
    continue_res_.result(http::status::continue_);
    stream_.expires_after(core_.options.body_timeout);
    http::async_write(stream_, continue_res_,
                      [self = shared_from_this()](beast::error_code wec, std::size_t wn) {
                        self->core_.counters.bytes_out.fetch_add(wn, std::memory_order_relaxed);
                        if (wec) return self->on_read_error(wec);
                        self->read_body();
                      });
    return;
  }
  read_body();
}

void Session::read_body() {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kBody;
  stream_.expires_after(core_.options.body_timeout);
  http::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_body(ec, n); });
}

void Session::on_body(beast::error_code ec, std::size_t n) {
  core_.counters.bytes_in.fetch_add(n, std::memory_order_relaxed);
  if (ec) return on_read_error(ec);
  handle_request();
}

void Session::on_read_error(beast::error_code ec) {
  if (ec == beast::error::timeout) {
    core_.counters.timeouts.fetch_add(1, std::memory_order_relaxed);
    core_.log->debug("{}:{} closed: timeout while {}", remote_address_, remote_port_,
                     phase_ == Phase::kIdle     ? "idle"
                     : phase_ == Phase::kHeader ? "reading header"
                     : phase_ == Phase::kBody   ? "reading body"
                                                : "writing");
    return close();
  }
  if (phase_ == Phase::kClosed || phase_ == Phase::kClosing) return;
  if (ec == http::error::header_limit) {
    return send_error(431, "header_too_large",
                      "request header exceeds the limit of " +
                          std::to_string(core_.options.max_header_bytes) + " bytes");
  }
  if (ec == http::error::body_limit) {
    return send_error(413, "body_too_large",
                      "request body exceeds the limit of " +
                          std::to_string(core_.options.max_body_bytes) + " bytes");
  }
  // A client that went away (end_of_stream, partial_message, reset) gets no answer.
  if (is_http_error(ec) && ec != http::error::end_of_stream && ec != http::error::partial_message) {
    core_.log->debug("{}:{} bad request: {}", remote_address_, remote_port_, ec.message());
    return send_error(400, "bad_request", "malformed HTTP request: " + ec.message());
  }
  close();
}

void Session::handle_request() {
  phase_ = Phase::kHandling;
  http::request<Body> msg = parser_->release();
  parser_.reset();

  Request req;
  req.method = from_verb(msg.method());
  req.method_text = std::string(msg.method_string());
  req.target = std::string(msg.target());
  req.version = version_;
  req.remote_address = remote_address_;
  req.remote_port = remote_port_;
  req.headers.reserve(8);
  for (const auto& field : msg) {
    req.headers.emplace_back(lower(field.name_string()), std::string(field.value()));
  }
  req.body = std::move(msg.body());
  const bool keep_alive = msg.keep_alive() && !stopping_ && !core_.stopping.load();
  const bool head = req.method == Method::kHead;

  // WebSocket upgrade would hook in here (see the header comment).

  if (req.target.empty() || req.target.front() != '/') {
    return send(Response::error(400, "bad_request", "request-target must be an absolute path"),
                keep_alive, head);
  }
  auto [path, query] = split_target(req.target);
  req.path = std::string(path);
  if (Status st = parse_query(query, req.query_params); !st) {
    return send(Response::error(400, "bad_request", st.error().reason), keep_alive, head);
  }

  Response resp;
  try {
    resp = core_.router.dispatch(req);
  } catch (const std::exception& e) {
    core_.log->error("handler for {} {} threw: {}", req.method_text, req.path, e.what());
    resp = Response::error(500, "internal", "internal error while handling the request");
  } catch (...) {
    core_.log->error("handler for {} {} threw a non-standard exception", req.method_text, req.path);
    resp = Response::error(500, "internal", "internal error while handling the request");
  }
  if (resp.status < 200 || resp.status > 599) {
    core_.log->error("handler for {} {} returned invalid status {}", req.method_text, req.path,
                     resp.status);
    resp = Response::error(500, "internal", "handler returned an invalid status");
  }
  if (core_.log->should_log(spdlog::level::debug)) {
    log_line_ =
        fmt::format("{}:{} {} {}", remote_address_, remote_port_, req.method_text, req.target);
  }
  send(std::move(resp), keep_alive, head);
}

void Session::send_error(unsigned status, std::string_view code, std::string_view reason) {
  if (core_.log->should_log(spdlog::level::debug)) {
    log_line_ = fmt::format("{}:{} (rejected)", remote_address_, remote_port_);
  }
  send(Response::error(status, code, reason), /*keep_alive=*/false, /*head_only=*/false);
}

void Session::send(Response resp, bool keep_alive, bool head_only) {
  res_ = {};
  res_.version(version_);
  res_.result(resp.status);
  res_.set(http::field::content_type, resp.content_type);
  for (auto& [name, value] : resp.headers) {
    if (name.empty() || !header_safe(name) || !header_safe(value)) continue;
    res_.set(name, value);
  }
  res_.keep_alive(keep_alive);
  if (resp.status == 204 || resp.status == 304) {
    res_.body().clear();
  } else if (head_only) {
    res_.content_length(resp.body.size());  // announce the GET length, send no body
  } else {
    res_.content_length(resp.body.size());
    res_.body() = std::move(resp.body);
  }
  close_after_write_ = !keep_alive;
  // Counted when queued, so a client that has its answer also sees it in stats().
  core_.counters.count_response(resp.status);
  phase_ = Phase::kWriting;
  stream_.expires_after(core_.options.body_timeout);
  http::async_write(
      stream_, res_,
      [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_write(ec, n); });
}

void Session::on_write(beast::error_code ec, std::size_t n) {
  core_.counters.bytes_out.fetch_add(n, std::memory_order_relaxed);
  if (ec) {
    if (ec == beast::error::timeout) core_.counters.timeouts.fetch_add(1);
    return close();
  }
  const unsigned status = res_.result_int();
  if (core_.log->should_log(spdlog::level::debug)) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::steady_clock::now() - request_start_)
                  .count();
    core_.log->debug("{} -> {} {}B {}us", log_line_, status, n, us);
  }
  res_ = {};  // release the body now, not at the next response
  if (close_after_write_ || stopping_) return linger_close();
  wait_for_next_request();
}

// Half-close, then read and discard what the client still sends (for a bounded time and size)
// before closing, so an unread request body does not turn our close into a reset that destroys
// the error response on its way to the client.
void Session::linger_close() {
  phase_ = Phase::kClosing;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return close();
  buffer_.consume(buffer_.size());
  lingered_bytes_ = 0;
  stream_.expires_after(kLingerTime);
  stream_.async_read_some(buffer_.prepare(kIdleReadSize),
                          [self = shared_from_this()](beast::error_code rec, std::size_t n) {
                            self->on_linger_read(rec, n);
                          });
}

void Session::on_linger_read(beast::error_code ec, std::size_t n) {
  lingered_bytes_ += n;
  if (ec || lingered_bytes_ > kLingerMaxBytes) return close();
  stream_.async_read_some(buffer_.prepare(kIdleReadSize),
                          [self = shared_from_this()](beast::error_code rec, std::size_t m) {
                            self->on_linger_read(rec, m);
                          });
}

void Session::close() {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kClosed;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.close();
}

}  // namespace klyn::net::detail
