#pragma once
// EventPool: the events a dev_symbiland node holds from admission until a committed block decides
// them (README "Events", E1-E5), without I/O or a clock of its own: the shell and the simulation
// drive this one copy.
//
// It is the kit's Mempool plus two things the workflow decides:
//  * a leader takes events for its proposal with a lease (4x, doubling up to 32x the base round
//    timeout): a proposal that is never certified gives them back when the lease runs out (E3);
//  * the relay book: an event admitted from a client is relayed to every peer at once and again
//    every `resend` while no block decided it (E2), so that a copy lost to a dropped message or a
//    peer that was down still reaches whichever validator leads after the heal. Events that came
//    from a peer are not relayed by the receiver (the admitting node is their owner).
// What the mempool forgets (decided, passed by the committed nonce, expired) leaves the relay
// book and is reported by forgotten(), for the admission journal (E1).
//
// Thread safety: every method is thread-safe (the mempool's lock, and one of its own for the
// relay book; neither is held while calling the other's callbacks).

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "chain/event.h"
#include "workflows/kit/mempool.h"

namespace klyn::dev_symbiland {

class EventPool {
 public:
  using Clock = std::chrono::steady_clock;
  using NonceOf = std::function<uint64_t(const chain::AccountId&)>;

  struct Options {
    kit::MempoolLimits limits;        // report_forgotten is turned on
    uint64_t base_timeout_ms = 1000;  // proposal leases: 4x, doubling up to 32x
    std::chrono::milliseconds resend{8000};
    size_t max_relay = 10'000;  // events to_relay() hands out at once
  };
  explicit EventPool(Options options);

  // Admits an event whose signature and cheap checks passed (kit::check_admission). `relay`: it
  // came from a client, and this node relays it until a block decides it. Errors: the mempool's
  // (duplicate, nonce_used, nonce_too_high, mempool_full).
  Status admit(kit::PendingEvent pe, bool relay, Clock::time_point now, const NonceOf& nonce,
               const std::function<bool(const Hash32&)>& decided = {});
  // A client sent an event this pool already holds (a peer relayed it here first): this node
  // relays it too from now on, as its owner (the client was told it is pending here). False if
  // the pool does not hold it (any more).
  bool adopt(const chain::Event& e, const Hash32& hash, Clock::time_point now);
  // A leader's events: up to `max` ready ones, none of those in `exclude` (carried by the
  // uncommitted blocks it extends), each taken with a lease.
  std::vector<chain::Event> to_propose(size_t max, const std::set<Hash32>& exclude,
                                       Clock::time_point now);
  // One executed block: its decided events are forgotten, those that waited for a lower nonce
  // wait here again (kit::Mempool::on_decided, on_deferred).
  void on_executed(const std::vector<std::pair<chain::AccountId, Hash32>>& decided,
                   std::vector<kit::PendingEvent> waiting, const NonceOf& nonce);
  // What to relay now: events admitted from clients not relayed yet, then those still pending
  // whose next send is due: `resend` after the first, doubling up to 4 x `resend` (at most
  // Options::max_relay at once).
  std::vector<chain::Event> to_relay(Clock::time_point now);
  // When to_relay() next has something (nullopt: the relay book is empty).
  std::optional<Clock::time_point> next_relay() const;
  // The mempool's TTL (E4). Returns how many expired.
  size_t expire(Clock::time_point now, const NonceOf& nonce);
  // Hashes of the events forgotten since the last call (for the admission journal). The owner of
  // the pool must call it now and then (the shell: after every commit and with the TTL): the list
  // grows until it does.
  std::vector<Hash32> forgotten();

  const kit::Mempool& mempool() const { return mempool_; }  // for kit::check_admission
  bool contains(const Hash32& hash) const { return mempool_.contains(hash); }
  size_t size() const { return mempool_.size(); }
  size_t relaying() const;  // events in the relay book

 private:
  struct HashKey {
    size_t operator()(const Hash32& h) const;
  };
  // Moves what the mempool forgot out of the relay book into forgotten_ (under mu_).
  void sweep_locked();
  // Puts an event into the relay book, due now (under mu_).
  void book_locked(const Hash32& hash, chain::Event event, Clock::time_point now);

  const Options options_;
  kit::Mempool mempool_;
  mutable std::mutex mu_;
  using DueOrder = std::multimap<Clock::time_point, Hash32>;
  struct Relayed {
    chain::Event event;
    DueOrder::iterator due;  // its entry in due_
    uint32_t sends = 0;
  };
  std::unordered_map<Hash32, Relayed, HashKey> book_;
  DueOrder due_;  // when each event of the book is relayed next
  std::vector<Hash32> forgotten_;
};

}  // namespace klyn::dev_symbiland
