#include "workflows/kit/mempool.h"

#include <algorithm>
#include <tuple>

namespace klyn::kit {

Status Mempool::add(PendingEvent pe, uint64_t state_nonce) {
  return add(std::move(pe), [state_nonce](const chain::AccountId&) { return state_nonce; });
}

Status Mempool::add(PendingEvent pe,
                    const std::function<uint64_t(const chain::AccountId&)>& nonce_of,
                    const std::function<bool(const Hash32&)>& decided,
                    std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mu_);
  // Read under the lock: on_decided() runs after the block's state is committed, so either this
  // read sees that state, or the sender still has events in flight and on_decided() promotes.
  const uint64_t state_nonce = nonce_of(pe.event.creator);
  if (by_hash_.count(pe.hash)) return Error("duplicate", "this event is already pending");
  const uint64_t nonce = pe.event.nonce;
  auto sit = senders_.find(pe.event.creator);
  // D16: the nonce is held by events in flight here that a committed block already decided
  // (their bookkeeping, on_block, has not run yet): they are decided, so forget them now.
  if (decided && sit != senders_.end() && nonce > state_nonce && nonce <= sit->second.taken_upto) {
    std::vector<Hash32> done;
    for (const auto& [n, h] : sit->second.inflight)
      if (n <= nonce && decided(h)) done.push_back(h);
    if (!done.empty()) {
      for (const auto& h : done) forget(h);
      settle(pe.event.creator, state_nonce);
      sit = senders_.find(pe.event.creator);
    }
  }
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
  by_hash_.emplace(pe.hash, Entry{pe.event.creator, nonce, now, State::kQueued, 0});
  s.queued.emplace(nonce, std::move(pe));
  size_t before = ready_live_;
  promote(s, state_nonce);
  if (ready_live_ > before) {
    woken_ = true;
    cv_.notify_one();
  }
  return Status();
}

void Mempool::promote(Sender& s, uint64_t state_nonce) {
  uint64_t base = std::max(state_nonce, s.taken_upto);
  // Queued events at or below the base can never apply any more.
  while (!s.queued.empty() && s.queued.begin()->first <= base) {
    if (limits_.report_forgotten) forgotten_.push_back(s.queued.begin()->second.hash);
    by_hash_.erase(s.queued.begin()->second.hash);
    s.queued.erase(s.queued.begin());
  }
  while (!s.queued.empty() && s.queued.begin()->first == base + 1) {
    PendingEvent& pe = s.queued.begin()->second;
    by_hash_[pe.hash].state = State::kReady;
    s.inflight.emplace(base + 1, pe.hash);
    ready_.push_back(std::move(pe));
    ++ready_live_;
    s.queued.erase(s.queued.begin());
    ++base;
  }
  s.taken_upto = base;
}

std::vector<PendingEvent> Mempool::take_locked(size_t max, const Lease* lease) {
  std::vector<PendingEvent> out;
  out.reserve(std::min(max, ready_live_));
  while (out.size() < max && !ready_.empty()) {
    PendingEvent pe = std::move(ready_.front());
    ready_.pop_front();
    auto it = by_hash_.find(pe.hash);
    if (it == by_hash_.end() || it->second.state != State::kReady) continue;  // stale
    Entry& e = it->second;
    e.state = State::kTaken;
    --ready_live_;
    if (lease) {
      const auto d = std::min<std::chrono::milliseconds>(
          lease->max, lease->first * (int64_t{1} << std::min<uint32_t>(e.renewals, 20)));
      const auto until = lease->now + d;
      leased_[pe.hash] = Leased{pe, until};
      lease_order_.emplace(until, pe.hash);
    }
    out.push_back(std::move(pe));
  }
  return out;
}

std::vector<PendingEvent> Mempool::take(size_t max) {
  std::lock_guard lock(mu_);
  return take_locked(max, nullptr);
}

std::vector<PendingEvent> Mempool::take(size_t max, const Lease& lease) {
  std::lock_guard lock(mu_);
  return take_locked(max, &lease);
}

bool Mempool::wait_ready(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return woken_ || ready_live_ > 0; });
  woken_ = false;
  return ready_live_ > 0;
}

void Mempool::wake() {
  std::lock_guard lock(mu_);
  woken_ = true;
  cv_.notify_all();
}

void Mempool::make_ready_first(std::vector<PendingEvent> events) {
  // Lowest nonces first within a sender (the order they were handed out in).
  std::sort(events.begin(), events.end(), [](const PendingEvent& a, const PendingEvent& b) {
    return std::tie(a.event.creator, a.event.nonce) < std::tie(b.event.creator, b.event.nonce);
  });
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    by_hash_[it->hash].state = State::kReady;
    ready_.push_front(std::move(*it));
    ++ready_live_;
  }
  if (!events.empty()) {
    woken_ = true;
    cv_.notify_one();
  }
}

size_t Mempool::renew(std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mu_);
  std::vector<PendingEvent> again;
  while (!lease_order_.empty() && lease_order_.begin()->first <= now) {
    const auto [until, hash] = *lease_order_.begin();
    lease_order_.erase(lease_order_.begin());
    auto l = leased_.find(hash);
    if (l == leased_.end() || l->second.until != until) continue;  // decided, or leased again
    auto e = by_hash_.find(hash);
    if (e != by_hash_.end() && e->second.state == State::kTaken) {
      ++e->second.renewals;
      again.push_back(std::move(l->second.pe));
    }
    leased_.erase(l);
  }
  const size_t n = again.size();
  make_ready_first(std::move(again));
  return n;
}

void Mempool::give_back(const std::vector<PendingEvent>& events) {
  std::lock_guard lock(mu_);
  std::vector<PendingEvent> again;
  for (const auto& pe : events) {
    auto e = by_hash_.find(pe.hash);
    if (e == by_hash_.end() || e->second.state != State::kTaken) continue;  // decided meanwhile
    leased_.erase(pe.hash);  // its entry in lease_order_ is skipped as stale
    again.push_back(pe);
  }
  make_ready_first(std::move(again));
}

void Mempool::forget(const Hash32& hash) {
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return;
  const Entry e = it->second;
  by_hash_.erase(it);
  if (limits_.report_forgotten) forgotten_.push_back(hash);
  auto sit = senders_.find(e.sender);
  if (e.state == State::kQueued) {
    if (sit != senders_.end()) sit->second.queued.erase(e.nonce);
    return;
  }
  if (e.state == State::kReady) --ready_live_;  // stays in ready_ as a stale entry
  if (e.state == State::kTaken) leased_.erase(hash);
  if (sit != senders_.end()) sit->second.inflight.erase(e.nonce);
}

void Mempool::settle(const chain::AccountId& sender, uint64_t sn) {
  auto sit = senders_.find(sender);
  if (sit == senders_.end()) return;
  Sender& s = sit->second;
  // In flight at or below the committed nonce: another event took the nonce (a twin, or the same
  // nonce decided through another node); these can never apply, and would hold the sender back.
  while (!s.inflight.empty() && s.inflight.begin()->first <= sn) {
    const Hash32 h = s.inflight.begin()->second;
    forget(h);
    if (!s.inflight.empty() && s.inflight.begin()->second == h)
      s.inflight.erase(s.inflight.begin());
  }
  // Still in flight: they are decided in order and the last one continues from the committed
  // nonce. Otherwise (an event of this sender admitted elsewhere may have filled the gap before
  // our queued ones, or some of ours were rejected) continue from the committed nonce now.
  if (!s.inflight.empty()) return;
  s.taken_upto = sn;
  size_t before = ready_live_;
  promote(s, sn);
  if (ready_live_ > before) {
    woken_ = true;
    cv_.notify_one();
  }
  if (s.inflight.empty() && s.queued.empty()) senders_.erase(sit);
}

void Mempool::on_decided(const chain::AccountId& sender, const Hash32& hash,
                         const std::function<uint64_t(const chain::AccountId&)>& state_nonce) {
  std::lock_guard lock(mu_);
  decided_locked(sender, hash, state_nonce);
}

void Mempool::on_deferred(std::vector<PendingEvent> events,
                          const std::function<uint64_t(const chain::AccountId&)>& state_nonce) {
  std::lock_guard lock(mu_);
  deferred_locked(std::move(events), state_nonce);
}

Status Mempool::on_block(const std::function<Status()>& commit,
                         const std::vector<std::pair<chain::AccountId, Hash32>>& decided,
                         std::vector<PendingEvent> deferred,
                         const std::function<uint64_t(const chain::AccountId&)>& state_nonce) {
  KLYN_TRY(commit());
  std::lock_guard lock(mu_);
  for (const auto& [sender, hash] : decided) decided_locked(sender, hash, state_nonce);
  if (!deferred.empty()) deferred_locked(std::move(deferred), state_nonce);
  return Status();
}

void Mempool::decided_locked(const chain::AccountId& sender, const Hash32& hash,
                             const std::function<uint64_t(const chain::AccountId&)>& state_nonce) {
  forget(hash);
  if (!senders_.count(sender)) return;
  settle(sender, state_nonce(sender));
}

void Mempool::deferred_locked(std::vector<PendingEvent> events,
                              const std::function<uint64_t(const chain::AccountId&)>& state_nonce) {
  std::vector<chain::AccountId> touched;
  for (auto& pe : events) {
    auto it = by_hash_.find(pe.hash);
    if (it == by_hash_.end() || it->second.state == State::kQueued) continue;  // not held here
    Entry& e = it->second;
    auto sit = senders_.find(e.sender);
    if (sit == senders_.end()) continue;
    Sender& s = sit->second;
    if (e.state == State::kReady) --ready_live_;  // stays in ready_ as a stale entry
    if (e.state == State::kTaken) leased_.erase(pe.hash);
    s.inflight.erase(e.nonce);
    e.state = State::kQueued;
    touched.push_back(e.sender);
    s.queued.emplace(e.nonce, std::move(pe));
  }
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  std::vector<PendingEvent> again;
  for (const auto& sender : touched) {
    Sender& s = senders_[sender];
    // The deferred run is handed out again only behind committed predecessors (D6): while one
    // of them is still in flight here, settle() continues once it is decided.
    const uint64_t sn = state_nonce(sender);
    const uint64_t lowest = s.queued.begin()->first;
    uint64_t base = sn;
    bool predecessor_in_flight = false;
    for (const auto& [n, h] : s.inflight)
      if (n < lowest) {
        predecessor_in_flight = true;
        base = std::max(base, n);
      }
    s.taken_upto = base;
    if (predecessor_in_flight) continue;
    base = sn;
    while (!s.queued.empty() && s.queued.begin()->first == base + 1) {
      PendingEvent& pe = s.queued.begin()->second;
      s.inflight.emplace(base + 1, pe.hash);
      again.push_back(std::move(pe));
      s.queued.erase(s.queued.begin());
      ++base;
    }
    s.taken_upto = base;
  }
  // Ahead of everything else, in nonce order (a later nonce of the sender may be ready already).
  make_ready_first(std::move(again));
}

void Mempool::give_up(const Hash32& hash,
                      const std::function<uint64_t(const chain::AccountId&)>& state_nonce) {
  std::lock_guard lock(mu_);
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return;
  const chain::AccountId sender = it->second.sender;
  forget(hash);
  settle(sender, state_nonce(sender));
}

size_t Mempool::expire(std::chrono::steady_clock::time_point now,
                       const std::function<uint64_t(const chain::AccountId&)>& state_nonce) {
  std::lock_guard lock(mu_);
  std::vector<std::pair<Hash32, chain::AccountId>> old;
  for (const auto& [h, e] : by_hash_)
    if (now - e.since > limits_.ttl) old.emplace_back(h, e.sender);
  for (const auto& [h, sender] : old) forget(h);
  // Senders whose in-flight events expired continue from the committed nonce (a client may
  // submit the expired nonce again).
  for (const auto& [h, sender] : old) settle(sender, state_nonce(sender));
  return old.size();
}

std::vector<Hash32> Mempool::take_forgotten() {
  std::lock_guard lock(mu_);
  std::vector<Hash32> out;
  out.swap(forgotten_);
  return out;
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
  return ready_live_;
}

}  // namespace klyn::kit
