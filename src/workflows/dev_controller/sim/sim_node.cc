#include "workflows/dev_controller/sim/sim_node.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "chain/event.h"
#include "codec/binary.h"
#include "codec/hex.h"
#include "workflows/dev_controller/protocol.h"
#include "workflows/dev_controller/sync.h"
#include "workflows/kit/admission.h"

namespace klyn::dev_controller::sim {

namespace {

// KLYN_SIM_TRACE=1: one line per admission and forwarding decision on stderr (debugging a seed).
const bool kTrace = [] {
  const char* v = std::getenv("KLYN_SIM_TRACE");
  return v && *v && *v != '0';
}();

Bytes get_request(uint64_t from, uint64_t limit) {
  codec::Writer w;
  w.u64(from);
  w.u64(limit);
  return std::move(w).take();
}

}  // namespace

const char* to_string(Role r) {
  switch (r) {
    case Role::kController:
      return "controller";
    case Role::kProducer:
      return "producer";
    case Role::kFollower:
      return "follower";
  }
  return "?";
}

SimNode::SimNode(SimNetwork& net, const chain::Genesis& genesis, const Params& params,
                 const NodeConfig& config, Role role, const crypto::KeyPair* key, std::string dir)
    : net_(net),
      genesis_(genesis),
      m_(genesis.manifest),
      p_(params),
      config_(config),
      role_(role),
      key_(key),
      dir_(std::move(dir)),
      limits_(params.block_limits()),
      intake_(role == Role::kController,
              InstantIntake::cap_for(params.inclusion_window,
                                     params.max_instant_blocks_per_controller_block)),
      book_(InstantBook::Backoff{config.resend_interval_ms, config.resend_max_ms}) {
  id_ = net_.add_node(this);
}

SimNode::~SimNode() = default;

Status SimNode::open() {
  chain::StoreOptions so;
  so.block_cache_bytes = 1 << 20;
  auto store = chain::ChainStore::open(dir_, genesis_, so);
  if (!store) return store.error();
  store_ = std::move(*store);
  sigcache_ = std::make_unique<chain::SignatureCache>(4096);
  MempoolLimits ml;
  ml.nonce_window = m_.limits.nonce_window;
  mempool_ = std::make_unique<Mempool>(ml);
  verifier_ = std::make_unique<Verifier>(*store_, m_, p_, sigcache_.get());
  KLYN_TRY(verifier_->init());
  alarms_ = std::make_unique<AlarmBook>(*store_, alarm_book_options());
  KLYN_TRY(alarms_->load());
  tip_ = {0, store_->symbiote_id()};
  if (role_ == Role::kController)
    ordering_ =
        std::make_unique<Ordering>(store_->symbiote_id(), *key_, 1, tip_.hash,
                                   p_.max_instant_blocks_per_controller_block, config_.phantom);
  return Status();
}

void SimNode::start() {
  if (role_ != Role::kFollower) net_.schedule(id_, net_.uniform(1, config_.tick_ms), tag(kTick));
  if (role_ != Role::kController)
    net_.schedule(id_, net_.uniform(1, config_.sync_interval_ms), tag(kPull));
  if (role_ == Role::kFollower)
    net_.schedule(id_, net_.uniform(1, config_.forward_interval_ms), tag(kForward));
  if (role_ == Role::kProducer) net_.schedule(id_, config_.resend_interval_ms, tag(kResend));
}

void SimNode::equivocate_at(uint64_t index, std::set<NodeId> group_b) {
  equivocate_index_ = index;
  group_b_ = std::move(group_b);
}

uint64_t SimNode::applied_height() const {
  return store_->applied_height().value();
}

void SimNode::reply(const SimMessage& to, MsgKind kind, Bytes body) {
  net_.send(id_, to.from, kind, to.request, std::move(body));
}

void SimNode::on_message(const SimMessage& m) {
  switch (m.kind) {
    case MsgKind::kEvents:
      return on_events(m);
    case MsgKind::kEventsResult:
      return on_events_result(m);
    case MsgKind::kInstant:
      return on_instant(m);
    case MsgKind::kInstantAck:
      return on_ack(m);
    case MsgKind::kGetBlocks:
      return on_get_blocks(m);
    case MsgKind::kBlocks:
      return on_blocks(m);
    case MsgKind::kEquivocation:
      return on_equivocation(m);
  }
}

void SimNode::on_timer(uint64_t t) {
  const uint64_t request = t >> 4;
  switch (static_cast<Tag>(t & 15)) {
    case kTick:
      if (role_ == Role::kController)
        produce_round();
      else
        produce_instant();
      net_.schedule(id_, config_.tick_ms, tag(kTick));
      break;
    case kPull:
      pull();
      net_.schedule(id_, config_.sync_interval_ms, tag(kPull));
      break;
    case kPullTimeout:
      if (pull_phase_ != PullPhase::kNone && request == pull_request_) pull_failed();
      break;
    case kForward:
      forward();
      net_.schedule(id_, config_.forward_interval_ms, tag(kForward));
      break;
    case kForwardTimeout:
      if (forward_request_ == request && request != 0) {
        forward_request_ = 0;  // not handed on: back to the mempool, try the next peer
        ForwardAnswers::failed(*mempool_, forward_batch_);
        forward_batch_.clear();
        if (!peers_.empty()) forward_peer_ = (forward_peer_ + 1) % peers_.size();
      }
      break;
    case kApply:
      apply_scheduled_ = false;
      apply_one();
      break;
    case kResend:
      resend_unacked();
      net_.schedule(id_, config_.resend_interval_ms, tag(kResend));
      break;
  }
}

// ---- admission and forwarding ----

std::string SimNode::submit(const chain::Event& e) {
  // The shipped admission checks (admission.h), in the shipped order.
  auto checked =
      kit::check_admission(e, store_->symbiote_id(), m_, *mempool_,
                           [this](const chain::AccountId& id) { return store_->account(id); });
  if (!checked) return checked.error().code;
  const Hash32 hash = *checked;
  if (!sigcache_->contains(hash)) {
    if (!e.verify_signature()) return "bad_signature";
    sigcache_->insert(hash);
  }
  Status st = mempool_->add(
      PendingEvent{e, hash}, [this](const chain::AccountId& id) { return committed_nonce(id); },
      [this](const Hash32& h) { return decided(h); });
  if (!st) return st.error().code;
  accepted_.insert(hash);
  return "";
}

void SimNode::on_events(const SimMessage& m) {
  auto events = chain::decode_event_batch(m.body);
  if (!events) return;
  codec::Writer w;
  w.boolean(role_ == Role::kController);  // "orders" (the /events answer of a real node)
  w.varint(events->size());
  for (const auto& e : *events) {
    std::string err = submit(e);
    if (kTrace)
      std::fprintf(stderr, "t=%llu node %u: event %s nonce %llu from %s: %s\n",
                   static_cast<unsigned long long>(net_.now()), id_,
                   codec::hex_encode(e.hash()).substr(0, 12).c_str(),
                   static_cast<unsigned long long>(e.nonce),
                   m.from == kClient ? "client" : std::to_string(m.from).c_str(),
                   err.empty() ? "admitted" : err.c_str());
    w.string(err);
  }
  if (m.from != kClient) reply(m, MsgKind::kEventsResult, std::move(w).take());
}

void SimNode::forward() {
  if (role_ != Role::kFollower || peers_.empty() || forward_request_ != 0) return;
  mempool_->renew(virtual_now());  // leases run out: offered again
  forward_batch_ = mempool_->take(
      config_.forward_batch, Lease{virtual_now(), std::chrono::milliseconds(config_.lease_first_ms),
                                   std::chrono::milliseconds(config_.lease_max_ms)});
  if (forward_batch_.empty()) return;
  std::vector<const chain::Event*> evs;
  for (const auto& pe : forward_batch_) evs.push_back(&pe.event);
  forward_request_ = next_request();
  net_.send(id_, peers_[forward_peer_ % peers_.size()], MsgKind::kEvents, forward_request_,
            chain::encode_event_batch(evs));
  net_.schedule(id_, config_.request_timeout_ms, tag(kForwardTimeout, forward_request_));
}

void SimNode::on_events_result(const SimMessage& m) {
  if (m.request != forward_request_ || forward_request_ == 0) return;  // late or duplicate
  forward_request_ = 0;
  codec::Reader r(m.body);
  uint64_t n = 0;
  bool orders = false;
  r.boolean(orders);
  r.varint(n);
  std::vector<std::string> errs;
  for (uint64_t i = 0; r.ok() && i < n; ++i) {
    std::string e;
    if (r.string(e, 256)) errs.push_back(std::move(e));
  }
  if (!r.ok()) errs.clear();  // as a failed post
  if (kTrace)
    for (size_t i = 0; i < forward_batch_.size() && i < errs.size(); ++i)
      std::fprintf(stderr, "t=%llu node %u: forwarded %s to %u: %s\n",
                   static_cast<unsigned long long>(net_.now()), id_,
                   codec::hex_encode(forward_batch_[i].hash).substr(0, 12).c_str(), m.from,
                   errs[i].empty() ? "accepted" : errs[i].c_str());
  const auto out =
      answers_.settle(*mempool_, std::move(forward_batch_), errs, orders, peers_.size(),
                      [this](const chain::AccountId& id) { return committed_nonce(id); });
  forward_batch_.clear();
  if (out.next_peer && !peers_.empty()) forward_peer_ = (forward_peer_ + 1) % peers_.size();
}

// ---- the controller's round (DevController::produce_round) ----

void SimNode::produce_round() {
  if (alarms_->halting()) return;
  const RoundLimits limits = RoundLimits::of(p_, config_.phantom);
  auto round = make_round(intake_.next(limits.instant_blocks), *mempool_, *ordering_,
                          store_->symbiote_id(), *key_, net_.now(), limits);
  if (!round) return;
  for (const Bytes& enc : round->controller_blocks) {
    note_seen(enc);
    auto cb = decode_controller_block(enc, limits_);
    if (cb && cb->index == equivocate_index_ && !alt_block_) {
      // The fault: a second, validly signed block at the same index and link.
      ControllerBlock alt = *cb;
      alt.created_ms += 1;
      alt.sign(*key_);
      alt_block_ = alt.encode();
      alt_hash_ = ControllerBlock::hash_of(*alt_block_);
    }
  }
  if (auto st = store_->write(round->batch); !st) {
    fail("store blocks: " + st.error().to_string());
    return;
  }
  tip_ = {round->last, round->last_hash};
  maybe_apply();
}

// ---- serving and pulling ranges (sync.cc) ----

Bytes SimNode::serve_group_b(uint64_t from, uint64_t limit) const {
  const uint64_t f = equivocate_index_;
  if (from > f) {
    BlockRange empty;
    empty.peer_stored_height = f;
    return encode_range(empty);
  }
  uint64_t upto = std::min<uint64_t>(from + limit, f);  // main history [from, upto)
  auto head =
      decode_range(serve_range(*store_, from, upto - from, f - 1, limits_).value(), limits_);
  BlockRange range = head ? std::move(*head) : BlockRange{};
  range.peer_stored_height = f;
  if (from + range.bundles.size() == f && range.bundles.size() < limit) {
    auto cb = decode_controller_block(*alt_block_, limits_);
    BlockBundle b;
    b.controller = *alt_block_;
    for (const auto& h : cb->instant_blocks) {
      auto ib = store_->get(dc_keys::instant(h)).value();
      if (!ib) return encode_range(range);
      b.instants.emplace_back(ib->begin(), ib->end());
    }
    range.bundles.push_back(std::move(b));
  }
  return encode_range(range);
}

void SimNode::on_get_blocks(const SimMessage& m) {
  codec::Reader r(m.body);
  uint64_t from = 0, limit = 0;
  r.u64(from);
  r.u64(limit);
  if (!r.finish("get_blocks") || from == 0) return;
  limit = std::min<uint64_t>(limit, kMaxRangeBlocks);
  if (alt_block_ && group_b_.count(m.from))
    return reply(m, MsgKind::kBlocks, serve_group_b(from, limit));
  reply(m, MsgKind::kBlocks, serve_range(*store_, from, limit, tip_.index, limits_).value());
}

void SimNode::pull() {
  if (peers_.empty() || pull_phase_ != PullPhase::kNone) return;
  pull_phase_ = PullPhase::kRange;
  pull_request_ = next_request();
  net_.send(id_, peers_[pull_peer_ % peers_.size()], MsgKind::kGetBlocks, pull_request_,
            get_request(tip_.index + 1, kMaxRangeBlocks));
  net_.schedule(id_, config_.request_timeout_ms, tag(kPullTimeout, pull_request_));
}

void SimNode::pull_failed() {
  pull_phase_ = PullPhase::kNone;
  if (!peers_.empty()) pull_peer_ = (pull_peer_ + 1) % peers_.size();
}

void SimNode::note_seen(ByteSpan controller_block) {
  auto cb = decode_controller_block(controller_block, limits_);
  if (cb && cb->symbiote == store_->symbiote_id() && cb->verify_signature(p_.controller))
    seen_blocks_[cb->index].insert(ControllerBlock::hash_of(controller_block));
}

void SimNode::on_blocks(const SimMessage& m) {
  if (pull_phase_ == PullPhase::kNone || m.request != pull_request_) return;  // late, duplicate
  auto range = decode_range(m.body, limits_);
  if (!range) return pull_failed();
  for (const auto& b : range->bundles) note_seen(b.controller);
  if (pull_phase_ == PullPhase::kConflict) {
    // BlockPuller::look_for_conflict, second half: the peer's block at our tip's index.
    pull_failed();
    auto ours = store_->get(dc_keys::controller(tip_.index)).value();
    if (!ours) return;
    Bytes mine(ours->begin(), ours->end());
    auto theirs =
        probe_conflict(*range, mine, tip_.index, store_->symbiote_id(), p_.controller, limits_);
    if (!theirs) return;
    auto proof = check_equivocation(mine, *theirs, store_->symbiote_id(), p_.controller, limits_);
    if (proof) raise_equivocation(*proof, "peer " + std::to_string(m.from));
    return;
  }
  RangeStep step = judge_range(tip_, store_->symbiote_id(), p_.controller, *range, limits_);
  if (step.probe) {
    pull_phase_ = PullPhase::kConflict;
    pull_request_ = next_request();
    net_.send(id_, m.from, MsgKind::kGetBlocks, pull_request_, get_request(tip_.index, 1));
    net_.schedule(id_, config_.request_timeout_ms, tag(kPullTimeout, pull_request_));
  } else {
    pull_phase_ = PullPhase::kNone;
  }
  if (step.blocks > 0) {
    if (auto st = store_->write(step.batch); !st) {
      fail("store blocks: " + st.error().to_string());
      return;
    }
    tip_ = step.tip;
    maybe_apply();
  }
  if (step.next_peer && !step.probe && !peers_.empty())
    pull_peer_ = (pull_peer_ + 1) % peers_.size();
}

// ---- verification (DevController::verification_loop) ----

void SimNode::maybe_apply() {
  if (apply_scheduled_ || !halted_.empty() || alarms_->halting()) return;
  if (store_->applied_height().value() >= tip_.index) return;
  apply_scheduled_ = true;
  net_.schedule(id_, net_.uniform(0, 3), tag(kApply));
}

void SimNode::apply_one() {
  if (!halted_.empty() || alarms_->halting()) return;
  auto nonce_of = [this](const chain::AccountId& id) { return committed_nonce(id); };
  auto r = apply_next_block(*verifier_, *mempool_, nonce_of);
  if (!r) {
    if (r.error().code != "not_available") {
      halted_ = r.error().to_string();
      fail("verification halted: " + halted_);
    }
    return;
  }
  AppliedRecord rec{r->index, r->hash, r->state_root, r->decided.size()};
  applied_.push_back(rec);
  after_applied(r->index);
  maybe_apply();
}

// ---- fork alarms ----

void SimNode::raise_equivocation(const EquivocationProof& proof, const std::string& source) {
  auto fresh = alarms_->record(equivocation_alarm(proof, source, net_.now()));
  if (!fresh) return fail("record alarm: " + fresh.error().to_string());
  if (!*fresh) return;
  if (!alarm_at_height_) alarm_at_height_ = store_->applied_height().value();
  for (NodeId p : peers_) net_.send(id_, p, MsgKind::kEquivocation, 0, proof.encode());
}

void SimNode::on_equivocation(const SimMessage& m) {
  auto proof = decode_equivocation(m.body, store_->symbiote_id(), p_.controller, limits_);
  if (proof) raise_equivocation(*proof, "peer " + std::to_string(m.from));
}

}  // namespace klyn::dev_controller::sim
