#pragma once
// JsonRpcClient: JSON-RPC 1.0/2.0 over HTTP POST, as Bitcoin Core and Ethereum nodes speak it.
// Shared by connectors (it is not a connector itself).
//
// Contract
// * One client = one endpoint, one keep-alive connection; not thread-safe.
// * Every call is bounded by the timeout given at construction.
// * Errors: "unreachable" (resolve/connect/timeout/closed), "unauthorized" (HTTP 401/403),
//   "rpc_error" (a JSON `error` member; Error::reason is "<code>: <message>" and rpc_code()
//   gives the numeric code of the last such error), "bad_response" (not JSON, no `result`).

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/result.h"

namespace klyn::net {
class HttpClient;
}

namespace klyn::hostchains {

struct JsonRpcEndpoint {
  std::string url;       // http://host:port[/path]
  std::string user;      // basic auth user ("" = no auth)
  std::string password;  // basic auth password
  std::chrono::milliseconds timeout{10000};
};

class JsonRpcClient {
 public:
  // Checks the URL; an invalid one is an Error "bad_url".
  static Result<std::unique_ptr<JsonRpcClient>> create(JsonRpcEndpoint endpoint);
  ~JsonRpcClient();

  // Calls `method` with `params` (an array or object) and returns the `result` member.
  Result<nlohmann::json> call(const std::string& method,
                              nlohmann::json params = nlohmann::json::array());
  // The numeric `error.code` of the last "rpc_error" (0 if none yet).
  int64_t rpc_code() const { return last_rpc_code_; }
  const std::string& url() const { return endpoint_.url; }

 private:
  JsonRpcClient(JsonRpcEndpoint endpoint, std::string host, uint16_t port, std::string path);
  JsonRpcEndpoint endpoint_;
  std::string path_;
  std::string auth_header_;
  std::unique_ptr<net::HttpClient> http_;
  uint64_t next_id_ = 1;
  int64_t last_rpc_code_ = 0;
};

// "user:password" → "Basic dXNlcjpwYXNzd29yZA==".
std::string basic_auth_header(std::string_view user, std::string_view password);

}  // namespace klyn::hostchains
