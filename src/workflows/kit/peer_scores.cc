#include "workflows/kit/peer_scores.h"

#include <sodium.h>

#include <array>
#include <cmath>

#include "codec/hex.h"

namespace klyn::kit {

std::string new_node_id() {
  std::array<uint8_t, 8> id{};
  randombytes_buf(id.data(), id.size());
  return codec::hex_encode(id);
}

namespace {
constexpr size_t kMaxTracked = 10'000;  // forget the lowest scores beyond this many peers
constexpr size_t kMaxSeenDuplicates = 200'000;
}  // namespace

std::string PeerScores::key(const std::string& ip, const std::string& node_id) {
  return ip + "|" + node_id.substr(0, 64);
}

void PeerScores::decay(Entry& e, Clock::time_point now) const {
  if (e.updated == Clock::time_point{} || now <= e.updated) {
    e.updated = now;
    return;
  }
  const double dt = std::chrono::duration<double>(now - e.updated).count();
  e.score *= std::exp2(-dt / static_cast<double>(o_.half_life.count()));
  e.updated = now;
}

int64_t PeerScores::banned_for(const std::string& peer, Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = peers_.find(peer);
  if (it == peers_.end() || now >= it->second.banned_until) return 0;
  return std::chrono::duration_cast<std::chrono::seconds>(it->second.banned_until - now).count() +
         1;
}

bool PeerScores::penalize(const std::string& peer, double points, Clock::time_point now) {
  std::lock_guard lock(mu_);
  if (peers_.size() >= kMaxTracked && !peers_.count(peer)) {
    // Keep the table bounded: drop peers that are not banned and have decayed to little.
    for (auto it = peers_.begin(); it != peers_.end();) {
      decay(it->second, now);
      if (now >= it->second.banned_until && it->second.score < 1)
        it = peers_.erase(it);
      else
        ++it;
    }
    if (peers_.size() >= kMaxTracked) return false;
  }
  Entry& e = peers_[peer];
  decay(e, now);
  e.score += points;
  if (e.score >= o_.threshold && now >= e.banned_until) {
    e.banned_until = now + o_.ban;
    e.score = 0;  // a fresh start once the ban is over
    return true;
  }
  return false;
}

bool PeerScores::duplicate(const std::string& peer, uint64_t message, Clock::time_point now) {
  // A collision of two pairs only makes one copy look like a repeat: harmless.
  const uint64_t pair = std::hash<std::string>{}(peer)*0x9e3779b97f4a7c15ULL ^ message;
  {
    std::lock_guard lock(seen_mu_);
    auto [it, first] = seen_.try_emplace(pair, now);
    if (first) {
      seen_order_.push_back(pair);
      if (seen_order_.size() > kMaxSeenDuplicates) {
        seen_.erase(seen_order_.front());
        seen_order_.pop_front();
      }
      return false;
    }
    // A repeat at the pace of the protocol's own re-offers (D12: 200 ms back-off and more) is
    // not a flood; only one sooner than that costs.
    const bool flood = now - it->second < o_.min_repeat;
    it->second = now;
    if (!flood) return false;
  }
  return penalize(peer, kDuplicate, now);
}

double PeerScores::score(const std::string& peer, Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = peers_.find(peer);
  if (it == peers_.end()) return 0;
  decay(it->second, now);
  return it->second.score;
}

nlohmann::json PeerScores::to_json(Clock::time_point now) {
  std::lock_guard lock(mu_);
  nlohmann::json out = nlohmann::json::array();
  for (auto& [k, e] : peers_) {
    decay(e, now);
    const int64_t left =
        now < e.banned_until
            ? std::chrono::duration_cast<std::chrono::seconds>(e.banned_until - now).count() + 1
            : 0;
    if (e.score < 0.5 && left == 0) continue;
    out.push_back({{"peer", k}, {"score", std::round(e.score * 10) / 10}, {"banned_for_s", left}});
  }
  return out;
}

}  // namespace klyn::kit
