#include "workflows/dev_controller/instant_book.h"

#include <algorithm>

namespace klyn::dev_controller {

uint64_t InstantBook::next_after(int attempts, uint64_t now_ms) const {
  const int shift = std::min(std::max(attempts, 1) - 1, 20);
  return now_ms + std::min<uint64_t>(backoff_.max_ms, backoff_.first_ms << shift);
}

void InstantBook::made(const Hash32& hash, Bytes encoded, std::vector<Hash32> events,
                       uint64_t now_ms) {
  Unacked& u = unacked_[hash];
  u.encoded = std::move(encoded);
  u.events = std::move(events);
  u.attempts = 1;
  u.next_ms = next_after(1, now_ms);
  u.made = ++made_;
}

bool InstantBook::acknowledged(const InstantAck& ack, uint64_t now_ms) {
  auto it = unacked_.find(ack.instant);
  if (it == unacked_.end()) return false;
  awaiting_[ack.instant] = Awaiting{ack, std::move(it->second.encoded)};
  unacked_.erase(it);
  for (auto& [h, u] : unacked_) u.next_ms = now_ms;  // the controller answers again
  return true;
}

std::vector<InstantBook::Offer> InstantBook::due(
    uint64_t now_ms, const std::function<bool(const Hash32&)>& pending) {
  std::vector<std::pair<uint64_t, Hash32>> ready;  // (made, hash)
  for (auto it = unacked_.begin(); it != unacked_.end();) {
    const auto& evs = it->second.events;
    if (std::none_of(evs.begin(), evs.end(), pending)) {
      it = unacked_.erase(it);  // every event decided (through other nodes) or expired
      continue;
    }
    if (it->second.next_ms <= now_ms) ready.emplace_back(it->second.made, it->first);
    ++it;
  }
  std::sort(ready.begin(), ready.end());
  std::vector<Offer> out;
  out.reserve(ready.size());
  for (const auto& [made, h] : ready) {
    Unacked& u = unacked_.at(h);
    ++u.attempts;
    u.next_ms = next_after(u.attempts, now_ms);
    out.push_back(Offer{h, u.encoded, u.attempts});
  }
  return out;
}

std::vector<CensorshipEvidence> InstantBook::applied(uint64_t index,
                                                     const std::vector<Hash32>& ordered,
                                                     uint64_t inclusion_window) {
  for (const auto& h : ordered) {
    awaiting_.erase(h);
    unacked_.erase(h);  // ordered though its acknowledgement never reached us
  }
  std::vector<CensorshipEvidence> out;
  for (auto it = awaiting_.begin(); it != awaiting_.end();) {
    if (index >= it->second.ack.height + inclusion_window) {
      out.push_back({it->second.ack.encode(), std::move(it->second.encoded)});
      it = awaiting_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

std::vector<Hash32> InstantBook::unacknowledged_hashes() const {
  std::vector<Hash32> out;
  out.reserve(unacked_.size());
  for (const auto& [h, u] : unacked_) out.push_back(h);
  return out;
}

}  // namespace klyn::dev_controller
