#include "workflows/kit/nonce_order.h"

namespace klyn::kit {

void NonceOrder::apply(const chain::Event& e, const Hash32& hash, const chain::AccountId& producer,
                       const Hash32& block, uint32_t position) {
  Status st = b_.apply(e, hash, producer, block, position);
  if (!st && st.error().code == "nonce_gap") {
    waiting_[e.creator].emplace(e.nonce, Candidate{e, hash, producer, block, position});
    return;
  }
  const chain::AccountId& sender = e.creator;
  decided_.emplace_back(sender, hash);
  if (!st || waiting_.empty()) return;
  auto it = waiting_.find(sender);
  while (it != waiting_.end()) {
    auto next = it->second.find(b_.account(sender).nonce + 1);
    if (next == it->second.end()) break;
    Candidate d = std::move(next->second);
    it->second.erase(next);
    if (it->second.empty()) waiting_.erase(it);
    Status s2 = b_.apply(d.event, d.hash, d.producer, d.block, d.position);
    decided_.emplace_back(sender, d.hash);
    if (!s2) break;  // rejected for another reason (recorded): the later ones wait on
    it = waiting_.find(sender);
  }
}

void NonceOrder::reject(const chain::Event& e, const Hash32& hash, const Hash32& block,
                        uint32_t position, std::string reason) {
  b_.reject(hash, block, position, std::move(reason));
  decided_.emplace_back(e.creator, hash);
}

std::vector<NonceOrder::Waiting> NonceOrder::take_deferred() {
  std::vector<Waiting> out;
  for (auto& [sender, by_nonce] : waiting_)
    for (auto& [nonce, d] : by_nonce) out.push_back({std::move(d.event), d.hash});
  waiting_.clear();
  return out;
}

}  // namespace klyn::kit
