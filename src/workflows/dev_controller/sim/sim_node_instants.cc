// SimNode, instant blocks of staked producers (the simulated counterpart of producers.cc):
// producers make and hand out instant blocks and resend unacknowledged ones, the controller
// acknowledges and queues them, other nodes relay them once, and a producer turns an acknowledged
// block left out of the inclusion window into censorship evidence.
#include "workflows/dev_controller/sim/sim_node.h"

#include <algorithm>

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
  auto ack_at = [&](uint64_t height) {
    InstantAck ack;
    ack.symbiote = store_->symbiote_id();
    ack.instant = h;
    ack.height = height;
    ack.sign(*key_);
    return ack.encode();
  };
  if (auto first = intake_.seen(h)) {
    // Known. As receive_instant: the controller acknowledges again, with the height it first saw
    // the block at (the first acknowledgement may have been lost); a relay does nothing.
    if (role_ == Role::kController) reply(m, MsgKind::kInstantAck, ack_at(*first));
    return;
  }
  if (ib->producer == *m_.controller) return;
  if (store_->account(ib->producer).value().stake < m_.instant_producer_stake) return;
  if (!ib->verify_signature()) return;
  switch (intake_.take(h, m.body, tip_.index, !censored_.count(ib->producer))) {
    case InstantIntake::Taken::kBusy:
    case InstantIntake::Taken::kKnown:
      return;
    case InstantIntake::Taken::kRelay:
      for (NodeId p : peers_) net_.send(id_, p, MsgKind::kInstant, 0, m.body);  // relay once
      return;
    case InstantIntake::Taken::kQueued:
      return reply(m, MsgKind::kInstantAck, ack_at(tip_.index));
  }
}

void SimNode::on_ack(const SimMessage& m) {
  if (role_ != Role::kProducer) return;
  auto a = decode_ack(m.body);
  if (!a || a->symbiote != store_->symbiote_id() || !a->verify(*m_.controller)) return;
  if (!book_.acknowledged(*a, net_.now())) return;
  acks_[a->instant] = *a;
}

void SimNode::produce_instant() {
  if (alarms_->halting()) return;
  auto evs = mempool_->take(m_.limits.max_events_per_instant_block);
  if (evs.empty()) return;
  InstantBlock ib;
  ib.symbiote = store_->symbiote_id();
  ib.created_ms = net_.now();
  std::vector<Hash32> hashes;
  for (auto& pe : evs) {
    hashes.push_back(pe.hash);
    ib.events.push_back(std::move(pe.event));
  }
  ib.sign(*key_);
  Bytes enc = ib.encode();
  const Hash32 h = InstantBlock::hash_of(enc);
  if (auto st = store_->put(dc_keys::instant(h), sv(enc)); !st)
    fail("store instant block: " + st.error().to_string());
  for (NodeId p : peers_) net_.send(id_, p, MsgKind::kInstant, 0, enc);
  book_.made(h, std::move(enc), std::move(hashes), net_.now());
}

void SimNode::resend_unacked() {
  // The shipped rules (InstantBook::due): oldest first, back-off, never given up while an event
  // of the block is pending here.
  for (const auto& o :
       book_.due(net_.now(), [&](const Hash32& e) { return mempool_->contains(e); }))
    for (NodeId p : peers_) net_.send(id_, p, MsgKind::kInstant, 0, o.encoded);
}

std::optional<std::vector<Hash32>> SimNode::stored_block_instants(uint64_t index) const {
  if (index == 0 || index > tip_.index) return std::nullopt;
  auto bytes = store_->get(dc_keys::controller(index)).value();
  if (!bytes) return std::nullopt;
  auto cb = decode_controller_block(as_bytes(*bytes), limits_);
  if (!cb) return std::nullopt;
  return cb->instant_blocks;
}

void SimNode::after_applied(uint64_t index) {
  if (book_.empty()) return;
  const auto made =
      book_.applied(index, stored_block_instants(index).value_or(std::vector<Hash32>{}),
                    m_.limits.inclusion_window);
  for (const CensorshipEvidence& ev : made) {
    auto c = check_censorship(ev, store_->symbiote_id(), *m_.controller, limits_,
                              m_.limits.inclusion_window,
                              [this](uint64_t i) { return stored_block_instants(i); });
    if (c.verdict != CensorshipCheck::Verdict::kValid) continue;
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
}

}  // namespace klyn::dev_controller::sim
