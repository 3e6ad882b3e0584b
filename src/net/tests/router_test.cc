#include "net/router.h"

#include <gtest/gtest.h>

#include "net/url.h"

namespace klyn::net {
namespace {

Handler reply(std::string tag) {
  return [tag](const Request& req) {
    nlohmann::json j{{"tag", tag}};
    for (const auto& [k, v] : req.path_params) j["params"][k] = v;
    return Response::json(j);
  };
}

Request make(Method m, std::string target) {
  Request r;
  r.method = m;
  r.method_text = std::string(method_name(m));
  r.target = target;
  auto [path, query] = split_target(r.target);
  r.path = std::string(path);
  EXPECT_TRUE(parse_query(query, r.query_params).ok());
  return r;
}

nlohmann::json body_of(const Response& r) {
  return nlohmann::json::parse(r.body);
}

TEST(Router, CapturesParams) {
  Router router;
  ASSERT_TRUE(router.add(Method::kGet, "/s/{sym}/account/{addr}", reply("account")).ok());
  ASSERT_TRUE(router.add(Method::kGet, "/s/{sym}/block/controller/{index}", reply("cblock")).ok());
  auto req = make(Method::kGet, "/s/abc/account/k%2Fey");
  Response r = router.dispatch(req);
  ASSERT_EQ(r.status, 200u);
  auto j = body_of(r);
  EXPECT_EQ(j["tag"], "account");
  EXPECT_EQ(j["params"]["sym"], "abc");
  EXPECT_EQ(j["params"]["addr"], "k/ey");
  EXPECT_EQ(req.param("sym"), "abc");
  EXPECT_EQ(req.param("missing"), "");

  auto req2 = make(Method::kGet, "/s/x/block/controller/42");
  auto j2 = body_of(router.dispatch(req2));
  EXPECT_EQ(j2["tag"], "cblock");
  EXPECT_EQ(j2["params"]["index"], "42");
}

// GET /routes and the OpenAPI check list what was registered: each accepted route once, in order.
TEST(Router, ListsTheRoutesItAccepted) {
  Router router;
  ASSERT_TRUE(router.add(Method::kGet, "/info", reply("a")).ok());
  ASSERT_TRUE(router.add(Method::kPost, "/s/{sym}/event", reply("b")).ok());
  EXPECT_FALSE(router.add(Method::kPost, "/s/{x}/event", reply("c")).ok());  // same shape
  EXPECT_FALSE(router.add(Method::kGet, "no-slash", reply("d")).ok());
  using P = std::pair<Method, std::string>;
  EXPECT_EQ(router.patterns(),
            (std::vector<P>{{Method::kGet, "/info"}, {Method::kPost, "/s/{sym}/event"}}));
}

TEST(Router, LiteralBeatsParameterWithBacktracking) {
  Router router;
  ASSERT_TRUE(router.add(Method::kGet, "/s/{sym}/info", reply("param-info")).ok());
  ASSERT_TRUE(router.add(Method::kGet, "/s/main/info", reply("literal-info")).ok());
  ASSERT_TRUE(router.add(Method::kGet, "/s/main/special", reply("literal-special")).ok());
  ASSERT_TRUE(router.add(Method::kGet, "/s/{sym}/block/{index}", reply("block")).ok());

  auto a = make(Method::kGet, "/s/main/info");
  EXPECT_EQ(body_of(router.dispatch(a))["tag"], "literal-info");
  auto b = make(Method::kGet, "/s/other/info");
  EXPECT_EQ(body_of(router.dispatch(b))["tag"], "param-info");
  // "/s/main" exists as a literal branch but has no "block": falls back to the parameter.
  auto c = make(Method::kGet, "/s/main/block/7");
  auto jc = body_of(router.dispatch(c));
  EXPECT_EQ(jc["tag"], "block");
  EXPECT_EQ(jc["params"]["sym"], "main");
}

TEST(Router, NotFoundAndMethodNotAllowed) {
  Router router;
  ASSERT_TRUE(router.add(Method::kGet, "/a/{x}", reply("get")).ok());
  ASSERT_TRUE(router.add(Method::kPost, "/a/{x}", reply("post")).ok());

  auto nf = make(Method::kGet, "/nope");
  Response r404 = router.dispatch(nf);
  EXPECT_EQ(r404.status, 404u);
  EXPECT_EQ(body_of(r404)["error"], "not_found");
  EXPECT_FALSE(body_of(r404)["reason"].get<std::string>().empty());

  auto na = make(Method::kDelete, "/a/1");
  Response r405 = router.dispatch(na);
  EXPECT_EQ(r405.status, 405u);
  EXPECT_EQ(body_of(r405)["error"], "method_not_allowed");
  EXPECT_EQ(r405.header("allow").value_or(""), "GET, POST");

  auto head = make(Method::kHead, "/a/1");
  EXPECT_EQ(body_of(router.dispatch(head))["tag"], "get");  // HEAD falls back to GET
}

TEST(Router, TrailingAndDoubleSlashesAreIgnored) {
  Router router;
  ASSERT_TRUE(router.add(Method::kGet, "/info", reply("info")).ok());
  ASSERT_TRUE(router.add(Method::kGet, "/", reply("root")).ok());
  auto a = make(Method::kGet, "/info/");
  EXPECT_EQ(router.dispatch(a).status, 200u);
  auto b = make(Method::kGet, "//info");
  EXPECT_EQ(router.dispatch(b).status, 200u);
  auto c = make(Method::kGet, "/");
  EXPECT_EQ(body_of(router.dispatch(c))["tag"], "root");
}

TEST(Router, RejectsBadPatterns) {
  Router router;
  EXPECT_FALSE(router.add(Method::kGet, "no-slash", reply("x")).ok());
  EXPECT_FALSE(router.add(Method::kGet, "/a/{}", reply("x")).ok());
  EXPECT_FALSE(router.add(Method::kGet, "/a/{x}/{x}", reply("x")).ok());
  EXPECT_FALSE(router.add(Method::kGet, "/a/b{x}", reply("x")).ok());
  EXPECT_FALSE(router.add(Method::kOther, "/a", reply("x")).ok());
  EXPECT_FALSE(router.add(Method::kGet, "/a", Handler{}).ok());
  ASSERT_TRUE(router.add(Method::kGet, "/a/{x}", reply("x")).ok());
  Status dup = router.add(Method::kGet, "/a/{y}", reply("y"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, "bad_route");
  EXPECT_EQ(router.size(), 1u);
}

TEST(Router, GroupsMountUnderAPrefix) {
  Router router;
  RouteGroup sym = router.group("/s/{sym}");
  ASSERT_TRUE(sym.add(Method::kGet, "/account/{addr}", reply("acc")).ok());
  ASSERT_TRUE(sym.add(Method::kGet, "", reply("sym-root")).ok());
  RouteGroup blocks = sym.group("block/");
  ASSERT_TRUE(blocks.add(Method::kGet, "/{index}", reply("block")).ok());

  auto a = make(Method::kGet, "/s/q/account/z");
  auto ja = body_of(router.dispatch(a));
  EXPECT_EQ(ja["tag"], "acc");
  EXPECT_EQ(ja["params"]["sym"], "q");
  auto b = make(Method::kGet, "/s/q");
  EXPECT_EQ(body_of(router.dispatch(b))["tag"], "sym-root");
  auto c = make(Method::kGet, "/s/q/block/9");
  auto jc = body_of(router.dispatch(c));
  EXPECT_EQ(jc["tag"], "block");
  EXPECT_EQ(jc["params"]["index"], "9");
}

TEST(Request, QueryAndHeaderAccessors) {
  Request r = make(Method::kGet, "/x?from=5&name=a%20b");
  r.headers.emplace_back("content-type", "text/plain");
  EXPECT_EQ(r.query("from").value_or(""), "5");
  EXPECT_EQ(r.query("name").value_or(""), "a b");
  EXPECT_FALSE(r.query("to").has_value());
  EXPECT_EQ(r.header("Content-Type").value_or(""), "text/plain");
  EXPECT_FALSE(r.header("x-missing").has_value());
}

TEST(Response, ErrorShape) {
  Response r = Response::error(418, "teapot", "short and stout");
  EXPECT_EQ(r.status, 418u);
  EXPECT_EQ(r.content_type, "application/json");
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j, (nlohmann::json{{"error", "teapot"}, {"reason", "short and stout"}}));
  // Invalid UTF-8 never throws.
  Response bad = Response::json(nlohmann::json{{"k", std::string("\xff\xfe")}});
  EXPECT_EQ(bad.status, 200u);
}

}  // namespace
}  // namespace klyn::net
