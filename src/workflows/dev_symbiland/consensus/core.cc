#include "workflows/dev_symbiland/consensus/core.h"

#include <algorithm>

#include "codec/binary.h"

namespace klyn::dev_symbiland {

namespace {

// Rounds of votes, timeouts and evidence kept behind the current round.
constexpr Round kKeepRounds = 16;

void refuse(Effects& out, PeerId from, const Error& e) {
  out.push_back(effect::Refused{from, e.code, e.reason});
}

}  // namespace

Core::Core(const Certifier& certifier, CoreOptions options, App app, Restored restored)
    : cert_(certifier),
      opt_(options),
      app_(std::move(app)),
      safety_(std::move(restored.safety)),
      high_qc_(restored.high_qc ? *restored.high_qc
                                : QuorumCert::genesis(certifier.symbiote(), certifier.epoch(),
                                                      certifier.set().size())) {
  if (opt_.self && (!opt_.signer || *opt_.self >= cert_.set().size())) opt_.self.reset();
  Known tip;
  if (restored.committed_tip) {
    tip.block = *restored.committed_tip;
    tip.hash = tip.block.hash();
  } else {
    tip.block.symbiote = cert_.symbiote();
    tip.block.epoch = cert_.epoch();
    tip.hash = cert_.symbiote();  // the genesis "block": height 0, round 0
  }
  committed_hash_ = tip.hash;
  committed_height_ = tip.block.height;
  committed_round_ = tip.block.round;
  blocks_.emplace(tip.hash, std::move(tip));
  for (Block& b : restored.uncommitted) {
    if (b.height <= committed_height_ || b.symbiote != cert_.symbiote() || b.epoch != cert_.epoch())
      continue;
    const Hash32 h = b.hash();
    blocks_.try_emplace(h, Known{std::move(b), h});
  }
  safety_.observe_qc(high_qc_);
  last_tc_ = restored.last_tc;
}

void Core::persist(Effects& out) const {
  out.push_back(effect::Persist{safety_.state(), high_qc_, last_tc_});
}

bool Core::leads(Round r) const {
  return opt_.self && cert_.set().leader(cert_.symbiote(), cert_.epoch(), r) == *opt_.self;
}

const Core::Known* Core::known(const Hash32& h) const {
  auto it = blocks_.find(h);
  return it == blocks_.end() ? nullptr : &it->second;
}

uint64_t Core::timer_delay() const {
  return opt_.base_timeout_ms << std::min(consecutive_timeouts_, opt_.max_backoff);
}

Effects Core::start(uint64_t now_ms) {
  now_ms_ = now_ms;
  Effects out;
  // The round its certificates show (every vote or timeout was persisted with them, so this is
  // never before a round it signed in).
  const Round resume = std::max(high_qc_.round, last_tc_ ? last_tc_->round : 0) + 1;
  advance(resume, last_tc_ && last_tc_->round + 1 == resume, out);
  return out;
}

Effects Core::on_message(PeerId from, uint32_t kind, ByteSpan body, uint64_t now_ms) {
  now_ms_ = now_ms;
  Effects out;
  switch (kind) {
    case kProposal: {
      auto p = Proposal::decode(body);
      if (!p) return refuse(out, from, p.error()), out;
      handle_proposal(std::move(*p), from, out);
      break;
    }
    case kVote: {
      auto v = Vote::decode(body);
      if (!v) return refuse(out, from, v.error()), out;
      handle_vote(*v, from, out);
      break;
    }
    case kTimeout: {
      auto t = Timeout::decode(body);
      if (!t) return refuse(out, from, t.error()), out;
      handle_timeout(*t, from, out);
      break;
    }
    case kTimeoutCert: {
      codec::Reader r(body);
      TimeoutCert tc;
      tc.decode(r);
      if (auto st = r.finish("timeout certificate"); !st)
        return refuse(out, from, Error("bad_message", st.error().reason)), out;
      if (auto st = cert_.verify_tc(tc); !st) return refuse(out, from, st.error()), out;
      handle_tc(tc, out);
      break;
    }
    case kBlockRequest:
      handle_block_request(body, from, out);
      break;
    case kHighQcRequest:
      if (!body.empty())
        return refuse(out, from, Error("bad_message", "a high-QC request has no body")), out;
      if (from) {
        codec::Writer w;
        high_qc_.encode(w);
        out.push_back(
            effect::Send{effect::Send::To::kPeer, *from, kQuorumCert, std::move(w).take()});
      }
      break;
    case kQuorumCert: {
      codec::Reader r(body);
      QuorumCert qc;
      qc.decode(r);
      if (auto st = r.finish("quorum certificate"); !st)
        return refuse(out, from, Error("bad_message", st.error().reason)), out;
      if (qc.is_genesis()) break;
      if (auto st = cert_.verify_qc(qc); !st) return refuse(out, from, st.error()), out;
      process_qc(qc, from, out);  // may fetch the blocks it certifies from that peer
      break;
    }
    case kBlocks:
      handle_blocks(body, from, out);
      break;
    default:
      refuse(out, from, Error("bad_message", "unknown message kind " + std::to_string(kind)));
  }
  return out;
}

Effects Core::on_timer(Round round, uint64_t now_ms, effect::ArmTimer::Kind kind) {
  using Kind = effect::ArmTimer::Kind;
  now_ms_ = now_ms;
  Effects out;
  if (round != round_) return out;  // a timer of a round left already
  if (kind == Kind::kPropose) {
    if (leads(round_) && safety_.state().last_proposal_round < round_) propose(out);
    return out;
  }
  if (kind == Kind::kFormQc) {
    // No proposal of the next round came with this round's QC: aggregate it here.
    qc_wait_ = QcWait::kOver;
    std::vector<Hash32> blocks;
    if (auto it = votes_.find(round_); it != votes_.end())
      for (const auto& [block, by_voter] : it->second) blocks.push_back(block);
    for (const Hash32& block : blocks)
      if (round_ == round) form_qc(round, block, std::nullopt, out);
    return out;
  }
  local_timeout(out);
  out.push_back(effect::ArmTimer{round_, timer_delay()});  // re-broadcast until the round ends
  // Fetches that got no answer are asked again (of anyone) by the next need.
  wanted_.clear();
  try_commit(high_qc_, std::nullopt, out);
  return out;
}

Effects Core::on_executed(uint64_t now_ms) {
  now_ms_ = now_ms;
  Effects out;
  retry_pending(out);
  if (leads(round_) && safety_.state().last_proposal_round < round_) propose(out);
  return out;
}

Effects Core::on_events(uint64_t now_ms) {
  now_ms_ = now_ms;
  Effects out;
  if (leads(round_) && safety_.state().last_proposal_round < round_) propose(out, true);
  return out;
}

std::optional<Block> Core::lookup(const Hash32& h) const {
  if (const Known* k = known(h)) return k->block;
  if (app_.stored) return app_.stored(h);
  return std::nullopt;
}

// ---- rounds ----

void Core::advance(Round to, bool by_tc, Effects& out) {
  if (to <= round_) return;
  round_ = to;
  consecutive_timeouts_ = by_tc ? consecutive_timeouts_ + 1 : 0;
  timed_out_this_round_ = false;
  qc_wait_ = QcWait::kNone;
  if (!by_tc && last_tc_ && last_tc_->round + 1 != round_) last_tc_.reset();
  out.push_back(effect::ArmTimer{round_, timer_delay()});
  prune();
  if (leads(round_)) propose(out);
}

void Core::process_qc(const QuorumCert& qc, PeerId from, Effects& out) {
  if (qc.round > high_qc_.round) {
    high_qc_ = qc;
    safety_.observe_qc(qc);  // persisted with the next vote or timeout (S4)
  }
  try_commit(qc, from, out);
  if (qc.round >= round_) advance(qc.round + 1, false, out);
}

void Core::process_tc(const TimeoutCert& tc, Effects& out) {
  if (tc.round < round_) return;
  last_tc_ = tc;
  advance(tc.round + 1, true, out);
}

void Core::handle_tc(const TimeoutCert& tc, Effects& out) {
  process_tc(tc, out);
}

void Core::propose(Effects& out, bool events_ready) {
  if (safety_.state().last_proposal_round == round_) {
    // Proposed in this round before a restart: that block again, if it is kept. BLS signing is
    // deterministic, so this is the same signed message, not a second proposal.
    if (const Known* k = known(safety_.state().last_proposal_block)) {
      Proposal p;
      p.block = k->block;
      p.signature = opt_.signer->sign(
          proposal_message(p.block.symbiote, p.block.epoch, p.block.round, k->hash));
      out.push_back(effect::Send{effect::Send::To::kEveryone, 0, kProposal, p.encode()});
      handle_proposal(std::move(p), std::nullopt, out);  // re-sends the vote it signed (kResend)
    }
    return;
  }
  const Known* parent = known(high_qc_.block);
  if (!parent) return fetch(high_qc_.block, std::nullopt, out);
  const bool direct = high_qc_.round + 1 == round_;
  const bool after_tc = last_tc_ && last_tc_->round + 1 == round_;
  if (!direct && !after_tc) return;  // no certificate shows this round began: nothing to justify
  const uint64_t earliest = parent->block.created_ms + opt_.min_block_interval_ms;
  if (parent->block.height > 0 && now_ms_ < earliest) {
    // At most the interval: a parent stamped by a clock far ahead must not stall the round.
    out.push_back(effect::ArmTimer{round_, std::min(earliest - now_ms_, opt_.min_block_interval_ms),
                                   effect::ArmTimer::Kind::kPropose});
    return;
  }
  Proposal p;
  Block& b = p.block;
  b.symbiote = cert_.symbiote();
  b.epoch = cert_.epoch();
  b.round = round_;
  b.height = parent->block.height + 1;
  b.parent = parent->hash;
  b.justify = high_qc_;
  if (!direct) b.tc = last_tc_;
  b.proposer = *opt_.self;
  b.created_ms = now_ms_;
  b.state_height = Block::state_height_after(parent->block);
  std::optional<App::Body> body = app_.propose(parent->block, parent->hash, b.state_height);
  if (!body) return;  // that state is not executed yet: on_executed() proposes
  const uint64_t idle_until = parent->block.created_ms + opt_.empty_block_interval_ms;
  if (body->idle && !events_ready && parent->block.height > 0 && now_ms_ < idle_until) {
    out.push_back(effect::ArmTimer{round_,
                                   std::min(idle_until - now_ms_, opt_.empty_block_interval_ms),
                                   effect::ArmTimer::Kind::kPropose});
    return;  // (nothing was taken for it)
  }
  b.payload = std::move(body->payload);
  b.state_root = body->state_root;
  const Hash32 hash = b.hash();
  auto d = safety_.propose(round_, hash);
  if (!d) return refuse(out, std::nullopt, d.error());
  p.signature = opt_.signer->sign(proposal_message(b.symbiote, b.epoch, b.round, hash));
  persist(out);
  out.push_back(effect::Send{effect::Send::To::kEveryone, 0, kProposal, p.encode()});
  handle_proposal(std::move(p), std::nullopt, out);
}

// ---- proposals and votes ----

void Core::handle_proposal(Proposal p, PeerId from, Effects& out) {
  const Block& b = p.block;
  // A retried pending proposal costs no second check: verified ones are remembered.
  if (auto st = cert_.verify_proposal(p); !st) return refuse(out, from, st.error());
  const Hash32 hash = b.hash();
  auto [it, first] = first_proposal_.try_emplace(b.round, hash, p.encode());
  if (!first && it->second.first != hash) {
    out.push_back(
        effect::Evidence{"double_proposal", b.proposer, b.round, it->second.second, p.encode()});
    return;  // the first one seen stays the one voted for
  }
  process_qc(b.justify, from, out);
  if (b.tc) process_tc(*b.tc, out);
  if (b.round < round_ && known(hash)) return;
  const Known* parent = known(b.parent);
  if (!parent) {
    if (b.height <= committed_height_) return;  // below what is committed here: stale
    // Certified by its leader's signature and its justify: kept, so that a commit can use it
    // once its ancestors arrive; voted for only once its parent is known and checked.
    if (blocks_.size() < opt_.max_unlinked_blocks) blocks_.try_emplace(hash, Known{b, hash});
    if (b.round == round_) pending_ = std::make_pair(std::move(p), from);
    return fetch(b.parent, from, out);
  }
  if (b.height != parent->block.height + 1)
    return refuse(out, from, Error("bad_block", "height is not its parent's + 1"));
  if (b.height <= committed_height_ && !known(hash)) return;  // competes with committed history
  if (b.state_height != Block::state_height_after(parent->block))
    return refuse(
        out, from,
        Error("bad_block", "state height " + std::to_string(b.state_height) +
                               " is not the one its parent implies (" +
                               std::to_string(Block::state_height_after(parent->block)) + ")"));
  if (app_.check) {
    if (auto st = app_.check(b, parent->block); !st) {
      if (st.error().code != "not_executed") return refuse(out, from, st.error());
      if (b.round == round_) pending_ = std::make_pair(std::move(p), from);  // on_executed()
      return;
    }
  }
  auto kit = blocks_.try_emplace(hash, Known{b, hash}).first;
  try_commit(b.justify, from, out);  // its parent may be the last link a commit waited for
  if (b.round == round_) vote_for(kit->second, out);
}

void Core::vote_for(const Known& k, Effects& out) {
  if (!opt_.self) return;
  auto d = safety_.vote(k.block, k.hash);
  if (!d) return;  // S1 refuses: nothing to sign (not misbehaviour of the proposer per se)
  if (*d == SafetyRules::Decision::kResend) {
    auto v = Vote::decode(safety_.state().last_vote);
    if (v) send_vote(*v, out);
    return;
  }
  Vote v;
  v.epoch = cert_.epoch();
  v.round = k.block.round;
  v.block = k.hash;
  v.voter = *opt_.self;
  v.signature = opt_.signer->sign(vote_message(cert_.symbiote(), v.epoch, v.round, v.block));
  safety_.signed_vote(v);
  out.push_back(effect::KeepBlock{k.block});  // B7: a block certified is on a quorum's disks
  persist(out);                               // B5: before the vote leaves
  send_vote(v, out);
}

void Core::send_vote(const Vote& v, Effects& out) {
  // To every validator, not only the next leader: each aggregates the quorum itself, so a dead
  // leader of round r + 1 costs only its own round, not round r's certificate too (README rule 2).
  out.push_back(effect::Send{effect::Send::To::kEveryone, 0, kVote, v.encode()});
  handle_vote(v, std::nullopt, out);
}

void Core::handle_vote(const Vote& v, PeerId from, Effects& out) {
  if (v.epoch != cert_.epoch())
    return refuse(out, from, Error("wrong_epoch", "a vote of another epoch"));
  if (v.voter >= cert_.set().size())
    return refuse(out, from, Error("bad_signers", "the voter is not a validator"));
  if (v.round + kKeepRounds < round_) return;  // stale
  const auto key = std::make_pair(v.round, v.voter);
  auto [fit, first] = first_vote_.try_emplace(key, v.encode());
  if (!first) {
    auto earlier = Vote::decode(fit->second);
    if (earlier && earlier->block != v.block) {
      // Evidence only of two signatures that both verify.
      if (cert_.verify_vote(*earlier) && cert_.verify_vote(v))
        out.push_back(effect::Evidence{"double_vote", v.voter, v.round, fit->second, v.encode()});
      else if (!cert_.verify_vote(v))
        refuse(out, from, Error("bad_signature", "the vote's signature does not verify"));
      return;
    }
  }
  if (v.round <= high_qc_.round) return;  // a certificate of that round or later exists already
  auto& by_voter = votes_[v.round][v.block];
  auto [slot, added] = by_voter.try_emplace(v.voter, v);
  if (!added && !(slot->second.signature == v.signature)) {
    // Two signatures claim one voter (one is forged by whoever relayed it): keep the good one.
    if (!cert_.verify_vote(slot->second)) slot->second = v;
    return;
  }
  if (v.round == round_ && opt_.qc_wait_ms > 0 && !leads(round_ + 1) && qc_wait_ != QcWait::kOver) {
    // The next leader's proposal will carry this round's QC (README rule 2): wait for it, up to
    // qc_wait_ms once a quorum is here, instead of checking a certificate of our own as well.
    if (qc_wait_ == QcWait::kWaiting || !is_quorum(by_voter)) return;
    qc_wait_ = QcWait::kWaiting;
    out.push_back(effect::ArmTimer{round_, opt_.qc_wait_ms, effect::ArmTimer::Kind::kFormQc});
    return;
  }
  form_qc(v.round, v.block, from, out);
}

bool Core::is_quorum(const std::map<uint32_t, Vote>& by_voter) const {
  Bitmap signers(cert_.set().size());
  for (const auto& [voter, vote] : by_voter) signers.set(voter);
  return cert_.set().is_quorum(signers);
}

void Core::form_qc(Round round, const Hash32& block, PeerId from, Effects& out) {
  auto rit = votes_.find(round);
  if (rit == votes_.end()) return;
  auto bit = rit->second.find(block);
  if (bit == rit->second.end()) return;
  auto& by_voter = bit->second;
  if (!is_quorum(by_voter)) return;
  std::vector<Vote> votes;
  for (const auto& [voter, vote] : by_voter) votes.push_back(vote);
  auto qc = cert_.make_qc(votes);
  if (!qc) {
    // A bad signature among them: drop the bad ones, score their senders, wait for more.
    for (auto it = by_voter.begin(); it != by_voter.end();) {
      if (auto st = cert_.verify_vote(it->second); !st) {
        refuse(out, std::nullopt,
               Error(st.error().code,
                     "vote of validator " + std::to_string(it->first) + ": " + st.error().reason));
        first_vote_.erase({round, it->first});
        it = by_voter.erase(it);
      } else {
        ++it;
      }
    }
    return;
  }
  votes_.erase(round);
  process_qc(*qc, from, out);
}

// ---- timeouts ----

void Core::local_timeout(Effects& out) {
  if (!opt_.self) return;
  const std::optional<TimeoutCert> prev =
      last_tc_ && last_tc_->round + 1 == round_ ? last_tc_ : std::nullopt;
  auto d = safety_.timeout(round_, high_qc_, prev);
  if (!d) return;
  timed_out_this_round_ = true;
  if (*d == SafetyRules::Decision::kResend) {
    out.push_back(
        effect::Send{effect::Send::To::kEveryone, 0, kTimeout, safety_.state().last_timeout});
    return;
  }
  Timeout t;
  t.epoch = cert_.epoch();
  t.round = round_;
  t.high_qc = high_qc_;
  t.last_tc = prev;
  t.voter = *opt_.self;
  t.signature =
      opt_.signer->sign(timeout_message(cert_.symbiote(), t.epoch, t.round, t.high_qc.round));
  safety_.signed_timeout(t);
  persist(out);  // B5: before the timeout leaves
  out.push_back(effect::Send{effect::Send::To::kEveryone, 0, kTimeout, t.encode()});
  handle_timeout(t, std::nullopt, out);
}

void Core::handle_timeout(const Timeout& t, PeerId from, Effects& out) {
  if (t.round + kKeepRounds < round_) return;  // stale
  if (auto st = cert_.verify_timeout(t); !st) return refuse(out, from, st.error());
  const Bytes encoded = t.encode();
  auto [fit, first] = first_timeout_.try_emplace({t.round, t.voter}, encoded);
  if (!first && fit->second != encoded) {
    auto earlier = Timeout::decode(fit->second);
    if (earlier && earlier->high_qc.round != t.high_qc.round)
      out.push_back(effect::Evidence{"double_timeout", t.voter, t.round, fit->second, encoded});
    return;
  }
  process_qc(t.high_qc, from, out);
  if (t.last_tc) process_tc(*t.last_tc, out);
  if (t.round < round_) return;
  auto& by_voter = timeouts_[t.round];
  by_voter.emplace(t.voter, t);
  Bitmap signers(cert_.set().size());
  for (const auto& [voter, timeout] : by_voter) signers.set(voter);
  const uint64_t weight = cert_.set().weight_of(signers);
  // More than a third timed out in this round: at least one honest node did; join them.
  if (t.round == round_ && !timed_out_this_round_ &&
      static_cast<unsigned __int128>(weight) * 3 > cert_.set().total_weight())
    return local_timeout(out);  // which adds its own timeout and checks for a quorum
  if (weight < cert_.set().quorum_weight()) return;
  std::vector<Timeout> list;
  for (const auto& [voter, timeout] : timeouts_[t.round]) list.push_back(timeout);
  auto tc = cert_.make_tc(list);
  if (!tc) return;  // each timeout verified on arrival: not expected
  timeouts_.erase(t.round);
  out.push_back(effect::Send{effect::Send::To::kEveryone, 0, kTimeoutCert, tc->encode()});
  process_tc(*tc, out);
}

// ---- commits ----

void Core::try_commit(const QuorumCert& qc, PeerId from, Effects& out) {
  if (qc.is_genesis() || qc.round <= committed_round_) return;
  // Rule 4 along the chain, not only at its top: `b` is certified (by `qc`, then by the justify
  // of the block above it); the first parent `p` from the top whose certified child follows it
  // directly (p.round + 1 == b.round) is committed. A node that missed the messages of an older
  // 2-chain (it was down, or joined late) finds it here instead of waiting for a new one.
  const Known* b = known(qc.block);
  if (!b) return fetch(qc.block, from, out);
  const Known* p = nullptr;
  for (;;) {
    p = known(b->block.parent);
    if (!p) return fetch(b->block.parent, from, out);
    if (p->block.height <= committed_height_) return;  // nothing above what is committed here
    if (p->block.round + 1 == b->block.round) break;
    b = p;
  }
  // Collect P and its uncommitted ancestors down to the committed tip.
  std::vector<const Known*> chain;
  for (const Known* k = p; k->hash != committed_hash_;) {
    if (k->block.height <= committed_height_) return;  // a branch off committed history
    chain.push_back(k);
    const Known* up = known(k->block.parent);
    if (!up) return fetch(k->block.parent, from, out);
    k = up;
  }
  effect::Commit c;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) c.blocks.push_back((*it)->block);
  c.certificate = b->block.justify;
  committed_hash_ = p->hash;
  committed_height_ = p->block.height;
  committed_round_ = p->block.round;
  out.push_back(std::move(c));
  prune();
}

void Core::prune() {
  for (auto it = blocks_.begin(); it != blocks_.end();) {
    if (it->second.block.height < committed_height_ ||
        (it->second.block.height == committed_height_ && it->first != committed_hash_))
      it = blocks_.erase(it);
    else
      ++it;
  }
  const Round keep = round_ > kKeepRounds ? round_ - kKeepRounds : 0;
  votes_.erase(votes_.begin(), votes_.lower_bound(keep));
  timeouts_.erase(timeouts_.begin(), timeouts_.lower_bound(keep));
  first_proposal_.erase(first_proposal_.begin(), first_proposal_.lower_bound(keep));
  first_vote_.erase(first_vote_.begin(), first_vote_.lower_bound({keep, 0}));
  first_timeout_.erase(first_timeout_.begin(), first_timeout_.lower_bound({keep, 0}));
}

// ---- fetching blocks ----

void Core::fetch(const Hash32& h, PeerId from, Effects& out) {
  if (!wanted_.insert(h).second) return;
  codec::Writer w;
  w.fixed(h);
  w.u32(static_cast<uint32_t>(opt_.fetch_batch));
  out.push_back(effect::Send{from ? effect::Send::To::kPeer : effect::Send::To::kEveryone,
                             from.value_or(0), kBlockRequest, std::move(w).take()});
}

void Core::handle_block_request(ByteSpan body, PeerId from, Effects& out) {
  codec::Reader r(body);
  Hash32 h{};
  uint32_t max = 0;
  r.fixed(h);
  r.u32(max);
  if (auto st = r.finish("block request"); !st)
    return refuse(out, from, Error("bad_message", st.error().reason));
  if (!from) return;
  std::vector<Block> chain;
  for (auto b = lookup(h); b && b->height > 0 && chain.size() < std::min(max, 256u);
       b = lookup(b->parent))
    chain.push_back(std::move(*b));
  if (chain.empty()) return;
  codec::Writer w;
  w.varint(chain.size());
  for (const Block& b : chain) w.bytes(b.encode());
  out.push_back(effect::Send{effect::Send::To::kPeer, *from, kBlocks, std::move(w).take()});
}

void Core::handle_blocks(ByteSpan body, PeerId from, Effects& out) {
  codec::Reader r(body);
  uint64_t n = 0;
  r.varint(n);
  std::vector<Block> got;
  for (uint64_t i = 0; r.ok() && i < n && i < 256; ++i) {
    Bytes enc;
    if (!r.bytes(enc, kMaxPayloadBytes + 4096)) break;
    codec::Reader br(enc);
    Block b;
    b.decode(br);
    if (auto st = br.finish("block"); !st)
      return refuse(out, from, Error("bad_message", st.error().reason));
    got.push_back(std::move(b));
  }
  if (auto st = r.finish("blocks"); !st)
    return refuse(out, from, Error("bad_message", st.error().reason));
  // Newest first: a block is taken if it was wanted or is the parent of one taken; its justify
  // must verify (it certifies the next one down), so a peer cannot feed an uncertified chain.
  std::vector<Known> taken;
  std::set<Hash32> expect = wanted_;
  for (auto& b : got) {
    const Hash32 h = b.hash();
    if (!expect.count(h) || b.symbiote != cert_.symbiote() || b.epoch != cert_.epoch()) break;
    if (auto st = cert_.verify_qc(b.justify); !st) return refuse(out, from, st.error());
    if (b.justify.block != b.parent)
      return refuse(out, from, Error("bad_block", "justify is not for the parent"));
    wanted_.erase(h);
    expect.insert(b.parent);
    taken.push_back(Known{std::move(b), h});
  }
  if (taken.empty()) return;
  // Kept even before they link to the committed tip (each is certified by the one above it);
  // the rest of the way down is asked for next.
  const Hash32 below = taken.back().block.parent;
  const uint64_t lowest = taken.back().block.height;
  for (auto& k : taken)
    if (k.block.height > committed_height_ && blocks_.size() < opt_.max_unlinked_blocks)
      blocks_.try_emplace(k.hash, std::move(k));
  if (!known(below) && lowest > committed_height_ + 1) fetch(below, from, out);
  retry_pending(out);
  try_commit(high_qc_, from, out);
  if (leads(round_) && safety_.state().last_proposal_round < round_) propose(out);
}

void Core::retry_pending(Effects& out) {
  if (!pending_ || !known(pending_->first.block.parent)) return;
  auto [p, from] = std::move(*pending_);
  pending_.reset();
  first_proposal_.erase(p.block.round);  // seen once already; not a second proposal
  handle_proposal(std::move(p), from, out);
}

}  // namespace klyn::dev_symbiland
