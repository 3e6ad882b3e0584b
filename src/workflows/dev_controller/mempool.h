#pragma once
// Mempool: admitted events waiting to be put into instant blocks (§4.4). Per sender, events are
// kept by nonce and handed out only as a gap-free run continuing the sender's nonce (D6), so a
// client may submit a sender's events over several connections in any order.
//
// Lifecycle of an event: queued (waiting for a lower nonce) -> ready -> taken (in an instant
// block, not yet applied) -> decided (applied or rejected; forgotten here).
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

namespace klyn::dev_controller {

struct PendingEvent {
  chain::Event event;
  Hash32 hash{};
};

struct MempoolLimits {
  size_t max_events = 1'000'000;
  uint32_t nonce_window = 4096;
  std::chrono::seconds queued_ttl{600};  // a queued event whose gap is never filled expires
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
  Status add(PendingEvent pe, const std::function<uint64_t(const chain::AccountId&)>& state_nonce);

  // Hands out up to `max` ready events, in the order they became ready.
  std::vector<PendingEvent> take(size_t max);
  // Waits until an event is ready or `timeout` passes or wake() is called.
  bool wait_ready(std::chrono::milliseconds timeout);
  void wake();

  // Called once per event of an applied controller block (applied or rejected), with a lookup
  // of the sender's committed nonce. Re-opens the sender's queue after rejections.
  void on_decided(const chain::AccountId& sender, const Hash32& hash,
                  const std::function<uint64_t(const chain::AccountId&)>& state_nonce);
  // Drops queued (not ready) events older than the TTL. Returns how many.
  size_t expire(std::chrono::steady_clock::time_point now);

  bool contains(const Hash32& hash) const;
  size_t size() const;
  size_t ready_count() const;

 private:
  struct Queued {
    PendingEvent pe;
    std::chrono::steady_clock::time_point since;
  };
  struct Sender {
    uint64_t taken_upto = 0;  // highest nonce handed to `ready_` (0 = none)
    uint32_t inflight = 0;    // ready or taken, not yet decided
    std::map<uint64_t, Queued> queued;
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

  MempoolLimits limits_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = false;
  std::unordered_map<Hash32, chain::AccountId, HashKey> by_hash_;
  std::unordered_map<chain::AccountId, Sender, AccountKey> senders_;
  std::deque<PendingEvent> ready_;
};

}  // namespace klyn::dev_controller
