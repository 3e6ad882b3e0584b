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
  if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
}

void Gossip::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Gossip::send(std::string route, Bytes body) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= o_.max_queue) {
      queue_.pop_front();
      ++dropped_;
    }
    queue_.push_back({std::move(route), std::string(body.begin(), body.end())});
  }
  cv_.notify_one();
}

void Gossip::loop() {
  using clock = std::chrono::steady_clock;
  std::map<std::string, std::unique_ptr<net::HttpClient>> clients;  // by peer URL
  std::map<std::string, clock::time_point> skip_until;
  while (true) {
    Message m;
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
      if (auto it = skip_until.find(p.url); it != skip_until.end() && clock::now() < it->second)
        continue;
      auto& c = clients[p.url];
      if (!c) c = std::make_unique<net::HttpClient>(p.host, p.port, o_.timeout);
      auto r = c->request(net::Method::kPost, o_.symbiote_path + m.route, m.body,
                          "application/octet-stream", {{"X-Klyn-Node", o_.node_id}});
      if (!r || r->status >= 500) {
        if (o_.log)
          o_.log->debug("gossip {} to {} failed: {}", m.route, p.url,
                        r ? std::to_string(r->status) : r.error().to_string());
        // Counted from the failure, not from the attempt: a peer that hangs until the timeout is
        // skipped for the whole back-off after it (else a timeout longer than the back-off would
        // make every message wait on it).
        skip_until[p.url] = clock::now() + o_.backoff;
        continue;
      }
      if (r->status >= 400 && o_.log)
        o_.log->warn("gossip {} refused by {}: {} {}", m.route, p.url, r->status,
                     r->body.substr(0, 200));
      ++sent_;
    }
  }
}

}  // namespace klyn::kit
