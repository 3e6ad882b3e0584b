#include "net/http_client.h"

#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace klyn::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

bool is_closed_error(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted;
}

}  // namespace

struct HttpClient::Impl {
  Impl(std::string h, uint16_t p, std::chrono::milliseconds t)
      : host(std::move(h)), port(p), timeout(t) {}

  // Runs the io_context until the operations started by `start` are complete.
  template <typename Start>
  void run(Start&& start) {
    ioc.restart();
    start();
    ioc.run();
  }

  Status connect();
  Result<Response> exchange(http::request<http::string_body>& req, bool head);
  void close();
  std::string where() const { return host + ":" + std::to_string(port); }

  std::string host;
  uint16_t port;
  std::chrono::milliseconds timeout;
  size_t max_body = 64 * 1024 * 1024;
  asio::io_context ioc{1};
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  uint64_t opened = 0;
};

Status HttpClient::Impl::connect() {
  close();
  beast::error_code ec;
  tcp::resolver::results_type endpoints;
  tcp::resolver resolver(ioc);
  asio::steady_timer timer(ioc);
  bool timed_out = false;
  run([&] {
    timer.expires_after(timeout);
    timer.async_wait([&](beast::error_code tec) {
      if (!tec) {
        timed_out = true;
        resolver.cancel();
      }
    });
    resolver.async_resolve(host, std::to_string(port),
                           [&](beast::error_code rec, tcp::resolver::results_type r) {
                             ec = rec;
                             endpoints = std::move(r);
                             timer.cancel();
                           });
  });
  if (timed_out) return make_error("timeout", "resolving " + host + " timed out");
  if (ec) return make_error("resolve_failed", "cannot resolve " + host + ": " + ec.message());

  stream.emplace(ioc);
  run([&] {
    stream->expires_after(timeout);
    stream->async_connect(endpoints,
                          [&](beast::error_code cec, const tcp::endpoint&) { ec = cec; });
  });
  if (ec) {
    stream.reset();
    if (ec == beast::error::timeout) {
      return make_error("timeout", "connecting to " + where() + " timed out");
    }
    return make_error("connect_failed", "cannot connect to " + where() + ": " + ec.message());
  }
  stream->socket().set_option(tcp::no_delay(true), ec);
  ++opened;
  return Status::success();
}

void HttpClient::Impl::close() {
  if (stream) {
    beast::error_code ec;
    stream->socket().shutdown(tcp::socket::shutdown_both, ec);
    stream->close();
    stream.reset();
  }
  buffer.clear();
}

Result<Response> HttpClient::Impl::exchange(http::request<http::string_body>& req, bool head) {
  beast::error_code ec;
  run([&] {
    stream->expires_after(timeout);
    http::async_write(*stream, req, [&](beast::error_code wec, std::size_t) { ec = wec; });
  });
  if (ec) {
    close();
    if (ec == beast::error::timeout) return make_error("timeout", "writing to " + where());
    if (is_closed_error(ec)) return make_error("connection_closed", ec.message());
    return make_error("io_error", "writing to " + where() + ": " + ec.message());
  }

  http::response_parser<http::string_body> parser;
  parser.body_limit(max_body);
  if (head) parser.skip(true);
  // Header first: Beast 1.74 does not apply body_limit to a Content-Length body that arrives in
  // the same read as the header, so the declared length is checked here.
  run([&] {
    stream->expires_after(timeout);
    http::async_read_header(*stream, buffer, parser,
                            [&](beast::error_code rec, std::size_t) { ec = rec; });
  });
  if (!ec) {
    if (auto len = parser.content_length(); len && *len > max_body && !head) {
      ec = http::error::body_limit;
    } else if (!parser.is_done()) {
      run([&] {
        stream->expires_after(timeout);
        http::async_read(*stream, buffer, parser,
                         [&](beast::error_code rec, std::size_t) { ec = rec; });
      });
    }
  }
  if (ec) {
    close();
    if (ec == beast::error::timeout) return make_error("timeout", "reading from " + where());
    if (is_closed_error(ec)) return make_error("connection_closed", ec.message());
    if (ec == http::error::body_limit) {
      return make_error("body_too_large", "response body exceeds " + std::to_string(max_body));
    }
    if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
      return make_error("bad_response", "malformed HTTP response: " + ec.message());
    }
    return make_error("io_error", "reading from " + where() + ": " + ec.message());
  }
  auto msg = parser.release();
  Response resp;
  resp.status = msg.result_int();
  resp.content_type.clear();
  for (const auto& field : msg) {
    resp.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    if (field.name() == http::field::content_type) resp.content_type = std::string(field.value());
  }
  resp.body = std::move(msg.body());
  if (!msg.keep_alive()) close();
  return resp;
}

HttpClient::HttpClient(std::string host, uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(std::move(host), port, timeout)) {}

HttpClient::~HttpClient() {
  impl_->close();
}

Result<Response> HttpClient::request(Method method, std::string_view target, std::string body,
                                     std::string_view content_type, const HeaderList& headers) {
  return request(method_name(method), target, std::move(body), content_type, headers);
}

Result<Response> HttpClient::request(std::string_view method, std::string_view target,
                                     std::string body, std::string_view content_type,
                                     const HeaderList& headers) {
  Impl& s = *impl_;
  http::request<http::string_body> req;
  req.version(11);
  const http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) {
    req.method_string(method);
  } else {
    req.method(verb);
  }
  req.target(target);
  req.set(http::field::host, s.host + ":" + std::to_string(s.port));
  req.set(http::field::user_agent, "klyntar-net");
  if (!body.empty() && !content_type.empty()) req.set(http::field::content_type, content_type);
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = std::move(body);
  req.prepare_payload();
  req.keep_alive(true);
  const bool head = verb == http::verb::head;

  const bool reused = s.stream.has_value();
  if (!reused) KLYN_TRY(s.connect());
  auto result = s.exchange(req, head);
  if (!result && reused && result.error().code == "connection_closed") {
    // The server closed the idle keep-alive connection: one fresh attempt.
    KLYN_TRY(s.connect());
    result = s.exchange(req, head);
  }
  return result;
}

void HttpClient::close() {
  impl_->close();
}
bool HttpClient::connected() const {
  return impl_->stream.has_value();
}
uint64_t HttpClient::connections_opened() const {
  return impl_->opened;
}
void HttpClient::set_max_body_bytes(size_t n) {
  impl_->max_body = n;
}

}  // namespace klyn::net
