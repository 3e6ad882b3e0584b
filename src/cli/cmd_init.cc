// klyn74r init (data dir, optionally a ready devnet) and klyn74r genesis new.
#include <fstream>

#include "chain/genesis.h"
#include "cli/builtin_workflows.h"
#include "cli/cli_common.h"
#include "codec/hex.h"
#include "core/data_dir.h"
#include "core/keystore.h"

namespace klyn::cli {

namespace {

constexpr uint64_t kDevnetCheckpointEvery = 10;

struct GenesisParams {
  std::string alias;
  std::string controller_key;
  chain::Amount fee = 1;
  uint32_t generator_share = 500;
  std::string fee_rest = "burn";
  chain::Amount instant_freeze = 1000;
  chain::Amount controller_stake = 0;  // 0 = instant_freeze
  chain::Amount controller_balance = 1'000'000'000'000;
  uint64_t unstake_delay = 10;
  uint64_t checkpoint_every = 0;
  std::vector<std::string> fund;          // ADDR=AMOUNT
  std::vector<std::string> fund_derived;  // LABEL:COUNT:AMOUNT
  uint32_t max_events_per_instant_block = 5000;
  std::vector<std::string> hostchains;  // TYPE:NETWORK[:ADDRESS]
  uint32_t inclusion_window = 50;
  std::string extra_config;  // appended to the node-local config (devnet tables)
  bool phantom = true;
  bool overwrite = false;
  std::string workflow = "dev_controller";
  std::vector<std::string> peers;  // written to the node config
  // dev_symbiland
  std::vector<std::string> validators;  // ADDRESS:BLS_KEY:POP[:WEIGHT]
  std::string bls_key;                  // this node's validator key (keystore name)
  uint64_t base_timeout_ms = 1000;
  uint64_t min_block_interval_ms = 10;
};

Result<chain::Amount> parse_amount(const std::string& s, const std::string& what) {
  try {
    size_t pos = 0;
    unsigned long long v = std::stoull(s, &pos);
    if (pos != s.size() || s.empty() || s[0] == '-') throw std::invalid_argument("x");
    return static_cast<chain::Amount>(v);
  } catch (...) {
    return Error("usage", what + ": \"" + s + "\" is not a non-negative integer");
  }
}

// --fund and --fund-derived into `accounts`.
Status add_funds(const GenesisParams& p,
                 std::map<chain::AccountId, chain::GenesisAccount>& accounts) {
  for (const auto& f : p.fund) {
    auto eq = f.find('=');
    if (eq == std::string::npos) return Error("usage", "--fund " + f + ": expected ADDRESS=AMOUNT");
    auto id = crypto::parse_address(f.substr(0, eq));
    if (!id) return Error("usage", "--fund " + f + ": " + id.error().reason);
    auto amount = parse_amount(f.substr(eq + 1), "--fund");
    if (!amount) return amount.error();
    accounts[*id].id = *id;
    accounts[*id].balance += *amount;
  }
  for (const auto& f : p.fund_derived) {
    auto a = f.find(':'), b = f.rfind(':');
    if (a == std::string::npos || a == b)
      return Error("usage", "--fund-derived " + f + ": expected LABEL:COUNT:AMOUNT");
    auto count = parse_amount(f.substr(a + 1, b - a - 1), "--fund-derived count");
    auto amount = parse_amount(f.substr(b + 1), "--fund-derived amount");
    if (!count) return count.error();
    if (!amount) return amount.error();
    for (uint64_t i = 0; i < *count; ++i) {
      auto k = derived_test_key(f.substr(0, a), i);
      auto& acc = accounts[k.public_key()];
      acc.id = k.public_key();
      acc.balance += *amount;
    }
  }
  return Status();
}

// The manifest fields every workflow's genesis takes from the options: fees, unstake delay.
Status set_common_manifest(const GenesisParams& p, chain::Manifest& m) {
  m.fee.per_event = p.fee;
  m.fee.generator_share_permille = p.generator_share;
  if (p.fee_rest != "burn") {
    auto rest = crypto::parse_address(p.fee_rest);
    if (!rest) return Error("usage", "--fee-rest: " + rest.error().reason);
    m.fee.rest_to = *rest;
  }
  m.unstake_delay = p.unstake_delay;
  return Status();
}

std::string peers_toml(const std::vector<std::string>& peers) {
  std::string out = "peers = [";
  for (size_t i = 0; i < peers.size(); ++i) out += (i ? ", \"" : "\"") + peers[i] + "\"";
  return out + "]\n";
}

// Checks the genesis with its workflow and writes it and the node config (unless they exist).
Status write_genesis_and_config(const core::DataDir& dir, const GenesisParams& p,
                                const chain::Genesis& g, const std::string& toml) {
  auto check = chain::decode_genesis(g.encode());  // validates the common manifest
  if (!check) return check.error();
  auto workflow = builtin_workflows().create(g.manifest.workflow, g.manifest.workflow_version);
  if (!workflow) return workflow.error();
  if (auto st = (*workflow)->check_manifest(g.manifest); !st)
    return Error("usage", st.error().reason);
  auto gpath = dir.genesis(p.alias);
  auto cpath = dir.symbiote_config(p.alias);
  if (!p.overwrite && (std::filesystem::exists(gpath) || std::filesystem::exists(cpath)))
    return Error("exists", "symbiote " + p.alias + " already exists (" + dir.display(gpath) + ")");
  KLYN_TRY(core::write_file_atomic(gpath, chain::genesis_to_json(g), 0644, true));
  return core::write_file_atomic(cpath, toml, 0644, true);
}

// A dev_symbiland symbiote: its validators (each ADDRESS:BLS_KEY:POP[:WEIGHT], as
// `klyn74r keys new --bls` prints them) in the manifest section.
Result<chain::SymbioteId> write_symbiland_symbiote(const core::DataDir& dir,
                                                   const GenesisParams& p) {
  chain::Genesis g;
  chain::Manifest& m = g.manifest;
  m.name = p.alias;
  m.workflow = "dev_symbiland";
  m.workflow_version = workflow_version(m.workflow);
  KLYN_TRY(set_common_manifest(p, m));
  if (p.validators.empty())
    return Error("usage", "--validator ADDRESS:BLS_KEY:POP[:WEIGHT] is required (at least one)");
  // The workflow's section (dev_symbiland/params.h), checked by the workflow below: a key or
  // proof that is wrong is refused with its JSON path.
  nlohmann::json vs = nlohmann::json::array();
  for (const auto& v : p.validators) {
    std::vector<std::string> parts;
    for (size_t at = 0;;) {
      auto next = v.find(':', at);
      parts.push_back(v.substr(at, next == std::string::npos ? std::string::npos : next - at));
      if (next == std::string::npos) break;
      at = next + 1;
    }
    if (parts.size() < 3 || parts.size() > 4)
      return Error("usage", "--validator " + v + ": expected ADDRESS:BLS_KEY:POP[:WEIGHT]");
    uint64_t weight = 1;
    if (parts.size() == 4) {
      auto w = parse_amount(parts[3], "--validator " + v + ": weight");
      if (!w) return w.error();
      weight = *w;
    }
    vs.push_back(
        {{"account", parts[0]}, {"bls_key", parts[1]}, {"pop", parts[2]}, {"weight", weight}});
  }
  KLYN_TRY(chain::set_section(m, {{"validators", vs},
                                  {"base_timeout_ms", p.base_timeout_ms},
                                  {"min_block_interval_ms", p.min_block_interval_ms},
                                  {"max_events_per_block", p.max_events_per_instant_block}}));
  std::map<chain::AccountId, chain::GenesisAccount> accounts;
  KLYN_TRY(add_funds(p, accounts));
  for (auto& [id, a] : accounts) g.accounts.push_back(a);
  std::string toml =
      "# Node-local settings of symbiote " + p.alias + " (id " + codec::hex_encode(g.id()) +
      ", dev_symbiland)\nenabled = true\n" + "genesis = \"GENESIS/" + p.alias + ".json\"\n" +
      peers_toml(p.peers) +
      "\n[workflow]\n# this node's validator key (keystore name); empty = follower\n" +
      "bls_key = \"" + p.bls_key + "\"\n" + p.extra_config;
  KLYN_TRY(write_genesis_and_config(dir, p, g, toml));
  return g.id();
}

// Writes GENESIS/<alias>.json and CONFIGS/symbiotes/<alias>.toml; returns the symbiote id.
Result<chain::SymbioteId> write_symbiote(const core::DataDir& dir, const GenesisParams& p) {
  if (!core::is_valid_alias(p.alias))
    return Error("usage", "--alias \"" + p.alias + "\": must match [a-z][a-z0-9_-]{0,31}");
  if (p.workflow == "dev_symbiland") return write_symbiland_symbiote(dir, p);
  if (p.workflow != "dev_controller")
    return Error("usage", "--workflow " + p.workflow +
                              ": this node has dev_controller and "
                              "dev_symbiland");
  if (p.controller_key.empty()) return Error("usage", "--controller-key is required");
  core::Keystore ks(dir.keys_dir());
  auto ck = ks.info(p.controller_key);
  if (!ck) return Error("usage", "--controller-key: " + ck.error().reason);
  auto controller = crypto::parse_address(ck->address);
  if (!controller) return controller.error();

  chain::Genesis g;
  chain::Manifest& m = g.manifest;
  m.name = p.alias;
  std::tie(m.workflow, m.workflow_version) = default_workflow();
  KLYN_TRY(set_common_manifest(p, m));
  m.checkpoint_every = p.checkpoint_every;
  // The default workflow's section (dev_controller/params.h); absent keys take its defaults.
  KLYN_TRY(chain::set_section(m, {{"controller", ck->address},
                                  {"instant_producer_stake", p.instant_freeze},
                                  {"max_events_per_instant_block", p.max_events_per_instant_block},
                                  {"inclusion_window", p.inclusion_window}}));
  for (const auto& h : p.hostchains) {
    auto a = h.find(':');
    if (a == std::string::npos || a == 0 || a + 1 == h.size())
      return Error("usage", "--hostchain " + h + ": expected TYPE:NETWORK[:ADDRESS]");
    auto b = h.find(':', a + 1);
    chain::HostchainRef ref;
    ref.type = h.substr(0, a);
    ref.network = h.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1);
    if (b != std::string::npos) ref.address = h.substr(b + 1);
    if (ref.network.empty())
      return Error("usage", "--hostchain " + h + ": expected TYPE:NETWORK[:ADDRESS]");
    m.hostchains.push_back(std::move(ref));
  }

  std::map<chain::AccountId, chain::GenesisAccount> accounts;
  auto& c = accounts[*controller];
  c.id = *controller;
  c.balance = p.controller_balance;
  c.stake = p.controller_stake ? p.controller_stake : p.instant_freeze;
  KLYN_TRY(add_funds(p, accounts));
  for (auto& [id, a] : accounts) g.accounts.push_back(a);
  std::string toml = "# Node-local settings of symbiote " + p.alias + " (id " +
                     codec::hex_encode(g.id()) + ")\n" +
                     "enabled = true\n"
                     "genesis = \"GENESIS/" +
                     p.alias +
                     ".json\"\n"
                     "key = \"" +
                     p.controller_key +
                     "\"\n"
                     "role = \"controller\"\n" +
                     peers_toml(p.peers) +
                     "\n"
                     "[workflow]\n"
                     "phantom_blocks = " +
                     std::string(p.phantom ? "true" : "false") +
                     "\n"
                     "block_interval_ms = 100\n" +
                     p.extra_config;
  KLYN_TRY(write_genesis_and_config(dir, p, g, toml));
  return g.id();
}

void add_genesis_options(CLI::App* c, GenesisParams& p) {
  c->add_option("--alias", p.alias, "alias of the new symbiote (its config and genesis file names)")
      ->required();
  c->add_option("--workflow", p.workflow, "dev_controller or dev_symbiland")->capture_default_str();
  c->add_option("--controller-key", p.controller_key,
                "keystore key of the controller (dev_controller: required)");
  c->add_option("--validator", p.validators,
                "ADDRESS:BLS_KEY:POP[:WEIGHT] a validator (dev_symbiland; repeatable, in index "
                "order; BLS_KEY and POP as `keys new --bls` prints them)");
  c->add_option("--bls-key", p.bls_key,
                "dev_symbiland: this node's validator key (keystore name) for the node config");
  c->add_option("--base-timeout-ms", p.base_timeout_ms, "dev_symbiland: a round's timer")
      ->check(CLI::Range(50, 60000))
      ->capture_default_str();
  c->add_option("--min-block-interval-ms", p.min_block_interval_ms,
                "dev_symbiland: at least this between a block and its parent")
      ->check(CLI::Range(0, 10000))
      ->capture_default_str();
  c->add_option("--peer", p.peers, "http://host:port a peer for the node config (repeatable)");
  c->add_option("--fee", p.fee, "minimum fee per event")->capture_default_str();
  c->add_option("--generator-share", p.generator_share,
                "per-mille of each fee paid to the block producer")
      ->check(CLI::Range(0, 1000))
      ->capture_default_str();
  c->add_option("--fee-rest", p.fee_rest, "where the rest of each fee goes: burn or an address")
      ->capture_default_str();
  c->add_option("--instant-freeze", p.instant_freeze, "stake needed to produce instant blocks")
      ->capture_default_str();
  c->add_option("--controller-stake", p.controller_stake,
                "the controller's initial stake (default: the instant freeze)");
  c->add_option("--controller-balance", p.controller_balance, "the controller's initial balance")
      ->capture_default_str();
  c->add_option("--unstake-delay", p.unstake_delay,
                "controller blocks until unstaked funds are released")
      ->capture_default_str();
  c->add_option("--checkpoint-every", p.checkpoint_every,
                "controller blocks between hostchain checkpoints (0 = none)");
  c->add_option("--max-events-per-block", p.max_events_per_instant_block,
                "events per instant block at most")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  c->add_option("--hostchain", p.hostchains,
                "TYPE:NETWORK[:ADDRESS] a hostchain of the manifest (repeatable), e.g. "
                "symbiote:<id>, bitcoin:litecoin-regtest, evm:1337:0x<contract>");
  c->add_option("--inclusion-window", p.inclusion_window,
                "controller blocks before an omitted instant block is censorship evidence")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  c->add_option("--fund", p.fund, "ADDRESS=AMOUNT initial balance (repeatable)");
  c->add_option(
      "--fund-derived", p.fund_derived,
      "LABEL:COUNT:AMOUNT fund COUNT deterministic TEST keys (benchmarks and tests only)");
  c->add_flag(
      "--no-phantom", [&p](int64_t) { p.phantom = false; }, "one controller block per tick");
  c->add_flag("--force", p.overwrite, "overwrite an existing symbiote of that alias");
}

Status create_plain_test_key(const core::DataDir& dir, const std::string& name,
                             const std::string& label) {
  core::Keystore ks(dir.keys_dir());
  if (ks.info(name)) return Status();
  auto k = derived_test_key(label, 0);
  auto r = ks.import(name, k.seed(), core::KeyProtection::unencrypted());
  if (!r) return r.error();
  return Status();
}

}  // namespace

void add_init_commands(CLI::App& app) {
  auto* init = app.add_subcommand(
      "init", "create a data directory (CONFIGS, GENESIS, CHAINDATA, LOGS, KEYS, ...)");
  auto dir = std::make_shared<std::string>();
  auto devnet = std::make_shared<bool>(false);
  auto port = std::make_shared<uint16_t>(7777);
  init->add_option("--dir", *dir, "data directory")->required();
  init->add_flag("--devnet", *devnet,
                 "also create a local devnet: symbiotes alpha and beta (dev_controller, this node "
                 "their controller), gamma (dev_symbiland, this node its one validator) "
                 "and funded UNENCRYPTED test keys");
  init->add_option("--port", *port, "API port written to node.toml")->capture_default_str();
  init->callback([=] {
    core::DataDir d(*dir);
    if (auto st = d.create_layout(); !st) std::exit(report(kExitConfig, st.error().reason));
    bool wrote = false;
    if (!std::filesystem::exists(d.node_config())) {
      std::string text = core::default_node_config_text();
      auto set = [&text](const std::string& from, const std::string& to) {
        auto pos = text.find(from);
        if (pos != std::string::npos) text.replace(pos, from.size(), to);
      };
      set("port = 7777", "port = " + std::to_string(*port));
      if (*devnet) set("allow_plain_keys = false", "allow_plain_keys = true ");
      if (auto st = core::write_file_atomic(d.node_config(), text, 0644, false); !st)
        std::exit(report(kExitConfig, st.error().reason));
      wrote = true;
    }
    std::cout << "data directory " << *dir << " ready"
              << (wrote ? " (wrote CONFIGS/node.toml)" : "") << "\n";
    if (!*devnet) return;
    for (auto [name, label] : {std::pair{"controller", "devnet-controller"},
                               {"alice", "devnet-alice"},
                               {"bob", "devnet-bob"},
                               {"checkpointer", "devnet-checkpointer"}})
      if (auto st = create_plain_test_key(d, name, label); !st)
        std::exit(report(kExitConfig, st.error().to_string()));
    core::Keystore ks(d.keys_dir());
    std::string alice = ks.info("alice")->address, bob = ks.info("bob")->address;
    std::string checkpointer = ks.info("checkpointer")->address;
    // alpha and beta are each other's hostchain (a `symbiote` connector to this very node).
    // Each id hashes the other's genesis, so the manifests name each other by alias.
    for (auto [alias, other] : {std::pair{"alpha", "beta"}, {"beta", "alpha"}}) {
      if (std::filesystem::exists(d.genesis(alias))) continue;
      GenesisParams p;
      p.alias = alias;
      p.controller_key = "controller";
      p.controller_stake = 1'000'000;
      p.fund = {alice + "=1000000000", bob + "=1000000000", checkpointer + "=1000000000"};
      p.checkpoint_every = kDevnetCheckpointEvery;
      p.hostchains = {std::string("symbiote:") + other};
      p.extra_config = std::string("\n# ") + other +
                       " hosts this symbiote's checkpoints (CHECKPOINT events paid by "
                       "`checkpointer`)\n[hostchains." +
                       other + "]\ntype = \"symbiote\"\nnetwork = \"" + other +
                       "\"\napi_url = \"self\"  # this node's own API, whatever port it runs on"
                       "\nkey = \"checkpointer\"\nfee = 1\nconfirmations = 2\n";
      auto id = write_symbiote(d, p);
      if (!id) std::exit(report(kExitConfig, id.error().to_string()));
      std::cout << "symbiote " << alias << ": id " << codec::hex_encode(*id) << "\n";
    }
    // gamma: a dev_symbiland symbiote beside them, with one validator (this node; a
    // `klyn74r testnet` gives real sets).
    if (!std::filesystem::exists(d.genesis("gamma"))) {
      if (!ks.info("validator")) {
        auto created = ks.create_bls("validator", core::KeyProtection::unencrypted());
        if (!created) std::exit(report(kExitConfig, created.error().to_string()));
      }
      auto sk = ks.load_bls("validator", "", core::PlainKeys::allow);
      if (!sk) std::exit(report(kExitConfig, sk.error().to_string()));
      GenesisParams p;
      p.alias = "gamma";
      p.workflow = "dev_symbiland";
      p.validators = {ks.info("controller")->address + ":" +
                      codec::hex_encode(sk->public_key().to_bytes()) + ":" +
                      codec::hex_encode(sk->prove_possession().to_bytes())};
      p.bls_key = "validator";
      p.fund = {alice + "=1000000000", bob + "=1000000000"};
      auto id = write_symbiote(d, p);
      if (!id) std::exit(report(kExitConfig, id.error().to_string()));
      std::cout << "symbiote gamma: id " << codec::hex_encode(*id) << " (dev_symbiland)\n";
    }
    std::cout << "devnet keys (UNENCRYPTED, for testing only): controller, alice " << alice
              << ", bob " << bob << ", checkpointer " << checkpointer << "\n";
  });

  auto* gen = app.add_subcommand("genesis", "symbiote genesis files");
  gen->require_subcommand(1);
  auto* gnew = gen->add_subcommand(
      "new",
      "found a new symbiote (dev_controller or dev_symbiland): writes its genesis and node config");
  auto p = std::make_shared<GenesisParams>();
  gnew->add_option("--dir", *dir, "data directory")->required();
  add_genesis_options(gnew, *p);
  gnew->callback([=] {
    core::DataDir d(*dir);
    if (auto st = d.check_layout(); !st) std::exit(report(kExitConfig, st.error().reason));
    auto id = write_symbiote(d, *p);
    if (!id) std::exit(report(kExitConfig, id.error().to_string()));
    std::cout << nlohmann::json({{"alias", p->alias},
                                 {"id", codec::hex_encode(*id)},
                                 {"genesis", d.display(d.genesis(p->alias))},
                                 {"config", d.display(d.symbiote_config(p->alias))}})
                     .dump()
              << "\n";
  });
}

}  // namespace klyn::cli
