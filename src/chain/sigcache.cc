#include "chain/sigcache.h"

namespace klyn::chain {

SignatureCache::SignatureCache(size_t capacity)
    : per_shard_(std::max<size_t>(capacity / kShards, 16)) {}

void SignatureCache::insert(const Hash32& h) {
  Shard& s = shard(h);
  std::lock_guard lock(s.mu);
  if (!s.set.insert(h).second) return;
  s.order.push_back(h);
  if (s.order.size() > per_shard_) {
    // Drop the oldest half; entries already taken are simply absent from the set.
    size_t drop = s.order.size() / 2;
    for (size_t i = 0; i < drop; ++i) {
      s.set.erase(s.order.front());
      s.order.pop_front();
    }
  }
}

bool SignatureCache::contains(const Hash32& h) const {
  Shard& s = shard(h);
  std::lock_guard lock(s.mu);
  return s.set.count(h) != 0;
}

bool SignatureCache::take(const Hash32& h) {
  Shard& s = shard(h);
  std::lock_guard lock(s.mu);
  return s.set.erase(h) != 0;
}

size_t SignatureCache::size() const {
  size_t n = 0;
  for (auto& s : shards_) {
    std::lock_guard lock(s.mu);
    n += s.set.size();
  }
  return n;
}

}  // namespace klyn::chain
