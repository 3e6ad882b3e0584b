// JsonRpcClient over real HTTP on 127.0.0.1: a small server answers like Bitcoin Core does
// (results, error objects with HTTP 500, 401 with an empty body for bad credentials).
#include "hostchains/json_rpc.h"

#include <gtest/gtest.h>

#include "net/http_server.h"

namespace klyn::hostchains {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class JsonRpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    net::Router router;
    ASSERT_TRUE(
        router
            .add(net::Method::kPost, "/rpc",
                 [this](const net::Request& req) {
                   if (req.header("authorization").value_or("") !=
                       basic_auth_header("alice", "secret"))
                     return net::Response{401, "", "text/plain", {}};
                   json q = json::parse(req.body);
                   last_request = q;
                   const std::string m = q["method"];
                   if (m == "echo")
                     return net::Response{
                         200,
                         json{{"result", q["params"]}, {"error", nullptr}, {"id", q["id"]}}.dump(),
                         "application/json",
                         {}};
                   if (m == "fail")
                     return net::Response{500,
                                          json{{"result", nullptr},
                                               {"error", {{"code", -5}, {"message", "No such tx"}}},
                                               {"id", q["id"]}}
                                              .dump(),
                                          "application/json",
                                          {}};
                   if (m == "garbage") return net::Response{200, "<html>", "text/html", {}};
                   return net::Response{200, json{{"id", q["id"]}}.dump(), "application/json", {}};
                 })
            .ok());
    net::ServerOptions opt;
    opt.threads = 1;
    server = std::make_unique<net::HttpServer>(opt, std::move(router));
    ASSERT_TRUE(server->start().ok());
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server->port()) + "/rpc"; }

  std::unique_ptr<net::HttpServer> server;
  json last_request;
};

TEST_F(JsonRpcTest, ReturnsResultAndSendsJsonRpcRequest) {
  auto c = JsonRpcClient::create({url(), "alice", "secret", 3s});
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  auto r = (*c)->call("echo", json::array({1, "x"}));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(*r, json::array({1, "x"}));
  EXPECT_EQ(last_request["method"], "echo");
  EXPECT_EQ(last_request["jsonrpc"], "2.0");
  auto r2 = (*c)->call("echo");
  ASSERT_TRUE(r2.ok());
  EXPECT_NE(last_request["id"], 1);  // ids advance
}

TEST_F(JsonRpcTest, MapsErrors) {
  auto c = JsonRpcClient::create({url(), "alice", "secret", 3s});
  ASSERT_TRUE(c.ok());
  auto e = (*c)->call("fail");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, "rpc_error");
  EXPECT_NE(e.error().reason.find("No such tx"), std::string::npos);
  EXPECT_EQ((*c)->rpc_code(), -5);
  auto g = (*c)->call("garbage");
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().code, "bad_response");
  auto d = (*c)->call("deep");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, "bad_response");
  auto n = (*c)->call("noresult");
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code, "bad_response");
}

TEST_F(JsonRpcTest, WrongCredentialsAreUnauthorized) {
  auto c = JsonRpcClient::create({url(), "alice", "wrong", 3s});
  ASSERT_TRUE(c.ok());
  auto r = (*c)->call("echo");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "unauthorized");
}

TEST_F(JsonRpcTest, ClosedPortIsUnreachable) {
  const uint16_t port = server->port();
  server.reset();  // nothing listens there any more
  auto c = JsonRpcClient::create({"http://127.0.0.1:" + std::to_string(port), "", "", 2s});
  ASSERT_TRUE(c.ok());
  auto r = (*c)->call("echo");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "unreachable");
}

TEST(JsonRpc, RejectsBadUrls) {
  for (const char* u : {"ftp://x:1", "http://no-port", "127.0.0.1:8545", ""}) {
    auto c = JsonRpcClient::create({u, "", "", 1s});
    EXPECT_FALSE(c.ok()) << u;
  }
}

TEST(JsonRpc, BasicAuthHeader) {
  EXPECT_EQ(basic_auth_header("user", "password"), "Basic dXNlcjpwYXNzd29yZA==");
}

}  // namespace
}  // namespace klyn::hostchains
