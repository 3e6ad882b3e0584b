// HttpClient against the real server and against sockets that misbehave.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "net/http_client.h"
#include "net/http_server.h"
#include "net/tests/test_routes.h"
#include "net/tests/test_support.h"

namespace klyn::net {
namespace {

using namespace std::chrono_literals;

// A listening socket on 127.0.0.1 that never accepts or answers.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 8);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentListener() { ::close(fd_); }
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

TEST(HttpClient, ReconnectsAfterServerClosedIdleConnection) {
  ServerOptions opt;
  opt.idle_timeout = 200ms;
  auto server = test::start_server(opt);
  HttpClient client("127.0.0.1", server->port(), 3s);
  auto first = client.get("/n/1");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(test::wait_until([&] { return server->stats().open_connections == 0; }));
  EXPECT_TRUE(client.connected());  // the client has not noticed yet
  auto second = client.post("/echo", "again", "text/plain");
  ASSERT_TRUE(second.ok()) << second.error().to_string();
  EXPECT_EQ(second->body, "again");
  EXPECT_EQ(client.connections_opened(), 2u);
  EXPECT_EQ(server->stats().requests, 2u);  // the retried request ran once
}

TEST(HttpClient, ConnectFailureIsAnError) {
  uint16_t port;
  {
    auto server = test::start_server();
    port = server->port();
  }  // stopped: nothing listens on `port` now
  HttpClient client("127.0.0.1", port, 1s);
  auto r = client.get("/n/1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "connect_failed");
}

TEST(HttpClient, ReadTimeoutIsAnError) {
  SilentListener silent;
  HttpClient client("127.0.0.1", silent.port(), 300ms);
  const auto start = test::Clock::now();
  auto r = client.get("/x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "timeout");
  EXPECT_LT(std::chrono::duration<double>(test::Clock::now() - start).count(), 1.5);
  EXPECT_FALSE(client.connected());
}

TEST(HttpClient, ResponseBodyLimit) {
  auto server = test::start_server();
  HttpClient client("127.0.0.1", server->port(), 3s);
  client.set_max_body_bytes(10);
  auto r = client.post("/echo", std::string(100, 'z'));
  ASSERT_FALSE(r.ok()) << r->status << " " << r->body.size();
  EXPECT_EQ(r.error().code, "body_too_large");
  client.set_max_body_bytes(1000);
  auto ok = client.post("/echo", std::string(100, 'z'));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->body.size(), 100u);
}

TEST(HttpClient, SendsExtraHeaders) {
  Router router;
  ASSERT_TRUE(router
                  .add(Method::kGet, "/h",
                       [](const Request& req) {
                         return Response::text(req.header("x-token").value_or("none"));
                       })
                  .ok());
  ServerOptions opt;
  opt.threads = 1;
  HttpServer server(opt, std::move(router));
  ASSERT_TRUE(server.start().ok());
  HttpClient client("127.0.0.1", server.port(), 3s);
  auto r = client.request(Method::kGet, "/h", "", "", {{"X-Token", "abc"}});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->body, "abc");
}

}  // namespace
}  // namespace klyn::net
