#pragma once
// Test harness: a real Ethereum development node (ganache, from tools/node_modules, pinned by
// tools/package-lock.json) as a child process on 127.0.0.1, for connector and integration tests.
//
// Contract
// * start() launches `node tools/node_modules/ganache/dist/node/cli.js` on a free port with
//   --wallet.deterministic (10 accounts of 1000 ETH each, keys in account_keys()), instamine
//   (each transaction is mined into its own block at once) and the given chain id, and returns
//   once eth_chainId answers with that id (bounded by start_timeout). When tools/node_modules
//   is missing it fails with "... not found: run scripts/install-deps.sh": tests must fail on
//   that, not skip.
// * The destructor stops the node: SIGTERM, then SIGKILL after 3 s. The child also dies with
//   the test process (PR_SET_PDEATHSIG). Its console output goes to a temporary log file, shown
//   by log_tail() and removed with the object.
// * With `persistent`, the chain lives in a temporary database directory (--database.dbPath,
//   removed with the object) instead of memory, so stop() and restart() bring the same chain back
//   on the same port (a hostchain that goes away mid-run and returns). Without it, restart()
//   refuses ("not_persistent").
// * Not thread-safe; rpc() uses one connection owned by the object.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.h"
#include "hostchains/json_rpc.h"

namespace klyn::hostchains::evm::testing {

struct GanacheOptions {
  uint64_t chain_id = 1337;
  // The repository's tools/ folder; empty = KLYN_SOURCE_DIR/tools of this build.
  std::filesystem::path tools_dir;
  std::chrono::milliseconds start_timeout{30000};
  bool persistent = false;  // keep the chain on disk so that restart() finds it again
};

class Ganache {
 public:
  using Clock = std::chrono::steady_clock;
  static Result<std::unique_ptr<Ganache>> start(GanacheOptions options = {});
  ~Ganache();
  Ganache(const Ganache&) = delete;
  Ganache& operator=(const Ganache&) = delete;

  const std::string& url() const { return url_; }  // http://127.0.0.1:<port>
  uint16_t port() const { return port_; }
  uint64_t chain_id() const { return chain_id_; }
  pid_t pid() const { return pid_; }

  // The private keys (0x + 64 hex) of the 10 funded accounts of --wallet.deterministic.
  static const std::vector<std::string>& account_keys();
  // Their balance at start: 1000 ETH in wei.
  static constexpr const char* kInitialBalanceWei = "1000000000000000000000";

  // A JSON-RPC call to the node.
  Result<nlohmann::json> rpc(const std::string& method,
                             nlohmann::json params = nlohmann::json::array());
  // Mines `blocks` empty blocks (evm_mine).
  Status mine(unsigned blocks = 1);
  // The last `bytes` of the node's console output.
  std::string log_tail(size_t bytes = 2000) const;

  // Stops the node now (SIGTERM; a graceful stop writes the chain database). Idempotent; RPC
  // calls are "unreachable" afterwards.
  void stop();
  // Starts it again on the same port and database (persistent only); returns once eth_chainId
  // answers. "start_failed" when the port was taken meanwhile.
  Status restart();
  bool running() const { return pid_ > 0; }

  // The default tools dir (KLYN_SOURCE_DIR/tools).
  static std::filesystem::path default_tools_dir();

 private:
  Ganache() = default;
  // Forks the node on port_ (output appended to log_file_) and waits until it answers or
  // `deadline`; "address_in_use" when it exited because the port was taken.
  Status launch(Clock::time_point deadline);

  GanacheOptions options_;
  std::filesystem::path cli_, node_, db_dir_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  uint64_t chain_id_ = 0;
  std::string url_;
  std::filesystem::path log_file_;
  std::unique_ptr<JsonRpcClient> rpc_;
};

}  // namespace klyn::hostchains::evm::testing
