#pragma once
// Catching up from peers (the thin I/O shell around block_range.h):
//
// * BlockPuller — a follower's catch-up: asks peers for the controller blocks after its stored
//   head (GET /s/{id}/sync/blocks?from=), checks each range with check_continuation(), stores
//   the valid blocks with their instant blocks in one batch (D2) and reports the new head. Peers
//   are tried in turn (judge_range's next_peer); a peer that sends an invalid range is not asked
//   again for kInvalidRest, one that showed a conflicting signed block for kConflictRest (the
//   evidence is recorded once; asking again would only repeat it). A peer that does not answer is
//   skipped to the next one but not rested: it may be the only one (the controller) and back soon.
//   Progress (blocks/s, remaining, ETA) is logged while far behind.
//
// Thread safety: each runs one thread of its own between start() and stop().

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "chain/store.h"
#include "common/log_throttle.h"
#include "workflows/dev_controller/block_range.h"
#include "workflows/kit/peers.h"

namespace spdlog {
class logger;
}

namespace klyn::net {
class HttpClient;
}

namespace klyn::dev_controller {

using kit::Peer;
using kit::PeerSet;

// The range a node serves to peers: blocks [from, from+limit) that it has stored. A storage
// error is returned, never served as a shorter range.
Result<Bytes> serve_range(const chain::ChainStore& store, uint64_t from, uint64_t limit,
                          uint64_t stored_head, const BlockLimits& limits);

class BlockPuller {
 public:
  struct Options {
    std::shared_ptr<PeerSet> peers;
    std::string symbiote_path;  // "/s/<id-hex>"
    SymbioteId symbiote{};
    crypto::PublicKey controller{};
    BlockLimits limits;
    std::chrono::milliseconds interval{50};
    std::shared_ptr<spdlog::logger> log;
    // Called when a peer serves a validly signed controller block at an index this node has
    // stored with a different hash: (our encoding, the peer's encoding, peer URL). That is
    // equivocation evidence (alarms.h); the puller then rests that peer for kConflictRest.
    std::function<void(Bytes, Bytes, const std::string&)> on_conflict;
    std::string node_id;  // sent as X-Klyn-Node (peer_scores.h)
  };
  // `on_stored(head)` is called after each stored batch.
  BlockPuller(chain::ChainStore& store, Options options, ChainTip tip,
              std::function<void(uint64_t)> on_stored);
  ~BlockPuller();
  void start();
  void stop();
  uint64_t peer_height() const { return peer_height_; }

 private:
  void loop();
  static constexpr std::chrono::seconds kInvalidRest{10}, kConflictRest{60};
  struct Pulled {
    int stored = 0;  // blocks stored, or -1 on failure
    bool next_peer = false;
    std::chrono::seconds rest{0};  // how long not to ask this peer again
  };
  // One request to one peer (judge_range of protocol.h decides what to store).
  Pulled pull_once(const Peer& peer);
  // The peer's next block is signed but does not link to our tip (RangeStep::probe): fetch its
  // block at our tip's index and, if it differs from ours (probe_conflict), report the conflict.
  // Whether it reported one.
  bool look_for_conflict(net::HttpClient& http, const Peer& peer);

  chain::ChainStore& store_;
  Options o_;
  std::map<std::string, std::unique_ptr<net::HttpClient>> clients_;  // by peer URL
  ChainTip tip_;
  std::function<void(uint64_t)> on_stored_;
  std::atomic<uint64_t> peer_height_{0};
  std::map<std::string, std::chrono::steady_clock::time_point> resting_;  // by URL; puller thread
  LogThrottle store_error_log_{std::chrono::seconds(10)};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
};

}  // namespace klyn::dev_controller
