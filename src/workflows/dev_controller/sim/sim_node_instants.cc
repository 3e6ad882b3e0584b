// SimNode, instant blocks of staked producers (the simulated counterpart of producers.cc):
// producers make and hand out instant blocks and resend unacknowledged ones, the controller
// acknowledges and queues them, other nodes relay them once, and a producer turns an acknowledged
// block left out of the inclusion window into censorship evidence.
#include "workflows/dev_controller/sim/sim_node.h"

namespace klyn::dev_controller::sim {

namespace {

std::string_view sv(const Bytes& b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace

void SimNode::on_instant(const SimMessage& m) {
  auto ib = decode_instant_block(m.body, limits_);
  if (!ib || ib->symbiote != store_->symbiote_id()) return;
  const Hash32 h = InstantBlock::hash_of(m.body);
  if (seen_instants_.count(h)) return;  // known: no acknowledgement
  if (ib->producer == *m_.controller) return;
  if (store_->account(ib->producer).stake < m_.instant_producer_stake) return;
  if (!ib->verify_signature()) return;
  seen_instants_.insert(h);
  if (role_ != Role::kController) {
    for (NodeId p : peers_) net_.send(id_, p, MsgKind::kInstant, 0, m.body);  // relay once
    return;
  }
  InstantAck ack;
  ack.symbiote = store_->symbiote_id();
  ack.instant = h;
  ack.height = tip_.index;
  ack.sign(*key_);
  if (!censored_.count(ib->producer)) incoming_instants_.emplace_back(h, m.body);
  reply(m, MsgKind::kInstantAck, ack.encode());
}

void SimNode::on_ack(const SimMessage& m) {
  if (role_ != Role::kProducer) return;
  auto a = decode_ack(m.body);
  if (!a || a->symbiote != store_->symbiote_id() || !a->verify(*m_.controller)) return;
  auto it = unacked_.find(a->instant);
  if (it == unacked_.end()) return;
  acks_[a->instant] = *a;
  awaiting_[a->instant] = Awaiting{*a, std::move(it->second.first)};
  unacked_.erase(it);
}

void SimNode::produce_instant() {
  if (alarms_->halting()) return;
  auto evs = mempool_->take(m_.limits.max_events_per_instant_block);
  if (evs.empty()) return;
  InstantBlock ib;
  ib.symbiote = store_->symbiote_id();
  ib.created_ms = net_.now();
  for (auto& pe : evs) ib.events.push_back(std::move(pe.event));
  ib.sign(*key_);
  Bytes enc = ib.encode();
  const Hash32 h = InstantBlock::hash_of(enc);
  if (auto st = store_->put(dc_keys::instant(h), sv(enc)); !st)
    fail("store instant block: " + st.error().to_string());
  for (NodeId p : peers_) net_.send(id_, p, MsgKind::kInstant, 0, enc);
  unacked_[h] = {std::move(enc), 1};
}

void SimNode::resend_unacked() {
  for (auto it = unacked_.begin(); it != unacked_.end();) {
    if (++it->second.second > config_.max_send_attempts) {
      it = unacked_.erase(it);  // giving up, like producers.cc
      continue;
    }
    for (NodeId p : peers_) net_.send(id_, p, MsgKind::kInstant, 0, it->second.first);
    ++it;
  }
}

std::optional<std::vector<Hash32>> SimNode::stored_block_instants(uint64_t index) const {
  if (index == 0 || index > tip_.index) return std::nullopt;
  auto bytes = store_->get(dc_keys::controller(index));
  if (!bytes) return std::nullopt;
  auto cb = decode_controller_block(as_bytes(*bytes), limits_);
  if (!cb) return std::nullopt;
  return cb->instant_blocks;
}

void SimNode::after_applied(uint64_t index) {
  if (awaiting_.empty()) return;
  if (auto hashes = stored_block_instants(index))
    for (const auto& h : *hashes) awaiting_.erase(h);
  for (auto it = awaiting_.begin(); it != awaiting_.end();) {
    if (index >= it->second.ack.height + m_.limits.inclusion_window) {
      CensorshipEvidence ev{it->second.ack.encode(), it->second.instant};
      auto c = check_censorship(ev, store_->symbiote_id(), *m_.controller, limits_,
                                m_.limits.inclusion_window,
                                [this](uint64_t i) { return stored_block_instants(i); });
      if (c.verdict == CensorshipCheck::Verdict::kValid) {
        Alarm a;
        a.kind = "censorship";
        a.index = c.ack.height;
        a.hashes = {c.ack.instant};
        a.detected_ms = net_.now();
        a.source = "local";
        a.id = c.ack.instant;
        a.evidence = ev.encode();
        (void)alarms_->record(std::move(a));
        ++evidence_made_;
      }
      it = awaiting_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace klyn::dev_controller::sim
