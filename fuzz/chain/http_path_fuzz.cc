// libFuzzer target: the request path of src/net — split_target, parse_query, percent_decode /
// percent_encode, Router::match / dispatch with arbitrary targets, and parse_http_url.
//
// Input: byte 0 picks the method, the rest is the request-target (and, separately, a peer URL).
//
// Oracles:
//  * Router::match agrees with a naive reference matcher over the registered patterns (literal
//    segments beat parameters position by position, empty segments ignored, HEAD falls back to
//    GET, 405 lists the methods of the best matching shape); captured parameters are the
//    percent-decoded segments;
//  * dispatch always answers with a JSON body (404/405/handler) that parses;
//  * percent_decode(percent_encode(s)) == s; a decoded string is never longer than its input;
//  * parse_query: when accepted, every key of the query is present;
//  * parse_http_url: an accepted URL has a host and a port 1..65535, and "http://host:port"
//    rebuilt from them parses to the same pair.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "net/router.h"
#include "net/url.h"

using namespace klyn;
using namespace klyn::net;

namespace {

struct Route {
  Method method;
  std::string pattern;
};

// Routes shaped like the node's (core + a dev_controller symbiote) plus some that exercise
// literal-vs-parameter precedence and backtracking.
const std::vector<Route>& routes() {
  static const std::vector<Route> r = {
      {Method::kGet, "/health"},
      {Method::kGet, "/symbiotes"},
      {Method::kGet, "/s/{sym}/info"},
      {Method::kGet, "/s/{sym}/account/{addr}"},
      {Method::kGet, "/s/{sym}/state_root"},
      {Method::kGet, "/s/{sym}/block/controller/{index}"},
      {Method::kGet, "/s/{sym}/block/instant/{hash}"},
      {Method::kGet, "/s/{sym}/blocks"},
      {Method::kGet, "/s/{sym}/event/{hash}"},
      {Method::kPost, "/s/{sym}/event"},
      {Method::kPost, "/s/{sym}/events"},
      {Method::kGet, "/s/alpha/info"},
      {Method::kDelete, "/s/{sym}/account/{addr}"},
      {Method::kGet, "/a/{x}/c"},
      {Method::kGet, "/a/b"},
      {Method::kPut, "/a/b/{y}"},
      {Method::kGet, "/%41%20b/{z}"},
  };
  return r;
}

std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

bool is_param(std::string_view seg) {
  return seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
}

// The shape rank of a pattern matching `segs`: one bit per segment, 0 = literal, 1 = parameter;
// the router prefers the lexicographically smallest. Empty when it does not match.
std::optional<std::vector<int>> rank(const std::string& pattern,
                                     const std::vector<std::string>& segs) {
  auto pat = split(pattern);
  if (pat.size() != segs.size()) return std::nullopt;
  std::vector<int> out;
  for (size_t i = 0; i < pat.size(); ++i) {
    if (is_param(pat[i])) {
      out.push_back(1);
    } else {
      if (*percent_decode(pat[i]) != segs[i]) return std::nullopt;
      out.push_back(0);
    }
  }
  return out;
}

// The best matching route for `method` (index into routes()), if any.
std::optional<size_t> reference_match(Method method, const std::vector<std::string>& segs) {
  std::optional<size_t> best;
  std::vector<int> best_rank;
  for (size_t i = 0; i < routes().size(); ++i) {
    if (routes()[i].method != method) continue;
    auto r = rank(routes()[i].pattern, segs);
    if (r && (!best || *r < best_rank)) {
      best = i;
      best_rank = *r;
    }
  }
  return best;
}

const Router& router() {
  static const Router r = [] {
    Router router;
    for (const auto& route : routes()) {
      std::string pattern = route.pattern;
      Status st = router.add(route.method, pattern, [pattern](const Request& req) {
        nlohmann::json params = nlohmann::json::object();
        for (const auto& [k, v] : req.path_params) params[k] = v;
        return Response::json({{"route", pattern}, {"params", params}});
      });
      FUZZ_CHECK(st.ok());
    }
    return router;
  }();
  return r;
}

void check_router(Method method, std::string_view path) {
  Router::Match m = router().match(method, path);

  std::vector<std::string> segs;
  bool decodable = true;
  for (auto raw : split(path)) {
    auto d = percent_decode(raw);
    if (!d) {
      decodable = false;
      break;
    }
    segs.push_back(*d);
  }
  if (!decodable) {
    FUZZ_CHECK(m.kind == Router::Match::Kind::kNotFound);
    return;
  }

  auto want = reference_match(method, segs);
  if (!want && method == Method::kHead) want = reference_match(Method::kGet, segs);
  if (want) {
    FUZZ_CHECK(m.kind == Router::Match::Kind::kFound && m.handler != nullptr);
    Request req;
    req.method = method;
    req.path_params = m.params;
    Response resp = (*m.handler)(req);
    auto body = nlohmann::json::parse(resp.body);
    FUZZ_CHECK(body.at("route") == routes()[*want].pattern);
    // Each {name} captured the decoded segment at its position.
    auto pat = split(routes()[*want].pattern);
    size_t params = 0;
    for (size_t i = 0; i < pat.size(); ++i) {
      if (!is_param(pat[i])) continue;
      ++params;
      std::string name(pat[i].substr(1, pat[i].size() - 2));
      FUZZ_CHECK(m.params.count(name) == 1 && m.params.at(name) == segs[i]);
    }
    FUZZ_CHECK(m.params.size() == params);
    return;
  }

  // 405 iff some route of another method matches; Allow lists the methods of the best shape.
  std::optional<std::vector<int>> best;
  for (const auto& route : routes()) {
    auto r = rank(route.pattern, segs);
    if (r && (!best || *r < *best)) best = r;
  }
  if (!best) {
    FUZZ_CHECK(m.kind == Router::Match::Kind::kNotFound);
    return;
  }
  FUZZ_CHECK(m.kind == Router::Match::Kind::kMethodNotAllowed);
  std::string allow;
  for (int k = 0; k < static_cast<int>(Method::kOther); ++k) {
    for (const auto& route : routes()) {
      auto r = rank(route.pattern, segs);
      if (route.method == static_cast<Method>(k) && r && *r == *best) {
        if (!allow.empty()) allow += ", ";
        allow += method_name(route.method);
      }
    }
  }
  FUZZ_CHECK(m.allow == allow);
}

void check_dispatch(Method method, std::string_view target) {
  auto [path, query] = split_target(target);
  Request req;
  req.method = method;
  req.method_text = std::string(method_name(method));
  req.target = std::string(target);
  req.path = std::string(path);
  Status qs = parse_query(query, req.query_params);
  if (qs) {
    // Every key of the query string is present (decoded).
    size_t i = 0;
    while (i <= query.size()) {
      size_t amp = query.find('&', i);
      if (amp == std::string_view::npos) amp = query.size();
      std::string_view kv = query.substr(i, amp - i);
      if (!kv.empty()) {
        auto key = percent_decode(kv.substr(0, kv.find('=')), true);
        FUZZ_CHECK(key && req.query_params.count(*key) == 1);
      }
      i = amp + 1;
    }
  } else {
    FUZZ_CHECK(qs.error().code == "bad_request");
  }
  Response resp = router().dispatch(req);
  FUZZ_CHECK(resp.status == 200 || resp.status == 404 || resp.status == 405);
  auto body = nlohmann::json::parse(resp.body, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(body.is_object());
}

void check_percent(std::string_view s) {
  auto enc = percent_encode(s);
  auto back = percent_decode(enc);
  FUZZ_CHECK(back && *back == s);
  for (bool plus : {false, true}) {
    auto d = percent_decode(s, plus);
    if (d) FUZZ_CHECK(d->size() <= s.size());
  }
}

void check_url(std::string_view url) {
  auto r = parse_http_url(url);
  if (!r) {
    FUZZ_CHECK(r.error().code == "bad_url" && !r.error().reason.empty());
    return;
  }
  const auto& [host, port] = *r;
  FUZZ_CHECK(!host.empty() && port >= 1);
  bool v6 = host.find(':') != std::string::npos;
  std::string rebuilt = "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
  auto again = parse_http_url(rebuilt);
  FUZZ_CHECK(again.ok() && *again == *r);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Method method = static_cast<Method>(data[0] % (static_cast<int>(Method::kOther) + 1));
  std::string_view target(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (method != Method::kOther) {
    check_router(method, split_target(target).first);
    check_dispatch(method, target);
  } else {
    FUZZ_CHECK(router().match(method, target).kind != Router::Match::Kind::kFound);
  }
  check_percent(target);
  check_url(target);
  return 0;
}
