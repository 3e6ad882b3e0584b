#pragma once
// InstantIntake: what a node does with an instant block a peer offers it (a producer's, or one
// relayed), as a state machine without I/O. The node's shell (receive_instant in producers.cc)
// and the simulation both drive this one copy; the checks that read state or verify signatures
// (stake D3, the producer's signature) stay with the caller, between seen() and take().
//
// Rules:
// * every block is taken once (dedup by hash; the memory is bounded, oldest forgotten first);
// * the controller acknowledges a block with the height it first saw it at, also when it is
//   offered again (the first acknowledgement may have been lost), and queues it for its next
//   rounds in arrival order; a node that does not order relays it once;
// * E1 needs an honest controller to order what it acknowledges within the inclusion window, so
//   with `cap` blocks queued (half a window's worth) it takes no more for now (busy: the producer
//   offers it again, D12) and does not remember it.
//
// Thread safety: none; the shell serialises calls.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "common/bytes.h"

namespace klyn::dev_controller {

class InstantIntake {
 public:
  // `orders`: this node is the controller. `cap`: blocks queued at most (controller).
  // `memory`: hashes remembered for dedup.
  InstantIntake(bool orders, size_t cap, size_t memory = 100'000)
      : orders_(orders), cap_(cap), memory_(memory) {}
  // The cap for a manifest's limits: half an inclusion window of controller blocks, full.
  static size_t cap_for(uint32_t inclusion_window,
                        uint32_t max_instant_blocks_per_controller_block);

  // The height the block was first taken at, if it was.
  std::optional<uint64_t> seen(const Hash32& hash) const;

  enum class Taken {
    kQueued,  // controller: acknowledge at `height`; queued for ordering (unless `order` false)
    kRelay,   // not the controller: relay it to the peers, once
    kKnown,   // taken before (a race between two offers): acknowledge/answer as seen()
    kBusy,    // controller with `cap` queued: not taken, not remembered
  };
  // A block that passed the caller's checks, offered at the node's current `height`. `order`
  // false keeps it out of the queue while still acknowledging it (a test fault: censorship).
  Taken take(const Hash32& hash, Bytes encoded, uint64_t height, bool order = true);

  // Up to `max` queued blocks for the next round, oldest first; they leave the queue.
  std::vector<std::pair<Hash32, Bytes>> next(size_t max);
  size_t queued() const { return queue_.size(); }

 private:
  bool orders_;
  size_t cap_, memory_;
  std::map<Hash32, uint64_t> seen_;  // hash -> height when first taken
  std::deque<Hash32> seen_order_;
  std::deque<std::pair<Hash32, Bytes>> queue_;
};

}  // namespace klyn::dev_controller
