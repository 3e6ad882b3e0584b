// klyn74r run and klyn74r replay.
#include "chain/store.h"
#include "cli/builtin_workflows.h"
#include "cli/cli_common.h"
#include "codec/hex.h"
#include "core/config.h"
#include "core/data_dir.h"
#include "core/node.h"
#include "workflows/dev_controller/verifier.h"

namespace klyn::cli {

void add_run_command(CLI::App& app) {
  auto* run =
      app.add_subcommand("run", "run the node: host every enabled symbiote of the data directory");
  auto opts = std::make_shared<core::NodeOptions>();
  auto dir = std::make_shared<std::string>();
  auto port = std::make_shared<uint16_t>(0);
  auto iface = std::make_shared<std::string>();
  run->add_option("--dir", *dir, "data directory")->required();
  run->add_option("--port", *port, "override server.port of node.toml");
  run->add_option("--interface", *iface, "override server.interface of node.toml");
  run->callback([=] {
    opts->dir = *dir;
    if (*port) opts->port = *port;
    if (!iface->empty()) opts->interface = *iface;
    std::exit(core::run_node(*opts, builtin_workflows(), builtin_connectors()));
  });
}

// Re-applies every stored controller block of a (stopped) node's symbiote into a fresh database,
// verifying every signature again, and compares the state root at the stored applied height.
void add_replay_command(CLI::App& app) {
  auto* rp = app.add_subcommand(
      "replay",
      "re-apply a symbiote's stored blocks from genesis into a fresh database and compare "
      "state roots (the node must be stopped)");
  auto dir = std::make_shared<std::string>();
  auto alias = std::make_shared<std::string>();
  rp->add_option("--dir", *dir, "data directory")->required();
  rp->add_option("--symbiote,-s", *alias, "symbiote alias")->required();
  rp->callback([=] {
    core::DataDir d(*dir);
    auto cfgs = core::load_symbiote_configs(d);
    if (!cfgs) std::exit(report(kExitConfig, cfgs.error().reason));
    const core::SymbioteConfig* sc = nullptr;
    for (const auto& c : *cfgs)
      if (c.alias == *alias) sc = &c;
    if (!sc) std::exit(report(kExitConfig, "no symbiote " + *alias + " in " + *dir));
    auto genesis = chain::load_genesis_file(sc->genesis_path.string());
    if (!genesis) std::exit(report(kExitConfig, genesis.error().reason));
    chain::StoreOptions ro;
    ro.read_only = true;
    // Opening runs the start-up checks (S2-S4): a damaged WAL, a lost tail or an inconsistent
    // pointer is reported here, before anything is replayed.
    auto live = chain::ChainStore::open(d.chaindata(codec::hex_encode(genesis->id())).string(),
                                        *genesis, ro);
    if (!live) std::exit(report(kExitFailure, live.error().to_string()));
    auto fail_on = [](const Error& e) { std::exit(report(kExitFailure, e.to_string())); };
    // Every table file, every block checksum.
    if (auto st = (*live)->verify_checksums(); !st) fail_on(st.error());
    auto tmp =
        std::filesystem::temp_directory_path() / ("klyn-replay-" + std::to_string(::getpid()));
    std::filesystem::remove_all(tmp);
    auto fresh = chain::ChainStore::open(tmp.string(), *genesis);
    if (!fresh) std::exit(report(kExitFailure, fresh.error().reason));
    dev_controller::Verifier v(**fresh, genesis->manifest, nullptr);
    if (auto st = v.init(); !st) std::exit(report(kExitFailure, st.error().reason));
    auto applied = (*live)->applied_height();
    if (!applied) fail_on(applied.error());
    const uint64_t height = *applied;
    auto limits = dev_controller::BlockLimits::of(genesis->manifest);
    auto t0 = std::chrono::steady_clock::now();
    size_t events = 0;
    auto read = [&](const std::string& key) -> std::optional<std::string> {
      auto v = (*live)->get(key);
      if (!v) fail_on(v.error());
      return *v;
    };
    for (uint64_t i = 1; i <= height; ++i) {
      auto cbytes = read(dev_controller::dc_keys::controller(i));
      if (!cbytes)
        std::exit(report(kExitFailure, "controller block " + std::to_string(i) + " is missing"));
      auto cb = dev_controller::decode_controller_block(as_bytes(*cbytes), limits);
      if (!cb) std::exit(report(kExitFailure, cb.error().reason));
      chain::WriteBatch copy;
      for (const auto& h : cb->instant_blocks)
        if (auto ib = read(dev_controller::dc_keys::instant(h)))
          copy.put(dev_controller::dc_keys::instant(h), *ib);
      copy.put(dev_controller::dc_keys::controller(i), *cbytes);
      copy.put(dev_controller::dc_keys::kHead, chain::keys::be64(i));
      if (auto st = (*fresh)->write(copy); !st) fail_on(st.error());
      auto r = v.apply_next();
      if (!r)
        std::exit(report(kExitFailure,
                         "replaying block " + std::to_string(i) + ": " + r.error().to_string()));
      events += r->applied + r->rejected;
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    auto stored_root = (*live)->state_root(height);
    if (!stored_root) fail_on(stored_root.error());
    auto replayed_root = (*fresh)->state_root(height);
    if (!replayed_root) fail_on(replayed_root.error());
    const std::optional<Hash32> stored = *stored_root, replayed = *replayed_root;
    bool match = stored && replayed && *stored == *replayed;
    std::cout << nlohmann::json({{"symbiote", *alias},
                                 {"height", height},
                                 {"events", events},
                                 {"seconds", secs},
                                 {"stored_root", stored ? codec::hex_encode(*stored) : ""},
                                 {"replayed_root", replayed ? codec::hex_encode(*replayed) : ""},
                                 {"match", match}})
                     .dump()
              << "\n";
    fresh->reset();
    std::filesystem::remove_all(tmp);
    std::exit(match ? kExitOk : kExitFailure);
  });
}

}  // namespace klyn::cli
