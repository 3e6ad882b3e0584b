#include "workflows/dev_controller/protocol.h"

#include <algorithm>

#include "crypto/ed25519.h"

namespace klyn::dev_controller {

MadeInstant make_instant_block(std::vector<PendingEvent> events, const SymbioteId& symbiote,
                               const crypto::KeyPair& producer, uint64_t now_ms) {
  InstantBlock ib;
  ib.symbiote = symbiote;
  ib.created_ms = now_ms;
  MadeInstant made;
  made.events.reserve(events.size());
  ib.events.reserve(events.size());
  for (auto& pe : events) {
    made.events.push_back(pe.hash);
    ib.events.push_back(std::move(pe.event));
  }
  ib.sign(producer);
  made.encoded = ib.encode();
  made.hash = InstantBlock::hash_of(made.encoded);
  return made;
}

InstantAck make_ack(const SymbioteId& symbiote, const Hash32& instant, uint64_t height,
                    const crypto::KeyPair& controller) {
  InstantAck ack;
  ack.symbiote = symbiote;
  ack.instant = instant;
  ack.height = height;
  ack.sign(controller);
  return ack;
}

Result<InstantAck> decode_received_ack(ByteSpan bytes, const SymbioteId& symbiote,
                                       const crypto::PublicKey& controller) {
  auto a = decode_ack(bytes);
  if (!a) return Error("bad_ack", a.error().reason);
  if (a->symbiote != symbiote)
    return Error("bad_ack", "the acknowledgement is for another symbiote");
  if (!a->verify(controller)) return Error("bad_ack", "the acknowledgement does not verify");
  return a;
}

Result<InstantBlock> decode_offered_instant(ByteSpan bytes, const SymbioteId& symbiote,
                                            const BlockLimits& limits) {
  auto ib = decode_instant_block(bytes, limits);
  if (!ib) return Error("bad_block", ib.error().reason);
  if (ib->symbiote != symbiote)
    return Error("wrong_symbiote", "the instant block belongs to another symbiote");
  return ib;
}

Status judge_offered_instant(const InstantBlock& ib, const Params& p,
                             const chain::Account& producer) {
  if (ib.producer == p.controller)
    return Error("bad_block", "the controller's own instant blocks are not taken from peers");
  if (producer.stake < p.instant_producer_stake)
    return Error("not_staked", "producer " + crypto::address_of(ib.producer) + " has stake " +
                                   std::to_string(producer.stake) + " < " +
                                   std::to_string(p.instant_producer_stake) + " needed");
  if (!ib.verify_signature())
    return Error("bad_signature", "the instant block's signature does not verify");
  return Status();
}

RoundLimits RoundLimits::of(const Params& p, bool phantom) {
  return {p.max_events_per_instant_block,
          phantom ? 256 : p.max_instant_blocks_per_controller_block};
}

std::optional<Round> make_round(std::vector<std::pair<Hash32, Bytes>> offered, Mempool& mempool,
                                Ordering& ordering, const SymbioteId& symbiote,
                                const crypto::KeyPair& controller, uint64_t now_ms,
                                const RoundLimits& limits) {
  Round round;
  // Instant blocks of other producers first: they were acknowledged (D3 is the verifier's).
  for (const auto& [h, enc] : offered) {
    round.batch.put(dc_keys::instant(h), enc);
    ordering.add(h);
    ++round.instant_blocks;
  }
  while (round.instant_blocks < limits.instant_blocks) {
    auto evs = mempool.take(limits.events_per_instant_block);
    if (evs.empty()) break;
    MadeInstant ib = make_instant_block(std::move(evs), symbiote, controller, now_ms);
    round.batch.put(dc_keys::instant(ib.hash), ib.encoded);
    ordering.add(ib.hash);
    ++round.instant_blocks;
  }
  if (ordering.pending() == 0) return std::nullopt;
  auto cbs = ordering.emit(now_ms);
  round.controller_blocks.reserve(cbs.size());
  for (const auto& cb : cbs) {
    round.controller_blocks.push_back(cb.encode());
    round.batch.put(dc_keys::controller(cb.index), round.controller_blocks.back());
  }
  round.first = cbs.front().index;
  round.last = cbs.back().index;
  round.last_hash = ordering.prev_hash();
  round.batch.put(dc_keys::kHead, chain::keys::be64(round.last));
  round.batch.put(dc_keys::kHeadHash, round.last_hash);
  return round;
}

RangeStep judge_range(const ChainTip& tip, const SymbioteId& symbiote,
                      const crypto::PublicKey& controller, const BlockRange& range,
                      const BlockLimits& limits) {
  RangeStep step;
  step.tip = tip;
  auto checked = check_continuation(tip, symbiote, controller, range, limits);
  step.error = std::move(checked.error);
  step.next_peer = checked.blocks.empty() || !step.error.empty();
  if (checked.blocks.empty()) {
    // A refused first block that is signed by the controller and carries our next index but
    // another link: the peer holds a different block somewhere at or below our tip.
    if (!step.error.empty() && !range.bundles.empty() && tip.index > 0) {
      auto cb = decode_controller_block(range.bundles.front().controller, limits);
      step.probe = cb && cb->index == tip.index + 1 && cb->prev_hash != tip.hash &&
                   cb->verify_signature(controller);
    }
    return step;
  }
  for (const auto& b : checked.blocks) {
    for (const auto& [h, enc] : b.instants) step.batch.put(dc_keys::instant(h), *enc);
    step.batch.put(dc_keys::controller(b.block.index), b.block.encode());
  }
  const CheckedBlock& last = checked.blocks.back();
  step.batch.put(dc_keys::kHead, chain::keys::be64(last.block.index));
  step.batch.put(dc_keys::kHeadHash, last.hash);
  step.blocks = checked.blocks.size();
  step.tip = {last.block.index, last.hash};
  return step;
}

std::optional<Bytes> probe_conflict(const BlockRange& answer, ByteSpan ours, uint64_t index,
                                    const SymbioteId& symbiote, const crypto::PublicKey& controller,
                                    const BlockLimits& limits) {
  if (answer.bundles.empty()) return std::nullopt;
  const Bytes& theirs = answer.bundles.front().controller;
  if (std::equal(theirs.begin(), theirs.end(), ours.begin(), ours.end())) return std::nullopt;
  auto cb = decode_controller_block(theirs, limits);
  if (!cb || cb->symbiote != symbiote || cb->index != index || !cb->verify_signature(controller))
    return std::nullopt;
  return theirs;
}

Result<AppliedBlock> apply_next_block(Verifier& verifier, Mempool& mempool,
                                      const NonceOf& nonce_of) {
  return verifier.apply_next([&](const AppliedBlock& b, const std::function<Status()>& commit) {
    std::vector<PendingEvent> deferred;
    deferred.reserve(b.deferred.size());
    for (const auto& d : b.deferred) deferred.push_back({d.event, d.hash});
    return mempool.on_block(commit, b.decided, std::move(deferred), nonce_of);
  });
}

Result<EvidenceStep> judge_evidence(const CensorshipEvidence& ev, const SymbioteId& symbiote,
                                    const Params& p, const BlockInstants& stored,
                                    const std::function<bool(const Hash32&)>& known,
                                    const AccountReader& account, const std::string& source,
                                    uint64_t now_ms) {
  using V = EvidenceStep::Verdict;
  const uint64_t window = p.inclusion_window;
  auto c = check_censorship(ev, symbiote, p.controller, p.block_limits(), window, stored);
  EvidenceStep step;
  step.producer = c.producer;
  step.reason = c.reason;
  if (c.verdict == CensorshipCheck::Verdict::kInvalid) return step;
  if (known(c.ack.instant)) {
    step.verdict = V::kKnown;
    return step;
  }
  if (c.verdict == CensorshipCheck::Verdict::kNotYet) {
    step.verdict = V::kNotYet;
    return step;
  }
  auto producer = account(c.producer);
  if (!producer) return producer.error();
  if (producer->stake < p.instant_producer_stake) {
    step.reason = "producer " + crypto::address_of(c.producer) +
                  " is not staked: its blocks need not be ordered";
    return step;
  }
  step.verdict = V::kAlarm;
  Alarm& a = step.alarm;
  a.kind = "censorship";
  a.index = c.ack.height;
  a.hashes = {c.ack.instant};
  a.detected_ms = now_ms;
  a.source = source;
  a.id = c.ack.instant;
  a.evidence = ev.encode();
  a.note = "producer " + crypto::address_of(c.producer) + ": acknowledged at controller height " +
           std::to_string(c.ack.height) + ", not in blocks " + std::to_string(c.ack.height + 1) +
           ".." + std::to_string(c.ack.height + window);
  return step;
}

bool EvidenceWaiting::hold(CensorshipEvidence ev) {
  if (held_.size() >= kMax) return false;
  held_.push_back(std::move(ev));
  return true;
}

}  // namespace klyn::dev_controller
