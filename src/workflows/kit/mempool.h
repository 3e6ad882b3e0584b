#pragma once
// Mempool: admitted events waiting to be put into instant blocks (§4.4). Per sender, events are
// kept by nonce and handed out only as a gap-free run continuing the sender's nonce (D6), so a
// client may submit a sender's events over several connections in any order.
//
// Lifecycle of an event: queued (waiting for a lower nonce) -> ready -> taken (in an instant
// block, or handed to a peer) -> decided (applied or rejected; forgotten here). D12: an admitted
// event leaves the mempool only when a block decides it, when the sender's committed nonce passes
// it (another event with its nonce was decided: it can never apply), when its holder refuses it
// for good (give_up: the event itself is invalid), or when it is older than the TTL.
// A holder that cannot see what becomes of an event it took (EventForwarder: a peer said "ok")
// takes it with a lease: not decided when the lease runs out, it is ready again (renew()), with a
// lease twice as long each time up to a cap. An event whose hand-over failed is given back.
//
// Thread safety: every method is thread-safe (one mutex; critical sections are short).

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <unordered_map>

#include "chain/event.h"
#include "common/result.h"

namespace klyn::kit {

struct PendingEvent {
  chain::Event event;
  Hash32 hash{};
};

struct MempoolLimits {
  size_t max_events = 1'000'000;
  uint32_t nonce_window = 4096;
  // An event not decided this long after its admission is dropped (expire()): a gap never filled,
  // or a peer that never takes it. The only way an admitted, valid event is dropped undecided.
  std::chrono::seconds ttl{600};
  // Keep the hashes of forgotten events for take_forgotten() (a holder that journals its events
  // deletes their journal entries with them). Off: nothing is kept.
  bool report_forgotten = false;
};

// How long a holder may keep a taken event before it is offered again (take() with a lease).
struct Lease {
  std::chrono::steady_clock::time_point now;
  std::chrono::milliseconds first{1000};  // the first lease; doubled at every renewal ...
  std::chrono::milliseconds max{16000};   // ... up to this
};

class Mempool {
 public:
  explicit Mempool(MempoolLimits limits) : limits_(limits) {}

  // Admits an event whose signature and cheap checks already passed. `state_nonce` is the
  // sender's nonce in the committed state. Errors: duplicate, nonce_used, nonce_too_high,
  // mempool_full.
  Status add(PendingEvent pe, uint64_t state_nonce);
  // Same, reading the committed nonce with `state_nonce` under the mempool's lock. Use this when
  // blocks are applied concurrently: a nonce read earlier can be stale by the time the event is
  // queued, after the sender's last in-flight event was decided, and the event would then wait
  // forever for a nonce that is already applied.
  // `decided` (may be empty) says whether the chain already decided an event (its record is
  // committed): an admission racing with a block's bookkeeping then sees the block (D16).
  // `now` is the admission time the TTL counts from (a simulation passes its virtual clock).
  Status add(PendingEvent pe, const std::function<uint64_t(const chain::AccountId&)>& state_nonce,
             const std::function<bool(const Hash32&)>& decided = {},
             std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());

  // Hands out up to `max` ready events, in the order they became ready. The taker puts them into
  // a block (they stay taken until decided) ...
  std::vector<PendingEvent> take(size_t max);
  // ... or, with a lease, hands them on: an event not decided when its lease runs out is ready
  // again at the next renew().
  std::vector<PendingEvent> take(size_t max, const Lease& lease);
  // Leased events whose lease ran out (and that are still undecided) become ready again, ahead of
  // the others. Returns how many.
  size_t renew(std::chrono::steady_clock::time_point now);
  // Taken events the holder could not hand on: ready again, ahead of the others, in their order.
  // Events decided meanwhile are ignored.
  void give_back(const std::vector<PendingEvent>& events);
  // The holder learnt that the event can never be applied (invalid in itself, e.g. a peer found
  // its signature bad): forgotten, like a decided event.
  void give_up(const Hash32& hash,
               const std::function<uint64_t(const chain::AccountId&)>& state_nonce);
  // Waits until an event is ready or `timeout` passes or wake() is called.
  bool wait_ready(std::chrono::milliseconds timeout);
  void wake();

  // Called once per event of an applied block (applied or rejected), with a lookup
  // of the sender's committed nonce. Forgets the event, and every event of the sender at or below
  // the committed nonce (another event took that nonce: they can never apply); re-opens the
  // sender's queue after rejections.
  void on_decided(const chain::AccountId& sender, const Hash32& hash,
                  const std::function<uint64_t(const chain::AccountId&)>& state_nonce);
  // A block carried these events but their nonces were ahead of their senders' (D4: deferred,
  // not decided). Those this mempool holds wait again (queued) until every nonce before them is
  // committed or handed out here (D6), then come first; events it does not hold are ignored.
  // All deferred events of one block at once.
  void on_deferred(std::vector<PendingEvent> events,
                   const std::function<uint64_t(const chain::AccountId&)>& state_nonce);
  // One applied block: runs `commit` (which makes the block's state durable and visible) and, if
  // it succeeds, on_decided() for every decided event and on_deferred() for the deferred ones.
  // The commit runs outside the mempool's lock (admissions and hand-outs go on meanwhile); an
  // admission in between that meets an event the block decided learns it from `decided` (add),
  // so a client that reads "rejected" can use that nonce again at once. A failed commit changes
  // nothing here.
  Status on_block(const std::function<Status()>& commit,
                  const std::vector<std::pair<chain::AccountId, Hash32>>& decided,
                  std::vector<PendingEvent> deferred,
                  const std::function<uint64_t(const chain::AccountId&)>& state_nonce);
  // Drops every event (queued, ready or taken) admitted more than the TTL before `now`. Returns
  // how many.
  size_t expire(std::chrono::steady_clock::time_point now,
                const std::function<uint64_t(const chain::AccountId&)>& state_nonce);

  // Hashes of the events forgotten since the last call (decided, passed by the committed nonce,
  // given up, expired), when MempoolLimits::report_forgotten is on.
  std::vector<Hash32> take_forgotten();

  bool contains(const Hash32& hash) const;
  size_t size() const;
  size_t ready_count() const;

 private:
  enum class State { kQueued, kReady, kTaken };
  struct Entry {
    chain::AccountId sender{};
    uint64_t nonce = 0;
    std::chrono::steady_clock::time_point since;  // admission (the TTL counts from here)
    State state = State::kQueued;
    uint32_t renewals = 0;  // leases that ran out
  };
  struct Sender {
    uint64_t taken_upto = 0;              // highest nonce handed to `ready_` (0 = none)
    std::map<uint64_t, Hash32> inflight;  // ready or taken, not yet decided, by nonce
    std::map<uint64_t, PendingEvent> queued;
  };
  struct Leased {
    PendingEvent pe;
    std::chrono::steady_clock::time_point until;
  };
  struct HashKey {
    size_t operator()(const Hash32& h) const {
      size_t v;
      std::memcpy(&v, h.data(), sizeof v);
      return v;
    }
  };
  struct AccountKey {
    size_t operator()(const chain::AccountId& a) const {
      size_t v;
      std::memcpy(&v, a.data(), sizeof v);
      return v;
    }
  };
  void promote(Sender& s, uint64_t state_nonce);
  // Forgets one event, whatever its state (a ready one stays in `ready_` as a stale entry).
  void forget(const Hash32& hash);
  // After events of `sender` were forgotten: drops those the committed nonce passed, and with
  // nothing in flight continues from the committed nonce.
  void settle(const chain::AccountId& sender, uint64_t state_nonce);
  void make_ready_first(std::vector<PendingEvent> events);
  void decided_locked(const chain::AccountId& sender, const Hash32& hash,
                      const std::function<uint64_t(const chain::AccountId&)>& state_nonce);
  void deferred_locked(std::vector<PendingEvent> events,
                       const std::function<uint64_t(const chain::AccountId&)>& state_nonce);
  std::vector<PendingEvent> take_locked(size_t max, const Lease* lease);

  MempoolLimits limits_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = false;
  std::unordered_map<Hash32, Entry, HashKey> by_hash_;  // every event held
  std::unordered_map<chain::AccountId, Sender, AccountKey> senders_;
  std::deque<PendingEvent> ready_;  // may hold stale entries (forgotten while ready): skipped
  size_t ready_live_ = 0;           // entries of `ready_` that are not stale
  std::unordered_map<Hash32, Leased, HashKey> leased_;
  std::multimap<std::chrono::steady_clock::time_point, Hash32> lease_order_;
  std::vector<Hash32> forgotten_;  // see take_forgotten()
};

}  // namespace klyn::kit
