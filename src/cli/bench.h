#pragma once
// Pieces shared by `klyn74r bench` (one node, cmd_bench.cc) and `klyn74r bench --nodes N` (a
// local testnet, bench_network.cc). Numbers go to bench/README.md.
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "chain/types.h"
#include "common/bytes.h"
#include "net/http_client.h"

namespace klyn::cli::bench {

using Clock = std::chrono::steady_clock;

struct Options {
  uint64_t events = 200'000;
  uint64_t accounts = 1'000;
  unsigned connections = 4;
  unsigned batch = 500;
  std::string dir;  // keep the data dir here instead of a temp dir
  bool ceiling_only = false;
  double timeout_s = 600;
  unsigned sample_every = 100;
  unsigned max_events_per_block = 5000;
  std::vector<std::string> hostchains;  // one node: TYPE:NETWORK[:ADDRESS] manifest entries
  std::string hostchain_config;         // ... and a file with their [hostchains.<name>] tables
  uint64_t checkpoint_every = 10;
  unsigned nodes = 1;    // > 1: a local testnet of that many nodes (bench_network.cc)
  bool catch_up = true;  // with nodes > 1: then time a fresh node joining from genesis
  std::string workflow = "dev_controller";  // with nodes > 1: or dev_symbiland
  // with nodes > 1: offer this many events/s (in ticks of 5 ms, round robin over the nodes) and
  // measure submit -> applied latency on node-1; 0 = submit as fast as possible.
  double rate = 0;
};

inline double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Ed25519 verifications per second using `threads` threads for `seconds`: with libsodium itself
// (`tables` false: the reference "ceiling" every target is stated against), or through
// crypto::verify with the 256 keys' tables built (what a node pays for a hot sender).
double ed25519_ceiling(unsigned threads, double seconds, bool tables = false);

struct Ceilings {
  double libsodium = 0;      // the ceiling: the highest of `runs` (a busy moment only lowers one)
  double tables = 0;         // the node's own verifier, hot keys
  std::vector<double> runs;  // every libsodium measurement of this benchmark, in order
  // Measures the libsodium ceiling once more (2 s, `threads` threads) and prints it with `when`;
  // `libsodium` stays the highest. A benchmark measures before, after the load and at the end,
  // and states every ratio against the highest (issue 18: an honest denominator).
  void measure_again(unsigned threads, const char* when);
  // {"ed25519_ceiling_per_s": highest, "ed25519_ceiling_runs_per_s": runs}
  nlohmann::json to_json() const;
};
// Measures both (2 s each) and prints them.
Ceilings measure_ceilings(unsigned threads);

// CPU seconds (user + system) this process used so far, to the microsecond (getrusage; /proc's
// clock ticks are too coarse for a short load).
double self_cpu_seconds();

// VmHWM of a process in KiB (0 when unknown).
uint64_t peak_rss_kib(pid_t pid);

struct SignedEvent {
  Bytes bin;
  Hash32 hash;
};
// `count` transfers of 1 unit, fee `fee`, from derived_test_key(label, a) for a < accounts to
// the next account, nonces from 1, ordered round-robin over the senders (event i comes from
// account i % accounts). Signed on every core.
std::vector<SignedEvent> presign_transfers(const chain::SymbioteId& sym, const std::string& label,
                                           uint64_t accounts, uint64_t count, chain::Amount fee);

// One binary POST /s/{alias}/events of `events`; adds the node's accepted/rejected counts.
// False on a transport error or a non-200 answer.
bool post_batch(net::HttpClient& http, const std::string& alias,
                const std::vector<const SignedEvent*>& events, uint64_t& accepted,
                uint64_t& rejected);

int run_network(const Options& o);  // bench_network.cc

}  // namespace klyn::cli::bench
