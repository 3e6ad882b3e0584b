#pragma once
// RpcSession: how a bitcoin connector talks to its daemon — two JSON-RPC endpoints of one
// Bitcoin Core / Litecoin Core node: the node endpoint (rpc_url) for chain calls and the wallet
// endpoint (rpc_url + "/wallet/<name>") for wallet calls.
//
// Contract
// * Not thread-safe (one connector = one thread at a time). Every call is bounded by the
//   configured timeout.
// * Connections are opened lazily: constructing a session does no I/O.
// * Credentials are rpc_user/rpc_password, or the daemon's cookie file, read each time a
//   connection is (re)opened: after "unreachable" or "unauthorized" the clients are dropped, so a
//   restarted daemon's new cookie is picked up; an "unauthorized" call with a cookie is retried
//   once at once with the cookie read again.
// * Errors: those of JsonRpcClient ("unreachable", "unauthorized", "rpc_error",
//   "bad_response"); a missing cookie file is "unreachable" (the daemon writes it when it starts
//   and removes it when it stops), an unreadable or malformed one "unauthorized".

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/result.h"
#include "hostchains/json_rpc.h"

namespace klyn::hostchains::bitcoin {

struct RpcSessionOptions {
  std::string url;  // http://host:port[/path]
  std::string user;
  std::string password;
  std::filesystem::path cookie_file;  // used instead of user/password when not empty
  std::string wallet;                 // "" = wallet calls go to the node endpoint
  std::chrono::milliseconds timeout{10000};
};

class RpcSession {
 public:
  explicit RpcSession(RpcSessionOptions options);
  ~RpcSession();
  RpcSession(const RpcSession&) = delete;
  RpcSession& operator=(const RpcSession&) = delete;

  // A node (chain) call.
  Result<nlohmann::json> node(const std::string& method,
                              nlohmann::json params = nlohmann::json::array());
  // A wallet call, on /wallet/<name> (or the node endpoint when the wallet name is "").
  Result<nlohmann::json> wallet(const std::string& method,
                                nlohmann::json params = nlohmann::json::array());

  // The numeric JSON-RPC error code of the last "rpc_error" (0 if none yet).
  int64_t rpc_code() const { return rpc_code_; }
  const std::string& wallet_url() const { return wallet_url_; }

 private:
  Result<nlohmann::json> call(bool wallet, const std::string& method, const nlohmann::json& params);
  Result<std::unique_ptr<JsonRpcClient>> connect(const std::string& url);

  RpcSessionOptions options_;
  std::string wallet_url_;
  std::unique_ptr<JsonRpcClient> node_client_;
  std::unique_ptr<JsonRpcClient> wallet_client_;
  int64_t rpc_code_ = 0;
};

// Reads a cookie file ("user:password", as bitcoind writes it) into (user, password).
Result<std::pair<std::string, std::string>> read_cookie_file(const std::filesystem::path& path);

}  // namespace klyn::hostchains::bitcoin
