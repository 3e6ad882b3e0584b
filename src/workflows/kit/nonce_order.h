#pragma once
// NonceOrder: applies the events of one block to a chain::BlockApplier in block order, except
// that an event whose nonce is ahead of its sender's (`nonce_gap`, chain C4) waits, by sender and
// nonce, and is applied as soon as the sender's nonce reaches it within the same block (a
// network may deliver a sender's events out of order; dev_controller D4). The first event met for
// a (sender, nonce) is the one kept; a twin met later stays undecided.
//
// What is still waiting when the block ends is neither recorded nor decided (deferred()): its
// holders offer it again. Not thread-safe: one per block being applied.

#include <map>
#include <utility>
#include <vector>

#include "chain/state.h"

namespace klyn::kit {

class NonceOrder {
 public:
  explicit NonceOrder(chain::BlockApplier& applier) : b_(applier) {}

  // Applies `e` (its signature verified by the caller), or keeps it waiting.
  void apply(const chain::Event& e, const Hash32& hash, const chain::AccountId& producer,
             const Hash32& block, uint32_t position);
  // Records a rejection decided by the caller (e.g. a bad signature): decided.
  void reject(const chain::Event& e, const Hash32& hash, const Hash32& block, uint32_t position,
              std::string reason);

  // (sender, event hash) of every event decided (applied or rejected), in the order decided.
  const std::vector<std::pair<chain::AccountId, Hash32>>& decided() const { return decided_; }
  struct Waiting {
    chain::Event event;
    Hash32 hash{};
  };
  // The events still waiting for a lower nonce (call once, when the block is done).
  std::vector<Waiting> take_deferred();

 private:
  struct Candidate {
    chain::Event event;
    Hash32 hash{};
    chain::AccountId producer{};
    Hash32 block{};
    uint32_t position = 0;
  };
  chain::BlockApplier& b_;
  std::map<chain::AccountId, std::map<uint64_t, Candidate>> waiting_;
  std::vector<std::pair<chain::AccountId, Hash32>> decided_;
};

}  // namespace klyn::kit
