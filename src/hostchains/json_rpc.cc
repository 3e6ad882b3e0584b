#include "hostchains/json_rpc.h"

#include <sodium.h>

#include "net/http_client.h"
#include "net/json_body.h"
#include "net/url.h"

namespace klyn::hostchains {

using nlohmann::json;

std::string basic_auth_header(std::string_view user, std::string_view password) {
  std::string plain = std::string(user) + ":" + std::string(password);
  const int variant = sodium_base64_VARIANT_ORIGINAL;
  std::string out(sodium_base64_encoded_len(plain.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(plain.data()),
                    plain.size(), variant);
  out.resize(std::strlen(out.c_str()));
  return "Basic " + out;
}

Result<std::unique_ptr<JsonRpcClient>> JsonRpcClient::create(JsonRpcEndpoint endpoint) {
  auto hp = net::parse_http_url(endpoint.url);
  if (!hp) return hp.error();
  // The path is whatever follows host:port ("/" when nothing does).
  std::string path = "/";
  const auto scheme_end = endpoint.url.find("://");
  const auto slash = endpoint.url.find('/', scheme_end + 3);
  if (slash != std::string::npos) path = endpoint.url.substr(slash);
  return std::unique_ptr<JsonRpcClient>(
      new JsonRpcClient(std::move(endpoint), hp->first, hp->second, std::move(path)));
}

JsonRpcClient::JsonRpcClient(JsonRpcEndpoint endpoint, std::string host, uint16_t port,
                             std::string path)
    : endpoint_(std::move(endpoint)),
      path_(std::move(path)),
      http_(std::make_unique<net::HttpClient>(std::move(host), port, endpoint_.timeout)) {
  if (!endpoint_.user.empty() || !endpoint_.password.empty())
    auth_header_ = basic_auth_header(endpoint_.user, endpoint_.password);
}

JsonRpcClient::~JsonRpcClient() = default;

Result<json> JsonRpcClient::call(const std::string& method, json params) {
  json req = {{"jsonrpc", "2.0"}, {"id", next_id_++}, {"method", method}, {"params", params}};
  net::HeaderList headers;
  if (!auth_header_.empty()) headers.emplace_back("Authorization", auth_header_);
  auto r = http_->request(net::Method::kPost, path_, req.dump(), "application/json", headers);
  if (!r) return Error("unreachable", endpoint_.url + ": " + r.error().to_string());
  if (r->status == 401 || r->status == 403)
    return Error("unauthorized", endpoint_.url + ": HTTP " + std::to_string(r->status) +
                                     " (check the RPC user/password or cookie file)");
  // Depth-limited: a hostile endpoint must not exhaust the stack with nested brackets.
  auto parsed = net::parse_json_body(r->body, 64);
  json body = parsed ? std::move(*parsed) : json();
  if (!parsed || !body.is_object())
    return Error("bad_response",
                 method + ": HTTP " + std::to_string(r->status) + ", body is not a JSON object");
  if (auto e = body.find("error"); e != body.end() && !e->is_null()) {
    int64_t code = 0;
    std::string message = e->dump();
    if (e->is_object()) {
      if (auto c = e->find("code"); c != e->end() && c->is_number_integer())
        code = c->get<int64_t>();
      if (auto m = e->find("message"); m != e->end() && m->is_string())
        message = m->get<std::string>();
    }
    last_rpc_code_ = code;
    return Error("rpc_error", method + ": " + std::to_string(code) + ": " + message);
  }
  if (r->status != 200)
    return Error("bad_response", method + ": HTTP " + std::to_string(r->status));
  auto res = body.find("result");
  if (res == body.end()) return Error("bad_response", method + ": no result member");
  return std::move(*res);
}

}  // namespace klyn::hostchains
