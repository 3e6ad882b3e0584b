#pragma once
// InstantBook: a producer's bookkeeping of the instant blocks it made (D12, D15, E1), as a state
// machine without I/O: no clock (times are given in ms, steady or virtual), no threads, no
// network. The node's shell (producers.cc) and the simulation (sim/) both drive this one copy.
//
// A block is *unacknowledged* from made() until a controller's acknowledgement of it arrives
// (acknowledged()), then *awaiting* until an applied controller block orders it (applied()).
//
// Rules:
// * an unacknowledged block is offered again while any of its events is still pending on this
//   node (D12), with back-off: after k offers the next is due first << (k-1) ms later, at most
//   max ms; an acknowledgement of any block (the controller answers again) makes every
//   unacknowledged block due at once;
// * due() hands out blocks oldest first, in the order they were made (D15: a sender's runs
//   reach the controller in the order they were made), and counts each as offered;
// * a block ordered by an applied controller block is done, acknowledged or not;
// * an acknowledged block still not ordered once the controller's height reaches its
//   acknowledgement's height + inclusion_window is censorship evidence (E1): applied() returns
//   it (once), and forgets it.
//
// Thread safety: none; the shell serialises calls.

#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include "common/bytes.h"
#include "workflows/dev_controller/censorship.h"

namespace klyn::dev_controller {

class InstantBook {
 public:
  struct Backoff {
    uint64_t first_ms = 200;
    uint64_t max_ms = 10'000;
  };
  struct Offer {
    Hash32 hash{};
    Bytes encoded;
    int attempts = 0;  // offers so far, this one included
  };

  explicit InstantBook(Backoff backoff) : backoff_(backoff) {}

  // A block this producer made (`events`: the hashes of the events it carries); its first offer
  // is being made now.
  void made(const Hash32& hash, Bytes encoded, std::vector<Hash32> events, uint64_t now_ms);
  // A valid acknowledgement (the caller checked symbiote and signature) of a block: false when
  // the block is not unacknowledged here (already acknowledged, ordered, or unknown).
  bool acknowledged(const InstantAck& ack, uint64_t now_ms);
  // Unacknowledged blocks due for another offer, oldest first, each counted as offered now.
  // Blocks none of whose events is `pending` any more are forgotten first.
  std::vector<Offer> due(uint64_t now_ms, const std::function<bool(const Hash32&)>& pending);
  // Controller block `index` was applied; `ordered` are its instant blocks. Returns the evidence
  // of acknowledged blocks left out of their inclusion window (each once).
  std::vector<CensorshipEvidence> applied(uint64_t index, const std::vector<Hash32>& ordered,
                                          uint64_t inclusion_window);

  size_t unacknowledged() const { return unacked_.size(); }
  size_t awaiting() const { return awaiting_.size(); }
  bool empty() const { return unacked_.empty() && awaiting_.empty(); }
  std::vector<Hash32> unacknowledged_hashes() const;

 private:
  struct Unacked {
    Bytes encoded;
    std::vector<Hash32> events;
    int attempts = 0;
    uint64_t next_ms = 0;
    uint64_t made = 0;  // order of making
  };
  struct Awaiting {
    InstantAck ack;
    Bytes encoded;
  };
  uint64_t next_after(int attempts, uint64_t now_ms) const;

  Backoff backoff_;
  std::map<Hash32, Unacked> unacked_;
  std::map<Hash32, Awaiting> awaiting_;
  uint64_t made_ = 0;
};

}  // namespace klyn::dev_controller
