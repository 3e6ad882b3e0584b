#include "net/http_types.h"

#include <algorithm>
#include <array>

#include "net/detail/ascii.h"

namespace klyn::net {

namespace {

constexpr std::array<std::pair<Method, std::string_view>, 7> kMethodNames{{
    {Method::kGet, "GET"},
    {Method::kHead, "HEAD"},
    {Method::kPost, "POST"},
    {Method::kPut, "PUT"},
    {Method::kDelete, "DELETE"},
    {Method::kPatch, "PATCH"},
    {Method::kOptions, "OPTIONS"},
}};

std::optional<std::string> find_header(const HeaderList& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (detail::iequals(k, name)) return v;
  }
  return std::nullopt;
}

}  // namespace

std::string_view method_name(Method m) {
  for (const auto& [method, name] : kMethodNames) {
    if (method == m) return name;
  }
  return "OTHER";
}

Method method_from_name(std::string_view name) {
  for (const auto& [method, text] : kMethodNames) {
    if (text == name) return method;
  }
  return Method::kOther;
}

const std::string& Request::param(std::string_view name) const {
  static const std::string kEmpty;
  auto it = path_params.find(name);
  return it == path_params.end() ? kEmpty : it->second;
}

std::optional<std::string> Request::query(std::string_view name) const {
  auto it = query_params.find(name);
  if (it == query_params.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Request::header(std::string_view name) const {
  return find_header(headers, name);
}

Response Response::json(const nlohmann::json& body, unsigned status) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response Response::error(unsigned status, std::string_view code, std::string_view reason) {
  return json(nlohmann::json{{"error", code}, {"reason", reason}}, status);
}

Response Response::text(std::string body, unsigned status, std::string content_type) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = std::move(content_type);
  return r;
}

std::optional<std::string> Response::header(std::string_view name) const {
  return find_header(headers, name);
}

}  // namespace klyn::net
