#pragma once
// A seeded, single-threaded network of simulated nodes with a virtual clock, for the simulation of
// any workflow's state machines (test-only; the libhotstuff habit of docs/STYLE.md). A workflow
// defines its own message kinds (a uint32_t each) and its nodes. Nodes are SimHandlers; everything
// they do happens inside on_message()/on_timer() calls made by SimNetwork::step(), in an order
// fixed by the seed.
//
// Fault model (applied when a message is sent, and again at delivery for partitions):
// * every message is delayed by a uniform random time in [min_delay_ms, max_delay_ms], so two
//   messages on one link may arrive in the other order (reordering);
// * a message is dropped with probability `drop` and delivered twice (independent delays) with
//   probability `duplicate`;
// * a partition cuts every link between its `side` and the other nodes during [from_ms, heal_ms);
// * from `heal_ms` on (the global heal time) nothing is dropped and no partition holds; delays
//   and duplicates continue.
// Timers are never dropped or duplicated. Ties in delivery time are broken by send order.
//
// Thread safety: none; one simulation per thread.

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/bytes.h"

namespace klyn::kit::sim {

using NodeId = uint32_t;
inline constexpr NodeId kClient = 0xffffffff;  // messages from clients (outside the network)

// A message's kind: the workflow's own numbering (e.g. an enum of its messages).
using MsgKind = uint32_t;

struct SimMessage {
  NodeId from = 0, to = 0;
  MsgKind kind = 0;
  uint64_t request = 0;  // request id (replies carry the id of the request they answer)
  Bytes body;
};

// One node of the simulation. Both calls run to completion; they may send and schedule.
class SimHandler {
 public:
  virtual ~SimHandler() = default;
  virtual void on_message(const SimMessage& m) = 0;
  virtual void on_timer(uint64_t tag) = 0;
};

struct FaultModel {
  double drop = 0.0;
  double duplicate = 0.0;
  uint64_t min_delay_ms = 1, max_delay_ms = 20;
  uint64_t heal_ms = 0;  // from then on: no drops, no partitions
};

struct Partition {
  std::set<NodeId> side;
  uint64_t from_ms = 0, heal_ms = 0;
};

struct NetworkStats {
  uint64_t sent = 0, delivered = 0, dropped = 0, duplicated = 0, cut = 0, timers = 0;
};

class SimNetwork {
 public:
  SimNetwork(uint64_t seed, FaultModel faults);

  // Registers a node; ids are given out 0, 1, 2, ... The handler must outlive the network's use.
  NodeId add_node(SimHandler* handler);
  void add_partition(Partition p) { partitions_.push_back(std::move(p)); }

  // Sends under the fault model. Messages to kClient are discarded.
  void send(NodeId from, NodeId to, MsgKind kind, uint64_t request, Bytes body);
  // Calls handler(node)->on_timer(tag) after `delay_ms` virtual milliseconds.
  void schedule(NodeId node, uint64_t delay_ms, uint64_t tag);
  // Calls `fn` at virtual time `at_ms` (clients, checks).
  void at(uint64_t at_ms, std::function<void()> fn);

  // Runs every delivery and timer due at or before `until_ms`, in order; the clock ends at
  // `until_ms`. Returns false if `stop()` returned true after some step (checked after each).
  bool run_until(uint64_t until_ms, const std::function<bool()>& stop = {});

  uint64_t now() const { return now_; }
  std::mt19937_64& rng() { return rng_; }
  uint64_t uniform(uint64_t lo, uint64_t hi);  // inclusive
  bool chance(double p);
  bool cut(NodeId a, NodeId b, uint64_t at_ms) const;
  const NetworkStats& stats() const { return stats_; }
  const FaultModel& faults() const { return faults_; }

 private:
  struct Item {
    bool is_timer = false;
    NodeId node = 0;
    uint64_t tag = 0;
    SimMessage msg;
    std::function<void()> fn;
  };
  void push(uint64_t time, Item item);

  std::mt19937_64 rng_;
  FaultModel faults_;
  std::vector<SimHandler*> nodes_;
  std::vector<Partition> partitions_;
  std::map<std::pair<uint64_t, uint64_t>, Item> queue_;  // (time, seq) -> item
  uint64_t now_ = 0, seq_ = 0;
  NetworkStats stats_;
};

}  // namespace klyn::kit::sim
