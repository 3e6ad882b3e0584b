#include "workflows/dev_controller/sim/simulation.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "chain/event.h"
#include "chain/state.h"
#include "codec/hex.h"
#include "workflows/dev_controller/sim/sim_node.h"

namespace klyn::dev_controller::sim {

using kit::sim::FaultModel;
using kit::sim::Partition;

namespace {

using chain::AccountId;
using chain::Amount;

// Deterministic test keys (the scheme of chain/tests/test_util.h: seed[0] = n, seed[31] = 0x5a).
crypto::KeyPair key(uint8_t n) {
  crypto::Seed s{};
  s[0] = n;
  s[31] = 0x5a;
  return crypto::KeyPair::from_seed(s);
}

constexpr uint8_t kControllerKey = 0;
constexpr uint8_t kFirstClient = 1, kClients = 4;
constexpr uint8_t kFirstProducer = 10, kMaxProducers = 2;
constexpr Amount kFee = 10;
constexpr uint32_t kSharePermille = 600;
constexpr Amount kClientBalance = 50'000;

std::string short_hex(const Hash32& h) {
  return codec::hex_encode(h).substr(0, 12);
}

struct ModelAccount {
  Amount balance = 0, stake = 0;
  uint64_t nonce = 0;
};

// Property 2: replays node `n`'s applied blocks with an independent model of TRANSFER and checks
// every event record, then the final balances, nonces and stakes.
void check_model(SimNode& n, const chain::Genesis& g, const Params& params,
                 std::vector<std::string>& out) {
  const std::string who = "node " + std::to_string(n.id()) + ": ";
  std::map<AccountId, ModelAccount> model;
  for (const auto& a : g.accounts) model[a.id] = {a.balance, a.stake, 0};
  const BlockLimits limits = params.block_limits();
  chain::ChainStore& store = n.store();
  const uint64_t applied = store.applied_height().value();
  size_t applied_events = 0;
  // D4 in the model: an event whose nonce is ahead of its sender's waits within its controller
  // block and applies as soon as the sender's nonce reaches it.
  struct Waiting {
    chain::Event e;
    Hash32 eh, ih;
    uint32_t pos;
    AccountId producer;
  };
  const uint64_t window = g.manifest.limits.nonce_window;
  for (uint64_t i = 1; i <= applied; ++i) {
    auto bytes = store.get(dc_keys::controller(i)).value();
    auto cb = bytes ? decode_controller_block(as_bytes(*bytes), limits)
                    : Result<ControllerBlock>(Error("missing", "not stored"));
    if (!cb) {
      out.push_back(who + "applied block " + std::to_string(i) + " is not readable");
      return;
    }
    auto check = [&](const Hash32& eh, const Hash32& ih, uint32_t pos, bool applies) {
      auto rec = chain::load_event_record(store, eh).value();
      const bool node_applied_here = rec && rec->status == chain::EventStatus::kApplied &&
                                     rec->height == i && rec->block == ih && rec->position == pos;
      if (applies != node_applied_here)
        out.push_back(who + "event " + short_hex(eh) + " at block " + std::to_string(i) +
                      " instant " + short_hex(ih) + " #" + std::to_string(pos) + ": model " +
                      (applies ? "applies" : "rejects") + " it, the node's record says " +
                      (rec ? (rec->status == chain::EventStatus::kApplied
                                  ? "applied at " + std::to_string(rec->height)
                                  : "rejected (" + rec->reason + ")")
                           : "nothing"));
    };
    // Applies `e` if its nonce is next and the sender can pay.
    auto try_apply = [&](const chain::Event& e, const AccountId& producer) {
      auto t = chain::decode_transfer(e.payload);
      ModelAccount& from = model[e.creator];
      const Amount spend = e.fee + (t ? t->amount : 0);
      if (!t || e.nonce != from.nonce + 1 || from.balance < spend) return false;
      from.balance -= spend;
      from.nonce += 1;
      model[t->to].balance += t->amount;
      model[producer].balance += e.fee * kSharePermille / 1000;  // the rest is burned
      ++applied_events;
      return true;
    };
    std::map<AccountId, std::map<uint64_t, Waiting>> waiting;
    for (const Hash32& ih : cb->instant_blocks) {
      auto ibytes = store.get(dc_keys::instant(ih)).value();
      auto ib = ibytes ? decode_instant_block(as_bytes(*ibytes), limits)
                       : Result<InstantBlock>(Error("missing", "not stored"));
      if (!ib) {
        out.push_back(who + "instant block " + short_hex(ih) + " of block " + std::to_string(i) +
                      " is not readable");
        return;
      }
      const bool staked =
          model[ib->producer].stake >= params.instant_producer_stake && ib->verify_signature();
      for (uint32_t pos = 0; pos < ib->events.size(); ++pos) {
        const chain::Event& e = ib->events[pos];
        const Hash32 eh = e.hash();
        const uint64_t have = model[e.creator].nonce;
        const bool valid = staked && e.type == chain::EventType::kTransfer && e.fee >= kFee;
        if (valid && e.nonce > have + 1 && e.nonce - have <= window) {
          waiting[e.creator].emplace(e.nonce, Waiting{e, eh, ih, pos, ib->producer});
          continue;
        }
        const bool applies = valid && try_apply(e, ib->producer);
        check(eh, ih, pos, applies);
        if (!applies) continue;
        auto w = waiting.find(e.creator);
        while (w != waiting.end()) {
          auto next = w->second.find(model[e.creator].nonce + 1);
          if (next == w->second.end()) break;
          const Waiting x = next->second;
          w->second.erase(next);
          const bool ok = try_apply(x.e, x.producer);
          check(x.eh, x.ih, x.pos, ok);
          if (!ok) break;
        }
      }
    }
    for (const auto& [sender, by_nonce] : waiting)
      for (const auto& [nonce, x] : by_nonce) check(x.eh, x.ih, x.pos, false);
  }
  uint64_t nonces = 0;
  for (const auto& [id, want] : model) {
    chain::Account got = store.account(id).value();
    nonces += got.nonce;
    if (got.balance != want.balance || got.nonce != want.nonce || got.stake != want.stake)
      out.push_back(who + "account " + crypto::address_of(id) + " is balance " +
                    std::to_string(got.balance) + " nonce " + std::to_string(got.nonce) +
                    " stake " + std::to_string(got.stake) + ", the model says " +
                    std::to_string(want.balance) + "/" + std::to_string(want.nonce) + "/" +
                    std::to_string(want.stake));
  }
  // Every applied event advanced its creator's nonce once: no event applied twice.
  if (nonces != applied_events)
    out.push_back(who + "nonces sum to " + std::to_string(nonces) + " but " +
                  std::to_string(applied_events) + " events were applied");
}

}  // namespace

SimReport run_simulation(const SimParams& p) {
  SimReport report;
  auto violation = [&](std::string s) { report.violations.push_back(std::move(s)); };
  std::mt19937_64 setup(p.seed * 0x9e3779b97f4a7c15ULL + 1);
  auto uni = [&](uint64_t lo, uint64_t hi) {
    return std::uniform_int_distribution<uint64_t>(lo, hi)(setup);
  };
  auto chance = [&](double x) { return std::uniform_real_distribution<double>(0, 1)(setup) < x; };

  // ---- the symbiote ----
  const size_t n_nodes = uni(p.min_nodes, p.max_nodes);
  const size_t n_producers = uni(p.censor ? 1 : 0, std::min<size_t>(kMaxProducers, n_nodes - 2));
  std::vector<crypto::KeyPair> keys;
  for (uint8_t i = 0; i <= kFirstProducer + kMaxProducers; ++i) keys.push_back(key(i));
  chain::Genesis g;
  g.manifest.name = "sim";
  g.manifest.workflow = "dev_controller";
  g.manifest.workflow_version = "0.1.0";
  g.manifest.fee.per_event = kFee;
  g.manifest.fee.generator_share_permille = kSharePermille;
  g.manifest.unstake_delay = 3;
  Params params;
  params.controller = keys[kControllerKey].public_key();
  params.instant_producer_stake = 100;
  params.max_events_per_instant_block = static_cast<uint32_t>(uni(1, 4));
  params.max_instant_blocks_per_controller_block = static_cast<uint32_t>(uni(1, 3));
  params.inclusion_window = p.censor ? 3 : 20;
  if (auto st = write_params(g.manifest, params); !st) {
    violation("the simulated genesis: " + st.error().to_string());
    return report;
  }
  g.accounts.push_back({keys[kControllerKey].public_key(), 1'000'000, 1000});
  for (uint8_t c = 0; c < kClients; ++c)
    g.accounts.push_back({keys[kFirstClient + c].public_key(), kClientBalance, 0});
  for (uint8_t i = 0; i < kMaxProducers; ++i)
    g.accounts.push_back({keys[kFirstProducer + i].public_key(), 1'000'000, 500});
  std::sort(g.accounts.begin(), g.accounts.end(), [](auto& a, auto& b) { return a.id < b.id; });
  const SymbioteId sym = g.id();

  // ---- faults ----
  FaultModel faults;
  faults.drop = std::uniform_real_distribution<double>(0, 0.25)(setup);
  faults.duplicate = std::uniform_real_distribution<double>(0, 0.15)(setup);
  faults.min_delay_ms = 1;
  faults.max_delay_ms = uni(2, 80);
  faults.heal_ms = p.submit_window_ms + uni(0, 1000);
  report.heal_ms = faults.heal_ms;
  SimNetwork net(setup(), faults);
  std::string partition_desc = "none";
  if (p.isolate_controller) {
    Partition part;
    part.side.insert(0);
    part.from_ms = 100;
    part.heal_ms = faults.heal_ms;
    partition_desc = "{0}@[100," + std::to_string(part.heal_ms) + ")";
    net.add_partition(std::move(part));
  } else if (chance(0.6)) {
    Partition part;
    for (NodeId i = 0; i < n_nodes; ++i)
      if (chance(0.4)) part.side.insert(i);
    if (part.side.empty()) part.side.insert(static_cast<NodeId>(uni(0, n_nodes - 1)));
    part.from_ms = uni(0, faults.heal_ms / 2);
    part.heal_ms = uni(part.from_ms, faults.heal_ms);
    std::ostringstream d;
    d << "{";
    for (NodeId i : part.side) d << i << (i == *part.side.rbegin() ? "" : ",");
    d << "}@[" << part.from_ms << "," << part.heal_ms << ")";
    partition_desc = d.str();
    net.add_partition(std::move(part));
  }

  // ---- nodes ----
  NodeConfig nc;
  nc.tick_ms = uni(5, 50);
  nc.sync_interval_ms = uni(20, 80);
  nc.forward_batch = uni(1, 8);
  nc.phantom = chance(0.5);
  std::vector<std::unique_ptr<SimNode>> nodes;
  std::vector<std::string> dirs;
  for (size_t i = 0; i < n_nodes; ++i) {
    Role role = i == 0 ? Role::kController : (i <= n_producers ? Role::kProducer : Role::kFollower);
    const crypto::KeyPair* k = role == Role::kController ? &keys[kControllerKey]
                               : role == Role::kProducer ? &keys[kFirstProducer + i - 1]
                                                         : nullptr;
    dirs.push_back(
        (std::filesystem::path(p.dir) / ("s" + std::to_string(p.seed) + "-n" + std::to_string(i)))
            .string());
    std::filesystem::remove_all(dirs.back());
    nodes.push_back(std::make_unique<SimNode>(net, g, params, nc, role, k, dirs.back()));
    if (auto st = nodes.back()->open(); !st) {
      violation("node " + std::to_string(i) + " does not open: " + st.error().to_string());
      return report;
    }
  }
  auto cleanup = [&] {
    nodes.clear();
    for (const auto& d : dirs) std::filesystem::remove_all(d);
  };
  std::vector<NodeId> others;
  for (NodeId i = 1; i < n_nodes; ++i) others.push_back(i);
  nodes[0]->set_peers(others);
  for (NodeId i = 1; i < n_nodes; ++i) {
    std::vector<NodeId> peers{0};
    for (NodeId j : others)
      if (j != i && chance(0.5)) peers.push_back(j);
    std::shuffle(peers.begin(), peers.end(), setup);
    nodes[i]->set_peers(peers);
  }
  uint64_t fork_index = 0;
  std::set<NodeId> group_b;
  if (p.equivocate) {
    fork_index = uni(2, 3);
    for (NodeId i : others)
      if (chance(0.5)) group_b.insert(i);
    if (group_b.empty()) group_b.insert(others[uni(0, others.size() - 1)]);
    if (group_b.size() == others.size()) group_b.erase(group_b.begin());
    nodes[0]->equivocate_at(fork_index, group_b);
  }

  if (p.censor) nodes[0]->censor(keys[kFirstProducer].public_key());  // node 1's key

  // ---- clients: signed transfers to random nodes, some twice, some with a conflicting twin ----
  const size_t n_events = uni(p.min_events, p.max_events);
  std::vector<uint64_t> next_nonce(kClients, 0);
  std::vector<AccountId> recipients;
  for (uint8_t c = 0; c < kClients; ++c) recipients.push_back(keys[kFirstClient + c].public_key());
  for (uint8_t i = 0; i < kMaxProducers; ++i)
    recipients.push_back(keys[kFirstProducer + i].public_key());
  auto submit_at = [&](uint64_t t, NodeId to, const chain::Event& e) {
    net.at(t, [&net, to, e] {
      net.send(kClient, to, MsgKind::kEvents, 0, chain::encode_event_batch({&e}));
    });
  };
  size_t twins = 0;
  std::vector<std::vector<chain::Event>> by_sender(kClients);  // every event made, per sender
  const uint64_t resubmit_at = faults.heal_ms + uni(0, 200);
  for (size_t k = 0; k < n_events; ++k) {
    const size_t c = uni(0, kClients - 1);
    const uint64_t nonce = ++next_nonce[c];
    auto make = [&] {
      AccountId to = recipients[uni(0, recipients.size() - 1)];
      Amount amount = chance(0.2) ? uni(10'000, 30'000) : uni(1, 1000);
      return chain::make_transfer(sym, keys[kFirstClient + c], nonce, kFee, to, amount);
    };
    chain::Event e = make();
    if (p.sticky_clients) {
      // Its own node (never the controller), at a time that grows with the nonce.
      const NodeId own = static_cast<NodeId>(1 + c % (n_nodes - 1));
      submit_at(p.submit_window_ms * k / n_events, own, e);
      by_sender[c].push_back(std::move(e));
      continue;
    }
    const int copies = chance(0.3) ? 2 : 1;
    for (int i = 0; i < copies; ++i)
      submit_at(uni(0, p.submit_window_ms), static_cast<NodeId>(uni(0, n_nodes - 1)), e);
    // A client that has not seen its event applied sends it once more after the heal.
    submit_at(resubmit_at + uni(0, 200), static_cast<NodeId>(uni(0, n_nodes - 1)), e);
    by_sender[c].push_back(e);
    if (chance(0.1)) {
      ++twins;
      chain::Event twin = make();
      submit_at(uni(0, p.submit_window_ms), static_cast<NodeId>(uni(0, n_nodes - 1)), twin);
      by_sender[c].push_back(std::move(twin));
    }
  }

  for (auto& n : nodes) n->start();

  // ---- run: until every honest node has held the controller's height and root for 1 s (with
  // liveness: and no node holds a pending event; or the controller's for 3 s) ----
  auto converged = [&] {
    SimNode& c = *nodes[0];
    const uint64_t h = c.stored_head();
    if (c.applied_height() != h) return false;
    for (auto& n : nodes) {
      if (n->applied_height() != h) return false;
      if (h > 0 && n->applied().back().root != c.applied().back().root) return false;
    }
    return true;
  };
  const uint64_t deadline = faults.heal_ms + p.converge_within_ms;
  uint64_t unconverged_at = faults.heal_ms;  // last sample after the heal that was not converged
  bool done = false;
  for (uint64_t t = faults.heal_ms; t <= deadline; t += 25)
    net.at(t, [&, t] {
      if (!converged()) {
        unconverged_at = t;
      } else if (t >= unconverged_at + 1000 && !p.equivocate) {
        const bool idle = !p.check_liveness || std::all_of(nodes.begin(), nodes.end(), [](auto& n) {
          return n->mempool_size() == 0;
        });
        done = idle || t >= unconverged_at + 3000;
      }
    });
  net.run_until(deadline, [&] { return done; });
  if (!p.equivocate) report.converged_ms = unconverged_at - faults.heal_ms;  // (4) never ends

  // ---- properties ----
  SimNode& ctrl = *nodes[0];
  report.height = ctrl.stored_head();
  if (!ctrl.applied().empty()) report.root = ctrl.applied().back().root;
  report.messages = net.stats().sent;
  // (1) agreement on every applied index (below the fork when the controller equivocated).
  std::map<uint64_t, std::pair<Hash32, Hash32>> agreed;
  std::map<uint64_t, NodeId> agreed_by;
  for (auto& n : nodes) {
    const std::string who = "node " + std::to_string(n->id()) + ": ";
    uint64_t expect = 1;
    for (const auto& r : n->applied()) {
      if (r.index != expect++)
        violation(who + "applied index " + std::to_string(r.index) + " out of order");
      auto root = n->store().state_root(r.index).value();
      if (!root || *root != r.root)
        violation(who + "stored state root at " + std::to_string(r.index) +
                  " differs from the verifier's");
      if (p.equivocate && r.index >= fork_index) continue;
      auto [it, fresh] = agreed.try_emplace(r.index, r.hash, r.root);
      if (fresh) {
        agreed_by[r.index] = n->id();
      } else if (it->second.first != r.hash || it->second.second != r.root) {
        violation(who + "block " + std::to_string(r.index) + " hash " + short_hex(r.hash) +
                  " root " + short_hex(r.root) + " differs from node " +
                  std::to_string(agreed_by[r.index]) + "'s " + short_hex(it->second.first) +
                  " root " + short_hex(it->second.second));
      }
    }
    if (n->applied_height() != n->applied().size())
      violation(who + "applied height " + std::to_string(n->applied_height()) + " but " +
                std::to_string(n->applied().size()) + " blocks applied in this run");
    for (const auto& f : n->failures()) violation(who + f);
  }
  // (2) every event applied at most once, exactly as an independent model says.
  for (auto& n : nodes) check_model(*n, g, params, report.violations);
  for (uint8_t c = 0; c < kClients; ++c)
    report.events_applied +=
        ctrl.store().account(keys[kFirstClient + c].public_key()).value().nonce;
  if (!p.equivocate) {
    // (3) convergence after the heal, within the bound.
    if (!converged()) {
      std::ostringstream s;
      s << "not converged " << p.converge_within_ms << " ms after the heal at " << faults.heal_ms
        << " ms: controller stored " << ctrl.stored_head() << " applied " << ctrl.applied_height()
        << "; nodes applied";
      for (auto& n : nodes)
        s << " " << n->id() << ":" << n->applied_height() << "/" << n->stored_head();
      violation(s.str());
    }
    // Liveness: after the heal and the clients' resubmission, each sender's events are applied
    // in nonce order up to the first one the chain rejected or that the sender cannot pay for.
    for (uint8_t c = 0; p.check_liveness && c < kClients; ++c) {
      const auto& id = keys[kFirstClient + c].public_key();
      const chain::Account a = ctrl.store().account(id).value();
      for (const auto& e : by_sender[c]) {
        if (e.nonce != a.nonce + 1) continue;
        auto rec = chain::load_event_record(ctrl.store(), e.hash()).value();
        auto t = chain::decode_transfer(e.payload);
        const bool unaffordable = a.balance < e.fee + (t ? t->amount : 0);
        // D12 is about events a node accepted: a twin refused everywhere is owed nothing.
        const bool accepted =
            std::any_of(nodes.begin(), nodes.end(), [&](auto& n) { return n->accepted(e.hash()); });
        // A censoring controller: what only the censored producer (node 1) holds is in blocks the
        // controller never orders; it stays pending there until the TTL (the evidence is the
        // remedy, README.md "Liveness").
        const bool censored = p.censor && nodes[1]->holds(e.hash()) &&
                              std::none_of(nodes.begin() + 2, nodes.end(),
                                           [&](auto& n) { return n->holds(e.hash()); });
        if (accepted && !censored && !unaffordable &&
            !(rec && rec->status == chain::EventStatus::kRejected)) {
          std::string where;
          for (auto& n : nodes)
            if (n->holds(e.hash()))
              where += " " + std::to_string(n->id()) + "(" + to_string(n->role()) + ", ready " +
                       std::to_string(n->ready()) + ")";
          violation("client " + std::to_string(c) + ": event with nonce " +
                    std::to_string(e.nonce) + " (" + short_hex(e.hash()) +
                    ") was never applied, though its sender can pay for it" +
                    (rec ? "" : " and no block carried it") + "; pending on" +
                    (where.empty() ? " no node" : where));
        }
      }
    }
    // D15: no accepted event is rejected for the order it arrived in: a `bad_nonce` rejection
    // is only ever for a nonce another event of the sender (its twin) took.
    for (uint8_t c = 0; c < kClients; ++c) {
      std::set<uint64_t> applied_nonces;
      for (const auto& e : by_sender[c]) {
        auto rec = chain::load_event_record(ctrl.store(), e.hash()).value();
        if (rec && rec->status == chain::EventStatus::kApplied) applied_nonces.insert(e.nonce);
      }
      for (const auto& e : by_sender[c]) {
        auto rec = chain::load_event_record(ctrl.store(), e.hash()).value();
        if (rec && rec->status == chain::EventStatus::kRejected &&
            rec->reason.starts_with("bad_nonce") && !applied_nonces.count(e.nonce))
          violation("client " + std::to_string(c) + ": event with nonce " +
                    std::to_string(e.nonce) + " (" + short_hex(e.hash()) +
                    ") was rejected for its nonce though no other event took it: " + rec->reason);
      }
    }
    // Censoring controller: the censored producer (node 1) holds valid evidence for every
    // acknowledged block whose inclusion window its applied chain has passed; nobody else holds
    // any.
    for (auto& n : nodes) {
      if (!p.censor) break;
      const std::string who = "node " + std::to_string(n->id()) + ": ";
      auto held = n->alarms().list("censorship");
      if (n->id() != 1) {
        if (!held.empty()) violation(who + "holds censorship evidence but was not censored");
        continue;
      }
      for (const auto& [h, ack] : n->acks())
        if (ack.height + params.inclusion_window <= n->applied_height() &&
            std::none_of(held.begin(), held.end(), [&](const Alarm& a) { return a.id == h; }))
          violation(who + "instant block " + short_hex(h) + " acknowledged at " +
                    std::to_string(ack.height) + " and left out up to " +
                    std::to_string(n->applied_height()) + ", but no evidence");
      for (const auto& a : held) {
        auto ev = decode_evidence(a.evidence);
        auto c =
            ev ? check_censorship(
                     *ev, sym, params.controller, params.block_limits(), params.inclusion_window,
                     [&](uint64_t i) -> std::optional<std::vector<Hash32>> {
                       auto b = ctrl.store().get(dc_keys::controller(i)).value();
                       if (!b) return std::nullopt;
                       auto cb = decode_controller_block(as_bytes(*b), params.block_limits());
                       if (!cb) return std::nullopt;
                       return cb->instant_blocks;
                     })
               : CensorshipCheck{};
        if (c.verdict != CensorshipCheck::Verdict::kValid ||
            c.producer != keys[kFirstProducer].public_key())
          violation(who +
                    "holds censorship evidence that does not check against the "
                    "controller's chain: " +
                    c.reason);
      }
      report.alarms += held.size();
    }
    // No false alarms from honest nodes under an honest controller.
    for (auto& n : nodes) {
      if (p.censor) break;
      if (!n->alarms().list().empty())
        violation("node " + std::to_string(n->id()) + " holds " +
                  std::to_string(n->alarms().list().size()) +
                  " alarm(s) under an honest controller, first: " +
                  n->alarms().list().front().kind + " " + n->alarms().list().front().note);
    }
  } else {
    // (4) every node that received two signed blocks at one index holds a valid proof, every
    // proof held is valid and names the fork, and a node with a proof applied nothing after it.
    for (auto& n : nodes) {
      const std::string who = "node " + std::to_string(n->id()) + ": ";
      auto alarms = n->alarms().list("equivocation");
      if (!alarms.empty()) ++report.alarms;
      for (const auto& [index, hashes] : n->seen_blocks()) {
        if (hashes.size() < 2) continue;
        bool held = std::any_of(alarms.begin(), alarms.end(),
                                [&](const Alarm& a) { return a.index == index; });
        if (!held)
          violation(who + "received " + std::to_string(hashes.size()) + " signed blocks at index " +
                    std::to_string(index) + " but holds no proof");
      }
      for (const auto& a : alarms) {
        auto proof = decode_equivocation(a.evidence, sym, params.controller, params.block_limits());
        if (!proof)
          violation(who + "holds an invalid proof: " + proof.error().reason);
        else if (proof->index != fork_index || (proof->first_hash != *ctrl.alt_block_hash() &&
                                                proof->second_hash != *ctrl.alt_block_hash()))
          violation(who + "holds a proof for index " + std::to_string(proof->index) +
                    " that is not the controller's fork at " + std::to_string(fork_index));
      }
      if (n->alarm_at_height() && n->applied_height() != *n->alarm_at_height())
        violation(who + "applied up to " + std::to_string(n->applied_height()) +
                  " after its fork alarm at height " + std::to_string(*n->alarm_at_height()));
    }
  }

  std::ostringstream s;
  s << "seed " << p.seed << ": " << n_nodes << " nodes (";
  for (auto& n : nodes) s << (n->id() ? "," : "") << to_string(n->role())[0];
  s << ") phantom=" << nc.phantom << " limits=" << params.max_events_per_instant_block << "ev/"
    << params.max_instant_blocks_per_controller_block << "ib events=" << n_events
    << " twins=" << twins << " drop=" << faults.drop << " dup=" << faults.duplicate
    << " delay<=" << faults.max_delay_ms << " partition=" << partition_desc
    << " heal=" << faults.heal_ms << " height=" << report.height
    << " applied=" << report.events_applied << " converged=+" << report.converged_ms << "ms"
    << " msgs=" << net.stats().sent << " dropped=" << net.stats().dropped
    << " cut=" << net.stats().cut;
  // Producers' instant blocks never acknowledged, and how many of them the controller ordered
  // anyway (its acknowledgement was lost and a resend is answered "known": README.md).
  std::set<Hash32> ordered;
  for (uint64_t i = 1; i <= ctrl.stored_head(); ++i) {
    auto bytes = ctrl.store().get(dc_keys::controller(i)).value();
    auto cb = bytes ? decode_controller_block(as_bytes(*bytes), params.block_limits())
                    : Result<ControllerBlock>(Error("missing", ""));
    if (cb) ordered.insert(cb->instant_blocks.begin(), cb->instant_blocks.end());
  }
  for (auto& n : nodes)
    for (const auto& h : n->unacked_hashes()) {
      ++report.unacked;
      report.unacked_but_ordered += ordered.count(h);
    }
  if (report.unacked)
    s << " unacked=" << report.unacked << " (ordered " << report.unacked_but_ordered << ")";
  if (p.equivocate) {
    s << " fork@" << fork_index << " group_b={";
    for (NodeId i : group_b) s << i << (i == *group_b.rbegin() ? "" : ",");
    s << "} alarms=" << report.alarms;
  }
  report.summary = s.str();
  cleanup();
  return report;
}

}  // namespace klyn::dev_controller::sim
