#include "workflows/dev_symbiland/event_pool.h"

#include <cstring>

namespace klyn::dev_symbiland {

size_t EventPool::HashKey::operator()(const Hash32& h) const {
  size_t v;
  std::memcpy(&v, h.data(), sizeof v);
  return v;
}

namespace {
kit::MempoolLimits reporting(kit::MempoolLimits limits) {
  limits.report_forgotten = true;
  return limits;
}
}  // namespace

EventPool::EventPool(Options options) : options_(options), mempool_(reporting(options.limits)) {}

Status EventPool::admit(kit::PendingEvent pe, bool relay, Clock::time_point now,
                        const NonceOf& nonce, const std::function<bool(const Hash32&)>& decided) {
  const Hash32 hash = pe.hash;
  std::optional<chain::Event> copy;
  if (relay) copy = pe.event;
  KLYN_TRY(mempool_.add(std::move(pe), nonce, decided, now));
  if (copy) {
    std::lock_guard lk(mu_);
    auto at = due_.emplace(now, hash);
    book_.emplace(hash, Relayed{std::move(*copy), at});
  }
  return Status();
}

std::vector<chain::Event> EventPool::to_propose(size_t max, const std::set<Hash32>& exclude,
                                                Clock::time_point now) {
  mempool_.renew(now);
  kit::Lease lease;
  lease.now = now;
  lease.first = std::chrono::milliseconds(4 * options_.base_timeout_ms);
  lease.max = std::chrono::milliseconds(32 * options_.base_timeout_ms);
  std::vector<chain::Event> out;
  // An excluded event stays taken: the uncommitted block that carries it decides it, or its lease
  // runs out.
  for (auto& pe : mempool_.take(max, lease))
    if (!exclude.count(pe.hash)) out.push_back(std::move(pe.event));
  return out;
}

void EventPool::on_executed(const std::vector<std::pair<chain::AccountId, Hash32>>& decided,
                            std::vector<kit::PendingEvent> waiting, const NonceOf& nonce) {
  for (const auto& [sender, hash] : decided) mempool_.on_decided(sender, hash, nonce);
  if (!waiting.empty()) mempool_.on_deferred(std::move(waiting), nonce);
  std::lock_guard lk(mu_);
  sweep_locked();
}

std::vector<chain::Event> EventPool::to_relay(Clock::time_point now) {
  std::lock_guard lk(mu_);
  sweep_locked();
  std::vector<chain::Event> out;
  std::vector<Hash32> again;
  for (auto it = due_.begin(); it != due_.end() && it->first <= now;) {
    if (out.size() >= options_.max_relay) break;
    out.push_back(book_.at(it->second).event);
    again.push_back(it->second);
    it = due_.erase(it);
  }
  for (const Hash32& h : again) book_.at(h).due = due_.emplace(now + options_.resend, h);
  return out;
}

std::optional<EventPool::Clock::time_point> EventPool::next_relay() const {
  std::lock_guard lk(mu_);
  if (due_.empty()) return std::nullopt;
  return due_.begin()->first;
}

size_t EventPool::expire(Clock::time_point now, const NonceOf& nonce) {
  const size_t n = mempool_.expire(now, nonce);
  std::lock_guard lk(mu_);
  sweep_locked();
  return n;
}

std::vector<Hash32> EventPool::forgotten() {
  std::lock_guard lk(mu_);
  sweep_locked();
  std::vector<Hash32> out = std::move(forgotten_);
  forgotten_.clear();
  return out;
}

size_t EventPool::relaying() const {
  std::lock_guard lk(mu_);
  return book_.size();
}

void EventPool::sweep_locked() {
  for (const Hash32& h : mempool_.take_forgotten()) {
    if (auto it = book_.find(h); it != book_.end()) {
      due_.erase(it->second.due);
      book_.erase(it);
    }
    forgotten_.push_back(h);
  }
}

}  // namespace klyn::dev_symbiland
