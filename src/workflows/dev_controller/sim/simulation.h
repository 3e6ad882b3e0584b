#pragma once
// One seeded run of the dev_controller simulation and the properties checked after it
// (README.md in this folder). Everything about a run — topology, limits, faults, client events,
// their timing — is drawn from the seed, so `run_simulation(p)` twice with the same params gives
// the same run.

#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "workflows/kit/sim/sim_network.h"

namespace klyn::dev_controller::sim {

struct SimParams {
  uint64_t seed = 1;
  std::string dir;  // an existing directory; the run makes node<i>/ under it and removes them
  size_t min_nodes = 4, max_nodes = 6;  // including the controller
  size_t min_events = 6, max_events = 16;
  uint64_t submit_window_ms = 1500;    // clients submit during [0, window)
  uint64_t converge_within_ms = 6000;  // after the heal time, every honest node must converge
  bool equivocate = false;             // the controller signs two blocks at one index
  bool censor = false;  // the controller acknowledges one producer's blocks and never orders them
  // Liveness (D12; README.md "Liveness"): after the heal and the clients' resubmission, every
  // event a node accepted and its sender can pay for is applied, in nonce order; the run then also
  // waits (up to 3 s) for every mempool to empty. The seed suites turn it on for honest and
  // censorship runs; equivocation runs skip it.
  bool check_liveness = false;
  // D15: the controller alone is cut off from every other node from 100 ms until the heal (the
  // end of the submission window), while clients keep submitting. With sticky clients each sender
  // sends only to its own non-controller node, every event once, in nonce order (no copies, no
  // twins, no resubmission after the heal), so nothing repairs a loss: every event must apply.
  bool isolate_controller = false;
  bool sticky_clients = false;
};

struct SimReport {
  std::vector<std::string> violations;  // empty = every property held
  std::string summary;                  // one line: topology, faults, heights, traffic
  uint64_t heal_ms = 0;
  uint64_t converged_ms = 0;  // virtual time after the heal until all honest nodes agreed
  uint64_t height = 0;        // the controller's final height
  Hash32 root{};              // the controller's state root at its final applied height
  uint64_t messages = 0;      // messages sent (a fingerprint of the run's schedule)
  size_t events_applied = 0;
  size_t unacked = 0, unacked_but_ordered = 0;  // producers' instant blocks without an ack
  // Equivocation runs: nodes holding a proof; censorship runs: evidence records held.
  size_t alarms = 0;
};

SimReport run_simulation(const SimParams& params);

}  // namespace klyn::dev_controller::sim
