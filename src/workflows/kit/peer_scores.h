#pragma once
// PeerScores: misbehaviour accounting for the node-to-node routes (/s/{sym}/sync/...).
//
// A peer is named by its IP address plus the node id it declares in the `X-Klyn-Node` header
// (many nodes share 127.0.0.1 on a local network). Invalid messages (garbage, wrong symbiote, bad
// signatures, unstaked producers, proofs that do not verify) add many points. Duplicates are
// normal gossip the first time (every node forwards a message once to each of its peers, so a
// node gets one copy per peer): the first copy of a message from a peer costs nothing, and so
// does a later copy at the pace of re-offers with back-off (D12); a copy of the same message from
// the same peer sooner than `min_repeat` after the previous one costs a point, so only a flood
// matters. Scores
// decay with a half-life. A peer over the threshold is refused (403 `banned`) on every sync route
// until its ban ends; honest peers are unaffected. The declared id is not authenticated: a
// misbehaving peer that changes it starts from zero, as one that changes its IP address would.
//
// Thread-safe.

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>

namespace klyn::kit {

// A fresh random id for this node's `X-Klyn-Node` header (16 hex digits), one per symbiote and
// process.
std::string new_node_id();

class PeerScores {
 public:
  using Clock = std::chrono::steady_clock;
  struct Options {
    double threshold = 100;
    std::chrono::seconds ban{60};
    std::chrono::seconds half_life{60};
    // A repeat of a message from the same peer costs only when it comes sooner than this after
    // the previous copy (below the 200 ms first back-off of D12's re-offers).
    std::chrono::milliseconds min_repeat{150};
  };
  static constexpr double kInvalid = 20;   // a message that fails validation
  static constexpr double kDuplicate = 1;  // a message this peer already sent

  PeerScores() : PeerScores(Options{}) {}
  explicit PeerScores(Options o) : o_(o) {}

  // "ip|node-id" (node id "" when the header is missing).
  static std::string key(const std::string& ip, const std::string& node_id);

  // Seconds left on the peer's ban, 0 when it is not banned.
  int64_t banned_for(const std::string& peer, Clock::time_point now = Clock::now());
  // Adds points; returns true when this pushed the peer over the threshold (it is banned now).
  bool penalize(const std::string& peer, double points, Clock::time_point now = Clock::now());
  // A message this node already had, arriving from `peer` (`message` a digest of its bytes):
  // free the first time from this peer, and free again when it comes at least min_repeat after
  // the previous copy (re-offers with back-off); kDuplicate when sooner. Returns what penalize
  // returns.
  bool duplicate(const std::string& peer, uint64_t message, Clock::time_point now = Clock::now());
  double score(const std::string& peer, Clock::time_point now = Clock::now());
  nlohmann::json to_json(Clock::time_point now = Clock::now());

 private:
  struct Entry {
    double score = 0;
    Clock::time_point updated{};
    Clock::time_point banned_until{};
  };
  void decay(Entry& e, Clock::time_point now) const;

  Options o_;
  std::mutex mu_;
  std::map<std::string, Entry> peers_;
  // (peer, message) pairs seen as duplicates, as one 64-bit digest each, oldest first (bounded).
  std::mutex seen_mu_;
  std::unordered_map<uint64_t, Clock::time_point> seen_;  // pair -> its last copy
  std::deque<uint64_t> seen_order_;
};

}  // namespace klyn::kit
