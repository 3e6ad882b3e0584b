#pragma once
// Litecoind: a real `litecoind -regtest` for tests, started as a child process on loopback with
// a temporary data dir, RPC ready, a funded wallet and 101 blocks (the first coinbase mature).
//
// Contract
// * start() returns only when RPC answers (bounded: ~10 s for the daemon, a few retries when a
//   picked port is taken meanwhile); failures are an Error with the daemon's log tail.
// * The destructor stops the daemon (SIGTERM, SIGKILL after a timeout), reaps it and removes
//   the temporary directory (unless keep_dir).
// * Not thread-safe. Only for tests: the RPC password is fixed and visible.
// * Litecoin activates MWEB at height 431 on regtest: stay below it (blocks then carry an extra
//   HogEx transaction; the connector copes, but tests should not depend on it).

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.h"
#include "hostchains/json_rpc.h"

namespace klyn::hostchains::bitcoin::testing {

struct LitecoindOptions {
  // true: no -rpcuser/-rpcpassword, so the daemon authenticates with its cookie file
  // (cookie_file()); false: user/password below.
  bool cookie_auth = false;
  std::string rpc_user = "klyn";
  std::string rpc_password;      // "" = a random one (see options() after start)
  std::string wallet = "miner";  // created and funded by start()
  int initial_blocks = 101;      // mined to the wallet
  std::vector<std::string> extra_args;
  std::string binary = "litecoind";  // looked up in PATH unless it contains '/'
  bool keep_dir = false;
  std::chrono::milliseconds ready_timeout{10000};
};

class Litecoind {
 public:
  static Result<std::unique_ptr<Litecoind>> start(LitecoindOptions options = {});
  ~Litecoind();
  Litecoind(const Litecoind&) = delete;
  Litecoind& operator=(const Litecoind&) = delete;

  std::string rpc_url() const;  // http://127.0.0.1:<port>
  uint16_t rpc_port() const { return rpc_port_; }
  pid_t pid() const { return pid_; }
  const LitecoindOptions& options() const { return options_; }
  const std::filesystem::path& datadir() const { return datadir_; }
  std::filesystem::path cookie_file() const { return datadir_ / "regtest" / ".cookie"; }
  const std::string& mining_address() const { return mining_address_; }

  // JSON-RPC on the node endpoint, or on /wallet/<wallet>.
  Result<nlohmann::json> rpc(const std::string& method,
                             nlohmann::json params = nlohmann::json::array());
  Result<nlohmann::json> wallet_rpc(const std::string& wallet, const std::string& method,
                                    nlohmann::json params = nlohmann::json::array());

  // Mines n blocks to `address` (default: the mining address); returns their hashes.
  Result<std::vector<std::string>> mine(int n, const std::string& address = "");
  Result<uint64_t> height();
  // Creates (and loads) an empty wallet.
  Status create_wallet(const std::string& name);
  // A new address of `wallet`.
  Result<std::string> new_address(const std::string& wallet);

  // Stops the daemon now (idempotent). After it, RPC calls are "unreachable".
  void stop();
  // Stops and starts the daemon again on the same data dir and ports (a new cookie, when
  // cookie_auth), and loads the mining wallet again.
  Status restart();
  // The last `bytes` of regtest/debug.log, for failure messages.
  std::string log_tail(size_t bytes = 4000) const;

 private:
  explicit Litecoind(LitecoindOptions options);
  Status launch(bool new_ports);
  Status wait_ready();
  Status prepare();
  Result<JsonRpcClient*> client(const std::string& wallet);

  LitecoindOptions options_;
  std::filesystem::path temp_dir_;
  std::filesystem::path datadir_;
  uint16_t rpc_port_ = 0;
  uint16_t p2p_port_ = 0;
  pid_t pid_ = -1;
  std::string mining_address_;
  std::unique_ptr<JsonRpcClient> node_client_;
  std::map<std::string, std::unique_ptr<JsonRpcClient>> wallet_clients_;
};

}  // namespace klyn::hostchains::bitcoin::testing
