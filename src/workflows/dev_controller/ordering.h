#pragma once
// The controller's ordering state machine (D7). No I/O: instant block hashes go in, signed
// controller blocks come out; the shell stores and publishes them.
//
//   Ordering o(symbiote, key, next_index, prev_hash, max_per_block, phantom);
//   o.add(instant_hash) ...;
//   for (auto& cb : o.emit(now_ms)) store(cb);
//
// With phantom blocks, emit() orders every pending instant block at once, as consecutive
// controller blocks of at most max_per_block each; without, it emits at most one block per call
// (the shell calls it once per tick). Thread safety: none; owned by the generation thread.

#include <deque>
#include <vector>

#include "workflows/dev_controller/blocks.h"

namespace klyn::dev_controller {

class Ordering {
 public:
  Ordering(SymbioteId symbiote, const crypto::KeyPair& key, uint64_t next_index, Hash32 prev_hash,
           size_t max_per_block, bool phantom)
      : symbiote_(symbiote),
        key_(key),
        next_index_(next_index),
        prev_hash_(prev_hash),
        max_per_block_(max_per_block),
        phantom_(phantom) {}

  void add(const Hash32& instant_block) { pending_.push_back(instant_block); }
  size_t pending() const { return pending_.size(); }
  std::vector<ControllerBlock> emit(uint64_t now_ms);

  uint64_t next_index() const { return next_index_; }
  const Hash32& prev_hash() const { return prev_hash_; }

 private:
  SymbioteId symbiote_;
  const crypto::KeyPair& key_;
  uint64_t next_index_;
  Hash32 prev_hash_;
  size_t max_per_block_;
  bool phantom_;
  std::deque<Hash32> pending_;
};

}  // namespace klyn::dev_controller
