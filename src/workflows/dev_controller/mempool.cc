#include "workflows/dev_controller/mempool.h"

namespace klyn::dev_controller {

Status Mempool::add(PendingEvent pe, uint64_t state_nonce) {
  return add(std::move(pe), [state_nonce](const chain::AccountId&) { return state_nonce; });
}

Status Mempool::add(PendingEvent pe,
                    const std::function<uint64_t(const chain::AccountId&)>& nonce_of) {
  std::lock_guard lock(mu_);
  // Read under the lock: on_decided() runs after the block's state is committed, so either this
  // read sees that state, or the sender still has events in flight and on_decided() promotes.
  const uint64_t state_nonce = nonce_of(pe.event.creator);
  if (by_hash_.count(pe.hash)) return Error("duplicate", "this event is already pending");
  const uint64_t nonce = pe.event.nonce;
  auto sit = senders_.find(pe.event.creator);
  uint64_t base = state_nonce;
  if (sit != senders_.end()) base = std::max(base, sit->second.taken_upto);
  if (nonce <= base)
    return Error("nonce_used",
                 "nonce " + std::to_string(nonce) + " is already used (account nonce " +
                     std::to_string(state_nonce) + ", next free " + std::to_string(base + 1) + ")");
  if (nonce > state_nonce + limits_.nonce_window)
    return Error("nonce_too_high", "nonce " + std::to_string(nonce) + " is more than " +
                                       std::to_string(limits_.nonce_window) +
                                       " ahead of the account nonce " +
                                       std::to_string(state_nonce));
  if (sit != senders_.end() && sit->second.queued.count(nonce))
    return Error("nonce_used", "another event with nonce " + std::to_string(nonce) + " is pending");
  if (by_hash_.size() >= limits_.max_events)
    return Error("mempool_full",
                 "the mempool holds " + std::to_string(by_hash_.size()) + " events; retry later");
  Sender& s = senders_[pe.event.creator];
  by_hash_.emplace(pe.hash, pe.event.creator);
  s.queued.emplace(nonce, Queued{std::move(pe), std::chrono::steady_clock::now()});
  size_t before = ready_.size();
  promote(s, state_nonce);
  if (ready_.size() > before) {
    woken_ = true;
    cv_.notify_one();
  }
  return Status();
}

void Mempool::promote(Sender& s, uint64_t state_nonce) {
  uint64_t base = std::max(state_nonce, s.taken_upto);
  // Queued events at or below the base can never apply any more.
  while (!s.queued.empty() && s.queued.begin()->first <= base) {
    by_hash_.erase(s.queued.begin()->second.pe.hash);
    s.queued.erase(s.queued.begin());
  }
  while (!s.queued.empty() && s.queued.begin()->first == base + 1) {
    ready_.push_back(std::move(s.queued.begin()->second.pe));
    s.queued.erase(s.queued.begin());
    ++base;
    ++s.inflight;
  }
  s.taken_upto = base;
}

std::vector<PendingEvent> Mempool::take(size_t max) {
  std::lock_guard lock(mu_);
  size_t n = std::min(max, ready_.size());
  std::vector<PendingEvent> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(std::move(ready_.front()));
    ready_.pop_front();
  }
  return out;
}

bool Mempool::wait_ready(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return woken_ || !ready_.empty(); });
  woken_ = false;
  return !ready_.empty();
}

void Mempool::wake() {
  std::lock_guard lock(mu_);
  woken_ = true;
  cv_.notify_all();
}

void Mempool::on_decided(const chain::AccountId& sender, const Hash32& hash,
                         const std::function<uint64_t(const chain::AccountId&)>& state_nonce) {
  std::lock_guard lock(mu_);
  const bool ours = by_hash_.erase(hash) > 0;
  auto sit = senders_.find(sender);
  if (sit == senders_.end()) return;
  Sender& s = sit->second;
  // An event of this sender admitted on another node may have filled the gap before our queued
  // ones: with nothing of ours in flight, continue from the committed nonce (below).
  if (ours && s.inflight > 0) --s.inflight;
  if (s.inflight > 0) return;
  // Everything handed out for this sender is decided: continue from the committed nonce, which
  // is below taken_upto if some of them were rejected.
  uint64_t sn = state_nonce(sender);
  s.taken_upto = sn;
  size_t before = ready_.size();
  promote(s, sn);
  if (ready_.size() > before) {
    woken_ = true;
    cv_.notify_one();
  }
  if (s.inflight == 0 && s.queued.empty()) senders_.erase(sit);
}

size_t Mempool::expire(std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mu_);
  size_t dropped = 0;
  for (auto it = senders_.begin(); it != senders_.end();) {
    Sender& s = it->second;
    for (auto q = s.queued.begin(); q != s.queued.end();) {
      if (now - q->second.since > limits_.queued_ttl) {
        by_hash_.erase(q->second.pe.hash);
        q = s.queued.erase(q);
        ++dropped;
      } else {
        ++q;
      }
    }
    if (s.inflight == 0 && s.queued.empty())
      it = senders_.erase(it);
    else
      ++it;
  }
  return dropped;
}

bool Mempool::contains(const Hash32& hash) const {
  std::lock_guard lock(mu_);
  return by_hash_.count(hash) != 0;
}

size_t Mempool::size() const {
  std::lock_guard lock(mu_);
  return by_hash_.size();
}

size_t Mempool::ready_count() const {
  std::lock_guard lock(mu_);
  return ready_.size();
}

}  // namespace klyn::dev_controller
