// Functional tests of HttpServer over real HTTP on 127.0.0.1.

#include <atomic>
#include <sstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include "net/http_client.h"
#include "net/http_server.h"
#include "net/tests/test_routes.h"
#include "net/tests/test_support.h"

namespace klyn::net {
namespace {

using namespace std::chrono_literals;
using test::RawConn;

nlohmann::json json_of(const Response& r) {
  return nlohmann::json::parse(r.body);
}

TEST(HttpServer, RoutesWithParamsAndLiteralPrecedence) {
  auto server = test::start_server();
  HttpClient client("127.0.0.1", server->port(), 3s);

  auto r = client.get("/s/abc/account/0xK%20ey?from=17");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->content_type, "application/json");
  auto j = json_of(*r);
  EXPECT_EQ(j["route"], "account");
  EXPECT_EQ(j["sym"], "abc");
  EXPECT_EQ(j["addr"], "0xK ey");
  EXPECT_EQ(j["from"], "17");

  auto m = client.get("/s/main/account/xyz");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(json_of(*m)["route"], "main-account");
}

TEST(HttpServer, ParsesQueryStrings) {
  auto server = test::start_server();
  HttpClient client("127.0.0.1", server->port(), 3s);
  auto r = client.get("/query?from=1&to=%32%30&q=a+b%26c&flag");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(json_of(*r),
            (nlohmann::json{{"from", "1"}, {"to", "20"}, {"q", "a b&c"}, {"flag", ""}}));

  auto bad = client.get("/query?x=%zz");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 400u);
  EXPECT_EQ(json_of(*bad)["error"], "bad_request");
}

TEST(HttpServer, NotFoundAndMethodNotAllowedAreJsonErrors) {
  auto server = test::start_server();
  HttpClient client("127.0.0.1", server->port(), 3s);

  auto nf = client.get("/no/such/path");
  ASSERT_TRUE(nf.ok());
  EXPECT_EQ(nf->status, 404u);
  EXPECT_EQ(nf->content_type, "application/json");
  EXPECT_EQ(json_of(*nf)["error"], "not_found");
  EXPECT_FALSE(json_of(*nf)["reason"].get<std::string>().empty());

  auto na = client.request(Method::kPut, "/echo", "x");
  ASSERT_TRUE(na.ok());
  EXPECT_EQ(na->status, 405u);
  EXPECT_EQ(json_of(*na)["error"], "method_not_allowed");
  EXPECT_EQ(na->header("Allow").value_or(""), "POST");

  auto odd = client.request("BREW", "/echo");
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd->status, 405u);

  EXPECT_EQ(client.connections_opened(), 1u);  // error responses keep the connection alive
}

TEST(HttpServer, EchoesBodyHeadersAndHead) {
  auto server = test::start_server();
  HttpClient client("127.0.0.1", server->port(), 3s);
  std::string body(100000, 'b');
  auto r = client.post("/echo", body, "application/octet-stream");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, body);
  EXPECT_EQ(r->content_type, "application/octet-stream");
  EXPECT_EQ(r->header("x-remote").value_or(""), "127.0.0.1");
  EXPECT_EQ(r->header("content-length").value_or(""), "100000");

  auto h = client.request(Method::kHead, "/n/12345");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->status, 200u);
  EXPECT_EQ(h->body, "");
  EXPECT_EQ(h->header("content-length").value_or(""), "5");
  auto after = client.get("/n/7");  // the connection is still in sync after HEAD
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->body, "7");
  EXPECT_EQ(client.connections_opened(), 1u);
}

TEST(HttpServer, OversizedBodyGets413AndServerKeepsServing) {
  ServerOptions opt;
  opt.max_body_bytes = 1024;
  auto server = test::start_server(opt);

  HttpClient big("127.0.0.1", server->port(), 3s);
  auto r = big.post("/echo", std::string(64 * 1024, 'x'));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, 413u);
  EXPECT_EQ(json_of(*r)["error"], "body_too_large");
  EXPECT_EQ(r->header("connection").value_or(""), "close");

  // Chunked body (no Content-Length) over the limit: caught while reading.
  RawConn raw(server->port());
  ASSERT_TRUE(
      raw.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               "800\r\n" +
               std::string(0x800, 'y') + "\r\n0\r\n\r\n"));
  auto resp = raw.read_response();
  ASSERT_TRUE(resp.has_value());
  EXPECT_NE(resp->find("413"), std::string::npos);
  EXPECT_NE(resp->find("body_too_large"), std::string::npos);

  HttpClient next("127.0.0.1", server->port(), 3s);
  auto ok = next.post("/echo", std::string(1024, 'y'));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200u);
  EXPECT_EQ(ok->body.size(), 1024u);
}

TEST(HttpServer, MalformedRequestGets400AndClose) {
  auto server = test::start_server();
  const char* bad_requests[] = {
      "GARBAGE\r\n\r\n",
      "GET /x HTTP/9.9\r\n\r\n",
      "GET /x HTTP/1.1\r\nBad Header\r\n\r\n",
      "POST /echo HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
      "GET http://example.com/x HTTP/1.1\r\nHost: x\r\n\r\n",
  };
  for (const char* text : bad_requests) {
    RawConn raw(server->port());
    ASSERT_TRUE(raw.connected());
    ASSERT_TRUE(raw.send(text));
    auto resp = raw.read_response();
    ASSERT_TRUE(resp.has_value()) << text;
    EXPECT_EQ(resp->rfind("HTTP/1.1 400", 0), 0u) << *resp;
    EXPECT_NE(resp->find("\"error\":\"bad_request\""), std::string::npos) << *resp;
  }
  // The first three are protocol errors: the server closes after answering.
  RawConn raw(server->port());
  ASSERT_TRUE(raw.send("GARBAGE\r\n\r\n"));
  raw.read_until_closed(3s);
  EXPECT_TRUE(raw.closed());

  HttpClient client("127.0.0.1", server->port(), 3s);
  auto ok = client.get("/n/1");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200u);
}

TEST(HttpServer, HeaderTooLargeGets431) {
  ServerOptions opt;
  opt.max_header_bytes = 1024;
  auto server = test::start_server(opt);
  RawConn raw(server->port());
  ASSERT_TRUE(
      raw.send("GET /n/1 HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4000, 'h') + "\r\n\r\n"));
  auto resp = raw.read_response();
  ASSERT_TRUE(resp.has_value());
  EXPECT_EQ(resp->rfind("HTTP/1.1 431", 0), 0u) << *resp;
  EXPECT_NE(resp->find("header_too_large"), std::string::npos);
}

TEST(HttpServer, HandlerExceptionGives500AndServerKeepsServing) {
  auto server = test::start_server();
  HttpClient client("127.0.0.1", server->port(), 3s);
  for (const char* path : {"/throw", "/throw-int"}) {
    auto r = client.get(path);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 500u);
    EXPECT_EQ(json_of(*r)["error"], "internal");
    EXPECT_EQ(r->body.find("on purpose"), std::string::npos);  // no internals leak
  }
  auto ok = client.get("/n/5");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->body, "5");
  EXPECT_EQ(server->stats().responses_5xx, 2u);
}

TEST(HttpServer, KeepAliveThousandRequestsOnOneConnection) {
  auto server = test::start_server();
  HttpClient client("127.0.0.1", server->port(), 3s);
  for (int i = 0; i < 1000; ++i) {
    auto r = client.get("/n/" + std::to_string(i));
    ASSERT_TRUE(r.ok()) << i << ": " << r.error().to_string();
    ASSERT_EQ(r->body, std::to_string(i));
  }
  EXPECT_EQ(client.connections_opened(), 1u);
  auto st = server->stats();
  EXPECT_EQ(st.accepted_connections, 1u);
  EXPECT_EQ(st.requests, 1000u);
  EXPECT_EQ(st.responses_2xx, 1000u);
  EXPECT_GT(st.bytes_in, 1000u * 20);
  EXPECT_GT(st.bytes_out, 1000u * 40);
}

TEST(HttpServer, PipelinedRequestsAreAnsweredInOrder) {
  auto server = test::start_server();
  RawConn raw(server->port());
  std::string batch;
  for (int i = 0; i < 10; ++i)
    batch += "GET /n/" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_TRUE(raw.send(batch));
  for (int i = 0; i < 10; ++i) {
    auto resp = raw.read_response();
    ASSERT_TRUE(resp.has_value()) << i;
    EXPECT_EQ(resp->substr(resp->size() - std::to_string(i).size()), std::to_string(i));
  }
}

TEST(HttpServer, ConcurrentClients) {
  auto server = test::start_server();
  constexpr int kClients = 8;
  constexpr int kRequests = 500;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      HttpClient client("127.0.0.1", server->port(), 5s);
      for (int i = 0; i < kRequests; ++i) {
        const std::string tag = std::to_string(c * 100000 + i);
        auto r = (i % 2) ? client.get("/n/" + tag) : client.post("/echo", tag, "text/plain");
        if (!r.ok() || r->status != 200 || r->body != tag) return;
        good.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), kClients * kRequests);
  EXPECT_EQ(server->stats().requests, static_cast<uint64_t>(kClients * kRequests));
}

TEST(HttpServer, HttpOneZeroClosesUnlessKeepAlive) {
  auto server = test::start_server();
  {
    RawConn raw(server->port());
    ASSERT_TRUE(raw.send("GET /n/1 HTTP/1.0\r\n\r\n"));
    auto all = raw.read_until_closed(3s);
    EXPECT_TRUE(raw.closed());
    EXPECT_EQ(all.rfind("HTTP/1.0 200", 0), 0u) << all;
    EXPECT_NE(all.find("Content-Length: 1"), std::string::npos);
  }
  {
    RawConn raw(server->port());
    ASSERT_TRUE(raw.send("GET /n/1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    ASSERT_TRUE(raw.read_response().has_value());
    ASSERT_TRUE(raw.send("GET /n/2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    auto second = raw.read_response();
    ASSERT_TRUE(second.has_value());
    EXPECT_NE(second->find("keep-alive"), std::string::npos);
  }
}

TEST(HttpServer, ExpectContinueIsHonoured) {
  auto server = test::start_server();
  RawConn raw(server->port());
  ASSERT_TRUE(
      raw.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
               "Content-Type: text/plain\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = raw.recv_some(2000ms);
  EXPECT_EQ(interim.rfind("HTTP/1.1 100", 0), 0u) << interim;
  ASSERT_TRUE(raw.send("hello"));
  auto resp = raw.read_response();
  ASSERT_TRUE(resp.has_value());
  EXPECT_NE(resp->find("hello"), std::string::npos);
}

TEST(HttpServer, StartReportsBindErrors) {
  auto first = test::start_server();
  ServerOptions opt;
  opt.port = first->port();
  opt.threads = 1;
  HttpServer taken(opt);
  Status st = taken.start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "bind_failed");
  EXPECT_NE(st.error().reason.find("in use"), std::string::npos) << st.error().reason;

  ServerOptions bad;
  bad.address = "not-an-ip";
  HttpServer invalid(bad);
  Status st2 = invalid.start();
  ASSERT_FALSE(st2.ok());
  EXPECT_EQ(st2.error().code, "bad_address");

  Status again = first->start();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "already_started");
}

TEST(HttpServer, StatsCountResponseClasses) {
  auto server = test::start_server();
  HttpClient client("127.0.0.1", server->port(), 3s);
  ASSERT_TRUE(client.get("/n/1").ok());
  ASSERT_TRUE(client.get("/missing").ok());
  ASSERT_TRUE(client.get("/throw").ok());
  auto st = server->stats();
  EXPECT_EQ(st.requests, 3u);
  EXPECT_EQ(st.responses_2xx, 1u);
  EXPECT_EQ(st.responses_4xx, 1u);
  EXPECT_EQ(st.responses_5xx, 1u);
  EXPECT_EQ(st.open_connections, 1u);
  client.close();
  EXPECT_TRUE(test::wait_until([&] { return server->stats().open_connections == 0; }));
}

TEST(HttpServer, LogsAccessLinesAndHandlerFailuresToTheGivenLogger) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  auto logger = std::make_shared<spdlog::logger>("net-test", sink);
  logger->set_level(spdlog::level::debug);
  ServerOptions opt;
  opt.logger = logger;
  {
    auto server = test::start_server(opt);
    HttpClient client("127.0.0.1", server->port(), 3s);
    ASSERT_TRUE(client.get("/n/77").ok());
    ASSERT_TRUE(client.get("/throw").ok());
    server->stop();
  }
  logger->flush();
  const std::string text = out.str();
  EXPECT_NE(text.find("GET /n/77 -> 200"), std::string::npos) << text;
  EXPECT_NE(text.find("handler failure on purpose"), std::string::npos) << text;
  EXPECT_NE(text.find("[error]"), std::string::npos) << text;
}

}  // namespace
}  // namespace klyn::net
