// klyn74r bench: the node load benchmark of issue 2 (numbers go to bench/README.md).
//
// By default it is self-contained: it creates a temporary data directory whose genesis funds
// --accounts deterministic TEST keys, starts `klyn74r run` on a free loopback port as a child
// process, measures this machine's Ed25519 ceiling, pre-signs --events transfers, submits them
// over --connections keep-alive connections (batched binary POST /events, or single JSON POST
// /event with --batch 0), waits until all are applied, and prints accepted/s, applied/s,
// p50/p99 submit->applied latency (sampled) and the node's peak RSS.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "chain/event_json.h"
#include "cli/bench.h"
#include "cli/cli_common.h"
#include "codec/hex.h"
#include "common/process.h"

namespace klyn::cli {

namespace {

using bench::Clock;
using bench::seconds_since;
using BenchOptions = bench::Options;

// Runs a klyn74r subcommand to completion, its output into `log`; prints the log on failure.
int run_cmd(const std::vector<std::string>& args, const std::filesystem::path& log) {
  SpawnOptions so;
  so.argv = args;
  so.output = log;
  auto pid = spawn_process(so);
  if (!pid) return report(kExitFailure, pid.error().to_string());
  int st = 0;
  waitpid(*pid, &st, 0);
  const int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
  if (code != 0) {
    std::ifstream in(log);
    std::cerr << in.rdbuf();
  }
  return code;
}

int bench_one_node(const BenchOptions& o) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  std::cout << "machine: " << cores << " cores\n";
  bench::Ceilings ceilings = bench::measure_ceilings(cores);
  if (o.ceiling_only) return kExitOk;

  // 1. A data dir with a genesis funding the benchmark accounts.
  std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  std::filesystem::path dir = o.dir.empty() ? std::filesystem::temp_directory_path() /
                                                  ("klyn-bench-" + std::to_string(::getpid()))
                                            : std::filesystem::path(o.dir);
  bool temp = o.dir.empty();
  std::filesystem::remove_all(dir);
  const std::filesystem::path setup_log =
      std::filesystem::temp_directory_path() / ("klyn-bench-setup-" + std::to_string(::getpid()));
  struct RemoveOnExit {
    std::filesystem::path file;
    ~RemoveOnExit() {
      std::error_code ec;
      std::filesystem::remove(file, ec);
    }
  } setup_log_guard{setup_log};
  auto t_setup = Clock::now();
  if (run_cmd({self, "init", "--dir", dir.string(), "--devnet"}, setup_log) != 0)
    return report(kExitFailure, "init failed");
  std::vector<std::string> genesis_new = {self,
                                          "genesis",
                                          "new",
                                          "--dir",
                                          dir.string(),
                                          "--alias",
                                          "bench",
                                          "--controller-key",
                                          "controller",
                                          "--controller-stake",
                                          "1000000",
                                          "--fund-derived",
                                          "bench:" + std::to_string(o.accounts) + ":1000000000000",
                                          "--max-events-per-block",
                                          std::to_string(o.max_events_per_block)};
  for (const auto& h : o.hostchains) genesis_new.insert(genesis_new.end(), {"--hostchain", h});
  if (!o.hostchains.empty())
    genesis_new.insert(genesis_new.end(),
                       {"--checkpoint-every", std::to_string(o.checkpoint_every)});
  if (run_cmd(genesis_new, setup_log) != 0) return report(kExitFailure, "genesis new failed");
  if (!o.hostchain_config.empty()) {
    // The node-local [hostchains.<name>] tables go into the benchmark symbiote's toml.
    std::ifstream in(o.hostchain_config);
    if (!in)
      return report(kExitConfig, "--hostchain-config " + o.hostchain_config + ": cannot read");
    std::stringstream tables;
    tables << in.rdbuf();
    std::ofstream out(dir / "CONFIGS" / "symbiotes" / "bench.toml", std::ios::app);
    out << "\n" << tables.str() << "\n";
  }
  // Only the benchmark symbiote runs.
  std::filesystem::remove(dir / "CONFIGS" / "symbiotes" / "alpha.toml");
  std::filesystem::remove(dir / "CONFIGS" / "symbiotes" / "beta.toml");
  {
    // Quieter logs during the load.
    std::ifstream in(dir / "CONFIGS" / "node.toml");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    auto pos = text.find("level = \"info\"");
    if (pos != std::string::npos) text.replace(pos, 14, "level = \"warn\"");
    std::ofstream out(dir / "CONFIGS" / "node.toml");
    out << text;
  }
  std::cout << "setup: " << o.accounts << " funded accounts in " << seconds_since(t_setup)
            << " s\n";

  // 2. Start the node.
  uint16_t port = free_loopback_port();
  SpawnOptions so;
  so.argv = {self, "run", "--dir", dir.string(), "--port", std::to_string(port)};
  so.output = dir / "LOGS" / "console.log";  // warnings and errors only (level warn)
  auto spawned = spawn_process(so);
  if (!spawned)
    return report(kExitFailure, "cannot start the node: " + spawned.error().to_string());
  const pid_t node = *spawned;
  auto stop_node = [&] {
    kill(node, SIGTERM);
    int st = 0;
    waitpid(node, &st, 0);
    if (temp) std::filesystem::remove_all(dir);
  };
  net::HttpClient probe("127.0.0.1", port, std::chrono::seconds(5));
  auto t_start = Clock::now();
  bool ready = false;
  while (seconds_since(t_start) < 120) {
    auto r = probe.get("/s/bench/info");
    if (r && r->status == 200) {
      ready = true;
      break;
    }
    int st = 0;
    if (waitpid(node, &st, WNOHANG) == node)
      return report(kExitFailure, "the node exited during start-up");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!ready) {
    stop_node();
    return report(kExitFailure, "the node did not become ready");
  }
  std::cout << "node started in " << seconds_since(t_start) << " s (pid " << node << ", port "
            << port << "), RSS after start " << bench::peak_rss_kib(node) / 1024 << " MiB\n";
  auto info = nlohmann::json::parse(probe.get("/s/bench/info")->body);
  auto sym = *codec::hex_decode_fixed<32>(info["id"].get<std::string>());
  chain::Amount fee = 1;

  // 3. Pre-sign.
  const uint64_t n_accounts = std::min<uint64_t>(o.accounts, o.events);
  auto t_sign = Clock::now();
  const std::vector<bench::SignedEvent> evs =
      bench::presign_transfers(sym, "bench", n_accounts, o.events, fee);
  std::cout << "pre-signed " << o.events << " transfers from " << n_accounts << " accounts in "
            << seconds_since(t_sign) << " s\n";

  // 4. Submit over C connections; a sampler measures submit->applied latency.
  std::vector<Clock::time_point> submitted(o.events);
  std::atomic<uint64_t> accepted{0}, refused{0}, cursor{0};
  std::atomic<bool> submit_failed{false};
  const unsigned batch = o.batch;
  auto t0 = Clock::now();
  // The client's own CPU during the load (signing is done; the ceiling threads are not running).
  const double client_cpu0 = bench::self_cpu_seconds();
  std::vector<std::thread> senders;
  for (unsigned c = 0; c < o.connections; ++c)
    senders.emplace_back([&] {
      net::HttpClient http("127.0.0.1", port, std::chrono::seconds(60));
      const uint64_t step = batch ? batch : 1;
      while (true) {
        uint64_t from = cursor.fetch_add(step);
        if (from >= o.events) break;
        uint64_t to = std::min(o.events, from + step);
        auto now = Clock::now();
        for (uint64_t i = from; i < to; ++i) submitted[i] = now;
        if (batch) {
          std::vector<const bench::SignedEvent*> slice;
          for (uint64_t i = from; i < to; ++i) slice.push_back(&evs[i]);
          uint64_t a = 0, rj = 0;
          if (!bench::post_batch(http, "bench", slice, a, rj)) submit_failed = true;
          accepted += a;
          refused += rj;
        } else {
          nlohmann::json j = {{"raw", codec::hex_encode(evs[from].bin)}};
          auto r = http.post("/s/bench/event", j.dump());
          if (r && r->status == 202)
            ++accepted;
          else if (r)
            ++refused;
          else
            submit_failed = true;
        }
      }
    });
  // Latency: a poller records when each controller height first shows as applied; afterwards
  // every sample_every-th event's height is looked up, so latency = (first time its block was seen
  // applied) - (its submit time), with the poller's resolution (about a millisecond).
  std::vector<std::pair<uint64_t, Clock::time_point>> height_seen;  // (height, first seen)
  std::atomic<bool> polling{true};
  std::thread poller([&] {
    net::HttpClient http("127.0.0.1", port, std::chrono::seconds(10));
    uint64_t last = 0;
    while (polling) {
      auto r = http.get("/s/bench/state_root");
      if (r && r->status == 200) {
        auto j = nlohmann::json::parse(r->body, nullptr, false);
        uint64_t h = j.is_object() ? j.value("height", uint64_t{0}) : 0;
        if (h > last) {
          height_seen.emplace_back(h, Clock::now());
          last = h;
        }
      }
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  });
  for (auto& t : senders) t.join();
  double submit_s = seconds_since(t0);
  // 5. Wait until everything admitted is applied.
  uint64_t applied = 0, rejected = 0;
  while (seconds_since(t0) < o.timeout_s) {
    auto r = probe.get("/s/bench/info");
    if (r && r->status == 200) {
      auto j = nlohmann::json::parse(r->body, nullptr, false);
      applied = j["events"].value("applied", uint64_t{0});
      rejected = j["events"].value("rejected", uint64_t{0});
      if (applied + rejected >= accepted.load()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  double total_s = seconds_since(t0);
  const double client_cpu = bench::self_cpu_seconds() - client_cpu0;
  polling = false;
  poller.join();
  std::vector<double> latencies;
  for (uint64_t i = 0; i < o.events; i += o.sample_every) {
    auto r = probe.get("/s/bench/event/" + codec::hex_encode(evs[i].hash));
    if (!r || r->status != 200) continue;
    auto j = nlohmann::json::parse(r->body, nullptr, false);
    if (!j.is_object() || j.value("status", "") != "applied") continue;
    uint64_t h = j.value("height", uint64_t{0});
    auto it = std::lower_bound(height_seen.begin(), height_seen.end(), h,
                               [](const auto& p, uint64_t v) { return p.first < v; });
    if (it == height_seen.end()) continue;
    latencies.push_back(
        std::chrono::duration<double, std::milli>(it->second - submitted[i]).count());
  }
  uint64_t rss = bench::peak_rss_kib(node);
  const double node_cpu = process_cpu_seconds(node).value_or(0);
  nlohmann::json hostchains = nlohmann::json::array();
  if (!o.hostchains.empty()) {
    // What the hostchains got meanwhile: proof that they were active during the load.
    auto f = probe.get("/s/bench/finality");
    auto j =
        f && f->status == 200 ? nlohmann::json::parse(f->body, nullptr, false) : nlohmann::json();
    if (j.is_object() && j["hostchains"].is_array())
      for (const auto& h : j["hostchains"])
        hostchains.push_back(
            {{"name", h.value("name", "")},
             {"status", h.value("status", "")},
             {"final_index", h.value("final_index", uint64_t{0})},
             {"last_commit_index", h.contains("last_commit") ? h["last_commit"].value("index", 0)
                                   : h.contains("pending_commit")
                                       ? h["pending_commit"].value("index", 0)
                                       : 0},
             {"last_error", h.value("last_error", "")}});
  }
  ceilings.measure_again(cores, "after the load");
  stop_node();
  ceilings.measure_again(cores, "with the node stopped");
  const double ceiling = ceilings.libsodium;  // the highest of the three

  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) {
    return latencies.empty() ? 0.0
                             : latencies[std::min(latencies.size() - 1,
                                                  static_cast<size_t>(p * latencies.size()))];
  };
  nlohmann::json out = {
      {"cores", cores},
      {"events", o.events},
      {"accounts", o.accounts},
      {"connections", o.connections},
      {"batch", batch},
      {"accepted", accepted.load()},
      {"refused", refused.load()},
      {"applied", applied},
      {"rejected_in_blocks", rejected},
      {"submit_seconds", submit_s},
      {"total_seconds", total_s},
      {"accepted_per_s", accepted.load() / submit_s},
      {"applied_per_s", applied / total_s},
      {"latency_ms_p50", pct(0.50)},
      {"latency_ms_p99", pct(0.99)},
      {"latency_samples", latencies.size()},
      {"node_peak_rss_mib", rss / 1024.0},
      {"node_cpu_seconds", node_cpu},
      {"node_cpu_ms_per_1000_events", applied ? node_cpu * 1e6 / applied : 0.0},
      // Of the machine's CPU over the load, the share the client (this process) took.
      {"client_cpu_fraction", client_cpu / (total_s * cores)},
      {"applied_vs_ceiling", (applied / total_s) / ceiling},
      {"ed25519_table_rate_per_s", ceilings.tables},
      {"applied_vs_table_rate", (applied / total_s) / ceilings.tables},
      {"hostchains", hostchains},
  };
  out.update(ceilings.to_json());  // the highest ceiling and every run, as bench --nodes
  std::cout << out.dump(2) << "\n";
  if (submit_failed) return report(kExitFailure, "some submissions failed at the transport level");
  if (applied + rejected < accepted)
    return report(kExitFailure, "not every accepted event was applied in time");
  return kExitOk;
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto* b = app.add_subcommand(
      "bench", "load benchmark: starts a node, submits pre-signed transfers, measures");
  auto o = std::make_shared<BenchOptions>();
  b->add_option("--events,-n", o->events, "transfers to submit")->capture_default_str();
  b->add_option("--accounts,-a", o->accounts, "funded sender accounts")->capture_default_str();
  b->add_option("--connections,-c", o->connections, "keep-alive connections")
      ->capture_default_str();
  b->add_option("--batch,-b", o->batch,
                "events per POST /events (binary); 0 = one JSON POST /event each")
      ->capture_default_str();
  b->add_option("--hostchain", o->hostchains,
                "TYPE:NETWORK[:ADDRESS]: a hostchain in the benchmark symbiote's manifest "
                "(repeatable; needs --hostchain-config with its [hostchains.<name>] table)");
  b->add_option("--hostchain-config", o->hostchain_config,
                "a file of [hostchains.<name>] tables appended to the symbiote's config");
  b->add_option("--checkpoint-every", o->checkpoint_every,
                "with --hostchain: controller blocks between checkpoints")
      ->capture_default_str();
  b->add_option("--max-events-per-block", o->max_events_per_block,
                "manifest limit of the benchmark symbiote")
      ->capture_default_str();
  b->add_option("--sample-every", o->sample_every, "measure latency of every N-th event")
      ->capture_default_str();
  b->add_option("--dir", o->dir,
                "data directory to use (default: a temporary one, removed afterwards)");
  b->add_option("--timeout", o->timeout_s, "seconds to wait for everything to be applied")
      ->capture_default_str();
  b->add_flag("--ceiling-only", o->ceiling_only, "only measure the Ed25519 ceiling");
  b->add_option("--rate", o->rate,
                "with --nodes: offer this many events/s and measure submit->applied latency "
                "(0 = saturation)");
  b->add_option("--workflow", o->workflow,
                "with --nodes: dev_controller or dev_symbiland (every node a validator)")
      ->capture_default_str();
  b->add_option("--nodes", o->nodes,
                "1: one node; N > 1: a local testnet of N nodes (node-1 controller, the others "
                "staked producers), events submitted to all of them")
      ->check(CLI::Range(1u, 16u))
      ->capture_default_str();
  b->add_flag("!--no-catch-up", o->catch_up,
              "with --nodes: skip timing a fresh node that joins from genesis afterwards");
  b->callback([o] { std::exit(o->nodes > 1 ? bench::run_network(*o) : bench_one_node(*o)); });
}

}  // namespace klyn::cli
