// klyn74r testnet new|up|down|status: an N-node dev_controller network on 127.0.0.1 for local
// development (layout and processes: testnet.h).
#include <iomanip>
#include <iostream>

#include "cli/cli_common.h"
#include "cli/testnet.h"

namespace klyn::cli {

namespace {

using namespace testnet;
using namespace std::chrono_literals;

[[noreturn]] void fail(int code, const std::string& message) {
  std::exit(report(code, message));
}

int print_status(const Layout& l, bool json) {
  nlohmann::json nodes = nlohmann::json::array();
  std::vector<NodeView> views;
  std::vector<const NodeEntry*> answering;
  for (const auto& n : l.nodes) {
    auto pid = running_pid(l, n);
    NodeView v = query_node(l, n, 1s);
    nlohmann::json j = {{"index", n.index},
                        {"dir", n.dir},
                        {"url", n.url},
                        {"role", v.answering ? v.role : n.role},
                        {"address", n.address},
                        {"running", pid.has_value() || v.answering},
                        {"answering", v.answering}};
    j["pid"] = pid ? nlohmann::json(*pid) : nlohmann::json(nullptr);
    if (v.answering) {
      j["height"] = v.height;
      j["stored_height"] = v.stored_height;
      j["state_root"] = v.state_root;
      if (!v.halted.empty()) j["halted"] = v.halted;
      answering.push_back(&n);
    } else if (pid) {
      j["problem"] = v.problem;
    }
    nodes.push_back(j);
    views.push_back(v);
  }
  // Agreement: the state root of every answering node at the lowest height they all applied.
  nlohmann::json agreement = {{"nodes", answering.size()}};
  bool same_height = true, same_root = true;
  uint64_t common = UINT64_MAX, top = 0;
  for (const auto& v : views)
    if (v.answering) {
      common = std::min(common, v.height);
      top = std::max(top, v.height);
    }
  std::string root;
  if (!answering.empty()) {
    same_height = common == top;
    for (size_t i = 0, k = 0; i < views.size(); ++i) {
      if (!views[i].answering) continue;
      std::string r = same_height ? views[i].state_root : root_at(l, l.nodes[i], common);
      if (k++ == 0)
        root = r;
      else if (r != root || r.empty())
        same_root = false;
    }
    agreement["height"] = common;
    agreement["state_root"] = same_root ? root : "";
  }
  agreement["same_height"] = same_height;
  agreement["same_state_root"] = same_root;
  agreement["agree"] = same_height && same_root;
  if (json) {
    std::cout << nlohmann::json({{"dir", l.root.string()},
                                 {"symbiote", {{"alias", l.alias}, {"id", l.id}}},
                                 {"nodes", nodes},
                                 {"agreement", agreement}})
                     .dump()
              << "\n";
  } else {
    std::cout << "testnet " << l.root.string() << ": symbiote " << l.alias << " (id "
              << short_root(l.id) << ")\n";
    print_row({"node", "url", "pid", "role", "state", "height", "stored", "state root"});
    for (const auto& j : nodes) {
      const bool up = j["answering"].get<bool>();
      print_row({j["dir"].get<std::string>(), j["url"].get<std::string>(),
                 j["pid"].is_null() ? "-" : j["pid"].dump(), j["role"].get<std::string>(),
                 up                         ? "running"
                 : j["running"].get<bool>() ? "starting"
                                            : "stopped",
                 up ? j["height"].dump() : "-", up ? j["stored_height"].dump() : "-",
                 up ? short_root(j["state_root"].get<std::string>()) : "-"});
    }
    if (answering.empty())
      std::cout << "no node is running\n";
    else if (same_height && same_root)
      std::cout << "all " << answering.size() << " running node(s) agree: height " << common
                << ", state root " << root << "\n";
    else if (same_root)
      std::cout << "running nodes are at heights " << common << ".." << top
                << "; they agree on the state root at height " << common << "\n";
    else
      std::cout << "running nodes DISAGREE on the state root at height " << common << "\n";
  }
  // A different root at the same height is a fork: exit 1. Catching up is not.
  return same_root ? kExitOk : kExitFailure;
}

Layout load_or_exit(const std::string& dir) {
  auto l = Layout::load(dir);
  if (!l) fail(kExitConfig, l.error().reason);
  return std::move(*l);
}

}  // namespace

void add_testnet_commands(CLI::App& app) {
  auto* tn = app.add_subcommand(
      "testnet", "a local N-node dev_controller network on 127.0.0.1 (plain test keys)");
  tn->require_subcommand(1);

  auto o = std::make_shared<NewOptions>();
  auto* tnew = tn->add_subcommand(
      "new", "write keys, one shared genesis and configs for N nodes in D/node-1..node-N");
  tnew->add_option("--dir", o->dir, "directory of the network (must be empty unless --force)")
      ->required();
  tnew->add_option("--nodes", o->nodes, "number of nodes, 1..64 (node-1 is the controller)")
      ->capture_default_str();
  tnew->add_option("--base-port", o->base_port, "API port of node-1; node-i gets base + i - 1")
      ->capture_default_str();
  tnew->add_option("--symbiote", o->symbiote, "alias of the symbiote")->capture_default_str();
  tnew->add_option("--workflow", o->workflow,
                   "dev_controller (node-1 the controller) or dev_symbiland (every node a "
                   "validator)")
      ->capture_default_str();
  tnew->add_option("--accounts", o->accounts,
                   "funded TEST accounts (keys test-0.. in node-1/KEYS), 0..1000")
      ->capture_default_str();
  tnew->add_option("--log-level", o->log_level, "[log] level of every node")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  tnew->add_flag("--force", o->force,
                 "replace the testnet in a non-empty --dir (it must be stopped; other files stay)");
  tnew->callback([o] {
    auto l = create(*o);
    if (!l) fail(l.error().code == "usage" ? kExitConfig : kExitFailure, l.error().reason);
    std::cout << kBanner;
    std::cout << "testnet " << l->root.string() << ": symbiote " << l->alias << " (id " << l->id
              << ")\n";
    for (const auto& n : l->nodes)
      std::cout << "  " << std::left << std::setw(8) << n.dir << std::setw(24) << n.url
                << std::setw(12) << n.role << n.address << "\n";
    std::cout << "  " << o->accounts << " funded test accounts: keys test-0.. in "
              << (l->root / l->nodes[0].dir / "KEYS").string() << "\n"
              << kBanner << "start it: klyn74r testnet up --dir " << l->root.string() << "\n";
  });

  auto dir = std::make_shared<std::string>();
  auto wait = std::make_shared<double>(15);
  auto* up = tn->add_subcommand(
      "up", "start every node in the background (logs in D/node-i/LOGS/console.log)");
  up->add_option("--dir", *dir, "directory of the network")->required();
  up->add_option("--wait-seconds", *wait, "how long to wait for every node to answer")
      ->check(CLI::Range(0.1, 600.0))
      ->capture_default_str();
  up->callback([dir, wait] { std::exit(testnet::up(load_or_exit(*dir), *wait)); });

  auto stop_wait = std::make_shared<double>(10);
  auto* down = tn->add_subcommand(
      "down", "stop every node: SIGTERM, then SIGKILL after --wait-seconds (idempotent)");
  down->add_option("--dir", *dir, "directory of the network")->required();
  down->add_option("--wait-seconds", *stop_wait, "how long a node may take to stop gracefully")
      ->check(CLI::Range(0.1, 600.0))
      ->capture_default_str();
  down->callback([dir, stop_wait] { std::exit(testnet::down(load_or_exit(*dir), *stop_wait)); });

  auto json = std::make_shared<bool>(false);
  auto* status = tn->add_subcommand(
      "status",
      "each node's pid, height and state root, and whether the running nodes agree (exit 1 on "
      "different state roots at the same height)");
  status->add_option("--dir", *dir, "directory of the network")->required();
  status->add_flag("--json", *json, "print JSON");
  status->callback([dir, json] { std::exit(print_status(load_or_exit(*dir), *json)); });
}

}  // namespace klyn::cli
