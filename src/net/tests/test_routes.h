#pragma once
// A server with a small set of routes shared by the HTTP tests.

#include <memory>
#include <stdexcept>

#include <gtest/gtest.h>

#include "net/http_server.h"

namespace klyn::net::test {

inline Router make_test_router() {
  Router r;
  auto ok = [](Status s) { EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().to_string()); };
  ok(r.add(Method::kGet, "/s/{sym}/account/{addr}", [](const Request& req) {
    return Response::json({{"route", "account"},
                           {"sym", req.param("sym")},
                           {"addr", req.param("addr")},
                           {"from", req.query("from").value_or("-")}});
  }));
  ok(r.add(Method::kGet, "/s/main/account/{addr}", [](const Request& req) {
    return Response::json({{"route", "main-account"}, {"addr", req.param("addr")}});
  }));
  ok(r.add(Method::kGet, "/query", [](const Request& req) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : req.query_params) j[k] = v;
    return Response::json(j);
  }));
  ok(r.add(Method::kPost, "/echo", [](const Request& req) {
    Response resp = Response::text(req.body, 200, req.header("content-type").value_or("none"));
    resp.headers.emplace_back("X-Remote", req.remote_address);
    return resp;
  }));
  ok(r.add(Method::kGet, "/n/{i}",
           [](const Request& req) { return Response::text(req.param("i")); }));
  ok(r.add(Method::kGet, "/throw", [](const Request&) -> Response {
    throw std::runtime_error("handler failure on purpose");
  }));
  ok(r.add(Method::kGet, "/throw-int", [](const Request&) -> Response { throw 42; }));
  return r;
}

inline std::unique_ptr<HttpServer> start_server(ServerOptions opt = {}) {
  opt.address = "127.0.0.1";
  if (opt.threads == 0) opt.threads = 2;
  auto server = std::make_unique<HttpServer>(opt, make_test_router());
  Status st = server->start();
  EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().to_string());
  EXPECT_NE(server->port(), 0);
  return server;
}

}  // namespace klyn::net::test
