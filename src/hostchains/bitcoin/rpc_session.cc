#include "hostchains/bitcoin/rpc_session.h"

#include <fstream>
#include <sstream>

#include "net/url.h"

namespace klyn::hostchains::bitcoin {

using nlohmann::json;

Result<std::pair<std::string, std::string>> read_cookie_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return Error("unreachable",
                 "cookie file " + path.string() + " does not exist (is the daemon running?)");
  std::ifstream in(path, std::ios::binary);
  std::string text;
  if (in) std::getline(in, text);
  if (!in && !in.eof()) return Error("unauthorized", "cannot read cookie file " + path.string());
  while (!text.empty() && (text.back() == '\r' || text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  const auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0)
    return Error("unauthorized", "cookie file " + path.string() + " is not \"user:password\"");
  return std::make_pair(text.substr(0, colon), text.substr(colon + 1));
}

RpcSession::RpcSession(RpcSessionOptions options) : options_(std::move(options)) {
  std::string base = options_.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  wallet_url_ = options_.wallet.empty() ? options_.url
                                        : base + "/wallet/" + net::percent_encode(options_.wallet);
}

RpcSession::~RpcSession() = default;

Result<json> RpcSession::node(const std::string& method, json params) {
  return call(false, method, params);
}

Result<json> RpcSession::wallet(const std::string& method, json params) {
  return call(!options_.wallet.empty(), method, params);
}

Result<std::unique_ptr<JsonRpcClient>> RpcSession::connect(const std::string& url) {
  JsonRpcEndpoint ep{url, options_.user, options_.password, options_.timeout};
  if (!options_.cookie_file.empty()) {
    auto cookie = read_cookie_file(options_.cookie_file);
    if (!cookie) return cookie.error();
    ep.user = cookie->first;
    ep.password = cookie->second;
  }
  return JsonRpcClient::create(std::move(ep));
}

Result<json> RpcSession::call(bool wallet, const std::string& method, const json& params) {
  std::unique_ptr<JsonRpcClient>& client = wallet ? wallet_client_ : node_client_;
  for (int attempt = 0;; ++attempt) {
    if (!client) {
      auto c = connect(wallet ? wallet_url_ : options_.url);
      if (!c) return c.error();
      client = std::move(*c);
    }
    auto r = client->call(method, params);
    if (r) return r;
    if (r.error().code == "rpc_error") {
      rpc_code_ = client->rpc_code();
      return r;
    }
    if (r.error().code == "unreachable" || r.error().code == "unauthorized") {
      // Reconnect next time, with credentials read again (a restarted daemon has a new cookie).
      node_client_.reset();
      wallet_client_.reset();
      if (r.error().code == "unauthorized" && !options_.cookie_file.empty() && attempt == 0)
        continue;
    }
    return r;
  }
}

}  // namespace klyn::hostchains::bitcoin
