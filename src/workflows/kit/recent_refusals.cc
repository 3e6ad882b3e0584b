#include "workflows/kit/recent_refusals.h"

namespace klyn::kit {

void RecentRefusals::record(const Hash32& hash, std::string code, std::string reason,
                            uint64_t at_ms) {
  if (capacity_ == 0) return;
  std::lock_guard lock(mu_);
  const uint64_t seq = ++seq_;
  by_hash_[hash] = {Refusal{std::move(code), std::move(reason), at_ms}, seq};
  order_.emplace_back(seq, hash);
  // Entries of `order_` whose hash was refused again later are stale: skipped when they come up.
  while (by_hash_.size() > capacity_ || order_.size() > 2 * capacity_) {
    const auto [s, h] = order_.front();
    order_.pop_front();
    auto it = by_hash_.find(h);
    if (it != by_hash_.end() && it->second.second == s) by_hash_.erase(it);
  }
}

std::optional<RecentRefusals::Refusal> RecentRefusals::find(const Hash32& hash) const {
  std::lock_guard lock(mu_);
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return std::nullopt;
  return it->second.first;
}

size_t RecentRefusals::size() const {
  std::lock_guard lock(mu_);
  return by_hash_.size();
}

}  // namespace klyn::kit
