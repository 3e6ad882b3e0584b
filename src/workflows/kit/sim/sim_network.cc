#include "workflows/kit/sim/sim_network.h"

namespace klyn::kit::sim {

SimNetwork::SimNetwork(uint64_t seed, FaultModel faults) : rng_(seed), faults_(faults) {}

NodeId SimNetwork::add_node(SimHandler* handler) {
  nodes_.push_back(handler);
  return static_cast<NodeId>(nodes_.size() - 1);
}

uint64_t SimNetwork::uniform(uint64_t lo, uint64_t hi) {
  return std::uniform_int_distribution<uint64_t>(lo, hi)(rng_);
}

bool SimNetwork::chance(double p) {
  if (p <= 0) return false;
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < p;
}

bool SimNetwork::cut(NodeId a, NodeId b, uint64_t at_ms) const {
  if (a == kClient || b == kClient || at_ms >= faults_.heal_ms) return false;
  for (const auto& p : partitions_) {
    if (at_ms < p.from_ms || at_ms >= p.heal_ms) continue;
    if (p.side.count(a) != p.side.count(b)) return true;
  }
  return false;
}

void SimNetwork::push(uint64_t time, Item item) {
  queue_.emplace(std::make_pair(time, seq_++), std::move(item));
}

void SimNetwork::send(NodeId from, NodeId to, MsgKind kind, uint64_t request, Bytes body) {
  if (to == kClient || to >= nodes_.size()) return;
  ++stats_.sent;
  const bool faulty = now_ < faults_.heal_ms;
  if (cut(from, to, now_)) {
    ++stats_.cut;
    return;
  }
  if (faulty && chance(faults_.drop)) {
    ++stats_.dropped;
    return;
  }
  int copies = chance(faults_.duplicate) ? 2 : 1;
  if (copies == 2) ++stats_.duplicated;
  for (int c = 0; c < copies; ++c) {
    Item it;
    it.node = to;
    it.msg = SimMessage{from, to, kind, request, c + 1 < copies ? body : std::move(body)};
    push(now_ + uniform(faults_.min_delay_ms, faults_.max_delay_ms), std::move(it));
  }
}

void SimNetwork::schedule(NodeId node, uint64_t delay_ms, uint64_t tag) {
  Item it;
  it.is_timer = true;
  it.node = node;
  it.tag = tag;
  push(now_ + delay_ms, std::move(it));
}

void SimNetwork::at(uint64_t at_ms, std::function<void()> fn) {
  Item it;
  it.fn = std::move(fn);
  push(std::max(at_ms, now_), std::move(it));
}

bool SimNetwork::run_until(uint64_t until_ms, const std::function<bool()>& stop) {
  while (!queue_.empty() && queue_.begin()->first.first <= until_ms) {
    auto nh = queue_.extract(queue_.begin());
    now_ = nh.key().first;
    Item& it = nh.mapped();
    if (it.fn) {
      it.fn();
    } else if (it.is_timer) {
      ++stats_.timers;
      nodes_[it.node]->on_timer(it.tag);
    } else if (cut(it.msg.from, it.msg.to, now_)) {
      ++stats_.cut;  // the link broke while the message was in flight
    } else {
      ++stats_.delivered;
      nodes_[it.node]->on_message(it.msg);
    }
    if (stop && stop()) return false;
  }
  now_ = std::max(now_, until_ms);
  return true;
}

}  // namespace klyn::kit::sim
