#include "net/http_server.h"

#include <future>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "net/detail/http_session.h"
#include "net/detail/server_core.h"

namespace klyn::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace detail {

namespace {
std::shared_ptr<spdlog::logger> null_logger() {
  auto log = std::make_shared<spdlog::logger>("klyn.net.null");  // no sinks: writes nothing
  log->set_level(spdlog::level::off);
  return log;
}
}  // namespace

ServerCore::ServerCore(ServerOptions opts, Router r)
    : options(std::move(opts)), router(std::move(r)) {
  log = options.logger ? options.logger : null_logger();
}

void ServerCore::register_session(const std::shared_ptr<Session>& s) {
  std::lock_guard lock(sessions_mu_);
  sessions_.emplace(s.get(), s);
}

void ServerCore::unregister_session(Session* s) {
  std::lock_guard lock(sessions_mu_);
  sessions_.erase(s);
}

std::vector<std::shared_ptr<Session>> ServerCore::live_sessions() {
  std::vector<std::shared_ptr<Session>> out;
  std::lock_guard lock(sessions_mu_);
  out.reserve(sessions_.size());
  for (auto& [ptr, weak] : sessions_) {
    if (auto s = weak.lock()) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace detail

namespace {

// Sent (best effort, without blocking) to a connection over max_connections.
const std::string& refusal_message() {
  static const std::string msg = [] {
    const std::string body =
        R"({"error":"too_many_connections","reason":"server connection limit reached"})";
    return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
           "Connection: close\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }();
  return msg;
}

struct Worker {
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard{ioc.get_executor()};
  std::thread thread;
};

}  // namespace

struct HttpServer::Impl {
  explicit Impl(ServerOptions o, Router r)
      : core(std::make_unique<detail::ServerCore>(std::move(o), std::move(r))) {}

  void do_accept();
  void on_accept(boost::system::error_code ec, tcp::socket socket);
  void refuse(tcp::socket& socket);

  std::unique_ptr<detail::ServerCore> core;
  std::vector<std::unique_ptr<Worker>> workers;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<asio::steady_timer> accept_retry;
  std::atomic<uint16_t> bound_port{0};
  size_t next_worker = 0;  // acceptor thread only
  std::mutex lifecycle_mu;
  bool started = false;
  bool stopped = false;
};

void HttpServer::Impl::do_accept() {
  auto& target = workers[next_worker++ % workers.size()]->ioc;
  acceptor->async_accept(target, [this](boost::system::error_code ec, tcp::socket socket) {
    on_accept(ec, std::move(socket));
  });
}

void HttpServer::Impl::on_accept(boost::system::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
  if (ec) {
    // Typically EMFILE/ENFILE: back off briefly instead of spinning on the error.
    core->log->warn("accept failed: {}", ec.message());
    accept_retry->expires_after(std::chrono::milliseconds(50));
    accept_retry->async_wait([this](boost::system::error_code tec) {
      if (!tec && acceptor->is_open()) do_accept();
    });
    return;
  }
  auto& c = core->counters;
  c.accepted_connections.fetch_add(1, std::memory_order_relaxed);
  if (core->stopping.load()) {
    boost::system::error_code ignored;
    socket.close(ignored);
    return;
  }
  if (c.open_connections.load(std::memory_order_relaxed) >= core->options.max_connections) {
    c.refused_connections.fetch_add(1, std::memory_order_relaxed);
    refuse(socket);
  } else {
    // Only this (acceptor) thread increments, so the limit cannot be overshot.
    c.open_connections.fetch_add(1, std::memory_order_relaxed);
    auto session = std::make_shared<detail::Session>(*core, std::move(socket));
    core->register_session(session);
    session->start();
  }
  do_accept();
}

void HttpServer::Impl::refuse(tcp::socket& socket) {
  boost::system::error_code ec;
  socket.non_blocking(true, ec);
  if (!ec) socket.write_some(asio::buffer(refusal_message()), ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
  core->log->warn("refused a connection: {} connections open (max_connections)",
                  core->counters.open_connections.load());
}

HttpServer::HttpServer(ServerOptions options, Router router)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(router))) {}

HttpServer::~HttpServer() {
  stop();
}

Router& HttpServer::router() {
  return impl_->core->router;
}

Status HttpServer::start() {
  Impl& s = *impl_;
  std::lock_guard lock(s.lifecycle_mu);
  if (s.started) return make_error("already_started", "HttpServer::start() called twice");
  const ServerOptions& opt = s.core->options;

  boost::system::error_code ec;
  auto address = asio::ip::make_address(opt.address, ec);
  if (ec) return make_error("bad_address", "'" + opt.address + "' is not an IP address");

  unsigned n = opt.threads ? opt.threads : std::thread::hardware_concurrency();
  if (n == 0) n = 1;
  for (unsigned i = 0; i < n; ++i) s.workers.push_back(std::make_unique<Worker>());

  const tcp::endpoint endpoint(address, opt.port);
  auto where = [&] { return opt.address + ":" + std::to_string(opt.port); };
  s.acceptor = std::make_unique<tcp::acceptor>(s.workers[0]->ioc);
  s.accept_retry = std::make_unique<asio::steady_timer>(s.workers[0]->ioc);
  auto fail = [&](std::string what) {
    s.acceptor.reset();
    s.accept_retry.reset();
    s.workers.clear();
    return make_error("bind_failed", "cannot " + what + " " + where() + ": " + ec.message());
  };
  s.acceptor->open(endpoint.protocol(), ec);
  if (ec) return fail("open a socket for");
  s.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return fail("set SO_REUSEADDR on");
  s.acceptor->bind(endpoint, ec);
  if (ec) return fail("bind");
  s.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen on");
  s.bound_port = s.acceptor->local_endpoint(ec).port();

  s.started = true;
  s.do_accept();
  for (auto& w : s.workers) {
    Worker* worker = w.get();
    detail::ServerCore* core = s.core.get();
    worker->thread = std::thread([worker, core] {
      for (;;) {
        try {
          worker->ioc.run();
          return;
        } catch (const std::exception& e) {
          core->log->error("I/O thread caught: {}", e.what());
        }
      }
    });
  }
  s.core->log->info("HTTP server listening on {}:{} with {} threads", opt.address,
                    s.bound_port.load(), n);
  return Status::success();
}

uint16_t HttpServer::port() const {
  return impl_->bound_port.load();
}

void HttpServer::stop() {
  Impl& s = *impl_;
  std::lock_guard lock(s.lifecycle_mu);
  if (!s.started || s.stopped) return;
  s.stopped = true;
  s.core->stopping.store(true);

  // 1. Stop accepting (on the acceptor's thread, which owns it).
  std::promise<void> closed;
  asio::post(s.workers[0]->ioc, [&s, &closed] {
    boost::system::error_code ec;
    s.acceptor->close(ec);
    s.accept_retry->cancel();
    closed.set_value();
  });
  closed.get_future().wait_for(s.core->options.shutdown_grace);

  // 2. Idle connections close now; in-flight ones after their response.
  for (auto& session : s.core->live_sessions()) session->request_shutdown();
  const auto deadline = std::chrono::steady_clock::now() + s.core->options.shutdown_grace;
  while (s.core->counters.open_connections.load() > 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }

  // 3. Whatever is left is dropped with the event loops.
  for (auto& w : s.workers) {
    w->guard.reset();
    w->ioc.stop();
  }
  for (auto& w : s.workers) {
    if (w->thread.joinable()) w->thread.join();
  }
  s.acceptor.reset();
  s.accept_retry.reset();
  s.workers.clear();  // destroys pending handlers, hence the remaining sessions
  s.core->log->info("HTTP server on port {} stopped", s.bound_port.load());
}

ServerStats HttpServer::stats() const {
  const auto& c = impl_->core->counters;
  auto get = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  ServerStats st;
  st.requests = get(c.requests);
  st.responses_1xx = get(c.by_class[0]);
  st.responses_2xx = get(c.by_class[1]);
  st.responses_3xx = get(c.by_class[2]);
  st.responses_4xx = get(c.by_class[3]);
  st.responses_5xx = get(c.by_class[4]);
  st.open_connections = get(c.open_connections);
  st.accepted_connections = get(c.accepted_connections);
  st.refused_connections = get(c.refused_connections);
  st.timeouts = get(c.timeouts);
  st.bytes_in = get(c.bytes_in);
  st.bytes_out = get(c.bytes_out);
  return st;
}

}  // namespace klyn::net
