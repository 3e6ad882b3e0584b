#include "net/router.h"

#include <algorithm>
#include <array>
#include <map>

#include "net/url.h"

namespace klyn::net {

namespace {

constexpr size_t kMethodCount = static_cast<size_t>(Method::kOther);

std::vector<std::string_view> split_path(std::string_view path) {
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

std::string join_prefix(std::string_view prefix, std::string_view pattern) {
  std::string out(prefix);
  while (!out.empty() && out.back() == '/') out.pop_back();
  if (!pattern.empty() && pattern.front() != '/') out.push_back('/');
  out.append(pattern);
  if (out.empty()) out = "/";
  return out;
}

}  // namespace

struct Router::Node {
  struct Endpoint {
    Handler handler;
    std::vector<std::string> param_names;  // in segment order
  };
  std::map<std::string, std::unique_ptr<Node>, std::less<>> literals;
  std::unique_ptr<Node> param_child;
  std::array<std::unique_ptr<Endpoint>, kMethodCount> endpoints;

  bool has_endpoints() const {
    return std::any_of(endpoints.begin(), endpoints.end(),
                       [](const auto& e) { return e != nullptr; });
  }
};

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

Status Router::add(Method method, std::string_view pattern, Handler handler) {
  auto bad = [&](std::string_view why) {
    return make_error("bad_route", std::string(why) + ": " + std::string(pattern));
  };
  if (method == Method::kOther) return bad("method must be a known HTTP method");
  if (!handler) return bad("empty handler");
  if (pattern.empty() || pattern.front() != '/') return bad("pattern must start with '/'");

  std::vector<std::string> names;
  std::vector<std::pair<bool, std::string>> segs;  // (is_param, literal text or param name)
  for (std::string_view seg : split_path(pattern)) {
    if (is_param(seg)) {
      std::string name(seg.substr(1, seg.size() - 2));
      if (name.empty() || name.find_first_of("{}/") != std::string::npos) {
        return bad("malformed parameter");
      }
      if (std::find(names.begin(), names.end(), name) != names.end()) {
        return bad("duplicate parameter name");
      }
      names.push_back(name);
      segs.emplace_back(true, std::move(name));
    } else {
      if (seg.find_first_of("{}") != std::string_view::npos) {
        return bad("braces must enclose a whole segment");
      }
      auto decoded = percent_decode(seg);
      if (!decoded) return bad("malformed percent-encoding");
      segs.emplace_back(false, std::move(*decoded));
    }
  }

  Node* node = root_.get();
  for (auto& [param, text] : segs) {
    std::unique_ptr<Node>* next;
    if (param) {
      next = &node->param_child;
    } else {
      next = &node->literals[text];
    }
    if (!*next) *next = std::make_unique<Node>();
    node = next->get();
  }
  auto& slot = node->endpoints[static_cast<size_t>(method)];
  if (slot) return bad("route already registered for " + std::string(method_name(method)));
  slot = std::make_unique<Node::Endpoint>(Node::Endpoint{std::move(handler), std::move(names)});
  ++count_;
  patterns_.emplace_back(method, std::string(pattern));
  return Status::success();
}

RouteGroup Router::group(std::string_view prefix) {
  return RouteGroup(*this, std::string(prefix));
}

namespace {

// Depth-first search with literal-before-parameter precedence. `accept` decides whether a
// terminal node is a match; captured parameter values are pushed/popped on `captures`.
template <typename NodeT, typename Accept>
const NodeT* find_node(const NodeT* node, const std::vector<std::string>& segs, size_t i,
                       std::vector<const std::string*>& captures, const Accept& accept) {
  if (i == segs.size()) return accept(*node) ? node : nullptr;
  auto lit = node->literals.find(segs[i]);
  if (lit != node->literals.end()) {
    if (auto* found = find_node(lit->second.get(), segs, i + 1, captures, accept)) return found;
  }
  if (node->param_child) {
    captures.push_back(&segs[i]);
    if (auto* found = find_node(node->param_child.get(), segs, i + 1, captures, accept)) {
      return found;
    }
    captures.pop_back();
  }
  return nullptr;
}

}  // namespace

Router::Match Router::match(Method method, std::string_view path) const {
  Match m;
  std::vector<std::string> segs;
  for (std::string_view raw : split_path(path)) {
    auto decoded = percent_decode(raw);
    if (!decoded) return m;  // an undecodable path matches nothing
    segs.push_back(std::move(*decoded));
  }

  auto lookup = [&](Method meth) -> bool {
    if (meth == Method::kOther) return false;
    const size_t idx = static_cast<size_t>(meth);
    std::vector<const std::string*> captures;
    const Node* node = find_node(root_.get(), segs, 0, captures,
                                 [idx](const Node& n) { return n.endpoints[idx] != nullptr; });
    if (!node) return false;
    const auto& ep = *node->endpoints[idx];
    m.kind = Match::Kind::kFound;
    m.handler = &ep.handler;
    for (size_t k = 0; k < ep.param_names.size() && k < captures.size(); ++k) {
      m.params.emplace(ep.param_names[k], *captures[k]);
    }
    return true;
  };
  if (lookup(method)) return m;
  if (method == Method::kHead && lookup(Method::kGet)) return m;

  std::vector<const std::string*> captures;
  const Node* any =
      find_node(root_.get(), segs, 0, captures, [](const Node& n) { return n.has_endpoints(); });
  if (any) {
    m.kind = Match::Kind::kMethodNotAllowed;
    for (size_t k = 0; k < kMethodCount; ++k) {
      if (!any->endpoints[k]) continue;
      if (!m.allow.empty()) m.allow += ", ";
      m.allow += method_name(static_cast<Method>(k));
    }
  }
  return m;
}

Response Router::dispatch(Request& req) const {
  Match m = match(req.method, req.path);
  switch (m.kind) {
    case Match::Kind::kFound:
      req.path_params = std::move(m.params);
      return (*m.handler)(req);
    case Match::Kind::kMethodNotAllowed: {
      Response r = Response::error(
          405, "method_not_allowed",
          "method " +
              (req.method_text.empty() ? std::string(method_name(req.method)) : req.method_text) +
              " is not allowed on this path; allowed: " + m.allow);
      r.headers.emplace_back("Allow", m.allow);
      return r;
    }
    case Match::Kind::kNotFound:
      break;
  }
  return Response::error(404, "not_found", "no route for " + req.path);
}

Status RouteGroup::add(Method method, std::string_view pattern, Handler handler) {
  return router_->add(method, join_prefix(prefix_, pattern), std::move(handler));
}

RouteGroup RouteGroup::group(std::string_view prefix) const {
  return RouteGroup(*router_, join_prefix(prefix_, prefix));
}

}  // namespace klyn::net
