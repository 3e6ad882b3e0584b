#pragma once
// Gossip: hands node-to-node messages (binary POSTs under /s/<id>/sync/...) to every peer of the
// symbiote, from a background thread, so the caller (often an HTTP handler) never waits on the
// network. Deduplication is the receivers' job: a node forwards only what it saw first (the
// receiving route answers "known" for the rest), so a message crosses each link at most once
// per direction.
//
// Contract: send() is thread-safe and never blocks on I/O; the queue is bounded (the oldest
// messages are dropped first, counted in dropped()). A peer that fails is skipped for a back-off
// period; messages are best effort (catch-up by range pull is what makes nodes converge).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/bytes.h"
#include "workflows/kit/peers.h"

namespace spdlog {
class logger;
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
    std::string node_id;  // sent as X-Klyn-Node (peer_scores.h)
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
  struct Message {
    std::string route;
    std::string body;
  };
  void loop();

  Options o_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Message> queue_;
  bool stop_ = false;
  std::atomic<uint64_t> sent_{0}, dropped_{0};
  std::thread thread_;
};

}  // namespace klyn::kit
