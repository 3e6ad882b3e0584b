#include "workflows/dev_controller/sync.h"

#include <spdlog/spdlog.h>

#include <map>

#include "codec/binary.h"
#include "codec/hex.h"
#include "net/http_client.h"
#include "net/url.h"
#include "workflows/dev_controller/protocol.h"
#include "workflows/dev_controller/verifier.h"

namespace klyn::dev_controller {

using namespace std::chrono_literals;

Result<Bytes> serve_range(const chain::ChainStore& store, uint64_t from, uint64_t limit,
                          uint64_t stored_head, const BlockLimits& limits) {
  BlockRange range;
  range.peer_stored_height = stored_head;
  size_t bytes = 0;
  for (uint64_t i = from; i < from + limit && i <= stored_head && bytes < kMaxRangeBytes / 2; ++i) {
    auto c = store.get(dc_keys::controller(i));
    if (!c) return c.error();
    if (!*c) break;
    auto cb = decode_controller_block(as_bytes(**c), limits);
    if (!cb)  // stored by us after checking: not decoding is damage, not the end of the range
      return Error("storage_corrupt", "stored controller block " + std::to_string(i) +
                                          " does not decode: " + cb.error().reason);
    BlockBundle b;
    b.controller.assign((*c)->begin(), (*c)->end());
    bool complete = true;
    for (const auto& h : cb->instant_blocks) {
      auto ib = store.get(dc_keys::instant(h));
      if (!ib) return ib.error();
      if (!*ib) {
        complete = false;
        break;
      }
      bytes += (*ib)->size();
      b.instants.emplace_back((*ib)->begin(), (*ib)->end());
    }
    if (!complete) break;
    bytes += b.controller.size();
    range.bundles.push_back(std::move(b));
  }
  return encode_range(range);
}

// ---- BlockPuller ----

BlockPuller::BlockPuller(chain::ChainStore& store, Options options, ChainTip tip,
                         std::function<void(uint64_t)> on_stored)
    : store_(store), o_(std::move(options)), tip_(tip), on_stored_(std::move(on_stored)) {}

BlockPuller::~BlockPuller() {
  stop();
}

void BlockPuller::start() {
  stop_ = false;
  thread_ = std::thread([this] { loop(); });
}

void BlockPuller::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

BlockPuller::Pulled BlockPuller::pull_once(const Peer& p) {
  // One keep-alive connection per peer, reused across polls (only this thread uses them).
  auto& client = clients_[p.url];
  if (!client) client = std::make_unique<net::HttpClient>(p.host, p.port, 10s);
  net::HttpClient& http = *client;
  std::string target = o_.symbiote_path + "/sync/blocks?from=" + std::to_string(tip_.index + 1) +
                       "&limit=" + std::to_string(kMaxRangeBlocks);
  auto r = http.request(net::Method::kGet, target, "", "", {{"X-Klyn-Node", o_.node_id}});
  if (!r) {
    o_.log->debug("peer {}: {}", p.url, r.error().to_string());
    return {-1, true};
  }
  if (r->status != 200) {
    o_.log->warn("peer {}: GET {} answered {}: {}", p.url, target, r->status,
                 r->body.substr(0, 200));
    return {-1, true};
  }
  auto range = decode_range(as_bytes(r->body), o_.limits);
  if (!range) {
    o_.log->warn("peer {} sent a malformed block range: {}", p.url, range.error().reason);
    return {-1, true, kInvalidRest};
  }
  peer_height_ = range->peer_stored_height;
  RangeStep step = judge_range(tip_, o_.symbiote, o_.controller, *range, o_.limits);
  if (!step.error.empty()) o_.log->warn("peer {}: refused {}", p.url, step.error);
  const bool conflict = step.probe && look_for_conflict(http, p);
  if (step.blocks > 0) {
    if (auto st = store_.write(step.batch); !st) {
      if (store_error_log_.allow())
        o_.log->error("cannot store blocks from {}: {}{}", p.url, st.error().to_string(),
                      store_error_log_.suppressed_note());
      return {-1, true};
    }
    tip_ = step.tip;
    on_stored_(tip_.index);
  }
  const bool failed = step.blocks == 0 && !step.error.empty();
  const auto rest = conflict ? kConflictRest : step.error.empty() ? 0s : kInvalidRest;
  return {failed ? -1 : static_cast<int>(step.blocks), step.next_peer, rest};
}

bool BlockPuller::look_for_conflict(net::HttpClient& http, const Peer& p) {
  auto r = http.request(
      net::Method::kGet,
      o_.symbiote_path + "/sync/blocks?from=" + std::to_string(tip_.index) + "&limit=1", "", "",
      {{"X-Klyn-Node", o_.node_id}});
  if (!r || r->status != 200) return false;
  auto range = decode_range(as_bytes(r->body), o_.limits);
  if (!range) return false;
  auto ours = store_.get(dc_keys::controller(tip_.index));
  if (!ours || !*ours) return false;
  Bytes mine((*ours)->begin(), (*ours)->end());
  if (auto theirs = probe_conflict(*range, mine, tip_.index, o_.symbiote, o_.controller, o_.limits);
      theirs) {
    if (o_.on_conflict) o_.on_conflict(std::move(mine), std::move(*theirs), p.url);
    return true;
  }
  return false;
}

void BlockPuller::loop() {
  size_t peer = 0;
  auto progress_at = std::chrono::steady_clock::now();
  uint64_t progress_from = tip_.index;
  while (!stop_) {
    std::vector<Peer> peers = o_.peers->snapshot();
    int got = -1;
    // The next peer in turn that is not resting after an invalid range or a conflict.
    const auto started = std::chrono::steady_clock::now();
    std::optional<size_t> chosen;
    for (size_t k = 0; k < peers.size() && !chosen; ++k) {
      const size_t i = (peer + k) % peers.size();
      auto it = resting_.find(peers[i].url);
      if (it == resting_.end() || it->second <= started) chosen = i;
    }
    if (chosen) {
      peer = *chosen;
      const Pulled pulled = pull_once(peers[peer]);
      got = pulled.stored;
      if (pulled.rest > 0s) {
        resting_[peers[peer].url] = std::chrono::steady_clock::now() + pulled.rest;
        o_.log->info("peer {}: not asked for blocks again for {} s", peers[peer].url,
                     pulled.rest.count());
      }
      if (pulled.next_peer) peer = (peer + 1) % peers.size();  // RangeStep::next_peer
    }
    std::erase_if(resting_, [&](const auto& e) { return e.second <= started; });
    auto now = std::chrono::steady_clock::now();
    uint64_t remaining = peer_height_ > tip_.index ? peer_height_ - tip_.index : 0;
    if (now - progress_at >= 2s) {
      double secs = std::chrono::duration<double>(now - progress_at).count();
      double rate = (tip_.index - progress_from) / secs;
      if (remaining > kMaxRangeBlocks)
        o_.log->info("catch-up: {} blocks/s, {} remaining, ETA {:.0f} s",
                     static_cast<uint64_t>(rate), remaining, rate > 0 ? remaining / rate : -1.0);
      progress_at = now;
      progress_from = tip_.index;
    }
    if (got == static_cast<int>(kMaxRangeBlocks) && remaining > 0)
      continue;  // far behind: no pause
    std::unique_lock lock(mu_);
    cv_.wait_for(lock,
                 got < 0 ? std::max<std::chrono::milliseconds>(o_.interval, 500ms) : o_.interval,
                 [&] { return stop_.load(); });
  }
}

}  // namespace klyn::dev_controller
