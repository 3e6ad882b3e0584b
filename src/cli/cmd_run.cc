// klyn74r run and klyn74r replay.
#include "chain/store.h"
#include "cli/builtin_workflows.h"
#include "cli/cli_common.h"
#include "codec/hex.h"
#include "core/config.h"
#include "core/data_dir.h"
#include "core/node.h"

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
    // The blocks are the workflow's: it re-applies them (core::Workflow::replay).
    auto wf =
        builtin_workflows().create(genesis->manifest.workflow, genesis->manifest.workflow_version);
    if (!wf) std::exit(report(kExitConfig, wf.error().reason));
    auto applied = (*live)->applied_height();
    if (!applied) fail_on(applied.error());
    const uint64_t height = *applied;
    auto t0 = std::chrono::steady_clock::now();
    auto result = (*wf)->replay(*genesis, **live, **fresh);
    if (!result) std::exit(report(kExitFailure, result.error().to_string()));
    const uint64_t events = result->events;
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
