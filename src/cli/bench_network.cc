// klyn74r bench --nodes N: the network benchmark of issue 4 (numbers go to bench/README.md).
//
// Creates a local testnet (testnet.h) of N nodes in a temporary directory: node-1 the
// controller, nodes 2..N staked producers, 1,000 funded test accounts. Every sender account
// submits to one node (account a to node a mod N, in nonce order) over --connections keep-alive
// connections spread over the nodes, in binary batches. Each node verifies every event (its own
// admissions once, everything else when it applies a block). Measured: applied/s on every node =
// events accepted / (time until that node has applied them all), against this machine's Ed25519
// ceiling; then, unless --no-catch-up, a fresh follower joins from genesis and its catch-up rate
// (events/s and blocks/s from start to the network's height) is timed.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <iostream>
#include <optional>
#include <thread>

#include "cli/bench.h"
#include "cli/cli_common.h"
#include "cli/testnet.h"
#include "codec/hex.h"
#include "common/process.h"

namespace klyn::cli::bench {

namespace {

using namespace std::chrono_literals;

constexpr const char* kAlias = "bench";

struct Counts {
  bool ok = false;
  uint64_t height = 0, applied = 0, rejected = 0;
};

Counts counts_of(net::HttpClient& http) {
  Counts c;
  auto r = http.get(std::string("/s/") + kAlias + "/info");
  if (!r || r->status != 200) return c;
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (!j.is_object() || !j.contains("events") || !j["events"].is_object()) return c;
  c.ok = true;
  c.height = j.value("height", uint64_t{0});
  c.applied = j["events"].value("applied", uint64_t{0});
  c.rejected = j["events"].value("rejected", uint64_t{0});
  return c;
}

// Stops the testnet's nodes (and removes a temporary directory) however the benchmark ends.
class NetworkGuard {
 public:
  NetworkGuard(const testnet::Layout& l, bool remove) : l_(l), remove_(remove) {}
  ~NetworkGuard() {
    std::cout.setstate(std::ios::failbit);  // `down` prints a line per node
    testnet::down(l_, 10);
    std::cout.clear();
    if (remove_) {
      std::error_code ec;
      std::filesystem::remove_all(l_.root, ec);
    }
  }

 private:
  const testnet::Layout& l_;
  bool remove_;
};

// The height a node last applied (GET /s/<bench>/state_root), nullopt if it did not answer.
std::optional<uint64_t> applied_height(net::HttpClient& http) {
  auto r = http.get(std::string("/s/") + kAlias + "/state_root");
  if (!r || r->status != 200) return std::nullopt;
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  return j.value("height", uint64_t{0});
}

}  // namespace

int run_network(const Options& o) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const unsigned n = o.nodes;
  std::cout << "machine: " << cores << " cores\n";
  Ceilings ceilings = measure_ceilings(cores);
  if (o.ceiling_only) return kExitOk;
  if (!o.hostchains.empty())
    return report(kExitConfig, "--hostchain is a one-node benchmark option (no --nodes)");
  const uint64_t accounts = std::min<uint64_t>({o.accounts, 1000, o.events});
  if (accounts < o.accounts)
    std::cout << "note: a testnet funds at most 1,000 accounts; using " << accounts << "\n";

  // 1. The network.
  const bool temp = o.dir.empty();
  const std::filesystem::path dir = temp ? std::filesystem::temp_directory_path() /
                                               ("klyn-bench-net-" + std::to_string(::getpid()))
                                         : std::filesystem::path(o.dir);
  const uint16_t base = free_loopback_ports(n);
  if (base == 0) return report(kExitFailure, "no free block of loopback ports");
  testnet::NewOptions no;
  no.dir = dir.string();
  no.nodes = n;
  no.base_port = base;
  no.symbiote = kAlias;
  no.accounts = static_cast<int64_t>(accounts);
  no.force = temp;  // never replace what is in a directory the user named
  // KLYN_BENCH_LOG_LEVEL=debug: the nodes' own logs (with --dir, kept) show each round.
  no.log_level = std::getenv("KLYN_BENCH_LOG_LEVEL") ? std::getenv("KLYN_BENCH_LOG_LEVEL") : "warn";
  no.workflow = o.workflow;
  auto created = testnet::create(no);
  if (!created) return report(kExitFailure, "testnet: " + created.error().to_string());
  testnet::Layout& l = *created;
  NetworkGuard guard(l, temp);
  auto t_up = Clock::now();
  if (testnet::up(l, 60, /*die_with_parent=*/true) != kExitOk)
    return report(kExitFailure, "the testnet did not start");
  std::cout << n << " nodes up in " << seconds_since(t_up) << " s\n";
  auto sym = codec::hex_decode_fixed<32>(l.id);
  if (!sym) return report(kExitFailure, "bad symbiote id in the layout");

  // 2. Pre-sign; sender account a submits to node a mod n.
  auto t_sign = Clock::now();
  const std::vector<SignedEvent> evs =
      presign_transfers(*sym, testnet::kTestKeyLabel, accounts, o.events, 1);
  std::vector<std::vector<const SignedEvent*>> per_node(n);
  for (uint64_t i = 0; i < evs.size(); ++i) per_node[(i % accounts) % n].push_back(&evs[i]);
  std::cout << "pre-signed " << evs.size() << " transfers from " << accounts << " accounts in "
            << seconds_since(t_sign) << " s\n";

  // 2b. A dev_symbiland network makes blocks with no events: wait until every node committed
  // one, so that no latency sample includes the network's start (its first round times out when
  // the leader's proposal went out before its peers listened).
  if (o.workflow == "dev_symbiland") {
    auto t_first = Clock::now();
    for (const auto& node : l.nodes) {
      net::HttpClient http("127.0.0.1", node.port, 10s);
      while (seconds_since(t_first) < 60 && applied_height(http).value_or(0) == 0)
        std::this_thread::sleep_for(20ms);
    }
    std::cout << "every node committed a block " << seconds_since(t_first) << " s after that\n";
  }

  // 3. Submit: connection c talks to node c mod n; with --rate, one paced sender instead.
  const unsigned connections = std::max(o.connections, n);
  const uint64_t step = std::max(1u, o.batch);
  std::vector<std::atomic<uint64_t>> cursor(n);
  std::atomic<uint64_t> accepted{0}, refused{0};
  std::atomic<bool> submit_failed{false};
  // Latency (with --rate): when node-1 first shows each height applied, and when each event was
  // submitted; latency = (first time its block's height was seen) - (its submit time).
  std::vector<Clock::time_point> submitted_at(evs.size());
  std::vector<std::pair<uint64_t, Clock::time_point>> height_seen;
  std::atomic<bool> polling{o.rate > 0};
  std::thread poller([&] {
    if (!polling) return;
    net::HttpClient http("127.0.0.1", l.nodes[0].port, 10s);
    uint64_t last = 0;
    while (polling) {
      if (auto h = applied_height(http)) {
        if (*h > last) height_seen.emplace_back(*h, Clock::now());
        last = std::max(last, *h);
      }
      std::this_thread::sleep_for(2ms);
    }
  });
  auto t0 = Clock::now();
  const double client_cpu0 = self_cpu_seconds();
  std::vector<std::thread> senders;
  if (o.rate > 0) {
    senders.emplace_back([&] {
      std::vector<std::unique_ptr<net::HttpClient>> https;
      for (const auto& node : l.nodes)
        https.push_back(std::make_unique<net::HttpClient>("127.0.0.1", node.port, 60s));
      const double per_tick = o.rate * 0.005;
      double owed = 0;
      uint64_t next = 0, tick = 0;
      // Events in order (each sender's nonces ascending), each tick's share to one node.
      while (next < evs.size()) {
        std::this_thread::sleep_until(t0 + std::chrono::microseconds(5000 * ++tick));
        owed += per_tick;
        const uint64_t count = std::min<uint64_t>(evs.size() - next, static_cast<uint64_t>(owed));
        if (count == 0) continue;
        owed -= static_cast<double>(count);
        std::vector<const SignedEvent*> slice;
        const auto now = Clock::now();
        for (uint64_t i = next; i < next + count; ++i) {
          slice.push_back(&evs[i]);
          submitted_at[i] = now;
        }
        next += count;
        uint64_t a = 0, r = 0;
        if (!post_batch(*https[tick % n], kAlias, slice, a, r)) submit_failed = true;
        accepted += a;
        refused += r;
      }
    });
  }
  for (unsigned c = 0; c < connections && o.rate <= 0; ++c)
    senders.emplace_back([&, c] {
      const unsigned node = c % n;
      const auto& mine = per_node[node];
      net::HttpClient http("127.0.0.1", l.nodes[node].port, 60s);
      while (true) {
        const uint64_t from = cursor[node].fetch_add(step);
        if (from >= mine.size()) break;
        const uint64_t to = std::min<uint64_t>(mine.size(), from + step);
        std::vector<const SignedEvent*> slice(mine.begin() + from, mine.begin() + to);
        uint64_t a = 0, r = 0;
        if (!post_batch(http, kAlias, slice, a, r)) submit_failed = true;
        accepted += a;
        refused += r;
      }
    });
  for (auto& t : senders) t.join();
  const double submit_s = seconds_since(t0);
  std::cout << "submitted in " << submit_s << " s: " << accepted << " accepted, " << refused
            << " refused\n";

  // 4. Until every node has applied (or rejected in a block) everything accepted.
  std::vector<std::unique_ptr<net::HttpClient>> probes;
  for (const auto& node : l.nodes)
    probes.push_back(std::make_unique<net::HttpClient>("127.0.0.1", node.port, 10s));
  std::vector<double> done_s(n, 0);
  std::vector<Counts> last(n);
  auto t_report = Clock::now();
  while (seconds_since(t0) < o.timeout_s) {
    bool all = true;
    for (unsigned i = 0; i < n; ++i) {
      if (done_s[i] > 0) continue;
      last[i] = counts_of(*probes[i]);
      if (last[i].ok && last[i].applied + last[i].rejected >= accepted)
        done_s[i] = seconds_since(t0);
      else
        all = false;
    }
    if (all) break;
    if (seconds_since(t_report) > 5) {
      t_report = Clock::now();
      std::cout << "  t=" << static_cast<int>(seconds_since(t0)) << " s applied:";
      for (unsigned i = 0; i < n; ++i) std::cout << " " << last[i].applied;
      std::cout << "\n";
    }
    std::this_thread::sleep_for(10ms);
  }

  polling = false;
  poller.join();
  std::vector<double> latencies;
  if (o.rate > 0) {
    for (uint64_t i = 0; i < evs.size(); i += std::max(1u, o.sample_every / 10)) {
      auto r =
          probes[0]->get(std::string("/s/") + kAlias + "/event/" + codec::hex_encode(evs[i].hash));
      if (!r || r->status != 200) continue;
      auto j = nlohmann::json::parse(r->body, nullptr, false);
      if (!j.is_object() || j.value("status", "") != "applied") continue;
      const uint64_t h = j.value("height", uint64_t{0});
      auto it = std::lower_bound(height_seen.begin(), height_seen.end(), h,
                                 [](const auto& p, uint64_t v) { return p.first < v; });
      if (it == height_seen.end()) continue;
      latencies.push_back(
          std::chrono::duration<double, std::milli>(it->second - submitted_at[i]).count());
    }
    std::sort(latencies.begin(), latencies.end());
  }
  auto pct = [&](double q) {
    return latencies.empty() ? 0.0
                             : latencies[std::min(latencies.size() - 1,
                                                  static_cast<size_t>(q * latencies.size()))];
  };

  const double client_cpu = self_cpu_seconds() - client_cpu0;
  const double load_s = seconds_since(t0);
  ceilings.measure_again(cores, "after the load");

  // 5. Agreement at the lowest height every node reports, and memory.
  uint64_t common = UINT64_MAX;
  for (const auto& node : l.nodes)
    common = std::min(common, testnet::query_node(l, node, 2s).height);
  bool agree = true;
  std::string root0;
  nlohmann::json nodes = nlohmann::json::array();
  double slowest = 0, nodes_cpu = 0;
  for (unsigned i = 0; i < n; ++i) {
    const auto& node = l.nodes[i];
    const std::string root = testnet::root_at(l, node, common);
    if (i == 0) root0 = root;
    agree = agree && !root.empty() && root == root0;
    auto pid = testnet::running_pid(l, node);
    slowest = std::max(slowest, done_s[i] > 0 ? done_s[i] : o.timeout_s);
    // CPU of the whole process since it started (setup included): per block and per event it
    // is the figure least disturbed by other load on the machine.
    const double cpu = pid ? process_cpu_seconds(*pid).value_or(0) : 0;
    nodes_cpu += cpu;
    nodes.push_back({{"node", node.dir},
                     {"cpu_seconds", cpu},
                     {"role", node.role},
                     {"seconds", done_s[i]},
                     {"applied", last[i].applied},
                     {"rejected_in_blocks", last[i].rejected},
                     {"applied_per_s", done_s[i] > 0 ? accepted / done_s[i] : 0.0},
                     {"peak_rss_mib", pid ? peak_rss_kib(*pid) / 1024.0 : 0.0}});
  }
  const double min_rate = accepted / slowest;
  nlohmann::json out = {
      {"cores", cores},
      {"nodes", n},
      {"events", o.events},
      {"accounts", accounts},
      {"connections", connections},
      {"batch", step},
      {"accepted", accepted.load()},
      {"refused", refused.load()},
      {"submit_seconds", submit_s},
      {"accepted_per_s", accepted / submit_s},
      {"per_node", nodes},
      {"min_applied_per_s", min_rate},
      {"ed25519_ceiling_per_s", ceilings.libsodium},
      {"min_applied_vs_ceiling", min_rate / ceilings.libsodium},
      {"ed25519_table_rate_per_s", ceilings.tables},
      {"min_applied_vs_table_rate", min_rate / ceilings.tables},
      {"same_state_root", agree},
      {"common_height", common},
      {"nodes_cpu_seconds", nodes_cpu},
      {"nodes_cpu_ms_per_block", common ? nodes_cpu * 1e3 / common : 0.0},
      {"nodes_cpu_ms_per_1000_events", accepted ? nodes_cpu * 1e6 / accepted : 0.0},
      // Of the machine's CPU over the load, the share the client (this process) took.
      {"client_cpu_fraction", client_cpu / (load_s * cores)},
      {"workflow", o.workflow}};
  if (o.rate > 0) {
    out["offered_per_s"] = o.rate;
    out["latency_ms_p50"] = pct(0.50);
    out["latency_ms_p99"] = pct(0.99);
    out["latency_samples"] = latencies.size();
  }
  bool all_done = true;
  for (double d : done_s) all_done = all_done && d > 0;

  // 6. A fresh follower joins from genesis and catches up to the network's height.
  if (o.catch_up && all_done) {
    const uint64_t target = testnet::query_node(l, l.nodes[0], 2s).height;
    const uint64_t total = counts_of(*probes[0]).applied;
    auto joined = testnet::add_follower(l, free_loopback_port());  // picked now: free now
    if (!joined) return report(kExitFailure, "joiner: " + joined.error().to_string());
    auto t_join = Clock::now();
    if (testnet::up(l, 60, /*die_with_parent=*/true) != kExitOk)
      return report(kExitFailure, "the joiner did not start");
    const double start_s = seconds_since(t_join);
    net::HttpClient http("127.0.0.1", joined->port, 10s);
    Counts c;
    auto t_report2 = Clock::now();
    while (seconds_since(t_join) < o.timeout_s) {
      c = counts_of(http);
      if (c.ok && c.height >= target) break;
      if (seconds_since(t_report2) > 5) {
        t_report2 = Clock::now();
        std::cout << "  catch-up t=" << static_cast<int>(seconds_since(t_join)) << " s: height "
                  << c.height << " / " << target << "\n";
      }
      std::this_thread::sleep_for(10ms);
    }
    const double join_s = seconds_since(t_join);
    const bool caught_up = c.ok && c.height >= target;
    const std::string root = testnet::root_at(l, *joined, target);
    const std::string expect = testnet::root_at(l, l.nodes[0], target);
    out["catch_up"] = {{"target_height", target},
                       {"events", c.applied + c.rejected},
                       {"network_events", total},
                       {"seconds", join_s},
                       {"start_seconds", start_s},
                       {"events_per_s", (c.applied + c.rejected) / join_s},
                       {"blocks_per_s", c.height / join_s},
                       {"caught_up", caught_up},
                       {"same_state_root", !root.empty() && root == expect}};
    if (!caught_up) {
      std::cout << out.dump(2) << "\n";
      return report(kExitFailure, "the fresh node did not catch up in time");
    }
  }
  // The third measurement, at the end; every ratio against the highest of the three.
  ceilings.measure_again(cores, "at the end");
  out.update(ceilings.to_json());
  out["min_applied_vs_ceiling"] = min_rate / ceilings.libsodium;
  std::cout << out.dump(2) << "\n";
  if (submit_failed) return report(kExitFailure, "some submissions failed at the transport level");
  if (!all_done) return report(kExitFailure, "not every node applied everything in time");
  if (!agree) return report(kExitFailure, "the nodes disagree on the state root");
  return kExitOk;
}

}  // namespace klyn::cli::bench
