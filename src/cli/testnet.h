#pragma once
// The local N-node network behind `klyn74r testnet` and `klyn74r bench --nodes` (dev_controller,
// or dev_symbiland with `--workflow`):
// an ordinary data directory per node under D, one shared genesis, the node processes.
//
//   D/testnet.json                 the layout (nodes: index, dir, url, role, address; symbiote)
//   D/node-1/                      the controller (key "controller")
//   D/node-i/  (i = 2..N)          role kPeerNodeRole, its own key "node" funded and staked in
//                                  genesis, peers = every other node (the controller first)
//   D/node-i/node.pid              while `up` has it running
//   D/node-i/LOGS/console.log      the node's stdout and stderr
//
// Every key is a PLAIN (unencrypted) test key and every node allows plain keys: this is a
// development network on loopback only, and `new` says so loudly.
//
// Processes: `up` starts `<this binary> run --dir D/node-i` in a session of its own (no
// terminal; it outlives the shell). A pid file is trusted only while /proc/<pid> is a live (not
// zombie) process whose command line is `run --dir <that node dir>`, so a reused pid is never
// signalled. Every wait is a bounded poll.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chain/types.h"
#include "common/result.h"

namespace klyn::cli::testnet {

namespace fs = std::filesystem;

// The role of nodes 2..N: staked producers. Each holds its own funded key staked with the
// manifest's instant_producer_stake and lists the controller first in `peers`; events submitted
// to it go into its own instant blocks. ("follower" works with this layout too.)
inline constexpr std::string_view kPeerNodeRole = "producer";

inline constexpr const char* kLayoutFile = "testnet.json";
inline constexpr const char* kPidFile = "node.pid";
// derived_test_key label of the test accounts, and what each holds in genesis.
inline constexpr const char* kTestKeyLabel = "testnet";
inline constexpr chain::Amount kAccountBalance = 1'000'000'000;

extern const char* const kBanner;  // printed by `new`: plain test keys, loopback only

struct NodeEntry {
  int index = 0;
  std::string dir;  // relative to D
  uint16_t port = 0;
  std::string url, role, key, address;
};

struct Layout {
  fs::path root;  // absolute
  std::string alias, id;
  std::string workflow = "dev_controller";  // or dev_symbiland (every node a validator)
  std::vector<NodeEntry> nodes;
  nlohmann::json test_accounts;

  fs::path dir_of(const NodeEntry& n) const { return root / n.dir; }
  fs::path pid_file(const NodeEntry& n) const { return dir_of(n) / kPidFile; }
  nlohmann::json to_json() const;
  static Result<Layout> load(const fs::path& dir);
};

struct NewOptions {
  std::string dir;
  int64_t nodes = 3;
  int64_t base_port = 7780;
  std::string symbiote = "testnet";
  int64_t accounts = 8;
  bool force = false;
  std::string log_level = "info";  // [log] level of every node
  // dev_controller: node-1 the controller, the others staked producers; dev_symbiland: every node
  // a validator of weight 1 (Ed25519 key "node", BLS key "validator", both plain).
  std::string workflow = "dev_controller";
};

// Writes keys, genesis, configs and D/testnet.json (last). Errors: "usage" for bad options or a
// non-empty D without `force`, "io"/"config" otherwise.
Result<Layout> create(const NewOptions& o);

// Adds node-<N+1> on `port`: role follower, no key, peers = every existing node, the same
// genesis and log level as node-1; testnet.json is rewritten. For joining a running network.
Result<NodeEntry> add_follower(Layout& l, uint16_t port);

// ---- processes ----

// The pid in `node_dir`/node.pid when it names a live `run --dir <node_dir>` process.
std::optional<pid_t> running_pid_in(const fs::path& node_dir);
inline std::optional<pid_t> running_pid(const Layout& l, const NodeEntry& n) {
  return running_pid_in(l.dir_of(n));
}
// Starts `exe run --dir node_dir` in a new session: stdin /dev/null, stdout and stderr appended
// to LOGS/console.log, no other descriptor inherited, default signal mask.
// With `die_with_parent` the node gets SIGKILL when the calling thread's process dies (for
// `klyn74r bench`, whose nodes must not outlive it).
Result<pid_t> spawn_node(const std::string& exe, const fs::path& node_dir,
                         bool die_with_parent = false);

// Starts every node not yet running (the controller first), waits up to `wait_seconds` for each
// to answer, prints a table; exit code 0 when all answer.
int up(const Layout& l, double wait_seconds, bool die_with_parent = false);
// SIGTERM to every running node, SIGKILL after `wait_seconds`; exit code 0 when all stopped.
int down(const Layout& l, double wait_seconds);

// ---- talking to a node ----

struct NodeView {
  bool answering = false;  // GET /info answered and lists the testnet's symbiote
  std::string problem;     // why not
  std::string role, state_root, halted;
  uint64_t height = 0, stored_height = 0;
};
NodeView query_node(const Layout& l, const NodeEntry& n, std::chrono::milliseconds timeout);
// The state root a node reports at `height` ("" when it cannot say).
std::string root_at(const Layout& l, const NodeEntry& n, uint64_t height);

std::string short_root(const std::string& root);
void print_row(const std::vector<std::string>& cells);

}  // namespace klyn::cli::testnet
