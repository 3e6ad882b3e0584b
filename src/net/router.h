#pragma once
// Router: maps (method, path) to a Handler.
//
// Patterns are '/'-separated segments; a segment `{name}` captures one path segment (percent-
// decoded) as a path parameter, any other segment must match literally:
//
//   router.add(Method::kGet, "/s/{sym}/account/{addr}", handler);
//   router.add(Method::kGet, "/s/{sym}/block/controller/{index}", handler);
//
// Matching: a literal segment beats a parameter at the same position (with backtracking, so
// "/a/b/c" still matches "/a/{x}/c" when "/a/b" leads nowhere). Empty segments are ignored, so
// "/a/", "//a" and "/a" are the same path. A path that matches no pattern gives 404 `not_found`;
// a path that matches a pattern only for other methods gives 405 `method_not_allowed` with an
// Allow header. HEAD falls back to the GET handler when no HEAD route exists (the server drops
// the body).
//
// Route groups let a module register below a prefix:
//
//   RouteGroup g = router.group("/s/{sym}");
//   g.add(Method::kGet, "/info", h);            // -> /s/{sym}/info
//
// Thread safety: add()/group() are not synchronised; register every route before the router is
// handed to a running server. dispatch()/match() are const and safe to call concurrently.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "net/http_types.h"

namespace klyn::net {

class RouteGroup;

class Router {
 public:
  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Registers a handler. Errors ("bad_route"): pattern not starting with '/', malformed or
  // duplicate `{name}` in one pattern, kOther as method, a route already registered for this
  // method and shape, or an empty handler.
  Status add(Method method, std::string_view pattern, Handler handler);

  // A view that prefixes every pattern with `prefix` (which may itself contain parameters).
  RouteGroup group(std::string_view prefix);

  // Outcome of matching a request against the routes.
  struct Match {
    enum class Kind { kFound, kNotFound, kMethodNotAllowed } kind = Kind::kNotFound;
    const Handler* handler = nullptr;  // set when kFound
    ParamMap params;                   // set when kFound
    std::string allow;                 // "GET, POST" when kMethodNotAllowed
  };
  // `path` is the raw (still percent-encoded) path without the query.
  Match match(Method method, std::string_view path) const;

  // Matches req.method/req.path, fills req.path_params and calls the handler; 404/405/400 JSON
  // errors otherwise. Exceptions thrown by the handler propagate (the server turns them into 500).
  Response dispatch(Request& req) const;

  size_t size() const { return count_; }
  // Every (method, pattern) registered, in the order added (GET /routes, the OpenAPI check).
  const std::vector<std::pair<Method, std::string>>& patterns() const { return patterns_; }

 private:
  struct Node;
  std::unique_ptr<Node> root_;
  size_t count_ = 0;
  std::vector<std::pair<Method, std::string>> patterns_;
};

// Registers routes below a fixed prefix of a Router. Holds a pointer: the Router must outlive it.
class RouteGroup {
 public:
  RouteGroup(Router& router, std::string prefix) : router_(&router), prefix_(std::move(prefix)) {}
  Status add(Method method, std::string_view pattern, Handler handler);
  RouteGroup group(std::string_view prefix) const;
  const std::string& prefix() const { return prefix_; }

 private:
  Router* router_;
  std::string prefix_;
};

}  // namespace klyn::net
