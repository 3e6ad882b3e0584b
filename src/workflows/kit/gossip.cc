#include "workflows/kit/gossip.h"

#include <spdlog/spdlog.h>

#include <map>

#include "net/http_client.h"

namespace klyn::kit {

Gossip::Gossip(Options options) : o_(std::move(options)) {}

Gossip::~Gossip() {
  stop();
}

void Gossip::start() {
  std::lock_guard lock(mu_);
  stop_ = false;
  if (!o_.per_peer && !thread_.joinable()) thread_ = std::thread([this] { loop(); });
}

void Gossip::stop() {
  std::map<std::string, std::unique_ptr<Lane>> lanes;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    for (auto& [url, lane] : lanes_) lane->cv.notify_all();
    lanes.swap(lanes_);
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (auto& [url, lane] : lanes)
    if (lane->thread.joinable()) lane->thread.join();
}

void Gossip::push(std::deque<MessagePtr>& queue, MessagePtr m) {
  if (queue.size() >= o_.max_queue) {
    queue.pop_front();
    ++dropped_;
  }
  queue.push_back(std::move(m));
}

void Gossip::send(std::string route, Bytes body) {
  auto m = std::make_shared<const Message>(
      Message{std::move(route), std::string(body.begin(), body.end())});
  if (!o_.per_peer) {
    {
      std::lock_guard lock(mu_);
      push(queue_, std::move(m));
    }
    cv_.notify_one();
    return;
  }
  const auto peers = o_.peers->snapshot();
  std::lock_guard lock(mu_);
  if (stop_) return;
  for (const Peer& p : peers) {
    auto& lane = lanes_[p.url];
    if (!lane) {
      lane = std::make_unique<Lane>();
      Lane& l = *lane;
      l.thread = std::thread([this, p, &l] { lane_loop(p, l); });
    }
    push(lane->queue, m);
    lane->cv.notify_one();
  }
}

void Gossip::deliver(const Peer& p, const Message& m, Link& link) {
  if (Clock::now() < link.skip_until) return;
  if (!link.client) link.client = std::make_unique<net::HttpClient>(p.host, p.port, o_.timeout);
  auto r = link.client->request(net::Method::kPost, o_.symbiote_path + m.route, m.body,
                                "application/octet-stream", {{"X-Klyn-Node", o_.node_id}});
  if (!r || r->status >= 500) {
    if (o_.log)
      o_.log->debug("gossip {} to {} failed: {}", m.route, p.url,
                    r ? std::to_string(r->status) : r.error().to_string());
    // Counted from the failure, not from the attempt: a peer that hangs until the timeout is
    // skipped for the whole back-off after it (else a timeout longer than the back-off would
    // make every message wait on it).
    link.skip_until = Clock::now() + o_.backoff;
    return;
  }
  if (r->status >= 400 && o_.log)
    o_.log->warn("gossip {} refused by {}: {} {}", m.route, p.url, r->status,
                 r->body.substr(0, 200));
  ++sent_;
}

void Gossip::loop() {
  std::map<std::string, Link> links;  // by peer URL
  while (true) {
    MessagePtr m;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      m = std::move(queue_.front());
      queue_.pop_front();
    }
    for (const Peer& p : o_.peers->snapshot()) {
      {
        std::lock_guard lock(mu_);
        if (stop_) return;  // do not wait on another peer once stopping
      }
      deliver(p, *m, links[p.url]);
    }
  }
}

void Gossip::lane_loop(Peer peer, Lane& lane) {
  Link link;
  while (true) {
    MessagePtr m;
    {
      std::unique_lock lock(mu_);
      lane.cv.wait(lock, [&] { return stop_ || !lane.queue.empty(); });
      if (stop_) return;
      m = std::move(lane.queue.front());
      lane.queue.pop_front();
    }
    deliver(peer, *m, link);
  }
}

}  // namespace klyn::kit
