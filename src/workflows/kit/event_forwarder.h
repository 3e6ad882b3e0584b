#pragma once
// EventForwarder: events admitted on a node that does not order them are handed to a peer
// (binary POST /s/{id}/events, the API every workflow serves) in batches. Events stay pending
// locally until an applied block decides them (a workflow's liveness rule: an accepted event is
// never dropped while pending): a failed post gives the batch back to the mempool; an event the
// peer took, or refused for a reason of its own state (nonce, balance, a full mempool), is taken
// with a lease and offered again if no block decided it when the lease runs out; only an event
// invalid in itself (signature, size, fee, payload) is forgotten here.
//
// Thread safety: runs one thread of its own between start() and stop().

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "workflows/kit/mempool.h"
#include "workflows/kit/peers.h"

namespace spdlog {
class logger;
}

namespace klyn::kit {

// What a forwarder makes of a peer's answers to one batch, without I/O (EventForwarder and a
// workflow's simulation both use it). `errors[i]` is the peer's error code for batch[i] (""
// = taken), `orders` whether the peer orders events itself (its /events answer says so),
// `peers` how many peers the forwarder has:
// * taken, or "duplicate" from a peer that orders: leased (offered again unless decided);
// * "duplicate" from a peer that only relays: maybe our own event coming back (A -> B -> A), so
//   it goes on through another peer, up to once per peer, then counts as taken;
// * refused for good (refused_for_good: the event itself is invalid): forgotten (give_up);
// * refused for now (the peer's nonce, balance or room): leased, and the next batch goes to the
//   next peer (this one may hold a twin that never gets in).
// Answers that do not match the batch (another count) count as a failed post: the batch is given
// back, first in the next one, to the next peer.
class ForwardAnswers {
 public:
  struct Outcome {
    size_t taken = 0;
    bool next_peer = false;
    std::vector<std::pair<Hash32, std::string>> refused_for_good, refused_for_now;
  };
  Outcome settle(Mempool& mempool, std::vector<PendingEvent> batch,
                 std::span<const std::string> errors, bool orders, size_t peers,
                 const std::function<uint64_t(const chain::AccountId&)>& nonce_of);
  // A post that got no usable answer: the batch goes back, to the next peer.
  static void failed(Mempool& mempool, const std::vector<PendingEvent>& batch) {
    mempool.give_back(batch);
  }

 private:
  std::map<Hash32, size_t> relay_duplicates_;  // "duplicate" answers from relaying peers
};

class EventForwarder {
 public:
  struct Options {
    std::shared_ptr<PeerSet> peers;
    std::string symbiote_path;
    size_t batch = 1000;
    // A forwarded event not decided this long after it was handed on is offered again; the
    // lease doubles at every renewal up to lease_max (Mempool::take with a Lease).
    std::chrono::milliseconds lease_first{1000}, lease_max{16000};
    std::chrono::milliseconds timeout{10000};  // per post to a peer
    std::shared_ptr<spdlog::logger> log;       // may be null
  };
  // Whether a peer's refusal of an event (the error code of its /events answer) holds whatever
  // the state: the event itself is invalid, so no node will ever take it.
  static bool refused_for_good(const std::string& code);
  EventForwarder(Mempool& mempool, Options options,
                 std::function<uint64_t(const chain::AccountId&)> committed_nonce);
  ~EventForwarder();
  void start();
  void stop();
  uint64_t forwarded() const { return forwarded_; }

 private:
  void loop();
  Mempool& mempool_;
  Options o_;
  std::function<uint64_t(const chain::AccountId&)> nonce_of_;
  std::atomic<uint64_t> forwarded_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace klyn::kit
