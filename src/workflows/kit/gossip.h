#pragma once
// Gossip: hands node-to-node messages (binary POSTs under /s/<id>/sync/...) to every peer of the
// symbiote, from a background thread, so the caller (often an HTTP handler) never waits on the
// network. Deduplication is the receivers' job: a node forwards only what it saw first (the
// receiving route answers "known" for the rest), so a message crosses each link at most once
// per direction.
//
// Contract: send() is thread-safe and never blocks on I/O; the queue is bounded (the oldest
// messages are dropped first, counted in dropped()). A peer that fails is skipped for a back-off
// period; messages are best effort (catch-up by range pull is what makes nodes converge). Each
// peer gets the messages in the order they were sent. With Options::per_peer every peer has a
// sending thread, queue and connection of its own, so a message reaches all peers in one round
// trip instead of one after another, and a slow peer holds up nobody else (consensus messages,
// where every hop is on the critical path).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/bytes.h"
#include "workflows/kit/peers.h"

namespace spdlog {
class logger;
}
namespace klyn::net {
class HttpClient;
}

namespace klyn::kit {

class Gossip {
 public:
  struct Options {
    std::shared_ptr<PeerSet> peers;
    std::string symbiote_path;  // "/s/<id-hex>"
    size_t max_queue = 4096;
    std::chrono::milliseconds timeout{2000};
    std::chrono::milliseconds backoff{1000};
    std::shared_ptr<spdlog::logger> log;
    std::string node_id;    // sent as X-Klyn-Node (peer_scores.h)
    bool per_peer = false;  // a thread and a queue (of max_queue) per peer, instead of one
  };
  explicit Gossip(Options options);
  ~Gossip();
  void start();
  void stop();

  // Queues `body` for POST <symbiote_path><route> to every peer (e.g. route "/sync/equivocation").
  void send(std::string route, Bytes body);
  uint64_t sent() const { return sent_; }
  uint64_t dropped() const { return dropped_; }

 private:
  using Clock = std::chrono::steady_clock;
  struct Message {
    std::string route;
    std::string body;
  };
  using MessagePtr = std::shared_ptr<const Message>;
  // Where one peer's messages wait (per_peer) and what the sender knows of it.
  struct Lane {
    std::deque<MessagePtr> queue;
    std::condition_variable cv;
    std::thread thread;
  };
  struct Link {
    std::unique_ptr<net::HttpClient> client;
    Clock::time_point skip_until{};
  };
  void loop();
  void lane_loop(Peer peer, Lane& lane);
  void push(std::deque<MessagePtr>& queue, MessagePtr m);  // bounded; under mu_
  // One POST to one peer (skipped while the peer is backed off); true if it was taken.
  void deliver(const Peer& peer, const Message& m, Link& link);

  Options o_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<MessagePtr> queue_;
  std::map<std::string, std::unique_ptr<Lane>> lanes_;  // per_peer: by peer URL
  bool stop_ = false;
  std::atomic<uint64_t> sent_{0}, dropped_{0};
  std::thread thread_;
};

}  // namespace klyn::kit
