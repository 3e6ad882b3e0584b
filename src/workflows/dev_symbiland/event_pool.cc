#include "workflows/dev_symbiland/event_pool.h"

#include <algorithm>
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
  // Under mu_ (before the mempool's lock, as in sweep_locked): a block deciding the event cannot
  // slip in between the mempool taking it and the relay book noting it.
  std::lock_guard lk(mu_);
  sweep_locked();
  KLYN_TRY(mempool_.add(std::move(pe), nonce, decided, now));
  if (copy) book_locked(hash, std::move(*copy), now);
  return Status();
}

bool EventPool::adopt(const chain::Event& e, const Hash32& hash, Clock::time_point now) {
  std::lock_guard lk(mu_);
  sweep_locked();
  if (!mempool_.contains(hash)) return false;
  if (!book_.count(hash)) book_locked(hash, e, now);
  return true;
}

void EventPool::book_locked(const Hash32& hash, chain::Event event, Clock::time_point now) {
  if (auto it = book_.find(hash); it != book_.end()) {
    due_.erase(it->second.due);
    book_.erase(it);
  }
  auto at = due_.emplace(now, hash);
  book_.emplace(hash, Relayed{std::move(event), at, 0});
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
  std::vector<DueOrder::iterator> picked;
  for (auto it = due_.begin(); it != due_.end() && it->first <= now; ++it) {
    if (picked.size() >= options_.max_relay) break;
    picked.push_back(it);
  }
  // Copies first: if one throws, the book is as it was.
  std::vector<chain::Event> out;
  out.reserve(picked.size());
  for (auto it : picked) out.push_back(book_.find(it->second)->second.event);
  // Then each is due again, after `resend` doubled per send up to 4 times it (a backlog is not
  // sent again in full every `resend`). Moving the node allocates nothing.
  for (auto it : picked) {
    Relayed& r = book_.find(it->second)->second;
    auto node = due_.extract(it);
    node.key() = now + options_.resend * (1u << std::min<uint32_t>(r.sends, 2));
    r.due = due_.insert(std::move(node));
    ++r.sends;
  }
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
