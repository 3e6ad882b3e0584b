#pragma once
// A seeded simulation of dev_symbiland validators running the shipped consensus::Core on the
// kit's SimNetwork (delays, drops, duplicates, reordering, partitions that heal), with
// crash-and-restart from the durable state and Twins (two copies of one validator running with
// the same key: a byzantine validator that equivocates without any code of its own).
//
// The executor does what the node shell does with effects, in order: Persist goes to the node's
// "disk" (kept across crashes), Send to the network, ArmTimer to the virtual clock, Commit to the
// node's committed chain. It checks, on every run:
//  * safety (B4): no two honest nodes commit different blocks at one height; each node's chain is
//    linked by parent hashes from genesis;
//  * B5: every vote or timeout an honest node sends is the one its disk already holds;
//  * no honest validator signs two different votes, or two different timeouts, in one round;
//  * events (E1-E5, README "Events"): a client submits events to honest nodes until a second
//    after the heal; each node holds them in the shipped EventPool (journaled, relayed, proposed
//    with leases) and executes committed blocks with a nonce model. At the end every event an
//    honest node accepted is decided (applied or rejected) on every counted node, or its nonce was
//    used by another event there (it can never apply); none is lost.
// Liveness is the caller's check (heights after the heal time).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "chain/event.h"
#include "codec/hex.h"
#include "crypto/hash.h"
#include "workflows/dev_symbiland/consensus/core.h"
#include "workflows/dev_symbiland/event_pool.h"
#include "workflows/dev_symbiland/tests/fixtures.h"
#include "workflows/kit/sim/sim_network.h"

namespace klyn::dev_symbiland::testing {

namespace ksim = klyn::kit::sim;

struct SimParams {
  uint64_t seed = 1;
  size_t validators = 4;
  size_t twins = 0;             // validators 0..twins-1 run twice (byzantine)
  ksim::FaultModel faults;      // heal_ms: from then on no drops or partitions
  bool partition = false;       // one partition before heal_ms, twins split across it
  size_t crashes = 0;           // honest validators crashed and restarted before heal_ms
  bool amnesia = false;         // a crashed validator restarts WITHOUT its safety state (a bug)
  bool crash_together = false;  // every crash, and the follower's, at one instant (each
                                // restarts at its own time)
  bool lose_blocks = false;     // a crashed validator restarts WITHOUT its kept blocks (a bug)
  std::optional<uint32_t> down_for_good;  // this validator crashes at 1 s and never comes back
  uint64_t run_ms = 20000;
  uint64_t base_timeout_ms = 100;
  uint32_t max_backoff = 4;  // timers up to 1.6 s: liveness is checked within seconds of the heal
  uint64_t qc_wait_ms = 0;   // CoreOptions::qc_wait_ms (faulty(): every other seed 10 ms)
  // Deliveries and timers, and bytes sent, a run may take: a run past either (nodes answering
  // each other without end, e.g. two honest nodes on different chains once a broken rule forked
  // them, asking each other for blocks) stops there with a violation, instead of running on for
  // minutes and gigabytes. Healthy seeds of 20 s take a tenth of either or less.
  uint64_t max_steps = 2'000'000;
  uint64_t max_bytes = 256ull << 20;
  // The client: a submission every 8-80 ms (one event, sometimes a second copy to another node,
  // sometimes an event reusing its sender's last nonce) from the start until this long after the
  // heal; 0 = no events.
  uint64_t events_after_heal_ms = 1000;
  uint64_t relay_resend_ms = 0;  // EventPool::Options::resend (0: 8 base timeouts, as the node)
  bool lose_journal = false;     // a crashed node restarts WITHOUT its admission journal (a bug)
};

struct SimResult {
  std::vector<std::string> violations;
  std::vector<uint64_t> heights_at_heal, heights;  // per honest node
  size_t evidence = 0, refused = 0;
  size_t events_accepted = 0, events_decided = 0;  // distinct events; decided on the first node
  std::vector<std::string> nodes;  // each node's state at the end (for a failing seed)
  std::string describe() const {
    std::ostringstream s;
    s << "heights at heal:";
    for (auto h : heights_at_heal) s << ' ' << h;
    s << "; at end:";
    for (auto h : heights) s << ' ' << h;
    s << "; evidence " << evidence << ", refused " << refused << "; events accepted "
      << events_accepted << ", decided " << events_decided;
    for (const auto& v : violations) s << "\n  " << v;
    for (const auto& n : nodes) s << "\n  " << n;
    return s.str();
  }
};

class SimValidator;

// The committed history everyone must agree on, and who signed what.
struct Observer {
  std::map<uint64_t, Hash32> committed;  // height -> hash, from honest nodes
  std::map<std::pair<Round, uint32_t>, std::set<Hash32>> honest_votes;
  std::map<std::pair<Round, uint32_t>, std::set<Bytes>> honest_timeouts;
  std::vector<std::string> violations;
  std::set<uint32_t> byzantine;             // validator indices that run as twins
  uint64_t bytes_sent = 0;                  // all nodes, all messages (SimParams::max_bytes)
  std::map<Hash32, chain::Event> accepted;  // events an honest node accepted from the client
  void violation(std::string s) {
    if (violations.size() < 20) violations.push_back(std::move(s));
  }
};

// The simulation's app: a payload is a batch of events (EventPool::to_propose); the state after
// height h is a hash chain over the committed payloads up to h. `Roots` is what a node executed:
// index = height, [0] = the genesis state.
using Roots = std::vector<Hash32>;
inline Roots genesis_roots() {
  return {crypto::blake2b256("TEST-STATE", Bytes{})};
}
inline Hash32 next_root(const Hash32& prev, const Bytes& payload) {
  Bytes data(prev.begin(), prev.end());
  data.insert(data.end(), payload.begin(), payload.end());
  return crypto::blake2b256("TEST-STATE", data);
}

// A standalone app for the Core unit tests (no events): a payload names its proposer and a
// counter.
inline App test_app(uint32_t node, std::shared_ptr<const Roots> roots) {
  auto counter = std::make_shared<uint64_t>(0);
  App app;
  app.propose = [counter, node, roots](const Block&, const Hash32&,
                                       uint64_t state_height) -> std::optional<App::Body> {
    if (state_height >= roots->size()) return std::nullopt;  // not executed that far yet
    codec::Writer w;
    w.u32(node);
    w.u64(++*counter);
    return App::Body{std::move(w).take(), (*roots)[state_height]};
  };
  app.check = [roots](const Block& b, const Block&) -> Status {
    if (b.payload.size() != 12) return Error("bad_payload", "not a test payload");
    if (b.state_height >= roots->size()) return Error("not_executed", "not executed yet");
    if (b.state_root != (*roots)[b.state_height])
      return Error("bad_state_root", "wrong state root");
    return Status();
  };
  return app;
}

// Events relayed between nodes (EventPool::to_relay), a kind the core does not use.
inline constexpr MsgKind kSimEvents = static_cast<MsgKind>(100);
inline constexpr size_t kSimMaxEvents = 64;  // per block
// The relay thread's wake-up (ArmTimer kinds are 0-2 in the timer tag's two bits).
inline constexpr uint64_t kRelayTick = 3;
inline constexpr uint64_t kRelayTickMs = 20;

class SimValidator final : public ksim::SimHandler {
 public:
  SimValidator(ksim::SimNetwork& net, const Validators& v, std::optional<uint32_t> index,
               Observer& obs, std::vector<SimValidator*>& all, const SimParams& p)
      : net_(net), v_(v), index_(index), obs_(obs), all_(all), p_(p) {
    id_ = net_.add_node(this);
  }

  void boot(bool amnesia = false) {
    CoreOptions o;
    o.self = index_;
    o.signer = index_ ? v_.signers[*index_].get() : nullptr;
    o.base_timeout_ms = p_.base_timeout_ms;
    o.max_backoff = p_.max_backoff;
    o.qc_wait_ms = p_.qc_wait_ms;
    Restored r;
    if (disk_) {
      r.safety = amnesia ? SafetyState{} : disk_->state;
      r.high_qc = disk_->high_qc;
      r.last_tc = disk_->last_tc;
    }
    if (!p_.lose_blocks)
      for (const auto& [h, b] : kept_) r.uncommitted.push_back(b);
    if (!chain_.empty()) r.committed_tip = chain_.back();
    core_.reset();
    boot_pool();
    core_ = std::make_unique<Core>(*v_.certifier, o, app(), std::move(r));
    ++incarnation_;
    down_ = false;
    net_.schedule(id_, kRelayTickMs, incarnation_ << 48 | kRelayTick << 46);
    execute(core_->start(net_.now()));
  }

  // A client's event (E1): journaled, then admitted (or adopted, if a peer relayed it here
  // first); this node relays it until it is decided.
  Status submit(const chain::Event& e) {
    const Hash32 h = e.hash();
    const bool fresh = journal_.emplace(h, e).second;
    auto st = pool_->admit(kit::PendingEvent{e, h}, true, clock(), nonce_of(), decided_of());
    // A copy a peer relayed here first: pending here, and this node its owner from now on.
    if (!st && st.error().code == "duplicate" && pool_->adopt(e, h, clock())) return Status();
    if (!st && fresh) journal_.erase(h);
    return st;
  }
  // Whether `e` can no longer apply on this node: decided, or its nonce taken by another event.
  bool settled(const chain::Event& e) const {
    if (recorded_.count(e.hash())) return true;
    auto it = nonces_.find(e.creator);
    return it != nonces_.end() && it->second >= e.nonce;
  }
  bool decided(const Hash32& h) const { return recorded_.count(h) != 0; }
  void crash() { down_ = true; }
  bool down() const { return down_; }
  bool honest() const { return !index_ || !obs_.byzantine.count(*index_); }
  std::optional<uint32_t> index() const { return index_; }
  ksim::NodeId id() const { return id_; }
  uint64_t height() const { return chain_.empty() ? 0 : chain_.back().height; }
  const Core& core() const { return *core_; }
  size_t evidence = 0, refused = 0;

  // Where this node stands, for the failure message of a seed.
  std::string state() const {
    std::ostringstream s;
    s << "node " << id_ << (index_ ? " validator " + std::to_string(*index_) : " follower")
      << (honest() ? "" : " (twin)") << (down_ ? " DOWN" : "") << ": height " << height()
      << ", round " << core_->round() << ", high QC round " << core_->high_qc().round
      << (core_->knows(core_->high_qc().block) ? "" : " (its block unknown)")
      << ", last voted round " << core_->safety().last_voted_round << ", one-chain round "
      << core_->safety().one_chain_round;
    return s.str();
  }

  void on_message(const ksim::SimMessage& m) override {
    if (down_) return;
    if (m.kind == kSimEvents) {  // relayed by a peer: admitted, not relayed again (E2)
      auto batch = chain::decode_event_batch(m.body);
      if (!batch) return obs_.violation("a relayed event batch does not decode");
      for (const chain::Event& e : *batch)
        (void)pool_->admit(kit::PendingEvent{e, e.hash()}, false, clock(), nonce_of(),
                           decided_of());
      return;
    }
    execute(core_->on_message(uint64_t{m.from}, m.kind, m.body, net_.now()));
  }
  void on_timer(uint64_t tag) override {
    if (down_ || tag >> 48 != incarnation_) return;  // a timer of an earlier life
    if (((tag >> 46) & 3) == kRelayTick) return relay_tick();
    const auto kind = static_cast<effect::ArmTimer::Kind>((tag >> 46) & 3);
    execute(core_->on_timer(tag & ((uint64_t{1} << 46) - 1), net_.now(), kind));
  }

 private:
  void send(const effect::Send& s) {
    using To = effect::Send::To;
    for (SimValidator* n : all_) {
      if (n == this) continue;
      if (s.to == To::kValidator && n->index_ != s.id) continue;
      if (s.to == To::kPeer && n->id_ != s.id) continue;
      obs_.bytes_sent += s.body.size();
      net_.send(id_, n->id_, s.kind, 0, s.body);
    }
  }

  // KLYN_SL_SIM_TRACE=1: every effect of every node on stderr (to read a failing seed).
  void trace(const Effect& e) const {
    static const bool on = std::getenv("KLYN_SL_SIM_TRACE") != nullptr;
    if (!on) return;
    std::ostringstream s;
    s << net_.now() << " n" << id_ << " r" << core_->round() << ": ";
    if (auto* x = std::get_if<effect::Send>(&e))
      s << "send kind " << x->kind << " to " << static_cast<int>(x->to) << ":" << x->id;
    else if (auto* t = std::get_if<effect::ArmTimer>(&e))
      s << "timer r" << t->round << " +" << t->delay_ms << " kind " << static_cast<int>(t->kind);
    else if (auto* c = std::get_if<effect::Commit>(&e))
      s << "commit up to " << c->blocks.back().height;
    else if (auto* r = std::get_if<effect::Refused>(&e))
      s << "refused " << r->code << ": " << r->reason;
    else if (std::holds_alternative<effect::Persist>(e))
      s << "persist";
    else
      s << "effect " << e.index();
    std::fprintf(stderr, "%s\n", s.str().c_str());
  }

  void execute(const Effects& effects) {
    bool executed = false;
    for (const Effect& e : effects) {
      trace(e);
      if (auto* p = std::get_if<effect::Persist>(&e)) {
        disk_ = *p;
      } else if (auto* k = std::get_if<effect::KeepBlock>(&e)) {
        kept_.emplace(k->block.hash(), k->block);
      } else if (auto* s = std::get_if<effect::Send>(&e)) {
        if (honest() && index_) check_signed(*s);
        send(*s);
      } else if (auto* t = std::get_if<effect::ArmTimer>(&e)) {
        net_.schedule(id_, t->delay_ms,
                      incarnation_ << 48 | static_cast<uint64_t>(t->kind) << 46 | t->round);
      } else if (auto* c = std::get_if<effect::Commit>(&e)) {
        commit(*c);
        executed = true;
      } else if (std::holds_alternative<effect::Evidence>(e)) {
        ++evidence;
      } else if (std::holds_alternative<effect::Refused>(e)) {
        ++refused;
      }
    }
    if (executed) execute(core_->on_executed(net_.now()));  // as the shell does after applying
  }

  void check_signed(const effect::Send& s) {
    if (s.kind == kVote) {
      auto v = Vote::decode(s.body);
      if (!disk_ || disk_->state.last_vote != s.body)
        obs_.violation("B5: validator " + std::to_string(*index_) +
                       " sent a vote its disk does not hold");
      if (v && !kept_.count(v->block))
        obs_.violation("B7: validator " + std::to_string(*index_) +
                       " voted for a block its disk does not keep");
      if (v) {
        auto& blocks = obs_.honest_votes[{v->round, v->voter}];
        blocks.insert(v->block);
        if (blocks.size() > 1)
          obs_.violation("honest validator " + std::to_string(v->voter) + " voted twice in round " +
                         std::to_string(v->round));
      }
    } else if (s.kind == kTimeout) {
      auto t = Timeout::decode(s.body);
      if (t && t->voter == *index_) {
        if (!disk_ || disk_->state.last_timeout != s.body)
          obs_.violation("B5: validator " + std::to_string(*index_) +
                         " sent a timeout its disk does not hold");
        auto& sent = obs_.honest_timeouts[{t->round, t->voter}];
        sent.insert(s.body);
        if (sent.size() > 1)
          obs_.violation("honest validator " + std::to_string(t->voter) +
                         " signed two timeouts in round " + std::to_string(t->round));
      }
    }
  }

  EventPool::Clock::time_point clock() const {
    return EventPool::Clock::time_point(std::chrono::milliseconds(net_.now()));
  }
  EventPool::NonceOf nonce_of() const {
    return [this](const chain::AccountId& a) {
      auto it = nonces_.find(a);
      return it == nonces_.end() ? uint64_t{0} : it->second;
    };
  }
  std::function<bool(const Hash32&)> decided_of() const {
    return [this](const Hash32& h) { return decided(h); };
  }

  // The pool is in memory: a restart starts an empty one and admits the journal again (lowest
  // nonces first, those decided meanwhile released), as kit::AdmissionJournal::restore does.
  void boot_pool() {
    EventPool::Options po;
    po.base_timeout_ms = p_.base_timeout_ms;
    po.resend =
        std::chrono::milliseconds(p_.relay_resend_ms ? p_.relay_resend_ms : 8 * p_.base_timeout_ms);
    pool_ = std::make_unique<EventPool>(po);
    if (p_.lose_journal) journal_.clear();
    std::vector<chain::Event> journaled;
    for (const auto& [h, e] : journal_) journaled.push_back(e);
    std::sort(journaled.begin(), journaled.end(), [](const auto& a, const auto& b) {
      return std::tie(a.creator, a.nonce) < std::tie(b.creator, b.nonce);
    });
    for (const chain::Event& e : journaled) {
      const Hash32 h = e.hash();
      if (decided(h) ||
          !pool_->admit(kit::PendingEvent{e, h}, true, clock(), nonce_of(), decided_of()))
        journal_.erase(h);
    }
    release_forgotten();
  }

  // As the shell's: an event forgotten and accepted again since keeps its journal entry.
  void release_forgotten() {
    for (const Hash32& h : pool_->forgotten())
      if (!pool_->contains(h)) journal_.erase(h);
  }

  void relay_tick() {
    net_.schedule(id_, kRelayTickMs, incarnation_ << 48 | kRelayTick << 46);
    const std::vector<chain::Event> events = pool_->to_relay(clock());
    if (events.empty()) return;
    std::vector<const chain::Event*> ptrs;
    for (const auto& e : events) ptrs.push_back(&e);
    send(effect::Send{effect::Send::To::kEveryone, 0, kSimEvents, chain::encode_event_batch(ptrs)});
  }

  // The App the shell's Ledger gives the core, on this node's model of execution.
  App app() {
    App a;
    a.propose = [this](const Block&, const Hash32& parent_hash,
                       uint64_t state_height) -> std::optional<App::Body> {
      if (state_height >= roots_->size()) return std::nullopt;  // not executed that far yet
      // The events of the uncommitted blocks this one extends (Ledger::app's in_flight).
      std::set<Hash32> flying;
      const Hash32 tip = chain_.empty() ? v_.symbiote : chain_.back().hash();
      for (Hash32 h = parent_hash; h != tip;) {
        const Block* b = core_ ? core_->find(h) : nullptr;
        if (!b) break;
        if (auto events = chain::decode_event_batch(b->payload))
          for (const auto& e : *events) flying.insert(e.hash());
        h = b->parent;
      }
      const std::vector<chain::Event> events = pool_->to_propose(kSimMaxEvents, flying, clock());
      std::vector<const chain::Event*> ptrs;
      for (const auto& e : events) ptrs.push_back(&e);
      return App::Body{chain::encode_event_batch(ptrs), (*roots_)[state_height]};
    };
    a.check = [this](const Block& b, const Block&) -> Status {
      if (!chain::decode_event_batch(b.payload, kSimMaxEvents))
        return Error("bad_payload", "not an event batch");
      if (b.state_height >= roots_->size()) return Error("not_executed", "not executed yet");
      if (b.state_root != (*roots_)[b.state_height])
        return Error("bad_state_root", "wrong state root");
      return Status();
    };
    a.stored = [this](const Hash32& h) -> std::optional<Block> {
      auto it = by_hash_.find(h);
      if (it == by_hash_.end()) return std::nullopt;
      return chain_[it->second];
    };
    return a;
  }

  // Execution of one committed block's events, a model of Ledger::execute_one with
  // kit::NonceOrder: an event at its sender's next nonce applies (and lets waiting ones follow),
  // one at or below it is rejected; one ahead waits to the end of the block and is deferred; the
  // first event met for a (sender, nonce) is kept, a twin met later is deferred.
  void execute_events(const Block& b) {
    auto events = chain::decode_event_batch(b.payload, kSimMaxEvents);
    if (!events) return;  // applies nothing (only a byzantine quorum certifies one)
    std::vector<std::pair<chain::AccountId, Hash32>> done;
    std::vector<kit::PendingEvent> deferred;
    std::map<chain::AccountId, std::map<uint64_t, chain::Event>> waiting;
    auto decide = [&](const chain::Event& e) {
      recorded_.insert(e.hash());
      done.emplace_back(e.creator, e.hash());
    };
    for (const chain::Event& e : *events) {
      uint64_t& n = nonces_[e.creator];
      if (e.nonce <= n) {
        decide(e);  // rejected: nonce used
      } else if (e.nonce > n + 1) {
        if (!waiting[e.creator].emplace(e.nonce, e).second) deferred.push_back({e, e.hash()});
      } else {
        decide(e);
        ++n;
        auto& w = waiting[e.creator];
        for (auto it = w.find(n + 1); it != w.end(); it = w.find(n + 1)) {
          decide(it->second);
          ++n;
          w.erase(it);
        }
      }
    }
    for (auto& [sender, w] : waiting)
      for (auto& [nonce, e] : w) deferred.push_back({e, e.hash()});
    pool_->on_executed(done, std::move(deferred), nonce_of());
    release_forgotten();
  }

  void commit(const effect::Commit& c) {
    for (const Block& b : c.blocks) {
      const Hash32 h = b.hash();
      const Hash32 parent = chain_.empty() ? v_.symbiote : chain_.back().hash();
      if (b.height != height() + 1 || b.parent != parent)
        obs_.violation("node " + std::to_string(id_) + " committed height " +
                       std::to_string(b.height) + " not linked to its height " +
                       std::to_string(height()));
      by_hash_.emplace(h, chain_.size());
      chain_.push_back(b);
      roots_->push_back(next_root(roots_->back(), b.payload));  // executed with the commit
      execute_events(b);
      if (!honest()) continue;
      auto [it, first] = obs_.committed.try_emplace(b.height, h);
      if (!first && it->second != h)
        obs_.violation("SAFETY: two blocks committed at height " + std::to_string(b.height));
    }
    // Kept blocks at or below the committed height are no longer needed (the shell deletes them).
    for (auto it = kept_.begin(); it != kept_.end();)
      it = it->second.height <= height() ? kept_.erase(it) : std::next(it);
  }

  ksim::SimNetwork& net_;
  const Validators& v_;
  std::optional<uint32_t> index_;
  Observer& obs_;
  std::vector<SimValidator*>& all_;
  const SimParams& p_;
  ksim::NodeId id_ = 0;
  uint64_t incarnation_ = 0;
  bool down_ = false;
  std::unique_ptr<Core> core_;
  std::optional<effect::Persist> disk_;
  std::map<Hash32, Block> kept_;  // effect::KeepBlock (durable)
  std::vector<Block> chain_;      // committed blocks (durable)
  std::shared_ptr<Roots> roots_ = std::make_shared<Roots>(genesis_roots());  // executed, durable
  std::map<Hash32, size_t> by_hash_;
  // Events: the pool is in memory; the journal and the executed nonces and records are durable.
  std::unique_ptr<EventPool> pool_;
  std::map<Hash32, chain::Event> journal_;
  std::map<chain::AccountId, uint64_t> nonces_;
  std::set<Hash32> recorded_;
};

// The faults of one seed: drops, duplicates, delays, a heal time, maybe a partition.
inline SimParams faulty(uint64_t seed, size_t n) {
  SimParams p;
  p.seed = seed;
  p.validators = n;
  std::mt19937_64 g(seed);
  p.faults.drop = (g() % 20) / 100.0;       // 0..19 %
  p.faults.duplicate = (g() % 10) / 100.0;  // 0..9 %
  p.faults.max_delay_ms = 5 + g() % 80;
  p.faults.heal_ms = 3000 + g() % 4000;
  p.partition = g() % 2 == 0;
  p.run_ms = p.faults.heal_ms + 6000;
  p.qc_wait_ms = seed % 2 ? p.base_timeout_ms / 10 : 0;  // both ways of forming QCs
  return p;
}

// The simulation's scenarios, each a family of seeds (README.md "Simulation").
enum class Scenario {
  kFaults,          // drops, delays, duplicates, maybe a partition
  kTwins,           // f byzantine validators run twice, the copies across a partition
  kCrashes,         // three crash-and-restarts of honest validators
  kOneDown,         // one validator down for good from 1 s on
  kAllCrashAtOnce,  // every node down at one instant, each back at its own time
};

inline SimParams scenario(Scenario s, uint64_t seed, size_t n) {
  SimParams p = faulty(seed, n);
  switch (s) {
    case Scenario::kFaults:
      break;
    case Scenario::kTwins:
      p.twins = (n - 1) / 3;
      p.partition = true;
      break;
    case Scenario::kCrashes:
      p.crashes = 3;
      break;
    case Scenario::kOneDown:
      p.down_for_good = static_cast<uint32_t>(seed % n);
      break;
    case Scenario::kAllCrashAtOnce:
      p.crashes = n;
      p.crash_together = true;
      break;
  }
  return p;
}

// Blocks committed after the heal that liveness asks of every honest node.
inline uint64_t progress_after_heal(Scenario s) {
  return s == Scenario::kTwins ? 3 : 5;
}

// One seeded run. `v` is shared by all nodes: its caches are a pure function's memo.
inline SimResult run_consensus_sim(const SimParams& p, const Validators& v) {
  ksim::SimNetwork net(p.seed, p.faults);
  Observer obs;
  for (uint32_t i = 0; i < p.twins; ++i) obs.byzantine.insert(i);
  std::vector<SimValidator*> all;
  std::vector<std::unique_ptr<SimValidator>> nodes;
  for (uint32_t i = 0; i < p.validators; ++i)
    nodes.push_back(std::make_unique<SimValidator>(net, v, i, obs, all, p));
  for (uint32_t i = 0; i < p.twins; ++i)
    nodes.push_back(std::make_unique<SimValidator>(net, v, i, obs, all, p));
  nodes.push_back(  // one follower
      std::make_unique<SimValidator>(net, v, std::nullopt, obs, all, p));
  for (auto& n : nodes) all.push_back(n.get());

  const uint64_t heal = p.faults.heal_ms;
  if (p.partition && heal > 0) {
    // Twins on different sides: each copy can gather votes from its side.
    ksim::Partition part;
    part.from_ms = net.uniform(0, heal / 2);
    part.heal_ms = heal;
    for (auto& n : nodes)
      if (net.chance(0.5)) part.side.insert(n->id());
    for (uint32_t i = 0; i < p.twins; ++i) {
      part.side.insert(nodes[i]->id());
      part.side.erase(nodes[p.validators + i]->id());
    }
    net.add_partition(std::move(part));
  }
  const uint64_t together = p.crash_together && heal > 0 ? net.uniform(heal / 4, heal / 2) : 0;
  for (size_t c = 0; c < p.crashes && heal > 0; ++c) {
    const uint32_t who = p.crash_together
                             ? static_cast<uint32_t>(p.twins + c % (p.validators - p.twins))
                             : static_cast<uint32_t>(net.uniform(p.twins, p.validators - 1));
    const uint64_t at = p.crash_together ? together : net.uniform(1, heal);
    const uint64_t back = at + net.uniform(1, heal / 2 + 1);
    net.at(at, [&, who] { nodes[who]->crash(); });
    net.at(back, [&, who] { nodes[who]->boot(p.amnesia); });
  }
  if (p.crash_together && heal > 0) {
    // The follower too: then no node holds an uncommitted block in memory across the crash.
    SimValidator* follower = nodes.back().get();
    const uint64_t back = together + net.uniform(1, heal / 2 + 1);
    net.at(together, [follower] { follower->crash(); });
    net.at(back, [follower] { follower->boot(); });
  }
  if (p.down_for_good) net.at(1000, [&, who = *p.down_for_good] { nodes[who]->crash(); });
  for (auto& n : nodes) n->boot();

  auto counted = [&](const SimValidator& n) {
    return n.honest() && (!p.down_for_good || n.index() != p.down_for_good);
  };
  // The client: its own random stream (the network's faults do not depend on it). Everything is
  // drawn now; a submission finding its node down goes to the next one up, or waits 50 ms.
  std::vector<SimValidator*> targets;
  for (auto& n : nodes)
    if (counted(*n)) targets.push_back(n.get());
  std::function<void(chain::Event, size_t)> submit = [&](chain::Event e, size_t first) {
    for (size_t i = 0; i < targets.size(); ++i) {
      SimValidator* n = targets[(first + i) % targets.size()];
      if (n->down()) continue;
      if (n->submit(e)) obs.accepted.emplace(e.hash(), e);
      return;
    }
    net.at(net.now() + 50, [&submit, e, first] { submit(e, first); });
  };
  if (p.events_after_heal_ms > 0 && !targets.empty()) {
    std::mt19937_64 g(p.seed * 0x9e3779b97f4a7c15ull + 7);
    constexpr size_t kSenders = 6;
    std::vector<uint64_t> next_nonce(kSenders, 1);
    uint32_t counter = 0;
    for (uint64_t t = 8 + g() % 73; t <= heal + p.events_after_heal_ms; t += 8 + g() % 73) {
      const size_t k = g() % kSenders;
      chain::Event e;
      e.symbiote = v.symbiote;
      e.creator[0] = static_cast<uint8_t>(k + 1);
      // Now and then an event reusing the sender's last nonce: at most one of the two applies.
      const bool twin = next_nonce[k] > 1 && g() % 20 == 0;
      e.nonce = twin ? next_nonce[k] - 1 : next_nonce[k]++;
      e.fee = 1;
      codec::Writer w;
      w.u32(++counter);
      e.payload = std::move(w).take();
      const size_t first = g() % targets.size(), second = g() % targets.size();
      const bool copy = g() % 10 == 0;  // a client sending it to a second node as well
      net.at(t, [&submit, e, first, second, copy] {
        submit(e, first);
        if (copy) submit(e, second);
      });
    }
  }

  SimResult r;
  const auto runaway = [&] {
    const ksim::NetworkStats& s = net.stats();
    return s.delivered + s.timers > p.max_steps || obs.bytes_sent > p.max_bytes;
  };
  bool ran = net.run_until(heal, runaway);
  for (auto& n : nodes)
    if (counted(*n)) r.heights_at_heal.push_back(n->height());
  if (ran) ran = net.run_until(p.run_ms, runaway);
  if (!ran)
    obs.violation("RUNAWAY: over " + std::to_string(p.max_steps) + " deliveries and timers or " +
                  std::to_string(p.max_bytes >> 20) + " MiB sent by virtual time " +
                  std::to_string(net.now()) + " ms");
  for (auto& n : nodes) {
    if (counted(*n)) r.heights.push_back(n->height());
    r.evidence += n->evidence;
    r.refused += n->refused;
    r.nodes.push_back(n->state());
  }
  // Events: none accepted is lost (README "Events", E5).
  r.events_accepted = obs.accepted.size();
  for (const auto& [h, e] : obs.accepted) r.events_decided += targets.front()->decided(h);
  if (ran)
    for (SimValidator* n : targets)
      for (const auto& [h, e] : obs.accepted)
        if (!n->settled(e))
          obs.violation("EVENT: accepted event " + codec::hex_encode(h).substr(0, 12) +
                        " (sender " + std::to_string(e.creator[0]) + ", nonce " +
                        std::to_string(e.nonce) + ") is neither decided nor passed on node " +
                        std::to_string(n->id()));
  r.violations = obs.violations;
  return r;
}

}  // namespace klyn::dev_symbiland::testing
