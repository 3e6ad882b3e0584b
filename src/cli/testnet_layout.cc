// `klyn74r testnet new`: the layout file and creating a network (see testnet.h).
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "chain/genesis.h"
#include "cli/builtin_workflows.h"
#include "cli/cli_common.h"
#include "cli/testnet.h"
#include "codec/hex.h"
#include "core/data_dir.h"
#include "core/keystore.h"

namespace klyn::cli::testnet {

const char* const kBanner =
    "*** LOCAL DEVELOPMENT NETWORK: every key is an UNENCRYPTED TEST KEY and every node sets\n"
    "*** keys.allow_plain_keys = true. Loopback (127.0.0.1) only. Never hold real value here.\n";

namespace {

constexpr int64_t kMaxNodes = 64;
constexpr int64_t kMaxAccounts = 1000;
constexpr chain::Amount kInstantStake = 1000;
constexpr chain::Amount kControllerBalance = 1'000'000'000'000;
constexpr chain::Amount kNodeBalance = 1'000'000'000;

std::string url_of(uint16_t port) {
  return "http://127.0.0.1:" + std::to_string(port);
}

Status validate(const NewOptions& o) {
  if (o.nodes < 1 || o.nodes > kMaxNodes)
    return Error("usage", "--nodes " + std::to_string(o.nodes) + ": must be 1.." +
                              std::to_string(kMaxNodes));
  if (o.base_port < 1024 || o.base_port > 65535)
    return Error("usage", "--base-port " + std::to_string(o.base_port) +
                              ": must be 1024..65535 (no privileged ports)");
  if (o.base_port + o.nodes - 1 > 65535)
    return Error("usage", "--base-port " + std::to_string(o.base_port) + " with --nodes " +
                              std::to_string(o.nodes) + ": the last node's port would be " +
                              std::to_string(o.base_port + o.nodes - 1) + " (> 65535)");
  if (o.accounts < 0 || o.accounts > kMaxAccounts)
    return Error("usage", "--accounts " + std::to_string(o.accounts) + ": must be 0.." +
                              std::to_string(kMaxAccounts));
  if (o.log_level != "trace" && o.log_level != "debug" && o.log_level != "info" &&
      o.log_level != "warn" && o.log_level != "error")
    return Error("usage", "log level \"" + o.log_level + "\": must be trace|debug|info|warn|error");
  if (!core::is_valid_alias(o.symbiote))
    return Error("usage", "--symbiote \"" + o.symbiote + "\": must match [a-z][a-z0-9_-]{0,31}");
  return Status();
}

// Makes `root` ready for a new network: created if missing; if not empty, refused unless
// `force`, which removes testnet.json and every node-<n> directory (none may be running) and
// keeps anything else.
Status prepare_root(const fs::path& root, bool force) {
  std::error_code ec;
  if (!fs::exists(root, ec)) {
    if (!fs::create_directories(root, ec))
      return Error("io", "cannot create " + root.string() + ": " + ec.message());
    return Status();
  }
  if (!fs::is_directory(root, ec)) return Error("usage", root.string() + " is not a directory");
  if (fs::is_empty(root, ec)) return Status();
  if (!force)
    return Error("usage", root.string() +
                              " is not empty; choose another --dir, or pass --force to replace "
                              "the testnet in it");
  static const std::regex node_dir("node-[0-9]+");
  std::vector<fs::path> remove;
  for (const auto& e : fs::directory_iterator(root, ec)) {
    const std::string name = e.path().filename().string();
    if (!e.is_directory() || !std::regex_match(name, node_dir)) continue;
    auto pid = running_pid_in(e.path());
    if (pid)
      return Error("usage", (root / name).string() + " is running (pid " + std::to_string(*pid) +
                                "); run `klyn74r testnet down --dir " + root.string() + "` first");
    remove.push_back(e.path());
  }
  for (const auto& p : remove) fs::remove_all(p, ec);
  fs::remove(root / kLayoutFile, ec);
  return Status();
}

// CONFIGS/node.toml as `init` writes it, with this node's port and plain keys allowed.
Status write_node_config(const core::DataDir& d, int index, int count, uint16_t port,
                         const std::string& log_level) {
  std::string text = core::default_node_config_text();
  auto set = [&text](const std::string& from, const std::string& to) {
    auto pos = text.find(from);
    if (pos != std::string::npos) text.replace(pos, from.size(), to);
  };
  set("port = 7777", "port = " + std::to_string(port));
  set("allow_plain_keys = false", "allow_plain_keys = true ");
  set("level = \"info\"", "level = \"" + log_level + "\"");
  text = "# LOCAL TESTNET node " + std::to_string(index) + " of " + std::to_string(count) +
         " (klyn74r testnet new): loopback only, plain test keys.\n" + text;
  return core::write_file_atomic(d.node_config(), text, 0644, true);
}

std::string symbiote_toml(const NodeEntry& n, int count, const std::string& alias,
                          const std::string& id, const std::vector<std::string>& peers,
                          const std::string& workflow) {
  std::string list;
  for (const auto& p : peers) list += (list.empty() ? "\"" : ", \"") + p + "\"";
  if (workflow == "dev_symbiland")
    return "# Node-local settings of symbiote " + alias + " (id " + id +
           ", dev_symbiland) on LOCAL TESTNET node " + std::to_string(n.index) + " of " +
           std::to_string(count) + "\nenabled = true\ngenesis = \"GENESIS/" + alias +
           ".json\"\npeers = [" + list + "]\n\n[workflow]\nbls_key = \"" +
           (n.role == "validator" ? "validator" : "") + "\"\n";
  return "# Node-local settings of symbiote " + alias + " (id " + id + ") on LOCAL TESTNET node " +
         std::to_string(n.index) + " of " + std::to_string(count) +
         "\n"
         "enabled = true\n"
         "genesis = \"GENESIS/" +
         alias + ".json\"\nkey = \"" + n.key + "\"\nrole = \"" + n.role + "\"\npeers = [" + list +
         "]\n\n[workflow]\nphantom_blocks = true\nblock_interval_ms = 100\n";
}

}  // namespace

nlohmann::json Layout::to_json() const {
  nlohmann::json ns = nlohmann::json::array();
  for (const auto& n : nodes)
    ns.push_back({{"index", n.index},
                  {"dir", n.dir},
                  {"port", n.port},
                  {"url", n.url},
                  {"role", n.role},
                  {"key", n.key},
                  {"address", n.address}});
  return {{"warning", "local development network: plain test keys, loopback only"},
          {"symbiote", {{"alias", alias}, {"id", id}, {"workflow", workflow}}},
          {"nodes", ns},
          {"test_accounts", test_accounts}};
}

Result<Layout> Layout::load(const fs::path& dir) {
  Layout l;
  l.root = fs::weakly_canonical(fs::absolute(dir));
  const fs::path file = l.root / kLayoutFile;
  std::ifstream in(file);
  if (!in)
    return Error("config", file.string() + ": not found (create the network with `klyn74r " +
                               "testnet new --dir " + dir.string() + "`)");
  auto j = nlohmann::json::parse(in, nullptr, false);
  try {
    if (j.is_discarded()) throw std::runtime_error("not valid JSON");
    l.alias = j.at("symbiote").at("alias").get<std::string>();
    l.id = j.at("symbiote").at("id").get<std::string>();
    l.workflow = j.at("symbiote").value("workflow", "dev_controller");
    l.test_accounts = j.value("test_accounts", nlohmann::json::object());
    for (const auto& n : j.at("nodes")) {
      NodeEntry e;
      e.index = n.at("index").get<int>();
      e.dir = n.at("dir").get<std::string>();
      e.port = n.at("port").get<uint16_t>();
      e.url = n.at("url").get<std::string>();
      e.role = n.at("role").get<std::string>();
      e.key = n.value("key", "");
      e.address = n.value("address", "");
      if (e.dir.empty() || e.dir.find('/') != std::string::npos || e.dir[0] == '.')
        throw std::runtime_error("nodes[].dir must be a plain directory name, got \"" + e.dir +
                                 "\"");
      l.nodes.push_back(std::move(e));
    }
    if (l.nodes.empty()) throw std::runtime_error("no nodes");
  } catch (const std::exception& e) {
    return Error("config", file.string() + ": " + e.what());
  }
  return l;
}

Result<Layout> create(const NewOptions& o) {
  KLYN_TRY(validate(o));
  const fs::path root = fs::weakly_canonical(fs::absolute(o.dir));
  KLYN_TRY(prepare_root(root, o.force));
  if (o.workflow != "dev_controller" && o.workflow != "dev_symbiland")
    return Error("usage", "--workflow " + o.workflow + ": dev_controller or dev_symbiland");
  Layout l;
  l.root = root;
  l.alias = o.symbiote;
  l.workflow = o.workflow;
  const bool bft = o.workflow == "dev_symbiland";
  const int count = static_cast<int>(o.nodes);
  nlohmann::json validators = nlohmann::json::array();

  // Data directories, node configs and one fresh plain key per node.
  std::vector<core::DataDir> dirs;
  for (int i = 1; i <= count; ++i) {
    NodeEntry n;
    n.index = i;
    n.dir = "node-" + std::to_string(i);
    n.port = static_cast<uint16_t>(o.base_port + i - 1);
    n.url = url_of(n.port);
    n.role = bft ? "validator" : i == 1 ? "controller" : std::string(kPeerNodeRole);
    n.key = !bft && i == 1 ? "controller" : "node";
    core::DataDir d(root / n.dir);
    KLYN_TRY(d.create_layout());
    KLYN_TRY(write_node_config(d, i, count, n.port, o.log_level));
    core::Keystore ks(d.keys_dir());
    auto info = ks.create(n.key, core::KeyProtection::unencrypted());
    if (!info) return info.error();
    n.address = info->address;
    if (bft) {
      if (auto bls = ks.create_bls("validator", core::KeyProtection::unencrypted()); !bls)
        return bls.error();
      auto sk = ks.load_bls("validator", "", core::PlainKeys::allow);
      if (!sk) return sk.error();
      validators.push_back({{"account", n.address},
                            {"bls_key", codec::hex_encode(sk->public_key().to_bytes())},
                            {"pop", codec::hex_encode(sk->prove_possession().to_bytes())},
                            {"weight", 1}});
    }
    l.nodes.push_back(std::move(n));
    dirs.push_back(std::move(d));
  }

  // The test accounts: deterministic test keys, plain, in node-1's keystore.
  core::Keystore ks1(dirs[0].keys_dir());
  nlohmann::json accounts = nlohmann::json::array();
  std::vector<chain::AccountId> funded;
  for (int64_t j = 0; j < o.accounts; ++j) {
    auto k = derived_test_key(kTestKeyLabel, static_cast<uint64_t>(j));
    const std::string name = "test-" + std::to_string(j);
    auto info = ks1.import(name, k.seed(), core::KeyProtection::unencrypted());
    if (!info) return info.error();
    accounts.push_back({{"key", name}, {"address", k.address()}});
    funded.push_back(k.public_key());
  }
  l.test_accounts = {{"keys_dir", l.nodes[0].dir + "/KEYS"},
                     {"derived_label", kTestKeyLabel},
                     {"balance", kAccountBalance},
                     {"accounts", accounts}};

  // One genesis for all: the controller, every other node staked, the test accounts.
  chain::Genesis g;
  chain::Manifest& m = g.manifest;
  m.name = o.symbiote;
  if (bft) {
    m.workflow = o.workflow;
    m.workflow_version = workflow_version(o.workflow);
  } else {
    std::tie(m.workflow, m.workflow_version) = default_workflow();
  }
  m.fee.per_event = 1;
  m.fee.generator_share_permille = 500;
  m.unstake_delay = 10;
  if (bft)
    KLYN_TRY(chain::set_section(m, {{"validators", validators}}));
  else
    KLYN_TRY(chain::set_section(
        m, {{"controller", l.nodes[0].address}, {"instant_producer_stake", kInstantStake}}));
  std::map<chain::AccountId, chain::GenesisAccount> acc;
  for (const auto& n : l.nodes) {
    auto id = crypto::parse_address(n.address);
    if (!id) return id.error();
    acc[*id] = {*id, n.index == 1 ? kControllerBalance : kNodeBalance, kInstantStake};
  }
  for (const auto& id : funded) {
    acc[id].id = id;
    acc[id].balance += kAccountBalance;
  }
  for (auto& [id, a] : acc) g.accounts.push_back(a);
  auto check = chain::decode_genesis(g.encode());  // validates the common manifest
  if (!check) return check.error();
  auto workflow = builtin_workflows().create(m.workflow, m.workflow_version);
  if (!workflow) return workflow.error();
  KLYN_TRY((*workflow)->check_manifest(m));
  l.id = codec::hex_encode(g.id());
  const std::string genesis_json = chain::genesis_to_json(g);

  for (size_t i = 0; i < l.nodes.size(); ++i) {
    std::vector<std::string> peers;
    for (const auto& p : l.nodes)
      if ((bft || i > 0) && p.index != l.nodes[i].index) peers.push_back(p.url);
    KLYN_TRY(core::write_file_atomic(dirs[i].genesis(l.alias), genesis_json, 0644, true));
    KLYN_TRY(core::write_file_atomic(
        dirs[i].symbiote_config(l.alias),
        symbiote_toml(l.nodes[i], count, l.alias, l.id, peers, l.workflow), 0644, true));
  }
  // Last, so that up/down/status never see a half-written network.
  KLYN_TRY(core::write_file_atomic(root / kLayoutFile, l.to_json().dump(2) + "\n", 0644, true));
  return l;
}

Result<NodeEntry> add_follower(Layout& l, uint16_t port) {
  NodeEntry n;
  n.index = static_cast<int>(l.nodes.size()) + 1;
  n.dir = "node-" + std::to_string(n.index);
  n.port = port;
  n.url = url_of(port);
  n.role = "follower";
  core::DataDir first(l.dir_of(l.nodes[0]));
  core::DataDir d(l.dir_of(n));
  if (fs::exists(d.root())) return Error("usage", d.root().string() + " exists already");
  KLYN_TRY(d.create_layout());
  // The first node's config with this node's port.
  std::ifstream in(first.node_config());
  std::stringstream text;
  text << in.rdbuf();
  std::string cfg = text.str();
  const std::string from = "port = " + std::to_string(l.nodes[0].port);
  if (auto pos = cfg.find(from); pos != std::string::npos)
    cfg.replace(pos, from.size(), "port = " + std::to_string(port));
  else
    return Error("config", first.node_config().string() + ": no \"" + from + "\" line");
  KLYN_TRY(core::write_file_atomic(d.node_config(), cfg, 0644, true));
  std::ifstream g(first.genesis(l.alias));
  std::stringstream genesis;
  genesis << g.rdbuf();
  KLYN_TRY(core::write_file_atomic(d.genesis(l.alias), genesis.str(), 0644, true));
  std::vector<std::string> peers;
  for (const auto& p : l.nodes) peers.push_back(p.url);
  const int count = static_cast<int>(l.nodes.size()) + 1;
  KLYN_TRY(core::write_file_atomic(d.symbiote_config(l.alias),
                                   symbiote_toml(n, count, l.alias, l.id, peers, l.workflow), 0644,
                                   true));
  l.nodes.push_back(n);
  KLYN_TRY(core::write_file_atomic(l.root / kLayoutFile, l.to_json().dump(2) + "\n", 0644, true));
  return n;
}

}  // namespace klyn::cli::testnet
