// Timeouts, connection limits and shutdown of HttpServer, with deliberately bad clients.

#include <memory>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "net/http_client.h"
#include "net/http_server.h"
#include "net/tests/test_routes.h"
#include "net/tests/test_support.h"

namespace klyn::net {
namespace {

using namespace std::chrono_literals;
using test::Clock;
using test::RawConn;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

TEST(HttpLimits, SlowlorisIsCutAtHeaderTimeoutWhileOthersAreServed) {
  ServerOptions opt;
  opt.header_timeout = 1000ms;
  auto server = test::start_server(opt);

  RawConn slow(server->port());
  ASSERT_TRUE(slow.connected());
  const std::string header =
      "GET /n/1 HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
  const auto start = Clock::now();
  HttpClient normal("127.0.0.1", server->port(), 3s);
  size_t sent = 0;
  int served = 0;
  // One byte every 200 ms: the whole header would take ~13 s; it must be cut after ~1 s.
  for (int i = 0; i < 40 && sent < header.size() && seconds_since(start) < 5; ++i) {
    if (!slow.send(header.substr(sent, 1))) break;
    ++sent;
    auto r = normal.get("/n/" + std::to_string(i));
    if (r.ok() && r->body == std::to_string(i)) ++served;
    slow.recv_some(200ms);
    if (slow.closed()) break;
  }
  const double elapsed = seconds_since(start);
  EXPECT_TRUE(slow.closed());
  EXPECT_LT(sent, header.size());
  EXPECT_GE(elapsed, 0.8);
  EXPECT_LT(elapsed, 2.5);
  EXPECT_GE(served, 3);
  EXPECT_TRUE(test::wait_until([&] { return server->stats().timeouts >= 1; }));
}

TEST(HttpLimits, StalledBodyIsCutAtBodyTimeout) {
  ServerOptions opt;
  opt.body_timeout = 800ms;
  auto server = test::start_server(opt);
  RawConn raw(server->port());
  const auto start = Clock::now();
  ASSERT_TRUE(raw.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789"));
  auto got = raw.read_until_closed(3s);
  const double elapsed = seconds_since(start);
  EXPECT_TRUE(raw.closed());
  EXPECT_EQ(got, "");  // no response to a timed-out request
  EXPECT_GE(elapsed, 0.6);
  EXPECT_LT(elapsed, 2.0);
}

TEST(HttpLimits, IdleKeepAliveConnectionIsClosed) {
  ServerOptions opt;
  opt.idle_timeout = 400ms;
  opt.header_timeout = 5000ms;
  auto server = test::start_server(opt);
  RawConn raw(server->port());
  ASSERT_TRUE(raw.send("GET /n/1 HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(raw.read_response().has_value());
  const auto start = Clock::now();
  raw.read_until_closed(3s);
  const double elapsed = seconds_since(start);
  EXPECT_TRUE(raw.closed());
  EXPECT_GE(elapsed, 0.3);
  EXPECT_LT(elapsed, 1.5);
  EXPECT_TRUE(test::wait_until([&] { return server->stats().open_connections == 0; }));
}

TEST(HttpLimits, ConnectionsBeyondTheLimitAreRefused) {
  ServerOptions opt;
  opt.max_connections = 3;
  auto server = test::start_server(opt);
  std::vector<std::unique_ptr<RawConn>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<RawConn>(server->port()));
    ASSERT_TRUE(held.back()->connected());
  }
  ASSERT_TRUE(test::wait_until([&] { return server->stats().open_connections == 3; }));

  RawConn extra(server->port());
  const auto start = Clock::now();
  auto got = extra.read_until_closed(2s);
  EXPECT_TRUE(extra.closed());
  EXPECT_LT(seconds_since(start), 1.0);
  if (!got.empty()) {
    EXPECT_NE(got.find("503"), std::string::npos) << got;
  }
  EXPECT_EQ(server->stats().refused_connections, 1u);

  // The held connections still work, and a slot frees up when one closes.
  ASSERT_TRUE(held[0]->send("GET /n/9 HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto resp = held[0]->read_response();
  ASSERT_TRUE(resp.has_value());
  EXPECT_NE(resp->find("200 OK"), std::string::npos);
  held[1].reset();
  ASSERT_TRUE(test::wait_until([&] { return server->stats().open_connections == 2; }));
  HttpClient client("127.0.0.1", server->port(), 3s);
  auto r = client.get("/n/4");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->body, "4");
}

TEST(HttpLimits, StopWithOpenConnectionsIsPrompt) {
  ServerOptions opt;
  opt.shutdown_grace = 2000ms;
  auto server = test::start_server(opt);
  HttpClient keep("127.0.0.1", server->port(), 3s);
  ASSERT_TRUE(keep.get("/n/1").ok());  // an idle keep-alive connection
  RawConn half(server->port());        // a connection in the middle of a header
  ASSERT_TRUE(half.send("GET /n/1 HTTP/1.1\r\nHo"));
  RawConn silent(server->port());  // a connection that never sent anything
  ASSERT_TRUE(test::wait_until([&] { return server->stats().open_connections == 3; }));

  const auto start = Clock::now();
  server->stop();
  EXPECT_LT(seconds_since(start), 0.5);
  half.read_until_closed(1s);
  EXPECT_TRUE(half.closed());
  silent.read_until_closed(1s);
  EXPECT_TRUE(silent.closed());
  EXPECT_EQ(server->stats().open_connections, 0u);
  server->stop();  // idempotent

  auto after = keep.get("/n/2");
  ASSERT_FALSE(after.ok());
  server.reset();
}

TEST(HttpLimits, StopLetsAnInFlightBodyFinishWithinGrace) {
  ServerOptions opt;
  opt.shutdown_grace = 1500ms;
  auto server = test::start_server(opt);
  RawConn raw(server->port());
  ASSERT_TRUE(raw.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab"));
  ASSERT_TRUE(test::wait_until([&] { return server->stats().bytes_in > 0; }));
  std::thread stopper([&] { server->stop(); });
  std::this_thread::sleep_for(100ms);  // give stop() time to reach the waiting phase
  ASSERT_TRUE(raw.send("cd"));
  auto resp = raw.read_response();
  stopper.join();
  ASSERT_TRUE(resp.has_value());
  EXPECT_NE(resp->find("abcd"), std::string::npos);
  EXPECT_NE(resp->find("Connection: close"), std::string::npos);
}

}  // namespace
}  // namespace klyn::net
