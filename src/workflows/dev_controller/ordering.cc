#include "workflows/dev_controller/ordering.h"

namespace klyn::dev_controller {

std::vector<ControllerBlock> Ordering::emit(uint64_t now_ms) {
  std::vector<ControllerBlock> out;
  while (!pending_.empty()) {
    ControllerBlock cb;
    cb.symbiote = symbiote_;
    cb.index = next_index_;
    cb.prev_hash = prev_hash_;
    cb.created_ms = now_ms;
    size_t n = std::min(max_per_block_, pending_.size());
    cb.instant_blocks.assign(pending_.begin(), pending_.begin() + static_cast<long>(n));
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(n));
    cb.sign(key_);
    prev_hash_ = cb.hash();
    ++next_index_;
    out.push_back(std::move(cb));
    if (!phantom_) break;
  }
  return out;
}

}  // namespace klyn::dev_controller
