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
  // The steps of DevController::receive_instant (protocol.h); answers are messages here.
  auto ib = decode_offered_instant(m.body, store_->symbiote_id(), limits_);
  if (!ib) return;
  const Hash32 h = InstantBlock::hash_of(m.body);
  auto ack_at = [&](uint64_t height) {
    return make_ack(store_->symbiote_id(), h, height, *key_).encode();
  };
  if (auto first = intake_.seen(h)) {
    if (role_ == Role::kController) reply(m, MsgKind::kInstantAck, ack_at(*first));
    return;
  }
  if (!judge_offered_instant(*ib, p_, store_->account(ib->producer).value())) return;
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
  auto a = decode_received_ack(m.body, store_->symbiote_id(), p_.controller);
  if (!a || !book_.acknowledged(*a, net_.now())) return;
  acks_[a->instant] = *a;
}

void SimNode::produce_instant() {
  if (alarms_->halting()) return;
  auto evs = mempool_->take(p_.max_events_per_instant_block);
  if (evs.empty()) return;
  MadeInstant made = make_instant_block(std::move(evs), store_->symbiote_id(), *key_, net_.now());
  if (auto st = store_->put(dc_keys::instant(made.hash), sv(made.encoded)); !st)
    fail("store instant block: " + st.error().to_string());
  for (NodeId p : peers_) net_.send(id_, p, MsgKind::kInstant, 0, made.encoded);
  book_.made(made.hash, std::move(made.encoded), std::move(made.events), net_.now());
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
  // DevController::after_applied: evidence made now, and evidence waiting for its window.
  if (book_.empty() && evidence_waiting_.empty()) return;
  const auto made = book_.applied(
      index, stored_block_instants(index).value_or(std::vector<Hash32>{}), p_.inclusion_window);
  const auto waiting = evidence_waiting_.take();
  for (size_t i = 0; i < made.size() + waiting.size(); ++i) {
    const bool mine = i < made.size();
    const CensorshipEvidence& ev = mine ? made[i] : waiting[i - made.size()];
    auto step = judge_evidence(
        ev, store_->symbiote_id(), p_, [this](uint64_t k) { return stored_block_instants(k); },
        [this](const Hash32& h) { return alarms_->contains(h); },
        [this](const chain::AccountId& id) { return store_->account(id); },
        mine ? "local" : "waiting", net_.now());
    if (!step) {
      fail("judge evidence: " + step.error().to_string());
      continue;
    }
    if (step->verdict == EvidenceStep::Verdict::kNotYet) evidence_waiting_.hold(ev);
    if (step->verdict != EvidenceStep::Verdict::kAlarm) continue;
    if (auto fresh = alarms_->record(std::move(step->alarm)); !fresh)
      fail("record evidence: " + fresh.error().to_string());
    else if (*fresh)
      ++evidence_made_;
  }
}

}  // namespace klyn::dev_controller::sim
