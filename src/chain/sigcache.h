#pragma once
// Verified-signature cache (§4.3): an event whose signature was verified at admission is not
// verified again when it arrives inside a block. Keyed by the event hash, which commits to the
// signed bytes, the public key and the signature, so a hit means "this exact (pk, msg, sig)
// verified". Bounded: when a shard is full its oldest half is dropped.
//
// Thread safety: all methods are thread-safe (sharded mutexes).

#include <array>
#include <cstring>
#include <deque>
#include <mutex>
#include <unordered_set>

#include "common/bytes.h"

namespace klyn::chain {

class SignatureCache {
 public:
  explicit SignatureCache(size_t capacity = 1 << 20);
  void insert(const Hash32& event_hash);
  bool contains(const Hash32& event_hash) const;
  // Removes the entry (after use in a block, it will not be needed again).
  bool take(const Hash32& event_hash);
  size_t size() const;

 private:
  struct HashOfHash {
    size_t operator()(const Hash32& h) const {
      size_t v;
      std::memcpy(&v, h.data(), sizeof v);
      return v;
    }
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_set<Hash32, HashOfHash> set;
    std::deque<Hash32> order;
  };
  static constexpr size_t kShards = 16;
  Shard& shard(const Hash32& h) const { return shards_[h[31] % kShards]; }
  size_t per_shard_;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace klyn::chain
