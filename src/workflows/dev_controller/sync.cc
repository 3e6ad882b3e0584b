#include "workflows/dev_controller/sync.h"

#include <spdlog/spdlog.h>

#include <map>

#include "codec/binary.h"
#include "codec/hex.h"
#include "net/http_client.h"
#include "net/url.h"
#include "workflows/dev_controller/verifier.h"

namespace klyn::dev_controller {

using namespace std::chrono_literals;

Result<bool> PeerSet::add(const std::string& url) {
  auto hp = net::parse_http_url(url);
  if (!hp) return Error("bad_url", "peer address " + url + ": " + hp.error().reason);
  std::lock_guard lock(mu_);
  for (const auto& p : peers_)
    if (p.host == hp->first && p.port == hp->second) return false;
  if (peers_.size() >= cap_)
    return Error("too_many_peers",
                 "this node keeps at most " + std::to_string(cap_) + " peers per symbiote");
  peers_.push_back({url, hp->first, hp->second});
  return true;
}

std::vector<Peer> PeerSet::snapshot() const {
  std::lock_guard lock(mu_);
  return peers_;
}

size_t PeerSet::size() const {
  std::lock_guard lock(mu_);
  return peers_.size();
}

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
    if (!cb) break;
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

int BlockPuller::pull_once(const Peer& p) {
  // One keep-alive connection per peer, reused across polls (only this thread uses them).
  auto& client = clients_[p.url];
  if (!client) client = std::make_unique<net::HttpClient>(p.host, p.port, 10s);
  net::HttpClient& http = *client;
  std::string target = o_.symbiote_path + "/sync/blocks?from=" + std::to_string(tip_.index + 1) +
                       "&limit=" + std::to_string(kMaxRangeBlocks);
  auto r = http.request(net::Method::kGet, target, "", "", {{"X-Klyn-Node", o_.node_id}});
  if (!r) {
    o_.log->debug("peer {}: {}", p.url, r.error().to_string());
    return -1;
  }
  if (r->status != 200) {
    o_.log->warn("peer {}: GET {} answered {}: {}", p.url, target, r->status,
                 r->body.substr(0, 200));
    return -1;
  }
  auto range = decode_range(as_bytes(r->body), o_.limits);
  if (!range) {
    o_.log->warn("peer {} sent a malformed block range: {}", p.url, range.error().reason);
    return -1;
  }
  peer_height_ = range->peer_stored_height;
  auto checked = check_continuation(tip_, o_.symbiote, o_.controller, *range, o_.limits);
  if (!checked.error.empty()) o_.log->warn("peer {}: refused {}", p.url, checked.error);
  if (checked.blocks.empty()) {
    if (!checked.error.empty() && !range->bundles.empty() && tip_.index > 0)
      look_for_conflict(http, p, range->bundles.front());
    return checked.error.empty() ? 0 : -1;
  }
  chain::WriteBatch batch;
  for (const auto& b : checked.blocks) {
    for (const auto& [h, enc] : b.instants) batch.put(dc_keys::instant(h), *enc);
    batch.put(dc_keys::controller(b.block.index), b.block.encode());
  }
  const CheckedBlock& last = checked.blocks.back();
  batch.put(dc_keys::kHead, chain::keys::be64(last.block.index));
  batch.put(dc_keys::kHeadHash, last.hash);
  if (auto st = store_.write(batch); !st) {
    if (store_error_log_.allow())
      o_.log->error("cannot store blocks from {}: {}{}", p.url, st.error().to_string(),
                    store_error_log_.suppressed_note());
    return -1;
  }
  tip_ = {last.block.index, last.hash};
  on_stored_(tip_.index);
  return static_cast<int>(checked.blocks.size());
}

void BlockPuller::look_for_conflict(net::HttpClient& http, const Peer& p, const BlockBundle& next) {
  auto cb = decode_controller_block(next.controller, o_.limits);
  if (!cb || cb->index != tip_.index + 1 || cb->prev_hash == tip_.hash ||
      !cb->verify_signature(o_.controller))
    return;  // not a signed block that builds on another history
  auto r = http.request(
      net::Method::kGet,
      o_.symbiote_path + "/sync/blocks?from=" + std::to_string(tip_.index) + "&limit=1", "", "",
      {{"X-Klyn-Node", o_.node_id}});
  if (!r || r->status != 200) return;
  auto range = decode_range(as_bytes(r->body), o_.limits);
  if (!range || range->bundles.empty()) return;
  auto ours = store_.get(dc_keys::controller(tip_.index));
  if (!ours || !*ours) return;
  Bytes mine((*ours)->begin(), (*ours)->end());
  if (mine == range->bundles.front().controller) return;
  if (o_.on_conflict) o_.on_conflict(std::move(mine), range->bundles.front().controller, p.url);
}

void BlockPuller::loop() {
  size_t peer = 0;
  auto progress_at = std::chrono::steady_clock::now();
  uint64_t progress_from = tip_.index;
  while (!stop_) {
    std::vector<Peer> peers = o_.peers->snapshot();
    int got = -1;
    if (!peers.empty()) {
      got = pull_once(peers[peer % peers.size()]);
      // A failing peer, or one with nothing new (it may itself be behind, e.g. another follower
      // still at height 0): ask the next one next time, so no peer can hold us back.
      if (got <= 0) peer = (peer + 1) % peers.size();
    }
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

// ---- EventForwarder ----

EventForwarder::EventForwarder(Mempool& mempool, Options options,
                               std::function<uint64_t(const chain::AccountId&)> committed_nonce)
    : mempool_(mempool), o_(std::move(options)), nonce_of_(std::move(committed_nonce)) {}

EventForwarder::~EventForwarder() {
  stop();
}

void EventForwarder::start() {
  stop_ = false;
  thread_ = std::thread([this] { loop(); });
}

void EventForwarder::stop() {
  stop_ = true;
  mempool_.wake();
  if (thread_.joinable()) thread_.join();
}

bool EventForwarder::refused_for_good(const std::string& code) {
  return code == "bad_signature" || code == "wrong_symbiote" || code == "too_large" ||
         code == "bad_payload" || code == "unsupported_type" || code == "malformed" ||
         code == "fee_too_low";
}

void EventForwarder::loop() {
  std::map<std::string, std::unique_ptr<net::HttpClient>> clients;  // by URL
  std::map<Hash32, size_t> relay_duplicates;  // "duplicate" answers from relaying peers
  size_t peer = 0;
  while (!stop_) {
    std::vector<Peer> peers = o_.peers->snapshot();
    if (peers.empty()) {
      std::this_thread::sleep_for(50ms);  // nobody to forward to yet (see POST addnode)
      continue;
    }
    const Peer& target = peers[peer % peers.size()];
    auto& client = clients[target.url];
    if (!client) client = std::make_unique<net::HttpClient>(target.host, target.port, 10s);
    mempool_.renew(std::chrono::steady_clock::now());  // leases run out: offered again
    mempool_.wait_ready(200ms);
    std::vector<PendingEvent> batch = mempool_.take(
        o_.batch, Lease{std::chrono::steady_clock::now(), o_.lease_first, o_.lease_max});
    if (batch.empty()) continue;
    codec::Writer w(batch.size() * 180 + 8);
    w.varint(batch.size());
    for (const auto& pe : batch) pe.event.encode_to(w);
    auto r =
        client->post(o_.symbiote_path + "/events", std::string(w.data().begin(), w.data().end()),
                     "application/octet-stream");
    if (!r || r->status != 200) {
      o_.log->debug(
          "forwarding to {} failed: {}", target.url,
          r ? std::to_string(r->status) + " " + r->body.substr(0, 200) : r.error().to_string());
      mempool_.give_back(batch);  // not handed on: first in the next batch, to the next peer
      peer = (peer + 1) % peers.size();
      for (int i = 0; i < 10 && !stop_; ++i) std::this_thread::sleep_for(20ms);  // back off
      continue;
    }
    auto j = nlohmann::json::parse(r->body, nullptr, false);
    const nlohmann::json* results =
        j.is_object() && j.contains("results") ? &j["results"] : nullptr;
    // A peer that orders (the controller) answering "duplicate" has the event; a peer that only
    // relays may have it from us (A -> B -> A): then it must go on towards an orderer through
    // another peer, or the two would hold it pending forever (found by the simulation, seed 16).
    const bool orders = j.is_object() && j.value("orders", false);
    std::vector<PendingEvent> again;
    bool rotate = false;
    for (size_t i = 0; i < batch.size(); ++i) {
      const nlohmann::json* item = results && i < results->size() ? &(*results)[i] : nullptr;
      std::string err = item && item->is_object() ? item->value("error", "") : "";
      if (err == "duplicate" && !orders && ++relay_duplicates[batch[i].hash] < peers.size()) {
        again.push_back(std::move(batch[i]));
        rotate = true;
      } else if (err.empty() || err == "duplicate") {
        relay_duplicates.erase(batch[i].hash);
        ++forwarded_;  // leased: offered again unless a block decides it in time
      } else if (refused_for_good(err)) {
        o_.log->info("peer refused forwarded event {}: {} {}", codec::hex_encode(batch[i].hash),
                     err, item ? item->value("reason", "") : "");
        mempool_.give_up(batch[i].hash, nonce_of_);
      } else {
        // Refused for now (the peer's nonce, balance or room): the lease offers it again later,
        // through the next peer (this one may hold a twin that never gets in: simulation, soak
        // seed 3000194); if another event took its nonce, the block deciding that forgets it.
        rotate = true;
        o_.log->debug("peer {} refused forwarded event {} for now: {}", target.url,
                      codec::hex_encode(batch[i].hash), err);
      }
    }
    if (relay_duplicates.size() > 100'000) relay_duplicates.clear();  // bounded memory
    mempool_.give_back(again);
    if (rotate) peer = (peer + 1) % peers.size();
  }
}

}  // namespace klyn::dev_controller
