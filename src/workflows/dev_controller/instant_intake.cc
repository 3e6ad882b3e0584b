#include "workflows/dev_controller/instant_intake.h"

#include <algorithm>

namespace klyn::dev_controller {

size_t InstantIntake::cap_for(uint32_t inclusion_window,
                              uint32_t max_instant_blocks_per_controller_block) {
  return std::max<size_t>(1, inclusion_window / 2) *
         std::max<size_t>(1, max_instant_blocks_per_controller_block);
}

std::optional<uint64_t> InstantIntake::seen(const Hash32& hash) const {
  auto it = seen_.find(hash);
  if (it == seen_.end()) return std::nullopt;
  return it->second;
}

InstantIntake::Taken InstantIntake::take(const Hash32& hash, Bytes encoded, uint64_t height,
                                         bool order) {
  if (seen_.count(hash)) return Taken::kKnown;
  if (orders_ && queue_.size() >= cap_) return Taken::kBusy;
  seen_.emplace(hash, height);
  seen_order_.push_back(hash);
  if (seen_order_.size() > memory_) {
    seen_.erase(seen_order_.front());
    seen_order_.pop_front();
  }
  if (!orders_) return Taken::kRelay;
  if (order) queue_.emplace_back(hash, std::move(encoded));
  return Taken::kQueued;
}

std::vector<std::pair<Hash32, Bytes>> InstantIntake::next(size_t max) {
  std::vector<std::pair<Hash32, Bytes>> out;
  while (!queue_.empty() && out.size() < max) {
    out.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return out;
}

}  // namespace klyn::dev_controller
